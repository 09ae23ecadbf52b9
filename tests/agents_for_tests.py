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


class FaultyAgent(RaisingAgent):
    """Kills its own worker process on the episode ``die`` and never answers on the episode ``hang`` (each
    ``<task>/<seed>``); clicks once and says DONE on the others."""

    name = "faulty"

    def __init__(self, die: str, hang: str):
        super().__init__(fail_task="")
        self.die, self.hang, self.episode = die, hang, ""

    def reset(self, instruction, info):
        super().reset(instruction, info)
        self.episode = f"{info['task_id']}/{info['seed']}"

    def act(self, observation, info):
        if self.episode == self.die:
            os._exit(3)
        if self.episode == self.hang:
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


class NodeReportingAgent(WaitingAgent):
    """Writes the Ray node it runs on into ``folder/<n>-<pid>.node`` on each reset (one file per episode it
    starts), then blocks in its first act until the file ``flag`` exists and says DONE: a test sees where its
    episodes run and keeps them running meanwhile."""

    name = "node-reporting"

    def __init__(self, flag: str, folder: str, wait: float = 0.3):
        super().__init__(flag, wait)
        self.folder = folder

    def reset(self, instruction, info):
        import ray

        node = ray.get_runtime_context().get_node_id()
        existing = len(os.listdir(self.folder))
        with open(os.path.join(self.folder, f"{existing}-{os.getpid()}.node"), "w") as f:
            f.write(node)

    def act(self, observation, info):
        import time

        while not os.path.exists(self.flag):
            time.sleep(self.wait)
        return A.done()
