"""Evaluation on a Ray cluster: the suite's episodes spread over the nodes, one env per actor, one run folder.

What ``run_eval(..., ray=ADDRESS)`` (``gym-anything eval --ray ADDRESS``) runs instead of local worker
processes. Each actor is an :class:`~gym_anything.benchmark.worker.EpisodeWorker` on some node (placed with
the ``SPREAD`` strategy and the resources asked for, ``CPU=1`` by default); it records each episode in a scratch
folder on its node and sends the folder back with the result, so the driver writes the one run folder (resume,
progress, summary and leaderboard as for a local run) whether or not the nodes share a disk.

Before an actor gets an episode, its node must hold the same task code as the driver (the task digests of
:mod:`gym_anything.specs.audits`); a node that differs stops the run with the tasks named. An actor that dies
(its node lost, its process killed) or whose episode runs past its wall-clock limit (it is killed) makes that
episode an error, as a lost local worker does, and is replaced.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import socket
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..runtime.ray_cluster import actor_options, connect, ray_module, unplaced_message
from .runs import RunFolder
from .worker import EpisodeWorker, EvalConfig, error_result

PLACEMENT_TIMEOUT = 600.0  # s an actor may wait for a node with the resources it asks for
START_FAILURES = 3  # actors in a row that die before running an episode stop the run
CLOSE_TIMEOUT = 30.0  # s the actors get to close their envs at the end
NODE_LOSS_RETRIES = 1  # runs of an episode that may be lost with their node before it is an error


def task_digests(names: list[str]) -> dict[str, str]:
    """The digest of each ``<software>.<task>`` in ``names`` as this process's registry has it (or "missing")."""
    from ..specs.audits import task_digest
    from ..specs.registry import all_software

    software = all_software()
    digests = {}
    for name in names:
        env_id, _, task_id = name.partition(".")
        env = software.get(env_id)
        task = env.tasks.get(task_id) if env else None
        digests[name] = task_digest(env, task) if env and task else "missing"
    return digests


class _EpisodeActor:
    """The actor body: one :class:`EpisodeWorker` in a dedicated Ray worker process, and its scratch folder."""

    def __init__(self, config: EvalConfig):
        self.worker = EpisodeWorker(config)
        self.scratch = Path(tempfile.mkdtemp(prefix="gym-anything-ray-eval-"))
        self.node_id = ray_module().get_runtime_context().get_node_id()

    def where(self, names: list[str]) -> dict[str, Any]:
        return {"node_id": self.node_id, "hostname": socket.gethostname(),
                "pid": os.getpid(), "digests": task_digests(names)}

    def run(self, episode: Any, budget: int) -> tuple[dict[str, Any], bytes]:
        """Run one episode; its result and its recorded folder as an (uncompressed: PNG and MP4 already are) tar."""
        folder = self.scratch / "episode"
        try:
            result = self.worker.run(episode, budget, folder)
            result.update(host=socket.gethostname(), ray_node=self.node_id)
            data = io.BytesIO()
            with tarfile.open(fileobj=data, mode="w") as tar:
                if folder.is_dir():
                    tar.add(folder, arcname=".")
            return result, data.getvalue()
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        try:
            self.worker.close()
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)


@lru_cache(maxsize=1)
def _actor_class() -> Any:
    return ray_module().remote(_EpisodeActor)


@dataclass
class _Slot:
    """One actor and what it is doing: starting (``ref`` is its ``where``), running ``episode`` or idle."""

    actor: Any
    ref: Any = None
    episode: Any = None
    started: float = 0.0
    host: str = "?"
    node: str = "?"
    ready: bool = False


def capacity(options: dict[str, Any]) -> int:
    """How many actors with ``options``' resources the cluster holds at once (at least 1)."""
    total = ray_module().cluster_resources()
    asked = {"CPU": options["num_cpus"], "GPU": options["num_gpus"], **options["resources"]}
    if "memory" in options:
        asked["memory"] = options["memory"]
    fits = [math.floor(total.get(name, 0.0) / amount) for name, amount in asked.items() if amount > 0]
    return max(1, min(fits, default=1))


