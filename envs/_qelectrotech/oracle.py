"""Oracle solutions for QElectroTech tasks, through the project tree and the Folio properties dialog.

The main window is maximised at 1280x720: folio k of the project tree is at (140, 158 + 18 (k - 1)).
A double-click there opens the folio; Ctrl+L opens its Folio properties dialog (slow to appear under load:
a WAIT follows it), whose title-block fields sit at fixed places; Return presses OK. Ctrl+S saves the project.
"""

from __future__ import annotations

from gym_anything import actions as A
from gym_anything.authoring import OracleContext

TREE_X, TREE_Y0, TREE_DY = 140, 158, 18
FIELD = {"title": (331, 261), "author": (331, 290), "filename": (331, 376), "folio": (331, 405),
         "plant": (331, 434), "locmach": (331, 463), "indexrev": (331, 492)}


def _folio_properties(k: int) -> list[dict]:
    """Open folio k and its Folio properties dialog."""
    y = TREE_Y0 + TREE_DY * (k - 1)
    return [A.double_click(TREE_X, y), A.wait(0.5), A.hotkey("ctrl", "l"), A.wait(1.5)]


def _set(field: str, value: str) -> list[dict]:
    """Replace a field's text in the open dialog."""
    return [A.click(*FIELD[field]), A.hotkey("ctrl", "a"), A.type(value)]


def _save() -> list[dict]:
    return [A.hotkey("ctrl", "s"), A.wait(2.0), A.done()]


def set_plant_location(ctx: OracleContext) -> list[dict]:
    steps: list[dict] = []
    for k in ctx.private["targets"]:
        steps += [*_folio_properties(k), *_set("locmach", ctx.private["location"]), A.press("return"), A.wait(0.5)]
    return [*steps, *_save()]
