"""x11vnc on an env's display: view-only, reachable only through a private unix socket.

x11vnc never injects input (``-viewonly``: in play mode the input reaches the app as typed actions through
``env.step``), exchanges no clipboard (``-nosel``), runs no commands and takes no remote control, listens on no
TCP port (``-rfbport 0 -rfbportv6 0``) but on a unix socket in a folder only its account may enter. Run as root
it runs as the sandbox account (like the display it reads), so it holds none of root's rights; it carries the
guardian's marker, so it dies with the process that started it however that process ends.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from ..errors import GymAnythingError
from ..runtime import programs
from ..runtime.guardian import guardian
from ..runtime.launcher import kill_group, spawn
from ..runtime.limits import Limiter, Limits
from ..runtime.sandbox import sandbox_account

X11VNC_OPTIONS = ("-viewonly", "-shared", "-forever", "-nopw", "-norc", "-nosel", "-noxrecord", "-nocmds",
                  "-noremote", "-nobell", "-rfbport", "0", "-rfbportv6", "0", "-quiet")


class VNCError(GymAnythingError, RuntimeError):
    """x11vnc did not start or stopped; the message quotes its log."""


class VNCServer:
    """x11vnc serving ``display`` (an X display name such as ``:12``) on a private unix socket."""

    def __init__(self, display: str, timeout: float = 10.0):
        if not isinstance(display, str) or not display.startswith(":") or not display[1:].isdigit():
            raise ValueError(f"display must be an X display name such as ':12', got {display!r}")
        self.display = display
        self.folder = Path(tempfile.mkdtemp(prefix="view-", dir=guardian().scratch))
        account = sandbox_account()
        if account is not None:
            os.chown(self.folder, account.uid, account.gid)
        self.socket_path = self.folder / "vnc.sock"
        self.log = self.folder / "x11vnc.log"
        argv = [programs.find("x11vnc"), "-display", display, "-unixsock", str(self.socket_path),
                *X11VNC_OPTIONS, "-o", str(self.log)]
        env = {"PATH": "/usr/bin:/bin", "HOME": str(self.folder)}
        self._proc: subprocess.Popen | None = spawn(argv, Limiter(Limits()), account, env)
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.close()
            raise

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = self._proc
            if proc is None or proc.poll() is not None:
                raise VNCError(f"x11vnc on {self.display} exited (code {proc.poll() if proc else None}): "
                               f"{self.log_tail()}")
            if self.socket_path.exists():
                with contextlib.suppress(OSError), self.connect() as probe:
                    probe.settimeout(2)
                    if probe.recv(12).startswith(b"RFB "):
                        return
            time.sleep(0.05)
        raise VNCError(f"x11vnc on {self.display} did not answer within {timeout:.0f} s: {self.log_tail()}")

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def connect(self) -> socket.socket:
        """A new connection to x11vnc (one per viewer)."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(self.socket_path))
        except OSError:
            sock.close()
            raise
        return sock

    def log_tail(self, chars: int = 1500) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:] or "(no output)"
        except OSError:
            return "(no output)"

    def close(self) -> None:
        """Stop x11vnc and remove its folder; idempotent."""
        kill_group(self._proc, grace=0.5)
        self._proc = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> VNCServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
