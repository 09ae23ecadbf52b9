"""Verifiers for office-desk tasks: read the workbook and the text document the two apps saved under HOME.

The start files are in the private folder (``start-<name>``). What already holds for them is a gate, and so is
"the source of the job left as it was" (a ledger, a price list's other cells), so stopping at once scores 0 and a
job done by wrecking the source fails.
"""

from __future__ import annotations

import datetime as dt
import re

from gym_anything.authoring import VerifyContext
from gym_anything.authoring.formats import Sheet, cell_name, numbers_close, read_gnumeric, read_text, text_lines

NUMBER = re.compile(r"-?\$?\s*\d[\d,]*(?:\.\d+)?")


def _text(ctx: VerifyContext, name: str) -> str:
    path = ctx.home / name
    ctx.require(f"{name} exists", path.is_file(), name)
    return read_text(path)


def _start_text(ctx: VerifyContext, name: str) -> str:
    return read_text(ctx.private_dir / f"start-{name}")


def _book(ctx: VerifyContext, name: str) -> Sheet:
    path = ctx.home / name
    ctx.require(f"{name} exists", path.is_file(), name)
    sheets = read_gnumeric(path)
    ctx.require(f"{name} has its sheet", bool(sheets), f"sheets: {list(sheets)}")
    return next(iter(sheets.values()))


def _changed(ctx: VerifyContext, name: str) -> bool:
    return (ctx.home / name).read_bytes() != (ctx.private_dir / f"start-{name}").read_bytes()


def _same_value(sheet: Sheet, ref: str, value: object) -> bool:
    if isinstance(value, (int, float)):
        return numbers_close(sheet.number(ref), float(value), 1e-9)
    return sheet.text(ref) == str(value)


def _cells_kept(ctx: VerifyContext, sheet: Sheet, rows: list[list[object]], skip: set[str], what: str) -> None:
    """A gate: every start cell (but ``skip``) holds its start value."""
    wrong = [cell_name(r, c) for r, row in enumerate(rows) for c, value in enumerate(row)
             if cell_name(r, c) not in skip and not _same_value(sheet, cell_name(r, c), value)]
    ctx.require(what, not wrong, f"changed: {wrong[:8]}" if wrong else "as they were")


def _source_kept(ctx: VerifyContext, name: str, rows: list[list[object]], what: str) -> None:
    """A gate on a workbook the job only reads: untouched, or saved with its start cells as they were."""
    ctx.require(f"{name} exists", (ctx.home / name).is_file(), name)
    if _changed(ctx, name):
        _cells_kept(ctx, _book(ctx, name), rows, set(), what)
    else:
        ctx.check(what, True, "file untouched", weight=0)


def _amount(text: str) -> float | None:
    """The one number in ``text`` (commas and a dollar sign allowed), or None when there is none or several."""
    found = NUMBER.findall(text)
    if len(found) != 1:
        return None
    return float(found[0].replace("$", "").replace(",", "").replace(" ", ""))


def memo_department_totals(ctx: VerifyContext) -> None:
    """Gates: the memo's other lines and the ledger as they were; scored: each department's total and the grand
    total after its colon."""
    p = ctx.private
    _source_kept(ctx, "expenses.gnumeric", p["ledger"], "the ledger's entries unchanged")
    lines, start = text_lines(_text(ctx, "memo.txt")), text_lines(_start_text(ctx, "memo.txt"))
    labels = [*p["totals"], "Total"]
    heads = {f"{label}:" for label in labels}
    ctx.require("memo has its lines", len(lines) == len(start), f"{len(lines)} lines, expected {len(start)}")
    other = [n + 1 for n, (a, b) in enumerate(zip(lines, start, strict=True)) if b not in heads and a != b]
    ctx.require("rest of the memo unchanged", not other, f"lines {other[:5]} changed" if other else "unchanged")
    for label, expected in [*p["totals"].items(), ("Total", p["total"])]:
        n = start.index(f"{label}:")
        line = lines[n]
        value = _amount(line[len(label) + 1:]) if line.startswith(f"{label}:") else None
        ctx.check(f"{label} amount", value is not None and abs(value - expected) < 0.005,
                  f"line {n + 1}: {line!r}")


def order_from_email(ctx: VerifyContext) -> None:
    """Gates: the header kept, nothing beyond the order's rows and five columns; scored per order line: its code,
    description, quantity and unit price, and a line-total formula giving quantity x price."""
    lines = ctx.private["lines"]
    sheet = _book(ctx, "order.gnumeric")
    header = ["Item code", "Description", "Quantity", "Unit price", "Line total"]
    ctx.require("header row kept", [sheet.text(f"{c}1") for c in "ABCDE"] == header, "A1:E1")
    extra = _outside(sheet, "ABCDE", len(lines) + 1)
    ctx.require("nothing beyond the order's rows", not extra, f"cells: {extra[:8]}" if extra else "none")
    for i, (code, name, qty, price) in enumerate(lines):
        r = i + 2
        got = [sheet.text(f"A{r}").strip(), sheet.text(f"B{r}").strip(), sheet.number(f"C{r}"),
               sheet.number(f"D{r}")]
        ctx.check(f"row {r}: {code}", got[0] == code and got[1] == name and numbers_close(got[2], qty)
                  and numbers_close(got[3], price, 1e-9), f"A{r}:D{r} = {got}")
        formula = sheet.formula(f"E{r}") or ""
        ctx.check(f"row {r}: line total formula", formula.startswith("=")
                  and numbers_close(sheet.number(f"E{r}"), qty * price, 1e-6),
                  f"E{r}: {formula!r} = {sheet.text(f'E{r}')!r}")


