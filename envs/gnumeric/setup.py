"""Setup for Gnumeric tasks: write the starting workbook, return the privileged expected values."""

from __future__ import annotations

from gym_anything.authoring import SetupContext
from gym_anything.authoring.formats import write_gnumeric

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


def line_totals(ctx: SetupContext) -> dict:
    rows = ctx.params["rows"]
    names = [str(n) for n in ctx.rng.choice(PRODUCTS, size=rows, replace=False)]
    qty = [int(q) for q in ctx.rng.integers(2, 60, size=rows)]  # 1 would make a total equal a visible price
    price = [round(float(p), 2) for p in ctx.rng.uniform(0.5, 120, size=rows)]
    body = [[n, q, p] for n, q, p in zip(names, qty, price, strict=True)]
    write_gnumeric(ctx.home / ctx.params["file"], {"Order": [["Item", "Quantity", "Unit price"], *body]})
    ctx.public["last_row"] = rows + 1
    return {"expected": [round(q * p, 6) for q, p in zip(qty, price, strict=True)]}


CUSTOMERS = ["Acme Corp", "Birch & Co", "Cobalt Ltd", "Delta Foods", "Evergreen Inc", "Fjord Shipping",
             "Granite Works", "Harbor Labs", "Iris Design", "Juniper Retail", "Kestrel Air", "Lumen Energy"]


def enter_records(ctx: SetupContext) -> dict:
    count = ctx.params["count"]
    start = int(ctx.rng.integers(1000, 9000))
    customers = [str(c) for c in ctx.rng.choice(CUSTOMERS, size=count, replace=False)]
    amounts = [round(float(a), 2) for a in ctx.rng.uniform(20, 9000, size=count)]
    records = [[f"INV-{start + i}", c, a] for i, (c, a) in enumerate(zip(customers, amounts, strict=True))]
    write_gnumeric(ctx.home / ctx.params["file"], {"Invoices": [["Invoice", "Customer", "Amount"]]})
    ctx.public["records"] = "; ".join(f"{r[0]}, {r[1]}, {r[2]:.2f}" for r in records)
    return {"records": records}


def fix_value(ctx: SetupContext) -> dict:
    rows = ctx.params["rows"]
    names = [str(n) for n in ctx.rng.choice(PRODUCTS, size=rows, replace=False)]
    amounts = _amounts(ctx, rows)
    wrong = int(ctx.rng.integers(rows))
    correct = round(amounts[wrong] * float(ctx.rng.choice([10, 0.1])) + 1.0, 2)
    table = [["Product", "Amount"], *[[n, a] for n, a in zip(names, amounts, strict=True)]]
    write_gnumeric(ctx.home / ctx.params["file"], {"Sales": table})
    ctx.public["product"], ctx.public["correct"] = names[wrong], f"{correct:.2f}"
    return {"cell": f"B{wrong + 2}", "correct": correct, "table": table}


def bold_header(ctx: SetupContext) -> dict:
    headers = [str(h) for h in ctx.rng.choice(["Region", "Manager", "Budget", "Spent", "Forecast", "Variance",
                                               "Headcount", "Quarter"], size=ctx.params["columns"], replace=False)]
    body = [[round(float(v), 1) for v in ctx.rng.uniform(1, 999, size=len(headers))] for _ in range(6)]
    write_gnumeric(ctx.home / ctx.params["file"], {"Budget": [headers, *body]})
    return {"header_cells": [f"{chr(65 + i)}1" for i in range(len(headers))], "headers": headers}


def score_stats(ctx: SetupContext) -> dict:
    rows = ctx.params["rows"]
    students = [f"Student {i + 1:02d}" for i in range(rows)]
    scores = [int(s) for s in ctx.rng.integers(35, 101, size=rows)]
    table = [["Student", "Score"], *[[n, s] for n, s in zip(students, scores, strict=True)]]
    write_gnumeric(ctx.home / ctx.params["file"], {"Scores": table})
    ctx.public["last_row"] = rows + 1
    return {"average": sum(scores) / rows, "maximum": max(scores), "minimum": min(scores)}


EMPLOYEES = ["Ana Costa", "Ben Okafor", "Chen Wei", "Dana Holt", "Emil Berg", "Fatima Noor", "Gus Moreno",
             "Hana Sato", "Ivan Petrov", "Julia Roth", "Kofi Mensah", "Lena Vogel", "Marco Ricci", "Nina Kaur"]
DEPARTMENTS = ["Sales", "Support", "Warehouse", "Finance", "Admin"]
PAYROLL_HEADERS = ["Employee", "Department", "Hours", "Rate", "Gross", "Tax", "Net"]


def payroll_register(ctx: SetupContext) -> dict:
    """An empty payroll register: the agent enters each employee's week and the pay formulas and totals."""
    count, tax = ctx.params["count"], ctx.params["tax_percent"]
    names = [str(n) for n in ctx.rng.choice(EMPLOYEES, size=count, replace=False)]
    records = [[name, str(ctx.rng.choice(DEPARTMENTS)), int(ctx.rng.integers(30, 90)) / 2,
                round(float(ctx.rng.uniform(14, 48)), 2)] for name in names]
    write_gnumeric(ctx.home / ctx.params["file"], {"Payroll": [PAYROLL_HEADERS]})
    ctx.public["records"] = "; ".join(f"{n} ({d}), {h:g} hours at {r:.2f}" for n, d, h, r in records)
    ctx.public["total_row"] = count + 2
    gross = [h * r for _, _, h, r in records]
    taxes = [round(g * tax / 100 + 1e-9, 2) for g in gross]
    return {"headers": PAYROLL_HEADERS, "records": records, "gross": gross, "tax": taxes,
            "net": [g - t for g, t in zip(gross, taxes, strict=True)]}
