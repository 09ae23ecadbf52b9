"""Provider tool schemas: every action of every schema parsed to typed actions and back, bad calls as tool
errors, the definitions and calls checked against the providers' own SDK types (anthropic, openai,
google-genai), and a session of each provider's calls on the real Mousepad (batched steps, zoom, finish)."""

from __future__ import annotations

import numpy as np
import pytest

from gym_anything import actions as A
from gym_anything.tools import SCHEMAS, Display, ToolCallError, ToolSession, get_schema

W, H = 1280, 720
SCREEN = Display(W, H)
SCALED = Display(W, H, shown=(1024, 576))
POINTER = (640, 360)


def js(actions: list[dict]) -> list[dict]:
    return [A.to_json(A.validate(a, W, H)) for a in actions]


def parse(schema: str, call, display: Display = SCREEN) -> list[dict]:
    return [a for step in get_schema(schema).parse(call, display, POINTER) for a in step.actions]


# One sample call per provider action, and the typed actions it must become (on the unscaled screen).
def anthropic_samples(toolset: bool) -> dict[str, tuple[dict, list[dict]]]:
    def call(action: str, **params):
        return {"name": action, "input": params} if toolset else {"name": "computer",
                                                                  "input": {"action": action, **params}}
    return {
        "key": (call("key", text="ctrl+s"), [A.hotkey("ctrl", "s")]),
        "hold_key": (call("hold_key", text="shift", duration=1), []),  # refused: see test_unsupported
        "type": (call("type", text="Grüße\n"), [A.type("Grüße\n")]),
        "cursor_position": (call("cursor_position"), []),
        "mouse_move": (call("mouse_move", coordinate=[10, 20]), [A.move(10, 20)]),
        "left_mouse_down": (call("left_mouse_down"), [A.mouse_down(*POINTER)]),
        "left_mouse_up": (call("left_mouse_up"), [A.mouse_up(*POINTER)]),
        "left_click": (call("left_click", coordinate=[30, 40]), [A.click(30, 40)]),
        "left_click_drag": (call("left_click_drag", start_coordinate=[1, 2], coordinate=[300, 400]),
                            [A.drag(1, 2, 300, 400)]),
        "right_click": (call("right_click", coordinate=[5, 6]), [A.right_click(5, 6)]),
        "middle_click": (call("middle_click", coordinate=[7, 8]), [A.click(7, 8, "middle")]),
        "double_click": (call("double_click", coordinate=[9, 10]), [A.double_click(9, 10)]),
        "triple_click": (call("triple_click", coordinate=[11, 12]), [A.click(11, 12)] * 3),
        "scroll": (call("scroll", coordinate=[50, 60], scroll_direction="up", scroll_amount=3),
                   [A.scroll(50, 60, dy=-3)]),
        "wait": (call("wait", duration=2), [A.wait(2.0)]),
        "screenshot": (call("screenshot"), []),
        "zoom": (call("zoom", region=[0, 0, 640, 360]), []),
    }


def openai_samples(batched: bool) -> dict[str, tuple[dict, list[dict]]]:
    def call(**action):
        return {"type": "computer_call", "call_id": "c1", "actions" if batched else "action":
                [action] if batched else action}
    return {
        "click": (call(type="click", x=30, y=40, button="right"), [A.click(30, 40, "right")]),
        "double_click": (call(type="double_click", x=9, y=10), [A.double_click(9, 10)]),
        "drag": (call(type="drag", path=[{"x": 1, "y": 2}, {"x": 50, "y": 60}, {"x": 300, "y": 400}]),
                 [A.mouse_down(1, 2), A.move(50, 60), A.mouse_up(300, 400)]),
        "keypress": (call(type="keypress", keys=["CTRL", "SHIFT", "ESC"]), [A.hotkey("ctrl", "shift", "esc")]),
        "move": (call(type="move", x=10, y=20), [A.move(10, 20)]),
        "screenshot": (call(type="screenshot"), []),
        "scroll": (call(type="scroll", x=50, y=60, scroll_x=0, scroll_y=300), [A.scroll(50, 60, dy=3)]),
        "type": (call(type="type", text="total: 42"), [A.type("total: 42")]),
        "wait": (call(type="wait"), [A.wait(1.0)]),
    }


