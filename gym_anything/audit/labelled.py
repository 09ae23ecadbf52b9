"""The labelled set: every audit's trajectories with a label known by construction, and how well a verifier (or a
checklist judge) agrees with it.

Labels: the oracle's runs are ``pass``; the no-op, the random agent and every mutant that left other outputs than
the oracle are ``fail``. Each audited version keeps its set in ``audits/<software>/labelled/<task>.v<N>.json``: the
trajectories (seed, actions, the verifier's result at audit time, the files the verifier read, by hash) and those
files' bytes (zlib + base64, stored once per content). :func:`verifier_report` re-runs the task's *current*
verifier on the stored files (the instance rebuilt from the seed by the task's setup on the fake runner, no app),
so a changed verifier is measured against ground truth before it is audited; :func:`judge_report` replays each
trajectory on the real app and asks a model to judge it with the task's checklist (or one generic item).
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import actions as A
from ..specs.audits import labelled_path, task_digest
from ..specs.model import ChecklistItem, ChecklistSpec, SoftwareSpec, TaskSpec

GENERIC_CHECKLIST = ChecklistSpec(items=(ChecklistItem(
    "done", "completion", "the task was carried out completely, exactly as the instruction says, and the result "
    "is saved where the instruction says", points=100.0),))


def pack(data: bytes | None, blobs: dict[str, str]) -> str | None:
    """Put ``data`` into ``blobs`` once (by its sha256) and return the hash; None stays None (a missing file)."""
    if data is None:
        return None
    digest = hashlib.sha256(data).hexdigest()
    blobs.setdefault(digest, base64.b64encode(zlib.compress(data, 9)).decode("ascii"))
    return digest


def unpack(digest: str, blobs: dict[str, str]) -> bytes:
    data = zlib.decompress(base64.b64decode(blobs[digest]))
    if hashlib.sha256(data).hexdigest() != digest:
        raise ValueError(f"a stored output does not match its hash {digest}")
    return data


def load_labelled(env: SoftwareSpec, task: TaskSpec) -> dict[str, Any] | None:
    """The labelled set of the task's current version, or None when its audit kept none."""
    try:
        return json.loads(labelled_path(env, task, task.version).read_text())
    except (OSError, ValueError):
        return None


@dataclass
class Agreement:
    """How a verifier or judge agrees with a labelled set."""

    task: str
    judged_by: str  # "verifier" or the model
    positives: int = 0  # trajectories labelled pass
    negatives: int = 0  # labelled fail
    false_positives: list[str] = field(default_factory=list)  # labelled fail, judged pass
    false_negatives: list[str] = field(default_factory=list)  # labelled pass, judged fail
    stale: bool = False  # the set was recorded for another digest of the task (e.g. a verifier being revised)
    errors: list[str] = field(default_factory=list)

    @property
    def false_positive_rate(self) -> float:
        return len(self.false_positives) / self.negatives if self.negatives else 0.0

    @property
    def false_negative_rate(self) -> float:
        return len(self.false_negatives) / self.positives if self.positives else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"task": self.task, "judged_by": self.judged_by, "positives": self.positives,
                "negatives": self.negatives, "false_positives": self.false_positives,
                "false_negatives": self.false_negatives, "false_positive_rate": round(self.false_positive_rate, 4),
                "false_negative_rate": round(self.false_negative_rate, 4), "stale": self.stale,
                "errors": self.errors}


def _tally(agreement: Agreement, trajectory: dict[str, Any], passed: bool) -> None:
    if trajectory["label"] == "pass":
        agreement.positives += 1
        if not passed:
            agreement.false_negatives.append(trajectory["name"])
    else:
        agreement.negatives += 1
        if passed:
            agreement.false_positives.append(trajectory["name"])


def verifier_report(env_spec: SoftwareSpec, task: TaskSpec) -> Agreement | None:
    """The task's current verifier on its labelled set (no app: the fake runner rebuilds each instance)."""
    from ..core.env import GymAnythingEnv

    data = load_labelled(env_spec, task)
    if data is None:
        return None
    agreement = Agreement(task.gym_id, "verifier", stale=data.get("digest") != task_digest(env_spec, task))
    blobs = data.get("blobs", {})
    env = GymAnythingEnv(env_spec, task.id, runner="fake", audit=False)
    try:
        for trajectory in data["trajectories"]:
            env.reset(seed=trajectory["seed"])
            home = env.episode_home
            for name, digest in trajectory["outputs"].items():
                path = home / name
                if digest is None:
                    path.unlink(missing_ok=True)
                else:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(unpack(digest, blobs))
            _, _, _, _, info = env.step(A.done())
            verdict = info.get("verifier") or {}
            error = verdict.get("error") or ""
            if " raised " in error or " exceeded " in error:  # a broken verifier, not a failed gate
                agreement.errors.append(f"{trajectory['name']}: {error}")
            _tally(agreement, trajectory, bool(verdict.get("passed")))
    finally:
        env.close()
    return agreement


def judge_report(env_spec: SoftwareSpec, task: TaskSpec, judge: str, runner: str = "local") -> Agreement | None:
    """A model judging the labelled set: each trajectory replayed (on the real app: ``runner``), its frames judged
    with the task's checklist (or one generic item when it has none); unusable answers count as the judge's
    failures (the checklist fails closed)."""
    from ..core.env import GymAnythingEnv
    from ..models.backends import make_backend, parse_model_spec
    from ..verification.checklist import evaluate_checklist

    data = load_labelled(env_spec, task)
    if data is None:
        return None
    backend = make_backend(judge)
    spec = task.checklist or GENERIC_CHECKLIST
    agreement = Agreement(task.gym_id, parse_model_spec(judge).model or judge,
                          stale=data.get("digest") != task_digest(env_spec, task))
    env = GymAnythingEnv(env_spec, task.id, audit=False, runner=runner)
    try:
        for trajectory in data["trajectories"]:
            obs, info = env.reset(seed=trajectory["seed"])
            frames = [obs]
            for action in trajectory["actions"]:
                obs, _, terminated, truncated, _ = env.step(A.from_json(action))
                frames.append(obs)
                if terminated or truncated:
                    break
            result = evaluate_checklist(spec, info["instruction"], info["params"], env.privileged(),
                                        frames, backend)
            if result.error:
                agreement.errors.append(f"{trajectory['name']}: {result.error}")
            _tally(agreement, trajectory, result.passed)
    finally:
        env.close()
    return agreement


def summary(agreements: list[Agreement]) -> dict[str, Any]:
    """Totals over tasks: trajectories, false positives and negatives, their rates."""
    positives = sum(a.positives for a in agreements)
    negatives = sum(a.negatives for a in agreements)
    fp = sum(len(a.false_positives) for a in agreements)
    fn = sum(len(a.false_negatives) for a in agreements)
    return {"tasks": len(agreements), "positives": positives, "negatives": negatives, "false_positives": fp,
            "false_negatives": fn, "false_positive_rate": round(fp / negatives, 4) if negatives else 0.0,
            "false_negative_rate": round(fn / positives, 4) if positives else 0.0}


def write_report(agreements: list[Agreement], path: Path) -> None:
    path.write_text(json.dumps({"summary": summary(agreements), "tasks": [a.to_json() for a in agreements]},
                               indent=2) + "\n")
