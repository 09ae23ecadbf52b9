"""Stable-Baselines3 trains on our envs with nothing but gym.make kwargs: SB3's own env checker on each preset
(fake runner: pure env logic), PPO with CnnPolicy for a few hundred steps in DummyVecEnv and SubprocVecEnv
(2 envs) on the real Mousepad."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

pytest.importorskip("stable_baselines3")  # the test extra installs it; a bare install has no SB3
from stable_baselines3 import PPO  # noqa: E402
from stable_baselines3.common.env_checker import check_env  # noqa: E402
from stable_baselines3.common.env_util import make_vec_env  # noqa: E402
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv  # noqa: E402

TASK = "GymAnything/mousepad.append-entry-v1"
RL = {"actions": "discrete", "action_grid": (4, 4), "obs_size": (48, 64), "max_steps": 8}


@pytest.mark.parametrize("preset", ["discrete", "multidiscrete", "box"])
def test_sb3s_checker_passes_on_each_preset(preset):
    env = gym.make(TASK, runner="fake", audit=False, **{**RL, "actions": preset})
    try:
        check_env(env, warn=True)
    finally:
        env.close()


@pytest.mark.app
@pytest.mark.parametrize("vec_env_cls", [DummyVecEnv, SubprocVecEnv])
def test_ppo_cnn_trains_a_few_hundred_steps_on_two_real_apps(vec_env_cls):
    # SubprocVecEnv's workers start fresh interpreters: the "module:id" form imports gym_anything in each
    # "spawn": the default forkserver's server process lives as long as this one (the leak check would see it)
    vec_kwargs = {"start_method": "spawn"} if vec_env_cls is SubprocVecEnv else None
    venv = make_vec_env(f"gym_anything:{TASK}", n_envs=2, vec_env_cls=vec_env_cls, seed=0,
                        env_kwargs={"audit": False, **RL}, vec_env_kwargs=vec_kwargs)
    try:
        model = PPO("CnnPolicy", venv, n_steps=128, batch_size=64, n_epochs=1, seed=0, verbose=0, device="cpu")
        model.learn(total_timesteps=256)
        assert model.num_timesteps >= 256
        lengths = [e["l"] for e in model.ep_info_buffer]  # SB3's Monitor: every ended episode
        assert len(lengths) >= 256 // RL["max_steps"] - 4 and max(lengths) == RL["max_steps"]  # the budget cut them
        obs = venv.reset()
        assert obs.shape == (2, 48, 64, 3) and obs.dtype == np.uint8 and obs.std() > 1  # real, small screens
        action, _ = model.predict(obs, deterministic=True)
        assert np.asarray(action).shape == (2,)
    finally:
        venv.close()
