"""``gym-anything view``: watch an env's screen in the browser, or play its task and record the trajectory.

* :func:`view_env` starts an env (``reset`` with the given seed and task) and serves its display view-only.
* :func:`view_run` serves the display of an episode a running ``gym-anything eval`` is on: the eval writes
  ``live.json`` (the display, the worker's pid) into the episode folder while the episode runs
  (``benchmark/runs.py``); view-only, and the view ends when the episode does.
* :func:`play` starts an env and serves it in play mode: the browser's input becomes typed actions
  (``view/inputs.py``) that a :class:`HumanAgent` hands to the same episode loop ``eval`` runs, so the human's
  episode is recorded in the run-folder format (steps.jsonl, frames, video, result.json with the verifier's
  reward) and ends with DONE (the page's Done button, or Ctrl+C in the terminal) or at the task's step budget.

What is served is only the screen and the public instruction (``view/server.py``); x11vnc never injects input
(``view/vnc.py``). Everything started here carries the guardian's marker, so nothing outlives the process.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import platform
import queue
import secrets
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import actions as A
from .inputs import InputTranslator
from .rfb import InputEvent
from .server import ViewServer
from .vnc import VNCServer

PLAY_SUITE = "play"  # run.json's suite for human play runs (not a suite file: the episodes are the human's)
PLAY_AGENT = "human"
_DONE = object()  # the page's Done button or Ctrl+C, in the input queue
LINGER = 1.0  # s the page stays served after the episode ended, so it can show the reward
Announce = Callable[[str], None]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _print(message: str) -> None:
    print(message, flush=True)


@contextlib.contextmanager
def serving(display: str, mode: str, session: dict[str, Any], port: int = 0,
            on_input: Callable[[InputEvent], None] | None = None,
            on_done: Callable[[], None] | None = None) -> Iterator[ViewServer]:
    """x11vnc on ``display`` and the browser server in front of it, both stopped on exit."""
    vnc = VNCServer(display)
    try:
        server = ViewServer(vnc.connect, mode, session, on_input=on_input, on_done=on_done, port=port)
        try:
            yield server
        finally:
            server.close()
    finally:
        vnc.close()


def require_viewer() -> None:
    """Fail before anything starts when x11vnc or the noVNC client is missing (MissingProgram names the package)."""
    from ..runtime import programs
    from .server import NOVNC_DIR

    programs.find("x11vnc")
    if importlib.util.find_spec("websockets") is None:
        raise programs.MissingProgram("the Python package websockets is missing: pip install 'gym-anything[view]'")
    if not (NOVNC_DIR / "core" / "rfb.js").is_file():
        raise programs.MissingProgram(f"the noVNC client is missing ({NOVNC_DIR}): apt-get install -y novnc "
                                      "(scripts/setup.sh installs every package gym-anything needs)")


def _display_of(env: Any) -> str:
    from ..benchmark.worker import display_of

    display = display_of(env)
    if display is None:
        raise ValueError(f"the env's runner ({env.unwrapped.runner_kind}) has no X display to view; "
                         "gym-anything view needs runner 'local' or 'docker'")
    return display


def _check_seed(seed: Any) -> int | None:
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    return seed


def _make_env(gym_id: str, runner: str) -> Any:
    import gymnasium as gym

    import gym_anything  # noqa: F401 - registers the ids

    if not isinstance(gym_id, str) or gym_id not in gym.registry or not gym_id.startswith("GymAnything/"):
        known = sorted(i for i in gym.registry if i.startswith("GymAnything/"))
        raise ValueError(f"RUN_OR_ID {gym_id!r} is neither a run folder nor a gym-anything id (`gym-anything list` "
                         f"prints them, e.g. {known[0] if known else 'GymAnything/gnumeric-v0'})")
    return gym.make(gym_id, runner=runner)


def _task_of(env: Any, task: str | None, seed: int) -> Any:
    """The task an episode of ``env`` plays: ``task`` (checked), else the one ``reset(seed=seed)`` draws."""
    base = env.unwrapped
    ids = [t.id for t in base.tasks]
    if task is not None:
        if task not in ids:
            raise ValueError(f"task {task!r} is not a task of {env.spec.id if env.spec else base.software.id}; "
                             f"known: {ids}")
        return next(t for t in base.tasks if t.id == task)
    from gymnasium.utils import seeding

    from ..core.episodes import draw

    return draw(base.tasks, seeding.np_random(seed)[0], None)[0]


def _wait(stop: Callable[[], bool] | None = None, interval: float = 0.5) -> None:
    """Block until Ctrl+C / SIGTERM, or until ``stop()`` says so."""
    while not (stop is not None and stop()):
        time.sleep(interval)


@contextlib.contextmanager
def _terminate_as_interrupt(sigint: bool = True) -> Iterator[None]:
    """SIGTERM (and SIGINT unless the caller handles it) end the view as Ctrl+C does (its ``finally`` blocks
    run); only in the main thread.

    SIGINT is set explicitly: a process started in the background by a non-interactive shell inherits it
    ignored, and Python then never raises KeyboardInterrupt (the view would not stop on it)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signals = (signal.SIGTERM, signal.SIGINT) if sigint else (signal.SIGTERM,)
    previous = {sig: signal.signal(sig, handler) for sig in signals}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


