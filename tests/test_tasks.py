"""Every task passes the audit gate on its real application (2 seeds and 5 random steps here; 3 seeds and 15 steps
in the slow full audit).

The audit covers: reset + DONE scores 0, the oracle scores 1, random and do-nothing agents do not pass,
repeat determinism, seeds change the data, no privileged value on screen, in HOME or reachable from the
sandbox, and the spec lint (see gym_anything/audit/gate.py). The mutation test is left out here (it doubles the
time): tests/test_audit.py runs the whole gate on a seeded sample of tasks, checks that every stored audit has
its mutation figures with no survivor, and the slow full audit runs it on every task.
"""

from __future__ import annotations

import pytest

from gym_anything.audit import audit_task, work_steps
from gym_anything.specs import LONG_HORIZON_STEPS
from gym_anything.specs.registry import all_software, all_tasks

TASKS = [pytest.param(t, id=f"{t.env_id}.{t.id}") for t in all_tasks()]


@pytest.mark.app
@pytest.mark.parametrize("task", TASKS)
def test_task_passes_the_audit(task):
    audit = audit_task(all_software()[task.env_id], task, seeds=2, random_steps=5, mutate=False)
    failures = [f"{c.name}: {c.detail}" for c in audit.checks if not c.passed and not c.name.startswith("mutation")]
    assert not failures, "\n".join(failures)


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
