"""The wrappers: an outer step limit that keeps the verifier's reward, and action presets over typed actions."""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from ..action_presets import ActionPreset


class VerifyOnTruncation(gym.Wrapper):
    """When a wrapper below (``TimeLimit``) truncates an episode the env itself has not ended, run the verifier
    on what the app saved and return its reward, as the env does at its own step budget.

    Without it, ``TimeLimit(N)`` cuts the episode after step N with reward 0 even when the work was saved.
    The verifier's result is in ``info["verifier"]`` either way; ``info["truncated_by"]`` says ``"TimeLimit"``
    when this wrapper ran it.
    """

    def step(self, action: Any):
        obs, reward, terminated, truncated, info = self.env.step(action)
        base = self.env.unwrapped
        if truncated and not terminated and getattr(base, "episode_running", False):
            info = dict(info)
            reward = base.truncate(info)  # type: ignore[attr-defined]
            info["truncated_by"] = "TimeLimit"
        return obs, reward, terminated, truncated, info


class PresetActions(gym.ActionWrapper):
    """An env that takes typed actions, driven through an action preset: ``PresetActions(env, "discrete",
    grid=(8, 8), keys=..., texts=...)`` (see :mod:`gym_anything.action_presets`)."""

    def __init__(self, env: gym.Env, kind: str, grid: tuple[int, int] = (8, 8), **vocabulary: Any):
        super().__init__(env)
        base = env.unwrapped
        self.preset = ActionPreset(kind, base.width, base.height, grid, **vocabulary)  # type: ignore[attr-defined]
        self.action_space = self.preset.space

    def action(self, action: Any) -> dict[str, Any]:
        return action if isinstance(action, dict) else self.preset.to_action(action)
