"""The audit gate: it passes real tasks and fails each kind of deliberately broken task."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml
from daily_sample import daily_sample, sample_day

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
from gym_anything.audit.probes import renderings, spell_number
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


def failed_details(task_id: str) -> dict[str, str]:
    """Like failed_checks, with each failed check's detail."""
    audit = audit_task(BROKEN, BROKEN.tasks[task_id], seeds=2, random_steps=5, mutate=False)
    assert not audit.passed
    return {c.name: c.detail for c in audit.checks if not c.passed and c.name != MUTATION_CHECK}


@pytest.mark.app
def test_privileged_value_in_another_spelling_in_a_home_file_fails():
    failed = failed_details("leak-other-spelling")  # HOME/notes/budget.txt: "2345 dollars 67 cents"
    in_home = [detail for name, detail in failed.items() if "in HOME files" in name]
    assert len(in_home) == 2 and all(re.fullmatch(r"total='\d{4} dollars \d{1,2} cents'", d) for d in in_home), failed
    assert all("in HOME files" in name for name in failed), failed  # the task is otherwise sound


@pytest.mark.app
def test_privileged_value_in_another_spelling_in_a_window_title_fails():
    failed = failed_details("leak-other-spelling-title")  # the file budget-2.345,67.gnumeric, opened at start
    on_screen = [detail for name, detail in failed.items() if "readable on the start screen" in name]
    assert len(on_screen) == 2 and all(re.fullmatch(r"total='\d\.\d{3},\d{2}'", d) for d in on_screen), failed
    # the app also records the opened file's name in HOME (its recent-files list): that is found as well
    assert not any("solvable" in name or "pre-solved" in name or "random agent" in name for name in failed), failed


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
    """Every run of the suite audits one task of one software with gate v2 (the full audit is the slow test); the
    software and the task move with the date (``daily_sample.py``), so the whole registry is covered over time.
    Nothing is stored."""
    day = sample_day()
    software = [env for env in all_software().values() if env.tasks]
    for env in daily_sample(software, 1, "gate v2 software"):
        task = env.tasks[daily_sample(sorted(env.tasks), 1, "gate v2 task")[0]]
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


# --- leaks in any spelling (issue 11): renderings, token boundaries, exemptions -----------------------------

