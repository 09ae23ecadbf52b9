"""The guardian: nothing a process started outlives it, however it ends.

The first runner of a process starts its guardian: a detached watcher (a bare interpreter running this file,
nobody's child) holding the read end of a pipe whose write end only the owning process holds. When the owner
exits, normally or by SIGTERM, SIGKILL or the OOM killer, the pipe reports EOF and the guardian

1. stops every process that carries the owner's marker (``GYM_ANYTHING_GUARD=<token>``) in its environment:
   its displays, window managers and sandbox launchers (a sandbox dies with its launcher);
2. kills what is left in the cgroups the owner recorded, and removes them;
3. unmounts the episode HOMEs under the owner's scratch folder and removes the folder, with every episode's
   privileged data.

A forked child gets a guardian of its own on first use. A guardian that was killed too is made up for by the next
one that starts: it sweeps the scratch folders whose owner and guardian are both gone.

The script part uses the standard library only (``python guardian.py FD TOKEN SCRATCH OWNER_PID``).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

GUARD_VARIABLE = "GYM_ANYTHING_GUARD"
"""Marks every process a gym-anything process started; its value is that process's guardian token."""
OWNER_VARIABLE = "GYM_ANYTHING_OWNER"
"""A coarser, inherited tag (e.g. a test session and its worker processes) for leak checks."""
SCRATCH_PREFIX = "gym-anything-"
CGROUP_RECORD = "cgroups"  # in the scratch folder: one cgroup folder per line, removed when the owner is gone
OWNER_RECORD = "owner"  # in the scratch folder: "pid start guardian-pid guardian-start"


def process_start(pid: int) -> str | None:
    """The start time of a live (non-zombie) process, or None: a pid with its start time names one process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] in ("Z", "X") else fields[19]


def processes_with_env(entry: str) -> list[int]:
    """PIDs of live (non-zombie) processes whose environment contains ``entry`` (``"NAME=VALUE"``)."""
    wanted = entry.encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if b"multiprocessing.resource_tracker" in cmdline:
            continue  # multiprocessing's helper inherits its parent's environment and lives as long as it
        if state != "Z" and wanted in environ.split(b"\0"):
            found.append(int(proc.name))
    return found


def kill_processes_with_env(marker: str, grace: float = 2.0) -> None:
    """Stop every process carrying ``marker``: SIGTERM (SIGCONT for stopped ones), then SIGKILL after ``grace`` s."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        for pid in processes_with_env(marker):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                group = os.getpgid(pid) == pid  # a group leader takes its group (e.g. a sandbox) along
                for s in (sig, signal.SIGCONT) if sig == signal.SIGTERM else (sig,):
                    os.killpg(pid, s) if group else os.kill(pid, s)
        deadline = time.monotonic() + wait
        while processes_with_env(marker) and time.monotonic() < deadline:
            time.sleep(0.05)


def _mounts_under(folder: Path) -> list[str]:
    prefix = str(folder) + "/"
    points = []
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            point = line.split()[4].replace("\\040", " ")
            if point.startswith(prefix):
                points.append(point)
    return sorted(points, key=len, reverse=True)


def unmount(path: str) -> None:
    """Detach one mount (umount2 with MNT_DETACH); nothing happens if it is not a mount point."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.umount2(os.fsencode(path), 2)


def remove_cgroup(folder: Path) -> None:
    """Kill every process left in a cgroup folder and remove it."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            pids = [int(p) for p in (folder / "cgroup.procs").read_text().split()]
        except OSError:
            return  # gone already
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)


def clean_scratch(token: str, scratch: Path) -> None:
    """Everything the owner of ``token`` left: its processes, cgroups, mounts and scratch folder."""
    kill_processes_with_env(f"{GUARD_VARIABLE}={token}")
    with contextlib.suppress(OSError):
        for line in reversed((scratch / CGROUP_RECORD).read_text().splitlines()):
            if line.strip():
                remove_cgroup(Path(line.strip()))
    for point in _mounts_under(scratch):
        unmount(point)
    shutil.rmtree(scratch, ignore_errors=True)


