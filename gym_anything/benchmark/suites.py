"""Benchmark suites: named, versioned lists of audited tasks with seeds, a step budget and task digests.

A suite lives in ``benchmarks/<name>.yaml``::

    name: test
    version: 2                      # bumped by `gym-anything suite write` whenever the task list changes
    description: Held-out tasks.
    select: {split: test, exclude_software: [sqlitebrowser]}   # which audited tasks belong (SELECT_FIELDS)
    seeds: [0, 1]                   # episodes per task = one per seed
    step_budget: null               # null = each task's own max_steps; else min(budget, max_steps)
    tasks:                          # written by `gym-anything suite write`: task -> digest of its files
      gnumeric.fix-value: sha256:...

Loading checks that every listed task exists, still has the digest the suite names and has a passing audit,
so a result always says exactly what was run.

A suite with ``unseen_by: train`` holds its software (``select.software``) out of suite ``train``: writing either
refuses a task of that software in ``train``, and every task of a held-out software counts as a test task
(:func:`split_of`) for the contamination check and the distillation export, whatever its own ``split``. Writing
refuses a suite with a task that is a near-duplicate of a task of the other split (``audit/similarity.py``,
docs/contamination.md).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..audit.similarity import (
    CODE_LIMIT,
    EMBEDDING_LIMIT,
    NGRAM_LIMIT,
    SCREEN_LIMIT,
    ContaminationError,
    Index,
    Item,
    Pair,
    cross_split_pairs,
)
from ..errors import GymAnythingError, SpecError
from ..specs.audits import is_audited, task_digest
from ..specs.model import HORIZONS, SPLITS, SoftwareSpec, TaskSpec
from ..specs.paths import benchmarks_dir
from ..specs.registry import all_software

SUITE_FIELDS = {"name", "version", "description", "select", "seeds", "step_budget", "tasks"}
SELECT_FIELDS = {
    "split": "train or test",
    "horizon": "short or long",
    "tags": "every tag listed",
    "names": "these '<software>.<task>' names",
    "software": "only these software ids",
    "exclude_software": "not these software ids",
    "unseen_by": "the name of the suite (train) that must have no task of this suite's software",
}


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
    if not isinstance(select, dict) or not set(select) <= set(SELECT_FIELDS) or not select:
        raise SpecError(path, "select", "a mapping with " + ", ".join(f"{k!r} ({v})" for k, v in SELECT_FIELDS.items()),
                        select)
    for key in ("software", "exclude_software"):
        if key in select and not (isinstance(select[key], list) and all(isinstance(s, str) for s in select[key])):
            raise SpecError(path, f"select.{key}", "a list of software ids", select[key])
    if "unseen_by" in select and not (isinstance(select["unseen_by"], str) and select.get("software")):
        raise SpecError(path, "select.unseen_by", "a suite name, with the held-out software listed in "
                        "select.software", select["unseen_by"])
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
    """Audited tasks matching a suite's ``select`` (split, horizon, every listed tag, explicit names, software)."""
    chosen = []
    for env in all_software().values():
        if env.id not in select.get("software", [env.id]) or env.id in select.get("exclude_software", ()):
            continue
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


def all_items() -> list[Item]:
    """Every task of every software (audited or not), as (software, task)."""
    return [(env, task) for env in all_software().values() for task in env.tasks.values()]


def _select_of(name: str) -> dict[str, Any]:
    """A suite file's ``select`` as written, without checking the rest (another suite's stale task list must not
    stop this one)."""
    try:
        data = yaml.safe_load(suite_path(name).read_text())
    except (OSError, yaml.YAMLError):
        return {}
    select = data.get("select") if isinstance(data, dict) else None
    return select if isinstance(select, dict) else {}


def held_out_software() -> dict[str, str]:
    """Software held out of training by a suite's ``unseen_by``: software id -> that suite's name."""
    held = {}
    for name in suite_names():
        select = _select_of(name)
        if isinstance(select.get("unseen_by"), str) and isinstance(select.get("software"), list):
            held.update({str(software): name for software in select["software"]})
    return held


def split_of(item: Item, held: dict[str, str] | None = None) -> str:
    """A task's split for training purposes: ``test`` for every task of a held-out software, else its own."""
    held = held_out_software() if held is None else held
    return "test" if item[0].id in held else item[1].split


def contamination(items: list[Item], index: Index | None = None) -> list[Pair]:
    """Near-duplicate pairs of a task of ``items`` (pair.a) with a task of the other split (pair.b, by
    :func:`split_of`), over every task of the registry; the index's new fingerprints are written to the data
    roots."""
    index = index or Index()
    held = held_out_software()
    pairs = cross_split_pairs(index, items, all_items(), lambda item: split_of(item, held))
    index.save(all_software())
    return pairs


def contamination_message(suite: str, pairs: list[Pair]) -> str:
    held = held_out_software()

    def split(name: str) -> str:
        found = _lookup(name)
        return split_of(found, held) if found else "?"

    lines = [f"{p.a} ({split(p.a)}) ~ {p.b} ({split(p.b)}): {'; '.join(p.reasons)}" for p in pairs]
    return (f"suite {suite!r}: {len(pairs)} task(s) are near-duplicates of a task of the other split (a train task "
            "this close to a test task leaks it); change or remove one of each pair (docs/contamination.md):\n  "
            + "\n  ".join(lines))


