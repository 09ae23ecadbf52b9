"""A human's VNC input (key and pointer events from the browser) as the env's typed actions.

The play mode never lets the browser's input reach the app directly: :class:`InputTranslator` turns the events
into the same actions an agent sends (``gym_anything.actions``), and the env performs them with ``env.step``, so
the recorded trajectory is exactly the input the app got, replayable and within the task's step budget.

An action is made when it is complete:

* **Typing**: printable characters, Enter and Tab, without Ctrl/Alt/Super held, gather into one TYPE; it is sent
  when typing pauses for :data:`TEXT_IDLE` s, when another kind of input comes, or at :data:`~gym_anything.
  actions.MAX_TEXT` characters.
* **Keys**: a key with Ctrl, Alt or Super held, or a key that types nothing (Backspace, arrows, Escape, F1, ...,
  or Shift+Enter / Shift+Tab) is one HOTKEY of the held modifiers and the key.
* **Clicks**: a press and release of the left button within :data:`DRAG_DISTANCE` px is a CLICK, sent once no
  second press followed within :data:`DOUBLE_CLICK_TIME` s of the first; with one it is a DOUBLE_CLICK. The
  right button is a RIGHT_CLICK, the middle one a middle CLICK; a press, move and release further than
  :data:`DRAG_DISTANCE` px is a DRAG from the press to the release.
* **Wheel**: wheel clicks at one place gather into one SCROLL, sent after :data:`SCROLL_IDLE` s without more.
* Pointer motion without a button is not an action (the pointer moves with the next click); lock keys and
  AltGr are not either (the browser sends the characters they make).

Input that no action can express (a character outside the text charset, a key outside the key vocabulary, a
chord of more than four keys) is skipped and listed in :attr:`InputTranslator.skipped`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from Xlib import XK

from .. import actions as A
from .rfb import InputEvent, KeyEvent, PointerEvent

TEXT_IDLE = 0.5  # s without typing that ends a TYPE action
DOUBLE_CLICK_TIME = 0.4  # s within which a second click makes a DOUBLE_CLICK
SCROLL_IDLE = 0.3  # s without wheel clicks that ends a SCROLL action
DRAG_DISTANCE = 4  # px the pointer must move with a button held to make a DRAG instead of a click

_MODIFIERS = {"Shift_L": "shift", "Shift_R": "shift", "Control_L": "ctrl", "Control_R": "ctrl", "Alt_L": "alt",
              "Alt_R": "alt", "Meta_L": "alt", "Meta_R": "alt", "Super_L": "win", "Super_R": "win"}
_IGNORED = ("ISO_Level3_Shift", "Mode_switch", "Caps_Lock", "Num_Lock", "Scroll_Lock", "Hyper_L", "Hyper_R")
_MODIFIER_SYMS = {XK.string_to_keysym(name): key for name, key in _MODIFIERS.items()}
_IGNORED_SYMS = {XK.string_to_keysym(name) for name in _IGNORED}
_CHORD_ORDER = ("ctrl", "alt", "win", "shift")


def _named_keysyms() -> dict[int, str]:
    """X keysym -> the action vocabulary's name (the first of its aliases, e.g. Return -> "enter")."""
    names: dict[int, str] = {}
    for name in A.KEY_NAMES:
        keysym = XK.string_to_keysym(A.keysym_name(name))
        if keysym and keysym not in names and len(name) > 1:
            names[keysym] = name
    return names


_NAMED = _named_keysyms()
_KEYPAD = {XK.string_to_keysym(f"KP_{d}"): str(d) for d in range(10)} | {
    XK.string_to_keysym(name): char for name, char in (("KP_Add", "+"), ("KP_Subtract", "-"), ("KP_Multiply", "*"),
                                                       ("KP_Divide", "/"), ("KP_Decimal", "."), ("KP_Space", " "))}
_TEXT_KEYS = {XK.string_to_keysym("Return"): "\n", XK.string_to_keysym("KP_Enter"): "\n",
              XK.string_to_keysym("Tab"): "\t"}


