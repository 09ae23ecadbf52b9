"""Benchmark suites: named, versioned lists of audited tasks with seeds, a step budget and task digests.

A suite lives in ``benchmarks/<name>.yaml``::

    name: test
    version: 2                      # bumped by `gym-anything suite write` whenever the task list changes
    description: Held-out tasks.
    select: {split: test}           # which audited tasks belong: split, horizon, tags (all listed), names
    seeds: [0, 1]                   # episodes per task = one per seed
    step_budget: null               # null = each task's own max_steps; else min(budget, max_steps)
    tasks:                          # written by `gym-anything suite write`: task -> digest of its files
      gnumeric.fix-value: sha256:...

Loading checks that every listed task exists, still has the digest the suite names and has a passing audit,
so a result always says exactly what was run.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import GymAnythingError, SpecError
from ..specs.audits import is_audited, task_digest
from ..specs.model import HORIZONS, SPLITS, SoftwareSpec, TaskSpec
from ..specs.paths import benchmarks_dir
from ..specs.registry import all_software

SUITE_FIELDS = {"name", "version", "description", "select", "seeds", "step_budget", "tasks"}


class SuiteError(GymAnythingError, ValueError):
    """A suite file is malformed or out of date with the tasks it names."""


@dataclass(frozen=True)
class Episode:
    """One episode of a suite: a task and a seed."""

    env: str
    task: str
    seed: int

    @property
    def name(self) -> str:
        return f"{self.env}.{self.task}"

    @property
    def id(self) -> str:
        return f"{self.env}.{self.task}/seed-{self.seed}"


@dataclass
class Suite:
    name: str
    version: int
    description: str
    select: dict[str, Any]
    seeds: tuple[int, ...]
    step_budget: int | None
    tasks: dict[str, str]  # "<env>.<task>" -> digest
    file: Path | None = None

    @property
    def digest(self) -> str:
        """A digest of everything that defines the suite's episodes."""
        body = json.dumps([self.name, self.version, list(self.seeds), self.step_budget, sorted(self.tasks.items())])
        return "sha256:" + hashlib.sha256(body.encode()).hexdigest()[:16]

    def episodes(self, only: list[str] | None = None) -> list[Episode]:
        """Every (task, seed) pair, optionally restricted to ``only`` (task names ``<env>.<task>``)."""
        if only:
            unknown = sorted(set(only) - set(self.tasks))
            if unknown:
                raise SuiteError(f"suite {self.name!r} has no task(s) {unknown}; it has {sorted(self.tasks)}")
        names = [n for n in self.tasks if not only or n in only]
        return [Episode(n.split(".", 1)[0], n.split(".", 1)[1], seed) for n in names for seed in self.seeds]

    def budget_for(self, task: TaskSpec) -> int:
        return task.max_steps if self.step_budget is None else min(self.step_budget, task.max_steps)


def _lookup(name: str) -> tuple[SoftwareSpec, TaskSpec] | None:
    env_id, _, task_id = name.partition(".")
    env = all_software().get(env_id)
    task = env.tasks.get(task_id) if env else None
    return (env, task) if env and task else None


def suite_path(name: str) -> Path:
    """``benchmarks/<name>.yaml`` of the first data root that has it, or ``name`` itself if it is a file."""
    as_path = Path(name)
    if as_path.suffix in (".yaml", ".yml") and as_path.is_file():
        return as_path
    folder = benchmarks_dir()
    candidate = folder / f"{name}.yaml" if folder else None
    if candidate is None or not candidate.is_file():
        raise SuiteError(f"no suite named {name!r} (looked for benchmarks/{name}.yaml); known: {suite_names()}")
    return candidate


def suite_names() -> list[str]:
    folder = benchmarks_dir()
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder else []


