"""A virtual X display (Xvfb) with a window manager (openbox), started and stopped as one unit.

Both run in the display slot's cgroup and, when the driver is root, as the unprivileged sandbox account (the app
talks to them: they must not be root either). The driver connects to them as an ordinary X client.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import time
from pathlib import Path

from . import programs
from .base import RuntimeFault
from .launcher import kill_group, spawn
from .limits import Limiter
from .sandbox import Account, with_sandbox_hostname

X11_DIR = Path("/tmp/.X11-unix")

# Every normal window maximised and focused; the only key bindings are alt+tab / alt+shift+tab between windows
# (an env that runs several programs), without openbox's switcher pop-up, so frames stay the apps' own.
OPENBOX_RC = """<?xml version="1.0" encoding="UTF-8"?>
<openbox_config xmlns="http://openbox.org/3.4/rc">
  <focus><focusNew>yes</focusNew><followMouse>no</followMouse></focus>
  <placement><policy>Smart</policy><center>yes</center></placement>
  <desktops><number>1</number></desktops>
  <keyboard>
    <keybind key="A-Tab">
      <action name="NextWindow"><interactive>no</interactive><dialog>none</dialog><bar>no</bar></action>
    </keybind>
    <keybind key="A-S-Tab">
      <action name="PreviousWindow"><interactive>no</interactive><dialog>none</dialog><bar>no</bar></action>
    </keybind>
  </keyboard>
  <applications>
    <application class="*" type="normal"><maximized>yes</maximized><focus>yes</focus></application>
  </applications>
</openbox_config>
"""


def require(tool: str) -> str:
    """The path of a runtime program, or a ``missing_tool`` fault naming its Debian package."""
    try:
        return programs.find(tool)
    except programs.MissingProgram as exc:
        raise RuntimeFault("missing_tool", str(exc)) from None


def ensure_x11_dir() -> None:
    """``/tmp/.X11-unix`` as X servers expect it (world-writable, sticky), made by us rather than by an
    unprivileged Xvfb (which would then own it)."""
    if not X11_DIR.is_dir():
        X11_DIR.mkdir(mode=0o1777, exist_ok=True)
        os.chmod(X11_DIR, 0o1777)


def _tail(path: Path, chars: int = 1500) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no output)"


class XServer:
    """Xvfb on a free display number (chosen by the server via -displayfd) plus openbox."""

    def __init__(self, width: int, height: int, workdir: Path, limiter: Limiter, account: Account | None):
        self.width, self.height, self.workdir = width, height, workdir
        self.limiter, self.account = limiter, account
        self.xvfb: subprocess.Popen | None = None
        self.wm: subprocess.Popen | None = None
        self.number = -1

    @property
    def name(self) -> str:
        return f":{self.number}"

    def start(self, timeout: float = 10.0) -> None:
        ensure_x11_dir()
        read_fd, write_fd = os.pipe()
        log_path = self.workdir / f"xvfb-{os.getpid()}-{id(self)}.log"
        try:
            with open(log_path, "wb") as log:
                self.xvfb = spawn([require("Xvfb"), "-displayfd", str(write_fd), "-screen", "0",
                                   f"{self.width}x{self.height}x24", "-nolisten", "tcp", "-noreset", "-extension",
                                   "GLX", "-dpi", "96"], self.limiter, self.account, {"PATH": "/usr/bin:/bin"},
                                  stdout=log, pass_fds=(write_fd,))
            os.close(write_fd)
            write_fd = -1
            data, deadline = b"", time.monotonic() + timeout
            while not data.endswith(b"\n"):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([read_fd], [], [], remaining)[0]:
                    raise RuntimeFault("display_failed", f"Xvfb did not report a display within {timeout}s: "
                                       f"{_tail(log_path)}")
                chunk = os.read(read_fd, 32)
                if not chunk:
                    xvfb = self.xvfb
                    assert xvfb is not None
                    xvfb.wait(5)
                    raise RuntimeFault("display_failed", f"Xvfb exited with code {xvfb.poll()}: "
                                       f"{_tail(log_path)}")
                data += chunk
            self.number = int(data.strip())
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        wm_home = self.workdir / f"wm-{self.number}"
        wm_home.mkdir(mode=0o700, exist_ok=True)
        rc = wm_home / "openbox-rc.xml"
        rc.write_text(OPENBOX_RC)
        if self.account is not None:  # openbox writes its session files there
            for path in (wm_home, rc):
                os.chown(path, self.account.uid, self.account.gid)
        wm_env = {"PATH": "/usr/bin:/bin", "DISPLAY": self.name, "HOME": str(wm_home),
                  "XDG_CONFIG_HOME": str(wm_home), "XDG_CACHE_HOME": str(wm_home)}
        self.wm = spawn(with_sandbox_hostname([require("openbox"), "--sm-disable", "--config-file", str(rc)]),
                        self.limiter, self.account, wm_env)

    def alive(self) -> bool:
        return self.xvfb is not None and self.xvfb.poll() is None

    def wm_alive(self) -> bool:
        return self.wm is not None and self.wm.poll() is None

    def kill_now(self) -> None:
        """SIGKILL the X server at once (thread-safe): every connection to it closes."""
        if self.xvfb is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.xvfb.pid, signal.SIGKILL)

    def stop(self) -> None:
        kill_group(self.wm)
        kill_group(self.xvfb)
        self.wm = self.xvfb = None
