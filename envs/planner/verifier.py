"""Verifiers for Planner tasks: read the saved .planner XML and compare it with the private original.

Tasks are matched by name (Planner renumbers ids when it saves). Every verifier gates on the set of task
names, and on every task it was not asked to touch keeping its work, type, percent complete and links;
each requested change is a scored item.
"""

from __future__ import annotations

from gym_anything.authoring import VerifyContext

from . import project
from .project import DAY


def _load(ctx: VerifyContext) -> tuple[dict[str, dict], dict[str, dict], project.Saved]:
    """The saved and the original tasks by name; gates that the file was saved and names are unique."""
    path = ctx.home / ctx.params["file"]
    ctx.require(f"{path.name} exists", path.is_file(), str(path.name))
    saved = project.read(path)
    original = project.read(ctx.private_dir / "original.planner")
    names = [t["name"] for t in saved.tasks]
    ctx.require("task names unique", len(names) == len(set(names)), f"{len(names)} tasks")
    return ({t["name"]: t for t in saved.tasks}, {t["name"]: t for t in original.tasks}, saved)


def _fields(t: dict) -> tuple:
    return (t["work"], t["type"], t["complete"], tuple(t["preds"]), t["children"])


def _others_unchanged(ctx: VerifyContext, now: dict[str, dict], before: dict[str, dict], skip: set[str],
                      removed: set[str] = frozenset()) -> None:
    """Gate: the same tasks (less ``removed``), and every task outside ``skip`` as it was."""
    want = set(before) - set(removed)
    ctx.require("the same tasks", set(now) == want,
                f"missing {sorted(want - set(now))[:5]}, new {sorted(set(now) - want)[:5]}")
    diff = []
    for name, t in before.items():
        if name in skip or name in removed:
            continue
        expect = dict(t, preds=sorted(x for x in t["preds"] if x not in removed))
        if _fields(now[name]) != _fields(expect):
            diff.append(name)
    ctx.require("every other task unchanged (work, type, progress, links)", not diff, f"changed: {diff[:5]}")


def _links_kept(ctx: VerifyContext, now: dict[str, dict], before: dict[str, dict], names: list[str]) -> None:
    bad = [n for n in names if now[n]["preds"] != before[n]["preds"] or now[n]["children"] != before[n]["children"]]
    ctx.require("the edited tasks keep their links", not bad, f"links changed: {bad[:5]}")


def update_durations(ctx: VerifyContext) -> None:
    """Scored: each revised task's work in days."""
    now, before, _ = _load(ctx)
    changes = ctx.private["changes"]
    names = [c["task"] for c in changes]
    _others_unchanged(ctx, now, before, set(names))
    _links_kept(ctx, now, before, names)
    for c in changes:
        t = now[c["task"]]
        ok = t["work"] == c["days"] * DAY and t["type"] == "normal" and t["complete"] == before[c["task"]]["complete"]
        ctx.check(f"{c['task']}: work {c['days']}d", ok, f"work {project.days(t['work']):g}d, {t['type']}")


def apply_delay(ctx: VerifyContext) -> None:
    """Scored: each delayed task's work grown by its extra days."""
    now, before, _ = _load(ctx)
    changes = ctx.private["changes"]
    names = [c["task"] for c in changes]
    _others_unchanged(ctx, now, before, set(names))
    _links_kept(ctx, now, before, names)
    for c, days in zip(changes, ctx.private["new_days"], strict=True):
        t = now[c["task"]]
        ok = t["work"] == days * DAY and t["type"] == "normal" and t["complete"] == before[c["task"]]["complete"]
        ctx.check(f"{c['task']}: {c['extra']} extra day(s)", ok, f"work {project.days(t['work']):g}d")


def record_progress(ctx: VerifyContext) -> None:
    """Scored: each reported task's percent complete."""
    now, before, _ = _load(ctx)
    changes = ctx.private["changes"]
    names = [c["task"] for c in changes]
    _others_unchanged(ctx, now, before, set(names))
    _links_kept(ctx, now, before, names)
    for c in changes:
        t, old = now[c["task"]], before[c["task"]]
        ok = t["complete"] == c["percent"] and t["work"] == old["work"] and t["type"] == old["type"]
        ctx.check(f"{c['task']}: {c['percent']}% complete", ok, f"{t['complete']}%, work {project.days(t['work']):g}d")


def remove_cancelled(ctx: VerifyContext) -> None:
    """Gate: every other task kept as it was (links to a removed task dropped); scored: each task removed."""
    now, before, _ = _load(ctx)
    removed = {c["task"] for c in ctx.private["changes"]}
    kept = set(before) - removed
    ctx.require("no task added", set(now) <= set(before), f"new: {sorted(set(now) - set(before))[:5]}")
    ctx.require("every task not cut is kept", kept <= set(now), f"missing: {sorted(kept - set(now))[:5]}")
    for c in ctx.private["changes"]:
        ctx.check(f"{c['task']} removed", c["task"] not in now, "still in the schedule" if c["task"] in now else "gone")
    _others_unchanged(ctx, now, before, set(), removed - set(now))


def mark_milestones(ctx: VerifyContext) -> None:
    """Scored: each listed task is a milestone."""
    now, before, _ = _load(ctx)
    changes = ctx.private["changes"]
    names = [c["task"] for c in changes]
    _others_unchanged(ctx, now, before, set(names))
    _links_kept(ctx, now, before, names)
    for c in changes:
        t = now[c["task"]]
        ctx.check(f"{c['task']} is a milestone", t["type"] == "milestone", t["type"])


def assign_crew(ctx: VerifyContext) -> None:
    """Gate: resources and other tasks unchanged; scored: each task allocated to exactly its person."""
    now, before, saved = _load(ctx)
    changes = ctx.private["changes"]
    names = [c["task"] for c in changes]
    _others_unchanged(ctx, now, before, set())
    original = project.read(ctx.private_dir / "original.planner")
    key = [(r["name"], r["short"], r["email"], r["rate"]) for r in saved.resources]
    ctx.require("the resource pool unchanged", key == [(r["name"], r["short"], r["email"], r["rate"])
                                                       for r in original.resources], f"{len(key)} resources")
    extra = sorted({t for t, _ in saved.allocations} - set(names))
    ctx.require("no other task allocated", not extra, f"also allocated: {extra[:5]}")
    for c in changes:
        got = sorted(r for t, r in saved.allocations if t == c["task"])
        ctx.check(f"{c['task']} assigned to {c['person']}", got == [c["person"]], f"allocated: {got}")
