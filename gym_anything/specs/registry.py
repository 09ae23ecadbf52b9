"""Every software and task found under the data roots, loaded once, and their registration with Gymnasium."""

from __future__ import annotations

import warnings
from functools import lru_cache

import gymnasium as gym
from gymnasium.envs.registration import WrapperSpec

from ..errors import SpecError
from .loader import load_all
from .model import SoftwareSpec, TaskSpec

ENTRY_POINT = "gym_anything.core.env:GymAnythingEnv"
KEEP_REWARD = WrapperSpec("VerifyOnTruncation", "gym_anything.wrappers:VerifyOnTruncation", {})
"""Applied by ``gym.make`` outside its ``TimeLimit``: ``max_episode_steps`` is the task's ``max_steps`` (a software
id: its tasks' largest), and ``gym.make(id, max_episode_steps=N)`` truncates at N with the verifier run."""
# No vector_entry_point: gymnasium refuses one beside additional_wrappers, so ``gym.make_vec(id)`` is gymnasium's own
# sync or async vector env (each sub-env with the wrapper above); Ray is ``gym_anything.make_ray_vec``.


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, SoftwareSpec], dict[str, SpecError]]:
    envs, broken = load_all(strict=False)
    for env_id, exc in broken.items():
        warnings.warn(f"environment {env_id!r} is not registered: {exc}", stacklevel=2)
    return envs, broken


def all_software() -> dict[str, SoftwareSpec]:
    """Every valid environment spec by id (validated once per process; broken ones are warned about)."""
    return _load()[0]


def broken_software() -> dict[str, SpecError]:
    """Environments whose specs failed validation, with the error."""
    return _load()[1]


def software_spec(env_id: str) -> SoftwareSpec:
    envs, broken = _load()
    if env_id in broken:
        raise broken[env_id]
    if env_id not in envs:
        raise KeyError(f"unknown environment {env_id!r}; known: {sorted(envs)}")
    return envs[env_id]


def all_tasks() -> list[TaskSpec]:
    return [task for env in all_software().values() for task in env.tasks.values()]


def gym_ids() -> list[str]:
    """Every Gymnasium id registered by gym_anything: one per environment and one per task (a software without
    tasks yet, as ``gym-anything create scaffold`` writes it, has none)."""
    return [i for env in all_software().values() if env.tasks
            for i in (env.gym_id, *(t.gym_id for t in env.tasks.values()))]


def register_all() -> None:
    for env in all_software().values():
        if not env.tasks:
            continue  # a scaffolded software: nothing to reset into until it has a task
        if env.gym_id not in gym.registry:
            gym.register(id=env.gym_id, entry_point=ENTRY_POINT,
                         kwargs={"env_id": env.id}, nondeterministic=True,
                         max_episode_steps=max(t.max_steps for t in env.tasks.values()),
                         additional_wrappers=(KEEP_REWARD,))
        for task in env.tasks.values():
            if task.gym_id not in gym.registry:
                gym.register(id=task.gym_id, entry_point=ENTRY_POINT,
                             kwargs={"env_id": env.id, "task_id": task.id}, nondeterministic=True,
                             max_episode_steps=task.max_steps, additional_wrappers=(KEEP_REWARD,))


all_envs = all_software  # the names before the software/env split; kept for existing callers
env_spec = software_spec
