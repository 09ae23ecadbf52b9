"""Read pyautogui-style actions out of a model's reply, safely: the text is parsed with ``ast``, never executed.

The accepted form is the one :func:`gym_anything.actions.to_code` writes, plus what models commonly add::

    ```python
    pyautogui.click(640, 360)
    pyautogui.write('Total\\t=SUM(B2:B9)\\n')
    pyautogui.hotkey('ctrl', 's')
    ```
    DONE

Calls: ``click``, ``doubleClick``, ``rightClick``, ``moveTo``, ``dragTo`` (a ``moveTo`` followed by ``dragTo``
is one DRAG), ``mouseDown``, ``mouseUp``, ``scroll``/``vscroll`` (positive = up, as in pyautogui), ``hscroll``,
``write``/``typewrite``, ``press``, ``hotkey``, ``keyDown``/``keyUp`` (folded into key chords), ``sleep`` (also
``time.sleep``). Tokens: ``DONE``, ``FAIL`` (both end the episode: DONE) and ``WAIT`` (one second).
Code fences are read if present; otherwise the lines that start with ``pyautogui.`` or are a token.
Only literal arguments are accepted. Anything else, and any coordinate outside the screen, raises
:class:`ActionParseError` naming the call and the problem; nothing is clamped or guessed.
"""

from __future__ import annotations

import ast
import math
import re
from typing import Any, NoReturn

from .. import actions as A
from ..errors import GymAnythingError

MAX_REPLY_CHARS = 100_000  # longer replies are refused before parsing
MAX_ACTIONS = 64  # actions one reply may produce
TOKEN_ACTIONS = {"DONE": A.done, "FAIL": A.done, "WAIT": lambda: A.wait(1.0)}
_BUTTONS = {"left": "left", "middle": "middle", "right": "right", "primary": "left", "secondary": "right"}
_IGNORED = {"duration", "interval", "_pause", "logScreenshot"}  # pacing arguments: accepted, no effect
# pyautogui's positional parameters per call, and the keywords it accepts (beyond _IGNORED).
_SIGNATURES: dict[str, tuple[str, ...]] = {
    "click": ("x", "y", "clicks", "interval", "button", "duration"),
    "doubleClick": ("x", "y", "interval", "button", "duration"),
    "rightClick": ("x", "y", "interval", "duration"),
    "moveTo": ("x", "y", "duration"),
    "dragTo": ("x", "y", "duration", "tween", "button"),
    "mouseDown": ("x", "y", "button", "duration"),
    "mouseUp": ("x", "y", "button", "duration"),
    "scroll": ("clicks", "x", "y"),
    "vscroll": ("clicks", "x", "y"),
    "hscroll": ("clicks", "x", "y"),
    "write": ("message", "interval"),
    "typewrite": ("message", "interval"),
    "press": ("keys", "presses", "interval"),
    "hotkey": (),  # any number of key names
    "keyDown": ("key",),
    "keyUp": ("key",),
    "sleep": ("seconds",),
}
_FENCE = re.compile(r"```[A-Za-z0-9_+-]*[ \t]*\n?(.*?)```", re.DOTALL)
_CODE_LINE = re.compile(r"^\s*(pyautogui\.|time\.sleep\()")


class ActionParseError(GymAnythingError, ValueError):
    """A model reply could not be turned into actions; the message names the call and the problem."""


def parse_actions(text: str, width: int = 1280, height: int = 720,
                  pointer: tuple[int, int] | None = None) -> list[dict[str, Any]]:
    """The actions (ready for ``env.step``) in a model reply, in order; raises :class:`ActionParseError`.

    ``width`` x ``height`` is the screen (coordinates outside it are errors); ``pointer`` is where the
    mouse is now, used by calls that omit coordinates (e.g. ``pyautogui.click()``) and by a ``dragTo``
    without a preceding ``moveTo``.
    """
    if not isinstance(text, str):
        raise ActionParseError(f"a model reply must be text, got {type(text).__name__}")
    if len(text) > MAX_REPLY_CHARS:
        raise ActionParseError(f"the reply has {len(text)} characters; at most {MAX_REPLY_CHARS} are parsed")
    reader = _Reader(width, height, pointer)
    for statement, source in _statements(text):
        reader.statement(statement, source)
    return reader.finish()