GEMINI = {
    "click_at": ({"name": "click_at", "args": {"x": 500, "y": 500}}, [A.click(640, 360)]),
    "hover_at": ({"name": "hover_at", "args": {"x": 0, "y": 1000}}, [A.move(0, 719)]),
    "type_text_at": ({"name": "type_text_at", "args": {"x": 250, "y": 500, "text": "hi"}},
                     [A.click(320, 360), A.hotkey("ctrl", "a"), A.press("backspace"), A.type("hi"), A.press("enter")]),
    "key_combination": ({"name": "key_combination", "args": {"keys": "Control+C"}}, [A.hotkey("ctrl", "c")]),
    "scroll_document": ({"name": "scroll_document", "args": {"direction": "down"}}, [A.scroll(640, 360, dy=8)]),
    "scroll_at": ({"name": "scroll_at", "args": {"x": 100, "y": 100, "direction": "left", "magnitude": 300}},
                  [A.scroll(128, 72, dx=-3)]),
    "drag_and_drop": ({"name": "drag_and_drop", "args": {"x": 0, "y": 0, "destination_x": 500,
                                                         "destination_y": 250}}, [A.drag(0, 0, 640, 180)]),
    "wait_5_seconds": ({"name": "wait_5_seconds", "args": {}}, [A.wait(5.0)]),
}
NORMALIZED = {t.name.lower(): ({"type": t.name.lower(), **extra}, [make]) for t, extra, make in [
    (A.ActionType.MOVE, {"x": 0.5, "y": 0.5}, A.move(640, 360)),
    (A.ActionType.CLICK, {"x": 0.25, "y": 0.5, "button": "middle"}, A.click(320, 360, "middle")),
    (A.ActionType.DOUBLE_CLICK, {"x": 0.0, "y": 1.0}, A.double_click(0, 719)),
    (A.ActionType.RIGHT_CLICK, {"x": 0.1, "y": 0.1}, A.right_click(128, 72)),
    (A.ActionType.MOUSE_DOWN, {"x": 0.5, "y": 0.5}, A.mouse_down(640, 360)),
    (A.ActionType.MOUSE_UP, {"x": 0.5, "y": 0.5}, A.mouse_up(640, 360)),
    (A.ActionType.DRAG, {"x": 0, "y": 0, "x2": 0.5, "y2": 0.5}, A.drag(0, 0, 640, 360)),
    (A.ActionType.SCROLL, {"x": 0.5, "y": 0.5, "dy": 2}, A.scroll(640, 360, dy=2)),
    (A.ActionType.TYPE, {"text": "x"}, A.type("x")),
    (A.ActionType.HOTKEY, {"keys": ["ctrl", "z"]}, A.hotkey("ctrl", "z")),
    (A.ActionType.WAIT, {"duration": 0.5}, A.wait(0.5)),
    (A.ActionType.DONE, {}, A.done()),
]}
SAMPLES = {"anthropic-20250124": {k: v for k, v in anthropic_samples(False).items() if k != "zoom"},
           "anthropic-20251124": anthropic_samples(False), "anthropic-toolset": anthropic_samples(True),
           "openai-preview": openai_samples(False), "openai": openai_samples(True), "gemini": GEMINI,
           "normalized": NORMALIZED}
REFUSED = {"hold_key"}  # in UNSUPPORTED: an error result, never an exception deep inside


# Calls whose typed actions have no single form in the same schema: an OpenAI drag path (press, moves, release)
# and Gemini's type_text_at (a click, then the text).
NO_WAY_BACK = {("openai-preview", "drag"), ("openai", "drag"), ("gemini", "type_text_at")}


