"""OpenAI's computer use (Responses API): the ``computer_use_preview`` tool (one ``action`` per
``computer_call``) and the GA ``computer`` tool (a batch in ``actions[]``, run and settled once).

One table, :data:`ACTIONS`: ``click {x, y, button}``, ``double_click``, ``drag {path}``, ``keypress {keys}``,
``move``, ``screenshot``, ``scroll {x, y, scroll_x, scroll_y}`` (pixels: one wheel click per
:data:`PIXELS_PER_CLICK`), ``type {text}``, ``wait`` (:data:`WAIT_SECONDS`). Coordinates are pixels of the shown
screen.

Not supported (an error result): the ``back`` and ``forward`` buttons, and ``keys`` held during a pointer action.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import actions as A
from .base import Display, ToolCallError, ToolSchema, ToolStep, as_mapping, checked, chunks, require, text_parts, typed
from .keys import chord, key_names, to_browser

PIXELS_PER_CLICK = 100  # scroll_x / scroll_y pixels per wheel click
WAIT_SECONDS = 1.0  # what a ``wait`` action waits
MAX_BATCH = 32

Handler = Callable[[dict[str, Any], Display], list[dict[str, Any]]]


def _xy(args: dict[str, Any], display: Display, action: str) -> tuple[int, int]:
    return display.to_screen(require(args, "x", (int, float), action), require(args, "y", (int, float), action))


def _no_keys(args: dict[str, Any], action: str) -> None:
    if args.get("keys"):
        raise ToolCallError(f"holding keys during {action} (keys={args['keys']!r}) is not supported in this "
                            f"environment; use keypress")


def _click(args: dict[str, Any], display: Display) -> list[dict[str, Any]]:
    _no_keys(args, "click")
    button = args.get("button", "left")
    mapped = {"left": "left", "right": "right", "wheel": "middle", "middle": "middle"}.get(button)
    if mapped is None:
        raise ToolCallError(f"button {button!r} is not supported here: use 'left', 'right' or 'wheel'")
    return [typed(A.click, *_xy(args, display, "click"), mapped)]


def _double_click(args: dict[str, Any], display: Display) -> list[dict[str, Any]]:
    _no_keys(args, "double_click")
    return [typed(A.double_click, *_xy(args, display, "double_click"))]


def _drag(args: dict[str, Any], display: Display) -> list[dict[str, Any]]:
    _no_keys(args, "drag")
    path = require(args, "path", list, "drag")
    if len(path) < 2:
        raise ToolCallError(f"drag needs a path of at least 2 points, got {len(path)}")
    points = [_xy(as_mapping(p, "a path point"), display, "drag path") for p in path]
    if len(points) == 2:
        return [typed(A.drag, *points[0], *points[1])]
    first, *middle, last = points  # a real path: press, move through each point, release
    return [typed(A.mouse_down, *first), *(typed(A.move, *p) for p in middle), typed(A.mouse_up, *last)]


def _keypress(args: dict[str, Any], display: Display) -> list[dict[str, Any]]:
    keys = require(args, "keys", list, "keypress")
    return [typed(A.hotkey, *chord(keys, "keypress keys"))]


def _move(args: dict[str, Any], display: Display) -> list[dict[str, Any]]:
    _no_keys(args, "move")
    return [typed(A.move, *_xy(args, display, "move"))]


def _scroll(args: dict[str, Any], display: Display) -> list[dict[str, Any]]:
    _no_keys(args, "scroll")
    x, y = _xy(args, display, "scroll")
    out = []
    for name in ("scroll_y", "scroll_x"):
        pixels = args.get(name, 0)
        if isinstance(pixels, bool) or not isinstance(pixels, (int, float)):
            raise ToolCallError(f"'{name}' of scroll must be a number of pixels, got {pixels!r}")
        clicks = round(abs(pixels) / PIXELS_PER_CLICK) or (1 if pixels else 0)
        if clicks > 5 * A.MAX_SCROLL:
            raise ToolCallError(f"'{name}' of scroll is at most {5 * A.MAX_SCROLL * PIXELS_PER_CLICK} pixels")
        sign = 1 if pixels > 0 else -1
        for part in (chunks(clicks, A.MAX_SCROLL) if clicks else []):
            amount = sign * int(part)
            out.append(typed(A.scroll, x, y, amount, 0) if name == "scroll_y" else typed(A.scroll, x, y, 0, amount))
    return out or [typed(A.move, x, y)]


def _type(args: dict[str, Any], display: Display) -> list[dict[str, Any]]:
    return [checked(A.type(part), display) for part in text_parts(require(args, "text", str, "type"))]


def _wait(args: dict[str, Any], display: Display) -> list[dict[str, Any]]:
    return [A.wait(WAIT_SECONDS)]


def _screenshot(args: dict[str, Any], display: Display) -> list[dict[str, Any]]:
    return []


ACTIONS: dict[str, Handler] = {
    "click": _click, "double_click": _double_click, "drag": _drag, "keypress": _keypress, "move": _move,
    "screenshot": _screenshot, "scroll": _scroll, "type": _type, "wait": _wait,
}
UNSUPPORTED = {"click(button=back|forward)": "no back/forward mouse buttons on these desktops",
               "keys on pointer actions": "typed actions have no key-down; use keypress"}


def _step(action: Any, display: Display) -> ToolStep:
    args = as_mapping(action, "an action")
    name = args.get("type")
    if name not in ACTIONS:
        raise ToolCallError(f"unknown action type {name!r}; one of: {', '.join(ACTIONS)}")
    return ToolStep(ACTIONS[name](args, display))


def _parse(batched: bool) -> Callable[[Any, Display, tuple[int, int]], list[ToolStep]]:
    def parse(call: Any, display: Display, pointer: tuple[int, int]) -> list[ToolStep]:
        item = as_mapping(call, "a computer_call")
        if item.get("type", "computer_call") != "computer_call":
            raise ToolCallError(f"expected a computer_call item, got type {item.get('type')!r}")
        if item.get("actions") is not None:
            if not batched:
                raise ToolCallError("computer_use_preview sends one 'action'; 'actions' is the GA computer tool's")
            batch = item["actions"]
            if not isinstance(batch, list) or not 1 <= len(batch) <= MAX_BATCH:
                raise ToolCallError(f"'actions' must be a list of 1 to {MAX_BATCH} actions")
            return [_step(a, display) for a in batch]
        if item.get("action") is None:
            raise ToolCallError("a computer_call needs 'action' (or 'actions' with the GA computer tool)")
        return [_step(item["action"], display)]
    return parse


def _definitions(batched: bool) -> Callable[[Display], list[dict[str, Any]]]:
    def definitions(display: Display) -> list[dict[str, Any]]:
        if batched:  # the GA tool carries no display size: the model reads it from the screenshots
            return [{"type": "computer"}]
        w, h = display.size
        return [{"type": "computer_use_preview", "display_width": w, "display_height": h, "environment": "linux"}]
    return definitions


def encode_action(action: dict[str, Any], display: Display) -> list[dict[str, Any]]:
    """The OpenAI actions performing one typed action (``[]`` for DONE)."""
    act = A.validate(action, display.width, display.height)
    kind = act["type"]
    x, y = display.from_screen(act["x"], act["y"])
    if kind is A.ActionType.DONE:
        return []
    if kind is A.ActionType.MOVE:
        return [{"type": "move", "x": x, "y": y}]
    if kind in (A.ActionType.CLICK, A.ActionType.RIGHT_CLICK):
        button = "right" if kind is A.ActionType.RIGHT_CLICK else \
            {A.Button.LEFT: "left", A.Button.MIDDLE: "wheel", A.Button.RIGHT: "right"}[act["button"]]
        return [{"type": "click", "x": x, "y": y, "button": button}]
    if kind is A.ActionType.DOUBLE_CLICK:
        return [{"type": "double_click", "x": x, "y": y}]
    if kind is A.ActionType.DRAG:
        if act["button"] is not A.Button.LEFT:
            raise ToolCallError("OpenAI's drag uses the left button only")
        x2, y2 = display.from_screen(act["x2"], act["y2"])
        return [{"type": "drag", "path": [{"x": x, "y": y}, {"x": x2, "y": y2}]}]
    if kind is A.ActionType.SCROLL:
        return [{"type": "scroll", "x": x, "y": y, "scroll_x": act["dx"] * PIXELS_PER_CLICK,
                 "scroll_y": act["dy"] * PIXELS_PER_CLICK}]
    if kind is A.ActionType.TYPE:
        return [{"type": "type", "text": act["text"]}]
    if kind is A.ActionType.HOTKEY:
        return [{"type": "keypress", "keys": to_browser(key_names(act["keys"]))}]
    if kind is A.ActionType.WAIT:
        if act["duration"] != WAIT_SECONDS:
            raise ToolCallError(f"OpenAI's wait has no duration (it waits {WAIT_SECONDS} s)")
        return [{"type": "wait"}]
    raise ToolCallError(f"{kind.name} (a held button) has no OpenAI form: use drag")


def _encode(batched: bool) -> Callable[[dict[str, Any], Display, tuple[int, int]], list[dict[str, Any]]]:
    def encode(action: dict[str, Any], display: Display, pointer: tuple[int, int]) -> list[dict[str, Any]]:
        acts = encode_action(action, display)
        if not acts:
            return []
        if batched:
            return [{"type": "computer_call", "call_id": "call_0", "status": "completed", "actions": acts,
                     "pending_safety_checks": []}]
        return [{"type": "computer_call", "call_id": f"call_{i}", "status": "completed", "action": a,
                 "pending_safety_checks": []} for i, a in enumerate(acts)]
    return encode


SCHEMAS = (
    ToolSchema("openai-preview", "openai", "OpenAI computer_use_preview: one action per computer_call",
               _definitions(False), _parse(False), _encode(False), tuple(ACTIONS), dict(UNSUPPORTED)),
    ToolSchema("openai", "openai", "OpenAI computer (GA): a computer_call batches actions[], settled once",
               _definitions(True), _parse(True), _encode(True), tuple(ACTIONS), dict(UNSUPPORTED)),
)
