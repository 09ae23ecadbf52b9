"""The audit gate: it passes real tasks and fails each kind of deliberately broken task."""

from __future__ import annotations

from pathlib import Path

import pytest

from gym_anything.audit import audit_task, is_audited, leaked_values, probe_sandbox, task_digest
from gym_anything.specs import load_env
from gym_anything.specs.registry import all_software

BROKEN = load_env(Path(__file__).parent / "fixtures" / "broken_root" / "envs" / "brokensheet")


def failed_checks(task_id: str) -> list[str]:
    audit = audit_task(BROKEN, BROKEN.tasks[task_id], seeds=2, random_steps=5)
    assert not audit.passed
    return [c.name for c in audit.checks if not c.passed]


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


def test_every_task_in_the_repo_has_a_current_passing_audit():
    missing = [t.gym_id for env in all_software().values() for t in env.tasks.values() if not is_audited(env, t)]
    assert not missing, f"run 'gym-anything audit' for: {missing}"


@pytest.mark.app
@pytest.mark.slow
def test_full_audit_passes_on_every_task():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "gym_anything.cli", "audit", "--all", "--no-store"],
                         capture_output=True, text=True, timeout=3600)
    assert out.returncode == 0, out.stdout[-3000:]
