"""Reading specs: YAML files under ``envs/<software>/`` loaded into validated dataclasses (``specs.model``).

Every problem is reported as one :class:`SpecError` naming the file, the field and what was expected;
:func:`load_all` with ``strict=False`` turns any problem of one software's files (also an unexpected
exception) into that software's SpecError, so one broken folder never hides the others.

Task code: ``setup``, ``verifier`` and ``oracle`` default to the function named after the task (``-`` -> ``_``) in
the software folder's ``setup.py``, ``verifier.py`` and ``oracle.py`` (setup only if defined); a field names
another function (``fn``) or file of the folder (``file.py:fn``). A root in the legacy layout
(``verifiers/<software>.py``, root-relative references) loads unchanged, with a :class:`LegacyLayoutWarning`.
The full reference: ``docs/spec-format.md``.

Task fields of note: ``verifier_timeout`` (seconds, a number > 0, default 30) bounds the verifier's run
time; a verifier still running then fails closed (score 0, see :func:`gym_anything.verification.run_verifier`).
"""

from __future__ import annotations

import ast
import importlib.util
import math
import re
import sys
import types
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ..errors import SpecError
from .model import (
    DIFFICULTIES,
    FUNCTION_PATTERN,
    HORIZONS,
    ID_PATTERN,
    LEGACY_VERIFIERS,
    MEMORY_PATTERN,
    MEMORY_UNITS,
    MODES,
    REF_PATTERN,
    ROLES,
    SOC_CODE,
    SPLITS,
    VERIFIER_TIMEOUT,
    ChecklistItem,
    ChecklistSpec,
    HomeBuildSpec,
    ParameterSpec,
    ReadySpec,
    Ref,
    ResourcesSpec,
    SettleSpec,
    SoftwareSpec,
    TaskSpec,
)
from .paths import data_roots

# --- validation helpers -------------------------------------------------------------------------


class _Fields:
    """Reads typed fields out of one YAML mapping, raising SpecError with the file and field name."""

    def __init__(self, path: Path, data: Any, allowed: set[str], prefix: str = ""):
        self.path, self.prefix = path, prefix
        if not isinstance(data, dict):
            raise SpecError(path, prefix.rstrip(".") or "<document>", "a mapping", type(data).__name__)
        names = [key for key in data if not isinstance(key, str)]
        if names:
            raise SpecError(path, prefix + str(names[0]), f"string field names, one of {sorted(allowed)}", names[0])
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise SpecError(path, prefix + str(unknown[0]), f"one of the known fields {sorted(allowed)}")
        self.data = data

    def error(self, name: str, expected: str, got: Any = None) -> SpecError:
        return SpecError(self.path, self.prefix + name, expected, got)

    def get(self, name: str, kind: type | tuple, expected: str, default: Any = ..., ) -> Any:
        if name not in self.data:
            if default is ...:
                raise self.error(name, f"{expected} (required field is missing)")
            return default
        value = self.data[name]
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            raise self.error(name, expected, value)
        if not isinstance(value, kind):
            raise self.error(name, expected, value)
        return value

    def text(self, name: str, default: Any = ..., pattern: re.Pattern | None = None) -> str:
        value = self.get(name, str, "a non-empty string", default)
        if value is default and default is not ...:
            return value
        if not value.strip():
            raise self.error(name, "a non-empty string", value)
        if pattern is not None and not pattern.match(value):
            raise self.error(name, f"a string matching {pattern.pattern}", value)
        return value

    def strings(self, name: str, default: Any = ..., min_items: int = 0) -> tuple[str, ...]:
        value = self.get(name, list, "a list of strings", default)
        if not all(isinstance(v, str) and v for v in value) or len(value) < min_items:
            raise self.error(name, f"a list of at least {min_items} non-empty strings", value)
        return tuple(value)

    def number(self, name: str, default: Any = ..., minimum: float = 0, integer: bool = False) -> Any:
        kind = int if integer else (int, float)
        expected = f"{'an integer' if integer else 'a number'} >= {minimum}"
        value = self.get(name, kind, expected, default)
        if isinstance(value, float) and not math.isfinite(value) or value < minimum:
            raise self.error(name, expected, value)
        return value

    def choice(self, name: str, options: tuple[str, ...], default: Any = ...) -> str:
        value = self.get(name, str, f"one of {list(options)}", default)
        if value not in options:
            raise self.error(name, f"one of {list(options)}", value)
        return value


