"""Reading pyautogui-style actions out of model replies: round trip with to_code, accepted forms, refusals."""

from __future__ import annotations

import pytest

from gym_anything import actions as A
from gym_anything.agents.parsing import MAX_REPLY_CHARS, ActionParseError, parse_actions

W, H = 1280, 720


def described(text: str, **kwargs) -> list[str]:
    return [A.describe(A.validate(action, W, H)) for action in parse_actions(text, W, H, **kwargs)]


def test_round_trip_of_to_code_over_random_actions():
    """Property: for valid actions of every type, parse_actions(to_code(a)) is exactly a."""
    space = A.action_space(W, H)
    space.seed(20261101)
    seen = set()
    for _ in range(1500):
        # Every field sampled from the space; text only for TYPE (sampling the big unicode charset is slow).
        sample = {name: sub.sample() for name, sub in space.spaces.items() if name != "text"}
        if sample["type"] == A.ActionType.TYPE:
            sample["text"] = space["text"].sample()
        action = A.validate(sample, W, H)
        seen.add(action["type"])
        parsed = parse_actions(A.to_code(action), W, H)
        assert [A.to_json(A.validate(p, W, H)) for p in parsed] == [A.to_json(action)], A.to_code(action)
    assert seen == set(A.ActionType)


@pytest.mark.parametrize("action", [
    A.drag(0, 0, W - 1, H - 1, button="right"), A.scroll(5, 6, dy=3, dx=-2), A.scroll(5, 6, dx=4),
    A.scroll(5, 6), A.type("héllo 'quoted' \"twice\"\n\tübung 東京 🎉"), A.type(""), A.hotkey("ctrl", "shift", "'"),
    A.press("\\"), A.wait(0.125), A.click(3, 4, button="middle"), A.mouse_up(1, 2, button="right"),
])
def test_round_trip_of_edge_cases(action):
    valid = A.validate(action, W, H)
    assert [A.to_json(A.validate(p, W, H)) for p in parse_actions(A.to_code(valid), W, H)] == [A.to_json(valid)]


def test_replies_with_prose_fences_and_several_calls():
    reply = """I will open the cell, type the total and save.
```python
import pyautogui
pyautogui.click(x=120, y=45)   # the name box
pyautogui.write("B9\\n")
pyautogui.hotkey('ctrl', 's')
```
Then I am finished:
DONE."""
    assert described(reply) == ["click(120, 45)", "type('B9\\n')", "hotkey(ctrl+s)", "done()"]
    assert described("pyautogui.doubleClick(10, 20); pyautogui.rightClick(30, 40)") == \
        ["double_click(10, 20)", "right_click(30, 40)"]
    assert described("Let me wait.\nWAIT") == ["wait(1.00)"]
    assert described("`FAIL`") == ["done()"]  # giving up ends the episode
    assert described("```\ntime.sleep(2)\n```") == ["wait(2.00)"]


def test_pyautogui_argument_forms():
    assert described("pyautogui.click(100, 200, button='right')") == ["click(100, 200)"]
    assert A.validate(parse_actions("pyautogui.click(100, 200, button='secondary')")[0], W, H)["button"] == \
        A.Button.RIGHT
    assert described("pyautogui.click((7, 8))") == ["click(7, 8)"]
    assert described("pyautogui.click(10.4, 20.6, clicks=2)") == ["double_click(10, 21)"]
    assert described("pyautogui.click(5, 6, duration=0.5, interval=0.1)") == ["click(5, 6)"]
    assert described("pyautogui.moveTo(10, 20)\npyautogui.click()") == ["move(10, 20)", "click(10, 20)"]
    assert described("pyautogui.moveTo(10, 20); pyautogui.dragTo(300, 400, duration=1, button='left')") == \
        ["drag(10, 20 -> 300, 400)"]
    assert described("pyautogui.dragTo(300, 400)", pointer=(1, 2)) == ["drag(1, 2 -> 300, 400)"]
    assert described("pyautogui.mouseDown(5, 6, 'right'); pyautogui.mouseUp(button='right')") == \
        ["mouse_down(5, 6, right)", "mouse_up(5, 6, right)"]
    assert described("pyautogui.scroll(-3, x=100, y=200); pyautogui.vscroll(2, 100, 200)") == \
        ["scroll(100, 200, dx=0, dy=3)", "scroll(100, 200, dx=0, dy=-2)"]
    assert described("pyautogui.typewrite(['a', 'enter'])") == ["hotkey(a)", "hotkey(enter)"]
    assert described("pyautogui.press('tab', presses=3)") == ["hotkey(tab)"] * 3
    assert described("pyautogui.press(['down', 'enter'])") == ["hotkey(down)", "hotkey(enter)"]
    assert described("pyautogui.hotkey(['ctrl', 'A'])") == ["hotkey(ctrl+a)"]
    assert described("pyautogui.keyDown('ctrl'); pyautogui.press('c'); pyautogui.keyUp('ctrl')") == ["hotkey(ctrl+c)"]
    assert described("pyautogui.keyDown('shift'); pyautogui.keyDown('f10'); pyautogui.keyUp('f10');"
                     "pyautogui.keyUp('shift')") == ["hotkey(shift+f10)"]
    long_text = "x" * (A.MAX_TEXT * 2 + 3)
    assert [A.validate(a, W, H)["text"] for a in parse_actions(f"pyautogui.write({long_text!r})")] == \
        ["x" * A.MAX_TEXT, "x" * A.MAX_TEXT, "xxx"]


