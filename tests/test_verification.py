"""run_verifier fails closed: exits, hangs and checklists that cannot pass; the task's verifier_timeout."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest

from gym_anything.authoring import VerifyContext
from gym_anything.specs import Ref
from gym_anything.verification import run_verifier

VERIFIERS = '''
import sys, time

def exit_zero(ctx):
    ctx.check("looked fine", True)
    sys.exit(0)

def exit_one(ctx):
    sys.exit(1)

def exit_bare(ctx):
    ctx.check("looked fine", True)
    sys.exit()

def spin(ctx):
    ctx.check("started", True)
    while True:
        try:
            pass
        except Exception:  # a verifier swallowing Exception does not swallow the time limit
            pass

def blocked(ctx):
    ctx.check("started", True)
    time.sleep(1.5)  # one long C call: the stop takes effect when it returns
    ctx.check("late", True)

def gates_only(ctx):
    ctx.require("file saved", True)
    ctx.require("nothing else changed", True)

def light_failure(ctx):
    ctx.check("most of it", True, weight=1e7)
    ctx.check("a detail", False)

def negative_weight(ctx):
    ctx.check("a", True, weight=2)
    ctx.check("b", False, weight=-1)

def all_pass(ctx):
    ctx.require("saved", True)
    ctx.check("a", True)
    ctx.check("b", True, weight=2)

def partial(ctx):
    ctx.check("a", True)
    ctx.check("b", False, weight=3)

def failed_gate(ctx):
    ctx.check("a", True)
    ctx.require("saved", False)
'''


@pytest.fixture
def verify(tmp_path):
    (tmp_path / "verifiers").mkdir()
    (tmp_path / "verifiers" / "cases.py").write_text(VERIFIERS)

    def run(function: str, **kwargs):
        ctx = VerifyContext(params={}, public={}, private={}, home=tmp_path, private_dir=tmp_path)
        return run_verifier(Ref(tmp_path, "verifiers/cases.py", function), ctx, **kwargs), ctx

    return run


def _verifier_threads(function: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.endswith(f"cases.py:{function}")]


@pytest.mark.parametrize("function", ["exit_zero", "exit_one", "exit_bare"])
def test_sys_exit_in_a_verifier_fails_closed(verify, function):
    result, _ = verify(function)
    assert result.score == 0.0 and result.passed is False
    assert "SystemExit" in result.error


def test_a_hanging_verifier_times_out_and_is_stopped(verify):
    started = time.monotonic()
    result, _ = verify("spin", timeout=0.5)
    assert time.monotonic() - started < 1.5
    assert result.score == 0.0 and result.passed is False
    assert "exceeded 0.5 s" in result.error and [i.name for i in result.items] == ["started"]
    deadline = time.monotonic() + 2
    while _verifier_threads("spin") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _verifier_threads("spin"), "the timed-out verifier thread is still running"


def test_a_verifier_blocked_in_c_is_stopped_when_the_call_returns(verify):
    started = time.monotonic()
    result, ctx = verify("blocked", timeout=0.3)
    assert time.monotonic() - started < 1.0 and "exceeded 0.3 s" in result.error
    deadline = time.monotonic() + 3
    while _verifier_threads("blocked") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _verifier_threads("blocked")
    assert [i.name for i in result.items] == ["started"]
    assert [i.name for i in ctx.checklist.items] == ["started"]  # stopped, not just abandoned: no "late" item


def test_timeout_must_be_positive(verify):
    for bad in (0, -1, float("nan"), "5", True):
        with pytest.raises(ValueError, match="timeout must be"):
            verify("all_pass", timeout=bad)
    assert verify("all_pass", timeout=None)[0].passed  # None: no limit


def test_a_checklist_of_only_gates_fails_closed(verify):
    result, _ = verify("gates_only")
    assert result.score == 0.0 and result.passed is False
    assert "recorded no scored checklist items" in result.error


def test_a_failed_item_never_rounds_up_to_a_full_score(verify):
    result, _ = verify("light_failure")
    assert result.passed is False and 0.99 < result.score < 1.0


def test_a_negative_weight_fails_closed(verify):
    result, _ = verify("negative_weight")
    assert result.score == 0.0 and result.passed is False and "weight must be a finite number >= 0" in result.error


@pytest.mark.parametrize(("function", "score"), [
    ("all_pass", 1.0), ("partial", 0.25), ("failed_gate", 0.0), ("gates_only", 0.0), ("light_failure", None),
    ("exit_zero", 0.0),
])
def test_a_result_passes_exactly_when_its_score_is_1(verify, function, score):
    """The binary reward (passed) and the score reward agree."""
    result, _ = verify(function)
    assert result.passed == (result.score == 1.0)
    if score is not None:
        assert result.score == score


def test_the_env_runs_the_verifier_with_the_tasks_time_limit(tmp_path):
    """An episode on the fake runner (no app) ends with the task's verifier cut at its verifier_timeout."""
    from gym_anything import actions as A
    from gym_anything.core.env import GymAnythingEnv
    from gym_anything.specs.registry import all_software

    (tmp_path / "verifiers").mkdir()
    (tmp_path / "verifiers" / "cases.py").write_text(VERIFIERS)
    software = all_software()["gnumeric"]
    task = dataclasses.replace(software.tasks["sum-column"], verifier=Ref(tmp_path, "verifiers/cases.py", "spin"),
                               verifier_timeout=0.4, checklist=None)
    env = GymAnythingEnv(dataclasses.replace(software, tasks={task.id: task}), task.id, audit=False, runner="fake")
    env.reset(seed=0)
    started = time.monotonic()
    _, reward, terminated, _, info = env.step(A.done())
    assert time.monotonic() - started < 3 and terminated and reward == 0.0
    assert "exceeded 0.4 s" in info["verifier"]["error"] and not info["verifier"]["passed"]
    env.close()
