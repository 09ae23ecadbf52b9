"""The run folder: what ``gym-anything eval`` writes, and the one reader that export, the leaderboard and a
resumed eval read it with. docs/run-format.md describes the format; this module is that description in code.

Usage::

    run = RunFolder("runs/oracle-test")
    run.meta["suite"], run.total              # run.json (validated), planned episode count
    for episode in run.episodes():             # finished episodes, sorted by id
        episode.result["success"], episode.steps, episode.frames, episode.video
    run.problems                               # result.json files that were read as absent, and why

Writing (what the evaluation does): :meth:`RunFolder.write_meta`, :meth:`RunFolder.write_result`,
:meth:`RunFolder.write_summary`, all through :func:`write_json` (atomic); the recorder
(``benchmark/recording.py``) appends ``steps.jsonl`` and writes ``frames/`` and ``video.mp4`` into
:meth:`RunFolder.episode_folder`.

Torn or foreign files are read one way, by every reader:

* ``run.json`` that is missing, not a JSON object, of a format this version cannot read, or without a
  ``suite`` name and integer ``suite_version``: the folder is not a readable run (:class:`RunFormatError`).
* ``result.json`` that is not a JSON object with the required fields (:data:`RESULT_FIELDS`), or that names
  another episode than the folder it lies in: the episode is *unfinished*, as if the file were absent (a
  resumed eval runs it again; export counts it as "unreadable"; the leaderboard counts it among the
  unfinished). Each such file is listed in :attr:`RunFolder.problems` (its path in the run folder, and why).
* ``steps.jsonl`` is read line by line up to the first line that is not the JSON object of the next step
  (:data:`STEP_FIELDS`; ``step`` equal to its 1-based line number): that line and every line after it are
  ignored. A missing file
  is no steps. An episode whose readable steps are fewer than its result's ``steps``, or that lacks a frame,
  is not :attr:`EpisodeRecord.complete` (export skips it; the leaderboard shows what there is).
* ``summary.json`` is derived data: no reader trusts it (they summarize the results); only a format-1 run's
  planned episode count is taken from it, since its run.json does not list the planned episodes.

While an eval runs an episode with a display (local or Docker runner), the episode folder holds ``live.json``
(:data:`LIVE_FILE`: the episode, the X display, the worker's pid and start time, the public instruction), removed
when the episode ends; :meth:`RunFolder.live` lists the records whose worker is still alive and whose episode
has no result yet (``gym-anything view RUN`` finds the display this way).

Format 1 runs (before the test-time review was called a review) are read as format 2: a result's ``audits``
becomes ``reviews``, run.json's ``audit_judge`` becomes ``reviewer``, and a fault's ``message`` its ``detail``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from ..errors import GymAnythingError
from ..runtime.guardian import process_start

FORMAT = 2  # what this version writes
READABLE_FORMATS = (1, 2)  # what it reads (1: results say "audits" for the test-time reviews)

RUN_FILE = "run.json"
SUMMARY_FILE = "summary.json"
EPISODES_DIR = "episodes"
RESULT_FILE = "result.json"
STEPS_FILE = "steps.jsonl"
FRAMES_DIR = "frames"
VIDEO_FILE = "video.mp4"
LIVE_FILE = "live.json"  # while the episode runs: where its display is (gym-anything view)

EPISODE_ID = re.compile(r"(?P<env>[^/.]+)\.(?P<task>[^/]+)/seed-(?P<seed>\d+)")
"""An episode id, which is also its folder under ``episodes/``: ``<software>.<task>/seed-<seed>``."""

RESULT_FIELDS: dict[str, tuple[type, ...]] = {
    "episode": (str,), "env": (str,), "task": (str,), "seed": (int,), "reward": (int, float), "success": (bool,),
    "steps": (int,)}
"""The fields a result.json must have, with their types; without them it is read as absent."""

STEP_FIELDS: dict[str, type] = {"step": int, "action": dict, "action_text": str}
"""The fields a line of steps.jsonl must have to be read as a step (``step``: its 1-based line number)."""

_RESULT_DEFAULTS: dict[str, Any] = {"score": 0.0, "verifier": None, "fault": None, "error": None, "reviews": [],
                                    "soc_groups": [], "wall_time": 0.0}


class RunFormatError(GymAnythingError, ValueError):
    """A folder is not a run this version can read: names the file, the field and what was expected."""


def episode_id(env: str, task: str, seed: int) -> str:
    return f"{env}.{task}/seed-{seed}"


def frame_name(index: int) -> str:
    """The frame after step ``index`` (0 = after reset), relative to its episode folder."""
    return f"{FRAMES_DIR}/{index:04d}.png"


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` atomically: a reader finds the whole file or the previous one (or none),
    never a torn one, also after a crash or a power cut (the data is on disk before the rename)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(json.dumps(data, indent=2, default=str, ensure_ascii=False))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _read_object(path: Path) -> dict[str, Any]:
    """A JSON object from ``path``; OSError or ValueError (with the reason) otherwise."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    return data


