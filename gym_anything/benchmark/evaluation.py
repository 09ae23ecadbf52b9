"""The evaluation runner: an agent on every episode of a suite, in parallel, resumable, recorded.

Usage (what ``gym-anything eval`` calls)::

    summary = run_eval("test", "random", Path("runs/random-test"), jobs=2)

Each worker process owns one env per software (reused across episodes, restarted after an error) and one
agent. A finished episode has ``result.json``; re-running into the same folder skips it. An episode that raises
is recorded with its error and the run goes on; a worker that dies is replaced. The run folder is written
through :mod:`gym_anything.benchmark.runs` (the format: docs/run-format.md); its statistics come from
:mod:`gym_anything.benchmark.stats`.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import platform
import queue
import shutil
import sys
import time
import traceback
import warnings
from dataclasses import InitVar, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .runs import FORMAT, RunFolder, clear_live, write_live
from .stats import format_table, summarize, wilson_interval

__all__ = ["EvalConfig", "format_table", "load_results", "run_episode", "run_eval", "summarize", "wilson_interval"]

RUN_FORMAT = FORMAT  # the run format this version writes (its old name here)
EPISODE_TIME_BASE = 120.0  # seconds: the default wall-clock limit of an episode is this ...
EPISODE_TIME_PER_STEP = 30.0  # ... plus this per step of its budget (a slow model may take that long per step)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _renamed(old: str, new: str, old_value: Any, new_value: Any, new_default: Any) -> Any:
    """The value of a renamed keyword: the old name still works, with a DeprecationWarning."""
    if old_value is None:
        return new_value
    if new_value != new_default:
        raise TypeError(f"give {new!r} or its old name {old!r}, not both")
    warnings.warn(f"{old!r} is deprecated; use {new!r} (the test-time review is a review, not an audit)",
                  DeprecationWarning, stacklevel=3)
    return old_value


@dataclass
class EvalConfig:
    """Everything a worker needs to run episodes (picklable). ``reviewer``: a judge spec; the agent is then
    wrapped in :class:`~gym_anything.agents.ReviewedAgent`, which reviews each DONE at most ``max_reviews``
    times. ``audit_judge`` / ``max_audits`` are their deprecated names."""

    suite: str
    agent: str
    out: Path
    agent_kwargs: dict[str, Any] = field(default_factory=dict)
    reviewer: str | None = None
    max_reviews: int = 2
    runner: str = "local"
    video: bool = True
    frames: bool = True
    audit_judge: InitVar[str | None] = None
    max_audits: InitVar[int | None] = None

    def __post_init__(self, audit_judge: str | None, max_audits: int | None) -> None:
        self.reviewer = _renamed("audit_judge", "reviewer", audit_judge, self.reviewer, None)
        self.max_reviews = _renamed("max_audits", "max_reviews", max_audits, self.max_reviews, 2)


# InitVar fields leave class attributes behind; reading the old names gives the new fields' values instead.
EvalConfig.audit_judge = property(lambda self: self.reviewer)  # type: ignore[attr-defined]
EvalConfig.max_audits = property(lambda self: self.max_reviews)  # type: ignore[attr-defined]


# --- one episode -------------------------------------------------------------------------------------


def run_episode(env: Any, agent: Any, episode: Any, budget: int, folder: Path, video: bool = True,
                frames: bool = True) -> dict[str, Any]:
    """Run ``agent`` on one (task, seed) episode in ``env`` and record it in ``folder``; returns the result."""
    from ..agents import public_info
    from .recording import TrajectoryRecorder

    result = _new_result(episode, env.unwrapped.software)
    result.update(max_steps=budget, terminated=False, truncated=False)
    shutil.rmtree(folder, ignore_errors=True)  # a half-written earlier attempt
    folder.mkdir(parents=True)
    started = time.perf_counter()
    recorder = TrajectoryRecorder(folder, save_frames=frames, video=video)
    agent_reset = False  # until then the agent's reviews are an earlier episode's
    try:
        if hasattr(agent, "bind"):
            agent.bind(env)
        obs, info = env.reset(seed=episode.seed, options={"task": episode.task, "max_steps": budget})
        result.update(instance_seed=info["instance_seed"], instruction=info["instruction"],
                      reset_time=round(info["reset_time"], 3))
        _announce_display(env, folder, episode.id, info["instruction"])
        recorder.start(obs)
        agent.reset(info["instruction"], {**public_info(info), "seed": episode.seed})
        agent_reset = True
        agent_info: dict[str, Any] = {}
        while True:
            t = time.perf_counter()
            action = agent.act(obs, agent_info)
            agent_time = time.perf_counter() - t
            obs, reward, terminated, truncated, info = env.step(action)
            recorder.step(action, obs, reward, terminated, truncated, info, round(agent_time, 4),
                          dict(getattr(agent, "trace", {}) or {}))
            result["steps"] += 1
            agent_info = public_info(info)
            if terminated or truncated:
                break
        verifier = info.get("verifier") or {}
        result.update(reward=float(reward), success=bool(verifier.get("passed")),
                      score=float(verifier.get("score", 0.0)), terminated=bool(terminated),
                      truncated=bool(truncated), verifier=verifier, fault=info.get("fault"))
    except Exception as exc:  # noqa: BLE001 - any failure of agent, env or app is this episode's error
        result["error"] = {"type": type(exc).__name__, "message": str(exc), "traceback": traceback.format_exc()}
    finally:
        clear_live(folder)
        recorder.close()
        result["reviews"] = _reviews(agent) if agent_reset else []
        result["wall_time"] = round(time.perf_counter() - started, 3)
        result["finished"] = _now()
    return result


def display_of(env: Any) -> str | None:
    """The X display ``env``'s runner shows its app on (None for a runner without one, or none yet)."""
    runner = env.unwrapped.runner
    try:
        display = getattr(runner, "display_name", None) if runner is not None else None
    except Exception:  # noqa: BLE001 - no display (yet)
        display = None
    return display if isinstance(display, str) else None


