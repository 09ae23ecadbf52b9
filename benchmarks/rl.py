"""RL throughput on a real app, measured in one run: env steps/s and Stable-Baselines3 PPO fps with N envs.

For each N (default 1, 2, 8), with the RL options of docs/rl.md (Discrete preset, small grey observations, an
episode budget, so resets are part of the count):

* env steps/s: random preset actions through SB3's vector env (DummyVecEnv for N=1, SubprocVecEnv above),
  resets included; the same loop on one bare ``gym.make`` env is the reference at N=1;
* PPO fps: ``PPO("CnnPolicy").learn`` timesteps per second of wall time (sampling + the update);
* the ratio PPO fps / env steps/s (what the learner costs) and the scaling against N=1.

Usage: python benchmarks/rl.py [--task GymAnything/mousepad.append-entry-v1] [--envs 1,2,8] [--seconds 20]
                               [--ppo-steps 512] [--out rl.json]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import gymnasium as gym
import numpy as np
from stable_baselines3 import PPO
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

import gym_anything  # noqa: F401 - registers the environments

RL = {"actions": "discrete", "action_grid": (8, 8), "obs_size": (84, 84), "grayscale": True, "max_steps": 16,
      "audit": False}


def bare_steps_per_second(task: str, seconds: float) -> dict[str, float]:
    """One ``gym.make`` env, random preset actions, resets included: the reference without SB3, with the step
    and reset times it is made of (p50, ms)."""
    env = gym.make(task, **RL)
    step_times: list[float] = []
    reset_times: list[float] = []
    try:
        env.reset(seed=0)
        env.action_space.seed(0)
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            t = time.perf_counter()
            _, _, terminated, truncated, _ = env.step(env.action_space.sample())
            step_times.append(time.perf_counter() - t)
            if terminated or truncated:
                t = time.perf_counter()
                env.reset()
                reset_times.append(time.perf_counter() - t)
        return {"steps_per_s": len(step_times) / (time.perf_counter() - started),
                "step_p50_ms": float(np.median(step_times)) * 1000,
                "step_mean_ms": float(np.mean(step_times)) * 1000,
                "reset_p50_ms": float(np.median(reset_times)) * 1000 if reset_times else float("nan"),
                "resets": len(reset_times)}
    finally:
        env.close()


def vec_env(task: str, n: int):
    return make_vec_env(f"gym_anything:{task}", n_envs=n, seed=0, env_kwargs=RL,
                        vec_env_cls=DummyVecEnv if n == 1 else SubprocVecEnv)


def vec_steps_per_second(task: str, n: int, seconds: float) -> float:
    venv = vec_env(task, n)
    try:
        venv.reset()
        rng = np.random.default_rng(0)
        steps, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            venv.step(rng.integers(0, venv.action_space.n, size=n))  # SB3 vec envs autoreset
            steps += n
        return steps / (time.perf_counter() - started)
    finally:
        venv.close()


def ppo_fps(task: str, n: int, timesteps: int) -> float:
    venv = vec_env(task, n)
    try:
        n_steps = max(16, timesteps // (2 * n))  # two rollouts + updates per run
        model = PPO("CnnPolicy", venv, n_steps=n_steps, batch_size=min(64, n_steps * n), n_epochs=1, seed=0,
                    verbose=0, device="cpu")
        started = time.perf_counter()
        model.learn(total_timesteps=timesteps)
        return model.num_timesteps / (time.perf_counter() - started)
    finally:
        venv.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="GymAnything/mousepad.append-entry-v1")
    parser.add_argument("--envs", default="1,2,8")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of stepping per measurement")
    parser.add_argument("--ppo-steps", type=int, default=512, help="PPO timesteps per N (two rollouts)")
    parser.add_argument("--out", default="rl.json")
    args = parser.parse_args()
    counts = [int(n) for n in args.envs.split(",")]
    print(f"task {args.task}; {os.cpu_count()} cores; options {RL}")
    bare = bare_steps_per_second(args.task, args.seconds)
    print(f"one bare gym.make env: {bare['steps_per_s']:.1f} steps/s (resets included): step p50 "
          f"{bare['step_p50_ms']:.0f} ms, mean {bare['step_mean_ms']:.0f} ms; {bare['resets']} resets, p50 "
          f"{bare['reset_p50_ms']:.0f} ms")
    rows = []
    for n in counts:
        steps = vec_steps_per_second(args.task, n, args.seconds)
        fps = ppo_fps(args.task, n, max(args.ppo_steps, 32 * n))
        rows.append({"envs": n, "env_steps_per_s": round(steps, 1), "ppo_fps": round(fps, 1),
                     "ppo_over_env": round(fps / steps, 2)})
    base = rows[0]
    print(f"{'envs':>4} {'env steps/s':>12} {'x N=1':>6} {'PPO fps':>8} {'x N=1':>6} {'PPO/env':>8}")
    for r in rows:
        print(f"{r['envs']:>4} {r['env_steps_per_s']:>12.1f} {r['env_steps_per_s'] / base['env_steps_per_s']:>6.2f} "
              f"{r['ppo_fps']:>8.1f} {r['ppo_fps'] / base['ppo_fps']:>6.2f} {r['ppo_over_env']:>8.2f}")
    with open(args.out, "w") as f:
        json.dump({"task": args.task, "cores": os.cpu_count(), "options": {k: str(v) for k, v in RL.items()},
                   "bare_env": {k: round(v, 1) for k, v in bare.items()}, "rows": rows}, f, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
