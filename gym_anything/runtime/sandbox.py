"""The per-episode application sandbox (bubblewrap).

The application sees the system (/usr, /etc) read-only, its own fresh HOME at /home/agent, a private
/tmp holding only its display's socket, and nothing else: not the repository, not the installed
package, not the privileged task data, not the host's home. Network, IPC and users are unshared:
the app runs as uid 1000 inside its own user namespace, never as root.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .base import SandboxUnavailable

SANDBOX_HOME = "/home/agent"
SANDBOX_UID = 1000  # the app runs as an ordinary user inside its user namespace, never as root
_SYSTEM_LINKS = {"/bin": "usr/bin", "/lib": "usr/lib", "/lib64": "usr/lib64", "/sbin": "usr/sbin"}


def bwrap_path() -> str:
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable(
            "bubblewrap ('bwrap') is not installed; gym-anything never runs an application unsandboxed. "
            "Install it with: apt-get install -y bubblewrap")
    return path


def sandbox_command(argv: list[str], home: Path, display_number: int, env: dict[str, str],
                    hidden: list[Path]) -> list[str]:
    """The bwrap command that runs ``argv`` with ``home`` bound as the sandbox HOME.

    ``hidden`` lists host paths that must not be visible even if they sit under a bound system folder
    (e.g. a package installed under /usr/local); each gets an empty tmpfs over it.
    """
    cmd = [bwrap_path(), "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for link, target in _SYSTEM_LINKS.items():
        if os.path.islink(link):
            cmd += ["--symlink", target, link]
        elif os.path.isdir(link):
            cmd += ["--ro-bind", link, link]
    for extra in ("/var/cache/fontconfig", "/var/lib/dbus"):
        cmd += ["--ro-bind-try", extra, extra]
    socket = f"/tmp/.X11-unix/X{display_number}"
    cmd += ["--tmpfs", "/tmp", "--bind", socket, socket, "--perms", "0700", "--dir", "/tmp/runtime",
            "--tmpfs", "/home", "--bind", str(home), SANDBOX_HOME,
            "--dev", "/dev", "--proc", "/proc",
            "--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
            "--die-with-parent", "--new-session", "--chdir", SANDBOX_HOME]
    for path in hidden:
        if any(str(path).startswith(prefix + "/") for prefix in ("/usr", "/etc")) and path.exists():
            cmd += ["--tmpfs", str(path)]
    cmd += ["--clearenv"]
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    return cmd + ["--"] + argv


def sandbox_env(display_number: int, extra: dict[str, str]) -> dict[str, str]:
    """The application's whole environment: a minimal, predictable set plus the spec's variables."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": SANDBOX_HOME,
        "USER": "agent",
        "DISPLAY": f":{display_number}",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "XDG_RUNTIME_DIR": "/tmp/runtime",
        "XDG_CONFIG_HOME": f"{SANDBOX_HOME}/.config",
        "NO_AT_BRIDGE": "1",
        "GSETTINGS_BACKEND": "memory",
        "GTK_A11Y": "none",
    }
    env.update(extra)
    return env
