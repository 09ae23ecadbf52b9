"""A vector env whose sub-envs are Ray actors, placed on any node of a Ray cluster.

``make_ray_vec("GymAnything/<id>", num_envs=N, **gym_make_kwargs)`` returns a :class:`RayVectorEnv`: a
``gymnasium.vector.VectorEnv`` with next-step autoreset, like gymnasium's own vector envs. Each sub-env is one
actor running ``gym.make(id, **gym_make_kwargs)`` on its node (which needs ``scripts/setup.sh`` done), then the
``wrappers`` given, so every ``gym.make`` option works here too: action presets, ``max_steps`` /
``max_episode_steps`` (the verifier still runs at the cut), small or grey observations, the instruction ``Dict``.
A step sends every sub-env its action first and then gathers the results, so the sub-envs step in parallel.
(``gym.make_vec(id)`` is gymnasium's own sync or async vector env; RLlib takes this one through its
``VECTOR_ENTRY_POINT`` mode, see docs/rl.md.)

If an actor dies (process killed, node lost, the env raised), its sub-env's step returns ``terminated=True``,
reward 0 and ``info["fault"] = {"kind": "actor_died" | "actor_timeout" | "env_error", "detail": ...}``; the
actor is replaced (on any node) and the next step resets the sub-env, as autoreset does after any end.
Each actor process has a guardian (:mod:`gym_anything.runtime.guardian`) that kills its displays and apps and
removes its folders if the actor dies without cleaning up; ``close()`` closes every env and kills every actor.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space, concatenate, create_empty_array, iterate

from .. import actions
from ..errors import ActionError
from ..runtime.ray_cluster import actor_options, connect, fault_kind, ray_module, unplaced_message

FAULT_DETAIL_CHARS = 2000


@dataclass(frozen=True)
class Placement:
    """Where a sub-env runs: the Ray node, its host name, the actor's process id, and how often it was replaced."""

    index: int
    node_id: str
    hostname: str
    pid: int
    restarts: int


class _SubEnv:
    """The actor body: one gym-anything env in a dedicated Ray worker process."""

    def __init__(self, env_id: str, env_kwargs: dict[str, Any], wrappers: Sequence[Callable[[gym.Env], gym.Env]]):
        env = gym.make(env_id, **env_kwargs)
        for wrap in wrappers:
            env = wrap(env)
        self.env = env

    def describe(self) -> dict[str, Any]:
        import ray

        return {"node_id": ray.get_runtime_context().get_node_id(), "hostname": socket.gethostname(),
                "pid": os.getpid(), "observation_space": self.env.observation_space,
                "action_space": self.env.action_space,
                "screen": (self.env.unwrapped.width, self.env.unwrapped.height)}  # type: ignore[attr-defined]

    def reset(self, seed: int | None, options: dict[str, Any] | None) -> tuple[Any, dict[str, Any]]:
        return self.env.reset(seed=seed, options=options)

    def step(self, action: Any) -> tuple[Any, Any, bool, bool, dict[str, Any]]:
        return self.env.step(action)

    def call(self, name: str, args: tuple, kwargs: dict[str, Any]) -> Any:
        attr = self.env.get_wrapper_attr(name)
        return attr(*args, **kwargs) if callable(attr) else attr

    def close(self) -> None:
        self.env.close()


@lru_cache(maxsize=1)
def _actor_class():
    return ray_module().remote(_SubEnv)


