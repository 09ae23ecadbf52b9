"""Model backends: one ``complete(prompt, images) -> str`` interface over a local model or any OpenAI-compatible
endpoint, and the one parser of model specs.

A model spec is configuration, not code: ``transformers:/path/to/model`` (a local model loaded with
``AutoProcessor`` + ``AutoModelForImageTextToText``) or ``openai:http://host:port/v1#model-name`` (any
OpenAI-compatible chat-completions endpoint with images; the key comes from ``OPENAI_API_KEY``). The same
backends serve checklist judges, VLM agents and test-time reviewers.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Protocol

import numpy as np
from PIL import Image

from .answers import ModelAnswerError
from .chat import ChatClient, post_chat_completion
from .images import png_data_url

MODEL_KINDS = ("openai", "transformers")
MODEL_VARIABLE = "GYM_ANYTHING_JUDGE"  # the default model spec of checklist judges


class Backend(Protocol):
    def complete(self, prompt: str, images: list[np.ndarray]) -> str:
        """One answer of the model to a prompt with images."""


@dataclass(frozen=True)
class ModelSpec:
    """A parsed model spec: ``kind`` (openai | transformers), ``location`` (endpoint URL or model folder) and, for
    an endpoint, the ``model`` name."""

    kind: str
    location: str
    model: str | None = None

    @property
    def name(self) -> str:
        """A short, file-name-safe name: the endpoint's model id, or the local folder's name."""
        name = self.model if self.kind == "openai" else PurePath(self.location).name
        return re.sub(r"[^A-Za-z0-9._-]+", "-", name or "").strip("-") or self.kind

    def __str__(self) -> str:
        return f"{self.kind}:{self.location}" + (f"#{self.model}" if self.model else "")


def is_model_spec(text: object) -> bool:
    """Whether ``text`` names a model (``openai:...`` or ``transformers:...``), well-formed or not."""
    return isinstance(text, str) and text.partition(":")[0] in MODEL_KINDS and ":" in text


def parse_model_spec(text: str) -> ModelSpec:
    """``openai:URL#MODEL`` or ``transformers:PATH`` -> ModelSpec; ValueError naming the two forms otherwise."""
    kind, _, rest = text.partition(":") if isinstance(text, str) else ("", "", "")
    if kind == "transformers" and rest:
        return ModelSpec("transformers", rest)
    if kind == "openai":
        url, _, model = rest.partition("#")
        if url and model:
            return ModelSpec("openai", url, model)
    raise ValueError(f"a model must be 'openai:http://host:port/v1#model' or 'transformers:/path/to/model', "
                     f"got {text!r}")


class OpenAIBackend:
    """Any OpenAI-compatible chat-completions endpoint that accepts images (vLLM, hosted APIs)."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout: float = 120,
                 max_tokens: int = 1024):
        self.base_url, self.model, self.timeout, self.max_tokens = base_url.rstrip("/"), model, timeout, max_tokens
        self.api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY", "")
        self.prompt_tokens = self.completion_tokens = 0  # totals the endpoint reported over this backend's calls

    def complete(self, prompt: str, images: list[np.ndarray]) -> str:
        content: list[dict[str, Any]] = [{"type": "text", "text": prompt}] + [
            {"type": "image_url", "image_url": {"url": png_data_url(img)}} for img in images]
        body = {"model": self.model, "messages": [{"role": "user", "content": content}],
                "temperature": 0, "max_tokens": self.max_tokens}
        reply = post_chat_completion(self.base_url, self.api_key, body, self.timeout)
        try:
            usage = reply.get("usage") or {}
            self.prompt_tokens += int(usage.get("prompt_tokens") or 0)
            self.completion_tokens += int(usage.get("completion_tokens") or 0)
            return reply["choices"][0]["message"]["content"] or ""
        except Exception as exc:  # noqa: BLE001 - format errors fail closed
            raise ModelAnswerError(f"the model endpoint {self.base_url} answered an unreadable completion: "
                                   f"{type(exc).__name__}: {exc}") from None


class TransformersBackend:
    """A local vision-language model loaded from a folder with AutoProcessor + AutoModelForImageTextToText."""

    def __init__(self, model_path: str, max_new_tokens: int = 512, device: str = "cpu"):
        from transformers import AutoModelForImageTextToText, AutoProcessor

        self.processor = AutoProcessor.from_pretrained(model_path)
        self.model = AutoModelForImageTextToText.from_pretrained(model_path).to(device).eval()  # type: ignore[arg-type]
        self.device, self.max_new_tokens = device, max_new_tokens
        self.last_prompt: str | None = None
        self.last_image_count = 0

    def complete(self, prompt: str, images: list[np.ndarray]) -> str:
        import torch

        pictures = [Image.fromarray(img) for img in images]
        content = [{"type": "image"} for _ in pictures] + [{"type": "text", "text": prompt}]
        text = self.processor.apply_chat_template([{"role": "user", "content": content}], add_generation_prompt=True)
        inputs = self.processor(images=pictures or None, text=text, return_tensors="pt").to(self.device)
        self.last_prompt, self.last_image_count = text, len(pictures)
        with torch.no_grad():
            output = self.model.generate(**inputs, max_new_tokens=self.max_new_tokens, do_sample=False)
        return self.processor.decode(output[0][inputs["input_ids"].shape[1]:], skip_special_tokens=True)


def make_backend(config: str | ModelSpec | Backend | None = None, api_key: str | None = None,
                 max_tokens: int | None = None) -> Backend | None:
    """A backend from a model spec (default: ``$GYM_ANYTHING_JUDGE``), a backend object as it is, or None.

    ``api_key`` (OpenAI only; default ``$OPENAI_API_KEY``) and ``max_tokens`` (the answer's length limit)
    override the backend's defaults.
    """
    if config is not None and not isinstance(config, (str, ModelSpec)):
        return config
    config = config or os.environ.get(MODEL_VARIABLE)
    if not config:
        return None
    spec = config if isinstance(config, ModelSpec) else parse_model_spec(config)
    if spec.kind == "transformers":
        return TransformersBackend(spec.location, max_new_tokens=max_tokens) if max_tokens else \
            TransformersBackend(spec.location)
    assert spec.model is not None
    limit = {"max_tokens": max_tokens} if max_tokens else {}
    return OpenAIBackend(spec.location, spec.model, api_key=api_key, **limit)


def make_chat_client(spec: str | ModelSpec, **kwargs: Any) -> ChatClient:
    """A chat client with tool calls for ``openai:URL#MODEL``; ValueError for any other kind of model spec."""
    parsed = spec if isinstance(spec, ModelSpec) else parse_model_spec(spec)
    if parsed.kind != "openai" or parsed.model is None:
        raise ValueError(f"a model with tools must be an OpenAI-compatible endpoint 'openai:URL#MODEL', got "
                         f"{str(parsed)!r}")
    return ChatClient(parsed.location, parsed.model, **kwargs)
