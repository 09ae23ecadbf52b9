"""QElectroTech verifiers: plausible wrong solutions must not pass.

The instance is built by the task's own setup on the fake runner (no app); the project "QElectroTech saved" is
the pristine copy with the title-block attributes the test sets, and DONE runs the verifier on it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from verifiers_for_tests import failed, run

from gym_anything.core.env import GymAnythingEnv


@pytest.fixture(scope="module")
def fake():
    env = GymAnythingEnv("qelectrotech", runner="fake", audit=False)
    yield env
    env.close()


def start(env, task: str, seed: int) -> dict:
    env.reset(seed=seed, options={"task": task})
    return env.unwrapped.privileged()


def save(env, edits: dict[int, dict[str, str]], drop: int | None = None) -> dict:
    """Write HOME/panel.qet: the original with ``edits`` (folio -> attributes), optionally folio ``drop`` removed."""
    tree = ET.parse(Path(env.unwrapped.episode_private_dir) / "original.qet")
    root = tree.getroot()
    diagrams = root.findall("diagram")
    for k, attrs in edits.items():
        for name, value in attrs.items():
            diagrams[k - 1].set(name, value)
    if drop is not None:
        root.remove(diagrams[drop - 1])
    tree.write(Path(env.unwrapped.episode_home) / "panel.qet", encoding="utf-8", xml_declaration=True)
    return run(env, [])


def test_untouched_project_scores_zero(fake):
    start(fake, "set-plant-location", 1)
    assert run(fake, [])["reward"] == 0.0


def test_every_location_set_passes(fake):
    p = start(fake, "set-plant-location", 2)
    info = save(fake, {k: {"locmach": p["location"]} for k in p["targets"]})
    assert info["reward"] == 1.0, failed(info)


def test_location_on_one_folio_too_many_fails(fake):
    p = start(fake, "set-plant-location", 3)
    extra = p["targets"][-1] + 1 if p["targets"][0] > 2 else p["targets"][-1] + 1
    edits = {k: {"locmach": p["location"]} for k in [*p["targets"], extra if extra <= 12 else 1]}
    info = save(fake, edits)
    assert info["reward"] == 0.0 and failed(info) == ["no other title-block field changed"]


def test_half_the_folios_is_partial_credit(fake):
    p = start(fake, "set-plant-location", 4)
    half = p["targets"][: len(p["targets"]) // 2]
    info = save(fake, {k: {"locmach": p["location"]} for k in half})
    assert 0 < info["reward"] < 1


def test_register_with_titles_but_no_revisions_is_half_credit(fake):
    p = start(fake, "update-drawing-register", 5)
    info = save(fake, {c["folio"]: {"title": c["title"]} for c in p["changes"]})
    assert info["reward"] == pytest.approx(0.5)


def test_register_complete_passes_and_a_deleted_folio_fails(fake):
    p = start(fake, "update-drawing-register", 6)
    edits = {c["folio"]: {"title": c["title"], "indexrev": c["indexrev"]} for c in p["changes"]}
    assert save(fake, edits)["reward"] == 1.0
    start(fake, "update-drawing-register", 6)
    info = save(fake, edits, drop=1)
    assert info["reward"] == 0.0 and failed(info) == ["same folios in the same order"]


def test_title_block_filled_with_a_wrong_drawing_number_fails_that_item(fake):
    p = start(fake, "fill-title-block", 7)
    fields = ("author", "filename", "plant", "locmach", "indexrev")
    edits = {e["folio"]: {f: e[f] for f in fields} for e in p["expect"]}
    first = p["expect"][0]["folio"]
    edits[first]["filename"] += "X"
    info = save(fake, edits)
    assert failed(info) == [f"folio {first} File"] and 0 < info["reward"] < 1


def test_real_app_oracle_without_its_last_folio_is_partial_credit(software_envs):
    """On the real app: the oracle's Folio properties edits, all but the last target's, then the save."""
    env = software_envs("qelectrotech")
    env.reset(seed=31, options={"task": "set-plant-location"})
    plan = env.unwrapped.oracle_actions()
    per_folio = 9  # double-click, wait, ctrl+L, wait, click, ctrl+A, type, Return, wait
    info = run(env, [*plan[: -3 - per_folio], *plan[-3:]])
    p = env.unwrapped.privileged()
    assert 0 < info["reward"] < 1 and failed(info) == [f"folio {p['targets'][-1]} location {p['location']}"]
