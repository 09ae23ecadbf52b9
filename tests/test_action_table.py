"""The action table (gym_anything.actions.ACTION_KINDS): every type is complete, and every form agrees with it."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from browser_for_tests import headless_chromium

from gym_anything import actions as A
from gym_anything.actions import ACTION_KINDS, ActionKind, ActionType, Overlay, Part
from gym_anything.agents.parsing import parse_actions
from gym_anything.runtime import xclient

W, H = 1280, 720

# One or two examples per type, with the exact forms run folders record (steps.jsonl) and agents are shown.
EXAMPLES = [
    (A.move(5, 6), "move(5, 6)", {"type": "move", "x": 5, "y": 6}, "pyautogui.moveTo(5, 6)"),
    (A.click(1, 2), "click(1, 2)", {"type": "click", "x": 1, "y": 2, "button": "left"}, "pyautogui.click(1, 2)"),
    (A.click(1, 2, "middle"), "click(1, 2)", {"type": "click", "x": 1, "y": 2, "button": "middle"},
     "pyautogui.click(1, 2, button='middle')"),
    (A.double_click(3, 4), "double_click(3, 4)", {"type": "double_click", "x": 3, "y": 4},
     "pyautogui.doubleClick(3, 4)"),
    (A.right_click(7, 8), "right_click(7, 8)", {"type": "right_click", "x": 7, "y": 8}, "pyautogui.rightClick(7, 8)"),
    (A.mouse_down(9, 10, "right"), "mouse_down(9, 10, right)", {"type": "mouse_down", "x": 9, "y": 10,
                                                                "button": "right"},
     "pyautogui.mouseDown(9, 10, button='right')"),
    (A.mouse_up(9, 10), "mouse_up(9, 10, left)", {"type": "mouse_up", "x": 9, "y": 10, "button": "left"},
     "pyautogui.mouseUp(9, 10, button='left')"),
    (A.drag(1, 2, 300, 400), "drag(1, 2 -> 300, 400)",
     {"type": "drag", "x": 1, "y": 2, "x2": 300, "y2": 400, "button": "left"},
     "pyautogui.moveTo(1, 2); pyautogui.dragTo(300, 400, button='left')"),
    (A.scroll(50, 60, dy=-3, dx=2), "scroll(50, 60, dx=2, dy=-3)", {"type": "scroll", "x": 50, "y": 60, "dx": 2,
                                                                     "dy": -3},
     "pyautogui.scroll(3, x=50, y=60); pyautogui.hscroll(2, x=50, y=60)"),
    (A.scroll(50, 60), "scroll(50, 60, dx=0, dy=0)", {"type": "scroll", "x": 50, "y": 60, "dx": 0, "dy": 0},
     "pyautogui.scroll(0, x=50, y=60)"),
    (A.type("héllo\n日本 😀"), "type('héllo\\n日本 😀')", {"type": "type", "text": "héllo\n日本 😀"},
     "pyautogui.write('héllo\\n日本 😀')"),
    (A.hotkey("ctrl", "S"), "hotkey(ctrl+s)", {"type": "hotkey", "keys": ["ctrl", "s"]},
     "pyautogui.hotkey('ctrl', 's')"),
    (A.press("enter"), "hotkey(enter)", {"type": "hotkey", "keys": ["enter"]}, "pyautogui.press('enter')"),
    (A.wait(0.1254), "wait(0.13)", {"type": "wait", "duration": 0.125}, "pyautogui.sleep(0.125)"),
    (A.done(), "done()", {"type": "done"}, "DONE"),
]


def _samples(kind: ActionType, count: int, seed: int) -> list[dict]:
    """Validated actions of one type with every other field sampled from the space."""
    space = A.action_space(W, H)
    space.seed(seed)
    out = []
    while len(out) < count:
        sample = {name: sub.sample() for name, sub in space.spaces.items() if name != "text"}
        sample["type"] = int(kind)
        sample["text"] = space["text"].sample() if kind is ActionType.TYPE else ""
        if kind is ActionType.HOTKEY and not sample["keys"].any():
            continue
        out.append(A.validate(sample, W, H))
    return out


class Reads(dict):
    """A dict that remembers which keys were read."""

    def __init__(self, *args):
        super().__init__(*args)
        self.read: set[str] = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)


def test_every_action_type_has_a_complete_table_entry_and_a_helper():
    assert list(ACTION_KINDS) == list(ActionType)
    for kind, entry in ACTION_KINDS.items():
        assert isinstance(entry, ActionKind) and entry.type is kind and entry.name == kind.name.lower()
        assert callable(getattr(A, entry.name, None)), f"no helper constructor gym_anything.actions.{entry.name}"
    assert {A.validate(example, W, H)["type"] for example, *_ in EXAMPLES} == set(ActionType)


@pytest.mark.parametrize(("action", "text", "data", "code"), EXAMPLES, ids=[e[1] for e in EXAMPLES])
def test_the_recorded_forms_of_each_type(action, text, data, code):
    valid = A.validate(action, W, H)
    assert (A.describe(valid), A.to_json(valid), A.to_code(valid)) == (text, data, code)
    assert list(A.to_json(valid)) == list(data)  # the key order of steps.jsonl too
    assert [A.to_json(A.validate(a, W, H)) for a in parse_actions(code, W, H)] == [data]  # agents read it back


@pytest.mark.parametrize("kind", list(ActionType), ids=lambda t: t.name)
def test_every_type_round_trips_and_each_form_reads_only_the_fields_the_type_uses(kind):
    entry = ACTION_KINDS[kind]
    for valid in _samples(kind, 60, seed=int(kind)):
        data = A.to_json(valid)
        assert list(data) == ["type", *entry.fields] and data["type"] == entry.name
        assert json.loads(json.dumps(data)) == data
        back = A.validate(A.from_json(data), W, H)
        assert A.to_json(back) == data and A.to_code(back) == A.to_code(valid)
        # JSON keeps a WAIT's duration in milliseconds; describe shows the unrounded value with 2 decimals
        assert A.describe(back) == A.describe(valid) or kind is ActionType.WAIT
        for field in entry.fields:
            assert back[field] == valid[field] or field == "duration" and abs(back[field] - valid[field]) < 5e-4
        for form in (A.describe, A.to_code, A.to_json):
            reads = Reads(valid)
            assert isinstance(form(reads), (str, dict))
            assert reads.read <= {"type", *entry.fields}, (form.__name__, reads.read)


def test_a_rule_of_a_type_is_checked_after_its_fields():
    with pytest.raises(A.ActionError, match="at least one key for a HOTKEY action"):
        A.validate({"type": int(ActionType.HOTKEY)}, W, H)
    A.validate({"type": int(ActionType.DONE)}, W, H)  # no keys is fine for any other type


def test_a_bad_table_entry_fails_when_it_is_written():
    with pytest.raises(ValueError, match="must be distinct action fields in the order"):
        ActionKind(ActionType.CLICK, ("y", "x"), "click", "click", Overlay())
    with pytest.raises(ValueError, match="must be distinct action fields"):
        ActionKind(ActionType.CLICK, ("x", "colour"), "click", "click", Overlay())
    with pytest.raises(ValueError, match=r"the overlay reads \['x2', 'y2'\], which the type does not use"):
        ActionKind(ActionType.CLICK, ("x", "y"), "click", "click", Overlay(("x", "y"), arrow_to=("x2", "y2")))
    with pytest.raises(ValueError, match=r"the overlay reads \['text'\]"):
        ActionKind(ActionType.DONE, (), "done()", "DONE", Overlay(banner=(Part("text"),)))



# --- X input: one handler per type in runtime.xclient.PERFORM ------------------------------------------


class Gestures(xclient.XClient):
    """The X client's dispatch with XTEST replaced by a list of the input it would fake."""

    def __init__(self):  # no display
        self.calls: list[tuple] = []
        self.d = SimpleNamespace(sync=lambda: None)

    def move(self, x, y):
        self.calls.append(("move", x, y))

    def button(self, button, down):
        self.calls.append(("down" if down else "up", button))

    def type_text(self, text):
        self.calls.append(("type", text))

    def hotkey(self, keys):
        self.calls.append(("keys", tuple(keys)))


