"""What RL libraries need, on the fake runner: action presets, a sane sample of the Dict space, observation
options, and gymnasium's own checker on each (the episode budget is in test_env_logic.py)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from gym_anything import actions as A
from gym_anything.action_presets import DEFAULT_KEYS, DEFAULT_TEXTS, KINDS, ActionPreset
from gym_anything.wrappers import PresetActions

TASK = "GymAnything/mousepad.append-entry-v1"
SOFTWARE = "GymAnything/mousepad-v0"


def js(action) -> dict:
    """An action in its JSON form (typed actions hold arrays: compare these)."""
    return A.to_json(A.validate(action, 1280, 720))


@pytest.fixture
def make():
    made: list[gym.Env] = []

    def _make(gym_id: str = TASK, **kwargs) -> gym.Env:
        env = gym.make(gym_id, runner="fake", audit=False, **kwargs)
        made.append(env)
        return env

    yield _make
    for env in made:
        env.close()


def test_the_discrete_preset_maps_each_index_to_one_typed_action():
    preset = ActionPreset("discrete", 1280, 720, (4, 8))
    cells = 32
    assert preset.space == gym.spaces.Discrete(cells + len(DEFAULT_KEYS) + len(DEFAULT_TEXTS) + 1)
    assert js(preset.to_action(0)) == js(A.click(80, 90)) and js(preset.to_action(31)) == js(A.click(1200, 630))
    assert js(preset.to_action(cells)) == js(A.hotkey("enter"))
    assert js(preset.to_action(cells + 11)) == js(A.hotkey("ctrl", "s"))
    assert js(preset.to_action(cells + len(DEFAULT_KEYS))) == js(A.type("0"))
    assert js(preset.to_action(preset.space.n - 1)) == js(A.done())
    assert len(repr(preset)) < 200 and "4x8 grid" in repr(preset)
    with pytest.raises(ValueError, match="not in the preset's space"):
        preset.to_action(preset.space.n)


def test_the_multidiscrete_and_box_presets_cover_every_kind():
    multi = ActionPreset("multidiscrete", 1280, 720, (8, 8), keys=["enter", ("ctrl", "s")], texts=["42"])
    assert multi.space == gym.spaces.MultiDiscrete([len(KINDS), 64, 2, 1])
    assert js(multi.to_action([KINDS.index("double_click"), 9, 0, 0])) == js(A.double_click(240, 135))
    assert js(multi.to_action([KINDS.index("key"), 0, 1, 0])) == js(A.hotkey("ctrl", "s"))
    assert js(multi.to_action([KINDS.index("type"), 0, 0, 0])) == js(A.type("42"))
    assert multi.to_action([KINDS.index("scroll_down"), 0, 0, 0])["dy"] == 3
    assert js(multi.to_action([KINDS.index("done"), 5, 1, 0])) == js(A.done())
    box = ActionPreset("box", 1280, 720, texts=["a", "b"])
    assert box.space == gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
    assert js(box.to_action(np.array([-1.0, 0.0, 0.0, -1.0], np.float32))) == js(A.click(640, 360))
    assert js(box.to_action(np.array([-1.0, -1.0, 1.0, -1.0], np.float32))) == js(A.click(0, 719))
    assert js(box.to_action(np.array([1.0, 1.0, 1.0, 1.0], np.float32))) == js(A.done())
    assert box.to_action(np.array([2 * KINDS.index("type") / len(KINDS) - 1, 0, 0, 0.99], np.float32))["type"] \
        == A.ActionType.TYPE


@pytest.mark.parametrize(("settings", "message"), [
    ({"kind": "grid"}, "actions must be one of"),
    ({"kind": "discrete", "grid": (0, 8)}, "action_grid must be"),
    ({"kind": "discrete", "grid": (8,)}, "action_grid must be"),
    ({"kind": "discrete", "keys": ["hyper"]}, "action_keys"),
    ({"kind": "discrete", "texts": [""]}, "action_texts"),
])
def test_bad_preset_settings_name_the_setting(settings, message):
    kind = settings.pop("kind")
    with pytest.raises(ValueError, match=message):
        ActionPreset(kind, 1280, 720, **settings)


@pytest.mark.parametrize("preset", ["discrete", "multidiscrete", "box"])
def test_gym_make_with_a_preset_passes_gymnasiums_checker_and_steps(make, preset):
    env = make(actions=preset, action_grid=(6, 6))
    assert not isinstance(env.action_space, gym.spaces.Dict)
    described = repr(env.unwrapped.action_preset)
    assert described.startswith(f"ActionPreset({preset}: ") and "6x6 grid" in described and len(described) < 200
    check_env(env.unwrapped)
    env.reset(seed=1)
    env.action_space.seed(1)
    for _ in range(5):
        _, reward, terminated, truncated, info = env.step(env.action_space.sample())
        assert "action" in info
        if terminated or truncated:
            break
    env.reset(seed=2)
    for action in env.unwrapped.oracle_actions():  # typed actions still work (the oracle, demonstrations)
        _, reward, terminated, _, _ = env.step(action)
    assert terminated and reward == 1.0


def test_the_preset_wrapper_drives_a_typed_env(make):
    env = PresetActions(make(), "discrete", grid=(2, 2), keys=["enter"], texts=["x"])
    assert env.action_space == gym.spaces.Discrete(4 + 1 + 1 + 1)
    env.reset(seed=1)
    _, _, terminated, _, info = env.step(5)  # type "x"
    assert not terminated and info["action"].startswith("type")
    _, _, terminated, _, info = env.step(6)
    assert terminated and "verifier" in info


def test_the_dict_space_samples_a_sane_random_baseline():
    space = A.action_space(1280, 720)
    space.seed(0)
    samples = [space.sample() for _ in range(3000)]
    kinds = [A.ActionType(int(s["type"])) for s in samples]
    assert all(space.contains(s) for s in samples[:300])
    assert 0.005 < kinds.count(A.ActionType.DONE) / len(kinds) < 0.05
    assert max(float(s["duration"]) for s in samples) <= 1.0
    assert max(len(s["text"]) for s in samples) <= 40
    assert len(repr(space)) < 400 and "Text(0..512 characters" in repr(space)
    assert set(space.sample(mask={k: None for k in space.spaces})) == set(space.spaces)  # gymnasium's own path


def test_observation_options_resize_grey_and_carry_the_instruction(make):
    small = make(obs_size=(90, 160), grayscale=True)
    grey, _ = small.reset(seed=1)
    obs = grey
    assert obs.shape == (90, 160, 1) and obs.dtype == np.uint8 and small.observation_space.contains(obs)
    assert small.unwrapped.render() is None or small.unwrapped.render().shape == (720, 1280, 3)
    check_env(small.unwrapped)
    multi = make(SOFTWARE, obs_size=(72, 128), observation="dict")
    obs, info = multi.reset(seed=3)
    assert obs["image"].shape == (72, 128, 3) and obs["instruction"] == info["instruction"]
    assert multi.observation_space.contains(obs)
    obs, *_ = multi.step(A.wait(0))
    assert obs["instruction"] == info["instruction"]
    check_env(multi.unwrapped)
    floats = make(obs_size=(90, 160), grayscale=True, obs_dtype="float32")
    obs_f, _ = floats.reset(seed=1)
    assert obs_f.dtype == np.float32 and floats.observation_space.contains(obs_f)
    np.testing.assert_allclose(obs_f, grey / 255.0, atol=1e-6)  # the same screen, scaled to [0, 1]
    check_env(floats.unwrapped)
    for kwargs, message in [({"obs_size": (4, 4)}, "obs_size"), ({"grayscale": 1}, "grayscale"),
                            ({"observation": "text"}, "observation must be"), ({"obs_dtype": "f16"}, "obs_dtype")]:
        with pytest.raises(ValueError, match=message):
            make(**kwargs)
