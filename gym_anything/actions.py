"""The mouse-and-keyboard action space, its validation, and helper constructors.

Usage::

    from gym_anything import actions as A
    env.step(A.click(100, 200))
    env.step(A.type("héllo wörld"))
    env.step(A.hotkey("ctrl", "s"))
    env.step(A.done())

An action is a dict with the fields of :func:`action_space`; the helpers fill in every field.
Fields a given action type does not use are ignored. Key names follow pyautogui (see ``KEY_NAMES``).

Everything that differs between action types is one entry of ``ACTION_KINDS`` (an :class:`ActionKind`): the
fields the type uses (its JSON form keeps exactly these), its extra validation rule, its :func:`describe` and
:func:`to_code` forms and what the trajectory viewer draws; :func:`validate`, :func:`to_json`,
:func:`from_json`, :func:`to_code`, :func:`describe` and ``viewer.js`` are loops over it. The X input for each
type is ``runtime.xclient.PERFORM``. tests/test_action_table.py fails until a type has both, and checks
that each reads only the type's fields.

Adding an action type, before the table: 9 places in 4 files, and only a missing ``to_code`` failed a test
(the parsing round trip; the rest fell through silently): ``ActionType``, ``validate`` (a rule of the type, if
any), ``describe``, ``to_json`` (three type lists), ``to_code`` and a helper here; ``perform`` in
``runtime/xclient.py`` (a pointer list and a branch); ``draw`` in ``viewer.js`` (a switch case);
``agents/parsing.py`` (a signature and a handler). With it: 5 places in 3 files, each failing a test until
done: ``ActionType``, its ``ACTION_KINDS`` entry and its helper here; its ``PERFORM`` handler in
``runtime/xclient.py``; reading it back in ``agents/parsing.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np
from gymnasium import spaces

from .errors import ActionError


class ActionType(IntEnum):
    MOVE = 0
    CLICK = 1
    DOUBLE_CLICK = 2
    RIGHT_CLICK = 3
    MOUSE_DOWN = 4
    MOUSE_UP = 5
    DRAG = 6
    SCROLL = 7
    TYPE = 8
    HOTKEY = 9
    WAIT = 10
    DONE = 11


class Button(IntEnum):
    LEFT = 0
    MIDDLE = 1
    RIGHT = 2




MAX_TEXT = 512  # characters per TYPE action
MAX_CHORD = 4  # keys per HOTKEY action
MAX_SCROLL = 20  # wheel clicks per SCROLL action, either direction
MAX_WAIT = 10.0  # seconds per WAIT action

# Key vocabulary: pyautogui names -> X keysym names. Single characters map to themselves.
_NAMED_KEYS = {
    "enter": "Return", "return": "Return", "tab": "Tab", "space": "space", "backspace": "BackSpace",
    "delete": "Delete", "del": "Delete", "esc": "Escape", "escape": "Escape", "insert": "Insert",
    "up": "Up", "down": "Down", "left": "Left", "right": "Right", "home": "Home", "end": "End",
    "pageup": "Prior", "pgup": "Prior", "pagedown": "Next", "pgdn": "Next",
    "shift": "Shift_L", "shiftleft": "Shift_L", "shiftright": "Shift_R",
    "ctrl": "Control_L", "ctrlleft": "Control_L", "ctrlright": "Control_R",
    "alt": "Alt_L", "altleft": "Alt_L", "altright": "Alt_R",
    "win": "Super_L", "winleft": "Super_L", "winright": "Super_R", "super": "Super_L", "command": "Super_L",
    "capslock": "Caps_Lock", "numlock": "Num_Lock", "scrolllock": "Scroll_Lock", "pause": "Pause",
    "printscreen": "Print", "prtsc": "Print", "apps": "Menu", "menu": "Menu",
    **{f"f{i}": f"F{i}" for i in range(1, 25)},
    **{f"num{i}": f"KP_{i}" for i in range(10)},
}
_CHAR_KEYS = [chr(c) for c in range(ord("a"), ord("z") + 1)] + [str(d) for d in range(10)] + list(
    "`-=[]\\;',./~!@#$%^&*()_+{}|:\"<>?")
KEY_NAMES: tuple[str, ...] = tuple(_NAMED_KEYS) + tuple(_CHAR_KEYS)
"""Every key name a HOTKEY action accepts, in index order (index 0 of the space means "no key")."""
_KEY_INDEX = {name: i + 1 for i, name in enumerate(KEY_NAMES)}
_KEY_ALIASES = {"plus": "+", "minus": "-"}


def keysym_name(key: str) -> str:
    """The X keysym name for one key of the vocabulary (characters map to themselves)."""
    return _NAMED_KEYS.get(key, key)


def _text_charset() -> str:
    ranges = [(0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x2010, 0x2027), (0x20A0, 0x20BF),
              (0x3040, 0x30FF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0x1F300, 0x1F64F)]
    return "\n\t" + "".join(chr(c) for lo, hi in ranges for c in range(lo, hi + 1))


TEXT_CHARSET = _text_charset()
_TEXT_SET = frozenset(TEXT_CHARSET)


SAMPLE_WORDS = ("the", "total", "name", "date", "report", "2024", "12", "7", "0.5", "-3", "yes", "Q1", " ", "\n")
"""The vocabulary :meth:`ActionSpace.sample` types from (a random baseline should type words, not 512 code
points)."""
SAMPLE_KEYS = ("enter", "tab", "escape", "backspace", "delete", "up", "down", "left", "right", "home", "end",
               "ctrl", "shift", "a", "c", "s", "v", "z")
SAMPLE_MAX_WAIT = 1.0  # seconds: the longest WAIT a sample holds
_SAMPLE_WEIGHTS = np.array([3, 8, 2, 2, 1, 1, 2, 2, 4, 3, 1, 0.6])  # by ActionType: DONE about 1 in 50


class ActionSpace(spaces.Dict):
    """The ``Dict`` action space, with a sane :meth:`sample` and a short ``repr``.

    ``sample()`` (no mask or probability) draws the type with :data:`_SAMPLE_WEIGHTS` (clicks often, DONE about
    one action in 50), WAITs of at most :data:`SAMPLE_MAX_WAIT` s, texts of one to three words from
    :data:`SAMPLE_WORDS` and chords of one or two keys from :data:`SAMPLE_KEYS`; with a mask or probability it
    is gymnasium's own ``Dict.sample``.
    """

    def sample_uniform(self) -> dict[str, Any]:
        """gymnasium's own ``Dict.sample``: every field uniform (the random agent's draw, so its runs stay
        comparable across versions)."""
        return super().sample()

    def sample(self, mask: Any = None, probability: Any = None) -> dict[str, Any]:
        if mask is not None or probability is not None:
            return super().sample(mask=mask, probability=probability)
        rng = self.np_random
        # every field but the text from its own space (a Text sample over the whole charset costs ~6 ms)
        value = {name: "" if isinstance(space, spaces.Text) else space.sample() for name, space in self.spaces.items()}
        value["type"] = np.int64(rng.choice(len(ActionType), p=_SAMPLE_WEIGHTS / _SAMPLE_WEIGHTS.sum()))
        value["duration"] = np.asarray(rng.uniform(0.0, SAMPLE_MAX_WAIT), dtype=np.float32)
        words = rng.choice(len(SAMPLE_WORDS), size=int(rng.integers(1, 4)))
        value["text"] = " ".join(SAMPLE_WORDS[i] for i in words)[:MAX_TEXT]
        keys = np.zeros(MAX_CHORD, dtype=np.int64)
        for slot, key in enumerate(rng.choice(len(SAMPLE_KEYS), size=int(rng.integers(1, 3)), replace=False)):
            keys[slot] = KEY_NAMES.index(SAMPLE_KEYS[key]) + 1
        value["keys"] = keys
        value["dx"], value["dy"] = np.int64(0), np.int64(rng.integers(-3, 4))
        return value

    def __repr__(self) -> str:
        parts = []
        for name, space in self.spaces.items():
            if isinstance(space, spaces.Text):
                parts.append(f"{name}: Text({space.min_length}..{space.max_length} characters of "
                             f"{len(space.character_set)})")
            else:
                parts.append(f"{name}: {space!r}")
        return f"ActionSpace({', '.join(parts)})"


def action_space(width: int, height: int) -> ActionSpace:
    """The action space for a screen of ``width`` x ``height`` pixels.

    Fields: ``type`` (ActionType); ``x``, ``y`` (pointer position for move/click/down/up/scroll and drag
    start); ``x2``, ``y2`` (drag end); ``button`` (Button, for CLICK, MOUSE_DOWN/UP and DRAG); ``dx``, ``dy``
    (scroll clicks, positive = right/down); ``text`` (unicode, TYPE); ``keys`` (up to 4 key indices into
    ``KEY_NAMES`` + 1, 0 = none, HOTKEY); ``duration`` (seconds, WAIT). ``ACTION_KINDS`` lists each type's fields.
    """
    coord_x, coord_y = spaces.Discrete(width), spaces.Discrete(height)
    return ActionSpace({
        "type": spaces.Discrete(len(ActionType)),
        "x": coord_x, "y": coord_y,
        "x2": spaces.Discrete(width), "y2": spaces.Discrete(height),
        "button": spaces.Discrete(len(Button)),
        "dx": spaces.Discrete(2 * MAX_SCROLL + 1, start=-MAX_SCROLL),
        "dy": spaces.Discrete(2 * MAX_SCROLL + 1, start=-MAX_SCROLL),
        "text": spaces.Text(max_length=MAX_TEXT, min_length=0, charset=TEXT_CHARSET),
        "keys": spaces.MultiDiscrete(np.full(MAX_CHORD, len(KEY_NAMES) + 1, dtype=np.int64)),
        "duration": spaces.Box(0.0, MAX_WAIT, shape=(), dtype=np.float32),
    })


_DEFAULTS: dict[str, Any] = {"type": ActionType.WAIT, "x": 0, "y": 0, "x2": 0, "y2": 0, "button": Button.LEFT,
                             "dx": 0, "dy": 0, "text": "", "keys": (0,) * MAX_CHORD, "duration": 0.0}


def _int_field(action: dict, name: str, lo: int, hi: int, what: str) -> int:
    value = action[name]
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ActionError(f"action['{name}'] must be an integer in [{lo}, {hi}] ({what}), got {_short(value)}")
    if not lo <= int(value) <= hi:
        raise ActionError(f"action['{name}']={int(value)} is out of range [{lo}, {hi}] ({what})")
    return int(value)


def validate(action: Any, width: int, height: int) -> dict[str, Any]:
    """Check an action and return it normalised to plain Python values; raises :class:`ActionError`."""
    if not isinstance(action, dict):
        raise ActionError(f"an action must be a dict with keys {sorted(_DEFAULTS)}, got {action.__class__.__name__}")
    unknown = sorted(repr(k) if not isinstance(k, str) else k for k in action if k not in _DEFAULTS)
    if unknown:
        raise ActionError(f"unknown action field(s) {unknown}; allowed: {sorted(_DEFAULTS)}")
    if "type" not in action:
        raise ActionError("action['type'] is required (an ActionType)")
    full = {**_DEFAULTS, **action}
    kind = ActionType(_int_field(full, "type", 0, len(ActionType) - 1, "ActionType: " + ", ".join(
        f"{t.value}={t.name}" for t in ActionType)))
    out: dict[str, Any] = {"type": kind}
    out["x"] = _int_field(full, "x", 0, width - 1, f"screen x, width {width}")
    out["y"] = _int_field(full, "y", 0, height - 1, f"screen y, height {height}")
    out["x2"] = _int_field(full, "x2", 0, width - 1, f"drag end x, width {width}")
    out["y2"] = _int_field(full, "y2", 0, height - 1, f"drag end y, height {height}")
    out["button"] = Button(_int_field(full, "button", 0, len(Button) - 1, "0=left, 1=middle, 2=right"))
    out["dx"] = _int_field(full, "dx", -MAX_SCROLL, MAX_SCROLL, "horizontal scroll clicks")
    out["dy"] = _int_field(full, "dy", -MAX_SCROLL, MAX_SCROLL, "vertical scroll clicks")
    text = full["text"]
    if not isinstance(text, str):
        raise ActionError(f"action['text'] must be a str of at most {MAX_TEXT} characters, "
                          f"got {text.__class__.__name__}")
    if len(text) > MAX_TEXT:
        raise ActionError(f"action['text'] has {len(text)} characters; at most {MAX_TEXT} per TYPE action")
    bad = sorted({c for c in text if c not in _TEXT_SET})
    if bad:
        raise ActionError(f"action['text'] has characters outside the text charset: {bad[:5]!r} "
                          "(printable Latin/Greek/Cyrillic/CJK/Hangul/emoji, newline and tab are allowed)")
    out["text"] = text
    keys_expected = f"{MAX_CHORD} integers in [0, {len(KEY_NAMES)}] (key index + 1, 0 = none)"
    try:
        keys = np.asarray(full["keys"])
    except (ValueError, TypeError):  # ragged nesting
        keys = None
    if keys is None or keys.shape != (MAX_CHORD,) or not np.issubdtype(keys.dtype, np.integer):
        raise ActionError(f"action['keys'] must be {keys_expected}, got {_short(full['keys'])}")
    if keys.min() < 0 or keys.max() > len(KEY_NAMES):
        raise ActionError(f"action['keys'] values must be in [0, {len(KEY_NAMES)}] (0 = none, i = KEY_NAMES[i-1])")
    out["keys"] = tuple(KEY_NAMES[k - 1] for k in keys.tolist() if k)
    duration = full["duration"]
    if isinstance(duration, np.ndarray) and duration.shape == ():
        duration = duration.item()
    if (isinstance(duration, (bool, np.bool_)) or not isinstance(duration, (int, float, np.integer, np.floating))
            or isinstance(duration, (float, np.floating)) and not math.isfinite(duration)):
        raise ActionError(f"action['duration'] must be a finite number of seconds in [0, {MAX_WAIT}], "
                          f"got {_short(full['duration'])}")
    if not 0.0 <= duration <= MAX_WAIT:
        raise ActionError(f"action['duration']={duration} is out of range [0, {MAX_WAIT}] seconds")
    out["duration"] = float(duration)
    check = ACTION_KINDS[kind].check
    problem = check(out) if check is not None else None
    if problem:
        raise ActionError(problem)
    return out


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


# --- the table: everything that differs between action types ---------------------------------------


@dataclass(frozen=True)
class Part:
    """One field's value in a text the viewer draws (the rest of the text is literal strings)."""

    field: str
    before: str = ""  # written just before the value
    skip: Any = None  # if set, the part (``before`` included) is left out when the value is missing or equals it
    default: Any = ""  # shown when the value is missing
    limit: int = 0  # at most this many characters of the value, then an ellipsis (0 = no limit)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field}
        if self.before:
            out["before"] = self.before
        if self.skip is not None:
            out["skip"] = self.skip
        if self.default != "":
            out["default"] = self.default
        if self.limit:
            out["limit"] = self.limit
        return out


