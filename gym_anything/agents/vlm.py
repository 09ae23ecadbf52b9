"""A vision-language-model agent over any model backend with ``complete(prompt, images) -> str``.

One class serves every backend (see :func:`gym_anything.models.make_backend`): ``openai:URL#MODEL`` (any
OpenAI-compatible chat endpoint with images, key from ``OPENAI_API_KEY`` or ``api_key=``) and
``transformers:PATH`` (a local model). Per model call the prompt holds the action format with examples
and the screen size, the instruction, a short history of the previous actions, any reviewer feedback, and
the current screenshot as the one image. The reply is read with
:func:`gym_anything.agents.parsing.parse_actions`; several calls in one reply are queued and returned one per
``act``. A reply that cannot be parsed is recorded in ``trace`` and answered with a harmless ``WAIT 0``; after
``max_failures`` such replies in a row the agent gives up with DONE. A failing backend (endpoint down, HTTP
error) raises: that is an infrastructure fault, not the policy's.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

import numpy as np

from .. import actions as A
from ..models.backends import Backend, make_backend, parse_model_spec
from .parsing import ActionParseError, parse_actions

ACTION_FORMAT = """You operate a desktop application on a Linux computer to complete a task.
The screen is {width}x{height} pixels: x goes from 0 (left) to {max_x}, y from 0 (top) to {max_y}.
You see the current screen. Reply with your next action(s) as Python code in one ```python block, using only
these pyautogui calls with literal arguments:
  pyautogui.click(x, y)                      (or button='right' / 'middle')
  pyautogui.doubleClick(x, y)
  pyautogui.rightClick(x, y)
  pyautogui.moveTo(x, y)
  pyautogui.moveTo(x, y); pyautogui.dragTo(x2, y2, button='left')   (a drag from (x, y) to (x2, y2))
  pyautogui.mouseDown(x, y, button='left') and pyautogui.mouseUp(x, y, button='left')
  pyautogui.scroll(clicks, x=x, y=y)         (positive scrolls up, negative down)
  pyautogui.hscroll(clicks, x=x, y=y)        (positive scrolls right)
  pyautogui.write('text')                    (types text; '\\n' presses Enter, '\\t' Tab)
  pyautogui.press('enter')
  pyautogui.hotkey('ctrl', 's')
  pyautogui.sleep(seconds)                   (wait for the application, at most 10)
Write DONE when the task is complete, FAIL if it cannot be done, WAIT to wait a moment.
Several calls in one reply run in order. Example reply:
```python
pyautogui.click(412, 300)
pyautogui.write('Total')
pyautogui.press('enter')
```"""


class VLMAgent:
    """An agent that asks a vision-language model for pyautogui-style actions, one screenshot per call.

    ``model``: ``openai:URL#MODEL``, ``transformers:PATH`` or a backend object with ``complete``.
    ``history``: how many previous replies the prompt recalls. ``max_failures``: unparseable replies in a
    row before giving up with DONE. ``api_key`` / ``max_tokens``: passed to the backend.
    """

    def __init__(self, model: str | Backend, history: int = 8, max_failures: int = 3, api_key: str | None = None,
                 max_tokens: int | None = None):
        if not isinstance(history, int) or history < 0:
            raise ValueError(f"history must be a whole number >= 0, got {history!r}")
        if not isinstance(max_failures, int) or max_failures < 1:
            raise ValueError(f"max_failures must be a whole number >= 1, got {max_failures!r}")
        spec = parse_model_spec(model) if isinstance(model, str) else None  # ValueError for a malformed spec
        backend = make_backend(spec if spec is not None else model, api_key=api_key, max_tokens=max_tokens)
        assert backend is not None
        self.backend = backend
        self.name = "vlm-" + (spec.name if spec is not None else type(model).__name__.lower())
        self.history, self.max_failures = history, max_failures
        self.trace: dict[str, Any] = {}
        self.reset("", {})

    def reset(self, instruction: str, info: dict[str, Any]) -> None:
        self.instruction = instruction
        self._queue: deque[dict[str, Any]] = deque()
        self._past: deque[str] = deque(maxlen=self.history)
        self._feedback: str | None = None
        self._last_error: str | None = None
        self.failures = 0  # unparseable replies in a row
        self.parse_errors = 0  # in this episode
        self.trace = {}

    def feedback(self, text: str) -> None:
        """A reviewer's note: shown in every following prompt of the episode; queued actions are dropped."""
        self._feedback = text
        self._queue.clear()

    def act(self, observation: np.ndarray, info: dict[str, Any]) -> dict[str, Any]:
        if self._queue:
            action = self._queue.popleft()
            self.trace = {"model_output": None, "parse_error": None, "model_seconds": None,
                          "action": _code(action, observation), "queued": len(self._queue)}
            return action
        height, width = observation.shape[:2]
        prompt = self.prompt(width, height)
        started = time.perf_counter()
        reply = self.backend.complete(prompt, [observation])
        seconds = round(time.perf_counter() - started, 4)
        pointer = info.get("pointer")
        try:
            planned = parse_actions(reply, width, height, tuple(pointer) if pointer is not None else None)
        except ActionParseError as exc:
            self.failures += 1
            self.parse_errors += 1
            self._last_error = str(exc)
            self._past.append(f"(your reply could not be used: {exc})")
            gave_up = self.failures >= self.max_failures
            action = A.done() if gave_up else A.wait(0)
            self.trace = {"model_output": reply, "parse_error": str(exc), "model_seconds": seconds,
                          "action": _code(action, observation), "queued": 0, "failures_in_a_row": self.failures,
                          "gave_up": gave_up}
            return action
        self.failures, self._last_error = 0, None
        self._past.append("; ".join(_code(a, observation) for a in planned))
        action, *rest = planned
        self._queue.extend(rest)
        self.trace = {"model_output": reply, "parse_error": None, "model_seconds": seconds,
                      "action": _code(action, observation), "queued": len(self._queue)}
        return action

    def prompt(self, width: int, height: int) -> str:
        """The text sent with the current screenshot."""
        return build_prompt(self.instruction, width, height, list(self._past), self._last_error, self._feedback)


def build_prompt(instruction: str, width: int, height: int, past: list[str] | None = None,
                 last_error: str | None = None, feedback: str | None = None) -> str:
    """The VLM agent's prompt text (sent with one screenshot); distillation training renders the same text."""
    parts = [ACTION_FORMAT.format(width=width, height=height, max_x=width - 1, max_y=height - 1),
             f"Task: {instruction}"]
    if past:
        parts.append("Your previous replies' actions (oldest first):\n" + "\n".join(f"- {entry}" for entry in past))
    if last_error:
        parts.append(f"Your last reply could not be used: {last_error}. Follow the format above.")
    if feedback:
        parts.append(f"Reviewer feedback (take it into account): {feedback}")
    parts.append("The current screen is attached. Reply with your next action(s).")
    return "\n\n".join(parts)


def _code(action: dict[str, Any], observation: np.ndarray) -> str:
    height, width = observation.shape[:2]
    return A.to_code(A.validate(action, width, height))
