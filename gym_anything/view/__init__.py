"""``gym-anything view``: an env's screen in the browser (view only), and the human play mode (docs/view.md).

``vnc.py`` (x11vnc on the display, view-only, on a private unix socket), ``rfb.py`` (the browser's VNC messages:
the screen request goes on, input is taken out), ``inputs.py`` (the human's input as typed actions),
``server.py`` (the loopback page, noVNC and the WebSockets), ``session.py`` (view an id, view a running eval,
play and record).
"""

from __future__ import annotations

from .session import HumanAgent, play, view_env, view_run

__all__ = ["HumanAgent", "play", "view_env", "view_run"]
