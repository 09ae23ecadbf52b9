"""Distillation export: the steps of recorded eval runs as a training dataset, one row per step.

Usage (what ``gym-anything export`` calls)::

    summary = export_runs(["runs/oracle-test"], "data/oracle", successful=True, test_fraction=0.1)
    dataset = load_export("data/oracle")          # a datasets.DatasetDict: "train" (and "test")

A row is what an agent saw and what it did at one step: ``image`` (the screenshot before the action),
``instruction``, ``action`` (pyautogui-style text, the training target), ``action_json`` (the JSON form as a
string: ``actions.from_json(json.loads(row["action_json"]))``), ``history`` (the episode's earlier action
texts), ``step`` (1-based), ``episode`` (``<software>.<task>/seed-<seed>``), ``env``, ``task``, ``seed``,
``run``, ``suite``, ``agent``, and the episode's ``reward`` and ``success``.

Formats: ``hf`` writes ``DatasetDict.save_to_disk`` (Arrow, images embedded; open with
``datasets.load_from_disk``); ``jsonl`` writes an image-folder layout, ``<split>/metadata.jsonl`` plus PNG files,
readable without any library and with ``datasets.load_dataset(folder)``.

Runs are read with :class:`gym_anything.benchmark.runs.RunFolder`, like the leaderboard reads them. Skipped,
and counted by reason in the summary: a result.json that reader cannot read ("unreadable": the episode is
unfinished), episodes that raised ("with an error") or faulted ("with a fault"), episodes whose recording is not
complete ("incomplete (steps or frames missing)": fewer readable steps than the result counts, or a frame
missing), with ``successful`` those that did not pass ("unsuccessful"), and an episode recorded identically in
several runs (same instance, same actions: "duplicate") after its first. The train/test split is by episode
instance, so every recording of one (task, seed) lands on the same side.

Training data must not hold the benchmark's test tasks: episodes of a test-split task, of a software a suite holds
out (``test-unseen-software``), of a near-duplicate of a test task (``audit/similarity.py``, the check ``suite
write`` makes) and of a task the registry does not know (its split cannot be checked) are skipped, counted by
reason, and each such task is named with why in :attr:`ExportSummary.held_out`. Skipping (not refusing) lets a
run of a mixed suite (``long``) export its train-split episodes; an export left with nothing raises.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..audit.similarity import Index, cross_split_pairs
from ..errors import GymAnythingError
from ..specs.registry import all_software
from .runs import EpisodeRecord, RunFolder, RunFormatError
from .suites import all_items, held_out_software, split_of

FORMATS = ("hf", "jsonl")


class ExportError(GymAnythingError, ValueError):
    """The runs cannot be exported as asked (no run folder, nothing left to export, bad option)."""


@dataclass(frozen=True, eq=False)
class _Episode:
    """One exportable episode of a run: the run it belongs to and its record (see ``benchmark/runs.py``)."""

    run: RunFolder
    record: EpisodeRecord

    @property
    def result(self) -> dict[str, Any]:
        return self.record.result

    @property
    def steps(self) -> list[dict[str, Any]]:
        return self.record.steps

    @property
    def instance(self) -> str:
        """The episode instance (task and seed): what the split keeps together."""
        return self.result["episode"]

    @property
    def key(self) -> str:
        """Identical episodes (same instance, same actions) share this key, whatever run recorded them."""
        r = self.result
        body = [r["env"], r["task"], r.get("instance_seed"), r.get("instruction"),
                [s.get("action_text") for s in self.steps]]
        return hashlib.sha256(json.dumps(body).encode()).hexdigest()

    def frame_before(self, step: int) -> Path:
        """The observation the agent saw before ``step`` (1-based): frame ``step - 1``."""
        frame = self.record.frame(step - 1)
        assert frame is not None, "only complete episodes are exported"
        return frame


@dataclass
class ExportSummary:
    """What an export wrote: counts per split, what was skipped and why, bytes on disk."""

    out: Path
    format: str
    runs: int
    episodes: dict[str, int] = field(default_factory=dict)
    steps: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    held_out: dict[str, str] = field(default_factory=dict)  # task -> why its episodes are not training data

    def text(self) -> str:
        splits = ", ".join(f"{s}: {self.episodes[s]} episodes / {self.steps[s]} steps" for s in self.episodes)
        skipped = ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items())) or "none"
        held = "".join(f"\n    {task}: {why}" for task, why in sorted(self.held_out.items()))
        return (f"exported {sum(self.episodes.values())} episodes, {sum(self.steps.values())} steps from "
                f"{self.runs} run(s) -> {self.out}/ ({self.format}, {self.bytes / 1e6:.1f} MB)\n"
                f"  {splits}\n  skipped episodes: {skipped}"
                + (f"\n  held out (not training data):{held}" if held else ""))


# --- reading runs ------------------------------------------------------------------------------------


def _read_run(folder: Path, successful: bool, skipped: Counter) -> Iterator[_Episode]:
    """The exportable episodes of one run folder (see docs/run-format.md), counting the others in ``skipped``."""
    run = RunFolder(folder)
    try:
        run.meta  # noqa: B018 - validates run.json
    except RunFormatError as exc:
        raise ExportError(str(exc)) from None
    for record in run.episodes():
        result = record.result
        if result["error"] is not None:
            skipped["with an error"] += 1
        elif result["fault"] is not None:
            skipped["with a fault"] += 1
        elif successful and not result["success"]:
            skipped["unsuccessful"] += 1
        elif not record.complete or not record.steps:
            skipped["incomplete (steps or frames missing)"] += 1
        else:
            yield _Episode(run, record)
    if run.problems:
        skipped["unreadable"] += len(run.problems)


def _collect(runs: Sequence[Path], successful: bool, skipped: Counter) -> list[_Episode]:
    episodes, seen = [], set()
    for folder in runs:
        for episode in _read_run(folder, successful, skipped):
            if episode.key in seen:
                skipped["duplicate"] += 1
                continue
            seen.add(episode.key)
            episodes.append(episode)
    return episodes


HELD_OUT = {"test": "of a test-split task", "software": "of a held-out software",
            "duplicate": "of a near-duplicate of a test task",
            "unknown": "of a task not in the registry (its split cannot be checked)"}


def held_out_tasks(names: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Which of these tasks (``<software>.<task>``) are no training data: task -> (kind, why), kind a key of
    :data:`HELD_OUT`. Test tasks are the test-split tasks and every task of a software a suite holds out
    (``suites.split_of``)."""
    registry = all_software()
    software = held_out_software()
    held: dict[str, tuple[str, str]] = {}
    train = []
    for name in names:
        env_id, _, task_id = name.partition(".")
        env = registry.get(env_id)
        task = env.tasks.get(task_id) if env else None
        if env is None or task is None:
            held[name] = ("unknown", "not in the registry: its split cannot be checked")
        elif env.id in software:
            held[name] = ("software", f"its software is held out of training by suite {software[env.id]!r}")
        elif task.split != "train":
            held[name] = ("test", f"a {task.split}-split task")
        else:
            train.append((env, task))
    pairs = cross_split_pairs(Index(), train, all_items(), lambda item: split_of(item, software))
    for pair in pairs:
        held.setdefault(pair.a, ("duplicate", f"a near-duplicate of test task {pair.b}: {'; '.join(pair.reasons)}"))
    return held


