"""Oracle solutions for Mousepad tasks, through the public action interface (mostly the keyboard).

Mousepad quirks the oracles rely on: the search bar (ctrl+f) searches from the cursor with wrap-around,
Enter selects the next match and Escape closes the bar leaving the match selected, so typing replaces it;
the Save As dialog preselects only the base name of an existing file (End, shift+Home selects all of it:
ctrl+a there is unreliable) and enables its Save button only ~200 ms after the name was typed.
"""

from __future__ import annotations

from gym_anything import actions as A
from gym_anything.actions import MAX_TEXT
from gym_anything.authoring import OracleContext

# Find and Replace dialog (ctrl+r): a fixed layout, centred on the 1280x720 screen by the window manager.
REPLACE_WITH_ENTRY = (680, 313)
REPLACE_ALL_CHECKBOX = (443, 467)
REPLACE_ALL_BUTTON = (698, 507)  # the Replace button becomes "Replace All" once the checkbox is ticked


def type_text(text: str) -> list[dict]:
    """TYPE actions for any length of text (each action carries at most MAX_TEXT characters)."""
    return [A.type(text[i:i + MAX_TEXT]) for i in range(0, len(text), MAX_TEXT)]


def retype_all(text: str) -> list[dict]:
    """Replace the whole document with ``text`` and save."""
    return [A.hotkey("ctrl", "a"), *type_text(text), A.hotkey("ctrl", "s"), A.done()]


def select_next(needle: str) -> list[dict]:
    """Select the next occurrence of ``needle`` with the search bar, then return focus to the text."""
    return [A.hotkey("ctrl", "f"), A.type(needle), A.press("enter"), A.press("escape")]


def replace_next(needle: str, replacement: str) -> list[dict]:
    """Select the next occurrence of ``needle`` and type ``replacement`` over it."""
    return [*select_next(needle), A.type(replacement)]


def confirm_name(name: str) -> list[dict]:
    """In the file chooser: replace the Name field with ``name`` and press Enter once Save is enabled.

    After Enter the chooser first checks asynchronously whether the file exists; the screen can look
    settled before the dialog closes and the file is written, hence the last wait.
    """
    return [A.press("end"), A.hotkey("shift", "home"), A.type(name), A.wait(1.0), A.press("enter"), A.wait(1.5)]


def save_as(name: str) -> list[dict]:
    """Save under a new name in the folder the dialog opens in (HOME)."""
    return [A.hotkey("ctrl", "shift", "s"), *confirm_name(name)]


def replace_name(ctx: OracleContext) -> list[dict]:
    """Search > Find and Replace with 'Replace all in: Document'."""
    p = ctx.private
    return [A.hotkey("ctrl", "r"), A.type(p["old"]), A.click(*REPLACE_WITH_ENTRY), A.type(p["new"]),
            A.click(*REPLACE_ALL_CHECKBOX), A.click(*REPLACE_ALL_BUTTON), A.press("escape"),
            A.hotkey("ctrl", "s"), A.done()]


def fill_template(ctx: OracleContext) -> list[dict]:
    """Retype the filled-in letter over the template."""
    return retype_all(ctx.private["expected"])


def sort_lines(ctx: OracleContext) -> list[dict]:
    """Retype the list in sorted order."""
    return retype_all(ctx.private["expected"])


def remove_cancelled(ctx: OracleContext) -> list[dict]:
    """Once per cancelled order: find the next CANCELLED, select its whole line (Home, shift+Down), delete."""
    line = [*select_next("CANCELLED"), A.press("home"), A.hotkey("shift", "down"), A.press("delete")]
    return [*(line * len(ctx.private["cancelled_lines"])), A.hotkey("ctrl", "s"), A.done()]


def append_entry(ctx: OracleContext) -> list[dict]:
    """The file ends with a newline, so ctrl+End lands on the empty last line."""
    return [A.hotkey("ctrl", "end"), A.type(ctx.private["entry"] + "\n"), A.hotkey("ctrl", "s"), A.done()]


def new_memo(ctx: OracleContext) -> list[dict]:
    """Type into the untitled document; ctrl+s on an untitled document opens the Save As dialog."""
    text = "\n".join(ctx.private["lines"]) + "\n"
    return [*type_text(text), A.hotkey("ctrl", "s"), *confirm_name(ctx.params["filename"]), A.done()]


def fix_typos(ctx: OracleContext) -> list[dict]:
    """Find each misspelling with the search bar and type the correct word over it."""
    steps: list[dict] = [A.hotkey("ctrl", "home")]
    for typo, right in ctx.private["pairs"]:
        steps += replace_next(typo, right)
    return [*steps, A.hotkey("ctrl", "s"), A.done()]


def save_revised_copy(ctx: OracleContext) -> list[dict]:
    """Edit the two lines in place, then File > Save As under the new name (the draft is never saved)."""
    version = ctx.private["draft_version"]
    return [A.hotkey("ctrl", "home"), *replace_next("Status: DRAFT", "Status: FINAL"),
            *replace_next(f"Version: {version}", "Version: 1.0"), *save_as(ctx.params["copy"]), A.done()]


def update_action_items(ctx: OracleContext) -> list[dict]:
    """Additions first (after their section's original last line), then each edit on its own line.

    An edit selects the item's whole line with the search bar and types the updated line over it; a deletion
    selects the line and removes it with its line break.
    """
    targets, expect = ctx.private["targets"], ctx.private["expect"]
    updates = sorted(zip(targets, expect, strict=True), key=lambda pair: pair[0]["kind"] != "add")
    steps: list[dict] = [A.hotkey("ctrl", "home")]
    for target, want in updates:
        if target["kind"] == "add":
            steps += [*select_next(target["find"]), A.press("end"), A.type("\n" + want["line"])]
        elif want["line"] is None:
            steps += [*select_next(target["find"]), A.press("home"), A.hotkey("shift", "down"), A.press("delete")]
        else:
            steps += replace_next(target["find"], want["line"])
    return [*steps, A.hotkey("ctrl", "s"), A.done()]
