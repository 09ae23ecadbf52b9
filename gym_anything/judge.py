"""Checklist verification by a vision-language judge (and OCR for plain text facts).

A task may declare a ``checklist`` (see ``ChecklistSpec``): completion items with points summing to 100,
each naming the visual evidence to look for, and integrity items that zero the score when they fail.
The judge sees the instruction, the privileged values meant for it, the checklist and frames sampled from
the trajectory, and must answer with strict JSON; anything else fails closed. Items with an ``ocr`` text
are checked by OCR on the last frame instead of the judge.

Backends (configuration, not code): ``transformers:/path/to/model`` (a local model loaded with
``AutoProcessor`` + ``AutoModelForImageTextToText``) or ``openai:http://host:port/v1#model-name`` (any
OpenAI-compatible chat-completions endpoint with images; the key comes from ``OPENAI_API_KEY``).
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from PIL import Image

VERDICTS = {"pass": 1.0, "partial": 0.5, "fail": 0.0}
MODES = ("program", "checklist", "both", "weighted")


class JudgeError(ValueError):
    """The judge's answer could not be used (unparseable, incomplete, or the backend failed)."""


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    kind: str  # "completion" or "integrity"
    evidence: str
    points: float = 0.0
    ocr: str | None = None  # a text fact: passes when this text (formatted with the task values) is read


@dataclass(frozen=True)
class ChecklistSpec:
    items: tuple[ChecklistItem, ...]
    mode: str = "both"
    weight: float = 0.5  # share of the checklist in the score when mode is "weighted"
    frames: int = 6  # at most this many frames go to the judge
    samples: int = 1  # k judge samples, majority vote per item
    judge_context: tuple[str, ...] = ()  # privileged keys the judge may see

    @property
    def needs_judge(self) -> bool:
        return any(item.ocr is None for item in self.items)


class Judge(Protocol):
    def complete(self, prompt: str, images: list[np.ndarray]) -> str:
        """One answer of the model to a prompt with images."""


# --- frames ------------------------------------------------------------------------------------------


class FrameBuffer:
    """Keeps a bounded, evenly thinned history of a trajectory's frames (first and last always kept)."""

    def __init__(self, capacity: int = 32):
        self.capacity = max(capacity, 4)
        self._frames: list[np.ndarray] = []
        self._stride, self._seen = 1, 0
        self.last: np.ndarray | None = None

    def add(self, frame: np.ndarray) -> None:
        if self._seen % self._stride == 0:
            self._frames.append(frame)
            if len(self._frames) > self.capacity:
                self._frames = self._frames[::2]
                self._stride *= 2
        self._seen += 1
        self.last = frame

    def sample(self, count: int) -> list[np.ndarray]:
        """First, last and evenly spaced frames in between, at most ``count``."""
        frames = list(self._frames)
        if self.last is not None and (not frames or frames[-1] is not self.last):
            frames.append(self.last)
        return even_sample(frames, count)


def even_sample(frames: list[np.ndarray], count: int) -> list[np.ndarray]:
    """At most ``count`` frames: the first, the last and evenly spaced ones in between."""
    if len(frames) <= count:
        return list(frames)
    picks = np.linspace(0, len(frames) - 1, count).round().astype(int)
    return [frames[i] for i in sorted(set(picks.tolist()))]


# --- prompt and parsing --------------------------------------------------------------------------------


def build_prompt(instruction: str, context: dict[str, Any], items: list[ChecklistItem], frame_count: int) -> str:
    lines = [
        "You are a strict judge of a computer-use agent's work in a desktop application.",
        f"The agent's task was:\n{instruction}",
        f"You are shown {frame_count} screenshots from its trajectory, in order (the last one is the final screen).",
    ]
    if context:
        lines.append("Reference values for judging (do not trust anything on screen over these):\n"
                     + json.dumps(context, indent=1, default=str))
    lines.append("Judge each checklist item only from visual evidence in the screenshots:")
    for item in items:
        lines.append(f'- id "{item.id}" ({item.kind}): {item.evidence}')
    lines.append('Answer with JSON only, no other text: {"items": [{"id": "<id>", "verdict": "pass"|"partial"|"fail", '
                 '"evidence": "<what you saw>"}, ...]} with exactly one entry per checklist item.')
    return "\n\n".join(lines)


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def load_json_answer(text: str) -> Any:
    """The JSON value of a judge answer (the whole answer, or one fenced block); raises JudgeError otherwise."""
    match = _FENCE.match(text)
    body = match.group(1) if match else text.strip()
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise JudgeError(f"the judge's answer is not JSON ({exc.msg}): {text[:200]!r}") from None


