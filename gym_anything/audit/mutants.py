"""Mutants of an oracle's plan: what a sloppy agent would do instead, for testing that the verifier notices.

From the oracle's actions (validated form) :func:`mutants` builds: the final save dropped; the plan stopped at
25/50/75/90 %; one typed value changed (a digit, a letter, a sign); one typed value dropped or typed twice; two
typed values swapped. Choices (which value, which character) come from ``rng`` so a task's mutants are the same
on every audit of its version. A mutant with the same actions as the oracle or as an earlier mutant is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import actions as A

STOP_FRACTIONS = (0.25, 0.5, 0.75, 0.9)
SAVE_KEYS = ("ctrl", "s")


@dataclass(frozen=True)
class Mutant:
    name: str  # e.g. "stop at 50%", "change a digit"
    detail: str  # what changed, e.g. "action 7: '=SUM(B2:B9)' -> '=SUM(B2:B0)'"
    actions: list[dict[str, Any]]


def _is_done(action: dict[str, Any]) -> bool:
    return action["type"] is A.ActionType.DONE


def _typed(plan: list[dict[str, Any]], pattern: str | None = None) -> list[int]:
    """Indices of TYPE actions (whose text matches ``pattern``, if given)."""
    return [i for i, a in enumerate(plan) if a["type"] is A.ActionType.TYPE and a["text"]
            and (pattern is None or re.search(pattern, a["text"]))]


def _retyped(plan: list[dict[str, Any]], index: int, text: str) -> list[dict[str, Any]]:
    changed = list(plan)
    changed[index] = {**plan[index], "text": text}
    return changed


def _change_char(text: str, positions: list[int], rng: np.random.Generator, kind: str) -> str:
    at = positions[int(rng.integers(len(positions)))]
    ch = text[at]
    if kind == "digit":
        new = str((int(ch) + 1) % 10)
    else:
        base = "a" if ch.islower() else "A"
        new = chr(ord(base) + (ord(ch.lower()) - ord("a") + 1) % 26) if ch.isascii() else ("b" if ch != "b" else "c")
    return text[:at] + new + text[at + 1:]


def _flip_sign(text: str) -> str:
    """A minus removed where there is one, else put before the first number standing alone (not in ``B2``)."""
    minus = re.search(r"-(?=\d)", text)
    if minus:
        return text[:minus.start()] + text[minus.end():]
    number = re.search(r"(?<![\w.])\d", text) or re.search(r"\d", text)
    assert number is not None
    return text[:number.start()] + "-" + text[number.start():]


def mutants(plan: list[dict[str, Any]], rng: np.random.Generator) -> tuple[list[Mutant], list[str]]:
    """The mutants of ``plan`` (validated actions) and the operators that did not apply (with why)."""
    body = plan[:-1] if plan and _is_done(plan[-1]) else list(plan)
    built: list[Mutant] = []
    skipped: list[str] = []

    saves = [i for i, a in enumerate(body) if a["type"] is A.ActionType.HOTKEY and tuple(a["keys"]) == SAVE_KEYS]
    if saves:
        last = saves[-1]
        built.append(Mutant("drop the final save", f"action {last} (ctrl+s) left out", body[:last] + body[last + 1:]))
    else:
        skipped.append("drop the final save: the plan has no ctrl+s")
    for fraction in STOP_FRACTIONS:
        keep = max(1, int(len(body) * fraction))
        if keep < len(body):
            built.append(Mutant(f"stop at {round(fraction * 100)}%", f"the first {keep} of {len(body)} actions",
                                body[:keep]))

    for kind, pattern in (("digit", r"\d"), ("letter", r"[A-Za-z]")):
        candidates = _typed(body, pattern)
        if not candidates:
            skipped.append(f"change a {kind}: no typed value has one")
            continue
        index = candidates[int(rng.integers(len(candidates)))]
        text = body[index]["text"]
        positions = [i for i, ch in enumerate(text) if (ch.isdigit() if kind == "digit" else ch.isalpha())]
        new = _change_char(text, positions, rng, kind)
        built.append(Mutant(f"change a {kind}", f"action {index}: {text!r} -> {new!r}", _retyped(body, index, new)))
    numbers = _typed(body, r"\d")
    if numbers:
        index = numbers[int(rng.integers(len(numbers)))]
        text = body[index]["text"]
        built.append(Mutant("change a sign", f"action {index}: {text!r} -> {_flip_sign(text)!r}",
                            _retyped(body, index, _flip_sign(text))))
    else:
        skipped.append("change a sign: no typed value has a number")

    typed = _typed(body)
    if typed:
        index = typed[int(rng.integers(len(typed)))]
        text = body[index]["text"]
        built.append(Mutant("drop a typed value", f"action {index} ({text!r}) left out",
                            body[:index] + body[index + 1:]))
        index = typed[int(rng.integers(len(typed)))]
        text = body[index]["text"]
        built.append(Mutant("type a value twice", f"action {index} ({text!r}) repeated",
                            body[:index + 1] + [body[index]] + body[index + 1:]))
    else:
        skipped.append("drop / repeat a typed value: the plan types nothing")
    distinct = [(i, j) for n, i in enumerate(typed) for j in typed[n + 1:] if body[i]["text"] != body[j]["text"]]
    if distinct:
        i, j = distinct[int(rng.integers(len(distinct)))]
        swapped = list(body)
        swapped[i], swapped[j] = body[j], body[i]
        built.append(Mutant("swap two typed values", f"actions {i} ({body[i]['text']!r}) and {j} "
                            f"({body[j]['text']!r}) swapped", swapped))
    else:
        skipped.append("swap two typed values: fewer than two different typed values")

    unique: list[Mutant] = []
    seen = [_key(body)]
    for mutant in built:
        key = _key(mutant.actions)
        if key not in seen:
            seen.append(key)
            unique.append(mutant)
    return unique, skipped


def _key(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [A.to_json(a) for a in actions]
