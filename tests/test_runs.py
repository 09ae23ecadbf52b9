"""The run-folder format (docs/run-format.md) without apps: runs written by ``run_eval`` on the fake runner,
read back by the one reader (``benchmark/runs.py``), the export and the leaderboard, also when damaged.

Every case where the three readers used to disagree is here: torn or foreign result.json, torn or missing
steps.jsonl and frames, errors and faults, the planned episode count, format versions, and the renamed
test-time review (``reviews``; format 1 said ``audits``).
"""

from __future__ import annotations

import json
import re
import shutil
import warnings
from pathlib import Path

import pytest
from fake_suite import SUITE, TASKS, fake_root_on_path

from gym_anything.benchmark.evaluation import EvalConfig, run_eval
from gym_anything.benchmark.export import ExportError, export_runs
from gym_anything.benchmark.leaderboard import LeaderboardError, build_site
from gym_anything.benchmark.runs import (
    FORMAT,
    RESULT_FILE,
    STEPS_FILE,
    RunFolder,
    RunFormatError,
    read_steps,
    write_json,
)
from gym_anything.benchmark.stats import aggregate, format_table, summarize, wilson_interval
from gym_anything.cli import main as cli

EPISODES = [f"{task}/seed-{seed}" for task in TASKS for seed in (0, 1)]


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    """The fakepad data root (stand-in audit records: test setup, see fake_suite.py) first on the data path."""
    yield from fake_root_on_path(tmp_path_factory)


@pytest.fixture(scope="module")
def runs(root, tmp_path_factory) -> dict[str, Path]:
    """The oracle (with video) and a random agent (without) on the fake suite: 2 tasks x 2 seeds each."""
    base = tmp_path_factory.mktemp("runs")
    runs = {"oracle": base / "oracle", "random": base / "random"}
    run_eval(SUITE, "oracle", runs["oracle"], jobs=2, runner="fake", progress=False)
    run_eval(SUITE, "random", runs["random"], runner="fake", progress=False, video=False, agent_kwargs={"steps": 4})
    return runs


def _copy(run: Path, tmp_path: Path, name: str = "copy") -> Path:
    shutil.copytree(run, tmp_path / name)
    return tmp_path / name


