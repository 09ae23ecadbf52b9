"""Resource limits for one display slot: the app, its display and its window manager, like one container.

Where a cgroup hierarchy is writable (root, cgroup v1 or v2), each slot gets its own cgroup with a memory limit
(RAM, no swap), a process/thread limit and optionally a CPU quota; the kernel enforces them on every process of
the slot and counts its OOM kills, so an app that runs out of memory is told apart from one that crashed.
Elsewhere (an unprivileged driver without a delegated cgroup), memory falls back to ``RLIMIT_DATA`` per process
(``prlimit``) and pids and CPU are not enforced: a :class:`LimitsWarning` says so once per process.

Every cgroup made here is recorded in the guardian's list (``runtime/reaper.py``), which removes it if its owner
dies without cleaning up.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from . import programs

DEFAULT_MEMORY = 2 * 2**30  # bytes: what a slot may use when its env.yaml sets no `resources.memory`
DEFAULT_PIDS = 512  # processes and threads, when env.yaml sets no `resources.pids`
CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class Limits:
    memory: int = DEFAULT_MEMORY
    pids: int = DEFAULT_PIDS
    cpus: float | None = None  # None: no CPU quota


class LimitsWarning(UserWarning):
    """Some resource limit cannot be enforced on this machine (no writable cgroup)."""


class Limiter:
    """The limits of one slot. The launcher writes each new process's pid into ``join_files`` (before it drops
    root) and runs it behind ``command_prefix``."""

    kind = "none"
    enforced: tuple[str, ...] = ()

    def __init__(self, limits: Limits):
        self.limits = limits

    @property
    def join_files(self) -> list[Path]:
        return []

    @property
    def command_prefix(self) -> list[str]:
        return []

    def oom_kills(self) -> int:
        """How many processes the kernel killed for exceeding this slot's memory limit so far."""
        return 0

    def processes(self) -> list[int]:
        return []

    def kill_all(self) -> None:
        """SIGKILL every process still in the slot."""

    def close(self) -> None:
        """Kill what is left in the slot and remove its cgroup; idempotent."""


class _Cgroup(Limiter):
    """Common part of the v1 and v2 cgroup limiters: ``dirs`` are the slot's cgroup folders."""

    def __init__(self, limits: Limits, dirs: list[Path], record: Path):
        super().__init__(limits)
        self.dirs = dirs
        with open(record, "a") as f:  # before anything joins: the guardian can always clean up
            f.writelines(f"{d}\n" for d in dirs)
        try:
            for d in dirs:
                d.mkdir()
            self._configure()
        except OSError:
            self.close()
            raise

    def _configure(self) -> None:
        raise NotImplementedError

    @property
    def join_files(self) -> list[Path]:
        return [d / "cgroup.procs" for d in self.dirs]

    def processes(self) -> list[int]:
        found: set[int] = set()
        for d in self.dirs:
            with contextlib.suppress(OSError):
                found.update(int(p) for p in (d / "cgroup.procs").read_text().split())
        return sorted(found)

    def kill_all(self) -> None:
        deadline = time.monotonic() + 5
        while (pids := self.processes()) and time.monotonic() < deadline:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    def close(self) -> None:
        if not self.dirs:
            return
        self.kill_all()
        for d in self.dirs:
            for _ in range(100):  # rmdir fails (EBUSY) until the last killed process is reaped
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)
        self.dirs = []


class CgroupV1(_Cgroup):
    """cgroup v1: one folder per controller (memory, pids and, with a CPU quota, cpu)."""

    kind = "cgroup v1"

    def __init__(self, limits: Limits, name: str, record: Path):
        self.enforced = ("memory", "pids") + (("cpus",) if limits.cpus is not None else ())
        bases = _v1_bases()
        self._by = {c: bases[c] / name for c in ["memory", "pids"] + (["cpu"] if limits.cpus is not None else [])}
        super().__init__(limits, list(self._by.values()), record)

    def _folder(self, controller: str) -> Path:
        return self._by[controller]

    def _configure(self) -> None:
        memory = self._folder("memory")
        (memory / "memory.limit_in_bytes").write_text(str(self.limits.memory))
        if (memory / "memory.memsw.limit_in_bytes").exists():  # RAM + swap = RAM: no swapping past the limit
            (memory / "memory.memsw.limit_in_bytes").write_text(str(self.limits.memory))
        (self._folder("pids") / "pids.max").write_text(str(self.limits.pids))
        if self.limits.cpus is not None:
            cpu = self._folder("cpu")
            period = int((cpu / "cpu.cfs_period_us").read_text())
            (cpu / "cpu.cfs_quota_us").write_text(str(max(1000, int(self.limits.cpus * period))))

    def oom_kills(self) -> int:
        with contextlib.suppress(OSError, StopIteration, ValueError):
            text = (self._folder("memory") / "memory.oom_control").read_text()
            return int(next(line.split()[1] for line in text.splitlines() if line.startswith("oom_kill ")))
        return 0


