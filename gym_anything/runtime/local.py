"""The local runner: Xvfb + openbox on this machine, the application in a bubblewrap sandbox.

A display *slot* is one Xvfb + openbox + the app, in one cgroup with the env's resource limits (like a container);
the runner has one slot for the episode and, with ``prepare`` (warm reset), a spare. Every X call runs under a
watchdog deadline, so a frozen X server becomes a ``display_unresponsive`` fault instead of a hang.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import numpy as np

from ..specs.model import SettleSpec, SoftwareSpec
from .base import Episode, Runner, RuntimeFault, Settled, WindowInfo
from .capture import ScreenCapture, changed_pixels
from .guardian import guardian, unmount
from .launcher import kill_group, spawn
from .limits import DEFAULT_MEMORY, DEFAULT_PIDS, Limiter, Limits, make_limiter
from .sandbox import Account, bwrap_command, bwrap_path, require_launchable, sandbox_account, sandbox_env
from .watchdog import watchdog
from .xclient import XClient
from .xserver import X11_DIR, XServer

APP_LOG_TAIL = 2000  # characters of the app's output quoted in a fault
X_TIMEOUT = 5.0  # seconds an X server may take to answer before it counts as unresponsive
_MS_NOSUID, _MS_NODEV = 2, 4


def spec_limits(spec: SoftwareSpec) -> Limits:
    """The env's resource limits, with the defaults for what its ``resources:`` block leaves out."""
    r = spec.resources
    return Limits(memory=r.memory or DEFAULT_MEMORY, pids=r.pids or DEFAULT_PIDS, cpus=r.cpus)


def x_server_answers(number: int, timeout: float = 1.0) -> bool:
    """Whether the X server of display ``number`` completes a connection handshake within ``timeout`` s."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(timeout)
        try:
            probe.connect(str(X11_DIR / f"X{number}"))
            probe.sendall(b"l\0\x0b\0\0\0\0\0\0\0\0\0")  # little-endian, protocol 11.0, no authorisation
            return len(probe.recv(8)) > 0
        except OSError:
            return False


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        children = set()
        for parent in frontier:
            for task in Path(f"/proc/{parent}/task").glob("*"):
                with contextlib.suppress(OSError, ValueError):
                    children |= {int(c) for c in (task / "children").read_text().split()}
        frontier = children - found
        found |= frontier
    return found


def _cpu_seconds(pids: set[int]) -> float:
    """User + system CPU time of ``pids`` (whole processes, all their threads, and their children already
    reaped), in seconds."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime (fields 14-17 of proc(5))
    return ticks / CLOCK_TICKS


def _uids(pids: set[int]) -> set[int]:
    """Real, effective and saved uids of ``pids`` (as this process's pid namespace sees them)."""
    uids: set[int] = set()
    for pid in pids:
        with contextlib.suppress(OSError, StopIteration):
            line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("Uid:"))
            uids |= {int(v) for v in line.split()[1:4]}
    return uids


class Display(Protocol):
    """What a slot's display is to the runner: the local XServer, or the Docker runner's container."""

    number: int

    @property
    def name(self) -> str: ...

    def start(self) -> None: ...

    def alive(self) -> bool: ...

    def wm_alive(self) -> bool: ...

    def kill_now(self) -> None: ...

    def stop(self) -> None: ...


class AppProcess(Protocol):
    """What the runner needs of the app's process (a Popen, or the Docker runner's view of one)."""

    pid: int
    returncode: int | None

    def poll(self) -> int | None: ...


