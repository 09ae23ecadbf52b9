"""VLM agents and test-time auditing on real apps, over real HTTP and a real (tiny) local model.

A remote model cannot run here, so ``ScriptedModel`` stands in for its judgement only: it is served by the
package's own OpenAI-compatible server (``ModelServer``) and reached by the agent's real HTTP client; the
env, the app, the screenshots and the parsing are all real.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pytest

from gym_anything import actions as A
from gym_anything.agents import ReviewedAgent, VLMAgent, load_agent, public_info
from gym_anything.models import OpenAIBackend, TransformersBackend
from gym_anything.models.server import ModelServer


class ScriptedModel:
    """Replies in turn (or from a function of the prompt) and records every prompt and image it was sent."""

    def __init__(self, replies: list[str] | Callable[[str], str]):
        self.replies = replies if callable(replies) else list(replies)
        self.prompts: list[str] = []
        self.images: list[list[np.ndarray]] = []

    def complete(self, prompt: str, images: list[np.ndarray]) -> str:
        self.prompts.append(prompt)
        self.images.append(images)
        if callable(self.replies):
            return self.replies(prompt)
        assert self.replies, "the scripted model was asked more often than the test expects"
        return self.replies.pop(0)


@pytest.fixture
def serve():
    """Start a ModelServer around a backend; returns its base URL. Servers stop at teardown."""
    servers: list[ModelServer] = []

    def start(model: ScriptedModel) -> str:
        servers.append(ModelServer(model, model_name="scripted").start())
        return servers[-1].base_url

    yield start
    for server in servers:
        server.stop()


def run_episode(env, agent, seed: int, task: str, limit: int = 60) -> tuple[float, dict, list[np.ndarray]]:
    """Drive ``agent`` through one episode the way the eval runner does; returns (reward, last info, frames)."""
    observation, info = env.reset(seed=seed, options={"task": task})
    agent.reset(info["instruction"], public_info(info))
    seen, step_info, reward = [], {}, 0.0
    for _ in range(limit):
        seen.append(observation)
        observation, reward, terminated, truncated, step_info = env.step(agent.act(observation,
                                                                                   public_info(step_info)))
        if terminated or truncated:
            return reward, step_info, seen
    raise AssertionError(f"the episode did not end within {limit} steps")


def oracle_code(env, seed: int, task: str) -> tuple[list[str], str]:
    """The oracle's plan for this seed as to_code lines, and the instruction."""
    _, info = env.reset(seed=seed, options={"task": task})
    width, height = env.unwrapped.width, env.unwrapped.height
    return [A.to_code(A.validate(a, width, height)) for a in env.unwrapped.oracle_actions()], info["instruction"]


@pytest.mark.parametrize("one_call_per_reply", [True, False])
def test_vlm_agent_solves_a_real_task_over_http(software_envs, serve, one_call_per_reply):
    env = software_envs("mousepad")
    plan, instruction = oracle_code(env, 5, "replace-name")
    replies = plan if one_call_per_reply else [
        "I will replace the name with Find & Replace, then save.\n```python\n" + "\n".join(plan) + "\n```"]
    model = ScriptedModel(replies)
    agent = load_agent(f"openai:{serve(model)}#scripted", api_key="test-key")
    assert isinstance(agent, VLMAgent) and isinstance(agent.backend, OpenAIBackend) and agent.name == "vlm-scripted"

    reward, info, seen = run_episode(env, agent, 5, "replace-name")

    assert reward == 1.0 and info["verifier"]["passed"]
    assert len(model.prompts) == (len(plan) if one_call_per_reply else 1)
    for prompt, images, frame in zip(model.prompts, model.images, seen, strict=False):
        assert instruction in prompt and "1280x720" in prompt and "pyautogui.dragTo" in prompt
        assert len(images) == 1 and np.array_equal(images[0], frame)  # the screenshot, lossless over HTTP
    if one_call_per_reply:
        assert "Your previous replies' actions" not in model.prompts[0]
        assert f"- {plan[0]}\n- {plan[1]}" in model.prompts[2]  # history of what was done
        assert agent.trace["model_output"] == "DONE" and agent.trace["model_seconds"] >= 0
    else:
        assert agent.trace["model_output"] is None and agent.trace["queued"] == 0  # the last queued action
    assert agent.parse_errors == 0


