"""gym-anything view: the VNC message filter, the input translator, live records, the command's errors (fast), and
on real apps in headless Chromium: the noVNC canvas shows the app, view-only ignores input, a running eval's
episode is found and shown, play mode records a human's episode in the run-folder format, nothing is left."""

from __future__ import annotations

import json
import os
import re
import signal
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from gym_anything import actions as A
from gym_anything.benchmark.runs import LIVE_FILE, RunFolder, clear_live, write_live
from gym_anything.runtime.guardian import OWNER_VARIABLE, owned_processes
from gym_anything.view import inputs as I
from gym_anything.view.rfb import ClientFilter, KeyEvent, PointerEvent, RFBError

ROOT = Path(__file__).resolve().parent.parent
TASK_ID = "GymAnything/mousepad.append-entry-v1"

# --- the browser's VNC stream ------------------------------------------------------------------------

HANDSHAKE = b"RFB 003.008\n" + b"\x01" + b"\x01"  # version, security None, shared


def _encodings(*values: int) -> bytes:
    return struct.pack(f">BxH{len(values)}i", 2, len(values), *values)


def _key(keysym: int, down: bool) -> bytes:
    return struct.pack(">BBxxI", 4, int(down), keysym)


def _pointer(mask: int, x: int, y: int) -> bytes:
    return struct.pack(">BBHH", 5, mask, x, y)


def test_the_filter_forwards_the_screen_requests_and_takes_the_input_out():
    update = struct.pack(">BBHHHH", 3, 1, 0, 0, 1280, 720)
    cut = struct.pack(">BxxxI", 6, 5) + b"hello"
    fence = struct.pack(">BxxxIB", 248, 0, 2) + b"ab"
    stream = (HANDSHAKE + bytes(20) + _encodings(7, 1, 0, -32 + 6, -256 + 2, -258, -309, -239) + update
              + _key(0x61, True) + _pointer(1, 10, 20) + cut + fence + struct.pack(">BxBB", 250, 1, 2))
    whole = ClientFilter()
    forward, events = whole.feed(stream, now=5.0)
    # quality level (JPEG), QEMU keys and xvp are taken out of the encodings; tight, copyrect, raw and the
    # compression level and cursor pseudo-encodings stay
    assert forward == HANDSHAKE + bytes(20) + _encodings(7, 1, 0, -256 + 2, -239) + update + fence
    assert events == [KeyEvent(0x61, True, 5.0), PointerEvent(1, 10, 20, 5.0)]
    assert whole.dropped == 4  # the key, the pointer, the clipboard text and the xvp request
    # the same bytes one at a time give the same result
    byte_by_byte = ClientFilter()
    out, got = b"", []
    for i in range(len(stream)):
        chunk, new = byte_by_byte.feed(stream[i:i + 1], now=5.0)
        out, got = out + chunk, got + new
    assert (out, got) == (forward, events)


def test_the_filter_refuses_what_it_cannot_read_or_allow():
    with pytest.raises(RFBError, match="protocol version"):
        ClientFilter().feed(b"GET / HTTP/1.1\n")
    with pytest.raises(RFBError, match="security type 2"):
        ClientFilter().feed(b"RFB 003.008\n\x02")
    with pytest.raises(RFBError, match="unknown RFB client message type 99"):
        ClientFilter().feed(HANDSHAKE + b"\x63")
    old = ClientFilter()  # RFB 3.3: no security byte from the client
    assert old.feed(b"RFB 003.003\n\x01" + _key(0x62, True))[1] == [KeyEvent(0x62, True, 0.0)]


# --- the human's input as actions --------------------------------------------------------------------

SHIFT, CTRL, RETURN, BACKSPACE, TAB = 0xFFE1, 0xFFE3, 0xFF0D, 0xFF08, 0xFF09