DAY = dt.date(2026, 12, 1)
FOUND = [  # (privileged value, a text that shows it)
    (1234.5, "Total 1,234.50"), (1234.5, "Summe 1.234,50 EUR"), (1234.5, "total 1 234,50 \u20ac"),
    (1234.5, "1\u202f234,50"), (1234.5, "1234,50"), (1234.5, "1234,5"), (1234.5, "= 1,234.5"),
    (1234.5, "Total: 1, 234.50"),  # OCR split the number: squashed, it is whole again
    (1234.5, "$1,234.50"), (1234.5, "USD1234.50"), (1234.5, "1234 dollars 50 cents"),
    (1234.5, "one thousand two hundred thirty-four dollars and fifty cents"),
    (1234.5, "one thousand two hundred and thirty four dollars fifty cents"),
    (49.27, "49 dollars 27 cents"), (49.27, "49 dollars and 27 cents"), (49.27, "USD 49.27"), (49.27, "49.27 USD"),
    (49.27, "forty-nine dollars and twenty-seven cents"), (49.27, "forty nine dollars twenty seven cents"),
    (49.27, "forty\u2013nine dollars and twenty\u2013seven cents"), (49.27, "49,27"),
    (1234, "1234"), (1234, "1,234"), (1234, "1.234"), (1234, "1 234"), (1234, "1.234,00"), (1234, "$1,234.00"),
    (1234, "1234 dollars"), (1234, "1234 dollars 0 cents"), (1234, "one thousand two hundred thirty-four"),
    (1234, "cell B1234"),
    (1234, "1001,1234,7"),  # a CSV row: a list, not one number
    (1234, "12 1234 99"),  # cells read by OCR side by side
    ("1234.50", "1.234,50"),  # a numeric string is a number
    (0.125, "12.5%"), (0.125, "12,5 %"), (0.125, "12.50%"),
    (DAY, "2026-12-01"), (DAY, "2026/12/01"), (DAY, "20261201"), (DAY, "12/01/2026"), (DAY, "12/1/2026"),
    (DAY, "12/1/26"), (DAY, "01.12.2026"), (DAY, "1.12.2026"), (DAY, "01/12/2026"), (DAY, "December 1, 2026"),
    (DAY, "1 December 2026"), (DAY, "Dec 1, 2026"), (DAY, "Tuesday, December 1st, 2026"), (DAY, "1-Dec-2026"),
    ("2026-12-01", "due Dec 1, 2026"), ("2026-12-01T09:05:00", "12/1/2026 9:05"),
    (dt.datetime(2026, 12, 1, 9, 5), "at 2026-12-01 09:05:00"),
]
NOT_FOUND = [  # near misses: a longer number, another number or date, another amount
    (1234, "12345"), (1234, "x 12345 y"), (1234, "21234"), (1234, "1234.5"), (1234, "5.1234"), (1234, "11,234"),
    (1234, "1,234,567"), (1234, "1.234,56"), (1234, "21 234"), (1234, "1234 dollars and 50 cents"),
    (1234, "twenty-one thousand two hundred thirty-four"), (1234, "one thousand two hundred thirty-four thousand"),
    (1234, "one thousand two hundred thirty-five"),
    (1234.5, "11,234.50"), (1234.5, "1234.55"), (1234.5, "21234.5"), (1234.5, "1234.567"), (1234.5, "1.234,56"),
    (49.27, "149 dollars 27 cents"), (49.27, "49.271"),
    (49.27, "one hundred forty-nine dollars and twenty-seven cents"),
    (49.27, "one hundred and forty-nine dollars and twenty-seven cents"),
    (1249.0, "one thousand two hundred forty-nine dollars and twenty-seven cents"),
    (0.125, "112.5%"), (0.125, "12.55%"), (0.125, "12.5"),
    (DAY, "December 11, 2026"), (DAY, "11 December 2026"), (DAY, "12/11/2026"), (DAY, "11/12/2026"),
    (DAY, "Dec 12, 2026"), (DAY, "2026-12-011"), (DAY, "202612011"), (DAY, "2026-11-30"),
    (42, "42 42.00 $42 forty-two"), (12.5, "12.5 12.50 12,50"), ("B7", "B7"),  # too short to be checked
]


@pytest.mark.parametrize(("value", "shown"), FOUND, ids=[f"{v!r} in {s!r}" for v, s in FOUND])
def test_a_privileged_value_is_found_in_each_spelling(value, shown):
    assert leaked_values({"v": value}, (), f"before {shown} after", "instruction"), f"{value!r} not found"


@pytest.mark.parametrize(("value", "shown"), NOT_FOUND, ids=[f"{v!r} in {s!r}" for v, s in NOT_FOUND])
def test_a_near_miss_is_not_a_leak(value, shown):
    assert leaked_values({"v": value}, (), f"before {shown} after", "instruction") == []


RENDERED = [1234.5, 49.27, 1234, 0.125, DAY, dt.datetime(2026, 12, 1, 9, 5), "2026-12-01", "1234.50"]


@pytest.mark.parametrize("value", RENDERED, ids=repr)
def test_every_rendering_is_found_and_exempts_the_value_when_told(value):
    forms = renderings(value)
    shown = "\n".join(f"row {i}: {text} ." for i, text in enumerate(forms))
    for text, checked in forms.items():
        if checked:  # found, alone on a line of other text
            assert leaked_values({"v": value}, (), f"see {text} here", "instruction"), f"{text!r} not found"
        assert leaked_values({"v": value}, (), shown, f"The value is {text}.") == [], f"{text!r} does not exempt"
    assert leaked_values({"v": value}, (), shown, "instruction")
    assert leaked_values({"v": value, "w": "ZQX123"}, ("v",), shown + " ZQX123", "") == ["w='ZQX123'"]


