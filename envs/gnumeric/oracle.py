"""Oracle solutions for Gnumeric tasks: keyboard-driven, through the public action interface."""

from __future__ import annotations

from gym_anything import actions as A
from gym_anything.formats import cell_index
from gym_anything.verification import OracleContext


def goto(ref: str) -> list[dict]:
    """Select a cell from anywhere: ctrl+Home to A1, then arrow keys."""
    row, col = cell_index(ref)
    return [A.hotkey("ctrl", "home")] + [A.press("right")] * col + [A.press("down")] * row


def sum_column(ctx: OracleContext) -> list[dict]:
    rows = ctx.params["rows"]
    return [*goto(ctx.private["label_cell"]), A.type("Total\t"), A.type(f"=SUM(B2:B{rows + 1})\n"),
            A.hotkey("ctrl", "s"), A.done()]