def _keys(translator, *keysyms, t=0.0, shift=False):
    out = []
    if shift:
        out += translator.feed(KeyEvent(SHIFT, True, t))
    for k in keysyms:
        out += translator.feed(KeyEvent(k, True, t)) + translator.feed(KeyEvent(k, False, t))
    if shift:
        out += translator.feed(KeyEvent(SHIFT, False, t))
    return out


def _click(translator, x, y, t, button=1):
    return translator.feed(PointerEvent(button, x, y, t)) + translator.feed(PointerEvent(0, x, y, t + 0.05))


def _same(actions, expected):
    assert [A.to_json(A.validate(a, 1280, 720)) for a in actions] == \
           [A.to_json(A.validate(a, 1280, 720)) for a in expected]


def test_typing_gathers_into_one_type_action_until_a_pause_or_another_kind_of_input():
    t = I.InputTranslator(1280, 720)
    got = _keys(t, ord("H"), shift=True) + _keys(t, ord("i"), 0x20AC, 0x1A3, RETURN)  # € and Ł (legacy keysyms)
    assert got == [] and t.deadline() == pytest.approx(I.TEXT_IDLE)
    assert t.expire(I.TEXT_IDLE - 0.01) == []
    _same(t.expire(I.TEXT_IDLE), [A.type("Hi€Ł\n")])
    got = _keys(t, ord("a"), t=1.0) + _keys(t, BACKSPACE, t=1.1)
    _same(got, [A.type("a"), A.press("backspace")])
    got = t.feed(KeyEvent(CTRL, True, 2.0)) + _keys(t, ord("S"), t=2.0, shift=True) + t.feed(KeyEvent(CTRL, False, 2))
    _same(got, [A.hotkey("ctrl", "shift", "s")])
    _same(_keys(t, TAB, t=3.0, shift=True), [A.hotkey("shift", "tab")])
    _same(_keys(t, 0xFFBE, t=3.0), [A.press("f1")])
    t2 = I.InputTranslator(1280, 720)
    assert _keys(t2, 0x01000000 + 0x2603) == []  # ☃ is outside the charset
    _same(t2.finish(), [A.done()])
    assert "outside the text charset" in t2.skipped[0]


def test_clicks_double_clicks_drags_and_the_wheel_become_one_action_each():
    t = I.InputTranslator(1280, 720)
    assert _click(t, 100, 200, 0.0) == []  # maybe the first of a double click
    _same(t.expire(I.DOUBLE_CLICK_TIME + 0.01), [A.click(100, 200)])
    assert _click(t, 300, 300, 1.0) == []
    _same(_click(t, 302, 301, 1.2), [A.double_click(300, 300)])
    got = t.feed(PointerEvent(1, 10, 10, 2.0)) + t.feed(PointerEvent(1, 50, 60, 2.1)) + \
        t.feed(PointerEvent(0, 90, 95, 2.2))
    _same(got, [A.drag(10, 10, 90, 95)])
    _same(_click(t, 400, 410, 3.0, button=4), [A.right_click(400, 410)])
    _same(_click(t, 5, 6, 3.5, button=2), [A.click(5, 6, "middle")])
    for i in range(3):  # three wheel clicks down and one up: one SCROLL of 2 down
        t.feed(PointerEvent(16, 600, 300, 4.0 + i * 0.05))
        t.feed(PointerEvent(0, 600, 300, 4.0 + i * 0.05))
    t.feed(PointerEvent(8, 600, 300, 4.2))
    assert t.feed(PointerEvent(0, 600, 300, 4.2)) == []
    _same(t.expire(4.2 + I.SCROLL_IDLE), [A.scroll(600, 300, dy=2)])
    # a click then typing: the click is sent first, at once
    assert _click(t, 700, 100, 5.0) == []
    _same(_keys(t, ord("x"), t=5.1) + t.finish(), [A.click(700, 100), A.type("x"), A.done()])
    # pointer motion alone is no action; a press still held at the end is dropped
    assert t.feed(PointerEvent(0, 1, 1, 6.0)) == [] and t.feed(PointerEvent(1, 2, 2, 6.1)) == []
    _same(t.finish(), [A.done()])


