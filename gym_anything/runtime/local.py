"""The local runner: Xvfb + openbox on this machine, the application in a bubblewrap sandbox."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..specs import EnvSpec, SettleSpec
from .base import Runner, RuntimeFault, Settled
from .capture import ScreenCapture, changed_pixels
from .sandbox import bwrap_path, sandbox_command, sandbox_env
from .xclient import XClient
from .xserver import XServer, kill_group, owner_env

APP_LOG_TAIL = 2000  # characters of the app's output quoted in a fault


class _Resources:
    """Everything a runner owns that must not outlive it (closed by close() or garbage collection)."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.server: XServer | None = None
        self.client: XClient | None = None
        self.capture: ScreenCapture | None = None
        self.app: subprocess.Popen | None = None
        self.spare: _Resources | None = None  # a second display where prepare() starts the next episode's app
        self.prepared: tuple[Path, list[str]] | None = None  # (home, args) of the app started on the spare

    def swap_spare(self) -> None:
        """The spare display becomes the runner's, and the runner's the spare."""
        spare = self.spare
        assert spare is not None
        for name in ("server", "client", "capture", "app"):
            mine, theirs = getattr(self, name), getattr(spare, name)
            setattr(self, name, theirs)
            setattr(spare, name, mine)

    def stop_app(self) -> None:
        kill_group(self.app)
        self.app = None

    def stop_display(self) -> None:
        self.stop_app()
        self.disconnect()
        if self.server is not None:
            self.server.stop()
        self.server = None

    def disconnect(self) -> None:
        """Close our own X connections (input and capture)."""
        for part in (self.capture, self.client):
            if part is not None:
                with contextlib.suppress(Exception):  # the server may be gone already
                    part.close()
        self.capture = self.client = None

    def close(self) -> None:
        if self.spare is not None:
            self.spare.stop_display()
        self.spare = self.prepared = None
        self.stop_display()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _stop_app_and_windows(res: _Resources) -> None:
    """Stop the app, then wait for the window manager to drop its windows so the next launch starts clean."""
    res.stop_app()
    if res.client is not None:
        deadline = time.monotonic() + 2
        with contextlib.suppress(Exception):
            while res.client.windows() and time.monotonic() < deadline:
                time.sleep(0.002)


