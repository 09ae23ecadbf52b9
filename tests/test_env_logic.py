"""The env's own logic on the fake runner (gym_anything/runtime/fake.py): no X, no app, in seconds.

The software is the repository's Mousepad spec with its real task setup, verifier and oracle; the fake runner's
editor stands in for Mousepad (TYPE appends, ctrl+s saves the opened file), which is enough to solve
``append-entry`` (its oracle types the entry at the end and saves). What needs a real app (real frames, the
sandbox, the display, settling) is tested in test_env_check.py, test_runtime.py and test_vector.py.
"""

from __future__ import annotations

import gc

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import gym_anything
from gym_anything import actions as A
from gym_anything.core.env import GymAnythingEnv
from gym_anything.core.episodes import check_reset_options
from gym_anything.runtime.fake import FakeRunner

TASK = "GymAnything/mousepad.append-entry-v1"  # max_steps 20; solvable on the fake editor
SOFTWARE = "GymAnything/mousepad-v0"  # every Mousepad task, drawn per reset
RESET_INFO = {"env_id", "task_id", "instruction", "instance_seed", "params", "max_steps", "step", "reset_time",
              "reset_warm", "reset_timings", "settle_time", "settled"}
STEP_INFO = {"env_id", "task_id", "step", "action", "settle_time", "settled", "redraw_time", "pointer", "step_time"}
VERIFIER_INFO = {"score", "passed", "error", "items"}


@pytest.fixture
def make():
    """``make(gym_id=TASK, **kwargs)``: a gym.make'd env on the fake runner, closed after the test."""
    made: list[gym.Env] = []

    def _make(gym_id: str = TASK, **kwargs) -> gym.Env:
        env = gym.make(gym_id, runner="fake", audit=False, **kwargs)
        made.append(env)
        return env

    yield _make
    for env in made:
        env.close()


def run(env: gym.Env, plan: list[dict]):
    """Step through ``plan``; the last step's (obs, reward, terminated, truncated, info)."""
    for action in plan:
        result = env.step(action)
    return result


def wrong_entry() -> list[dict]:
    """One line added, but not the wanted one: the gate passes, one of the two scored items does."""
    return [A.type("not the entry\n"), A.hotkey("ctrl", "s"), A.done()]


# --- the reset/step contract -------------------------------------------------------------------------


def test_reset_and_step_return_what_gymnasium_and_the_docs_promise(make):
    env = make(render_mode="rgb_array")
    obs, info = env.reset(seed=5)
    assert obs.dtype == np.uint8 and obs.shape == (720, 1280, 3) and env.observation_space.contains(obs)
    assert RESET_INFO <= info.keys(), RESET_INFO - info.keys()
    assert info["env_id"] == "mousepad" and info["task_id"] == "append-entry" and info["step"] == 0
    assert info["max_steps"] == 20 and not info["reset_warm"] and info["settled"]
    assert info["params"]["entry"] in info["instruction"] and info["params"]["file"] in info["instruction"]
    assert {"stop_app", "setup", "launch", "settle", "total"} <= info["reset_timings"].keys()
    assert np.array_equal(env.render(), obs)

    obs2, reward, terminated, truncated, info = env.step(A.move(300, 200))
    assert (reward, terminated, truncated) == (0.0, False, False)
    assert STEP_INFO <= info.keys(), STEP_INFO - info.keys()
    assert info["step"] == 1 and info["pointer"] == (300, 200) and "verifier" not in info and "fault" not in info
    assert not np.array_equal(obs, obs2), "the pointer moved: the frame must change"
    obs3, *_ = env.step(A.type("typed"))
    assert not np.array_equal(obs2, obs3), "the text changed: the frame must change"
    assert np.array_equal(env.render(), obs3)
    plain = make()
    plain.reset(seed=5)
    assert plain.render() is None  # no render_mode


def test_the_oracle_solves_the_task_and_the_verifier_result_is_in_info(make):
    env = make()
    _, start = env.reset(seed=3)
    plan = env.unwrapped.oracle_actions()
    for action in plan[:-1]:
        _, reward, terminated, truncated, info = env.step(action)
        assert (reward, terminated, truncated) == (0.0, False, False) and "verifier" not in info
    _, reward, terminated, truncated, info = env.step(plan[-1])
    assert terminated and not truncated and reward == 1.0
    assert VERIFIER_INFO <= info["verifier"].keys() and info["verifier"]["passed"] and info["verifier"]["error"] is None
    assert all(item["passed"] for item in info["verifier"]["items"])
    saved = (env.unwrapped.episode_home / start["params"]["file"]).read_text()
    assert saved.splitlines()[-1] == start["params"]["entry"]  # what the fake editor saved


