"""Registers every environment and task found under the data roots with Gymnasium."""

from __future__ import annotations

from functools import lru_cache

import gymnasium as gym

from .specs import EnvSpec, TaskSpec, load_all

ENTRY_POINT = "gym_anything.env:GymAnythingEnv"


@lru_cache(maxsize=1)
def all_envs() -> dict[str, EnvSpec]:
    """Every loaded environment spec by id (validated once per process)."""
    return load_all()


def env_spec(env_id: str) -> EnvSpec:
    envs = all_envs()
    if env_id not in envs:
        raise KeyError(f"unknown environment {env_id!r}; known: {sorted(envs)}")
    return envs[env_id]


def all_tasks() -> list[TaskSpec]:
    return [task for env in all_envs().values() for task in env.tasks.values()]


def gym_ids() -> list[str]:
    """Every Gymnasium id registered by gym_anything: one per environment and one per task."""
    return [i for env in all_envs().values() for i in (env.gym_id, *(t.gym_id for t in env.tasks.values()))]


def register_all() -> None:
    for env in all_envs().values():
        if env.gym_id not in gym.registry:
            gym.register(id=env.gym_id, entry_point=ENTRY_POINT, kwargs={"env_id": env.id}, nondeterministic=True)
        for task in env.tasks.values():
            if task.gym_id not in gym.registry:
                gym.register(id=task.gym_id, entry_point=ENTRY_POINT,
                             kwargs={"env_id": env.id, "task_id": task.id}, nondeterministic=True)
