"""Setup for Gourmand tasks: a seeded recipe collection written to the app's recipes.db.

Every task starts from a kitchen's collection of 60-120 recipes (titles, categories, cuisines, ratings,
yields, sources and ingredient lists drawn from ``ctx.rng`` and ``ctx.faker()``). A pristine copy goes to the
private folder as ``original.db`` so the verifiers can prove that the rest of the collection survived. The
values returned are only what the instruction states (the cards to enter, the recipes to change).
"""

from __future__ import annotations

import shutil

from gym_anything.authoring import SetupContext

from .recipes import DB, PANTRY, collection, fmt_amount, ingredient_line, write_db


def _start(ctx: SetupContext, count: int | None = None) -> list[dict]:
    """Write the collection the app opens and its private copy; return the recipes (ids 1..n)."""
    recipes = collection(ctx, count or int(ctx.rng.integers(60, 121)))
    write_db(ctx.home / DB, recipes)
    shutil.copyfile(ctx.home / DB, ctx.private / "original.db")
    return recipes


def _pick(ctx: SetupContext, recipes: list[dict], n: int) -> list[int]:
    """``n`` distinct recipe ids in list order."""
    return sorted(int(i) + 1 for i in ctx.rng.choice(len(recipes), size=n, replace=False))


def _card(ctx: SetupContext, taken: set[str]) -> dict:
    """A new recipe card whose title is not in (nor inside, nor around) any title of ``taken``."""
    while True:
        (card,) = collection(ctx, 1)
        low = card["title"].casefold()
        if not any(low in t or t in low for t in taken):
            taken.add(low)
            card["yields"] = int(card["yields"])
            return card


def _card_text(card: dict) -> str:
    lines = "; ".join(ingredient_line(i) for i in card["ingredients"])
    return (f'"{card["title"]}" (yield {card["yields"]} servings, category {card["category"]}, cuisine '
            f'{card["cuisine"]}, source {card["source"]}), ingredients: {lines}')


def enter_recipe(ctx: SetupContext) -> dict:
    """One recipe card to enter as a new recipe."""
    recipes = _start(ctx)
    card = _card(ctx, {r["title"].casefold() for r in recipes})
    ctx.public["card"] = _card_text(card)
    return {"cards": [{k: card[k] for k in ("title", "category", "cuisine", "yields", "source", "ingredients")}]}


def enter_recipe_cards(ctx: SetupContext) -> dict:
    """Several recipe cards to enter as new recipes."""
    recipes = _start(ctx)
    taken = {r["title"].casefold() for r in recipes}
    cards = [_card(ctx, taken) for _ in range(ctx.params["cards"])]
    ctx.public["cards"] = " | ".join(f"({n}) {_card_text(c)}" for n, c in enumerate(cards, start=1))
    return {"cards": [{k: c[k] for k in ("title", "category", "cuisine", "yields", "source", "ingredients")}
                      for c in cards]}


def retire_recipes(ctx: SetupContext) -> dict:
    """Recipes of a discontinued menu to delete."""
    recipes = _start(ctx)
    ids = _pick(ctx, recipes, int(ctx.rng.integers(4, 7)))
    titles = [recipes[i - 1]["title"] for i in ids]
    ctx.public["titles"] = "; ".join(titles)
    return {"ids": ids, "titles": titles}


CATEGORIES = ["Main Course", "Soup", "Side Dish", "Appetizer", "Salad", "Dessert", "Bread", "Brunch", "Casserole"]


def recategorise(ctx: SetupContext) -> dict:
    """Recipes filed under the wrong category and cuisine, with the right ones."""
    recipes = _start(ctx)
    ids = _pick(ctx, recipes, int(ctx.rng.integers(3, 6)))
    changes = []
    for rid in ids:
        rec = recipes[rid - 1]
        category = str(ctx.rng.choice([c for c in CATEGORIES if c != rec["category"]]))
        cuisines = sorted({r["cuisine"] for r in recipes} - {rec["cuisine"]})
        changes.append({"id": rid, "title": rec["title"], "category": category,
                        "cuisine": str(ctx.rng.choice(cuisines))})
    ctx.public["changes"] = "; ".join(f'"{c["title"]}": category {c["category"]}, cuisine {c["cuisine"]}'
                                      for c in changes)
    return {"changes": changes}


def fix_amounts(ctx: SetupContext) -> dict:
    """Ingredient amounts a costing review found wrong, one per recipe, with the right amounts."""
    recipes = _start(ctx)
    ids = _pick(ctx, recipes, int(ctx.rng.integers(3, 6)))
    fixes = []
    for rid in ids:
        ings = recipes[rid - 1]["ingredients"]
        pos = int(ctx.rng.integers(0, len(ings)))
        ing = ings[pos]
        pool = PANTRY[ing["item"]][1] if ing["item"] in PANTRY else [1, 1.5, 2, 2.5, 3, 4]
        choices = [a for a in pool if a != ing["amount"]] or [ing["amount"] * 2]
        amount = float(choices[int(ctx.rng.integers(0, len(choices)))])
        fixes.append({"id": rid, "title": recipes[rid - 1]["title"], "position": pos, "item": ing["item"],
                      "unit": ing["unit"], "amount": amount})
    ctx.public["fixes"] = "; ".join(
        f'"{f["title"]}": {f["item"]} should be {fmt_amount(f["amount"])}{" " + f["unit"] if f["unit"] else ""}'
        for f in fixes)
    return {"fixes": fixes}


def scale_recipe(ctx: SetupContext) -> dict:
    """A recipe to scale up for a banquet: new yield and every amount multiplied."""
    recipes = _start(ctx)
    (rid,) = _pick(ctx, recipes, 1)
    rec = recipes[rid - 1]
    factor = int(ctx.params["factor"])
    ctx.public.update(title=rec["title"], servings=int(rec["yields"]) * factor)
    return {"id": rid, "title": rec["title"], "factor": factor, "servings": int(rec["yields"]) * factor,
            "amounts": [i["amount"] for i in rec["ingredients"]]}
