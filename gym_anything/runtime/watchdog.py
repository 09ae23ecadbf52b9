"""Deadlines for calls that talk to an X server: a frozen server must not block ``env.step`` forever.

X round trips (python-xlib replies, mss/XCB screenshots) wait on the connection's socket without a time limit.
``Watchdog.deadline(seconds, probe, on_expire)`` arms a deadline around a block of such calls; one daemon thread
per process checks the armed deadlines every ``TICK`` seconds. When one has passed, ``probe()`` asks the server
directly (a fresh connection's handshake, with its own short time limit): a server that answers is only slow (or
the block waits on the app), so the deadline is extended; otherwise ``on_expire`` is called. The runner's
``on_expire`` kills the X server (SIGKILL works on a stopped process too): every connection to it
closes, so each blocked call returns at once with a connection error, and the caller learns from
``Deadline.expired`` that the display was unresponsive rather than dead.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from collections.abc import Callable, Iterator

TICK = 0.25  # seconds between checks: a deadline fires at most this late


class Deadline:
    def __init__(self, seconds: float, probe: Callable[[], bool], on_expire: Callable[[], None]):
        self.at = time.monotonic() + seconds
        self.seconds = seconds
        self.probe, self.on_expire = probe, on_expire
        self.expired = False


class Watchdog:
    """One thread per process for every armed deadline (arming costs a dict insert under a lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: dict[int, Deadline] = {}
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()  # set when a deadline is armed: the thread sleeps while none is

    @contextlib.contextmanager
    def deadline(self, seconds: float, probe: Callable[[], bool],
                 on_expire: Callable[[], None]) -> Iterator[Deadline]:
        """Arm a deadline of ``seconds``: if the block is still running then and ``probe()`` is False,
        ``on_expire()`` is called (both from the watchdog's thread: quick and thread-safe)."""
        entry = Deadline(seconds, probe, on_expire)
        key = next(self._ids)
        with self._lock:
            self._armed[key] = entry
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="gym-anything-watchdog", daemon=True)
                self._thread.start()
        self._wake.set()
        try:
            yield entry
        finally:
            with self._lock:
                self._armed.pop(key, None)

    def _run(self) -> None:
        while True:
            with self._lock:
                idle = not self._armed
                if idle:
                    self._wake.clear()
            if idle:
                self._wake.wait()
            time.sleep(TICK)
            now = time.monotonic()
            with self._lock:
                due = [d for d in self._armed.values() if not d.expired and d.at <= now]
            for d in due:
                try:
                    alive = d.probe()
                except Exception:  # noqa: BLE001 - a failing probe means no answer
                    alive = False
                if alive:
                    d.at = time.monotonic() + d.seconds
                    continue
                d.expired = True
                with contextlib.suppress(Exception):  # the watchdog must outlive any callback
                    d.on_expire()


watchdog = Watchdog()
