"""Gemini's computer use: predefined functions with coordinates on a 0-1000 grid over the screen.

One table, :data:`FUNCTIONS`: ``click_at {x, y}``, ``hover_at``, ``type_text_at {x, y, text, press_enter=True,
clear_before_typing=True}``, ``key_combination {keys: "Control+C"}``, ``scroll_document {direction}``,
``scroll_at {x, y, direction, magnitude=800}`` (magnitude on the grid; one wheel click per 100),
``drag_and_drop {x, y, destination_x, destination_y}``, ``wait_5_seconds``. A call is a ``function_call``:
``{"name": ..., "args": {...}}``. The browser functions (``open_web_browser``, ``navigate``, ``search``,
``go_back``, ``go_forward``) are excluded in the tool definition and refused (these are desktop apps).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import actions as A
from .base import Display, ToolCallError, ToolSchema, ToolStep, as_mapping, checked, chunks, require, text_parts, typed
from .keys import chord, key_names

GRID = 1000
BROWSER_FUNCTIONS = ("open_web_browser", "navigate", "search", "go_back", "go_forward")
DEFAULT_MAGNITUDE = 800
GRID_PER_CLICK = 100

Handler = Callable[[dict[str, Any], Display], list[dict[str, Any]]]


def _grid_point(args: dict[str, Any], display: Display, xname: str, yname: str, function: str) -> tuple[int, int]:
    x, y = require(args, xname, (int, float), function), require(args, yname, (int, float), function)
    if not (0 <= x <= GRID and 0 <= y <= GRID):
        raise ToolCallError(f"{xname}, {yname} of {function} are on the 0-{GRID} grid, got ({x}, {y})")
    return min(int(x * display.width / GRID), display.width - 1), min(int(y * display.height / GRID),
                                                                      display.height - 1)


def _to_grid(x: int, y: int, display: Display) -> tuple[int, int]:
    return int((x + 0.5) * GRID / display.width), int((y + 0.5) * GRID / display.height)


def _click_at(args: dict[str, Any], display: Display) -> list[dict[str, Any]]:
    return [typed(A.click, *_grid_point(args, display, "x", "y", "click_at"))]


def _hover_at(args: dict[str, Any], display: Display) -> list[dict[str, Any]]:
    return [typed(A.move, *_grid_point(args, display, "x", "y", "hover_at"))]


def _flag(args: dict[str, Any], name: str, default: bool) -> bool:
    value = args.get(name, default)
    if not isinstance(value, bool):
        raise ToolCallError(f"'{name}' of type_text_at must be true or false, got {value!r}")
    return value


def _type_text_at(args: dict[str, Any], display: Display) -> list[dict[str, Any]]:
    x, y = _grid_point(args, display, "x", "y", "type_text_at")
    text = require(args, "text", str, "type_text_at")
    out = [typed(A.click, x, y)]
    if _flag(args, "clear_before_typing", True):
        out += [typed(A.hotkey, "ctrl", "a"), typed(A.press, "backspace")]
    out += [checked(A.type(part), display) for part in text_parts(text) if part]
    if _flag(args, "press_enter", True):
        out.append(typed(A.press, "enter"))
    return out


def _key_combination(args: dict[str, Any], display: Display) -> list[dict[str, Any]]:
    keys = require(args, "keys", str, "key_combination")
    return [typed(A.hotkey, *chord([k for k in keys.split("+") if k] or [keys], "keys"))]


def _scroll(x: int, y: int, direction: Any, magnitude: Any, function: str) -> list[dict[str, Any]]:
    if direction not in ("up", "down", "left", "right"):
        raise ToolCallError(f"direction of {function} must be 'up', 'down', 'left' or 'right', got {direction!r}")
    if isinstance(magnitude, bool) or not isinstance(magnitude, (int, float)) or not 0 < magnitude <= GRID:
        raise ToolCallError(f"magnitude of {function} must be a number in (0, {GRID}], got {magnitude!r}")
    clicks = max(1, round(magnitude / GRID_PER_CLICK))
    sign = -1 if direction in ("up", "left") else 1
    vertical = direction in ("up", "down")
    return [typed(A.scroll, x, y, sign * int(n), 0) if vertical else typed(A.scroll, x, y, 0, sign * int(n))
            for n in chunks(clicks, A.MAX_SCROLL)]


def _scroll_document(args: dict[str, Any], display: Display) -> list[dict[str, Any]]:
    return _scroll(display.width // 2, display.height // 2, args.get("direction"), DEFAULT_MAGNITUDE,
                   "scroll_document")


def _scroll_at(args: dict[str, Any], display: Display) -> list[dict[str, Any]]:
    x, y = _grid_point(args, display, "x", "y", "scroll_at")
    return _scroll(x, y, args.get("direction"), args.get("magnitude", DEFAULT_MAGNITUDE), "scroll_at")


def _drag_and_drop(args: dict[str, Any], display: Display) -> list[dict[str, Any]]:
    x, y = _grid_point(args, display, "x", "y", "drag_and_drop")
    x2, y2 = _grid_point(args, display, "destination_x", "destination_y", "drag_and_drop")
    return [typed(A.drag, x, y, x2, y2)]


def _wait_5_seconds(args: dict[str, Any], display: Display) -> list[dict[str, Any]]:
    return [A.wait(5.0)]


FUNCTIONS: dict[str, Handler] = {
    "click_at": _click_at, "hover_at": _hover_at, "type_text_at": _type_text_at,
    "key_combination": _key_combination, "scroll_document": _scroll_document, "scroll_at": _scroll_at,
    "drag_and_drop": _drag_and_drop, "wait_5_seconds": _wait_5_seconds,
}
UNSUPPORTED = {name: "a browser function: these environments are desktop apps" for name in BROWSER_FUNCTIONS}


def parse(call: Any, display: Display, pointer: tuple[int, int]) -> list[ToolStep]:
    item = as_mapping(call, "a function_call")
    name = item.get("name")
    if name in UNSUPPORTED:
        raise ToolCallError(f"{name} is not available: {UNSUPPORTED[name]}")
    if name not in FUNCTIONS:
        raise ToolCallError(f"unknown function {name!r}; one of: {', '.join(FUNCTIONS)}")
    return [ToolStep(FUNCTIONS[name](as_mapping(item.get("args") or {}, "args"), display))]


def definitions(display: Display) -> list[dict[str, Any]]:
    """A ``Tool`` for google-genai's ``GenerateContentConfig(tools=...)`` (its dict form)."""
    return [{"computer_use": {"environment": "ENVIRONMENT_DESKTOP",
                              "excluded_predefined_functions": list(BROWSER_FUNCTIONS)}}]


