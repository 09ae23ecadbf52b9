"""The browser side of ``gym-anything view``: one loopback HTTP + WebSocket server per viewed display.

Everything is under a secret path, ``http://127.0.0.1:PORT/<token>/`` (a request without the token gets 404):

* ``/<token>/`` the page and ``view.js``; ``/<token>/novnc/...`` the noVNC client, read-only from Debian's
  ``novnc`` package (paths outside it are refused);
* ``/<token>/rfb`` a WebSocket carrying the VNC session to x11vnc's private socket through
  :class:`~gym_anything.view.rfb.ClientFilter`: the screen goes to the browser; the browser's input never goes
  on: in play mode it is handed to ``on_input`` (which makes actions of it), in view mode it is counted in
  :attr:`ViewServer.ignored_input` and dropped;
* ``/<token>/control`` a WebSocket of JSON messages: the server sends the session (mode, title, the public
  instruction) and status updates (:meth:`ViewServer.publish`); in play mode the page's Done button sends
  ``{"type": "done"}``, handed to ``on_done``.

The server serves nothing else: no file of the run, the episode or its HOME, only the screen and the public
instruction (what the agent gets too).
"""

from __future__ import annotations

import contextlib
import json
import logging
import mimetypes
import secrets
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .rfb import ClientFilter, InputEvent, RFBError

NOVNC_DIR = Path("/usr/share/novnc")  # Debian's novnc package (runtime/programs.py: EXTRA_PACKAGES)
ASSETS = Path(__file__).resolve().parent / "assets"
MODES = ("view", "play")
_TYPES = {".js": "text/javascript", ".html": "text/html", ".css": "text/css", ".svg": "image/svg+xml",
          ".png": "image/png", ".json": "application/json"}
_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY", "Connection": "close",
            "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
                                       "style-src 'self' 'unsafe-inline'; connect-src 'self'"}

log = logging.getLogger("gym_anything.view")


class ViewServer:
    """Serve one display (through ``connect_vnc``, a new x11vnc connection per viewer) on 127.0.0.1:``port``
    (0: a free port). ``session``: what the page shows (``title``, ``instruction``, ``max_steps``)."""

    def __init__(self, connect_vnc: Callable[[], socket.socket], mode: str, session: dict[str, Any],
                 on_input: Callable[[InputEvent], None] | None = None, on_done: Callable[[], None] | None = None,
                 port: int = 0, host: str = "127.0.0.1"):
        from websockets.sync.server import serve

        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if mode == "play" and (on_input is None or on_done is None):
            raise ValueError("play mode needs on_input and on_done")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError(f"port must be an integer in [0, 65535] (0: any free port), got {port!r}")
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError(f"host must be a loopback address (127.0.0.1, ::1 or localhost), got {host!r}")
        if not (NOVNC_DIR / "core" / "rfb.js").is_file():
            from ..runtime.programs import MissingProgram

            raise MissingProgram(f"the noVNC client is missing ({NOVNC_DIR}): apt-get install -y novnc "
                                 "(scripts/setup.sh installs every package gym-anything needs)")
        self.mode, self._connect_vnc = mode, connect_vnc
        self._on_input, self._on_done = on_input, on_done
        self.token = secrets.token_urlsafe(18)
        self.ignored_input = 0  # input events the browser sent in view mode (dropped)
        self.viewers = 0  # VNC sessions served so far
        self._session = {"type": "session", "mode": mode, **session}
        self._status: dict[str, Any] = {"type": "status"}
        self._controls: set[Any] = set()
        self._lock = threading.Lock()
        self._server = serve(self._handle, host, port, process_request=self._http, compression=None,
                             server_header=None, logger=log)
        self.port = int(self._server.socket.getsockname()[1])
        self.host = host
        self._thread = threading.Thread(target=self._server.serve_forever, name="gym-anything-view", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/{self.token}/"

    # --- status ------------------------------------------------------------------------------------

    def publish(self, **status: Any) -> None:
        """Send a status update to every page (and to pages that connect later)."""
        with self._lock:
            self._status.update(status)
            message = json.dumps(self._status)
            controls = list(self._controls)
        for connection in controls:
            with contextlib.suppress(Exception):  # a page that went away
                connection.send(message)

    # --- HTTP --------------------------------------------------------------------------------------

    def _http(self, connection: Any, request: Any) -> Any:
        from websockets.datastructures import Headers
        from websockets.http11 import Response

        path = request.path.split("?", 1)[0]
        prefix = f"/{self.token}/"
        if not path.startswith(prefix):
            return connection.respond(404, "not found\n")
        rest = path[len(prefix):]
        if rest in ("rfb", "control"):
            return None  # the WebSocket handshake goes on
        if rest in ("", "index.html"):
            file = ASSETS / "page.html"
        elif rest == "view.js":
            file = ASSETS / "view.js"
        elif rest.startswith("novnc/"):
            file = (NOVNC_DIR / rest[len("novnc/"):]).resolve()
            if NOVNC_DIR.resolve() not in file.parents or not file.is_file():
                return connection.respond(404, "not found\n")
        else:
            return connection.respond(404, "not found\n")
        body = file.read_bytes()
        kind = _TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        headers = Headers({**_HEADERS, "Content-Type": kind, "Content-Length": str(len(body))})
        return Response(200, "OK", headers, body)

    # --- WebSockets --------------------------------------------------------------------------------

    def _handle(self, connection: Any) -> None:
        rest = connection.request.path.split("?", 1)[0][len(self.token) + 2:]
        if rest == "rfb":
            self._rfb(connection)
        elif rest == "control":
            self._control(connection)

    def _rfb(self, connection: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            vnc = self._connect_vnc()
        except OSError as exc:
            log.warning("cannot reach the VNC server: %s", exc)
            connection.close(1011, "the VNC server is not running")
            return
        self.viewers += 1
        stream = ClientFilter()

        def screen() -> None:  # x11vnc -> browser, as it comes
            try:
                while True:
                    data = vnc.recv(1 << 16)
                    if not data:
                        break
                    connection.send(data)
            except (OSError, ConnectionClosed):
                pass
            finally:
                connection.close()

        pump = threading.Thread(target=screen, name="gym-anything-view-screen", daemon=True)
        pump.start()
        try:
            for message in connection:
                if isinstance(message, str):
                    raise RFBError("the VNC stream must be binary WebSocket messages")
                forward, events = stream.feed(message, time.monotonic())
                if forward:
                    vnc.sendall(forward)
                for event in events:
                    if self.mode == "play" and self._on_input is not None:
                        self._on_input(event)
                    else:
                        self.ignored_input += 1
        except RFBError as exc:
            log.warning("closing a viewer: %s", exc)
            connection.close(1008, str(exc)[:120])
        except (OSError, ConnectionClosed):
            pass
        finally:
            with contextlib.suppress(OSError):
                vnc.shutdown(socket.SHUT_RDWR)
            vnc.close()
            pump.join(5)

    def _control(self, connection: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        with self._lock:
            self._controls.add(connection)
            hello = [json.dumps(self._session), json.dumps(self._status)]
        try:
            for message in hello:
                connection.send(message)
            for message in connection:
                try:
                    data = json.loads(message)
                except ValueError:
                    continue
                if isinstance(data, dict) and data.get("type") == "done" and self.mode == "play" \
                        and self._on_done is not None:
                    self._on_done()
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._controls.discard(connection)

    # --- lifecycle ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Close every connection and the listening socket; idempotent."""
        self._server.shutdown()
        self._thread.join(5)

    def __enter__(self) -> ViewServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
