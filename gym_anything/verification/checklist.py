"""Checklist verification by a vision-language judge (and OCR for plain text facts).

The judge is any model backend (:mod:`gym_anything.models`).

A task may declare a ``checklist`` (see ``ChecklistSpec``): completion items with points summing to 100,
each naming the visual evidence to look for, and integrity items that zero the score when they fail.
The judge sees the instruction, the privileged values meant for it, the checklist and frames sampled from
the trajectory, and must answer with strict JSON; anything else fails closed. Items with an ``ocr`` text
are checked by OCR on the last frame instead of the judge.

"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..models.answers import ModelAnswerError, load_json_answer
from ..models.backends import Backend
from ..models.images import even_sample
from ..specs.model import ChecklistItem, ChecklistSpec

VERDICTS = {"pass": 1.0, "partial": 0.5, "fail": 0.0}


# --- frames ------------------------------------------------------------------------------------------


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


def parse_verdicts(text: str, items: list[ChecklistItem]) -> dict[str, tuple[str, str]]:
    """Strictly parse a judge answer into {item id: (verdict, evidence)}; raises ModelAnswerError otherwise."""
    data = load_json_answer(text)
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise ModelAnswerError("the judge's answer has no 'items' list")
    wanted = {item.id for item in items}
    verdicts: dict[str, tuple[str, str]] = {}
    for entry in data["items"]:
        if not isinstance(entry, dict):
            raise ModelAnswerError(f"an item of the judge's answer is not an object: {entry!r}")
        item_id, verdict = entry.get("id"), entry.get("verdict")
        if item_id not in wanted:
            raise ModelAnswerError(f"the judge answered for an unknown item {item_id!r}")
        if item_id in verdicts:
            raise ModelAnswerError(f"the judge answered twice for item {item_id!r}")
        if verdict not in VERDICTS:
            raise ModelAnswerError(f"item {item_id!r}: verdict must be one of {sorted(VERDICTS)}, got {verdict!r}")
        verdicts[item_id] = (verdict, str(entry.get("evidence", "")))
    missing = wanted - set(verdicts)
    if missing:
        raise ModelAnswerError(f"the judge gave no verdict for {sorted(missing)}")
    return verdicts


# --- evaluation --------------------------------------------------------------------------------------


@dataclass
class ChecklistResult:
    score: float
    passed: bool
    items: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


def evaluate_checklist(spec: ChecklistSpec, instruction: str, values: dict[str, Any], privileged: dict[str, Any],
                       frames: list[np.ndarray], judge: Backend | None, read_text=None) -> ChecklistResult:
    """Score a checklist; any judge failure fails closed (score 0, error recorded)."""
    frames = even_sample(frames, spec.frames)
    results: dict[str, tuple[str, str]] = {}
    ocr_items = [i for i in spec.items if i.ocr is not None]
    if ocr_items:
        from .ocr import read_text as default_read_text
        from .ocr import squash

        seen = squash((read_text or default_read_text)(frames[-1])) if frames else ""
        for item in ocr_items:
            expected = str(item.ocr).format(**values, **privileged)
            found = squash(expected) in seen
            results[item.id] = ("pass" if found else "fail", f"OCR {'read' if found else 'did not read'} {expected!r}")
    judged = [i for i in spec.items if i.ocr is None]
    error = None
    if judged:
        try:
            if judge is None:
                raise ModelAnswerError("this checklist needs a judge and none is configured (GYM_ANYTHING_JUDGE)")
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


