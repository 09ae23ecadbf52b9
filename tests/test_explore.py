"""``gym-anything create explore``: the file layout, the action forms, clear errors, task-less software (fake runner),
and on the real mousepad: the window list shows a dialog and an OCR box's centre, clicked, presses that button."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from gym_anything import actions as A
from gym_anything.cli.main import main
from gym_anything.creation import ExploreError, explore, find_text
from gym_anything.creation.explore import read_actions
from gym_anything.specs.loader import load_env
from gym_anything.specs.registry import software_spec
from gym_anything.verification.ocr import SCALE, parse_tsv

MOUSEPAD = software_spec("mousepad")


def _lines(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "steps.jsonl").read_text().splitlines()]


def test_the_layout_one_frame_line_and_ocr_file_per_step(tmp_path):
    out = tmp_path / "run"
    result = explore(MOUSEPAD, [{"type": "type", "text": "hello"}, "pyautogui.click(10, 20)",
                                A.to_json(A.validate(A.wait(0.5), 1280, 720))], out, runner="fake")
    assert sorted(p.name for p in (out / "frames").iterdir()) == [f"{n:04d}.png" for n in range(4)]
    assert sorted(p.name for p in (out / "ocr").iterdir()) == [f"{n:04d}.json" for n in range(4)]
    lines = _lines(out)
    assert [s["step"] for s in lines] == [0, 1, 2, 3] and lines == json.loads(json.dumps(result.steps))
    assert lines[0]["action"] is None and lines[0]["reset_time"] > 0 and lines[0]["frame"] == "frames/0000.png"
    assert lines[1]["action"] == {"type": "type", "text": "hello"} and lines[1]["code"] == "pyautogui.write('hello')"
    assert lines[2]["action"]["type"] == "click" and lines[2]["pointer"] == [10, 20]
    for line in lines[1:]:
        assert {"step_time", "settle_time", "settled", "redraw_time", "windows", "fault"} <= set(line)
        assert line["fault"] is None
    window = lines[1]["windows"][0]
    assert window == {"title": "Untitled - Fake editor", "class": ["fake-editor", "Fake-editor"], "x": 0, "y": 0,
                      "width": 1280, "height": 720}
    frames = [np.asarray(Image.open(out / line["frame"])) for line in lines]
    assert frames[0].shape == (720, 1280, 3) and not np.array_equal(frames[0], frames[1])  # the typed text
    assert json.loads((out / "ocr" / "0001.json").read_text())["frame"] == 1
    summary = json.loads((out / "summary.json").read_text())
    assert summary["software"] == "mousepad" and summary["task"] is None and summary["seed"] == 0
    assert summary["steps"] == 3 and summary["stopped"] == {"step": 3, "reason": "end of the actions"}
    timings = summary["timings"]
    assert timings["step"]["n"] == 3 and timings["step"]["max"] >= timings["step"]["p50"] >= 0
    assert timings["ocr"] > 0 and timings["total"] >= timings["ocr"]


def test_a_rerun_replaces_the_earlier_outputs(tmp_path):
    explore(MOUSEPAD, ["pyautogui.write('a')"] * 3, tmp_path, runner="fake", ocr=False)
    (tmp_path / "notes.txt").write_text("mine")
    explore(MOUSEPAD, [], tmp_path, runner="fake", ocr=False)
    assert [p.name for p in (tmp_path / "frames").iterdir()] == ["0000.png"] and len(_lines(tmp_path)) == 1
    assert not (tmp_path / "ocr").exists() and (tmp_path / "notes.txt").read_text() == "mine"


def test_a_task_instance_is_the_one_reset_draws_and_done_runs_its_verifier(tmp_path):
    import gymnasium as gym

    env = gym.make(MOUSEPAD.gym_id, runner="fake", disable_env_checker=True)
    _, info = env.reset(seed=5, options={"task": "sort-lines"})
    env.close()
    result = explore("mousepad", ["pyautogui.hotkey('ctrl', 's')", "DONE", "pyautogui.write('never')"], tmp_path,
                     task="sort-lines", seed=5, runner="fake", ocr=False)
    assert result.summary["instance_seed"] == info["instance_seed"]
    assert result.summary["instruction"] == info["instruction"]
    assert result.summary["stopped"] == {"step": 2, "reason": "done"} and len(result.steps) == 3
    verdict = result.steps[2]["verifier"]
    assert verdict["score"] == 0.0 and verdict["items"]  # the untouched list saved: not sorted


def test_keep_home_copies_what_the_app_saved(tmp_path):
    explore(MOUSEPAD, ["pyautogui.hotkey('ctrl', 'a')", "pyautogui.write('Zed')", "pyautogui.hotkey('ctrl', 's')"],
            tmp_path, task="sort-lines", runner="fake", ocr=False, keep_home=True)
    assert (tmp_path / "home" / "guest-list.txt").read_text().endswith("Zed")
    explore(MOUSEPAD, [], tmp_path, runner="fake", ocr=False)
    assert not (tmp_path / "home").exists()


def test_a_fault_ends_the_run_and_is_recorded(tmp_path):
    result = explore(MOUSEPAD, ["pyautogui.hotkey('ctrl', 'q')", "pyautogui.write('never')"], tmp_path,
                     runner="fake", ocr=False)
    last = _lines(tmp_path)[-1]
    assert last["step"] == 1 and last["fault"]["kind"] == "app_exited" and "frame" not in last
    assert result.summary["stopped"]["reason"] == "fault" and len(result.frames) == 1


def test_text_actions_parse_like_json_ones():
    text = """
    # open the menu, then drag
    pyautogui.click(100, 200)
    pyautogui.moveTo(5, 6); pyautogui.dragTo(50, 60, button='left')
    pyautogui.click()
    pyautogui.hotkey('ctrl', 'o')

    DONE
    """
    from_text = read_actions(text)
    from_json = read_actions([{"type": "click", "x": 100, "y": 200, "button": "left"},
                              {"type": "drag", "x": 5, "y": 6, "x2": 50, "y2": 60, "button": "left"},
                              {"type": "click", "x": 50, "y": 60, "button": "left"},  # the pointer: the drag's end
                              {"type": "hotkey", "keys": ["ctrl", "o"]}, {"type": "done"}])
    assert from_text == from_json
    assert read_actions([A.click(1, 2), "pyautogui.write('x')"]) == read_actions(
        [{"type": "click", "x": 1, "y": 2}, {"type": "type", "text": "x"}])


@pytest.mark.parametrize(("actions", "message"), [
    ([{"type": "type", "text": "a"}, {"type": "jump"}], ("step 2 (actions[1])", ".*unknown action type 'jump'")),
    ([{"type": "click", "x": 5000, "y": 1}], ("step 1 (actions[0])", ".*5000 is out of range")),
    ([{"type": "hotkey", "keys": ["ctrl", "nokey"]}], ("step 1 (actions[0])", ".*unknown key 'nokey'")),
    ([{"type": "hotkey", "keys": 5}], ("step 1 (actions[0])", "")),
    ([{"type": "click", "x": 1, "y": 2, "colour": "red"}], ("step 1 (actions[0])", ".*colour")),
    ([42], ("step 1 (actions[0])", ".*JSON object or a line of code")),
    ("pyautogui.write('a')\n\npyautogui.explode()\n", ("step 2 (line 3)", ".*unknown call")),
    ("pyautogui.click(1, 2)\nos.system('rm -rf /')\n", ("step 2 (line 2)", ".*no action found")),
    ({"type": "click"}, ("actions must be a list", "")),
])
def test_bad_actions_name_their_step_before_anything_starts(tmp_path, actions, message):
    out = tmp_path / "run"
    with pytest.raises(ExploreError, match=re.escape(message[0]) + message[1]):
        explore(MOUSEPAD, actions, out, runner="fake")
    assert not out.exists()


def test_unknown_software_task_or_runner_is_a_clear_error(tmp_path):
    with pytest.raises(ExploreError, match="no software 'nosuchapp'.*known:.*mousepad"):
        explore("nosuchapp", [], tmp_path)
    with pytest.raises(ExploreError, match="unknown task 'nope' for mousepad"):
        explore("mousepad", [], tmp_path, task="nope", runner="fake")
    with pytest.raises(ExploreError, match="runner must be one of"):
        explore("mousepad", [], tmp_path, runner="cloud")
    with pytest.raises(ExploreError, match="software id"):
        explore("../etc", [], tmp_path)


def _taskless_root(tmp_path: Path, **fields) -> Path:
    """A root with envs/blankpad: mousepad's env.yaml (with ``fields``) and HOME template, no task (as just
    scaffolded)."""
    folder = tmp_path / "root" / "envs" / "blankpad"
    folder.mkdir(parents=True)
    data = yaml.safe_load((MOUSEPAD.folder / "env.yaml").read_text())
    (folder / "env.yaml").write_text(yaml.safe_dump({**data, "id": "blankpad", **fields}))
    shutil.copytree(MOUSEPAD.folder / "home", folder / "home")
    return tmp_path / "root"


def test_a_software_without_tasks_runs_the_app_alone(tmp_path):
    root = _taskless_root(tmp_path)
    assert load_env(root / "envs" / "blankpad").tasks == {}  # it loads; the registry does not register it
    result = explore("blankpad", ["pyautogui.write('hi')"], tmp_path / "run", root=root, runner="fake", ocr=False)
    assert result.summary["software"] == "blankpad" and result.summary["task"] is None
    assert result.summary["stopped"]["reason"] == "end of the actions"


def test_a_failing_task_setup_and_a_bad_seed_are_clear_errors(tmp_path):
    root = _taskless_root(tmp_path)
    folder = root / "envs" / "blankpad"
    (folder / "tasks").mkdir()
    (folder / "tasks" / "first.yaml").write_text(yaml.safe_dump(
        {"id": "first", "version": 0, "instruction": "Nothing yet.", "max_steps": 5, "split": "train",
         "difficulty": "easy"}))
    (folder / "setup.py").write_text("def first(ctx):\n    return {'n': 1 // 0}\n")
    (folder / "verifier.py").write_text("def first(ctx):\n    ctx.check('nothing', False)\n")
    (folder / "oracle.py").write_text("def first(ctx):\n    return []\n")
    with pytest.raises(ExploreError, match=r"the setup of blankpad.first \(seed 3\) raised ZeroDivisionError"):
        explore("blankpad", [], tmp_path / "run", task="first", seed=3, root=root, runner="fake")
    with pytest.raises(ExploreError, match="seed must be a non-negative integer"):
        explore("blankpad", [], tmp_path / "run", seed=-1, root=root, runner="fake")


def test_parse_tsv_undoes_the_upscaling_and_adds_the_region():
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [header, "4\t1\t1\t1\t1\t0\t200\t100\t90\t30\t-1\t", "5\t1\t1\t1\t1\t1\t200\t100\t90\t30\t96.5\tCancel",
            "5\t1\t1\t1\t1\t2\t301\t101\t40\t29\t91\tOK", "5\t1\t1\t1\t1\t3\t400\t100\t10\t10\t-1\t "]
    words = parse_tsv("\n".join(rows), region=(10, 20, 500, 300))
    assert SCALE == 2 and [w.text for w in words] == ["Cancel", "OK"]
    assert (words[0].left, words[0].top, words[0].width, words[0].height) == (110, 70, 45, 15)
    assert words[0].center == (132, 77) and words[0].conf == 96.5 and words[0].line == (1, 1, 1)
    assert (words[1].left, words[1].width, words[1].height) == (160, 21, 15)  # partly covered pixels count


def test_find_text_matches_words_and_phrases_on_one_line(tmp_path):
    def word(text, left, line=(1, 1, 1), conf=90.0):
        return {"text": text, "left": left, "top": 10, "width": 30, "height": 12, "conf": conf, "line": list(line)}

    (tmp_path / "ocr").mkdir()
    (tmp_path / "ocr" / "0000.json").write_text(json.dumps({"frame": 0, "words": [
        word("Save", 0), word("As...", 40, conf=80), word("BOOK", 100), word("ok", 200, line=(1, 1, 2))]}))
    (tmp_path / "ocr" / "0001.json").write_text(json.dumps({"frame": 1, "words": [
        word("Save", 0), word("As", 40, line=(1, 1, 2)), word("[OK]", 300)]}))
    phrase = find_text(tmp_path, "save as")
    assert phrase == [{"frame": 0, "text": "Save As...", "left": 0, "top": 10, "width": 70, "height": 12,
                       "center": [35, 16], "conf": 80}]  # frame 1's "As" is on another line
    assert [(m["frame"], m["text"]) for m in find_text(tmp_path, "OK")] == [(0, "ok"), (1, "[OK]")]  # not BOOK
    assert [m["frame"] for m in find_text(tmp_path, "OK", frame=1)] == [1]
    with pytest.raises(ExploreError, match="no OCR of frame 0007"):
        find_text(tmp_path, "OK", frame=7)


def test_the_cli_prints_each_step_and_reads_text_or_json(tmp_path, capsys):
    script = tmp_path / "actions.txt"
    script.write_text("pyautogui.write('hello')\npyautogui.press('enter')\n")
    assert main(["create", "explore", "mousepad", "--runner", "fake", "--actions", str(script), "--out",
                 str(tmp_path / "a"), "--no-ocr"]) == 0
    printed = capsys.readouterr().out
    assert f"-> {tmp_path / 'a'}/" in printed and "pyautogui.write('hello')" in printed
    assert "Untitled - Fake editor" in printed and "stopped at step 2 (end of the actions)" in printed
    script.write_text(json.dumps([{"type": "type", "text": "x"}, {"type": "click", "x": -1, "y": 0}]))
    assert main(["create", "explore", "mousepad", "--runner", "fake", "--actions", str(script), "--out",
                 str(tmp_path / "b")]) == 2
    assert "step 2 (actions[1])" in capsys.readouterr().err
    assert main(["create", "explore", "mousepad", "--runner", "fake", "--actions", str(tmp_path / "none.txt")]) == 2
    assert "--actions" in capsys.readouterr().err


# --- the real application ----------------------------------------------------------------------------------------

TYPE_AND_OPEN = ["pyautogui.write('Notes for the explorer')", "pyautogui.hotkey('ctrl', 'o')"]


@pytest.mark.app
def test_mousepad_dialog_windows_ocr_and_a_click_on_the_box_centre(tmp_path):
    """The Open dialog is in the window list and OCR reads its Cancel button; a click on the box's centre closes
    the dialog, so the boxes are screen coordinates."""
    first = explore("mousepad", "\n".join(TYPE_AND_OPEN), tmp_path / "open")
    assert first.summary["stopped"]["reason"] == "end of the actions"
    frames = [np.asarray(Image.open(path)) for path in first.frames]
    assert len(frames) == 3 and not np.array_equal(frames[0], frames[1]) and not np.array_equal(frames[1], frames[2])
    before, after = first.steps[1]["windows"], first.steps[2]["windows"]
    assert len(before) == 1 and before[0]["title"].endswith("Mousepad") and "mousepad" in before[0]["class"]
    dialog = [w for w in after if w["title"] == "Open File"]
    assert len(after) == 2 and len(dialog) == 1, after
    box = dialog[0]
    assert box["width"] > 300 and box["height"] > 200 and box["x"] + box["width"] <= 1280
    cancel = first.find("Cancel", frame=2)
    assert len(cancel) == 1 and cancel[0]["conf"] > 50, cancel
    x, y = cancel[0]["center"]
    assert box["x"] <= x < box["x"] + box["width"] and box["y"] <= y < box["y"] + box["height"]
    assert not first.find("Cancel", frame=1)

    second = explore("mousepad", [*TYPE_AND_OPEN, f"pyautogui.click({x}, {y})"], tmp_path / "cancel", ocr=False)
    assert [w["title"] for w in second.steps[3]["windows"]] == [before[0]["title"]]  # the dialog closed
    summary = json.loads((tmp_path / "open" / "summary.json").read_text())
    assert summary["timings"]["reset"] < 15 and summary["timings"]["ocr"] > 0


@pytest.mark.app
def test_a_new_software_with_a_wrong_window_class_shows_the_windows_it_opened(tmp_path):
    """A task-less software on the real app: the fault at step 0 comes with the windows that did open (their
    real class) and the screen."""
    root = _taskless_root(tmp_path, ready={"window_class": "mousepadd", "timeout": 1})
    result = explore("blankpad", ["pyautogui.write('never')"], tmp_path / "run", root=root, ocr=False)
    reset = result.steps[0]
    assert reset["fault"]["kind"] == "app_not_ready" and result.summary["stopped"]["reason"] == "fault"
    assert any("mousepad" in w["class"] for w in reset["windows"]), reset["windows"]
    assert [p.name for p in result.frames] == ["0000.png"] and len(result.steps) == 1


def test_a_runner_that_knows_only_titles_lists_windows_without_geometry():
    from gym_anything.runtime import Runner, WindowInfo, make_runner

    runner = make_runner("fake", MOUSEPAD, [])
    try:
        runner.launch(runner.new_episode().home, [])
        assert Runner.windows(runner) == [WindowInfo("Untitled - Fake editor")]  # the interface's default
        assert runner.windows()[0].to_json()["class"] == ["fake-editor", "Fake-editor"]
    finally:
        runner.close()