def _hold_out(episodes: list[_Episode], skipped: Counter) -> tuple[list[_Episode], dict[str, str]]:
    held = held_out_tasks(sorted({f"{e.result['env']}.{e.result['task']}" for e in episodes}))
    kept = []
    for episode in episodes:
        found = held.get(f"{episode.result['env']}.{episode.result['task']}")
        if found:
            skipped[HELD_OUT[found[0]]] += 1
        else:
            kept.append(episode)
    return kept, {task: why for task, (_, why) in held.items()}


def _split(episodes: list[_Episode], test_fraction: float, seed: int) -> dict[str, list[_Episode]]:
    """Train/test by episode instance, reproducible for a seed."""
    if not test_fraction:
        return {"train": episodes}
    instances = sorted({e.instance for e in episodes})
    if len(instances) < 2:
        raise ExportError(f"test_fraction={test_fraction} needs at least 2 distinct episodes, "
                          f"found {len(instances)}")
    random.Random(seed).shuffle(instances)
    n_test = min(max(1, round(test_fraction * len(instances))), len(instances) - 1)
    test = set(instances[:n_test])
    return {"train": [e for e in episodes if e.instance not in test],
            "test": [e for e in episodes if e.instance in test]}


def _rows(episodes: list[_Episode], image_bytes: bool = True) -> Iterator[dict[str, Any]]:
    """One row per step; ``image`` is ``{"bytes", "path"}`` (hf) or the frame's path (jsonl)."""
    for episode in episodes:
        r, history = episode.result, list[str]()
        for record in episode.steps:
            frame = episode.frame_before(record["step"])
            yield {"image": {"bytes": frame.read_bytes(), "path": None} if image_bytes else frame,
                   "instruction": r["instruction"], "action": record["action_text"],
                   "action_json": json.dumps(record["action"], ensure_ascii=False), "history": list(history),
                   "step": record["step"], "episode": r["episode"], "env": r["env"], "task": r["task"],
                   "seed": r["seed"], "run": episode.run.name, "suite": episode.run.meta["suite"],
                   "agent": str(episode.run.meta.get("agent", "")),
                   "reward": float(r["reward"]), "success": bool(r["success"])}
            history.append(record["action_text"])