def _load_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(path, "<document>", f"UTF-8 text ({exc})") from None
    except OSError as exc:
        raise SpecError(path, "<document>", f"UTF-8 text in a readable file ({exc})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError(path, "<document>", f"valid YAML ({exc})") from None


def _defined_functions(fields: _Fields, name: str, file: Path, value: Any) -> set[str]:
    """The names of the functions ``file`` defines at module level (parsed, not imported)."""
    try:
        tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
    except SyntaxError as exc:  # also IndentationError and null bytes
        where = f"{file}, line {exc.lineno}" if exc.lineno else str(file)
        raise fields.error(name, f"a reference to a Python file without syntax errors ({where}: {exc.msg})",
                           value) from None
    except UnicodeDecodeError as exc:
        raise fields.error(name, f"a reference to a UTF-8 Python file ({file}: {exc})", value) from None
    except OSError as exc:
        raise fields.error(name, f"a reference to a readable Python file ({exc})", value) from None
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


def _resolve_ref(fields: _Fields, name: str, root: Path, required: bool = True) -> Ref | None:
    """A legacy ``path/to/module.py:function`` field, the path relative to the data root."""
    value = fields.text(name, ... if required else None)
    if value is None:
        return None
    match = REF_PATTERN.match(value)
    if not match:
        raise fields.error(name, "a reference 'path/to/module.py:function'", value)
    ref = Ref(root, match["path"], match["func"])
    if not ref.file.is_file():
        raise fields.error(name, f"a reference to an existing file (no {ref.file})", value)
    defined = _defined_functions(fields, name, ref.file, value)
    if ref.function not in defined:
        raise fields.error(name, f"a function defined in {ref.path} (has {sorted(defined)})", value)
    return ref


def _required(ref: Ref | None) -> Ref:
    assert ref is not None  # _task_ref raises a SpecError for a missing verifier or oracle
    return ref


def _task_ref(fields: _Fields, role: str, env: SoftwareSpec, task_id: str) -> Ref | None:
    """The function a task names for ``role`` (setup, verifier, oracle), by its field or by the convention.

    No field: the function named after the task (``-`` -> ``_``) in the software folder's ``setup.py``,
    ``verifier.py`` or ``oracle.py`` (for setup only if ``setup.py`` defines it; else the task has no setup).
    ``fn``: that function of the conventional file; ``file.py:fn``: a file of the software folder;
    ``setup: null``: no setup. A legacy root keeps the root-relative ``path/to/module.py:fn`` form.
    """
    if env.legacy:
        return _resolve_ref(fields, role, env.root, required=role != "setup")
    folder, conventional, default = env.folder, ROLES[role], task_id.replace("-", "_")
    root, prefix = folder.parent.parent, f"{folder.parent.name}/{folder.name}/"
    where = f"{prefix}{conventional}"
    if role not in fields.data:
        file = folder / conventional
        if role == "setup":
            if file.is_file() and default in _defined_functions(fields, role, file, None):
                return Ref(root, where, default)
            return None
        defined = _defined_functions(fields, role, file, None) if file.is_file() else None
        if defined is None or default not in defined:
            found = f"no {where}" if defined is None else f"{where} defines {sorted(defined)}"
            raise fields.error(role, f"a function 'def {default}(ctx)' in {where} (the default {role} of task "
                                     f"'{task_id}'; {found}), or a field '{role}: fn' or '{role}: file.py:fn' "
                                     f"naming another")
        return Ref(root, where, default)
    value = fields.data[role]
    if value is None and role == "setup":
        return None  # `setup: null`: no setup, even if setup.py defines a function named after the task
    forms = f"a function name 'fn' (of {where}) or a reference 'file.py:fn' (a file of {prefix})"
    if not isinstance(value, str) or not value.strip():
        raise fields.error(role, forms, value)
    if FUNCTION_PATTERN.match(value):
        relative, function = conventional, value
    elif match := REF_PATTERN.match(value):
        relative, function = match["path"], match["func"]
        if relative.startswith("/") or ".." in relative.split("/"):
            raise fields.error(role, f"{forms}: a path inside the software folder", value)
    else:
        raise fields.error(role, forms, value)
    file = folder / relative
    if not file.is_file():
        hint = ""
        if relative.startswith(("envs/", f"{LEGACY_VERIFIERS}/")):
            hint = ("; references relative to the data root are the legacy layout: name the function, or a file "
                    f"relative to {prefix} ('gym-anything migrate ROOT' converts a legacy root)")
        raise fields.error(role, f"a reference to an existing file (no {prefix}{relative}){hint}", value)
    defined = _defined_functions(fields, role, file, value)
    if function not in defined:
        raise fields.error(role, f"a function defined in {prefix}{relative} (has {sorted(defined)})", value)
    return Ref(root, prefix + relative, function)


class LegacyLayoutWarning(DeprecationWarning):
    """A data root is in the legacy layout (``verifiers/<software>.py`` beside ``envs/``); it still loads."""


def is_legacy_root(root: Path) -> bool:
    """True for a root in the legacy layout: Python files in ``verifiers/`` and task refs relative to the root."""
    folder = Path(root) / LEGACY_VERIFIERS
    return folder.is_dir() and any(folder.glob("*.py"))


def _warn_legacy(root: Path) -> None:
    warnings.warn(f"data root {root} uses the legacy layout (verifiers/<software>.py beside envs/, task references "
                  f"relative to the root): it still loads and audits, but the layout is deprecated; convert it with "
                  f"'gym-anything migrate {root}' (docs/spec-format.md, 'Legacy layout')", LegacyLayoutWarning,
                  stacklevel=3)


ENV_FIELDS = {"id", "name", "description", "soc_groups", "packages", "launch", "ready", "resolution", "env",
              "home_template", "home_build", "settle", "version", "resources"}
TASK_FIELDS = {"id", "instruction", "parameters", "setup", "open", "verifier", "oracle", "max_steps", "split",
               "difficulty", "tags", "version", "visible", "checklist", "horizon", "verifier_timeout"}
CHECKLIST_FIELDS = {"mode", "weight", "frames", "samples", "judge_context", "items"}
ITEM_FIELDS = {"id", "kind", "points", "evidence", "ocr"}


def _command(f: _Fields, name: str) -> tuple[str, ...]:
    """A command as a list: a program name or path first (no whitespace or NUL), then its arguments."""
    command = f.strings(name, min_items=1)
    if re.search(r"[\s\x00]", command[0]):
        raise f.error(f"{name}[0]", "a command name or path (no whitespace or NUL; arguments are further items)",
                      command[0])
    for index, arg in enumerate(command[1:], 1):
        if "\x00" in arg:
            raise f.error(f"{name}[{index}]", "an argument without NUL characters", arg)
    return command


def _home_build(path: Path, f: _Fields) -> HomeBuildSpec | None:
    raw = f.get("home_build", dict, "a mapping with command (and timeout)", None)
    if raw is None:
        return None
    build = _Fields(path, raw, {"command", "timeout"}, "home_build.")
    command = _command(build, "command")
    timeout = float(build.number("timeout", HomeBuildSpec.timeout, minimum=1))
    if timeout > 3600:
        raise build.error("timeout", "seconds between 1 and 3600", timeout)
    return HomeBuildSpec(command, timeout)


def load_env(folder: Path, root: Path | None = None, *, warn: bool = True, legacy: bool | None = None
             ) -> SoftwareSpec:
    """Load ``folder/env.yaml`` and every ``folder/tasks/*.yaml`` (none: a software being created, which the
    registry does not register).

    ``root`` (default: the folder's grandparent) is the data root; a root in the legacy layout loads as before,
    with a :class:`LegacyLayoutWarning` (a DeprecationWarning) unless ``warn`` is false. ``legacy`` forces the
    layout (default: :func:`is_legacy_root`).
    """
    folder = Path(folder).resolve()
    root = (root or folder.parent.parent).resolve()
    legacy = is_legacy_root(root) if legacy is None else legacy
    if legacy and warn:
        _warn_legacy(root)
    path = folder / "env.yaml"
    if not path.is_file():
        raise SpecError(path, "<document>", "an env.yaml file in every folder under envs/")
    f = _Fields(path, _load_yaml(path), ENV_FIELDS)
    env_id = f.text("id", pattern=ID_PATTERN)
    if env_id != folder.name:
        raise f.error("id", f"the folder name '{folder.name}'", env_id)
    soc = f.strings("soc_groups", min_items=1)
    for code in soc:
        if not SOC_CODE.match(code):
            raise f.error("soc_groups", "SOC 2018 major group codes such as '43-0000'", code)
    ready_fields = _Fields(path, f.get("ready", dict, "a mapping with window_class"),
                           {"window_class", "title_regex", "timeout", "first_paint"}, "ready.")
    ready = ReadySpec(ready_fields.text("window_class"), ready_fields.text("title_regex", None),
                      float(ready_fields.number("timeout", 30.0, minimum=1)),
                      float(ready_fields.number("first_paint", 0.0, minimum=0)))
    if ready.title_regex is not None:
        try:
            re.compile(ready.title_regex)
        except (re.error, OverflowError, RecursionError) as exc:
            raise ready_fields.error("title_regex", f"a valid regular expression ({exc})", ready.title_regex) from None
    resolution = f.get("resolution", list, "[width, height] in pixels", [1280, 720])
    if (len(resolution) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in resolution)
            or not (320 <= resolution[0] <= 7680 and 240 <= resolution[1] <= 4320)):
        raise f.error("resolution", "[width, height] with 320<=width<=7680 and 240<=height<=4320", resolution)
    env_vars = f.get("env", dict, "a mapping of variable name to string", {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in env_vars.items()):
        raise f.error("env", "a mapping of variable name to string", env_vars)
    template = f.text("home_template", None)
    template_path = None
    if template is not None and "\x00" in template:
        raise f.error("home_template", "a folder path without NUL characters", template)
    if template is not None:
        template_path = (folder / template).resolve()
        if not template_path.is_dir():
            raise f.error("home_template", f"a folder relative to {folder} (no {template_path})", template)
    settle_fields = _Fields(path, f.get("settle", dict, "a mapping", {}),
                            {"changed_pixels", "quiet", "timeout", "linger"}, "settle.")
    defaults = SettleSpec()
    settle = SettleSpec(int(settle_fields.number("changed_pixels", defaults.changed_pixels, integer=True)),
                        float(settle_fields.number("quiet", defaults.quiet)),
                        float(settle_fields.number("timeout", defaults.timeout, minimum=0.1)),
                        float(settle_fields.number("linger", defaults.linger)))
    if settle.linger >= settle.timeout:
        raise settle_fields.error("linger", f"a number of seconds below settle.timeout ({settle.timeout})",
                                  settle.linger)
    launch = _command(f, "launch")
    spec = SoftwareSpec(
        id=env_id, name=f.text("name"), description=f.text("description"), soc_groups=soc,
        packages=f.strings("packages", min_items=1), launch=launch, ready=ready,
        resolution=(resolution[0], resolution[1]), env=dict(env_vars), home_template=template_path, settle=settle,
        version=int(f.number("version", integer=True)), folder=folder, root=root, resources=_resources(f),
        home_build=_home_build(path, f), legacy=legacy)
    tasks_dir = folder / "tasks"
    for task_file in sorted(tasks_dir.glob("*.yaml")) if tasks_dir.is_dir() else []:
        task = load_task(task_file, spec)
        if task.id in spec.tasks:
            raise SpecError(task_file, "id", f"a task id unique within {env_id}", task.id)
        spec.tasks[task.id] = task
    return spec  # no tasks yet (a scaffold, `gym-anything create scaffold`): loads, but is not registered


def _resources(f: _Fields) -> ResourcesSpec:
    """The optional ``resources`` block: ``memory`` (e.g. 512m, 1g), ``cpus`` (cores) and ``pids``."""
    r = _Fields(f.path, f.get("resources", dict, "a mapping with memory, cpus and/or pids", {}),
                {"memory", "cpus", "pids"}, "resources.")
    memory_expected = "a size such as 512m or 1g (a number with an optional k/m/g suffix), at least 16m"
    memory = r.get("memory", (str, int), memory_expected, None)
    if memory is not None:
        match = MEMORY_PATTERN.match(str(memory).strip().lower())
        if match is None:
            raise r.error("memory", memory_expected, memory)
        memory = int(float(match["number"]) * MEMORY_UNITS[match["unit"]])
        if memory < 16 * 2**20:
            raise r.error("memory", memory_expected, r.data["memory"])
    cpus = r.get("cpus", (int, float), "a number of CPU cores > 0", None)
    if cpus is not None and cpus <= 0:
        raise r.error("cpus", "a number of CPU cores > 0", cpus)
    pids = r.get("pids", int, "an integer >= 16 (processes and threads)", None)
    if pids is not None and pids < 16:
        raise r.error("pids", "an integer >= 16 (processes and threads)", pids)
    return ResourcesSpec(memory, None if cpus is None else float(cpus), pids)


def _parameter(f: _Fields, name: str, value: Any) -> ParameterSpec:
    expected = "one of {int: [lo, hi]}, {float: [lo, hi, decimals]}, {choice: [v1, v2, ...]}"
    if not isinstance(value, dict) or len(value) != 1:
        raise f.error(f"parameters.{name}", expected, value)
    kind, args = next(iter(value.items()))
    numeric = isinstance(args, list) and all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in args)
    if kind == "int" and numeric and len(args) == 2 and all(isinstance(a, int) for a in args) and args[0] <= args[1]:
        return ParameterSpec(name, kind, tuple(args))
    if kind == "float" and numeric and len(args) == 3 and args[0] <= args[1]:
        return ParameterSpec(name, kind, tuple(args))
    if kind == "choice" and isinstance(args, list) and len(args) >= 1:
        return ParameterSpec(name, kind, tuple(args))
    raise f.error(f"parameters.{name}", expected, value)


