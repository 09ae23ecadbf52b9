"""Setup for DB Browser for SQLite tasks: write a seeded shop database, return the privileged expected values.

Every task starts from the same kind of database (customers, products, orders) with different data per seed.
A pristine copy goes to the private folder as ``original.db`` so verifiers can prove unrelated data survived.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from gym_anything.authoring import SetupContext

FIRST_NAMES = ["Alice", "Bruno", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
               "Kara", "Liam", "Maya", "Nils", "Olga", "Pavel", "Quinn", "Rosa", "Samir", "Tara", "Uma",
               "Victor"]
LAST_NAMES = ["Anders", "Becker", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen",
              "Kowalski", "Larsen", "Moreau", "Novak", "Olsen", "Petrov", "Rossi", "Silva", "Tanaka", "Weber"]
CITIES = ["Springfield", "Riverton", "Lakeside", "Fairview", "Milford", "Ashland", "Brookfield"]
CATALOG = {
    "Electronics": ["USB Cable", "Headphones", "Power Bank", "Webcam", "Keyboard", "Mouse", "Speaker",
                    "Monitor Arm", "HDMI Adapter", "Smart Plug"],
    "Kitchen": ["Chef Knife", "Cutting Board", "Kettle", "Toaster", "Frying Pan", "Mixing Bowl", "Teapot",
                "Coffee Grinder", "Spatula", "Salad Spinner"],
    "Garden": ["Hose Reel", "Pruning Shears", "Watering Can", "Seed Tray", "Garden Gloves", "Rake", "Trowel",
               "Bird Feeder", "Planter Box", "Compost Bin"],
    "Office": ["Stapler", "Desk Lamp", "Notebook", "Paper Tray", "Pen Set", "Whiteboard", "Label Maker",
               "Desk Organizer", "Binder", "Letter Opener"],
    "Toys": ["Puzzle Cube", "Kite", "Building Blocks", "Yo-Yo", "Toy Train", "Board Game", "Jump Rope",
             "Plush Bear", "Marble Run", "Spinning Top"],
    "Sports": ["Yoga Mat", "Water Bottle", "Tennis Balls", "Jump Rope Pro", "Dumbbell", "Bike Light",
               "Swim Goggles", "Resistance Band", "Sweatband", "Foam Roller"],
}
STATUSES = ["completed", "pending", "shipped", "cancelled"]
STATUS_WEIGHTS = [0.55, 0.15, 0.15, 0.15]
SCHEMA = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT, email TEXT);
CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT, price REAL, stock INTEGER);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id),
                     product_id INTEGER REFERENCES products(id), quantity INTEGER, order_date TEXT,
                     status TEXT);
"""


@dataclass
class Shop:
    """The seeded data, kept in memory so setups can compute expected results from it."""

    # customers: (id, name, city, email); products: (id, name, category, price, stock);
    # orders: (id, customer_id, product_id, quantity, order_date, status)
    customers: list[tuple[int, str, str, str]] = field(default_factory=list)
    products: list[tuple[int, str, str, float, int]] = field(default_factory=list)
    orders: list[tuple[int, int, int, int, str, str]] = field(default_factory=list)

    def price(self, product_id: int) -> float:
        return next(p[3] for p in self.products if p[0] == product_id)

    def categories(self) -> list[str]:
        return sorted({p[2] for p in self.products})


def _generate(ctx: SetupContext) -> Shop:
    """Random customers, products and orders from the seeded generator."""
    rng = ctx.rng
    shop = Shop()
    names = [f"{f} {la}" for f in FIRST_NAMES for la in LAST_NAMES]
    for i, idx in enumerate(rng.choice(len(names), size=int(rng.integers(12, 19)), replace=False), start=1):
        name = names[int(idx)]
        email = name.lower().replace(" ", ".") + "@example.com"
        shop.customers.append((i, name, str(rng.choice(CITIES)), email))
    picked = rng.choice(list(CATALOG), size=int(rng.integers(4, 6)), replace=False)
    categories = sorted(str(c) for c in picked)
    pid = 0
    for category in categories:
        for name in rng.choice(CATALOG[category], size=int(rng.integers(3, 6)), replace=False):
            pid += 1
            shop.products.append((pid, str(name), category, round(float(rng.uniform(2, 150)), 2),
                                  int(rng.integers(5, 120))))
    for oid in range(1, int(rng.integers(45, 71)) + 1):
        month, day = int(rng.integers(1, 13)), int(rng.integers(1, 29))
        shop.orders.append((oid, int(rng.integers(1, len(shop.customers) + 1)),
                            int(rng.integers(1, len(shop.products) + 1)), int(rng.integers(1, 6)),
                            f"2024-{month:02d}-{day:02d}", str(rng.choice(STATUSES, p=STATUS_WEIGHTS))))
    # Every category gets at least one completed order, so per-category summaries cover all of them.
    for category in categories:
        ids = {p[0] for p in shop.products if p[2] == category}
        if not any(o[2] in ids and o[5] == "completed" for o in shop.orders):
            oid = len(shop.orders) + 1
            shop.orders.append((oid, int(rng.integers(1, len(shop.customers) + 1)), min(ids), 2, "2024-06-15",
                                "completed"))
    return shop