class RayVectorEnv(VectorEnv):
    """``num_envs`` copies of a gym-anything env, each in a Ray actor; observations batched as gymnasium does.

    Connects to ``address`` (``"auto"``, ``"ray://host:10001"``, ``host:port``) or, with ``address=None``, to
    the Ray instance this process already initialised, else a new local one (shut down again by ``close()``).
    ``resources_per_env`` asks Ray for each actor's resources (default ``{"CPU": 1}``); actors are spread over
    the nodes (``scheduling_strategy``, any Ray strategy). ``call_timeout`` bounds each remote call (seconds);
    a sub-env replaced more than ``max_restarts`` times in a row raises. ``env_kwargs`` go to ``gym.make``
    on the actor (e.g. ``actions="discrete"``, ``obs_size=(64, 64)``, ``max_steps=``, ``runner=``); ``wrappers``
    (picklable callables ``env -> env``) then wrap each sub-env on its actor, as ``gym.make_vec(wrappers=)``.
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": ["rgb_array"]}

    def __init__(self, env_id: str, num_envs: int, *, address: str | None = None,
                 resources_per_env: dict[str, float] | None = None, scheduling_strategy: Any = "SPREAD",
                 call_timeout: float = 300.0, max_restarts: int = 3,
                 wrappers: Sequence[Callable[[gym.Env], gym.Env]] = (), **env_kwargs: Any):
        if isinstance(num_envs, bool) or not isinstance(num_envs, int) or num_envs < 1:
            raise ValueError(f"num_envs must be a positive integer, got {num_envs!r}")
        if isinstance(call_timeout, bool) or not isinstance(call_timeout, (int, float)) or call_timeout <= 0:
            raise ValueError(f"call_timeout must be a positive number of seconds, got {call_timeout!r}")
        if isinstance(max_restarts, bool) or not isinstance(max_restarts, int) or max_restarts < 0:
            raise ValueError(f"max_restarts must be a non-negative integer, got {max_restarts!r}")
        gym.spec(env_id)  # an unknown id fails here, before any actor starts
        if not isinstance(wrappers, Sequence) or not all(callable(w) for w in wrappers):
            raise ValueError(f"wrappers must be a sequence of callables env -> env, got {wrappers!r}")
        options = actor_options(resources_per_env, scheduling_strategy, "resources_per_env")
        self._owns_ray = connect(address)
        self.env_id, self.num_envs = env_id, num_envs
        self.render_mode = env_kwargs.get("render_mode")
        self.call_timeout, self.max_restarts = float(call_timeout), max_restarts
        self._env_kwargs, self._options, self._wrappers = dict(env_kwargs), options, tuple(wrappers)
        self._actors: list[Any] = []
        self._placements: list[Placement | Any] = []
        self._restarts = [0] * num_envs
        self._restarts_in_row = [0] * num_envs
        self.closed = False
        try:
            for i in range(num_envs):
                self._spawn(i)
            described = self._describe(0)
            self.single_observation_space = described["observation_space"]
            self.single_action_space = described["action_space"]
            self.placements  # noqa: B018 - waits until every actor is up (or raises)
        except BaseException:
            self.close()
            raise
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self._width, self._height = described["screen"]  # typed actions are in screen pixels, whatever obs_size
        self._last_obs: list[Any] = list(iterate(self.observation_space, self._empty_obs()))
        self._autoreset = np.zeros(num_envs, dtype=bool)

    # --- actors -----------------------------------------------------------------------------------

    def _spawn(self, i: int) -> None:
        actor = _actor_class().options(**self._options).remote(self.env_id, self._env_kwargs, self._wrappers)
        if i < len(self._actors):
            self._actors[i] = actor
            self._placements[i] = actor.describe.remote()
        else:
            self._actors.append(actor)
            self._placements.append(actor.describe.remote())

    def _describe(self, i: int) -> dict[str, Any]:
        """Wait for sub-env ``i``'s actor to be up and say where it is."""
        ray = ray_module()
        try:
            return ray.get(self._placements[i], timeout=self.call_timeout)
        except ray.exceptions.GetTimeoutError:
            raise RuntimeError(unplaced_message(f"sub-env {i}", self._options, self.call_timeout)) from None
        except ray.exceptions.RayError as exc:  # e.g. gym.make raised on the actor (a bad env kwarg)
            cause = str(exc).strip().splitlines()[-1]  # the exception line closing the remote traceback
            raise RuntimeError(f"sub-env {i} ({self.env_id}) could not start: {cause}") from exc

    @property
    def placements(self) -> list[Placement]:
        """Where each sub-env runs now (waits for actors that are still starting)."""
        for i, entry in enumerate(self._placements):
            if not isinstance(entry, Placement):
                d = self._describe(i)
                self._placements[i] = Placement(i, d["node_id"], d["hostname"], d["pid"], self._restarts[i])
        return list(self._placements)

    def _replace(self, i: int, fault: dict[str, Any]) -> None:
        """Kill sub-env ``i``'s actor and start a new one (without waiting for it)."""
        self._restarts_in_row[i] += 1
        if self._restarts_in_row[i] > self.max_restarts:
            raise RuntimeError(f"sub-env {i} failed {self._restarts_in_row[i]} times in a row; last fault: "
                               f"{fault['kind']}: {fault['detail']}")
        ray_module().kill(self._actors[i], no_restart=True)
        self._restarts[i] += 1
        self._spawn(i)

    def _get(self, i: int, ref: Any, timeout: float) -> tuple[Any, dict[str, Any] | None]:
        """Sub-env ``i``'s result, or None and a fault (the actor is then replaced)."""
        ray = ray_module()
        try:
            result = ray.get(ref, timeout=max(timeout, 0.001))
        except ray.exceptions.RayError as exc:
            fault = {"kind": fault_kind(exc), "detail": f"{type(exc).__name__}: {exc}"[:FAULT_DETAIL_CHARS]}
            self._replace(i, fault)
            return None, fault
        self._restarts_in_row[i] = 0
        return result, None

    def _gather(self, refs: list[Any]) -> list[tuple[Any, dict[str, Any] | None]]:
        """Every sub-env's result (calls already issued, so they ran in parallel), all within ``call_timeout``."""
        deadline = time.monotonic() + self.call_timeout
        return [self._get(i, ref, deadline - time.monotonic()) for i, ref in enumerate(refs)]

    # --- VectorEnv API ----------------------------------------------------------------------------

    def reset(self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None):
        """Reset every sub-env (``seed``: one int for ``seed + i``, or one per sub-env); a dead actor is
        replaced and its sub-env reset again, with the fault reported in that sub-env's info."""
        if seed is None or isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
            seeds = [None if seed is None else int(seed) + i for i in range(self.num_envs)]
        elif isinstance(seed, (list, tuple)) and len(seed) == self.num_envs:
            seeds = list(seed)
        else:
            raise ValueError(f"seed must be None, an int or a list of {self.num_envs} seeds, got {seed!r}")
        super().reset(seed=seeds[0])
        results = self._gather([a.reset.remote(s, options) for a, s in zip(self._actors, seeds, strict=True)])
        infos: dict[str, Any] = {}
        for i, (result, fault) in enumerate(results):
            while result is None:  # a replaced actor: reset its sub-env (replacing raises after max_restarts)
                result, again = self._get(i, self._actors[i].reset.remote(seeds[i], options), self.call_timeout)
                fault = again or fault
            self._last_obs[i], info = result
            infos = self._add_info(infos, {**info, "fault": fault} if fault else info, i)
        self._autoreset[:] = False
        return self._batch(), infos

    def step(self, actions_batch: Any):
        """Send each sub-env its action (or a reset, after its episode ended), then gather the results."""
        per_env = list(iterate(self.action_space, actions_batch))
        if len(per_env) != self.num_envs:
            raise ValueError(f"actions must batch {self.num_envs} actions, got {len(per_env)}")
        for i, action in enumerate(per_env):
            if not self._autoreset[i]:
                self._check_action(i, action)
        refs = [actor.reset.remote(None, None) if self._autoreset[i] else actor.step.remote(per_env[i])
                for i, actor in enumerate(self._actors)]
        rewards = np.zeros(self.num_envs, dtype=np.float64)
        terminated = np.zeros(self.num_envs, dtype=bool)
        truncated = np.zeros(self.num_envs, dtype=bool)
        infos: dict[str, Any] = {}
        for i, (result, fault) in enumerate(self._gather(refs)):
            if fault is not None:
                terminated[i], info = True, {"fault": fault}
            elif self._autoreset[i]:
                self._last_obs[i], info = result
            else:
                self._last_obs[i], rewards[i], terminated[i], truncated[i], info = result
            infos = self._add_info(infos, info, i)
        self._autoreset = terminated | truncated
        return self._batch(), rewards, terminated, truncated, infos

    def _empty_obs(self) -> Any:
        return create_empty_array(self.single_observation_space, self.num_envs, fn=np.zeros)

    def _batch(self) -> Any:
        """The sub-envs' last observations as one batch of ``observation_space`` (a new array each call)."""
        return concatenate(self.single_observation_space, self._last_obs, self._empty_obs())

    def _check_action(self, i: int, action: Any) -> None:
        """A bad action raises here, naming the sub-env, rather than coming back as an actor fault."""
        if isinstance(action, dict):  # a typed action
            try:
                actions.validate(action, self._width, self._height)
            except ActionError as exc:
                raise ActionError(f"sub-env {i}: {exc}") from exc
        elif not self.single_action_space.contains(action):
            raise ValueError(f"sub-env {i}: action {action!r} is not in {self.single_action_space}")

    def call(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        """Call ``name`` (or read the attribute) on every sub-env, e.g. ``call("oracle_actions")``."""
        ray = ray_module()
        return tuple(ray.get([a.call.remote(name, args, kwargs) for a in self._actors], timeout=self.call_timeout))

    def render(self) -> Any:
        """Each sub-env's full-resolution screen (with ``render_mode="rgb_array"``; else None), for videos."""
        if self.render_mode != "rgb_array":
            return None
        return self.call("render")

    def get_attr(self, name: str) -> tuple[Any, ...]:
        return self.call(name)

    def close_extras(self, **kwargs: Any) -> None:
        ray = ray_module()
        if self._actors and ray.is_initialized():
            ray.wait([a.close.remote() for a in self._actors], num_returns=len(self._actors), timeout=30)
            for actor in self._actors:
                ray.kill(actor, no_restart=True)
        self._actors = []
        if self._owns_ray and ray.is_initialized():
            ray.shutdown()


def make_ray_vec(env_id: str, num_envs: int = 1, *, address: str | None = None,
                 resources_per_env: dict[str, float] | None = None,
                 wrappers: Sequence[Callable[[gym.Env], gym.Env]] = (), **kwargs: Any) -> RayVectorEnv:
    """A :class:`RayVectorEnv` of ``num_envs`` copies of ``env_id`` (a ``GymAnything/...`` id); ``kwargs`` are
    ``gym.make``'s and the Ray options of :class:`RayVectorEnv`."""
    return RayVectorEnv(env_id, num_envs, address=address, resources_per_env=resources_per_env, wrappers=wrappers,
                        **kwargs)
