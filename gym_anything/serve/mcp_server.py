"""The MCP endpoint: Anthropic's computer tools (their names and arguments) plus ``reset`` and ``finish`` on each
env instance, over Streamable HTTP (the ``mcp`` SDK's ``MCPServer``), one client per instance.

The tools are the members of Anthropic's ``computer_toolset_20260801`` that the env supports
(``left_click {coordinate}``, ``type {text}``, ``key {text}``, ``scroll {coordinate, scroll_direction,
scroll_amount}``, ``zoom {region}``, ``screenshot``, ...); each returns the screenshot after it (or the zoomed
region, or the pointer position). ``reset {seed}`` starts an episode (a client's first tool call starts one by
itself) and returns the instruction; ``finish`` ends it and returns the reward. A bad call is a tool error whose
text names the problem.

Who is calling: :class:`MCPEndpoint` (the ASGI app at ``/mcp``) speaks the handshake protocol only, whose
``Mcp-Session-Id`` names the client. A request of the sessionless 2026-07-28 protocol is answered
"unsupported protocol version" with the handshake versions, so the SDK's default client (``mode="auto"``) falls
back to the ``initialize`` handshake. A new session claims a free instance (:mod:`.instances`) and its
requests reach that instance's own ``MCPServer``; when every instance is held, ``initialize`` is answered
HTTP 409 with a message naming who holds what. The claim ends when the client closes its session (the SDK's
client sends DELETE on exit) or after ``idle_timeout`` seconds without a request; a request on a lapsed session
gets HTTP 404 saying so.

What crosses the server is the screen, the instruction, and at the end the reward and whether the task
passed: never the privileged values, the verifier's details or the oracle.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.utilities.types import Image
from mcp_types import INVALID_REQUEST, UNSUPPORTED_PROTOCOL_VERSION
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from starlette.datastructures import Headers
from starlette.types import Message, Receive, Scope, Send

from ..tools import ToolResult
from .instances import EnvInstance, InstanceBusy, Instances, Lease

CLIENT = "an MCP client"
SESSION_HEADER = "mcp-session-id"
MODERN_REFUSED = ("this server tells its clients apart by the MCP session of the initialize handshake (one client "
                  "per env instance), so it speaks only the handshake protocol versions: connect with mode='auto' "
                  "(the SDK's default, which falls back) or mode='legacy'")


class EnvMCP:
    """The MCP tools of one env instance; ``asgi`` is its SDK app (reached through :class:`MCPEndpoint`)."""

    def __init__(self, instance: EnvInstance, idle_timeout: float, host: str = "127.0.0.1"):
        self.instance = instance
        self.server = MCPServer("gym-anything", log_level="WARNING", instructions=(
            f"A desktop application ({instance.gym_id}). Call reset (or any tool) to start; the instruction says "
            "the task. Coordinates are [x, y] pixels of the screenshot. Call finish when the task is done."))
        self._register()
        # The endpoint bounds the sessions (one per instance); the SDK's own idle limit only cleans up after
        # clients that never came back, so it is longer than the claim's.
        self.asgi = self.server.streamable_http_app(max_sessions=None, session_idle_timeout=2 * idle_timeout,
                                                    host=host)

    # --- env calls, on the instance's thread --------------------------------------------------------

    def _reset(self, seed: int | None) -> ToolResult:
        result = self.instance.reset(seed)
        if self.instance.lease is not None:
            self.instance.lease.started = True
        return result

    def _act(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        session, lease = self.instance.session, self.instance.lease
        if lease is None or not lease.started:  # this client's first call starts its episode
            self._reset(None)
        elif session.ended:
            raise ToolError("the episode has ended: call reset to start a new one")
        (result,) = session.turn([{"name": name, "input": {k: v for k, v in arguments.items() if v is not None}}])
        return result

    def _finish(self) -> ToolResult:
        lease = self.instance.lease
        if lease is None or not lease.started or self.instance.session.ended:
            raise ToolError("no episode is running: call reset first")
        return self.instance.session.finish()

    async def call(self, name: str, **arguments: Any) -> list[Any]:
        result = await self.instance.run(self._act, name, arguments)
        if result.is_error:
            raise ToolError(result.text)
        return _content(result)

    def _register(self) -> None:
        def tool(**options: Any) -> Any:  # content (text and images), not a structured result
            return self.server.tool(structured_output=False, **options)

        @tool(description="Start a new episode (optionally from a seed); returns the instruction and the screen.")
        async def reset(seed: int | None = None) -> list[Any]:
            return _content(await self.instance.run(self._reset, seed), instruction=True)

        @tool(description="End the episode (the task is done): the verifier scores what the app saved.")
        async def finish() -> str:
            await self.instance.run(self._finish)
            session = self.instance.session
            return f"episode ended: reward {session.reward}, task {'passed' if session.passed else 'not passed'}"

        @tool(description="Take a screenshot of the screen.")
        async def screenshot() -> list[Any]:
            return await self.call("screenshot")

        @tool(description="Press a key or key combination (xdotool syntax: 'ctrl+s', 'Return', 'alt+Tab').")
        async def key(text: str, repeat: int | None = None) -> list[Any]:
            return await self.call("key", text=text, repeat=repeat)

        @tool(name="type", description="Type a string of text on the keyboard.")
        async def type_(text: str) -> list[Any]:
            return await self.call("type", text=text)

        @tool(description="Get the current (x, y) pixel coordinate of the cursor.")
        async def cursor_position() -> list[Any]:
            return await self.call("cursor_position")

        @tool(description="Move the cursor to [x, y] (hover without clicking).")
        async def mouse_move(coordinate: list[int]) -> list[Any]:
            return await self.call("mouse_move", coordinate=coordinate)

        @tool(description="Press and hold the left mouse button at the current cursor position.")
        async def left_mouse_down() -> list[Any]:
            return await self.call("left_mouse_down")

        @tool(description="Release the left mouse button.")
        async def left_mouse_up() -> list[Any]:
            return await self.call("left_mouse_up")

        for name, description in CLICKS.items():
            self._click_tool(tool, name, description)

        @tool(description="Click and drag from start_coordinate to coordinate.")
        async def left_click_drag(start_coordinate: list[int], coordinate: list[int]) -> list[Any]:
            return await self.call("left_click_drag", start_coordinate=start_coordinate, coordinate=coordinate)

        @tool(description="Scroll at [x, y] (or at the cursor): scroll_direction up/down/left/right, "
                          "scroll_amount wheel clicks.")
        async def scroll(scroll_direction: str, scroll_amount: int, coordinate: list[int] | None = None,
                         text: str | None = None) -> list[Any]:
            return await self.call("scroll", scroll_direction=scroll_direction, scroll_amount=scroll_amount,
                                   coordinate=coordinate, text=text)

        @tool(description="Wait for a duration in seconds.")
        async def wait(duration: int) -> list[Any]:
            return await self.call("wait", duration=duration)

        @tool(description="A screenshot of the region [x0, y0, x1, y1] at full resolution.")
        async def zoom(region: list[int]) -> list[Any]:
            return await self.call("zoom", region=region)

    def _click_tool(self, tool: Any, name: str, description: str) -> None:
        async def click(coordinate: list[int] | None = None, text: str | None = None) -> list[Any]:
            return await self.call(name, coordinate=coordinate, text=text)
        tool(name=name, description=description)(click)


CLICKS = {name: f"{what} at [x, y] (or at the cursor)." for name, what in [
    ("left_click", "Click the left mouse button"), ("right_click", "Click the right mouse button"),
    ("middle_click", "Click the middle mouse button"), ("double_click", "Double-click the left mouse button"),
    ("triple_click", "Triple-click the left mouse button")]}


def _content(result: ToolResult, instruction: bool = False) -> list[Any]:
    content: list[Any] = []
    if result.text:
        content.append(f"Task: {result.text}" if instruction else result.text)
    if result.image is not None:
        content.append(Image(data=result.png(), format="png"))
    return content


class MCPEndpoint:
    """``/mcp`` over every instance: a new MCP session claims a free one, its requests reach that instance."""

    def __init__(self, instances: Instances, host: str = "127.0.0.1"):
        self.instances = instances
        self.servers = [EnvMCP(instance, instances.idle_timeout, host) for instance in instances.all]
        self._sessions: dict[str, Lease] = {}  # MCP session id -> its claim (kept a while after it ended)

    @asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        """Run every instance's SDK session manager while the server runs."""
        async with AsyncExitStack() as stack:
            for served in self.servers:
                await stack.enter_async_context(served.server.session_manager.run())
            yield

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        version = headers.get("mcp-protocol-version")
        if version is not None and version not in HANDSHAKE_PROTOCOL_VERSIONS:
            await _rpc_error(400, UNSUPPORTED_PROTOCOL_VERSION, MODERN_REFUSED,
                             {"supported": list(HANDSHAKE_PROTOCOL_VERSIONS), "requested": version}, send)
            return
        token = headers.get(SESSION_HEADER)
        if token is None:
            await self._open(scope, receive, send)
            return
        self.instances.lapse_idle()
        lease = self._sessions.get(token)
        if lease is None:
            await _rpc_error(404, INVALID_REQUEST, "Session not found", None, send)
            return
        served = self.servers[lease.instance.index]
        if scope["method"] == "DELETE":  # the client closes its session: the SDK ends it, the claim ends
            self._sessions.pop(token, None)
            self.instances.release(lease, "the client closed its session")
            await served.asgi(scope, receive, send)
            return
        if lease.released is not None:
            await _rpc_error(404, INVALID_REQUEST, f"this MCP session no longer holds instance "
                             f"{lease.instance.index} ({lease.released}): open a new session to claim one", None, send)
            return
        if scope["method"] != "POST":  # the long-lived GET stream: not a request that keeps the claim busy
            await served.asgi(scope, receive, send)
            return
        with lease.use():
            await served.asgi(scope, receive, send)

    async def _open(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A request without a session (``initialize``): claim an instance for the session it opens."""
        if scope["method"] != "POST":  # the SDK answers it (no session to stream from or close)
            await self.servers[0].asgi(scope, receive, send)
            return
        try:
            lease = self.instances.claim(CLIENT)
        except InstanceBusy as exc:
            await _rpc_error(409, INVALID_REQUEST, str(exc), None, send)
            return
        opened: dict[str, Any] = {}

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                opened["status"] = message["status"]
                opened["session"] = Headers(raw=message.get("headers", [])).get(SESSION_HEADER)
            await send(message)

        try:
            with lease.use():
                await self.servers[lease.instance.index].asgi(scope, receive, watch)
        finally:
            if opened.get("session") and opened.get("status", 500) < 400:
                lease.token = opened["session"]
                self._forget_old_sessions()
                self._sessions[lease.token] = lease
            else:
                self.instances.release(lease, "its session did not open")

    def _forget_old_sessions(self) -> None:
        """Ended sessions are remembered (for their message) for twice the idle timeout."""
        now = time.monotonic()
        self._sessions = {token: lease for token, lease in self._sessions.items()
                          if lease.released is None or now - lease.last < 2 * self.instances.idle_timeout}


async def _rpc_error(status: int, code: int, message: str, data: Any, send: Send) -> None:
    """A JSON-RPC error (no request id: the SDK's client puts its own) at an HTTP status."""
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    body = json.dumps({"jsonrpc": "2.0", "id": None, "error": error}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
