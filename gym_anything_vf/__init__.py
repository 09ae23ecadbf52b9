"""The verifiers taskset ``gym-anything-vf``: verifiers finds a taskset by a top-level module's name, so this
module re-exports :mod:`gym_anything.integrations.verifiers_env` (docs/exports.md)."""

from gym_anything.integrations.verifiers_env import (
    GymAnythingConfig,
    GymAnythingEnvConfig,
    GymAnythingTaskset,
    GymAnythingVfEnv,
    load_environment,
)

__all__ = ["GymAnythingConfig", "GymAnythingEnvConfig", "GymAnythingTaskset", "GymAnythingVfEnv",
           "load_environment"]
