"""Finding processes by an environment marker, and a reaper that cleans up after a worker that died.

A worker (e.g. a Ray actor running an env) may be killed with SIGKILL: then nothing runs its cleanup and
the Xvfb, window manager and sandbox it started (each in its own session) would live on. ``start_reaper``
starts a detached watcher holding the read end of a pipe whose write end only the worker holds. When the
worker exits, however it exits, the pipe reports EOF and the watcher kills every process carrying the
worker's marker (``NAME=VALUE`` in its environment), removes the worker's scratch folder and exits.

This file uses the standard library only and runs as a script (``python reaper.py FD MARKER FOLDER``),
so a watcher costs a bare interpreter, not the package's imports.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path


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
            continue  # multiprocessing's helper lives as long as its parent: not an environment process
        if state != "Z" and wanted in environ.split(b"\0"):
            found.append(int(proc.name))
    return found


def start_reaper(marker: str, folder: Path, env: dict[str, str]) -> int:
    """Start a watcher for this process; returns the pipe's write end (close it to end the watch early).

    ``marker`` (``"NAME=VALUE"``) tags the processes to kill; ``env`` is the watcher's own environment
    (it must not carry ``marker``); ``folder`` is removed once the processes are gone.
    """
    if "=" not in marker:
        raise ValueError(f"marker must look like NAME=VALUE, got {marker!r}")
    if marker in (f"{k}={v}" for k, v in env.items()):
        raise ValueError(f"the reaper's own environment carries the marker {marker!r}")
    read_fd, write_fd = os.pipe()
    try:
        # The script forks and its parent exits at once (reaped here), so the watcher is nobody's child:
        # runtimes that kill a dying worker's children (Ray does) do not take the watcher with them.
        subprocess.run([sys.executable, "-I", __file__, str(read_fd), marker, str(folder)], pass_fds=(read_fd,),
                       env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       start_new_session=True, check=True, timeout=30)
    except BaseException:
        os.close(write_fd)
        raise
    finally:
        os.close(read_fd)
    return write_fd


def kill_processes_with_env(marker: str, grace: float = 2.0) -> None:
    """Stop every process carrying ``marker`` (``"NAME=VALUE"``): SIGTERM, then SIGKILL after ``grace`` s."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        pids = processes_with_env(marker)
        for pid in pids:
            try:  # a group leader (started in its own session) takes its group along; others go alone
                os.killpg(pid, sig) if os.getpgid(pid) == pid else os.kill(pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + wait
        while processes_with_env(marker) and time.monotonic() < deadline:
            time.sleep(0.05)


def _main(read_fd: int, marker: str, folder: str) -> None:
    if os.fork():
        os._exit(0)
    while os.read(read_fd, 4096):
        pass  # the worker never writes: EOF means it closed the pipe or exited
    kill_processes_with_env(marker)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    _main(int(sys.argv[1]), sys.argv[2], sys.argv[3])
