"""The per-episode application sandbox (bubblewrap) and the unprivileged account it runs as.

What the app sees: /usr and /etc read-only, its own HOME at /home/agent, a private /tmp holding only its display's
socket, a minimal /dev and its own /proc. In /etc the host's identity is replaced (passwd, group, hostname, hosts,
machine-id are synthetic) and places that hold secrets are masked (shadow files, sudoers, ssh and TLS private
keys, PAM state, stored credentials). Not visible: the repository, the installed package, the privileged task
data, the host's home folders, /run, /sys. Network, IPC, pids, UTS and users are unshared; no capabilities.

Whose rights: a driver running as root starts the sandbox (and the display) as the unprivileged account
``gym-anything-app`` that scripts/setup.sh creates, so uid 1000 inside the sandbox is that account on the host,
never root; file permissions then keep every root-only file unreadable. A driver running as another user runs the
sandbox as itself (the app gets no more than its driver has). bwrap gets its options through a file descriptor
(``--args``) and an empty environment, so /proc/1 inside the sandbox shows no host path or value (its command line
is just the app's command).
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
from dataclasses import dataclass
from pathlib import Path

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
_IDENTITY_FILES = ("passwd", "group", "hostname", "hosts", "machine-id")
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


def write_identity(folder: Path) -> Path:
    """Synthetic /etc identity files for the sandbox (the same on every host, so the app behaves the same)."""
    folder.mkdir(parents=True, exist_ok=True)
    uid = SANDBOX_UID
    files = {
        "passwd": f"root:x:0:0:root:/root:/usr/sbin/nologin\nagent:x:{uid}:{uid}:agent:{SANDBOX_HOME}:/bin/sh\n"
                  "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
        "group": f"root:x:0:\nagent:x:{uid}:\nnogroup:x:65534:\n",
        "hostname": f"{HOSTNAME}\n",
        "hosts": f"127.0.0.1\tlocalhost\n127.0.1.1\t{HOSTNAME}\n::1\tlocalhost ip6-localhost ip6-loopback\n",
        "machine-id": hashlib.md5(b"gym-anything sandbox").hexdigest() + "\n",
    }
    for name, text in files.items():
        path = folder / name
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
        os.chmod(path, 0o644)
    os.chmod(folder, 0o755)
    return folder


def bwrap_options(home: Path, display_number: int, env: dict[str, str], hidden: list[Path],
                  identity: Path) -> list[str]:
    """bwrap's options (passed through ``--args FD``; the command follows on the command line) for a sandbox with
    ``home`` bound as its HOME."""
    args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in _IDENTITY_FILES:
        args += ["--ro-bind", str(identity / name), f"/etc/{name}"]
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
    args += ["--ro-bind-try", "/var/cache/fontconfig", "/var/cache/fontconfig",
             "--ro-bind", str(identity / "machine-id"), "/var/lib/dbus/machine-id"]
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
