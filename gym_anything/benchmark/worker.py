"""One evaluation worker: an env per software, one agent, and the recording of each episode it runs.

The same worker runs inside every kind of eval worker: a local worker process
(:mod:`gym_anything.benchmark.evaluation`) and a Ray actor on any node of a cluster
(:mod:`gym_anything.benchmark.ray`). What one episode is (reset, the agent's turns, the verifier's result, the
recording in its folder) is :func:`run_episode`, also used by ``gym-anything view --play``.
"""

from __future__ import annotations

import shutil
import time
import traceback
import warnings
from dataclasses import InitVar, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .runs import clear_live, write_live

__all__ = ["EpisodeWorker", "EvalConfig", "display_of", "error_result", "run_episode"]


def now() -> str:
    """The current UTC time as results record it."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def renamed(old: str, new: str, old_value: Any, new_value: Any, new_default: Any) -> Any:
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
        self.reviewer = renamed("audit_judge", "reviewer", audit_judge, self.reviewer, None)
        self.max_reviews = renamed("max_audits", "max_reviews", max_audits, self.max_reviews, 2)


# InitVar fields leave class attributes behind; reading the old names gives the new fields' values instead.
EvalConfig.audit_judge = property(lambda self: self.reviewer)  # type: ignore[attr-defined]
EvalConfig.max_audits = property(lambda self: self.max_reviews)  # type: ignore[attr-defined]


def run_episode(env: Any, agent: Any, episode: Any, budget: int, folder: Path, video: bool = True,
                frames: bool = True) -> dict[str, Any]:
    """Run ``agent`` on one (task, seed) episode in ``env`` and record it in ``folder``; returns the result."""
    from ..agents import public_info
    from .recording import TrajectoryRecorder

    result = new_result(episode, env.unwrapped.software)
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
        result["finished"] = now()
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

class EpisodeWorker:
    """One worker's envs (one per software, reused across episodes, closed after an episode's error so the next
    starts on a fresh display and app) and its agent (built from ``config``)."""

    def __init__(self, config: EvalConfig):
        import gym_anything  # noqa: F401 - registers the environments

        self.config = config
        self.envs: dict[str, Any] = {}
        self.agent = make_agent(config)

    def run(self, episode: Any, budget: int, folder: Path) -> dict[str, Any]:
        """Run ``episode`` with a step budget of ``budget``, recorded in ``folder``; its result (never raises)."""
        import gymnasium as gym

        from ..specs.registry import all_software

        try:
            env = self.envs.get(episode.env)
            if env is None:
                env = self.envs[episode.env] = gym.make(all_software()[episode.env].gym_id, runner=self.config.runner)
            result = run_episode(env, self.agent, episode, budget, folder, self.config.video, self.config.frames)
        except Exception as exc:  # noqa: BLE001 - e.g. the env could not be created
            result = error_result(episode, f"{type(exc).__name__}: {exc}", traceback.format_exc())
        if result["error"] is not None and episode.env in self.envs:
            self.envs.pop(episode.env).close()
        return result

    def close(self) -> None:
        for env in self.envs.values():
            env.close()
        self.envs = {}
        if hasattr(self.agent, "close"):
            self.agent.close()


def make_agent(config: EvalConfig) -> Any:
    """The agent ``config`` names, wrapped in a ``ReviewedAgent`` if it names a reviewer."""
    from ..agents import load_agent

    agent = load_agent(config.agent, **config.agent_kwargs)
    if config.reviewer:
        from ..agents import ReviewedAgent

        agent = ReviewedAgent(agent, config.reviewer, config.max_reviews)  # (inner, judge, how many reviews)
    return agent


def new_result(episode: Any, env_spec: Any = None) -> dict[str, Any]:
    """A result.json skeleton for an episode: what it is, and the outcome of an episode that did nothing."""
    if env_spec is None:
        from ..specs.registry import all_software

        env_spec = all_software()[episode.env]
    task = env_spec.tasks[episode.task]
    return {"episode": episode.id, "env": episode.env, "task": episode.task, "split": task.split,
            "soc_groups": list(env_spec.soc_groups), "difficulty": task.difficulty, "seed": episode.seed,
            "reward": 0.0, "success": False, "score": 0.0, "steps": 0, "verifier": None, "fault": None,
            "error": None, "reviews": [], "wall_time": 0.0, "started": now()}


def error_result(episode: Any, message: str, trace: str = "") -> dict[str, Any]:
    """The result of an episode that could not run or finish (crash, hang, lost worker): an error, reward 0."""
    result = new_result(episode)
    result.update(error={"type": "EpisodeError", "message": message, "traceback": trace}, finished=now())
    return result
