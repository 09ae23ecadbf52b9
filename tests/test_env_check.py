"""Gymnasium's own environment checker on every registered id (each software's by default, its tasks' with
-m slow), and what the env contract means on real apps:
real frames (not blank, the same for the same seed and actions), the real pointer and settling.

The env's own logic (info keys, rewards, truncation, options, faults, warm reset, autoreset) is tested on the
fake runner, in seconds, in test_env_logic.py.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from gym_anything import actions as A
from gym_anything.specs.registry import all_software


def _check_ids() -> list:
    """Every software id in the default suite; its task ids (the same env class on one task's files, whose reset
    and steps tests/test_tasks.py audits on every task) are marked slow."""
    params = []
    for env in all_software().values():
        if not env.tasks:
            continue
        params.append(pytest.param(env.gym_id, id=env.gym_id))
        params += [pytest.param(task.gym_id, id=task.gym_id, marks=pytest.mark.slow)
                   for _, task in sorted(env.tasks.items())]
    return params


@pytest.mark.app
@pytest.mark.parametrize("gym_id", _check_ids())
def test_check_env_passes(gym_id):
    """On the real app, too: a seeded reset shows the same first frame twice (test_env_logic runs it on the fake)."""
    env = gym.make(gym_id, render_mode="rgb_array")
    try:
        check_env(env.unwrapped)
    finally:
        env.close()


def test_make_without_prior_import():
    """The 'module:id' form imports gym_anything itself (checked in a fresh interpreter)."""
    import subprocess
    import sys

    code = ("import gymnasium as gym; env = gym.make('gym_anything:GymAnything/gnumeric.sum-column-v2'); "
            "print(env.observation_space.shape); env.close()")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "(720, 1280, 3)" in out.stdout


@pytest.mark.app
def test_reset_shows_the_apps_screen_the_same_for_the_same_seed(software_envs):
    env = software_envs("gnumeric")
    obs1, info1 = env.reset(seed=5, options={"task": "sum-column"})
    obs2, info2 = env.reset(seed=5, options={"task": "sum-column"})
    assert obs1.dtype == np.uint8 and obs1.shape == (720, 1280, 3)
    assert env.observation_space.contains(obs1)
    assert obs1.std() > 5, "the screenshot is blank"
    assert np.array_equal(obs1, obs2), "same seed, different start screen"
    assert info1["settled"] and info1["instruction"] == info2["instruction"]


@pytest.mark.app
def test_step_is_deterministic_for_same_seed_and_action(software_envs):
    env = software_envs("gnumeric")
    frames = []
    for _ in range(2):
        env.reset(seed=9, options={"task": "line-totals"})
        env.step(A.click(400, 300))
        obs, *_ = env.step(A.type("42\n"))
        frames.append(obs)
    assert np.array_equal(frames[0], frames[1])


@pytest.mark.app
def test_step_reports_the_real_pointer_and_settling(software_envs):
    env = software_envs("gnumeric")
    env.reset(seed=1, options={"task": "sum-column"})
    obs, reward, terminated, truncated, info = env.step(A.move(300, 200))
    assert reward == 0.0 and not terminated and not truncated
    assert info["pointer"] == (300, 200)
    assert 0 <= info["settle_time"] < 3.5 and info["settled"]


def test_a_launch_program_that_is_not_installed_is_a_spec_error_at_make():
    import dataclasses

    from gym_anything.core.env import GymAnythingEnv
    from gym_anything.specs import SpecError

    spec = dataclasses.replace(all_software()["mousepad"], launch=("no-such-editor", "--flag"))
    with pytest.raises(SpecError, match=r"env.yaml: field 'launch'.*apt-get install -y mousepad"):
        GymAnythingEnv(spec, "sort-lines", audit=False)
