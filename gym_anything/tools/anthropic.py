"""Anthropic's computer-use tools: ``computer_20250124``, ``computer_20251124`` (adds ``zoom``) and the GA
``computer_toolset_20260801`` (each action a member tool; several calls per turn).

One table, :data:`ACTIONS`: each action name and the handler that turns its input into typed actions. The
single-tool schemas send ``{"name": "computer", "input": {"action": NAME, ...}}``; the toolset sends
``{"name": NAME, "input": {...}}`` (``toolset_name: "computer"``). Coordinates are ``[x, y]`` in the shown
screen; ``key`` and ``hold_key`` take xdotool key syntax.

Not supported (the call gets an error result naming why): ``hold_key`` (typed actions have no key-down), and
keys held during a click or scroll (``text`` on a pointer action).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import actions as A
from .base import Display, ToolCallError, ToolSchema, ToolStep, as_mapping, checked, chunks, require, text_parts, typed
from .keys import key_names, to_xdotool, xdotool_sequence

MAX_WAIT_SECONDS = 60
MAX_REPEAT = 20

Handler = Callable[[dict[str, Any], Display, tuple[int, int]], ToolStep]


def _point(args: dict[str, Any], display: Display, pointer: tuple[int, int], name: str = "coordinate",
           optional: bool = True) -> tuple[int, int]:
    value = args.get(name)
    if value is None:
        if optional:
            return pointer
        raise ToolCallError(f"'{name}' is required: [x, y] in pixels of the {display.size[0]}x{display.size[1]} "
                            f"screen")
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ToolCallError(f"'{name}' must be [x, y], got {value!r}")
    return display.to_screen(value[0], value[1], name)


def _no_modifiers(args: dict[str, Any], action: str) -> None:
    if args.get("text"):
        raise ToolCallError(f"holding keys during {action} (text={args['text']!r}) is not supported in this "
                            f"environment; press the keys with 'key' instead")


def _pointer_action(make: Callable[..., dict[str, Any]], times: int = 1) -> Handler:
    def handle(args: dict[str, Any], display: Display, pointer: tuple[int, int]) -> ToolStep:
        _no_modifiers(args, make.__name__)
        x, y = _point(args, display, pointer)
        return ToolStep([typed(make, x, y) for _ in range(times)])
    return handle


def _mouse_move(args: dict[str, Any], display: Display, pointer: tuple[int, int]) -> ToolStep:
    return ToolStep([typed(A.move, *_point(args, display, pointer, optional=False))])


def _middle_click(args: dict[str, Any], display: Display, pointer: tuple[int, int]) -> ToolStep:
    _no_modifiers(args, "middle_click")
    return ToolStep([typed(A.click, *_point(args, display, pointer), "middle")])


def _drag(args: dict[str, Any], display: Display, pointer: tuple[int, int]) -> ToolStep:
    _no_modifiers(args, "left_click_drag")
    x, y = _point(args, display, pointer, "start_coordinate", optional=False)
    x2, y2 = _point(args, display, pointer, optional=False)
    return ToolStep([typed(A.drag, x, y, x2, y2)])


def _down(args: dict[str, Any], display: Display, pointer: tuple[int, int]) -> ToolStep:
    return ToolStep([typed(A.mouse_down, *_point(args, display, pointer))])


def _up(args: dict[str, Any], display: Display, pointer: tuple[int, int]) -> ToolStep:
    return ToolStep([typed(A.mouse_up, *_point(args, display, pointer))])


def _key(args: dict[str, Any], display: Display, pointer: tuple[int, int]) -> ToolStep:
    sequence = xdotool_sequence(require(args, "text", str, "key"))
    repeat = args.get("repeat", 1)
    if isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= MAX_REPEAT:
        raise ToolCallError(f"'repeat' must be an integer in [1, {MAX_REPEAT}], got {repeat!r}")
    return ToolStep([typed(A.hotkey, *keys) for _ in range(repeat) for keys in sequence])


def _type(args: dict[str, Any], display: Display, pointer: tuple[int, int]) -> ToolStep:
    text = require(args, "text", str, "type")
    return ToolStep([checked(A.type(part), display) for part in text_parts(text)])


def _scroll(args: dict[str, Any], display: Display, pointer: tuple[int, int]) -> ToolStep:
    _no_modifiers(args, "scroll")
    x, y = _point(args, display, pointer)
    direction = require(args, "scroll_direction", str, "scroll")
    if direction not in ("up", "down", "left", "right"):
        raise ToolCallError(f"scroll_direction must be 'up', 'down', 'left' or 'right', got {direction!r}")
    amount = require(args, "scroll_amount", int, "scroll")
    if not 1 <= amount <= 5 * A.MAX_SCROLL:
        raise ToolCallError(f"scroll_amount must be an integer in [1, {5 * A.MAX_SCROLL}], got {amount}")
    sign = -1 if direction in ("up", "left") else 1
    vertical = direction in ("up", "down")
    return ToolStep([typed(A.scroll, x, y, sign * int(n), 0) if vertical else typed(A.scroll, x, y, 0, sign * int(n))
                     for n in chunks(amount, A.MAX_SCROLL)])


def _wait(args: dict[str, Any], display: Display, pointer: tuple[int, int]) -> ToolStep:
    duration = require(args, "duration", (int, float), "wait")
    if not 0 <= duration <= MAX_WAIT_SECONDS:
        raise ToolCallError(f"duration must be between 0 and {MAX_WAIT_SECONDS} seconds, got {duration}")
    return ToolStep([typed(A.wait, part) for part in chunks(float(duration), A.MAX_WAIT)])


def _screenshot(args: dict[str, Any], display: Display, pointer: tuple[int, int]) -> ToolStep:
    return ToolStep()


def _cursor(args: dict[str, Any], display: Display, pointer: tuple[int, int]) -> ToolStep:
    return ToolStep(result="cursor")


def _zoom(args: dict[str, Any], display: Display, pointer: tuple[int, int]) -> ToolStep:
    return ToolStep(result="zoom", region=display.region_to_screen(args.get("region")))


def _hold_key(args: dict[str, Any], display: Display, pointer: tuple[int, int]) -> ToolStep:
    raise ToolCallError(UNSUPPORTED["hold_key"])


UNSUPPORTED = {"hold_key": "hold_key is not supported in this environment (keys cannot be held down for a time); "
                           "use key to press a key or key combination"}

ACTIONS: dict[str, Handler] = {
    "key": _key, "hold_key": _hold_key, "type": _type, "cursor_position": _cursor, "mouse_move": _mouse_move,
    "left_mouse_down": _down, "left_mouse_up": _up, "left_click": _pointer_action(A.click),
    "left_click_drag": _drag, "right_click": _pointer_action(A.right_click), "middle_click": _middle_click,
    "double_click": _pointer_action(A.double_click), "triple_click": _pointer_action(A.click, times=3),
    "scroll": _scroll, "wait": _wait, "screenshot": _screenshot, "zoom": _zoom,
}


def _parse(version: str) -> Callable[[Any, Display, tuple[int, int]], list[ToolStep]]:
    toolset = version == "toolset"

    def parse(call: Any, display: Display, pointer: tuple[int, int]) -> list[ToolStep]:
        block = as_mapping(call, "a tool_use block")
        args = as_mapping(block.get("input", {}), "the tool_use input")
        if toolset:
            name = block.get("name")
        else:
            if block.get("name", "computer") != "computer":
                raise ToolCallError(f"unknown tool {block.get('name')!r}: this schema has one tool, 'computer'")
            name = args.get("action")
        if name == "zoom" and version == "20250124":
            raise ToolCallError("zoom is not an action of computer_20250124 (use computer_20251124)")
        if name not in ACTIONS:
            raise ToolCallError(f"unknown action {name!r}; one of: {', '.join(sorted(ACTIONS))}")
        return [ACTIONS[name](args, display, pointer)]
    return parse


def _definitions(version: str) -> Callable[[Display], list[dict[str, Any]]]:
    def definitions(display: Display) -> list[dict[str, Any]]:
        w, h = display.size
        if version == "toolset":  # no display size: the model reads it from the screenshots
            return [{"type": "computer_toolset_20260801", "configs": {"hold_key": {"enabled": False}}}]
        tool: dict[str, Any] = {"type": f"computer_{version}", "name": "computer", "display_width_px": w,
                                "display_height_px": h, "display_number": 1}
        if version == "20251124":
            tool["enable_zoom"] = True
        return [tool]
    return definitions


def _encode(version: str) -> Callable[[dict[str, Any], Display, tuple[int, int]], list[dict[str, Any]]]:
    def call(action: str, **params: Any) -> dict[str, Any]:
        if version == "toolset":
            return {"type": "tool_use", "name": action, "toolset_name": "computer", "input": params}
        return {"type": "tool_use", "name": "computer", "input": {"action": action, **params}}

    def encode(action: dict[str, Any], display: Display, pointer: tuple[int, int]) -> list[dict[str, Any]]:
        act = A.validate(action, display.width, display.height)
        kind = act["type"]
        xy = list(display.from_screen(act["x"], act["y"]))
        if kind is A.ActionType.DONE:
            return []
        if kind is A.ActionType.MOVE:
            return [call("mouse_move", coordinate=xy)]
        if kind is A.ActionType.CLICK:
            name = {A.Button.LEFT: "left_click", A.Button.MIDDLE: "middle_click",
                    A.Button.RIGHT: "right_click"}[act["button"]]
            return [call(name, coordinate=xy)]
        if kind is A.ActionType.RIGHT_CLICK:
            return [call("right_click", coordinate=xy)]
        if kind is A.ActionType.DOUBLE_CLICK:
            return [call("double_click", coordinate=xy)]
        if kind in (A.ActionType.MOUSE_DOWN, A.ActionType.MOUSE_UP):
            if act["button"] is not A.Button.LEFT:
                raise ToolCallError("only the left button can be held down in Anthropic's schema")
            name = "left_mouse_down" if kind is A.ActionType.MOUSE_DOWN else "left_mouse_up"
            return [call("mouse_move", coordinate=xy), call(name)]
        if kind is A.ActionType.DRAG:
            if act["button"] is not A.Button.LEFT:
                raise ToolCallError("only left-button drags exist in Anthropic's schema")
            return [call("left_click_drag", start_coordinate=xy,
                         coordinate=list(display.from_screen(act["x2"], act["y2"])))]
        if kind is A.ActionType.SCROLL:
            calls = []
            if act["dy"]:
                calls.append(call("scroll", coordinate=xy, scroll_direction="down" if act["dy"] > 0 else "up",
                                  scroll_amount=abs(act["dy"])))
            if act["dx"]:
                calls.append(call("scroll", coordinate=xy, scroll_direction="right" if act["dx"] > 0 else "left",
                                  scroll_amount=abs(act["dx"])))
            return calls or [call("mouse_move", coordinate=xy)]
        if kind is A.ActionType.TYPE:
            return [call("type", text=act["text"])]
        if kind is A.ActionType.HOTKEY:
            return [call("key", text=to_xdotool(key_names(act["keys"])))]
        if kind is A.ActionType.WAIT:
            if act["duration"] != int(act["duration"]):
                raise ToolCallError(f"Anthropic's wait takes whole seconds, got {act['duration']}")
            return [call("wait", duration=int(act["duration"]))]
        raise ToolCallError(f"{kind.name} has no Anthropic form")
    return encode


def _schema(version: str, summary: str) -> ToolSchema:
    names = tuple(a for a in ACTIONS if version != "20250124" or a != "zoom")
    return ToolSchema(name=f"anthropic-{version}", provider="anthropic", summary=summary,
                      definitions=_definitions(version), parse=_parse(version), encode=_encode(version),
                      actions=names, unsupported=dict(UNSUPPORTED))


SCHEMAS = (
    _schema("20250124", "Anthropic computer_20250124: one 'computer' tool, the action in input.action"),
    _schema("20251124", "Anthropic computer_20251124: computer_20250124 plus zoom (a region at full resolution)"),
    _schema("toolset", "Anthropic computer_toolset_20260801 (GA): one member tool per action, several per turn"),
)
