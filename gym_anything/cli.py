"""The ``gym-anything`` command: list environments and run the demo."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import gymnasium as gym

from . import actions as A
from .recording import TrajectoryRecorder
from .registry import all_envs, all_tasks

DEMO_TASKS = ("gnumeric.sum-column", "mousepad.replace-word", "sqlitebrowser.add-product")


def cmd_list(args: argparse.Namespace) -> int:
    for env in all_envs().values():
        print(f"{env.gym_id:45s} {env.name} (SOC {', '.join(env.soc_groups)})")
        for task in env.tasks.values():
            print(f"  {task.gym_id:43s} {task.split:5s} {task.difficulty:6s} max_steps={task.max_steps}")
    return 0


def cmd_packages(args: argparse.Namespace) -> int:
    """Print the Debian packages the runtime and every environment need (one per line)."""
    needed = {"xvfb", "openbox", "bubblewrap", "x11-utils", "fonts-dejavu-core"}
    for env in all_envs().values():
        needed.update(env.packages)
    print("\n".join(sorted(needed)))
    return 0


def run_episode(env: gym.Env, agent: str, seed: int, folder: Path, random_steps: int) -> dict:
    obs, info = env.reset(seed=seed)
    recorder = TrajectoryRecorder(folder, env.unwrapped.width, env.unwrapped.height)
    recorder.start(obs, info)
    if agent == "oracle":
        plan = env.unwrapped.oracle_actions()
    else:
        env.action_space.seed(seed)
        plan = [env.action_space.sample() for _ in range(random_steps)] + [A.done()]
    started, reward, steps, info = time.perf_counter(), 0.0, 0, {}
    for action in plan:
        obs, reward, terminated, truncated, info = env.step(action)
        recorder.step(action, obs, reward, terminated, truncated, info)
        steps += 1
        if terminated or truncated:
            break
    recorder.close()
    result = {"task": env.unwrapped.task.id, "agent": agent, "seed": seed, "reward": reward, "steps": steps,
              "wall_time": round(time.perf_counter() - started, 3), "verifier": info.get("verifier"),
              "fault": info.get("fault"), "folder": str(folder)}
    (folder / "result.json").write_text(json.dumps(result, indent=2, default=str))
    return result


def cmd_demo(args: argparse.Namespace) -> int:
    out = Path(args.out)
    wanted = args.tasks.split(",") if args.tasks else [t for t in DEMO_TASKS
                                                      if t in {f"{x.env_id}.{x.id}" for x in all_tasks()}]
    print(f"gym-anything demo: {len(wanted)} tasks x (oracle, random agent) -> {out}/")
    results = []
    for name in wanted:
        env_id, _, task_id = name.partition(".")
        spec = all_envs()[env_id]
        env = gym.make(spec.tasks[task_id].gym_id)
        try:
            for agent in ("oracle", "random"):
                result = run_episode(env, agent, args.seed, out / name / agent, args.random_steps)
                results.append(result)
                fault = f"  fault={result['fault']['kind']}" if result["fault"] else ""
                print(f"  {name:36s} {agent:6s} reward={result['reward']:.2f} steps={result['steps']:3d} "
                      f"time={result['wall_time']:.1f}s{fault}")
        finally:
            env.close()
    (out / "summary.json").write_text(json.dumps(results, indent=2, default=str))
    oracle_ok = all(r["reward"] == 1.0 for r in results if r["agent"] == "oracle")
    print(f"oracle solved {sum(r['reward'] == 1.0 for r in results if r['agent'] == 'oracle')}/{len(wanted)}; "
          f"trajectories (steps.jsonl + frames/*.png) saved under {out}/")
    return 0 if oracle_ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gym-anything", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list environments and tasks").set_defaults(func=cmd_list)
    sub.add_parser("packages", help="print the Debian packages needed").set_defaults(func=cmd_packages)
    demo = sub.add_parser("demo", help="run the oracle and a random agent on a few tasks, saving trajectories")
    demo.add_argument("--out", default="demo-output", help="folder for trajectories (default: demo-output)")
    demo.add_argument("--tasks", help="comma-separated <software>.<task> names (default: one per software)")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--random-steps", type=int, default=8, help="actions the random agent takes before DONE")
    demo.set_defaults(func=cmd_demo)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
