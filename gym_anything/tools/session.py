"""A provider's tool calls, run on a gym-anything env: one model turn's calls become one batched env step.

``ToolSession(env, "anthropic-20251124", shown=(1024, 576))``: ``definitions()`` are the tools to send;
``reset()`` gives the first screenshot; ``turn(calls)`` runs every call of one model turn (all their actions
as one batch, settled once) and gives one :class:`ToolResult` per call, in order: an error text for a call
that could not run (the others still run), else the screenshot (at the shown size), a zoomed region (at the
screen's full resolution) or the pointer position; ``act(actions)`` runs typed actions (screen pixels) as one
step; ``finish()`` ends the episode (the model's final answer) and gives the reward and the verifier's public
result. However the episode ended, ``reward`` and ``passed`` then hold its outcome. ``reply(call, result)`` is
the result in the provider's message format. The privileged values and the oracle never cross a session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from PIL import Image

from .. import actions as A
from ..errors import ActionError
from ..models.images import png_base64, png_bytes, png_data_url
from .base import Display, ToolCallError, ToolSchema, ToolStep, as_mapping
from .registry import get_schema


@dataclass
class ToolResult:
    """What one tool call returns to the model."""

    image: np.ndarray | None = None  # RGB uint8: the screenshot (shown size) or the zoomed region
    text: str = ""
    is_error: bool = False
    reward: float | None = None  # set by finish()
    verifier: dict[str, Any] | None = None  # the verifier's public result, set by finish()

    def png(self) -> bytes:
        return b"" if self.image is None else png_bytes(self.image)

    def png_base64(self) -> str:
        return "" if self.image is None else png_base64(self.image)


class ToolSession:
    """Provider tool calls on one env (a ``gym.make`` env or its ``unwrapped``)."""

    def __init__(self, env: gym.Env, schema: str | ToolSchema, shown: tuple[int, int] | None = None):
        self.env = env
        base = env.unwrapped
        self.schema = get_schema(schema) if isinstance(schema, str) else schema
        self.display = Display(base.width, base.height, shown)  # type: ignore[attr-defined]
        self.pointer = (self.display.width // 2, self.display.height // 2)
        self.frame: np.ndarray | None = None
        self.ended = False
        self.instruction = ""
        self.reward: float | None = None  # the episode's outcome, once it ended (finish, DONE, budget, fault)
        self.verifier: dict[str, Any] | None = None

    @property
    def passed(self) -> bool | None:
        """Whether the ended episode's task passed (None while it runs)."""
        return None if self.reward is None else bool((self.verifier or {}).get("passed"))

    def definitions(self) -> list[dict[str, Any]]:
        return self.schema.definitions(self.display)

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> ToolResult:
        _, info = self.env.reset(seed=seed, options=options)
        self.frame = self._screen()
        self.ended, self.instruction = False, str(info.get("instruction", ""))
        self.reward = self.verifier = None
        return ToolResult(image=self._shown(self.frame), text=self.instruction)

    def turn(self, calls: list[Any]) -> list[ToolResult]:
        """Run one model turn's tool calls: every valid call's actions in one batched step, one screenshot."""
        if self.ended:
            raise RuntimeError("the episode has ended: reset() before the next turn")
        parsed: list[list[ToolStep] | ToolCallError] = []
        for call in calls:
            try:
                parsed.append(self.schema.parse(call, self.display, self.pointer))
            except ToolCallError as exc:
                parsed.append(exc)
        batch = [a for steps in parsed if not isinstance(steps, ToolCallError) for s in steps for a in s.actions]
        failure = self._run(batch) if batch else None
        shown = self._shown(self.frame)  # once per turn: every call's screenshot is this one
        results = []
        for steps in parsed:
            if isinstance(steps, ToolCallError):
                results.append(ToolResult(text=str(steps), is_error=True))
            elif failure is not None:
                results.append(ToolResult(text=failure, is_error=True, image=shown))
            else:
                results.append(self._result(steps[-1], shown))
        return results

    def screenshot(self) -> np.ndarray | None:
        """The screen now, at the shown size (None before the first reset)."""
        return self._shown(self.frame)

    def call(self, call: Any) -> ToolResult:
        return self.turn([call])[0]

    def act(self, actions: list[dict[str, Any]]) -> ToolResult:
        """Typed actions (screen pixels; DONE may end them) as one batched step: the screenshot after it, and
        once the episode ended, why, the reward and the verifier's public result. A malformed action raises
        :class:`ActionError` and nothing runs."""
        if self.ended:
            raise RuntimeError("the episode has ended: reset() before the next step")
        why = self._step(actions)
        return ToolResult(image=self._shown(self.frame), text=why or "", reward=self.reward, verifier=self.verifier)

    def finish(self) -> ToolResult:
        """The model's final answer: DONE, the verifier runs; the reward and its public result."""
        if self.ended:
            raise RuntimeError("the episode has ended")
        self._step([A.done()])
        return ToolResult(text=f"episode ended, reward {self.reward}", reward=self.reward, verifier=self.verifier)

    # --- internals --------------------------------------------------------------------------------

    def _step(self, batch: list[dict[str, Any]]) -> str | None:
        """One env step; when it ended the episode, the outcome is kept and the reason returned."""
        _, reward, terminated, truncated, info = self.env.step(batch)
        self.frame = self._screen()
        self.pointer = tuple(info.get("pointer", self.pointer))
        if not (terminated or truncated):
            return None
        self.ended = True
        self.reward, self.verifier = float(reward), info.get("verifier")
        if "fault" in info:
            return f"the episode ended (fault {info['fault']['kind']}); reward {reward}"
        if truncated:
            return f"the episode ended (the step budget is used up); reward {reward}"
        return f"the episode ended; reward {reward}"

    def _run(self, batch: list[dict[str, Any]]) -> str | None:
        """A turn's batch: None, or the text every call of the turn gets (not run, or the episode ended)."""
        try:
            return self._step(batch)
        except ActionError as exc:
            return f"the actions were not run: {exc}"

    def _screen(self) -> np.ndarray:
        return np.asarray(self.env.unwrapped.screen)  # type: ignore[attr-defined]

    def _shown(self, frame: np.ndarray | None) -> np.ndarray | None:
        if frame is None or self.display.shown is None:
            return frame
        return np.asarray(Image.fromarray(frame).resize(self.display.size, Image.Resampling.LANCZOS))

    def _result(self, step: ToolStep, shown: np.ndarray | None) -> ToolResult:
        assert self.frame is not None
        if step.result == "cursor":
            x, y = self.display.from_screen(*self.pointer)
            return ToolResult(text=f"X={x},Y={y}")
        if step.result == "zoom":
            assert step.region is not None
            x0, y0, x1, y1 = step.region
            return ToolResult(image=np.ascontiguousarray(self.frame[y0:y1, x0:x1]))
        return ToolResult(image=shown)

    def reply(self, call: Any, result: ToolResult) -> dict[str, Any]:
        """``result`` as the provider's tool-result message for ``call``."""
        return REPLIES[self.schema.provider](as_mapping(call, "a tool call"), result)


