"""The enter-schedule task: an empty project, and the estimator's programme of 10-14 activities to enter.

Its setup, verifier and oracle live in this file so that its edits stale only its own audit. The oracle
inserts each task with ctrl+i, opens its dialog with Enter (Tab reaches Name, three more Tabs reach Work),
then links each pair of consecutive rows by selecting them (click, shift+Down) and pressing the Link button.
"""

from __future__ import annotations

from gym_anything import actions as A
from gym_anything.authoring import OracleContext, SetupContext, VerifyContext

from . import project
from .oracle import TASKS_VIEW, _save
from .project import DAY
from .setup import _memo, _project, _write
from .verifier import _load


def setup(ctx: SetupContext) -> dict:
    """An empty project; the estimator's list gives 10-14 activities with their work and predecessor."""
    p = _project(ctx, int(ctx.rng.integers(10, 15)))
    tasks, p.tasks = p.tasks, []
    _write(ctx, p)
    lines, rows = [], []
    for t in tasks:
        pred = tasks[t.preds[0] - 1].name if t.preds else ""
        rows.append({"task": t.name, "days": t.work // DAY, "after": pred})
        lines.append(f"{t.id}. {t.name} - {t.work // DAY} days of work" + (f", after {pred}" if pred else
                                                                           ", can start at project start"))
    _memo(ctx, f"Programme for {p.name}, from the estimator (enter the activities in this order)", lines)
    return {"changes": rows}


def verify(ctx: VerifyContext) -> None:
    """Gate: no stray task; scored: each activity present (name, work), the order, and each link."""
    now, _, saved = _load(ctx)
    rows = ctx.private["changes"]
    want = [r["task"] for r in rows]
    ctx.require("no task other than the listed ones", set(now) <= set(want),
                f"unexpected: {sorted(set(now) - set(want))[:5]}")
    for r in rows:
        t = now.get(r["task"])
        ctx.check(f"{r['task']}: {r['days']}d of work", t is not None and t["work"] == r["days"] * DAY
                  and t["type"] == "normal" and t["children"] == 0,
                  "missing" if t is None else f"work {project.days(t['work']):g}d")
    ctx.check("tasks in the listed order", [t["name"] for t in saved.tasks] == want,
              f"{[t['name'] for t in saved.tasks][:4]}...", weight=2)
    for r in rows:
        t = now.get(r["task"])
        expect = [r["after"]] if r["after"] else []
        ok = t is not None and t["preds"] == expect and set(t["pred_types"]) <= {"FS"}
        ctx.check(f"{r['task']} after {r['after'] or 'nothing'}", ok, "missing" if t is None else str(t["preds"]))


LINK_BUTTON = (440, 65)


def _row(n: int) -> tuple[int, int]:
    """The Name cell of the n-th row (1-based) of the Tasks view."""
    return (250, 124 + 23 * (n - 1))


def oracle(ctx: OracleContext) -> list[dict]:
    """Insert each task (ctrl+i; Enter opens its dialog: tab to Name, three tabs to Work), then link the pairs."""
    steps = [A.click(*TASKS_VIEW)]
    rows = ctx.private["changes"]
    for r in rows:
        steps += [A.hotkey("ctrl", "i"), A.press("enter"), A.press("tab"), A.type(r["task"]),
                  A.press("tab"), A.press("tab"), A.press("tab"), A.hotkey("ctrl", "a"), A.type(f"{r['days']}d"),
                  A.press("escape")]
    for n, r in enumerate(rows, start=1):
        if r["after"]:
            steps += [A.click(*_row(n - 1)), A.hotkey("shift", "down"), A.click(*LINK_BUTTON)]
    return _save(steps)
