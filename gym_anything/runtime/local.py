"""The local runner: Xvfb + openbox on this machine, the application in a bubblewrap sandbox."""

from __future__ import annotations

import contextlib
import shutil
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
        self.stop_display()
        shutil.rmtree(self.workdir, ignore_errors=True)


class LocalRunner(Runner):
    """One display and one sandboxed application on the local machine."""

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
        self._last_raw: np.ndarray | None = None
        self._home: Path | None = None
        self._app_log = resources.workdir / "app.log"

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

    def _start_display(self) -> None:
        self._res.stop_display()
        server = self._new_display()
        self._res.server = server
        server.start()
        self._res.client = XClient(server.name)
        deadline = time.monotonic() + 10
        while not self._res.client.wm_ready():
            if time.monotonic() > deadline or not server.wm_alive():
                raise RuntimeFault("display_failed", "the window manager did not start")
            time.sleep(0.002)
        self._res.capture = ScreenCapture(server.name, self.width, self.height)

    def _new_display(self) -> XServer:
        return XServer(self.width, self.height, self._res.workdir)

    # --- application ------------------------------------------------------------------------------

    def launch(self, home: Path, args: list[str]) -> Settled:
        self.stop_app()
        self._home = home
        self._start_app(home, list(self.spec.launch) + args)
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
        server = self._res.server
        assert server is not None
        cmd = sandbox_command(argv, home, server.number, sandbox_env(server.number, self.spec.env), self.hidden_paths)
        with open(self._app_log, "wb") as log:
            self._res.app = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                             start_new_session=True, env=owner_env())

    def run_in_sandbox(self, argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
        """Run a command in the same sandbox the app gets (same HOME, display, hidden paths); for audits."""
        server = self._res.server
        assert server is not None and self._home is not None, "launch() the app first"
        cmd = sandbox_command(argv, self._home, server.number, sandbox_env(server.number, {}), self.hidden_paths)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)

    def stop_app(self) -> None:
        self._res.stop_app()
        if self._res.client is not None and self.fault() is None:
            # Wait for the window manager to drop the dead app's windows so the next launch starts clean.
            deadline = time.monotonic() + 2
            with contextlib.suppress(Exception):
                while self._res.client.windows() and time.monotonic() < deadline:
                    time.sleep(0.002)

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
            client.perform(action)

    def settle(self, quiet: float | None = None) -> Settled:
        """Wait until the app answered a ping and the screen stayed the same for ``quiet`` seconds."""
        with self._x_errors_as_faults():
            return self._settle(quiet)

    def _settle(self, quiet: float | None) -> Settled:
        client, capture = self._checked()
        spec = self.settle_spec
        quiet = spec.quiet if quiet is None else quiet
        start = time.monotonic()
        deadline = start + spec.timeout
        stable_since: float | None = None
        previous = self._last_raw
        while True:
            client.sync_apps(timeout=max(0.05, deadline - time.monotonic()))
            raw = capture.grab_raw()
            now = time.monotonic()
            if previous is not None and changed_pixels(raw, previous) <= spec.changed_pixels:
                stable_since = stable_since or now
                if now - stable_since >= quiet:
                    self._last_raw = raw
                    return Settled(capture.to_rgb(raw), now - start, True)
            else:
                stable_since = None
                previous = raw
            if now >= deadline:
                self._last_raw = raw
                return Settled(capture.to_rgb(raw), now - start, False)
            fault = self.fault()
            if fault is not None:
                raise fault
            time.sleep(0.003)

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