def _edit(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def _jsonl_export(runs: list[Path], out: Path, **kwargs):
    return export_runs(runs, out, fmt="jsonl", **kwargs)


def _site(runs: Path, out: Path) -> dict:
    return build_site(runs, out)


def _trajectory(page: Path) -> dict:
    """The JSON the viewer page hands to viewer.js."""
    text = re.search(r'<script type="application/json" id="trajectory">(.*?)</script>', page.read_text(), re.S)
    assert text is not None
    return json.loads(text.group(1))


# --- what eval writes ---------------------------------------------------------------------------------


def test_eval_writes_the_run_format_and_the_reader_reads_it_back(runs):
    for name, run in runs.items():
        folder = RunFolder(run)
        meta = folder.meta
        assert meta["format"] == FORMAT == 2 and meta["runner"] == "fake" and meta["suite"] == SUITE
        assert meta["planned"] == EPISODES and meta["reviewer"] is None and meta["max_reviews"] == 2
        assert "audit_judge" not in meta
        episodes = list(folder.episodes())
        assert [e.id for e in episodes] == EPISODES and folder.problems == [] and folder.total() == 4
        for episode in episodes:
            raw = json.loads((episode.folder / RESULT_FILE).read_text())
            assert raw["reviews"] == [] and "audits" not in raw  # the review's name in format 2
            assert episode.complete and len(episode.steps) == raw["steps"] > 0
            assert len(episode.frames) == raw["steps"] + 1 and all(episode.frames)
            assert [s["frame"] for s in episode.steps] == [f"frames/{i:04d}.png" for i in range(1, raw["steps"] + 1)]
            assert (episode.video is not None) == (name == "oracle")
        # what eval wrote as summary.json is what every reader computes from the results
        written = json.loads(folder.summary_file.read_text())
        assert written == json.loads(json.dumps(folder.summary(), default=str))
        assert not list(run.rglob("*.tmp"))  # atomic writes leave no temporary file behind
    assert RunFolder(runs["oracle"]).summary()["overall"]["success_rate"] == 1.0
    assert RunFolder(runs["random"]).summary()["overall"]["success_rate"] == 0.0


def test_the_three_readers_agree_on_a_clean_run(runs, tmp_path):
    summary = _jsonl_export([runs["oracle"], runs["random"]], tmp_path / "export")
    assert summary.episodes == {"train": 8} and summary.skipped == {}
    readers_steps = sum(len(e.steps) for run in runs.values() for e in RunFolder(run).episodes())
    assert summary.steps == {"train": readers_steps}
    stats = _site(runs["oracle"].parent, tmp_path / "site")
    assert stats["episodes"] == 8 and stats["runs"] == 2
    pngs = sum(len(e.frames) for run in runs.values() for e in RunFolder(run).episodes())
    assert stats["frames"] == pngs
    page = (tmp_path / "site" / "runs" / "oracle" / "index.html").read_text()
    assert "4 finished of 4, 0 error(s), 0 fault(s)" in page


# --- torn and foreign files ---------------------------------------------------------------------------


def _truncate(path: Path) -> None:
    path.write_text(path.read_text()[: len(path.read_text()) // 2])


DAMAGED_RESULTS = {
    "torn": (_truncate, "Expecting"),
    "not an object": (lambda p: p.write_text("[1, 2]"), "expected a JSON object, got list"),
    "a required field missing": (lambda p: _edit(p, lambda r: r.pop("success")), "field 'success'"),
    "a field of the wrong type": (lambda p: _edit(p, lambda r: r.update(steps="4")), "field 'steps'"),
    "another episode's folder": (lambda p: _edit(p, lambda r: r.update(seed=0, episode=r["episode"][:-1] + "0")),
                                 "but the file lies in episodes/fakepad.count-lines/seed-1"),
    "id and fields disagree": (lambda p: _edit(p, lambda r: r.update(seed=7)), "but env/task/seed name"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGED_RESULTS))
def test_an_unreadable_result_is_an_unfinished_episode_for_every_reader(runs, tmp_path, damage):
    change, why = DAMAGED_RESULTS[damage]
    run = _copy(runs["oracle"], tmp_path)
    damaged = run / "episodes" / "fakepad.count-lines" / "seed-1" / RESULT_FILE
    change(damaged)
    folder = RunFolder(run)
    assert [r["episode"] for r in folder.results()] == EPISODES[:3]
    where = "episodes/fakepad.count-lines/seed-1/result.json"
    assert len(folder.problems) == 1 and folder.problems[0].startswith(f"{where}: ") and why in folder.problems[0]
    assert folder.total() == 4 and folder.summary()["finished"] == 3
    summary = _jsonl_export([run], tmp_path / "export")
    assert summary.skipped == {"unreadable": 1} and summary.episodes == {"train": 3}
    _site(run, tmp_path / "site")
    page = (tmp_path / "site" / "runs" / "copy" / "index.html").read_text()
    assert "3 finished of 4" in page and "1 result file(s) could not be read" in page and why in page
    assert str(tmp_path) not in page  # the site names files within the run, not paths on this machine
    assert not (tmp_path / "site" / "runs" / "copy" / "fakepad.count-lines-seed-1").exists()


def test_a_resumed_eval_redoes_exactly_the_unreadable_episode(runs, tmp_path):
    run = _copy(runs["oracle"], tmp_path)
    damaged = run / "episodes" / "fakepad.count-lines" / "seed-1" / RESULT_FILE
    _truncate(damaged)
    others = {p: p.read_bytes() for p in run.glob(f"episodes/*/*/{RESULT_FILE}") if p != damaged}
    summary = run_eval(SUITE, "oracle", run, runner="fake", progress=False)
    assert summary["finished"] == 4 and summary["overall"]["success_rate"] == 1.0
    assert RunFolder(run).problems == [] and json.loads(damaged.read_text())["success"]
    assert {p: p.read_bytes() for p in others} == others  # the finished episodes were not run again


def test_torn_or_missing_steps_and_frames_are_read_one_way(runs, tmp_path):
    run = _copy(runs["random"], tmp_path)
    episodes = {e.id: e for e in RunFolder(run).episodes()}
    torn, middle, missing, frameless = (episodes[e].folder for e in EPISODES)
    full = {e: len(episodes[e].steps) for e in EPISODES}
    text = (torn / STEPS_FILE).read_text()
    (torn / STEPS_FILE).write_text(text[: text.rindex("\n", 0, len(text) - 1) + 10])  # a crash mid-line
    lines = (middle / STEPS_FILE).read_text().splitlines()
    (middle / STEPS_FILE).write_text("\n".join([lines[0], lines[2], lines[1], *lines[3:]]) + "\n")  # out of order
    (missing / STEPS_FILE).unlink()
    (frameless / "frames" / "0002.png").unlink()

    assert len(read_steps(torn / STEPS_FILE)) == full[EPISODES[0]] - 1  # the torn last line is dropped
    assert [s["step"] for s in read_steps(middle / STEPS_FILE)] == [1]  # up to the first line out of place
    assert read_steps(missing / STEPS_FILE) == []
    read = {e.id: e for e in RunFolder(run).episodes()}
    assert not any(e.complete for e in read.values())
    assert read[EPISODES[3]].frames[2] is None and read[EPISODES[3]].frames[1] is not None
    assert RunFolder(run).summary()["finished"] == 4  # the results still count

    with pytest.raises(ExportError, match=r"incomplete \(steps or frames missing\)': 4"):
        _jsonl_export([run], tmp_path / "export")
    _site(run, tmp_path / "site")
    pages = tmp_path / "site" / "runs" / "copy"
    for episode_id, episode in read.items():
        data = _trajectory(pages / episode_id.replace("/", "-") / "index.html")
        assert len(data["steps"]) == len(episode.steps) and len(data["frames"]) == len(episode.steps) + 1
    assert _trajectory(pages / "fakepad.count-lines-seed-1" / "index.html")["frames"][2] is None


# --- errors, faults, dead workers ---------------------------------------------------------------------


def test_errors_and_faults_count_in_the_summary_are_shown_and_are_not_exported(root, runs, tmp_path):
    base = tmp_path / "runs"
    agents = {"quitting": "fake_suite:QuittingAgent", "raising": "agents_for_tests:RaisingAgent",
              "dying": "agents_for_tests:DyingAgent"}
    summaries = {name: run_eval(SUITE, agent, base / name, runner="fake", progress=False, video=False,
                                agent_kwargs={"fail_task": "append-line"}) for name, agent in agents.items()}
    assert summaries["quitting"]["faults"] == 2 and summaries["quitting"]["errors"] == 0
    assert summaries["quitting"]["by_task"]["fakepad.append-line"]["faults"] == 2
    for name in ("raising", "dying"):
        assert summaries[name]["errors"] == 2 and summaries[name]["faults"] == 0 and summaries[name]["finished"] == 4
        assert summaries[name]["overall"]["n"] == 4  # an error counts, as a failure
    faulted = RunFolder(base / "quitting").results()[0]
    assert faulted["fault"]["kind"] == "app_exited" and faulted["verifier"]["items"]  # verified after the fault
    died = RunFolder(base / "dying").results()[0]
    assert "worker process died" in died["error"]["message"] and died["steps"] == 0 and died["reward"] == 0

    summary = _jsonl_export([base / n for n in agents], tmp_path / "export")
    # the raising and the dying agent act alike on the other task: the same episodes, exported once
    assert summary.skipped == {"with a fault": 2, "with an error": 4, "duplicate": 2}
    assert summary.episodes == {"train": 4}
    _site(base, tmp_path / "site")
    quitting = (tmp_path / "site" / "runs" / "quitting" / "index.html").read_text()
    assert "fault: app_exited: the application exited normally" in quitting and "0 error(s), 2 fault(s)" in quitting
    dying = (tmp_path / "site" / "runs" / "dying" / "index.html").read_text()
    assert "the worker process died" in dying and "2 error(s)" in dying


# --- the planned episodes -----------------------------------------------------------------------------


def test_a_run_widened_by_task_summarizes_every_episode_in_its_folder(root, tmp_path):
    run = tmp_path / "widened"
    first = run_eval(SUITE, "oracle", run, runner="fake", progress=False, video=False, only=[TASKS[0]])
    assert first["episodes"] == first["finished"] == 2 and RunFolder(run).meta["planned"] == EPISODES[:2]
    second = run_eval(SUITE, "oracle", run, runner="fake", progress=False, video=False, only=[TASKS[1]])
    assert second["episodes"] == second["finished"] == 4 and RunFolder(run).meta["planned"] == EPISODES
    assert set(second["by_task"]) == set(TASKS)
    assert json.loads((run / "summary.json").read_text())["episodes"] == RunFolder(run).total() == 4
    again = run_eval(SUITE, "oracle", run, runner="fake", progress=False, video=False, only=[TASKS[0]])
    assert again["episodes"] == 4 and RunFolder(run).meta["planned"] == EPISODES  # narrowing forgets nothing


# --- format versions ----------------------------------------------------------------------------------


def _as_format_1(run: Path) -> None:
    """Rewrite a format-2 run the way format 1 had it."""

    def meta(m: dict) -> None:
        m.update(format=1, audit_judge=m.pop("reviewer"))
        del m["planned"], m["max_reviews"]

    _edit(run / "run.json", meta)
    for path in run.glob(f"episodes/*/*/{RESULT_FILE}"):
        _edit(path, lambda r: r.update(audits=r.pop("reviews")))
    _edit(run / "episodes" / "fakepad.append-line" / "seed-0" / RESULT_FILE,
          lambda r: r.update(fault={"kind": "app_crashed", "message": "fakepad exited with status 139"},
                             audits=[{"step": 3, "solved": True, "remaining": "", "raw": "{}", "error": None}]))
    _edit(run / "summary.json", lambda s: s.update(episodes=6))  # format 1 knew the planned count only here


def test_format_1_runs_are_read_as_format_2_and_not_resumed(runs, tmp_path):
    run = _copy(runs["oracle"], tmp_path, "old")
    _as_format_1(run)
    folder = RunFolder(run)
    assert folder.format == 1 and folder.meta["reviewer"] is None and "audit_judge" not in folder.meta
    results = folder.results()
    assert all("reviews" in r and "audits" not in r for r in results) and len(results[0]["reviews"]) == 1
    assert results[0]["fault"] == {"kind": "app_crashed", "detail": "fakepad exited with status 139"}
    assert folder.total() == 6 and folder.summary()["episodes"] == 6
    assert _jsonl_export([run], tmp_path / "export").skipped == {"with a fault": 1}
    _site(run, tmp_path / "site")
    page = (tmp_path / "site" / "runs" / "old" / "index.html").read_text()
    assert "fault: app_crashed: fakepad exited with status 139" in page and "1 review(s) of DONE" in page
    assert "4 finished of 6" in page
    with pytest.raises(ValueError, match="holds a run of format 1"):
        run_eval(SUITE, "oracle", run, runner="fake", progress=False)


@pytest.mark.parametrize(("content", "why"), [
    ({"format": 99, "suite": SUITE, "suite_version": 1}, r"field 'format': expected 1 or 2 .*got 99"),
    ({"format": True, "suite": SUITE, "suite_version": 1}, r"field 'format'"),
    ({"format": 2, "suite_version": 1}, r"field 'suite': expected the suite's name"),
    ({"format": 2, "suite": SUITE, "suite_version": "1"}, r"field 'suite_version': expected an integer"),
    ({"format": 2, "suite": SUITE, "suite_version": 1, "planned": "all"}, r"field 'planned'"),
    ([2], r"not a JSON object"),
])
def test_an_unreadable_run_json_is_the_same_error_for_every_reader(runs, tmp_path, content, why):
    run = _copy(runs["random"], tmp_path / "runs", "bad")
    (run / "run.json").write_text(json.dumps(content))
    with pytest.raises(RunFormatError, match=why):
        RunFolder(run).meta  # noqa: B018
    with pytest.raises(ExportError, match=why):
        _jsonl_export([run], tmp_path / "export")
    with pytest.raises(LeaderboardError, match=why):
        _site(tmp_path / "runs", tmp_path / "site")
    with pytest.raises(ValueError, match=why):
        run_eval(SUITE, "random", run, runner="fake", progress=False)


def test_a_folder_without_run_json_is_not_a_run(tmp_path):
    assert not RunFolder(tmp_path).exists()
    with pytest.raises(RunFormatError, match="not a run folder"):
        RunFolder(tmp_path).meta  # noqa: B018
    with pytest.raises(ExportError, match="not a run folder"):
        _jsonl_export([tmp_path], tmp_path / "export")


# --- the test-time review -----------------------------------------------------------------------------


class _AlwaysSolved:
    """A judge that agrees every time (served over HTTP by the package's ModelServer)."""

    def complete(self, prompt, images):
        return '{"solved": true, "remaining": ""}'


def test_reviews_are_recorded_with_reviewer_and_the_old_flags_still_work(root, tmp_path, capsys):
    from gym_anything.models.server import ModelServer

    server = ModelServer(_AlwaysSolved(), model_name="judge").start()
    judge = f"openai:{server.base_url}#judge"
    common = ["eval", "--suite", SUITE, "--agent", "oracle", "--runner", "fake", "--no-video",
              "--task", TASKS[1]]
    try:
        assert cli([*common, "--reviewer", judge, "--max-reviews", "1", "--out", str(tmp_path / "new")]) == 0
        assert "deprecated" not in capsys.readouterr().err
        assert cli([*common, "--audit-judge", judge, "--max-audits", "1", "--out", str(tmp_path / "old")]) == 0
        err = capsys.readouterr().err
        assert "--audit-judge is deprecated; use --reviewer" in err and "--max-audits is deprecated" in err
    finally:
        server.stop()
    assert len(server.requests) == 4  # one review of each DONE, two episodes per run
    for name in ("new", "old"):
        folder = RunFolder(tmp_path / name)
        assert folder.meta["reviewer"] == judge and folder.meta["max_reviews"] == 1
        for result in folder.results():
            assert [r["solved"] for r in result["reviews"]] == [True] and result["success"]
    with pytest.raises(ValueError, match="holds a run with reviewer="):
        run_eval(SUITE, "oracle", tmp_path / "new", runner="fake", progress=False)
    with pytest.raises(SystemExit, match="not both"):
        cli([*common, "--reviewer", judge, "--audit-judge", judge, "--out", str(tmp_path / "both")])


def test_eval_help_shows_the_new_flags_only(capsys):
    with pytest.raises(SystemExit):
        cli(["eval", "--help"])
    shown = capsys.readouterr().out
    assert "--reviewer" in shown and "--max-reviews" in shown
    assert "--audit-judge" not in shown and "--max-audits" not in shown


def test_the_old_keyword_names_warn_and_still_work(root, tmp_path):
    with pytest.warns(DeprecationWarning, match="'audit_judge' is deprecated; use 'reviewer'"):
        with pytest.raises(ValueError, match="jobs must be"):  # the warning comes before any work
            run_eval(SUITE, "oracle", tmp_path / "x", jobs=0, audit_judge="openai:http://127.0.0.1:9/v1#m")
    with pytest.warns(DeprecationWarning, match="'max_audits' is deprecated"):
        with pytest.raises(ValueError, match="jobs must be"):
            run_eval(SUITE, "oracle", tmp_path / "x", jobs=0, max_audits=1)
    with pytest.raises(TypeError, match="not both"):
        run_eval(SUITE, "oracle", tmp_path / "x", reviewer="a", audit_judge="b")
    with pytest.warns(DeprecationWarning):
        config = EvalConfig("fake", "oracle", tmp_path, audit_judge="j", max_audits=1)
    assert (config.reviewer, config.max_reviews, config.audit_judge, config.max_audits) == ("j", 1, "j", 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config = EvalConfig("fake", "oracle", tmp_path, reviewer="j", max_reviews=3)
    assert (config.reviewer, config.max_reviews) == ("j", 3)


# --- writing and statistics ---------------------------------------------------------------------------


def test_write_json_is_whole_or_the_previous_file(tmp_path):
    path = tmp_path / "result.json"
    write_json(path, {"a": 1})
    loop: dict = {}
    loop["self"] = loop
    with pytest.raises(ValueError):
        write_json(path, loop)  # fails while serializing: the file on disk is untouched
    assert json.loads(path.read_text()) == {"a": 1} and [p.name for p in tmp_path.iterdir()] == ["result.json"]


def test_statistics():
    assert wilson_interval(0, 0) == (0.0, 1.0)
    lo, hi = wilson_interval(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-3) and hi == pytest.approx(0.7634, abs=1e-3)
    results = [{"episode": f"a.b/seed-{i}", "env": "a", "task": "b", "soc_groups": ["43-0000"], "success": i == 0,
                "score": 1.0 if i == 0 else 0.5, "steps": 2, "wall_time": 1.0,
                "error": {"type": "E", "message": "m", "traceback": ""} if i == 1 else None,
                "fault": {"kind": "app_crashed", "detail": "d"} if i == 2 else None} for i in range(3)]
    agg = aggregate(results)
    assert (agg["n"], agg["successes"], agg["errors"], agg["faults"]) == (3, 1, 1, 1)
    assert agg["mean_score"] == pytest.approx(0.6667, abs=1e-4)
    summary = summarize({"name": "x"}, results, 5)
    assert summary["episodes"] == 5 and summary["finished"] == 3 and summary["by_soc"]["43-0000"]["n"] == 3
    assert "overall" in format_table(summary)
    empty = aggregate([])
    assert empty["success_rate"] is None and empty["ci95"] == [0.0, 1.0]