def same_effect(actions: list[dict]) -> list[dict]:
    """The actions without a MOVE right before a press or release at the same point (Anthropic's form of it)."""
    out = []
    for i, a in enumerate(js(actions)):
        following = js(actions[i + 1:i + 2])
        if a["type"] == "move" and following and following[0]["type"] in ("mouse_down", "mouse_up") \
                and (following[0]["x"], following[0]["y"]) == (a["x"], a["y"]):
            continue
        out.append(a)
    return out


@pytest.mark.parametrize("schema", list(SCHEMAS))
def test_every_action_of_every_schema_becomes_typed_actions_and_back(schema):
    table = get_schema(schema)
    assert set(SAMPLES[schema]) == set(table.actions)  # a sample for each provider action
    for name, (call, expected) in SAMPLES[schema].items():
        if name in REFUSED:
            continue
        got = parse(schema, call)
        assert js(got) == js(expected), name
        if (schema, name) in NO_WAY_BACK:
            continue
        # back: the typed actions as the schema's own calls, parsed again, do the same
        back = [a for action in got for c in table.encode(action, SCREEN, POINTER) for a in parse(schema, c)]
        assert same_effect(back) == same_effect(got), name


@pytest.mark.parametrize("schema", list(SCHEMAS))
def test_coordinates_scale_between_the_shown_screen_and_the_real_one(schema):
    table = get_schema(schema)
    for x, y in [(0, 0), (639, 359), (1279, 719), (333, 77)]:
        try:
            calls = table.encode(A.click(x, y), SCALED, POINTER)
        except ToolCallError:
            continue
        (back,) = [a for c in calls for a in parse(schema, c, SCALED)]
        assert abs(back["x"] - x) <= 1 and abs(back["y"] - y) <= 1  # 1280 -> 1024: at most one pixel off


@pytest.mark.parametrize(("schema", "call", "message"), [
    ("anthropic-20251124", {"name": "computer", "input": {"action": "left_click", "coordinate": [2000, 5]}},
     r"coordinate \[2000, 5\] is outside the screen \(0..1279, 0..719\)"),
    ("anthropic-20251124", {"name": "computer", "input": {"action": "hover"}}, "unknown action 'hover'"),
    ("anthropic-20251124", {"name": "computer", "input": {"action": "hold_key", "text": "a", "duration": 1}},
     "hold_key is not supported"),
    ("anthropic-20251124", {"name": "computer", "input": {"action": "left_click", "coordinate": [1, 1],
                                                          "text": "shift"}}, "holding keys during click"),
    ("anthropic-20251124", {"name": "computer", "input": {"action": "key", "text": "ctrl+hyper"}},
     "unknown key 'hyper'"),
    ("anthropic-20251124", {"name": "computer", "input": {"action": "scroll", "scroll_direction": "sideways",
                                                          "scroll_amount": 1}}, "scroll_direction must be"),
    ("anthropic-20250124", {"name": "computer", "input": {"action": "zoom", "region": [0, 0, 5, 5]}},
     "zoom is not an action of computer_20250124"),
    ("anthropic-20251124", {"name": "computer", "input": {"action": "zoom", "region": [10, 10, 5, 5]}},
     "must have x0 < x1"),
    ("anthropic-toolset", {"name": "type", "input": {}}, "type requires the parameter 'text'"),
    ("anthropic-toolset", {"name": "wait", "input": {"duration": 600}}, "duration must be between 0 and 60"),
    ("openai", {"type": "computer_call", "actions": [{"type": "click", "x": 1, "y": 1, "button": "back"}]},
     "button 'back' is not supported"),
    ("openai", {"type": "computer_call", "actions": []}, "'actions' must be a list of 1 to 32"),
    ("openai-preview", {"type": "computer_call", "actions": [{"type": "wait"}]}, "computer_use_preview sends one"),
    ("openai", {"type": "computer_call", "action": {"type": "type", "text": 5}}, "'text' of type must be a string"),
    ("gemini", {"name": "navigate", "args": {"url": "https://example.com"}}, "navigate is not available"),
    ("gemini", {"name": "click_at", "args": {"x": 1001, "y": 5}}, "are on the 0-1000 grid"),
    ("normalized", {"type": "click", "x": 1.5, "y": 0.5}, r"'x' is a fraction of the screen in \[0, 1\]"),
    ("normalized", {"type": "teleport"}, "bad action"),
])
def test_bad_calls_are_tool_errors_naming_what_is_wrong(schema, call, message):
    with pytest.raises(ToolCallError, match=message):
        parse(schema, call)


