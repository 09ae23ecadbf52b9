"""The MCP endpoint on a real Mousepad, driven by the ``mcp`` SDK's own client over loopback: list the tools,
click, type, key, screenshot, zoom, a bad call, finish with the reward, a call after the end; one client per
instance (a second is refused until the first leaves); nothing left behind."""

from __future__ import annotations

import asyncio
import base64
import io

import numpy as np
import pytest
from PIL import Image

mcp = pytest.importorskip("mcp")
uvicorn = pytest.importorskip("uvicorn")

from serve_for_tests import first_error, serving  # noqa: E402

from gym_anything.runtime.guardian import owned_processes  # noqa: E402

pytestmark = pytest.mark.app
TASK = "GymAnything/mousepad.append-entry-v1"
TOOLS = {"reset", "finish", "screenshot", "key", "type", "cursor_position", "mouse_move", "left_mouse_down",
         "left_mouse_up", "left_click", "right_click", "middle_click", "double_click", "triple_click",
         "left_click_drag", "scroll", "wait", "zoom"}


def image_of(result) -> np.ndarray:
    (picture,) = [c for c in result.content if c.type == "image"]
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(picture.data))))


def text_of(result) -> str:
    return "\n".join(c.text for c in result.content if c.type == "text")


def test_an_mcp_client_drives_the_app_and_gets_the_reward():
    before = set(owned_processes())

    async def session(url: str) -> dict:
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

    with serving(TASK, seed=4, shown=(1024, 576), audit=False) as (_, url):
        found = asyncio.run(session(url + "/mcp"))
    assert found["tools"] == TOOLS  # no hold_key (not supported), nothing of the oracle or the verifier
    assert found["left_click_args"] == {"coordinate", "text"}  # Anthropic's argument names
    assert found["instruction"].startswith("Task: ") and found["first"].shape == (576, 1024, 3)
    assert not np.array_equal(found["typed"], found["first"])
    assert found["bad"][0] and "outside the screen" in found["bad"][1]
    assert found["zoom"] == (360, 640, 3) and found["shot"] == (576, 1024, 3)
    assert found["finish"].startswith("episode ended: reward ")
    assert found["after"][0] and "episode has ended" in found["after"][1]
    assert set(owned_processes()) - before == set()


def test_a_second_mcp_client_is_refused_until_the_first_leaves():
    before = set(owned_processes())

    async def clients(url: str) -> dict:
        found: dict = {}
        async with mcp.Client(url) as first:
            await first.call_tool("key", {"text": "End"})  # the first call starts the client's episode
            try:
                async with mcp.Client(url):
                    found["second claimed"] = True
            except Exception as exc:
                found["second"] = first_error(exc)
        try:  # the sessionless protocol has no client identity: refused, naming the versions to use
            async with mcp.Client(url, mode="2026-07-28") as modern:
                await modern.list_tools()
        except Exception as exc:
            found["modern"] = first_error(exc)
        async with mcp.Client(url) as second:  # the first closed its session: the instance is free
            found["after"] = (await second.call_tool("cursor_position", {})).content[0].text
        return found

    with serving(TASK, idle_timeout=60, audit=False) as (_, url):
        found = asyncio.run(clients(url + "/mcp"))
    assert "second claimed" not in found
    assert found["second"].startswith(f"{TASK}: every instance is in use (1 served; instance 0 by an MCP client")
    assert "freed when its client disconnects or after 60 s without a request" in found["second"]
    assert "speaks only the handshake protocol versions" in found["modern"]
    assert found["after"].startswith("X=")
    assert set(owned_processes()) - before == set()
