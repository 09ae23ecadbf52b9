"""A chat with tool calls over any OpenAI-compatible ``/chat/completions`` endpoint (vLLM, hosted APIs).

:class:`ChatClient` sends the whole message list and the tools' JSON schemas and returns the assistant's message
(its text and tool calls) with the token usage the endpoint reported. The creation agent (``gym-anything create
run``) is driven through it; one-shot prompts (judges, reviewers) use :mod:`.backends`.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from .answers import ModelAnswerError


@dataclass(frozen=True)
class ToolCall:
    """One call the model asked for: the call's id, the tool's name and its arguments (the raw JSON text)."""

    id: str
    name: str
    arguments: str

    def parsed(self) -> dict[str, Any]:
        """The arguments as an object; ValueError naming the problem when they are not a JSON object."""
        try:
            value = json.loads(self.arguments or "{}")
        except json.JSONDecodeError as exc:
            raise ValueError(f"the arguments of {self.name} are not JSON: {exc}") from None
        if not isinstance(value, dict):
            raise ValueError(f"the arguments of {self.name} must be a JSON object, got {type(value).__name__}")
        return value


@dataclass
class ChatReply:
    """The assistant's turn: its text, its tool calls, the tokens it cost and why it stopped."""

    content: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = ""

    def message(self) -> dict[str, Any]:
        """The reply as a message to send back in the conversation."""
        message: dict[str, Any] = {"role": "assistant", "content": self.content}
        if self.tool_calls:
            message["tool_calls"] = [{"id": c.id, "type": "function",
                                      "function": {"name": c.name, "arguments": c.arguments}}
                                     for c in self.tool_calls]
        return message


def post_chat_completion(base_url: str, api_key: str, body: dict[str, Any], timeout: float) -> dict[str, Any]:
    """POST ``body`` to ``base_url/chat/completions``; the reply's JSON, or ModelAnswerError for network and HTTP
    errors (the one HTTP call of every OpenAI-compatible client here)."""
    request = urllib.request.Request(f"{base_url}/chat/completions", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {api_key}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            reply = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode("utf-8", "replace")
        raise ModelAnswerError(f"the model endpoint {base_url} answered HTTP {exc.code}: {detail}") from None
    except Exception as exc:  # noqa: BLE001 - network and format errors all fail closed
        raise ModelAnswerError(f"the model endpoint {base_url} failed: {type(exc).__name__}: {exc}") from None
    if not isinstance(reply, dict):
        raise ModelAnswerError(f"the model endpoint {base_url} answered {type(reply).__name__}, not an object")
    return reply


class ChatClient:
    """Chat completions with tools at ``base_url`` for ``model``; the key comes from ``OPENAI_API_KEY``
    (``models.backends.make_chat_client`` makes one from a model spec)."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout: float = 600,
                 max_tokens: int = 8192, temperature: float = 0):
        self.base_url, self.model, self.timeout = base_url.rstrip("/"), model, timeout
        self.max_tokens, self.temperature = max_tokens, temperature
        self.api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY", "")

    def chat(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> ChatReply:
        """One assistant turn for ``messages``; ModelAnswerError for network, HTTP and format errors."""
        body: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": self.temperature,
                                "max_tokens": self.max_tokens}
        if tools:
            body["tools"] = tools
        reply = post_chat_completion(self.base_url, self.api_key, body, self.timeout)
        try:
            choice = reply["choices"][0]
            message = choice["message"]
            calls = [ToolCall(str(c.get("id") or f"call-{i}"), c["function"]["name"],
                              c["function"].get("arguments") or "{}")
                     for i, c in enumerate(message.get("tool_calls") or [])]
            usage = reply.get("usage") or {}
            return ChatReply(message.get("content") or "", calls, int(usage.get("prompt_tokens") or 0),
                             int(usage.get("completion_tokens") or 0), str(choice.get("finish_reason") or ""))
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise ModelAnswerError(f"the model endpoint {self.base_url} answered an unreadable completion: "
                                   f"{type(exc).__name__}: {exc}") from None
