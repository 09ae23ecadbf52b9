"""What task code gets: the contexts handed to a task's setup, verifier and oracle functions.

A task's code lives in three functions (by convention in ``envs/<software>/setup.py``, ``verifier.py`` and
``oracle.py``, named after the task):

* ``setup(ctx: SetupContext) -> dict`` writes the initial files into ``ctx.home`` and returns the
  privileged values (never shown to the agent); it may add values for the instruction to ``ctx.public``.
* ``verify(ctx: VerifyContext) -> None`` reads the app's real outputs under ``ctx.home`` and the
  privileged values, and records what passed with ``ctx.check(...)`` / ``ctx.require(...)``.
* ``oracle(ctx: OracleContext) -> list[action]`` returns actions that solve the instance through the
  public action interface (harness-only: proves the verifier can pass).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from faker import Faker


@dataclass
class SetupContext:
    params: dict[str, Any]
    rng: np.random.Generator
    home: Path  # the episode's HOME as the application will see it (/home/agent inside the sandbox)
    private: Path  # a folder for privileged files, never visible to the application
    public: dict[str, Any] = field(default_factory=dict)

    def faker(self, locale: str = "en_US") -> Faker:
        """A Faker (people, companies, addresses, ...) seeded from this instance's ``rng``: the same instance
        seed gives the same names. Each call draws a new seed from ``rng``, so call it once per setup and keep it."""
        from faker import Faker

        fake = Faker(locale)
        fake.seed_instance(int(self.rng.integers(0, 2**63 - 1)))
        return fake


@dataclass
class OracleContext:
    params: dict[str, Any]
    public: dict[str, Any]
    private: dict[str, Any]
    width: int
    height: int


@dataclass
class CheckItem:
    name: str
    passed: bool
    weight: float = 1.0
    detail: str = ""


class Checklist:
    """Items checked by a verifier; the score is the weighted share of passed items."""

    def __init__(self) -> None:
        self.items: list[CheckItem] = []

    def check(self, name: str, passed: bool, detail: str = "", weight: float = 1.0) -> bool:
        weight = float(weight)
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(f"checklist item {name!r}: weight must be a finite number >= 0, got {weight!r}")
        self.items.append(CheckItem(name, bool(passed), weight, detail))
        return bool(passed)

    def require(self, name: str, passed: bool, detail: str = "") -> None:
        """A gate worth no points: when it fails, verification stops and the score is 0."""
        if not self.check(name, passed, detail, weight=0.0):
            raise _Stop()


class _Stop(Exception):
    pass


@dataclass
class VerifyContext:
    params: dict[str, Any]
    public: dict[str, Any]
    private: dict[str, Any]
    home: Path
    private_dir: Path
    final_frame: np.ndarray | None = None
    checklist: Checklist = field(default_factory=lambda: Checklist())

    def check(self, name: str, passed: bool, detail: str = "", weight: float = 1.0) -> bool:
        """Record one checklist item; returns whether it passed."""
        return self.checklist.check(name, passed, detail, weight)

    def require(self, name: str, passed: bool, detail: str = "") -> None:
        """A gate worth no points (e.g. "the file was saved"): if it fails, verifying stops, score 0."""
        self.checklist.require(name, passed, detail)
