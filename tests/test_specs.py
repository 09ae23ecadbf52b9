"""Spec loading: every spec in the repo is valid; broken specs raise one clear SpecError; task code by convention;
legacy roots (verifiers/<software>.py) load unchanged with one deprecation warning."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest
import yaml

from gym_anything.specs import ResourcesSpec, SpecError, load_all, load_env
from gym_anything.specs.loader import LegacyLayoutWarning, is_legacy_root
from gym_anything.specs.model import ROLES
from gym_anything.specs.registry import all_software

ENV = {
    "id": "demoapp", "name": "Demo", "description": "A demo app", "version": 0, "soc_groups": ["43-0000"],
    "packages": ["xterm"], "launch": ["xterm"], "ready": {"window_class": "xterm"},
}
TASK = {  # setup, verifier and oracle by convention: do_it in setup.py (if defined), verifier.py, oracle.py
    "id": "do-it", "version": 0, "instruction": "Do {thing}", "parameters": {"thing": {"choice": ["a", "b"]}},
    "max_steps": 10, "split": "train", "difficulty": "easy", "tags": [],
}
CODE = {"verifier.py": "def do_it(ctx):\n    pass\n\ndef check(ctx):\n    pass\n",
        "oracle.py": "def do_it(ctx):\n    return []\n"}


def make_root(tmp_path: Path, env: dict | None = None, task: dict | None = None, code: dict | None = None) -> Path:
    """A root in the layout envs/demoapp/{env.yaml, tasks/do-it.yaml, verifier.py, oracle.py}."""
    folder = tmp_path / "envs" / "demoapp"
    (folder / "tasks").mkdir(parents=True)
    (folder / "env.yaml").write_text(yaml.safe_dump(env or ENV))
    (folder / "tasks" / "do-it.yaml").write_text(yaml.safe_dump(task or TASK))
    for name, text in (CODE if code is None else code).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def test_every_spec_in_repo_loads():
    envs = load_all()
    assert {"gnumeric", "mousepad", "sqlitebrowser"} <= set(envs)
    for env in envs.values():
        assert len(env.tasks) >= 5, f"{env.id} has only {len(env.tasks)} tasks"
        for task in env.tasks.values():
            assert task.verifier.file.is_file() and task.oracle.file.is_file()
            assert all(ref.file.parent == env.folder for ref in (task.setup, task.verifier, task.oracle) if ref)
    assert not is_legacy_root(next(iter(envs.values())).root)


def test_repo_task_files_write_no_reference_the_convention_gives():
    for env in load_all().values():
        for task in env.tasks.values():
            data = yaml.safe_load(task.file.read_text())
            for role in set(ROLES) & set(data):
                ref = getattr(task, role)
                conventional = ref is not None and ref.file == env.folder / ROLES[role] and ref.function == (
                    task.id.replace("-", "_"))
                assert not conventional, f"{task.file}: drop '{role}: {data[role]}', the convention gives it"


def test_minimal_valid_spec_loads(tmp_path):
    spec = load_env(make_root(tmp_path), tmp_path)
    assert spec.resolution == (1280, 720)
    assert spec.gym_id == "GymAnything/demoapp-v0"
    assert spec.tasks["do-it"].gym_id == "GymAnything/demoapp.do-it-v0"
    assert spec.tasks["do-it"].horizon == "short"  # the default; `horizon: long` marks the long suite
    assert spec.resources == ResourcesSpec()  # no limits unless the spec asks


def test_valid_title_regex_and_launch_arguments_load(tmp_path):
    env = {**ENV, "launch": ["/usr/bin/xterm", "-T", "Demo window"],
           "ready": {"window_class": "xterm", "title_regex": r"^Demo (window|app)$", "first_paint": 1.5}}
    spec = load_env(make_root(tmp_path, env), tmp_path)
    assert spec.launch == ("/usr/bin/xterm", "-T", "Demo window") and spec.ready.title_regex == r"^Demo (window|app)$"
    assert spec.ready.first_paint == 1.5


def test_home_build_is_parsed_and_hashed_only_when_set(tmp_path):
    from gym_anything.specs.audits import task_canonical
    from gym_anything.specs.model import HomeBuildSpec

    plain = load_env(make_root(tmp_path / "a"), tmp_path / "a")
    assert plain.home_build is None and "home_build" not in task_canonical(plain, plain.tasks["do-it"])["software"]
    env = {**ENV, "home_build": {"command": ["sh", "/home/agent/.build.sh"], "timeout": 120}}
    built = load_env(make_root(tmp_path / "b", env), tmp_path / "b")
    assert built.home_build == HomeBuildSpec(("sh", "/home/agent/.build.sh"), 120.0)
    assert task_canonical(built, built.tasks["do-it"])["software"]["home_build"]["command"] == [
        "sh", "/home/agent/.build.sh"]


def test_verifier_timeout_is_parsed(tmp_path):
    assert load_env(make_root(tmp_path), tmp_path).tasks["do-it"].verifier_timeout == 30.0  # the default
    spec = load_env(make_root(tmp_path / "b", task={**TASK, "verifier_timeout": 2.5}), tmp_path / "b")
    assert spec.tasks["do-it"].verifier_timeout == 2.5


def test_resource_limits_are_parsed(tmp_path):
    spec = load_env(make_root(tmp_path, {**ENV, "resources": {"memory": "1.5g", "cpus": 1, "pids": 256}}), tmp_path)
    assert spec.resources == ResourcesSpec(memory=3 * 2**29, cpus=1.0, pids=256)


@pytest.mark.parametrize(("env_change", "task_change", "file", "field", "expected"), [
    ({"settle": {"linger": 5.0}}, {}, "env.yaml", "settle.linger", "below settle.timeout"),
    ({"settle": {"linger": -1}}, {}, "env.yaml", "settle.linger", ">= 0"),
    ({"colour": "blue"}, {}, "env.yaml", "colour", "known fields"),
    ({"name": None}, {}, "env.yaml", "name", "non-empty string"),
    ({"launch": "xterm"}, {}, "env.yaml", "launch", "list of"),
    ({"soc_groups": ["43-1011"]}, {}, "env.yaml", "soc_groups", "major group"),
    ({"resolution": [10, 10]}, {}, "env.yaml", "resolution", "width"),
    ({"ready": {"title_regex": "x"}}, {}, "env.yaml", "ready.window_class", "required"),
    ({"id": "other"}, {}, "env.yaml", "id", "folder name"),
    ({"resources": "1g"}, {}, "env.yaml", "resources", "mapping"),
    ({"resources": {"memory": "lots"}}, {}, "env.yaml", "resources.memory", "512m"),
    ({"resources": {"memory": "1m"}}, {}, "env.yaml", "resources.memory", "at least 16m"),
    ({"resources": {"cpus": 0}}, {}, "env.yaml", "resources.cpus", "> 0"),
    ({"resources": {"pids": 2}}, {}, "env.yaml", "resources.pids", ">= 16"),
    ({"resources": {"disk": "1g"}}, {}, "env.yaml", "resources.disk", "known fields"),
    ({"ready": {"window_class": "xterm", "title_regex": "Untitled ("}}, {}, "env.yaml", "ready.title_regex",
     "a valid regular expression (missing ), unterminated subpattern"),
    ({"ready": {"window_class": "xterm", "title_regex": "a{99999999999}"}}, {}, "env.yaml", "ready.title_regex",
     "a valid regular expression"),
    ({"ready": {"window_class": "xterm", "timeout": float("nan")}}, {}, "env.yaml", "ready.timeout", ">= 1"),
    ({"ready": {"window_class": "xterm", "first_paint": -1}}, {}, "env.yaml", "ready.first_paint", ">= 0"),
    ({"home_build": ["sh", "build.sh"]}, {}, "env.yaml", "home_build", "a mapping with command"),
    ({"home_build": {"timeout": 5}}, {}, "env.yaml", "home_build.command", "required"),
    ({"home_build": {"command": ["sh -c x"]}}, {}, "env.yaml", "home_build.command[0]", "no whitespace"),
    ({"home_build": {"command": ["sh", "a\x00"]}}, {}, "env.yaml", "home_build.command[1]", "without NUL"),
    ({"home_build": {"command": ["sh"], "timeout": 0}}, {}, "env.yaml", "home_build.timeout", ">= 1"),
    ({"home_build": {"command": ["sh"], "timeout": 7200}}, {}, "env.yaml", "home_build.timeout", "1 and 3600"),
    ({"home_build": {"command": ["sh"], "user": "root"}}, {}, "env.yaml", "home_build.user", "known fields"),
    ({"settle": {"quiet": float("inf")}}, {}, "env.yaml", "settle.quiet", "a number >= 0"),
    ({"launch": [""]}, {}, "env.yaml", "launch", "non-empty strings"),
    ({"launch": ["xterm -e top"]}, {}, "env.yaml", "launch[0]", "a command name or path (no whitespace"),
    ({"launch": [" xterm"]}, {}, "env.yaml", "launch[0]", "no whitespace"),
    ({"launch": ["xterm\x00"]}, {}, "env.yaml", "launch[0]", "NUL"),
    ({"launch": ["xterm", "-T", "a\x00b"]}, {}, "env.yaml", "launch[2]", "without NUL"),
    ({}, {"max_steps": "ten"}, "do-it.yaml", "max_steps", "integer"),
    ({}, {"max_steps": 0}, "do-it.yaml", "max_steps", ">= 1"),
    ({}, {"split": "dev"}, "do-it.yaml", "split", "train"),
    ({}, {"verifier": "missing.py:check"}, "do-it.yaml", "verifier", "existing file"),
    ({}, {"oracle": "nope"}, "do-it.yaml", "oracle", "function defined in envs/demoapp/oracle.py"),
    ({}, {"oracle": "verifier.py:nope"}, "do-it.yaml", "oracle", "function defined in envs/demoapp/verifier.py"),
    ({}, {"verifier": "check.py"}, "do-it.yaml", "verifier", "a function name 'fn'"),
    ({}, {"verifier": None}, "do-it.yaml", "verifier", "a function name 'fn'"),
    ({}, {"verifier": ""}, "do-it.yaml", "verifier", "a function name 'fn'"),
    ({}, {"verifier": "../demoapp/verifier.py:check"}, "do-it.yaml", "verifier", "inside the software folder"),
    ({}, {"verifier": "envs/demoapp/verifier.py:check"}, "do-it.yaml", "verifier", "legacy layout"),
    ({}, {"parameters": {"n": {"int": [5, 1]}}}, "do-it.yaml", "parameters.n", "int: [lo, hi]"),
    ({}, {"parameters": {"n": {"range": [1, 5]}}}, "do-it.yaml", "parameters.n", "choice"),
    ({}, {"difficulty": None}, "do-it.yaml", "difficulty", "one of"),
    ({}, {"horizon": "epic"}, "do-it.yaml", "horizon", "one of ['short', 'long']"),
    ({}, {"horizon": True}, "do-it.yaml", "horizon", "one of"),
    ({}, {"verifier_timeout": 0}, "do-it.yaml", "verifier_timeout", "seconds > 0"),
    ({}, {"verifier_timeout": -5}, "do-it.yaml", "verifier_timeout", "seconds > 0"),
    ({}, {"verifier_timeout": "10"}, "do-it.yaml", "verifier_timeout", "seconds > 0"),
    ({}, {"verifier_timeout": True}, "do-it.yaml", "verifier_timeout", "seconds > 0"),
    ({}, {"verifier_timeout": float("nan")}, "do-it.yaml", "verifier_timeout", "seconds > 0"),
    ({}, {"verifier_timeout": float("inf")}, "do-it.yaml", "verifier_timeout", "seconds > 0"),
])
def test_bad_spec_names_file_field_and_expectation(tmp_path, env_change, task_change, file, field, expected):
    env = {k: v for k, v in {**ENV, **env_change}.items() if v is not None}
    task = {k: v for k, v in {**TASK, **task_change}.items() if v is not None or k in ROLES}
    folder = make_root(tmp_path, env, task)
    if env_change.get("id") == "other":
        pass
    with pytest.raises(SpecError) as info:
        load_env(folder, tmp_path)
    err = info.value
    assert err.path.endswith(file), err
    assert err.field == field, err
    assert expected in err.expected, err
    assert file in str(err) and field in str(err)


def test_invalid_yaml_reports_file(tmp_path):
    folder = make_root(tmp_path)
    (folder / "env.yaml").write_text("id: [unclosed\n")
    with pytest.raises(SpecError, match="env.yaml.*valid YAML"):
        load_env(folder, tmp_path)


def test_folder_without_tasks_loads_but_is_not_registered(tmp_path, monkeypatch):
    """A scaffolded software (``gym-anything create scaffold``) has no tasks yet: it loads, with no Gymnasium id."""
    from gym_anything.specs import registry

    folder = make_root(tmp_path)
    (folder / "tasks" / "do-it.yaml").unlink()
    assert load_env(folder, tmp_path).tasks == {}
    monkeypatch.setattr(registry, "all_software", lambda: {"demoapp": load_env(folder, tmp_path)})
    assert registry.gym_ids() == []


def test_extra_data_root_adds_an_env_without_core_edits(tmp_path, monkeypatch):
    make_root(tmp_path)
    monkeypatch.setenv("GYM_ANYTHING_PATH", str(tmp_path))
    envs = load_all()
    assert "demoapp" in envs and "gnumeric" in envs
    assert all_software()  # the cached registry of the repo itself is unaffected


def test_a_broken_env_is_reported_without_hiding_the_others(tmp_path):
    """Import registers every valid env and warns about the broken one; making the broken one raises."""
    import subprocess
    import sys

    make_root(tmp_path, {**ENV, "launch": "not-a-list"})
    code = ("import warnings; warnings.simplefilter('always')\n"
            "import gymnasium as gym, gym_anything\n"
            "print('gnumeric ok', 'GymAnything/gnumeric-v0' in gym_anything.gym_ids())\n"
            "try:\n    gym.make('GymAnything/demoapp-v0')\n"
            "except Exception as e:\n    print('raised', type(e).__name__, e)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={"GYM_ANYTHING_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert "gnumeric ok True" in out.stdout, out.stderr
    assert "environment 'demoapp' is not registered" in out.stderr
    assert "env.yaml: field 'launch'" in out.stderr  # the warning carries the SpecError's file and field
    assert "raised" in out.stdout


# --- one broken software never breaks the others -------------------------------------------------------

REPO = Path(__file__).resolve().parents[1]


def add_env(root: Path, env_id: str, env: bytes | dict | None = None, task: bytes | dict | None = None,
            module: bytes | None = None) -> Path:
    """An env folder ``envs/<env_id>`` beside the others, with its own verifier module (check and solve)."""
    folder = root / "envs" / env_id
    (folder / "tasks").mkdir(parents=True)
    env = {**ENV, "id": env_id} if env is None else env
    task = {**TASK, "verifier": "check", "oracle": "verifier.py:solve"} if task is None else task
    for path, content in ((folder / "env.yaml", env), (folder / "tasks" / "do-it.yaml", task)):
        path.write_bytes(content if isinstance(content, bytes) else yaml.safe_dump(content, sort_keys=False).encode())
    (folder / "verifier.py").write_bytes(module or b"def check(ctx):\n    pass\n\ndef solve(ctx):\n    return []\n")
    return folder


BROKEN = {  # kind -> (add_env arguments, file, field, expected)
    "verifier syntax error": ({"module": b"def check(ctx):\n    return (\n\ndef solve(ctx):\n    return []\n"},
                              "tasks/do-it.yaml", "verifier", "brokenapp/verifier.py, line 2"),
    "non-UTF-8 env.yaml": ({"env": yaml.safe_dump({**ENV, "id": "brokenapp"}).encode() + b"# caf\xe9\n"},
                           "envs/brokenapp/env.yaml", "<document>", "UTF-8 text"),
    "non-UTF-8 task yaml": ({"task": b"id: do-it\ninstruction: caf\xe9\n"},
                            "tasks/do-it.yaml", "<document>", "UTF-8 text"),
    "non-UTF-8 task module": ({"module": b"# caf\xe9\ndef check(ctx):\n    pass\n\ndef solve(ctx):\n    return []\n"},
                              "tasks/do-it.yaml", "verifier", "UTF-8"),
    "mixed-type unknown keys": ({"env": {**ENV, "id": "brokenapp", 1: "one", "colour": "blue"}},
                                "envs/brokenapp/env.yaml", "1", "string field names"),
    "non-string task key": ({"task": {**TASK, None: "x"}}, "tasks/do-it.yaml", "None", "string field names"),
    "NUL in home_template": ({"env": {**ENV, "id": "brokenapp", "home_template": "home\x00"}},
                             "envs/brokenapp/env.yaml", "home_template", "without NUL"),
}


@pytest.mark.parametrize("kind", BROKEN)
def test_a_broken_file_skips_only_its_software(tmp_path, monkeypatch, kind):
    arguments, file, field, expected = BROKEN[kind]
    make_root(tmp_path)
    add_env(tmp_path, "brokenapp", **arguments)
    monkeypatch.setenv("GYM_ANYTHING_PATH", str(tmp_path))
    envs, errors = load_all(strict=False)
    assert {"demoapp", "gnumeric"} <= set(envs) and "brokenapp" not in envs
    err = errors["brokenapp"]
    assert isinstance(err, SpecError)
    assert err.path.endswith(file) and "brokenapp" in err.path, err
    assert err.field == field and expected in err.expected, err
    with pytest.raises(SpecError):
        load_all()


def test_an_unexpected_loader_error_names_the_env_yaml(tmp_path, monkeypatch):
    import gym_anything.specs.loader as specs

    make_root(tmp_path)
    add_env(tmp_path, "brokenapp")
    real = specs.load_task

    def load_task(path, env):
        if env.id == "brokenapp":
            raise RuntimeError("loader bug")
        return real(path, env)

    monkeypatch.setattr(specs, "load_task", load_task)
    monkeypatch.setenv("GYM_ANYTHING_PATH", str(tmp_path))
    envs, errors = load_all(strict=False)
    assert {"demoapp", "gnumeric"} <= set(envs)
    err = errors["brokenapp"]
    assert err.path.endswith("brokenapp/env.yaml") and err.field == "<unexpected>"
    assert "RuntimeError: loader bug" in str(err)


def test_import_survives_broken_software_and_warns_naming_file_and_field(tmp_path):
    """``import gym_anything`` registers the repo's envs and the good extra one; each broken one is a warning."""
    import subprocess
    import sys

    make_root(tmp_path)
    for number, kind in enumerate(BROKEN):
        arguments = dict(BROKEN[kind][0])
        env_id = f"broken{number}"
        if isinstance(arguments.get("env"), dict):
            arguments["env"] = {**arguments["env"], "id": env_id}
        elif isinstance(arguments.get("env"), bytes):
            arguments["env"] = arguments["env"].replace(b"brokenapp", env_id.encode())
        add_env(tmp_path, env_id, **arguments)
    code = ("import warnings; warnings.simplefilter('always')\n"
            "import gym_anything\n"
            "ids = gym_anything.gym_ids()\n"
            "print('registered', 'GymAnything/gnumeric-v0' in ids, 'GymAnything/demoapp-v0' in ids,"
            " any('broken' in i for i in ids))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={"GYM_ANYTHING_PATH": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stderr
    assert "registered True True False" in out.stdout, out.stderr
    for number, kind in enumerate(BROKEN):
        _, file, field, _ = BROKEN[kind]
        file = file.replace("brokenapp", f"broken{number}")
        lines = [line for line in out.stderr.splitlines() if f"environment 'broken{number}' is not registered" in line]
        assert len(lines) == 1, (kind, out.stderr)
        assert file in lines[0] and f"field '{field}'" in lines[0], (kind, lines[0])


# --- task code by convention ---------------------------------------------------------------------------


def test_task_code_defaults_to_the_function_named_after_the_task(tmp_path):
    code = {**CODE, "setup.py": "def do_it(ctx):\n    return {}\n"}
    task = load_env(make_root(tmp_path, code=code), tmp_path).tasks["do-it"]
    folder = tmp_path / "envs" / "demoapp"
    for role, file in ROLES.items():
        ref = getattr(task, role)
        assert (ref.file, ref.function, str(ref)) == (folder / file, "do_it", f"envs/demoapp/{file}:do_it")


@pytest.mark.parametrize(("setup_py", "field"), [
    (None, {}),  # no setup.py: no setup
    ("def other(ctx):\n    return {}\n", {}),  # setup.py without do_it: no setup
    ("def do_it(ctx):\n    return {}\n", {"setup": None}),  # `setup: null`: no setup, despite setup.py's do_it
])
def test_a_task_without_a_setup(tmp_path, setup_py, field):
    code = {**CODE, **({"setup.py": setup_py} if setup_py else {})}
    assert load_env(make_root(tmp_path, task={**TASK, **field}, code=code), tmp_path).tasks["do-it"].setup is None


def test_explicit_task_code_names_a_function_or_a_file_of_the_software_folder(tmp_path):
    code = {**CODE, "shared.py": "def solve(ctx):\n    return []\n",
            "lib/setups.py": "def prepare(ctx):\n    return {}\n"}
    task = {**TASK, "verifier": "check", "oracle": "shared.py:solve", "setup": "lib/setups.py:prepare"}
    spec = load_env(make_root(tmp_path, task=task, code=code), tmp_path).tasks["do-it"]
    folder = tmp_path / "envs" / "demoapp"
    assert (spec.verifier.file, spec.verifier.function) == (folder / "verifier.py", "check")
    assert (spec.oracle.file, spec.oracle.function) == (folder / "shared.py", "solve")
    assert (spec.setup.file, spec.setup.function) == (folder / "lib" / "setups.py", "prepare")


@pytest.mark.parametrize(("code", "field", "found"), [
    ({"oracle.py": CODE["oracle.py"]}, "verifier", "no envs/demoapp/verifier.py"),
    ({**CODE, "verifier.py": "def check(ctx):\n    pass\n"}, "verifier", "defines ['check']"),
    ({"verifier.py": CODE["verifier.py"]}, "oracle", "no envs/demoapp/oracle.py"),
])
def test_a_missing_default_names_the_task_file_field_and_function(tmp_path, code, field, found):
    with pytest.raises(SpecError) as info:
        load_env(make_root(tmp_path, code=code), tmp_path)
    err = info.value
    assert err.path.endswith("envs/demoapp/tasks/do-it.yaml") and err.field == field, err
    assert f"a function 'def do_it(ctx)' in envs/demoapp/{ROLES[field]}" in err.expected and found in err.expected


def test_a_setup_py_with_a_syntax_error_is_an_error_even_without_a_setup_field(tmp_path):
    with pytest.raises(SpecError) as info:
        load_env(make_root(tmp_path, code={**CODE, "setup.py": "def do_it(ctx):\n    return (\n"}), tmp_path)
    assert info.value.field == "setup" and "setup.py, line 2" in info.value.expected


# --- legacy roots: verifiers/<software>.py, refs relative to the root ----------------------------------

LEGACY_FIXTURE = Path(__file__).parent / "fixtures" / "broken_root"


def make_legacy_root(root: Path, ids: tuple[str, ...] = ("demoapp",)) -> Path:
    """Today's layout: refs relative to the root, verifiers beside envs/."""
    (root / "verifiers").mkdir(parents=True)
    for env_id in ids:
        folder = root / "envs" / env_id
        (folder / "tasks").mkdir(parents=True)
        (folder / "env.yaml").write_text(yaml.safe_dump({**ENV, "id": env_id}))
        (folder / "setup.py").write_text("def do_it(ctx):\n    return {'x': 1}\n")
        task = {**TASK, "verifier": f"verifiers/{env_id}.py:check", "oracle": f"verifiers/{env_id}.py:solve"}
        (folder / "tasks" / "do-it.yaml").write_text(yaml.safe_dump(task))
        (root / "verifiers" / f"{env_id}.py").write_text("def check(ctx):\n    pass\n\n"
                                                         "def solve(ctx):\n    return []\n")
    return root


def legacy_warnings(record: list) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, DeprecationWarning)
            and "legacy layout" in str(w.message)]