def test_renderings_cover_the_documented_spellings():
    assert {"1234.5", "1234.50", "1,234.50", "1.234,50", "1234,50", "$1,234.50", "USD 1,234.50", "1,234.50 USD",
            "1234 dollars 50 cents", "1234 dollars and 50 cents",
            "one thousand two hundred thirty-four dollars and fifty cents"} <= set(renderings(1234.5))
    assert {"1234", "1,234", "1.234", "1234.00", "one thousand two hundred thirty-four",
            "one thousand two hundred and thirty-four"} <= set(renderings(1234))
    assert {"forty-nine dollars and twenty-seven cents", "49 dollars 27 cents"} <= set(renderings(49.27))
    assert {"12.5%", "12,5%", "12.50%"} <= set(renderings(0.125))
    assert {"2026-12-01", "20261201", "12/01/2026", "12/1/2026", "01.12.2026", "01/12/2026", "December 1, 2026",
            "1 December 2026", "Dec 1, 2026"} <= set(renderings(DAY)) <= set(renderings("2026-12-01"))
    assert renderings(np.float64(1234.5)) == renderings(1234.5) and renderings(np.int64(1234)) == renderings(1234)
    assert renderings(True) == renderings(None) == {} and renderings("ZQX123") == {"ZQX123": True}
    assert not any(renderings(42).values()) and not any(renderings(12.5).values())  # MIN_SECRET_CHARS: too short


@pytest.mark.parametrize(("n", "american", "british"), [
    (0, "zero", "zero"), (13, "thirteen", "thirteen"), (40, "forty", "forty"), (49, "forty-nine", "forty-nine"),
    (105, "one hundred five", "one hundred and five"), (1005, "one thousand five", "one thousand and five"),
    (21234, "twenty-one thousand two hundred thirty-four", "twenty-one thousand two hundred and thirty-four"),
    (2_000_019, "two million nineteen", "two million and nineteen"),
])
def test_numbers_are_spelled_in_english(n, american, british):
    assert (spell_number(n), spell_number(n, british=True)) == (american, british)


def test_a_rendering_in_the_instruction_exempts_the_value_but_a_near_miss_does_not():
    private = {"total": 1234.5, "day": DAY}
    screen = "1,234.50 and 1 December 2026"
    assert leaked_values(private, (), screen, "Check that the total is 1.234,50 EUR.") == ["day='1 December 2026'"]
    assert leaked_values(private, (), screen, "Due 12/1/26; the total must not exceed 11,234.50.") == \
        ["total='1,234.50'"]
    assert leaked_values(private, ("total", "day"), screen, "") == []


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


@pytest.mark.app
def test_killing_a_parallel_audit_leaves_no_worker_or_app_behind(tmp_path):
    """``audit --jobs 2`` killed with SIGKILL: its worker processes end with it, and their guardians remove the
    displays and apps they started."""
    import os
    import subprocess
    import sys
    import time

    from gym_anything.runtime.guardian import OWNER_VARIABLE, owned_processes

    tag = f"killed-audit-{os.getpid()}-{time.monotonic_ns()}"
    audit = subprocess.Popen([sys.executable, "-m", "gym_anything.cli", "audit", "--task", "mousepad.sort-lines",
                              "--task", "mousepad.append-entry", "--jobs", "2", "--no-store", "--out", str(tmp_path)],
                             env={**os.environ, OWNER_VARIABLE: tag}, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while len(owned_processes(tag)) < 4 and time.monotonic() < deadline:  # both workers' displays and apps
        time.sleep(0.5)
    assert owned_processes(tag), "the audit's workers started nothing"
    workers = [int(p) for p in subprocess.run(["pgrep", "-P", str(audit.pid)], capture_output=True,
                                              text=True).stdout.split()]
    audit.kill()
    audit.wait()
    deadline = time.monotonic() + 30
    while (owned_processes(tag) or any(os.path.exists(f"/proc/{w}") for w in workers)) and time.monotonic() < deadline:
        time.sleep(0.5)
    alive = [w for w in workers if os.path.exists(f"/proc/{w}")]
    assert not owned_processes(tag) and not alive, (owned_processes(tag), alive)
