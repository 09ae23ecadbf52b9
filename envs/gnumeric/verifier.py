"""Verifiers for Gnumeric tasks: read the workbook the app saved; compare with privileged values."""

from __future__ import annotations

import re

from gym_anything.authoring import VerifyContext
from gym_anything.authoring.formats import cell_index, numbers_close, read_gnumeric


def _sheet(ctx: VerifyContext):
    path = ctx.home / ctx.params["file"]
    ctx.require("workbook saved", path.is_file(), str(path.name))
    sheets = read_gnumeric(path)
    ctx.require("workbook has its sheet", bool(sheets), f"sheets: {list(sheets)}")
    return next(iter(sheets.values()))


def _range_refs(formula: str) -> set[str]:
    """The ranges and cells a formula refers to, without ``$`` (``=SUM($B$2:B9)`` -> ``{"B2:B9"}``)."""
    return {m.replace("$", "").upper() for m in re.findall(r"\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?",
                                                         formula)}


def _only_written(ctx: VerifyContext, sheet, data: str, allowed: str, what: str) -> None:
    """A gate: no cell outside the starting table ``data`` and the answer cells ``allowed`` (ranges such as
    ``A1:B9``) holds anything (e.g. a formula typed once more below the answer)."""
    def inside(ref: str, area: str) -> bool:
        (r1, c1), (r2, c2) = (cell_index(end) for end in area.split(":"))
        r, c = cell_index(ref)
        return r1 <= r <= r2 and c1 <= c <= c2

    extra = [ref for ref in sheet.values if sheet.text(ref) != "" and not inside(ref, data)
             and not inside(ref, allowed)]
    ctx.require(f"nothing written besides {what}", not extra, f"cells: {sorted(extra)[:8]}")


def sum_column(ctx: VerifyContext) -> None:
    sheet = _sheet(ctx)
    cell, label = ctx.private["total_cell"], ctx.private["label_cell"]
    last = cell_index(cell)[0]  # the data rows end just above the total (0-based row of the total = last data row)
    _only_written(ctx, sheet, f"A1:B{last}", f"{label}:{cell}", "the label and the total")
    formula = sheet.formula(cell) or ""
    ctx.check("label 'Total'", sheet.text(label).strip().lower() == "total", f"{label}={sheet.text(label)!r}")
    ctx.check("total is a formula", formula.startswith("="), f"{cell} formula={formula!r}")
    columns = {ref.upper() for ref in re.findall(r"\$?([A-Za-z]{1,3})\$?\d+", formula)}
    ctx.check("the formula reads column B only", columns == {"B"}, f"{cell} formula={formula!r}")
    ctx.check("total value correct", numbers_close(sheet.number(cell), ctx.private["expected_total"], 1e-9),
              f"{cell}={sheet.text(cell)!r}, expected {ctx.private['expected_total']}", weight=2)


def line_totals(ctx: VerifyContext) -> None:
    sheet = _sheet(ctx)
    last = ctx.public["last_row"]
    _only_written(ctx, sheet, f"A1:C{last}", f"D1:D{last}", "the Total column")
    ctx.check("header 'Total' in D1", sheet.text("D1").strip().lower() == "total", f"D1={sheet.text('D1')!r}")
    for i, expected in enumerate(ctx.private["expected"]):
        ref = f"D{i + 2}"
        formula = sheet.formula(ref) or ""
        ctx.check(f"{ref} is a formula", formula.startswith("="), f"{ref} formula={formula!r}")
        ctx.check(f"{ref} value", numbers_close(sheet.number(ref), expected, 1e-9),
                  f"{ref}={sheet.text(ref)!r}, expected {expected}")


def enter_records(ctx: VerifyContext) -> None:
    sheet = _sheet(ctx)
    ctx.require("header row kept", [sheet.text(c) for c in ("A1", "B1", "C1")] == ["Invoice", "Customer", "Amount"],
                "A1:C1")
    records = ctx.private["records"]
    for i, (invoice, customer, amount) in enumerate(records):
        row = i + 2
        ctx.check(f"row {row} invoice", sheet.text(f"A{row}").strip() == invoice, f"A{row}={sheet.text(f'A{row}')!r}")
        ctx.check(f"row {row} customer", sheet.text(f"B{row}").strip() == customer,
                  f"B{row}={sheet.text(f'B{row}')!r}")
        ctx.check(f"row {row} amount", numbers_close(sheet.number(f"C{row}"), amount, 1e-9),
                  f"C{row}={sheet.text(f'C{row}')!r}")
    extra = f"A{len(records) + 2}"
    ctx.require("no extra rows", sheet.text(extra) == "", f"{extra}={sheet.text(extra)!r}")


def fix_value(ctx: VerifyContext) -> None:
    sheet = _sheet(ctx)
    target = ctx.private["cell"]
    for r, row in enumerate(ctx.private["table"]):
        for c, value in enumerate(row):
            ref = f"{chr(65 + c)}{r + 1}"
            if ref == target:
                continue
            same = numbers_close(sheet.number(ref), value) if isinstance(value, float) else sheet.text(ref) == value
            ctx.require(f"{ref} unchanged", same, f"{ref}={sheet.text(ref)!r}, was {value!r}")
    ctx.check("wrong amount corrected", numbers_close(sheet.number(target), ctx.private["correct"], 1e-9),
              f"{target}={sheet.text(target)!r}, expected {ctx.private['correct']}")