# --- live records and the command's errors --------------------------------------------------------------


def _run_folder(tmp_path: Path) -> Path:
    run = RunFolder(tmp_path / "run")
    run.write_meta({"format": 2, "suite": "test", "suite_version": 5, "agent": "oracle"})
    return run.path


def test_a_running_episode_is_listed_by_its_live_record_while_its_worker_lives(tmp_path):
    run = RunFolder(_run_folder(tmp_path))
    folder = run.episode_folder("mousepad.append-entry/seed-0")
    folder.mkdir(parents=True)
    write_live(folder, "mousepad.append-entry/seed-0", ":42", "do it")
    assert [(r["episode"], r["display"], r["instruction"]) for r in run.live()] == \
           [("mousepad.append-entry/seed-0", ":42", "do it")]
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    record = json.loads((folder / LIVE_FILE).read_text())
    (folder / LIVE_FILE).write_text(json.dumps({**record, "pid": dead.pid}))
    assert run.live() == []  # its worker died: stale
    write_live(folder, "mousepad.append-entry/seed-0", ":42")
    (folder / "result.json").write_text("{}")
    assert run.live() == []  # finished
    clear_live(folder)
    assert not (folder / LIVE_FILE).exists()


def _own_owner() -> tuple[str, dict[str, str]]:
    """A leak-check owner of its own for a command run by a test, and the environment that gives it."""
    owner = f"test-view-{os.getpid()}-{time.monotonic_ns()}"
    return owner, {**os.environ, OWNER_VARIABLE: owner, "PYTHONFAULTHANDLER": "1"}  # SIGABRT: its threads' stacks


def _wait_or_dump(proc: subprocess.Popen, timeout: float) -> int:
    """``proc.wait(timeout)``; a command that hangs is aborted with its stacks in the failure message."""
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)
        proc.wait(10)
        raise AssertionError(f"{proc.args} did not end within {timeout} s: {proc.stderr.read()[-6000:]}") from None


def test_the_command_names_what_is_wrong(tmp_path, capsys):
    from gym_anything.cli import main

    checks = [
        (["GymAnything/nothing-v0"], "neither a run folder nor a gym-anything id"),
        ([str(tmp_path)], "is not a run folder"),
        ([str(_run_folder(tmp_path))], "no episode of"),
        ([str(tmp_path / "run"), "--play"], "--play, --seed and --task need a gym id"),
        ([str(tmp_path / "run"), "--episode", "mousepad.x/seed-0"], "is not running now"),
        ([TASK_ID, "--out", "x"], "--out needs --play"),
        ([TASK_ID, "--episode", "x"], "--episode needs a run folder"),
    ]
    for args, message in checks:
        code = main(["view", *args])
        err = capsys.readouterr().err
        assert code == 2 and message in err, (args, err)


def test_the_page_server_serves_only_its_files_under_its_token():
    from gym_anything.view.server import ViewServer

    with pytest.raises(ValueError, match="loopback"):
        ViewServer(lambda: None, "view", {}, host="0.0.0.0")  # type: ignore[arg-type, return-value]
    with pytest.raises(ValueError, match="play mode needs"):
        ViewServer(lambda: None, "play", {})  # type: ignore[arg-type, return-value]
    server = ViewServer(lambda: None, "view", {"title": "t"})  # type: ignore[arg-type, return-value]
    try:
        assert server.url.startswith("http://127.0.0.1:")

        def get(path: str) -> tuple[int, bytes]:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=5) as reply:
                    return reply.status, reply.read()
            except urllib.error.HTTPError as exc:
                return exc.code, b""

        token = server.token
        assert get(f"/{token}/")[0] == 200 and b"view.js" in get(f"/{token}/")[1]
        assert get(f"/{token}/novnc/core/rfb.js")[0] == 200
        for path in ("/", "/index.html", "/novnc/core/rfb.js", f"/{token}x/", f"/{token}/novnc/../../../etc/passwd",
                     f"/{token}/novnc/%2e%2e/%2e%2e/%2e%2e/etc/passwd", f"/{token}/../../etc/passwd"):
            assert get(path)[0] == 404, path
    finally:
        server.close()


