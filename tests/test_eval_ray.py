"""``gym-anything eval --ray``: episodes on the actors of a real local multi-node Ray cluster (conftest.py), one
run folder on the driver; real apps for the recording, the fake runner for the scheduling's failure paths."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fake_suite import SUITE, TASKS, use_root

from gym_anything.benchmark import ray as ray_eval
from gym_anything.benchmark.evaluation import run_eval
from gym_anything.benchmark.runs import RunFolder
from gym_anything.benchmark.suites import load_suite
from gym_anything.cli import main as cli
from gym_anything.runtime.ray_cluster import parse_resources

pytest.importorskip("ray")

ONE_NODE_EACH = {"CPU": 2}  # a worker node has 2 CPUs: one actor per node


@pytest.fixture
def fake_root(ray_cluster):
    """The fakepad data root the cluster's nodes see, first on this driver's data path too."""
    with use_root(ray_cluster.data_root):
        yield ray_cluster.data_root


@pytest.mark.app
def test_real_app_episodes_run_on_the_nodes_and_are_recorded_in_the_drivers_run_folder(ray_cluster, tmp_path):
    out = tmp_path / "oracle-on-ray"
    summary = run_eval("test", "oracle", out, jobs=None, only=["mousepad.append-entry"], ray=ray_cluster.address,
                       ray_resources=ONE_NODE_EACH, progress=False)
    run = RunFolder(out)
    results = run.results()
    assert summary["finished"] == len(results) == len(load_suite("test").seeds)
    assert summary["overall"]["success_rate"] == 1.0
    assert run.meta["ray"] == ray_cluster.address and run.meta["jobs"] == 2  # as many actors as the nodes hold
    assert {r["ray_node"] for r in results} <= ray_cluster.workers  # on the worker nodes, never the head
    for result, episode in zip(results, run.episodes(), strict=True):
        assert result["reward"] == 1.0 and result["host"] and result["error"] is None
        steps = episode.steps
        assert len(steps) == result["steps"] and steps[-1]["action"] == {"type": "done"}
        assert all(frame is not None and frame.stat().st_size > 0 for frame in episode.frames)
        assert episode.video is not None and episode.video.stat().st_size > 0
        assert not (episode.folder / "live.json").exists()
    assert run.summary()["overall"] == summary["overall"]


@pytest.mark.app
def test_a_ray_run_resumes_from_the_command_line_with_progress(ray_cluster, fake_root, tmp_path):
    out = tmp_path / "resumed"
    first = run_eval(SUITE, "oracle", out, runner="fake", video=False, only=[TASKS[0]], ray=ray_cluster.address,
                     progress=False)
    assert first["finished"] == 2
    env = {**os.environ, "GYM_ANYTHING_PATH": str(fake_root)}
    proc = subprocess.run([sys.executable, "-m", "gym_anything.cli", "eval", "--suite", SUITE, "--agent", "oracle",
                           "--runner", "fake", "--no-video", "--out", str(out), "--ray", ray_cluster.address,
                           "--ray-resources", "CPU=1"], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Ray actor(s) at" in proc.stdout and "resuming, 2 done" in proc.stdout
    assert "4/4 success 4/4" in proc.stdout  # the progress line counts the resumed episodes
    results = RunFolder(out).results()
    assert len(results) == 4 and all(r["success"] for r in results)
    assert json.loads((out / "summary.json").read_text())["finished"] == 4


@pytest.mark.app
def test_a_lost_actor_and_a_hung_episode_become_errors_and_the_run_goes_on(ray_cluster, fake_root, tmp_path):
    out = tmp_path / "faulty"
    summary = run_eval(SUITE, "agents_for_tests:FaultyAgent", out, runner="fake", video=False, jobs=2,
                       agent_kwargs={"die": "append-line/0", "hang": "count-lines/1"}, ray=ray_cluster.address,
                       progress=False, episode_timeout=5)
    assert summary["finished"] == 4 and summary["errors"] == 2
    results = {r["episode"]: r for r in RunFolder(out).results()}
    lost, hung = results["fakepad.append-line/seed-0"], results["fakepad.count-lines/seed-1"]
    assert "Ray actor running this episode" in lost["error"]["message"] and lost["reward"] == 0
    assert "exceeded its wall-clock limit of 5 s" in hung["error"]["message"]
    assert hung["ray_node"] in ray_cluster.workers
    for name in ("fakepad.append-line/seed-1", "fakepad.count-lines/seed-0"):  # on the replacement actors
        assert results[name]["error"] is None and results[name]["steps"] == 2  # the agent's click and DONE


@pytest.mark.app
def test_a_node_with_other_task_code_stops_the_run_naming_the_tasks(ray_cluster, fake_root, tmp_path, monkeypatch):
    real = ray_eval.task_digests
    monkeypatch.setattr(ray_eval, "task_digests", lambda names: {**real(names), TASKS[1]: "sha256:driver-edit"})
    with pytest.raises(RuntimeError, match=f"other task code than this machine for {TASKS[1]}: install the same"):
        run_eval(SUITE, "oracle", tmp_path / "mismatch", runner="fake", video=False, jobs=1,
                 ray=ray_cluster.address, progress=False)
    assert RunFolder(tmp_path / "mismatch").results() == []


def test_bad_ray_arguments_are_named_before_ray_starts(tmp_path, capsys):
    with pytest.raises(ValueError, match=r"ray_resources\['CPU'\] must be a non-negative number"):
        run_eval("test", "oracle", tmp_path / "a", ray="local", ray_resources={"CPU": -1}, progress=False)
    with pytest.raises(ValueError, match="ray_resources needs ray"):
        run_eval("test", "oracle", tmp_path / "b", ray_resources={"CPU": 1}, progress=False)
    with pytest.raises(ValueError, match="jobs must be a whole number >= 1"):
        run_eval("test", "oracle", tmp_path / "c", jobs=0, ray="local", progress=False)
    assert parse_resources("CPU=1, memory=2e9,app_node=1") == {"CPU": 1.0, "memory": 2e9, "app_node": 1.0}
    with pytest.raises(ValueError, match="NAME=NUMBER"):
        parse_resources("CPU=one")
    with pytest.raises(SystemExit, match="--ray-resources needs --ray"):
        cli(["eval", "--suite", "test", "--agent", "oracle", "--out", str(tmp_path / "d"),
                  "--ray-resources", "CPU=1"])
    with pytest.raises(SystemExit, match="--ray-resources: resources must be"):
        cli(["eval", "--suite", "test", "--agent", "oracle", "--out", str(tmp_path / "e"), "--ray", "local",
                  "--ray-resources", "GPU"])
    started = time.monotonic()
    with pytest.raises(ConnectionError, match="no Ray cluster answers at 127.0.0.1:1"):
        run_eval("test", "oracle", tmp_path / "f", ray="127.0.0.1:1", progress=False)
    assert time.monotonic() - started < 10  # not Ray's own minutes of retrying
    assert not any(Path(tmp_path).iterdir())  # nothing was started or written


@pytest.mark.app
@pytest.mark.slow  # 40 s: a node joins the cluster and leaves it
def test_an_episode_on_a_lost_node_runs_again_elsewhere(ray_cluster, fake_root, tmp_path):
    """A node lost mid-episode (machine gone, not the agent's doing) costs the episode its run, not its result."""
    extra = ray_cluster.add_node()
    flag, seen = tmp_path / "go", tmp_path / "nodes"
    seen.mkdir()
    out = tmp_path / "node-lost"
    finished: dict = {}
    thread = threading.Thread(target=lambda: finished.update(run_eval(
        SUITE, "agents_for_tests:NodeReportingAgent", out, runner="fake", video=False, jobs=3,
        agent_kwargs={"flag": str(flag), "folder": str(seen)}, ray=ray_cluster.address, ray_resources={"CPU": 2},
        progress=False)))
    thread.start()
    try:
        deadline = time.monotonic() + 120
        while len(list(seen.iterdir())) < 3 and time.monotonic() < deadline:  # an episode on each actor
            time.sleep(0.2)
        nodes = {p.read_text() for p in seen.iterdir()}
        assert nodes == {*ray_cluster.workers, extra.node_id}  # 3 actors of 2 CPUs: one on each node
        ray_cluster.cluster.remove_node(extra)
        extra = None
        flag.touch()
        thread.join(180)
    finally:
        flag.touch()
        thread.join(180)
        if extra is not None:
            ray_cluster.cluster.remove_node(extra)
    assert finished["finished"] == 4 and finished["errors"] == 0, finished
    assert all(r["ray_node"] in ray_cluster.workers for r in RunFolder(out).results())
    assert len(list(seen.iterdir())) == 5  # 4 episodes, the lost one started a second time on a live node
