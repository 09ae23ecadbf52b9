"""The action space, helper constructors and validation errors."""

from __future__ import annotations

import numpy as np
import pytest

from gym_anything import actions as A
from gym_anything.actions import ActionError, ActionType, action_space, validate

W, H = 1280, 720


@pytest.mark.parametrize("action", [
    A.move(0, 0), A.click(1279, 719), A.double_click(5, 5), A.right_click(10, 10), A.mouse_down(3, 4),
    A.mouse_up(3, 4, "right"), A.drag(1, 2, 300, 400), A.scroll(50, 60, dy=-3, dx=2), A.type("héllo wörld 日本 😀\n"),
    A.hotkey("ctrl", "shift", "s"), A.press("enter"), A.wait(0.5), A.done(),
])
def test_helpers_build_members_of_the_space(action):
    space = action_space(W, H)
    assert space.contains(action), action
    validate(action, W, H)


def test_sampled_actions_validate():
    space = action_space(W, H)
    space.seed(0)
    for _ in range(200):
        validate(space.sample(), W, H)


def test_validate_normalises():
    out = validate(A.hotkey("ctrl", "S"), W, H)
    assert out["type"] is ActionType.HOTKEY and out["keys"] == ("ctrl", "s")
    assert A.describe(out) == "hotkey(ctrl+s)"
    assert validate({"type": 1, "x": 5, "y": 6}, W, H)["x"] == 5  # unused fields may be omitted


@pytest.mark.parametrize(("action", "message"), [
    ({**A.click(0, 0), "x": 1280}, r"action\['x'\]=1280 is out of range \[0, 1279\]"),
    ({**A.click(0, 0), "y": -1}, r"action\['y'\]=-1 is out of range \[0, 719\]"),
    ({**A.click(0, 0), "x": 3.5}, r"action\['x'\] must be an integer"),
    ({**A.click(0, 0), "type": 99}, r"action\['type'\]=99 is out of range"),
    ({**A.scroll(0, 0), "dy": 50}, r"action\['dy'\]=50 is out of range \[-20, 20\]"),
    ({**A.type(""), "text": "x" * 600}, r"at most 512"),
    ({**A.type(""), "text": "bell\x07"}, r"outside the text charset"),
    ({**A.type(""), "text": 5}, r"action\['text'\] must be a str"),
    ({**A.wait(0), "duration": 11.0}, r"action\['duration'\]=11.0 is out of range"),
    ({**A.done(), "keys": [1, 2]}, r"action\['keys'\] must be 4 integers"),
    ({**A.done(), "keys": np.array([999, 0, 0, 0])}, r"action\['keys'\] values must be in"),
    ({**A.done(), "type": ActionType.HOTKEY}, r"at least one key"),
    ({"x": 1}, r"action\['type'\] is required"),
    ({"type": 0, "colour": 1}, r"unknown action field"),
    ([1, 2], r"must be a dict"),
])
def test_bad_actions_raise_naming_field_and_range(action, message):
    with pytest.raises(ActionError, match=message):
        validate(action, W, H)


