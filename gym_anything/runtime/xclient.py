"""One in-process X connection per display: XTEST input, unicode typing, window queries, app sync, damage.

Unicode text that the keymap lacks is typed by mapping the missing characters onto spare keycodes in one
batch. Before any keycode is remapped again, the application is pinged (``_NET_WM_PING``) so it has
processed every key typed with the old mapping; the same ping tells ``settle`` that input was handled.
The X DAMAGE extension reports every drawing on the screen, so ``settle`` knows when the app last drew
without comparing screenshots.
"""

from __future__ import annotations

import re
import select
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from Xlib import XK, X, error
from Xlib import display as xdisplay
from Xlib.ext import damage, xtest
from Xlib.protocol import event

from ..actions import ActionType, Button, keysym_name
from .base import RuntimeFault

_BUTTONS = {Button.LEFT: 1, Button.MIDDLE: 2, Button.RIGHT: 3}
_SHIFT = "Shift_L"


@dataclass
class Window:
    id: int
    wm_class: tuple[str, ...]
    title: str
    pingable: bool


@dataclass
class Drawing:
    """What the screen's damage showed since ``XClient.mark_drawing``: how many batches of drawing."""

    min_area: int = 0  # drawing that covers at most this many pixels at once is ignored (a blinking cursor)
    count: int = 0
    ignored: int = 0
    _area: int = field(default=0, repr=False)

    def add(self, area: int) -> None:
        self._area += area

    def close_batch(self) -> None:
        """Account the rectangles read in one batch as one drawing (apps draw a frame as many rectangles)."""
        if not self._area:
            return
        if self._area > self.min_area:
            self.count += 1
        else:
            self.ignored += 1
        self._area = 0

    @property
    def batches(self) -> int:
        """Every batch of drawing read so far, ignored ones included."""
        return self.count + self.ignored


def _char_keysym(char: str) -> int:
    if char == "\n":
        return XK.string_to_keysym("Return")
    if char == "\t":
        return XK.string_to_keysym("Tab")
    code = ord(char)
    if 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xFF:
        return code  # Latin-1 keysyms equal their code points
    return 0x01000000 | code