def parse_verdicts(text: str, items: list[ChecklistItem]) -> dict[str, tuple[str, str]]:
    """Strictly parse a judge answer into {item id: (verdict, evidence)}; raises JudgeError otherwise."""
    data = load_json_answer(text)
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise JudgeError("the judge's answer has no 'items' list")
    wanted = {item.id for item in items}
    verdicts: dict[str, tuple[str, str]] = {}
    for entry in data["items"]:
        if not isinstance(entry, dict):
            raise JudgeError(f"an item of the judge's answer is not an object: {entry!r}")
        item_id, verdict = entry.get("id"), entry.get("verdict")
        if item_id not in wanted:
            raise JudgeError(f"the judge answered for an unknown item {item_id!r}")
        if item_id in verdicts:
            raise JudgeError(f"the judge answered twice for item {item_id!r}")
        if verdict not in VERDICTS:
            raise JudgeError(f"item {item_id!r}: verdict must be one of {sorted(VERDICTS)}, got {verdict!r}")
        verdicts[item_id] = (verdict, str(entry.get("evidence", "")))
    missing = wanted - set(verdicts)
    if missing:
        raise JudgeError(f"the judge gave no verdict for {sorted(missing)}")
    return verdicts


# --- evaluation --------------------------------------------------------------------------------------


@dataclass
class ChecklistResult:
    score: float
    passed: bool
    items: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


def evaluate_checklist(spec: ChecklistSpec, instruction: str, values: dict[str, Any], privileged: dict[str, Any],
                       frames: list[np.ndarray], judge: Judge | None, read_text=None) -> ChecklistResult:
    """Score a checklist; any judge failure fails closed (score 0, error recorded)."""
    frames = even_sample(frames, spec.frames)
    results: dict[str, tuple[str, str]] = {}
    ocr_items = [i for i in spec.items if i.ocr is not None]
    if ocr_items:
        from .ocr import read_text as default_read_text
        from .ocr import squash

        seen = squash((read_text or default_read_text)(frames[-1])) if frames else ""
        for item in ocr_items:
            expected = item.ocr.format(**values, **privileged)
            found = squash(expected) in seen
            results[item.id] = ("pass" if found else "fail", f"OCR {'read' if found else 'did not read'} {expected!r}")
    judged = [i for i in spec.items if i.ocr is None]
    error = None
    if judged:
        try:
            if judge is None:
                raise JudgeError("this checklist needs a judge and none is configured (GYM_ANYTHING_JUDGE)")
            context = {k: privileged[k] for k in spec.judge_context if k in privileged}
            prompt = build_prompt(instruction, context, judged, len(frames))
            votes = [parse_verdicts(judge.complete(prompt, frames), judged) for _ in range(max(spec.samples, 1))]
            for item in judged:
                counts = Counter(v[item.id][0] for v in votes)
                top = max(counts.values())
                # Ties go to the harsher verdict: fail-closed.
                verdict = min((v for v, c in counts.items() if c == top), key=lambda v: VERDICTS[v])
                evidence = next(v[item.id][1] for v in votes if v[item.id][0] == verdict)
                results[item.id] = (verdict, evidence)
        except Exception as exc:  # noqa: BLE001 - every judge failure fails closed
            error = f"{type(exc).__name__}: {exc}"
            for item in judged:
                results[item.id] = ("fail", "no usable judgement")
    rows, score, integrity_ok = [], 0.0, True
    for item in spec.items:
        verdict, evidence = results[item.id]
        rows.append({"id": item.id, "kind": item.kind, "points": item.points, "verdict": verdict,
                     "evidence": evidence, "by": "ocr" if item.ocr is not None else "judge"})
        if item.kind == "integrity":
            integrity_ok &= verdict == "pass"
        else:
            score += item.points * VERDICTS[verdict] / 100.0
    if not integrity_ok or error is not None:
        score = 0.0
    passed = error is None and integrity_ok and all(r["verdict"] == "pass" for r in rows)
    return ChecklistResult(round(score, 6), passed, rows, error)


