"""openenv's own client, driven line by line: runs in .venv-openenv (scripts/setup-openenv.sh), never imports
gym_anything. Each stdin line is a JSON command ``{"op": "connect"|"reset"|"step"|"state"|"close", "client":
NAME, ...}``; each answer is one stdout line ``{"ok": true, "result": ...}`` or ``{"ok": false, "error": "Type:
message"}``. The first line says which openenv-core runs. Several named clients can be open at once.
"""

from __future__ import annotations

import asyncio
import json
import sys
from importlib.metadata import version
from typing import Any

from openenv.core import GenericEnvClient


def _result(step: Any) -> dict[str, Any]:
    return {"observation": step.observation, "reward": step.reward, "done": step.done}


async def main() -> None:
    clients: dict[str, GenericEnvClient] = {}
    loop = asyncio.get_running_loop()
    print(json.dumps({"ok": True, "result": {"openenv-core": version("openenv-core")}}), flush=True)
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        command = json.loads(line)
        op, name = command["op"], command.get("client", "a")
        try:
            if op == "connect":
                clients[name] = GenericEnvClient(base_url=command["url"], message_timeout_s=120.0)
                result: Any = await clients[name].connect() and None
            elif op == "reset":
                result = _result(await clients[name].reset(**command.get("args", {})))
            elif op == "step":
                result = _result(await clients[name].step(command["action"]))
            elif op == "state":
                result = await clients[name].state()
            elif op == "close":
                result = await clients.pop(name).close()
            else:
                raise ValueError(f"unknown op {op!r}")
            answer = {"ok": True, "result": result}
        except Exception as exc:  # the client's own error, as the test will read it
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer), flush=True)
    for client in clients.values():
        await client.close()


if __name__ == "__main__":
    asyncio.run(main())
