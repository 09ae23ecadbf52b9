"""Oracle solutions for LibreOffice Calc tasks, through the public action interface.

Cells and ranges are selected by typing them into the Name Box (the field left of the formula bar, at a fixed
place on the maximised 1280x720 window: a click selects its text). Tab moves one cell right while typing and
Enter then returns to the column the row was started in. A range selected before typing is filled down from its
first cell with ctrl+D. Formulas use ``;`` between arguments (Calc accepts it in every locale).
"""

from __future__ import annotations

from gym_anything import actions as A
from gym_anything.authoring import OracleContext

NAME_BOX = (70, 107)
DATA_MENU, SORT_ITEM = (305, 28), (337, 48)  # the menu bar's Data, its first item Sort...
SORT_KEY2, KEY2_DESCENDING, SORT_OK = (630, 320), (818, 330), (856, 525)  # in the Sort dialog (always centred)


def select(ref: str) -> list[dict]:
    """Select a cell or range (``F2:F90``) through the Name Box."""
    return [A.click(*NAME_BOX), A.type(f"{ref}\n")]


def expense_category_totals(ctx: OracleContext) -> list[dict]:
    last = ctx.private["last_row"]
    steps = [*select("G1"), A.type("Category\tTotal\n")]
    for row, category in enumerate(ctx.private["categories"], start=2):
        steps.append(A.type(f"{category}\t=SUMIF(D$2:D${last};G{row};E$2:E${last})\n"))
    return [*steps, A.hotkey("ctrl", "s")]


def order_line_totals(ctx: OracleContext) -> list[dict]:
    last = ctx.private["last_row"]
    return [*select("F1"), A.type("Line total\n"), A.type("=C2*D2*(1-E2/100)\n"), *select(f"F2:F{last}"),
            A.hotkey("ctrl", "d"), *select(f"E{last + 1}"), A.type(f"Total\t=SUM(F2:F{last})\n"), A.hotkey("ctrl", "s")]


def correct_timesheet(ctx: OracleContext) -> list[dict]:
    steps: list[dict] = []
    for fix in ctx.private["fixes"]:
        steps += [*select(f"E{fix['row']}"), A.type(f"{fix['hours']:g}\n")]
    return [*steps, A.hotkey("ctrl", "s")]


def remove_cancelled_orders(ctx: OracleContext) -> list[dict]:
    """From the bottom up (rows above keep their numbers): select the order's row, delete it."""
    steps: list[dict] = []
    for row in sorted(ctx.private["cancelled_rows"], reverse=True):
        steps += [*select(f"A{row}"), A.hotkey("shift", "space"), A.hotkey("ctrl", "minus")]
    return [*steps, A.hotkey("ctrl", "s")]


def commission_report(ctx: OracleContext) -> list[dict]:
    last, high, low = ctx.private["last_row"], ctx.params["high_rate"], ctx.params["low_rate"]
    return [*select("E1"), A.type("Attainment\tCommission\n"),
            A.type(f"=D2/C2\t=ROUND(IF(D2>=C2;{high};{low})/100*D2;2)\n"), *select(f"E2:F{last}"),
            A.hotkey("ctrl", "d"), A.hotkey("ctrl", "s")]


def sort_customer_list(ctx: OracleContext) -> list[dict]:
    """From A1, Data > Sort... (Calc selects the whole list and sees its header row): key 1 Region (typed into its
    focused list), key 2 Annual revenue, descending; OK."""
    return [A.hotkey("ctrl", "home"), A.click(*DATA_MENU), A.click(*SORT_ITEM), A.type("Region"), A.click(*SORT_KEY2),
            A.type("Annual"), A.press("enter"), A.click(*KEY2_DESCENDING), A.click(*SORT_OK), A.hotkey("ctrl", "s")]