@pytest.mark.parametrize("text, message", [
    ("pyautogui.click(1280, 5)", "x=1280 is outside the screen (0..1279)"),
    ("pyautogui.click(5, -1)", "y=-1 is outside the screen"),
    ("pyautogui.click(5, 1e309)", "finite number"),
    ("pyautogui.click(True, 5)", "finite number"),
    ("pyautogui.click('button.png')", "needs x and y"),
    ("pyautogui.click()", "pointer position is not known"),
    ("pyautogui.click(1, 2, clicks=3)", "clicks must be 1"),
    ("pyautogui.click(1, 2, button='thumb')", "button must be one of"),
    ("pyautogui.click(1, 2, bogus=1)", "unknown argument 'bogus'"),
    ("pyautogui.moveTo(1, 2, 3, 4, 5)", "at most 3 positional"),
    ("pyautogui.dragTo(5, 6)", "needs a start"),
    ("pyautogui.scroll(50, x=1, y=2)", "out of range [-20, 20]"),
    ("pyautogui.sleep(11)", "out of range [0, 10.0]"),
    ("pyautogui.write('nul\\x00byte')", "outside the text charset"),
    ("pyautogui.press('hyperkey')", "unknown key 'hyperkey'"),
    ("pyautogui.hotkey('ctrl', 'alt', 'shift', 'win', 'x')", "at most 4 keys"),
    ("pyautogui.keyDown('shift')", "never released"),
    ("pyautogui.keyDown('shift'); pyautogui.click(1, 2)", "held down"),
    ("pyautogui.screenshot()", "unknown call"),
    ("I clicked the button and the file is saved.", "no action found"),
    ("done", "no action found"),  # lower-case prose is not a token
    ("```python\npyautogui.click(1, 2\n```", "not valid Python call syntax"),
])
def test_bad_replies_name_the_call_and_the_problem(text, message):
    with pytest.raises(ActionParseError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")):
        parse_actions(text, W, H)


@pytest.mark.parametrize("text", [
    "__import__('os').system('touch {sentinel}')",
    "pyautogui.write(__import__('os').system('touch {sentinel}'))",
    "pyautogui.write(open('{sentinel}', 'w').write('x'))",
    "pyautogui.click(os.environ, 1)",
    "pyautogui.write.__globals__['os'].system('touch {sentinel}')",
    "pyautogui.__class__",
    "os.system('touch {sentinel}')",
    "pyautogui.write(f\"{{__import__('os').system('touch {sentinel}')}}\")",
    "pyautogui.click(10**100, 5)",
    "pyautogui.click(1" + "0" * 5000 + ", 5)",
    "pyautogui.click(*[1, 2])",
    "pyautogui.click(**{{'x': 1, 'y': 2}})",
    "pyautogui.click(-(-5), 5)",
    "pyautogui.write('a' + 'b')",
    "exec(\"open('{sentinel}', 'w')\")",
    "eval('1')",
    "import os",
    "from pyautogui import click",
    "x = pyautogui.click(1, 2)",
    "[pyautogui.click(i, i) for i in range(9)]",
    "pyautogui.click((lambda: 5)(), 5)",
    "pyautogui.write((yield))",
    "if True: pyautogui.click(1, 2)",
    "pyautogui.click(" + "(" * 300 + "1" + ")" * 300 + ", 5)",
    "pyautogui.click(" + "-" * 50_000 + "1, 5)",
    "pyautogui.write('" + "x" * MAX_REPLY_CHARS + "')",
])
@pytest.mark.parametrize("fenced", [False, True])
def test_malicious_replies_are_refused_and_never_run(text, fenced, tmp_path):
    sentinel = tmp_path / "pwned"
    reply = text.format(sentinel=sentinel)
    with pytest.raises(ActionParseError) as error:
        parse_actions(f"```python\n{reply}\n```" if fenced else reply, W, H)
    assert not sentinel.exists()
    if fenced and len(reply) < 100:  # inside a fence the statement itself is refused, and named
        assert repr(reply)[1:20] in str(error.value) or "syntax" in str(error.value), error.value
