"""Verifiers judged on files the real apps saved: work that was never saved never earns points, on every task.

The audit (tests/test_audit.py, gym-anything audit) proves the positive side with the oracle. Each software's own
verifier tests (envs/<software>/tests/test_verifier.py) bend its oracles into typical mistakes that the verifier
must catch.
"""

from __future__ import annotations

import pytest
from verifiers_for_tests import run

from gym_anything.actions import ActionType, validate
from gym_anything.specs.registry import all_tasks

SAVE_CHORDS = {("ctrl", "s"), ("ctrl", "shift", "s")}


@pytest.mark.parametrize("task", [pytest.param(t, id=f"{t.env_id}.{t.id}") for t in all_tasks()])
def test_unsaved_work_scores_zero(software_envs, task):
    """The oracle's edits without its first save (and everything after it) never earn points."""
    env = software_envs(task.env_id)
    env.reset(seed=21, options={"task": task.id})
    plan = env.unwrapped.oracle_actions()
    w, h = env.unwrapped.width, env.unwrapped.height
    cut = next(i for i, a in enumerate(plan)
               if (v := validate(a, w, h))["type"] is ActionType.HOTKEY and tuple(v["keys"]) in SAVE_CHORDS)
    info = run(env, plan[:cut])
    assert info["reward"] == 0.0, info["verifier"]
