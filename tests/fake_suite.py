"""A loadable benchmark suite on the fake runner, for tests of run folders that need no app.

``fake_suite_root(folder)`` copies ``tests/fixtures/runs_root`` (one software, ``fakepad``, two tasks for the
fake runner's scripted editor) into ``folder``, writes audit records for its tasks' current digests and the suite
``benchmarks/fake.yaml`` (two tasks x two seeds). The audit records are test setup, NOT audits: nothing
was checked on an app; they only let ``load_suite`` accept the fixture tasks, as it accepts only audited tasks.

``use_root(folder)`` puts such a root first on GYM_ANYTHING_PATH (inherited by eval's worker processes) for the
duration of a ``with``; the registry is reloaded on entry and on exit.

Agents for these runs are here too (loaded by import path, ``fake_suite:Name``, also in eval's workers).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from gym_anything import actions as A
from gym_anything.specs import registry
from gym_anything.specs.audits import TaskAudit, store, task_digest

FIXTURE = Path(__file__).with_name("fixtures") / "runs_root"
SOFTWARE = "fakepad"
TASKS = [f"{SOFTWARE}.append-line", f"{SOFTWARE}.count-lines"]
SUITE = "fake"


def fake_suite_root(folder: Path) -> Path:
    """A data root at ``folder`` with the fakepad software, its stand-in audit records and suite ``fake``."""
    shutil.copytree(FIXTURE, folder)
    with use_root(folder):
        software = registry.all_software()[SOFTWARE]
        for task in software.tasks.values():
            # test setup, not an audit: marks the fixture's current files as audited so that the suite loads
            store(software, task, TaskAudit(task=f"{SOFTWARE}.{task.id}", digest=task_digest(software, task),
                                            seeds=[0, 1], passed=True, date="fixture"))
        tasks = {name: task_digest(software, software.tasks[name.split(".", 1)[1]]) for name in TASKS}
    (folder / "benchmarks").mkdir()
    (folder / "benchmarks" / f"{SUITE}.yaml").write_text(yaml.safe_dump({
        "name": SUITE, "version": 1, "description": "fakepad fixture tasks (tests only)",
        "select": {"names": TASKS}, "seeds": [0, 1], "step_budget": None, "tasks": tasks}, sort_keys=False))
    return folder


@contextmanager
def use_root(folder: Path) -> Iterator[Path]:
    """``folder`` first on GYM_ANYTHING_PATH (and the registry reloaded) inside the ``with``."""
    before = os.environ.get("GYM_ANYTHING_PATH")
    os.environ["GYM_ANYTHING_PATH"] = os.pathsep.join([str(folder), *([before] if before else [])])
    registry._load.cache_clear()
    registry.register_all()
    try:
        yield folder
    finally:
        if before is None:
            os.environ.pop("GYM_ANYTHING_PATH", None)
        else:
            os.environ["GYM_ANYTHING_PATH"] = before
        registry._load.cache_clear()


class QuittingAgent:
    """Quits the editor (ctrl+q: the fake app exits, a fault) on episodes of ``fail_task``; otherwise types one
    line and says DONE."""

    name = "quitting"

    def __init__(self, fail_task: str):
        self.fail_task, self.task, self.steps = fail_task, None, 0

    def reset(self, instruction, info):
        self.task, self.steps = info["task_id"], 0

    def act(self, observation, info):
        self.steps += 1
        if self.task == self.fail_task:
            return A.hotkey("ctrl", "q") if self.steps == 1 else A.done()
        return A.type("hello\n") if self.steps == 1 else A.done()


def fake_root_on_path(tmp_path_factory) -> Iterator[Path]:
    """For a module fixture: the fakepad data root (stand-in audit records: test setup, see above) in a fresh
    folder, first on the data path while the fixture lives."""
    folder = fake_suite_root(tmp_path_factory.mktemp("data") / "root")
    with use_root(folder):
        yield folder
