"""Vector envs: several real apps at once, each with its own display and sandbox."""

from __future__ import annotations

import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from gym_anything import actions as A
from gym_anything.runtime.guardian import SCRATCH_PREFIX, guardian, owned_processes
from gym_anything.runtime.sandbox import SANDBOX_HOME


@dataclass(frozen=True)
class Sandbox:
    """One live app sandbox, found from its launcher process (which carries the session's marker)."""

    pid: int
    display: str
    home: tuple[int, int]  # (device, inode) of the app's HOME (its working folder): which folder it is
    app_pids: frozenset[int]


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            continue
    return found


def sandboxes(exclude: set[int]) -> list[Sandbox]:
    """The app sandboxes this test session started, other than ``exclude``."""
    found = []
    for pid in set(owned_processes()) - exclude:
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"gym-anything-launcher" not in argv or not any(a.endswith(b"/bwrap") for a in argv):
            continue  # not a sandbox's launcher (displays and window managers replace their launcher)
        descendants, frontier = set(), _children(pid)
        while frontier:
            descendants |= frontier
            frontier = set().union(*(_children(p) for p in frontier)) - descendants
        for child in sorted(descendants):
            try:
                environ = dict(e.split("=", 1) for e in
                               Path(f"/proc/{child}/environ").read_text().split("\0") if "=" in e)
                if "DISPLAY" in environ and environ.get("HOME") == SANDBOX_HOME:
                    cwd = os.stat(f"/proc/{child}/cwd")
                    found.append(Sandbox(pid, environ["DISPLAY"], (cwd.st_dev, cwd.st_ino), frozenset(descendants)))
                    break
            except OSError:
                continue
    return sorted(found, key=lambda box: box.display)


def scratch_folders() -> set[Path]:
    """Every gym-anything process's scratch folder (runner workdirs, HOMEs, privileged data) on this machine."""
    return {p for p in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*")
            if re.fullmatch(r"[0-9a-f]{16}", p.name.removeprefix(SCRATCH_PREFIX))}


@pytest.mark.app
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_make_vec_isolates_autoresets_and_cleans_up(mode):
    before, folders_before = set(owned_processes()), scratch_folders()
    own = guardian().scratch
    workdirs_before = set(own.glob("gnumeric-*"))  # e.g. the session's shared envs
    envs = gym.make_vec("GymAnything/gnumeric.bold-header-v3", num_envs=2, vectorization_mode=mode)
    try:
        obs, info = envs.reset(seed=[1, 2])
        assert obs.shape == (2, 720, 1280, 3) and obs.dtype == np.uint8
        assert info["instruction"][0] != info["instruction"][1] or info["params"][0] != info["params"][1]

        # Each sub-env has its own display, window manager, sandbox, HOME and app.
        boxes = sandboxes(before)
        assert len(boxes) == 2, boxes
        assert boxes[0].display != boxes[1].display
        assert boxes[0].home != boxes[1].home
        assert boxes[0].app_pids and boxes[1].app_pids and not boxes[0].app_pids & boxes[1].app_pids
        assert len(set(owned_processes()) - before) >= 6  # two displays, two window managers, two sandboxes

        # The autoreset (its bookkeeping is tested on the fake runner in test_env_logic.py) starts a new app:
        # exactly one sandbox (sub-env 1's; which display it has is not known here) is replaced on its display.
        move, done = A.move(10, 10), A.done()
        actions = {k: np.stack([move[k], done[k]]) for k in move}
        _, _, terminated, _, _ = envs.step(actions)
        assert terminated.tolist() == [False, True]
        obs, _, terminated, truncated, info = envs.step(actions)
        assert not terminated.any() and not truncated.any() and info["_instruction"].tolist() == [False, True]
        assert obs[1].std() > 5
        relaunched = {box.display: box for box in sandboxes(before)}
        assert relaunched.keys() == {box.display for box in boxes}, (boxes, relaunched)
        replaced = [box for box in boxes if relaunched[box.display].pid != box.pid]
        assert len(replaced) == 1, (boxes, relaunched)
        assert not relaunched[replaced[0].display].app_pids & replaced[0].app_pids
    finally:
        envs.close()
    assert set(owned_processes()) - before == set()
    deadline = time.monotonic() + 5  # async workers' folders go with their guardians, just after they exit
    while scratch_folders() - folders_before - {own} and time.monotonic() < deadline:
        time.sleep(0.1)
    assert scratch_folders() - folders_before - {own} == set()
    assert set(own.glob("gnumeric-*")) == workdirs_before, "a runner's workdir was left behind"
