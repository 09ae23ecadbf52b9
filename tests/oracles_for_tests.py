"""Small action builders shared by tests."""

from __future__ import annotations

from gym_anything import actions as A
from gym_anything.authoring.formats import cell_index


def goto(ref: str) -> list[dict]:
    """Select a spreadsheet cell from anywhere: ctrl+Home, then arrow keys."""
    row, col = cell_index(ref)
    return [A.hotkey("ctrl", "home")] + [A.press("right")] * col + [A.press("down")] * row
