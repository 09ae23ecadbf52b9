"""gym-anything as a Prime Intellect ``verifiers`` environment (verifiers 0.4.0, its ``verifiers.v1`` API).

verifiers finds a taskset by the name of a top-level module, so this module is one (taskset id
``gym-anything-vf`` or ``gym_anything_vf``); it lives outside ``gym_anything`` because it needs ``verifiers``
(``pip install 'gym-anything[verifiers]'``; scripts/setup-verifiers.sh makes ``.venv-verifiers``).

``load_environment(suite="demo", **kw)`` returns a ``vf.Env``. Its taskset has one task per (task, seed) of a
benchmark suite; one rollout is one episode on the real app: the model gets the instruction and the screenshot,
answers in the pyautogui form our VLM agent uses (``pyautogui.click(412, 300)``, ``pyautogui.write('Total')``,
``DONE``; read by :func:`gym_anything.agents.parse_actions`, never executed), each reply's actions are stepped on
the env, and the next user turn carries the new screenshot. The episode ends on DONE, a fault, the step budget
or the model stopping; the reward is our verifier's score, recorded as the trace's ``gym_anything`` reward
(``trace.info["gym_anything"]`` holds its checklist). The env runs host-side, in the rollout's process, like
verifiers' own TextArena env; the model talks through verifiers' harness (``null``: plain chat, no tools).
See docs/exports.md.
"""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import Iterator
from typing import Any

import numpy as np
import verifiers.v1 as vf
from pydantic import field_validator

from gym_anything import actions as A
from gym_anything.agents.parsing import ActionParseError, parse_actions
from gym_anything.agents.vlm import ACTION_FORMAT
from gym_anything.benchmark.suites import load_suite

TASKSET_ID = "gym-anything-vf"
REWARD = "gym_anything"
RUNNERS = ("local", "docker", "fake")


class GymAnythingConfig(vf.TasksetConfig):
    """The taskset's knobs (``--env.taskset.<field>``)."""

    suite: str = "demo"
    """A benchmark suite (benchmarks/<name>.yaml): one task per (task, seed)."""
    tasks: list[str] | None = None
    """Only these ``<software>.<task>`` names of the suite."""
    runner: str = "local"
    """Where the apps run: local, docker or fake (scripted screens, for tests of this adapter)."""
    max_failures: int = 3
    """Unusable replies in a row before the episode is ended with DONE (the verifier still scores it)."""

    @field_validator("runner")
    @classmethod
    def _known_runner(cls, value: str) -> str:
        if value not in RUNNERS:
            raise ValueError(f"taskset.runner must be one of {RUNNERS}, got {value!r}")
        return value

    @field_validator("max_failures")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"taskset.max_failures must be >= 1, got {value!r}")
        return value


class GymAnythingData(vf.TaskData):
    info: dict
    """The software, task, suite seed and step budget the episode is reset with."""


class GymAnythingTask(vf.Task[GymAnythingData, vf.State, vf.TaskConfig]):
    @property
    def key(self) -> str:
        return str(self.data.name)


class GymAnythingTaskset(vf.Taskset[GymAnythingTask, GymAnythingConfig]):
    def load(self) -> Iterator[GymAnythingTask]:
        suite = load_suite(self.config.suite)
        for episode in suite.episodes(self.config.tasks):
            from gym_anything.specs.registry import software_spec

            task = software_spec(episode.env).tasks[episode.task]
            yield GymAnythingTask(GymAnythingData(
                name=f"{episode.name}/seed-{episode.seed}",
                description=f"{episode.name} ({task.difficulty}, {task.split}) from suite {suite.name} "
                            f"v{suite.version}",
                prompt=None,  # the first user turn carries the instruction and the first screenshot
                system_prompt=None,
                info={"software": episode.env, "task": episode.task, "seed": episode.seed,
                      "max_steps": suite.budget_for(task), "suite": suite.name, "suite_version": suite.version},
            ), self.config.task)


class GymAnythingEnvConfig(vf.EnvConfig):
    # verifiers' plain chat harness (no tools, runs no model-written code) as a local subprocess: the env and its
    # app run on this machine anyway (verifiers' default runtime is a Prime cloud sandbox).
    player: vf.AgentConfig = vf.AgentConfig(harness=vf.HarnessConfig(id="null"), runtime=vf.SubprocessConfig())


def _png_url(frame: np.ndarray) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def user_turn(text: str, frame: np.ndarray) -> list[Any]:
    """One user message: text and the screenshot (an OpenAI-style image part)."""
    return [vf.UserMessage(content=[vf.TextContentPart(text=text),
                                    vf.ImageUrlContentPart(image_url=vf.ImageUrlSource(url=_png_url(frame)))])]