def load_task(path: Path, env: SoftwareSpec) -> TaskSpec:
    f = _Fields(path, _load_yaml(path), TASK_FIELDS)
    task_id = f.text("id", pattern=ID_PATTERN)
    if task_id != path.stem:
        raise f.error("id", f"the file name '{path.stem}'", task_id)
    raw_params = f.get("parameters", dict, "a mapping of parameter name to generator", {})
    params = tuple(_parameter(f, str(k), v) for k, v in raw_params.items())
    instruction = f.text("instruction")
    return TaskSpec(
        id=task_id, env_id=env.id, instruction=instruction, parameters=params,
        setup=_task_ref(f, "setup", env, task_id), open=f.text("open", None),
        verifier=_required(_task_ref(f, "verifier", env, task_id)),
        oracle=_required(_task_ref(f, "oracle", env, task_id)),
        max_steps=int(f.number("max_steps", integer=True, minimum=1)), split=f.choice("split", SPLITS),
        difficulty=f.choice("difficulty", DIFFICULTIES), tags=f.strings("tags", ()),
        version=int(f.number("version", integer=True)), file=path.resolve(), visible=f.strings("visible", ()),
        horizon=f.choice("horizon", HORIZONS, "short"), checklist=_checklist(f),
        verifier_timeout=_verifier_timeout(f))