def test_the_legacy_fixture_root_loads_with_one_warning_naming_the_migrate_command(monkeypatch):
    monkeypatch.setenv("GYM_ANYTHING_PATH", str(LEGACY_FIXTURE))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        envs = load_all()
    found = legacy_warnings(record)
    assert len(found) == 1 and f"gym-anything migrate {LEGACY_FIXTURE.resolve()}" in found[0], found
    sheet = envs["brokensheet"]
    assert sheet.legacy and not envs["gnumeric"].legacy
    task = sheet.tasks["presolved"]
    assert (str(task.setup), str(task.verifier), str(task.oracle)) == (
        "envs/brokensheet/setup.py:presolved", "verifiers/brokensheet.py:total", "envs/brokensheet/oracle.py:solve")
    assert task.verifier.file == LEGACY_FIXTURE.resolve() / "verifiers" / "brokensheet.py"


def test_a_legacy_root_warns_once_for_all_its_software_and_keeps_its_rules(tmp_path, monkeypatch):
    make_legacy_root(tmp_path, ("demoapp", "otherapp"))
    monkeypatch.setenv("GYM_ANYTHING_PATH", str(tmp_path))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        envs = load_all()
    assert len(legacy_warnings(record)) == 1 and issubclass(record[0].category, LegacyLayoutWarning)
    assert {"demoapp", "otherapp"} <= set(envs)
    assert envs["demoapp"].tasks["do-it"].setup is None  # no convention in a legacy root: no setup field, no setup
    with pytest.warns(LegacyLayoutWarning, match="gym-anything migrate"):
        load_env(tmp_path / "envs" / "demoapp")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_env(tmp_path / "envs" / "demoapp", warn=False)