class XClient:
    """Input and window queries for one display (not thread-safe; one per runner)."""

    def __init__(self, display_name: str):
        try:
            self.d = xdisplay.Display(display_name)
        except (error.DisplayError, ConnectionError, OSError) as exc:
            raise RuntimeFault("display_died", f"cannot connect to {display_name}: {exc}") from None
        if not self.d.has_extension("XTEST"):
            raise RuntimeFault("display_failed", "the X server has no XTEST extension")
        self.root = self.d.screen().root
        # Ping replies go to the root with SubstructureNotify (GTK) or StructureNotify (Qt) in the mask;
        # PropertyChange tells when the window manager's client list changed (settle's cached copy).
        self.root.change_attributes(event_mask=X.SubstructureNotifyMask | X.StructureNotifyMask
                                    | X.PropertyChangeMask)
        self._atom = {name: self.d.intern_atom(name) for name in (
            "_NET_CLIENT_LIST", "_NET_SUPPORTING_WM_CHECK", "_NET_WM_PING", "WM_PROTOCOLS", "_NET_WM_NAME",
            "UTF8_STRING", "_NET_ACTIVE_WINDOW", "WM_DELETE_WINDOW")}
        self._ping_serial = 0
        self._pingable: dict[int, bool] = {}  # window id -> supports _NET_WM_PING (cached: settle's hot path)
        self._pending_pings: dict[int, int] = {}  # ping serial -> window id
        self._clients: list[int] | None = None  # _NET_CLIENT_LIST, until a PropertyNotify says it changed
        if not self.d.has_extension("DAMAGE"):
            raise RuntimeFault("display_failed", "the X server has no DAMAGE extension")
        self.d.damage_query_version()  # the handshake DAMAGE requires before any other request
        self._damage = self.root.damage_create(damage.DamageReportRawRectangles)
        self._damage_event = self.d.extension_event.DamageNotify
        self.drawing = Drawing()
        self._load_keymap()

    # --- keymap ---------------------------------------------------------------------------------

    def _load_keymap(self) -> None:
        first = self.d.display.info.min_keycode
        count = self.d.display.info.max_keycode - first + 1
        mapping = self.d.get_keyboard_mapping(first, count)
        self._per_keycode = len(mapping[0]) if mapping else 2
        self._lookup: dict[int, tuple[int, bool]] = {}
        self._spare: list[int] = []
        for offset, syms in enumerate(mapping):
            keycode = first + offset
            if not any(syms):
                self._spare.append(keycode)
                continue
            for level, sym in enumerate(syms[:2]):
                if sym and sym not in self._lookup:
                    self._lookup[sym] = (keycode, level == 1)
        self._static = dict(self._lookup)
        self._remapped: dict[int, int] = {}  # keysym -> spare keycode currently carrying it
        if len(self._spare) < 8:
            raise RuntimeFault("display_failed", f"only {len(self._spare)} spare keycodes for unicode typing")

    def _keycode(self, keysym: int) -> tuple[int, bool] | None:
        if keysym in self._static:
            return self._static[keysym]
        if keysym in self._remapped:
            return self._remapped[keysym], False
        return None

    def _map_missing(self, keysyms: list[int]) -> None:
        """Put the given keysyms (all missing, at most len(spare)) onto spare keycodes in one request."""
        self.sync_apps()  # earlier keys typed on spare keycodes must be processed before remapping
        self._remapped = {}
        first = min(self._spare)
        last = max(self._spare)
        rows = self.d.get_keyboard_mapping(first, last - first + 1)
        rows = [list(r) for r in rows]
        for keysym, keycode in zip(keysyms, self._spare, strict=False):
            rows[keycode - first] = [keysym, keysym] + [0] * (self._per_keycode - 2)
            self._remapped[keysym] = keycode
        self.d.change_keyboard_mapping(first, rows)
        self.d.sync()

    # --- input ----------------------------------------------------------------------------------

    def _key(self, keycode: int, down: bool) -> None:
        xtest.fake_input(self.d, X.KeyPress if down else X.KeyRelease, keycode)

    def _named_keycode(self, key: str) -> tuple[int, bool]:
        name = keysym_name(key)
        keysym = XK.string_to_keysym(name)
        if not keysym and len(name) == 1:
            keysym = _char_keysym(name)
        found = self._keycode(keysym) if keysym else None
        if found is None:
            if not keysym:
                raise RuntimeFault("input_failed", f"no keysym for key {key!r}")
            self._map_missing([keysym])
            found = self._keycode(keysym)
        assert found is not None
        return found

    def hotkey(self, keys: tuple[str, ...]) -> None:
        codes = []
        for key in keys:
            keycode, shifted = self._named_keycode(key)
            if shifted and "shift" not in keys:
                codes.append(self._static[XK.string_to_keysym(_SHIFT)][0])
            codes.append(keycode)
        for code in codes:
            self._key(code, True)
        for code in reversed(codes):
            self._key(code, False)
        self.d.sync()

    def type_text(self, text: str) -> None:
        shift = self._static[XK.string_to_keysym(_SHIFT)][0]
        position, previous = 0, None
        while position < len(text):
            # The longest run of text whose characters missing from the keymap fit on the spare keycodes.
            needed: list[int] = []
            end = position
            while end < len(text):
                keysym = _char_keysym(text[end])
                if keysym not in self._static and keysym not in needed:
                    if len(needed) == len(self._spare):
                        break
                    needed.append(keysym)
                end += 1
            if any(keysym not in self._remapped for keysym in needed):
                self._map_missing(needed)
            for char in text[position:end]:
                keycode, shifted = self._keycode(_char_keysym(char)) or (0, False)
                if keycode == previous:
                    # The same key again ("ff", "00"): let its release get an earlier server time stamp than the
                    # new press. LibreOffice's X11 backend reads a release and a press of one key with the same
                    # time stamp as auto-repeat and drops the character ("Office" was typed "Ofice").
                    self.d.sync()
                    time.sleep(0.002)
                previous = keycode
                if shifted:
                    self._key(shift, True)
                self._key(keycode, True)
                self._key(keycode, False)
                if shifted:
                    self._key(shift, False)
            self.d.sync()
            position = end

    def move(self, x: int, y: int) -> None:
        xtest.fake_input(self.d, X.MotionNotify, x=x, y=y)

    def button(self, button: int, down: bool) -> None:
        xtest.fake_input(self.d, X.ButtonPress if down else X.ButtonRelease, button)

    def click(self, x: int, y: int, button: int, times: int = 1) -> None:
        self.move(x, y)
        for _ in range(times):
            self.button(button, True)
            self.button(button, False)

    def press_at(self, x: int, y: int, button: int, down: bool) -> None:
        self.move(x, y)
        self.button(button, down)

    def drag(self, x: int, y: int, x2: int, y2: int, button: int, steps: int = 10) -> None:
        self.move(x, y)
        self.button(button, True)
        self.d.sync()
        for i in range(1, steps + 1):
            self.move(x + (x2 - x) * i // steps, y + (y2 - y) * i // steps)
            self.d.sync()
        self.button(button, False)

    def scroll(self, x: int, y: int, dx: int, dy: int) -> None:
        """Wheel clicks at (x, y): vertical first (buttons 4 up, 5 down), then horizontal (6 left, 7 right)."""
        self.move(x, y)
        for count, (neg, pos) in ((dy, (4, 5)), (dx, (6, 7))):
            wheel = pos if count > 0 else neg
            for _ in range(abs(count)):
                self.button(wheel, True)
                self.button(wheel, False)

    def perform(self, action: dict) -> None:
        """Carry out one validated action: the handler for its type in ``PERFORM``."""
        PERFORM[action["type"]](self, action)
        self.d.sync()

    def pointer(self) -> tuple[int, int]:
        reply = self.root.query_pointer()
        return int(reply.root_x), int(reply.root_y)

    def release_all(self) -> list[str]:
        """Release every mouse button and key that is held down, and give the spare keycodes back their empty
        mapping, so the next episode starts from a clean input state; returns what was released."""
        released = []
        mask = int(self.root.query_pointer().mask)
        for number, bit in ((1, X.Button1Mask), (2, X.Button2Mask), (3, X.Button3Mask), (4, X.Button4Mask),
                            (5, X.Button5Mask)):
            if mask & bit:
                self.button(number, False)
                released.append(f"button {number}")
        for index, byte in enumerate(self.d.query_keymap()):
            for bit in range(8):
                if byte & (1 << bit):
                    self._key(index * 8 + bit, False)
                    released.append(f"keycode {index * 8 + bit}")
        if self._remapped:
            first, last = min(self._spare), max(self._spare)
            rows = [list(r) for r in self.d.get_keyboard_mapping(first, last - first + 1)]
            for keycode in self._remapped.values():
                rows[keycode - first] = [0] * self._per_keycode
            self.d.change_keyboard_mapping(first, rows)
            self._remapped = {}
        self.d.sync()
        return released

    # --- windows and sync -----------------------------------------------------------------------

    def wm_ready(self) -> bool:
        try:
            return self.root.get_full_property(self._atom["_NET_SUPPORTING_WM_CHECK"], X.AnyPropertyType) is not None
        except error.XError:
            return False

    def windows(self) -> list[Window]:
        """Top-level client windows managed by the window manager."""
        prop = self.root.get_full_property(self._atom["_NET_CLIENT_LIST"], X.AnyPropertyType)
        result = []
        for wid in (prop.value if prop else []):
            win = self.d.create_resource_object("window", wid)
            try:
                wm_class = win.get_wm_class() or ()
                name = win.get_full_property(self._atom["_NET_WM_NAME"], self._atom["UTF8_STRING"])
                title = name.value.decode("utf-8", "replace") if name else (win.get_wm_name() or "")
                if isinstance(title, bytes):
                    title = title.decode("latin-1")
                protocols = win.get_wm_protocols() or []
            except error.XError:
                continue  # the window vanished meanwhile
            result.append(Window(int(wid), tuple(wm_class), str(title), self._atom["_NET_WM_PING"] in protocols))
        return result

    def geometry(self, wid: int) -> tuple[int, int, int, int] | None:
        """A window's client area on the screen: (x, y, width, height), or None if it vanished."""
        win = self.d.create_resource_object("window", wid)
        try:
            size = win.get_geometry()
            origin = self.root.translate_coords(win, 0, 0)
        except error.XError:
            return None
        return int(origin.x), int(origin.y), int(size.width), int(size.height)

    def find_window(self, wm_class: str, title_regex: str | None) -> Window | None:
        wanted = wm_class.lower()
        for win in self.windows():
            if wanted in (c.lower() for c in win.wm_class) and (
                    title_regex is None or re.search(title_regex, win.title)):
                return win
        return None

    def active_window(self) -> int | None:
        """The window manager's focused client (``_NET_ACTIVE_WINDOW``), if any."""
        prop = self.root.get_full_property(self._atom["_NET_ACTIVE_WINDOW"], X.AnyPropertyType)
        return int(prop.value[0]) if prop is not None and len(prop.value) and prop.value[0] else None

    def activate(self, wid: int) -> None:
        """Ask the window manager to raise and focus window ``wid`` (``_NET_ACTIVE_WINDOW`` from a pager, which
        openbox grants whatever its focus-stealing prevention thinks of the window's age)."""
        target = self.d.create_resource_object("window", wid)
        message = event.ClientMessage(window=target, client_type=self._atom["_NET_ACTIVE_WINDOW"],
                                      data=(32, [2, X.CurrentTime, 0, 0, 0]))
        self.root.send_event(message, event_mask=X.SubstructureRedirectMask | X.SubstructureNotifyMask,
                             onerror=error.CatchError())
        self.d.flush()

    def request_close(self, wid: int) -> None:
        """Ask window ``wid`` to close (``WM_DELETE_WINDOW``), as its title bar's close button does."""
        target = self.d.create_resource_object("window", wid)
        message = event.ClientMessage(window=target, client_type=self._atom["WM_PROTOCOLS"],
                                      data=(32, [self._atom["WM_DELETE_WINDOW"], X.CurrentTime, 0, 0, 0]))
        target.send_event(message, event_mask=0, onerror=error.CatchError())
        self.d.flush()

    def _client_ids(self) -> list[int]:
        self._pump()
        if self._clients is None:
            prop = self.root.get_full_property(self._atom["_NET_CLIENT_LIST"], X.AnyPropertyType)
            self._clients = [int(w) for w in (prop.value if prop else [])]
        return self._clients

    def _pingable_ids(self) -> list[int]:
        ids = self._client_ids()
        for wid in ids:
            if wid not in self._pingable:
                try:
                    protocols = self.d.create_resource_object("window", wid).get_wm_protocols() or []
                except error.XError:
                    continue  # the window vanished meanwhile
                self._pingable[wid] = self._atom["_NET_WM_PING"] in protocols
        self._pingable = {wid: self._pingable[wid] for wid in ids if wid in self._pingable}
        return [wid for wid, ok in self._pingable.items() if ok]

    def _pump(self) -> None:
        """Read every queued event: ping answers and screen damage."""
        while self.d.pending_events():
            ev = self.d.next_event()
            if ev.type == self._damage_event:
                self.drawing.add(ev.area.width * ev.area.height)
            elif ev.type == X.ClientMessage and ev.client_type == self._atom["WM_PROTOCOLS"]:
                self._pending_pings.pop(ev.data[1][1], None)
            elif ev.type == X.PropertyNotify and ev.atom == self._atom["_NET_CLIENT_LIST"]:
                self._clients = None
        self.drawing.close_batch()

    def _wait_readable(self, seconds: float) -> None:
        if seconds > 0 and not self.d.pending_events():
            select.select([self.d.fileno()], [], [], seconds)

    def mark_drawing(self, min_area: int) -> None:
        """Start a new drawing record (drawing already queued belongs to the previous one)."""
        self._pump()
        self.drawing = Drawing(min_area)

    def sync_apps(self, timeout: float = 2.0) -> bool:
        """Ping every pingable client window; True once all answered (they processed earlier input).

        A window that disappears meanwhile (a dialog the input closed) is dropped from the wait. No round trip
        is needed before pinging: the server handles this connection's requests (earlier input) in order.
        """
        self._pending_pings = {}
        for wid in self._pingable_ids():
            self._ping_serial = (self._ping_serial + 1) & 0x7FFFFFFF
            target = self.d.create_resource_object("window", wid)
            message = event.ClientMessage(window=target, client_type=self._atom["WM_PROTOCOLS"],
                                          data=(32, [self._atom["_NET_WM_PING"], self._ping_serial, wid, 0, 0]))
            target.send_event(message, event_mask=0, onerror=error.CatchError())
            self._pending_pings[self._ping_serial] = wid
        self.d.flush()
        deadline = time.monotonic() + timeout
        next_recheck = time.monotonic() + 0.05
        while True:
            self._pump()
            if not self._pending_pings:
                return True
            now = time.monotonic()
            if now >= deadline:
                return False
            if now >= next_recheck:
                alive = set(self._client_ids())
                self._pending_pings = {s: wid for s, wid in self._pending_pings.items() if wid in alive}
                next_recheck = now + 0.05
                continue
            self._wait_readable(min(deadline, next_recheck) - now)

    def wait_for_drawing(self, until: float) -> bool:
        """Wait until something significant is drawn (not read yet when called) or until ``until`` (monotonic);
        True if it was drawn."""
        count = self.drawing.count
        while True:
            self._pump()
            if self.drawing.count != count:
                return True
            now = time.monotonic()
            if now >= until:
                return False
            self._wait_readable(until - now)

    def close(self) -> None:
        try:
            self.d.close()
        except Exception:  # noqa: BLE001 - the server may already be gone
            pass


# One handler per action type; each reads only the fields gym_anything.actions.ACTION_KINDS gives the type (what
# its JSON form keeps), so a recorded trajectory replays the same input.
PERFORM: dict[ActionType, Callable[[XClient, dict[str, Any]], None]] = {
    ActionType.MOVE: lambda c, a: c.move(a["x"], a["y"]),
    ActionType.CLICK: lambda c, a: c.click(a["x"], a["y"], _BUTTONS[a["button"]]),
    ActionType.DOUBLE_CLICK: lambda c, a: c.click(a["x"], a["y"], _BUTTONS[Button.LEFT], times=2),
    ActionType.RIGHT_CLICK: lambda c, a: c.click(a["x"], a["y"], _BUTTONS[Button.RIGHT]),
    ActionType.MOUSE_DOWN: lambda c, a: c.press_at(a["x"], a["y"], _BUTTONS[a["button"]], True),
    ActionType.MOUSE_UP: lambda c, a: c.press_at(a["x"], a["y"], _BUTTONS[a["button"]], False),
    ActionType.DRAG: lambda c, a: c.drag(a["x"], a["y"], a["x2"], a["y2"], _BUTTONS[a["button"]]),
    ActionType.SCROLL: lambda c, a: c.scroll(a["x"], a["y"], a["dx"], a["dy"]),
    ActionType.TYPE: lambda c, a: c.type_text(a["text"]),
    ActionType.HOTKEY: lambda c, a: c.hotkey(a["keys"]),
    ActionType.WAIT: lambda c, a: None,  # no input: env.step waits
    ActionType.DONE: lambda c, a: None,  # no input: the episode ends
}
