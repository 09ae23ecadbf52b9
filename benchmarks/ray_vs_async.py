"""The Ray vector env against gymnasium's AsyncVectorEnv, measured in one run on this machine.

Starts a local multi-node Ray cluster (a head without CPUs + ``--nodes`` worker nodes, all on this machine),
then for each N: creates N sub-envs both ways (creation = until every env exists; reset = the first batched
reset), steps both with the same batched actions for ``--seconds`` and prints aggregate steps/s and the ratio.
On one machine Ray can only add overhead (object store transfers of each 2.7 MB screenshot, actor calls);
its point is more machines.

Usage: python benchmarks/ray_vs_async.py [--n 2,4] [--seconds 10] [--env gnumeric] [--nodes 2] [--out ray.json]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
import ray
from ray.cluster_utils import Cluster

import gym_anything  # noqa: F401 - registers the environments
from gym_anything import actions as A
from gym_anything.runtime.guardian import OWNER_VARIABLE
from gym_anything.specs.registry import all_software
from gym_anything.vector.ray import make_ray_vec


def start_cluster(nodes: int, cpus_per_node: int) -> tuple[Cluster, float]:
    """Head + worker nodes; the daemons do not carry the ownership marker (the actors get it from the env)."""
    marker = os.environ.pop(OWNER_VARIABLE, None)
    started = time.perf_counter()
    try:
        cluster = Cluster(initialize_head=True, head_node_args={
            "num_cpus": 0, "object_store_memory": 200 * 2**20, "include_dashboard": False})
        for _ in range(nodes):
            cluster.add_node(num_cpus=cpus_per_node, object_store_memory=200 * 2**20)
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False)
    finally:
        if marker is not None:
            os.environ[OWNER_VARIABLE] = marker
    return cluster, time.perf_counter() - started


def run(envs: gym.vector.VectorEnv, n: int, seconds: float, width: int, height: int) -> float:
    """Aggregate steps/s of ``envs`` stepping batched actions for ``seconds``."""
    cycle = [A.move(width // 3, height // 2), A.click(width // 2, height // 2), A.press("down"), A.press("up")]
    batches = [{k: np.stack([a[k]] * n) for k in a} for a in cycle]
    count, end = 0, time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < end:
        envs.step(batches[count % len(batches)])
        count += 1
    return count * n / (time.perf_counter() - started)


def measure(kind: str, gym_id: str, n: int, seconds: float, width: int, height: int) -> dict[str, float]:
    t = time.perf_counter()
    if kind == "ray":
        envs = make_ray_vec(gym_id, num_envs=n)
        envs.placements  # noqa: B018 - every actor up, env constructed
    else:
        envs = gym.make_vec(gym_id, num_envs=n, vectorization_mode="async")
    created = time.perf_counter() - t
    try:
        t = time.perf_counter()
        envs.reset(seed=0)
        reset = time.perf_counter() - t
        rate = run(envs, n, seconds, width, height)
    finally:
        envs.close()
    return {"create_s": created, "first_reset_s": reset, "steps_per_s": rate}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", default="2,4")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--env", default="gnumeric")
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--out", default="ray.json")
    args = parser.parse_args()
    os.environ.setdefault(OWNER_VARIABLE, f"ray-benchmark-{os.urandom(6).hex()}")
    spec = all_software()[args.env]
    width, height = spec.resolution
    ns = [int(v) for v in args.n.split(",")]
    cluster, cluster_s = start_cluster(args.nodes, max(ns))
    rows = []
    try:
        for n in ns:
            ray_row = measure("ray", spec.gym_id, n, args.seconds, width, height)
            async_row = measure("async", spec.gym_id, n, args.seconds, width, height)
            rows.append({"n": n, "ray": ray_row, "async": async_row,
                         "ratio": ray_row["steps_per_s"] / async_row["steps_per_s"]})
    finally:
        ray.shutdown()
        cluster.shutdown()
    print(f"Ray cluster (head + {args.nodes} worker nodes, local) started in {cluster_s:.1f} s")
    print(f"{'N':>3s} {'backend':>8s} {'create':>8s} {'1st reset':>10s} {'steps/s':>8s}")
    for r in rows:
        for kind in ("ray", "async"):
            m = r[kind]
            print(f"{r['n']:3d} {kind:>8s} {m['create_s']:7.2f}s {m['first_reset_s']:9.2f}s {m['steps_per_s']:8.1f}")
        print(f"{r['n']:3d} ray/async steps/s ratio: {r['ratio']:.2f}")
    Path(args.out).write_text(json.dumps({"cluster_start_s": cluster_s, "nodes": args.nodes, "env": args.env,
                                          "seconds": args.seconds, "rows": rows}, indent=2))
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