# --- view --------------------------------------------------------------------------------------------


def view_env(gym_id: str, seed: int | None = None, task: str | None = None, port: int = 0, runner: str = "local",
             announce: Announce = _print, stop: Callable[[], bool] | None = None) -> None:
    """Start ``gym_id``, reset it (``seed``, ``task``) and serve its screen view-only until Ctrl+C (or ``stop()``)."""
    seed = _check_seed(seed)
    require_viewer()
    env = _make_env(gym_id, runner)
    try:
        with _terminate_as_interrupt():
            options = {"task": _task_of(env, task, 0).id} if task is not None else None
            _, info = env.reset(seed=seed, options=options)
            title = f"{info['env_id']}.{info['task_id']} (seed {seed if seed is not None else 'random'})"
            with serving(_display_of(env), "view", {"title": title, "instruction": info["instruction"],
                                                    "max_steps": info["max_steps"]}, port) as server:
                with contextlib.suppress(KeyboardInterrupt):  # from the announcement on: Ctrl+C is the way out
                    announce(f"view: {title}, view only: {server.url}  (Ctrl+C stops)")
                    _wait(stop)
    finally:
        env.close()


def view_run(folder: str | Path, episode: str | None = None, port: int = 0, announce: Announce = _print,
             stop: Callable[[], bool] | None = None) -> None:
    """Serve, view-only, the display of the episode a running eval in ``folder`` is on (``episode``: which one,
    if several run); returns when that episode ends (or on Ctrl+C, or when ``stop()`` says so)."""
    from ..benchmark.runs import RunFolder

    run = RunFolder(folder)
    run.meta  # noqa: B018 - RunFormatError for a folder that is not a run
    live = run.live()
    require_viewer()
    if episode is not None:
        chosen = [r for r in live if r["episode"] == episode]
        if not chosen:
            raise ValueError(f"episode {episode!r} of {folder} is not running now; running: "
                             f"{[r['episode'] for r in live] or 'none'}")
    elif not live:
        raise ValueError(f"no episode of {folder} is running now (an eval writes live.json into the folder of each "
                         "episode while it runs, with the local or docker runner)")
    elif len(live) > 1:
        raise ValueError(f"{len(live)} episodes of {folder} are running: {[r['episode'] for r in live]}; "
                         "choose one with --episode")
    else:
        chosen = live
    record = chosen[0]

    def over() -> bool:
        return (stop is not None and stop()) or record not in run.live()

    with _terminate_as_interrupt(), serving(record["display"], "view", {
            "title": f"{run.name}: {record['episode']} (eval, agent {run.meta.get('agent')})",
            "instruction": record.get("instruction", "")}, port) as server:
        with contextlib.suppress(KeyboardInterrupt):
            announce(f"view: {record['episode']} of the running eval {folder}, view only: {server.url}  "
                     "(ends with the episode; Ctrl+C stops)")
            _wait(over)


# --- play --------------------------------------------------------------------------------------------


class HumanAgent:
    """The agent of a play episode: each ``act`` returns the next action made of the browser's input (blocking
    until there is one). ``start(instruction, info)`` is called at ``reset``, once the episode's display is up."""

    name = PLAY_AGENT

    def __init__(self, width: int, height: int, start: Callable[[str, dict[str, Any]], None],
                 status: Callable[..., None], announce: Announce = _print):
        self.inputs: queue.SimpleQueue[Any] = queue.SimpleQueue()  # put() is safe from a signal handler
        self.translator = InputTranslator(width, height)
        self._ready: deque[dict[str, Any]] = deque()
        self._start, self._status, self._announce = start, status, announce
        self.steps = 0
        self.trace: dict[str, Any] = {}

    def on_input(self, event: InputEvent) -> None:
        self.inputs.put(event)

    def on_done(self) -> None:
        self.inputs.put(_DONE)

    def reset(self, instruction: str, info: dict[str, Any]) -> None:
        self.steps = 0
        self._start(instruction, info)

    def act(self, obs: Any, info: dict[str, Any]) -> dict[str, Any]:
        self._status(steps=self.steps)  # every action returned before has been performed
        translator = self.translator
        while not self._ready:
            deadline = translator.deadline()
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                item = self.inputs.get(timeout=timeout)
            except queue.Empty:
                self._ready.extend(translator.expire(time.monotonic()))
                continue
            if item is _DONE:
                self._ready.extend(translator.finish())
            else:
                self._ready.extend(translator.feed(item))
            while translator.skipped:
                note = translator.skipped.popleft()
                self._announce(f"play: skipped {note}")
                self._status(message=f"skipped {note}")
        action = self._ready.popleft()
        self.steps += 1
        self._announce(f"play: step {self.steps}: {A.describe(A.validate(action, 1 << 16, 1 << 16))}")
        return action


