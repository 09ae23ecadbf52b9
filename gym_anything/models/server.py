"""Serve a local transformers vision-language model (or any backend with ``complete(prompt, images)``) over an
OpenAI-compatible chat-completions API.

``gym-anything serve-judge --model PATH --port 8000`` then ``GYM_ANYTHING_JUDGE=openai:http://127.0.0.1:8000/v1#local``.
Handles ``POST /v1/chat/completions`` (text and ``data:`` image URLs) and ``GET /v1/models``.
"""

from __future__ import annotations

import base64
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
from PIL import Image

from .backends import Backend, TransformersBackend


def _decode_image(url: str) -> np.ndarray:
    if not url.startswith("data:") or ";base64," not in url:
        raise ValueError("only data: URLs with base64 images are accepted (no network fetches)")
    data = base64.b64decode(url.split(";base64,", 1)[1])
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


class ModelServer:
    """A threaded HTTP server around one backend (requests are answered one at a time).

    ``model``: a local model folder (loaded as a TransformersBackend) or a backend object with ``complete``.
    """

    def __init__(self, model: str | Backend, host: str = "127.0.0.1", port: int = 0, model_name: str = "local"):
        self.judge = TransformersBackend(model) if isinstance(model, str) else model
        self.model_name = model_name
        self.requests: list[dict[str, Any]] = []  # model, prompt and image count of each request (for inspection)
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                if self.path.rstrip("/") == "/v1/models":
                    self._send(200, {"object": "list", "data": [{"id": server.model_name, "object": "model"}]})
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, {"error": {"message": "not found"}})
                    return
                try:
                    request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                    texts: list[str] = []
                    images: list[np.ndarray] = []
                    for message in request["messages"]:
                        content = message["content"]
                        parts: list[dict[str, Any]] = [{"type": "text", "text": content}] if isinstance(content, str) \
                            else content
                        for part in parts:
                            if part["type"] == "text":
                                texts.append(part["text"])
                            elif part["type"] == "image_url":
                                images.append(_decode_image(part["image_url"]["url"]))
                    prompt = "\n".join(texts)
                    with server._lock:
                        server.requests.append({"model": request.get("model"), "prompt": prompt,
                                                "images": len(images)})
                        answer = server.judge.complete(prompt, images)
                except (KeyError, ValueError, TypeError) as exc:
                    self._send(400, {"error": {"message": f"bad request: {exc}"}})
                    return
                self._send(200, {"id": "chatcmpl-local", "object": "chat.completion", "model": server.model_name,
                                 "choices": [{"index": 0, "finish_reason": "stop",
                                              "message": {"role": "assistant", "content": answer}}]})

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> ModelServer:
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


JudgeServer = ModelServer  # its name when it only served judges