def test_a_legacy_root_still_needs_its_references(tmp_path):
    make_legacy_root(tmp_path)
    task_file = tmp_path / "envs" / "demoapp" / "tasks" / "do-it.yaml"
    task_file.write_text(yaml.safe_dump(TASK))
    with pytest.raises(SpecError) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore", LegacyLayoutWarning)
        load_env(tmp_path / "envs" / "demoapp")
    assert info.value.field == "verifier" and "required field is missing" in info.value.expected


def test_a_stale_verifiers_folder_without_python_files_is_not_a_legacy_root(tmp_path):
    make_root(tmp_path)
    (tmp_path / "verifiers" / "__pycache__").mkdir(parents=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not load_env(tmp_path / "envs" / "demoapp", tmp_path).legacy



# --- gym-anything migrate: legacy root -> one folder per software ------------------------------------------


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def migrate_cli(root: Path, *extra: str) -> int:
    from gym_anything.cli.main import main

    return main(["migrate", str(root), *extra])


def test_migrate_converts_the_legacy_fixture_to_the_same_tasks(tmp_path, capsys):
    from gym_anything.audit import task_digest

    root = tmp_path / "root"
    shutil.copytree(LEGACY_FIXTURE, root)
    with pytest.warns(LegacyLayoutWarning):
        before = load_env(LEGACY_FIXTURE / "envs" / "brokensheet")
    assert migrate_cli(root) == 0
    out = capsys.readouterr().out
    assert "move verifiers/brokensheet.py -> envs/brokensheet/verifier.py" in out and "digests unchanged" in out
    assert not (root / "verifiers").exists()
    assert (root / "envs/brokensheet/verifier.py").read_bytes() == (LEGACY_FIXTURE / "verifiers/brokensheet.py"
                                                                    ).read_bytes()
    for task_file in (root / "envs/brokensheet/tasks").glob("*.yaml"):
        assert "verifiers/" not in task_file.read_text() and "envs/" not in task_file.read_text()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no deprecation warning any more
        after = load_env(root / "envs" / "brokensheet")
    assert not after.legacy and set(after.tasks) == set(before.tasks)
    for task_id, old in before.tasks.items():
        new = after.tasks[task_id]
        for role in ROLES:
            assert (getattr(old, role).function, getattr(old, role).file.read_bytes()) == (
                getattr(new, role).function, getattr(new, role).file.read_bytes()), (task_id, role)
        assert task_digest(before, old) == task_digest(after, new)
        same = {"file", *ROLES}
        assert {k: v for k, v in vars(old).items() if k not in same} == {k: v for k, v in vars(new).items()
                                                                          if k not in same}
    assert migrate_cli(root) == 0 and "nothing to do" in capsys.readouterr().out


def test_migrate_dry_run_prints_the_plan_and_changes_nothing(tmp_path, capsys):
    root = tmp_path / "root"
    shutil.copytree(LEGACY_FIXTURE, root)
    files = snapshot(root)
    assert migrate_cli(root, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "move verifiers/brokensheet.py" in out and "dry run: nothing was changed" in out
    assert "rewrite envs/brokensheet/tasks/bad-oracle.yaml" in out
    assert "oracle: envs/brokensheet/oracle.py:does_nothing -> does_nothing" in out
    assert snapshot(root) == files


@pytest.mark.parametrize(("extra", "message"), [
    ("envs/brokensheet/verifier.py", "envs/brokensheet/verifier.py already exists: refusing"),
    ("verifiers/common.py", "no software's verifier module (common.py"),
    ("verifiers/other.py", "no software's verifier module (other.py"),
])
def test_migrate_refuses_what_it_cannot_convert_and_changes_nothing(tmp_path, capsys, extra, message):
    root = tmp_path / "root"
    shutil.copytree(LEGACY_FIXTURE, root)
    (root / extra).write_text("def helper():\n    pass\n")
    files = snapshot(root)
    assert migrate_cli(root) == 2
    assert message in capsys.readouterr().err
    assert snapshot(root) == files


def test_migrate_rewrites_deprecated_imports_and_keeps_a_task_without_setup_without_one(tmp_path, capsys):
    root = make_legacy_root(tmp_path / "root")  # setup.py defines do_it, but the legacy task has no setup
    (root / "verifiers" / "demoapp.py").write_text(
        "from gym_anything.verification import VerifyContext, run_verifier\n"
        "from gym_anything.formats import read_text\n"
        "import gym_anything.formats\n\n\n"
        "def check(ctx: VerifyContext):\n    gym_anything.formats.read_text\n\n\n"
        "def solve(ctx):\n    return []\n")
    assert migrate_cli(root) == 0
    out = capsys.readouterr().out
    assert "from gym_anything.verification import VerifyContext, run_verifier -> from gym_anything.authoring import " \
           "VerifyContext / from gym_anything.verification import run_verifier" in out
    assert "digests changed by the rewritten imports: demoapp.do-it" in out
    code = (root / "envs/demoapp/verifier.py").read_text()
    assert "from gym_anything.authoring.formats import read_text\nimport gym_anything.authoring.formats\n" in code
    assert "    gym_anything.authoring.formats.read_text\n" in code
    task_text = (root / "envs/demoapp/tasks/do-it.yaml").read_text()
    assert "setup: null" in task_text and "verifier: check" in task_text and "oracle: verifier.py:solve" in task_text
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        task = load_env(root / "envs" / "demoapp").tasks["do-it"]
    assert task.setup is None and (task.verifier.function, task.oracle.function) == ("check", "solve")


def test_every_exception_of_the_package_derives_from_the_one_base():
    import ast
    import importlib
    import pkgutil

    import gym_anything
    from gym_anything.errors import GymAnythingError

    found = []
    for info in pkgutil.walk_packages(gym_anything.__path__, "gym_anything."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        tree = ast.parse(Path(module.__file__).read_text())
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                cls = getattr(module, node.name)
                if isinstance(cls, type) and issubclass(cls, Exception) and not issubclass(cls, Warning):
                    found.append(cls)
                    assert issubclass(cls, GymAnythingError), f"{info.name}.{node.name} is not a GymAnythingError"
    assert len(found) >= 12, found