def _check_unseen(suite: Suite, chosen: list[Item]) -> None:
    """Refuse a held-out software in the suite that must not see it, from either side."""
    names = suite_names()
    if "unseen_by" in suite.select:
        trainer = suite.select["unseen_by"]
        if trainer not in names:
            raise SuiteError(f"{suite.file}: select.unseen_by names suite {trainer!r}, which does not exist; "
                             f"known: {names}")
        seen = {e.id for e, _ in suite_items(trainer)[1]}  # what it selects (writing it checks the other way)
        overlap = sorted(seen & set(suite.select["software"]))
        if overlap:
            raise SuiteError(f"{suite.file}: suite {suite.name!r} holds {overlap} out of suite {trainer!r}, but "
                             f"{trainer!r} has tasks of it; add them to its select.exclude_software")
    for name in names:
        other = _select_of(name)
        if other.get("unseen_by") == suite.name and isinstance(other.get("software"), list):
            overlap = sorted({e.id for e, _ in chosen} & set(other["software"]))
            if overlap:
                raise SuiteError(f"{suite.file}: suite {name!r} holds {overlap} out of suite {suite.name!r}, which "
                                 f"selects tasks of it; add them to select.exclude_software")


def write_suite(name: str) -> tuple[Suite, bool]:
    """Re-select a suite's tasks and digests from the registry; bump the version if anything changed.

    Refuses (:class:`~gym_anything.audit.similarity.ContaminationError`) when a selected task is a near-duplicate
    of a task of the other split."""
    path = suite_path(name)
    suite = _parse(path)
    chosen = matching_tasks(suite.select)
    if not chosen:
        raise SuiteError(f"{path}: no audited task matches select={suite.select}")
    _check_unseen(suite, chosen)
    pairs = contamination(chosen)
    if pairs:
        raise ContaminationError(contamination_message(suite.name, pairs))
    tasks = {f"{env.id}.{task.id}": task_digest(env, task) for env, task in chosen}
    changed = tasks != suite.tasks
    if changed:
        suite.tasks, suite.version = tasks, suite.version + (1 if suite.tasks else 0)
    data = {"name": suite.name, "version": suite.version, "description": suite.description, "select": suite.select,
            "seeds": list(suite.seeds), "step_budget": suite.step_budget, "tasks": suite.tasks}
    header = ("# A benchmark suite (see docs/benchmarks.md). Edit select/seeds/step_budget/description, then run\n"
              f"# 'gym-anything suite write {suite.name}' to refresh the task list and digests.\n")
    path.write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120))
    return suite, changed


def suite_items(name: str) -> tuple[Suite, list[Item]]:
    """A suite (its file) and the tasks its ``select`` picks now (what ``write`` would list)."""
    suite = _parse(suite_path(name))
    return suite, matching_tasks(suite.select)


def contamination_report(items: list[Item], index: Index | None = None) -> tuple[str, int]:
    """What ``gym-anything suite check`` prints: the limits, every pair of a task of ``items`` with another task
    that reaches a limit (across splits a leak, within one split a note), the most alike pair across splits per
    signal, the pairs across splits whose start screens are alike, and the tasks without measured start screens;
    and how many pairs across splits reach a limit."""
    index = index or Index()
    pool = all_items()
    pairs = index.pairs(items, pool)
    index.save(all_software())
    held = held_out_software()
    split = {f"{env.id}.{task.id}": split_of((env, task), held) for env, task in pool}
    across = [p for p in pairs if split[p.a] != split[p.b]]
    lines = [f"limits: instruction n-grams >= {NGRAM_LIMIT}, instruction embedding >= {EMBEDDING_LIMIT}, code >= "
             f"{CODE_LIMIT}; start screens alike at <= {SCREEN_LIMIT} bits apart (reported, not a limit)",
             f"{len(items)} task(s) compared with the {len(pool)} task(s) of the registry"
             + (f"; held-out software (test): {', '.join(f'{s} (suite {n})' for s, n in sorted(held.items()))}"
                if held else "")]
    flagged = [p for p in pairs if p.reasons]
    for pair in flagged:
        kind = "LEAK across splits" if split[pair.a] != split[pair.b] else f"both {split[pair.a]}"
        lines.append(f"  {kind}: {pair.a} ({split[pair.a]}) ~ {pair.b} ({split[pair.b]}): {'; '.join(pair.reasons)}")
    if not flagged:
        lines.append("  no pair reaches a limit")
    if across:
        lines.append("most alike across splits:")
        for signal, key in (("n-grams", lambda p: p.similarity.ngrams), ("embedding", lambda p: p.similarity.embedding),
                            ("code", lambda p: p.similarity.code)):
            top = max(across, key=key)
            lines.append(f"  {signal} {key(top):.3f}: {top.a} ~ {top.b}")
        alike = [p for p in across if p.similarity.alike_screens]
        measured = [p for p in across if p.similarity.screen is not None]
        lines.append(f"  start screens: {len(alike)} of {len(measured)} measured pair(s) across splits alike"
                     + "".join(f"\n    {p.a} ~ {p.b}: {p.similarity.screen} bits apart, embedding "
                               f"{p.similarity.embedding:.3f}" for p in alike[:5])
                     + (f"\n    ... and {len(alike) - 5} more" if len(alike) > 5 else ""))
        unseen = [p for p in measured if (p.a.split(".", 1)[0] in held) != (p.b.split(".", 1)[0] in held)]
        if unseen:
            top = min(unseen, key=lambda p: p.similarity.screen or 0)
            lines.append(f"  held-out software vs trained: closest start screens {top.similarity.screen} bits apart "
                         f"({top.a} ~ {top.b})")
    unmeasured = sorted(f"{env.id}.{task.id}" for env, task in pool if not index.screens((env, task)))
    if unmeasured:
        lines.append(f"no start screen measured for {len(unmeasured)} task(s) ('gym-anything suite screens' measures "
                     f"them): {', '.join(unmeasured)}")
    return "\n".join(lines), sum(1 for p in across if p.reasons)
