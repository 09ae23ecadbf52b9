"""GymAnythingEnv: one software environment (optionally pinned to one task) as a ``gymnasium.Env``."""

from __future__ import annotations

import copy
import shutil
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from . import actions
from .audit import warn_if_unaudited
from .judge import FrameBuffer, combine, evaluate_checklist, make_judge
from .paths import hidden_from_apps
from .registry import env_spec
from .runtime import RUNNERS, make_runner
from .runtime.base import Runner, RuntimeFault
from .runtime.sandbox import SANDBOX_HOME, require_launchable
from .specs import EnvSpec, SpecError, TaskSpec
from .verification import OracleContext, SetupContext, VerifierResult, VerifyContext, load_function, run_verifier

REWARD_MODES = ("score", "binary")


class GymAnythingEnv(gym.Env):
    """A real application on a virtual display.

    Observation: the screen, ``uint8`` (H, W, 3). Action: see :mod:`gym_anything.actions`. Reward: 0 on
    every step except the last, where it is the verifier's score (or 1/0 with ``reward_mode="binary"``).
    The episode terminates on DONE, or on a fault (app crash, display death; reported in
    ``info["fault"]``), and truncates at the task's ``max_steps``; the verifier runs on either.

    ``reset(options=...)`` accepts ``task`` (a task id of this env) and ``max_steps`` (a step budget for
    this episode, at most the task's own ``max_steps``; benchmark suites use it).

    ``warm_reset=True`` prepares the next episode in the background while the current one runs (HOME copy,
    task setup and the app started on a spare display), for the instance the next ``reset()`` without a
    seed will draw; that reset then only swaps it in. Any other reset starts cold, with the same result.
    It costs a second display and app per env.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 5}

    def __init__(self, env_id: str | EnvSpec, task_id: str | None = None, render_mode: str | None = None,
                 reward_mode: str = "score", split: str | None = None, runner: str = "local", audit: bool = True,
                 judge: Any = None, warm_reset: bool = False):
        self.spec_env = env_id if isinstance(env_id, EnvSpec) else env_spec(env_id)
        env_id = self.spec_env.id
        if task_id is not None:
            if task_id not in self.spec_env.tasks:
                raise ValueError(f"unknown task {task_id!r} for {env_id}; known: {sorted(self.spec_env.tasks)}")
            self.tasks = [self.spec_env.tasks[task_id]]
        else:
            self.tasks = [t for t in self.spec_env.tasks.values() if split is None or t.split == split]
            if not self.tasks:
                raise ValueError(f"{env_id} has no task in split {split!r}")
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        if reward_mode not in REWARD_MODES:
            raise ValueError(f"reward_mode must be one of {REWARD_MODES}, got {reward_mode!r}")
        if runner not in RUNNERS:
            raise ValueError(f"runner must be one of {sorted(RUNNERS)}, got {runner!r}")
        if runner == "local":
            require_launchable(self.spec_env)  # at gym.make, not at the first reset
        if not isinstance(warm_reset, bool):
            raise ValueError(f"warm_reset must be True or False, got {warm_reset!r}")
        self.runner_kind, self.warm_reset = runner, warm_reset
        self._prepared: Future | None = None
        self._background: ThreadPoolExecutor | None = None
        self.render_mode, self.reward_mode, self._warn_unaudited = render_mode, reward_mode, audit
        self._judge_config, self._judge = judge, None
        self._frames: FrameBuffer | None = None
        if audit and len(self.tasks) == 1:
            warn_if_unaudited(self.spec_env, self.tasks[0])
        self.width, self.height = self.spec_env.resolution
        self.observation_space = spaces.Box(0, 255, (self.height, self.width, 3), np.uint8)
        self.action_space = actions.action_space(self.width, self.height)
        self._runner: Runner | None = None
        self._task: TaskSpec | None = None
        self._instance: dict[str, Any] = {}
        self._frame: np.ndarray | None = None
        self._steps = 0
        self._max_steps = 0
        self._ended = True

    # --- lifecycle --------------------------------------------------------------------------------

    def _ensure_runner(self) -> Runner:
        if self._runner is None:
            self._runner = make_runner(self.runner_kind, self.spec_env, hidden_from_apps())
        return self._runner

    def _draw(self, rng: np.random.Generator, options: dict[str, Any] | None) -> tuple[TaskSpec, int]:
        """The episode's task (options or drawn) and its instance seed, drawn from ``rng``."""
        wanted = (options or {}).get("task")
        if wanted is not None:
            by_id = {t.id: t for t in self.tasks}
            if wanted not in by_id:
                raise ValueError(f"options['task']={wanted!r} is not a task of this env; known: {sorted(by_id)}")
            task = by_id[wanted]
        else:
            task = self.tasks[0] if len(self.tasks) == 1 else self.tasks[int(rng.integers(len(self.tasks)))]
        return task, int(rng.integers(2**31 - 1))

    def _new_instance(self, runner: Runner, task: TaskSpec, instance_seed: int) -> dict[str, Any]:
        """A fresh episode folder: HOME from the template, the task's setup run in it, the instruction."""
        episode = runner.new_episode()
        home, private_dir = episode.home, episode.private
        if self.spec_env.home_template is not None:
            shutil.copytree(self.spec_env.home_template, home, symlinks=True, dirs_exist_ok=True)
        rng = np.random.default_rng(instance_seed)
        params = {p.name: p.sample(rng) for p in task.parameters}
        setup_ctx = SetupContext(params=params, rng=rng, home=home, private=private_dir)
        private = load_function(task.setup)(setup_ctx) if task.setup else {}
        if not isinstance(private, dict):
            raise SpecError(task.file, "setup", f"a function returning a dict of privileged values, got {private!r}")
        values = {**params, **setup_ctx.public}
        return {"task": task, "seed": instance_seed, "params": params, "public": dict(setup_ctx.public),
                "private": private, "home": home, "private_dir": private_dir, "episode": episode,
                "instruction": _format(task, "instruction", task.instruction, values),
                "args": [f"{SANDBOX_HOME}/{_format(task, 'open', task.open, values)}"] if task.open else []}

    def _prepare_next(self, runner: Runner) -> None:
        """In the background: set up the instance the next seedless reset will draw and start its app."""
        task, instance_seed = self._draw(copy.deepcopy(self.np_random), None)

        def prepare() -> dict[str, Any]:
            instance = self._new_instance(runner, task, instance_seed)
            runner.prepare(instance["home"], instance["args"])
            return instance

        if self._background is None:
            self._background = ThreadPoolExecutor(1, thread_name_prefix="gym-anything-prepare")
        self._prepared = self._background.submit(prepare)

    def _take_prepared(self) -> dict[str, Any] | None:
        future, self._prepared = self._prepared, None
        if future is None:
            return None
        try:
            return future.result()
        except Exception:  # noqa: BLE001 - a cold start redoes (and reports) whatever failed here
            return None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        _check_reset_options(options)
        super().reset(seed=seed)
        started = time.perf_counter()
        task, instance_seed = self._draw(self.np_random, options)
        self._max_steps = _step_budget(task, (options or {}).get("max_steps"))
        if self._warn_unaudited:
            warn_if_unaudited(self.spec_env, task)
        runner = self._ensure_runner()
        timings: dict[str, float] = {"stop_app": 0.0, "setup": 0.0}
        inst = self._take_prepared()
        warm = inst is not None and inst["task"] is task and inst["seed"] == instance_seed
        if not warm:
            t = time.perf_counter()
            runner.stop_app()
            timings["stop_app"] = time.perf_counter() - t
            t = time.perf_counter()
            inst = self._new_instance(runner, task, instance_seed)
            timings["setup"] = time.perf_counter() - t
        assert inst is not None
        runner.discard_episodes(keep=inst["episode"])  # earlier episodes, and a prepared one not used

        t = time.perf_counter()
        settled = runner.launch(inst["home"], inst["args"])
        timings["launch"] = time.perf_counter() - t  # app start to first window, plus settle
        timings["settle"] = settled.seconds

        self._task = task
        self._instance = inst
        self._frame = settled.frame
        self._frames = FrameBuffer() if task.checklist is not None else None
        if self._frames is not None:
            self._frames.add(settled.frame)
        self._steps = 0
        self._ended = False
        if self.warm_reset:
            self._prepare_next(runner)
        timings["total"] = time.perf_counter() - started
        info = {"env_id": self.spec_env.id, "task_id": task.id, "instruction": inst["instruction"],
                "instance_seed": instance_seed, "params": {**inst["params"], **inst["public"]},
                "max_steps": self._max_steps, "step": 0, "reset_time": timings["total"], "reset_warm": warm,
                "reset_timings": timings, "settle_time": settled.seconds, "settled": settled.stable}
        return settled.frame.copy(), info

    def step(self, action: dict[str, Any]):
        if self._ended or self._task is None:
            raise RuntimeError("the episode has ended (or never started): call reset() before step()")
        act = actions.validate(action, self.width, self.height)
        started = time.perf_counter()
        self._steps += 1
        runner = self._ensure_runner()
        info: dict[str, Any] = {"env_id": self.spec_env.id, "task_id": self._task.id, "step": self._steps,
                                "action": actions.describe(act)}
        terminated = act["type"] is actions.ActionType.DONE
        fault: RuntimeFault | None = None
        if not terminated:
            try:
                if act["type"] is actions.ActionType.WAIT:
                    time.sleep(act["duration"])
                else:
                    runner.perform(act)
                settled = runner.settle()
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
        reward = 0.0
        if terminated or truncated:
            self._ended = True
            result = self._verify()
            info["verifier"] = result.to_info()
            reward = float(result.passed) if self.reward_mode == "binary" else float(result.score)
            late = runner.fault() if fault is None else None  # e.g. the app exited on the final action
            if late is not None:
                info["fault"] = {"kind": late.kind, "detail": late.detail}
        info["step_time"] = time.perf_counter() - started
        assert self._frame is not None
        return self._frame.copy(), reward, terminated, truncated, info

    def _verify(self) -> VerifierResult:
        assert self._task is not None
        inst = self._instance
        _wait_until_files_settle(inst["home"])
        ctx = VerifyContext(params=inst["params"], public=inst["public"], private=inst["private"],
                            home=inst["home"], private_dir=inst["private_dir"], final_frame=self._frame)
        result = run_verifier(self._task.verifier, ctx, timeout=self._task.verifier_timeout)
        spec = self._task.checklist
        if spec is None or spec.mode == "program" and self._judge_config is None:
            return result
        if spec.needs_judge and self._judge is None:
            self._judge = make_judge(self._judge_config)  # None when nothing is configured: fails closed
        assert self._frames is not None
        checklist = evaluate_checklist(spec, inst["instruction"], {**inst["params"], **inst["public"]},
                                       inst["private"], self._frames.sample(spec.frames), self._judge)
        result.score, result.passed = combine(spec.mode, spec.weight, (result.score, result.passed), checklist)
        result.checklist = {"mode": spec.mode, "score": checklist.score, "passed": checklist.passed,
                            "items": checklist.items, "error": checklist.error}
        return result

    def render(self) -> np.ndarray | None:
        if self.render_mode != "rgb_array" or self._frame is None:
            return None
        return self._frame.copy()

    def close(self) -> None:
        self._take_prepared()  # let a background preparation finish before its runner goes
        if self._background is not None:
            self._background.shutdown()
            self._background = None
        if self._runner is not None:
            self._runner.close()
            self._runner = None
        self._ended = True

    # --- harness-only API -------------------------------------------------------------------------

    @property
    def task(self) -> TaskSpec | None:
        """The task of the current episode."""
        return self._task

    @property
    def runner(self) -> Runner | None:
        """The runner behind this env (harness and tests only)."""
        return self._runner

    def oracle_actions(self) -> list[dict[str, Any]]:
        """Harness-only: actions that solve the current task instance through the public action interface.

        Uses privileged data; never give it to an agent under evaluation. Ends with ``done()``.
        """
        if self._task is None:
            raise RuntimeError("call reset() before oracle_actions()")
        inst = self._instance
        ctx = OracleContext(params=inst["params"], public=inst["public"], private=inst["private"],
                            width=self.width, height=self.height)
        steps = list(load_function(self._task.oracle)(ctx))
        if not steps or int(steps[-1]["type"]) != actions.ActionType.DONE:
            steps.append(actions.done())
        return steps

    def privileged(self) -> dict[str, Any]:
        """Harness-only: the privileged values of the current instance (for audits and tests)."""
        return dict(self._instance.get("private", {}))

    @property
    def episode_home(self) -> Path | None:
        """Harness-only: the host path of the episode's HOME (what the app saved)."""
        return self._instance.get("home")

    @property
    def episode_private_dir(self) -> Path | None:
        """Harness-only: the host folder of the episode's privileged files (never visible to the app)."""
        return self._instance.get("private_dir")


