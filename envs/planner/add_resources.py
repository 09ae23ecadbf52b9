"""The add-resources task: a subcontractor's crew list (CSV) to add to the project's resource pool.

Its setup, verifier and oracle live in this file so that its edits stale only its own audit. The oracle
inserts each resource in the Resources view (ctrl+i), opens its dialog (ctrl+shift+e; the first Tab leaves
the tab strip for Name, another reaches Short name; Email and Cost are clicked, as Tab stays on the Type
combo box) and closes it with Escape.
"""

from __future__ import annotations

import csv
import io

from gym_anything import actions as A
from gym_anything.authoring import OracleContext, SetupContext, VerifyContext

from . import project
from .oracle import _save
from .setup import _people, _project, _write
from .verifier import _load, _others_unchanged

RESOURCES_VIEW = (40, 320)
# the resource dialog is centred on the main window; the Type combo box keeps the Tab focus, so click past it
EMAIL_ENTRY = (684, 425)
COST_ENTRY = (684, 465)


def setup(ctx: SetupContext) -> dict:
    """A 25-40 task schedule with 3-5 people on it; the subcontractor sends 6-9 more."""
    p = _project(ctx, int(ctx.rng.integers(25, 41)), int(ctx.rng.integers(3, 6)))
    _write(ctx, p)
    pool = _people(ctx, len(p.resources) + int(ctx.rng.integers(6, 10)), 1)
    have = {r.name for r in p.resources} | {r.short for r in p.resources}
    new = [r for r in pool if r.name not in have and r.short not in have][: len(pool) - len(p.resources)]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["name", "short_name", "email", "hourly_rate"])
    for r in new:
        w.writerow([r.name, r.short, r.email, f"{r.rate:g}"])
    (ctx.home / ctx.params["memo"]).write_text(out.getvalue(), encoding="utf-8")
    return {"people": [{"name": r.name, "short": r.short, "email": r.email, "rate": r.rate} for r in new]}


def verify(ctx: VerifyContext) -> None:
    """Gate: tasks and the existing resources unchanged, nothing but the listed people added; scored: each one."""
    now, before, saved = _load(ctx)
    _others_unchanged(ctx, now, before, set())
    original = project.read(ctx.private_dir / "original.planner")
    people = ctx.private["people"]
    key = ("name", "short", "email", "rate", "type", "group")
    old = [tuple(r[k] for k in key) for r in original.resources]
    got = [tuple(r[k] for k in key) for r in saved.resources]
    ctx.require("the existing resources unchanged", all(o in got for o in old), f"{len(got)} resources saved")
    extra = [r["name"] for r in saved.resources if tuple(r[k] for k in key) not in old
             and r["name"] not in {p["name"] for p in people}]
    ctx.require("no other resource added", not extra, f"unexpected: {extra[:5]}")
    ctx.require("allocations unchanged", saved.allocations == original.allocations, str(saved.allocations[:3]))
    for p in people:
        found = [r for r in saved.resources if r["name"] == p["name"]]
        ok = (len(found) == 1 and found[0]["short"] == p["short"] and found[0]["email"] == p["email"]
              and found[0]["rate"] == p["rate"] and found[0]["type"] == "1")
        ctx.check(f"{p['name']} added", ok, "missing" if not found else
                  f"{len(found)}x, {found[0]['short']}, {found[0]['email']}, rate {found[0]['rate']:g}")


def oracle(ctx: OracleContext) -> list[dict]:
    steps = [A.click(*RESOURCES_VIEW)]
    for p in ctx.private["people"]:
        steps += [A.hotkey("ctrl", "i"), A.hotkey("ctrl", "shift", "e"), A.press("tab"), A.type(p["name"]),
                  A.press("tab"), A.type(p["short"]), A.click(*EMAIL_ENTRY), A.type(p["email"]),
                  A.click(*COST_ENTRY), A.hotkey("ctrl", "a"), A.type(f"{p['rate']:g}"), A.press("tab"),
                  A.press("escape")]
    return _save(steps)
