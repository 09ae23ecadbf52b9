"""Reading a model's answer strictly: the JSON value of the whole answer or of one fenced block."""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import GymAnythingError


class ModelAnswerError(GymAnythingError, ValueError):
    """A model's answer could not be used (unparseable, incomplete), or the backend failed."""


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def load_json_answer(text: str, *, unique_keys: bool = False) -> Any:
    """The JSON value of a model answer (the whole answer, or one fenced block); raises ModelAnswerError otherwise.

    ``unique_keys``: an object naming a key twice is an error too (plain JSON parsing keeps the last value).
    """
    match = _FENCE.match(text)
    body = match.group(1) if match else text.strip()
    try:
        return json.loads(body, object_pairs_hook=_unique_object if unique_keys else None)
    except json.JSONDecodeError as exc:
        raise ModelAnswerError(f"the model's answer is not JSON ({exc.msg}): {text[:200]!r}") from None


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise ModelAnswerError(f"the model's answer names {twice} twice in one object")
    return dict(pairs)