def _statements(text: str) -> list[tuple[ast.stmt, str]]:
    """The statements of the code in a reply, in order, each with its source.

    Code fences are parsed whole; outside them, only lines that start with ``pyautogui.`` (or
    ``time.sleep(``) and lines that are a token (``DONE``, possibly in backticks or with a full stop) count.
    """
    chunks, position = [], 0
    for fence in _FENCE.finditer(text):
        chunks.extend(_code_lines(text[position:fence.start()]))
        chunks.append(fence.group(1))
        position = fence.end()
    chunks.extend(_code_lines(text[position:]))
    out: list[tuple[ast.stmt, str]] = []
    for chunk in chunks:
        try:
            tree = ast.parse(chunk, mode="exec")
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            detail = exc.msg if isinstance(exc, SyntaxError) else type(exc).__name__
            raise ActionParseError(f"not valid Python call syntax ({detail}) in {_short(chunk)}") from None
        out.extend((node, ast.get_source_segment(chunk, node) or "") for node in tree.body)
    if not out:
        raise ActionParseError("no action found in the reply: expected pyautogui calls (e.g. "
                               "pyautogui.click(100, 200)) or DONE / FAIL / WAIT")
    return out


def _code_lines(prose: str) -> list[str]:
    found = []
    for line in prose.splitlines():
        token = line.strip().strip("`.*!")
        if token in TOKEN_ACTIONS:
            found.append(token)
        elif _CODE_LINE.match(line):
            found.append(line.strip())
    return found


def _short(source: str, limit: int = 80) -> str:
    source = " ".join(source.split())
    return repr(source if len(source) <= limit else source[:limit] + "...")


