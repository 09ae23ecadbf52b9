"""Oracle solutions for LibreOffice Writer tasks, through the public action interface.

Text is reached with the Find toolbar: ctrl+F focuses its search field (its previous text selected, so typing
replaces it), Enter selects the next match in the document and Escape returns to the document with the match
still selected; typing then replaces the match, ctrl+1 gives its paragraph Heading 1. Replacing everywhere uses
the Find and Replace dialog (ctrl+H, always at the same place on the maximised 1280x720 screen). Ctrl+shift+down
extends a selection to the end of the paragraph (then of the next one); shift+right takes the paragraph break.
The Insert Table dialog (ctrl+F12) opens maximised.
"""

from __future__ import annotations

from gym_anything import actions as A
from gym_anything.authoring import OracleContext

FIND_FIELD, REPLACE_FIELD = (670, 206), (670, 275)  # in the Find and Replace dialog
REPLACE_ALL, CLOSE = (859, 321), (870, 530)
# ctrl+S, then time for the save: the screen settles while the status bar still reads "Saving document...", and a
# DONE at once may find the file not yet written (seen under load, 1 seed in 18)
SAVE = [A.hotkey("ctrl", "s"), A.wait(2.0)]
TABLE_COLUMNS, TABLE_INSERT = (275, 83), (1223, 692)  # in the Insert Table dialog


def find(text: str) -> list[dict]:
    """Select the next occurrence of ``text`` in the document."""
    return [A.hotkey("ctrl", "f"), A.type(f"{text}\n"), A.press("escape")]


def _field(point: tuple[int, int], text: str) -> list[dict]:
    return [A.click(*point), A.hotkey("ctrl", "a"), A.type(text)]


def replace_all(pairs: list[tuple[str, str]]) -> list[dict]:
    steps = [A.hotkey("ctrl", "h")]
    for old, new in pairs:
        steps += [*_field(FIND_FIELD, old), *_field(REPLACE_FIELD, new), A.click(*REPLACE_ALL)]
    return [*steps, A.click(*CLOSE)]


def replace_name(ctx: OracleContext) -> list[dict]:
    return [*replace_all([(ctx.private["old"], ctx.private["new"])]), *SAVE]


def fix_report_errors(ctx: OracleContext) -> list[dict]:
    steps: list[dict] = [A.hotkey("ctrl", "home")]
    for fix in ctx.private["fixes"]:
        steps += [*find(fix["wrong"]), A.type(fix["right"])]
    return [*steps, *SAVE]


def fill_letter_template(ctx: OracleContext) -> list[dict]:
    return [*replace_all([(f, v) for f, v in ctx.private["fields"]]), *SAVE]


def apply_heading_styles(ctx: OracleContext) -> list[dict]:
    steps: list[dict] = [A.hotkey("ctrl", "home")]
    for title in ctx.private["headings"]:
        steps += [*find(title), A.hotkey("ctrl", "1")]
    return [*steps, *SAVE]


def reorder_sections(ctx: OracleContext) -> list[dict]:
    """Select the section from its title's start to the next title's start, cut it, paste it before the other."""
    size = ctx.private["paragraphs"]
    return [A.hotkey("ctrl", "home"), *find(ctx.private["moved"]), A.press("home"),
            *[A.hotkey("ctrl", "shift", "down") for _ in range(size)], A.hotkey("shift", "right"),
            A.hotkey("ctrl", "x"),
            *find(ctx.private["before"]), A.press("home"), A.hotkey("ctrl", "v"), *SAVE]


def build_contact_table(ctx: OracleContext) -> list[dict]:
    """At the end of the introducing paragraph, a new paragraph; Insert Table with 3 columns (and its default 2
    rows); the cells typed with Tab between them: Tab in a table's last cell adds a row."""
    rows = ctx.private["rows"]
    steps = [*find(ctx.public["anchor"]), A.press("end"), A.press("enter"), A.hotkey("ctrl", "f12"),
             *_field(TABLE_COLUMNS, str(len(rows[0]))), A.click(*TABLE_INSERT)]
    for i, row in enumerate(rows):
        steps.append(A.type("\t".join(row) + ("\t" if i < len(rows) - 1 else "")))
    return [*steps, *SAVE]
