"""RLlib PPO on a gym-anything task: the recipe of docs/rl.md, run by tests/test_rllib.py in the RLlib venv.

RLlib 2.60 pins gymnasium 1.2.2, so it lives in its own virtualenv (``scripts/setup-rllib.sh`` makes
``.venv-rllib``). Two ways in, both with nothing but our API:

* ``--mode single``: RLlib vectorises the env itself (``gym.make_vec`` on the id, ``env_config`` = the
  ``gym.make`` kwargs);
* ``--mode ray``: the env runner's vector env is our :class:`~gym_anything.vector.ray.RayVectorEnv`
  (``gym_env_vectorize_mode="vector_entry_point"``), its sub-envs in Ray actors.

Prints one JSON line: the iterations, env steps sampled, the episodes that ended, the mean episode return.
"""

from __future__ import annotations

import argparse
import json
import time

import gymnasium as gym
import ray
from ray import tune
from ray.rllib.algorithms.ppo import PPOConfig
from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig

import gym_anything

TASK = "GymAnything/mousepad.append-entry-v1"
RL_KWARGS = {"actions": "discrete", "action_grid": (4, 4), "obs_size": (48, 64), "grayscale": True,
             "obs_dtype": "float32", "max_steps": 8}


def ray_vector_env(config: dict) -> gym.vector.VectorEnv:
    """RLlib's VECTOR_ENTRY_POINT creator: ``config`` holds ``num_envs`` and the ``gym.make`` kwargs."""
    kwargs = dict(config)
    num_envs = kwargs.pop("num_envs", 1)
    return gym_anything.make_ray_vec(TASK, num_envs, resources_per_env={"CPU": 0.5}, **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=("single", "ray"), default="single")
    parser.add_argument("--runner", default=None, help="gym.make's runner (e.g. fake); default: the real app")
    parser.add_argument("--iterations", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64, help="env steps per training iteration")
    args = parser.parse_args()
    env_config = dict(RL_KWARGS, audit=False, **({"runner": args.runner} if args.runner else {}))

    ray.init(num_cpus=4, include_dashboard=False, log_to_driver=False)
    config = PPOConfig()
    if args.mode == "single":
        config = config.environment(f"gym_anything:{TASK}", env_config=env_config) \
            .env_runners(num_env_runners=0, num_envs_per_env_runner=1)
    else:
        tune.register_env("gym-anything-ray", ray_vector_env)
        config = config.environment("gym-anything-ray", env_config=env_config) \
            .env_runners(num_env_runners=0, num_envs_per_env_runner=2, gym_env_vectorize_mode="vector_entry_point")
    config = (config
              .training(train_batch_size_per_learner=args.batch, minibatch_size=32, num_epochs=1, lr=3e-4)
              .rl_module(model_config=DefaultModelConfig(conv_filters=[[16, [4, 4], 2], [32, [4, 4], 2],
                                                                       [32, [4, 4], 2]], head_fcnet_hiddens=[64]))
              .learners(num_learners=0)
              .debugging(seed=0))
    started = time.perf_counter()
    algo = config.build_algo()
    try:
        results = [algo.train() for _ in range(args.iterations)]
    finally:
        algo.stop()
        ray.shutdown()
    last = results[-1]["env_runners"]
    print(json.dumps({"mode": args.mode, "iterations": len(results),
                      "env_steps": int(last.get("num_env_steps_sampled_lifetime", 0)),
                      "episodes": int(last.get("num_episodes_lifetime", 0)),
                      "episode_return_mean": last.get("episode_return_mean"),
                      "seconds": round(time.perf_counter() - started, 1)}))


if __name__ == "__main__":
    main()
