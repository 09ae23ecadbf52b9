"""Oracles of the tasks that edit ingredient amounts (scale-recipe, fix-amounts), by keyboard.

The rows of the editor's ingredient list are not all the same height (the first one is sometimes taller, and a
row grows once edited), so a row's place on screen is not known in advance. A click on the first row's amount
cell (which lies inside it whatever its height) focuses the list in the amount column; Down moves the cursor a
row, Space starts editing its amount and Enter stores it, leaving the cursor on that row. (The click-per-row
``scale_recipe`` and ``fix_amounts`` of oracle.py miss rows on such seeds and are not used.)
"""

from __future__ import annotations

from gym_anything import actions as A
from gym_anything.authoring import OracleContext

from .oracle import INGREDIENTS_TAB, YIELD, open_editor, save_and_close, set_field
from .recipes import fmt_amount

FIRST_AMOUNT = (140, 215)


def edit_amounts(amounts: dict[int, float]) -> list[dict]:
    """Open the Ingredients tab and type the new amount of each row ``position -> amount``."""
    steps = [A.click(*INGREDIENTS_TAB), A.wait(0.5), A.click(*FIRST_AMOUNT), A.wait(0.5)]
    row = 0
    for position in sorted(amounts):
        steps += [A.press("down")] * (position - row)
        row = position
        steps += [A.press("space"), A.wait(0.4), A.hotkey("ctrl", "a"), A.type(fmt_amount(amounts[position])),
                  A.press("enter"), A.wait(0.3)]
    return steps


def scale_recipe(ctx: OracleContext) -> list[dict]:
    p = ctx.private
    amounts = {row: amount * p["factor"] for row, amount in enumerate(p["amounts"])}
    return [*open_editor(p["title"]), *set_field(YIELD, str(p["servings"])), *edit_amounts(amounts),
            *save_and_close(), A.done()]


def fix_amounts(ctx: OracleContext) -> list[dict]:
    steps: list[dict] = []
    for fix in ctx.private["fixes"]:
        steps += [*open_editor(fix["title"]), *edit_amounts({fix["position"]: fix["amount"]}), *save_and_close()]
    return [*steps, A.done()]
