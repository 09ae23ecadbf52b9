"""Performance of the runtime (local, or ``--runner docker``), measured in one run: prints a table and writes JSON.

* floor: raw mss capture + XTEST click on a bare Xvfb (no app, no settle) — the physical lower bound;
* per software: env.reset p50/p95, env.step p50/p95/p99 and settle time, ratio of step to floor;
* memory: PSS of one env instance (Xvfb + openbox + sandbox + app);
* aggregate throughput with N envs stepping at once (one process each) against N raw capture+click
  loops on bare displays, measured in the same run (``--parallel 1,4,8``).

Usage: python benchmarks/perf.py [--steps 60] [--resets 8] [--out perf.json] [--envs gnumeric,mousepad]
                                 [--parallel 1,4] [--parallel-env gnumeric] [--seconds 8] [--runner docker]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import tempfile
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

import gym_anything  # noqa: F401 - registers the environments
from gym_anything import actions as A
from gym_anything.registry import all_envs
from gym_anything.runtime.capture import ScreenCapture
from gym_anything.runtime.xclient import XClient
from gym_anything.runtime.xserver import XServer, owned_processes


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) * 1000 if values else float("nan")


def floor_step(samples: int) -> dict[str, float]:
    """Raw capture (grab + BGRX->RGB) + one XTEST click, on a bare display."""
    with tempfile.TemporaryDirectory() as tmp:
        server = XServer(1280, 720, Path(tmp))
        server.start()
        try:
            client = XClient(server.name)
            capture = ScreenCapture(server.name, 1280, 720)
            times = []
            for i in range(samples):
                t = time.perf_counter()
                client.perform(A.validate(A.click(100 + i % 50, 200), 1280, 720))
                capture.grab()
                times.append(time.perf_counter() - t)
            capture.close()
            client.close()
        finally:
            server.stop()
    return {"p50_ms": pct(times, 50), "p95_ms": pct(times, 95)}


def _raw_worker(barrier, seconds: float, results) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = XServer(1280, 720, Path(tmp))
        server.start()
        try:
            client, capture = XClient(server.name), ScreenCapture(server.name, 1280, 720)
            barrier.wait()
            count, end = 0, time.perf_counter() + seconds
            while time.perf_counter() < end:
                client.perform(A.validate(A.click(100 + count % 50, 200), 1280, 720))
                capture.grab()
                count += 1
            results.put(count / seconds)
            capture.close()
            client.close()
        finally:
            server.stop()


def _env_worker(env_id: str, barrier, seconds: float, results, runner: str = "local") -> None:
    env = gym.make(all_envs()[env_id].gym_id, runner=runner)
    try:
        env.reset(seed=0)
        w, h = env.unwrapped.width, env.unwrapped.height
        cycle = [A.move(w // 3, h // 2), A.click(w // 2, h // 2), A.press("down"), A.press("up")]
        barrier.wait()
        count, end = 0, time.perf_counter() + seconds
        while time.perf_counter() < end:
            _, _, terminated, truncated, _ = env.step(cycle[count % len(cycle)])
            count += 1
            if terminated or truncated:
                env.reset(seed=count)
        results.put((count / seconds, pss_mb(_children(set(owned_processes())))))
    finally:
        env.close()


def parallel(kind: str, n: int, seconds: float, env_id: str = "", runner: str = "local") -> dict[str, float]:
    """Aggregate steps/s of n processes stepping at once (raw floor loops or envs)."""
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(n), ctx.Queue()
    if kind == "raw":
        procs = [ctx.Process(target=_raw_worker, args=(barrier, seconds, results)) for _ in range(n)]
    else:
        procs = [ctx.Process(target=_env_worker, args=(env_id, barrier, seconds, results, runner))
                 for _ in range(n)]
    for proc in procs:
        proc.start()
    values = [results.get(timeout=300) for _ in range(n)]
    for proc in procs:
        proc.join(timeout=60)
    if kind == "raw":
        return {"steps_per_s": sum(values)}
    return {"steps_per_s": sum(v[0] for v in values), "pss_mb_per_env": sum(v[1] for v in values) / n}


def _children(pids: set[int]) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(pids), set(pids)
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def pss_mb(pids: set[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def bench_env(env_id: str, steps: int, resets: int, runner: str = "local") -> dict[str, object]:
    spec = all_envs()[env_id]
    env = gym.make(spec.gym_id, runner=runner)
    before = set(owned_processes())
    try:
        reset_times, launch_times = [], []
        for seed in range(resets):
            _, info = env.reset(seed=seed)
            reset_times.append(info["reset_time"])
            launch_times.append(info["reset_timings"]["launch"])
        memory = pss_mb(_children(set(owned_processes()) - before))
        w, h = spec.resolution
        cycle = [A.move(w // 3, h // 2), A.click(w // 2, h // 2), A.press("down"), A.press("up")]
        step_times, settle_times = [], []
        for i in range(steps):
            _, _, terminated, truncated, info = env.step(cycle[i % len(cycle)])
            step_times.append(info["step_time"])
            settle_times.append(info["settle_time"])
            if terminated or truncated:
                env.reset(seed=i)
    finally:
        env.close()
    return {"env": env_id, "reset_p50_s": statistics.median(reset_times),
            "reset_p95_s": float(np.percentile(reset_times, 95)), "launch_p50_s": statistics.median(launch_times),
            "step_p50_ms": pct(step_times, 50), "step_p95_ms": pct(step_times, 95),
            "step_p99_ms": pct(step_times, 99), "settle_p50_ms": pct(settle_times, 50),
            "settle_p95_ms": pct(settle_times, 95), "pss_mb": memory}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--resets", type=int, default=8)
    parser.add_argument("--envs", default=",".join(all_envs()))
    parser.add_argument("--out", default="perf.json")
    parser.add_argument("--parallel", default="1,4", help="N values for aggregate throughput ('' to skip)")
    parser.add_argument("--parallel-env", default="gnumeric")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--runner", default="local", choices=["local", "docker"])
    args = parser.parse_args()
    floor = floor_step(200)
    rows = [bench_env(env_id, args.steps, args.resets, args.runner) for env_id in args.envs.split(",")]
    scaling = []
    for n in [int(v) for v in args.parallel.split(",") if v]:
        raw = parallel("raw", n, args.seconds)
        env = parallel("env", n, args.seconds, args.parallel_env, args.runner)
        scaling.append({"n": n, "raw_steps_per_s": raw["steps_per_s"], "env_steps_per_s": env["steps_per_s"],
                        "ratio": env["steps_per_s"] / raw["steps_per_s"], "pss_mb_per_env": env["pss_mb_per_env"]})
    print(f"floor (raw capture + XTEST click, bare Xvfb): p50 {floor['p50_ms']:.2f} ms, p95 {floor['p95_ms']:.2f} ms")
    header = (f"{'env':15s} {'reset p50':>9s} {'p95':>6s} {'step p50':>9s} {'p95':>7s} {'p99':>7s} "
              f"{'settle p50':>10s} {'step/floor':>10s} {'PSS MB':>7s}")
    print(f"runner: {args.runner}")
    print(header)
    for r in rows:
        print(f"{r['env']:15s} {r['reset_p50_s']:8.2f}s {r['reset_p95_s']:5.2f}s {r['step_p50_ms']:7.1f}ms "
              f"{r['step_p95_ms']:5.1f}ms {r['step_p99_ms']:5.1f}ms {r['settle_p50_ms']:8.1f}ms "
              f"{r['step_p50_ms'] / floor['p50_ms']:9.1f}x {r['pss_mb']:7.1f}")
    if scaling:
        print(f"\naggregate throughput ({args.parallel_env}, {args.seconds:.0f} s, one process per env)")
        print(f"{'N':>3s} {'raw floor steps/s':>18s} {'env steps/s':>12s} {'env/raw':>8s} {'PSS MB/env':>11s}")
        for r in scaling:
            print(f"{r['n']:3d} {r['raw_steps_per_s']:18.1f} {r['env_steps_per_s']:12.1f} {r['ratio']:8.2f} "
                  f"{r['pss_mb_per_env']:11.1f}")
    report = {"runner": args.runner, "floor": floor, "envs": rows, "parallel": scaling}
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
