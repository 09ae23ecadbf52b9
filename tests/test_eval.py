"""The evaluation runner on real apps: oracle ~100 %, random ~0 %, resumable, robust, recorded per run format."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import av
import pytest
import yaml

from gym_anything import actions as A
from gym_anything.benchmark.evaluation import load_results, run_eval
from gym_anything.benchmark.stats import wilson_interval
from gym_anything.benchmark.suites import SuiteError, load_suite, suite_names
from gym_anything.cli import main as cli
from gym_anything.specs import SpecError

ONE_PER_SOFTWARE = ["gnumeric.fix-value", "mousepad.append-entry"]  # of the test suite's software


def _sample() -> list[str]:
    """One test-suite task per software (the two above, then each other software's first): every software's
    episodes run by the evaluation runner, in a bounded time; the audits ran the oracle on every task."""
    tasks = sorted(load_suite("test").tasks)
    chosen = {name.split(".")[0]: name for name in ONE_PER_SOFTWARE}
    for name in tasks:
        chosen.setdefault(name.split(".")[0], name)
    return sorted(chosen.values())


@pytest.fixture(scope="module")
def oracle_run(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("runs") / "oracle-test"
    return out, run_eval("test", "oracle", out, jobs=2, only=_sample(), progress=False)


def test_suites_are_valid_and_current():
    assert {"train", "test", "long"} <= set(suite_names())
    for name in suite_names():
        suite = load_suite(name)  # raises on stale digests or unaudited tasks
        assert suite.tasks and suite.episodes()
    test = load_suite("test")
    assert all(name.split(".")[0] for name in test.tasks)
    assert len(test.episodes()) == len(test.tasks) * len(test.seeds)


def test_suite_errors_name_the_problem(tmp_path):
    data = yaml.safe_load((load_suite("test").file).read_text())
    stale = dict(data, tasks={**data["tasks"], "gnumeric.fix-value": "sha256:0"})
    (tmp_path / "stale.yaml").write_text(yaml.safe_dump(stale))
    with pytest.raises(SuiteError, match="gnumeric.fix-value changed since"):
        load_suite(str(tmp_path / "stale.yaml"))
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(dict(data, seeds=[-1])))
    with pytest.raises(SpecError, match="seeds"):
        load_suite(str(tmp_path / "bad.yaml"))
    with pytest.raises(SuiteError, match="no suite named"):
        load_suite("no-such-suite")


def test_wilson_interval():
    assert wilson_interval(0, 0) == (0.0, 1.0)
    lo, hi = wilson_interval(12, 12)
    assert hi == 1.0 and 0.75 < lo < 0.77
    lo, hi = wilson_interval(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-3) and hi == pytest.approx(0.7634, abs=1e-3)


@pytest.mark.app
def test_oracle_solves_the_test_suite(oracle_run):
    out, summary = oracle_run
    suite = load_suite("test")
    sample = _sample()
    assert summary["finished"] == summary["episodes"] == len(sample) * len(suite.seeds)
    assert summary["overall"]["success_rate"] == 1.0 and summary["errors"] == 0
    assert set(summary["by_software"]) == {name.split(".")[0] for name in suite.tasks} == {
        name.split(".")[0] for name in sample}
    assert {"gnumeric", "thunderbird", "office-desk"} <= set(summary["by_software"])
    assert "43-0000" in summary["by_soc"]
    run = json.loads((out / "run.json").read_text())
    assert run["suite_digest"] == suite.digest and run["finished"]


@pytest.mark.app
def test_episode_folder_follows_the_run_format(oracle_run):
    out, _ = oracle_run
    folder = out / "episodes" / "mousepad.append-entry" / "seed-0"
    result = json.loads((folder / "result.json").read_text())
    assert result["reward"] == 1.0 and result["success"] and result["verifier"]["items"]
    steps = [json.loads(line) for line in (folder / "steps.jsonl").read_text().splitlines()]
    assert len(steps) == result["steps"] and steps[-1]["action"] == {"type": "done"}
    for record in steps:
        action = A.from_json(record["action"])  # the JSON form is a valid action again
        assert A.to_code(A.validate(action, 1280, 720)) == record["action_text"]
        assert (folder / record["frame"]).is_file()
    assert len(list((folder / "frames").glob("*.png"))) == result["steps"] + 1
    with av.open(str(folder / "video.mp4")) as video:
        decoded = sum(1 for _ in video.decode(video=0))
    assert decoded == result["steps"] + 1


@pytest.mark.app
def test_resume_skips_finished_episodes(oracle_run, tmp_path):
    out, _ = oracle_run
    copy = tmp_path / "resumed"
    shutil.copytree(out, copy)
    redo = copy / "episodes" / "gnumeric.fix-value" / "seed-1" / "result.json"
    before = {r["episode"]: r["finished"] for r in load_results(copy)}
    redo.unlink()
    summary = run_eval("test", "oracle", copy, jobs=1, only=_sample(), progress=False)
    after = {r["episode"]: r["finished"] for r in load_results(copy)}
    assert summary["finished"] == len(before) and summary["overall"]["success_rate"] == 1.0
    changed = [e for e in before if before[e] != after[e]]
    assert changed in ([], ["gnumeric.fix-value/seed-1"])  # finished in the same second is possible
    assert json.loads(redo.read_text())["success"]
    with pytest.raises(ValueError, match="holds a run with agent"):
        run_eval("test", "random", copy, progress=False)


@pytest.mark.app
def test_random_agent_scores_zero_via_cli(tmp_path, capsys):
    out = tmp_path / "random"
    # demo: one short task per software (the test suite holds sqlitebrowser out: test-unseen-software has it)
    args = ["eval", "--suite", "demo", "--agent", "random", "--agent-arg", "steps=4", "--jobs", "2", "--out", str(out)]
    assert cli(args) == 0
    printed = capsys.readouterr().out
    assert "overall" in printed and "by software" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert summary["finished"] == 3 and set(summary["by_software"]) == {"gnumeric", "mousepad", "sqlitebrowser"}
    assert summary["overall"]["successes"] == 0 and summary["errors"] == 0


@pytest.mark.app
def test_a_crashing_agent_or_worker_is_recorded_and_the_run_goes_on(tmp_path):
    for agent in ("agents_for_tests:RaisingAgent", "agents_for_tests:DyingAgent"):
        out = tmp_path / agent.split(":")[1]
        summary = run_eval("test", agent, out, jobs=1, only=ONE_PER_SOFTWARE, progress=False,
                           agent_kwargs={"fail_task": "fix-value"}, video=False)
        results = {r["episode"]: r for r in load_results(out)}
        assert summary["finished"] == 4 and summary["errors"] == 2
        for seed in (0, 1):
            failed = results[f"gnumeric.fix-value/seed-{seed}"]
            assert failed["error"] and failed["reward"] == 0 and not failed["success"]
            expected = "agent bug on purpose" if agent.endswith("RaisingAgent") else "worker process died"
            assert expected in failed["error"]["message"]
            fine = results[f"mousepad.append-entry/seed-{seed}"]
            assert fine["error"] is None and fine["steps"] == 2


@pytest.mark.app
def test_a_hung_episode_is_cut_at_its_wall_clock_limit_and_its_worker_replaced(tmp_path):
    out = tmp_path / "hanging"
    summary = run_eval("test", "agents_for_tests:HangingAgent", out, jobs=1, only=ONE_PER_SOFTWARE,
                       progress=False, agent_kwargs={"fail_task": "fix-value"}, video=False, episode_timeout=8)
    results = {r["episode"]: r for r in load_results(out)}
    assert summary["finished"] == 4 and summary["errors"] == 2
    for seed in (0, 1):
        hung = results[f"gnumeric.fix-value/seed-{seed}"]
        assert "exceeded its wall-clock limit of 8 s" in hung["error"]["message"] and hung["reward"] == 0
        fine = results[f"mousepad.append-entry/seed-{seed}"]
        assert fine["error"] is None and fine["steps"] == 2  # the replacement worker went on
    with pytest.raises(ValueError, match="episode_timeout"):
        run_eval("test", "random", tmp_path / "bad", episode_timeout=0, progress=False)


def test_unknown_agent_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="unknown agent 'nobody'"):
        run_eval("test", "nobody", tmp_path / "x", progress=False)


@pytest.mark.app
def test_eval_with_test_time_reviews_by_a_local_judge(tmp_path):
    """--reviewer: a real local model (tiny, random weights) served over HTTP reviews every DONE; its
    unusable answers are recorded and not trusted, so the oracle's DONE goes through."""
    from benchmarks.tiny_vlm import build_tiny_llava
    from gym_anything.models.server import ModelServer

    server = ModelServer(str(build_tiny_llava(tmp_path / "tiny")), model_name="tiny-judge").start()
    try:
        out = tmp_path / "reviewed"
        summary = run_eval("test", "oracle", out, only=["mousepad.append-entry"], progress=False, video=False,
                           reviewer=f"openai:{server.base_url}#tiny-judge", max_reviews=1)
    finally:
        server.stop()
    assert summary["overall"]["success_rate"] == 1.0
    for result in load_results(out):
        assert len(result["reviews"]) == 1
        review = result["reviews"][0]
        assert review["solved"] is None and review["error"] and review["raw"] is not None
    assert len(server.requests) == 2 and all(r["model"] == "tiny-judge" for r in server.requests)
