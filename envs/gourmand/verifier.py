"""Verifiers for Gourmand tasks: read the recipes.db the app saved, compare it with setup's pristine copy.

The app writes every Save of the recipe editor (and every deletion) to the database at once. The collection in
the private folder (``original.db``) proves that the recipes a task does not name survived unchanged; that, and
"no recipe lost", are gates, so an untouched or wrecked collection never scores. A deleted recipe is one whose
row is flagged ``deleted`` (the app's trash) or gone (the trash emptied).
"""

from __future__ import annotations

from gym_anything.authoring import VerifyContext

from .recipes import DB, norm, read_recipes, same_ingredients, unit

FIELDS = ("title", "cuisine", "rating", "source", "yields", "categories", "ingredients", "deleted")


def _collections(ctx: VerifyContext) -> tuple[dict[int, dict], dict[int, dict]]:
    path = ctx.home / DB
    ctx.require("recipes.db exists", path.is_file(), str(path.name))
    return read_recipes(ctx.private_dir / "original.db"), read_recipes(path)


def _live(recipes: dict[int, dict]) -> dict[int, dict]:
    return {k: r for k, r in recipes.items() if not r["deleted"]}


def _view(rec: dict, skip: tuple[str, ...] = ()) -> dict:
    return {f: rec[f] for f in FIELDS if f not in skip}


def _others_unchanged(ctx: VerifyContext, before: dict[int, dict], after: dict[int, dict],
                      targets: set[int], what: str = "every other recipe unchanged") -> None:
    """Gate: the recipes the task does not name are all there, with the same fields."""
    changed = [before[k]["title"] for k in sorted(before) if k not in targets
               and (k not in after or _view(after[k]) != _view(before[k]))]
    ctx.require(what, not changed, f"changed or deleted: {changed[:5]}")


def _enter(ctx: VerifyContext) -> None:
    before, after = _collections(ctx)
    _others_unchanged(ctx, before, after, set())
    new = {k: r for k, r in _live(after).items() if k not in before}
    cards = ctx.private["cards"]
    ctx.check("one new recipe per card", len(new) == len(cards),
              f"{len(new)} new recipes: {[r['title'] for r in new.values()][:6]}")
    for card in cards:
        name = card["title"]
        match = [r for r in new.values() if norm(r["title"]) == norm(name)]
        ctx.check(f"{name}: recipe entered", len(match) == 1, f"{len(match)} recipes titled so")
        rec = match[0] if match else None
        ctx.check(f"{name}: yield {card['yields']} servings",
                  rec is not None and rec["yields"] is not None and abs(rec["yields"] - card["yields"]) < 0.01
                  and norm(rec["yield_unit"]) in ("servings", "serving"),
                  f"{rec and rec['yields']} {rec and rec['yield_unit']}")
        ctx.check(f"{name}: category {card['category']}",
                  rec is not None and [norm(c) for c in rec["categories"]] == [norm(card["category"])],
                  f"{rec and rec['categories']}")
        for field in ("cuisine", "source"):
            ctx.check(f"{name}: {field} {card[field]}", rec is not None and norm(rec[field]) == norm(card[field]),
                      f"{rec and rec[field]!r}")
        problems = same_ingredients(rec["ingredients"], card["ingredients"]) if rec else ["no recipe"]
        ctx.check(f"{name}: every ingredient with its amount and unit", not problems, "; ".join(problems[:4]),
                  weight=3)


def enter_recipe(ctx: VerifyContext) -> None:
    """Gate: the collection unchanged; scored: the new recipe's fields and ingredient list."""
    _enter(ctx)


def enter_recipe_cards(ctx: VerifyContext) -> None:
    """Gate: the collection unchanged; scored: each card's recipe, field by field."""
    _enter(ctx)


