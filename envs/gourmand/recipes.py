"""The Gourmand recipe database: its schema, a seeded recipe collection, and readers for the verifiers.

Gourmand keeps everything in ``~/.local/share/gourmand/recipes.db`` (SQLite, written through SQLAlchemy with
autocommit, so a recipe editor's Save reaches the file at once). The schema below is the one the app ships in
``backends/default.db`` (version 0.17.5 in its ``info`` table, so the app runs no migration on it).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

DB = ".local/share/gourmand/recipes.db"

SCHEMA = """
CREATE TABLE info (
    version_super INTEGER,
    version_major INTEGER,
    version_minor INTEGER,
    last_access INTEGER,
    rowid INTEGER NOT NULL,
    PRIMARY KEY (rowid)
);
CREATE TABLE plugin_info (
    plugin TEXT,
    id INTEGER NOT NULL,
    version_super INTEGER,
    version_major INTEGER,
    version_minor INTEGER,
    plugin_version VARCHAR(32),
    PRIMARY KEY (id)
);
CREATE TABLE recipe (
    id INTEGER NOT NULL,
    title TEXT,
    instructions TEXT,
    modifications TEXT,
    cuisine TEXT,
    rating INTEGER,
    description TEXT,
    source TEXT,
    preptime INTEGER,
    cooktime INTEGER,
    servings FLOAT,
    yields FLOAT,
    yield_unit VARCHAR(32),
    image BLOB,
    thumb BLOB,
    deleted BOOLEAN,
    recipe_hash VARCHAR(32),
    ingredient_hash VARCHAR(32),
    link TEXT,
    last_modified INTEGER,
    PRIMARY KEY (id),
    CHECK (deleted IN (0, 1))
);
CREATE TABLE keylookup (
    id INTEGER NOT NULL,
    word TEXT,
    item TEXT,
    ingkey TEXT,
    count INTEGER,
    PRIMARY KEY (id)
);
CREATE TABLE shopcats (
    id INTEGER NOT NULL,
    ingkey TEXT(32),
    shopcategory TEXT,
    position INTEGER,
    PRIMARY KEY (id)
);
CREATE TABLE shopcatsorder (
    id INTEGER NOT NULL,
    shopcategory TEXT(32),
    position INTEGER,
    PRIMARY KEY (id)
);
CREATE TABLE pantry (
    id INTEGER NOT NULL,
    ingkey TEXT(32),
    pantry BOOLEAN,
    PRIMARY KEY (id),
    CHECK (pantry IN (0, 1))
);
CREATE TABLE density (
    id INTEGER NOT NULL,
    dkey VARCHAR(150),
    value VARCHAR(150),
    PRIMARY KEY (id)
);
CREATE TABLE crossunitdict (
    id INTEGER NOT NULL,
    cukey VARCHAR(150),
    value VARCHAR(150),
    PRIMARY KEY (id)
);
CREATE TABLE unitdict (
    id INTEGER NOT NULL,
    ukey VARCHAR(150),
    value VARCHAR(150),
    PRIMARY KEY (id)
);
CREATE TABLE convtable (
    id INTEGER NOT NULL,
    ckey VARCHAR(150),
    value VARCHAR(150),
    PRIMARY KEY (id)
);
CREATE TABLE categories (
    id INTEGER NOT NULL,
    recipe_id INTEGER,
    category TEXT,
    PRIMARY KEY (id),
    FOREIGN KEY(recipe_id) REFERENCES recipe (id)
);
CREATE TABLE ingredients (
    id INTEGER NOT NULL,
    recipe_id INTEGER,
    refid INTEGER,
    unit TEXT,
    amount FLOAT,
    rangeamount FLOAT,
    item TEXT,
    ingkey TEXT,
    optional BOOLEAN,
    shopoptional INTEGER,
    inggroup TEXT,
    position INTEGER,
    deleted BOOLEAN,
    PRIMARY KEY (id),
    FOREIGN KEY(recipe_id) REFERENCES recipe (id),
    FOREIGN KEY(refid) REFERENCES recipe (id),
    CHECK (optional IN (0, 1)),
    CHECK (deleted IN (0, 1))
);
"""

# (canonical unit, spellings the verifiers accept for it)
UNIT_NAMES = {
    "": ["", "each", "ea"],
    "tsp": ["tsp", "tsp.", "teaspoon", "teaspoons", "t"],
    "tbsp": ["tbsp", "tbsp.", "tbs", "tablespoon", "tablespoons", "T"],
    "cup": ["cup", "cups", "c", "c."],
    "lb": ["lb", "lbs", "pound", "pounds"],
    "oz": ["oz", "ounce", "ounces"],
    "g": ["g", "gram", "grams"],
    "kg": ["kg", "kilogram", "kilograms"],
    "ml": ["ml", "milliliter", "milliliters", "mililiter"],
    "l": ["l", "liter", "liters", "litre", "litres"],
    "clove": ["clove", "cloves"],
    "can": ["can", "cans"],
    "bunch": ["bunch", "bunches"],
    "qt": ["qt", "quart", "quarts"],
}
_UNIT = {name.casefold(): unit for unit, names in UNIT_NAMES.items() for name in names if name != "T"}
_UNIT["T"] = "tbsp"


def unit(text: str | None) -> str:
    """The canonical form of a unit as typed or stored (unknown units kept, case-folded)."""
    raw = (text or "").strip()
    if raw == "T":
        return "tbsp"
    return _UNIT.get(raw.casefold(), raw.casefold())


def norm(text: object) -> str:
    """Whitespace-collapsed, case-folded text ('' for None)."""
    return " ".join(str(text).split()).casefold() if text is not None else ""


# --- the pool the collections are drawn from ---------------------------------------------------------

# item: (unit, amounts to choose from)
PANTRY = {
    "all-purpose flour": ("cup", [1, 1.5, 2, 2.5, 3]),
    "granulated sugar": ("cup", [0.25, 0.5, 0.75, 1]),
    "brown sugar": ("tbsp", [1, 2, 3]),
    "unsalted butter": ("tbsp", [2, 3, 4, 6, 8]),
    "olive oil": ("tbsp", [1, 2, 3, 4]),
    "kosher salt": ("tsp", [0.5, 1, 1.5, 2]),
    "black pepper": ("tsp", [0.25, 0.5, 1]),
    "garlic": ("clove", [2, 3, 4, 6]),
    "yellow onion": ("", [1, 2]),
    "shallots": ("", [2, 3]),
    "chicken stock": ("cup", [1, 2, 3, 4]),
    "vegetable stock": ("cup", [2, 3, 4]),
    "heavy cream": ("cup", [0.5, 1, 1.5]),
    "whole milk": ("cup", [0.5, 1, 2]),
    "eggs": ("", [2, 3, 4, 6]),
    "parmesan cheese": ("cup", [0.5, 0.75, 1]),
    "cheddar cheese": ("oz", [4, 6, 8]),
    "crushed tomatoes": ("can", [1, 2]),
    "tomato paste": ("tbsp", [1, 2, 3]),
    "dry white wine": ("cup", [0.5, 1]),
    "red wine": ("cup", [1, 1.5, 2]),
    "fresh thyme": ("tsp", [1, 2]),
    "fresh rosemary": ("tbsp", [1, 2]),
    "flat-leaf parsley": ("bunch", [1]),
    "cilantro": ("bunch", [1]),
    "ground cumin": ("tsp", [1, 2, 3]),
    "smoked paprika": ("tsp", [1, 2]),
    "chili flakes": ("tsp", [0.5, 1]),
    "ground cinnamon": ("tsp", [0.5, 1, 2]),
    "soy sauce": ("tbsp", [2, 3, 4]),
    "fresh ginger": ("tbsp", [1, 2]),
    "sesame oil": ("tsp", [1, 2]),
    "rice vinegar": ("tbsp", [1, 2, 3]),
    "lemon juice": ("tbsp", [2, 3, 4]),
    "lime juice": ("tbsp", [1, 2, 3]),
    "honey": ("tbsp", [1, 2, 3]),
    "dijon mustard": ("tbsp", [1, 2]),
    "basmati rice": ("cup", [1, 1.5, 2]),
    "arborio rice": ("cup", [1.5, 2]),
    "coconut milk": ("can", [1, 2]),
    "baking powder": ("tsp", [1, 2]),
    "baking soda": ("tsp", [0.5, 1]),
    "vanilla extract": ("tsp", [1, 2]),
    "carrots": ("", [2, 3, 4]),
    "celery": ("", [2, 3]),
    "russet potatoes": ("lb", [1, 2, 3]),
    "mushrooms": ("oz", [8, 12, 16]),
    "baby spinach": ("oz", [5, 6, 10]),
    "chickpeas": ("can", [1, 2]),
    "black beans": ("can", [1, 2]),
}
MAINS = {
    "Chicken": ("boneless chicken thighs", "lb", [1.5, 2, 3]),
    "Salmon": ("salmon fillets", "lb", [1, 1.5, 2]),
    "Beef": ("beef chuck", "lb", [2, 2.5, 3]),
    "Pork": ("pork shoulder", "lb", [2, 3, 4]),
    "Shrimp": ("large shrimp", "lb", [1, 1.5]),
    "Lamb": ("lamb shoulder", "lb", [2, 3]),
    "Tofu": ("firm tofu", "oz", [14, 16]),
    "Lentil": ("green lentils", "cup", [1, 1.5, 2]),
    "Mushroom": ("cremini mushrooms", "lb", [1, 1.5]),
    "Cod": ("cod fillets", "lb", [1.5, 2]),
    "Turkey": ("ground turkey", "lb", [1, 2]),
    "Eggplant": ("eggplants", "", [2, 3]),
}
STYLES = [
    ("Braised", "Main Course", "French"), ("Roasted", "Main Course", "American"),
    ("Grilled", "Main Course", "American"), ("Curried", "Main Course", "Indian"),
    ("Stir-Fried", "Main Course", "Chinese"), ("Tagine of", "Main Course", "Moroccan"),
    ("Smoky", "Main Course", "Mexican"), ("Lemon Herb", "Main Course", "Mediterranean"),
    ("Miso Glazed", "Main Course", "Japanese"), ("Spiced", "Main Course", "Middle Eastern"),
    ("Creamy", "Soup", "French"), ("Rustic", "Soup", "Italian"), ("Spicy", "Soup", "Thai"),
    ("Baked", "Casserole", "American"), ("Garlic Butter", "Main Course", "Italian"),
    ("Coconut", "Main Course", "Thai"), ("Teriyaki", "Main Course", "Japanese"),
    ("Harissa", "Main Course", "North African"), ("Pesto", "Main Course", "Italian"),
    ("Chipotle", "Main Course", "Mexican"),
]
DISHES = ["Stew", "Skillet", "Bowls", "Tacos", "Bake", "Risotto", "Curry", "Pilaf", "Salad", "Soup",
          "Kebabs", "Pie", "Ragout", "Wraps", "Traybake", "Hash"]
SIDES = [
    ("Buttermilk Biscuits", "Bread", "American"), ("Focaccia", "Bread", "Italian"),
    ("Garlic Naan", "Bread", "Indian"), ("Cornbread", "Bread", "American"),
    ("Apple Crumble", "Dessert", "British"), ("Lemon Tart", "Dessert", "French"),
    ("Chocolate Mousse", "Dessert", "French"), ("Rice Pudding", "Dessert", "British"),
    ("Panna Cotta", "Dessert", "Italian"), ("Carrot Cake", "Dessert", "American"),
    ("Coleslaw", "Side Dish", "American"), ("Roasted Root Vegetables", "Side Dish", "British"),
    ("Spanish Rice", "Side Dish", "Mexican"), ("Tabbouleh", "Salad", "Middle Eastern"),
    ("Greek Salad", "Salad", "Greek"), ("Hummus", "Appetizer", "Middle Eastern"),
    ("Bruschetta", "Appetizer", "Italian"), ("Guacamole", "Appetizer", "Mexican"),
    ("Gazpacho", "Soup", "Spanish"), ("Minestrone", "Soup", "Italian"),
]
METHOD = [
    "Prepare and measure all ingredients.", "Heat the pan over medium heat.",
    "Season to taste and adjust the consistency.", "Simmer gently until tender.",
    "Rest for ten minutes before serving.", "Garnish and serve warm.",
]


def _amount(rng, choices: list[float]) -> float:
    return float(choices[int(rng.integers(0, len(choices)))])


FRACTIONS = {0.25: "1/4", 0.5: "1/2", 0.75: "3/4"}


def fmt_amount(value: float) -> str:
    """An amount as a cook writes it: 2, 1 1/2, 1/4 (Gourmand's ingredient parser misreads "1.5")."""
    whole, part = int(value), round(value - int(value), 2)
    if part in FRACTIONS:
        return f"{whole} {FRACTIONS[part]}" if whole else FRACTIONS[part]
    return f"{value:g}"


def ingredient_line(ing: dict) -> str:
    """'1.5 cup basmati rice' (no unit for counted items)."""
    return " ".join(p for p in (fmt_amount(ing["amount"]), ing["unit"], ing["item"]) if p)


def collection(ctx, count: int) -> list[dict]:
    """``count`` recipes with unique titles (none inside another), 5-10 ingredients each, from ``ctx.rng``."""
    rng, fake = ctx.rng, ctx.faker()
    titles: list[str] = []
    recipes: list[dict] = []
    pantry = list(PANTRY)
    while len(recipes) < count:
        if rng.random() < 0.7:
            style, category, cuisine = STYLES[int(rng.integers(0, len(STYLES)))]
            main = list(MAINS)[int(rng.integers(0, len(MAINS)))]
            dish = DISHES[int(rng.integers(0, len(DISHES)))]
            title = f"{style} {main} {dish}"
            item, u, amounts = MAINS[main]
            ings = [{"amount": _amount(rng, amounts), "unit": u, "item": item}]
        else:
            base, category, cuisine = SIDES[int(rng.integers(0, len(SIDES)))]
            title = f"{fake.last_name()}'s {base}"
            ings = []
        low = title.casefold()
        if any(low in t.casefold() or t.casefold() in low for t in titles):
            continue
        for idx in rng.choice(len(pantry), size=int(rng.integers(5, 10)), replace=False):
            item = pantry[int(idx)]
            u, amounts = PANTRY[item]
            ings.append({"amount": _amount(rng, amounts), "unit": u, "item": item})
        titles.append(title)
        steps = [str(s) for s in rng.choice(METHOD, size=3, replace=False)]
        recipes.append({
            "title": title, "category": category, "cuisine": cuisine,
            "rating": int(rng.integers(4, 11)), "yields": float(rng.choice([4, 6, 8, 10, 12])),
            "source": f"{fake.first_name()} {fake.last_name()}", "instructions": "\n".join(steps),
            "ingredients": ings,
        })
    return recipes


def write_db(path: Path, recipes: list[dict]) -> None:
    """A fresh recipes.db holding ``recipes`` (ids 1..n in list order)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    try:
        conn.executescript(SCHEMA)
        conn.execute("INSERT INTO info VALUES (0, 17, 5, 1700000000, 1)")
        ing_id = 0
        for rid, rec in enumerate(recipes, start=1):
            conn.execute(
                "INSERT INTO recipe (id, title, instructions, cuisine, rating, source, servings, yields, "
                "yield_unit, deleted, last_modified) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, 'servings', 0, ?)",
                (rid, rec["title"], rec["instructions"], rec["cuisine"], rec["rating"], rec["source"],
                 rec["yields"], 1700000000 + rid))
            if rec["category"]:
                conn.execute("INSERT INTO categories (recipe_id, category) VALUES (?, ?)", (rid, rec["category"]))
            for pos, ing in enumerate(rec["ingredients"]):
                ing_id += 1
                conn.execute(
                    "INSERT INTO ingredients (id, recipe_id, unit, amount, item, ingkey, optional, position, "
                    "deleted) VALUES (?, ?, ?, ?, ?, ?, 0, ?, 0)",
                    (ing_id, rid, ing["unit"], ing["amount"], ing["item"], ing["item"], pos))
        conn.commit()
    finally:
        conn.close()


# --- reading what the app saved ----------------------------------------------------------------------


def read_recipes(path: Path) -> dict[int, dict]:
    """Every recipe row (deleted ones too) with its categories and live ingredients, keyed by id."""
    uri = f"file:{path}?mode=ro"
    conn = sqlite3.connect(uri, uri=True)
    try:
        out: dict[int, dict] = {}
        for rid, title, cuisine, rating, source, yields, yunit, deleted, instr in conn.execute(
                "SELECT id, title, cuisine, rating, source, yields, yield_unit, deleted, instructions "
                "FROM recipe ORDER BY id"):
            out[rid] = {"title": title, "cuisine": cuisine, "rating": rating, "source": source,
                        "yields": yields, "yield_unit": yunit, "deleted": bool(deleted),
                        "instructions": instr or "", "categories": [], "ingredients": []}
        for rid, cat in conn.execute("SELECT recipe_id, category FROM categories ORDER BY id"):
            if rid in out and cat:
                out[rid]["categories"].append(cat)
        for rid, u, amount, item, deleted in conn.execute(
                "SELECT recipe_id, unit, amount, item, deleted FROM ingredients ORDER BY position, id"):
            if rid in out and not deleted:
                out[rid]["ingredients"].append({"unit": unit(u), "amount": amount, "item": norm(item)})
        return out
    finally:
        conn.close()


def _key(ing: dict) -> str:
    """Unit and item as one text: '6 large eggs' may be parsed as unit 'large' and item 'eggs'."""
    return f"{unit(ing['unit'])} {norm(ing['item'])}".strip()


def same_ingredients(found: list[dict], want: list[dict], tol: float = 0.01) -> list[str]:
    """What differs between saved and expected ingredients, in any order (empty when they match)."""
    rest = list(found)
    problems = []
    for ing in want:
        match = next((f for f in rest if _key(f) == _key(ing)
                      and f["amount"] is not None and abs(f["amount"] - ing["amount"]) <= tol), None)
        if match is None:
            problems.append(f"missing {ingredient_line(ing)}")
        else:
            rest.remove(match)
    problems += [f"extra {f}" for f in rest]
    return problems