# --- on real apps, in headless Chromium ------------------------------------------------------------------


def _browser():
    from browser_for_tests import headless_chromium

    return headless_chromium()


def _open_viewer(driver, url: str, timeout: float = 20) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script(
        "const c = window.gymView && window.gymView.connected && window.gymView.canvas();"
        "return c && c.width === 1280 && c.height === 720;"))


def _canvas(driver) -> np.ndarray:
    """The noVNC canvas as an RGB array (read in the page with getImageData)."""
    data = driver.execute_script(
        "const c = window.gymView.canvas(); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);"
        "let s = ''; const b = d.data; for (let i = 0; i < b.length; i += 8192) "
        "s += String.fromCharCode.apply(null, b.subarray(i, Math.min(i + 8192, b.length)));"
        "return btoa(s);")
    import base64

    return np.frombuffer(base64.b64decode(data), np.uint8).reshape(720, 1280, 4)[..., :3]


def _wait_for_canvas(driver, target: np.ndarray, timeout: float = 15) -> float:
    """Wait until the canvas equals ``target`` in at least 99.9 % of its pixels; the share that does."""
    deadline = time.monotonic() + timeout
    while True:
        same = float(np.mean(np.all(_canvas(driver) == target, axis=2)))
        if same >= 0.999 or time.monotonic() > deadline:
            return same
        time.sleep(0.3)


def _x11vnc_pids(owner: str | None = None) -> list[int]:
    found = []
    for pid in owned_processes(owner):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "x11vnc":
                found.append(pid)
        except OSError:
            pass
    return found


def _tcp_listening_inodes() -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                inodes.add(fields[9])
    return inodes


def _socket_inodes(pid: int) -> set[str]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(target[8:-1])
    return found


@pytest.mark.app
def test_view_only_shows_the_app_and_ignores_input(software_envs):
    """The canvas shows the env's screen pixel for pixel; input the browser sends anyway (its view-only switch
    turned off in the page) does not reach the app; x11vnc listens on no TCP port and runs as the sandbox user."""
    from gym_anything.view.session import serving

    env = software_envs("mousepad")
    env.reset(seed=3, options={"task": "append-entry"})
    runner = env.unwrapped.runner
    before = runner.capture()
    driver = _browser()
    try:
        with serving(runner.display_name, "view", {"title": "test", "instruction": "hello"}) as server:
            _open_viewer(driver, server.url)
            assert _wait_for_canvas(driver, before) >= 0.999
            assert driver.find_element("id", "instruction").text == "hello"
            (vnc,) = _x11vnc_pids()
            assert not _socket_inodes(vnc) & _tcp_listening_inodes()
            if os.geteuid() == 0:
                uids = Path(f"/proc/{vnc}/status").read_text().split("Uid:")[1].split()[:3]
                assert set(uids) == {str(runner._res.account.uid)}
            # a page that sends input all the same
            driver.execute_script("window.gymView.rfb.viewOnly = false;")
            from selenium.webdriver.common.action_chains import ActionChains

            canvas = driver.find_element("css selector", "#screen canvas")
            ActionChains(driver).move_to_element_with_offset(canvas, 0, 100).click().send_keys("xyz\n").perform()
            deadline = time.monotonic() + 5
            while server.ignored_input < 8 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert server.ignored_input >= 8  # the click's pointer events and the keys reached the server ...
            time.sleep(0.5)
            after = runner.capture()
            # ... and went no further: not a pixel changed (no cursor blinks: the HOME template turns blinking off),
            # and the title has no "*" (Mousepad's mark of unsaved changes)
            assert not any(title.startswith("*") for title in runner.window_titles())
            assert np.array_equal(after, before)
            assert _wait_for_canvas(driver, after) >= 0.999
    finally:
        driver.quit()
    assert _x11vnc_pids() == []


