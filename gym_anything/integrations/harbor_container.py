"""Inside an exported Harbor task's container: start the app, act on it, take screenshots, run our verifier.

The container image (built by :mod:`gym_anything.integrations.harbor`) holds this package's code without any
task data, so ``python3 -m gym_anything.integrations.harbor_container CMD`` (the ``ga`` command) works there:

* ``start`` (the entrypoint, once): Xvfb on ``:1``, openbox, the app as uid 1000 with the instance's HOME at
  /home/agent; waits for the app's ready window, settles, writes ``/tmp/gym-anything/ready``.
* ``act JSON ...`` / ``act --file FILE``: our typed actions in their JSON form (``gym_anything.actions.to_json``:
  ``{"type": "click", "x": 10, "y": 20}``), performed with XTEST and followed by a settle (the app answered a
  ping and stopped drawing), like ``env.step``; ``done`` is accepted and does nothing.
* ``screenshot [PATH]``: the screen as a PNG (default ``/tmp/gym-anything/screen.png``).
* ``verify TESTS_DIR``: our verifier on what the app saved, with the privileged values that ``tests/`` carries
  (uploaded by Harbor only after the agent finished); writes ``/logs/verifier/reward.txt`` and
  ``/logs/verifier/verifier.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .. import actions as A

APP_JSON = Path("/opt/gym-anything/app.json")  # written by the export into the task's environment/
STATE = Path("/tmp/gym-anything")
READY = STATE / "ready"
DISPLAY_NUMBER = 1
DISPLAY = f":{DISPLAY_NUMBER}"
SANDBOX_UID = 1000
LOGS = Path("/logs/verifier")


def _app_config(path: Path = APP_JSON) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SystemExit(f"ga: cannot read the task's app config {path}: {exc}") from None


def _listening(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def _spawn(argv: list[str], log: Path, env: dict[str, str], user: int | None = None, cwd: str = "/") -> None:
    with open(log, "ab") as out:
        subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                         start_new_session=True, user=user, group=user, extra_groups=[] if user else None)


def start(config: dict[str, Any], timeout: float = 60.0) -> None:
    """Xvfb, openbox and the app; returns once the app's ready window has settled (READY written)."""
    from ..runtime.xclient import XClient

    STATE.mkdir(parents=True, exist_ok=True)
    os.chmod(STATE, 0o1777)  # the agent (uid 1000) saves its screenshots here
    x11 = Path("/tmp/.X11-unix")
    x11.mkdir(exist_ok=True)
    os.chmod(x11, 0o1777)
    width, height = config["resolution"]
    base_env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    _spawn(["Xvfb", DISPLAY, "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp", "-noreset",
            "-extension", "GLX", "-dpi", "96"], STATE / "xvfb.log", base_env)
    deadline = time.monotonic() + timeout
    while not _listening(x11 / f"X{DISPLAY_NUMBER}"):
        if time.monotonic() > deadline:
            raise SystemExit(f"ga start: Xvfb did not start: {(STATE / 'xvfb.log').read_text()[-800:]}")
        time.sleep(0.01)
    wm_home = STATE / "wm"
    wm_home.mkdir(exist_ok=True)
    _spawn(["openbox", "--sm-disable", "--config-file", "/opt/gym-anything/openbox-rc.xml"], STATE / "openbox.log",
           {**base_env, "DISPLAY": DISPLAY, "HOME": str(wm_home), "XDG_CONFIG_HOME": str(wm_home),
            "XDG_CACHE_HOME": str(wm_home)})
    client = XClient(DISPLAY)
    try:
        while not client.wm_ready():
            if time.monotonic() > deadline:
                raise SystemExit("ga start: openbox did not start")
            time.sleep(0.01)
        runtime = Path("/tmp/runtime")
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.chown(runtime, SANDBOX_UID, SANDBOX_UID)
        _spawn(config["argv"], STATE / "app.log", {**config["env"], "DISPLAY": DISPLAY}, user=SANDBOX_UID,
               cwd=config["env"].get("HOME", "/"))
        ready = config["ready"]
        app_deadline = time.monotonic() + float(ready["timeout"])
        while client.find_window(ready["window_class"], ready.get("title_regex")) is None:
            if time.monotonic() > app_deadline:
                raise SystemExit(f"ga start: no window of class {ready['window_class']!r} after {ready['timeout']}s;"
                                 f" app output: {(STATE / 'app.log').read_text(errors='replace')[-800:]}")
            time.sleep(0.01)
        settle(client, config["settle"], quiet=max(float(config["settle"]["quiet"]), 0.1))
    finally:
        client.close()
    READY.write_text(f"{time.time()}\n")


def settle(client: Any, spec: dict[str, Any], quiet: float | None = None, anchor: float | None = None) -> bool:
    """Wait until the app answered a ping and drew nothing significant for ``quiet`` s (bounded by the spec's
    timeout; drawing within ``linger`` s of ``anchor`` still counts). The env's settle rule without its frame
    bookkeeping. True if the screen settled."""
    quiet = float(spec["quiet"]) if quiet is None else quiet
    start = time.monotonic()
    deadline = start + float(spec["timeout"])
    linger_until = min((anchor or start) + float(spec["linger"]), deadline)
    client.sync_apps(timeout=max(0.05, deadline - start))
    since = time.monotonic()
    while time.monotonic() < deadline:
        if client.wait_for_drawing(min(since + quiet, deadline)):
            since = time.monotonic()
            continue
        drawn, pinged = client.drawing.count, time.monotonic()
        answered = client.sync_apps(timeout=max(0.05, deadline - pinged))
        if client.drawing.count != drawn:
            since = time.monotonic()
            continue
        if answered and time.monotonic() >= linger_until:
            return True
        since = time.monotonic()
    return False


