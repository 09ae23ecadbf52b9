"""Creating a software: ``gym-anything create`` (docs/creation.md): ``scaffold`` writes a first
``envs/<software>/`` from a Debian package; ``explore`` runs actions on a fresh instance and writes what it saw.

Layer: above ``runtime``, ``specs`` and ``core`` (it launches apps and writes specs); nothing below imports it.
"""

from __future__ import annotations

from .explore import ExploreError, ExploreResult, explore, find_text

__all__ = ["ExploreError", "ExploreResult", "explore", "find_text"]