def _snapshot(folder: Path) -> list[tuple[str, int, int]]:
    entries = []
    for path in folder.rglob("*"):
        try:
            stat = path.stat()
        except OSError:
            continue  # removed while scanning: the next snapshot will differ
        entries.append((str(path), stat.st_size, stat.st_mtime_ns))
    return sorted(entries)


def _wait_until_files_settle(home: Path, quiet: float = 0.15, timeout: float = 3.0) -> None:
    """Before verifying, let a save the app is still writing finish: HOME unchanged for ``quiet`` s."""
    deadline = time.monotonic() + timeout
    last, since = _snapshot(home), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.02)
        current = _snapshot(home)
        if current != last:
            last, since = current, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return


RESET_OPTIONS = ("task", "max_steps")


def _check_reset_options(options: Any) -> None:
    """``reset(options=...)``: None or a dict of RESET_OPTIONS (a typo must not silently run the defaults)."""
    if options is None:
        return
    if not isinstance(options, dict):
        raise TypeError(f"reset(options=...) must be None or a dict with keys from {list(RESET_OPTIONS)}, "
                        f"got {type(options).__name__}")
    unknown = sorted(k if isinstance(k, str) else repr(k) for k in options if k not in RESET_OPTIONS)
    if unknown:
        raise ValueError(f"reset(options=...) has unknown key(s) {unknown}; known: {list(RESET_OPTIONS)}")


def _step_budget(task: TaskSpec, wanted: Any) -> int:
    if wanted is None:
        return task.max_steps
    if isinstance(wanted, bool) or not isinstance(wanted, (int, np.integer)) or not 1 <= wanted <= task.max_steps:
        raise ValueError(f"options['max_steps'] must be an integer in [1, {task.max_steps}] "
                         f"(the task's max_steps), got {wanted!r}")
    return int(wanted)


def _format(task: TaskSpec, field_name: str, template: str, values: dict[str, Any]) -> str:
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError) as exc:
        raise SpecError(task.file, field_name, f"placeholders naming parameters or setup public values "
                        f"({sorted(values)})", str(exc)) from None
