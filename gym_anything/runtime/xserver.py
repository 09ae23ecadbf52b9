"""A virtual X display (Xvfb) with a window manager (openbox), started and stopped as one unit."""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import time
from pathlib import Path

from .base import RuntimeFault
from .reaper import processes_with_env

OWNER_VARIABLE = "GYM_ANYTHING_OWNER"
SCOPE_VARIABLE = "GYM_ANYTHING_SCOPE"
"""Optional finer tag: a worker that sets it in its own environment can have its processes reaped if it dies."""


def owner() -> str:
    """Who owns the processes we start: inherited from $GYM_ANYTHING_OWNER (so vector-env workers count
    as their parent), else this process."""
    return os.environ.get(OWNER_VARIABLE) or str(os.getpid())


def owner_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a helper process: marks it as started by this owner (for leak checks), and with this
    process's $GYM_ANYTHING_SCOPE if it has one."""
    scope = {SCOPE_VARIABLE: os.environ[SCOPE_VARIABLE]} if os.environ.get(SCOPE_VARIABLE) else {}
    return {**(extra or {}), **scope, OWNER_VARIABLE: owner()}


def owned_processes(owner_id: str | None = None) -> list[int]:
    """PIDs of live processes started by gym-anything for ``owner_id`` (default: this owner)."""
    return processes_with_env(f"{OWNER_VARIABLE}={owner_id or owner()}")


OPENBOX_RC = """<?xml version="1.0" encoding="UTF-8"?>
<openbox_config xmlns="http://openbox.org/3.4/rc">
  <focus><focusNew>yes</focusNew><followMouse>no</followMouse></focus>
  <placement><policy>Smart</policy><center>yes</center></placement>
  <desktops><number>1</number></desktops>
  <applications>
    <application class="*" type="normal"><maximized>yes</maximized><focus>yes</focus></application>
  </applications>
</openbox_config>
"""


def require(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise RuntimeFault("missing_tool", f"'{tool}' is not installed (apt-get install -y {package})")
    return path


def kill_group(proc: subprocess.Popen | None, grace: float = 1.0) -> None:
    """Terminate a process started with start_new_session=True and everything in its group."""
    if proc is None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    # Reap stragglers that left the group's leader behind.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class XServer:
    """Xvfb on a free display number (chosen by the server via -displayfd) plus openbox."""

    def __init__(self, width: int, height: int, workdir: Path):
        self.width, self.height, self.workdir = width, height, workdir
        self.xvfb: subprocess.Popen | None = None
        self.wm: subprocess.Popen | None = None
        self.number = -1

    @property
    def name(self) -> str:
        return f":{self.number}"

    def start(self, timeout: float = 10.0) -> None:
        read_fd, write_fd = os.pipe()
        try:
            self.xvfb = subprocess.Popen(
                [require("Xvfb", "xvfb"), "-displayfd", str(write_fd), "-screen", "0",
                 f"{self.width}x{self.height}x24", "-nolisten", "tcp", "-noreset", "-extension", "GLX",
                 "-dpi", "96"],
                pass_fds=(write_fd,), start_new_session=True, stdin=subprocess.DEVNULL, env=owner_env(dict(os.environ)),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            os.close(write_fd)
            write_fd = -1
            data, deadline = b"", time.monotonic() + timeout
            while not data.endswith(b"\n"):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([read_fd], [], [], remaining)[0]:
                    raise RuntimeFault("display_failed", f"Xvfb did not report a display within {timeout}s")
                chunk = os.read(read_fd, 32)
                if not chunk:
                    raise RuntimeFault("display_failed", f"Xvfb exited with code {self.xvfb.poll()}")
                data += chunk
            self.number = int(data.strip())
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        rc = self.workdir / "openbox-rc.xml"
        rc.write_text(OPENBOX_RC)
        wm_env = owner_env({"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DISPLAY": self.name,
                            "HOME": str(self.workdir), "XDG_CONFIG_HOME": str(self.workdir)})
        self.wm = subprocess.Popen([require("openbox", "openbox"), "--sm-disable", "--config-file", str(rc)],
                                   env=wm_env, start_new_session=True, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def alive(self) -> bool:
        return self.xvfb is not None and self.xvfb.poll() is None

    def wm_alive(self) -> bool:
        return self.wm is not None and self.wm.poll() is None

    def stop(self) -> None:
        kill_group(self.wm)
        kill_group(self.xvfb)
        self.wm = self.xvfb = None
