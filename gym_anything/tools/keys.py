"""Key names across schemas: xdotool key syntax (Anthropic), OpenAI's and Gemini's key lists -> our key names.

Our names are pyautogui's (:data:`gym_anything.actions.KEY_NAMES`). X keysym names (``Return``, ``Page_Up``,
``BackSpace``, ``comma``), browser ``KeyboardEvent.key`` names (``ArrowUp``, ``PageDown``, ``Meta``) and the
usual spellings (``Control``, ``Cmd``, ``Option``) are accepted, case-insensitively.
"""

from __future__ import annotations

from .. import actions as A
from ..errors import ActionError
from .base import ToolCallError

_PUNCTUATION = {
    "comma": ",", "period": ".", "slash": "/", "backslash": "\\", "semicolon": ";", "apostrophe": "'",
    "quoteright": "'", "grave": "`", "quoteleft": "`", "bracketleft": "[", "bracketright": "]", "equal": "=",
    "minus": "-", "plus": "+", "underscore": "_", "exclam": "!", "at": "@", "numbersign": "#", "dollar": "$",
    "percent": "%", "asciicircum": "^", "ampersand": "&", "asterisk": "*", "parenleft": "(", "parenright": ")",
    "braceleft": "{", "braceright": "}", "bar": "|", "colon": ":", "quotedbl": '"', "less": "<", "greater": ">",
    "question": "?", "asciitilde": "~",
}
_ALIASES = {
    "control": "ctrl", "control_l": "ctrl", "control_r": "ctrlright", "ctrl_l": "ctrl", "ctrl_r": "ctrlright",
    "shift_l": "shift", "shift_r": "shiftright", "alt_l": "alt", "alt_r": "altright", "option": "alt",
    "meta": "win", "meta_l": "win", "cmd": "win", "super_l": "win", "super_r": "winright", "windows": "win",
    "return": "enter", "kp_enter": "enter", "escape": "esc", "page_up": "pageup", "prior": "pageup",
    "page_down": "pagedown", "next": "pagedown", "arrowup": "up", "arrowdown": "down", "arrowleft": "left",
    "arrowright": "right", "caps_lock": "capslock", "num_lock": "numlock", "scroll_lock": "scrolllock",
    "print": "printscreen", "spacebar": "space", " ": "space", "back_space": "backspace", "del": "delete",
    **{f"kp_{i}": f"num{i}" for i in range(10)},
    **_PUNCTUATION,
}
# Our name -> the xdotool keysym a model is told to use (X keysym names; characters as themselves).
_TO_XDOTOOL = {"enter": "Return", "esc": "Escape", "ctrl": "ctrl", "shift": "shift", "alt": "alt", "win": "super"}
_TO_BROWSER = {"enter": "ENTER", "esc": "ESC", "escape": "ESC", "ctrl": "CTRL", "shift": "SHIFT", "alt": "ALT",
               "win": "META", "up": "ARROWUP", "down": "ARROWDOWN", "left": "ARROWLEFT", "right": "ARROWRIGHT",
               "pageup": "PAGEUP", "pagedown": "PAGEDOWN", "backspace": "BACKSPACE", "delete": "DELETE",
               "space": "SPACE", "tab": "TAB", "home": "HOME", "end": "END"}


def our_key(name: str) -> list[str]:
    """Our key names for one provider key name (an upper-case letter alone is shift + the letter)."""
    if not isinstance(name, str) or not name:
        raise ToolCallError(f"a key name must be a non-empty string, got {name!r}")
    if len(name) == 1:
        if name.isupper():
            return ["shift", name.lower()]
        candidate = name
    else:
        lowered = name.lower()
        candidate = _ALIASES.get(lowered, lowered)
    try:
        A.key_index(candidate)
    except ActionError:
        raise ToolCallError(f"unknown key {name!r}: use X keysym names (Return, Tab, Escape, BackSpace, Page_Up, "
                            f"F1, ...), modifiers ctrl, shift, alt, super, or a single character") from None
    return [candidate]


def chord(names: list[str], what: str = "keys") -> tuple[str, ...]:
    """Our chord for a list of provider key names (modifiers first, as given). Beside other keys an upper-case
    letter is just that letter (``Control+C`` is ctrl+c); alone it is shift + the letter."""
    keys: list[str] = []
    for name in names:
        if len(names) > 1 and isinstance(name, str) and len(name) == 1:
            name = name.lower()
        for key in our_key(name):
            if key not in keys:
                keys.append(key)
    if not 1 <= len(keys) <= A.MAX_CHORD:
        raise ToolCallError(f"{what}: a key combination has 1 to {A.MAX_CHORD} keys, got {names!r}")
    return tuple(keys)


def xdotool_sequence(text: str) -> list[tuple[str, ...]]:
    """xdotool key syntax: chords joined by ``+``, several separated by spaces (``"ctrl+a Delete"``)."""
    if not isinstance(text, str) or not text.strip():
        raise ToolCallError(f"text must name a key or key combination (xdotool syntax, e.g. 'ctrl+s'), got {text!r}")
    return [chord(_split_plus(part), "text") for part in text.split()]


def _split_plus(part: str) -> list[str]:
    """``ctrl+plus`` and ``ctrl++`` both name ctrl and the plus key."""
    if part == "+":
        return ["+"]
    names = part.split("+")
    if part.endswith("++"):
        names = [*part[:-2].split("+"), "+"]
    return [n for n in names if n]


def key_names(keys: list | tuple) -> list[str]:
    """Our key names of a validated HOTKEY action's ``keys`` field (names; raw indices are looked up)."""
    return [k if isinstance(k, str) else A.KEY_NAMES[int(k) - 1] for k in keys if k]


def to_xdotool(keys: list[str]) -> str:
    return "+".join(_TO_XDOTOOL.get(k, A.keysym_name(k) if len(k) > 1 else k) for k in keys)


def to_browser(keys: list[str]) -> list[str]:
    return [_TO_BROWSER.get(k, k.upper()) for k in keys]