Text = tuple[str | Part, ...]


@dataclass(frozen=True)
class Overlay:
    """What the trajectory viewer (``benchmark/leaderboard/assets/viewer.js``) draws over a frame for an action.

    Marks are drawn in this order: the rings, the arrow, the label, the banner. Values come from the fields
    named here, read from the action's JSON form.
    """

    at: tuple[str, str] | None = None  # the point (x, y) the rings, the arrow and the label go at
    rings: tuple[tuple[int, str], ...] = ()  # circles around the point: radius and CSS class; the first is #mark
    arrow_to: tuple[str, str] | None = None  # an arrow from the point to the point in these fields
    arrow_along: tuple[str, str] | None = None  # a short arrow from the point in the direction of these fields
    label: Text = ()  # text next to the point (top left without a point)
    banner: Text = ()  # large text in the middle of the frame

    def fields(self) -> set[str]:
        """The action fields this overlay reads."""
        named = [*(self.at or ()), *(self.arrow_to or ()), *(self.arrow_along or ())]
        return set(named) | {p.field for p in (*self.label, *self.banner) if isinstance(p, Part)}

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("at", "rings", "arrow_to", "arrow_along"):
            value = getattr(self, name)
            if value:
                out[name] = [list(v) if isinstance(v, tuple) else v for v in value]
        for name in ("label", "banner"):
            value = getattr(self, name)
            if value:
                out[name] = [p.to_json() if isinstance(p, Part) else p for p in value]
        return out


