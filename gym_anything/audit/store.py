"""The audit records: what a task's files are (its digest), the stored result of its last audit, and the warning
for a task whose current files have no passing audit."""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..specs.model import SoftwareSpec, TaskSpec

CHECKS_VERSION = 2  # raised when the audit gains a check: a stored audit from before no longer counts


class UnauditedTaskWarning(UserWarning):
    """The task's files have no passing audit (edited since, or never audited)."""


@dataclass
class Check:
    name: str
    passed: bool
    detail: str = ""


@dataclass
class TaskAudit:
    task: str
    digest: str
    seeds: list[int]
    checks_version: int = CHECKS_VERSION
    passed: bool = False
    date: str = ""
    wall_time: float = 0.0
    checks: list[Check] = field(default_factory=list)

    def add(self, name: str, passed: bool, detail: str = "") -> bool:
        self.checks.append(Check(name, bool(passed), detail))
        return bool(passed)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# --- digests and the audit store ---------------------------------------------------------------------


def task_files(env: SoftwareSpec, task: TaskSpec) -> list[Path]:
    """The files whose contents define a task: its spec, the env spec, its code and the HOME template."""
    files = {env.folder / "env.yaml", task.file, task.verifier.file, task.oracle.file}
    if task.setup is not None:
        files.add(task.setup.file)
    if env.home_template is not None:
        files.update(p for p in env.home_template.rglob("*") if p.is_file())
    return sorted(files)


def task_digest(env: SoftwareSpec, task: TaskSpec) -> str:
    sha = hashlib.sha256()
    for path in task_files(env, task):
        sha.update(str(path.relative_to(env.root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return "sha256:" + sha.hexdigest()


def audit_path(env: SoftwareSpec, task: TaskSpec) -> Path:
    return env.root / "audits" / env.id / f"{task.id}.json"


def stored_audit(env: SoftwareSpec, task: TaskSpec) -> dict[str, Any] | None:
    try:
        return json.loads(audit_path(env, task).read_text())
    except (OSError, ValueError):
        return None


def is_audited(env: SoftwareSpec, task: TaskSpec) -> bool:
    """True when a passing audit by the current checks is stored for the task's current digest."""
    record = stored_audit(env, task)
    return bool(record and record.get("passed") and record.get("digest") == task_digest(env, task)
                and record.get("checks_version", 1) >= CHECKS_VERSION)


def store(env: SoftwareSpec, task: TaskSpec, audit: TaskAudit) -> Path:
    path = audit_path(env, task)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {k: v for k, v in audit.to_json().items() if k != "wall_time"} | {"wall_time": round(audit.wall_time, 1)}
    path.write_text(json.dumps(record, indent=2, default=str) + "\n")
    return path


_warned: set[str] = set()


def warn_if_unaudited(env: SoftwareSpec, task: TaskSpec) -> None:
    if task.gym_id not in _warned and not is_audited(env, task):
        _warned.add(task.gym_id)
        warnings.warn(f"{task.gym_id} has no passing audit for its current files; run "
                      f"'gym-anything audit --task {env.id}.{task.id}'", UnauditedTaskWarning, stacklevel=3)