def _write(ctx: SetupContext, shop: Shop) -> None:
    """Write the database the app opens and the pristine copy for the verifier."""
    path: Path = ctx.home / ctx.params["file"]
    conn = sqlite3.connect(path)
    try:
        conn.executescript(SCHEMA)
        conn.executemany("INSERT INTO customers VALUES (?, ?, ?, ?)", shop.customers)
        conn.executemany("INSERT INTO products VALUES (?, ?, ?, ?, ?)", shop.products)
        conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?)", shop.orders)
        conn.commit()
    finally:
        conn.close()
    shutil.copyfile(path, ctx.private / "original.db")


def _customer_totals(shop: Shop) -> dict[int, float]:
    """Money spent per customer id on completed orders (quantity x current product price)."""
    totals: dict[int, float] = {}
    for _, cust, prod, qty, _, status in shop.orders:
        if status == "completed":
            totals[cust] = totals.get(cust, 0.0) + qty * shop.price(prod)
    return totals


# --- tasks ----------------------------------------------------------------------------------------------


def add_product(ctx: SetupContext) -> dict:
    """Insert one new product with given values."""
    shop = _generate(ctx)
    _write(ctx, shop)
    used = {p[1] for p in shop.products}
    category = str(ctx.rng.choice(shop.categories()))
    name = str(ctx.rng.choice([n for n in CATALOG[category] if n not in used]))
    price, stock = round(float(ctx.rng.uniform(3, 200)), 2), int(ctx.rng.integers(1, 250))
    ctx.public.update(name=name, category=category, price=f"{price:.2f}", stock=stock)
    return {"name": name, "category": category, "price": price, "stock": stock}


def raise_prices(ctx: SetupContext) -> dict:
    """Raise the prices of one category by a percentage."""
    shop = _generate(ctx)
    _write(ctx, shop)
    category = str(ctx.rng.choice(shop.categories()))
    factor = 1 + ctx.params["percent"] / 100
    ctx.public["category"] = category
    return {"category": category,
            "new_prices": {str(p[0]): round(p[3] * factor, 2) for p in shop.products if p[2] == category}}


def delete_cancelled(ctx: SetupContext) -> dict:
    """Delete the cancelled orders placed before a cutoff date."""
    shop = _generate(ctx)
    month = int(ctx.rng.integers(4, 10))
    cutoff = f"2024-{month:02d}-01"
    # Make sure both sides of the cutoff hold cancelled orders (some to delete, some to keep).
    before = [i for i, o in enumerate(shop.orders) if o[4] < cutoff and o[5] != "cancelled"]
    after = [i for i, o in enumerate(shop.orders) if o[4] >= cutoff and o[5] != "cancelled"]
    for i in [*ctx.rng.choice(before, size=2, replace=False), *ctx.rng.choice(after, size=2, replace=False)]:
        shop.orders[int(i)] = (*shop.orders[int(i)][:5], "cancelled")
    _write(ctx, shop)
    ctx.public["cutoff"] = cutoff
    doomed = sorted(o[0] for o in shop.orders if o[5] == "cancelled" and o[4] < cutoff)
    return {"cutoff": cutoff, "deleted_ids": doomed}


def category_revenue(ctx: SetupContext) -> dict:
    """Summarise completed-order revenue per category into a new table."""
    shop = _generate(ctx)
    _write(ctx, shop)
    category_of = {p[0]: p[2] for p in shop.products}
    revenue: dict[str, float] = {}
    for _, _, prod, qty, _, status in shop.orders:
        if status == "completed":
            revenue[category_of[prod]] = revenue.get(category_of[prod], 0.0) + qty * shop.price(prod)
    return {"revenue": {c: round(v, 2) for c, v in sorted(revenue.items())}}


def top_customer(ctx: SetupContext) -> dict:
    """Find the customer with the highest completed-order spending; the winner is unique by a margin."""
    shop = _generate(ctx)
    totals = _customer_totals(shop)
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < 5:
        # Widen the lead with one more completed order so the answer is unambiguous.
        prod = max(shop.products, key=lambda p: p[3])[0]
        shop.orders.append((len(shop.orders) + 1, ranked[0][0], prod, 1, "2024-12-20", "completed"))
        totals = _customer_totals(shop)
    best = max(totals, key=lambda c: totals[c])
    _write(ctx, shop)
    name = next(c[1] for c in shop.customers if c[0] == best)
    return {"customer": name, "total": round(totals[best], 2)}