@pytest.mark.parametrize(("mode", "partial", "full"), [("score", 1 / 3, 1.0), ("binary", 0.0, 1.0)])
def test_reward_modes(make, mode, partial, full):
    env = make(reward_mode=mode)
    env.reset(seed=1)
    _, reward, _, _, info = run(env, wrong_entry())
    assert reward == pytest.approx(partial) and not info["verifier"]["passed"]
    assert info["verifier"]["score"] == pytest.approx(1 / 3)  # the verifier's own score, whatever the mode
    env.reset(seed=1)
    _, reward, _, _, info = run(env, env.unwrapped.oracle_actions())
    assert reward == full and info["verifier"]["passed"]
    with pytest.raises(ValueError, match="reward_mode must be one of"):
        make(reward_mode="dense")


def test_done_ends_the_episode_and_runs_the_verifier(make):
    env = make()
    with pytest.raises(RuntimeError, match="call reset"):  # the env's own check (gym.make's wrapper has one too)
        env.unwrapped.step(A.done())
    env.reset(seed=0)
    _, reward, terminated, truncated, info = env.step(A.done())
    assert terminated and not truncated and info["step"] == 1 and reward == 0.0
    assert info["verifier"]["passed"] is False and "fault" not in info
    with pytest.raises(RuntimeError, match="call reset"):
        env.step(A.wait(0))


def test_truncation_at_max_steps_runs_the_verifier(make):
    env = make()
    env.reset(seed=1)
    for step in range(1, 21):
        _, reward, terminated, truncated, info = env.step(A.wait(0.5))
        assert not terminated and truncated == (step == 20) and ("verifier" in info) == (step == 20)
    assert info["verifier"]["passed"] is False and reward == 0.0
    assert env.unwrapped.runner.waited == 10.0  # WAIT takes no time on the fake runner
    with pytest.raises(RuntimeError, match="call reset"):
        env.step(A.wait(0))


def test_options_max_steps_truncates_earlier_and_the_last_step_still_scores(make):
    env = make()
    _, info = env.reset(seed=2, options={"max_steps": 3})
    assert info["max_steps"] == 3
    plan = env.unwrapped.oracle_actions()[:-1]  # ctrl+end, type the entry, ctrl+s: no DONE
    assert len(plan) == 3
    _, reward, terminated, truncated, info = run(env, plan)
    assert truncated and not terminated and reward == 1.0 and info["step"] == 3
    _, info = env.reset(seed=2)  # the next episode has the task's own budget again
    assert info["max_steps"] == 20


@pytest.mark.parametrize("how", ["max_steps", "max_episode_steps"])
def test_a_budget_from_gym_make_truncates_with_the_verifier_run(make, how):
    """gym.make(id, max_steps=N) (ours) and gym.make(id, max_episode_steps=N) (gymnasium's TimeLimit, with
    VerifyOnTruncation outside it) both end the oracle's unfinished plan at N with the reward of the saved work."""
    env = make(**{how: 3})
    _, info = env.reset(seed=2)
    plan = env.unwrapped.oracle_actions()[:-1]  # ctrl+end, type the entry, ctrl+s: no DONE
    _, reward, terminated, truncated, info = run(env, plan)
    assert truncated and not terminated and reward == 1.0 and info["verifier"]["passed"] and info["step"] == 3
    assert info.get("truncated_by") == ("TimeLimit" if how == "max_episode_steps" else None)
    _, info = env.reset(seed=2)
    _, reward, _, truncated, info = run(env, [A.wait(0)] * 3)
    assert truncated and reward == 0.0 and info["verifier"]["passed"] is False


def test_the_registered_step_limit_is_the_tasks_and_an_outer_limit_above_it_changes_nothing(make):
    assert gym.spec(TASK).max_episode_steps == 20
    assert gym.spec(SOFTWARE).max_episode_steps == max(
        t.max_steps for t in gym_anything.specs.registry.software_spec("mousepad").tasks.values())
    env = gym.wrappers.TimeAwareObservation(make())  # needs spec.max_episode_steps
    env.reset(seed=1)
    long = make(max_episode_steps=50)
    _, info = long.reset(seed=1)
    assert info["max_steps"] == 20
    for _ in range(20):
        _, _, _, truncated, info = long.step(A.wait(0))
    assert truncated and "verifier" in info and "truncated_by" not in info  # the env's own budget ended it
    with pytest.raises(ValueError, match="max_steps must be an integer >= 1"):
        make(max_steps=0)


