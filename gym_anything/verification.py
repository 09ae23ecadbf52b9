"""The verifier interface: contexts handed to task code, the checklist result, fail-closed execution.

A task's code lives in three functions referenced from its YAML spec:

* ``setup(ctx: SetupContext) -> dict`` writes the initial files into ``ctx.home`` and returns the
  privileged values (never shown to the agent); it may add values for the instruction to ``ctx.public``.
* ``verify(ctx: VerifyContext) -> None`` reads the app's real outputs under ``ctx.home`` and the
  privileged values, and records what passed with ``ctx.check(...)`` / ``ctx.require(...)``.
* ``oracle(ctx: OracleContext) -> list[action]`` returns actions that solve the instance through the
  public action interface (harness-only: proves the verifier can pass).
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .specs import Ref


@dataclass
class SetupContext:
    params: dict[str, Any]
    rng: np.random.Generator
    home: Path  # the episode's HOME as the application will see it (/home/agent inside the sandbox)
    private: Path  # a folder for privileged files, never visible to the application
    public: dict[str, Any] = field(default_factory=dict)


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
        self.items.append(CheckItem(name, bool(passed), float(weight), detail))
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


@dataclass
class VerifierResult:
    score: float
    passed: bool
    items: list[CheckItem]
    error: str | None = None
    checklist: dict[str, Any] | None = None  # the judge/OCR checklist result, when the task has one

    def to_info(self) -> dict[str, Any]:
        info = {"score": self.score, "passed": self.passed, "error": self.error,
                "items": [{"name": i.name, "passed": i.passed, "weight": i.weight, "detail": i.detail}
                          for i in self.items]}
        if self.checklist is not None:
            info["checklist"] = self.checklist
        return info


def load_function(ref: Ref) -> Callable:
    """Import the module a Ref points at (by file path, cached per file) and return the function."""
    name = "gym_anything_task_code." + ref.path.replace("/", ".").removesuffix(".py")
    module = sys.modules.get(name)
    if module is None or getattr(module, "__file__", None) != str(ref.file):
        spec = importlib.util.spec_from_file_location(name, ref.file)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return getattr(module, ref.function)


def run_verifier(ref: Ref, ctx: VerifyContext) -> VerifierResult:
    """Run a verifier fail-closed: an exception or a malformed result scores 0 with the error recorded."""
    checklist = ctx.checklist
    try:
        load_function(ref)(ctx)
    except _Stop:
        pass
    except Exception as exc:  # noqa: BLE001 - any verifier bug must fail closed
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return VerifierResult(0.0, False, checklist.items, f"verifier {ref} raised {detail}")
    if not checklist.items:
        return VerifierResult(0.0, False, [], f"verifier {ref} recorded no checklist items")
    total = sum(i.weight for i in checklist.items)
    gates_passed = all(i.passed for i in checklist.items if i.weight == 0)
    score = sum(i.weight for i in checklist.items if i.passed) / total if total > 0 and gates_passed else 0.0
    passed = all(i.passed for i in checklist.items)
    return VerifierResult(round(score, 6), passed, checklist.items)