def _announce_display(env: Any, folder: Path, episode_id: str, instruction: str) -> None:
    """live.json: the display the episode runs on, for ``gym-anything view RUN`` (runners without one: none)."""
    display = display_of(env)
    if display is not None:
        write_live(folder, episode_id, display, instruction)


def _reviews(agent: Any) -> list[dict[str, Any]]:
    """The test-time reviews of the episode just run (a ``ReviewedAgent``'s ``reviews``)."""
    return list(getattr(agent, "reviews", None) or [])


# --- workers -----------------------------------------------------------------------------------------


def _make_agent(config: EvalConfig) -> Any:
    from ..agents import load_agent

    agent = load_agent(config.agent, **config.agent_kwargs)
    if config.reviewer:
        from ..agents import ReviewedAgent

        agent = ReviewedAgent(agent, config.reviewer, config.max_reviews)  # (inner, judge, how many reviews)
    return agent


def _worker(config: EvalConfig, todo: mp.Queue, done: mp.Queue, worker_id: int, parent: int) -> None:
    import gymnasium as gym

    from ..runtime.guardian import die_with_parent

    die_with_parent(parent)  # a killed eval takes its workers (and, through their guardians, their apps) with it

    import gym_anything  # noqa: F401 - registers the environments

    from ..specs.registry import all_software
    from .suites import load_suite

    suite = load_suite(config.suite)
    run = RunFolder(config.out)
    envs: dict[str, Any] = {}
    agent = _make_agent(config)
    try:
        while True:
            item = todo.get()
            if item is None:
                return
            episode = item
            done.put(("started", worker_id, episode.id, None))
            try:
                env = envs.get(episode.env)
                if env is None:
                    env = envs[episode.env] = gym.make(all_software()[episode.env].gym_id, runner=config.runner)
                budget = suite.budget_for(all_software()[episode.env].tasks[episode.task])
                result = run_episode(env, agent, episode, budget, run.episode_folder(episode.id),
                                     config.video, config.frames)
            except Exception as exc:  # noqa: BLE001 - e.g. the env could not be created
                result = _error_result(episode, f"{type(exc).__name__}: {exc}", traceback.format_exc())
            if result["error"] is not None and episode.env in envs:
                envs.pop(episode.env).close()  # start from a fresh display and app next time
            run.write_result(result)
            done.put(("finished", worker_id, episode.id, result))
    finally:
        for env in envs.values():
            env.close()
        if hasattr(agent, "close"):
            agent.close()