def test_long_waits_scrolls_and_texts_split_into_valid_actions():
    long = parse("anthropic-20251124", {"name": "computer", "input": {"action": "wait", "duration": 25}})
    assert [a["duration"] for a in long] == [10.0, 10.0, 5.0]
    far = parse("anthropic-20251124", {"name": "computer", "input": {"action": "scroll", "scroll_direction": "down",
                                                                      "scroll_amount": 45}})
    assert [a["dy"] for a in far] == [20, 20, 5]
    text = "x" * (A.MAX_TEXT + 10)
    assert [len(a["text"]) for a in parse("openai", {"type": "computer_call", "actions": [
        {"type": "type", "text": text}]})] == [A.MAX_TEXT, 10]
    keys = parse("anthropic-toolset", {"name": "key", "input": {"text": "ctrl+a Delete", "repeat": 2}})
    assert js(keys) == js([A.hotkey("ctrl", "a"), A.press("delete")] * 2)


def test_definitions_and_calls_match_the_providers_sdk_types():
    anthropic = pytest.importorskip("anthropic")
    openai_types = pytest.importorskip("openai.types.responses")
    genai_types = pytest.importorskip("google.genai.types")
    from pydantic import TypeAdapter

    beta = anthropic.types.beta
    (tool,) = get_schema("anthropic-20250124").definitions(SCALED)
    TypeAdapter(beta.BetaToolComputerUse20250124Param).validate_python(tool)
    assert (tool["display_width_px"], tool["display_height_px"]) == (1024, 576)
    (tool,) = get_schema("anthropic-20251124").definitions(SCALED)
    TypeAdapter(beta.BetaToolComputerUse20251124Param).validate_python(tool)
    (toolset,) = get_schema("anthropic-toolset").definitions(SCALED)
    TypeAdapter(anthropic.types.ComputerToolset20260801Param).validate_python(toolset)
    adapter = TypeAdapter(anthropic.types.ComputerToolUseBlock)
    for action in [A.click(10, 10), A.drag(1, 2, 3, 4), A.type("a"), A.hotkey("ctrl", "s"), A.scroll(5, 5, dy=2),
                   A.move(3, 3), A.double_click(4, 4), A.wait(3.0), A.mouse_down(2, 2)]:
        for block in get_schema("anthropic-toolset").encode(action, SCREEN, POINTER):
            parsed = adapter.validate_python({"id": "toolu_1", "caller": {"type": "direct"}, **block})
            assert parsed.name == block["name"]  # the SDK reads our block as that member's tool_use

    (preview,) = get_schema("openai-preview").definitions(SCALED)
    TypeAdapter(openai_types.ComputerUsePreviewToolParam).validate_python(preview)
    (computer,) = get_schema("openai").definitions(SCALED)
    TypeAdapter(openai_types.ComputerToolParam).validate_python(computer)
    for action in [A.click(10, 10, "middle"), A.drag(1, 2, 3, 4), A.type("a"), A.hotkey("ctrl", "s"),
                   A.scroll(5, 5, dy=-2), A.move(3, 3), A.double_click(4, 4), A.wait(1.0)]:
        for schema in ("openai", "openai-preview"):
            for item in get_schema(schema).encode(action, SCREEN, POINTER):
                call = openai_types.ResponseComputerToolCall.model_validate({"id": "cu_1", **item})
                assert call.type == "computer_call"

    (gemini_tool,) = get_schema("gemini").definitions(SCREEN)
    tool_model = genai_types.Tool.model_validate(gemini_tool)
    assert tool_model.computer_use.environment == genai_types.Environment.ENVIRONMENT_DESKTOP
    for action in [A.click(10, 10), A.drag(1, 2, 3, 4), A.hotkey("ctrl", "s"), A.scroll(5, 5, dy=2), A.wait(5.0)]:
        for call in get_schema("gemini").encode(action, SCREEN, POINTER):
            assert genai_types.FunctionCall.model_validate(call).name == call["name"]