def _play_meta(run: Any, episode_id: str) -> dict[str, Any]:
    from .. import __version__
    from ..benchmark.runs import FORMAT

    meta = {"format": FORMAT, "name": run.path.name, "suite": PLAY_SUITE, "suite_version": 1, "suite_digest": None,
            "agent": PLAY_AGENT, "agent_name": PLAY_AGENT, "model": None, "agent_kwargs": {}, "reviewer": None,
            "max_reviews": 0, "step_budget": None, "jobs": 1, "runner": "local", "planned": [episode_id],
            "started": _now(), "finished": None, "gym_anything_version": __version__, "host": platform.node()}
    if run.exists():
        old = run.meta
        if old.get("suite") != PLAY_SUITE or old.get("agent") != PLAY_AGENT:
            raise ValueError(f"--out {run.path} holds a run of suite {old.get('suite')!r} by agent "
                             f"{old.get('agent')!r}, not a play run: use another --out folder")
        meta["started"] = old.get("started", meta["started"])
        meta["planned"] = sorted(set(old.get("planned") or []) | {episode_id})
    return meta


def play(gym_id: str, out: str | Path, seed: int | None = None, task: str | None = None, port: int = 0,
         announce: Announce = _print, video: bool = True) -> dict[str, Any]:
    """Play ``gym_id`` in the browser: serve its screen in play mode, turn the input into actions, record the
    episode into the run folder ``out`` (episodes/<software>.<task>/seed-<seed>/) and return its result.

    ``seed`` defaults to a random one (printed); ``task`` to the one the seed draws. The episode ends with the
    page's Done button or Ctrl+C (a second Ctrl+C aborts without a result), or at the task's step budget."""
    from ..benchmark.runs import RunFolder
    from ..benchmark.suites import Episode
    from ..benchmark.worker import run_episode

    seed = _check_seed(seed)
    if seed is None:
        seed = secrets.randbelow(2**31)
    if not isinstance(out, (str, Path)) or not str(out):
        raise ValueError(f"out must be a folder path, got {out!r}")
    run = RunFolder(out)
    require_viewer()
    env = _make_env(gym_id, "local")
    try:
        base = env.unwrapped
        chosen = _task_of(env, task, seed)
        episode = Episode(base.software.id, chosen.id, seed)
        folder = run.episode_folder(episode.id)
        if (folder / "result.json").exists():
            raise ValueError(f"{folder} holds a finished episode already: play another --seed, or use another --out")
        meta = _play_meta(run, episode.id)
        run.write_meta(meta)
        budget = min(chosen.max_steps, base.max_steps or chosen.max_steps)
        stack = contextlib.ExitStack()
        server_box: list[ViewServer] = []

        def status(**fields: Any) -> None:
            if server_box:
                server_box[0].publish(**fields)

        def start(instruction: str, info: dict[str, Any]) -> None:
            title = f"{episode.env}.{episode.task} (seed {seed})"
            server = stack.enter_context(serving(_display_of(env), "play", {
                "title": title, "instruction": instruction, "max_steps": budget}, port,
                on_input=agent.on_input, on_done=agent.on_done))
            server_box.append(server)
            server.publish(steps=0, max_steps=budget)
            announce(f"play: {title}, {budget} steps at most; your input is recorded into {folder}\n"
                     f"play: open {server.url}  (the Done button or Ctrl+C ends the episode)")

        agent = HumanAgent(base.width, base.height, start, status, announce)
        interrupts = [0]

        def interrupt(signum: int, frame: Any) -> None:
            interrupts[0] += 1
            if interrupts[0] > 1:
                raise KeyboardInterrupt
            agent.on_done()
            with contextlib.suppress(Exception):  # stderr may be no real file (captured)
                os.write(sys.stderr.fileno(), b"\nplay: finishing (the verifier runs); Ctrl+C again aborts\n")

        in_main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, interrupt) if in_main else None
        try:
            with stack, _terminate_as_interrupt(sigint=False):  # SIGINT is interrupt() above
                result = run_episode(env, agent, episode, budget, folder, video=video)
                run.write_result(result)
                status(finished=True, reward=result["reward"], steps=result["steps"],
                       message="error: " + result["error"]["message"] if result.get("error") else
                       "truncated at the step budget" if result.get("truncated") else "")
                time.sleep(LINGER if server_box else 0)
        finally:
            if in_main:
                signal.signal(signal.SIGINT, previous)
        meta["finished"] = _now()
        run.write_meta(meta)
        run.write_summary(run.summary())
        return result
    finally:
        env.close()
