"""Tasks pass the audit gate on their real application (2 seeds and 5 random steps here; 3 seeds and 15 steps
in the slow full audit).

Which tasks: in the default suite, every task whose stored audit is missing or stale (its digest changed) and a
daily sample of the others (``daily_sample.py``: their stored audit already vouches for them; the sample checks
that the runtime still drives them); with ``-m slow``, the others.

The audit covers: reset + DONE scores 0, the oracle scores 1, random and do-nothing agents do not pass,
repeat determinism, seeds change the data, no privileged value on screen, in HOME or reachable from the
sandbox, and the spec lint (see gym_anything/audit/gate.py). The mutation test is left out here (it doubles the
time): tests/test_audit.py runs the whole gate on a seeded sample of tasks, checks that every stored audit has
its mutation figures with no survivor, and the slow full audit runs it on every task.
"""

from __future__ import annotations

import pytest
from daily_sample import daily_sample, sample_day

from gym_anything.audit import audit_task, work_steps
from gym_anything.specs import LONG_HORIZON_STEPS
from gym_anything.specs.audits import is_audited
from gym_anything.specs.registry import all_software, all_tasks

SAMPLE = 3  # audited tasks the default suite runs the gate on (about 30 s each)


def _params() -> list:
    tasks = all_tasks()
    unaudited = [t for t in tasks if not is_audited(all_software()[t.env_id], t)]
    sampled = daily_sample([t for t in tasks if t not in unaudited], SAMPLE, "quick gate")
    params = []
    for task in tasks:
        marks = [] if task in unaudited or task in sampled else [pytest.mark.slow]
        params.append(pytest.param(task, id=f"{task.env_id}.{task.id}", marks=marks))
    return params


@pytest.mark.app
@pytest.mark.parametrize("task", _params())
def test_task_passes_the_audit(task):
    audit = audit_task(all_software()[task.env_id], task, seeds=2, random_steps=5, mutate=False)
    failures = [f"{c.name}: {c.detail}" for c in audit.checks if not c.passed and not c.name.startswith("mutation")]
    assert not failures, f"(sample of day {sample_day()}) " + "\n".join(failures)


@pytest.mark.parametrize("env_id", sorted(all_software()))
def test_each_software_has_long_horizon_tasks(software_envs, env_id):
    """The `long` suite: every software has `horizon: long` tasks, each needing 50+ oracle actions on real
    instances (WAIT and DONE do not count)."""
    long = [t for t in all_software()[env_id].tasks.values() if t.horizon == "long"]
    assert long, f"{env_id} has no task with 'horizon: long'"
    env = software_envs(env_id)
    for task in long:
        env.reset(seed=1, options={"task": task.id})
        steps = work_steps(env, env.unwrapped.oracle_actions())
        assert steps >= LONG_HORIZON_STEPS, f"{task.gym_id}: the oracle has {steps} steps"
