"""The runtime on real programs: sandbox isolation, unicode input, settling, faults and clean-up."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import time

import gymnasium as gym
import numpy as np
import pytest
from oracles_for_tests import goto

from gym_anything import actions as A
from gym_anything.authoring import VerifyContext
from gym_anything.authoring.formats import read_gnumeric
from gym_anything.runtime import SandboxUnavailable
from gym_anything.runtime.guardian import owned_processes
from gym_anything.runtime.sandbox import SANDBOX_HOME
from gym_anything.specs import Ref
from gym_anything.specs.paths import PACKAGE_DIR, data_roots
from gym_anything.verification import run_verifier


def test_unicode_text_is_typed_exactly(software_envs):
    env = software_envs("gnumeric")
    _, info = env.reset(seed=3, options={"task": "sum-column"})
    short = "Ünïcødé façade — Ελληνικά, Кириллица, 日本語, 한국어 😀"
    # More distinct characters than there are spare keycodes: typed in several remapping batches.
    many = "".join(chr(0x4E00 + 7 * i) for i in range(300))
    for step in [*goto("D1"), A.type(short + "\n"), *goto("E1"), A.type(many + "\n"), A.hotkey("ctrl", "s")]:
        env.step(step)
    sheet = next(iter(read_gnumeric(env.unwrapped.episode_home / info["params"]["file"]).values()))
    assert sheet.text("D1") == short
    assert sheet.text("E1") == many


def test_settle_waits_for_a_dialog(software_envs):
    env = software_envs("gnumeric")
    env.reset(seed=1, options={"task": "sum-column"})
    client = env.unwrapped.runner._res.client
    before = len(client.windows())
    _, _, _, _, info = env.step(A.hotkey("ctrl", "o"))  # the Open dialog
    assert len(client.windows()) == before + 1, "the step returned before the dialog was mapped"
    assert info["settled"]
    _, _, _, _, info = env.step(A.press("escape"))  # closing it: the ping to the gone dialog must not block
    assert len(client.windows()) == before
    assert info["settled"] and info["settle_time"] < 1.0, info["settle_time"]


@pytest.mark.parametrize(("env_id", "task_id"), [("gnumeric", "sum-column"), ("mousepad", "sort-lines"),
                                                 ("sqlitebrowser", "add-product")])
def test_apps_answer_the_settle_ping(software_envs, env_id, task_id):
    """GTK and Qt apps both answer _NET_WM_PING, so a step settles in well under the timeout."""
    env = software_envs(env_id)
    env.reset(seed=1, options={"task": task_id})
    assert env.unwrapped.runner._res.client.sync_apps(timeout=1.0)
    _, _, _, _, info = env.step(A.move(300, 300))
    assert info["settled"] and info["settle_time"] < 1.0, info["settle_time"]


def probe_sandbox(env, script: str) -> subprocess.CompletedProcess:
    return env.unwrapped.runner.run_in_sandbox(["sh", "-c", script])


def test_sandbox_hides_repository_package_and_privileged_data(software_envs):
    env = software_envs("gnumeric")
    _, info = env.reset(seed=4, options={"task": "fix-value"})
    private_dir = env.unwrapped.episode_private_dir
    (private_dir / "answer.txt").write_text("secret")
    secrets = [*map(str, data_roots()), str(PACKAGE_DIR), str(private_dir), str(private_dir / "answer.txt"),
               str(env.unwrapped.runner.workdir), os.path.expanduser("~"), "/work", "/root"]
    script = "; ".join(f"test -e '{p}' && echo 'VISIBLE {p}'" for p in secrets) + (
        f"; ls {SANDBOX_HOME}; echo user=$(id -u); cat /proc/net/dev | tail -n +3 | cut -d: -f1; true")
    out = probe_sandbox(env, script)
    assert out.returncode == 0, out.stderr
    assert "VISIBLE" not in out.stdout, out.stdout
    assert "user=1000" in out.stdout, "the app must not run as root inside the sandbox"
    assert info["params"]["file"] in out.stdout  # the task's own files are there
    interfaces = [line.strip() for line in out.stdout.splitlines() if line.strip() in ("lo", "eth0", "ens3")]
    assert interfaces in ([], ["lo"]), f"network is not unshared: {interfaces}"
    # The verifier code and oracle cannot be read through their absolute paths either.
    task = env.unwrapped.task
    out = probe_sandbox(env, f"cat '{task.verifier.file}' '{task.oracle.file}' 2>&1; true")
    assert "def " not in out.stdout


def test_missing_sandbox_tool_fails_clearly(monkeypatch):
    import shutil

    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "bwrap" else real_which(name, *a, **k))
    env = gym.make("GymAnything/gnumeric.sum-column-v2")
    with pytest.raises(SandboxUnavailable, match="apt-get install -y bubblewrap"):
        env.reset(seed=0)
    env.close()


def test_app_crash_is_reported_and_reset_recovers(software_envs):
    env = software_envs("gnumeric")
    env.reset(seed=2, options={"task": "sum-column"})
    os.killpg(env.unwrapped.runner.app_pid, signal.SIGKILL)
    time.sleep(0.2)
    _, reward, terminated, _, info = env.step(A.click(400, 300))
    assert terminated and reward == 0.0
    assert info["fault"]["kind"] == "app_crashed"
    assert "verifier" in info
    obs, info = env.reset(seed=2, options={"task": "sum-column"})
    assert obs.std() > 5 and info["settled"]
    for action in env.unwrapped.oracle_actions():
        _, reward, terminated, _, info = env.step(action)
    assert reward == 1.0


def test_display_death_is_reported_and_reset_recovers(software_envs):
    env = software_envs("gnumeric")
    env.reset(seed=2, options={"task": "sum-column"})
    old_display = env.unwrapped.runner.display_name
    os.killpg(env.unwrapped.runner.server.xvfb.pid, signal.SIGKILL)
    _, reward, terminated, _, info = env.step(A.type("hello"))
    assert terminated and reward == 0.0
    assert info["fault"]["kind"] == "display_died"
    obs, info = env.reset(seed=2, options={"task": "sum-column"})
    assert obs.std() > 5
    assert env.unwrapped.runner.server.alive()
    assert old_display  # a new display (possibly the same number) serves the new episode
    _, reward, *_ = env.step(A.done())
    assert reward == 0.0


@pytest.mark.app
def test_close_and_garbage_collection_leave_nothing_behind():
    before = set(owned_processes())
    env = gym.make("GymAnything/gnumeric.bold-header-v3")
    env.reset(seed=0)
    workdir = env.unwrapped.runner.workdir
    assert len(set(owned_processes()) - before) >= 3  # Xvfb, openbox, bwrap (+ the app inside)
    env.close()
    assert set(owned_processes()) - before == set()
    assert not workdir.exists()

    env = gym.make("GymAnything/gnumeric.bold-header-v3")
    env.reset(seed=0)
    workdir = env.unwrapped.runner.workdir
    del env
    gc.collect()
    assert set(owned_processes()) - before == set()
    assert not workdir.exists()


def test_verifier_fails_closed(tmp_path):
    module = tmp_path / "verifiers" / "broken.py"
    module.parent.mkdir()
    module.write_text("def boom(ctx):\n    ctx.check('first', True)\n    raise ValueError('bad file')\n\n"
                      "def silent(ctx):\n    pass\n\n"
                      "def gate(ctx):\n    ctx.check('ok', True)\n    ctx.require('saved', False, 'no file')\n")
    ctx = lambda: VerifyContext(params={}, public={}, private={}, home=tmp_path, private_dir=tmp_path)  # noqa: E731
    result = run_verifier(Ref(tmp_path, "verifiers/broken.py", "boom"), ctx())
    assert result.score == 0.0 and not result.passed and "ValueError: bad file" in result.error
    result = run_verifier(Ref(tmp_path, "verifiers/broken.py", "silent"), ctx())
    assert result.score == 0.0 and "no checklist items" in result.error
    result = run_verifier(Ref(tmp_path, "verifiers/broken.py", "gate"), ctx())
    assert result.score == 0.0 and not result.passed and result.items[-1].name == "saved"


@pytest.mark.app
def test_warm_reset_swaps_in_the_prepared_episode_and_matches_a_cold_start():
    before = set(owned_processes())
    warm = gym.make("GymAnything/gnumeric.bold-header-v3", warm_reset=True)
    cold = gym.make("GymAnything/gnumeric.bold-header-v3")
    try:
        obs_w, info_w = warm.reset(seed=7)
        obs_c, info_c = cold.reset(seed=7)
        assert not info_w["reset_warm"] and np.array_equal(obs_w, obs_c)
        displays = {warm.unwrapped.runner.display_name}
        for _ in range(2):
            warm.step(A.click(400, 300))
            obs_w, info_w = warm.reset()  # the instance prepared in the background
            obs_c, info_c = cold.reset()  # the same instance, started cold
            assert info_w["reset_warm"] and not info_c["reset_warm"]
            assert info_w["instance_seed"] == info_c["instance_seed"] and info_w["params"] == info_c["params"]
            assert np.array_equal(obs_w, obs_c), "a warm start must show exactly what a cold start shows"
            displays.add(warm.unwrapped.runner.display_name)
        assert len(displays) == 2, "warm resets alternate between the episode's display and the spare"
        for action in warm.unwrapped.oracle_actions():
            _, reward, *_ = warm.step(action)
        assert reward == 1.0
        _, info_w = warm.reset(seed=3)  # a seeded reset was not predicted: cold, and still correct
        _, info_c = cold.reset(seed=3)
        assert not info_w["reset_warm"] and info_w["instance_seed"] == info_c["instance_seed"]
        workdir = warm.unwrapped.runner.workdir
        assert len(list(workdir.glob("episode-*"))) <= 2  # the current episode and the prepared one
    finally:
        warm.close()
        cold.close()
    assert set(owned_processes()) - before == set()
    assert not workdir.exists()
    with pytest.raises(ValueError, match="warm_reset must be True or False"):
        gym.make("GymAnything/gnumeric.bold-header-v3", warm_reset="yes")


@pytest.mark.parametrize(("env_id", "task_id"), [("gnumeric", "sum-column"), ("mousepad", "sort-lines"),
                                                 ("sqlitebrowser", "add-product")])
def test_a_settled_frame_is_the_apps_finished_reaction(software_envs, env_id, task_id):
    """The frame a step returns does not change afterwards (Gnumeric redraws its status bar and toolbar from
    200 ms timers after it answered the ping: its `settle.linger` covers them)."""
    env = software_envs(env_id)
    obs, _ = env.reset(seed=1, options={"task": task_id})
    runner = env.unwrapped.runner
    frames = [("reset", obs)]
    for action in (A.click(300, 200), A.type("42\n"), A.click(150, 250), A.press("escape")):
        obs, *_ = env.step(action)
        frames.append((str(action["type"]), obs))
        time.sleep(0.8)
        later = runner.capture()
        changed = int((obs != later).any(axis=2).sum())
        assert changed <= env.unwrapped.spec_env.settle.changed_pixels, \
            f"{env_id}: {changed} pixels changed after the step's frame ({frames[-1][0]})"


def test_verification_waits_for_an_app_still_busy_before_its_save(software_envs):
    """An app that computes for a while before it writes (LibreOffice serialising a document) is waited for: the
    HOME alone is quiet during that time, the app's CPU is not."""
    from gym_anything.core.episodes import wait_until_files_settle

    env = software_envs("mousepad")
    env.reset(seed=0, options={"task": "sort-lines"})
    runner, home = env.unwrapped.runner, env.unwrapped.episode_home
    save = "i=0; while [ $i -lt 3000000 ]; do i=$((i+1)); done; echo saved > {name}; sleep 60"
    runner.start_command(home, ["sh", "-c", save.format(name="blind.txt")])
    wait_until_files_settle(home)  # files only: returns while the "app" still computes
    assert not (home / "blind.txt").exists()
    runner.start_command(home, ["sh", "-c", save.format(name="waited.txt")])
    wait_until_files_settle(home, cpu=runner.app_cpu_seconds, timeout=30)
    assert (home / "waited.txt").read_text() == "saved\n"
    assert runner.app_cpu_seconds() is not None and runner.app_cpu_seconds() > 0.1
