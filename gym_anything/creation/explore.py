"""``gym-anything create explore``: run a list of actions on a software's fresh instance and write what happened.

The eyes and hands of whoever creates an env (the creation agent or a contributor). :func:`explore` starts one
instance, a task's (its setup run for the seed, as ``env.reset(seed, options={"task": ...})`` would) or, without
a task, the app alone on a HOME copied from the template (so a freshly scaffolded software with no task works),
runs the actions and writes into ``out/``::

    frames/NNNN.png   the screen after each step (0000: after the reset)
    steps.jsonl       one line per step (step 0: the reset): the action in JSON and code form, step and settle
                      time, the windows (title, class, geometry), the pointer, the fault if any
    ocr/NNNN.json     the words tesseract reads on frame NNNN: text, box in screen pixels, confidence, line
    summary.json      software, task, seed, timings (reset, per-step p50/max, OCR, total), where it stopped
    home/             with ``keep_home``: the episode's HOME as the app left it (the settings it wrote)

Actions are the forms agents use: JSON (``actions.to_json``) or pyautogui-style text (``agents.parsing``), one
line at a time. Every action is checked before the app starts: a bad one is an :class:`ExploreError` naming its
step. A fault (the app exited, the display died) or DONE ends the run; DONE on a task runs its verifier.
OCR runs after the app has stopped, so it does not slow the steps it measures. :func:`find_text` answers "where
is the OK button": the boxes (and centres, to click) of a text in those OCR files.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from gymnasium.utils import seeding
from PIL import Image

from .. import actions as A
from ..agents.parsing import parse_actions
from ..authoring.contexts import VerifyContext
from ..core.episodes import Instance, draw, fresh_episode, new_instance, wait_until_files_settle
from ..errors import GymAnythingError, RuntimeFault
from ..runtime import RUNNERS, make_runner
from ..runtime.base import Runner
from ..runtime.sandbox import require_launchable
from ..specs.loader import load_env
from ..specs.model import ID_PATTERN, SoftwareSpec, TaskSpec
from ..specs.paths import data_roots, hidden_from_apps
from ..verification import run_verifier
from ..verification.ocr import OCRUnavailable, read_words

OUTPUTS = ("frames", "ocr", "steps.jsonl", "summary.json", "home")  # what a run writes (and a re-run replaces)


class ExploreError(GymAnythingError, ValueError):
    """explore cannot run: an unknown software or task, or a bad action (the message names its step)."""


@dataclass
class ExploreResult:
    """What :func:`explore` wrote: the folder, one record per step (as in steps.jsonl) and the summary."""

    out: Path
    steps: list[dict[str, Any]]
    summary: dict[str, Any]
    frames: list[Path] = field(default_factory=list)

    def find(self, text: str, frame: int | None = None) -> list[dict[str, Any]]:
        """Where ``text`` is on the frames (see :func:`find_text`)."""
        return find_text(self.out, text, frame)


# --- what to run --------------------------------------------------------------------------------------


def load_software(software: str | SoftwareSpec, root: Path | str | None = None) -> SoftwareSpec:
    """A software by id from ``root`` (or the data roots), tasks optional; a SoftwareSpec as it is."""
    if isinstance(software, SoftwareSpec):
        return software
    if not isinstance(software, str) or not ID_PATTERN.match(software):
        raise ExploreError(f"a software id is lower case letters, digits and '-', got {software!r}")
    roots = [Path(root)] if root is not None else data_roots()
    for base in roots:
        folder = base / "envs" / software
        if (folder / "env.yaml").is_file():
            return load_env(folder, base)
    known = sorted({p.parent.name for base in roots for p in (base / "envs").glob("*/env.yaml")})
    raise ExploreError(f"no software {software!r} under {', '.join(str(r) for r in roots)}; known: {known}")


def read_actions(actions: str | Sequence[dict[str, Any] | str], width: int = 1280,
                 height: int = 720) -> list[dict[str, Any]]:
    """Validated actions from JSON forms, action dicts or pyautogui-style text (a string: one call per line;
    blank lines and ``#`` comments are skipped). Raises :class:`ExploreError` naming the step and its source."""
    if isinstance(actions, str):
        items: list[tuple[str, dict[str, Any] | str]] = [
            (f"line {n}", line) for n, line in enumerate(actions.splitlines(), 1)
            if line.strip() and not line.lstrip().startswith("#")]
    elif isinstance(actions, Sequence):
        items = [(f"actions[{i}]", item) for i, item in enumerate(actions)]
    else:
        raise ExploreError(f"actions must be a list (JSON actions or code lines) or text, got {type(actions).__name__}")
    out: list[dict[str, Any]] = []
    pointer: tuple[int, int] | None = None
    for where, item in items:
        label = f"step {len(out) + 1} ({where})"
        try:
            if isinstance(item, str):
                parsed = parse_actions(item, width, height, pointer)
            elif isinstance(item, dict):
                parsed = [A.from_json(item) if isinstance(item.get("type"), str) else item]
            else:
                raise ExploreError(f"an action is a JSON object or a line of code, got {type(item).__name__}")
            checked = [A.validate(action, width, height) for action in parsed]
        except (GymAnythingError, TypeError, ValueError) as exc:
            raise ExploreError(f"{label}: {_short(item)}: {exc}") from None
        for action in checked:
            fields = A.ACTION_KINDS[action["type"]].fields
            if "x" in fields:
                pointer = (action["x2"], action["y2"]) if "x2" in fields else (action["x"], action["y"])
        out.extend(checked)
    return out


def _short(item: Any, limit: int = 100) -> str:
    text = item if isinstance(item, str) else json.dumps(item, default=str)
    return repr(text if len(text) <= limit else text[:limit] + "...")


# --- the run ------------------------------------------------------------------------------------------


def explore(software: str | SoftwareSpec, actions: str | Sequence[dict[str, Any] | str], out: Path | str,
            task: str | None = None, seed: int = 0, root: Path | str | None = None, runner: str = "local",
            ocr: bool = True, keep_home: bool = False) -> ExploreResult:
    """Run ``actions`` on a fresh instance of ``software`` (``task``'s for ``seed``, or the app alone) and write
    frames, steps.jsonl, OCR words and summary.json into ``out`` (earlier outputs there are replaced);
    ``keep_home``: also a copy of the episode's HOME as the app left it, in ``out/home`` (settings it wrote)."""
    started = time.perf_counter()
    spec = load_software(software, root)
    task_spec = _task(spec, task)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ExploreError(f"seed must be a non-negative integer, got {seed!r}")
    if runner not in RUNNERS:
        raise ExploreError(f"runner must be one of {sorted(RUNNERS)}, got {runner!r}")
    planned = read_actions(actions, *spec.resolution)  # every action checked before the app starts
    if runner == "local":
        require_launchable(spec)
    out = Path(out)
    _clear(out)
    (out / "frames").mkdir(parents=True)
    summary: dict[str, Any] = {"software": spec.id, "task": task_spec.id if task_spec else None, "seed": seed,
                               "runner": runner, "actions": len(planned)}
    steps: list[dict[str, Any]] = []
    frames: list[Path] = []
    run = make_runner(runner, spec, hidden_from_apps())
    try:
        with (out / "steps.jsonl").open("w", encoding="utf-8") as log:
            def record(entry: dict[str, Any], frame: np.ndarray | None) -> None:
                if frame is not None:
                    path = out / "frames" / f"{entry['step']:04d}.png"
                    Image.fromarray(frame).save(path, compress_level=1)
                    frames.append(path)
                    entry["frame"] = str(path.relative_to(out))
                steps.append(entry)
                log.write(json.dumps(entry, default=str) + "\n")
                log.flush()

            home, instance, frame = _reset(run, spec, task_spec, seed, summary, record)
            if frame is not None:
                summary["stopped"] = _steps(run, spec, instance, planned, frame, record)
            else:
                summary["stopped"] = {"step": 0, "reason": "fault", "fault": steps[0].get("fault")}
        if keep_home:
            run.stop_app()  # so it has written what it writes on exit
            try:
                shutil.copytree(home, out / "home", symlinks=True)
            except OSError as exc:  # e.g. a file the sandbox account made unreadable
                summary["keep_home_error"] = str(exc)
    finally:
        run.close()
    ocr_times = _ocr(out, frames, summary) if ocr else []
    step_times = [s["step_time"] for s in steps[1:] if "settle_time" in s]  # performed and settled (not DONE)
    settle_times = [s["settle_time"] for s in steps[1:] if "settle_time" in s]
    summary["steps"] = len(steps) - 1
    summary["timings"] = {"reset": steps[0].get("reset_time"), "step": _spread(step_times),
                          "settle": _spread(settle_times), "ocr": round(sum(ocr_times), 3),
                          "ocr_per_frame_max": round(max(ocr_times), 3) if ocr_times else None,
                          "total": round(time.perf_counter() - started, 3)}
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    return ExploreResult(out, steps, summary, frames)


def _task(spec: SoftwareSpec, task: str | None) -> TaskSpec | None:
    if task is None:
        return None
    if task not in spec.tasks:
        raise ExploreError(f"unknown task {task!r} for {spec.id}; known: {sorted(spec.tasks)}")
    return spec.tasks[task]


def _clear(out: Path) -> None:
    for name in OUTPUTS:
        path = out / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def _reset(run: Runner, spec: SoftwareSpec, task: TaskSpec | None, seed: int, summary: dict[str, Any],
           record: Any) -> tuple[Path, Instance | None, np.ndarray | None]:
    """The instance started (a task's for ``seed``, as ``env.reset`` draws it, or the app alone): its HOME, the
    instance (None without a task) and the first frame (None after a fault); step 0 recorded."""
    t = time.perf_counter()
    instance = None
    if task is not None:
        rng, _ = seeding.np_random(seed)
        _, instance_seed = draw([task], rng, None)
        try:
            instance = new_instance(run, spec, task, instance_seed)
        except GymAnythingError:
            raise
        except Exception as exc:  # noqa: BLE001 - task code under development: say where it failed
            raise ExploreError(f"the setup of {spec.id}.{task.id} (seed {seed}) raised {type(exc).__name__}: "
                               f"{exc}") from exc
        home, args = instance.home, instance.args
        summary.update(instance_seed=instance_seed, instruction=instance.instruction, values=instance.values)
    else:
        home, args = fresh_episode(run, spec).home, []
    entry: dict[str, Any] = {"step": 0, "action": None, "code": None}
    try:
        settled = run.launch(home, args)
        entry.update(reset_time=round(time.perf_counter() - t, 4), settle_time=round(settled.seconds, 4),
                     settled=settled.stable, pointer=list(run.pointer()),
                     windows=[w.to_json() for w in run.windows()], fault=None)
    except RuntimeFault as exc:
        entry.update(reset_time=round(time.perf_counter() - t, 4), fault={"kind": exc.kind, "detail": exc.detail})
        frame = None
        with contextlib.suppress(RuntimeFault):  # app_not_ready: what did open (e.g. a window of another class)
            entry["windows"] = [w.to_json() for w in run.windows()]
            frame = run.capture()
        record(entry, frame)
        return home, instance, None
    record(entry, settled.frame)
    return home, instance, settled.frame


def _steps(run: Runner, spec: SoftwareSpec, instance: Instance | None, planned: list[dict[str, Any]],
           frame: np.ndarray, record: Any) -> dict[str, Any]:
    """Each action performed and settled, as ``env.step`` does; returns where and why the run stopped."""
    for number, action in enumerate(planned, 1):
        entry: dict[str, Any] = {"step": number, "action": A.to_json(action), "code": A.to_code(action)}
        t = time.perf_counter()
        kind = action["type"]
        if kind is A.ActionType.DONE:
            entry["verifier"] = _verify(run, instance, frame) if instance is not None else None
            entry["step_time"] = round(time.perf_counter() - t, 4)
            record(entry, frame)
            return {"step": number, "reason": "done"}
        try:
            if kind is A.ActionType.WAIT:
                run.wait(action["duration"])
            else:
                run.perform(action)
            settled = run.settle()
            frame = settled.frame
            entry.update(step_time=round(time.perf_counter() - t, 4), settle_time=round(settled.seconds, 4),
                         settled=settled.stable, redraw_time=round(settled.redraw, 4), pointer=list(run.pointer()),
                         windows=[w.to_json() for w in run.windows()], fault=None)
        except RuntimeFault as exc:
            entry.update(step_time=round(time.perf_counter() - t, 4), fault={"kind": exc.kind, "detail": exc.detail})
            record(entry, None)
            return {"step": number, "reason": "fault", "fault": entry["fault"]}
        record(entry, frame)
    return {"step": len(planned), "reason": "end of the actions"}


def _verify(run: Runner, instance: Instance, frame: np.ndarray) -> dict[str, Any]:
    """DONE on a task: its verifier on what the app saved (no checklist judge)."""
    wait_until_files_settle(instance.home, cpu=run.app_cpu_seconds)
    ctx = VerifyContext(params=instance.params, public=instance.public, private=instance.private,
                        home=instance.home, private_dir=instance.private_dir, final_frame=frame)
    return run_verifier(instance.task.verifier, ctx, timeout=instance.task.verifier_timeout).to_info()


def _ocr(out: Path, frames: list[Path], summary: dict[str, Any]) -> list[float]:
    """ocr/NNNN.json for every frame; the seconds each took."""
    (out / "ocr").mkdir(exist_ok=True)
    seconds: list[float] = []
    for path in frames:
        t = time.perf_counter()
        try:
            words = read_words(np.asarray(Image.open(path).convert("RGB")))
        except OCRUnavailable as exc:
            summary["ocr_error"] = str(exc)
            return seconds
        seconds.append(time.perf_counter() - t)
        data = {"frame": int(path.stem), "seconds": round(seconds[-1], 3), "words": [w.to_json() for w in words]}
        (out / "ocr" / f"{path.stem}.json").write_text(json.dumps(data) + "\n", encoding="utf-8")
    return seconds


def _spread(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "p50": None, "max": None}
    return {"n": len(values), "p50": round(statistics.median(values), 4), "max": round(max(values), 4)}


# --- reading it back ----------------------------------------------------------------------------------


def _norm(word: str) -> str:
    return re.sub(r"^\W+|\W+$", "", word.lower())


def find_text(out: Path | str, text: str, frame: int | None = None) -> list[dict[str, Any]]:
    """Where ``text`` was read in an explore folder: one match per occurrence (of every frame, or of ``frame``),
    with the frame number, the words read, the box (``left``, ``top``, ``width``, ``height`` in screen pixels),
    its ``center`` (a point to click) and the lowest word confidence.

    Words match case-insensitively, without punctuation at their ends; several words must be consecutive on one
    line ("Save As").
    """
    wanted = [_norm(w) for w in text.split() if _norm(w)]
    if not wanted:
        raise ExploreError(f"find_text needs a text with a letter or digit, got {text!r}")
    folder = Path(out) / "ocr"
    paths = [folder / f"{frame:04d}.json"] if frame is not None else sorted(folder.glob("*.json"))
    matches = []
    for path in paths:
        if not path.is_file():
            raise ExploreError(f"no OCR of frame {path.stem} in {folder} (run explore with OCR first)")
        words = json.loads(path.read_text(encoding="utf-8"))["words"]
        for i in range(len(words) - len(wanted) + 1):
            group = words[i:i + len(wanted)]
            if any(w["line"] != group[0]["line"] for w in group) or [_norm(w["text"]) for w in group] != wanted:
                continue
            left, top = min(w["left"] for w in group), min(w["top"] for w in group)
            right = max(w["left"] + w["width"] for w in group)
            bottom = max(w["top"] + w["height"] for w in group)
            matches.append({"frame": int(path.stem), "text": " ".join(w["text"] for w in group), "left": left,
                            "top": top, "width": right - left, "height": bottom - top,
                            "center": [(left + right) // 2, (top + bottom) // 2],
                            "conf": min(w["conf"] for w in group)})
    return matches