class LocalRunner(Runner):
    """One display and one sandboxed application on the local machine (plus a spare display for prepare())."""

    def __init__(self, spec: EnvSpec, hidden_paths: list[Path]):
        bwrap_path()  # fail early and clearly when the sandbox tool is missing
        self._init_state(spec, hidden_paths, _Resources(Path(tempfile.mkdtemp(prefix=f"gym-anything-{spec.id}-"))))
        self._start_display()

    def _init_state(self, spec: EnvSpec, hidden_paths: list[Path], resources: _Resources) -> None:
        self.spec = spec
        self.width, self.height = spec.resolution
        self.settle_spec: SettleSpec = spec.settle
        self.hidden_paths = hidden_paths
        self._res = resources
        self._finalizer = weakref.finalize(self, resources.close)
        self._last_raw: np.ndarray | None = None  # the last settled screen (raw), what the next one is compared to
        self._marked = False  # perform() started a drawing record for the next settle
        self._home: Path | None = None
        self._app_log = resources.workdir / "app.log"
        self._spare_log = resources.workdir / "app-spare.log"

    @property
    def workdir(self) -> Path:
        return self._res.workdir

    @property
    def display_name(self) -> str:
        assert self._res.server is not None
        return self._res.server.name

    @property
    def app_pid(self) -> int | None:
        return self._res.app.pid if self._res.app else None

    @property
    def server(self) -> XServer | None:
        return self._res.server

    def _start_display(self, res: _Resources | None = None) -> None:
        """(Re)start the runner's display, or ``res``'s (the spare)."""
        res = res or self._res
        res.stop_display()
        server = self._new_display()
        res.server = server
        server.start()
        res.client = XClient(server.name)
        deadline = time.monotonic() + 10
        while not res.client.wm_ready():
            if time.monotonic() > deadline or not server.wm_alive():
                raise RuntimeFault("display_failed", "the window manager did not start")
            time.sleep(0.002)
        res.capture = ScreenCapture(server.name, self.width, self.height)

    def _new_display(self) -> XServer:
        return XServer(self.width, self.height, self._res.workdir)

    # --- application ------------------------------------------------------------------------------

    def launch(self, home: Path, args: list[str]) -> Settled:
        """Start the app (or swap in the one prepare() started for the same home and args), wait for its
        window and settle."""
        spare = self._res.spare
        if self._res.prepared == (home, list(args)) and spare is not None and spare.app is not None \
                and spare.app.poll() is None and spare.server is not None and spare.server.alive() \
                and spare.server.wm_alive():
            # Warm start: the prepared display becomes the episode's; the old one is the next spare.
            self._res.prepared = None
            self._res.swap_spare()
            self._app_log, self._spare_log = self._spare_log, self._app_log
            if spare.app is not None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(spare.app.pid, signal.SIGKILL)  # reaped by the next prepare() or close()
        else:
            self.stop_app()
            self._home = home
            self._start_app(home, list(self.spec.launch) + args)
        self._home = home
        self._marked = False
        client = self._res.client
        assert client is not None
        ready = self.spec.ready
        deadline = time.monotonic() + ready.timeout
        while client.find_window(ready.window_class, ready.title_regex) is None:
            fault = self.fault()
            if fault is not None:
                raise fault
            if time.monotonic() > deadline:
                raise RuntimeFault("app_not_ready", f"no window of class '{ready.window_class}' after "
                                   f"{ready.timeout}s; app output: {self.app_output()}")
            time.sleep(0.005)
        self._last_raw = None
        return self.settle(quiet=max(self.settle_spec.quiet, 0.1))

    def _start_app(self, home: Path, argv: list[str]) -> None:
        """Start ``argv`` sandboxed with ``home`` as HOME on a live display (restarted if it died)."""
        if self._res.server is None or not self._res.server.alive() or not self._res.server.wm_alive():
            self._start_display()
        self._popen_app(self._res, home, argv, self._app_log)

    def _popen_app(self, res: _Resources, home: Path, argv: list[str], log_path: Path) -> None:
        server, client = res.server, res.client
        assert server is not None and client is not None
        client.move(self.width // 2, self.height // 2)  # the pointer where a fresh display has it
        client.d.sync()
        cmd = sandbox_command(argv, home, server.number, sandbox_env(server.number, self.spec.env), self.hidden_paths)
        with open(log_path, "wb") as log:
            res.app = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True, env=owner_env())

    def prepare(self, home: Path, args: list[str]) -> None:
        """Start the app for a later ``launch(home, args)`` on a spare display (warm reset).

        May run in a background thread while the current episode steps: it only touches the spare display.
        """
        self._res.prepared = None
        spare = self._res.spare = self._res.spare or _Resources(self._res.workdir)
        if spare.server is None or not spare.server.alive() or not spare.server.wm_alive():
            self._start_display(spare)
        else:
            _stop_app_and_windows(spare)
        self._popen_app(spare, home, list(self.spec.launch) + args, self._spare_log)
        self._res.prepared = (home, list(args))

    def run_in_sandbox(self, argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
        """Run a command in the same sandbox the app gets (same HOME, display, hidden paths); for audits."""
        server = self._res.server
        assert server is not None and self._home is not None, "launch() the app first"
        cmd = sandbox_command(argv, self._home, server.number, sandbox_env(server.number, {}), self.hidden_paths)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)

    def stop_app(self) -> None:
        if self.fault() is None:
            _stop_app_and_windows(self._res)
        else:
            self._res.stop_app()

    def app_output(self) -> str:
        try:
            text = self._app_log.read_text(errors="replace")
        except OSError:
            return ""
        return text[-APP_LOG_TAIL:]

    # --- observe and act --------------------------------------------------------------------------

    def _checked(self) -> tuple[XClient, ScreenCapture]:
        fault = self.fault()
        if fault is not None:
            raise fault
        assert self._res.client is not None and self._res.capture is not None
        return self._res.client, self._res.capture

    @contextlib.contextmanager
    def _x_errors_as_faults(self) -> Iterator[None]:
        """Turn a failure talking to the display (X or XShm errors) into the fault that caused it."""
        try:
            yield
        except RuntimeFault:
            raise
        except Exception as exc:  # noqa: BLE001 - Xlib/mss raise many types when the server dies
            deadline = time.monotonic() + 2
            while self.fault() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            raise self.fault() or RuntimeFault("display_error", f"{type(exc).__name__}: {exc}") from exc

    def capture(self) -> np.ndarray:
        _, capture = self._checked()
        with self._x_errors_as_faults():
            return capture.to_rgb(capture.grab_raw())

    def perform(self, action: dict) -> None:
        client, _ = self._checked()
        with self._x_errors_as_faults():
            client.mark_drawing(self.settle_spec.changed_pixels)
            self._marked = True
            client.perform(action)

    def settle(self, quiet: float | None = None) -> Settled:
        """Wait until the app processed the input and its drawing left the screen unchanged for ``quiet`` s.

        1. ping the app's windows (``_NET_WM_PING``): once they answer, the input has been read;
        2. wait for drawing, reported by the X DAMAGE extension (no screenshots while nothing is drawn);
           drawing larger than ``changed_pixels`` is checked with one grab: if it changed more than
           ``changed_pixels`` pixels since the last change, the ``quiet`` window restarts;
        3. after ``quiet`` s without such a change, ping again: an app that drew or was busy meanwhile goes
           back to step 2;
        4. the frame: the last grab if nothing was drawn since, else a new one. Bounded by the settle
           ``timeout``. ``Settled.redraw`` is the app's own drawing time (first to last change).
        """
        with self._x_errors_as_faults():
            return self._settle(quiet)

    def _settle(self, quiet: float | None) -> Settled:
        client, capture = self._checked()
        spec = self.settle_spec
        quiet = spec.quiet if quiet is None else quiet
        start = time.monotonic()
        deadline = start + spec.timeout
        if not self._marked:  # no input (launch, WAIT): measure drawing from now
            client.mark_drawing(spec.changed_pixels)
        self._marked = False
        client.sync_apps(timeout=max(0.05, deadline - start))
        baseline = self._last_raw  # the screen at the last change
        latest, latest_batches = None, -1  # the last grab, and how much drawing had been read then
        changes: list[float] = []
        since, stable, drew = time.monotonic(), False, False
        while self.fault() is None:
            if drew or client.wait_for_drawing(min(since + quiet, deadline)):
                drew = False
                latest, latest_batches = capture.grab_raw(), client.drawing.batches
                if baseline is None or changed_pixels(latest, baseline) > spec.changed_pixels:
                    baseline, since = latest, time.monotonic()
                    changes.append(since)
                if time.monotonic() >= deadline:
                    break
                continue
            if time.monotonic() >= deadline:
                break
            drawn, pinged = client.drawing.count, time.monotonic()
            answered = client.sync_apps(timeout=max(0.05, deadline - pinged))
            drew = client.drawing.count != drawn
            if answered and not drew and time.monotonic() - pinged < quiet:
                stable = True
                break
            if not drew:
                since = time.monotonic()  # it was busy: give it another quiet window
        fault = self.fault()
        if fault is not None:
            raise fault
        if latest is None or client.drawing.batches != latest_batches:
            latest = capture.grab_raw()
        self._last_raw = latest
        redraw = changes[-1] - changes[0] if changes else 0.0
        return Settled(capture.to_rgb(latest), time.monotonic() - start, stable, redraw)

    def window_titles(self) -> list[str]:
        client, _ = self._checked()
        with self._x_errors_as_faults():
            return [w.title for w in client.windows()]

    def pointer(self) -> tuple[int, int]:
        client, _ = self._checked()
        with self._x_errors_as_faults():
            return client.pointer()

    def fault(self) -> RuntimeFault | None:
        server = self._res.server
        if server is None or not server.alive():
            return RuntimeFault("display_died", "the X server (Xvfb) is not running")
        if not server.wm_alive():
            return RuntimeFault("display_died", "the window manager (openbox) is not running")
        app = self._res.app
        if app is not None and app.poll() is not None:
            return RuntimeFault("app_crashed", f"the application exited with code {app.returncode}; "
                                f"output: {self.app_output()}")
        return None

    def close(self) -> None:
        self._finalizer()
