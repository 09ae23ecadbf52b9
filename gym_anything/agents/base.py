"""The agent protocol and the built-in harness agents (random, oracle), plus loading agents by name.

An agent sees exactly what a policy under evaluation may see: the instruction and, per step, the
observation (screenshot) and the public part of ``info``. It returns one action (see
:mod:`gym_anything.actions`). The evaluation runner calls, per episode::

    agent.reset(instruction, info)            # info: the public reset info
    while not ended:
        action = agent.act(observation, info)  # info: the previous step's public info ({} on the first)
    agent.close()                              # once, when the worker stops (optional)

Optional hooks: ``bind(env)`` (harness agents: the oracle replays privileged plans, the random agent
reads the screen size; never for agents under evaluation), ``feedback(text)`` (a reviewer's note to take
into account, see ``AuditedAgent``), and ``trace`` (a dict describing the last ``act``: model output,
tokens, ...; the runner stores it with the step).
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol, runtime_checkable

import gymnasium as gym
import numpy as np

from .. import actions as A
from ..models.backends import is_model_spec

PUBLIC_INFO_KEYS = ("env_id", "task_id", "instruction", "seed", "step", "max_steps", "action", "pointer",
                    "settled", "fault")
"""The ``info`` keys an agent under evaluation receives (never params, verifier output or privileged data)."""


def public_info(info: dict[str, Any]) -> dict[str, Any]:
    """The part of an env ``info`` dict an agent may see."""
    return {k: info[k] for k in PUBLIC_INFO_KEYS if k in info}


@runtime_checkable
class Agent(Protocol):
    """What the evaluation runner drives."""

    name: str

    def reset(self, instruction: str, info: dict[str, Any]) -> None:
        """Start an episode with this instruction."""

    def act(self, observation: np.ndarray, info: dict[str, Any]) -> dict[str, Any]:
        """The next action for this screenshot."""


class RandomAgent:
    """Uniform random actions from the action space (no DONE, no WAIT), then DONE after ``steps`` actions.

    The screen size comes from the env (``bind(env)``: its observation space) and from each observation's
    shape; ``width`` / ``height`` given to the constructor override it.
    """

    name = "random"

    def __init__(self, steps: int = 10, seed: int | None = None, width: int | None = None,
                 height: int | None = None):
        self.steps = steps
        self._override: tuple[int | None, int | None] = (width, height)
        self.width, self.height = width or 1280, height or 720  # until the env or a screenshot tells
        self._rng = np.random.default_rng(seed)
        self._episode_seed: int | None = None
        self._space = A.action_space(self.width, self.height)
        self._space.seed(int(self._rng.integers(2**31 - 1)))
        self._taken = 0
        self.trace: dict[str, Any] = {}

    def bind(self, env: gym.Env) -> None:
        """Use the env's screen size (its observation space is ``(height, width, 3)``)."""
        shape = getattr(getattr(env, "observation_space", None), "shape", None)
        if shape is not None and len(shape) >= 2:
            self._resize(int(shape[1]), int(shape[0]))

    def _resize(self, width: int, height: int) -> None:
        width, height = self._override[0] or width, self._override[1] or height
        if (width, height) == (self.width, self.height):
            return
        self.width, self.height = width, height
        self._space = A.action_space(width, height)
        self._space.seed(self._episode_seed if self._episode_seed is not None else int(self._rng.integers(2**31 - 1)))

    def reset(self, instruction: str, info: dict[str, Any]) -> None:
        self._taken = 0
        self._episode_seed = None if info.get("seed") is None else int(info["seed"])
        if self._episode_seed is not None:  # the episode's seed (public: suites list them): reproducible
            self._space.seed(self._episode_seed)

    def act(self, observation: np.ndarray, info: dict[str, Any]) -> dict[str, Any]:
        shape: tuple[int, ...] = tuple(getattr(observation, "shape", ()))
        if len(shape) >= 2:
            self._resize(int(shape[1]), int(shape[0]))
        if self._taken >= self.steps:
            return A.done()
        self._taken += 1
        while True:
            action = self._space.sample_uniform()
            if int(action["type"]) not in (A.ActionType.DONE, A.ActionType.WAIT):
                return action


class OracleAgent:
    """Replays the task's oracle plan: the ceiling check of a suite. Harness-only (uses privileged data)."""

    name = "oracle"

    def __init__(self) -> None:
        self._env: Any = None
        self._plan: list[dict[str, Any]] = []
        self.trace: dict[str, Any] = {}

    def bind(self, env: gym.Env) -> None:
        self._env = env.unwrapped

    def reset(self, instruction: str, info: dict[str, Any]) -> None:
        if self._env is None:
            raise RuntimeError("OracleAgent needs the env: call bind(env) before reset()")
        self._plan = list(self._env.oracle_actions())

    def act(self, observation: np.ndarray, info: dict[str, Any]) -> dict[str, Any]:
        return self._plan.pop(0) if self._plan else A.done()


BUILTIN_AGENTS = {
    "random": "gym_anything.agents.base:RandomAgent",
    "oracle": "gym_anything.agents.base:OracleAgent",
}


def load_agent(spec: str, **kwargs: Any) -> Agent:
    """Build an agent from a name: ``random``, ``oracle``, ``package.module:ClassName`` (your own class), or a
    model: ``openai:http://host:8000/v1#model`` / ``transformers:/path/to/model`` (a :class:`VLMAgent`).

    ``kwargs`` go to the class constructor (e.g. ``steps=5`` for random, ``api_key=...`` for a model;
    ``tool_calls=True`` makes a model a :class:`~gym_anything.agents.tool_agent.ToolCallingAgent`).
    """
    if is_model_spec(spec):
        if kwargs.pop("tool_calls", False):  # native tool calls instead of pyautogui text
            from .tool_agent import ToolCallingAgent

            return ToolCallingAgent(spec, **kwargs)
        from .vlm import VLMAgent

        return VLMAgent(spec, **kwargs)
    target = BUILTIN_AGENTS.get(spec, spec)
    module_name, sep, class_name = target.partition(":")
    if not sep or not module_name or not class_name:
        raise ValueError(f"unknown agent {spec!r}: use one of {sorted(BUILTIN_AGENTS)}, 'package.module:Class', "
                         "'openai:URL#MODEL' or 'transformers:PATH'")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot load agent {spec!r}: {exc}") from exc
    agent = cls(**kwargs)
    for method in ("reset", "act"):
        if not callable(getattr(agent, method, None)):
            raise TypeError(f"agent {spec!r} has no {method}() method (see gym_anything.agents.Agent)")
    if not hasattr(agent, "name"):
        agent.name = class_name
    return agent