def _anthropic_reply(call: dict[str, Any], result: ToolResult) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if result.text:
        content.append({"type": "text", "text": result.text})
    if result.image is not None:
        content.append({"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                                    "data": result.png_base64()}})
    return {"type": "tool_result", "tool_use_id": call.get("id", ""), "content": content,
            "is_error": result.is_error}


def _openai_reply(call: dict[str, Any], result: ToolResult) -> dict[str, Any]:
    reply: dict[str, Any] = {"type": "computer_call_output", "call_id": call.get("call_id", ""),
                             "output": {"type": "computer_screenshot",
                                        "image_url": png_data_url(result.image) if result.image is not None else ""}}
    if result.is_error or result.text:
        reply["gym_anything_text"] = result.text  # the error text; send it as an input_text message too
    return reply


def _gemini_reply(call: dict[str, Any], result: ToolResult) -> dict[str, Any]:
    response: dict[str, Any] = {"error": result.text} if result.is_error else {"url": "desktop"}
    reply: dict[str, Any] = {"function_response": {"name": call.get("name", ""), "response": response}}
    if result.image is not None:
        reply["inline_data"] = {"mime_type": "image/png", "data": result.png_base64()}
    return reply


def _chat_reply(call: dict[str, Any], result: ToolResult) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": result.text or ("error" if result.is_error else "ok")}]
    if result.image is not None:
        content.append({"type": "image_url", "image_url": {"url": png_data_url(result.image)}})
    return {"role": "tool", "tool_call_id": call.get("id", ""), "content": content}


REPLIES = {"anthropic": _anthropic_reply, "openai": _openai_reply, "google": _gemini_reply,
           "gym-anything": _chat_reply}
