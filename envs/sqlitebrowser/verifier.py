"""Verifiers for DB Browser for SQLite tasks: read the database file the app wrote, check it against setup.

Only committed data counts: changes the agent did not write to disk ("Write Changes") are not in the file.
The pristine database from setup (``original.db`` in the private folder) proves unrelated data survived;
those comparisons are gates, so an untouched database never scores.
"""

from __future__ import annotations

from pathlib import Path

from gym_anything.authoring import VerifyContext
from gym_anything.authoring.formats import query_sqlite

MONEY = 0.0051  # absolute tolerance for values rounded to cents (SQLite and Python may round ties apart)


def _db(ctx: VerifyContext) -> Path:
    path = ctx.home / ctx.params["file"]
    ctx.require("database file exists", path.is_file(), path.name)
    return path


def _original(ctx: VerifyContext) -> Path:
    return ctx.private_dir / "original.db"


def _rows(path: Path, table: str, columns: str = "*") -> dict[int, tuple]:
    """Rows of a table keyed by id (the first selected column must be the id)."""
    return {r[0]: tuple(r) for r in query_sqlite(path, f"SELECT {columns} FROM {table} ORDER BY 1")}


def _columns(path: Path, table: str) -> list[str]:
    return [r[1] for r in query_sqlite(path, f"PRAGMA table_info({table})")]


def _same_table(ctx: VerifyContext, db: Path, table: str, columns: str = "*") -> None:
    """Gate: a table the task must not touch still holds exactly its original rows."""
    before, after = _rows(_original(ctx), table, columns), _rows(db, table, columns)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    ctx.require(f"table {table} unchanged", not changed, f"changed ids: {changed[:10]}")


def _close(value: object, expected: float, tolerance: float = MONEY) -> bool:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return number and abs(value - expected) <= tolerance