def _parse(path: Path) -> Suite:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(path, "(file)", "a readable YAML mapping", str(exc)) from None
    if not isinstance(data, dict):
        raise SpecError(path, "(file)", "a YAML mapping with fields " + ", ".join(sorted(SUITE_FIELDS)), data)
    unknown = sorted(set(data) - SUITE_FIELDS)
    if unknown:
        raise SpecError(path, unknown[0], "one of " + ", ".join(sorted(SUITE_FIELDS)))
    for required in ("name", "version", "select", "seeds"):
        if required not in data:
            raise SpecError(path, required, "a value (required)")
    if not isinstance(data["version"], int) or data["version"] < 1:
        raise SpecError(path, "version", "a positive integer", data["version"])
    select = data["select"]
    if not isinstance(select, dict) or not set(select) <= {"split", "horizon", "tags", "names"} or not select:
        raise SpecError(path, "select", "a mapping with 'split', 'horizon', 'tags' and/or 'names'", select)
    if "horizon" in select and select["horizon"] not in HORIZONS:
        raise SpecError(path, "select.horizon", f"one of {HORIZONS}", select["horizon"])
    if "split" in select and select["split"] not in SPLITS:
        raise SpecError(path, "select.split", f"one of {SPLITS}", select["split"])
    if "tags" in select and not (isinstance(select["tags"], list) and all(isinstance(t, str) for t in select["tags"])):
        raise SpecError(path, "select.tags", "a list of tag names", select["tags"])
    if "names" in select and not (isinstance(select["names"], list) and all(
            isinstance(n, str) and _lookup(n) for n in select["names"])):
        raise SpecError(path, "select.names", "a list of existing '<software>.<task>' names", select["names"])
    seeds = data["seeds"]
    if not isinstance(seeds, list) or not seeds or not all(isinstance(s, int) and s >= 0 for s in seeds):
        raise SpecError(path, "seeds", "a non-empty list of non-negative integers", seeds)
    budget = data.get("step_budget")
    if budget is not None and (not isinstance(budget, int) or budget < 1):
        raise SpecError(path, "step_budget", "null or a positive integer", budget)
    tasks = data.get("tasks") or {}
    if not isinstance(tasks, dict) or not all(isinstance(v, str) for v in tasks.values()):
        raise SpecError(path, "tasks", "a mapping '<software>.<task>: <digest>'", tasks)
    return Suite(name=str(data["name"]), version=data["version"], description=str(data.get("description", "")),
                 select=select, seeds=tuple(seeds), step_budget=budget, tasks=dict(tasks), file=path)


def load_suite(name: str) -> Suite:
    """Load and check a suite: every task exists, is unchanged since the suite was written, and is audited."""
    path = suite_path(name)
    suite = _parse(path)
    if not suite.tasks:
        raise SuiteError(f"{path}: the suite lists no tasks; run 'gym-anything suite write {suite.name}'")
    for task_name, digest in suite.tasks.items():
        found = _lookup(task_name)
        if found is None:
            raise SuiteError(f"{path}: task {task_name!r} does not exist (any more)")
        env, task = found
        if task_digest(env, task) != digest:
            raise SuiteError(f"{path}: {task_name} changed since suite {suite.name!r} v{suite.version} was written; "
                             f"audit it, then run 'gym-anything suite write {suite.name}' (bumps the version)")
        if not is_audited(env, task):
            raise SuiteError(f"{path}: {task_name} has no passing audit for its files; run "
                             f"'gym-anything audit --task {task_name}'")
    return suite


def matching_tasks(select: dict[str, Any]) -> list[tuple[SoftwareSpec, TaskSpec]]:
    """Audited tasks matching a suite's ``select`` (split, horizon, every listed tag, explicit names)."""
    chosen = []
    for env in all_software().values():
        for task in env.tasks.values():
            if "split" in select and task.split != select["split"]:
                continue
            if "horizon" in select and task.horizon != select["horizon"]:
                continue
            if not set(select.get("tags", ())) <= set(task.tags):
                continue
            if "names" in select and f"{env.id}.{task.id}" not in select["names"]:
                continue
            if is_audited(env, task):
                chosen.append((env, task))
    return chosen


def write_suite(name: str) -> tuple[Suite, bool]:
    """Re-select a suite's tasks and digests from the registry; bump the version if anything changed."""
    path = suite_path(name)
    suite = _parse(path)
    tasks = {f"{env.id}.{task.id}": task_digest(env, task) for env, task in matching_tasks(suite.select)}
    if not tasks:
        raise SuiteError(f"{path}: no audited task matches select={suite.select}")
    changed = tasks != suite.tasks
    if changed:
        suite.tasks, suite.version = tasks, suite.version + (1 if suite.tasks else 0)
    data = {"name": suite.name, "version": suite.version, "description": suite.description, "select": suite.select,
            "seeds": list(suite.seeds), "step_budget": suite.step_budget, "tasks": suite.tasks}
    header = ("# A benchmark suite (see gym_anything/suites.py). Edit select/seeds/step_budget/description, then run\n"
              f"# 'gym-anything suite write {suite.name}' to refresh the task list and digests.\n")
    path.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120))
    return suite, changed