def encode(action: dict[str, Any], display: Display, pointer: tuple[int, int]) -> list[dict[str, Any]]:
    act = A.validate(action, display.width, display.height)
    kind = act["type"]
    x, y = _to_grid(act["x"], act["y"], display)
    if kind is A.ActionType.DONE:
        return []
    if kind is A.ActionType.MOVE:
        return [{"name": "hover_at", "args": {"x": x, "y": y}}]
    if kind is A.ActionType.CLICK and act["button"] is A.Button.LEFT:
        return [{"name": "click_at", "args": {"x": x, "y": y}}]
    if kind is A.ActionType.DRAG and act["button"] is A.Button.LEFT:
        x2, y2 = _to_grid(act["x2"], act["y2"], display)
        return [{"name": "drag_and_drop", "args": {"x": x, "y": y, "destination_x": x2, "destination_y": y2}}]
    if kind is A.ActionType.SCROLL and (act["dx"] == 0) != (act["dy"] == 0):
        clicks = act["dy"] or act["dx"]
        direction = ("down" if clicks > 0 else "up") if act["dy"] else ("right" if clicks > 0 else "left")
        return [{"name": "scroll_at", "args": {"x": x, "y": y, "direction": direction,
                                               "magnitude": abs(clicks) * GRID_PER_CLICK}}]
    if kind is A.ActionType.HOTKEY:
        return [{"name": "key_combination", "args": {"keys": "+".join(key_names(act["keys"]))}}]
    if kind is A.ActionType.WAIT and act["duration"] == 5.0:
        return [{"name": "wait_5_seconds", "args": {}}]
    if kind is A.ActionType.TYPE:  # Gemini types at a point (it clicks there first): where the pointer is
        px, py = _to_grid(*pointer, display)
        return [{"name": "type_text_at", "args": {"x": px, "y": py, "text": act["text"], "press_enter": False,
                                                  "clear_before_typing": False}}]
    raise ToolCallError(f"{A.describe(act)} has no Gemini form (no double/right/middle click, held buttons, "
                        f"or waits other than 5 s)")


SCHEMAS = (ToolSchema("gemini", "google", "Gemini computer use: predefined functions on a 0-1000 grid",
                      definitions, parse, encode, tuple(FUNCTIONS), dict(UNSUPPORTED)),)
