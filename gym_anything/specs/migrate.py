"""``gym-anything migrate ROOT``: convert a data root from the legacy layout to one folder per software.

Legacy layout: ``verifiers/<software>.py`` beside ``envs/``, task references relative to the root
(``verifier: verifiers/<sw>.py:fn``, ``setup: envs/<sw>/setup.py:fn``). New layout: ``envs/<sw>/verifier.py``, task
code by convention (see :mod:`gym_anything.specs.loader`). The migration

* moves ``verifiers/<sw>.py`` to ``envs/<sw>/verifier.py`` (refusing if that file exists) and removes ``verifiers/``;
* rewrites each task's ``setup``/``verifier``/``oracle`` to the new forms, dropping those the convention gives
  (``setup: null`` where a legacy task had no setup but ``setup.py`` defines its conventional function);
* rewrites deprecated imports (``gym_anything.verification`` contexts, ``gym_anything.formats``, ...) in the task
  code to the new module paths.

Everything is planned first and tried on a copy: the copy must load in the new layout with the same functions per
task (and the same digests, unless imports were rewritten) before the root itself is touched.
"""

from __future__ import annotations

import ast
import importlib
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .._moved import MOVED, RENAMED
from ..errors import GymAnythingError, SpecError
from .loader import LegacyLayoutWarning, _load_yaml, is_legacy_root, load_env
from .model import LEGACY_VERIFIERS, REF_PATTERN, ROLES, SoftwareSpec


class MigrationError(GymAnythingError, ValueError):
    """The root cannot be migrated as it is (the message says why and what to do); nothing was changed."""


@dataclass
class Migration:
    """What migrating a root does: paths are relative to the root."""

    root: Path
    moves: list[tuple[str, str]] = field(default_factory=list)
    writes: dict[str, str] = field(default_factory=dict)  # file (after the moves) -> its new text
    remove: list[str] = field(default_factory=list)  # folders removed at the end
    log: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.moves or self.writes or self.remove)


def migrate(root: Path | str, dry_run: bool = False, out: Callable[[str], None] = print) -> Migration:
    """Convert ``root`` (see the module docstring); with ``dry_run`` only print what would be done."""
    root = Path(root).resolve()
    migration = plan(root)
    if migration.empty:
        out(f"{root}: already in the one-folder-per-software layout; nothing to do")
        return migration
    out(f"{root}: legacy layout -> one folder per software (envs/<software>/verifier.py)")
    for line in migration.log:
        out(f"  {line}")
    report = _check(migration)
    for line in report:
        out(f"  {line}")
    if dry_run:
        out("dry run: nothing was changed")
        return migration
    _apply(migration, root)
    out(f"done: {root} is in the one-folder-per-software layout")
    return migration


# --- planning --------------------------------------------------------------------------------------------


def _software(root: Path) -> list[Path]:
    return [f for f in sorted((root / "envs").glob("*/")) if not f.name.startswith((".", "_"))
            and (f / "env.yaml").is_file()]


def _root_relative_refs(folder: Path) -> bool:
    """True if a task file of ``folder`` has a setup/verifier/oracle path relative to the root (legacy)."""
    for task_file in sorted((folder / "tasks").glob("*.yaml")):
        try:
            data = _load_yaml(task_file)
        except SpecError:
            continue
        for role in ROLES:
            value = data.get(role) if isinstance(data, dict) else None
            if isinstance(value, str) and (m := REF_PATTERN.match(value)) and m["path"].startswith(
                    ("envs/", f"{LEGACY_VERIFIERS}/")):
                return True
    return False


def _load_legacy(folder: Path, root: Path) -> SoftwareSpec:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LegacyLayoutWarning)
            return load_env(folder, root, warn=False, legacy=True)
    except SpecError as exc:
        raise MigrationError(f"{folder.name} does not load in the legacy layout; fix it first: {exc}") from None


