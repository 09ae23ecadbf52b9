"""The Ray vector env on a real local multi-node Ray cluster (a head and two worker nodes in this machine)."""

from __future__ import annotations

import glob
import os
import signal
import time

import gymnasium as gym
import numpy as np
import pytest

from gym_anything import actions as A
from gym_anything.runtime.guardian import owned_processes

ray = pytest.importorskip("ray")

from gym_anything.vector.ray import make_ray_vec  # noqa: E402 - after the skip

pytestmark = pytest.mark.app  # real apps in Ray actors

TASK = "GymAnything/gnumeric.bold-header-v3"


@pytest.fixture
def cluster(ray_cluster):
    """The session's Ray cluster (conftest.py): its worker nodes' ids."""
    return set(ray_cluster.workers)


def batch(*per_env: dict) -> dict:
    return {key: np.stack([a[key] for a in per_env]) for key in per_env[0]}


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(entry) as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.add(int(entry.split("/")[2]))
        except (OSError, ValueError):
            continue
    return found


def wait_until(condition, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_bad_arguments_are_named_before_any_actor_starts():
    with pytest.raises(ValueError, match="num_envs must be a positive integer"):
        make_ray_vec(TASK, num_envs=0)
    with pytest.raises(ValueError, match=r"resources_per_env\['CPU'\] must be a non-negative number"):
        make_ray_vec(TASK, num_envs=1, resources_per_env={"CPU": -1})
    with pytest.raises(gym.error.Error, match="nope"):
        make_ray_vec("GymAnything/nope-v0", num_envs=1)
    with pytest.raises(ValueError, match="wrappers must be a sequence of callables"):
        make_ray_vec(TASK, num_envs=1, wrappers=["RecordVideo"])


def test_spread_step_oracle_autoreset_actor_death_and_close(cluster):
    before = set(owned_processes())
    scratch_before = set(glob.glob("/tmp/gym-anything-actor-*"))
    envs = make_ray_vec(TASK, num_envs=2)
    try:
        nodes = [p.node_id for p in envs.placements]
        assert set(nodes) == cluster  # one sub-env on each worker node (spread), none on the head
        assert envs.metadata["autoreset_mode"] == gym.vector.AutoresetMode.NEXT_STEP
        assert envs.single_observation_space.shape == (720, 1280, 3)

        obs, info = envs.reset(seed=[1, 2])
        assert obs.shape == (2, 720, 1280, 3) and obs.dtype == np.uint8 and obs in envs.observation_space
        assert obs[0].std() > 5 and obs[1].std() > 5  # real screenshots of the spreadsheet
        assert info["instance_seed"][0] != info["instance_seed"][1]
        # Every actor's display, window manager, sandbox and reaper carry this session's ownership marker.
        assert len(set(owned_processes()) - before) >= 8

        # The oracle in sub-env 0 while sub-env 1 moves the pointer: steps run on both actors each time.
        oracle = envs.call("oracle_actions")[0]
        for action in oracle:
            obs, reward, terminated, truncated, info = envs.step(batch(action, A.move(30, 40)))
        assert reward.tolist() == [1.0, 0.0] and terminated.tolist() == [True, False]
        assert info["verifier"]["passed"][0] and not info["_verifier"][1]
        assert info["pointer"][1] == (30, 40)

        # Next step: sub-env 0 is reset (its action ignored), sub-env 1 steps on.
        obs, reward, terminated, truncated, info = envs.step(batch(A.done(), A.move(50, 60)))
        assert terminated.tolist() == [False, False] and reward.tolist() == [0.0, 0.0]
        assert info["_instruction"].tolist() == [True, False] and "bold" in info["instruction"][0].lower()

        # Kill sub-env 1's actor process: the step reports the death, the actor's apps are reaped.
        victim = envs.placements[1]
        apps = children_of(victim.pid) & set(owned_processes())
        assert len(apps) >= 3  # Xvfb, openbox, bwrap
        os.kill(victim.pid, signal.SIGKILL)
        obs, reward, terminated, truncated, info = envs.step(batch(A.move(5, 5), A.move(5, 5)))
        assert terminated.tolist() == [False, True] and reward.tolist() == [0.0, 0.0]
        assert info["fault"]["kind"][1] == "actor_died" and not info["fault"]["_kind"][0]
        assert str(victim.pid) in info["fault"]["detail"][1]
        assert wait_until(lambda: not apps & set(owned_processes())), "the dead actor's apps were not reaped"

        # Next step: sub-env 1 runs again in a new actor, reset (autoreset) with a real screen.
        obs, reward, terminated, truncated, info = envs.step(batch(A.move(7, 7), A.move(7, 7)))
        assert terminated.tolist() == [False, False] and info["_instruction"].tolist() == [False, True]
        assert obs[1].std() > 5
        replaced = envs.placements[1]
        assert replaced.pid != victim.pid and replaced.restarts == 1 and replaced.node_id in cluster
        obs, reward, terminated, truncated, info = envs.step(batch(A.move(9, 9), A.move(9, 9)))
        assert info["pointer"][1] == (9, 9)
    finally:
        envs.close()
    assert wait_until(lambda: set(owned_processes()) - before == set()), \
        f"left behind: {set(owned_processes()) - before}"
    assert wait_until(lambda: set(glob.glob("/tmp/gym-anything-actor-*")) == scratch_before)


def test_rl_options_presets_budget_wrappers_and_vector_wrappers(cluster):
    """What an RL loop uses on the Ray env: a Discrete preset, small grey observations, an episode budget that
    keeps the verifier's reward, per-sub-env wrappers on the actors, gymnasium's vector wrappers, render()."""
    before = set(owned_processes())
    envs = make_ray_vec(TASK, num_envs=2, resources_per_env={"CPU": 0.5}, actions="discrete", action_grid=(4, 4),
                        obs_size=(48, 64), grayscale=True, max_steps=2, render_mode="rgb_array",
                        wrappers=[gym.wrappers.RecordEpisodeStatistics])
    try:
        assert envs.single_action_space == gym.spaces.Discrete(16 + 16 + 14 + 1)
        assert envs.single_observation_space.shape == (48, 64, 1)
        stats = gym.wrappers.vector.RecordEpisodeStatistics(envs, stats_key="vector_episode")
        obs, info = stats.reset(seed=3)
        assert obs.shape == (2, 48, 64, 1) and obs.dtype == np.uint8 and obs.std() > 1
        with pytest.raises(ValueError, match=r"sub-env 1: action .* is not in Discrete\(47\)"):
            stats.step(np.array([0, 99]))
        stats.step(np.array([5, 16 + 2]))  # a click on cell 5; the key "escape"
        obs, reward, terminated, truncated, info = stats.step(np.array([0, 1]))
        assert truncated.tolist() == [True, True] and not terminated.any()
        assert info["verifier"]["score"].tolist() == [0.0, 0.0]  # the verifier ran at the cut (nothing done)
        assert info["vector_episode"]["l"].tolist() == [2, 2]  # the vector wrapper saw both episodes end
        assert info["episode"]["l"].tolist() == [2, 2]  # and so did each actor's own wrapper
        frames = envs.render()
        assert len(frames) == 2 and frames[0].shape == (720, 1280, 3)  # videos at full resolution
        assert [list(q) for q in envs.call("length_queue")] == [[2], [2]]  # the actors' wrappers' own record
    finally:
        envs.close()
    assert wait_until(lambda: set(owned_processes()) - before == set())


def test_max_episode_steps_on_actors_keeps_the_oracles_reward(cluster):
    """gym.make's own TimeLimit (max_episode_steps) on the actor, cut right after the oracle's last edit."""
    envs = make_ray_vec(TASK, num_envs=1, resources_per_env={"CPU": 0.5}, max_episode_steps=1)
    try:
        envs.reset(seed=11)
        oracle = [a for a in envs.call("oracle_actions")[0] if a["type"] != A.ActionType.DONE]
    finally:
        envs.close()
    envs = make_ray_vec(TASK, num_envs=1, resources_per_env={"CPU": 0.5}, max_episode_steps=len(oracle))
    try:
        envs.reset(seed=11)
        for action in oracle:
            obs, reward, terminated, truncated, info = envs.step(batch(action))
        assert truncated.tolist() == [True] and not terminated.any()
        assert reward.tolist() == [1.0] and info["truncated_by"].tolist() == ["TimeLimit"]
    finally:
        envs.close()


def test_an_env_that_cannot_start_on_its_actor_is_named(cluster):
    before = set(owned_processes())
    with pytest.raises(RuntimeError, match="could not start.*reward_mode must be one of"):
        make_ray_vec(TASK, num_envs=1, reward_mode="nope")
    assert wait_until(lambda: set(owned_processes()) - before == set())


def test_make_vec_is_gymnasiums_own_vector_env_with_its_wrappers():
    envs = gym.make_vec(TASK, num_envs=2, wrappers=[gym.wrappers.RecordEpisodeStatistics])  # nothing starts yet
    try:
        assert isinstance(envs, gym.vector.SyncVectorEnv)
        assert str(envs.envs[0]).startswith("<RecordEpisodeStatistics<VerifyOnTruncation<TimeLimit<")
    finally:
        envs.close()