class _Resources:
    """Everything a runner owns that must not outlive it (closed by close() or garbage collection)."""

    def __init__(self, workdir: Path, limits: Limits, account: Account | None):
        self.workdir, self.limits, self.account = workdir, limits, account
        self.server: Display | None = None
        self.client: XClient | None = None
        self.capture: ScreenCapture | None = None
        self.app: AppProcess | None = None
        self.limiter: Limiter | None = None  # the slot's cgroup: display, window manager and app
        self.oom_base = 0  # the slot's OOM-kill count when the app started
        self.spare: _Resources | None = None  # a second display where prepare() starts the next episode's app
        self.prepared: tuple[Path, list[str]] | None = None  # (home, args) of the app started on the spare
        self.episodes: list[Episode] = []
        self.mounts: set[Path] = set()  # episode HOMEs that are tmpfs mounts

    def swap_spare(self) -> None:
        """The spare display becomes the runner's, and the runner's the spare."""
        spare = self.spare
        assert spare is not None
        for name in ("server", "client", "capture", "app", "limiter", "oom_base"):
            mine, theirs = getattr(self, name), getattr(spare, name)
            setattr(self, name, theirs)
            setattr(spare, name, mine)

    def stop_app(self) -> None:
        app = self.app
        kill_group(app if isinstance(app, subprocess.Popen) else None)
        self.app = None

    def stop_display(self) -> None:
        self.stop_app()
        self.disconnect()
        if self.server is not None:
            self.server.stop()
        self.server = None
        if self.limiter is not None:
            self.limiter.close()  # whatever is left in the slot (e.g. an app's orphaned helper) and the cgroup
        self.limiter = None

    def disconnect(self) -> None:
        """Close our own X connections (input and capture)."""
        for part in (self.capture, self.client):
            if part is not None:
                with contextlib.suppress(Exception):  # the server may be gone already
                    part.close()
        self.capture = self.client = None

    def discard_episodes(self, keep: Episode | None = None) -> None:
        for episode in [e for e in self.episodes if e != keep]:
            if episode.home in self.mounts:
                unmount(str(episode.home))
                self.mounts.discard(episode.home)
            shutil.rmtree(episode.home, ignore_errors=True)
            shutil.rmtree(episode.folder, ignore_errors=True)
            self.episodes.remove(episode)

    def close(self) -> None:
        if self.spare is not None:
            self.spare.stop_display()
        self.spare = self.prepared = None
        self.stop_display()
        self.discard_episodes()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _stop_app_and_windows(res: _Resources) -> None:
    """Stop the app, then wait for the window manager to drop its windows so the next launch starts clean."""
    res.stop_app()
    if res.client is not None:
        deadline = time.monotonic() + 2
        with contextlib.suppress(Exception):
            while res.client.windows() and time.monotonic() < deadline:
                time.sleep(0.002)


def _mount_tmpfs(path: Path, size: int) -> bool:
    """Mount a size-limited tmpfs at ``path`` (root only); False where mounting is not allowed."""
    if os.geteuid() != 0:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    options = f"size={size},mode=0700".encode()
    return libc.mount(b"tmpfs", os.fsencode(path), b"tmpfs", _MS_NOSUID | _MS_NODEV, options) == 0


