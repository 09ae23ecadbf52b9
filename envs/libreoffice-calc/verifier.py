"""Verifiers for LibreOffice Calc tasks: read the .ods workbook Calc saved, compare it with the start workbook.

The start workbook is kept by setup as ``original.ods`` in the private folder: expected values are computed
from it here, and "the rest is unchanged" is a gate against it. Values are the ones Calc computed and stored
when saving (see ``ods.py``); a task that asks for formulas checks the formula and the value.
"""

from __future__ import annotations

import re

from gym_anything.authoring import VerifyContext
from gym_anything.authoring.formats import cell_index, cell_name, numbers_close

from .ods import OdsSheet, read_ods

CENT = 0.0051  # tolerance for values rounded to cents (Calc and Python may round ties apart)
_RANGE = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)?:\$?([A-Z]{1,3})\$?(\d+)?")


def _sheets(ctx: VerifyContext) -> tuple[OdsSheet, OdsSheet]:
    """(the saved sheet, the start sheet); gates: the workbook was saved as .ods and still has its one sheet."""
    path = ctx.home / ctx.params["file"]
    ctx.require("workbook saved", path.is_file(), path.name)
    head = path.read_bytes()[:2]
    ctx.require("saved in OpenDocument format (.ods)", head == b"PK", "a zip archive" if head == b"PK" else
                f"not a zip archive (starts {head!r})")
    saved, original = read_ods(path), read_ods(ctx.private_dir / "original.ods")
    ctx.require("the workbook keeps its sheet", list(saved)[:1] == list(original),
                f"sheets: {list(saved)}, expected {list(original)}")
    return saved[next(iter(original))], next(iter(original.values()))


def _inside(ref: str, area: str) -> bool:
    (r1, c1), (r2, c2) = (cell_index(end) for end in area.split(":"))
    r, c = cell_index(ref)
    return r1 <= r <= r2 and c1 <= c <= c2


def _same_cells(ctx: VerifyContext, sheet: OdsSheet, original: OdsSheet, area: str, what: str,
                skip: frozenset[str] = frozenset()) -> None:
    """Gate: every cell of ``area`` (but ``skip``) holds what the start workbook held."""
    changed = []
    for ref, cell in original.cells.items():
        if _inside(ref, area) and ref not in skip and sheet.value(ref) != original.value(ref):
            changed.append(f"{ref}: {sheet.text(ref)!r}, was {cell.text!r}")
    missing = [ref for ref in sheet.cells if _inside(ref, area) and ref not in original.cells and ref not in skip]
    ctx.require(f"{what} unchanged", not changed and not missing, "; ".join(changed[:4] + missing[:4]))


def _nothing_else(ctx: VerifyContext, sheet: OdsSheet, allowed: list[str], what: str) -> None:
    """Gate: no cell outside the ``allowed`` areas holds anything (e.g. a formula typed once more below)."""
    extra = sorted((ref for ref in sheet.cells if not any(_inside(ref, a) for a in allowed)), key=cell_index)
    ctx.require(f"nothing written besides {what}", not extra, f"cells: {extra[:8]}")


def _ranges_cover(formula: str, column: str, first: int, last: int, others: str = "") -> bool:
    """The formula has a range on ``column`` and every range in it is one column (``column`` or one of
    ``others``) spanning exactly rows first..last (the header row may be included) or the whole column (``E:E``)."""
    found = list(_RANGE.finditer(formula.upper()))
    return any(m[1] == column for m in found) and all(
        m[1] == m[3] and m[1] in column + others
        and ((m[2] is None and m[4] is None) or (m[2] is not None and int(m[2]) in (first - 1, first)
                                                 and int(m[4]) == last))
        for m in found)


def _label(ctx: VerifyContext, sheet: OdsSheet, ref: str, want: str) -> None:
    ctx.check(f"{ref} reads {want!r}", sheet.text(ref).strip().lower() == want.lower(), f"{ref}={sheet.text(ref)!r}")


