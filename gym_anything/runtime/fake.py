"""The fake runner: no X server, no sandbox, no app; a scripted stand-in for tests of the code around the env.

``GymAnythingEnv(..., runner="fake")`` drives a tiny text editor instead of the software. The editor opens the file
the task opens (read from the episode's HOME when the app starts, as the real app would; bytes that are not UTF-8
are replaced) and keeps its text in a buffer, with the cursor always at the end: TYPE appends, ``enter``/``tab``
append a newline/tab, ``backspace`` erases the last character, ``ctrl+s`` writes the buffer back to the opened file,
``ctrl+q`` quits (an ``app_exited`` fault, as when an agent closes the real app). Pointer actions only move the
pointer; other keys do nothing. The screen is drawn from that state alone, so frames are deterministic and change
when the text or the pointer does.

Like the local runner it has an episode slot and, once :meth:`FakeRunner.prepare` is called (warm reset), a spare
one: ``launch`` swaps in the app prepared for the same HOME and arguments, else starts one cold; both show the same
first frame. Faults come on demand from :meth:`FakeRunner.inject_fault` and behave as the local runner's do: every
call that touches the app raises the fault until the next ``launch`` recovers (after a display fault, on a new
display). An unresponsive display fails at once here (the local runner first waits for its watchdog).

What it does not have: a sandbox (``run_in_sandbox`` raises; ``app_host_uids`` is empty, which the audit's rights
probe reports as a problem) and real time (settling and WAIT actions take none). Everything it writes lives in one
temporary folder, removed by ``close()`` or garbage collection.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
import weakref
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import numpy as np

from ..actions import ACTION_KINDS, ActionType
from ..errors import FaultKind, RuntimeFault
from ..specs.model import SoftwareSpec
from .base import Episode, Runner, Settled, WindowInfo
from .sandbox import SANDBOX_HOME

DISPLAY_FAULTS = frozenset({FaultKind.DISPLAY_DIED, FaultKind.DISPLAY_UNRESPONSIVE, FaultKind.DISPLAY_FAILED,
                            FaultKind.DISPLAY_ERROR})
"""Faults after which the next launch starts a new display (the others only need a new app)."""
_TEXT_KEYS = {("enter",): "\n", ("return",): "\n", ("tab",): "\t"}


@dataclass
class _Slot:
    """One display and the editor running on it (or not)."""

    display: int
    home: Path | None = None
    args: tuple[str, ...] = ()
    file: Path | None = None
    buffer: str = ""
    pointer: tuple[int, int] = (0, 0)
    running: bool = False
    fault: RuntimeFault | None = None


class FakeRunner(Runner):
    """A scripted text editor behind the Runner interface (see the module docstring)."""

    def __init__(self, spec: SoftwareSpec, hidden_paths: list[Path]):
        self.spec = spec
        self.width, self.height = spec.resolution
        self._workdir = Path(tempfile.mkdtemp(prefix=f"gym-anything-fake-{spec.id}-"))
        self._finalizer = weakref.finalize(self, shutil.rmtree, self._workdir, True)
        self._displays = count()
        self._slot = _Slot(next(self._displays))
        self._spare: _Slot | None = None
        self._prepared: tuple[Path, tuple[str, ...]] | None = None
        self._episodes: list[Episode] = []
        self._episode_ids = count(1)
        self.performed: list[dict] = []  # every action performed (tests read it)
        self.launches: list[str] = []  # "warm" or "cold", one per launch (tests read it)
        self.waited = 0.0  # seconds of WAIT actions, which take no time here

    @property
    def workdir(self) -> Path:
        return self._workdir

    @property
    def display_name(self) -> str:
        """The episode's display (changes after a display fault, and alternates with the spare on warm starts)."""
        return f"fake:{self._slot.display}"

    # --- episodes ---------------------------------------------------------------------------------

    def new_episode(self) -> Episode:
        folder = self._workdir / f"episode-{next(self._episode_ids)}"
        episode = Episode(folder, folder / "home", folder / "private")
        episode.home.mkdir(parents=True)
        episode.private.mkdir()
        self._episodes.append(episode)
        return episode

    def discard_episodes(self, keep: Episode | None = None) -> None:
        for episode in [e for e in self._episodes if e != keep]:
            shutil.rmtree(episode.folder, ignore_errors=True)
            self._episodes.remove(episode)

    # --- application ------------------------------------------------------------------------------

    def _start(self, slot: _Slot, home: Path, args: list[str]) -> None:
        """Start the editor on ``slot`` (a new display first if the old one failed): it reads the opened file."""
        if slot.fault is not None and FaultKind(slot.fault.kind) in DISPLAY_FAULTS:
            slot.display = next(self._displays)
        opened = home / args[0].removeprefix(SANDBOX_HOME + "/") if args else None
        slot.home, slot.args, slot.file, slot.fault, slot.running = home, tuple(args), opened, None, True
        slot.buffer = opened.read_bytes().decode(errors="replace") if opened is not None and opened.is_file() else ""
        slot.pointer = (self.width // 2, self.height // 2)  # where a fresh display has it

    def prepare(self, home: Path, args: list[str]) -> None:
        """Start the editor for a later ``launch(home, args)`` on the spare display (warm reset)."""
        self._prepared = None
        spare = self._spare = self._spare or _Slot(next(self._displays))
        self._start(spare, home, args)
        self._prepared = (home, tuple(args))

    def launch(self, home: Path, args: list[str]) -> Settled:
        spare = self._spare
        if self._prepared == (home, tuple(args)) and spare is not None and spare.running and spare.fault is None:
            self._slot, self._spare = spare, self._slot  # the old display becomes the next spare
            self._spare.running = False
            self.launches.append("warm")
        else:
            self.stop_app()
            self._start(self._slot, home, args)
            self.launches.append("cold")
        self._prepared = None
        return self.settle()

    def stop_app(self) -> None:
        self._slot.running = False
        if self._slot.fault is not None and FaultKind(self._slot.fault.kind) not in DISPLAY_FAULTS:
            self._slot.fault = None  # the app's fault went with the app; a dead display stays dead

    def inject_fault(self, kind: FaultKind | str, detail: str = "injected by a test") -> None:
        """Make the episode's app or display fail now, as a crash, an exit or a dead or frozen display would: every
        call that touches the app raises this fault (and ``fault()`` reports it) until the next ``launch``."""
        self._slot.fault = RuntimeFault(kind, detail)
        self._slot.running = False

    def run_in_sandbox(self, argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
        raise NotImplementedError("the fake runner has no sandbox; sandbox probes need the local runner")

    def app_host_uids(self) -> set[int]:
        return set()  # no processes (the audit's rights probe reports an empty set as a problem)

    # --- observe and act --------------------------------------------------------------------------

    def _check(self) -> _Slot:
        slot = self._slot
        if slot.fault is not None:
            raise slot.fault
        if not slot.running:
            raise RuntimeError("the fake app is not running: launch() it first")
        return slot

    def perform(self, action: dict) -> None:
        slot = self._check()
        self.performed.append(action)
        kind, keys = action["type"], tuple(action["keys"])
        fields = ACTION_KINDS[kind].fields  # a type with a position moves the pointer there (to its end, if any)
        if "x" in fields:
            slot.pointer = (action["x2"], action["y2"]) if "x2" in fields else (action["x"], action["y"])
        elif kind is ActionType.TYPE:
            slot.buffer += action["text"]
        elif kind is ActionType.HOTKEY and keys in _TEXT_KEYS:
            slot.buffer += _TEXT_KEYS[keys]
        elif kind is ActionType.HOTKEY and keys == ("backspace",):
            slot.buffer = slot.buffer[:-1]
        elif kind is ActionType.HOTKEY and keys == ("ctrl", "s") and slot.file is not None:
            slot.file.parent.mkdir(parents=True, exist_ok=True)
            slot.file.write_text(slot.buffer)
        elif kind is ActionType.HOTKEY and keys == ("ctrl", "q"):
            slot.running = False
            slot.fault = RuntimeFault(FaultKind.APP_EXITED, "the application exited normally (code 0)")

    def wait(self, seconds: float) -> None:
        """A WAIT: nothing in the editor changes with time, so it takes none (``waited`` adds it up)."""
        self.waited += seconds

    def settle(self) -> Settled:
        return Settled(self.capture(), 0.0, True, 0.0)

    def capture(self) -> np.ndarray:
        """The screen: a grey page with a bar per line of text, a title bar tinted by the file's name and text,
        and the pointer as a red square."""
        slot = self._check()
        frame = np.full((self.height, self.width, 3), 236, np.uint8)
        name = slot.file.name if slot.file is not None else ""
        tint = hashlib.sha256(f"{name}\0{slot.buffer}".encode()).digest()
        frame[:24] = np.frombuffer(tint[:3], np.uint8)
        for row, line in enumerate(slot.buffer.split("\n")[: (self.height - 40) // 12]):
            frame[32 + 12 * row: 40 + 12 * row, 8: 8 + min(len(line) * 7, self.width - 16)] = 40
        x, y = slot.pointer
        frame[max(0, y - 2): y + 3, max(0, x - 2): x + 3] = (220, 0, 0)
        return frame

    def pointer(self) -> tuple[int, int]:
        return self._check().pointer

    def window_titles(self) -> list[str]:
        slot = self._check()
        return [f"{slot.file.name if slot.file is not None else 'Untitled'} - Fake editor"]

    def windows(self) -> list[WindowInfo]:
        """One window, the editor's, covering the screen."""
        return [WindowInfo(title, ("fake-editor", "Fake-editor"), 0, 0, self.width, self.height)
                for title in self.window_titles()]

    def fault(self) -> RuntimeFault | None:
        return self._slot.fault

    def close(self) -> None:
        self._slot.running = False
        self._spare = self._prepared = None
        self._episodes.clear()
        self._finalizer()
