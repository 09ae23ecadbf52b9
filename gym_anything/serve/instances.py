"""The env instances a server offers, and who holds each: one client per instance at a time.

:class:`Instances` makes ``count`` envs of one gym id. Each :class:`EnvInstance` runs every env call on its own
thread and keeps one :class:`~gym_anything.tools.ToolSession` (Anthropic's toolset, the shown screen size).
A client *claims* an instance (:meth:`Instances.claim` gives a :class:`Lease`) and holds it until it leaves
(:meth:`Instances.release`) or until ``idle_timeout`` seconds pass without a request from it (a request in
progress is not idle). When every instance is held, a claim raises :class:`InstanceBusy`, whose message names
who holds what and when it frees up. A new claim starts from no episode: its client's episode is its own.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import gymnasium as gym

from ..errors import GymAnythingError
from ..tools import ToolResult, ToolSession

SCHEMA = "anthropic-toolset"  # the tool calls both endpoints take: Anthropic's computer_toolset_20260801
IDLE_TIMEOUT = 1800.0  # seconds without a request before a claim lapses
MAX_INSTANCES = 16

T = TypeVar("T")


class InstanceBusy(GymAnythingError, RuntimeError):
    """Every instance is held by another client; the message says by whom and when one frees up."""


@dataclass(eq=False)
class Lease:
    """One client's hold on one instance."""

    instance: EnvInstance
    client: str  # who holds it, for messages: "an MCP client", "an OpenEnv client"
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    since: float = field(default_factory=time.monotonic)
    last: float = field(default_factory=time.monotonic)
    in_flight: int = 0
    started: bool = False  # this client started an episode (a new claim must reset first)
    released: str | None = None  # why the lease ended: None while it holds the instance

    def idle(self, now: float | None = None) -> float:
        """Seconds since the client's last request ended (0 while one is in progress)."""
        return 0.0 if self.in_flight else (time.monotonic() if now is None else now) - self.last

    @contextmanager
    def use(self) -> Iterator[None]:
        """One request of the client: not idle while it runs."""
        self.in_flight += 1
        self.last = time.monotonic()
        try:
            yield
        finally:
            self.in_flight -= 1
            self.last = time.monotonic()

    def describe(self, now: float) -> str:
        return (f"instance {self.instance.index} by {self.client} for {now - self.since:.0f} s "
                f"(idle {self.idle(now):.0f} s)")


class EnvInstance:
    """One env, its thread and its tool session."""

    def __init__(self, index: int, gym_id: str, seed: int | None, shown: tuple[int, int] | None,
                 env_kwargs: dict[str, Any]):
        self.index, self.gym_id = index, gym_id
        self.lease: Lease | None = None
        self._first_seed = seed
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"gym-anything-env-{index}")
        self.env: gym.Env = self._executor.submit(gym.make, gym_id, **env_kwargs).result()
        self.session = ToolSession(self.env, SCHEMA, shown)

    def reset(self, seed: int | None = None) -> ToolResult:
        """A new episode (on the env's thread): from ``seed``, or the server's seed for the first one."""
        if seed is None:
            seed = self._first_seed
        self._first_seed = None
        return self.session.reset(seed=seed)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on the env's thread (every env call runs there, one at a time)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def close(self) -> None:
        self._executor.submit(self.env.close).result()
        self._executor.shutdown()


class Instances:
    """``count`` instances of ``gym_id``, each held by at most one client."""

    def __init__(self, gym_id: str, count: int = 1, idle_timeout: float = IDLE_TIMEOUT, seed: int | None = None,
                 shown: tuple[int, int] | None = None, **env_kwargs: Any):
        if not 1 <= count <= MAX_INSTANCES:
            raise ValueError(f"instances must be in [1, {MAX_INSTANCES}], got {count}")
        if not idle_timeout > 0:
            raise ValueError(f"idle_timeout must be a positive number of seconds, got {idle_timeout}")
        self.gym_id, self.idle_timeout = gym_id, float(idle_timeout)
        self.all: list[EnvInstance] = []
        try:
            for index in range(count):
                self.all.append(EnvInstance(index, gym_id, seed, shown, env_kwargs))
        except BaseException:
            self.close()
            raise

    def claim(self, client: str) -> Lease:
        """Hold a free instance for ``client`` (a lapsed claim frees its instance first); raises
        :class:`InstanceBusy` when every instance is held."""
        self.lapse_idle()
        now = time.monotonic()
        for instance in self.all:
            if instance.lease is None:
                instance.lease = Lease(instance, client)
                return instance.lease
        held_by = "; ".join(i.lease.describe(now) for i in self.all if i.lease is not None)
        raise InstanceBusy(
            f"{self.gym_id}: every instance is in use ({len(self.all)} served; {held_by}); one client per instance. "
            f"An instance is freed when its client disconnects or after {self.idle_timeout:g} s without a request "
            f"from it (gym-anything serve --instances N serves more)")

    def lapse_idle(self) -> None:
        """End every claim whose client sent no request for ``idle_timeout`` seconds."""
        now = time.monotonic()
        for instance in self.all:
            held = instance.lease
            if held is not None and held.idle(now) >= self.idle_timeout:
                self.release(held, f"released after {self.idle_timeout:g} s without a request")

    def release(self, lease: Lease, why: str = "released") -> None:
        """End ``lease`` (once); its instance is free for the next claim."""
        if lease.released is None:
            lease.released = why
        if lease.instance.lease is lease:
            lease.instance.lease = None

    def status(self) -> list[dict[str, Any]]:
        """Public: which instances are held, by what kind of client, idle how long."""
        now = time.monotonic()
        return [{"instance": i.index, "claimed": i.lease is not None,
                 **({"by": i.lease.client, "idle_s": round(i.lease.idle(now), 1)} if i.lease else {})}
                for i in self.all]

    def close(self) -> None:
        for instance in self.all:
            if instance.lease is not None:
                self.release(instance.lease, "the server stopped")
            instance.close()