def expense_category_totals(ctx: VerifyContext) -> None:
    """Gates: ledger unchanged, nothing outside it and G1:H<n>; scored: headers, each category's label and SUM."""
    sheet, original = _sheets(ctx)
    last, categories = ctx.private["last_row"], ctx.private["categories"]
    end = len(categories) + 1
    _same_cells(ctx, sheet, original, f"A1:E{last}", "the ledger")
    _nothing_else(ctx, sheet, [f"A1:E{last}", f"G1:H{end}"], f"the ledger and the summary G1:H{end}")
    _label(ctx, sheet, "G1", "Category")
    _label(ctx, sheet, "H1", "Total")
    for row, category in enumerate(categories, start=2):
        expected = sum(original.number(f"E{r}") or 0.0 for r in range(2, last + 1)
                       if original.text(f"D{r}") == category)
        _label(ctx, sheet, f"G{row}", category)
        formula, value = sheet.formula(f"H{row}") or "", sheet.number(f"H{row}")
        ok = (formula.startswith("=") and _ranges_cover(formula, "E", 2, last, others="D")
              and numbers_close(value, expected, 1e-9))
        ctx.check(f"H{row}: a formula totalling the {category} claims", ok,
                  f"formula {formula!r}, value {sheet.text(f'H{row}')!r}, expected {expected:.2f} over E2:E{last}",
                  weight=2)


def order_line_totals(ctx: VerifyContext) -> None:
    """Gates: the order lines unchanged, nothing else written; scored: the header, the line-total formulas and
    their values, the Total label and its SUM."""
    sheet, original = _sheets(ctx)
    last = ctx.private["last_row"]
    _same_cells(ctx, sheet, original, f"A1:E{last}", "the order lines")
    _nothing_else(ctx, sheet, [f"A1:F{last}", f"E{last + 1}:F{last + 1}"], "the Line total column and the total")
    _label(ctx, sheet, "F1", "Line total")
    not_formula, wrong = [], []
    for row in range(2, last + 1):
        quantity, price, discount = (original.number(f"{c}{row}") or 0.0 for c in "CDE")
        expected = quantity * price * (1 - discount / 100)
        if not (sheet.formula(f"F{row}") or "").startswith("="):
            not_formula.append(f"F{row}")
        if not numbers_close(sheet.number(f"F{row}"), expected, 1e-9):
            wrong.append(f"F{row}={sheet.text(f'F{row}')!r} (expected {expected:.4f})")
    ctx.check(f"F2:F{last} are formulas", not not_formula, f"{len(not_formula)} not a formula: {not_formula[:5]}")
    ctx.check(f"F2:F{last} hold each line's discounted total", not wrong,
              f"{len(wrong)} of {last - 1} wrong: {wrong[:4]}", weight=2)
    _label(ctx, sheet, f"E{last + 1}", "Total")
    formula, value = sheet.formula(f"F{last + 1}") or "", sheet.number(f"F{last + 1}")
    ok = formula.upper().startswith("=SUM(") and _ranges_cover(formula, "F", 2, last) and \
        numbers_close(value, ctx.private["total"], 1e-9)
    ctx.check(f"F{last + 1}: SUM of the line totals", ok,
              f"formula {formula!r}, value {sheet.text(f'F{last + 1}')!r}, expected {ctx.private['total']:.2f}",
              weight=2)


def correct_timesheet(ctx: VerifyContext) -> None:
    """Gate: every cell but the corrected Hours unchanged; scored: each correction."""
    sheet, original = _sheets(ctx)
    rows, columns = original.used()
    fixes = ctx.private["fixes"]
    targets = frozenset(f"E{fix['row']}" for fix in fixes)
    _same_cells(ctx, sheet, original, f"A1:{cell_name(rows - 1, columns - 1)}", "every other entry", targets)
    _nothing_else(ctx, sheet, [f"A1:{cell_name(rows - 1, columns - 1)}"], "the timesheet")
    for fix in fixes:
        ref = f"E{fix['row']}"
        who = " ".join(str(original.value(f"{c}{fix['row']}")) for c in "BAC")
        ctx.check(f"{ref} ({who}) corrected", numbers_close(sheet.number(ref), fix["hours"], 1e-9)
                  and not sheet.formula(ref), f"{ref}={sheet.text(ref)!r}, was {original.text(ref)!r}")


