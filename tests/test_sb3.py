"""Stable-Baselines3 trains on our envs with nothing but gym.make kwargs: SB3's own env checker on each preset,
PPO with CnnPolicy for a few hundred steps in DummyVecEnv and SubprocVecEnv (2 envs) on the fake runner, and on
the real Mousepad."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

pytest.importorskip("stable_baselines3")  # the test extra installs it; a bare install has no SB3
from stable_baselines3 import PPO  # noqa: E402
from stable_baselines3.common.env_checker import check_env  # noqa: E402
from stable_baselines3.common.env_util import make_vec_env  # noqa: E402
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv  # noqa: E402

TASK = "GymAnything/mousepad.append-entry-v0"
RL = {"actions": "discrete", "action_grid": (4, 4), "obs_size": (48, 64), "max_steps": 8}


@pytest.mark.parametrize("preset", ["discrete", "multidiscrete", "box"])
def test_sb3s_checker_passes_on_each_preset(preset):
    env = gym.make(TASK, runner="fake", audit=False, **{**RL, "actions": preset})
    try:
        check_env(env, warn=True)
    finally:
        env.close()


@pytest.mark.parametrize("vec_env_cls", [DummyVecEnv, SubprocVecEnv])
def test_ppo_cnn_runs_a_few_hundred_steps_on_two_envs(vec_env_cls):
    # SubprocVecEnv's workers start fresh interpreters: the "module:id" form imports gym_anything in each
    venv = make_vec_env(f"gym_anything:{TASK}", n_envs=2, vec_env_cls=vec_env_cls, seed=0,
                        env_kwargs={"runner": "fake", "audit": False, **RL})
    try:
        model = PPO("CnnPolicy", venv, n_steps=64, batch_size=32, n_epochs=1, seed=0, verbose=0, device="cpu")
        model.learn(total_timesteps=256)
        assert model.num_timesteps >= 256
        obs = venv.reset()
        action, _ = model.predict(obs, deterministic=True)
        assert obs.shape == (2, 3, 48, 64) or obs.shape == (2, 48, 64, 3)
        assert np.asarray(action).shape == (2,)
    finally:
        venv.close()


@pytest.mark.app
def test_ppo_cnn_on_the_real_app():
    venv = make_vec_env(TASK, n_envs=2, vec_env_cls=DummyVecEnv, seed=0, env_kwargs={"audit": False, **RL})
    try:
        model = PPO("CnnPolicy", venv, n_steps=32, batch_size=32, n_epochs=1, seed=0, verbose=0, device="cpu")
        model.learn(total_timesteps=128)
        assert model.num_timesteps >= 128
    finally:
        venv.close()