Formatter = str | Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class ActionKind:
    """One action type: the fields it uses and how it is checked, described, written as code and drawn.

    ``describe`` and ``code`` are each a ``str.format`` template or a function, given only the fields the type
    uses (``button`` as its name, e.g. ``'left'``). :func:`validate`, :func:`describe`, :func:`to_json`,
    :func:`to_code` and the viewer read this entry instead of branching on the type; the X input for each type
    is ``gym_anything.runtime.xclient.PERFORM``.
    """

    type: ActionType
    fields: tuple[str, ...]  # the fields the type uses, in the action space's order; its JSON form holds exactly these
    describe: Formatter  # the short human-readable form, e.g. "click(100, 200)"
    code: Formatter  # the pyautogui-style code that agents.parsing reads back to the same action
    overlay: Overlay  # what the trajectory viewer draws (Overlay() for nothing)
    check: Callable[[dict[str, Any]], str | None] | None = None  # a rule of this type: the problem, or None

    @property
    def name(self) -> str:
        """The type's name in JSON and in the viewer, e.g. ``"double_click"``."""
        return self.type.name.lower()

    def __post_init__(self) -> None:
        order = [name for name in _DEFAULTS if name != "type"]
        if list(self.fields) != [name for name in order if name in self.fields] or len(set(self.fields)) != len(
                self.fields):
            raise ValueError(f"{self.type.name}: fields {self.fields} must be distinct action fields in the order "
                             f"{order}")
        extra = self.overlay.fields() - set(self.fields)
        if extra:
            raise ValueError(f"{self.type.name}: the overlay reads {sorted(extra)}, which the type does not use")