def parse_actions(texts: list[str], width: int, height: int) -> list[dict[str, Any]]:
    """JSON actions (one per text) → validated actions; a bad one raises ActionError naming it."""
    out = []
    for number, text in enumerate(texts, start=1):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise A.ActionError(f"action {number} is not JSON ({exc}): {text[:200]!r}") from None
        out.append(A.validate(A.from_json(data), width, height))
    return out


def act(actions: list[dict[str, Any]], config: dict[str, Any]) -> list[str]:
    """Perform validated actions in order, each followed by a settle; returns one line per action."""
    from ..runtime.xclient import XClient

    spec = config["settle"]
    client = XClient(DISPLAY)
    lines = []
    try:
        for action in actions:
            kind = action["type"]
            if kind is A.ActionType.DONE:
                lines.append("done (nothing to do: the verifier runs when the agent's turn ends)")
                continue
            if kind is A.ActionType.WAIT:
                time.sleep(float(action["duration"]))
                settled = settle(client, spec)
            else:
                client.mark_drawing(int(spec["changed_pixels"]))
                client.perform(action)
                settled = settle(client, spec, anchor=time.monotonic())
            lines.append(f"{A.describe(action)}: {'settled' if settled else 'not settled (still drawing)'}")
    finally:
        client.close()
    return lines


def screenshot(path: Path, config: dict[str, Any]) -> Path:
    from PIL import Image

    from ..runtime.capture import ScreenCapture

    width, height = config["resolution"]
    capture = ScreenCapture(DISPLAY, width, height)
    try:
        frame = capture.grab()
    finally:
        capture.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(frame).save(path)
    return path


def decode(value: Any) -> Any:
    """Inverse of ``harbor.encode``: tuples come back as tuples."""
    if isinstance(value, dict):
        if set(value) == {"__tuple__"}:
            return tuple(decode(v) for v in value["__tuple__"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def stop_user(uid: int = SANDBOX_UID) -> list[int]:
    """SIGKILL every process of ``uid`` (the agent's leftovers and the app): nothing of the agent's runs while
    the verifier, with the privileged values, does. Returns their pids."""
    import signal

    killed = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if proc.stat().st_uid == uid:
                os.kill(int(proc.name), signal.SIGKILL)
                killed.append(int(proc.name))
        except (OSError, ProcessLookupError):
            continue
    return killed


def verify(tests: Path, home: Path = Path("/home/agent"), logs: Path = LOGS, stop_agent: bool = False) -> float:
    """Our verifier on ``home`` with the instance's values from ``tests/instance.json``; writes the reward.

    ``stop_agent``: once the files under ``home`` stopped changing, kill every process of the agent's user first
    (test.sh does; the screen is grabbed before, for verifiers that read the final frame)."""
    from ..authoring.contexts import VerifyContext
    from ..core.episodes import wait_until_files_settle
    from ..specs.loader import load_env
    from ..verification import run_verifier

    instance = decode(json.loads((tests / "instance.json").read_text()))
    software = load_env(tests / "envs" / instance["software"], warn=False)
    task = software.tasks[instance["task"]]
    wait_until_files_settle(home)
    frame = None
    if _listening(Path(f"/tmp/.X11-unix/X{DISPLAY_NUMBER}")):
        from ..runtime.capture import ScreenCapture

        capture = ScreenCapture(DISPLAY, *software.resolution)
        try:
            frame = capture.grab()
        finally:
            capture.close()
    if stop_agent:
        stop_user()
    ctx = VerifyContext(params=instance["params"], public=instance["public"], private=instance["private"],
                        home=home, private_dir=tests / "private", final_frame=frame)
    result = run_verifier(task.verifier, ctx, timeout=task.verifier_timeout)
    logs.mkdir(parents=True, exist_ok=True)
    (logs / "verifier.json").write_text(json.dumps(result.to_info(), indent=1, default=str))
    (logs / "reward.txt").write_text(f"{float(result.score)}\n")
    return float(result.score)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ga", description="act on the app in this container (our action JSON)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("start", help="start the display and the app (the container's entrypoint does this)")
    do = sub.add_parser("act", help='perform actions, e.g. ga act \'{"type": "click", "x": 100, "y": 200}\'')
    do.add_argument("actions", nargs="*", help="JSON actions, performed in order")
    do.add_argument("--file", type=Path, help="a file of JSON actions, one per line")
    shot = sub.add_parser("screenshot", help="save the screen as a PNG")
    shot.add_argument("path", nargs="?", type=Path, default=STATE / "screen.png")
    check = sub.add_parser("verify", help="run the task's verifier (tests/test.sh does)")
    check.add_argument("tests", type=Path)
    check.add_argument("--stop-agent", action="store_true", help="kill the agent user's processes first")
    args = parser.parse_args(argv)
    if args.command == "verify":
        print(f"reward {verify(args.tests, stop_agent=args.stop_agent)}")
        return 0
    config = _app_config()
    if args.command == "start":
        start(config)
        return 0
    if args.command == "screenshot":
        print(screenshot(args.path, config))
        return 0
    texts = list(args.actions)
    if args.file is not None:
        texts += [line for line in args.file.read_text().splitlines() if line.strip()]
    if not texts:
        parser.error("act needs at least one JSON action (or --file)")
    width, height = config["resolution"]
    try:
        actions = parse_actions(texts, width, height)
    except A.ActionError as exc:
        print(f"ga act: {exc}", file=sys.stderr)
        return 2
    for line in act(actions, config):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
