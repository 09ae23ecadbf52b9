"""Episodes: which task and instance a reset draws, how an instance is made (HOME, setup, instruction), and the
background preparation of the next one (warm reset)."""

from __future__ import annotations

import copy
import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..authoring.contexts import SetupContext
from ..errors import SpecError
from ..runtime.base import Episode, Runner
from ..runtime.sandbox import SANDBOX_HOME
from ..specs.loader import load_function
from ..specs.model import SoftwareSpec, TaskSpec
from .homes import home_source

RESET_OPTIONS = ("task", "max_steps")


@dataclass
class Instance:
    """One task instance: a pure function of (task, seed), set up in its own episode folders."""

    task: TaskSpec
    seed: int
    params: dict[str, Any]
    public: dict[str, Any]
    private: dict[str, Any]
    episode: Episode
    instruction: str
    args: list[str] = field(default_factory=list)  # what the app opens (sandbox paths)

    @property
    def home(self) -> Path:
        return self.episode.home

    @property
    def private_dir(self) -> Path:
        return self.episode.private

    @property
    def values(self) -> dict[str, Any]:
        """Parameters and setup's public values: what the instruction may name."""
        return {**self.params, **self.public}


def draw(tasks: Sequence[TaskSpec], rng: np.random.Generator, options: dict[str, Any] | None) -> tuple[TaskSpec, int]:
    """The episode's task (``options["task"]`` or drawn) and its instance seed, drawn from ``rng``."""
    wanted = (options or {}).get("task")
    if wanted is not None:
        by_id = {t.id: t for t in tasks}
        if wanted not in by_id:
            raise ValueError(f"options['task']={wanted!r} is not a task of this env; known: {sorted(by_id)}")
        task = by_id[wanted]
    else:
        task = tasks[0] if len(tasks) == 1 else tasks[int(rng.integers(len(tasks)))]
    return task, int(rng.integers(2**31 - 1))


def fresh_episode(runner: Runner, software: SoftwareSpec) -> Episode:
    """New episode folders with HOME copied from the software's template, or from its built HOME
    (:mod:`.homes`): what every instance starts from."""
    source = home_source(runner, software)
    episode = runner.new_episode()
    if source is not None:
        shutil.copytree(source, episode.home, symlinks=True, dirs_exist_ok=True)
    return episode


def new_instance(runner: Runner, software: SoftwareSpec, task: TaskSpec, seed: int) -> Instance:
    """Fresh episode folders: HOME from the template, the task's setup run in it, the instruction formatted."""
    episode = fresh_episode(runner, software)
    rng = np.random.default_rng(seed)
    params = {p.name: p.sample(rng) for p in task.parameters}
    ctx = SetupContext(params=params, rng=rng, home=episode.home, private=episode.private)
    private = load_function(task.setup)(ctx) if task.setup else {}
    if not isinstance(private, dict):
        raise SpecError(task.file, "setup", f"a function returning a dict of privileged values, got {private!r}")
    values = {**params, **ctx.public}
    args = [f"{SANDBOX_HOME}/{_format(task, 'open', task.open, values)}"] if task.open else []
    return Instance(task, seed, params, dict(ctx.public), private, episode,
                    _format(task, "instruction", task.instruction, values), args)


class WarmStarts:
    """Prepares, in one background thread, the instance the next seedless reset will draw (and its app)."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._future: Future | None = None

    def prepare(self, runner: Runner, make: Callable[[], Instance]) -> None:
        def job() -> Instance:
            instance = make()
            runner.prepare(instance.home, instance.args)
            return instance

        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="gym-anything-prepare")
        self._future = self._pool.submit(job)

    def take(self) -> Instance | None:
        """The prepared instance (waiting for it), or None if nothing was prepared or preparing failed."""
        future, self._future = self._future, None
        if future is None:
            return None
        try:
            return future.result()
        except Exception:  # noqa: BLE001 - a cold start redoes (and reports) whatever failed here
            return None

    def close(self) -> None:
        self.take()  # let a preparation finish before its runner goes
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


def predicted_draw(tasks: Sequence[TaskSpec], rng: np.random.Generator) -> tuple[TaskSpec, int]:
    """What the next seedless reset will draw, from a copy of the env's RNG."""
    return draw(tasks, copy.deepcopy(rng), None)


def check_reset_options(options: Any) -> None:
    """``reset(options=...)``: None or a dict of RESET_OPTIONS (a typo must not silently run the defaults)."""
    if options is None:
        return
    if not isinstance(options, dict):
        raise TypeError(f"reset(options=...) must be None or a dict with keys from {list(RESET_OPTIONS)}, "
                        f"got {type(options).__name__}")
    unknown = sorted(k if isinstance(k, str) else repr(k) for k in options if k not in RESET_OPTIONS)
    if unknown:
        raise ValueError(f"reset(options=...) has unknown key(s) {unknown}; known: {list(RESET_OPTIONS)}")


def step_budget(task: TaskSpec, wanted: Any) -> int:
    if wanted is None:
        return task.max_steps
    if isinstance(wanted, bool) or not isinstance(wanted, (int, np.integer)) or not 1 <= wanted <= task.max_steps:
        raise ValueError(f"options['max_steps'] must be an integer in [1, {task.max_steps}] "
                         f"(the task's max_steps), got {wanted!r}")
    return int(wanted)


def _snapshot(folder: Path) -> list[tuple[str, int, int]]:
    entries = []
    for path in folder.rglob("*"):
        try:
            stat = path.stat()
        except OSError:
            continue  # removed while scanning: the next snapshot will differ
        entries.append((str(path), stat.st_size, stat.st_mtime_ns))
    return sorted(entries)


IDLE_CPU, IDLE_SHARE = 0.02, 0.1  # idle: at most 20 ms of CPU, or 10 % of a core, in the quiet window


def wait_until_files_settle(home: Path, quiet: float = 0.15, timeout: float = 3.0,
                            cpu: Callable[[], float | None] | None = None) -> None:
    """Before verifying, let a save the app is still writing finish: HOME unchanged for ``quiet`` s and, with
    ``cpu`` (the app's CPU seconds so far: ``runner.app_cpu_seconds``), the app idle over that time too (an app
    may serialise a document for a while before it writes a byte)."""
    deadline = time.monotonic() + timeout
    budget = max(IDLE_CPU, IDLE_SHARE * quiet)  # CPU seconds an idle app may use in the quiet window
    last, since = _snapshot(home), time.monotonic()
    used = cpu() if cpu else None
    while time.monotonic() < deadline:
        time.sleep(0.02)
        current, now = _snapshot(home), (cpu() if cpu else None)
        busy = used is not None and now is not None and not 0 <= now - used <= budget
        if current != last or busy:
            last, since, used = current, time.monotonic(), now
        elif time.monotonic() - since >= quiet:
            return


def _format(task: TaskSpec, field_name: str, template: str, values: dict[str, Any]) -> str:
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError) as exc:
        raise SpecError(task.file, field_name, f"placeholders naming parameters or setup public values "
                        f"({sorted(values)})", str(exc)) from None
