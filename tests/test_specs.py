"""Spec loading: every spec in the repo is valid; broken specs raise one clear SpecError."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gym_anything.registry import all_envs
from gym_anything.specs import ResourcesSpec, SpecError, load_all, load_env

ENV = {
    "id": "demoapp", "name": "Demo", "description": "A demo app", "version": 0, "soc_groups": ["43-0000"],
    "packages": ["xterm"], "launch": ["xterm"], "ready": {"window_class": "xterm"},
}
TASK = {
    "id": "do-it", "version": 0, "instruction": "Do {thing}", "parameters": {"thing": {"choice": ["a", "b"]}},
    "verifier": "verifiers/demoapp.py:check", "oracle": "verifiers/demoapp.py:solve", "max_steps": 10,
    "split": "train", "difficulty": "easy", "tags": [],
}


def make_root(tmp_path: Path, env: dict | None = None, task: dict | None = None) -> Path:
    folder = tmp_path / "envs" / "demoapp"
    (folder / "tasks").mkdir(parents=True)
    (folder / "env.yaml").write_text(yaml.safe_dump(env or ENV))
    (folder / "tasks" / "do-it.yaml").write_text(yaml.safe_dump(task or TASK))
    (tmp_path / "verifiers").mkdir()
    (tmp_path / "verifiers" / "demoapp.py").write_text("def check(ctx):\n    pass\n\ndef solve(ctx):\n    return []\n")
    return folder


def test_every_spec_in_repo_loads():
    envs = load_all()
    assert {"gnumeric", "mousepad", "sqlitebrowser"} <= set(envs)
    for env in envs.values():
        assert len(env.tasks) >= 5, f"{env.id} has only {len(env.tasks)} tasks"
        for task in env.tasks.values():
            assert task.verifier.file.is_file() and task.oracle.file.is_file()


def test_minimal_valid_spec_loads(tmp_path):
    spec = load_env(make_root(tmp_path), tmp_path)
    assert spec.resolution == (1280, 720)
    assert spec.gym_id == "GymAnything/demoapp-v0"
    assert spec.tasks["do-it"].gym_id == "GymAnything/demoapp.do-it-v0"
    assert spec.tasks["do-it"].horizon == "short"  # the default; `horizon: long` marks the long suite
    assert spec.resources == ResourcesSpec()  # no limits unless the spec asks


def test_resource_limits_are_parsed(tmp_path):
    spec = load_env(make_root(tmp_path, {**ENV, "resources": {"memory": "1.5g", "cpus": 1, "pids": 256}}), tmp_path)
    assert spec.resources == ResourcesSpec(memory=3 * 2**29, cpus=1.0, pids=256)


@pytest.mark.parametrize(("env_change", "task_change", "file", "field", "expected"), [
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
    ({}, {"max_steps": "ten"}, "do-it.yaml", "max_steps", "integer"),
    ({}, {"max_steps": 0}, "do-it.yaml", "max_steps", ">= 1"),
    ({}, {"split": "dev"}, "do-it.yaml", "split", "train"),
    ({}, {"verifier": "verifiers/missing.py:check"}, "do-it.yaml", "verifier", "existing file"),
    ({}, {"oracle": "verifiers/demoapp.py:nope"}, "do-it.yaml", "oracle", "function defined"),
    ({}, {"verifier": "check"}, "do-it.yaml", "verifier", "module.py:function"),
    ({}, {"parameters": {"n": {"int": [5, 1]}}}, "do-it.yaml", "parameters.n", "int: [lo, hi]"),
    ({}, {"parameters": {"n": {"range": [1, 5]}}}, "do-it.yaml", "parameters.n", "choice"),
    ({}, {"difficulty": None}, "do-it.yaml", "difficulty", "one of"),
    ({}, {"horizon": "epic"}, "do-it.yaml", "horizon", "one of ['short', 'long']"),
    ({}, {"horizon": True}, "do-it.yaml", "horizon", "one of"),
])
def test_bad_spec_names_file_field_and_expectation(tmp_path, env_change, task_change, file, field, expected):
    env = {k: v for k, v in {**ENV, **env_change}.items() if v is not None}
    task = {k: v for k, v in {**TASK, **task_change}.items() if v is not None}
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


def test_folder_without_tasks_is_an_error(tmp_path):
    folder = make_root(tmp_path)
    (folder / "tasks" / "do-it.yaml").unlink()
    with pytest.raises(SpecError, match="at least one task"):
        load_env(folder, tmp_path)


def test_extra_data_root_adds_an_env_without_core_edits(tmp_path, monkeypatch):
    make_root(tmp_path)
    monkeypatch.setenv("GYM_ANYTHING_PATH", str(tmp_path))
    envs = load_all()
    assert "demoapp" in envs and "gnumeric" in envs
    assert all_envs()  # the cached registry of the repo itself is unaffected


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