def _outside(sheet: Sheet, columns: str, last_row: int) -> list[str]:
    """The non-empty cells outside ``columns`` (letters) x rows 1..``last_row``, sorted."""
    def inside(ref: str) -> bool:
        match = re.fullmatch(r"([A-Z]+)(\d+)", ref)
        return bool(match) and match.group(1) in columns and int(match.group(2)) <= last_row

    return sorted(ref for ref in sheet.values if sheet.text(ref) != "" and not inside(ref))


def price_updates(ctx: VerifyContext) -> None:
    """Gates: every other cell of the price list as it was; scored per change: the new price in its row."""
    p = ctx.private
    sheet = _book(ctx, "pricelist.gnumeric")
    targets = {f"D{row}": new for _, row, new in p["changes"]}
    _cells_kept(ctx, sheet, p["rows"], set(targets), "every other cell unchanged")
    extra = _outside(sheet, "ABCD", len(p["rows"]))
    ctx.require("nothing added", not extra, f"cells: {extra[:8]}" if extra else "none")
    for code, row, new in p["changes"]:
        ctx.check(f"{code} new price", numbers_close(sheet.number(f"D{row}"), new, 1e-9),
                  f"D{row}={sheet.text(f'D{row}')!r}, expected {new:.2f}")


REQUEST_LINE = re.compile(r"^\s*([A-Z]{2}-\d{4})\b[\s,;:=x-]*(\d+)\s*(?:pcs|units|each)?\.?\s*$", re.IGNORECASE)


def reorder_request(ctx: VerifyContext) -> None:
    """Gates: the request's heading and the stock sheet as they were, every added line an item code with a
    quantity, only items below their reorder point, each once; scored: each such item with its quantity, and the
    lines in the stock sheet's order."""
    p = ctx.private
    _source_kept(ctx, "stock.gnumeric", p["rows"], "the stock sheet unchanged")
    lines, start = text_lines(_text(ctx, "purchase-request.txt")), text_lines(_start_text(ctx, "purchase-request.txt"))
    head = p["header_lines"]
    ctx.require("heading unchanged", lines[:head] == start[:head], "first lines")
    added = [line for line in lines[head:] if line.strip()]
    parsed = [REQUEST_LINE.match(line) for line in added]
    bad = [line for line, m in zip(added, parsed, strict=True) if m is None]
    ctx.require("every line an item code and a quantity", not bad, f"{bad[:3]}" if bad else "all")
    got = [(m.group(1).upper(), int(m.group(2))) for m in parsed if m is not None]
    want = {code: qty for code, qty in p["orders"]}
    stray = [code for code, _ in got if code not in want]
    ctx.require("only items below their reorder point", not stray, f"{stray[:5]}" if stray else "only those")
    codes = [code for code, _ in got]
    twice = sorted({c for c in codes if codes.count(c) > 1})
    ctx.require("each item once", not twice, f"{twice}" if twice else "once each")
    quantities = dict(got)
    for code, qty in p["orders"]:
        ctx.check(f"{code} x {qty}", quantities.get(code) == qty, f"listed: {quantities.get(code)}")
    order = [c for c, _ in p["orders"] if c in quantities]
    ctx.check("in the stock sheet's order", bool(codes) and codes == order, f"{codes}")


def _date(sheet: Sheet, ref: str) -> dt.date | None:
    """A cell's date: ISO or US text as Gnumeric shows it, or a day serial."""
    text = sheet.text(ref).strip()
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    number = sheet.number(ref)
    if number is not None and 20000 < number < 80000 and number == int(number):
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(number))
    return None


def minutes_to_tracker(ctx: VerifyContext) -> None:
    """Gates: the earlier actions as they were, nothing beyond the new rows; scored per new action: its row
    (owner, action, due date, status open) in the minutes' order."""
    p = ctx.private
    sheet = _book(ctx, "actions.gnumeric")
    old, new = p["old"], p["new"]
    _cells_kept(ctx, sheet, old, set(), "earlier actions unchanged")
    extra = _outside(sheet, "ABCD", len(old) + len(new))
    ctx.require("nothing beyond the new actions", not extra, f"cells: {extra[:8]}" if extra else "none")
    for i, (owner, action, due) in enumerate(new):
        r = len(old) + 1 + i
        got = [sheet.text(f"A{r}").strip(), sheet.text(f"B{r}").strip(), _date(sheet, f"C{r}"),
               sheet.text(f"D{r}").strip().lower()]
        ctx.check(f"row {r}: {owner}, {action}", got == [owner, action, dt.date.fromisoformat(due), "open"],
                  f"A{r}:D{r} = {[sheet.text(f'{c}{r}') for c in 'ABCD']}")


def _blocks(text: str) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in text_lines(text):
        if line.strip():
            blocks[-1].append(" ".join(line.split()))
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def address_labels(ctx: VerifyContext) -> None:
    """Gates: the customer list as it was, one label per customer of the region and no other; scored per label:
    contact, company, street, and city with postcode, in the list's order."""
    p = ctx.private
    _source_kept(ctx, "customers.gnumeric", p["rows"], "the customer list unchanged")
    blocks = _blocks(_text(ctx, "labels.txt"))
    ctx.require("one label per customer of the region", len(blocks) == len(p["labels"]),
                f"{len(blocks)} labels, expected {len(p['labels'])}")
    for block, (company, contact, street, city, postcode) in zip(blocks, p["labels"], strict=True):
        want = [contact, company, street, f"{city} {postcode}"]
        ctx.check(f"label for {company}", block == [" ".join(w.split()) for w in want], f"{block}")
