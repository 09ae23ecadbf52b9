"""The MCP endpoint on a real Mousepad, driven by the ``mcp`` SDK's own client over loopback: list the tools,
click, type, key, screenshot, zoom, a bad call, finish with the reward, a call after the end; nothing left
behind."""

from __future__ import annotations

import asyncio
import base64
import io
import socket
import threading
import time

import numpy as np
import pytest
from PIL import Image

mcp = pytest.importorskip("mcp")
uvicorn = pytest.importorskip("uvicorn")

from gym_anything.runtime.guardian import owned_processes  # noqa: E402
from gym_anything.serve.mcp_server import EnvMCP  # noqa: E402

pytestmark = pytest.mark.app
TASK = "GymAnything/mousepad.append-entry-v0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def image_of(result) -> np.ndarray:
    (picture,) = [c for c in result.content if c.type == "image"]
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(picture.data))))


def text_of(result) -> str:
    return "\n".join(c.text for c in result.content if c.type == "text")


def test_an_mcp_client_drives_the_app_and_gets_the_reward():
    before = set(owned_processes())
    served = EnvMCP(TASK, seed=4, shown=(1024, 576), audit=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(served.app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}/mcp"

    async def session() -> dict:
        found: dict = {}
        async with mcp.Client(url) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            found["tools"] = set(tools)
            found["left_click_args"] = set(tools["left_click"].input_schema["properties"])
            first = await client.call_tool("reset", {})
            found["instruction"] = text_of(first)
            found["first"] = image_of(first)
            await client.call_tool("key", {"text": "ctrl+End"})
            typed = await client.call_tool("type", {"text": "\nzebra-7741"})
            found["typed"] = image_of(typed)
            bad = await client.call_tool("left_click", {"coordinate": [5000, 10]})
            found["bad"] = (bad.is_error, text_of(bad))
            zoom = await client.call_tool("zoom", {"region": [0, 0, 512, 288]})
            found["zoom"] = image_of(zoom).shape
            await client.call_tool("key", {"text": "ctrl+s"})
            found["shot"] = image_of(await client.call_tool("screenshot", {})).shape
            found["finish"] = text_of(await client.call_tool("finish", {}))
            after = await client.call_tool("left_click", {"coordinate": [10, 10]})
            found["after"] = (after.is_error, text_of(after))
        return found

    try:
        found = asyncio.run(session())
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        served.close()
    assert {"left_click", "type", "key", "scroll", "zoom", "screenshot", "left_click_drag", "triple_click",
            "cursor_position", "reset", "finish"} <= found["tools"] and "hold_key" not in found["tools"]
    assert found["left_click_args"] == {"coordinate", "text"}  # Anthropic's argument names
    assert found["instruction"].startswith("Task: ") and found["first"].shape == (576, 1024, 3)
    assert not np.array_equal(found["typed"], found["first"])
    assert found["bad"][0] and "outside the screen" in found["bad"][1]
    assert found["zoom"] == (360, 640, 3) and found["shot"] == (576, 1024, 3)
    assert found["finish"].startswith("episode ended: reward ")
    assert found["after"][0] and "episode has ended" in found["after"][1]
    assert set(owned_processes()) - before == set()