def test_vlm_agent_records_parse_errors_recovers_and_gives_up(software_envs, serve):
    env = software_envs("mousepad")
    plan, _ = oracle_code(env, 6, "replace-name")
    garbage = ["Sure! I'll click the Search menu.", "pyautogui.click(5000, 10)", "```python\nimport os\n```"]
    model = ScriptedModel([garbage[0], *plan])
    agent = load_agent(f"openai:{serve(model)}#scripted", max_failures=3)
    reward, info, _ = run_episode(env, agent, 6, "replace-name")
    assert reward == 1.0 and agent.parse_errors == 1  # a WAIT 0 for the bad reply, then the plan
    assert "no action found" in model.prompts[1] and "Your last reply could not be used" in model.prompts[1]
    assert "Your last reply could not be used" not in model.prompts[2]  # the note goes after a good reply

    model = ScriptedModel(garbage * 2)
    agent = load_agent(f"openai:{serve(model)}#scripted", max_failures=3)
    reward, info, seen = run_episode(env, agent, 6, "replace-name")
    assert reward == 0.0 and len(seen) == 3 and len(model.prompts) == 3  # WAIT 0, WAIT 0, then DONE
    assert agent.trace["gave_up"] and agent.trace["action"] == "DONE"
    assert "outside the screen" in model.prompts[2] and "x=5000" in model.prompts[2]
    assert "unknown call" in agent.trace["parse_error"] or "only pyautogui calls" in agent.trace["parse_error"]


def test_local_transformers_model_drives_a_real_env(software_envs, tmp_path):
    torch = pytest.importorskip("torch")
    from benchmarks.tiny_vlm import build_tiny_llava

    torch.manual_seed(0)  # the tiny model's random weights, hence its replies, are reproducible
    model_path = build_tiny_llava(tmp_path / "tiny-llava")
    agent = load_agent(f"transformers:{model_path}", max_tokens=24, max_failures=2)
    assert isinstance(agent.backend, TransformersBackend) and agent.name == "vlm-tiny-llava"
    env = software_envs("mousepad")
    reward, info, seen = run_episode(env, agent, 3, "replace-name", limit=12)
    assert 1 <= len(seen) <= 12 and reward == 0.0 and "verifier" in info
    assert agent.backend.last_image_count == 1 and agent.backend.last_prompt.count("<image>") == 1
    assert "pyautogui.click(x, y)" in agent.backend.last_prompt and agent.instruction in agent.backend.last_prompt
    trace = agent.trace
    assert isinstance(trace["model_output"], str) and trace["model_seconds"] > 0
    # Random weights answer garbage: recorded as parse errors, the agent gives up after 2 in a row.
    assert trace["parse_error"] is None or (trace["gave_up"] and agent.parse_errors >= 2)


def secrets_of(env, instruction: str) -> list[str]:
    """Privileged values an agent or judge must never be sent (those the instruction shows are public anyway)."""
    values = []
    for value in env.unwrapped.privileged().values():
        for item in value if isinstance(value, list) else [value]:
            text = str(item)
            if len(text) >= 3 and text not in instruction:
                values.append(text)
    return values