@pytest.fixture
def mousepad():
    import gymnasium as gym

    env = gym.make("GymAnything/mousepad.append-entry-v1", audit=False)
    yield env
    env.close()


@pytest.mark.app
def test_a_provider_session_on_the_real_app_batches_zooms_and_finishes(mousepad):
    session = ToolSession(mousepad, "anthropic-20251124", shown=(1024, 576))
    first = session.reset(seed=3)
    assert first.image.shape == (576, 1024, 3) and first.text  # the shown size; the instruction
    # One turn of three calls: a bad one gets an error result, the other two run as one batched step.
    results = session.turn([
        {"id": "t1", "name": "computer", "input": {"action": "key", "text": "ctrl+End"}},
        {"id": "t2", "name": "computer", "input": {"action": "left_click", "coordinate": [5000, 5]}},
        {"id": "t3", "name": "computer", "input": {"action": "type", "text": "zebra-7741"}},
    ])
    assert not results[0].is_error and results[1].is_error and not results[2].is_error
    assert "outside the screen" in results[1].text
    assert mousepad.unwrapped._steps == 1  # one env step for the turn
    reply = session.reply({"id": "t2"}, results[1])
    assert reply["is_error"] and reply["tool_use_id"] == "t2" and reply["content"][0]["type"] == "text"
    assert not np.array_equal(results[2].image, first.image)  # the typed text is on screen
    zoom = session.call({"id": "t4", "name": "computer", "input": {"action": "zoom", "region": [0, 0, 512, 288]}})
    assert zoom.image.shape == (360, 640, 3)  # the region at the screen's full resolution
    cursor = session.call({"id": "t5", "name": "computer", "input": {"action": "cursor_position"}})
    assert cursor.text.startswith("X=")
    # OpenAI's batched form on the same env: save with ctrl+s in one computer_call
    openai = ToolSession(mousepad, "openai")
    openai.pointer, openai.frame = session.pointer, session.frame
    (saved,) = openai.turn([{"type": "computer_call", "call_id": "c1", "actions": [
        {"type": "keypress", "keys": ["CTRL", "S"]}, {"type": "wait"}]}])
    assert not saved.is_error and saved.image.shape == (720, 1280, 3)
    home = mousepad.unwrapped.episode_home
    assert "zebra-7741" in "".join(p.read_text(errors="replace") for p in home.rglob("*.txt"))
    final = session.finish()
    assert final.reward is not None and final.verifier is not None and session.ended