def result_problem(result: Any, folder_id: str | None = None) -> str | None:
    """Why ``result`` is not a readable result.json (for the episode whose folder is ``folder_id``), or None."""
    if not isinstance(result, dict):
        return f"expected a JSON object, got {type(result).__name__}"
    for name, types in RESULT_FIELDS.items():
        value = result.get(name)
        if not isinstance(value, types) or (bool not in types and isinstance(value, bool)):
            return f"field {name!r}: expected {' or '.join(t.__name__ for t in types)}, got {value!r}"
    named = episode_id(result["env"], result["task"], result["seed"])
    if result["episode"] != named:
        return f"field 'episode' is {result['episode']!r}, but env/task/seed name {named!r}"
    if folder_id is not None and result["episode"] != folder_id:
        return f"field 'episode' is {result['episode']!r}, but the file lies in {EPISODES_DIR}/{folder_id}"
    return None


def normalize_result(result: dict[str, Any]) -> dict[str, Any]:
    """A result as the current format has it: format-1 names renamed, optional fields filled in."""
    if "reviews" not in result and "audits" in result:
        result["reviews"] = result.pop("audits")
    for name, default in _RESULT_DEFAULTS.items():
        if result.get(name) is None:
            result[name] = list(default) if isinstance(default, list) else default
    fault = result["fault"]
    if isinstance(fault, dict) and "detail" not in fault and "message" in fault:
        result["fault"] = {**{k: v for k, v in fault.items() if k != "message"}, "detail": fault["message"]}
    elif fault is not None and not isinstance(fault, dict):
        result["fault"] = {"kind": "unknown", "detail": str(fault)}
    error = result["error"]
    if error is not None and not isinstance(error, dict):
        result["error"] = {"type": "Error", "message": str(error), "traceback": ""}
    return result


def read_steps(path: Path) -> list[dict[str, Any]]:
    """The readable steps of ``steps.jsonl`` (see the module docstring): up to the first line that is not the
    next step's JSON object; blank lines are skipped. A missing file has no steps."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    steps: list[dict[str, Any]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            break
        if (not isinstance(record, dict) or any(not isinstance(record.get(k), t) for k, t in STEP_FIELDS.items())
                or isinstance(record["step"], bool) or record["step"] != len(steps) + 1):
            break
        steps.append(record)
    return steps


LIVE_FIELDS: dict[str, type] = {"episode": str, "display": str, "pid": int, "pid_start": str}
"""The fields a live.json must have (with ``instruction`` and ``started``, optional)."""


def write_live(folder: Path, episode: str, display: str, instruction: str = "") -> None:
    """Record, in a running episode's folder, which display it runs on (this process is its worker)."""
    pid = os.getpid()
    write_json(Path(folder) / LIVE_FILE, {"episode": episode, "display": display, "pid": pid,
                                          "pid_start": process_start(pid), "instruction": instruction})


