"""The per-episode application sandbox (bubblewrap) and the unprivileged account it runs as.

What the app sees: /usr and /etc read-only, its own HOME at /home/agent, a private /tmp holding only its display's
socket, a minimal /dev and its own /proc. In /etc the host's identity is replaced (passwd, group, hostname, hosts,
machine-id are synthetic) and places that hold secrets are masked (shadow files, sudoers, ssh and TLS private
keys, PAM state, stored credentials). Not visible: the repository, the installed package, the privileged task
data, the host's home folders, /run, /sys. Network, IPC, pids, UTS and users are unshared; no capabilities.

Whose rights: a driver running as root starts the sandbox (and the display) as the unprivileged account
``gym-anything-app`` that scripts/setup.sh creates, so uid 1000 inside the sandbox is that account on the host,
never root; file permissions then keep every root-only file unreadable. A driver running as another user runs the
sandbox as itself (the app gets no more than its driver has). bwrap gets its options and the synthetic files
through memory files (``--args``, ``--ro-bind-data``) and an empty environment, so /proc/1 and the mount table
inside the sandbox show no host path or value.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import SpecError
from ..specs.model import SoftwareSpec
from . import programs
from .base import SandboxUnavailable

SANDBOX_HOME = "/home/agent"
SANDBOX_UID = 1000  # the app's uid inside its user namespace (an ordinary user, never root)
SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
ACCOUNT_VARIABLE = "GYM_ANYTHING_SANDBOX_USER"
DEFAULT_ACCOUNT = "gym-anything-app"
CREATE_ACCOUNT = (f"useradd --system --user-group --no-create-home --home-dir /nonexistent "
                  f"--shell /usr/sbin/nologin {DEFAULT_ACCOUNT}")
HOSTNAME = "sandbox"
_SYSTEM_LINKS = {"/bin": "usr/bin", "/lib": "usr/lib", "/lib64": "usr/lib64", "/sbin": "usr/sbin"}
_MASKED_FILES = ("shadow", "shadow-", "gshadow", "gshadow-", "passwd-", "group-", "subuid", "subuid-", "subgid",
                 "subgid-", "sudoers", ".pwd.lock", "environment", "krb5.keytab", "ipsec.secrets", "machine-info")
_MASKED_DIRS = ("ssh", "ssl/private", "security", "sudoers.d", "NetworkManager/system-connections", "wireguard",
                "ppp", "credstore", "credstore.encrypted", "docker", "containers", "apt/auth.conf.d", "cloud",
                "gym-anything")


@dataclass(frozen=True)
class Account:
    """The host account the app and its display run as."""

    name: str
    uid: int
    gid: int


def sandbox_account() -> Account | None:
    """The unprivileged host account for sandboxes when the driver is root; None when it is not (the app then
    runs as the driver's own user). Raises SandboxUnavailable rather than run an app with root's rights."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get(ACCOUNT_VARIABLE) or DEFAULT_ACCOUNT
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise SandboxUnavailable(
            f"running as root, gym-anything starts applications as the unprivileged account '{name}', which does "
            f"not exist: run scripts/setup.sh (it creates it), or `{CREATE_ACCOUNT}`, or set {ACCOUNT_VARIABLE} to "
            "another unprivileged account") from None
    if entry.pw_uid == 0 or entry.pw_gid == 0:
        raise SandboxUnavailable(f"the sandbox account '{name}' has uid/gid 0: it must be an unprivileged account")
    return Account(name, entry.pw_uid, entry.pw_gid)


def bwrap_path() -> str:
    try:
        return programs.find("bwrap")
    except programs.MissingProgram:
        raise SandboxUnavailable(
            "bubblewrap ('bwrap') is not installed; gym-anything never runs an application unsandboxed. "
            "Install it with: apt-get install -y bubblewrap") from None


_IDENTITY = {
    "/etc/passwd": f"root:x:0:0:root:/root:/usr/sbin/nologin\nagent:x:{SANDBOX_UID}:{SANDBOX_UID}:agent:"
                   f"{SANDBOX_HOME}:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
    "/etc/group": f"root:x:0:\nagent:x:{SANDBOX_UID}:\nnogroup:x:65534:\n",
    "/etc/hostname": f"{HOSTNAME}\n",
    "/etc/hosts": f"127.0.0.1\tlocalhost\n127.0.1.1\t{HOSTNAME}\n::1\tlocalhost ip6-localhost ip6-loopback\n",
    "/etc/machine-id": hashlib.md5(b"gym-anything sandbox").hexdigest() + "\n",
    "/var/lib/dbus/machine-id": hashlib.md5(b"gym-anything sandbox").hexdigest() + "\n",
}
"""Synthetic identity files (the same on every host, so the app behaves the same and learns nothing of it)."""


def _memfd(data: bytes) -> int:
    fd = os.memfd_create("gym-anything-sandbox", 0)  # inheritable is fine: passed on explicitly
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


@contextlib.contextmanager
def bwrap_command(argv: list[str], home: Path, display_number: int, env: dict[str, str],
                  hidden: list[Path]) -> Iterator[tuple[list[str], list[int]]]:
    """The bwrap command that runs ``argv`` with ``home`` as the sandbox HOME, and the file descriptors it reads
    (pass them to the child; they are closed when the block ends). Options and synthetic files come through
    memory files, so the sandbox's /proc and mount table show no host path."""
    fds: list[int] = []
    try:
        options = _options(home, display_number, env, hidden)
        for dest, text in _IDENTITY.items():
            fds.append(_memfd(text.encode()))
            options += ["--perms", "0644", "--ro-bind-data", str(fds[-1]), dest]
        fds.append(_memfd(b"".join(o.encode() + b"\0" for o in options)))
        yield [bwrap_path(), "--args", str(fds[-1]), "--", *argv], fds
    finally:
        for fd in fds:
            os.close(fd)


def _options(home: Path, display_number: int, env: dict[str, str], hidden: list[Path]) -> list[str]:
    args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in _MASKED_FILES:
        if os.path.lexists(f"/etc/{name}") and not os.path.isdir(f"/etc/{name}"):
            args += ["--ro-bind", "/dev/null", f"/etc/{name}"]
    for name in _MASKED_DIRS:
        if os.path.isdir(f"/etc/{name}") and not os.path.islink(f"/etc/{name}"):
            args += ["--tmpfs", f"/etc/{name}"]
    for link, target in _SYSTEM_LINKS.items():
        if os.path.islink(link):
            args += ["--symlink", target, link]
        elif os.path.isdir(link):
            args += ["--ro-bind", link, link]
    args += ["--ro-bind-try", "/var/cache/fontconfig", "/var/cache/fontconfig"]
    socket = f"/tmp/.X11-unix/X{display_number}"
    args += ["--tmpfs", "/tmp", "--bind", socket, socket, "--perms", "0700", "--dir", "/tmp/runtime",
             "--tmpfs", "/home", "--bind", str(home), SANDBOX_HOME,
             "--dev", "/dev", "--proc", "/proc",
             "--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
             "--hostname", HOSTNAME, "--cap-drop", "ALL",
             "--die-with-parent", "--new-session", "--chdir", SANDBOX_HOME]
    for path in hidden:
        if any(str(path).startswith(prefix + "/") for prefix in ("/usr", "/etc")) and path.exists():
            args += ["--tmpfs", str(path)]
    args += ["--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    return args


def with_sandbox_hostname(argv: list[str]) -> list[str]:
    """``argv`` run under the sandbox's host name (and nothing else isolated), for the window manager: openbox
    appends "(host)" to the title of a window whose WM_CLIENT_MACHINE is not its own host name."""
    return [bwrap_path(), "--dev-bind", "/", "/", "--unshare-uts", "--hostname", HOSTNAME, "--", *argv]


def sandbox_env(display_number: int, extra: dict[str, str]) -> dict[str, str]:
    """The application's whole environment: a minimal, predictable set plus the spec's variables."""
    env = {
        "PATH": SANDBOX_PATH,
        "HOME": SANDBOX_HOME,
        "USER": "agent",
        "LOGNAME": "agent",
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


def find_in_sandbox(program: str) -> str | None:
    """Where the sandbox's PATH finds ``program`` (the sandbox sees the host's /usr), or None."""
    return shutil.which(program, path=SANDBOX_PATH)


def require_launchable(spec: SoftwareSpec) -> None:
    """SpecError naming env.yaml's ``launch`` when its program is not installed on this machine."""
    if find_in_sandbox(spec.launch[0]) is None:
        raise SpecError(spec.folder / "env.yaml", "launch", "a program installed on this machine "
                        f"(apt-get install -y {' '.join(spec.packages)}; scripts/setup.sh installs every "
                        "environment's packages)", spec.launch[0])
