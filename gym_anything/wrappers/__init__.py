"""Wrappers for training and evaluation loops; ``gym.make`` kwargs select the same behaviour.

* :class:`VerifyOnTruncation`: an outer step limit (gymnasium's ``TimeLimit``, which ``gym.make(id,
  max_episode_steps=N)`` installs) ends the episode *with* the verifier run, so the reward of finished work is
  kept. ``gym.make`` adds it to every gym-anything id, outside its ``TimeLimit``.
* :class:`PresetActions`: a ``Discrete``, ``MultiDiscrete`` or ``Box`` action space over an env that takes typed
  actions (the same presets as ``gym.make(id, actions=...)``, :mod:`gym_anything.action_presets`).
"""

from __future__ import annotations

from .core import PresetActions, VerifyOnTruncation

__all__ = ["PresetActions", "VerifyOnTruncation"]