def _new_result(episode: Any, env_spec: Any = None) -> dict[str, Any]:
    """A result.json skeleton for an episode: what it is, and the outcome of an episode that did nothing."""
    if env_spec is None:
        from ..specs.registry import all_software

        env_spec = all_software()[episode.env]
    task = env_spec.tasks[episode.task]
    return {"episode": episode.id, "env": episode.env, "task": episode.task, "split": task.split,
            "soc_groups": list(env_spec.soc_groups), "difficulty": task.difficulty, "seed": episode.seed,
            "reward": 0.0, "success": False, "score": 0.0, "steps": 0, "verifier": None, "fault": None,
            "error": None, "reviews": [], "wall_time": 0.0, "started": _now()}


def _error_result(episode: Any, message: str, trace: str = "") -> dict[str, Any]:
    result = _new_result(episode)
    result.update(error={"type": "EpisodeError", "message": message, "traceback": trace}, finished=_now())
    return result


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


def run_eval(suite: str, agent: str, out: Path, jobs: int = 1, agent_kwargs: dict[str, Any] | None = None,
             only: list[str] | None = None, reviewer: str | None = None, max_reviews: int = 2,
             runner: str = "local", video: bool = True, frames: bool = True, model: str | None = None,
             progress: bool = True, name: str | None = None, episode_timeout: float | None = None, *,
             audit_judge: str | None = None, max_audits: int | None = None) -> dict[str, Any]:
    """Run ``agent`` on every episode of ``suite`` (optionally ``only`` some tasks) into ``out``; returns the
    run's summary (what summary.json holds).

    ``reviewer`` (a judge spec such as ``openai:URL#MODEL``) wraps the agent in ``ReviewedAgent``: a DONE is
    reviewed at most ``max_reviews`` times per episode; the reviews are in each result's ``reviews``.
    ``audit_judge`` / ``max_audits`` are their deprecated names (DeprecationWarning).

    ``episode_timeout`` is each episode's wall-clock limit in seconds (default: ``EPISODE_TIME_BASE +
    EPISODE_TIME_PER_STEP`` x the episode's step budget); an episode past it is recorded as an error and its
    worker is replaced.

    Resumable: episodes with a readable ``result.json`` in ``out`` are skipped. ``out`` must not hold a run of
    another suite, agent, reviewer, runner or run format. The summary covers every finished episode in the
    folder, also those of earlier invocations with other ``only`` tasks; run.json's ``planned`` lists them all.
    """
    from .. import __version__
    from ..agents import load_agent
    from ..models.backends import is_model_spec, parse_model_spec
    from ..specs.registry import all_software
    from .suites import load_suite

    reviewer = _renamed("audit_judge", "reviewer", audit_judge, reviewer, None)
    max_reviews = _renamed("max_audits", "max_reviews", max_audits, max_reviews, 2)
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
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
            "step_budget": suite_obj.step_budget, "jobs": jobs, "runner": runner, "planned": sorted(wanted),
            "started": _now(), "finished": None, "gym_anything_version": __version__, "host": platform.node()}
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
        stream.write(f"eval: suite {suite_obj.name} v{suite_obj.version} ({len(episodes)} episodes), agent {agent}, "
                     f"{jobs} job(s) -> {out}/" + (f"; resuming, {len(episodes) - len(todo)} done"
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
    limits = {e.id: float(episode_timeout) if episode_timeout is not None else
              EPISODE_TIME_BASE + EPISODE_TIME_PER_STEP * suite_obj.budget_for(envs[e.env].tasks[e.task])
              for e in todo}
    if todo:
        _run_workers(config, todo, min(jobs, len(todo)), on_result, limits)
    if progress:
        bar.finish()
    meta["finished"] = _now()
    folder.write_meta(meta)
    final = summary()
    folder.write_summary(final)
    return final


def _run_workers(config: EvalConfig, todo: list[Any], jobs: int, on_result, limits: dict[str, float]) -> None:
    """Run ``todo`` on ``jobs`` worker processes. A worker that dies, or whose episode runs past its wall-clock
    limit (``limits[episode.id]`` seconds; it is killed), makes that episode an error and is replaced. A dead
    worker's displays, apps and folders are removed by its guardian (``runtime/guardian.py``)."""
    ctx = mp.get_context("spawn")  # fresh interpreters: no inherited X connections or threads
    tasks: mp.Queue = ctx.Queue()
    results: mp.Queue = ctx.Queue()
    for episode in todo:
        tasks.put(episode)
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
            result = _error_result(by_id[lost[0]], why)
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
