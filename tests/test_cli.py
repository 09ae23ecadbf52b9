"""The gym-anything command's output plumbing (run in a fresh interpreter, as a shell would)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("command", [["list"], ["packages"], ["suite", "list"]])
def test_a_closed_output_pipe_ends_the_command_quietly(command):
    """``gym-anything list | head -1``: the reader is gone (here: before the first write); no traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        out = subprocess.run([sys.executable, "-m", "gym_anything.cli", *command], stdout=write_end,
                             stderr=subprocess.PIPE, text=True, timeout=120,
                             env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPO)})
    finally:
        os.close(write_end)
    assert out.returncode == 141, out.stderr  # 128 + SIGPIPE, like any command whose reader left
    assert out.stderr == ""


def test_commands_still_print_to_an_open_pipe():
    out = subprocess.run([sys.executable, "-m", "gym_anything.cli", "list"], capture_output=True, text=True,
                         timeout=120, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPO)})
    assert out.returncode == 0 and out.stderr == ""
    assert out.stdout.splitlines()[0].startswith("GymAnything/") and "GymAnything/gnumeric-v0" in out.stdout