@pytest.mark.app
def test_view_finds_the_display_of_a_running_eval(tmp_path):
    from gym_anything.benchmark.evaluation import run_eval
    from gym_anything.runtime.capture import ScreenCapture
    from gym_anything.view.session import view_run

    flag = tmp_path / "flag"
    out = tmp_path / "run"
    evaluation = threading.Thread(target=run_eval, args=("test", "agents_for_tests:WaitingAgent", out), kwargs={
        "only": ["mousepad.append-entry"], "agent_kwargs": {"flag": str(flag), "wait": 1.0}, "progress": False,
        "video": False})
    evaluation.start()
    driver = None
    try:
        deadline = time.monotonic() + 40
        while not RunFolder(out).exists() or not RunFolder(out).live():
            assert time.monotonic() < deadline, "the eval announced no running episode"
            time.sleep(0.2)
        (record,) = RunFolder(out).live()
        urls: list[str] = []
        stop = threading.Event()
        viewer = threading.Thread(target=view_run, args=(out,), kwargs={"announce": urls.append, "stop": stop.is_set})
        viewer.start()
        try:
            deadline = time.monotonic() + 20
            while not urls:
                assert time.monotonic() < deadline and viewer.is_alive(), "view_run served nothing"
                time.sleep(0.1)
            url = re.search(r"http://\S+/", urls[0])[0]
            driver = _browser()
            _open_viewer(driver, url)
            capture = ScreenCapture(record["display"], 1280, 720)
            try:
                screen = capture.to_rgb(capture.grab_raw())
            finally:
                capture.close()
            assert _wait_for_canvas(driver, screen) >= 0.999
            assert record["instruction"] in driver.find_element("id", "instruction").text
            flag.write_text("done")  # the agent says DONE: the episode ends, and so does the view
            viewer.join(30)
            assert not viewer.is_alive(), "the view did not end with the episode"
        finally:
            stop.set()
            viewer.join(10)
    finally:
        flag.write_text("done")
        if driver is not None:
            driver.quit()
        evaluation.join(120)
    results = RunFolder(out).results()
    assert len(results) == 2 and all(r["error"] is None for r in results)
    assert not list(out.glob(f"episodes/*/*/{LIVE_FILE}"))
    assert _x11vnc_pids() == []


