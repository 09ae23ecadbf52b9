"""Oracle solutions for Planner tasks: the Tasks view, its WBS search and the Edit task dialog.

The main window is maximised at 1280x720. In the Tasks view, ctrl+f opens the tree's search on the WBS
column: typing a task's WBS number selects it, and Enter opens its "Edit task properties" dialog, which
always appears at the same place. Ctrl+D removes the selected task (no confirmation). Ctrl+S saves the
.planner file in place.
"""

from __future__ import annotations

from gym_anything import actions as A
from gym_anything.authoring import OracleContext

TASKS_VIEW = (40, 230)
FIRST_ROW = (100, 123)
WORK_ENTRY = (666, 321)
COMPLETE_ENTRY = (630, 441)
MILESTONE_BOX = (544, 287)
RESOURCES_TAB = (587, 209)
CLOSE = (791, 531)
# the Resources tab's list: the first resource's "Assigned" check box, one row per resource below it
ASSIGNED_BOX = (704, 278)
ROW = 23


def _start() -> list[dict]:
    """Show the Tasks view and put the keyboard focus in its tree."""
    return [A.click(*TASKS_VIEW), A.click(*FIRST_ROW)]


def _find(wbs: int) -> list[dict]:
    """Select the task with this WBS number."""
    return [A.hotkey("ctrl", "f"), A.type(str(wbs))]


def _edit(wbs: int, entry: tuple[int, int], value: str) -> list[dict]:
    """Open the task's dialog, replace one entry's text, close."""
    return [*_find(wbs), A.press("enter"), A.click(*entry), A.hotkey("ctrl", "a"), A.type(value),
            A.press("tab"), A.click(*CLOSE)]


def _save(steps: list[dict]) -> list[dict]:
    return [*steps, A.hotkey("ctrl", "s"), A.wait(0.5), A.done()]


def update_durations(ctx: OracleContext) -> list[dict]:
    steps = _start()
    for c in ctx.private["changes"]:
        steps += _edit(c["wbs"], WORK_ENTRY, f"{c['days']}d")
    return _save(steps)


def apply_delay(ctx: OracleContext) -> list[dict]:
    steps = _start()
    for c, days in zip(ctx.private["changes"], ctx.private["new_days"], strict=True):
        steps += _edit(c["wbs"], WORK_ENTRY, f"{days}d")
    return _save(steps)


def record_progress(ctx: OracleContext) -> list[dict]:
    steps = _start()
    for c in ctx.private["changes"]:
        steps += _edit(c["wbs"], COMPLETE_ENTRY, str(c["percent"]))
    return _save(steps)


def remove_cancelled(ctx: OracleContext) -> list[dict]:
    """Remove from the bottom up, so the WBS numbers of the tasks still to remove do not move."""
    steps = _start()
    for c in sorted(ctx.private["changes"], key=lambda c: -c["wbs"]):
        steps += [*_find(c["wbs"]), A.press("escape"), A.hotkey("ctrl", "d")]
    return _save(steps)


def mark_milestones(ctx: OracleContext) -> list[dict]:
    steps = _start()
    for c in ctx.private["changes"]:
        steps += [*_find(c["wbs"]), A.press("enter"), A.click(*MILESTONE_BOX), A.click(*CLOSE)]
    return _save(steps)


def assign_crew(ctx: OracleContext) -> list[dict]:
    steps = _start()
    for c in ctx.private["changes"]:
        steps += [*_find(c["wbs"]), A.press("enter"), A.click(*RESOURCES_TAB),
                  A.click(ASSIGNED_BOX[0], ASSIGNED_BOX[1] + ROW * c["row"]), A.click(*CLOSE)]
    return _save(steps)