def _format(kind: ActionKind, formatter: Formatter, action: dict[str, Any]) -> str:
    """A template filled, or a function called, with the fields the type uses (``button`` as its name)."""
    view = {name: action[name] for name in kind.fields}
    if "button" in view:
        view["button"] = Button(view["button"]).name.lower()
    return formatter(view) if callable(formatter) else formatter.format_map(view)


def _click_code(action: dict[str, Any]) -> str:
    x, y, button = action["x"], action["y"], action["button"]
    return f"pyautogui.click({x}, {y})" if button == "left" else f"pyautogui.click({x}, {y}, button={button!r})"


def _scroll_code(action: dict[str, Any]) -> str:
    x, y, dx, dy = action["x"], action["y"], action["dx"], action["dy"]
    calls = []
    if dy or not dx:
        calls.append(f"pyautogui.scroll({-dy}, x={x}, y={y})")  # pyautogui: positive = up
    if dx:
        calls.append(f"pyautogui.hscroll({dx}, x={x}, y={y})")
    return "; ".join(calls)


def _hotkey_code(action: dict[str, Any]) -> str:
    keys = action["keys"]
    return f"pyautogui.press({keys[0]!r})" if len(keys) == 1 else \
        "pyautogui.hotkey(" + ", ".join(repr(k) for k in keys) + ")"