def plan(root: Path) -> Migration:
    """Work out the migration of ``root`` without touching it; :class:`MigrationError` if it cannot be done."""
    root = Path(root).resolve()
    if not (root / "envs").is_dir():
        raise MigrationError(f"{root} has no envs/ folder: not a gym-anything data root")
    migration = Migration(root)
    folders = _software(root)
    if not is_legacy_root(root) and not any(_root_relative_refs(f) for f in folders):
        return migration
    verifiers = root / LEGACY_VERIFIERS
    names = {f.name for f in folders}
    if verifiers.is_dir():
        strays = sorted(p.name for p in verifiers.iterdir() if p.name != "__pycache__"
                        and not (p.suffix == ".py" and p.stem in names and p.is_file()))
        if strays:
            raise MigrationError(f"{verifiers} holds files that are no software's verifier module ({', '.join(strays)}"
                                 f"; a module is verifiers/<software>.py for a folder envs/<software>/): move them "
                                 f"into the software folders by hand, then migrate")
        for module in sorted(verifiers.glob("*.py")):
            target = root / "envs" / module.stem / ROLES["verifier"]
            if target.exists():
                raise MigrationError(f"{target} already exists: refusing to overwrite it with {module}; merge the "
                                     f"two by hand (or rename one), then migrate")
            migration.moves.append((_rel(module, root), _rel(target, root)))
            migration.log.append(f"move {_rel(module, root)} -> {_rel(target, root)}")
        migration.remove.append(LEGACY_VERIFIERS)
    moved = dict(migration.moves)
    code: set[str] = {new for _, new in migration.moves}
    for folder in folders:
        spec = _load_legacy(folder, root)
        for task in spec.tasks.values():
            _plan_task(migration, spec, task, moved, code)
    for path in sorted(code):
        source = root / next((old for old, new in migration.moves if new == path), path)
        text, changes = rewrite_imports(source.read_text(encoding="utf-8"))
        if changes:
            migration.writes[path] = text
            migration.log += [f"rewrite {path}: {change}" for change in changes]
    if verifiers.is_dir():
        migration.log.append(f"remove {LEGACY_VERIFIERS}/")
    return migration


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _plan_task(migration: Migration, spec: SoftwareSpec, task, moved: dict[str, str], code: set[str]) -> None:
    prefix, default = f"envs/{spec.id}/", task.id.replace("-", "_")
    task_path = _rel(task.file, spec.root)
    text = task.file.read_text(encoding="utf-8")
    values: dict[str, str | None] = {}  # role -> new value (None: drop the field)
    for role, conventional in ROLES.items():
        ref = getattr(task, role)
        if ref is None:
            if role == "setup" and default in _functions_of(spec.folder / conventional):
                values[role] = "null"  # the convention would give this task a setup it never had
            continue
        path = moved.get(ref.path, ref.path)
        if not path.startswith(prefix):
            raise MigrationError(f"{task.file}: {role} '{ref}' is not in envs/{spec.id}/ (after the move); the new "
                                 f"layout keeps a task's code in its software folder: move that code there by hand")
        code.add(path)
        relative = path[len(prefix):]
        if relative == conventional:
            values[role] = None if ref.function == default else ref.function
        else:
            values[role] = f"{relative}:{ref.function}"
    new_text, changes = _rewrite_task(text, values)
    if changes:
        migration.writes[task_path] = new_text
        migration.log.append(f"rewrite {task_path}: {'; '.join(changes)}")


def _functions_of(path: Path) -> set[str]:
    if not path.is_file():
        return set()
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError) as exc:
        raise MigrationError(f"{path} does not parse ({exc}); fix it first") from None
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


FIELD_LINE = r"^{role}[ \t]*:[ \t]*(?P<value>[^\n#]*?)[ \t]*(?P<comment>#[^\n]*)?(?:\n|$)"