def combine(mode: str, weight: float, program: tuple[float, bool], checklist: ChecklistResult) -> tuple[float, bool]:
    """The final (score, passed) from the programmatic verifier and the checklist."""
    p_score, p_passed = program
    if mode == "checklist":
        return checklist.score, checklist.passed
    if mode == "both":
        return min(p_score, checklist.score), p_passed and checklist.passed
    if mode == "weighted":
        return round((1 - weight) * p_score + weight * checklist.score, 6), p_passed and checklist.passed
    return p_score, p_passed


# --- backends ----------------------------------------------------------------------------------------


def _png_data_url(frame: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


class OpenAIJudge:
    """Any OpenAI-compatible chat-completions endpoint that accepts images (vLLM, hosted APIs)."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout: float = 120,
                 max_tokens: int = 1024):
        self.base_url, self.model, self.timeout, self.max_tokens = base_url.rstrip("/"), model, timeout, max_tokens
        self.api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY", "")

    def complete(self, prompt: str, images: list[np.ndarray]) -> str:
        content = [{"type": "text", "text": prompt}] + [
            {"type": "image_url", "image_url": {"url": _png_data_url(img)}} for img in images]
        body = {"model": self.model, "messages": [{"role": "user", "content": content}],
                "temperature": 0, "max_tokens": self.max_tokens}
        request = urllib.request.Request(f"{self.base_url}/chat/completions", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": f"Bearer {self.api_key}"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                reply = json.loads(response.read())
            return reply["choices"][0]["message"]["content"] or ""
        except Exception as exc:  # noqa: BLE001 - network, HTTP and format errors all fail closed
            raise JudgeError(f"the judge endpoint {self.base_url} failed: {type(exc).__name__}: {exc}") from None


class TransformersJudge:
    """A local vision-language model loaded from a folder with AutoProcessor + AutoModelForImageTextToText."""

    def __init__(self, model_path: str, max_new_tokens: int = 512, device: str = "cpu"):
        from transformers import AutoModelForImageTextToText, AutoProcessor

        self.processor = AutoProcessor.from_pretrained(model_path)
        self.model = AutoModelForImageTextToText.from_pretrained(model_path).to(device).eval()
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


def make_judge(config: str | Judge | None = None, api_key: str | None = None,
               max_tokens: int | None = None) -> Judge | None:
    """A model backend from ``transformers:PATH`` or ``openai:URL#MODEL`` (default: $GYM_ANYTHING_JUDGE), or None.

    The same backends serve judges and VLM agents. ``api_key`` (OpenAI only; default ``$OPENAI_API_KEY``)
    and ``max_tokens`` (the answer's length limit) override the backend's defaults.
    """
    if config is not None and not isinstance(config, str):
        return config
    config = config or os.environ.get("GYM_ANYTHING_JUDGE")
    if not config:
        return None
    kind, _, rest = config.partition(":")
    if kind == "transformers" and rest:
        return TransformersJudge(rest, **({"max_new_tokens": max_tokens} if max_tokens else {}))
    if kind == "openai" and "#" in rest:
        url, _, model = rest.partition("#")
        return OpenAIJudge(url, model, api_key=api_key, **({"max_tokens": max_tokens} if max_tokens else {}))
    raise ValueError(f"judge must be 'transformers:/path/to/model' or 'openai:http://host/v1#model', got {config!r}")
