"""Gourmand verifiers: plausible wrong solutions must not pass.

Most tests are on files: the instance is built by the task's own setup on the fake runner (no app), the
recipes.db "Gourmand saved" is edited with sqlite3 as the app's recipe editor writes it, and DONE runs the
verifier. One test runs the real app (marked ``app`` through ``software_envs``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from verifiers_for_tests import failed, keys, run

from gym_anything.core.env import GymAnythingEnv

DB = Path(".local/share/gourmand/recipes.db")


@pytest.fixture(scope="module")
def fake():
    env = GymAnythingEnv("gourmand", runner="fake", audit=False)
    yield env
    env.close()


def start(env, task: str, seed: int) -> tuple[dict, sqlite3.Connection]:
    """Reset to the instance; (its privileged values, a connection to the saved database)."""
    env.reset(seed=seed, options={"task": task})
    return env.unwrapped.privileged(), sqlite3.connect(Path(env.unwrapped.episode_home) / DB)


def done(env, conn: sqlite3.Connection) -> dict:
    conn.commit()
    conn.close()
    return run(env, [])


def rid(conn: sqlite3.Connection, title: str) -> int:
    return conn.execute("SELECT id FROM recipe WHERE title = ?", (title,)).fetchone()[0]


def add_recipe(conn: sqlite3.Connection, card: dict, skip: int | None = None, unit_of: dict | None = None) -> None:
    """Enter a card as the editor saves it (ingredient ``skip`` left out, units replaced from ``unit_of``)."""
    cur = conn.execute("INSERT INTO recipe (title, cuisine, source, yields, yield_unit, deleted) VALUES "
                       "(?, ?, ?, ?, 'servings', 0)", (card["title"], card["cuisine"], card["source"], card["yields"]))
    new = cur.lastrowid
    conn.execute("INSERT INTO categories (recipe_id, category) VALUES (?, ?)", (new, card["category"]))
    for pos, ing in enumerate(card["ingredients"]):
        if pos != skip:
            u = (unit_of or {}).get(ing["item"], ing["unit"])
            conn.execute("INSERT INTO ingredients (recipe_id, unit, amount, item, ingkey, position, deleted) "
                         "VALUES (?, ?, ?, ?, ?, ?, 0)", (new, u, ing["amount"], ing["item"], ing["item"], pos))


# --- enter-recipe / enter-recipe-cards -----------------------------------------------------------------


def test_entering_the_card_passes(fake):
    p, conn = start(fake, "enter-recipe", 21)
    add_recipe(conn, p["cards"][0])
    assert done(fake, conn)["reward"] == 1.0


def test_a_forgotten_ingredient_fails_only_the_ingredient_item(fake):
    p, conn = start(fake, "enter-recipe", 22)
    add_recipe(conn, p["cards"][0], skip=1)
    info = done(fake, conn)
    assert failed(info) == [f"{p['cards'][0]['title']}: every ingredient with its amount and unit"]
    assert 0 < info["reward"] < 1


def test_tablespoons_for_teaspoons_fail(fake):
    p, conn = start(fake, "enter-recipe-cards", 23)
    for card in p["cards"]:
        add_recipe(conn, card, unit_of={i["item"]: "tbsp" for i in card["ingredients"] if i["unit"] == "tsp"})
    info = done(fake, conn)
    assert info["reward"] < 1
    assert any(name.endswith("every ingredient with its amount and unit") for name in failed(info))


def test_half_the_cards_is_partial_credit(fake):
    p, conn = start(fake, "enter-recipe-cards", 24)
    for card in p["cards"][:2]:
        add_recipe(conn, card)
    info = done(fake, conn)
    assert 0.2 < info["reward"] < 0.8 and "one new recipe per card" in failed(info)


def test_entering_a_card_over_an_existing_recipe_zeroes_the_score(fake):
    p, conn = start(fake, "enter-recipe", 25)
    conn.execute("UPDATE recipe SET title = ? WHERE id = 1", (p["cards"][0]["title"],))
    assert done(fake, conn)["reward"] == 0.0


# --- retire-recipes ------------------------------------------------------------------------------------


def test_trash_or_purge_both_count_as_deleted(fake):
    p, conn = start(fake, "retire-recipes", 31)
    first, *rest = p["ids"]
    conn.execute("DELETE FROM recipe WHERE id = ?", (first,))
    conn.executemany("UPDATE recipe SET deleted = 1 WHERE id = ?", [(i,) for i in rest])
    assert done(fake, conn)["reward"] == 1.0


def test_deleting_one_recipe_too_many_zeroes_the_score(fake):
    p, conn = start(fake, "retire-recipes", 32)
    extra = next(i for i in range(1, 200) if i not in p["ids"])
    conn.executemany("UPDATE recipe SET deleted = 1 WHERE id = ?", [(i,) for i in [*p["ids"], extra]])
    info = done(fake, conn)
    assert info["reward"] == 0.0 and failed(info) == ["every other recipe kept unchanged"]


# --- recategorise ----------------------------------------------------------------------------------------


def _recategorise(conn: sqlite3.Connection, changes: list[dict], second_category: bool = False) -> None:
    for c in changes:
        conn.execute("UPDATE recipe SET cuisine = ? WHERE id = ?", (c["cuisine"], c["id"]))
        if not second_category:
            conn.execute("DELETE FROM categories WHERE recipe_id = ?", (c["id"],))
        conn.execute("INSERT INTO categories (recipe_id, category) VALUES (?, ?)", (c["id"], c["category"]))


def test_recategorising_passes(fake):
    p, conn = start(fake, "recategorise", 41)
    _recategorise(conn, p["changes"])
    assert done(fake, conn)["reward"] == 1.0


def test_adding_the_category_beside_the_old_one_fails(fake):
    p, conn = start(fake, "recategorise", 42)
    _recategorise(conn, p["changes"], second_category=True)
    info = done(fake, conn)
    assert info["reward"] == 0.5 and all(": category " in name for name in failed(info))


# --- fix-amounts / scale-recipe ----------------------------------------------------------------------------


def _set_amount(conn: sqlite3.Connection, recipe: int, position: int, amount: float) -> None:
    conn.execute("UPDATE ingredients SET amount = ? WHERE recipe_id = ? AND position = ?", (amount, recipe, position))


def test_fixing_the_amounts_passes(fake):
    p, conn = start(fake, "fix-amounts", 51)
    for f in p["fixes"]:
        _set_amount(conn, f["id"], f["position"], f["amount"])
    assert done(fake, conn)["reward"] == 1.0


def test_fixing_the_wrong_ingredient_of_a_recipe_fails(fake):
    p, conn = start(fake, "fix-amounts", 52)
    for n, f in enumerate(p["fixes"]):
        _set_amount(conn, f["id"], f["position"] if n else (f["position"] + 1) % 5, f["amount"])
    info = done(fake, conn)
    assert len(failed(info)) == 1 and 0 < info["reward"] < 1


def test_scaling_the_amounts_but_not_the_yield_fails(fake):
    p, conn = start(fake, "scale-recipe", 61)
    for pos, amount in enumerate(p["amounts"]):
        _set_amount(conn, p["id"], pos, amount * p["factor"])
    info = done(fake, conn)
    assert failed(info) == [f"yield {p['servings']} servings"]


def test_scaling_every_amount_but_one_is_partial_credit(fake):
    p, conn = start(fake, "scale-recipe", 62)
    conn.execute("UPDATE recipe SET yields = ? WHERE id = ?", (p["servings"], p["id"]))
    for pos, amount in enumerate(p["amounts"][1:], start=1):
        _set_amount(conn, p["id"], pos, amount * p["factor"])
    info = done(fake, conn)
    assert len(failed(info)) == 1 and 0.5 < info["reward"] < 1


# --- the real app --------------------------------------------------------------------------------------------


def test_scale_recipe_on_the_app_without_the_last_amount_is_partial_credit(software_envs):
    env = software_envs("gourmand")
    env.reset(seed=63, options={"task": "scale-recipe"})
    plan = env.unwrapped.oracle_actions()
    edits = [i for i, a in enumerate(plan) if keys(a) == ("enter",)]
    last = edits[-1]  # the last amount: its [space, wait, ctrl+a, text, enter, wait] left out
    info = run(env, plan[:last - 4] + plan[last + 2:])
    assert len(failed(info)) == 1 and 0.5 < info["reward"] < 1
