"""Setup for Gnumeric tasks: write the starting workbook, return the privileged expected values."""

from __future__ import annotations

from gym_anything.formats import write_gnumeric
from gym_anything.verification import SetupContext

PRODUCTS = ["Widgets", "Gadgets", "Sprockets", "Gizmos", "Brackets", "Hinges", "Valves", "Pulleys", "Rivets",
            "Flanges", "Gaskets", "Bearings", "Couplings", "Springs", "Clamps"]


def _amounts(ctx: SetupContext, count: int) -> list[float]:
    return [round(float(ctx.rng.uniform(50, 5000)), 2) for _ in range(count)]


def sum_column(ctx: SetupContext) -> dict:
    rows = ctx.params["rows"]
    names = [str(n) for n in ctx.rng.choice(PRODUCTS, size=rows, replace=False)]
    amounts = _amounts(ctx, rows)
    write_gnumeric(ctx.home / ctx.params["file"],
                   {"Sales": [["Product", "Amount"], *[[n, a] for n, a in zip(names, amounts, strict=True)]]})
    ctx.public["total_row"] = rows + 2
    return {"expected_total": round(sum(amounts), 2), "total_cell": f"B{rows + 2}", "label_cell": f"A{rows + 2}"}
