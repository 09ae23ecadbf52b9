"""Test-time review: a separate judge reviews an agent's claim that it is done before the episode ends.

``ReviewedAgent(inner, judge)`` keeps the screenshots the inner agent saw (and nothing else: no privileged
data, no verifier output). When the inner agent answers DONE, the judge gets the instruction and
``frames`` screenshots sampled from the episode (first, last, evenly spaced) and must answer with strict
JSON ``{"solved": true|false, "remaining": "..."}``. If it says not solved and reviews remain, the
``remaining`` text goes to ``inner.feedback`` and the inner agent is asked for its next action on the same
screen; the episode goes on. At most ``max_reviews`` reviews run per episode, so the episode always ends.

An answer that is not that JSON (or a judge backend that fails) is not trusted: it is recorded with
``solved: None`` and the DONE goes through, because such a judge gives no feedback to act on and must
never keep an agent from ending its episode. ``reviews`` lists every review of the episode
(``{step, solved, remaining, raw, error, seconds}``) for the run's result.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import gymnasium as gym
import numpy as np

from .. import actions as A
from ..models.answers import ModelAnswerError, load_json_answer
from ..models.backends import Backend, make_backend
from ..models.images import FrameBuffer
from .base import Agent, load_agent


def build_review_prompt(instruction: str, frame_count: int) -> str:
    """The judge's prompt: only the instruction and how many screenshots come with it."""
    return "\n\n".join([
        "You review the work of a computer-use agent in a desktop application.",
        f"The agent's task was:\n{instruction}",
        f"You are shown {frame_count} screenshots the agent saw, in order; the last one is the current screen.",
        "The agent says it has finished. Judge only from the screenshots whether the whole task is done "
        "(including saving files if the task asks for it).",
        'Answer with JSON only, no other text: {"solved": true or false, "remaining": "<what is still to do; '
        'empty if solved>"}',
    ])


def parse_review(text: str) -> tuple[bool, str]:
    """Strictly parse a review answer into (solved, remaining); raises ModelAnswerError otherwise."""
    data = load_json_answer(text)
    if not isinstance(data, dict) or set(data) != {"solved", "remaining"}:
        raise ModelAnswerError(f'the review answer must be an object with exactly "solved" and "remaining", '
                         f'got {text[:200]!r}')
    if not isinstance(data["solved"], bool):
        raise ModelAnswerError(f'"solved" must be true or false, got {data["solved"]!r}')
    if not isinstance(data["remaining"], str):
        raise ModelAnswerError(f'"remaining" must be a string, got {data["remaining"]!r}')
    return data["solved"], data["remaining"]


class ReviewedAgent:
    """Wraps an agent; a judge must agree the task is solved before DONE ends the episode (bounded)."""

    def __init__(self, inner: Agent | str, judge: Backend | str, max_reviews: int = 2, frames: int = 4,
                 max_audits: int | None = None):
        if max_audits is not None:  # its name before the test-time review stopped being called an audit
            warnings.warn("ReviewedAgent(max_audits=...) is now max_reviews=...", DeprecationWarning, stacklevel=2)
            max_reviews = max_audits
        if not isinstance(max_reviews, int) or max_reviews < 0:
            raise ValueError(f"max_reviews must be a whole number >= 0, got {max_reviews!r}")
        if not isinstance(frames, int) or frames < 1:
            raise ValueError(f"frames must be a whole number >= 1, got {frames!r}")
        self.inner = load_agent(inner) if isinstance(inner, str) else inner
        backend = make_backend(judge)
        if backend is None:
            raise ValueError("judge must be 'openai:URL#MODEL', 'transformers:PATH' or a backend object")
        self.judge: Backend = backend
        self.name = f"reviewed-{getattr(self.inner, 'name', type(self.inner).__name__)}"
        self.max_reviews, self.frames = max_reviews, frames
        self.reviews: list[dict[str, Any]] = []
        self.trace: dict[str, Any] = {}
        self._seen = FrameBuffer()
        self._instruction, self._step = "", 0

    def bind(self, env: gym.Env) -> None:
        bind = getattr(self.inner, "bind", None)
        if callable(bind):
            bind(env)

    def reset(self, instruction: str, info: dict[str, Any]) -> None:
        self._instruction, self._step = instruction, 0
        self._seen = FrameBuffer()
        self.reviews, self.trace = [], {}
        self.inner.reset(instruction, info)

    def feedback(self, text: str) -> None:
        feedback = getattr(self.inner, "feedback", None)
        if callable(feedback):
            feedback(text)

    def act(self, observation: np.ndarray, info: dict[str, Any]) -> dict[str, Any]:
        self._seen.add(observation)
        action = self.inner.act(observation, info)
        reviews, overruled = [], []
        while _is_done(action) and len(self.reviews) < self.max_reviews:
            review = self._review()
            reviews.append(review)
            if review["solved"] is not False:
                break
            overruled.append(dict(getattr(self.inner, "trace", {})))
            self.feedback("A reviewer looked at your screens and judged the task NOT complete yet. Still to do: "
                          + (review["remaining"] or "(not specified)"))
            action = self.inner.act(observation, info)
        self.trace = dict(getattr(self.inner, "trace", {}))
        if reviews:
            self.trace.update(reviews=reviews, overruled=overruled)
        self._step += 1
        return action

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if callable(close):
            close()

    @property
    def audits(self) -> list[dict[str, Any]]:
        """The older name of :attr:`reviews`."""
        return self.reviews

    def _review(self) -> dict[str, Any]:
        frames = self._seen.sample(self.frames)
        started = time.perf_counter()
        raw, solved, remaining, error = None, None, "", None
        try:
            raw = self.judge.complete(build_review_prompt(self._instruction, len(frames)), frames)
            solved, remaining = parse_review(raw)
        except Exception as exc:  # noqa: BLE001 - an unusable judgement is recorded, never trusted
            error = f"{type(exc).__name__}: {exc}"
        review = {"step": self._step, "solved": solved, "remaining": remaining, "raw": raw, "error": error,
                  "seconds": round(time.perf_counter() - started, 4)}
        self.reviews.append(review)
        return review


def _is_done(action: Any) -> bool:
    return isinstance(action, dict) and int(action.get("type", -1)) == A.ActionType.DONE


AuditedAgent = ReviewedAgent  # its name before "audit" meant only the gate