def retire_recipes(ctx: VerifyContext) -> None:
    """Gate: every other recipe kept; scored: each named recipe deleted."""
    before, after = _collections(ctx)
    ids = set(ctx.private["ids"])
    _others_unchanged(ctx, before, after, ids, "every other recipe kept unchanged")
    ctx.require("no recipe added", not [k for k in _live(after) if k not in before], "new recipes found")
    for rid in sorted(ids):
        gone = rid not in after or after[rid]["deleted"]
        ctx.check(f"{before[rid]['title']} deleted", gone, "deleted" if gone else "still in the collection")


def recategorise(ctx: VerifyContext) -> None:
    """Gate: every other recipe unchanged, the named ones otherwise intact; scored: category, cuisine."""
    before, after = _collections(ctx)
    changes = ctx.private["changes"]
    ids = {c["id"] for c in changes}
    _others_unchanged(ctx, before, after, ids)
    ctx.require("no recipe added", not [k for k in _live(after) if k not in before], "new recipes found")
    for c in changes:
        rec = after.get(c["id"])
        ctx.require(f"{c['title']}: kept, with its other fields",
                    rec is not None and _view(rec, ("categories", "cuisine")) == _view(before[c["id"]],
                                                                                   ("categories", "cuisine")),
                    "recipe deleted or other fields changed")
        ctx.check(f"{c['title']}: category {c['category']}",
                  [norm(x) for x in rec["categories"]] == [norm(c["category"])], f"{rec['categories']}")
        ctx.check(f"{c['title']}: cuisine {c['cuisine']}", norm(rec["cuisine"]) == norm(c["cuisine"]),
                  f"{rec['cuisine']!r}")


def _ingredients_changed(ctx: VerifyContext, name: str, before: dict, rec: dict | None) -> None:
    ctx.require(f"{name}: kept, with its other fields",
                rec is not None and _view(rec, ("ingredients", "yields")) == _view(before, ("ingredients", "yields")),
                "recipe deleted or other fields changed")


def fix_amounts(ctx: VerifyContext) -> None:
    """Gate: every other recipe and field unchanged; scored: each corrected amount (other ingredients kept)."""
    before, after = _collections(ctx)
    fixes = ctx.private["fixes"]
    _others_unchanged(ctx, before, after, {f["id"] for f in fixes})
    for f in fixes:
        old, rec = before[f["id"]], after.get(f["id"])
        _ingredients_changed(ctx, f["title"], old, rec)
        ctx.require(f"{f['title']}: yield unchanged", rec["yields"] == old["yields"], f"{rec['yields']}")
        want = [dict(i) for i in old["ingredients"]]
        want[f["position"]]["amount"] = f["amount"]
        problems = same_ingredients(rec["ingredients"], want)
        ctx.check(f"{f['title']}: {f['item']} corrected, other ingredients kept", not problems,
                  "; ".join(problems[:4]))


def scale_recipe(ctx: VerifyContext) -> None:
    """Gate: every other recipe unchanged; scored: the yield and each ingredient amount multiplied."""
    before, after = _collections(ctx)
    p = ctx.private
    _others_unchanged(ctx, before, after, {p["id"]})
    old, rec = before[p["id"]], after.get(p["id"])
    _ingredients_changed(ctx, p["title"], old, rec)
    ok = rec["yields"] is not None and abs(rec["yields"] - p["servings"]) < 0.01
    ctx.check(f"yield {p['servings']} servings", ok, f"{rec['yields']}")
    found = rec["ingredients"]
    ctx.require("the same ingredients, units and order", [(i["item"], i["unit"]) for i in found]
                == [(i["item"], unit(i["unit"])) for i in old["ingredients"]],
                f"{len(found)} ingredients, {len(old['ingredients'])} expected")
    for got, was in zip(found, old["ingredients"], strict=True):
        want = was["amount"] * p["factor"]
        ctx.check(f"{was['item']} x{p['factor']}", got["amount"] is not None and abs(got["amount"] - want) < 0.01,
                  f"{got['amount']} (expected {want:g})")
