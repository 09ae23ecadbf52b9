"""Checklist verification: strict parsing, scoring, both real judge backends, and the env integration."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gym_anything.models import FrameBuffer, ModelAnswerError, OpenAIBackend, TransformersBackend, make_backend
from gym_anything.specs import ChecklistItem, ChecklistSpec
from gym_anything.verification.checklist import combine, evaluate_checklist, parse_verdicts

pytest.importorskip("transformers")
ITEMS = [ChecklistItem("total", "completion", "B8 shows the total", 60),
         ChecklistItem("label", "completion", "A8 says Total", 40),
         ChecklistItem("gui", "integrity", "The work was done in the spreadsheet window")]
SPEC = ChecklistSpec(tuple(ITEMS), mode="checklist", frames=3, judge_context=("expected_total",))
FRAMES = [np.full((72, 128, 3), v, np.uint8) for v in (0, 80, 160, 240)]


def answer(**verdicts: str) -> str:
    return json.dumps({"items": [{"id": k, "verdict": v, "evidence": f"saw {k}"} for k, v in verdicts.items()]})


class Scripted:
    """A judge that replies with prepared answers in turn (stands in for a model's judgement only)."""

    def __init__(self, *answers: str):
        self.answers, self.prompts, self.images = list(answers), [], []

    def complete(self, prompt: str, images: list[np.ndarray]) -> str:
        self.prompts.append(prompt)
        self.images.append(len(images))
        return self.answers.pop(0)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    from benchmarks.tiny_vlm import build_tiny_llava

    return build_tiny_llava(tmp_path_factory.mktemp("tiny-llava"))


def test_parse_accepts_strict_json_and_fenced_json():
    verdicts = parse_verdicts(answer(total="pass", label="partial", gui="fail"), ITEMS)
    assert verdicts["label"] == ("partial", "saw label")
    assert parse_verdicts("```json\n" + answer(total="pass", label="pass", gui="pass") + "\n```", ITEMS)


@pytest.mark.parametrize("text", [
    "The total looks correct, PASS.",  # prose with keywords: never guessed
    answer(total="pass", label="pass"),  # an item missing
    answer(total="pass", label="pass", gui="pass", extra="pass"),  # an unknown item
    answer(total="yes", label="pass", gui="pass"),  # a verdict outside the vocabulary
    '{"items": [{"id": "total", "verdict": "pass"}, {"id": "total", "verdict": "fail"}]}',
    "[]", "",
])
def test_parse_rejects_anything_else(text):
    with pytest.raises(ModelAnswerError):
        parse_verdicts(text, ITEMS)


def test_scoring_partial_integrity_and_garbage():
    judge = Scripted(answer(total="pass", label="partial", gui="pass"))
    result = evaluate_checklist(SPEC, "Sum it", {}, {"expected_total": 42.5, "secret": "x"}, FRAMES[:3], judge)
    assert result.score == pytest.approx(0.8) and not result.passed and result.error is None
    assert "42.5" in judge.prompts[0] and "Sum it" in judge.prompts[0] and '"gui"' in judge.prompts[0]
    assert "secret" not in judge.prompts[0]  # only judge_context keys are shown
    assert judge.images == [3]
    judge = Scripted(answer(total="pass", label="pass", gui="fail"))
    result = evaluate_checklist(SPEC, "Sum it", {}, {}, FRAMES, judge)
    assert result.score == 0.0 and not result.passed  # an integrity failure zeroes the score
    result = evaluate_checklist(SPEC, "Sum it", {}, {}, FRAMES, Scripted("total: pass, label: pass, gui: pass"))
    assert result.score == 0.0 and not result.passed and "not JSON" in result.error
    result = evaluate_checklist(SPEC, "Sum it", {}, {}, FRAMES, None)
    assert result.score == 0.0 and "none is configured" in result.error


def test_majority_vote_and_tie_goes_to_the_harsher_verdict():
    spec = ChecklistSpec(tuple(ITEMS), mode="checklist", samples=3)
    judge = Scripted(answer(total="pass", label="fail", gui="pass"), answer(total="pass", label="pass", gui="pass"),
                     answer(total="fail", label="fail", gui="pass"))
    result = evaluate_checklist(spec, "x", {}, {}, FRAMES, judge)
    assert {r["id"]: r["verdict"] for r in result.items} == {"total": "pass", "label": "fail", "gui": "pass"}
    assert result.score == pytest.approx(0.6)
    spec2 = ChecklistSpec(tuple(ITEMS), mode="checklist", samples=2)
    judge = Scripted(answer(total="pass", label="pass", gui="pass"), answer(total="partial", label="pass", gui="pass"))
    assert {r["id"]: r["verdict"] for r in evaluate_checklist(spec2, "x", {}, {}, FRAMES, judge).items}["total"] == \
        "partial"


def test_ocr_items_need_no_judge():
    spec = ChecklistSpec((ChecklistItem("shown", "completion", "the total is visible", 100, ocr="{total}"),),
                         mode="checklist")
    result = evaluate_checklist(spec, "x", {}, {"total": "1234.56"}, FRAMES, None,
                                read_text=lambda frame: "Total 1234.56 Sum")
    assert result.passed and result.score == 1.0
    result = evaluate_checklist(spec, "x", {}, {"total": "1234.56"}, FRAMES, None, read_text=lambda f: "Total 12")
    assert not result.passed and result.score == 0.0


def test_combine_modes():
    good = evaluate_checklist(SPEC, "x", {}, {}, FRAMES, Scripted(answer(total="pass", label="pass", gui="pass")))
    assert combine("both", 0.5, (0.5, False), good) == (0.5, False)
    assert combine("checklist", 0.5, (0.0, False), good) == (1.0, True)
    assert combine("weighted", 0.25, (0.0, False), good) == (0.25, False)
    assert combine("program", 0.5, (1.0, True), good) == (1.0, True)


def test_frame_buffer_keeps_first_last_and_bounded():
    buffer = FrameBuffer(capacity=8)
    frames = [np.full((2, 2, 3), i, np.uint8) for i in range(100)]
    for frame in frames:
        buffer.add(frame)
    sample = buffer.sample(6)
    assert len(sample) == 6 and sample[0] is frames[0] and sample[-1] is frames[-1]
    assert len(buffer._frames) <= 8


def test_transformers_backend_loads_and_generates_with_a_real_model(tiny_model):
    judge = make_backend(f"transformers:{tiny_model}")
    assert isinstance(judge, TransformersBackend)
    text = judge.complete("Judge this", FRAMES[:2])
    assert isinstance(text, str)
    assert judge.last_image_count == 2 and judge.last_prompt.count("<image>") == 2
    # The random model cannot answer in JSON: the checklist fails closed, never guesses.
    result = evaluate_checklist(SPEC, "Sum the column", {}, {"expected_total": 7}, FRAMES, judge)
    assert result.score == 0.0 and not result.passed and result.error


def test_openai_backend_against_a_real_local_server(tiny_model):
    from gym_anything.models.server import ModelServer

    server = ModelServer(str(tiny_model)).start()
    try:
        judge = make_backend(f"openai:{server.base_url}#local")
        assert isinstance(judge, OpenAIBackend)
        result = evaluate_checklist(SPEC, "Sum the column", {}, {"expected_total": 99.5}, FRAMES, judge)
        assert server.requests and server.requests[-1]["images"] == 3  # frames sampled to SPEC.frames
        assert "Sum the column" in server.requests[-1]["prompt"] and "99.5" in server.requests[-1]["prompt"]
        assert result.score == 0.0 and result.error  # garbage from the random model fails closed
        with pytest.raises(ModelAnswerError, match="answered HTTP 404"):
            OpenAIBackend(server.base_url.replace("/v1", "/nope"), "local").complete("x", [])
    finally:
        server.stop()


@pytest.mark.app
def test_env_reports_the_checklist_and_fails_closed_without_a_judge(tmp_path):
    """A fixture task with a checklist (OCR item + judge item) on the real app."""
    import shutil

    from gym_anything import actions as A
    from gym_anything.core.env import GymAnythingEnv
    from gym_anything.specs import load_env

    root = Path(__file__).parent / "fixtures" / "broken_root"
    shutil.copytree(root, tmp_path / "root")
    task_file = tmp_path / "root" / "envs" / "brokensheet" / "tasks" / "bad-oracle.yaml"
    task_file.write_text(task_file.read_text().replace("oracle: envs/brokensheet/oracle.py:does_nothing",
                                                       "oracle: envs/brokensheet/oracle.py:solve") + """
checklist:
  mode: both
  items:
    - {id: header, kind: completion, points: 50, evidence: "the header Value is visible", ocr: "Value"}
    - {id: sum, kind: completion, points: 50, evidence: "A6 shows the sum of A2:A5"}
""")
    spec = load_env(tmp_path / "root" / "envs" / "brokensheet")
    env = GymAnythingEnv(spec, "bad-oracle", audit=False)
    try:
        env.reset(seed=1)
        for action in env.oracle_actions():
            _, reward, terminated, _, info = env.step(action)
        checklist = info["verifier"]["checklist"]
        by_id = {item["id"]: item for item in checklist["items"]}
        assert by_id["header"]["verdict"] == "pass" and by_id["header"]["by"] == "ocr"
        assert by_id["sum"]["verdict"] == "fail" and "none is configured" in checklist["error"]
        assert reward == 0.0 and not info["verifier"]["passed"]  # program passed, checklist failed closed
        assert all(item["passed"] for item in info["verifier"]["items"])
        env.reset(seed=1)
        _, reward, *_ = env.step(A.done())
        assert reward == 0.0
    finally:
        env.close()