class Episode:
    """One gym-anything episode driven by model replies (blocking calls: run them in a thread)."""

    def __init__(self, info: dict, runner: str, max_failures: int):
        from gym_anything.core.env import GymAnythingEnv

        self.info, self.max_failures = info, max_failures
        self.env = GymAnythingEnv(info["software"], info["task"], runner=runner)
        self.reward, self.ended, self.failures, self.steps = 0.0, False, 0, 0
        self.result: dict[str, Any] = {}
        self.frame: np.ndarray | None = None

    def reset(self) -> str:
        obs, info = self.env.reset(seed=self.info["seed"], options={"task": self.info["task"],
                                                                      "max_steps": self.info["max_steps"]})
        self.frame = obs
        width, height = self.env.width, self.env.height
        return "\n\n".join([ACTION_FORMAT.format(width=width, height=height, max_x=width - 1, max_y=height - 1),
                            f"Task: {info['instruction']}",
                            "The current screen is attached. Reply with your next action(s)."])

    def _step(self, action: dict[str, Any]) -> None:
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.frame, self.steps = obs, self.steps + 1
        if terminated or truncated:
            self.ended, self.reward = True, float(reward)
            self.result = {"verifier": info.get("verifier"), "fault": info.get("fault"), "steps": self.steps,
                           "truncated": truncated}

    def act(self, reply: str) -> str:
        """Step the reply's actions; the text of the next user turn (unused once the episode ended)."""
        try:
            planned = parse_actions(reply, self.env.width, self.env.height)
        except ActionParseError as exc:
            self.failures += 1
            if self.failures >= self.max_failures:
                self._step(A.done())
                return ""
            return f"Your last reply could not be used: {exc}. Follow the action format. The screen is attached."
        self.failures = 0
        if not planned:
            return "Your reply held no action. The screen is attached. Reply with your next action(s)."
        for action in planned:
            self._step(action)
            if self.ended:
                break
        return "The actions ran. The current screen is attached. Reply with your next action(s)."

    def end(self) -> None:
        """The model stopped before the episode ended: end it now, the verifier scores what was saved."""
        if not self.ended and self.env.episode_running:
            info: dict[str, Any] = {}
            self.reward, self.ended = float(self.env.truncate(info)), True
            self.result = {"verifier": info.get("verifier"), "fault": info.get("fault"), "steps": self.steps,
                           "truncated": True, "model_stopped": True}

    def close(self) -> None:
        self.env.close()


class GymAnythingVfEnv(vf.Env[GymAnythingEnvConfig]):
    """One rollout = one episode of the task on the real app; the reward is our verifier's score."""

    async def run(self, task: GymAnythingTask, agents: Any) -> None:
        config = self.taskset.config
        episode = await asyncio.to_thread(Episode, task.data.info, config.runner, config.max_failures)
        try:
            text = await asyncio.to_thread(episode.reset)
            async with agents.player.interaction(task) as interaction:
                while True:
                    assert episode.frame is not None
                    segment = await interaction.turn(user_turn(text, episode.frame))
                    if segment.terminated:
                        break
                    text = await asyncio.to_thread(episode.act, segment.last_reply)
                    if episode.ended:
                        break
            await asyncio.to_thread(episode.end)
            trace = interaction.trace
            trace.record_reward(REWARD, episode.reward, 1.0)
            trace.info["gym_anything"] = {**task.data.info, **episode.result}
        finally:
            await asyncio.to_thread(episode.close)


def load_environment(**kw: Any) -> Any:
    """The verifiers env: ``kw`` are the taskset's fields (suite, tasks, runner, max_failures) plus, optionally,
    ``env`` (a dict of ``vf.EnvConfig`` fields, e.g. ``{"timeout": {"episode": 900}}``)."""
    from verifiers.v1.utils.loaders import load_environment as vf_load

    env_fields = dict(kw.pop("env", None) or {})
    known = set(GymAnythingConfig.model_fields) - {"id"}
    unknown = sorted(set(kw) - known)
    if unknown:
        raise TypeError(f"load_environment() got unknown field(s) {unknown}; the taskset's fields are "
                        f"{sorted(known)}, vf.EnvConfig fields go in env={{...}}")
    config = GymAnythingEnvConfig(**env_fields, taskset=GymAnythingConfig(id=TASKSET_ID, **kw))
    return vf_load(config)


__all__ = ["GymAnythingConfig", "GymAnythingEnvConfig", "GymAnythingTaskset", "GymAnythingVfEnv",
           "load_environment"]
