"""GymAnythingEnv: one software (optionally pinned to one task) as a ``gymnasium.Env``."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from .. import actions as A
from ..action_presets import ActionPreset
from ..authoring.contexts import OracleContext, VerifyContext
from ..errors import ActionError, RuntimeFault
from ..models.backends import Backend, make_backend
from ..models.images import FrameBuffer
from ..observations import ObservationShape
from ..runtime import RUNNERS, make_runner
from ..runtime.base import Runner
from ..runtime.sandbox import require_launchable
from ..specs.audits import warn_if_unaudited
from ..specs.loader import load_function
from ..specs.model import SoftwareSpec, TaskSpec
from ..specs.paths import hidden_from_apps
from ..specs.registry import software_spec
from ..verification import VerifierResult, combine, evaluate_checklist, run_verifier
from .episodes import (
    Instance,
    WarmStarts,
    check_reset_options,
    draw,
    new_instance,
    predicted_draw,
    step_budget,
    wait_until_files_settle,
)

REWARD_MODES = ("score", "binary")
MAX_BATCH = 32  # actions per batched step (a provider turn's tool calls)


class GymAnythingEnv(gym.Env):
    """A real application on a virtual display.

    Observation: the screen, ``uint8`` (H, W, 3). Action: see :mod:`gym_anything.actions`. Reward: 0 on
    every step except the last, where it is the verifier's score (or 1/0 with ``reward_mode="binary"``).
    The episode terminates on DONE, or on a fault (app crash, display death; reported in
    ``info["fault"]``), and truncates at the task's ``max_steps``; the verifier runs on either.

    ``reset(options=...)`` accepts ``task`` (a task id of this env) and ``max_steps`` (a step budget for
    this episode, at most the task's own ``max_steps``; benchmark suites use it). ``max_steps=N`` at
    construction (``gym.make(id, max_steps=N)``) caps every episode at N steps; either way the verifier runs on
    the truncating step. ``gym.make(id, max_episode_steps=N)`` does the same through gymnasium's ``TimeLimit`` and
    :class:`gym_anything.wrappers.VerifyOnTruncation`.

    ``warm_reset=True`` prepares the next episode in the background while the current one runs (HOME copy,
    task setup and the app started on a spare display), for the instance the next ``reset()`` without a
    seed will draw; that reset then only swaps it in. Any other reset starts cold, with the same result.
    It costs a second display and app per env. ``runner``: ``local`` (default), ``docker`` or ``fake``
    (scripted screens, no app: for tests of code around the env).
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 5}

    def __init__(self, env_id: str | SoftwareSpec, task_id: str | None = None, render_mode: str | None = None,
                 reward_mode: str = "score", split: str | None = None, runner: str = "local", audit: bool = True,
                 judge: Any = None, warm_reset: bool = False, max_steps: int | None = None,
                 actions: str = "dict", action_grid: tuple[int, int] = (8, 8),
                 action_keys: Sequence[Any] | None = None, action_texts: Sequence[str] | None = None,
                 obs_size: tuple[int, int] | None = None, grayscale: bool = False, observation: str = "image",
                 obs_dtype: str = "uint8"):
        self.software = env_id if isinstance(env_id, SoftwareSpec) else software_spec(env_id)
        software = self.software
        if task_id is not None:
            if task_id not in software.tasks:
                raise ValueError(f"unknown task {task_id!r} for {software.id}; known: {sorted(software.tasks)}")
            self.tasks = [software.tasks[task_id]]
        else:
            self.tasks = [t for t in software.tasks.values() if split is None or t.split == split]
            if not self.tasks:
                raise ValueError(f"{software.id} has no task in split {split!r}")
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        if reward_mode not in REWARD_MODES:
            raise ValueError(f"reward_mode must be one of {REWARD_MODES}, got {reward_mode!r}")
        if runner not in RUNNERS:
            raise ValueError(f"runner must be one of {sorted(RUNNERS)}, got {runner!r}")
        if runner == "local":
            require_launchable(software)  # at gym.make, not at the first reset
        if not isinstance(warm_reset, bool):
            raise ValueError(f"warm_reset must be True or False, got {warm_reset!r}")
        if max_steps is not None and (isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer))
                                      or max_steps < 1):
            raise ValueError(f"max_steps must be an integer >= 1 (a step budget for every episode), got {max_steps!r}")
        self.max_steps = None if max_steps is None else int(max_steps)
        self.runner_kind, self.warm_reset = runner, warm_reset
        self._warm = WarmStarts()
        self.render_mode, self.reward_mode, self._warn_unaudited = render_mode, reward_mode, audit
        self._judge_config: Any = judge
        self._judge: Backend | None = None
        self._frames: FrameBuffer | None = None
        if audit and len(self.tasks) == 1:
            warn_if_unaudited(software, self.tasks[0])
        self.width, self.height = software.resolution
        self._shape = ObservationShape.make(self.width, self.height, obs_size, grayscale, observation, obs_dtype)
        self.observation_space = self._shape.space()
        self._preset: ActionPreset | None = None
        if actions != "dict":
            vocabulary: dict[str, Any] = {}
            if action_keys is not None:
                vocabulary["keys"] = tuple(action_keys)
            if action_texts is not None:
                vocabulary["texts"] = tuple(action_texts)
            self._preset = ActionPreset(actions, self.width, self.height, action_grid, **vocabulary)
        self.action_space = self._preset.space if self._preset is not None else A.action_space(self.width,
                                                                                                self.height)
        self._runner: Runner | None = None
        self._instance: Instance | None = None
        self._frame: np.ndarray | None = None
        self._steps = 0
        self._max_steps = 0
        self._ended = True

    @property
    def spec_env(self) -> SoftwareSpec:
        """Deprecated name of :attr:`software`."""
        return self.software

    # --- lifecycle --------------------------------------------------------------------------------

    def _ensure_runner(self) -> Runner:
        if self._runner is None:
            self._runner = make_runner(self.runner_kind, self.software, hidden_from_apps())
        return self._runner

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        check_reset_options(options)
        super().reset(seed=seed)
        started = time.perf_counter()
        task, instance_seed = draw(self.tasks, self.np_random, options)
        self._max_steps = min(step_budget(task, (options or {}).get("max_steps")), self.max_steps or task.max_steps)
        if self._warn_unaudited:
            warn_if_unaudited(self.software, task)
        runner = self._ensure_runner()
        timings: dict[str, float] = {"stop_app": 0.0, "setup": 0.0}
        inst = self._warm.take()
        warm = inst is not None and inst.task is task and inst.seed == instance_seed
        if not warm:
            t = time.perf_counter()
            runner.stop_app()
            timings["stop_app"] = time.perf_counter() - t
            t = time.perf_counter()
            inst = new_instance(runner, self.software, task, instance_seed)
            timings["setup"] = time.perf_counter() - t
        assert inst is not None
        runner.discard_episodes(keep=inst.episode)  # earlier episodes, and a prepared one not used

        t = time.perf_counter()
        settled = runner.launch(inst.home, inst.args)
        timings["launch"] = time.perf_counter() - t  # app start to first window, plus settle
        timings["settle"] = settled.seconds

        self._instance = inst
        self._frame = settled.frame
        self._frames = FrameBuffer() if task.checklist is not None else None
        if self._frames is not None:
            self._frames.add(settled.frame)
        self._steps = 0
        self._ended = False
        if self.warm_reset:
            next_task, next_seed = predicted_draw(self.tasks, self.np_random)
            self._warm.prepare(runner, lambda: new_instance(runner, self.software, next_task, next_seed))
        timings["total"] = time.perf_counter() - started
        info = {"env_id": self.software.id, "task_id": task.id, "instruction": inst.instruction,
                "instance_seed": instance_seed, "params": inst.values, "max_steps": self._max_steps, "step": 0,
                "reset_time": timings["total"], "reset_warm": warm, "reset_timings": timings,
                "settle_time": settled.seconds, "settled": settled.stable}
        return self._observe(settled.frame), info

    def step(self, action: Any):
        if self._ended or self._instance is None:
            raise RuntimeError("the episode has ended (or never started): call reset() before step()")
        batch = self._typed_batch(action)
        started = time.perf_counter()
        self._steps += 1
        runner = self._ensure_runner()
        info: dict[str, Any] = {"env_id": self.software.id, "task_id": self._instance.task.id, "step": self._steps,
                                "action": "; ".join(A.describe(a) for a in batch)}
        if len(batch) > 1:
            info["batch"] = len(batch)
        terminated = batch[-1]["type"] is A.ActionType.DONE
        fault: RuntimeFault | None = None
        if not (terminated and len(batch) == 1):
            try:
                for act in batch:
                    if act["type"] is A.ActionType.WAIT:
                        runner.wait(act["duration"])
                    elif act["type"] is not A.ActionType.DONE:
                        runner.perform(act)
                settled = runner.settle()  # once per batch: the frame after its last action
                self._frame = settled.frame
                if self._frames is not None:
                    self._frames.add(settled.frame)
                info["settle_time"], info["settled"] = settled.seconds, settled.stable
                info["redraw_time"] = settled.redraw
                info["pointer"] = runner.pointer()
            except RuntimeFault as exc:
                fault = exc
                terminated = True
                info["fault"] = {"kind": exc.kind, "detail": exc.detail}
        truncated = not terminated and self._steps >= self._max_steps
        reward = self._end(info, check_late_fault=fault is None) if terminated or truncated else 0.0
        info["step_time"] = time.perf_counter() - started
        assert self._frame is not None
        return self._observe(self._frame), reward, terminated, truncated, info

    def _typed_batch(self, action: Any) -> list[dict[str, Any]]:
        """The step's typed actions, all validated before any runs: one action, or a batch (a list or tuple of
        typed actions performed in order and settled once, as a provider's batched tool call; DONE may end
        it). With a preset, preset values map to typed actions first."""
        if isinstance(action, (list, tuple)):
            if not 1 <= len(action) <= MAX_BATCH:
                raise ActionError(f"a batch of actions holds 1 to {MAX_BATCH} actions, got {len(action)}")
            items = list(action)
        else:
            items = [action]
        batch = []
        for i, item in enumerate(items):
            if self._preset is not None and not isinstance(item, dict):  # typed actions still work (the oracle)
                item = self._preset.to_action(item)
            try:
                batch.append(A.validate(item, self.width, self.height))
            except ActionError as exc:
                raise ActionError(f"batch action {i}: {exc}" if len(items) > 1 else str(exc)) from None
        if any(a["type"] is A.ActionType.DONE for a in batch[:-1]):
            raise ActionError("DONE may only be the last action of a batch")
        return batch

    def _observe(self, frame: np.ndarray) -> Any:
        return self._shape.convert(frame, self._instance.instruction if self._instance is not None else "")

    def _end(self, info: dict[str, Any], check_late_fault: bool = True) -> float:
        """End the episode: run the verifier, put its result (and a late fault) in ``info``; the reward."""
        assert self._instance is not None
        self._ended = True
        result = self._verify(self._instance)
        info["verifier"] = result.to_info()
        late = self._runner.fault() if check_late_fault and self._runner is not None else None
        if late is not None:  # e.g. the app exited on the final action
            info["fault"] = {"kind": late.kind, "detail": late.detail}
        return float(result.passed) if self.reward_mode == "binary" else float(result.score)

    def truncate(self, info: dict[str, Any] | None = None) -> float:
        """Harness-only: end the running episode now, as a truncation, with the verifier run on what the app
        saved; returns the reward and adds the verifier's result to ``info``. An outer step limit uses it
        (``gym_anything.wrappers.VerifyOnTruncation``, which ``gym.make`` adds after its ``TimeLimit``)."""
        if self._ended or self._instance is None:
            raise RuntimeError("there is no running episode to truncate")
        return self._end(info if info is not None else {})

    @property
    def screen(self) -> np.ndarray | None:
        """The last full-resolution screen (what ``render()`` returns with ``render_mode="rgb_array"``), for
        harnesses that scale or crop it themselves (``gym_anything.tools``)."""
        return self._frame

    @property
    def action_preset(self) -> ActionPreset | None:
        """The RL action preset ``gym.make(actions=...)`` chose (its ``repr`` says what the values mean), or None."""
        return self._preset

    @property
    def episode_running(self) -> bool:
        """Whether an episode has been reset and not ended (by DONE, a fault or its step budget)."""
        return not self._ended and self._instance is not None

    def _verify(self, inst: Instance) -> VerifierResult:
        task = inst.task
        wait_until_files_settle(inst.home, cpu=self._ensure_runner().app_cpu_seconds)
        ctx = VerifyContext(params=inst.params, public=inst.public, private=inst.private, home=inst.home,
                            private_dir=inst.private_dir, final_frame=self._frame)
        result = run_verifier(task.verifier, ctx, timeout=task.verifier_timeout)
        spec = task.checklist
        if spec is None or spec.mode == "program" and self._judge_config is None:
            return result
        if spec.needs_judge and self._judge is None:
            self._judge = make_backend(self._judge_config)  # None when nothing is configured: fails closed
        assert self._frames is not None
        checklist = evaluate_checklist(spec, inst.instruction, inst.values, inst.private,
                                       self._frames.sample(spec.frames), self._judge)
        result.score, result.passed = combine(spec.mode, spec.weight, (result.score, result.passed), checklist)
        result.checklist = {"mode": spec.mode, "score": checklist.score, "passed": checklist.passed,
                            "items": checklist.items, "error": checklist.error}
        return result

    def render(self) -> np.ndarray | None:
        if self.render_mode != "rgb_array" or self._frame is None:
            return None
        return self._frame.copy()

    def close(self) -> None:
        self._warm.close()
        if self._runner is not None:
            self._runner.close()
            self._runner = None
        self._ended = True

    # --- harness-only API -------------------------------------------------------------------------

    @property
    def task(self) -> TaskSpec | None:
        """The task of the current episode."""
        return self._instance.task if self._instance is not None else None

    @property
    def runner(self) -> Runner | None:
        """The runner behind this env (harness and tests only)."""
        return self._runner

    def oracle_actions(self) -> list[dict[str, Any]]:
        """Harness-only: actions that solve the current task instance through the public action interface.

        Uses privileged data; never give it to an agent under evaluation. Ends with ``done()``.
        """
        inst = self._instance
        if inst is None:
            raise RuntimeError("call reset() before oracle_actions()")
        ctx = OracleContext(params=inst.params, public=inst.public, private=inst.private,
                            width=self.width, height=self.height)
        steps = list(load_function(inst.task.oracle)(ctx))
        if not steps or int(steps[-1]["type"]) != A.ActionType.DONE:
            steps.append(A.done())
        return steps

    def privileged(self) -> dict[str, Any]:
        """Harness-only: the privileged values of the current instance (for audits and tests)."""
        return dict(self._instance.private) if self._instance is not None else {}

    @property
    def episode_home(self) -> Path | None:
        """Harness-only: the host path of the episode's HOME (what the app saved)."""
        return self._instance.home if self._instance is not None else None

    @property
    def episode_private_dir(self) -> Path | None:
        """Harness-only: the host folder of the episode's privileged files (never visible to the app)."""
        return self._instance.private_dir if self._instance is not None else None