@pytest.mark.app
def test_the_tool_calling_agent_drives_the_real_app_through_a_local_endpoint(mousepad):
    from scripted_models import ScriptedModels, Turns

    from gym_anything.agents import load_agent

    def calls(*arguments):
        return lambda body: {"content": "", "tool_calls": [{"name": "computer", "arguments": a} for a in arguments]}

    script = Turns([
        calls({"type": "hotkey", "keys": ["ctrl", "end"]}, {"type": "type", "text": "\nzebra-7741"}),
        calls({"type": "click", "x": 2.0, "y": 0.5}),  # refused: the next turn tells the model why
        calls({"type": "hotkey", "keys": ["ctrl", "s"]}),
        lambda body: {"content": "The entry is saved."},  # no tool call: the final answer, DONE
    ])
    models = ScriptedModels({"cua": script})
    try:
        agent = load_agent(models.spec("cua"), tool_calls=True)
        obs, info = mousepad.reset(seed=5)
        agent.reset(info["instruction"], info)
        taken = []
        for _ in range(8):
            action = agent.act(obs, info)
            taken.append(A.describe(A.validate(action, W, H)))
            obs, reward, terminated, truncated, info = mousepad.step(action)
            if terminated or truncated:
                break
    finally:
        models.close()
    assert script.left == 0 and not models.errors
    assert taken[-1] == "done()" and len(taken) == 5  # hotkey, type, WAIT 0 (the refused turn), hotkey, DONE
    bodies = models.bodies("cua")
    assert bodies[0]["tools"][0]["function"]["name"] == "computer"
    for body in bodies:  # one screenshot per request: the current one
        images = [p for m in body["messages"] if isinstance(m["content"], list) for p in m["content"]
                  if p.get("type") == "image_url"]
        assert len(images) == 1
    tool_results = [m["content"] for m in bodies[2]["messages"] if m["role"] == "tool"]
    assert "ok" in tool_results and any("'x' is a fraction of the screen" in t for t in tool_results)
    home = mousepad.unwrapped.episode_home
    assert "zebra-7741" in "".join(p.read_text(errors="replace") for p in home.rglob("*.txt"))


def test_a_batch_is_one_step_checked_before_any_action_runs():
    import gymnasium as gym

    from gym_anything.errors import ActionError

    env = gym.make("GymAnything/mousepad.append-entry-v1", runner="fake", audit=False)
    try:
        env.reset(seed=1)
        with pytest.raises(ActionError, match=r"batch action 1: action\['x'\]=5000 is out of range"):
            env.step([A.click(5, 5), A.click(5000, 5)])
        with pytest.raises(ActionError, match="DONE may only be the last action of a batch"):
            env.step([A.done(), A.click(5, 5)])
        with pytest.raises(ActionError, match="a batch of actions holds 1 to 32 actions"):
            env.step([])
        assert env.unwrapped.runner.pointer() != (5, 5)  # nothing of the refused batches ran
        _, reward, terminated, _, info = env.step([A.click(5, 5), A.type("ab"), A.press("enter")])
        assert info["batch"] == 3 and info["step"] == 1 and not terminated
        assert info["action"].count(";") == 2 and info["pointer"] == (5, 5)
        _, reward, terminated, _, info = env.step([A.type("c"), A.done()])
        assert terminated and info["step"] == 2 and "verifier" in info
    finally:
        env.close()


def test_typed_actions_are_one_step_and_the_outcome_stays_on_the_session():
    import gymnasium as gym

    from gym_anything.errors import ActionError

    env = gym.make("GymAnything/mousepad.append-entry-v1", runner="fake", audit=False, max_steps=2)
    try:
        session = ToolSession(env, "anthropic-toolset", shown=(640, 360))
        session.reset(seed=1)
        with pytest.raises(ActionError, match=r"action\['x'\]=5000 is out of range"):
            session.act([A.click(5000, 5)])  # nothing ran: not a step
        step = session.act([A.click(5, 5), A.type("ab")])
        assert step.image.shape == (360, 640, 3) and step.reward is None and session.passed is None
        (last,) = session.turn([{"name": "key", "input": {"text": "Return"}}])  # the budget's second step
        assert last.is_error and "the step budget is used up" in last.text and session.ended
        assert session.reward is not None and session.passed is session.verifier["passed"]
        with pytest.raises(RuntimeError, match="the episode has ended"):
            session.act([A.done()])
        session.reset(seed=1)
        assert session.reward is None and session.passed is None  # a new episode: no outcome yet
        done = session.act([A.done()])
        assert done.text.startswith("the episode ended; reward") and done.reward == session.reward is not None
    finally:
        env.close()