def sweep_orphans(tmp: Path) -> None:
    """Clean the scratch folders whose owner and guardian have both died (e.g. both were SIGKILLed)."""
    for scratch in tmp.glob(f"{SCRATCH_PREFIX}*"):
        try:
            pid, start, gpid, gstart = (scratch / OWNER_RECORD).read_text().split()
        except (OSError, ValueError):
            continue
        if process_start(int(pid)) != start and process_start(int(gpid)) != gstart:
            clean_scratch(scratch.name.removeprefix(SCRATCH_PREFIX), scratch)


def _watch(read_fd: int, token: str, scratch: str, owner_pid: int) -> None:
    if os.fork():
        os._exit(0)
    record = Path(scratch) / OWNER_RECORD
    with contextlib.suppress(OSError):
        tmp = record.with_suffix(".tmp")
        tmp.write_text(f"{owner_pid} {process_start(owner_pid)} {os.getpid()} {process_start(os.getpid())}\n")
        tmp.replace(record)
    while os.read(read_fd, 4096):
        pass  # the owner never writes: EOF means it exited
    clean_scratch(token, Path(scratch))


class Guardian:
    """This process's guardian: its token, its scratch folder, and the marker its processes carry."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.token = secrets.token_hex(8)
        tmp = Path(tempfile.gettempdir())
        sweep_orphans(tmp)
        self.scratch = tmp / f"{SCRATCH_PREFIX}{self.token}"
        self.scratch.mkdir(mode=0o711)
        os.chmod(self.scratch, 0o711)  # traversable by the sandbox user (its HOMEs are inside), not listable
        read_fd, self._write_fd = os.pipe()
        try:
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
            # The script forks and its parent exits at once, so the watcher is nobody's child: runtimes that
            # kill a dying worker's children (Ray does) do not take the guardian with it.
            subprocess.run([sys.executable, "-I", __file__, str(read_fd), self.token, str(self.scratch),
                            str(self.pid)],
                           pass_fds=(read_fd,), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True, check=True, timeout=30)
        except BaseException:
            os.close(self._write_fd)
            shutil.rmtree(self.scratch, ignore_errors=True)
            raise
        finally:
            os.close(read_fd)

    @property
    def marker(self) -> str:
        return f"{GUARD_VARIABLE}={self.token}"

    @property
    def cgroup_record(self) -> Path:
        return self.scratch / CGROUP_RECORD

    def _forget_in_child(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._write_fd)


_lock = threading.Lock()
_current: Guardian | None = None


def guardian() -> Guardian:
    """This process's guardian, started on first use (and anew in a forked child)."""
    global _current
    with _lock:
        if _current is None or _current.pid != os.getpid():
            _current = Guardian()
        return _current


def _after_fork_in_child() -> None:
    global _current
    if _current is not None:
        _current._forget_in_child()  # the parent's guardian must see EOF when the parent exits
        _current = None


os.register_at_fork(after_in_child=_after_fork_in_child)


PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """In a worker process: receive SIGTERM when the process that started it ends, however it ends (Linux
    ``PR_SET_PDEATHSIG``), and end at once if it has already gone. The worker's own guardian then removes what the
    worker started."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGTERM)


def owner() -> str:
    """Who owns the processes we start, for leak checks: ``$GYM_ANYTHING_OWNER`` if set (a test session and its
    workers), else this process's guardian token. Never a host value such as a pid."""
    return os.environ.get(OWNER_VARIABLE) or guardian().token


def owner_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a process we start: ``extra`` plus the owner and guardian markers."""
    return {**(extra or {}), OWNER_VARIABLE: owner(), GUARD_VARIABLE: guardian().token}


def owned_processes(owner_id: str | None = None) -> list[int]:
    """PIDs of live processes started by gym-anything for ``owner_id`` (default: this owner)."""
    return processes_with_env(f"{OWNER_VARIABLE}={owner_id or owner()}")


if __name__ == "__main__":
    _watch(int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]))
