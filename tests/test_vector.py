"""Vector envs: several real apps at once, each with its own display and sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from gym_anything import actions as A
from gym_anything.runtime.sandbox import SANDBOX_HOME
from gym_anything.runtime.xserver import owned_processes


@dataclass(frozen=True)
class Sandbox:
    """One live app sandbox, read from its bwrap command line in /proc."""

    pid: int
    display: str
    home: Path
    app_pids: frozenset[int]

    @property
    def workdir(self) -> Path:
        return self.home.parent.parent  # <runner workdir>/episode-N/home


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            continue
    return found


def sandboxes(exclude: set[int]) -> list[Sandbox]:
    """The bwrap sandboxes this test session started, other than ``exclude``."""
    found = []
    for pid in set(owned_processes()) - exclude:
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if not argv[0].endswith(b"bwrap"):
            continue
        args = [a.decode() for a in argv]
        socket = args[args.index("/tmp/.X11-unix") + 1] if "/tmp/.X11-unix" in args else next(
            a for a in args if a.startswith("/tmp/.X11-unix/X"))
        home = args[args.index(SANDBOX_HOME) - 1]
        descendants, frontier = set(), _children(pid)
        while frontier:
            descendants |= frontier
            frontier = set().union(*(_children(p) for p in frontier)) - descendants
        found.append(Sandbox(pid, ":" + socket.rsplit("X", 1)[1], Path(home), frozenset(descendants)))
    inner = set().union(*(box.app_pids for box in found)) if found else set()  # bwrap forks itself
    return sorted((box for box in found if box.pid not in inner), key=lambda box: box.display)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_make_vec_isolates_autoresets_and_cleans_up(mode):
    before = set(owned_processes())
    envs = gym.make_vec("GymAnything/gnumeric.bold-header-v0", num_envs=2, vectorization_mode=mode)
    try:
        obs, info = envs.reset(seed=[1, 2])
        assert obs.shape == (2, 720, 1280, 3) and obs.dtype == np.uint8
        assert info["instruction"][0] != info["instruction"][1] or info["params"][0] != info["params"][1]

        # Each sub-env has its own display, window manager, sandbox, HOME and app.
        boxes = sandboxes(before)
        assert len(boxes) == 2, boxes
        assert boxes[0].display != boxes[1].display
        assert boxes[0].home != boxes[1].home and boxes[0].workdir != boxes[1].workdir
        assert boxes[0].app_pids and boxes[1].app_pids and not boxes[0].app_pids & boxes[1].app_pids
        assert len(set(owned_processes()) - before) >= 6  # two displays, two window managers, two sandboxes

        # NEXT_STEP autoreset: the step after a terminal step resets that sub-env (its action is ignored).
        move, done = A.move(10, 10), A.done()
        actions = {k: np.stack([move[k], done[k]]) for k in move}
        obs, reward, terminated, truncated, info = envs.step(actions)
        assert terminated.tolist() == [False, True] and reward.tolist() == [0.0, 0.0]
        assert info["_verifier"].tolist() == [False, True] and not info["verifier"]["passed"][1]
        obs, reward, terminated, truncated, info = envs.step(actions)
        assert terminated.tolist() == [False, False] and truncated.tolist() == [False, False]
        assert reward.tolist() == [0.0, 0.0]
        assert info["_instruction"].tolist() == [False, True], "sub-env 1 should have returned reset info"
        assert info["step"][0] == 2 and info["step"][1] == 0
        assert obs[1].std() > 5
        # Exactly one sandbox (sub-env 1's; which display it has is not known here) was replaced on its display.
        relaunched = {box.display: box for box in sandboxes(before)}
        assert relaunched.keys() == {box.display for box in boxes}, (boxes, relaunched)
        replaced = [box for box in boxes if relaunched[box.display].pid != box.pid]
        assert len(replaced) == 1, (boxes, relaunched)
        assert not relaunched[replaced[0].display].app_pids & replaced[0].app_pids
        obs, reward, terminated, truncated, info = envs.step(
            {k: np.stack([move[k], move[k]]) for k in move})  # the reset sub-env steps normally again
        assert terminated.tolist() == [False, False] and info["step"].tolist() == [3, 1]
    finally:
        envs.close()
    assert set(owned_processes()) - before == set()
    for box in boxes:
        assert not box.workdir.exists(), f"{box.workdir} left behind"