class _Reader:
    """Turns statements into actions, tracking the pointer, a pending moveTo and held keys."""

    def __init__(self, width: int, height: int, pointer: tuple[int, int] | None):
        self.width, self.height = width, height
        self.pointer = pointer
        self.actions: list[dict[str, Any]] = []
        self.pending_move: int | None = None  # index of a MOVE a following dragTo turns into a DRAG
        self.pending_scroll: int | None = None  # index of a vertical SCROLL a following hscroll may join
        self.held: list[str] = []  # keys down (keyDown without keyUp yet)
        self.chord_sent = False  # whether a chord was sent since the last keyDown

    # --- statements -------------------------------------------------------------------------------

    def statement(self, node: ast.stmt, source: str) -> None:
        self.source = source
        if isinstance(node, ast.Import) and all(a.name in ("pyautogui", "time") and a.asname is None
                                                for a in node.names):
            return
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Name) and node.value.id in TOKEN_ACTIONS:
            self._emit(TOKEN_ACTIONS[node.value.id]())
            return
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
            self.fail("only pyautogui calls and the tokens DONE / FAIL / WAIT are allowed")
        call = node.value
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                and (func.value.id == "pyautogui" and func.attr in _SIGNATURES
                     or func.value.id == "time" and func.attr == "sleep")):
            self.fail(f"unknown call; allowed: {', '.join('pyautogui.' + name for name in _SIGNATURES)}, "
                      "time.sleep")
        args = self._arguments(func.attr, call)
        getattr(self, "_" + func.attr)(args)

    def _arguments(self, name: str, call: ast.Call) -> dict[str, Any]:
        """Bind literal arguments to pyautogui's parameter names (hotkey takes any number of keys)."""
        if name == "hotkey":
            if call.keywords and any(k.arg not in _IGNORED for k in call.keywords):
                self.fail("hotkey takes only key names")
            return {"keys": [self._literal(a) for a in call.args]}
        params = _SIGNATURES[name]
        if len(call.args) > len(params):
            self.fail(f"takes at most {len(params)} positional arguments ({', '.join(params)})")
        args = {param: self._literal(node) for param, node in zip(params, call.args, strict=False)}
        for keyword in call.keywords:
            if keyword.arg is None:
                self.fail("**kwargs are not allowed")
            if keyword.arg not in params and keyword.arg not in _IGNORED:
                self.fail(f"unknown argument {keyword.arg!r}; {name} takes {', '.join(params)}")
            if keyword.arg in args:
                self.fail(f"argument {keyword.arg!r} given twice")
            args[keyword.arg] = self._literal(keyword.value)
        if isinstance(args.get("x"), (list, tuple)):  # pyautogui.click((x, y))
            point = args.pop("x")
            if len(point) != 2 or "y" in args and args["y"] is not None:
                self.fail("a point must be (x, y)")
            args["x"], args["y"] = point
        return args

    def _literal(self, node: ast.expr) -> Any:
        """A constant, a negated number, or a flat list/tuple of constants; anything else is refused."""
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self._scalar(element) for element in node.elts]
        return self._scalar(node)

    def _scalar(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool, type(None))):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) \
                and isinstance(node.operand, ast.Constant) and isinstance(node.operand.value, (int, float)) \
                and not isinstance(node.operand.value, bool):
            return -node.operand.value if isinstance(node.op, ast.USub) else node.operand.value
        kind = "f-string" if isinstance(node, ast.JoinedStr) else f"{type(node).__name__} expression"
        self.fail(f"arguments must be literal values (numbers, strings, lists of them), got {kind}")

    def fail(self, problem: str) -> NoReturn:
        raise ActionParseError(f"{_short(self.source)}: {problem}")

    # --- values ---------------------------------------------------------------------------------------

    def _number(self, value: Any, what: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.fail(f"{what} must be a finite number, got {value!r}")
        return value

    def _count(self, value: Any, what: str) -> int:
        number = self._number(value, what)
        if number != int(number):
            self.fail(f"{what} must be a whole number, got {value!r}")
        return int(number)

    def _point(self, args: dict[str, Any], required: bool = False) -> tuple[int, int]:
        x, y = args.get("x"), args.get("y")
        if x is None and y is None and not required and self.pointer is not None:
            return self.pointer
        if x is None or y is None:
            self.fail("needs x and y" + ("" if required else " (the pointer position is not known)"))
        point = []
        for name, value, size in (("x", x, self.width), ("y", y, self.height)):
            coordinate = round(self._number(value, name))
            if not 0 <= coordinate < size:
                self.fail(f"{name}={value!r} is outside the screen (0..{size - 1})")
            point.append(coordinate)
        return point[0], point[1]

    def _button(self, args: dict[str, Any], default: str = "left") -> str:
        button = args.get("button", default)
        if button not in _BUTTONS:
            self.fail(f"button must be one of {sorted(_BUTTONS)}, got {button!r}")
        return _BUTTONS[button]

    def _keys(self, value: Any) -> list[str]:
        keys = value if isinstance(value, list) else [value]
        for key in keys:
            if not isinstance(key, str):
                self.fail(f"key names must be strings, got {key!r}")
            try:
                A.key_index(key)
            except A.ActionError as exc:
                self.fail(str(exc))
        return keys

    # --- emitting -----------------------------------------------------------------------------------

    def _emit(self, action: dict[str, Any], pointer: tuple[int, int] | None = None) -> None:
        if self.held and action["type"] not in (A.ActionType.HOTKEY, A.ActionType.WAIT):
            self.fail(f"keys {self.held} are held down: only key presses can be combined with them "
                      "(use pyautogui.hotkey for chords)")
        try:
            A.validate(action, self.width, self.height)
        except A.ActionError as exc:
            self.fail(str(exc))
        if len(self.actions) >= MAX_ACTIONS:
            self.fail(f"a reply may hold at most {MAX_ACTIONS} actions")
        self.actions.append(action)
        self.pending_move = self.pending_scroll = None
        if pointer is not None:
            self.pointer = pointer

    def _chord(self, keys: list[str]) -> None:
        chord = [*self.held, *keys]
        if len(chord) > A.MAX_CHORD:
            self.fail(f"a key chord has at most {A.MAX_CHORD} keys, got {chord}")
        self._emit(A.hotkey(*chord))
        self.chord_sent = True

    def finish(self) -> list[dict[str, Any]]:
        if self.held:
            raise ActionParseError(f"keys {self.held} are pressed with keyDown and never released with keyUp")
        return self.actions

    # --- calls ----------------------------------------------------------------------------------------

    def _click(self, args: dict[str, Any]) -> None:
        point, button = self._point(args), self._button(args)
        clicks = self._count(args.get("clicks", 1), "clicks")
        if clicks == 2 and button == "left":
            self._emit(A.double_click(*point), point)
        elif clicks == 1:
            self._emit(A.click(*point, button=button), point)
        else:
            self.fail(f"clicks must be 1 (or 2 with the left button), got {clicks}")

    def _doubleClick(self, args: dict[str, Any]) -> None:  # noqa: N802 - pyautogui's name
        point = self._point(args)
        if self._button(args) != "left":
            self.fail("only left double clicks are supported")
        self._emit(A.double_click(*point), point)

    def _rightClick(self, args: dict[str, Any]) -> None:  # noqa: N802 - pyautogui's name
        point = self._point(args)
        self._emit(A.right_click(*point), point)

    def _moveTo(self, args: dict[str, Any]) -> None:  # noqa: N802 - pyautogui's name
        point = self._point(args, required=True)
        self._emit(A.move(*point), point)
        self.pending_move = len(self.actions) - 1

    def _dragTo(self, args: dict[str, Any]) -> None:  # noqa: N802 - pyautogui's name
        if "tween" in args:
            self.fail("tween is not supported")
        end, button = self._point(args, required=True), self._button(args)
        start = self.pointer
        if start is None:
            self.fail("a drag needs a start: put pyautogui.moveTo(x, y) before pyautogui.dragTo")
        if self.pending_move is not None:
            self.actions.pop(self.pending_move)
        self._emit(A.drag(start[0], start[1], end[0], end[1], button=button), end)

    def _mouseDown(self, args: dict[str, Any]) -> None:  # noqa: N802 - pyautogui's name
        point = self._point(args)
        self._emit(A.mouse_down(*point, button=self._button(args)), point)

    def _mouseUp(self, args: dict[str, Any]) -> None:  # noqa: N802 - pyautogui's name
        point = self._point(args)
        self._emit(A.mouse_up(*point, button=self._button(args)), point)

    def _scroll(self, args: dict[str, Any]) -> None:
        point, clicks = self._point(args), self._count(args.get("clicks"), "clicks")
        self._emit(A.scroll(*point, dy=-clicks), point)  # pyautogui: positive scrolls up
        self.pending_scroll = len(self.actions) - 1

    _vscroll = _scroll

    def _hscroll(self, args: dict[str, Any]) -> None:
        point, clicks = self._point(args), self._count(args.get("clicks"), "clicks")
        index = self.pending_scroll
        if index is not None and (self.actions[index]["x"], self.actions[index]["y"]) == point:
            vertical = self.actions.pop(index)  # scroll + hscroll at one point: one SCROLL action
            self._emit(A.scroll(*point, dy=vertical["dy"], dx=clicks), point)
        else:
            self._emit(A.scroll(*point, dx=clicks), point)

    def _write(self, args: dict[str, Any]) -> None:
        message = args.get("message")
        if isinstance(message, list):  # typewrite(['a', 'enter']): one key press each
            for key in self._keys(message):
                self._chord([key])
            return
        if not isinstance(message, str):
            self.fail(f"the text must be a string, got {message!r}")
        if self.held:
            self.fail(f"cannot type text while keys {self.held} are held down")
        chunks = [message[i:i + A.MAX_TEXT] for i in range(0, len(message), A.MAX_TEXT)] or [""]
        for chunk in chunks:
            self._emit(A.type(chunk))

    _typewrite = _write

    def _press(self, args: dict[str, Any]) -> None:
        keys = self._keys(args.get("keys"))
        presses = self._count(args.get("presses", 1), "presses")
        if not 1 <= presses <= MAX_ACTIONS:
            self.fail(f"presses must be in [1, {MAX_ACTIONS}], got {presses}")
        for _ in range(presses):
            for key in keys:
                self._chord([key])

    def _hotkey(self, args: dict[str, Any]) -> None:
        keys = args["keys"]
        if len(keys) == 1 and isinstance(keys[0], list):  # hotkey(['ctrl', 'c'])
            keys = keys[0]
        if not keys:
            self.fail("hotkey needs at least one key")
        self._chord(self._keys(keys))

    def _keyDown(self, args: dict[str, Any]) -> None:  # noqa: N802 - pyautogui's name
        key = self._keys(args.get("key"))
        if len(key) != 1:
            self.fail("keyDown takes one key")
        if len(self.held) >= A.MAX_CHORD:
            self.fail(f"at most {A.MAX_CHORD} keys can be held down")
        self.held.append(key[0])
        self.chord_sent = False

    def _keyUp(self, args: dict[str, Any]) -> None:  # noqa: N802 - pyautogui's name
        key = self._keys(args.get("key"))
        if len(key) != 1 or key[0] not in self.held:
            self.fail(f"keyUp of a key that is not held down (held: {self.held})")
        if not self.chord_sent:  # keyDown(a) ... keyUp(a) with nothing pressed in between: the chord itself
            chord, self.held = self.held, []
            self._chord(chord)
            self.held = [k for k in chord if k != key[0]]
        else:
            self.held.remove(key[0])

    def _sleep(self, args: dict[str, Any]) -> None:
        seconds = self._number(args.get("seconds"), "seconds")
        if not 0 <= seconds <= A.MAX_WAIT:
            self.fail(f"seconds={seconds!r} is out of range [0, {A.MAX_WAIT}]")
        self._emit(A.wait(seconds))