# --- writing -----------------------------------------------------------------------------------------


def _features():
    from datasets import Features, Image, Sequence, Value

    return Features({"image": Image(), "instruction": Value("string"), "action": Value("string"),
                     "action_json": Value("string"), "history": Sequence(Value("string")), "step": Value("int32"),
                     "episode": Value("string"), "env": Value("string"), "task": Value("string"),
                     "seed": Value("int64"), "run": Value("string"), "suite": Value("string"),
                     "agent": Value("string"), "reward": Value("float32"), "success": Value("bool")})


def _write_hf(splits: dict[str, list[_Episode]], out: Path) -> None:
    import datasets

    bars_were_off = datasets.are_progress_bars_disabled()
    datasets.disable_progress_bars()  # the CLI prints its own counts
    try:
        with tempfile.TemporaryDirectory(prefix="gym-anything-export-") as cache:
            parts = {name: datasets.Dataset.from_generator(_rows, features=_features(), cache_dir=cache,
                                                           gen_kwargs={"episodes": episodes})
                     for name, episodes in splits.items()}
            datasets.DatasetDict(parts).save_to_disk(str(out))
    finally:
        if not bars_were_off:
            datasets.enable_progress_bars()


def _write_jsonl(splits: dict[str, list[_Episode]], out: Path) -> None:
    for name, episodes in splits.items():
        folder = out / name
        folder.mkdir(parents=True)
        with (folder / "metadata.jsonl").open("w", encoding="utf-8") as metadata:
            (folder / "frames").mkdir()
            for index, row in enumerate(_rows(episodes, image_bytes=False)):
                frame: Path = row.pop("image")
                # numbered, not named after runs: a name like "oracle-test" would make datasets guess a split
                image = Path("frames", f"{index:06d}.png")
                shutil.copyfile(frame, folder / image)
                metadata.write(json.dumps({"file_name": image.as_posix(), **row}, ensure_ascii=False) + "\n")


def export_runs(runs: Sequence[str | Path], out: str | Path, *, successful: bool = False, fmt: str = "hf",
                test_fraction: float = 0.0, seed: int = 0, overwrite: bool = False) -> ExportSummary:
    """Export the steps of the episodes in ``runs`` (eval run folders) to ``out``; returns what was written.

    ``successful`` keeps only episodes whose result says success; ``test_fraction`` (0 to <1) of the episode
    instances go to a "test" split; ``overwrite`` replaces an existing non-empty ``out``.
    """
    if fmt not in FORMATS:
        raise ExportError(f"format must be one of {FORMATS}, got {fmt!r}")
    if not isinstance(test_fraction, (int, float)) or not 0 <= test_fraction < 1:
        raise ExportError(f"test_fraction must be a number in [0, 1), got {test_fraction!r}")
    if not runs:
        raise ExportError("runs: give at least one run folder")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ExportError(f"out: {out} is a file; give a folder")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise ExportError(f"{out} exists and is not empty; pass overwrite=True (--overwrite) to replace it")
    folders = list(dict.fromkeys(Path(r).resolve() for r in runs))  # the same run given twice counts once
    skipped: Counter = Counter()
    episodes, held_out = _hold_out(_collect(folders, successful, skipped), skipped)
    if not episodes:
        held = "".join(f"; {task}: {why}" for task, why in sorted(held_out.items()))
        raise ExportError(f"no episode to export in {[str(f) for f in folders]} "
                          f"(skipped: {dict(skipped) or 'none found'}{held})")
    splits = _split(episodes, test_fraction, seed)

    partial = out.parent / f".{out.name}.partial"  # written aside, moved in place when complete
    shutil.rmtree(partial, ignore_errors=True)
    try:
        (_write_hf if fmt == "hf" else _write_jsonl)(splits, partial)
        if out.exists():
            shutil.rmtree(out)
        partial.rename(out)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return ExportSummary(out=out, format=fmt, runs=len(folders),
                         episodes={s: len(e) for s, e in splits.items()},
                         steps={s: sum(len(x.steps) for x in e) for s, e in splits.items()},
                         skipped=dict(skipped), bytes=sum(p.stat().st_size for p in out.rglob("*") if p.is_file()),
                         held_out=held_out)


def load_export(folder: str | Path):
    """An exported dataset (either format) as a ``datasets.DatasetDict`` with a decoded ``image`` column."""
    import datasets

    folder = Path(folder)
    if (folder / "dataset_dict.json").is_file():
        return datasets.load_from_disk(str(folder))
    if any(folder.glob("*/metadata.jsonl")):
        return datasets.load_dataset("imagefolder", data_dir=str(folder))
    raise ExportError(f"{folder} holds no exported dataset (no dataset_dict.json or <split>/metadata.jsonl)")