def test_every_action_type_has_a_dispatch_handler():
    assert list(xclient.PERFORM) == list(ActionType)


@pytest.mark.parametrize("kind", list(ActionType), ids=lambda t: t.name)
def test_dispatch_reads_only_the_fields_the_json_form_keeps(kind):
    """So a trajectory replayed from steps.jsonl gives the same input."""
    for valid in _samples(kind, 30, seed=100 + int(kind)):
        reads = Reads(valid)
        client = Gestures()
        client.perform(reads)
        assert reads.read <= {"type", *ACTION_KINDS[kind].fields}, reads.read
        replayed = Gestures()
        replayed.perform(A.validate(A.from_json(A.to_json(valid)), W, H))
        assert replayed.calls == client.calls


@pytest.mark.parametrize(("action", "calls"), [
    (A.move(5, 6), [("move", 5, 6)]),
    (A.click(1, 2, "middle"), [("move", 1, 2), ("down", 2), ("up", 2)]),
    (A.double_click(3, 4), [("move", 3, 4), ("down", 1), ("up", 1), ("down", 1), ("up", 1)]),
    ({**A.double_click(3, 4), "button": 2}, [("move", 3, 4), ("down", 1), ("up", 1), ("down", 1), ("up", 1)]),
    (A.right_click(3, 4), [("move", 3, 4), ("down", 3), ("up", 3)]),
    (A.mouse_down(3, 4, "right"), [("move", 3, 4), ("down", 3)]),
    (A.mouse_up(3, 4), [("move", 3, 4), ("up", 1)]),
    (A.drag(0, 0, 100, 50), [("move", 0, 0), ("down", 1),
                             *[("move", 10 * i, 5 * i) for i in range(1, 11)], ("up", 1)]),
    (A.scroll(7, 8, dy=2, dx=-1), [("move", 7, 8), ("down", 5), ("up", 5), ("down", 5), ("up", 5), ("down", 6),
                                   ("up", 6)]),
    (A.scroll(7, 8, dy=-1), [("move", 7, 8), ("down", 4), ("up", 4)]),
    (A.type("hé\n"), [("type", "hé\n")]),
    (A.hotkey("ctrl", "s"), [("keys", ("ctrl", "s"))]),
    (A.wait(1), []),
    (A.done(), []),
], ids=lambda v: v["type"] if isinstance(v, dict) else None)
def test_the_input_each_type_fakes(action, calls):
    client = Gestures()
    client.perform(A.validate(action, W, H))
    assert client.calls == calls


