"""Agents that misbehave on purpose, loaded by import path like any user agent (``agents_for_tests:Name``)."""

from __future__ import annotations

import os

from gym_anything import actions as A


class RaisingAgent:
    """Raises in act() on episodes of the task named ``fail_task``; otherwise clicks once and says DONE."""

    name = "raising"

    def __init__(self, fail_task: str):
        self.fail_task, self.task, self.steps = fail_task, None, 0

    def reset(self, instruction, info):
        self.task, self.steps = info["task_id"], 0

    def act(self, observation, info):
        if self.task == self.fail_task:
            raise RuntimeError("agent bug on purpose")
        self.steps += 1
        return A.click(10, 10) if self.steps == 1 else A.done()


class DyingAgent(RaisingAgent):
    """Kills its own worker process (as a segfault would) on episodes of ``fail_task``."""

    name = "dying"

    def act(self, observation, info):
        if self.task == self.fail_task:
            os._exit(3)
        return super().act(observation, info)


class HangingAgent(RaisingAgent):
    """Never answers (as a model server that hangs would) on episodes of ``fail_task``."""

    name = "hanging"

    def act(self, observation, info):
        if self.task == self.fail_task:
            import time

            time.sleep(3600)
        return super().act(observation, info)


class WaitingAgent:
    """WAITs until the file ``flag`` exists, then says DONE: an episode that stays on screen while a test looks."""

    name = "waiting"

    def __init__(self, flag: str, wait: float = 0.3):
        self.flag, self.wait = flag, wait

    def reset(self, instruction, info):
        pass

    def act(self, observation, info):
        return A.done() if os.path.exists(self.flag) else A.wait(self.wait)