_XY = ("x", "y")
_BUTTON_PART = Part("button", before=" ", skip="left")

ACTION_KINDS: dict[ActionType, ActionKind] = {kind.type: kind for kind in (
    ActionKind(ActionType.MOVE, ("x", "y"), "move({x}, {y})", "pyautogui.moveTo({x}, {y})",
               Overlay(_XY, rings=((10, "mark move"),), label=("move",))),
    ActionKind(ActionType.CLICK, ("x", "y", "button"), "click({x}, {y})", _click_code,
               Overlay(_XY, rings=((18, "mark"),), label=("click", _BUTTON_PART))),
    ActionKind(ActionType.DOUBLE_CLICK, ("x", "y"), "double_click({x}, {y})", "pyautogui.doubleClick({x}, {y})",
               Overlay(_XY, rings=((18, "mark"), (30, "mark")), label=("double click",))),
    ActionKind(ActionType.RIGHT_CLICK, ("x", "y"), "right_click({x}, {y})", "pyautogui.rightClick({x}, {y})",
               Overlay(_XY, rings=((18, "mark right"),), label=("right click",))),
    ActionKind(ActionType.MOUSE_DOWN, ("x", "y", "button"), "mouse_down({x}, {y}, {button})",
               "pyautogui.mouseDown({x}, {y}, button={button!r})",
               Overlay(_XY, rings=((18, "mark"),), label=("mouse down",))),
    ActionKind(ActionType.MOUSE_UP, ("x", "y", "button"), "mouse_up({x}, {y}, {button})",
               "pyautogui.mouseUp({x}, {y}, button={button!r})",
               Overlay(_XY, rings=((18, "mark"),), label=("mouse up",))),
    ActionKind(ActionType.DRAG, ("x", "y", "x2", "y2", "button"), "drag({x}, {y} -> {x2}, {y2})",
               "pyautogui.moveTo({x}, {y}); pyautogui.dragTo({x2}, {y2}, button={button!r})",
               Overlay(_XY, rings=((12, "mark"),), arrow_to=("x2", "y2"), label=("drag", _BUTTON_PART))),
    ActionKind(ActionType.SCROLL, ("x", "y", "dx", "dy"), "scroll({x}, {y}, dx={dx}, dy={dy})", _scroll_code,
               Overlay(_XY, rings=((14, "mark"),), arrow_along=("dx", "dy"),
                       label=("scroll ", Part("dy", before="dy=", skip=0), Part("dx", before=" dx=", skip=0)))),
    ActionKind(ActionType.TYPE, ("text",), "type({text!r})", "pyautogui.write({text!r})",
               Overlay(label=("type \u201c", Part("text", limit=60), "\u201d"))),
    ActionKind(ActionType.HOTKEY, ("keys",), lambda a: "hotkey(" + "+".join(a["keys"]) + ")", _hotkey_code,
               Overlay(label=("keys ", Part("keys"))),
               check=lambda a: None if a["keys"] else "action['keys'] must name at least one key for a HOTKEY action"),
    ActionKind(ActionType.WAIT, ("duration",), "wait({duration:.2f})",
               lambda a: f"pyautogui.sleep({round(float(a['duration']), 3)})",
               Overlay(banner=("WAIT ", Part("duration", default=0), " s"))),
    ActionKind(ActionType.DONE, (), "done()", "DONE", Overlay(banner=("DONE",))),
)}
"""One entry per :class:`ActionType`: validation, :func:`describe`, :func:`to_json`/:func:`from_json`,
:func:`to_code` and the trajectory viewer all read it."""


