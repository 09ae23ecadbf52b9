"""A real OpenAI-compatible HTTP server for tests: each model name answers from a script.

A script is a callable ``(body) -> reply``: ``body`` is the request as sent (messages, tools), ``reply`` a dict
with ``content`` and optionally ``tool_calls`` as ``[{"name": ..., "arguments": {...}}]``. Every request is kept
in ``requests`` (model, body) for the test to inspect afterwards; a script that raises answers HTTP 500 with the
error (and the error is kept in ``errors``), so a failing script shows in the test, not in a server thread.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Script = Callable[[dict[str, Any]], dict[str, Any]]


class ScriptedModels:
    def __init__(self, scripts: dict[str, Script]):
        self.scripts = scripts
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.errors: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                owner.requests.append((body.get("model"), body))
                try:
                    reply = owner.scripts[body["model"]](body)
                    status, payload = 200, owner._completion(body, reply)
                except Exception as exc:  # noqa: BLE001 - reported to the client and kept for the test
                    owner.errors.append(f"{type(exc).__name__}: {exc}")
                    status, payload = 500, {"error": {"message": str(exc)}}
                if status == 200 and body.get("stream"):  # OpenAI's server-sent events (verifiers' relay asks)
                    data = owner._events(payload)
                    self.send_response(status)
                    self.send_header("Content-Type", "text/event-stream")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def spec(self, model: str) -> str:
        return f"openai:{self.url}#{model}"

    def bodies(self, model: str) -> list[dict[str, Any]]:
        return [body for name, body in self.requests if name == model]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _completion(self, body: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
        n = len(self.requests)
        message: dict[str, Any] = {"role": "assistant", "content": reply.get("content", "")}
        calls = reply.get("tool_calls") or []
        if calls:
            message["tool_calls"] = [{"id": f"call-{n}-{i}", "type": "function",
                                      "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])}}
                                     for i, c in enumerate(calls)]
        prompt = len(json.dumps(body["messages"])) // 4
        completion = len(json.dumps(message)) // 4
        return {"id": f"chatcmpl-{n}", "object": "chat.completion", "model": body["model"],
                "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}],
                "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                          "total_tokens": prompt + completion}}


    @staticmethod
    def _events(completion: dict[str, Any]) -> bytes:
        """A completion as the chunks a streaming request gets: the message, then finish reason and usage."""
        choice = completion["choices"][0]
        delta = {k: v for k, v in choice["message"].items() if k != "tool_calls"}
        if choice["message"].get("tool_calls"):
            delta["tool_calls"] = [{"index": i, **call} for i, call in enumerate(choice["message"]["tool_calls"])]
        head = {k: completion[k] for k in ("id", "model")} | {"object": "chat.completion.chunk"}
        chunks = [{**head, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
                  {**head, "choices": [{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]}]},
                  {**head, "choices": [], "usage": completion["usage"]}]
        return b"".join(f"data: {json.dumps(c)}\n\n".encode() for c in chunks) + b"data: [DONE]\n\n"


def text_of(message: dict[str, Any]) -> str:
    """The text of a message whose content is a string or a list of parts."""
    content = message.get("content")
    if isinstance(content, list):
        return "\n".join(part.get("text", "") for part in content if part.get("type") == "text")
    return content or ""


class Turns:
    """A script that plays a fixed list of turns, one per request (the test checks ``left`` is 0)."""

    def __init__(self, turns: list[Script]):
        self.turns = list(turns)

    @property
    def left(self) -> int:
        return len(self.turns)

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        if not self.turns:
            raise AssertionError("the script has no turn left")
        return self.turns.pop(0)(body)
