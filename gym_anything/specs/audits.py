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

import ast
import dataclasses
import hashlib
import json
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SpecError
from .model import ROLES, SoftwareSpec, TaskSpec

CHECKS_VERSION = 3  # raised when the audit gains a check: a stored audit from before no longer counts


class UnauditedTaskWarning(UserWarning):
    """The task's files have no passing audit (edited since, or never audited)."""


@dataclass
class Check:
    name: str
    passed: bool
    detail: str = ""
    evidence: list[str] = field(default_factory=list)  # folders with a failed check's frames, actions, results


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
    mutation: dict[str, Any] | None = None  # the mutation test: mutants run, equivalent, killed, survived
    evidence_dir: str | None = None  # where a failed audit's evidence is
    labelled: dict[str, Any] = field(default_factory=dict)  # labelled trajectories and their files (stored apart)

    def add(self, name: str, passed: bool, detail: str = "", evidence: list[str] | None = None) -> bool:
        self.checks.append(Check(name, bool(passed), detail, list(evidence or [])))
        return bool(passed)

    def to_json(self) -> dict[str, Any]:
        """The record (without the labelled trajectories, which :func:`store` writes to their own file)."""
        return {k: v for k, v in asdict(self).items() if k != "labelled"}


# --- digests and the audit store ---------------------------------------------------------------------


DIGEST_FORMAT = 2  # 2: the digest covers the modules the task's code imports (format 1 did not)
PACKAGE_DIR = Path(__file__).resolve().parent.parent
SHARED_HELPERS = PACKAGE_DIR / "authoring"  # the package's helpers for task code: part of every digest that uses them


