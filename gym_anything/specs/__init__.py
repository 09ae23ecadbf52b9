"""Specs: what a software (``envs/<software>/env.yaml``) and its tasks (``tasks/*.yaml``, their code by convention
in the folder's ``setup.py``, ``verifier.py`` and ``oracle.py``) declare, how they are loaded and validated (every
problem a :class:`SpecError` naming file and field), where data roots are, the legacy layout, and the Gymnasium
registry built from them. Reference: ``docs/spec-format.md``."""

from __future__ import annotations

import warnings
from typing import Any

from ..errors import SpecError
from .loader import LegacyLayoutWarning, is_legacy_root, load_all, load_env, load_task
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

__all__ = ["LONG_HORIZON_STEPS", "ChecklistItem", "ChecklistSpec", "LegacyLayoutWarning", "ParameterSpec",
           "ReadySpec", "Ref", "ResourcesSpec", "SettleSpec", "SoftwareSpec", "SpecError", "TaskSpec",
           "is_legacy_root", "load_all", "load_env", "load_task"]


def __getattr__(name: str) -> Any:
    if name == "EnvSpec":
        warnings.warn("gym_anything.specs.EnvSpec is now gym_anything.specs.SoftwareSpec", DeprecationWarning,
                      stacklevel=2)
        return SoftwareSpec
    raise AttributeError(f"module 'gym_anything.specs' has no attribute {name!r}")