def _load_xkbcommon() -> Any:
    path = ctypes.util.find_library("xkbcommon")
    if path is None:
        return None
    try:
        lib = ctypes.CDLL(path)
    except OSError:
        return None
    lib.xkb_keysym_to_utf32.argtypes = [ctypes.c_uint32]
    lib.xkb_keysym_to_utf32.restype = ctypes.c_uint32
    return lib


_XKB = _load_xkbcommon()


def keysym_char(keysym: int) -> str | None:
    """The character a keysym types (``\\n`` for Enter, ``\\t`` for Tab), or None for keys that type nothing."""
    if keysym in _TEXT_KEYS:
        return _TEXT_KEYS[keysym]
    if keysym in _KEYPAD:
        return _KEYPAD[keysym]
    if 0x20 <= keysym <= 0x7E or 0xA0 <= keysym <= 0xFF:
        return chr(keysym)
    if 0x01000100 <= keysym <= 0x0110FFFF:
        return chr(keysym - 0x01000000)
    if _XKB is not None and keysym < 0xFF00:  # legacy keysyms (Latin-2, Greek, the euro sign, ...); not function keys
        code = _XKB.xkb_keysym_to_utf32(keysym)
        if code >= 0x20 and code != 0x7F:
            return chr(code)
    return None


@dataclass
class _Press:
    button: int  # 1 left, 2 middle, 3 right
    x: int
    y: int
    time: float
    moved: bool = False


@dataclass
class _Pending:
    """An action not complete yet: typed text, wheel clicks or a click that may become a double click."""

    kind: str  # "text" | "scroll" | "click"
    deadline: float
    x: int = 0
    y: int = 0
    text: list[str] = field(default_factory=list)
    dx: int = 0
    dy: int = 0


