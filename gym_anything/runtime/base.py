"""The runner interface: what the Gymnasium env needs from a place where an application runs.

The local runner (Xvfb + window manager + bubblewrap sandbox on this machine) implements it; container
and remote runners plug in behind the same methods.
"""

from __future__ import annotations

import subprocess
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import FaultKind, GymAnythingError, RuntimeFault

__all__ = ["Episode", "FaultKind", "Runner", "RuntimeFault", "SandboxUnavailable", "Settled", "WindowInfo"]

class SandboxUnavailable(GymAnythingError, RuntimeError):
    """The sandbox tool is missing: the runner refuses to start an application unsandboxed."""


@dataclass(frozen=True)
class Episode:
    """One episode's folders on the host: the app's HOME (what the sandbox binds as /home/agent) and the
    privileged folder the sandbox never sees."""

    folder: Path
    home: Path
    private: Path


@dataclass
class Settled:
    """How an action's aftermath settled: the final frame, the wait, whether it was quiet in time, and the
    app's own drawing time within the wait (first to last drawing; 0 when it drew nothing or is unknown)."""

    frame: np.ndarray
    seconds: float
    stable: bool
    redraw: float = 0.0


@dataclass(frozen=True)
class WindowInfo:
    """One top-level client window: its title, its ``WM_CLASS`` (instance, class) and where it is on the screen
    (``x``, ``y``, ``width``, ``height`` of its client area in screen pixels; all 0 when unknown)."""

    title: str
    wm_class: tuple[str, ...] = ()
    x: int = 0
    y: int = 0
    width: int = 0
    height: int = 0

    def to_json(self) -> dict:
        return {"title": self.title, "class": list(self.wm_class), "x": self.x, "y": self.y, "width": self.width,
                "height": self.height}


class Runner(ABC):
    """Runs one application instance on one display and drives it through pixels and input events."""

    width: int
    height: int

    @property
    @abstractmethod
    def workdir(self) -> Path:
        """The runner's own scratch folder (removed by close())."""

    @abstractmethod
    def new_episode(self) -> Episode:
        """Fresh, empty folders for one episode (HOME and privileged data)."""

    @abstractmethod
    def discard_episodes(self, keep: Episode | None = None) -> None:
        """Remove every episode's folders except ``keep``'s (privileged data does not outlive its episode)."""

    @abstractmethod
    def launch(self, home: Path, args: list[str]) -> Settled:
        """(Re)start the application with ``home`` as its HOME, wait until it is ready, return the screen.

        If ``prepare(home, args)`` started it already, swap that instance in instead of starting a new one."""

    def prepare(self, home: Path, args: list[str]) -> None:
        """Optionally start the app for a later ``launch(home, args)`` ahead of time (warm reset); may be called
        from a background thread while the current episode runs. Runners without a spare slot ignore it."""
        return None

    @abstractmethod
    def stop_app(self) -> None:
        """Stop the application (its whole process tree); the display stays up."""

    @abstractmethod
    def perform(self, action: dict) -> None:
        """Carry out one validated action (see gym_anything.actions.validate)."""

    def wait(self, seconds: float) -> None:
        """Let the application run for ``seconds`` without input (a WAIT action); ``settle()`` follows."""
        time.sleep(seconds)

    @abstractmethod
    def settle(self) -> Settled:
        """Wait until the application has processed input and the screen is stable (bounded)."""

    @abstractmethod
    def capture(self) -> np.ndarray:
        """The current screen as an RGB uint8 array of shape (height, width, 3)."""

    def window_titles(self) -> list[str]:
        """Titles of the application's top-level windows (exact text shown in the title bars)."""
        return []

    def windows(self) -> list[WindowInfo]:
        """The application's top-level windows with class and geometry (runners that know only titles: titles)."""
        return [WindowInfo(title) for title in self.window_titles()]

    @abstractmethod
    def pointer(self) -> tuple[int, int]:
        """Where the mouse pointer is."""

    @abstractmethod
    def app_host_uids(self) -> set[int]:
        """The host uids (real, effective, saved) of the app's processes, as the host's kernel sees them."""

    @abstractmethod
    def run_in_sandbox(self, argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
        """Run a command where the app runs (same sandbox, HOME, display and rights); for audits and tests."""

    def app_cpu_seconds(self) -> float | None:
        """CPU time used so far by the app's processes (the servers it started too), or None where the runner
        cannot tell; the env waits for it to stand still before verifying (a save still being written)."""
        return None

    def build_home(self, home: Path, argv: list[str], timeout: float) -> subprocess.CompletedProcess:
        """Run ``argv`` to its end in the sandbox the app gets, with ``home`` as HOME (a software's
        ``home_build``); the app need not be running. Past ``timeout`` the command is killed and the result's
        return code is not 0."""
        raise NotImplementedError(f"{type(self).__name__} cannot run a home_build command")

    @abstractmethod
    def fault(self) -> RuntimeFault | None:
        """A fault that has happened (app exited, display died), or None."""

    @abstractmethod
    def close(self) -> None:
        """Stop everything and remove every temporary file; idempotent."""