@pytest.mark.parametrize("max_steps", [0, 21, -1, True, 2.5, "3"])
def test_options_max_steps_must_be_within_the_tasks_budget(make, max_steps):
    env = make()
    with pytest.raises(ValueError, match=r"options\['max_steps'\] must be an integer in \[1, 20\]"):
        env.reset(seed=0, options={"max_steps": max_steps})


def test_a_bad_action_is_an_error_and_the_episode_goes_on(make):
    env = make()
    env.reset(seed=1)
    with pytest.raises(gym_anything.ActionError, match=r"action\['x'\]=5000 is out of range \[0, 1279\]"):
        env.step({**A.click(0, 0), "x": 5000})
    _, _, terminated, _, info = env.step(A.click(10, 10))
    assert not terminated and info["step"] == 1  # the bad action was not counted


# --- reset options, tasks and seeds ------------------------------------------------------------------


@pytest.mark.parametrize(("options", "error", "message"), [
    ("append-entry", TypeError, r"must be None or a dict with keys from \[.task., .max_steps.\], got str"),
    ([("task", "append-entry")], TypeError, r"must be None or a dict.*got list"),
    ({"max_step": 3}, ValueError, r"unknown key\(s\) \['max_step'\]; known: \['task', 'max_steps'\]"),
    ({"task": "append-entry", "seed": 1, 2: "x"}, ValueError, r"unknown key\(s\) \['2', 'seed'\]; known"),
    ({"task": "no-such-task"}, ValueError, r"options\['task'\]='no-such-task' is not a task of this env"),
])
def test_reset_rejects_bad_options_before_starting_anything(options, error, message):
    """A non-dict, a typo or an unknown task in reset(options=...) is an error, raised before the runner starts."""
    env = GymAnythingEnv("mousepad", audit=False, runner="fake")
    try:
        with pytest.raises(error, match=message):
            env.reset(seed=0, options=options)
        assert env.runner is None and env.task is None  # nothing was started or drawn
    finally:
        env.close()


@pytest.mark.parametrize("options", [None, {}, {"task": "append-entry"}, {"max_steps": 3},
                                     {"task": "append-entry", "max_steps": 3}])
def test_valid_reset_options_pass_the_check(options):
    assert check_reset_options(options) is None


def test_options_task_picks_the_task_and_splits_filter_them(make):
    env = make(SOFTWARE)
    for task in ("sort-lines", "append-entry"):
        _, info = env.reset(seed=0, options={"task": task})
        assert info["task_id"] == task == env.unwrapped.task.id
    drawn = {env.reset(seed=seed)[1]["task_id"] for seed in range(12)}
    assert len(drawn) > 1, "a software env draws its task per reset"
    tests = make(SOFTWARE, split="test").unwrapped
    assert tests.tasks and {t.split for t in tests.tasks} == {"test"}
    with pytest.raises(ValueError, match="has no task in split 'nope'"):
        make(SOFTWARE, split="nope")
    with pytest.raises(ValueError, match="unknown task 'nope' for mousepad"):
        GymAnythingEnv("mousepad", "nope", runner="fake", audit=False)
    with pytest.raises(ValueError, match="runner must be one of"):
        GymAnythingEnv("mousepad", runner="nowhere", audit=False)
    with pytest.raises(ValueError, match="render_mode must be None or 'rgb_array'"):
        GymAnythingEnv("mousepad", render_mode="human", runner="fake", audit=False)


def test_a_seed_fixes_the_instance_and_different_seeds_give_different_ones(make):
    env, other = make(), make()
    obs1, info1 = env.reset(seed=11)
    file1 = (env.unwrapped.episode_home / info1["params"]["file"]).read_text()
    obs2, info2 = other.reset(seed=11)
    file2 = (other.unwrapped.episode_home / info2["params"]["file"]).read_text()
    assert np.array_equal(obs1, obs2) and file1 == file2
    assert (info1["instance_seed"], info1["params"], info1["instruction"]) == \
        (info2["instance_seed"], info2["params"], info2["instruction"])
    assert env.unwrapped.privileged() == other.unwrapped.privileged()
    # Seedless resets continue the seeded generator: the same sequence in both envs.
    for _ in range(2):
        assert env.reset()[1]["instance_seed"] == other.reset()[1]["instance_seed"]
    # Different seeds: different instances (what the agent is told and what the verifier expects).
    infos = [env.reset(seed=seed)[1] for seed in range(5)]
    assert len({i["instance_seed"] for i in infos}) == 5
    assert len({i["instruction"] for i in infos}) == 5
    assert len({env.reset(seed=seed)[0].tobytes() for seed in range(3)}) == 3  # different files, different frames


