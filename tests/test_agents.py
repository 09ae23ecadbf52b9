"""The built-in random agent acts on the screen it is given, whatever its size."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium import spaces

from gym_anything.actions import ActionType, validate
from gym_anything.agents import RandomAgent


def _actions(agent: RandomAgent, obs: np.ndarray, n: int = 200) -> list[dict]:
    agent.reset("do it", {"seed": 3})
    return [agent.act(obs, {}) for _ in range(n)]


def _pointer_extent(actions: list[dict], width: int, height: int) -> tuple[int, int]:
    out = [validate(a, width, height) for a in actions]  # raises ActionError for a point off this screen
    return max(a["x"] for a in out), max(a["y"] for a in out)


@pytest.mark.parametrize(("width", "height"), [(640, 480), (1920, 1080)])
def test_random_agent_uses_the_observations_size(width, height):
    obs = np.zeros((height, width, 3), np.uint8)
    actions = _actions(RandomAgent(steps=1000, seed=0), obs)
    max_x, max_y = _pointer_extent(actions, width, height)
    assert max_x > 0.8 * width and max_y > 0.8 * height  # the whole screen, not a 1280x720 corner of it
    assert all(int(a["type"]) not in (ActionType.DONE, ActionType.WAIT) for a in actions)


def test_random_agent_takes_the_size_from_the_bound_env():
    class Env:
        observation_space = spaces.Box(0, 255, (600, 800, 3), np.uint8)

    agent = RandomAgent(steps=1000, seed=0)
    agent.bind(Env())
    assert (agent.width, agent.height) == (800, 600)
    agent.reset("do it", {"seed": 3})
    _pointer_extent([agent.act(None, {}) for _ in range(200)], 800, 600)  # no observation needed


def test_random_agent_size_arguments_override_and_seeds_reproduce():
    obs = np.zeros((1080, 1920, 3), np.uint8)
    actions = _actions(RandomAgent(steps=1000, seed=0, width=320, height=240), obs)
    _pointer_extent(actions, 320, 240)
    again = _actions(RandomAgent(steps=1000, seed=0, width=320, height=240), obs)
    assert [validate(a, 320, 240) for a in actions] == [validate(a, 320, 240) for a in again]
    first = _actions(RandomAgent(steps=1000, seed=1), np.zeros((480, 640, 3), np.uint8), 20)
    second = _actions(RandomAgent(steps=1000, seed=2), np.zeros((480, 640, 3), np.uint8), 20)
    assert [validate(a, 640, 480) for a in first] == [validate(a, 640, 480) for a in second]  # the episode seed


def test_random_agent_ends_with_done_after_its_steps():
    agent = RandomAgent(steps=3, seed=0)
    actions = _actions(agent, np.zeros((480, 640, 3), np.uint8), 5)
    assert [int(a["type"]) == ActionType.DONE for a in actions] == [False, False, False, True, True]
