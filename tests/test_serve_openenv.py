"""`gym-anything serve`'s OpenEnv endpoint on real Mousepad instances, driven by openenv-core's own
``GenericEnvClient`` (in .venv-openenv, tests/openenv_driver.py) over loopback: reset, click and type (typed
actions and tool calls), the screenshot, bad actions, the oracle's actions to the verifier's reward 1, the state,
the HTTP routes, nothing privileged in any answer; one client per instance across OpenEnv and MCP, freed when
its client leaves or lapses."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import time
import urllib.error
import urllib.request

import numpy as np
import pytest
from PIL import Image

mcp = pytest.importorskip("mcp")
websockets_sync = pytest.importorskip("websockets.sync.client")

from serve_for_tests import OpenEnvClients, first_error, openenv_python, serving  # noqa: E402

from gym_anything import actions as A  # noqa: E402
from gym_anything.runtime.guardian import owned_processes  # noqa: E402
from gym_anything.tools import get_schema  # noqa: E402

pytestmark = pytest.mark.app
REPLACE = "GymAnything/mousepad.replace-name-v1"
APPEND = "GymAnything/mousepad.append-entry-v1"
OBSERVATION_KEYS = {"screenshot", "width", "height", "instruction", "results", "message", "passed"}


@pytest.fixture(scope="module")
def clients():
    driver = OpenEnvClients(openenv_python())
    yield driver
    driver.close()


def screenshot(result: dict) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(result["observation"]["screenshot"]))))


def http(url: str, method: str = "GET", headers: dict | None = None) -> tuple[int, dict]:
    body = b"{}" if method == "POST" else None
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=body)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def wait_until_free(url: str) -> None:
    """A client that closed is released by the server a moment later."""
    deadline = time.monotonic() + 10
    while all(i["claimed"] for i in http(url + "/state")[1]["instances"]):
        assert time.monotonic() < deadline, "no instance was freed"
        time.sleep(0.05)


def test_the_openenv_client_solves_the_task_and_nothing_privileged_crosses(clients):
    before = set(owned_processes())
    with serving(REPLACE, shown=(1024, 576), audit=False) as (served, url):
        assert clients.version == "0.3.0"
        clients("connect", url=url)
        assert "send reset first" in clients.error("step", action={"actions": [{"type": "wait", "duration": 0}]})
        first = clients("reset", args={"seed": 2, "episode_id": "ep-1"})
        instruction = first["observation"]["instruction"]
        assert first["reward"] is None and first["done"] is False and instruction
        assert set(first["observation"]) == OBSERVATION_KEYS
        assert screenshot(first).shape == (576, 1024, 3)
        assert first["observation"]["width"] == 1024 and first["observation"]["height"] == 576
        state = clients("state")
        assert state["episode_id"] == "ep-1" and state["step_count"] == 0 and state["done"] is False

        # a turn of tool calls (shown pixels) that changes nothing: a zoom, a click off the screen, a screenshot
        turn = clients("step", action={"calls": [{"name": "zoom", "input": {"region": [0, 0, 512, 288]}},
                                                 {"name": "left_click", "input": {"coordinate": [5000, 10]}},
                                                 {"name": "screenshot", "input": {}}]})
        region, off, shot = turn["observation"]["results"]
        assert np.asarray(Image.open(io.BytesIO(base64.b64decode(region["image"])))).shape == (360, 640, 3)
        assert off["is_error"] and "outside the screen (0..1023, 0..575)" in off["text"] and not shot["is_error"]
        assert turn["reward"] == 0.0 and turn["done"] is False
        bad = clients.error("step", action={"actions": [{"type": "click", "x": 99999, "y": 1}]})
        assert "VALIDATION_ERROR" in bad and "action['x']=99999 is out of range [0, 1279]" in bad
        assert "exactly one of 'actions'" in clients.error("step", action={"actions": [A.to_json(A.validate(
            A.wait(0), 1280, 720))], "calls": [{"name": "screenshot"}]})
        assert "unknown action type 'jump'" in clients.error("step", action={"actions": [{"type": "jump"}]})

        # the oracle's actions (the harness computes them host-side), one step each, every other one as the
        # Anthropic tool calls a model would send (clicks at shown pixels, typing), the rest as typed actions
        instance = served.instances.all[0]
        env = instance.env.unwrapped
        private_dir, privileged, oracle = str(env.episode_private_dir), env.privileged(), env.oracle_actions()
        schema, sent, last = get_schema("anthropic-toolset"), set(), turn
        for i, action in enumerate(oracle):
            calls = schema.encode(action, instance.session.display, instance.session.pointer) if i % 2 else []
            step = {"calls": calls} if calls else {"actions": [A.to_json(A.validate(action, 1280, 720))]}
            result = clients("step", action=step)
            if any(call["name"] == "type" for call in calls):
                assert not np.array_equal(screenshot(result), screenshot(last))  # the typed text shows
            sent |= {call["name"] for call in calls}
            last = result
        assert {"type", "left_click"} <= sent
        assert last["done"] is True and last["reward"] == 1.0 and last["observation"]["passed"] is True
        assert "episode has ended (reward 1.0)" in clients.error("step", action={"actions": [{"type": "done"}]})
        state = clients("state")
        assert state["done"] is True and state["step_count"] == 1 + len(oracle)

        statuses = {path: http(url + path) for path in ("/health", "/metadata", "/schema", "/state")}
        assert statuses["/health"] == (200, {"status": "healthy"})
        assert statuses["/metadata"][1]["name"] == REPLACE
        assert set(statuses["/schema"][1]["action"]["properties"]) == {"actions", "calls", "metadata"}
        assert statuses["/state"][1]["instances"] == [{"instance": 0, "claimed": True, "by": "an OpenEnv client",
                                                      "idle_s": statuses["/state"][1]["instances"][0]["idle_s"]}]
        stateless = http(url + "/reset", "POST")
        assert stateless[0] == 501 and "WebSocket session at /ws" in stateless[1]["detail"]
        assert http(url + "/health", headers={"Origin": "http://example.com"})[0] == 403  # a web page's request
        with pytest.raises(Exception, match="403"):
            websockets_sync.connect(url.replace("http", "ws") + "/ws", origin="http://example.com")
        clients("close")

    secrets = [v for v in privileged.values() if isinstance(v, str) and len(v) > 3 and v not in instruction]
    assert secrets, "the task has no privileged value beyond the instruction: the check below would prove nothing"
    answers = "".join(clients.transcript) + json.dumps([statuses["/state"], statuses["/metadata"]])
    assert not [v for v in secrets if v in answers] and private_dir not in answers
    assert '"items"' not in answers and '"detail"' not in answers  # no verifier details
    assert set(owned_processes()) - before == set()


def test_one_client_per_instance_over_both_protocols_until_it_leaves_or_lapses(clients):
    """Two instances; OpenEnv and MCP clients claim them; a third is refused with who holds what; a client that
    leaves or sends nothing for idle_timeout seconds frees its instance."""
    before = set(owned_processes())
    with serving(APPEND, instances=2, idle_timeout=2.0, audit=False) as (served, url):
        clients("connect", "a", url=url)
        clients("connect", "b", url=url)
        held = {clients("state", "a")["instance"], clients("state", "b")["instance"]}
        assert held == {0, 1}
        clients("connect", "c", url=url)
        refused = clients.error("reset", "c")
        assert "CAPACITY_REACHED" in refused and "every instance is in use (2 served; instance 0 by an OpenEnv " \
            "client" in refused and "freed when its client disconnects or after 2 s without a request" in refused

        async def over_mcp() -> dict:
            seen: dict = {}
            try:
                async with mcp.Client(url + "/mcp"):
                    seen["claimed while full"] = True
            except Exception as exc:
                seen["refused"] = first_error(exc)
            clients("close", "a")  # a leaves: its instance is free
            wait_until_free(url)
            async with mcp.Client(url + "/mcp") as client:  # the session claims a's instance
                clients("state", "b")  # b is still there
                clients("connect", "d", url=url)
                seen["d refused"] = clients.error("reset", "d")
                first = await client.call_tool("screenshot", {})  # the claim's first call starts its episode
                seen["first"] = [c.type for c in first.content]
                await asyncio.sleep(2.5)  # the MCP client sends nothing: its claim lapses (and b's)
                clients("connect", "e", url=url)
                seen["e reset"] = clients("reset", "e")["done"]
                try:
                    await client.call_tool("screenshot", {})
                except Exception as exc:
                    seen["lapsed"] = first_error(exc)
            return seen

        seen = asyncio.run(over_mcp())
        assert "claimed while full" not in seen
        assert "every instance is in use" in seen["refused"] and "by an OpenEnv client" in seen["refused"]
        assert seen["first"] == ["image"]
        assert "CAPACITY_REACHED" in seen["d refused"] and "by an MCP client" in seen["d refused"]
        assert seen["e reset"] is False
        assert "no longer holds instance" in seen["lapsed"] and "after 2 s without a request" in seen["lapsed"]
        lapsed = clients.error("state", "b")  # b, idle all along, lapsed too: the server closed it saying why
        assert "4408" in lapsed and "idle 2 s" in lapsed and "released" in lapsed
        for name in ("c", "d", "e"):
            clients.send("close", name)
    assert set(owned_processes()) - before == set()