class InputTranslator:
    """Key and pointer events (with the time they arrived) -> typed actions; see the module docstring.

    ``feed(event)`` and ``expire(now)`` return the actions completed; ``deadline()`` is when ``expire`` next has
    something to do; ``finish()`` completes everything pending and ends with DONE.
    """

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self._mask = 0
        self._modifiers: dict[int, str] = {}  # held modifier keysyms -> vocabulary names
        self._press: _Press | None = None
        self._pending: _Pending | None = None
        self.skipped: deque[str] = deque(maxlen=50)

    # --- public ------------------------------------------------------------------------------------

    def feed(self, event: InputEvent) -> list[dict[str, Any]]:
        out = self.expire(event.time)  # what was complete before this event came
        if isinstance(event, KeyEvent):
            self._key(event, out)
        else:
            self._pointer(event, out)
        return out

    def deadline(self) -> float | None:
        return self._pending.deadline if self._pending is not None else None

    def expire(self, now: float) -> list[dict[str, Any]]:
        if self._pending is not None and now >= self._pending.deadline:
            return self._flush()
        return []

    def finish(self) -> list[dict[str, Any]]:
        """Everything pending, then DONE (a button still held is dropped: its click never completed)."""
        self._press = None
        return [*self._flush(), A.done()]

    # --- keys --------------------------------------------------------------------------------------

    def _key(self, event: KeyEvent, out: list[dict[str, Any]]) -> None:
        keysym = event.keysym
        if keysym in _MODIFIER_SYMS:
            if event.down:
                self._modifiers[keysym] = _MODIFIER_SYMS[keysym]
            else:
                self._modifiers.pop(keysym, None)
            return
        if not event.down or keysym in _IGNORED_SYMS:
            return
        held = set(self._modifiers.values())
        char = keysym_char(keysym)
        chord = [m for m in _CHORD_ORDER if m in held and m != "shift"]
        if char is not None and not chord and not (char in "\n\t" and "shift" in held):
            if char not in A.TEXT_CHARSET:
                self.skipped.append(f"the character {char!r} (U+{ord(char):04X}) is outside the text charset")
                return
            if self._pending is None or self._pending.kind != "text":
                out += self._flush()
                self._pending = _Pending("text", 0.0)
            self._pending.text.append(char)
            self._pending.deadline = event.time + TEXT_IDLE
            if len(self._pending.text) >= A.MAX_TEXT:
                out += self._flush()
            return
        name = _NAMED.get(keysym)
        if name is None and char is not None:
            name = {"\n": "enter", "\t": "tab", " ": "space"}.get(char, char.lower())
        if name is None or name not in A.KEY_NAMES:
            self.skipped.append(f"the key {XK.keysym_to_string(keysym) or hex(keysym)!r} is not in the key "
                                "vocabulary")
            return
        keys = [*chord, *(["shift"] if "shift" in held and name != "shift" else []), name]
        if len(keys) > A.MAX_CHORD:
            self.skipped.append(f"the chord {'+'.join(keys)} has more than {A.MAX_CHORD} keys")
            return
        out += self._flush()
        out.append(A.hotkey(*keys))

    # --- pointer -----------------------------------------------------------------------------------

    def _pointer(self, event: PointerEvent, out: list[dict[str, Any]]) -> None:
        x, y = min(max(event.x, 0), self.width - 1), min(max(event.y, 0), self.height - 1)
        pressed = event.mask & ~self._mask
        released = self._mask & ~event.mask
        self._mask = event.mask
        press = self._press
        if press is not None and (abs(x - press.x) > DRAG_DISTANCE or abs(y - press.y) > DRAG_DISTANCE):
            press.moved = True
        for bit, dx, dy in ((8, 0, -1), (16, 0, 1), (32, -1, 0), (64, 1, 0)):
            if pressed & bit:
                self._wheel(x, y, dx, dy, event.time, out)
        buttons = {1: 1, 2: 2, 4: 3}
        for bit, button in buttons.items():
            if pressed & bit and self._press is None:
                pending = self._pending
                if not (pending is not None and pending.kind == "click" and button == 1
                        and self._near(pending, x, y) and event.time <= pending.deadline):
                    out += self._flush()
                self._press = _Press(button, x, y, event.time)
        press = self._press
        if press is not None and released & {1: 1, 2: 2, 3: 4}[press.button]:
            self._press = None
            self._release(press, x, y, out)

    @staticmethod
    def _near(pending: _Pending, x: int, y: int) -> bool:
        return abs(pending.x - x) <= DRAG_DISTANCE and abs(pending.y - y) <= DRAG_DISTANCE

    def _release(self, press: _Press, x: int, y: int, out: list[dict[str, Any]]) -> None:
        if press.moved:
            out += self._flush()
            out.append(A.drag(press.x, press.y, x, y, ("left", "middle", "right")[press.button - 1]))
            return
        if press.button == 3:
            out += self._flush()
            out.append(A.right_click(press.x, press.y))
        elif press.button == 2:
            out += self._flush()
            out.append(A.click(press.x, press.y, "middle"))
        else:
            pending = self._pending
            if pending is not None and pending.kind == "click" and self._near(pending, press.x, press.y):
                self._pending = None
                out.append(A.double_click(pending.x, pending.y))
                return
            out += self._flush()
            self._pending = _Pending("click", press.time + DOUBLE_CLICK_TIME, press.x, press.y)

    def _wheel(self, x: int, y: int, dx: int, dy: int, now: float, out: list[dict[str, Any]]) -> None:
        pending = self._pending
        if pending is None or pending.kind != "scroll" or not self._near(pending, x, y) \
                or abs(pending.dx + dx) > A.MAX_SCROLL or abs(pending.dy + dy) > A.MAX_SCROLL:
            out += self._flush()
            pending = self._pending = _Pending("scroll", 0.0, x, y)
        pending.dx += dx
        pending.dy += dy
        pending.deadline = now + SCROLL_IDLE

    # --- pending -----------------------------------------------------------------------------------

    def _flush(self) -> list[dict[str, Any]]:
        pending, self._pending = self._pending, None
        if pending is None:
            return []
        if pending.kind == "text":
            return [A.type("".join(pending.text))]
        if pending.kind == "click":
            return [A.click(pending.x, pending.y)]
        if pending.dx == 0 and pending.dy == 0:
            return []
        return [A.scroll(pending.x, pending.y, dy=pending.dy, dx=pending.dx)]