def _cents(value: object) -> bool:
    """A number with at most 2 decimals (as stored: 12.35, not 12.345)."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return number and abs(value * 100 - round(value * 100)) < 1e-6


def _text(value: object) -> str:
    return " ".join(str(value).split()).casefold() if value is not None else ""


def _table_exists(db: Path, name: str, kind: str = "table") -> bool:
    sql = "SELECT 1 FROM sqlite_master WHERE type = ? AND name = ? COLLATE NOCASE"
    rows = query_sqlite(db, sql, (kind, name))
    return bool(rows)


# --- tasks ----------------------------------------------------------------------------------------------


def add_product(ctx: VerifyContext) -> None:
    db, want = _db(ctx), ctx.private
    _same_table(ctx, db, "customers")
    _same_table(ctx, db, "orders")
    before, after = _rows(_original(ctx), "products"), _rows(db, "products")
    changed = [k for k, v in before.items() if after.get(k) != v]
    ctx.require("existing products unchanged", not changed, f"changed or deleted ids: {changed[:10]}")
    new = [r for k, r in after.items() if k not in before]
    ctx.check("exactly one product added", len(new) == 1, f"{len(new)} new rows")
    match = [r for r in new if _text(r[1]) == _text(want["name"])]
    ctx.check("new product has the name", bool(match), f"new rows: {new[:3]}")
    row = match[0] if match else (None, None, None, None, None)
    ctx.check("category", _text(row[2]) == _text(want["category"]), f"{row[2]!r} vs {want['category']!r}")
    ctx.check("price", _close(row[3], want["price"], 1e-6), f"{row[3]!r} vs {want['price']}")
    ctx.check("stock", _close(row[4], want["stock"], 1e-9), f"{row[4]!r} vs {want['stock']}")


def raise_prices(ctx: VerifyContext) -> None:
    db, want = _db(ctx), ctx.private["new_prices"]
    _same_table(ctx, db, "customers")
    _same_table(ctx, db, "orders")
    _same_table(ctx, db, "products", "id, name, category, stock")
    before, after = _rows(_original(ctx), "products"), _rows(db, "products")
    others = [k for k in before if str(k) not in want and after[k][3] != before[k][3]]
    ctx.require("other categories keep their prices", not others, f"changed ids: {others[:10]}")
    # rounded to cents as asked: ROUND(..., 3) is within the tolerance of the right price but not a price
    wrong = {k: after[int(k)][3] for k, price in want.items()
             if not (_close(after[int(k)][3], price) and _cents(after[int(k)][3]))}
    ctx.check(f"{ctx.private['category']} prices raised by {ctx.params['percent']}% and rounded to cents", not wrong,
              f"wrong prices (id: value): {dict(list(wrong.items())[:5])}; expected {want}", weight=2)


def delete_cancelled(ctx: VerifyContext) -> None:
    db, doomed = _db(ctx), set(ctx.private["deleted_ids"])
    _same_table(ctx, db, "customers")
    _same_table(ctx, db, "products")
    before, after = _rows(_original(ctx), "orders"), _rows(db, "orders")
    kept = [k for k, v in before.items() if k not in doomed and after.get(k) != v]
    ctx.require("all other orders kept unchanged", not kept, f"missing or changed ids: {kept[:10]}")
    added = sorted(set(after) - set(before))
    ctx.require("no orders added", not added, f"new ids: {added[:10]}")
    left = sorted(doomed & set(after))
    ctx.check("cancelled orders before the cutoff deleted", not left, f"still present: {left}", weight=2)


def _new_table(ctx: VerifyContext, db: Path, name: str, columns: list[str]) -> list[tuple]:
    """Gates on the shop tables being intact and ``name`` existing; checks its columns; returns its rows."""
    for table in ("customers", "products", "orders"):
        _same_table(ctx, db, table)
    ctx.require(f"table {name} exists", _table_exists(db, name))
    found = [c.casefold() for c in _columns(db, name)]
    ctx.check(f"columns {' and '.join(columns)}", found == columns, f"columns: {found}")
    return query_sqlite(db, f"SELECT * FROM {name}")


def category_revenue(ctx: VerifyContext) -> None:
    db, want = _db(ctx), ctx.private["revenue"]
    rows = _new_table(ctx, db, "category_revenue", ["category", "revenue"])
    got = {_text(r[0]): r[1] for r in rows if len(r) >= 2}
    ctx.check("one row per category", len(rows) == len(want) and set(got) == {_text(c) for c in want},
              f"{len(rows)} rows, categories {sorted(got)}; expected {sorted(want)}")
    wrong = {c: got.get(_text(c)) for c, v in want.items() if not _close(got.get(_text(c)), v, 0.011)}
    ctx.check("revenue per category correct", not wrong, f"wrong: {wrong}; expected {want}", weight=2)


def top_customer(ctx: VerifyContext) -> None:
    db, want = _db(ctx), ctx.private
    rows = _new_table(ctx, db, "answer", ["customer", "total"])
    ctx.check("exactly one row", len(rows) == 1, f"{len(rows)} rows")
    row = rows[0] if rows and len(rows[0]) >= 2 else (None, None)
    ctx.check("top customer's name", _text(row[0]) == _text(want["customer"]), f"{row[0]!r}", weight=2)
    ctx.check("top customer's total", _close(row[1], want["total"], 0.011), f"{row[1]!r}", weight=2)


def stock_value(ctx: VerifyContext) -> None:
    db, want = _db(ctx), ctx.private["stock_values"]
    _same_table(ctx, db, "customers")
    _same_table(ctx, db, "orders")
    _same_table(ctx, db, "products", "id, name, category, price, stock")
    has_column = "stock_value" in [c.casefold() for c in _columns(db, "products")]
    ctx.check("column stock_value added", has_column, f"columns: {_columns(db, 'products')}")
    values = _rows(db, "products", "id, stock_value") if has_column else {}
    wrong = {k: values.get(int(k), (None, None))[1] for k, v in want.items()
             if not _close(values.get(int(k), (None, None))[1], v, 0.011)}
    ctx.check("stock_value = price x stock on every row", has_column and not wrong,
              f"wrong (id: value): {dict(list(wrong.items())[:5])}", weight=2)
    index = query_sqlite(db, "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' "
                             "AND name = 'idx_products_category' COLLATE NOCASE")
    cols = [r[2] for r in query_sqlite(db, f"PRAGMA index_info('{index[0][0]}')")] if index else []
    ctx.check("index idx_products_category on products(category)",
              bool(index) and _text(index[0][1]) == "products" and [_text(c) for c in cols] == ["category"],
              f"index: {index}, columns: {cols}")


def record_orders(ctx: VerifyContext) -> None:
    db, want = _db(ctx), ctx.private
    _same_table(ctx, db, "customers")
    _same_table(ctx, db, "products", "id, name, category, price")
    before, after = _rows(_original(ctx), "orders"), _rows(db, "orders")
    changed = [k for k, v in before.items() if after.get(k) != v]
    ctx.require("existing orders unchanged", not changed, f"changed or deleted ids: {changed[:10]}")
    involved = {o["product_id"] for o in want["orders"]}
    stock_before = _rows(_original(ctx), "products", "id, stock")
    stock_after = _rows(db, "products", "id, stock")
    others = [k for k, v in stock_before.items() if k not in involved and stock_after.get(k) != v]
    ctx.require("other products keep their stock", not others, f"changed ids: {others}")
    new = [r for k, r in sorted(after.items()) if k not in before]
    ctx.check("exactly three orders added", len(new) == 3, f"{len(new)} new rows")
    listed = [(o["customer_id"], o["product_id"], o["quantity"]) for o in want["orders"]]
    ctx.check("orders numbered in the order listed", [(r[1], r[2], r[3]) for r in new] == listed,
              f"new rows by id: {[(r[0], r[1], r[2], r[3]) for r in new]}; listed (customer, product, qty): {listed}")
    for n, order in enumerate(want["orders"], start=1):
        found = any(r[1] == order["customer_id"] and r[2] == order["product_id"] and r[3] == order["quantity"]
                    and _text(r[4]) == want["date"] and _text(r[5]) == "pending" for r in new)
        ctx.check(f"order {n} recorded", found, f"expected {order}, date {want['date']}; new rows: {new[:5]}")
        stock = stock_after.get(order["product_id"], (None, None))[1]
        ctx.check(f"stock of product {order['product_id']} reduced", stock == order["stock_after"],
                  f"stock {stock!r}, expected {order['stock_after']}")


def city_view(ctx: VerifyContext) -> None:
    db, want = _db(ctx), ctx.private
    for table in ("customers", "products", "orders"):
        _same_table(ctx, db, table)
    view = ctx.params["view"]
    ctx.require(f"view {view} exists", _table_exists(db, view, "view"))
    columns = [c.casefold() for c in _columns(db, view)]
    ctx.check("columns name and email", columns == ["name", "email"], f"columns: {columns}")
    rows = [list(r) for r in query_sqlite(db, f'SELECT * FROM "{view}"')]
    expected = want["rows"]
    ctx.check(f"the customers of {want['city']}", sorted(rows) == sorted(expected),
              f"rows: {rows[:5]}; expected {expected}", weight=2)
    ctx.check("sorted by name", rows == expected, "view rows are not in name order")


def order_batch(ctx: VerifyContext) -> None:
    """Gates: nothing outside the six parts changed; scored: each customer, order, stock, shipment, price, the view."""
    db, want = _db(ctx), ctx.private
    original = _original(ctx)
    before, after = _rows(original, "customers"), _rows(db, "customers")
    ctx.require("existing customers unchanged", all(after.get(k) == v for k, v in before.items()),
                f"changed or deleted ids: {[k for k, v in before.items() if after.get(k) != v][:10]}")
    new_customers = [r for k, r in after.items() if k not in before]
    for name, city, email in want["new_customers"]:
        ctx.check(f"customer {name} registered",
                  [(_text(r[1]), _text(r[2]), _text(r[3])) for r in new_customers].count(
                      (_text(name), _text(city), _text(email))) == 1, f"new customer rows: {new_customers}")
    ctx.check("exactly two customers added", len(new_customers) == 2, f"{len(new_customers)} new rows")

    shipped = set(want["shipped"])
    before, after = _rows(original, "orders"), _rows(db, "orders")
    changed = [k for k, v in before.items() if after.get(k) is None or after[k][:5] != v[:5]
               or (k not in shipped and after[k] != v)]
    ctx.require("existing orders unchanged (but for the shipments)", not changed, f"ids: {changed[:10]}")
    for order_id in sorted(shipped):
        ctx.check(f"order {order_id} shipped", _text(after[order_id][5]) == "shipped", f"{after[order_id]}")
    customer_ids = {_text(r[1]): r[0] for r in query_sqlite(db, "SELECT id, name FROM customers")}
    product_ids = {_text(r[1]): r[0] for r in query_sqlite(db, "SELECT id, name FROM products")}
    new_orders = [r for k, r in after.items() if k not in before]
    ctx.check(f"exactly {len(want['orders'])} orders added", len(new_orders) == len(want["orders"]),
              f"{len(new_orders)} new rows")
    for order in want["orders"]:
        expected = (customer_ids.get(_text(order["customer"])), product_ids.get(_text(order["product"])),
                    order["quantity"], want["date"], "pending")
        found = sum((r[1], r[2], r[3], _text(r[4]), _text(r[5])) == expected for r in new_orders)
        ctx.check(f"order of {order['quantity']} x {order['product']} for {order['customer']}", found == 1,
                  f"expected (customer_id, product_id, quantity, date, status) = {expected}")

    before, after = _rows(original, "products"), _rows(db, "products")
    stock, prices = want["stock"], want["prices"]
    changed = [k for k, v in before.items() if after.get(k) is None or after[k][:3] != v[:3]
               or (str(k) not in prices and after[k][3] != v[3]) or (str(k) not in stock and after[k][4] != v[4])]
    ctx.require("no other product data changed", not changed and len(after) == len(before), f"ids: {changed[:10]}")
    for pid, level in stock.items():
        ctx.check(f"stock of {after[int(pid)][1]} reduced", after[int(pid)][4] == level,
                  f"stock {after[int(pid)][4]!r}, expected {level}")
    for pid, price in prices.items():
        ctx.check(f"price of {after[int(pid)][1]} changed", _close(after[int(pid)][3], price, 1e-6),
                  f"price {after[int(pid)][3]!r}, expected {price}")

    view = ctx.params["view"]
    exists = _table_exists(db, view, "view")
    columns = [c.casefold() for c in _columns(db, view)] if exists else []
    ctx.check(f"view {view} with columns order_id, customer, product, quantity",
              columns == ["order_id", "customer", "product", "quantity"], f"columns: {columns}")
    pending = query_sqlite(db, "SELECT o.id, c.name, p.name, o.quantity FROM orders o JOIN customers c ON "
                               "c.id = o.customer_id JOIN products p ON p.id = o.product_id "
                               "WHERE o.status = 'pending' ORDER BY o.id")
    rows = query_sqlite(db, f'SELECT * FROM "{view}"') if exists else []
    ctx.check(f"view {view} lists the pending orders by id", exists and rows == pending,
              f"{len(rows)} rows, expected {len(pending)}; first: {rows[:2]} vs {pending[:2]}", weight=2)
