"""Oracle solutions for office-desk tasks, through the public action interface (mostly the keyboard).

The desk starts with Gnumeric in front and the cell cursor on A1; alt+tab brings Mousepad forward. In Mousepad the
search bar (ctrl+f, Enter, Escape) leaves the match selected, and End puts the cursor after it at the line's end.
"""

from __future__ import annotations

from gym_anything import actions as A
from gym_anything.actions import MAX_TEXT
from gym_anything.authoring import OracleContext

NAME_BOX = (70, 170)  # Gnumeric's cell-reference box, left of the formula bar (maximised, 1280x720)


def to_mousepad() -> list[dict]:
    return [A.hotkey("alt", "tab"), A.wait(0.5)]


def select_cell(ref: str) -> list[dict]:
    """Select a Gnumeric cell by typing it into the name box."""
    return [A.click(*NAME_BOX), A.hotkey("ctrl", "a"), A.type(f"{ref}\n")]


def type_text(text: str) -> list[dict]:
    return [A.type(text[i:i + MAX_TEXT]) for i in range(0, len(text), MAX_TEXT)]


def save() -> list[dict]:
    return [A.hotkey("ctrl", "s"), A.wait(1.0)]


def after_line(head: str) -> list[dict]:
    """In Mousepad: the cursor at the end of the next line holding ``head``."""
    return [A.hotkey("ctrl", "f"), A.type(head), A.press("enter"), A.press("escape"), A.press("end")]


def memo_department_totals(ctx: OracleContext) -> list[dict]:
    steps = to_mousepad()
    for label, total in [*ctx.private["totals"].items(), ("Total", ctx.private["total"])]:
        steps += [*after_line(f"{label}:"), A.type(f" {total:.2f}")]
    return [*steps, *save(), A.done()]


def order_from_email(ctx: OracleContext) -> list[dict]:
    """One cell per action: Tab moves right, Enter returns to column A of the next row."""
    steps = [A.press("down")]
    for r, (code, name, qty, price) in enumerate(ctx.private["lines"], start=2):
        steps += [A.type(f"{code}\t"), A.type(f"{name}\t"), A.type(f"{qty}\t"), A.type(f"{price:.2f}\t"),
                  A.type(f"=C{r}*D{r}\n")]
    return [*steps, *save(), A.done()]


def price_updates(ctx: OracleContext) -> list[dict]:
    rows = {code: (row, new) for code, row, new in ctx.private["changes"]}
    steps: list[dict] = []
    for code in ctx.private["shown"]:
        row, new = rows[code]
        steps += [*select_cell(f"D{row}"), A.type(f"{new:.2f}\n")]
    return [*steps, *save(), A.done()]


def reorder_request(ctx: OracleContext) -> list[dict]:
    steps = [*to_mousepad(), A.hotkey("ctrl", "end")]
    for code, qty in ctx.private["orders"]:
        steps.append(A.type(f"{code} {qty}\n"))
    return [*steps, *save(), A.done()]


def minutes_to_tracker(ctx: OracleContext) -> list[dict]:
    steps = select_cell(f"A{len(ctx.private['old']) + 1}")
    for owner, action, due in ctx.private["new"]:
        steps += [A.type(f"{owner}\t"), A.type(f"{action}\t"), A.type(f"{due}\t"), A.type("open\n")]
    return [*steps, *save(), A.done()]


def address_labels(ctx: OracleContext) -> list[dict]:
    steps = to_mousepad()
    for company, contact, street, city, postcode in ctx.private["labels"]:
        steps += type_text(f"{contact}\n{company}\n{street}\n{city} {postcode}\n\n")
    return [*steps, *save(), A.done()]
