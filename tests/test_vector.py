"""Vector envs: several real apps at once, each with its own display and sandbox."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from gym_anything import actions as A
from gym_anything.runtime.xserver import owned_processes


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_make_vec_steps_autoresets_and_cleans_up(mode):
    before = set(owned_processes())
    envs = gym.make_vec("GymAnything/gnumeric.bold-header-v0", num_envs=2, vectorization_mode=mode)
    try:
        obs, info = envs.reset(seed=[1, 2])
        assert obs.shape == (2, 720, 1280, 3) and obs.dtype == np.uint8
        assert info["instruction"][0] != info["instruction"][1] or info["params"][0] != info["params"][1]
        assert len(set(owned_processes()) - before) >= 6  # two displays, two window managers, two sandboxes
        actions = {k: np.stack([A.move(10, 10)[k], A.done()[k]]) for k in A.move(10, 10)}
        obs, reward, terminated, truncated, info = envs.step(actions)
        assert terminated.tolist() == [False, True] and reward.tolist() == [0.0, 0.0]
        obs, reward, terminated, truncated, info = envs.step(actions)  # env 1 autoresets
        assert terminated.tolist() == [False, False]
        assert obs[1].std() > 5
    finally:
        envs.close()
    assert set(owned_processes()) - before == set()