def _verifier_timeout(f: _Fields) -> float:
    expected = "a number of seconds > 0"
    value = f.get("verifier_timeout", (int, float), expected, VERIFIER_TIMEOUT)
    if isinstance(value, float) and not math.isfinite(value) or value <= 0:
        raise f.error("verifier_timeout", expected, value)
    return float(value)


def _checklist(f: _Fields):
    """The optional ``checklist`` block: completion items worth 100 points in all, integrity items, mode."""
    raw = f.get("checklist", dict, "a mapping with items (and optional mode, weight, frames, samples)", None)
    if raw is None:
        return None
    c = _Fields(f.path, raw, CHECKLIST_FIELDS, "checklist.")
    entries = c.get("items", list, "a list of checklist items")
    items = []
    for index, entry in enumerate(entries):
        i = _Fields(f.path, entry, ITEM_FIELDS, f"checklist.items[{index}].")
        kind = i.choice("kind", ("completion", "integrity"))
        points = float(i.number("points", 0.0))
        if kind == "integrity" and points:
            raise i.error("points", "no points on an integrity item (its failure zeroes the score)", points)
        items.append(ChecklistItem(i.text("id", pattern=ID_PATTERN), kind, i.text("evidence"), points,
                                   i.text("ocr", None)))
    total = sum(item.points for item in items if item.kind == "completion")
    if abs(total - 100.0) > 1e-6:
        raise c.error("items", "completion items whose points sum to 100", total)
    if len({item.id for item in items}) != len(items):
        raise c.error("items", "unique item ids", [item.id for item in items])
    weight = float(c.number("weight", 0.5))
    if weight > 1:
        raise c.error("weight", "a number in [0, 1]", weight)
    return ChecklistSpec(tuple(items), c.choice("mode", MODES, "both"), weight,
                         int(c.number("frames", 6, minimum=1, integer=True)),
                         int(c.number("samples", 1, minimum=1, integer=True)), c.strings("judge_context", ()))


