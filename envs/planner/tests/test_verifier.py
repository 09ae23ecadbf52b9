"""Planner verifiers judged on .planner files the real app saved: plausible wrong solutions must not pass."""

from __future__ import annotations

from verifiers_for_tests import failed, keys, run, texts_replaced

from gym_anything import actions as A
from gym_anything.actions import validate


def _dialog_starts(plan: list[dict]) -> list[int]:
    """Indexes of the ctrl+f that starts each task's edit."""
    return [i for i, a in enumerate(plan) if keys(a) == ("ctrl", "f")]


def test_planner_work_typed_in_hours_fails_every_revision(software_envs):
    env = software_envs("planner")
    env.reset(seed=11, options={"task": "update-durations"})
    info = run(env, texts_replaced(env.unwrapped.oracle_actions(), lambda t: t[:-1] + "h" if t.endswith("d") else t))
    assert info["reward"] == 0.0 and info["verifier"]["items"][0]["passed"]
    assert failed(info) and all(": work " in name for name in failed(info))


def test_planner_half_the_revisions_is_partial_credit(software_envs):
    env = software_envs("planner")
    env.reset(seed=12, options={"task": "update-durations"})
    plan = env.unwrapped.oracle_actions()
    starts = _dialog_starts(plan)
    info = run(env, [*plan[:starts[len(starts) // 2]], A.hotkey("ctrl", "s")])
    assert 0.2 < info["reward"] < 0.8 and all(": work " in name for name in failed(info))


def test_planner_delay_typed_as_the_new_total_only_fails(software_envs):
    env = software_envs("planner")
    env.reset(seed=13, options={"task": "apply-delay"})
    extra = iter(c["extra"] for c in env.unwrapped.privileged()["changes"])
    info = run(env, texts_replaced(env.unwrapped.oracle_actions(),
                                    lambda t: f"{next(extra)}d" if t.endswith("d") else t))
    assert info["reward"] == 0.0 and failed(info)


def test_planner_removing_top_down_deletes_the_wrong_tasks(software_envs):
    env = software_envs("planner")
    env.reset(seed=14, options={"task": "remove-cancelled"})
    plan = env.unwrapped.oracle_actions()
    starts = _dialog_starts(plan)
    groups = [plan[i:i + 4] for i in starts]  # ctrl+f, WBS, escape, ctrl+d: bottom-up in the oracle
    info = run(env, [*plan[:starts[0]], *[a for g in reversed(groups) for a in g], A.hotkey("ctrl", "s")])
    assert info["reward"] == 0.0 and not info["verifier"]["passed"]


def test_planner_progress_typed_into_work_fails(software_envs):
    env = software_envs("planner")
    env.reset(seed=15, options={"task": "record-progress"})
    plan = [A.click(666, 321) if validate(a, 1280, 720).get("x") == 630 else a
            for a in env.unwrapped.oracle_actions()]
    info = run(env, plan)
    assert info["reward"] == 0.0


def test_planner_crew_assigned_one_row_off_fails(software_envs):
    env = software_envs("planner")
    env.reset(seed=16, options={"task": "assign-crew"})
    rows = {c["row"] for c in env.unwrapped.privileged()["changes"]}
    shift = -23 if 0 not in rows else 23
    plan = [A.click(704, v["y"] + shift) if (v := validate(a, 1280, 720)).get("x") == 704 else a
            for a in env.unwrapped.oracle_actions()]
    info = run(env, plan)
    assert info["reward"] < 1.0 and not info["verifier"]["passed"]