def viewer_overlays() -> dict[str, dict[str, Any]]:
    """What the trajectory viewer draws for each action type, by type name (JSON for ``viewer.js``)."""
    return {kind.name: kind.overlay.to_json() for kind in ACTION_KINDS.values()}


def describe(action: dict[str, Any]) -> str:
    """A short human-readable form of a validated action, e.g. ``click(100, 200)``."""
    kind = ACTION_KINDS[action["type"]]
    return _format(kind, kind.describe, action)


# --- helper constructors --------------------------------------------------------------------------


def _make(kind: ActionType, **fields: Any) -> dict[str, Any]:
    action = {**_DEFAULTS, **fields, "type": int(kind)}
    action["button"] = int(action["button"])
    action["keys"] = np.asarray(action["keys"], dtype=np.int64)
    action["duration"] = np.array(action["duration"], dtype=np.float32)
    return action


def _button(button: str | int | Button) -> Button:
    if isinstance(button, str):
        try:
            return Button[button.upper()]
        except KeyError:
            raise ActionError(f"button must be 'left', 'middle' or 'right', got {button!r}") from None
    return Button(button)


def move(x: int, y: int) -> dict[str, Any]:
    return _make(ActionType.MOVE, x=x, y=y)


def click(x: int, y: int, button: str | int = "left") -> dict[str, Any]:
    return _make(ActionType.CLICK, x=x, y=y, button=_button(button))


def double_click(x: int, y: int) -> dict[str, Any]:
    return _make(ActionType.DOUBLE_CLICK, x=x, y=y)


def right_click(x: int, y: int) -> dict[str, Any]:
    return _make(ActionType.RIGHT_CLICK, x=x, y=y, button=Button.RIGHT)


def mouse_down(x: int, y: int, button: str | int = "left") -> dict[str, Any]:
    return _make(ActionType.MOUSE_DOWN, x=x, y=y, button=_button(button))


def mouse_up(x: int, y: int, button: str | int = "left") -> dict[str, Any]:
    return _make(ActionType.MOUSE_UP, x=x, y=y, button=_button(button))


def drag(x: int, y: int, x2: int, y2: int, button: str | int = "left") -> dict[str, Any]:
    return _make(ActionType.DRAG, x=x, y=y, x2=x2, y2=y2, button=_button(button))


def scroll(x: int, y: int, dy: int = 0, dx: int = 0) -> dict[str, Any]:
    """Scroll at (x, y): positive ``dy`` scrolls down, positive ``dx`` right, in wheel clicks."""
    return _make(ActionType.SCROLL, x=x, y=y, dx=dx, dy=dy)