def imported_files(env: SoftwareSpec, task: TaskSpec) -> dict[str, Path]:
    """The modules the task's setup, verifier and oracle import, transitively: helper modules beside them or
    elsewhere in the data root, and the package's authoring helpers, keyed by a path that does not depend on
    where the root sits (``root/...`` or ``gym_anything/authoring/...``). Other imports (the standard library,
    numpy, the rest of gym_anything) are not part of a task."""
    found: dict[str, Path] = {}
    code = {ref.file.resolve() for ref in _code(task).values()}
    todo = list(code)
    seen = set(todo)
    while todo:
        path = todo.pop()
        for target in _imports_of(path, env.root.resolve()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
                if target not in code:
                    found[_module_key(target, env.root.resolve())] = target
    return dict(sorted(found.items()))


def _module_key(path: Path, root: Path) -> str:
    if path.is_relative_to(PACKAGE_DIR):
        return "gym_anything/" + path.relative_to(PACKAGE_DIR).as_posix()
    return "root/" + path.relative_to(root).as_posix()


def _part_of_tasks(path: Path, root: Path) -> bool:
    """A module of the data root (not the package, even where the package sits in the root) or a shared helper."""
    return path.is_relative_to(SHARED_HELPERS) or (path.is_relative_to(root) and not path.is_relative_to(PACKAGE_DIR))


def _module_file(base: Path, parts: list[str]) -> list[Path]:
    """The files a dotted name under ``base`` can be: ``a/b.py``, ``a/b/__init__.py`` (and each parent package)."""
    files = []
    for end in range(1, len(parts) + 1):
        stem = base.joinpath(*parts[:end])
        for candidate in (stem.with_suffix(".py"), stem / "__init__.py"):
            if candidate.is_file():
                files.append(candidate.resolve())
    return files


def _imports_of(path: Path, root: Path) -> list[Path]:
    """The files inside the data root or the authoring helpers that one module imports."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return []  # a module that does not parse fails the audit's lint; its bytes are in the digest anyway
    targets: list[Path] = []

    def absolute(name: str) -> None:
        parts = name.split(".")
        if parts[0] == PACKAGE_DIR.name:
            targets.extend(_module_file(PACKAGE_DIR.parent, parts))
        else:
            targets.extend(_module_file(root, parts))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                absolute(alias.name)
        elif isinstance(node, ast.ImportFrom):
            names = [alias.name for alias in node.names if alias.name != "*"]
            if node.level == 0 and node.module:
                absolute(node.module)
                for name in names:
                    absolute(f"{node.module}.{name}")
            elif node.level:
                base = path.parent
                for _ in range(node.level - 1):
                    base = base.parent
                parts = node.module.split(".") if node.module else []
                targets.extend(_module_file(base, parts) if parts else [])
                for name in names:
                    targets.extend(_module_file(base, [*parts, name]))
    return [t for t in targets if _part_of_tasks(t, root)]


def task_files(env: SoftwareSpec, task: TaskSpec) -> list[Path]:
    """The files whose contents define a task: its spec, the env spec, its code (with the modules it imports) and
    the HOME template."""
    files = {env.folder / "env.yaml", task.file, *(ref.file for ref in _code(task).values()),
             *imported_files(env, task).values()}
    if env.home_template is not None:
        files.update(p for p in env.home_template.rglob("*") if p.is_file())
    return sorted(files)


SOFTWARE_NOT_HASHED = {"folder", "root", "tasks", "home_template", "legacy", "version"}  # paths, or hashed apart
TASK_NOT_HASHED = {"file", "version", *ROLES}  # the path; the version names the digest; the code by role below
# Spec fields added after digests were recorded, with their defaults: hashed only when set, so a software that does
# not use one keeps its digests (and its audits).
HASHED_WHEN_SET = {("ready", "first_paint"): 0.0, ("home_build",): None}


def _code(task: TaskSpec) -> dict:
    return {role: ref for role in ROLES if (ref := getattr(task, role)) is not None}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def task_canonical(env: SoftwareSpec, task: TaskSpec) -> dict[str, Any]:
    """What the digest hashes: the task's and software's spec values, its code and HOME template, without paths."""
    def values(spec: Any, skip: set[str]) -> dict[str, Any]:
        return {f.name: _plain(getattr(spec, f.name)) for f in dataclasses.fields(spec) if f.name not in skip}

    code = _code(task)
    home = template_hashes(env)
    return {"task": values(task, TASK_NOT_HASHED) | {"code": {role: ref.function for role, ref in code.items()}},
            "software": _unset_dropped(values(env, SOFTWARE_NOT_HASHED))
            | {"home_template": env.home_template is not None},
            "code": {role: _sha(ref.file.read_bytes()) for role, ref in code.items()},
            "imports": {key: _sha(path.read_bytes()) for key, path in imported_files(env, task).items()},
            "home": home}


def template_hashes(env: SoftwareSpec) -> dict[str, str]:
    """Each file of the HOME template (by its path inside the template) and the sha256 of its contents."""
    template = env.home_template
    if template is None:
        return {}
    return {p.relative_to(template).as_posix(): _sha(p.read_bytes()) for p in sorted(template.rglob("*"))
            if p.is_file()}


def _unset_dropped(software: dict[str, Any]) -> dict[str, Any]:
    for key, default in HASHED_WHEN_SET.items():
        if len(key) == 1:
            if key[0] in software and software[key[0]] == default:
                del software[key[0]]
            continue
        group, name = key
        if isinstance(software.get(group), dict) and software[group].get(name) == default:
            software[group] = {k: v for k, v in software[group].items() if k != name}
    return software


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
    """The ``versions`` history of a stored record: version (as a string) -> the digest it names.

    Digests computed by an older :data:`DIGEST_FORMAT` cannot be compared with today's: such a history counts
    as empty (the next passing audit starts it again)."""
    if (record or {}).get("digest_format", 1) != DIGEST_FORMAT:
        return {}
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
    record["digest_format"] = DIGEST_FORMAT
    path.write_text(json.dumps(record, indent=2, default=str) + "\n")
    if audit.passed and audit.labelled:
        labelled = labelled_path(env, task, task.version)
        labelled.parent.mkdir(parents=True, exist_ok=True)
        labelled.write_text(json.dumps({"task": task.gym_id, "version": task.version, "digest": audit.digest,
                                        "checks_version": audit.checks_version, "date": audit.date,
                                        **audit.labelled}, indent=0, default=str) + "\n")
    return path


def labelled_path(env: SoftwareSpec, task: TaskSpec, version: int) -> Path:
    """The labelled trajectories of one audited version: ``audits/<software>/labelled/<task>.v<version>.json``."""
    return env.root / "audits" / env.id / "labelled" / f"{task.id}.v{version}.json"


_warned: set[str] = set()


def warn_if_unaudited(env: SoftwareSpec, task: TaskSpec) -> None:
    if task.gym_id not in _warned and not is_audited(env, task):
        _warned.add(task.gym_id)
        warnings.warn(f"{task.gym_id} has no passing audit for its current files; run "
                      f"'gym-anything audit --task {env.id}.{task.id}'", UnauditedTaskWarning, stacklevel=3)