# --- faults ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["app_crashed", "app_out_of_memory", "app_exited", "display_died",
                                  "display_unresponsive"])
def test_a_fault_ends_the_episode_and_the_next_reset_recovers(make, kind):
    env = make()
    fresh, _ = env.reset(seed=4)
    runner = env.unwrapped.runner
    display = runner.display_name
    env.step(A.type("half done"))
    if kind == "app_exited":
        action = A.hotkey("ctrl", "q")  # the agent closed the app
    else:
        runner.inject_fault(kind)
        action = A.click(400, 300)
    _, reward, terminated, truncated, info = env.step(action)
    assert terminated and not truncated and reward == 0.0
    assert info["fault"]["kind"] == kind and info["fault"]["detail"]
    assert VERIFIER_INFO <= info["verifier"].keys() and not info["verifier"]["passed"]
    with pytest.raises(RuntimeError, match="call reset"):
        env.step(A.wait(0))

    obs, info = env.reset(seed=4)
    assert np.array_equal(obs, fresh) and info["settled"] and runner.fault() is None
    assert (runner.display_name != display) == kind.startswith("display"), "a display fault needs a new display"
    _, reward, terminated, _, info = run(env, env.unwrapped.oracle_actions())
    assert reward == 1.0 and "fault" not in info


def test_a_fault_after_the_work_was_saved_still_scores_it(make):
    """The verifier runs on whatever the app saved before it failed."""
    env = make()
    env.reset(seed=6)
    run(env, env.unwrapped.oracle_actions()[:-1])  # saved, no DONE yet
    env.unwrapped.runner.inject_fault("app_crashed", "mousepad was killed by SIGSEGV")
    _, reward, terminated, _, info = env.step(A.move(5, 5))
    assert terminated and reward == 1.0
    assert info["fault"] == {"kind": "app_crashed", "detail": "mousepad was killed by SIGSEGV"}


def test_a_fault_before_done_is_reported_with_the_done(make):
    """DONE does not touch the app, so a fault that happened since the last step is reported with it."""
    env = make()
    env.reset(seed=6)
    env.unwrapped.runner.inject_fault("display_died")
    _, reward, terminated, _, info = env.step(A.done())
    assert terminated and reward == 0.0 and info["fault"]["kind"] == "display_died" and "verifier" in info


# --- warm reset --------------------------------------------------------------------------------------


@pytest.mark.parametrize("gym_id", [TASK, SOFTWARE])
def test_warm_reset_swaps_in_the_prepared_episode_and_matches_a_cold_start(make, gym_id):
    warm, cold = make(gym_id, warm_reset=True), make(gym_id)
    obs_w, info_w = warm.reset(seed=7)
    obs_c, info_c = cold.reset(seed=7)
    assert not info_w["reset_warm"] and np.array_equal(obs_w, obs_c)
    runner = warm.unwrapped.runner
    displays = {runner.display_name}
    for round_ in range(3):
        warm.step(A.type("scratch"))
        if round_ == 1:
            runner.inject_fault("display_died")  # the episode's display died: the prepared one is unharmed
        obs_w, info_w = warm.reset()  # the instance prepared in the background
        obs_c, info_c = cold.reset()  # the same instance, started cold
        assert info_w["reset_warm"] and not info_c["reset_warm"]
        for key in ("task_id", "instance_seed", "params", "instruction"):
            assert info_w[key] == info_c[key], key
        assert np.array_equal(obs_w, obs_c), "a warm start must show exactly what a cold start shows"
        displays.add(runner.display_name)
    assert runner.launches == ["cold", "warm", "warm", "warm"]
    assert len(displays) == 3, "warm starts alternate displays; the dead one was replaced"
    if gym_id == TASK:
        _, reward, *_ = run(warm, warm.unwrapped.oracle_actions())
        assert reward == 1.0
    _, info_w = warm.reset(seed=3)  # a seeded reset was not predicted: cold, and still the same instance
    _, info_c = cold.reset(seed=3)
    assert not info_w["reset_warm"] and runner.launches[-1] == "cold"
    assert info_w["instance_seed"] == info_c["instance_seed"]
    assert len(list(runner.workdir.glob("episode-*"))) <= 2  # the current episode and the prepared one
    warm.close()
    assert not runner.workdir.exists()
    with pytest.raises(ValueError, match="warm_reset must be True or False"):
        make(warm_reset="yes")


