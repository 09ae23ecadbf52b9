"""Performance of the runtime (local, or ``--runner docker``), measured in one run: prints a table and writes JSON.

* floor: raw mss capture (grab + BGRX->RGB) + one XTEST click on a bare Xvfb — the physical lower bound;
* per software: env.step p50/p95/p99 and its ratio to the floor; the app's own redraw time (first to last
  drawing reported by X DAMAGE) and the step's overhead excluding it, against the floor; settle time;
  env.reset p50/p95 and its parts (stop the app, HOME copy + task setup, app start to first window, settle),
  and the warm reset (``warm_reset=True``: the next episode prepared in the background) p50;
  memory (PSS) of one env instance (Xvfb + openbox + sandbox + app; not the Python driver);
* aggregate throughput: N envs stepping at once (one process each) against N raw capture+click loops on
  bare displays, in the same run, with the ratio; at the largest N it also reports how many envs were
  alive at once and their total PSS.

Usage: python benchmarks/perf.py [--steps 60] [--resets 8] [--envs gnumeric,mousepad,sqlitebrowser]
                                 [--parallel 1,4,8,16,32] [--parallel-env gnumeric] [--seconds 5] [--out perf.json]
                                 [--runner docker]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import tempfile
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

import gym_anything  # noqa: F401 - registers the environments
from gym_anything import actions as A
from gym_anything.runtime.capture import ScreenCapture
from gym_anything.runtime.guardian import owned_processes
from gym_anything.runtime.limits import Limiter, Limits
from gym_anything.runtime.sandbox import sandbox_account
from gym_anything.runtime.xclient import XClient
from gym_anything.runtime.xserver import XServer
from gym_anything.specs.registry import all_software

WIDTH, HEIGHT = 1280, 720


def ms(values: list[float], q: float) -> float:
    """The q-th percentile of ``values`` (seconds) in milliseconds."""
    return float(np.percentile(values, q)) * 1000 if values else float("nan")


def step_cycle(width: int, height: int) -> list[dict]:
    """The benchmark's actions: pointer motion, a click and two cursor keys (each makes the app redraw)."""
    return [A.move(width // 3, height // 2), A.click(width // 2, height // 2), A.press("down"), A.press("up")]


class _BareDisplay:
    """Xvfb + openbox with an X client and a capture, nothing else: the floor's setting."""

    def __enter__(self) -> _BareDisplay:
        self._tmp = tempfile.TemporaryDirectory()
        os.chmod(self._tmp.name, 0o711)  # openbox (as the sandbox account, like an env's) keeps its files inside
        self.server = XServer(WIDTH, HEIGHT, Path(self._tmp.name), Limiter(Limits()), sandbox_account())
        self.server.start()
        self.client = XClient(self.server.name)
        self.capture = ScreenCapture(self.server.name, WIDTH, HEIGHT)
        return self

    def raw_step(self, i: int) -> None:
        self.client.perform(A.validate(A.click(100 + i % 50, 200), WIDTH, HEIGHT))
        self.capture.grab()

    def __exit__(self, *exc: object) -> None:
        self.capture.close()
        self.client.close()
        self.server.stop()
        self._tmp.cleanup()


def floor_step(samples: int) -> dict[str, float]:
    with _BareDisplay() as bare:
        times = []
        for i in range(samples):
            t = time.perf_counter()
            bare.raw_step(i)
            times.append(time.perf_counter() - t)
    return {"p50_ms": ms(times, 50), "p95_ms": ms(times, 95)}


def _descendants(pids: set[int]) -> set[int]:
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


def cpu_seconds(pids: set[int]) -> dict[str, float]:
    """CPU time (user + system) used so far by ``pids``, by role: this driver process, Xvfb, openbox, app."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {"driver": 0.0, "Xvfb": 0.0, "openbox": 0.0, "app": 0.0}
    for pid in pids:
        try:
            comm, rest = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)
        except OSError:
            continue
        fields = rest.split()
        name = comm.split("(", 1)[1]
        role = "driver" if pid == os.getpid() else name if name in ("Xvfb", "openbox") else "app"
        used[role] += (int(fields[11]) + int(fields[12])) / tick
    return used


def env_pss_mb() -> float:
    """PSS of the env processes this process started (displays, window managers, sandboxes, apps)."""
    return pss_mb(_descendants(set(owned_processes())))


def bench_env(env_id: str, steps: int, resets: int, runner: str = "local") -> dict[str, object]:
    spec = all_software()[env_id]
    env = gym.make(spec.gym_id, runner=runner)
    try:
        parts: dict[str, list[float]] = {k: [] for k in ("total", "stop_app", "setup", "app_start", "settle")}
        for seed in range(resets):
            _, info = env.reset(seed=seed)
            t = info["reset_timings"]
            for key, value in (("total", t["total"]), ("stop_app", t["stop_app"]), ("setup", t["setup"]),
                               ("app_start", t["launch"] - t["settle"]), ("settle", t["settle"])):
                parts[key].append(value)
        memory = env_pss_mb()
        cycle = step_cycle(*spec.resolution)
        step, settle, redraw, overhead = [], [], [], []
        for i in range(steps):
            _, _, terminated, truncated, info = env.step(cycle[i % len(cycle)])
            if terminated or truncated:  # the verifier ran: not an ordinary step
                env.reset(seed=i)
                continue
            step.append(info["step_time"])
            settle.append(info["settle_time"])
            redraw.append(info["redraw_time"])
            overhead.append(info["step_time"] - info["redraw_time"])
    finally:
        env.close()
    warm = warm_resets(spec.gym_id, resets, cycle) if runner == "local" else [float("nan")]  # docker: cold only
    return {"env": env_id, "reset_p50_s": float(np.median(parts["total"])),
            "warm_reset_p50_s": float(np.median(warm)), "warm_reset_p95_s": float(np.percentile(warm, 95)),
            "reset_p95_s": float(np.percentile(parts["total"], 95)),
            "reset_parts_p50_ms": {k: ms(v, 50) for k, v in parts.items() if k != "total"},
            "step_p50_ms": ms(step, 50), "step_p95_ms": ms(step, 95), "step_p99_ms": ms(step, 99),
            "settle_p50_ms": ms(settle, 50), "redraw_p50_ms": ms(redraw, 50),
            "overhead_p50_ms": ms(overhead, 50), "pss_mb": memory}


def warm_resets(gym_id: str, resets: int, cycle: list[dict], steps_per_episode: int = 20) -> list[float]:
    """Seedless reset times with warm_reset=True: the next episode is prepared while a few steps run (a reset
    that comes before the preparation finished waits for it, and that wait is counted)."""
    env = gym.make(gym_id, warm_reset=True)
    try:
        env.reset(seed=0)
        times: list[float] = []
        for _ in range(2 * resets):
            if len(times) == resets:
                break
            for i in range(steps_per_episode):
                env.step(cycle[i % len(cycle)])
            _, info = env.reset()
            if info["reset_warm"]:
                times.append(info["reset_time"])
    finally:
        env.close()
    return times


def _raw_worker(start, seconds: float, results) -> None:
    with _BareDisplay() as bare:
        start.wait()
        pids = _descendants(set(owned_processes())) | {os.getpid()}
        cpu_before = sum(cpu_seconds(pids).values())
        count, end = 0, time.perf_counter() + seconds
        while time.perf_counter() < end:
            bare.raw_step(count)
            count += 1
        results.put({"steps_per_s": count / seconds, "steps": count,
                     "cpu_s": sum(cpu_seconds(pids).values()) - cpu_before})


def _env_worker(env_id: str, start, alive, seconds: float, results, runner: str) -> None:
    env = gym.make(all_software()[env_id].gym_id, runner=runner)
    try:
        env.reset(seed=0)
        cycle = step_cycle(env.unwrapped.width, env.unwrapped.height)
        start.wait(timeout=600)
        cpu_before = cpu_seconds(_descendants(set(owned_processes())) | {os.getpid()})
        count, paused, began = 0, 0.0, time.perf_counter()
        while time.perf_counter() - began < seconds:
            _, _, terminated, truncated, _ = env.step(cycle[count % len(cycle)])
            count += 1
            if terminated or truncated:  # episode resets are not steps: stop the clock
                t = time.perf_counter()
                env.reset(seed=count)
                paused += time.perf_counter() - t
        rate = count / (time.perf_counter() - began - paused)
        cpu_after = cpu_seconds(_descendants(set(owned_processes())) | {os.getpid()})
        cpu = {role: max(0.0, cpu_after[role] - cpu_before[role]) for role in cpu_after}
        alive.wait(timeout=600)  # every env is still up: measure memory together
        results.put({"steps_per_s": rate, "pss_mb": env_pss_mb(), "steps": count, "cpu_s": cpu})
        alive.wait(timeout=600)
    finally:
        env.close()


def parallel(kind: str, n: int, seconds: float, env_id: str = "", runner: str = "local") -> dict[str, float]:
    """Aggregate steps/s of n processes stepping at once (raw floor loops or envs, one display each)."""
    ctx = mp.get_context("fork")
    start, alive, results = ctx.Barrier(n), ctx.Barrier(n + 1), ctx.Queue()
    if kind == "raw":
        procs = [ctx.Process(target=_raw_worker, args=(start, seconds, results)) for _ in range(n)]
    else:
        procs = [ctx.Process(target=_env_worker, args=(env_id, start, alive, seconds, results, runner))
                 for _ in range(n)]
    for proc in procs:
        proc.start()
    try:
        if kind == "env":
            alive.wait(timeout=900)
            values = [results.get(timeout=120) for _ in range(n)]
            alive.wait(timeout=120)
        else:
            values = [results.get(timeout=900) for _ in range(n)]
    finally:
        for proc in procs:
            proc.join(timeout=60)
            if proc.is_alive():
                proc.kill()
    out = {"steps_per_s": sum(v["steps_per_s"] for v in values)}
    if kind == "raw":
        out["cpu_ms_per_step"] = 1000 * sum(v["cpu_s"] for v in values) / (sum(v["steps"] for v in values) or 1)
    if kind == "env":
        steps = sum(v["steps"] for v in values) or 1
        out |= {"alive": len(values), "pss_mb_total": sum(v["pss_mb"] for v in values),
                "cpu_ms_per_step": {role: 1000 * sum(v["cpu_s"][role] for v in values) / steps
                                    for role in values[0]["cpu_s"]}}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--resets", type=int, default=8)
    parser.add_argument("--envs", default=",".join(all_software()))
    parser.add_argument("--out", default="perf.json")
    parser.add_argument("--parallel", default="1,4,8,16,32", help="N values for aggregate throughput ('' to skip)")
    parser.add_argument("--parallel-env", default="gnumeric")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--runner", default="local", choices=["local", "docker"])
    args = parser.parse_args()
    began = time.perf_counter()
    floor = floor_step(200)
    rows = [bench_env(env_id, args.steps, args.resets, args.runner) for env_id in args.envs.split(",") if env_id]
    scaling = []
    for n in [int(v) for v in args.parallel.split(",") if v]:
        raw = parallel("raw", n, args.seconds)
        env = parallel("env", n, args.seconds, args.parallel_env, args.runner)
        scaling.append({"n": n, "raw_steps_per_s": raw["steps_per_s"], "env_steps_per_s": env["steps_per_s"],
                        "ratio": env["steps_per_s"] / raw["steps_per_s"], "alive": env["alive"],
                        "pss_mb_total": env["pss_mb_total"], "pss_mb_per_env": env["pss_mb_total"] / n,
                        "cpu_ms_per_step": env["cpu_ms_per_step"], "raw_cpu_ms_per_step": raw["cpu_ms_per_step"]})
    f50 = floor["p50_ms"]
    print(f"floor (raw capture + XTEST click, bare Xvfb): p50 {f50:.2f} ms, p95 {floor['p95_ms']:.2f} ms")
    print(f"runner: {args.runner}\n")
    print(f"{'env':14s} {'step p50':>8s} {'p95':>6s} {'p99':>6s} {'/floor':>6s} {'redraw':>6s} {'overhd':>6s} "
          f"{'/floor':>6s} {'settle':>6s} | {'reset p50':>9s} {'p95':>5s} {'stop':>5s} {'setup':>5s} {'start':>5s} "
          f"{'settle':>6s} {'warm':>5s} | {'PSS MB':>6s}")
    for r in rows:
        p = r["reset_parts_p50_ms"]
        print(f"{r['env']:14s} {r['step_p50_ms']:8.1f} {r['step_p95_ms']:6.1f} {r['step_p99_ms']:6.1f} "
              f"{r['step_p50_ms'] / f50:5.1f}x {r['redraw_p50_ms']:6.1f} {r['overhead_p50_ms']:6.1f} "
              f"{r['overhead_p50_ms'] / f50:5.1f}x {r['settle_p50_ms']:6.1f} | {r['reset_p50_s']:8.2f}s "
              f"{r['reset_p95_s']:5.2f} {p['stop_app']:5.0f} {p['setup']:5.0f} {p['app_start']:5.0f} "
              f"{p['settle']:6.0f} {r['warm_reset_p50_s']:5.2f} | {r['pss_mb']:6.1f}")
    print("(step columns in ms; overhd = step - redraw; reset parts p50 in ms; warm = seedless reset p50 in s "
          "with warm_reset=True)")
    if scaling:
        print(f"\naggregate throughput ({args.parallel_env}, {args.seconds:.0f} s, one process per env)")
        print(f"{'N':>3s} {'raw floor steps/s':>18s} {'env steps/s':>12s} {'env/raw':>8s} {'alive':>6s} "
              f"{'PSS MB total':>13s} {'per env':>8s}  CPU ms/step: raw | env driver/Xvfb/openbox/app")
        for r in scaling:
            cpu = "/".join(f"{v:.1f}" for v in r["cpu_ms_per_step"].values())
            print(f"{r['n']:3d} {r['raw_steps_per_s']:18.1f} {r['env_steps_per_s']:12.1f} {r['ratio']:8.2f} "
                  f"{r['alive']:6d} {r['pss_mb_total']:13.0f} {r['pss_mb_per_env']:8.1f}  "
                  f"{r['raw_cpu_ms_per_step']:.1f} | {cpu}")
    wall = time.perf_counter() - began
    report = {"runner": args.runner, "floor": floor, "envs": rows, "parallel": scaling, "wall_s": wall}
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(f"\nwritten {args.out} ({wall:.0f} s)")


if __name__ == "__main__":
    main()
