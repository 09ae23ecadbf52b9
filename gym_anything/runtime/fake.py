"""The fake runner: no X server, no sandbox, no app; a scripted stand-in for tests of the code around the env.

``GymAnythingEnv(..., runner="fake")`` drives a tiny text editor instead of the software: TYPE appends to its
buffer (``\\b`` erases), ``ctrl+s`` writes the buffer to the file the task opens (under the episode's HOME, as
the real app would), ``ctrl+q`` quits (``app_exited``). Its screen is drawn from its state, so frames are
deterministic and change when the buffer does. Faults are injected with :meth:`FakeRunner.inject_fault`.
Everything the env, the evaluation runner, recording, export and the leaderboard do with a runner works on it,
in milliseconds; what touches apps is tested on apps.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
import weakref
from pathlib import Path

import numpy as np

from ..actions import ActionType
from ..errors import FaultKind, RuntimeFault
from ..specs.model import SoftwareSpec
from .base import Episode, Runner, Settled
from .sandbox import SANDBOX_HOME


class FakeRunner(Runner):
    """A scripted text editor behind the Runner interface (see the module docstring)."""

    def __init__(self, spec: SoftwareSpec, hidden_paths: list[Path]):
        self.spec = spec
        self.width, self.height = spec.resolution
        self._workdir = Path(tempfile.mkdtemp(prefix=f"gym-anything-fake-{spec.id}-"))
        self._finalizer = weakref.finalize(self, shutil.rmtree, self._workdir, True)
        self._episodes: list[Episode] = []
        self._count = 0
        self._home: Path | None = None
        self._file: Path | None = None
        self._buffer = ""
        self._pointer = (self.width // 2, self.height // 2)
        self._fault: RuntimeFault | None = None
        self._running = False
        self.performed: list[dict] = []  # every action performed (tests read it)

    @property
    def workdir(self) -> Path:
        return self._workdir

    def new_episode(self) -> Episode:
        self._count += 1
        folder = self._workdir / f"episode-{self._count}"
        episode = Episode(folder, folder / "home", folder / "private")
        episode.home.mkdir(parents=True)
        episode.private.mkdir()
        self._episodes.append(episode)
        return episode

    def discard_episodes(self, keep: Episode | None = None) -> None:
        for episode in [e for e in self._episodes if e != keep]:
            shutil.rmtree(episode.folder, ignore_errors=True)
            self._episodes.remove(episode)

    def launch(self, home: Path, args: list[str]) -> Settled:
        self._home, self._fault, self._running = home, None, True
        self._file = home / args[0].removeprefix(SANDBOX_HOME + "/") if args else None
        self._buffer = self._file.read_text() if self._file is not None and self._file.is_file() else ""
        self._pointer = (self.width // 2, self.height // 2)
        return self.settle()

    def stop_app(self) -> None:
        self._running = False

    def inject_fault(self, kind: FaultKind | str, detail: str = "injected by a test") -> None:
        """The next call that touches the app raises this fault (as a crash or a dead display would)."""
        self._fault = RuntimeFault(kind, detail)

    def perform(self, action: dict) -> None:
        self._check()
        self.performed.append(action)
        kind = action["type"]
        if kind not in (ActionType.TYPE, ActionType.HOTKEY, ActionType.WAIT, ActionType.DONE):
            self._pointer = (action["x2"], action["y2"]) if kind is ActionType.DRAG else (action["x"], action["y"])
        if kind is ActionType.TYPE:
            for char in action["text"]:
                self._buffer = self._buffer[:-1] if char == "\b" else self._buffer + char
        elif kind is ActionType.HOTKEY and tuple(action["keys"]) == ("ctrl", "s") and self._file is not None:
            self._file.parent.mkdir(parents=True, exist_ok=True)
            self._file.write_text(self._buffer)
        elif kind is ActionType.HOTKEY and tuple(action["keys"]) == ("ctrl", "q"):
            self._running = False
            self._fault = RuntimeFault(FaultKind.APP_EXITED, "the application exited normally (code 0)")
        elif kind is ActionType.HOTKEY and tuple(action["keys"]) == ("backspace",):
            self._buffer = self._buffer[:-1]

    def settle(self) -> Settled:
        self._check()
        return Settled(self.capture(), 0.0, True, 0.0)

    def capture(self) -> np.ndarray:
        """The screen: a grey page with a bar per buffered line and a tint from the buffer's digest."""
        self._check()
        frame = np.full((self.height, self.width, 3), 236, np.uint8)
        tint = hashlib.sha256(self._buffer.encode()).digest()
        frame[:24] = np.frombuffer(tint[:3], np.uint8)
        for row, line in enumerate(self._buffer.split("\n")[: (self.height - 40) // 12]):
            frame[32 + 12 * row: 40 + 12 * row, 8: 8 + min(len(line) * 7, self.width - 16)] = 40
        x, y = self._pointer
        frame[max(0, y - 2): y + 3, max(0, x - 2): x + 3] = (220, 0, 0)
        return frame

    def pointer(self) -> tuple[int, int]:
        return self._pointer

    def window_titles(self) -> list[str]:
        return [f"{self._file.name if self._file else 'untitled'} - Fake editor"] if self._running else []

    def app_host_uids(self) -> set[int]:
        return set()

    def run_in_sandbox(self, argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
        raise NotImplementedError("the fake runner has no sandbox; use the local runner for sandbox probes")

    def fault(self) -> RuntimeFault | None:
        return self._fault

    def _check(self) -> None:
        if self._fault is not None:
            raise self._fault

    def close(self) -> None:
        self._running = False
        self._finalizer()