def run_on_ray(config: EvalConfig, todo: list[Any], budgets: dict[str, int], limits: dict[str, float],
               jobs: int | None, on_result: Callable[[dict[str, Any]], None], address: str,
               resources: dict[str, float] | None = None) -> int:
    """Run ``todo`` on ``jobs`` actors (None: as many as the cluster's resources hold) of the Ray cluster at
    ``address``; each result goes to the run folder and ``on_result``. Returns the number of actors used."""
    ray = ray_module()
    options = actor_options(resources, "SPREAD", "ray_resources")
    owns = connect(address, quiet=True)
    run = RunFolder(config.out)
    names = sorted({e.name for e in todo})
    wanted = task_digests(names)
    slots: list[_Slot] = []
    try:
        count = min(jobs or capacity(options), len(todo))
        waiting = list(reversed(todo))
        retried: dict[str, int] = {}  # episode id -> runs lost with their node
        start_failures = 0

        def start() -> _Slot:
            actor = _actor_class().options(**options).remote(config)
            slot = _Slot(actor, actor.where.remote(names), started=time.monotonic())
            slots.append(slot)
            return slot

        def replace(slot: _Slot) -> None:
            ray.kill(slot.actor, no_restart=True)
            slots.remove(slot)
            if waiting or any(s.episode is not None for s in slots):
                start()

        def finish(slot: _Slot, result: dict[str, Any]) -> None:
            run.write_result(result)
            on_result(result)
            slot.episode, slot.ref = None, None

        def lose(slot: _Slot, why: str) -> None:
            finish(slot, {**error_result(slot.episode, why), "host": slot.host, "ray_node": slot.node})
            replace(slot)

        for _ in range(count):
            start()
        while waiting or any(s.episode is not None for s in slots):
            for slot in slots:
                if slot.ready and slot.episode is None and waiting:
                    slot.episode = waiting.pop()
                    slot.ref, slot.started = slot.actor.run.remote(slot.episode, budgets[slot.episode.id]), \
                        time.monotonic()
            pending = [s.ref for s in slots if s.ref is not None]
            done, _ = ray.wait(pending, num_returns=1, timeout=1.0) if pending else ([], [])
            by_ref = {s.ref: s for s in slots if s.ref is not None}
            for ref in done:
                slot = by_ref[ref]
                if not slot.ready:  # the actor is up (or could not start)
                    try:
                        where = ray.get(ref)
                    except ray.exceptions.RayError as exc:
                        start_failures += 1
                        if start_failures >= START_FAILURES:
                            raise RuntimeError(f"{start_failures} Ray actors in a row could not start; the last: "
                                               f"{_last_line(exc)}") from exc
                        replace(slot)
                        continue
                    _check_node(where, wanted)
                    slot.ready, slot.ref, slot.host, slot.node = True, None, where["hostname"], where["node_id"]
                    continue
                start_failures = 0
                try:
                    result, data = ray.get(ref)
                except ray.exceptions.RayError as exc:
                    if retried.get(slot.episode.id, 0) < NODE_LOSS_RETRIES and _node_lost(slot.node, exc):
                        retried[slot.episode.id] = retried.get(slot.episode.id, 0) + 1
                        waiting.append(slot.episode)  # not the episode's doing: it runs again, on another node
                        slot.episode = None
                        replace(slot)
                        continue
                    lose(slot, f"the Ray actor running this episode on {slot.host} was lost: {_last_line(exc)}")
                    continue
                _unpack(data, run.episode_folder(slot.episode.id))
                finish(slot, result)
            now = time.monotonic()
            for slot in list(slots):
                if not slot.ready and now - slot.started > PLACEMENT_TIMEOUT:
                    raise RuntimeError(unplaced_message("an eval actor", options, PLACEMENT_TIMEOUT))
                if slot.episode is not None and now - slot.started > limits[slot.episode.id]:
                    lose(slot, f"the episode exceeded its wall-clock limit of {limits[slot.episode.id]:.0f} s on "
                               f"{slot.host}; its Ray actor was killed and replaced")
        return count
    finally:
        _close(slots)
        if owns:
            ray.shutdown()


def _check_node(where: dict[str, Any], wanted: dict[str, str]) -> None:
    differ = sorted(name for name, digest in wanted.items() if where["digests"].get(name) != digest)
    if differ:
        raise RuntimeError(f"the Ray node {where['hostname']} has other task code than this machine for "
                           f"{', '.join(differ)}: install the same gym-anything checkout on every node")


def _node_lost(node_id: str, exc: Exception) -> bool:
    """Whether an actor on Ray node ``node_id`` was lost with its node (Ray says so in the actor's error, or the
    cluster no longer lists the node as alive), rather than by its own process dying."""
    if "node" in str(exc).lower() and ("died" in str(exc).lower() or "dead" in str(exc).lower()):
        return True
    return node_id not in {n["NodeID"] for n in ray_module().nodes() if n.get("Alive")}


def _unpack(data: bytes, folder: Path) -> None:
    """An episode's recorded folder, sent back by its actor, into its place in the run folder."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
        tar.extractall(folder, filter="data")


def _last_line(exc: Exception) -> str:
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else type(exc).__name__


def _close(slots: list[_Slot]) -> None:
    ray = ray_module()
    if not slots or not ray.is_initialized():
        return
    ray.wait([s.actor.close.remote() for s in slots], num_returns=len(slots), timeout=CLOSE_TIMEOUT)
    for slot in slots:
        ray.kill(slot.actor, no_restart=True)
