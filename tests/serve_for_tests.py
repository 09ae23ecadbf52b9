"""`gym-anything serve`'s server on loopback for tests (uvicorn in a thread), and openenv's real client in
.venv-openenv (tests/openenv_driver.py) driven from the test."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from gym_anything.serve.app import EnvServer

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(gym_id: str, **options: Any) -> Iterator[tuple[EnvServer, str]]:
    """An :class:`EnvServer` on a free loopback port: (the server, its base URL); stopped and closed after."""
    served = EnvServer(gym_id, **options)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(served.app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        yield served, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        served.close()


def first_error(exc: BaseException) -> str:
    """The MCP SDK's client raises its errors inside exception groups: the first one's text."""
    while getattr(exc, "exceptions", None):
        exc = exc.exceptions[0]  # type: ignore[attr-defined]
    return str(exc)


def openenv_python() -> Path:
    """.venv-openenv's python, set up by scripts/setup-openenv.sh (quick when it is there)."""
    subprocess.run(["bash", str(ROOT / "scripts" / "setup-openenv.sh")], check=True, timeout=1800,
                   stdout=subprocess.DEVNULL)
    return ROOT / ".venv-openenv" / "bin" / "python"


class OpenEnvClients:
    """openenv's ``GenericEnvClient``s in another process; every answer is kept (``transcript``)."""

    def __init__(self, python: Path):
        self.process = subprocess.Popen([str(python), str(ROOT / "tests" / "openenv_driver.py")],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.transcript: list[str] = []
        self.version = self._read()["result"]["openenv-core"]

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the openenv driver exited ({self.process.wait()})")
        self.transcript.append(line)
        return json.loads(line)

    def send(self, op: str, client: str = "a", **fields: Any) -> dict[str, Any]:
        """One command; the raw answer ``{"ok": ..., "result" | "error": ...}``."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"op": op, "client": client, **fields}) + "\n")
        self.process.stdin.flush()
        return self._read()

    def __call__(self, op: str, client: str = "a", **fields: Any) -> Any:
        """One command that must succeed: its result."""
        answer = self.send(op, client, **fields)
        assert answer["ok"], answer["error"]
        return answer["result"]

    def error(self, op: str, client: str = "a", **fields: Any) -> str:
        """One command that must fail: the client's error text."""
        answer = self.send(op, client, **fields)
        assert not answer["ok"], f"{op} succeeded: {str(answer)[:300]}"
        return answer["error"]

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
