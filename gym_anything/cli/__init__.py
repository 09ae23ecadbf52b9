"""The ``gym-anything`` command."""

from .main import main

__all__ = ["main"]
