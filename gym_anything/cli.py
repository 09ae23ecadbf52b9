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

DEMO_TASKS = ("gnumeric.sum-column", "mousepad.replace-name", "sqlitebrowser.add-product")


def cmd_list(args: argparse.Namespace) -> int:
    for env in all_envs().values():
        print(f"{env.gym_id:45s} {env.name} (SOC {', '.join(env.soc_groups)})")
        for task in env.tasks.values():
            print(f"  {task.gym_id:43s} {task.split:5s} {task.difficulty:6s} {task.horizon:5s} "
                  f"max_steps={task.max_steps}")
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
    recorder = TrajectoryRecorder(folder)
    recorder.start(obs, info)
    if agent == "oracle":
        plan = env.unwrapped.oracle_actions()
    else:
        env.action_space.seed(seed)
        plan = [env.action_space.sample() for _ in range(random_steps)] + [A.done()]
    started, reward, steps, info = time.perf_counter(), 0.0, 0, {}
    for action in plan:
        obs, reward, terminated, truncated, info = env.step(action)
        recorder.step(obs, reward, terminated, truncated, info)
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


def cmd_audit(args: argparse.Namespace) -> int:
    from .audit import audit_task, store

    envs = all_envs()
    selected = []
    for env in envs.values():
        for task in env.tasks.values():
            name = f"{env.id}.{task.id}"
            if args.all or (args.env and env.id in args.env) or (args.task and name in args.task):
                selected.append((env, task))
    if not selected:
        print("gym-anything audit: nothing selected (use --all, --env ENV or --task ENV.TASK)", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else None
    print(f"auditing {len(selected)} task(s), {args.seeds} seed(s) each")
    audits = []
    for number, (env, task) in enumerate(selected, 1):
        label = f"[{number}/{len(selected)}] {env.id}.{task.id}"

        def progress(message: str, label: str = label) -> None:
            if sys.stdout.isatty():
                print(f"\r{label}: {message:40s}", end="", flush=True)

        audit = audit_task(env, task, seeds=args.seeds, random_steps=args.random_steps, progress=progress)
        audits.append(audit)
        print(f"{chr(13) if sys.stdout.isatty() else ''}{label}: {'PASS' if audit.passed else 'FAIL'} "
              f"({audit.wall_time:.1f}s){' ' * 30}", flush=True)
        for check in audit.checks:
            if not check.passed:
                print(f"    FAILED {check.name}: {check.detail}")
        if args.store and audit.passed:
            store(env, task, audit)
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{env.id}.{task.id}.json").write_text(json.dumps(audit.to_json(), indent=2, default=str))
    width = max(len(a.task) for a in audits)
    print(f"\n{'task':{width}s}  result  checks  time")
    for a in audits:
        print(f"{a.task:{width}s}  {'PASS' if a.passed else 'FAIL':6s}  {sum(c.passed for c in a.checks):2d}/"
              f"{len(a.checks):<3d}  {a.wall_time:5.1f}s")
    failed = [a.task for a in audits if not a.passed]
    print(f"{len(audits) - len(failed)}/{len(audits)} tasks passed the audit"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def cmd_serve_judge(args: argparse.Namespace) -> int:
    from .judge_server import JudgeServer

    server = JudgeServer(args.model, args.host, args.port, args.name)
    print(f"serving {args.model} as '{args.name}' at {server.base_url} "
          f"(GYM_ANYTHING_JUDGE=openai:{server.base_url}#{args.name})", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


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
    audit = sub.add_parser("audit", help="prove tasks' rewards on the real apps (see gym_anything.audit)")
    audit.add_argument("--all", action="store_true", help="every task")
    audit.add_argument("--env", action="append", help="every task of this software (repeatable)")
    audit.add_argument("--task", action="append", help="one task as <software>.<task> (repeatable)")
    audit.add_argument("--seeds", type=int, default=3)
    audit.add_argument("--random-steps", type=int, default=15)
    audit.add_argument("--out", help="folder for one JSON report per task")
    audit.add_argument("--no-store", dest="store", action="store_false",
                       help="do not record passing audits in audits/<software>/<task>.json")
    audit.set_defaults(func=cmd_audit)
    serve = sub.add_parser("serve-judge", help="serve a local VLM over an OpenAI-compatible API")
    serve.add_argument("--model", required=True, help="a folder loadable with AutoModelForImageTextToText")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--name", default="local", help="the model name clients ask for")
    serve.set_defaults(func=cmd_serve_judge)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
