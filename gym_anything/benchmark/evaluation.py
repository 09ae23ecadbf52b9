"""The evaluation runner: an agent on every episode of a suite, in parallel, resumable, recorded.

Usage (what ``gym-anything eval`` calls)::

    summary = run_eval("test", "random", Path("runs/random-test"), jobs=2)

Each worker process owns one env per software (reused across episodes, restarted after an error) and one
agent (:class:`~gym_anything.benchmark.worker.EpisodeWorker`); with ``ray=ADDRESS`` the workers are actors on
a Ray cluster's nodes instead (:mod:`gym_anything.benchmark.ray`). A finished episode has ``result.json``;
re-running into the same folder skips it. An episode that raises is recorded with its error and the run goes
on; a worker that dies is replaced. The run folder is written through :mod:`gym_anything.benchmark.runs` (the
format: docs/run-format.md); its statistics come from :mod:`gym_anything.benchmark.stats`.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import platform
import queue
import sys
import time
from pathlib import Path
from typing import Any

from .runs import FORMAT, RunFolder
from .stats import format_table, summarize, wilson_interval
from .worker import EpisodeWorker, EvalConfig, error_result, now, renamed, run_episode

__all__ = ["EvalConfig", "format_table", "load_results", "run_episode", "run_eval", "summarize", "wilson_interval"]

RUN_FORMAT = FORMAT  # the run format this version writes (its old name here)
EPISODE_TIME_BASE = 120.0  # seconds: the default wall-clock limit of an episode is this ...
EPISODE_TIME_PER_STEP = 30.0  # ... plus this per step of its budget (a slow model may take that long per step)


def _worker(config: EvalConfig, todo: mp.Queue, done: mp.Queue, worker_id: int, parent: int) -> None:
    """A local worker process: episodes from ``todo`` (with their step budgets) until a None."""
    from ..runtime.guardian import die_with_parent

    die_with_parent(parent)  # a killed eval takes its workers (and, through their guardians, their apps) with it
    run = RunFolder(config.out)
    worker = EpisodeWorker(config)
    try:
        while True:
            item = todo.get()
            if item is None:
                return
            episode, budget = item
            done.put(("started", worker_id, episode.id, None))
            result = worker.run(episode, budget, run.episode_folder(episode.id))
            run.write_result(result)
            done.put(("finished", worker_id, episode.id, result))
    finally:
        worker.close()


def load_results(out: Path) -> list[dict[str, Any]]:
    """The readable results of the run in ``out`` (``RunFolder(out).results()``)."""
    return RunFolder(out).results()


# --- the run -----------------------------------------------------------------------------------------


class _Progress:
    """One status line: done/total, success so far, ETA (redrawn on a terminal, printed per episode otherwise)."""

    def __init__(self, total: int, already: int, successes: int, stream=sys.stdout):
        self.total, self.done, self.successes, self.stream = total, already, successes, stream
        self.started, self.new = time.monotonic(), 0
        self.tty = stream.isatty()

    def update(self, result: dict[str, Any]) -> None:
        self.done, self.new = self.done + 1, self.new + 1
        self.successes += bool(result["success"])
        elapsed = time.monotonic() - self.started
        eta = elapsed / self.new * (self.total - self.done)
        width = 24
        filled = int(width * self.done / max(self.total, 1))
        status = "ERROR" if result.get("error") else f"reward={result['reward']:.2f}"
        line = (f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
                f"success {self.successes}/{self.done} ({100 * self.successes / max(self.done, 1):.0f}%) "
                f"ETA {int(eta // 60)}:{int(eta % 60):02d}")
        if self.tty:
            self.stream.write(f"\r{line}  last: {result['episode']} {status}   ")
        else:
            self.stream.write(f"{line}  {result['episode']} {status}\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")


def run_eval(suite: str, agent: str, out: Path, jobs: int | None = 1, agent_kwargs: dict[str, Any] | None = None,
             only: list[str] | None = None, reviewer: str | None = None, max_reviews: int = 2,
             runner: str = "local", video: bool = True, frames: bool = True, model: str | None = None,
             progress: bool = True, name: str | None = None, episode_timeout: float | None = None, *,
             ray: str | None = None, ray_resources: dict[str, float] | None = None,
             audit_judge: str | None = None, max_audits: int | None = None) -> dict[str, Any]:
    """Run ``agent`` on every episode of ``suite`` (optionally ``only`` some tasks) into ``out``; returns the
    run's summary (what summary.json holds).

    ``reviewer`` (a judge spec such as ``openai:URL#MODEL``) wraps the agent in ``ReviewedAgent``: a DONE is
    reviewed at most ``max_reviews`` times per episode; the reviews are in each result's ``reviews``.
    ``audit_judge`` / ``max_audits`` are their deprecated names (DeprecationWarning).

    ``episode_timeout`` is each episode's wall-clock limit in seconds (default: ``EPISODE_TIME_BASE +
    EPISODE_TIME_PER_STEP`` x the episode's step budget); an episode past it is recorded as an error and its
    worker is replaced.

    ``ray`` (``"auto"``, ``"host:port"``, ``"ray://host:10001"`` or ``"local"``) runs the episodes on the actors of
    that Ray cluster instead of local worker processes (:mod:`gym_anything.benchmark.ray`): ``jobs`` actors, or
    with ``jobs=None`` as many as the cluster's resources hold, each asking for ``ray_resources`` (default
    ``{"CPU": 1}``; Ray names: ``CPU``, ``GPU``, ``memory`` in bytes, custom node resources). Locally,
    ``jobs=None`` is 1.

    Resumable: episodes with a readable ``result.json`` in ``out`` are skipped. ``out`` must not hold a run of
    another suite, agent, reviewer, runner or run format. The summary covers every finished episode in the
    folder, also those of earlier invocations with other ``only`` tasks; run.json's ``planned`` lists them all.
    """
    from .. import __version__
    from ..agents import load_agent
    from ..models.backends import is_model_spec, parse_model_spec
    from ..specs.registry import all_software
    from .suites import load_suite

    reviewer = renamed("audit_judge", "reviewer", audit_judge, reviewer, None)
    max_reviews = renamed("max_audits", "max_reviews", max_audits, max_reviews, 2)
    if jobs is None and ray is None:
        jobs = 1
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise ValueError(f"jobs must be a whole number >= 1, got {jobs!r}")
    if ray is not None:
        from ..runtime.ray_cluster import actor_options, check_address

        actor_options(ray_resources, what="ray_resources")  # a bad resource fails here, before Ray starts
        check_address(ray)  # so does an address nobody answers at
    elif ray_resources is not None:
        raise ValueError("ray_resources needs ray (the address of a Ray cluster)")
    if episode_timeout is not None and (isinstance(episode_timeout, bool)
                                        or not isinstance(episode_timeout, (int, float)) or not episode_timeout > 0):
        raise ValueError(f"episode_timeout must be a positive number of seconds, got {episode_timeout!r}")
    if isinstance(max_reviews, bool) or not isinstance(max_reviews, int) or max_reviews < 0:
        raise ValueError(f"max_reviews must be a whole number >= 0, got {max_reviews!r}")
    suite_obj = load_suite(suite)
    episodes = suite_obj.episodes(only)
    if is_model_spec(agent):
        spec = parse_model_spec(agent)  # ValueError for a malformed model spec, before starting workers
        model = model or spec.model or spec.location
    else:
        load_agent(agent, **(agent_kwargs or {}))  # fail fast on a bad agent name, before starting workers
    out = Path(out)
    folder = RunFolder(out)
    wanted = {e.id for e in episodes}
    meta: dict[str, Any] = {
            "format": FORMAT, "name": name or out.name, "suite": suite_obj.name, "suite_version": suite_obj.version,
            "suite_digest": suite_obj.digest, "agent": agent, "agent_name": agent.split(":")[0], "model": model,
            "agent_kwargs": agent_kwargs or {}, "reviewer": reviewer, "max_reviews": max_reviews,
            "step_budget": suite_obj.step_budget, "jobs": jobs, "runner": runner, "ray": ray, "planned": sorted(wanted),
            "started": now(), "finished": None, "gym_anything_version": __version__, "host": platform.node()}
    if folder.exists():
        old = folder.meta  # RunFormatError (a ValueError) if it is not a readable run
        if old["format"] != FORMAT:
            raise ValueError(f"{out} holds a run of format {old['format']}; this version writes format {FORMAT} "
                             "and does not add to older runs: use another --out folder")
        for key in ("suite", "suite_digest", "agent", "reviewer", "runner"):
            if old.get(key) != meta[key]:
                raise ValueError(f"{out} holds a run with {key}={old.get(key)!r}, not {meta[key]!r}; "
                                 "use another --out folder")
        meta["started"] = old.get("started", meta["started"])
        meta["planned"] = sorted(wanted | set(folder.planned))  # --task may narrow or widen a run
    folder.write_meta(meta)

    finished = {r["episode"]: r for r in folder.results()}
    todo = [e for e in episodes if e.id not in finished]
    stream = sys.stdout
    if progress:
        workers = f"{jobs or 'as many'} Ray actor(s) at {ray}" if ray is not None else f"{jobs} job(s)"
        stream.write(f"eval: suite {suite_obj.name} v{suite_obj.version} ({len(episodes)} episodes), agent {agent}, "
                     f"{workers} -> {out}/" + (f"; resuming, {len(episodes) - len(todo)} done"
                                                   if len(todo) < len(episodes) else "") + "\n")
    bar = _Progress(len(episodes), len(episodes) - len(todo),
                    sum(bool(r["success"]) for e, r in finished.items() if e in wanted), stream)
    config = EvalConfig(suite=str(suite_obj.file), agent=agent, out=out, agent_kwargs=agent_kwargs or {},
                        reviewer=reviewer, max_reviews=max_reviews, runner=runner, video=video, frames=frames)

    def summary() -> dict[str, Any]:
        results = sorted(finished.values(), key=lambda r: r["episode"])
        planned: list[str] = meta["planned"]
        return summarize(meta, results, len(set(planned) | set(finished)))

    def on_result(result: dict[str, Any]) -> None:
        finished[result["episode"]] = result
        if progress:
            bar.update(result)
        folder.write_summary(summary())

    envs = all_software()
    budgets = {e.id: suite_obj.budget_for(envs[e.env].tasks[e.task]) for e in todo}
    limits = {e.id: float(episode_timeout) if episode_timeout is not None else
              EPISODE_TIME_BASE + EPISODE_TIME_PER_STEP * budgets[e.id] for e in todo}
    if todo and ray is not None:
        from .ray import run_on_ray

        meta["jobs"] = run_on_ray(config, todo, budgets, limits, jobs, on_result, ray, ray_resources)
    elif todo:
        assert jobs is not None
        _run_workers(config, todo, budgets, limits, min(jobs, len(todo)), on_result)
    if progress:
        bar.finish()
    meta["finished"] = now()
    folder.write_meta(meta)
    final = summary()
    folder.write_summary(final)
    return final


def _run_workers(config: EvalConfig, todo: list[Any], budgets: dict[str, int], limits: dict[str, float], jobs: int,
                 on_result) -> None:
    """Run ``todo`` on ``jobs`` worker processes. A worker that dies, or whose episode runs past its wall-clock
    limit (``limits[episode.id]`` seconds; it is killed), makes that episode an error and is replaced. A dead
    worker's displays, apps and folders are removed by its guardian (``runtime/guardian.py``)."""
    ctx = mp.get_context("spawn")  # fresh interpreters: no inherited X connections or threads
    tasks: mp.Queue = ctx.Queue()
    results: mp.Queue = ctx.Queue()
    for episode in todo:
        tasks.put((episode, budgets[episode.id]))
    by_id = {e.id: e for e in todo}
    workers: dict[int, Any] = {}
    current: dict[int, tuple[str, float] | None] = {}  # worker -> (episode id, when it started)
    next_id = 0

    remaining = len(todo)

    def start_worker() -> None:
        nonlocal next_id
        tasks.put(None)  # one stop marker per worker, behind the episodes
        process = ctx.Process(target=_worker, args=(config, tasks, results, next_id, os.getpid()), daemon=True)
        process.start()
        workers[next_id], current[next_id] = process, None
        next_id += 1

    def lose(wid: int, why: str) -> None:
        """Worker ``wid`` is gone: its episode (if any) becomes an error; a replacement starts if needed."""
        nonlocal remaining
        del workers[wid]
        lost = current.pop(wid, None)
        if lost is not None:
            remaining -= 1
            result = error_result(by_id[lost[0]], why)
            RunFolder(config.out).write_result(result)
            on_result(result)
        if remaining and (lost is not None or not workers):
            start_worker()

    for _ in range(jobs):
        start_worker()
    try:
        while remaining:
            now = time.monotonic()
            for wid, running in list(current.items()):
                if running is not None and now - running[1] > limits[running[0]]:
                    process = workers[wid]
                    process.kill()  # hung (agent, model server or app): its guardian cleans up after it
                    process.join(10)
                    lose(wid, f"the episode exceeded its wall-clock limit of {limits[running[0]]:.0f} s; "
                              "its worker was killed and replaced")
            try:
                kind, worker_id, episode_id, result = results.get(timeout=1.0)
            except queue.Empty:
                for wid, process in list(workers.items()):
                    if not process.is_alive():
                        process.join()
                        lose(wid, f"the worker process died (exit code {process.exitcode}) during this episode")
                continue
            if worker_id not in workers:
                continue  # a message from a worker that was killed meanwhile
            if kind == "started":
                current[worker_id] = (episode_id, time.monotonic())
            else:
                current[worker_id] = None
                remaining -= 1
                on_result(result)
    finally:
        for _ in workers:
            tasks.put(None)
        deadline = time.monotonic() + 30
        for process in workers.values():
            process.join(timeout=max(0.1, deadline - time.monotonic()))
            if process.is_alive():
                process.terminate()
                process.join(5)
