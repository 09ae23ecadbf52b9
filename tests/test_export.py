"""Distillation export of eval runs (oracle + random agent on one task), and a tiny fine-tune on the result.

Export only reads run folders, so the runs are written by the real evaluation on the fake runner
(``runtime/fake.py``, the fixture software of ``fake_suite.py``); test_eval.py runs the apps."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fake_suite import SUITE, fake_root_on_path
from PIL import Image

from gym_anything import actions as A
from gym_anything.benchmark.evaluation import load_results, run_eval
from gym_anything.benchmark.export import ExportError, export_runs, load_export
from gym_anything.cli import main as cli

pytestmark = pytest.mark.app  # the runs it exports are made on real apps

datasets = pytest.importorskip("datasets")
ROOT = Path(__file__).resolve().parents[1]
TASK = "fakepad.append-line"
WIDTH, HEIGHT = 640, 360  # the fixture software's screen


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    """The fakepad data root (stand-in audit records: test setup, see fake_suite.py) first on the data path."""
    yield from fake_root_on_path(tmp_path_factory)


@pytest.fixture(scope="module")
def runs(data_root, tmp_path_factory) -> dict[str, Path]:
    """An oracle run (all episodes pass) and a random-agent run (none pass) of one task, two seeds each."""
    base = tmp_path_factory.mktemp("runs")
    runs = {"oracle": base / "oracle-test", "random": base / "random-test"}  # "test" in a name: no split is guessed
    run_eval(SUITE, "oracle", runs["oracle"], only=[TASK], progress=False, video=False, runner="fake")
    run_eval(SUITE, "random", runs["random"], only=[TASK], agent_kwargs={"steps": 3}, progress=False, video=False,
             runner="fake")
    return runs


@pytest.fixture(scope="module")
def exported(runs, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "successful"
    summary = export_runs([runs["oracle"], runs["random"]], out, successful=True)
    assert summary.skipped == {"unsuccessful": 2}
    return out


def _episode_steps(run: Path) -> dict[str, list[dict]]:
    return {r["episode"]: [json.loads(line) for line in (run / "episodes" / r["episode"] / "steps.jsonl")
                           .read_text().splitlines()] for r in load_results(run)}


def test_rows_are_the_steps_of_successful_episodes(runs, exported):
    results = load_results(runs["oracle"]) + load_results(runs["random"])
    successful = [r for r in results if r["success"]]
    assert len(successful) == 2
    dataset = datasets.load_from_disk(str(exported))
    assert list(dataset) == ["train"]
    rows = dataset["train"]
    assert len(rows) == sum(r["steps"] for r in successful)
    steps = _episode_steps(runs["oracle"])
    for row in rows:
        assert row["success"] and row["reward"] == 1.0 and row["run"] == "oracle-test" and row["suite"] == SUITE
        assert f"{row['env']}.{row['task']}" == TASK and row["episode"] == f"{TASK}/seed-{row['seed']}"
        record = steps[row["episode"]][row["step"] - 1]
        assert row["action"] == record["action_text"]
        action = A.from_json(json.loads(row["action_json"]))  # the JSON form is a valid action again
        assert A.to_code(A.validate(action, WIDTH, HEIGHT)) == row["action"]
        assert row["history"] == [s["action_text"] for s in steps[row["episode"]][: row["step"] - 1]]
        # the image is the screen the agent saw before acting: frame step-1 of the recording
        assert row["image"].size == (WIDTH, HEIGHT)
        frame = runs["oracle"] / "episodes" / TASK / f"seed-{row['seed']}" / "frames" / f"{row['step'] - 1:04d}.png"
        assert np.array_equal(np.asarray(row["image"].convert("RGB")), np.asarray(Image.open(frame).convert("RGB")))
    assert {r["instruction"] for r in rows} == {r["instruction"] for r in successful}
    assert list(rows["action"]).count("DONE") == len(successful)  # every episode ends with its DONE step


def test_all_episodes_dedup_errors_and_split(runs, tmp_path):
    copy = tmp_path / "oracle-again"  # the same episodes recorded by another run: duplicates
    shutil.copytree(runs["oracle"], copy)
    broken = tmp_path / "broken"  # a run with a crashed episode and one whose frames were lost
    shutil.copytree(runs["random"], broken)
    (broken / "run.json").write_text(json.dumps({**json.loads((broken / "run.json").read_text()), "name": "broken"}))
    crashed = broken / "episodes" / TASK / "seed-0" / "result.json"
    crashed.write_text(json.dumps({**json.loads(crashed.read_text()),
                                   "error": {"type": "EpisodeError", "message": "died", "traceback": ""}}))
    (broken / "episodes" / TASK / "seed-1" / "frames" / "0001.png").unlink()

    summary = export_runs([runs["oracle"], runs["random"], copy, broken], tmp_path / "all", test_fraction=0.5, seed=3)
    assert summary.skipped == {"duplicate": 2, "with an error": 1, "incomplete (steps or frames missing)": 1}
    assert summary.runs == 4 and summary.episodes == {"train": 2, "test": 2}
    dataset = load_export(tmp_path / "all")
    train, test = dataset["train"], dataset["test"]
    assert len(train) == summary.steps["train"] and len(test) == summary.steps["test"]
    assert not set(train["episode"]) & set(test["episode"])  # an instance (task, seed) stays on one side
    results = load_results(runs["oracle"]) + load_results(runs["random"])
    assert len(train) + len(test) == sum(r["steps"] for r in results)
    assert {False, True} <= set(train["success"]) and set(train["run"]) == {"oracle-test", "random-test"}
    again = export_runs([runs["oracle"], runs["random"]], tmp_path / "again", test_fraction=0.5, seed=3)
    assert set(load_export(tmp_path / "again")["test"]["episode"]) == set(test["episode"])  # reproducible
    assert again.bytes > 0


def test_jsonl_format_is_an_image_folder(runs, exported, tmp_path):
    out = tmp_path / "jsonl"
    summary = export_runs([runs["oracle"], runs["random"]], out, successful=True, fmt="jsonl", test_fraction=0.5)
    lines = [json.loads(line) for line in (out / "train" / "metadata.jsonl").read_text().splitlines()]
    assert len(lines) == summary.steps["train"] and all((out / "train" / x["file_name"]).is_file() for x in lines)
    loaded = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "cache"))  # recognised as an image folder
    assert {name: len(rows) for name, rows in loaded.items()} == summary.steps
    hf = datasets.load_from_disk(str(exported))["train"]
    assert sorted([*loaded["train"]["action"], *loaded["test"]["action"]]) == sorted(hf["action"])
    first = loaded["train"][0]
    frame = runs["oracle"] / "episodes" / first["episode"] / "frames" / f"{first['step'] - 1:04d}.png"
    assert np.array_equal(np.asarray(first["image"].convert("RGB")), np.asarray(Image.open(frame).convert("RGB")))


def test_cli_prints_counts_and_bad_input_is_named(runs, tmp_path, capsys):
    out = tmp_path / "cli"
    assert cli(["export", str(runs["oracle"]), str(runs["random"]), "--successful", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    steps = sum(r["steps"] for r in load_results(runs["oracle"]))
    assert f"exported 2 episodes, {steps} steps from 2 run(s)" in printed and "2 unsuccessful" in printed
    assert "MB" in printed
    with pytest.raises(ExportError, match="exists and is not empty"):
        export_runs([runs["oracle"]], out)
    with pytest.raises(ExportError, match="not a run folder"):
        export_runs([tmp_path], tmp_path / "x")
    with pytest.raises(ExportError, match="test_fraction must be a number in"):
        export_runs([runs["oracle"]], tmp_path / "x", test_fraction=1.5)
    with pytest.raises(ExportError, match="format must be one of"):
        export_runs([runs["oracle"]], tmp_path / "x", fmt="csv")
    with pytest.raises(ExportError, match="no episode to export.*unsuccessful"):
        export_runs([runs["random"]], tmp_path / "x", successful=True)
    assert cli(["export", str(tmp_path / "nothing"), "--out", str(tmp_path / "y")]) == 2
    assert "not a run folder" in capsys.readouterr().err
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_tiny_finetune_learns_and_saves_a_loadable_model(exported, tmp_path):
    pytest.importorskip("transformers")
    out = tmp_path / "model"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "finetune_vlm.py"), str(exported), "--tiny",
                           "--out", str(out), "--steps", "20", "--batch-size", "2", "--lr", "3e-3", "--threads", "1"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "step   20/20" in proc.stdout
    losses = json.loads((out / "training.json").read_text())["losses"]
    assert len(losses) == 20 and all(math.isfinite(x) for x in losses)
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.5, losses  # it learns the 8 target actions

    import torch
    from transformers import AutoModelForImageTextToText, AutoProcessor

    from benchmarks.finetune_vlm import collate, encode

    processor = AutoProcessor.from_pretrained(out)
    model = AutoModelForImageTextToText.from_pretrained(out).eval()
    row = load_export(exported)["train"][0]
    batch = collate([encode(processor, row, 8)], processor.tokenizer.pad_token_id)
    with torch.no_grad():
        loss = model(**batch).loss.item()
    assert math.isfinite(loss) and loss < losses[0]  # the saved weights are the trained ones
