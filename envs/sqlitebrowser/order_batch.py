"""order-batch's verifier: the shared checks of verifier.py, and the new orders numbered in the listed order
(orders entered in another order got other ids and passed the shared checks)."""

from __future__ import annotations

from gym_anything.authoring import VerifyContext
from gym_anything.authoring.formats import query_sqlite

from .verifier import _db, _original, _rows, _text
from .verifier import order_batch as _shared


def order_batch(ctx: VerifyContext) -> None:
    _shared(ctx)
    db = _db(ctx)
    before, after = _rows(_original(ctx), "orders"), _rows(db, "orders")
    names = {r[0]: _text(r[1]) for r in query_sqlite(db, "SELECT id, name FROM customers")}
    products = {r[0]: _text(r[1]) for r in query_sqlite(db, "SELECT id, name FROM products")}
    new = [(names.get(r[1]), products.get(r[2]), r[3]) for k, r in sorted(after.items()) if k not in before]
    listed = [(_text(o["customer"]), _text(o["product"]), o["quantity"]) for o in ctx.private["orders"]]
    ctx.check("orders numbered in the order listed", new == listed, f"new orders by id: {new}; listed: {listed}")