class LocalRunner(Runner):
    """One display and one sandboxed application on the local machine (plus a spare display for prepare())."""

    def __init__(self, spec: SoftwareSpec, hidden_paths: list[Path]):
        bwrap_path()  # fail early and clearly when the sandbox tool is missing
        require_launchable(spec)
        account = sandbox_account()
        workdir = Path(tempfile.mkdtemp(prefix=f"{spec.id}-", dir=guardian().scratch))
        os.chmod(workdir, 0o711)  # the sandbox account reaches its openbox folder; private folders stay 0700
        self._init_state(spec, hidden_paths, _Resources(workdir, spec_limits(spec), account))
        self._start_display()

    def _init_state(self, spec: SoftwareSpec, hidden_paths: list[Path], resources: _Resources) -> None:
        self.spec = spec
        self.width, self.height = spec.resolution
        self.settle_spec: SettleSpec = spec.settle
        self.hidden_paths = hidden_paths
        self._res = resources
        self._finalizer = weakref.finalize(self, resources.close)
        self._last_raw: np.ndarray | None = None  # the last settled screen (raw), what the next one is compared to
        self._marked = False  # perform() started a drawing record for the next settle
        self._anchor = 0.0  # when the input (or the ready window) the next settle waits for happened
        self._home: Path | None = None
        self._app_log = resources.workdir / "app.log"
        self._spare_log = resources.workdir / "app-spare.log"
        self._episode_ids = itertools.count(1)
        self._unresponsive: str | None = None  # why the watchdog gave up on the display, until it is restarted
        scratch = guardian().scratch
        self._homes = scratch / "homes"
        self._homes.mkdir(mode=0o711, exist_ok=True)

    @property
    def workdir(self) -> Path:
        return self._res.workdir

    @property
    def limits(self) -> Limits:
        return self._res.limits

    @property
    def limiter(self) -> Limiter | None:
        """The current slot's limiter (harness and tests: ``limiter.kind``, ``limiter.enforced``)."""
        return self._res.limiter

    @property
    def display_name(self) -> str:
        assert self._res.server is not None
        return self._res.server.name

    @property
    def app_pid(self) -> int | None:
        return self._res.app.pid if self._res.app else None

    @property
    def server(self) -> Display | None:
        return self._res.server

    # --- episodes ---------------------------------------------------------------------------------

    def new_episode(self) -> Episode:
        """Folders for one episode: its privileged folder under the runner's (root-only) workdir, and a HOME
        elsewhere under a random name (the sandbox's mount table shows nothing of the host's layout); as root
        the HOME is a tmpfs of the memory limit's size, so the app cannot fill the host's disk."""
        res = self._res
        folder = res.workdir / f"episode-{next(self._episode_ids)}"
        folder.mkdir(mode=0o700)
        private = folder / "private"
        private.mkdir(mode=0o700)
        home = self._homes / secrets.token_hex(8)
        home.mkdir(mode=0o700)
        if _mount_tmpfs(home, res.limits.memory):
            res.mounts.add(home)
        episode = Episode(folder, home, private)
        res.episodes.append(episode)
        return episode

    def discard_episodes(self, keep: Episode | None = None) -> None:
        self._res.discard_episodes(keep)

    def _hand_over(self, home: Path) -> None:
        """Give the HOME the setup wrote (as root) to the sandbox account."""
        account = self._res.account
        if account is None:
            return
        for root, dirs, files in os.walk(home):
            for name in (root, *(os.path.join(root, n) for n in dirs + files)):
                os.lchown(name, account.uid, account.gid)

    # --- displays ---------------------------------------------------------------------------------

    def _start_display(self, res: _Resources | None = None) -> None:
        """(Re)start the runner's display, or ``res``'s (the spare), in a new slot cgroup."""
        res = res or self._res
        res.stop_display()
        if res is self._res:
            self._unresponsive = None
        res.limiter = self._new_limiter(res)
        server = self._new_display(res)
        res.server = server
        server.start()
        res.client = XClient(server.name)
        deadline = time.monotonic() + 10
        while not res.client.wm_ready():
            if time.monotonic() > deadline or not server.wm_alive():
                raise RuntimeFault("display_failed", "the window manager did not start")
            time.sleep(0.002)
        res.capture = ScreenCapture(server.name, self.width, self.height)

    def _new_limiter(self, res: _Resources) -> Limiter:
        return make_limiter(res.limits, f"{guardian().token}-{secrets.token_hex(4)}", guardian().cgroup_record)

    def _new_display(self, res: _Resources) -> Display:
        assert res.limiter is not None
        return XServer(self.width, self.height, res.workdir, res.limiter, res.account)

    def _display_ok(self, res: _Resources) -> bool:
        unresponsive = res is self._res and self._unresponsive is not None
        return res.server is not None and res.server.alive() and res.server.wm_alive() and not unresponsive

    # --- application ------------------------------------------------------------------------------

    def launch(self, home: Path, args: list[str]) -> Settled:
        """Start the app (or swap in the one prepare() started for the same home and args), wait for its
        window and settle."""
        spare = self._res.spare
        if self._res.prepared == (home, list(args)) and spare is not None and spare.app is not None \
                and spare.app.poll() is None and self._display_ok(spare):
            # Warm start: the prepared display becomes the episode's; the old one is the next spare.
            self._res.prepared = None
            self._res.swap_spare()
            self._unresponsive = None
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
        with self._x_call(ready.timeout + X_TIMEOUT):
            deadline = time.monotonic() + ready.timeout
            while (window := client.find_window(ready.window_class, ready.title_regex)) is None:
                fault = self.fault()
                if fault is not None:
                    raise fault
                if time.monotonic() > deadline:
                    raise RuntimeFault("app_not_ready", f"no window of class '{ready.window_class}' after "
                                       f"{ready.timeout}s; app output: {self.app_output()}")
                time.sleep(0.005)
        self._last_raw = None
        self._anchor = time.monotonic()
        self._marked = False
        settled = self.settle(quiet=max(self.settle_spec.quiet, 0.1), first_paint=ready.first_paint)
        # The ready window starts in front and focused, also when an env runs several programs and another one
        # took the focus late (openbox's focus-stealing prevention keeps a later window behind once the display
        # has seen input; an app may present itself once it has loaded its file).
        # A window of the ready app's own class in front (its dialog) stays.
        wanted = ready.window_class.lower()
        for _ in range(3):
            with self._x_call(X_TIMEOUT):
                active = client.active_window()
                classes = next((w.wm_class for w in client.windows() if w.id == active), ())
                if wanted in (c.lower() for c in classes):
                    break
                client.activate(window.id)
            settled = self.settle(quiet=max(self.settle_spec.quiet, 0.1))
        return settled

    def _start_app(self, home: Path, argv: list[str]) -> None:
        """Start ``argv`` sandboxed with ``home`` as HOME on a live display (restarted if it died or froze)."""
        if not self._display_ok(self._res):
            self._start_display()
        self._popen_app(self._res, home, argv, self._app_log)

    def _popen_app(self, res: _Resources, home: Path, argv: list[str], log_path: Path) -> None:
        server, client, limiter = res.server, res.client, res.limiter
        assert server is not None and client is not None and limiter is not None
        with self._x_call(X_TIMEOUT, res):
            client.release_all()  # a button or key the last episode left down would swallow this one's input
            client.move(self.width // 2, self.height // 2)  # the pointer where a fresh display has it
            client.d.sync()
        self._hand_over(home)
        env = sandbox_env(server.number, self.spec.env)
        with bwrap_command(argv, home, server.number, env, self.hidden_paths) as (command, fds), \
                open(log_path, "wb") as log:
            res.app = spawn(command, limiter, res.account, clean_env=True, stdout=log, pass_fds=fds)
        res.oom_base = limiter.oom_kills()

    def start_command(self, home: Path, argv: list[str]) -> None:
        """Start ``argv`` (any command, not the spec's ``launch``) sandboxed with ``home`` as HOME and return at
        once, without waiting for a window: the caller watches :meth:`windows` (``gym-anything create``)."""
        self.stop_app()
        self._home = home
        self._start_app(home, list(argv))
        self._last_raw = None
        self._anchor = time.monotonic()

    def request_close(self) -> None:
        """Ask every top-level window to close (``WM_DELETE_WINDOW``), as a user would: apps save their settings."""
        client, _ = self._checked()
        with self._x_call(X_TIMEOUT):
            for window in client.windows():
                client.request_close(window.id)

    def prepare(self, home: Path, args: list[str]) -> None:
        """Start the app for a later ``launch(home, args)`` on a spare display (warm reset).

        May run in a background thread while the current episode steps: it only touches the spare display.
        """
        self._res.prepared = None
        spare = self._res.spare = self._res.spare or _Resources(self._res.workdir, self._res.limits,
                                                                 self._res.account)
        if not self._display_ok(spare):
            self._start_display(spare)
        else:
            _stop_app_and_windows(spare)
        self._popen_app(spare, home, list(self.spec.launch) + args, self._spare_log)
        self._res.prepared = (home, list(args))

    def run_in_sandbox(self, argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
        """Run a command in the same sandbox the app gets (same HOME, display, rights, limits); for audits."""
        assert self._res.server is not None and self._home is not None, "launch() the app first"
        return self._run_sandboxed(self._home, argv, timeout, {})

    def build_home(self, home: Path, argv: list[str], timeout: float) -> subprocess.CompletedProcess:
        """Run a ``home_build`` command in the app's sandbox (its environment, display, rights and limits) with
        ``home`` as HOME, to its end or ``timeout``; the servers it started are stopped with it."""
        if not self._display_ok(self._res):
            self._start_display()
        self._hand_over(home)
        return self._run_sandboxed(home, argv, timeout, self.spec.env)

    def _run_sandboxed(self, home: Path, argv: list[str], timeout: float, extra_env: dict[str, str]
                       ) -> subprocess.CompletedProcess:
        res = self._res
        server = res.server
        assert server is not None and res.limiter is not None
        env = sandbox_env(server.number, extra_env)
        with bwrap_command(argv, home, server.number, env, self.hidden_paths) as (command, fds), \
                tempfile.TemporaryFile(dir=res.workdir) as out, tempfile.TemporaryFile(dir=res.workdir) as err:
            proc = spawn(command, res.limiter, res.account, clean_env=True, stdout=out, stderr=err, pass_fds=fds)
            timed_out = False
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                kill_group(proc, grace=0.1)
            out.seek(0)
            err.seek(0)
            stderr = err.read().decode(errors="replace")
            if timed_out:
                stderr += f"\n[killed after {timeout:g} s]"
            return subprocess.CompletedProcess(argv, -9 if timed_out else proc.returncode,
                                               out.read().decode(errors="replace"), stderr)

    def app_cpu_seconds(self) -> float | None:
        app = self._res.app
        return None if app is None else _cpu_seconds(_descendants(app.pid) | {app.pid})

    def app_host_uids(self) -> set[int]:
        """Host uids of the sandbox's processes: everything below the app's launcher (which is the driver's)."""
        app = self._res.app
        return _uids(_descendants(app.pid)) if app is not None else set()

    def stop_app(self) -> None:
        if self.fault() is None:
            with self._x_call(X_TIMEOUT):
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

    def _freeze(self, res: _Resources) -> None:
        """The watchdog's verdict: the display does not answer. Kill its X server, which closes every connection
        to it, so blocked calls return; the next launch starts a new display. (Runs in the watchdog thread.)"""
        if res is self._res:
            self._unresponsive = f"the X server did not answer for more than {X_TIMEOUT:.0f}s"
        if res.server is not None:
            res.server.kill_now()

    @contextlib.contextmanager
    def _x_call(self, seconds: float, res: _Resources | None = None) -> Iterator[None]:
        """A block of X calls: bounded by a watchdog deadline (extended while the server still answers a
        handshake), with X/XShm failures turned into the fault that caused them."""
        res = res or self._res
        number = res.server.number if res.server is not None else -1
        with watchdog.deadline(seconds, lambda: x_server_answers(number), lambda: self._freeze(res)) as deadline:
            try:
                yield
            except RuntimeFault:
                if deadline.expired and res is self._res:
                    raise self.fault() or RuntimeFault("display_unresponsive",
                                                       "the X server stopped answering") from None
                raise
            except Exception as exc:  # noqa: BLE001 - Xlib/mss raise many types when the server dies
                if res is not self._res:
                    raise RuntimeFault("display_error", f"{type(exc).__name__}: {exc}") from exc
                wait_until = time.monotonic() + 2
                while self.fault() is None and time.monotonic() < wait_until:
                    time.sleep(0.01)
                raise self.fault() or RuntimeFault("display_error", f"{type(exc).__name__}: {exc}") from exc

    def capture(self) -> np.ndarray:
        _, capture = self._checked()
        with self._x_call(X_TIMEOUT):
            return capture.to_rgb(capture.grab_raw())

    def perform(self, action: dict) -> None:
        client, _ = self._checked()
        with self._x_call(X_TIMEOUT):
            client.mark_drawing(self.settle_spec.changed_pixels)
            self._marked = True
            client.perform(action)
            self._anchor = time.monotonic()

    def settle(self, quiet: float | None = None, first_paint: float = 0.0) -> Settled:
        """Wait until the app processed the input and its drawing left the screen unchanged for ``quiet`` s.

        1. ping the app's windows (``_NET_WM_PING``): once they answer, the input has been read;
        2. wait for drawing, reported by the X DAMAGE extension (no screenshots while nothing is drawn);
           drawing larger than ``changed_pixels`` is checked with one grab: if it changed more than
           ``changed_pixels`` pixels since the last change, the ``quiet`` window restarts;
        3. after ``quiet`` s without such a change, ping again: an app that drew or was busy meanwhile goes
           back to step 2;
        4. the frame: the last grab if nothing was drawn since, else a new one. Bounded by the settle
           ``timeout``. ``Settled.redraw`` is the app's own drawing time (first to last change).
        5. ``settle.linger`` (apps that redraw from timers after they answered, e.g. Gnumeric's 200 ms status-bar
           and toolbar updates): until ``linger`` s after the last input (or the ready window of a launch),
           significant drawing sends the loop back to step 2 (same ``timeout``). A WAIT long after the input
           costs nothing more.
        6. ``first_paint`` (a launch, ``ready.first_paint``): until that many seconds after the ready window, a
           screen that has not changed significantly since the first grab waits for drawing (an empty window whose
           content is painted later is not the first frame); the first such change ends the wait.
        """
        with self._x_call(self.settle_spec.timeout + X_TIMEOUT):
            start = time.monotonic()
            anchor = self._anchor  # the last input, or the ready window of a launch
            deadline = start + self.settle_spec.timeout
            changes: list[float] = []  # when the screen changed, over every round
            settled = self._settle(quiet, start, deadline, changes)
            client = self._res.client
            assert client is not None
            paint_until = min(anchor + first_paint, deadline)
            painted = min(len(changes), 1) + 1  # one significant change after the first grab (itself a change)
            while len(changes) < painted and time.monotonic() < paint_until:
                if not client.wait_for_drawing(paint_until):
                    break
                self._marked = True
                settled = self._settle(quiet, start, deadline, changes, drew_already=True)
            linger_until = min(anchor + self.settle_spec.linger, deadline)
            while time.monotonic() < linger_until:
                if not client.wait_for_drawing(linger_until):
                    break
                self._marked = True  # the drawing belongs to this settle's record
                settled = self._settle(quiet, start, deadline, changes, drew_already=True)
            return settled

    def _settle(self, quiet: float | None, start: float, deadline: float, changes: list[float],
                drew_already: bool = False) -> Settled:
        client, capture = self._checked()
        spec = self.settle_spec
        quiet = spec.quiet if quiet is None else quiet
        if not self._marked:  # no input (launch, WAIT): measure drawing from now
            client.mark_drawing(spec.changed_pixels)
        self._marked = False
        client.sync_apps(timeout=max(0.05, deadline - start))
        baseline = self._last_raw  # the screen at the last change
        latest, latest_batches = None, -1  # the last grab, and how much drawing had been read then
        since, stable, drew = time.monotonic(), False, drew_already
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
        with self._x_call(X_TIMEOUT):
            return [w.title for w in client.windows()]

    def windows(self) -> list[WindowInfo]:
        """The top-level client windows on the display: title, WM_CLASS and screen box of each."""
        client, _ = self._checked()
        found = []
        with self._x_call(X_TIMEOUT):
            for win in client.windows():
                box = client.geometry(win.id)
                if box is not None:
                    found.append(WindowInfo(win.title, win.wm_class, *box))
        return found

    def pointer(self) -> tuple[int, int]:
        client, _ = self._checked()
        with self._x_call(X_TIMEOUT):
            return client.pointer()

    def fault(self) -> RuntimeFault | None:
        if self._unresponsive is not None:
            return RuntimeFault("display_unresponsive", self._unresponsive)
        server = self._res.server
        if server is None or not server.alive():
            return RuntimeFault("display_died", "the X server (Xvfb) is not running")
        if not server.wm_alive():
            return RuntimeFault("display_died", "the window manager (openbox) is not running")
        app = self._res.app
        code = app.poll() if app is not None else None
        if code is not None:
            return self._app_fault(code)
        return None

    def _app_fault(self, code: int) -> RuntimeFault:
        limiter = self._res.limiter
        output = self.app_output()
        if limiter is not None and limiter.oom_kills() > self._res.oom_base:
            return RuntimeFault("app_out_of_memory", f"the application exceeded the memory limit of "
                                f"{self._res.limits.memory // 2**20} MiB and was killed; output: {output}")
        if code == 0:
            return RuntimeFault("app_exited", f"the application exited normally (code 0); output: {output}")
        number = -code if code < 0 else code - 128 if code > 128 else 0
        try:
            how = f"was killed by {signal.Signals(number).name}" if number else f"exited with code {code}"
        except ValueError:
            how = f"exited with code {code}"
        return RuntimeFault("app_crashed", f"the application {how}; output: {output}")

    def release_inputs(self) -> None:
        """Release every held button and key on the episode's display (close() and every launch do this)."""
        client = self._res.client
        if client is not None and self.fault() is None:
            with contextlib.suppress(RuntimeFault), self._x_call(X_TIMEOUT):
                client.release_all()

    def close(self) -> None:
        with contextlib.suppress(Exception):  # best effort: the display may be gone
            self.release_inputs()
        self._finalizer()