# --- the trajectory viewer: draws every type from the table's overlays -----------------------------------

VIEWER_JS = Path(A.__file__).parent / "benchmark" / "leaderboard" / "assets" / "viewer.js"
# (action, label text, banner text, rings, arrow end or None): how the viewer has always drawn each type
DRAWN = [
    (A.move(5, 6), "move", None, 1, None),
    (A.click(100, 200), "click", None, 1, None),
    (A.click(100, 200, "middle"), "click middle", None, 1, None),
    (A.double_click(1270, 10), "double click", None, 2, None),
    (A.right_click(3, 700), "right click", None, 1, None),
    (A.mouse_down(40, 50, "right"), "mouse down", None, 1, None),
    (A.mouse_up(40, 50), "mouse up", None, 1, None),
    (A.drag(10, 20, 300, 400, "right"), "drag right", None, 1, (300, 400)),
    (A.scroll(600, 300, dy=3), "scroll dy=3", None, 1, (600, 340)),
    (A.scroll(600, 300, dy=-20, dx=7), "scroll dy=-20 dx=7", None, 1, (684, 60)),
    (A.type("hello\nworld\t" + "y" * 80), "type \u201chello\u23ceworld\u21e5" + "y" * 48 + "\u2026\u201d", None, 0,
     None),
    (A.hotkey("ctrl", "shift", "s"), "keys ctrl+shift+s", None, 0, None),
    (A.wait(0.5), None, "WAIT 0.5 s", 0, None),
    (A.done(), None, "DONE", 0, None),
]


