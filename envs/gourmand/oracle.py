"""Oracle solutions for Gourmand tasks, through the public action interface.

The main window (maximised, 1280x720) has the search entry at the top and the result list below it: a title
typed into the entry and the Find button show only the recipes whose title contains it (titles are chosen so
that none lies inside another, so the recipe is the first and only row). A click on that row selects it and
ctrl+E opens it in the recipe editor, a maximised window of its own whose Description tab has the fields at
fixed places; ctrl+S saves to the database at once, ctrl+W closes the editor. The combo entries (category,
cuisine, source, yield unit) pop up a completion list while typing, which would swallow the next click: Tab
closes it first. The oracles that edit ingredient amounts are in ingredients.py.
"""

from __future__ import annotations

from gym_anything import actions as A
from gym_anything.authoring import OracleContext

from .recipes import ingredient_line

SEARCH = (580, 109)
FIND = (1243, 109)
FIRST_RESULT = (300, 198)
NEW = (50, 64)
DISMISS_TRASH_NOTE = (1205, 110)  # "Discard" on the "moved to the trash" bar, which pushes the search down
# the editor's Description tab
YIELD, YIELD_UNIT, CATEGORY, CUISINE, SOURCE = (280, 166), (468, 166), (398, 206), (398, 326), (398, 406)
INGREDIENTS_TAB = (50, 163)


def find(title: str) -> list[dict]:
    """Show only the recipe ``title`` in the result list and select it."""
    return [A.click(*SEARCH), A.hotkey("ctrl", "a"), A.type(title), A.click(*FIND), A.wait(0.5),
            A.click(*FIRST_RESULT), A.wait(0.3)]


def open_editor(title: str) -> list[dict]:
    return [*find(title), A.hotkey("ctrl", "e"), A.wait(1.0)]


def set_field(where: tuple[int, int], text: str) -> list[dict]:
    """Replace the text of an entry of the Description tab (Tab closes a completion pop-up)."""
    return [A.click(*where), A.hotkey("ctrl", "a"), A.type(text), A.press("tab")]


def save_and_close() -> list[dict]:
    return [A.hotkey("ctrl", "s"), A.wait(0.8), A.hotkey("ctrl", "w"), A.wait(0.8)]


def new_recipe(card: dict) -> list[dict]:
    """Enter one card in a new recipe editor, save it and close the editor."""
    steps = [A.click(*NEW), A.wait(1.0), A.hotkey("ctrl", "a"), A.type(card["title"]), A.press("tab"),
             *set_field(YIELD, str(card["yields"])), *set_field(YIELD_UNIT, "servings"),
             *set_field(CATEGORY, card["category"]), *set_field(CUISINE, card["cuisine"]),
             *set_field(SOURCE, card["source"]), A.click(*INGREDIENTS_TAB), A.wait(0.5)]
    for ing in card["ingredients"]:
        steps += [A.type(ingredient_line(ing)), A.press("enter")]
    return [*steps, *save_and_close()]


def enter_recipe(ctx: OracleContext) -> list[dict]:
    return [step for card in ctx.private["cards"] for step in new_recipe(card)] + [A.done()]


def enter_recipe_cards(ctx: OracleContext) -> list[dict]:
    return [step for card in ctx.private["cards"] for step in new_recipe(card)] + [A.done()]


def retire_recipes(ctx: OracleContext) -> list[dict]:
    steps: list[dict] = []
    for title in ctx.private["titles"]:
        steps += [*find(title), A.press("delete"), A.wait(0.8), A.click(*DISMISS_TRASH_NOTE), A.wait(0.5)]
    return [*steps, A.done()]


def recategorise(ctx: OracleContext) -> list[dict]:
    steps: list[dict] = []
    for change in ctx.private["changes"]:
        steps += [*open_editor(change["title"]), *set_field(CATEGORY, change["category"]),
                  *set_field(CUISINE, change["cuisine"]), *save_and_close()]
    return [*steps, A.done()]
