"""Verification: running a task's verifier fail-closed, checklist items judged by a model or read by OCR, and how
the two combine into the reward."""

from __future__ import annotations

import warnings
from typing import Any

from .checklist import ChecklistResult, combine, evaluate_checklist
from .verifier import VerifierResult, run_verifier

__all__ = ["ChecklistResult", "VerifierResult", "combine", "evaluate_checklist", "run_verifier"]

_MOVED = {"SetupContext": "authoring.contexts", "VerifyContext": "authoring.contexts",
          "OracleContext": "authoring.contexts", "Checklist": "authoring.contexts", "CheckItem": "authoring.contexts",
          "load_function": "specs.loader"}


def __getattr__(name: str) -> Any:
    """Names that lived here before the contexts moved to :mod:`gym_anything.authoring` (deprecated)."""
    if name in _MOVED:
        import importlib

        warnings.warn(f"gym_anything.verification.{name} is now gym_anything.{_MOVED[name]}.{name}",
                      DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module(f"gym_anything.{_MOVED[name]}"), name)
    raise AttributeError(f"module 'gym_anything.verification' has no attribute {name!r}")