def clear_live(folder: Path) -> None:
    (Path(folder) / LIVE_FILE).unlink(missing_ok=True)


@dataclass
class EpisodeRecord:
    """One finished episode of a run: its folder, result (normalized), steps, frames and video."""

    folder: Path
    result: dict[str, Any]

    @property
    def id(self) -> str:
        return self.result["episode"]

    @cached_property
    def steps(self) -> list[dict[str, Any]]:
        return read_steps(self.folder / STEPS_FILE)

    def frame(self, index: int) -> Path | None:
        """The PNG of the screen after step ``index`` (0: after reset), or None if it was not recorded."""
        path = self.folder / frame_name(index)
        return path if path.is_file() else None

    @cached_property
    def frames(self) -> list[Path | None]:
        """Frames 0 .. len(steps): the screen after reset and after each readable step (None where missing)."""
        return [self.frame(i) for i in range(len(self.steps) + 1)]

    @property
    def video(self) -> Path | None:
        path = self.folder / VIDEO_FILE
        return path if path.is_file() else None

    @property
    def complete(self) -> bool:
        """Every step the result counts is readable and every frame is there (a whole recording)."""
        return len(self.steps) == self.result["steps"] and all(f is not None for f in self.frames)


class RunFolder:
    """A run folder (docs/run-format.md): the one reader of ``run.json`` and the episodes, and the writer."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.problems: list[str] = []  # result.json files read as absent by the last episodes(): "<path>: why"

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    # --- paths ---------------------------------------------------------------------------------------

    @property
    def run_file(self) -> Path:
        return self.path / RUN_FILE

    @property
    def summary_file(self) -> Path:
        return self.path / SUMMARY_FILE

    def episode_folder(self, episode: str) -> Path:
        """``episodes/<software>.<task>/seed-<seed>`` of an episode id (ValueError for anything else)."""
        if not isinstance(episode, str) or not EPISODE_ID.fullmatch(episode):
            raise ValueError(f"not an episode id ('<software>.<task>/seed-<seed>'): {episode!r}")
        return self.path / EPISODES_DIR / episode

    def exists(self) -> bool:
        """Whether the folder holds a run.json (readable or not)."""
        return self.run_file.is_file()

    # --- reading -------------------------------------------------------------------------------------

    @cached_property
    def meta(self) -> dict[str, Any]:
        """run.json, validated and normalized to the current format (RunFormatError if it cannot be read)."""
        path = self.run_file
        try:
            meta = _read_object(path)
        except FileNotFoundError:
            raise RunFormatError(f"{self.path} is not a run folder (no {RUN_FILE}); "
                                 "pass folders written by gym-anything eval") from None
        except (OSError, ValueError) as exc:
            raise RunFormatError(f"{path}: not a JSON object ({exc})") from None
        version = meta.get("format")
        if version not in READABLE_FORMATS or isinstance(version, bool):
            raise RunFormatError(f"{path}: field 'format': expected "
                                 f"{' or '.join(map(str, READABLE_FORMATS))} (a run format this version reads), "
                                 f"got {version!r}")
        if not isinstance(meta.get("suite"), str) or not meta["suite"]:
            raise RunFormatError(f"{path}: field 'suite': expected the suite's name, got {meta.get('suite')!r}")
        if not isinstance(meta.get("suite_version"), int) or isinstance(meta.get("suite_version"), bool):
            raise RunFormatError(f"{path}: field 'suite_version': expected an integer, "
                                 f"got {meta.get('suite_version')!r}")
        if "reviewer" not in meta and "audit_judge" in meta:
            meta["reviewer"] = meta.pop("audit_judge")
        planned = meta.get("planned")
        if planned is not None and not (isinstance(planned, list) and all(isinstance(p, str) for p in planned)):
            raise RunFormatError(f"{path}: field 'planned': expected a list of episode ids, got {planned!r}")
        return meta

    @property
    def format(self) -> int:
        return int(self.meta["format"])

    @property
    def name(self) -> str:
        return str(self.meta.get("name") or self.path.name or self.path.resolve().name)

    def results(self) -> list[dict[str, Any]]:
        """Every readable result.json, normalized, sorted by episode id; the unreadable ones go to ``problems``."""
        return [e.result for e in self.episodes()]

    def episodes(self) -> Iterator[EpisodeRecord]:
        """The finished episodes (readable result.json), sorted by id; fills ``problems`` as it goes."""
        self.problems = []
        for path in sorted((self.path / EPISODES_DIR).glob(f"*/seed-*/{RESULT_FILE}")):
            folder = path.parent
            folder_id = f"{folder.parent.name}/{folder.name}"
            where = path.relative_to(self.path).as_posix()  # relative: the leaderboard shows these
            try:
                result = _read_object(path)
            except (OSError, ValueError) as exc:
                self.problems.append(f"{where}: {exc}")
                continue
            problem = result_problem(result, folder_id)
            if problem is not None:
                self.problems.append(f"{where}: {problem}")
                continue
            yield EpisodeRecord(folder, normalize_result(result))

    def live(self) -> list[dict[str, Any]]:
        """The episodes running now (their live.json, sorted by id): those whose worker process is alive and whose
        result is not written yet. A live.json left by a worker that died is ignored."""
        found = []
        for path in sorted((self.path / EPISODES_DIR).glob(f"*/seed-*/{LIVE_FILE}")):
            folder = path.parent
            try:
                record = _read_object(path)
            except (OSError, ValueError):
                continue  # being replaced, or torn
            if any(not isinstance(record.get(k), t) or isinstance(record.get(k), bool) for k, t in LIVE_FIELDS.items()):
                continue
            if record["episode"] != f"{folder.parent.name}/{folder.name}" or (folder / RESULT_FILE).exists():
                continue
            if process_start(record["pid"]) != record["pid_start"]:
                continue
            found.append(record)
        return found

    @property
    def planned(self) -> list[str]:
        """The episode ids this run was asked for (over every resume); [] for a format-1 run."""
        return list(self.meta.get("planned") or [])

    def total(self, results: list[dict[str, Any]] | None = None) -> int:
        """How many episodes the run has: planned or finished (a format-1 run: what its summary.json says)."""
        results = self.results() if results is None else results
        total = len(set(self.planned) | {r["episode"] for r in results})
        if self.meta.get("planned") is None:
            try:
                total = max(total, int(_read_object(self.summary_file).get("episodes") or 0))
            except (OSError, ValueError, TypeError):
                pass  # no or a torn summary: the results are the truth
        return total

    def summary(self, results: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The run's statistics, computed from its results (what summary.json holds when the run is current)."""
        from .stats import summarize

        results = self.results() if results is None else results
        return summarize(self.meta, results, self.total(results))

    # --- writing -------------------------------------------------------------------------------------

    def write_meta(self, meta: dict[str, Any]) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        write_json(self.run_file, meta)
        self.__dict__.pop("meta", None)  # read again on next use

    def write_result(self, result: dict[str, Any]) -> Path:
        """Write an episode's result.json (into the folder its ``episode`` id names); returns its path."""
        folder = self.episode_folder(result["episode"])
        folder.mkdir(parents=True, exist_ok=True)
        write_json(folder / RESULT_FILE, result)
        return folder / RESULT_FILE

    def write_summary(self, summary: dict[str, Any]) -> None:
        write_json(self.summary_file, summary)


def find_runs(root: str | Path) -> list[Path]:
    """Folders holding a run.json under ``root`` (``root`` itself may be one), sorted; symlinks are followed,
    once each, and a run's own insides are not searched."""
    found, seen = [], set()
    for folder, subfolders, files in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen or RUN_FILE in files:
            subfolders.clear()
        if real not in seen and RUN_FILE in files:
            found.append(Path(folder))
        seen.add(real)
    return sorted(found)
