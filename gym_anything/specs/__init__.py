"""Specs: what a software (``envs/<software>/env.yaml``) and its tasks (``tasks/*.yaml``) declare, how they are
loaded and validated (every problem a :class:`SpecError` naming file and field), where data roots are, and the
Gymnasium registry built from them."""

from __future__ import annotations

import warnings
from typing import Any

from ..errors import SpecError
from .loader import load_all, load_env, load_task
from .model import (
    LONG_HORIZON_STEPS,
    ChecklistItem,
    ChecklistSpec,
    ParameterSpec,
    ReadySpec,
    Ref,
    ResourcesSpec,
    SettleSpec,
    SoftwareSpec,
    TaskSpec,
)

__all__ = ["LONG_HORIZON_STEPS", "ChecklistItem", "ChecklistSpec", "ParameterSpec", "ReadySpec", "Ref",
           "ResourcesSpec", "SettleSpec", "SoftwareSpec", "SpecError", "TaskSpec", "load_all", "load_env",
           "load_task"]


def __getattr__(name: str) -> Any:
    if name == "EnvSpec":
        warnings.warn("gym_anything.specs.EnvSpec is now gym_anything.specs.SoftwareSpec", DeprecationWarning,
                      stacklevel=2)
        return SoftwareSpec
    raise AttributeError(f"module 'gym_anything.specs' has no attribute {name!r}")