@pytest.mark.app
def test_play_records_the_humans_episode_and_its_reward(tmp_path):
    """The CLI in play mode: a click puts the cursor below the log's last line, the typed entry and ctrl+s
    reach the app, Done runs the verifier; the episode is a readable, complete run folder with reward 1."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    out = tmp_path / "play"
    owner, env = _own_owner()
    proc = subprocess.Popen([sys.executable, "-m", "gym_anything.cli", "view", TASK_ID, "--play", "--seed", "4",
                             "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env=env)
    driver = None
    try:
        url = None
        deadline = time.monotonic() + 40
        while url is None:
            line = proc.stdout.readline()
            assert line and time.monotonic() < deadline, f"no URL printed: {proc.stderr.read()}"
            match = re.search(r"open (http://\S+/)", line)
            url = match[0][5:] if match else None
        driver = _browser()
        _open_viewer(driver, url)
        instruction = driver.find_element("id", "instruction").text
        entry = re.search(r'"([^"]+)"', instruction)[1]
        start = _canvas(driver)
        canvas = driver.find_element("css selector", "#screen canvas")
        # the canvas is 1280 x 720 at offset 0: (640, 620) lies below the 5 to 9 lines of the log
        ActionChains(driver).move_to_element_with_offset(canvas, 0, 260).click().perform()
        time.sleep(1.0)  # longer than the double-click window: one click
        ActionChains(driver).send_keys(entry + "\n").perform()
        ActionChains(driver).key_down(Keys.CONTROL).send_keys("s").key_up(Keys.CONTROL).perform()
        deadline = time.monotonic() + 15
        steps = out / "episodes" / "mousepad.append-entry" / "seed-4" / "steps.jsonl"
        while len(_lines(steps)) < 3:
            assert time.monotonic() < deadline, f"steps so far: {_lines(steps)}"
            time.sleep(0.2)
        deadline = time.monotonic() + 5
        while float(np.mean(np.any(_canvas(driver) != start, axis=2))) < 0.001:  # the app drew the entry
            assert time.monotonic() < deadline, "the canvas did not change"
            time.sleep(0.2)
        driver.find_element("id", "done").click()
        assert _wait_or_dump(proc, 60) == 0, proc.stderr.read()
        printed = proc.stdout.read()
    finally:
        if driver is not None:
            driver.quit()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "reward 1.00" in printed
    run = RunFolder(out)
    assert run.meta["agent"] == "human" and run.meta["suite"] == "play"
    (episode,) = run.episodes()
    assert episode.complete and episode.video is not None
    assert episode.result["reward"] == 1.0 and episode.result["success"] is True
    actions = [s["action"] for s in episode.steps]
    assert [a["type"] for a in actions] == ["click", "type", "hotkey", "done"]
    assert abs(actions[0]["x"] - 640) <= 1 and abs(actions[0]["y"] - 620) <= 1  # the page may sit at a half pixel
    assert actions[1]["text"] == entry + "\n" and actions[2]["keys"] == ["ctrl", "s"]
    assert run.summary()["overall"]["successes"] == 1
    deadline = time.monotonic() + 5
    while owned_processes(owner) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert owned_processes(owner) == []  # the command closed its env and x11vnc


def _lines(path: Path) -> list[str]:
    try:
        return [line for line in path.read_text().splitlines() if line.strip()]
    except OSError:
        return []


@pytest.mark.app
def test_a_killed_viewer_leaves_nothing_and_ctrl_c_ends_it_cleanly():
    for how in (signal.SIGINT, signal.SIGKILL):
        owner, env = _own_owner()
        proc = subprocess.Popen([sys.executable, "-m", "gym_anything.cli", "view", TASK_ID, "--seed", "1"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
        try:
            line = proc.stdout.readline()
            assert "view only: http://127.0.0.1:" in line, proc.stderr.read()
            assert _x11vnc_pids(owner), "x11vnc is not running"
            proc.send_signal(how)
            code = _wait_or_dump(proc, 30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if how == signal.SIGINT:
            assert code == 0, proc.stderr.read()
        deadline = time.monotonic() + 10  # SIGKILL: the guardian cleans up
        while owned_processes(owner) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert owned_processes(owner) == [], how


@pytest.mark.app
def test_ctrl_c_in_play_mode_ends_the_episode_with_the_verifiers_reward(tmp_path):
    out = tmp_path / "play"
    owner, env = _own_owner()
    proc = subprocess.Popen([sys.executable, "-m", "gym_anything.cli", "view", TASK_ID, "--play", "--seed", "2",
                             "--out", str(out), "--no-video"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 40
        while "open http://" not in proc.stdout.readline():
            assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read()
        proc.send_signal(signal.SIGINT)  # nobody played: DONE at once, the verifier says 0
        assert _wait_or_dump(proc, 60) == 0, proc.stderr.read()
        assert "reward 0.00 (no success, 1 step)" in proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    (episode,) = RunFolder(out).episodes()
    assert episode.complete and episode.video is None
    assert [s["action"]["type"] for s in episode.steps] == ["done"] and episode.result["verifier"]["items"]
    deadline = time.monotonic() + 5
    while owned_processes(owner) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert owned_processes(owner) == []