def test_audited_agent_feedback_continues_the_episode(software_envs, serve):
    env = software_envs("gnumeric")
    plan, instruction = oracle_code(env, 4, "sum-column")
    secrets = secrets_of(env, instruction)
    assert secrets  # e.g. the expected total
    remaining = "Cell B-total is still empty: enter the SUM formula and save."
    actor = ScriptedModel(["DONE", "```python\n" + "\n".join(plan) + "\n```"])
    judge = ScriptedModel([json.dumps({"solved": False, "remaining": remaining}),
                           "```json\n" + json.dumps({"solved": True, "remaining": ""}) + "\n```"])
    agent = ReviewedAgent(load_agent(f"openai:{serve(actor)}#scripted"), f"openai:{serve(judge)}#judge",
                         max_reviews=2, frames=4)
    assert agent.name == "reviewed-vlm-scripted"

    reward, info, seen = run_episode(env, agent, 4, "sum-column")

    assert reward == 1.0 and len(seen) == len(plan)  # the vetoed DONE was replaced by the plan
    assert [(a["step"], a["solved"], a["remaining"]) for a in agent.reviews] == \
        [(0, False, remaining), (len(plan) - 1, True, "")]
    assert remaining not in actor.prompts[0] and remaining in actor.prompts[1]  # feedback reached the prompt
    assert agent.trace["reviews"][0]["solved"] is True
    for prompt, images in zip(judge.prompts, judge.images, strict=True):
        assert instruction in prompt and '"solved"' in prompt
        assert not [s for s in secrets if s in prompt]  # only frames + instruction go to the judge
        assert 1 <= len(images) <= 4
        assert all(any(np.array_equal(image, frame) for frame in seen) for image in images)
    assert len(judge.images[0]) == 1 and len(judge.images[1]) == 4  # at the first step only one frame exists
    for prompt in actor.prompts:
        assert not [s for s in secrets if s in prompt]


def test_audits_are_bounded_and_an_untrusted_judge_lets_done_through(software_envs, serve):
    env = software_envs("gnumeric")
    actor = ScriptedModel(lambda prompt: "DONE")
    judge = ScriptedModel(lambda prompt: json.dumps({"solved": False, "remaining": "everything"}))
    agent = ReviewedAgent(VLMAgent(f"openai:{serve(actor)}#scripted"), f"openai:{serve(judge)}#judge", max_reviews=2)
    reward, _, seen = run_episode(env, agent, 2, "sum-column")
    assert reward == 0.0 and len(seen) == 1  # two vetoes, then the third DONE goes through
    assert [a["solved"] for a in agent.reviews] == [False, False] and len(actor.prompts) == 3
    assert len(agent.trace["overruled"]) == 2 and agent.trace["action"] == "DONE"

    for answer in ["The task looks complete to me.", '{"solved": "no", "remaining": ""}',
                   '{"solved": false}', '{"solved": false, "remaining": "x", "confidence": 0.2}']:
        judge = ScriptedModel([answer])
        agent = ReviewedAgent(VLMAgent(f"openai:{serve(actor)}#scripted"), f"openai:{serve(judge)}#judge")
        reward, _, seen = run_episode(env, agent, 2, "sum-column")
        assert len(seen) == 1 and len(agent.reviews) == 1
        audit = agent.reviews[0]
        assert audit["solved"] is None and audit["raw"] == answer and "ModelAnswerError" in audit["error"]

    dead = ReviewedAgent(VLMAgent(f"openai:{serve(actor)}#scripted"), "openai:http://127.0.0.1:9/v1#judge")
    reward, _, seen = run_episode(env, dead, 2, "sum-column")
    assert len(seen) == 1 and dead.reviews[0]["solved"] is None and "failed" in dead.reviews[0]["error"]


def test_bad_agent_and_audit_settings_are_refused():
    with pytest.raises(ValueError, match="max_failures"):
        VLMAgent("openai:http://127.0.0.1:9/v1#m", max_failures=0)
    with pytest.raises(ValueError, match="model must be"):
        VLMAgent("gpt-4o")
    with pytest.raises(ValueError, match="max_reviews"):
        ReviewedAgent("random", "openai:http://127.0.0.1:9/v1#m", max_reviews=-1)
    with pytest.raises(ValueError, match="model must be"):
        ReviewedAgent("random", "gpt-4o")
    assert ReviewedAgent("random", "openai:http://127.0.0.1:9/v1#m").name == "reviewed-random"
