"""Verifiers for Gnumeric tasks: read the workbook the app saved; compare with privileged values."""

from __future__ import annotations

from gym_anything.formats import numbers_close, read_gnumeric
from gym_anything.verification import VerifyContext


def _sheet(ctx: VerifyContext):
    path = ctx.home / ctx.params["file"]
    ctx.require("workbook saved", path.is_file(), str(path.name))
    sheets = read_gnumeric(path)
    ctx.require("workbook has its sheet", bool(sheets), f"sheets: {list(sheets)}")
    return next(iter(sheets.values()))


def sum_column(ctx: VerifyContext) -> None:
    sheet = _sheet(ctx)
    cell, label = ctx.private["total_cell"], ctx.private["label_cell"]
    formula = sheet.formula(cell) or ""
    ctx.check("label 'Total'", sheet.text(label).strip().lower() == "total", f"{label}={sheet.text(label)!r}")
    ctx.check("total is a formula", formula.startswith("="), f"{cell} formula={formula!r}")
    ctx.check("total value correct", numbers_close(sheet.number(cell), ctx.private["expected_total"], 1e-9),
              f"{cell}={sheet.text(cell)!r}, expected {ctx.private['expected_total']}", weight=2)
