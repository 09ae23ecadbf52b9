"""RLlib PPO trains on a real task (the slow suite): RLlib vectorising our env itself, and RLlib's env runner on
our Ray vector env. RLlib pins another gymnasium, so the job runs in .venv-rllib (scripts/setup-rllib.sh)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gym_anything.runtime.guardian import owned_processes

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.slow, pytest.mark.app]


@pytest.fixture(scope="module")
def rllib_python() -> Path:
    subprocess.run(["bash", str(ROOT / "scripts" / "setup-rllib.sh")], check=True, timeout=1800)
    return ROOT / ".venv-rllib" / "bin" / "python"


@pytest.mark.parametrize("mode", ["single", "ray"])
def test_rllib_ppo_on_the_real_app(rllib_python, mode):
    before = set(owned_processes())
    done = subprocess.run([str(rllib_python), str(ROOT / "tests" / "rllib_ppo.py"), "--mode", mode,
                           "--iterations", "2", "--batch", "64"], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(result, file=sys.stderr)
    assert result["iterations"] == 2 and result["env_steps"] >= 128
    assert 128 // 8 - 1 <= result["episodes"] <= 128 // 8 + 8  # max_steps=8 ended them (DONE ends a few sooner)
    assert result["episode_return_mean"] is not None
    assert set(owned_processes()) - before == set()  # every display, app and actor is gone
