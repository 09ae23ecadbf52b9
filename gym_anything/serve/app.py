"""One server, one port: env instances over MCP (``/mcp``) and openenv's protocol (``/ws``, ``/health``, ...).

``EnvServer(gym_id, instances=2)``: ``app()`` is the ASGI app (run it with uvicorn), ``close()`` closes the
envs. Every instance is held by one client at a time, MCP or OpenEnv (:mod:`.instances`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Route

from .instances import IDLE_TIMEOUT, Instances
from .mcp_server import MCPEndpoint
from .openenv_server import OpenEnvEndpoint


class EnvServer:
    """``instances`` envs of ``gym_id`` behind both endpoints."""

    def __init__(self, gym_id: str, instances: int = 1, seed: int | None = None, shown: tuple[int, int] | None = None,
                 idle_timeout: float = IDLE_TIMEOUT, host: str = "127.0.0.1", **env_kwargs: Any):
        self.instances = Instances(gym_id, instances, idle_timeout, seed=seed, shown=shown, **env_kwargs)
        try:
            self.mcp = MCPEndpoint(self.instances, host)
            self.openenv = OpenEnvEndpoint(self.instances, host)
        except BaseException:
            self.instances.close()
            raise

    def app(self) -> Starlette:
        @asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            async with self.mcp.lifespan():
                yield

        return Starlette(routes=[Route("/mcp", self.mcp), *self.openenv.routes()], lifespan=lifespan)

    def close(self) -> None:
        self.instances.close()
