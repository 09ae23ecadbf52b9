"""Tools for creating a software's env: ``gym-anything create`` (docs/creation.md)."""

from __future__ import annotations

from .explore import ExploreError, ExploreResult, explore, find_text

__all__ = ["ExploreError", "ExploreResult", "explore", "find_text"]
