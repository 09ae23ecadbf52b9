"""Where applications run: the runner interface and the runners (local Xvfb + bubblewrap; containers)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from .base import Episode, FaultKind, Runner, RuntimeFault, SandboxUnavailable, Settled, WindowInfo

if TYPE_CHECKING:
    from ..specs.model import SoftwareSpec

RUNNERS = {"local": "gym_anything.runtime.local:LocalRunner", "docker": "gym_anything.runtime.docker:DockerRunner",
           "fake": "gym_anything.runtime.fake:FakeRunner"}
"""Runner kinds ``GymAnythingEnv(runner=...)`` accepts, and where each lives (imported on first use)."""


def make_runner(kind: str, spec: SoftwareSpec, hidden_paths: list[Path]) -> Runner:
    """Start a runner of ``kind`` for one env instance."""
    if kind not in RUNNERS:
        raise ValueError(f"runner must be one of {sorted(RUNNERS)}, got {kind!r}")
    module, _, name = RUNNERS[kind].partition(":")
    return getattr(importlib.import_module(module), name)(spec, hidden_paths)


__all__ = ["FaultKind", "RUNNERS", "Episode", "Runner", "RuntimeFault", "SandboxUnavailable", "Settled",
           "WindowInfo", "make_runner"]
