"""The audit gate: it passes real tasks and fails each kind of deliberately broken task."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest
import yaml

from gym_anything.audit import (
    TaskAudit,
    VersionNotBumpedError,
    audit_task,
    is_audited,
    leaked_values,
    probe_sandbox,
    recorded_versions,
    store,
    stored_audit,
    task_digest,
)
from gym_anything.specs import load_env
from gym_anything.specs.loader import LegacyLayoutWarning
from gym_anything.specs.registry import all_software

LEGACY_ROOT = Path(__file__).parent / "fixtures" / "broken_root"  # the legacy layout (verifiers/brokensheet.py)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", LegacyLayoutWarning)  # tests/test_specs.py checks the warning
    BROKEN = load_env(LEGACY_ROOT / "envs" / "brokensheet")


MUTATION_CHECK = "mutation test of the verifier (every non-equivalent mutant fails)"


def failed_checks(task_id: str) -> list[str]:
    """The failed checks of a fixture task (without mutants: the mutation check then fails as 'skipped')."""
    audit = audit_task(BROKEN, BROKEN.tasks[task_id], seeds=2, random_steps=5, mutate=False)
    assert not audit.passed
    return [c.name for c in audit.checks if not c.passed and c.name != MUTATION_CHECK]


@pytest.mark.app
def test_presolved_task_fails():
    failed = failed_checks("presolved")
    assert any("not pre-solved" in name for name in failed), failed


@pytest.mark.app
def test_stub_verifier_that_always_passes_fails():
    failed = failed_checks("always-passes")
    assert any("not pre-solved" in name for name in failed), failed
    assert any("random agent" in name for name in failed), failed


@pytest.mark.app
def test_oracle_that_does_not_solve_fails():
    failed = failed_checks("bad-oracle")
    assert any("solvable" in name for name in failed), failed
    assert not any("pre-solved" in name for name in failed)


@pytest.mark.app
def test_privileged_value_on_screen_fails():
    failed = failed_checks("secret-on-screen")
    assert any("readable on the start screen" in name for name in failed), failed
    assert not any("solvable" in name for name in failed), failed


@pytest.mark.app
def test_privileged_file_readable_from_the_sandbox_fails():
    failed = failed_checks("answer-in-home")
    assert any("in HOME files" in name for name in failed), failed


@pytest.mark.app
def test_a_verifier_that_passes_whenever_the_file_was_saved_fails_the_mutation_test(tmp_path):
    """No-op and random agents never save, so only mutants catch it; the survivors and their evidence are kept."""
    audit = audit_task(BROKEN, BROKEN.tasks["saved-at-all"], seeds=1, random_steps=5, evidence=tmp_path)
    failed = {c.name: c for c in audit.checks if not c.passed}
    assert set(failed) == {MUTATION_CHECK}, {n: c.detail for n, c in failed.items()}
    mutation = audit.mutation
    assert mutation["killed"] >= 4  # the save dropped, the plan cut short: the file is not saved
    survivors = {s["mutant"] for s in mutation["survived"]}
    assert {"change a digit", "change a letter"} <= survivors, mutation
    assert all(s["items"] and s["actions"] for s in mutation["survived"])
    assert "survived: change a digit" in failed[MUTATION_CHECK].detail
    kept = [Path(p) for p in failed[MUTATION_CHECK].evidence]
    assert len(kept) == len(survivors) and all(p.is_relative_to(tmp_path) for p in kept)
    for folder in kept:
        assert {f.name for f in folder.iterdir()} == {"start.png", "end.png", "actions.json", "verifier.json"}
        assert json.loads((folder / "verifier.json").read_text())["verifier"]["passed"] is True
    labels = {(t["name"], t["label"], t["passed"]) for t in audit.labelled["trajectories"]}
    assert ("seed 1000: oracle", "pass", True) in labels
    assert any("mutant 'change a digit'" in name and label == "fail" and passed for name, label, passed in labels)


@pytest.mark.app
def test_the_gate_passes_a_seeded_sample_of_real_tasks_with_every_mutant_killed():
    """Every run of the suite audits one task per software with gate v2 (the full audit is the slow test); the sample
    moves with the date so the whole registry is covered over time. Nothing is stored."""
    import datetime
    import random

    day = datetime.date.today().toordinal()
    picker = random.Random(day)
    for env in all_software().values():
        task = env.tasks[picker.choice(sorted(env.tasks))]
        audit = audit_task(env, task, seeds=1, random_steps=5)
        failed = {c.name: c.detail for c in audit.checks if not c.passed}
        assert audit.passed, f"{task.gym_id} (sample of day {day}): {failed}"
        mutation = audit.mutation
        assert mutation["mutants"] >= 5 and mutation["killed"] >= 1 and not mutation["survived"], mutation


@pytest.mark.app
def test_a_sound_fixture_task_passes_and_digest_tracks_content():
    audit = audit_task(BROKEN, BROKEN.tasks["bad-oracle"], seeds=1, random_steps=3)
    names = {c.name: c.passed for c in audit.checks}
    assert names["no leak through the app: sandbox paths"]
    assert audit.digest == task_digest(BROKEN, BROKEN.tasks["bad-oracle"])


def test_leak_detection_matches_renderings_and_respects_declarations():
    private = {"total": 1234.5, "code": "ZQX123", "cell": "B7", "names": ["Widgets"]}
    screen = "Total 1,234.50 ... zqx 123 ... B7 ... Widgets"
    assert leaked_values(private, (), screen, "instruction") == ["code='ZQX123'", "names[0]='Widgets'",
                                                                 "total='1,234.50'"]
    assert leaked_values(private, ("names",), screen, "the code is ZQX123") == ["total='1,234.50'"]


def test_sandbox_probe_reports_what_is_visible(software_envs):
    env = software_envs("gnumeric")
    env.reset(seed=0, options={"task": "sum-column"})
    assert probe_sandbox(env, [Path("/usr/bin/env"), Path("/definitely/not/here")]) == ["/usr/bin/env"]


def test_every_task_version_names_the_digest_its_audit_recorded():
    """A task's id is honest: the digest its stored record lists for its current version is its digest now.

    A task edited without a version bump fails here (bump ``version:``); a new version needs an audit."""
    stale = []
    for env in all_software().values():
        for task in env.tasks.values():
            recorded = recorded_versions(stored_audit(env, task)).get(str(task.version))
            if recorded is None:
                stale.append(f"{task.gym_id}: no audit recorded for version {task.version}; run 'gym-anything "
                             f"audit --task {env.id}.{task.id}'")
            elif recorded != task_digest(env, task):
                stale.append(f"{task.gym_id}: changed since version {task.version} was audited; bump 'version:' "
                             f"in {task.file.name} and audit it")
    assert not stale, "\n".join(stale)


def test_every_task_in_the_repo_has_a_current_passing_audit():
    missing = [t.gym_id for env in all_software().values() for t in env.tasks.values() if not is_audited(env, t)]
    assert not missing, f"run 'gym-anything audit' for: {missing}"


def test_every_stored_audit_killed_its_mutants_and_kept_a_labelled_set():
    """Gate v2 on every task on main: mutation figures in each record, no survivor, and the labelled set of the
    audited version (oracle runs labelled pass, the rest fail) on which the current verifier makes no mistake."""
    from gym_anything.audit.labelled import load_labelled

    problems = []
    for env in all_software().values():
        for task in env.tasks.values():
            mutation = (stored_audit(env, task) or {}).get("mutation") or {}
            if not mutation.get("mutants") or mutation.get("survived"):
                problems.append(f"{task.gym_id}: mutation figures {mutation or 'missing'}")
            labelled = load_labelled(env, task) or {}
            labels = [t["label"] for t in labelled.get("trajectories", [])]
            if "pass" not in labels or "fail" not in labels:
                problems.append(f"{task.gym_id}: no labelled set with both labels")
            wrong = [t["name"] for t in labelled.get("trajectories", []) if t["passed"] != (t["label"] == "pass")]
            if wrong:
                problems.append(f"{task.gym_id}: the verifier disagreed with the labels on {wrong}")
    assert not problems, "\n".join(problems)


@pytest.mark.app
@pytest.mark.slow
def test_full_audit_passes_on_every_task():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "gym_anything.cli", "audit", "--all", "--no-store"],
                         capture_output=True, text=True, timeout=3600)
    assert out.returncode == 0, out.stdout[-3000:]


# --- digests: what a task is, not where its files sit; versions name digests ------------------------------

CODE = "def do_it(ctx):\n    pass\n\ndef other(ctx):\n    pass\n"


def make_root(root: Path, task: dict | None = None, legacy: bool = False) -> Path:
    """A software 'demoapp' with one task 'do-it' (its code by convention, or in the legacy layout)."""
    folder = root / "envs" / "demoapp"
    (folder / "tasks").mkdir(parents=True)
    (folder / "home" / ".config").mkdir(parents=True)
    (folder / "home" / ".config" / "app.ini").write_text("[view]\nzoom=1\n")
    env = {"id": "demoapp", "name": "Demo", "description": "A demo app", "version": 0, "soc_groups": ["43-0000"],
           "packages": ["xterm"], "launch": ["xterm"], "ready": {"window_class": "xterm"}, "home_template": "home"}
    (folder / "env.yaml").write_text(yaml.safe_dump(env))
    (folder / "setup.py").write_text("def do_it(ctx):\n    return {}\n")
    (folder / "oracle.py").write_text("def do_it(ctx):\n    return []\n")
    task = task or {"id": "do-it", "version": 0, "instruction": "Do it.", "max_steps": 10, "split": "train",
                    "difficulty": "easy"}
    if legacy:
        (root / "verifiers").mkdir()
        (root / "verifiers" / "demoapp.py").write_text(CODE)
        task = {**task, "setup": "envs/demoapp/setup.py:do_it", "verifier": "verifiers/demoapp.py:do_it",
                "oracle": "envs/demoapp/oracle.py:do_it"}
    else:
        (folder / "verifier.py").write_text(CODE)
    (folder / "tasks" / "do-it.yaml").write_text(yaml.safe_dump(task, sort_keys=False))
    return folder


def load(folder: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LegacyLayoutWarning)
        env = load_env(folder)
    return env, env.tasks["do-it"]


def digest(folder: Path) -> str:
    return task_digest(*load(folder))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_the_digest_does_not_depend_on_where_the_files_sit(tmp_path):
    folder = make_root(tmp_path / "a")
    before = digest(folder)
    assert digest(make_root(tmp_path / "legacy", legacy=True)) == before  # root-relative refs, verifiers/ folder
    (folder / "checks").mkdir()
    (folder / "verifier.py").rename(folder / "checks" / "main.py")  # move the code file and name it
    task_file = folder / "tasks" / "do-it.yaml"
    task_file.write_text(task_file.read_text() + "verifier: checks/main.py:do_it\noracle: do_it\n")
    (folder / "home").rename(folder / "skeleton")  # move the HOME template
    edit(folder / "env.yaml", "home_template: home", "home_template: skeleton")
    assert digest(folder) == before
    edit(task_file, "version: 0", "version: 1")  # the version names a digest; it is not part of it
    assert digest(folder) == before
    shutil.copytree(tmp_path / "a", tmp_path / "elsewhere" / "b")  # another root
    assert digest(tmp_path / "elsewhere" / "b" / "envs" / "demoapp") == before


@pytest.mark.parametrize(("file", "old", "new"), [
    ("verifier.py", "def do_it(ctx):\n    pass", "def do_it(ctx):\n    ctx.check('x', True)"),  # its function
    ("verifier.py", "def other(ctx):\n    pass", "def other(ctx):\n    return None"),  # its file
    ("setup.py", "return {}", "return {'a': 1}"),
    ("oracle.py", "return []", "return [{}]"),
    ("tasks/do-it.yaml", "Do it.", "Do it twice."),
    ("tasks/do-it.yaml", "max_steps: 10", "max_steps: 11"),
    ("env.yaml", "- xterm\nready", "- xterm\n- -T\n- demo\nready"),  # a launch argument
    ("env.yaml", "window_class: xterm", "window_class: XTerm"),
    ("home/.config/app.ini", "zoom=1", "zoom=2"),
])
def test_the_digest_changes_with_code_spec_values_and_home_template(tmp_path, file, old, new):
    folder = make_root(tmp_path)
    before = digest(folder)
    edit(folder / file, old, new)
    assert digest(folder) != before


def test_the_digest_changes_when_a_task_points_at_another_function(tmp_path):
    folder = make_root(tmp_path)
    before = digest(folder)
    (folder / "tasks" / "do-it.yaml").write_text((folder / "tasks" / "do-it.yaml").read_text() + "verifier: other\n")
    assert digest(folder) != before
    folder = make_root(tmp_path / "b")
    (folder / "setup.py").unlink()  # no setup any more
    assert digest(folder) != before


def passing(folder: Path) -> tuple:
    env, task = load(folder)
    return env, task, TaskAudit(task=task.gym_id, digest=task_digest(env, task), seeds=[1], passed=True)


def test_store_records_each_version_and_refuses_a_new_digest_for_an_audited_version(tmp_path):
    folder = make_root(tmp_path)
    env, task, audit = passing(folder)
    path = store(env, task, audit)
    assert json.loads(path.read_text())["versions"] == {"0": audit.digest}
    store(env, task, audit)  # the same digest again: fine
    edit(folder / "verifier.py", "pass", "ctx.check('x', True)")
    env, task, changed = passing(folder)
    with pytest.raises(VersionNotBumpedError) as info:
        store(env, task, changed)
    err = info.value
    assert err.path == str(task.file) and err.field == "version" and "bump 'version:' in do-it.yaml" in str(err)
    assert json.loads(path.read_text())["digest"] == audit.digest  # the record is left as it was
    failed = TaskAudit(task=task.gym_id, digest=changed.digest, seeds=[1], passed=False)
    store(env, task, failed)  # a failing audit is recorded but vouches for no version
    assert recorded_versions(stored_audit(env, task)) == {"0": audit.digest}
    edit(folder / "tasks" / "do-it.yaml", "version: 0", "version: 1")
    env, task, bumped = passing(folder)
    store(env, task, bumped)
    record = json.loads(path.read_text())
    assert record["versions"] == {"0": audit.digest, "1": changed.digest} and record["digest"] == changed.digest
    assert is_audited(env, task)
