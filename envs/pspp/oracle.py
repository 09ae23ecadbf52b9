"""Oracle solutions for PSPP tasks, through the public action interface.

Most oracles write PSPP syntax, as an analyst would: File > New > Syntax opens the Syntax Editor in front of the
Data Editor, the syntax is typed, Run > All runs it against the open data set and its own SAVE writes the file
(the Output Viewer then opens in front). Menu positions are those of the maximised 1280x720 windows.
"""

from __future__ import annotations

from gym_anything import actions as A
from gym_anything.actions import MAX_TEXT
from gym_anything.authoring import OracleContext

FILE_MENU, FILE_NEW, NEW_SYNTAX = (19, 31), (45, 56), (414, 56)
RUN_MENU, RUN_ALL = (100, 31), (117, 56)


def run_syntax(lines: list[str]) -> list[dict]:
    """Open a Syntax Editor, type ``lines`` (one TYPE action each, split at MAX_TEXT) and run them all."""
    steps = [A.click(*FILE_MENU), A.wait(0.3), A.click(*FILE_NEW), A.wait(0.3), A.click(*NEW_SYNTAX), A.wait(1.5)]
    for line in lines:
        text = line + "\n"
        steps += [A.type(text[i:i + MAX_TEXT]) for i in range(0, len(text), MAX_TEXT)]
    return [*steps, A.click(*RUN_MENU), A.wait(0.3), A.click(*RUN_ALL), A.wait(2.0)]


def compute_scale_score(ctx: OracleContext) -> list[dict]:
    return [*run_syntax(["COMPUTE engagement = MEAN(q1, q2, 6 - q3, q4, 6 - q5, q6).",
                         "FORMATS engagement (F4.2).", "SAVE OUTFILE='survey.sav'."]), A.done()]


def recode_age_groups(ctx: OracleContext) -> list[dict]:
    return [*run_syntax(["RECODE age (18 THRU 29=1) (30 THRU 44=2) (45 THRU 64=3) (65 THRU HIGHEST=4) INTO agegroup.",
                         "VALUE LABELS agegroup 1 '18-29' 2 '30-44' 3 '45-64' 4 '65 and over'.",
                         "SAVE OUTFILE='survey.sav'."]), A.done()]


def define_missing_values(ctx: OracleContext) -> list[dict]:
    return [*run_syntax(["MISSING VALUES q1 TO q6 (9).", "ADD VALUE LABELS q1 TO q6 9 'No answer'.",
                         "SAVE OUTFILE='survey.sav'."]), A.done()]


def select_subgroup_file(ctx: OracleContext) -> list[dict]:
    p = ctx.params
    return [*run_syntax(["TEMPORARY.", f"SELECT IF region = {p['region']} AND age < {p['under']}.",
                         f"SAVE OUTFILE='{p['file']}'."]), A.done()]


def label_variables(ctx: OracleContext) -> list[dict]:
    lines = [f"VARIABLE LABELS q{i + 1} '{text}'." for i, text in enumerate(ctx.private["labels"])]
    lines += ["VALUE LABELS q1 TO q6 1 'Strongly disagree' 2 'Disagree' 3 'Neither' 4 'Agree' 5 'Strongly agree'.",
              "SAVE OUTFILE='survey.sav'."]
    return [*run_syntax(lines), A.done()]


DATA_VIEW_TAB = (54, 681)
FIRST_CELL, ROW_HEIGHT = (116, 172), 34  # the Data View's first case, id column


def enter_questionnaires(ctx: OracleContext) -> list[dict]:
    """In the Data View: click a case's first cell, then one value per action, Tab to the next variable."""
    steps = [A.click(*DATA_VIEW_TAB), A.wait(0.5)]
    for n, case in enumerate(ctx.private["cases"]):
        steps += [A.click(FIRST_CELL[0], FIRST_CELL[1] + ROW_HEIGHT * n), *[A.type(f"{v}\t") for v in case]]
    return [*steps, A.hotkey("ctrl", "s"), A.wait(1.5), A.done()]