def _rewrite_task(text: str, values: dict[str, str | None]) -> tuple[str, list[str]]:
    """The task file with its setup/verifier/oracle lines rewritten (by line, keeping the rest as written)."""
    changes, dropped = [], []
    for role, value in values.items():
        matches = list(re.finditer(FIELD_LINE.format(role=role), text, re.M))
        if value == "null" and not matches:
            text = text + ("" if text.endswith("\n") or not text else "\n") + (
                "setup: null  # no setup (setup.py's function of this task's name is not its setup)\n")
            changes.append("add 'setup: null' (the task had no setup)")
            continue
        if len(matches) != 1:
            return _redump(text, values)
        match = matches[0]
        old = match["value"]
        if value is None:
            text = text[:match.start()] + text[match.end():]
            dropped.append(role)
        elif yaml.safe_load(old) != value:
            line = f"{role}: {value}{'  ' + match['comment'] if match['comment'] else ''}\n"
            text = text[:match.start()] + line + text[match.end():]
            changes.append(f"{role}: {old} -> {value}")
    if dropped:
        changes.append(f"drop {', '.join(dropped)} (the convention gives {'it' if len(dropped) == 1 else 'them'})")
    return text, changes


def _redump(text: str, values: dict[str, str | None]) -> tuple[str, list[str]]:
    """Fallback for a task file whose fields are not one line each: re-written by PyYAML (comments are lost)."""
    data = yaml.safe_load(text)
    for role, value in values.items():
        if value is None:
            data.pop(role, None)
        else:
            data[role] = None if value == "null" else value
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True), [
        "re-written by PyYAML (its comments and layout are lost): " + ", ".join(
            f"{role}: {'dropped' if value is None else value}" for role, value in values.items())]


# --- deprecated imports in task code ---------------------------------------------------------------------

VERIFICATION_MOVED = {"SetupContext": "gym_anything.authoring", "VerifyContext": "gym_anything.authoring",
                      "OracleContext": "gym_anything.authoring", "Checklist": "gym_anything.authoring",
                      "CheckItem": "gym_anything.authoring", "load_function": "gym_anything.specs.loader"}
"""Names that ``gym_anything.verification`` still gives with a DeprecationWarning -> where they live now."""


def _new_home(module: str, name: str) -> tuple[str, str] | None:
    """(module, name) a name imported from a moved module lives in now; None if unknown."""
    if module == "gym_anything.verification":
        return (VERIFICATION_MOVED[name], name) if name in VERIFICATION_MOVED else None
    found = []
    for index, target in enumerate(MOVED.get(module, [])):
        mod = importlib.import_module(target)
        for candidate in (name, RENAMED.get(name)):
            if candidate and hasattr(mod, candidate):
                defined_elsewhere = getattr(getattr(mod, candidate), "__module__", None) != target
                found.append((defined_elsewhere, index, target, candidate))
    return min(found)[2:] if found else None  # the module that defines it, else the first that has it


def _import_from(module: str, aliases: list[tuple[str, str | None]]) -> str:
    names = ", ".join(name if asname is None or asname == name else f"{name} as {asname}" for name, asname in aliases)
    return f"from {module} import {names}"


def _statements(node: ast.ImportFrom | ast.Import) -> list[str] | None:
    """The statements replacing one import statement, or None to leave it as it is."""
    if isinstance(node, ast.Import):
        parts, changed = [], False
        for alias in node.names:
            targets = MOVED.get(alias.name, [])
            if len(targets) == 1 and alias.asname:
                parts.append(f"import {targets[0]} as {alias.asname}")
                changed = True
            elif len(targets) == 1:  # `import gym_anything.formats`: the dotted uses are rewritten too
                parts.append(f"import {targets[0]}")
                changed = True
            else:
                parts.append(f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else ""))
        return parts if changed else None
    if node.level or node.module is None:
        return None
    groups: dict[str, list[tuple[str, str | None]]] = {}
    changed = False
    for alias in node.names:
        home = None
        if node.module == "gym_anything" and len(MOVED.get(f"gym_anything.{alias.name}", [])) == 1:
            parent, _, last = MOVED[f"gym_anything.{alias.name}"][0].rpartition(".")
            home = (parent, last)
        elif alias.name != "*" and (node.module in MOVED or node.module == "gym_anything.verification"):
            home = _new_home(node.module, alias.name)
        elif alias.name == "*" and len(MOVED.get(node.module, [])) == 1:
            home = (MOVED[node.module][0], "*")
        if home is None:
            groups.setdefault(node.module, []).append((alias.name, alias.asname))
            continue
        changed = True
        groups.setdefault(home[0], []).append((home[1], alias.asname or (alias.name if home[1] != alias.name
                                                                          else None)))
    return [_import_from(module, aliases) for module, aliases in groups.items()] if changed else None


