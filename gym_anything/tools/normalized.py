"""A normalised-coordinate form of our own actions: the JSON form of :mod:`gym_anything.actions` with ``x``,
``y``, ``x2``, ``y2`` as fractions of the screen in [0, 1] (``{"type": "click", "x": 0.5, "y": 0.25}``), for
models trained on resolution-free coordinates. Every action type is expressible, DONE included (as
``{"type": "done"}``)."""

from __future__ import annotations

from typing import Any

from .. import actions as A
from ..errors import ActionError
from .base import Display, ToolCallError, ToolSchema, ToolStep, as_mapping

COORDINATES = (("x", "y"), ("x2", "y2"))


def parse(call: Any, display: Display, pointer: tuple[int, int]) -> list[ToolStep]:
    data = dict(as_mapping(call, "an action"))
    for xname, yname in COORDINATES:
        if xname in data or yname in data:
            x, y = data.get(xname, 0.0), data.get(yname, 0.0)
            for name, value in ((xname, x), (yname, y)):
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                    raise ToolCallError(f"'{name}' is a fraction of the screen in [0, 1], got {value!r}")
            data[xname] = min(int(x * display.width), display.width - 1)
            data[yname] = min(int(y * display.height), display.height - 1)
    try:
        action = A.from_json(data)
        A.validate(action, display.width, display.height)
    except (ActionError, KeyError, TypeError, ValueError) as exc:
        raise ToolCallError(f"bad action {call!r}: {exc}") from None
    return [ToolStep([action])]


def encode(action: dict[str, Any], display: Display, pointer: tuple[int, int]) -> list[dict[str, Any]]:
    data = A.to_json(A.validate(action, display.width, display.height))
    for xname, yname in COORDINATES:
        if xname in data:
            data[xname] = round((data[xname] + 0.5) / display.width, 6)
            data[yname] = round((data[yname] + 0.5) / display.height, 6)
    return [data]


def definitions(display: Display) -> list[dict[str, Any]]:
    """One OpenAI-compatible function tool (``tools=[...]`` of a chat completion) taking the action."""
    kinds = [t.name.lower() for t in A.ActionType]
    return [{"type": "function", "function": {
        "name": "computer",
        "description": "Act on the screen. Coordinates x, y (and x2, y2 for a drag's end) are fractions of the "
                       "screen width and height in [0, 1]; keys are key names; type 'done' ends the task.",
        "parameters": {"type": "object", "required": ["type"], "properties": {
            "type": {"type": "string", "enum": kinds},
            "x": {"type": "number", "minimum": 0, "maximum": 1}, "y": {"type": "number", "minimum": 0, "maximum": 1},
            "x2": {"type": "number", "minimum": 0, "maximum": 1},
            "y2": {"type": "number", "minimum": 0, "maximum": 1},
            "button": {"type": "string", "enum": ["left", "middle", "right"]},
            "dx": {"type": "integer"}, "dy": {"type": "integer"}, "text": {"type": "string"},
            "keys": {"type": "array", "items": {"type": "string"}}, "duration": {"type": "number"}}}}}]


SCHEMAS = (ToolSchema("normalized", "gym-anything", "our typed actions with coordinates as fractions in [0, 1]",
                      definitions, parse, encode, tuple(t.name.lower() for t in A.ActionType), {}),)