def load_all(strict: bool = True):
    """Every environment found under the data roots (the first root wins on duplicate ids).

    ``strict``: return the specs, raising the first SpecError. Otherwise return ``(specs, errors)`` with
    the SpecError of each broken environment, so one broken folder does not hide the others. An unexpected
    exception while loading a folder becomes a SpecError naming its env.yaml and the field ``<unexpected>``.
    """
    envs: dict[str, SoftwareSpec] = {}
    errors: dict[str, SpecError] = {}
    for root in data_roots():
        if is_legacy_root(root):
            _warn_legacy(root)  # once per root, not per software
        for folder in sorted((root / "envs").glob("*/")):
            if folder.name.startswith((".", "_")) or folder.name in envs or folder.name in errors:
                continue
            try:
                envs[folder.name] = _load_folder(folder, root)
            except SpecError as exc:
                if strict:
                    raise
                errors[folder.name] = exc
    return envs if strict else (envs, errors)


def _load_folder(folder: Path, root: Path) -> SoftwareSpec:
    """:func:`load_env`, with any unexpected exception turned into a SpecError naming the folder's env.yaml."""
    try:
        return load_env(folder, root, warn=False)
    except SpecError:
        raise
    except Exception as exc:  # noqa: BLE001 - a loader bug on one folder must not break every other env
        raise SpecError(folder / "env.yaml", "<unexpected>",
                        f"files the loader reads without error (it raised {type(exc).__name__}: {exc})") from exc