def rewrite_imports(text: str) -> tuple[str, list[str]]:
    """``text`` with deprecated gym_anything import paths replaced by the new ones, and a note per change."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text, []
    offsets = [0]
    for line in text.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    edits = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)) and (statements := _statements(node)) is not None:
            start = offsets[node.lineno - 1] + node.col_offset
            end_line, end_col = node.end_lineno or node.lineno, node.end_col_offset or node.col_offset
            edits.append((start, offsets[end_line - 1] + end_col, node.col_offset, statements))
    edits.sort()
    changes = [f"{' '.join(text[start:end].split())} -> {' / '.join(statements)}"
               for start, end, _, statements in edits]
    for start, end, indent, statements in reversed(edits):
        text = text[:start] + ("\n" + " " * indent).join(statements) + text[end:]
    for old, targets in MOVED.items():  # dotted uses, e.g. gym_anything.formats.read_text after its import
        if len(targets) == 1:
            text, count = re.subn(rf"\b{re.escape(old)}\b", targets[0], text)
            if count:
                changes.append(f"{old} -> {targets[0]} ({count} use{'s' if count > 1 else ''})")
    return text, changes


# --- trying it on a copy, then applying it ---------------------------------------------------------------


def _apply(migration: Migration, base: Path) -> None:
    for old, new in migration.moves:
        (base / new).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(base / old, base / new)
    for path, text in migration.writes.items():
        (base / path).write_text(text, encoding="utf-8")
    for folder in migration.remove:
        shutil.rmtree(base / folder, ignore_errors=True)


def _functions(task) -> dict[str, str | None]:
    return {role: ref.function if (ref := getattr(task, role)) else None for role in ROLES}


def _check(migration: Migration) -> list[str]:
    """Apply the migration to a copy of the root's envs/ and verifiers/; it must load in the new layout, each
    task with the same functions. Returns lines for the report; :class:`MigrationError` if the check fails."""
    from .audits import task_digest

    root = migration.root
    with tempfile.TemporaryDirectory(prefix="gym-anything-migrate-") as tmp:
        copy = Path(tmp)
        for name in ("envs", LEGACY_VERIFIERS):
            if (root / name).is_dir():
                shutil.copytree(root / name, copy / name, symlinks=True)
        _apply(migration, copy)
        changed, count = [], 0
        for folder in _software(root):
            before = _load_legacy(folder, root)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error", LegacyLayoutWarning)
                    after = load_env(copy / "envs" / folder.name, copy)
            except (SpecError, LegacyLayoutWarning) as exc:
                raise MigrationError(f"the migrated {folder.name} would not load: {exc} (nothing was changed; "
                                     "please report this)") from None
            for task_id, old in before.tasks.items():
                new = after.tasks.get(task_id)
                if new is None or _functions(old) != _functions(new):
                    raise MigrationError(f"the migrated {folder.name}.{task_id} would name other functions "
                                         f"(nothing was changed; please report this)")
                count += 1
                if task_digest(before, old) != task_digest(after, new):
                    changed.append(f"{folder.name}.{task_id}")
    lines = [f"checked on a copy: {count} task(s) load in the new layout with the same functions"]
    if changed:
        lines.append(f"digests changed by the rewritten imports: {', '.join(changed)} (bump those tasks' "
                     f"versions if their audits are recorded)")
    else:
        lines.append("task digests unchanged")
    return lines
