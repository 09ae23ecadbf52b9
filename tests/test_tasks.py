"""Every task passes the audit gate on its real application (2 seeds here; 3 in the slow full audit).

The audit covers: reset + DONE scores 0, the oracle scores 1, random and do-nothing agents do not pass,
repeat determinism, seeds change the data, no privileged value on screen, in HOME or reachable from the
sandbox, and the spec lint (see gym_anything/audit.py).
"""

from __future__ import annotations

import pytest

from gym_anything.audit import audit_task
from gym_anything.registry import all_envs, all_tasks

TASKS = [pytest.param(t, id=f"{t.env_id}.{t.id}") for t in all_tasks()]


@pytest.mark.parametrize("task", TASKS)
def test_task_passes_the_audit(task):
    audit = audit_task(all_envs()[task.env_id], task, seeds=2, random_steps=10)
    failures = [f"{c.name}: {c.detail}" for c in audit.checks if not c.passed]
    assert audit.passed, "\n".join(failures)


@pytest.mark.parametrize("env_id", sorted(all_envs()))
def test_each_software_has_a_long_task(software_envs, env_id):
    """At least one task per software needs 10+ oracle steps, counted on real instances."""
    env = software_envs(env_id)
    longest = 0
    for task_id in all_envs()[env_id].tasks:
        env.reset(seed=1, options={"task": task_id})
        longest = max(longest, len(env.unwrapped.oracle_actions()))
    assert longest >= 10, f"{env_id}: the longest oracle has {longest} steps"
