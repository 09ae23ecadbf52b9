"""Verifiers judged on files the real apps saved: work that was never saved never earns points, on every task.

The audit (tests/test_audit.py, gym-anything audit) proves the positive side with the oracle. Each software's own
verifier tests (envs/<software>/tests/test_verifier.py) bend its oracles into typical mistakes that the verifier
must catch.
"""

from __future__ import annotations

import pytest
from daily_sample import daily_sample
from verifiers_for_tests import run

from gym_anything.actions import ActionType, validate
from gym_anything.specs.audits import is_audited
from gym_anything.specs.registry import all_software, all_tasks

SAVE_CHORDS = {("ctrl", "s"), ("ctrl", "shift", "s")}
SAMPLE = 4  # audited tasks beyond each software's first that the default suite runs today


def _params() -> list:
    """Each software's first task, every task without a current audit and a daily sample of the rest in the
    default suite; the others with -m slow (the audit's mutation test covers a verifier's blind spots too)."""
    tasks = all_tasks()
    first = {min((t for t in tasks if t.env_id == env_id), key=lambda t: t.id) for env_id in all_software()
             if any(t.env_id == env_id for t in tasks)}
    rest = [t for t in tasks if t not in first and is_audited(all_software()[t.env_id], t)]
    today = set(daily_sample(rest, SAMPLE, "unsaved work"))
    return [pytest.param(t, id=f"{t.env_id}.{t.id}", marks=() if t not in rest or t in today else pytest.mark.slow)
            for t in tasks]


# Apps whose oracle presses a save chord but whose database takes each edit at once (Gourmand writes a new
# recipe's row as soon as it has a title): for them, too, half of the oracle never passes.
WRITES_AS_IT_GOES = {"gourmand"}


@pytest.mark.app
@pytest.mark.parametrize("task", _params())
def test_unsaved_work_scores_zero(software_envs, task):
    """The oracle's edits without its first save (and everything after it) never earn points; in an app that
    saves as it goes (a database, a mail store: no save chord in the oracle), half of the oracle never passes."""
    env = software_envs(task.env_id)
    env.reset(seed=21, options={"task": task.id})
    plan = env.unwrapped.oracle_actions()
    w, h = env.unwrapped.width, env.unwrapped.height
    cut = next((i for i, a in enumerate(plan)
                if (v := validate(a, w, h))["type"] is ActionType.HOTKEY and tuple(v["keys"]) in SAVE_CHORDS), None)
    if cut is None or task.env_id in WRITES_AS_IT_GOES:
        info = run(env, plan[:len(plan) // 2])
        assert info["reward"] < 1.0, info["verifier"]
    else:
        info = run(env, plan[:cut])
        assert info["reward"] == 0.0, info["verifier"]