@pytest.mark.parametrize(("action", "message"), [
    ({**A.done(), "keys": [[1, 2], [3]]}, r"action\['keys'\] must be 4 integers in \[0, \d+\]"),
    ({**A.done(), "keys": [[1, 2], [3, 4]]}, r"action\['keys'\] must be 4 integers"),
    ({**A.done(), "keys": [1, [2], 0, 0]}, r"action\['keys'\] must be 4 integers"),
    ({**A.done(), "keys": ["ctrl", "s", 0, 0]}, r"action\['keys'\] must be 4 integers"),
    ({**A.done(), "keys": [1.0, 0, 0, 0]}, r"action\['keys'\] must be 4 integers"),
    ({**A.done(), "keys": [True, False, False, False]}, r"action\['keys'\] must be 4 integers"),
    ({**A.done(), "keys": None}, r"action\['keys'\] must be 4 integers"),
    ({**A.done(), "keys": {"ctrl": 1}}, r"action\['keys'\] must be 4 integers"),
    ({"type": 0, 1: "x", "colour": 2, None: 3}, r"unknown action field\(s\) \['1', 'None', 'colour'\]; allowed"),
    ({"type": 0, ("x",): 1}, r"unknown action field\(s\) \[\"\('x',\)\"\]"),
    ({**A.wait(0), "duration": "5"}, r"action\['duration'\] must be a finite number of seconds in \[0, 10.0\]"),
    ({**A.wait(0), "duration": True}, r"action\['duration'\] must be a finite number"),
    ({**A.wait(0), "duration": np.bool_(True)}, r"action\['duration'\] must be a finite number"),
    ({**A.wait(0), "duration": None}, r"action\['duration'\] must be a finite number"),
    ({**A.wait(0), "duration": float("nan")}, r"action\['duration'\] must be a finite number"),
    ({**A.wait(0), "duration": np.float32("inf")}, r"action\['duration'\] must be a finite number"),
    ({**A.wait(0), "duration": [0.5]}, r"action\['duration'\] must be a finite number"),
    ({**A.wait(0), "duration": np.array([0.5])}, r"action\['duration'\] must be a finite number"),
    ({**A.wait(0), "duration": 10**400}, r"action\['duration'\]=1000.* is out of range \[0, 10.0\]"),
    ({**A.wait(0), "duration": -0.5}, r"action\['duration'\]=-0.5 is out of range"),
    ({**A.click(0, 0), "x": True}, r"action\['x'\] must be an integer in \[0, 1279\]"),
    ({**A.click(0, 0), "y": "10"}, r"action\['y'\] must be an integer in \[0, 719\]"),
    ({**A.click(0, 0), "x": float("nan")}, r"action\['x'\] must be an integer"),
    ({**A.click(0, 0), "x": np.array([5])}, r"action\['x'\] must be an integer"),
    ({**A.click(0, 0), "button": None}, r"action\['button'\] must be an integer in \[0, 2\]"),
    ({**A.scroll(0, 0), "dy": np.float64(1)}, r"action\['dy'\] must be an integer in \[-20, 20\]"),
    ({**A.click(0, 0), "type": "click"}, r"action\['type'\] must be an integer in \[0, 11\]"),
    ({**A.type(""), "text": b"bytes"}, r"action\['text'\] must be a str of at most 512 characters"),
])
def test_malformed_fields_raise_action_error_naming_field_and_allowed_values(action, message):
    with pytest.raises(ActionError, match=message):
        validate(action, W, H)


@pytest.mark.parametrize(("duration", "expected"), [
    (np.array(0.25, dtype=np.float32), 0.25), (np.float32(1.5), 1.5), (np.float64(2.0), 2.0), (3, 3.0),
    (np.int64(4), 4.0), (0.0, 0.0), (10.0, 10.0),
])
def test_numeric_durations_of_every_kind_still_validate(duration, expected):
    out = validate({**A.wait(0), "duration": duration}, W, H)
    assert out["duration"] == expected and isinstance(out["duration"], float)


def test_numpy_fields_as_sampled_still_validate():
    out = validate({"type": np.int64(1), "x": np.array(5), "y": np.int32(6), "keys": np.array([1, 0, 0, 0], np.uint8),
                    "duration": np.array(0.5, np.float32)}, W, H)
    assert (out["type"], out["x"], out["y"], out["keys"], out["duration"]) == (ActionType.CLICK, 5, 6, ("enter",), 0.5)


def test_unknown_key_name_is_rejected():
    with pytest.raises(ActionError, match="unknown key 'hyper'"):
        A.hotkey("ctrl", "hyper")
    with pytest.raises(ActionError, match="1 to 4 keys"):
        A.hotkey("a", "b", "c", "d", "e")
    with pytest.raises(ActionError, match="button must be"):
        A.click(1, 1, button="fourth")
