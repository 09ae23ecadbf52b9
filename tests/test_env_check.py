"""Gymnasium's own environment checker on every registered id, and basic Gymnasium behaviour."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import gym_anything
from gym_anything import actions as A


@pytest.mark.parametrize("gym_id", gym_anything.gym_ids())
def test_check_env_passes(gym_id):
    env = gym.make(gym_id, render_mode="rgb_array")
    try:
        check_env(env.unwrapped)
    finally:
        env.close()


def test_make_without_prior_import():
    """The 'module:id' form imports gym_anything itself (checked in a fresh interpreter)."""
    import subprocess
    import sys

    code = ("import gymnasium as gym; env = gym.make('gym_anything:GymAnything/gnumeric.sum-column-v0'); "
            "print(env.observation_space.shape); env.close()")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "(720, 1280, 3)" in out.stdout


def test_reset_observation_info_and_determinism(software_envs):
    env = software_envs("gnumeric")
    obs1, info1 = env.reset(seed=5, options={"task": "sum-column"})
    obs2, info2 = env.reset(seed=5, options={"task": "sum-column"})
    assert obs1.dtype == np.uint8 and obs1.shape == (720, 1280, 3)
    assert env.observation_space.contains(obs1)
    assert obs1.std() > 5, "the screenshot is blank"
    assert np.array_equal(obs1, obs2), "same seed, different start screen"
    assert info1["instruction"] == info2["instruction"] and info1["params"] == info2["params"]
    for key in ("reset_time", "settle_time", "instance_seed", "max_steps"):
        assert key in info1
    _, info3 = env.reset(seed=6, options={"task": "sum-column"})
    assert info3["instance_seed"] != info1["instance_seed"]


def test_step_is_deterministic_for_same_seed_and_action(software_envs):
    env = software_envs("gnumeric")
    frames = []
    for _ in range(2):
        env.reset(seed=9, options={"task": "line-totals"})
        env.step(A.click(400, 300))
        obs, *_ = env.step(A.type("42\n"))
        frames.append(obs)
    assert np.array_equal(frames[0], frames[1])


def test_step_info_and_bad_action(software_envs):
    env = software_envs("gnumeric")
    env.reset(seed=1, options={"task": "sum-column"})
    obs, reward, terminated, truncated, info = env.step(A.move(300, 200))
    assert reward == 0.0 and not terminated and not truncated
    assert info["pointer"] == (300, 200)
    assert 0 <= info["settle_time"] < 3.5 and info["settled"]
    with pytest.raises(gym_anything.ActionError, match=r"action\['x'\]=5000 is out of range \[0, 1279\]"):
        env.step({**A.click(0, 0), "x": 5000})


def test_truncation_at_max_steps_runs_the_verifier(software_envs):
    env = software_envs("gnumeric")
    env.reset(seed=1, options={"task": "bold-header"})
    max_steps = env.unwrapped.task.max_steps
    for step in range(1, max_steps + 1):
        _, reward, terminated, truncated, info = env.step(A.wait(0))
        assert not terminated
        if step < max_steps:
            assert not truncated and "verifier" not in info
    assert truncated and info["verifier"]["passed"] is False and reward == 0.0
    with pytest.raises(RuntimeError, match="call reset"):
        env.step(A.wait(0))


def test_binary_reward_mode():
    env = gym.make("GymAnything/gnumeric.bold-header-v0", reward_mode="binary")
    try:
        env.reset(seed=2)
        rewards = [env.step(a)[1] for a in env.unwrapped.oracle_actions()]
        assert rewards[-1] == 1.0 and set(rewards[:-1]) == {0.0}
    finally:
        env.close()


@pytest.mark.parametrize(("options", "error", "message"), [
    ("sum-column", TypeError, r"must be None or a dict with keys from \[.task., .max_steps.\], got str"),
    ([("task", "sum-column")], TypeError, r"must be None or a dict.*got list"),
    ({"max_step": 3}, ValueError, r"unknown key\(s\) \['max_step'\]; known: \['task', 'max_steps'\]"),
    ({"task": "sum-column", "seed": 1, 2: "x"}, ValueError, r"unknown key\(s\) \['2', 'seed'\]; known"),
])
def test_reset_rejects_bad_options_before_starting_anything(options, error, message):
    """A non-dict or a typo in reset(options=...) is an error, raised before the runner (the app) starts."""
    from gym_anything.core.env import GymAnythingEnv

    env = GymAnythingEnv("gnumeric", audit=False)
    try:
        with pytest.raises(error, match=message):
            env.reset(seed=0, options=options)
        assert env.runner is None and env.task is None  # nothing was started or drawn
    finally:
        env.close()


@pytest.mark.parametrize("options", [None, {}, {"task": "sum-column"}, {"max_steps": 3},
                                     {"task": "sum-column", "max_steps": 3}])
def test_valid_reset_options_pass_the_check(options):
    from gym_anything.core.env import _check_reset_options

    assert _check_reset_options(options) is None


def test_a_launch_program_that_is_not_installed_is_a_spec_error_at_make():
    import dataclasses

    from gym_anything.core.env import GymAnythingEnv
    from gym_anything.specs import SpecError
    from gym_anything.specs.registry import all_software

    spec = dataclasses.replace(all_software()["mousepad"], launch=("no-such-editor", "--flag"))
    with pytest.raises(SpecError, match=r"env.yaml: field 'launch'.*apt-get install -y mousepad"):
        GymAnythingEnv(spec, "sort-lines", audit=False)