def _viewer(steps: list[dict], folder: Path) -> Path:
    from gym_anything.benchmark.leaderboard import site

    page = folder / "runs" / "run" / "episode" / "index.html"
    page.parent.mkdir(parents=True)
    shutil.copytree(site.ASSETS, folder / "assets")
    run = site._Run(folder=folder, slug="run", name="run", meta={"name": "run"}, episodes=[], total=0)
    page.write_text(site._viewer_page(run, {"episode": "episode", "steps": len(steps)}, steps,
                                      [None] * (len(steps) + 1), (W, H), False), encoding="utf-8")
    return page


def _step(index: int, action: dict) -> dict:
    valid = A.validate(action, W, H)
    return {"step": index, "action": A.to_json(valid), "action_text": A.to_code(valid), "reward": 0.0}


def test_the_viewer_page_carries_the_overlay_of_every_type_and_the_script_names_none(tmp_path):
    overlays = A.viewer_overlays()
    assert list(overlays) == [kind.name for kind in ACTION_KINDS.values()]
    page = _viewer([_step(i + 1, a) for i, (a, *_) in enumerate(DRAWN)], tmp_path)
    data = json.loads(re.search(r'<script type="application/json" id="trajectory">(.*?)</script>',
                                page.read_text(), re.DOTALL).group(1))
    assert data["overlays"] == overlays
    script = re.sub(r"""addEventListener\(["']\w+["']""", "", VIEWER_JS.read_text())  # DOM events, e.g. "click"
    named = [kind.name for kind in ACTION_KINDS.values() if re.search(rf"""["']{kind.name}["']""", script)]
    assert named == [], f"viewer.js names action types {named}: draw them from ACTION_KINDS' overlays instead"


def test_the_viewer_draws_every_type_from_the_table(tmp_path):
    """Headless Chromium, no app: each type's marks, label and banner, then an unknown type and missing fields."""
    assert {A.validate(a, W, H)["type"] for a, *_ in DRAWN} == set(ActionType)
    odd = [{"type": "teleport", "x": 5, "y": 5}, {"type": "click"}, {"type": "drag", "x": 1, "y": 2},
           {"type": "__proto__"}, {"type": "type", "text": {"a": 1}}]
    steps = [_step(i + 1, a) for i, (a, *_) in enumerate(DRAWN)]
    steps += [{"step": len(steps) + i + 1, "action": a, "action_text": "", "reward": 0.0} for i, a in enumerate(odd)]
    page = _viewer(steps, tmp_path)
    driver = headless_chromium()
    try:
        driver.get(page.as_uri())
        marks = """const m = document.getElementById('marks'), one = s => m.querySelector(s);
            const xy = (e, a, b) => e ? [Number(e.getAttribute(a)), Number(e.getAttribute(b))] : null;
            return {kind: document.getElementById('overlay').dataset.kind,
                    label: one('#label') && one('#label').textContent,
                    banner: one('#banner') && one('#banner').textContent,
                    rings: m.querySelectorAll('circle').length, mark: xy(one('#mark'), 'cx', 'cy'),
                    from: xy(one('#arrow'), 'x1', 'y1'), to: xy(one('#arrow'), 'x2', 'y2')};"""
        for index, (_, label, banner, rings, end) in enumerate(DRAWN):
            data = steps[index]["action"]
            drawn = driver.execute_script(marks)
            assert (drawn["kind"], drawn["label"], drawn["banner"], drawn["rings"]) == \
                (data["type"], label, banner, rings), data
            assert drawn["mark"] == ([data["x"], data["y"]] if rings else None)
            assert drawn["to"] == (list(end) if end else None) and drawn["from"] == (drawn["mark"] if end else None)
            driver.find_element("id", "next").click()
        for action, label in zip(odd, ["teleport", "click", "drag", "__proto__", "type \u201c[object Object]\u201d"],
                                 strict=True):
            drawn = driver.execute_script(marks)
            assert (drawn["kind"], drawn["label"], drawn["to"]) == (action["type"], label, None)
            driver.find_element("id", "next").click()
        assert driver.execute_script(marks)["kind"] == "end"
        assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
    finally:
        driver.quit()