def load_function(ref: Ref) -> Callable:
    """Import the module a Ref points at (by file path, cached per file) and return the function.

    The module's folder is a package, so task code may import helper modules beside it (``from . import
    common``); the audit's task digest covers them."""
    name = "gym_anything_task_code." + ref.path.replace("/", ".").removesuffix(".py")
    _package_for(name.rpartition(".")[0], ref.file.parent)
    module = sys.modules.get(name)
    stat = ref.file.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)  # an edited file is loaded again (a long-lived process sees edits)
    if module is None or getattr(module, "__file__", None) != str(ref.file) or \
            getattr(module, "__gym_anything_stamp__", None) != stamp:
        spec = importlib.util.spec_from_file_location(name, ref.file)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        module.__gym_anything_stamp__ = stamp  # type: ignore[attr-defined]
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return getattr(module, ref.function)


def _package_for(name: str, folder: Path) -> None:
    """Make ``name`` a package whose modules are the files in ``folder`` (parents made as empty packages)."""
    parts = name.split(".")
    for end in range(1, len(parts)):
        parent = ".".join(parts[:end])
        if parent not in sys.modules:
            module = types.ModuleType(parent)
            module.__path__ = []
            sys.modules[parent] = module
    package = sys.modules.get(name)
    if package is None or list(getattr(package, "__path__", [])) != [str(folder)]:
        package = types.ModuleType(name)
        package.__path__ = [str(folder)]
        package.__package__ = name
        sys.modules[name] = package
        for stale in [key for key in sys.modules if key.startswith(name + ".")]:
            del sys.modules[stale]  # helpers of another folder under the same name