def type(text: str) -> dict[str, Any]:  # noqa: A001 - the natural name for agents
    """Type unicode text (newlines press Enter, tabs press Tab)."""
    return _make(ActionType.TYPE, text=text)


def key_index(name: str) -> int:
    """Index of a key name in the HOTKEY field (``KEY_NAMES`` position + 1)."""
    key = name.lower() if len(name) > 1 else name
    key = _KEY_ALIASES.get(key, key)
    if len(key) == 1 and key.isupper():
        key = key.lower()
    if key not in _KEY_INDEX:
        raise ActionError(f"unknown key {name!r}; valid keys are listed in gym_anything.actions.KEY_NAMES")
    return _KEY_INDEX[key]


def hotkey(*keys: str) -> dict[str, Any]:
    """Press a key chord, e.g. ``hotkey("ctrl", "s")``: keys go down in order, then up in reverse."""
    if not 1 <= len(keys) <= MAX_CHORD:
        raise ActionError(f"a hotkey takes 1 to {MAX_CHORD} keys, got {len(keys)}")
    indices = [key_index(k) for k in keys] + [0] * (MAX_CHORD - len(keys))
    return _make(ActionType.HOTKEY, keys=indices)


def press(key: str) -> dict[str, Any]:
    """Press and release one key, e.g. ``press("enter")``."""
    return hotkey(key)


def wait(seconds: float) -> dict[str, Any]:
    return _make(ActionType.WAIT, duration=seconds)


def done() -> dict[str, Any]:
    """End the episode: the verifier runs and its score is the reward."""
    return _make(ActionType.DONE)


# --- serialised forms (trajectories, prompts, distillation data) -----------------------------------

# How a field's value is written to JSON and read back, where it is not a plain number or string.
_TO_JSON: dict[str, Callable[[Any], Any]] = {
    "button": lambda button: button.name.lower(), "keys": list, "duration": lambda d: round(float(d), 3)}


def _keys_from_json(names: Any) -> list[int]:
    keys = list(names)
    if not 1 <= len(keys) <= MAX_CHORD:
        raise ActionError(f"action['keys'] must name 1 to {MAX_CHORD} keys, got {keys!r}")
    return [key_index(k) for k in keys] + [0] * (MAX_CHORD - len(keys))


_FROM_JSON: dict[str, Callable[[Any], Any]] = {"button": _button, "keys": _keys_from_json}


def to_json(action: dict[str, Any]) -> dict[str, Any]:
    """The JSON form of a validated action: ``{"type": "click", "x": 1, "y": 2, "button": "left"}``.

    Only the fields the type uses are kept; keys are key names. :func:`from_json` inverts it.
    """
    kind = ACTION_KINDS[action["type"]]
    out: dict[str, Any] = {"type": kind.name}
    for name in kind.fields:
        value = action[name]
        out[name] = _TO_JSON[name](value) if name in _TO_JSON else value
    return out


def from_json(data: dict[str, Any]) -> dict[str, Any]:
    """An action (for ``env.step``) from its JSON form; raises :class:`ActionError` on a bad form."""
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise ActionError(f"a JSON action needs a 'type' name (e.g. 'click'), got {data!r}")
    try:
        kind = ActionType[data["type"].upper()]
    except KeyError:
        raise ActionError(f"unknown action type {data['type']!r}; known: "
                          f"{[t.name.lower() for t in ActionType]}") from None
    fields = {k: _FROM_JSON[k](v) if k in _FROM_JSON else v for k, v in data.items() if k != "type"}
    unknown = sorted(set(fields) - set(_DEFAULTS))
    if unknown:
        raise ActionError(f"unknown action field(s) {unknown}; allowed: {sorted(_DEFAULTS)}")
    return _make(kind, **fields)


def to_code(action: dict[str, Any]) -> str:
    """pyautogui-style code for a validated action, e.g. ``pyautogui.click(100, 200)``.

    This is the text form agents are prompted with and that ``gym_anything.agents.parsing`` reads back;
    a drag is ``pyautogui.moveTo(x, y); pyautogui.dragTo(x2, y2, button='left')``, WAIT is
    ``pyautogui.sleep(s)`` and DONE is ``DONE``.
    """
    kind = ACTION_KINDS[action["type"]]
    return _format(kind, kind.code, action)
