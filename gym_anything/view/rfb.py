"""The browser's half of the VNC (RFB 3.3-3.8) protocol, read message by message, between noVNC and x11vnc.

:class:`ClientFilter` is fed the bytes the browser sends, in any chunks, and returns what may go on to the VNC
server plus the input the browser sent. Input never goes on: x11vnc runs view-only, and in play mode the input
becomes typed actions that the env performs (``view/inputs.py``). What it forwards:

* the handshake (protocol version, the security type, the shared flag) as it is; only the "None" security type
  is accepted (x11vnc listens on a private socket and asks for no password);
* pixel format and update requests, fences and continuous-update requests;
* the encodings list without the JPEG quality levels (so the screen arrives lossless, the same pixels an agent
  gets), the QEMU extended key events (plain key events only) and the clipboard and power (xvp) extensions.

Dropped: key and pointer events (returned as :class:`KeyEvent` / :class:`PointerEvent`), clipboard text (no data
enters the app but through actions), desktop-resize and power requests. A message type it does not know ends
the stream (:class:`RFBError`): its length is unknown, so nothing after it could be read safely.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from ..errors import GymAnythingError

SECURITY_NONE = 1

# Pseudo-encodings the filter removes from SetEncodings.
_QUALITY = range(-32, -22)  # JPEG quality 0..9: without one, Tight is lossless
_DROPPED_ENCODINGS = {-258,  # QEMU extended key events (noVNC then sends plain KeyEvents)
                      -309,  # xvp (power control)
                      0xC0A1E5CE - 2**32,  # extended clipboard
                      }


class RFBError(GymAnythingError, ValueError):
    """The browser sent something this filter cannot read or does not allow; the connection is closed."""


@dataclass(frozen=True)
class KeyEvent:
    keysym: int
    down: bool
    time: float = 0.0


@dataclass(frozen=True)
class PointerEvent:
    mask: int  # bit 0 left, 1 middle, 2 right, 3/4 wheel up/down, 5/6 wheel left/right
    x: int
    y: int
    time: float = 0.0


InputEvent = KeyEvent | PointerEvent


class ClientFilter:
    """The client-to-server byte stream of one connection, message by message (see the module docstring)."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._state = "version"
        self._minor = 8
        self.dropped = 0  # input, clipboard and other messages not forwarded

    def feed(self, data: bytes, now: float = 0.0) -> tuple[bytes, list[InputEvent]]:
        """Bytes to forward to the server, and the input events, for ``data`` (plus what earlier calls left)."""
        self._buffer += data
        out = bytearray()
        events: list[InputEvent] = []
        while True:
            size = self._next_size()
            if size is None or len(self._buffer) < size:
                break
            message = bytes(self._buffer[:size])
            del self._buffer[:size]
            forward = self._handle(message, now, events)
            if forward:
                out += forward
        return bytes(out), events

    # --- framing ---------------------------------------------------------------------------------------

    def _next_size(self) -> int | None:
        """The length of the next whole message, or None until enough of it has arrived to tell."""
        b = self._buffer
        if self._state == "version":
            return 12
        if self._state in ("security", "init"):
            return 1
        if not b:
            return None
        kind = b[0]
        fixed = {0: 20, 3: 10, 4: 8, 5: 6, 150: 10}
        if kind in fixed:
            return fixed[kind]
        if kind == 2:  # SetEncodings: type, pad, count(2), count x int32
            return None if len(b) < 4 else 4 + 4 * struct.unpack_from(">H", b, 2)[0]
        if kind == 6:  # ClientCutText: type, pad(3), length(4) (negative: extended format, |length| bytes)
            return None if len(b) < 8 else 8 + abs(struct.unpack_from(">i", b, 4)[0])
        if kind == 248:  # ClientFence: type, pad(3), flags(4), length(1), payload
            return None if len(b) < 9 else 9 + b[8]
        if kind == 250:  # xvp: type, pad, version, code
            return 4
        if kind == 251:  # SetDesktopSize: type, pad, w, h, count(1), pad, count x 16
            return None if len(b) < 8 else 8 + 16 * b[6]
        raise RFBError(f"unknown RFB client message type {kind}")

    def _handle(self, message: bytes, now: float, events: list[InputEvent]) -> bytes | None:
        if self._state == "version":
            if not message.startswith(b"RFB ") or not message.endswith(b"\n"):
                raise RFBError(f"not an RFB protocol version: {message!r}")
            try:
                major, minor = int(message[4:7]), int(message[8:11])
            except ValueError:
                raise RFBError(f"not an RFB protocol version: {message!r}") from None
            if major != 3:
                raise RFBError(f"RFB protocol version {major}.{minor} is not supported (3.3 to 3.8 are)")
            self._minor = minor
            self._state = "security" if minor >= 7 else "init"  # 3.3: the server picks the security type
            return message
        if self._state == "security":
            if message[0] != SECURITY_NONE:
                raise RFBError(f"security type {message[0]} is not allowed (only None: the socket is private)")
            self._state = "init"
            return message
        if self._state == "init":
            self._state = "messages"
            return message
        kind = message[0]
        if kind == 4:
            down, keysym = struct.unpack_from(">B2xI", message, 1)
            events.append(KeyEvent(keysym, bool(down), now))
        elif kind == 5:
            mask, x, y = struct.unpack_from(">BHH", message, 1)
            events.append(PointerEvent(mask, x, y, now))
        elif kind == 2:
            count = struct.unpack_from(">H", message, 2)[0]
            encodings = struct.unpack_from(f">{count}i", message, 4)
            kept = [e for e in encodings if e not in _QUALITY and e not in _DROPPED_ENCODINGS]
            return struct.pack(f">BxH{len(kept)}i", 2, len(kept), *kept)
        elif kind in (0, 3, 150, 248):
            return message
        self.dropped += 1
        return None
