"""An agent that acts through native tool calls (OpenAI-compatible ``tools``) instead of pyautogui text.

``ToolCallingAgent("openai:URL#MODEL")`` (or ``load_agent(spec, tool_calls=True)``) offers the model one
``computer`` function (:mod:`gym_anything.tools.normalized`: our actions, coordinates as fractions of the
screen) and reads its ``tool_calls``. Each model turn: the instruction, the last ``history`` turns (their tool
calls and their results, ``ok`` or the error text so the model can correct itself; older screenshots
dropped), then the current screenshot. The actions of one turn are queued and
returned one per ``act``. A reply without tool calls, or a ``done`` call, ends the episode (DONE); after
``max_failures`` turns in a row whose every call was refused, the agent gives up with DONE.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

import numpy as np

from .. import actions as A
from ..models.backends import make_chat_client, parse_model_spec
from ..models.images import png_data_url
from ..tools import Display, ToolCallError, get_schema
from .vlm import _code

SYSTEM = ("You operate a desktop application on a Linux computer to complete a task. Act with the computer tool: "
          "each call is one action; coordinates are fractions of the screen (x from 0 at the left to 1 at the "
          "right, y from 0 at the top to 1 at the bottom). Call it with type 'done' (or answer without a tool "
          "call) when the task is complete.")


class ToolCallingAgent:
    """A vision-language model with tool calls, over an OpenAI-compatible chat endpoint."""

    def __init__(self, model: str, history: int = 4, max_failures: int = 3, api_key: str | None = None,
                 max_tokens: int = 1024):
        if isinstance(history, bool) or not isinstance(history, int) or history < 1:
            raise ValueError(f"history must be a whole number >= 1 (the last turn's results are sent back), got "
                             f"{history!r}")
        if not isinstance(max_failures, int) or max_failures < 1:
            raise ValueError(f"max_failures must be a whole number >= 1, got {max_failures!r}")
        spec = parse_model_spec(model)
        self.client = make_chat_client(spec, api_key=api_key, max_tokens=max_tokens)
        self.schema = get_schema("normalized")
        self.name = "tools-" + spec.name
        self.history, self.max_failures = history, max_failures
        self.reset("", {})

    def reset(self, instruction: str, info: dict[str, Any]) -> None:
        self.instruction = instruction
        self._queue: deque[dict[str, Any]] = deque()
        self._turns: deque[list[dict[str, Any]]] = deque(maxlen=self.history)  # past turns' messages
        self.failures = 0
        self.trace: dict[str, Any] = {}

    def act(self, observation: np.ndarray, info: dict[str, Any]) -> dict[str, Any]:
        height, width = observation.shape[:2]
        if self._queue:
            action = self._queue.popleft()
            self.trace = {"model_output": None, "action": _code(action, observation), "queued": len(self._queue)}
            return action
        display = Display(width, height)
        pointer = tuple(info.get("pointer") or (width // 2, height // 2))
        screen = {"role": "user", "content": [{"type": "text", "text": "The current screen:"},
                                              {"type": "image_url", "image_url": {"url": png_data_url(observation)}}]}
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": f"Task: {self.instruction}"},
                    *(m for turn in self._turns for m in turn), screen]
        started = time.perf_counter()
        reply = self.client.chat(messages, tools=self.schema.definitions(display))
        seconds = round(time.perf_counter() - started, 4)
        assistant = reply.message()
        results: list[dict[str, Any]] = []
        planned: list[dict[str, Any]] = []
        refused = 0
        for call in reply.tool_calls:
            try:
                if call.name != "computer":
                    raise ToolCallError(f"unknown tool {call.name!r}: the one tool is 'computer'")
                try:
                    arguments = call.parsed()
                except ValueError as exc:
                    raise ToolCallError(str(exc)) from None
                steps = self.schema.parse(arguments, display, pointer)
                planned += [a for step in steps for a in step.actions]
                results.append({"role": "tool", "tool_call_id": call.id, "content": "ok"})
            except ToolCallError as exc:
                refused += 1
                results.append({"role": "tool", "tool_call_id": call.id, "content": f"error: {exc}"})
        text_screen = {"role": "user", "content": "(a screenshot was shown here)"}
        self._turns.append([text_screen, assistant, *results])  # the results go back with the next screen
        if not reply.tool_calls or any(a["type"] is A.ActionType.DONE for a in planned):
            planned = [a for a in planned if a["type"] is not A.ActionType.DONE] + [A.done()]
        if refused and not planned:
            self.failures += 1
            action = A.done() if self.failures >= self.max_failures else A.wait(0)
            self.trace = {"model_output": assistant, "model_seconds": seconds, "refused": refused,
                          "action": _code(action, observation), "queued": 0,
                          "gave_up": action["type"] is A.ActionType.DONE}
            return action
        self.failures = 0
        action, *rest = planned
        self._queue.extend(rest)
        self.trace = {"model_output": assistant, "model_seconds": seconds, "refused": refused,
                      "action": _code(action, observation), "queued": len(self._queue)}
        return action

