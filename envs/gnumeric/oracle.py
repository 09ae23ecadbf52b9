"""Oracle solutions for Gnumeric tasks: keyboard-driven, through the public action interface."""

from __future__ import annotations

from gym_anything import actions as A
from gym_anything.authoring import OracleContext
from gym_anything.authoring.formats import cell_index


def goto(ref: str) -> list[dict]:
    """Select a cell from anywhere: ctrl+Home to A1, then arrow keys."""
    row, col = cell_index(ref)
    return [A.hotkey("ctrl", "home")] + [A.press("right")] * col + [A.press("down")] * row


def sum_column(ctx: OracleContext) -> list[dict]:
    rows = ctx.params["rows"]
    return [*goto(ctx.private["label_cell"]), A.type("Total\t"), A.type(f"=SUM(B2:B{rows + 1})\n"),
            A.hotkey("ctrl", "s"), A.done()]


def line_totals(ctx: OracleContext) -> list[dict]:
    last = ctx.public["last_row"]
    return [*goto("D1"), A.type("Total\n"), *[A.type(f"=B{r}*C{r}\n") for r in range(2, last + 1)],
            A.hotkey("ctrl", "s")]


def enter_records(ctx: OracleContext) -> list[dict]:
    steps: list[dict] = []
    for i, (invoice, customer, amount) in enumerate(ctx.private["records"]):
        steps += [*goto(f"A{i + 2}"), A.type(f"{invoice}\t{customer}\t{amount:.2f}\n")]
    return [*steps, A.hotkey("ctrl", "s")]


def fix_value(ctx: OracleContext) -> list[dict]:
    return [*goto(ctx.private["cell"]), A.type(f"{ctx.private['correct']:.2f}\n"), A.hotkey("ctrl", "s")]


def bold_header(ctx: OracleContext) -> list[dict]:
    extend = [A.hotkey("shift", "right")] * (len(ctx.private["header_cells"]) - 1)
    return [A.hotkey("ctrl", "home"), *extend, A.hotkey("ctrl", "b"), A.hotkey("ctrl", "s")]


def score_stats(ctx: OracleContext) -> list[dict]:
    last = ctx.public["last_row"]
    return [*goto("D1"), A.type("Average\t"), A.type(f"=AVERAGE(B2:B{last})\n"), *goto("D2"),
            A.type("Maximum\t"), A.type(f"=MAX(B2:B{last})\n"), *goto("D3"), A.type("Minimum\t"),
            A.type(f"=MIN(B2:B{last})\n"), A.hotkey("ctrl", "s")]


def select_range(cells: str) -> list[dict]:
    """Select a cell or range by typing it into the name box (left of the formula bar)."""
    return [A.click(70, 170), A.hotkey("ctrl", "a"), A.type(f"{cells}\n")]


def payroll_register(ctx: OracleContext) -> list[dict]:
    """One cell per action: Tab moves right, Enter returns to column A of the next row."""
    tax, total = ctx.params["tax_percent"], ctx.public["total_row"]
    steps = [*goto("A2")]
    for row, (name, department, hours, rate) in enumerate(ctx.private["records"], start=2):
        steps += [A.type(f"{name}\t"), A.type(f"{department}\t"), A.type(f"{hours:g}\t"), A.type(f"{rate:.2f}\t"),
                  A.type(f"=C{row}*D{row}\t"), A.type(f"=ROUND(E{row}*{tax}/100, 2)\t"), A.type(f"=E{row}-F{row}\n")]
    last = total - 1
    steps += [A.type("Total\t\t"), A.type(f"=SUM(C2:C{last})\t\t"), A.type(f"=SUM(E2:E{last})\t"),
              A.type(f"=SUM(F2:F{last})\t"), A.type(f"=SUM(G2:G{last})\n")]
    return [*steps, *select_range(f"A{total}:G{total}"), A.hotkey("ctrl", "b"), A.hotkey("ctrl", "s")]
