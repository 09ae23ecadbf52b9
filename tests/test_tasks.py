"""Every task on its real application: a no-op scores 0, the oracle scores 1, seeds change the data."""

from __future__ import annotations

import pytest

from gym_anything import actions as A
from gym_anything.registry import all_envs, all_tasks

SEEDS = (11, 12)
TASKS = [pytest.param(t.env_id, t.id, id=f"{t.env_id}.{t.id}") for t in all_tasks()]


def run_oracle(env) -> tuple[float, dict, int]:
    steps = env.unwrapped.oracle_actions()
    for count, action in enumerate(steps, 1):
        _, reward, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            return reward, info, count
    raise AssertionError("the oracle's actions did not end the episode")


@pytest.mark.parametrize(("env_id", "task_id"), TASKS)
def test_noop_scores_zero_and_oracle_scores_one(software_envs, env_id, task_id):
    env = software_envs(env_id)
    privileged = []
    for seed in SEEDS:
        _, info = env.reset(seed=seed, options={"task": task_id})
        assert info["task_id"] == task_id and info["instruction"].strip()
        _, reward, terminated, truncated, info = env.step(A.done())
        assert terminated and not truncated
        assert reward == 0.0, f"seed {seed}: a no-op scored {reward}: {info['verifier']}"

        env.reset(seed=seed, options={"task": task_id})
        privileged.append(env.unwrapped.privileged())
        reward, info, count = run_oracle(env)
        assert reward == 1.0, f"seed {seed}: oracle scored {reward}: {info['verifier']} {info.get('fault')}"
        assert info["verifier"]["passed"] and "fault" not in info
        assert count <= env.unwrapped.task.max_steps
    assert privileged[0] != privileged[1], "two seeds produced the same privileged data"


@pytest.mark.parametrize("env_id", sorted(all_envs()))
def test_each_software_has_a_long_task(software_envs, env_id):
    """At least one task per software needs 10+ oracle steps, counted on real instances."""
    env = software_envs(env_id)
    longest = 0
    for task_id in all_envs()[env_id].tasks:
        env.reset(seed=1, options={"task": task_id})
        longest = max(longest, len(env.unwrapped.oracle_actions()))
    assert longest >= 10, f"{env_id}: the longest oracle has {longest} steps"