def bold_header(ctx: VerifyContext) -> None:
    sheet = _sheet(ctx)
    for ref, header in zip(ctx.private["header_cells"], ctx.private["headers"], strict=True):
        ctx.require(f"{ref} text kept", sheet.text(ref) == header, f"{ref}={sheet.text(ref)!r}")
        ctx.check(f"{ref} bold", sheet.is_bold(ref), f"{ref} {'is' if sheet.is_bold(ref) else 'is not'} bold")
    ctx.require("data rows not bold", not any(sheet.is_bold(ref) for ref in ("A2", "B2", "A7")), "A2, B2, A7")


def score_stats(ctx: VerifyContext) -> None:
    sheet = _sheet(ctx)
    _only_written(ctx, sheet, f"A1:B{ctx.public['last_row']}", "D1:E3", "the summary in D1:E3")
    for row, (label, key) in enumerate((("average", "average"), ("maximum", "maximum"), ("minimum", "minimum")), 1):
        value_ref, label_ref = f"E{row}", f"D{row}"
        formula = sheet.formula(value_ref) or ""
        ctx.check(f"{label_ref} label", sheet.text(label_ref).strip().lower() == label,
                  f"{label_ref}={sheet.text(label_ref)!r}")
        scores = f"B2:B{ctx.public['last_row']}"
        ctx.check(f"{value_ref} is a formula over the scores {scores}",
                  formula.startswith("=") and _range_refs(formula) == {scores}, f"{value_ref} formula={formula!r}")
        ctx.check(f"{value_ref} {label}", numbers_close(sheet.number(value_ref), ctx.private[key], 1e-6),
                  f"{value_ref}={sheet.text(value_ref)!r}, expected {ctx.private[key]}", weight=2)


CENT = 0.0051  # tolerance for values rounded to cents (Gnumeric and Python may round ties apart)


def _formula_value(ctx: VerifyContext, sheet, ref: str, expected: float, tolerance: float, name: str,
                   cents: bool = False) -> None:
    """One checklist item: ``ref`` holds a formula whose value is ``expected`` (and, with ``cents``, whole cents)."""
    formula, value = sheet.formula(ref) or "", sheet.number(ref)
    ok = formula.startswith("=") and value is not None and abs(value - expected) <= tolerance
    if cents and value is not None:
        ok = ok and abs(value * 100 - round(value * 100)) < 1e-6
    ctx.check(name, ok, f"{ref}: formula {formula!r}, value {sheet.text(ref)!r}, expected {expected:.4f}")


def payroll_register(ctx: VerifyContext) -> None:
    """Per employee: the record, then Gross, Tax and Net formulas; the totals row; nothing outside A1:G<total>."""
    sheet, p = _sheet(ctx), ctx.private
    headers = [sheet.text(f"{chr(65 + c)}1") for c in range(len(p["headers"]))]
    ctx.require("header row kept", headers == p["headers"], f"A1:G1 = {headers}")
    total = len(p["records"]) + 2
    outside = [ref for ref in sheet.values if cell_index(ref)[0] >= total or cell_index(ref)[1] >= len(headers)]
    ctx.require(f"nothing written outside A1:G{total}", not outside, f"cells: {sorted(outside)[:8]}")
    for row, (name, department, hours, rate) in enumerate(p["records"], start=2):
        got = [sheet.text(f"A{row}").strip(), sheet.text(f"B{row}").strip(), sheet.number(f"C{row}"),
               sheet.number(f"D{row}")]
        ctx.check(f"row {row} record", got[:2] == [name, department] and numbers_close(got[2], hours)
                  and numbers_close(got[3], rate), f"A{row}:D{row} = {got}, expected {[name, department, hours, rate]}")
        i = row - 2
        _formula_value(ctx, sheet, f"E{row}", p["gross"][i], 1e-6, f"row {row} gross = hours x rate")
        _formula_value(ctx, sheet, f"F{row}", p["tax"][i], CENT, f"row {row} tax rounded to cents", cents=True)
        _formula_value(ctx, sheet, f"G{row}", p["net"][i], CENT, f"row {row} net = gross - tax")
    label = sheet.text(f"A{total}")
    ctx.check("totals label", label.strip().lower() == "total", f"A{total}={label!r}")
    for column, key in (("C", "hours"), ("E", "gross"), ("F", "tax"), ("G", "net")):
        values = [r[2] for r in p["records"]] if key == "hours" else p[key]
        _formula_value(ctx, sheet, f"{column}{total}", sum(values), CENT, f"total {key} (SUM formula)")
    bold = all(sheet.is_bold(f"{chr(65 + c)}{total}") for c in range(len(headers)))
    ctx.check(f"totals row A{total}:G{total} bold", bold, "bold" if bold else "not bold everywhere")
    ctx.require("employee rows not bold", not any(sheet.is_bold(f"A{r}") for r in range(1, total)), "A1:A<last>")