def stock_value(ctx: SetupContext) -> dict:
    """Add a computed column and an index to products."""
    shop = _generate(ctx)
    _write(ctx, shop)
    return {"stock_values": {str(p[0]): round(p[3] * p[4], 2) for p in shop.products}}


def record_orders(ctx: SetupContext) -> dict:
    """Enter three new orders for named customers and products, and reduce the stock accordingly."""
    shop = _generate(ctx)
    _write(ctx, shop)
    custs = [shop.customers[int(i)] for i in ctx.rng.choice(len(shop.customers), size=3, replace=False)]
    prods = [shop.products[int(i)] for i in ctx.rng.choice(len(shop.products), size=3, replace=False)]
    date = f"2025-01-{int(ctx.rng.integers(2, 29)):02d}"
    new = []
    for n, (cust, prod) in enumerate(zip(custs, prods, strict=True), start=1):
        qty = int(ctx.rng.integers(1, min(5, prod[4]) + 1))
        ctx.public.update({f"customer{n}": cust[1], f"product{n}": prod[1], f"qty{n}": qty})
        new.append({"customer_id": cust[0], "product_id": prod[0], "quantity": qty,
                    "stock_after": prod[4] - qty})
    ctx.public["date"] = date
    return {"date": date, "orders": new}


def city_view(ctx: SetupContext) -> dict:
    """Create a view of the customers of one city."""
    shop = _generate(ctx)
    counts = {c: sum(1 for x in shop.customers if x[2] == c) for c in CITIES}
    city = str(ctx.rng.choice(sorted(c for c, n in counts.items() if n >= 2)))
    _write(ctx, shop)
    ctx.public["city"] = city
    rows = sorted((c[1], c[3]) for c in shop.customers if c[2] == city)
    return {"city": city, "rows": [list(r) for r in rows]}


def order_batch(ctx: SetupContext) -> dict:
    """A week of paperwork: new customers, a batch of orders with their stock, shipments, prices and a view.

    Privileged: what each part must leave in the database (customers, orders, stock levels, shipped order
    ids, new prices); order ids of the new orders are whatever SQLite assigns.
    """
    shop = _generate(ctx)
    missing = max(0, 4 - sum(o[5] == "pending" for o in shop.orders))
    for i in ctx.rng.choice([i for i, o in enumerate(shop.orders) if o[5] == "completed"], size=missing, replace=False):
        shop.orders[int(i)] = (*shop.orders[int(i)][:5], "pending")  # at least 4 pending orders: 3 get shipped
    _write(ctx, shop)
    taken = {c[1] for c in shop.customers}
    names = [n for n in (f"{f} {la}" for f in FIRST_NAMES for la in LAST_NAMES) if n not in taken]
    new_customers = [(str(names[int(i)]), str(ctx.rng.choice(CITIES))) for i in
                     ctx.rng.choice(len(names), size=2, replace=False)]
    new_customers = [(n, c, n.lower().replace(" ", ".") + "@example.com") for n, c in new_customers]
    count = ctx.params["count"]
    buyers = [c[0] for c in new_customers] + [shop.customers[int(i)][1] for i in
                                              ctx.rng.choice(len(shop.customers), size=count - 2, replace=False)]
    buyers = [buyers[int(i)] for i in ctx.rng.permutation(count)]
    products = [shop.products[int(i)] for i in ctx.rng.choice(len(shop.products), size=count, replace=False)]
    orders = [{"customer": buyer, "product": prod[1], "quantity": int(ctx.rng.integers(1, min(6, prod[4]) + 1))}
              for buyer, prod in zip(buyers, products, strict=True)]
    stock = {str(prod[0]): prod[4] - order["quantity"] for prod, order in zip(products, orders, strict=True)}
    pending = sorted(o[0] for o in shop.orders if o[5] == "pending")
    shipped = sorted(int(i) for i in ctx.rng.choice(pending, size=3, replace=False))
    repriced = [shop.products[int(i)] for i in ctx.rng.choice(len(shop.products), size=2, replace=False)]
    prices = {str(p[0]): round(p[3] * float(ctx.rng.choice([0.85, 0.9, 1.1, 1.15, 1.2])), 2) for p in repriced}
    date = f"2025-02-{int(ctx.rng.integers(2, 29)):02d}"
    ctx.public.update(
        date=date, new_customers="; ".join(f"{n} of {c}, email {e}" for n, c, e in new_customers),
        orders="; ".join(f"{o['customer']} ordered {o['quantity']} x \"{o['product']}\"" for o in orders),
        shipped=", ".join(str(i) for i in shipped),
        prices="; ".join(f"\"{p[1]}\" to {prices[str(p[0])]:.2f}" for p in repriced))
    return {"new_customers": [list(c) for c in new_customers], "orders": orders, "date": date, "stock": stock,
            "shipped": shipped, "prices": prices}
