"""The Gymnasium env: one software (and its tasks) as a ``gymnasium.Env``, and how episodes are drawn and made."""

from .env import GymAnythingEnv

__all__ = ["GymAnythingEnv"]
