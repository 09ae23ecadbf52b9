"""The audit records: what a task is (its digest), the stored result of its last audit with the digest each of its
versions names, and the warning for a task whose current files have no passing audit.

The digest hashes a canonical form of the task, independent of where its files sit: the task's resolved spec
fields (no file paths; its code as role -> function name), the software's env.yaml fields, the contents of the
code files the task's setup/verifier/oracle point at (keyed by role) and the HOME template's files (keyed by
their path inside the template). Moving a file, or dropping a reference the convention gives, keeps the digest;
editing code, spec values or the HOME template changes it. Versions are not part of it: the digest is what a
version names.

Versions are honest ids: a record keeps ``versions: {"<version>": "<digest>"}`` for every version that passed an
audit; storing a passing audit whose digest differs from the one already recorded for the task's version is
refused (:class:`VersionNotBumpedError`). Any change of a task's digest needs that task's ``version:`` bumped,
whatever caused it: its own file, its code (a shared verifier.py edit changes every task using that file), the
software's env.yaml or HOME template (then every task of the software gets a new version).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SpecError
from .model import ROLES, SoftwareSpec, TaskSpec

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
    files = {env.folder / "env.yaml", task.file, *(ref.file for ref in _code(task).values())}
    if env.home_template is not None:
        files.update(p for p in env.home_template.rglob("*") if p.is_file())
    return sorted(files)


SOFTWARE_NOT_HASHED = {"folder", "root", "tasks", "home_template", "legacy", "version"}  # paths, or hashed apart
TASK_NOT_HASHED = {"file", "version", *ROLES}  # the path; the version names the digest; the code by role below


def _code(task: TaskSpec) -> dict:
    return {role: ref for role in ROLES if (ref := getattr(task, role)) is not None}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def task_canonical(env: SoftwareSpec, task: TaskSpec) -> dict[str, Any]:
    """What the digest hashes: the task's and software's spec values, its code and HOME template, without paths."""
    def values(spec: Any, skip: set[str]) -> dict[str, Any]:
        return {f.name: _plain(getattr(spec, f.name)) for f in dataclasses.fields(spec) if f.name not in skip}

    code = _code(task)
    home = {}
    if env.home_template is not None:
        home = {p.relative_to(env.home_template).as_posix(): _sha(p.read_bytes())
                for p in sorted(env.home_template.rglob("*")) if p.is_file()}
    return {"task": values(task, TASK_NOT_HASHED) | {"code": {role: ref.function for role, ref in code.items()}},
            "software": values(env, SOFTWARE_NOT_HASHED) | {"home_template": env.home_template is not None},
            "code": {role: _sha(ref.file.read_bytes()) for role, ref in code.items()},
            "home": home}


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def task_digest(env: SoftwareSpec, task: TaskSpec) -> str:
    body = json.dumps(task_canonical(env, task), sort_keys=True, ensure_ascii=False, default=str)
    return "sha256:" + _sha(body.encode())


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


class VersionNotBumpedError(SpecError):
    """A passing audit's digest differs from the digest the task's version was audited with: bump ``version:``."""


def recorded_versions(record: dict[str, Any] | None) -> dict[str, str]:
    """The ``versions`` history of a stored record: version (as a string) -> the digest it names."""
    versions = (record or {}).get("versions")
    return {str(k): str(v) for k, v in versions.items()} if isinstance(versions, dict) else {}


def store(env: SoftwareSpec, task: TaskSpec, audit: TaskAudit) -> Path:
    """Record ``audit`` in ``audits/<software>/<task>.json``, keeping the record's ``versions`` history.

    A passing audit adds ``version -> digest``; if the version already names another digest the record is left
    as it is and :class:`VersionNotBumpedError` tells to bump the task's ``version:``.
    """
    path = audit_path(env, task)
    versions = recorded_versions(stored_audit(env, task))
    version = str(task.version)
    if audit.passed:
        if versions.get(version, audit.digest) != audit.digest:
            raise VersionNotBumpedError(
                task.file, "version",
                f"a new version: {task.gym_id} was audited with digest {versions[version]}, its files now give "
                f"{audit.digest}; bump 'version:' in {task.file.name} (every change of a task's digest needs "
                f"one, also a change of its code, the env.yaml or the HOME template), then audit again",
                task.version)
        versions[version] = audit.digest
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {k: v for k, v in audit.to_json().items() if k != "wall_time"} | {"wall_time": round(audit.wall_time, 1)}
    record["versions"] = dict(sorted(versions.items(), key=lambda item: (len(item[0]), item[0])))
    path.write_text(json.dumps(record, indent=2, default=str) + "\n")
    return path


_warned: set[str] = set()


def warn_if_unaudited(env: SoftwareSpec, task: TaskSpec) -> None:
    if task.gym_id not in _warned and not is_audited(env, task):
        _warned.add(task.gym_id)
        warnings.warn(f"{task.gym_id} has no passing audit for its current files; run "
                      f"'gym-anything audit --task {env.id}.{task.id}'", UnauditedTaskWarning, stacklevel=3)