def sort_customer_list(ctx: VerifyContext) -> None:
    """Gates: the header and the same customer rows (each intact), nothing else; scored: regions A-Z, revenue
    largest first within each region."""
    sheet, original = _sheets(ctx)
    last = ctx.private["last_row"]
    _nothing_else(ctx, sheet, [f"A1:E{last}"], "the customer list")
    ctx.require("header row kept", sheet.rows(1, 1, 5) == original.rows(1, 1, 5), f"{sheet.rows(1, 1, 5)}")
    rows, before = sheet.rows(2, last, 5), original.rows(2, last, 5)
    ctx.require("every customer's row kept intact", sorted(map(repr, rows)) == sorted(map(repr, before)),
                f"{sum(1 for r in rows if r not in before)} rows not in the original list")
    regions = [str(r[2]).lower() for r in rows]
    revenue = [sheet.number(f"E{r}") or 0.0 for r in range(2, last + 1)]
    by_region = next((i + 3 for i in range(len(rows) - 1) if regions[i] > regions[i + 1]), None)
    ctx.check("sorted by Region A to Z", by_region is None, f"first out of order at row {by_region}")
    by_revenue = next((i + 3 for i in range(len(rows) - 1)
                       if regions[i] == regions[i + 1] and revenue[i] < revenue[i + 1]), None)
    ctx.check("within each region, by Annual revenue largest first", by_region is None and by_revenue is None,
              f"first out of order at row {by_revenue or by_region}")


def remove_cancelled_orders(ctx: VerifyContext) -> None:
    """Gates: header, the other orders unchanged and in order, no blank rows, nothing else; scored: each
    cancelled order deleted."""
    sheet, original = _sheets(ctx)
    before = original.rows(1, None, 5)
    used_rows, used_columns = sheet.used()
    ctx.require("nothing outside columns A to E", used_columns <= 5, f"{used_columns} columns used")
    after = sheet.rows(1, used_rows, 5)
    ctx.require("header row kept", after[:1] == before[:1], f"{after[:1]}")
    blank = [i + 1 for i, row in enumerate(after) if all(v is None for v in row)]
    ctx.require("no blank rows left", not blank, f"blank rows: {blank[:8]}")
    cancelled = {row - 1 for row in ctx.private["cancelled_rows"]}  # 0-based indices into ``before``
    kept = [row for i, row in enumerate(before) if i not in cancelled]
    remaining = [row for row in after if row[3] != "Cancelled"]
    differ = next((i + 1 for i, (a, b) in enumerate(zip(remaining, kept, strict=False)) if a != b),
                  min(len(remaining), len(kept)) + 1)
    ctx.require("every other order kept, unchanged and in order", remaining == kept,
                f"{len(remaining)} other rows, expected {len(kept)}; first difference at the other rows' {differ}.")
    left = {str(row[0]) for row in after}
    for i in sorted(cancelled):
        order = str(before[i][0])
        ctx.check(f"{order} (cancelled) deleted", order not in left, "still there" if order in left else "deleted")


def commission_report(ctx: VerifyContext) -> None:
    """Gates: the rep rows unchanged, nothing outside A1:F<last>; scored: headers, attainment and commission
    formulas and values."""
    sheet, original = _sheets(ctx)
    last, high, low = ctx.private["last_row"], ctx.params["high_rate"], ctx.params["low_rate"]
    _same_cells(ctx, sheet, original, f"A1:D{last}", "the sales figures")
    _nothing_else(ctx, sheet, [f"A1:F{last}"], "the Attainment and Commission columns")
    _label(ctx, sheet, "E1", "Attainment")
    _label(ctx, sheet, "F1", "Commission")
    problems: dict[str, list[str]] = {"E formula": [], "E value": [], "F formula": [], "F value": []}
    for row in range(2, last + 1):
        target, actual = original.number(f"C{row}") or 0.0, original.number(f"D{row}") or 0.0
        commission = round(actual * (high if actual >= target else low) / 100 + 1e-9, 2)
        for column, expected, tolerance in (("E", actual / target, 1e-9), ("F", commission, CENT)):
            ref = f"{column}{row}"
            if not (sheet.formula(ref) or "").startswith("="):
                problems[f"{column} formula"].append(ref)
            value = sheet.number(ref)
            if value is None or abs(value - expected) > tolerance or (
                    column == "F" and abs(value * 100 - round(value * 100)) > 1e-6):
                problems[f"{column} value"].append(f"{ref}={sheet.text(ref)!r} (expected {expected:.4f})")
    ctx.check(f"E2:E{last} are formulas", not problems["E formula"], f"not formulas: {problems['E formula'][:5]}")
    ctx.check(f"E2:E{last}: actual sales / target", not problems["E value"], f"wrong: {problems['E value'][:4]}")
    ctx.check(f"F2:F{last} are formulas", not problems["F formula"], f"not formulas: {problems['F formula'][:5]}")
    ctx.check(f"F2:F{last}: {high}% or {low}% of actual sales, in cents", not problems["F value"],
              f"{len(problems['F value'])} wrong: {problems['F value'][:4]}", weight=2)
