"""The verifiers environment (gym_anything_vf): rollouts through verifiers 0.4.0's own API (load_environment,
env.serving, env.run_slot) with a real OpenAI-compatible model server, on the fake runner and on the real app.
verifiers lives in .venv-verifiers (scripts/setup-verifiers.sh), so the rollouts run there
(tests/verifiers_rollout.py)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from gym_anything.runtime.guardian import owned_processes

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # the venv's first set-up installs verifiers and its stack (minutes)


@pytest.fixture(scope="module")
def vf_python() -> Path:
    subprocess.run(["bash", str(ROOT / "scripts" / "setup-verifiers.sh")], check=True, timeout=1800)
    return ROOT / ".venv-verifiers" / "bin" / "python"


def _rollouts(vf_python: Path, *args: str) -> list[dict]:
    env = {**os.environ, "SCRIPTED_KEY": "unused", "PATH": f"{vf_python.parent}:{os.environ['PATH']}",
           "SSL_CERT_FILE": os.environ.get("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt")}
    done = subprocess.run([str(vf_python), str(ROOT / "tests" / "verifiers_rollout.py"), *args], env=env,
                          capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-4000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def test_bad_arguments_name_the_field(vf_python):
    (errors,) = _rollouts(vf_python, "--task", "mousepad.replace-name", "--bad-input")
    assert "unknown field(s) ['sweet']" in errors["unknown"]
    assert "taskset.runner must be one of" in errors["runner"] and "'cloud'" in errors["runner"]
    assert "no suite named 'nope'" in errors["suite"]
    assert "has no task(s) ['mousepad.nope']" in errors["task"]


def test_a_rollout_on_the_fake_runner_goes_through_verifiers(vf_python):
    """The model gets the instruction and a PNG screenshot; its reply is stepped; the verifier's score is the
    trace's reward; unusable replies end the episode after max_failures."""
    done, garbage = _rollouts(vf_python, "--task", "mousepad.replace-name", "--runner", "fake",
                              "--models", "done,garbage")
    for rollout in (done, garbage):
        assert rollout["ok"] and rollout["errors"] == [], rollout
        assert rollout["rewards"] == {"gym_anything": 0.0}
        assert "Task: The service agreement contract-draft.txt" in rollout["first_user_text"]
        assert rollout["first_images"] == 1 and rollout["image_prefix"] == "data:image/png;base64,"
        assert rollout["info"]["verifier"]["passed"] is False
    assert done["requests"] == 1 and done["info"]["steps"] == 1  # DONE: one step, the verifier ran
    assert garbage["requests"] == 3 and garbage["info"]["steps"] == 1  # 3 unusable replies, then DONE


@pytest.mark.app
def test_rollouts_on_the_real_app_score_the_oracle_1_and_a_quitter_0(vf_python):
    before = set(owned_processes())
    oracle, stepwise, quitter = _rollouts(vf_python, "--task", "mousepad.replace-name", "--runner", "local",
                                          "--models", "oracle,stepwise,done")
    print(json.dumps([oracle["info"], stepwise["info"], quitter["info"]], indent=1))
    assert oracle["ok"] and oracle["rewards"] == {"gym_anything": 1.0}, oracle
    assert oracle["info"]["verifier"]["passed"] and oracle["requests"] == 1
    assert oracle["info"]["fault"] is None and oracle["info"]["steps"] >= 5
    # one action per turn: every turn after the first shows the screen the previous actions left
    steps = oracle["info"]["steps"]
    assert stepwise["ok"] and stepwise["rewards"] == {"gym_anything": 1.0}, stepwise
    assert stepwise["requests"] == steps and stepwise["info"]["steps"] == steps
    assert len(stepwise["screens"]) == steps and None not in stepwise["screens"]
    assert len(set(stepwise["screens"])) >= steps // 2, stepwise["screens"]  # the screen changed along the way
    assert quitter["ok"] and quitter["rewards"] == {"gym_anything": 0.0}, quitter
    assert set(owned_processes()) - before == set()  # the env's displays and apps are gone