class CgroupV2(_Cgroup):
    """cgroup v2 (unified): one folder under ``/sys/fs/cgroup/gym-anything`` with every controller."""

    kind = "cgroup v2"

    def __init__(self, limits: Limits, name: str, record: Path):
        self.enforced = ("memory", "pids") + (("cpus",) if limits.cpus is not None else ())
        super().__init__(limits, [_v2_parent() / name], record)

    def _configure(self) -> None:
        d = self.dirs[0]
        (d / "memory.max").write_text(str(self.limits.memory))
        if (d / "memory.swap.max").exists():
            (d / "memory.swap.max").write_text("0")
        (d / "pids.max").write_text(str(self.limits.pids))
        if self.limits.cpus is not None:
            period = 100_000
            (d / "cpu.max").write_text(f"{max(1000, int(self.limits.cpus * period))} {period}")

    def oom_kills(self) -> int:
        with contextlib.suppress(OSError, StopIteration, ValueError):
            text = (self.dirs[0] / "memory.events").read_text()
            return int(next(line.split()[1] for line in text.splitlines() if line.startswith("oom_kill ")))
        return 0

    def kill_all(self) -> None:
        kill = self.dirs[0] / "cgroup.kill" if self.dirs else None
        if kill is not None and kill.exists():
            with contextlib.suppress(OSError):
                kill.write_text("1")
        super().kill_all()


class Rlimits(Limiter):
    """No writable cgroup: a per-process data-segment limit (the closest rlimit to memory use) via prlimit."""

    kind = "rlimit"
    enforced = ("memory",)

    @property
    def command_prefix(self) -> list[str]:
        return [programs.find("prlimit"), f"--data={self.limits.memory}", "--"]


def _v1_bases() -> dict[str, Path]:
    """Per v1 controller: the folder new cgroups go in (under this process's own cgroup where writable)."""
    mounts: dict[str, Path] = {}
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fields, fs = left.split(), right.split()
        if len(fs) >= 3 and fs[0] == "cgroup":
            for option in fs[2].split(","):
                if option in ("memory", "pids", "cpu"):
                    mounts[option] = Path(fields[4])
    own: dict[str, str] = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for c in controllers.split(","):
            own[c] = path
    bases = {}
    for controller, mount in mounts.items():
        nested = mount / own.get(controller, "/").lstrip("/")
        bases[controller] = nested if os.access(nested, os.W_OK) else mount
    if not {"memory", "pids"} <= set(bases):
        raise OSError("cgroup v1 has no memory or pids controller mounted")
    return bases


def _v2_parent() -> Path:
    """``/sys/fs/cgroup/gym-anything``, with the memory, pids and cpu controllers enabled for its children."""
    parent = CGROUP_ROOT / "gym-anything"
    available = (CGROUP_ROOT / "cgroup.controllers").read_text().split()
    if not {"memory", "pids"} <= set(available):
        raise OSError(f"cgroup v2 lacks the memory or pids controller (has {available})")
    wanted = [c for c in ("memory", "pids", "cpu") if c in available]
    for folder in (CGROUP_ROOT, parent):
        folder.mkdir(exist_ok=True)
        enabled = (folder / "cgroup.subtree_control").read_text().split()
        missing = [c for c in wanted if c not in enabled]
        if missing:
            (folder / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in missing))
    return parent


def cgroup_version() -> int | None:
    """2 on a unified hierarchy, 1 when v1 controllers are mounted, None without cgroups."""
    if (CGROUP_ROOT / "cgroup.controllers").exists():
        return 2
    if (CGROUP_ROOT / "memory").is_dir():
        return 1
    return None


_warned = False


def make_limiter(limits: Limits, name: str, record: Path) -> Limiter:
    """The strongest limiter this machine allows for one slot named ``name`` (recorded in ``record``)."""
    global _warned
    version = cgroup_version()
    try:
        if version == 2:
            return CgroupV2(limits, name, record)
        if version == 1:
            return CgroupV1(limits, name, record)
    except OSError as exc:
        reason = f"cannot create a cgroup ({exc})"
    else:
        reason = "no cgroup hierarchy is mounted"
    if not _warned:
        _warned = True
        warnings.warn(f"gym-anything: {reason}; the app's memory is limited per process (RLIMIT_DATA) and its "
                      "processes and CPU are not limited. Run as root (or with a delegated cgroup) for full limits.",
                      LimitsWarning, stacklevel=3)
    return Rlimits(limits)
