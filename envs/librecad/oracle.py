"""Oracle solutions for LibreCAD tasks: coordinates typed into the command line, layers picked in the Layer List.

The main window is maximised at 1280x720: the Layer List's filter box and its first row, and the command line
input, sit at fixed positions. A click on the command line input gives it the keyboard; Escape ends a command
and takes the focus away, so every command starts with that click. ctrl+s saves the opened DXF in place.
"""

from __future__ import annotations

from gym_anything import actions as A
from gym_anything.authoring import OracleContext

LAYER_FILTER = (1137, 307)
LAYER_FIRST_ROW = (1190, 369)
COMMAND_LINE = (1128, 606)
LAYER_ADD = (1177, 339)
LAYER_EDIT = (1257, 339)


def layer(name: str) -> list[dict]:
    """Make ``name`` the current layer: filter the Layer List down to it and click its row."""
    return [A.wait(1.0), A.click(*LAYER_FILTER), A.hotkey("ctrl", "a"), A.type(name), A.wait(0.3),
            A.click(*LAYER_FIRST_ROW), A.wait(0.3)]


def command(name: str) -> list[dict]:
    return [A.click(*COMMAND_LINE), A.type(name + "\n")]


def xy(x: float, y: float) -> dict:
    return A.type(f"{x:g},{y:g}\n")


def save() -> list[dict]:
    return [A.hotkey("ctrl", "s"), A.wait(0.5), A.done()]


def stakeout_points(ctx: OracleContext) -> list[dict]:
    """Current layer, the point command, one coordinate pair per stake."""
    steps = [*layer(ctx.private["layer"]), *command("po")]
    steps += [xy(x, y) for x, y in ctx.private["points"]]
    return [*steps, A.press("escape"), *save()]


def part_outline(ctx: OracleContext) -> list[dict]:
    """One line chain through every vertex and back to the first."""
    v = ctx.private["vertices"]
    steps = [*layer(ctx.private["layer"]), *command("li")]
    steps += [xy(x, y) for x, y in [*v, v[0]]]
    return [*steps, A.press("escape"), *save()]


def drill_holes(ctx: OracleContext) -> list[dict]:
    """The circle tool repeats: centre and radius (half the diameter) per hole, in schedule order."""
    steps = [*layer(ctx.private["layer"]), *command("ci")]
    for x, y, d in ctx.private["holes"]:
        steps.append(A.type(f"{x:g},{y:g}\n{d / 2:g}\n"))  # centre, then radius
    return [*steps, A.press("escape"), *save()]


def room_outlines(ctx: OracleContext) -> list[dict]:
    """A new layer from the Layer List's add button (it becomes current); the rectangle tool repeats per room."""
    steps = [A.wait(1.0), A.click(*LAYER_ADD), A.wait(0.3), A.type(ctx.private["layer"]), A.press("enter"), A.wait(0.3),
             *command("rect")]
    for x, y, w, d in ctx.private["room_list"]:
        steps += [xy(x, y), A.type(f"@{w:g},{d:g}\n")]  # the opposite corner relative to the first
    return [*steps, A.press("escape"), *save()]


def column_grid(ctx: OracleContext) -> list[dict]:
    """One line command per grid line, in the order listed: both ends typed at once, Escape."""
    steps = layer(ctx.private["layer"])
    for x1, y1, x2, y2 in ctx.private["lines"]:
        steps += [*command("li"), A.type(f"{x1:g},{y1:g}\n{x2:g},{y2:g}\n"), A.press("escape")]
    return [*steps, *save()]


def layer_standard(ctx: OracleContext) -> list[dict]:
    """Per layer: filter to it, select its row, Edit Layer, type the new name, Enter."""
    steps: list[dict] = [A.wait(1.0)]
    for old, new in ctx.private["renames"]:
        steps += [A.click(*LAYER_FILTER), A.hotkey("ctrl", "a"), A.type(old), A.wait(0.3),
                  A.click(*LAYER_FIRST_ROW), A.click(*LAYER_EDIT), A.wait(0.3), A.hotkey("ctrl", "a"), A.type(new),
                  A.press("enter"), A.wait(0.3)]
    return [*steps, *save()]