# --- vector envs -------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_make_vec_autoresets_on_the_next_step(make, mode):
    """Gymnasium's NEXT_STEP autoreset: the step after a terminal step resets that sub-env (its action is ignored)
    and returns the reset's observation and info; the sub-env then steps from 0 again."""
    reference = make()  # what sub-env 1 alone would show: seed 2, DONE, then a seedless reset
    reference.reset(seed=2)
    reference.step(A.done())
    expected_obs, expected_info = reference.reset()

    envs = gym.make_vec(TASK, num_envs=2, vectorization_mode=mode, runner="fake", audit=False)
    try:
        obs, info = envs.reset(seed=[1, 2])
        assert obs.shape == (2, 720, 1280, 3) and obs.dtype == np.uint8
        assert info["instruction"][0] != info["instruction"][1]
        move, done = A.move(10, 10), A.done()
        both = {k: np.stack([move[k], done[k]]) for k in move}
        obs, reward, terminated, truncated, info = envs.step(both)
        assert terminated.tolist() == [False, True] and truncated.tolist() == [False, False]
        assert reward.tolist() == [0.0, 0.0]
        assert info["_verifier"].tolist() == [False, True] and not info["verifier"]["passed"][1]
        obs, reward, terminated, truncated, info = envs.step(both)  # sub-env 1 resets; its DONE is ignored
        assert terminated.tolist() == [False, False] and truncated.tolist() == [False, False]
        assert reward.tolist() == [0.0, 0.0]
        assert info["_instruction"].tolist() == [False, True], "sub-env 1 should have returned reset info"
        assert info["step"].tolist() == [2, 0]
        assert info["instance_seed"][1] == expected_info["instance_seed"]
        assert np.array_equal(obs[1], expected_obs)
        obs, reward, terminated, truncated, info = envs.step({k: np.stack([move[k], move[k]]) for k in move})
        assert terminated.tolist() == [False, False] and info["step"].tolist() == [3, 1]
    finally:
        envs.close()


# --- Gymnasium's checker and closing -----------------------------------------------------------------


@pytest.mark.parametrize("gym_id", gym_anything.gym_ids())
def test_check_env_passes_on_the_fake_runner(gym_id):
    """Every registered id (each task's setup, for seeded determinism) passes Gymnasium's checker."""
    env = gym.make(gym_id, render_mode="rgb_array", runner="fake", audit=False)
    try:
        check_env(env.unwrapped)
    finally:
        env.close()


def test_close_is_idempotent_and_leaves_no_files(make):
    env = make(warm_reset=True)
    env.close()  # before any reset
    env.reset(seed=0)
    runner = env.unwrapped.runner
    assert isinstance(runner, FakeRunner)
    env.step(A.type("x"))
    env.step(A.hotkey("ctrl", "s"))
    env.reset()  # one episode folder in use, one prepared in the background
    workdir, home = runner.workdir, env.unwrapped.episode_home
    assert workdir.is_dir() and home.is_relative_to(workdir)
    env.close()
    env.close()
    assert not workdir.exists() and env.unwrapped.runner is None
    with pytest.raises(RuntimeError, match="call reset"):
        env.step(A.wait(0))

    env = GymAnythingEnv("mousepad", "append-entry", runner="fake", audit=False)  # dropped without close()
    env.reset(seed=0)
    workdir = env.runner.workdir
    del env
    gc.collect()
    assert not workdir.exists()


# --- the suite's split -------------------------------------------------------------------------------


def test_a_test_not_marked_app_cannot_start_a_display():
    """conftest.py gives tests not marked ``app`` an Xvfb that refuses to start, and fails any test that tried:
    a real-app test cannot hide in the fast part (``pytest -m "not app"``)."""
    import conftest
    from gym_anything.errors import RuntimeFault

    env = gym.make(TASK, audit=False)  # the local runner
    try:
        with pytest.raises(RuntimeFault, match="display_failed.*not marked 'app'"):
            env.reset(seed=0)
    finally:
        env.close()
    assert conftest.STARTED.read_text().split(), "the refused start is recorded (the teardown fails the test on it)"
    conftest.STARTED.write_text("")  # this test is meant to try
