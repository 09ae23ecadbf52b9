"""How every process of a display slot is started: in the slot's cgroup, as the sandbox account, marked.

``spawn`` runs ``sh`` (as the driver) which writes its own pid into the slot's cgroup files, then runs the command
through ``setpriv`` as the unprivileged sandbox account when the driver is root (no capabilities, no supplementary
groups, no new privileges). The launcher carries the owner's and guardian's markers in its environment (so the
guardian finds it if the owner dies); with ``clean_env`` the command itself starts with an empty environment and
the launcher stays as its parent (a sandboxed app's /proc/1 then shows nothing of the host). Each launcher leads
its own process group, which ``kill_group`` stops as a whole.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Sequence
from typing import Any

from . import programs
from .guardian import owner_env
from .limits import Limiter
from .sandbox import Account

_JOIN = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; '


def spawn(argv: list[str], limiter: Limiter, account: Account | None, env: dict[str, str] | None = None,
          clean_env: bool = False, stdout: Any = subprocess.DEVNULL, stderr: Any = None,
          pass_fds: Sequence[int] = ()) -> subprocess.Popen:
    """Start ``argv`` in ``limiter``'s slot as ``account`` (None: as the driver); see the module docstring.
    ``stderr`` defaults to wherever ``stdout`` goes."""
    drop: list[str] = []
    if account is not None:
        drop = [programs.find("setpriv"), f"--reuid={account.uid}", f"--regid={account.gid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    command = [*drop, *limiter.command_prefix, *([programs.find("env"), "-i"] if clean_env else []), *argv]
    # With a clean environment the launcher stays (it holds the markers); otherwise it becomes the command.
    script = _JOIN + ('"$@"; exit $?' if clean_env else 'exec "$@"')
    return subprocess.Popen(
        [programs.find("sh"), "-c", script, "gym-anything-launcher", *map(str, limiter.join_files), "--", *command],
        env=owner_env(env), start_new_session=True, stdin=subprocess.DEVNULL, stdout=stdout,
        stderr=stderr if stderr is not None else subprocess.STDOUT if stdout is not subprocess.DEVNULL
        else subprocess.DEVNULL, pass_fds=pass_fds)


def kill_group(proc: subprocess.Popen | None, grace: float = 1.0) -> None:
    """Stop a process started by ``spawn`` and everything in its group: SIGTERM (and SIGCONT, so a stopped
    process acts on it), then SIGKILL after ``grace`` s; the process is reaped."""
    if proc is None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        for s in (sig, signal.SIGCONT):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, s)
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError, PermissionError):  # stragglers that left the leader behind
        os.killpg(proc.pid, signal.SIGKILL)
