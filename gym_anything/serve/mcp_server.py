"""An MCP endpoint on one env instance: Anthropic's computer tools (their names and arguments) plus ``reset`` and
``finish``, over Streamable HTTP (the ``mcp`` SDK's ``MCPServer``).

``gym-anything serve ID --port 8765`` serves ``http://127.0.0.1:8765/mcp``. The tools are the members of
Anthropic's ``computer_toolset_20260801`` that the env supports (``left_click {coordinate}``, ``type {text}``,
``key {text}``, ``scroll {coordinate, scroll_direction, scroll_amount}``, ``zoom {region}``, ``screenshot``,
...); each returns the screenshot after it (or the zoomed region, or the pointer position). ``reset {seed}``
starts an episode (the first tool call starts one by itself) and returns the instruction; ``finish`` ends it
and returns the reward. A bad call is a tool error whose text names the problem.

What crosses the server is the screen, the instruction, and at the end the reward and whether the task
passed: never the privileged values, the verifier's details or the oracle. Bounded: a client on the handshake
protocol gets one session at a time (``max_sessions=1``; a second is refused with HTTP 503 "Too many open
sessions") and an idle session is closed after ``idle_timeout`` seconds; the sessionless 2026-07-28 protocol
(the SDK's default client) carries no client identity, so a second such client is NOT told apart yet. Every
env call runs on one dedicated thread; the episode's own step budget bounds it.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import gymnasium as gym
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.utilities.types import Image

from ..tools import ToolResult, ToolSession

SCHEMA = "anthropic-toolset"
IDLE_TIMEOUT = 1800.0  # seconds without a request before the SDK closes a session


class EnvMCP:
    """One env instance behind MCP tools. ``app()`` is the ASGI app; ``close()`` closes the env."""

    def __init__(self, gym_id: str, seed: int | None = None, shown: tuple[int, int] | None = None,
                 idle_timeout: float = IDLE_TIMEOUT, **env_kwargs: Any):
        self.gym_id, self.seed, self.idle_timeout = gym_id, seed, idle_timeout
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gym-anything-env")
        self._env: gym.Env = self._executor.submit(gym.make, gym_id, **env_kwargs).result()
        self.session = ToolSession(self._env, SCHEMA, shown)
        self.server = MCPServer("gym-anything", instructions=(
            f"A desktop application ({gym_id}). Call reset (or any tool) to start; the instruction says the task. "
            "Coordinates are [x, y] pixels of the screenshot. Call finish when the task is done."))
        self._register()

    def app(self) -> Any:
        return self.server.streamable_http_app(max_sessions=1, session_idle_timeout=self.idle_timeout)

    def close(self) -> None:
        self._executor.submit(self._env.close).result()
        self._executor.shutdown()

    # --- env calls, on the env's thread -------------------------------------------------------------

    async def _on_env(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def _reset(self, seed: int | None) -> ToolResult:
        return self.session.reset(seed=seed if seed is not None else self.seed)

    def _act(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        if self.session.ended:
            raise ToolError("the episode has ended: call reset to start a new one")
        if self.session.frame is None:  # no episode yet: the first tool call starts one
            self._reset(None)
        (result,) = self.session.turn([{"name": name, "input": {k: v for k, v in arguments.items()
                                                                 if v is not None}}])
        return result

    async def call(self, name: str, **arguments: Any) -> list[Any]:
        result = await self._on_env(self._act, name, arguments)
        if result.is_error:
            raise ToolError(result.text)
        return _content(result)

    def _register(self) -> None:
        def tool(**options: Any) -> Any:  # content (text and images), not a structured result
            return self.server.tool(structured_output=False, **options)

        @tool(description="Start a new episode (optionally from a seed); returns the instruction and the screen.")
        async def reset(seed: int | None = None) -> list[Any]:
            return _content(await self._on_env(self._reset, seed), instruction=True)

        @tool(description="End the episode (the task is done): the verifier scores what the app saved.")
        async def finish() -> str:
            if self.session.frame is None or self.session.ended:
                raise ToolError("no episode is running: call reset first")
            result = await self._on_env(self.session.finish)
            passed = bool((result.verifier or {}).get("passed"))
            return f"episode ended: reward {result.reward}, task {'passed' if passed else 'not passed'}"

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
