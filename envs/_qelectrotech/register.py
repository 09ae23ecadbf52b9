"""The update-drawing-register task: setup, verifier and oracle (its own file: editing it stales only this task)."""

from __future__ import annotations

from gym_anything import actions as A
from gym_anything.authoring import OracleContext, SetupContext, VerifyContext

from . import project as P
from .oracle import _folio_properties, _save, _set
from .verifier import _folios

REVISION_NOTES = ["VFD retrofit", "revised interlocks", "new limit switches", "as built", "PLC migration",
                  "spare I/O added", "cable numbers updated", "client comments"]



def _others_unchanged(ctx: VerifyContext, before: list[dict], after: list[dict], allowed: dict[int, set]) -> None:
    """Gate: no title-block field changed but ``allowed[folio]``."""
    others = []
    for i, (b, a) in enumerate(zip(before, after, strict=True), start=1):
        fields = [f for f in P.SIGNATURE_FIELDS if b["fields"][f] != a["fields"][f] and f not in allowed.get(i, ())]
        if fields:
            others.append(f"folio {i}: {fields}")
    ctx.require("no other title-block field changed", not others, "; ".join(others[:6]))


def setup(ctx: SetupContext) -> dict:
    """6-8 folios revised: each gets the new title and revision index of the drawing register."""
    pr = P.build(ctx)
    n = len(pr["folios"])
    count = int(ctx.rng.integers(6, 9))
    targets = sorted(int(i) + 2 for i in ctx.rng.choice(n - 1, size=count, replace=False))
    changes = []
    for k in targets:
        old = pr["folios"][k - 1]
        rev = P.REVISIONS[P.REVISIONS.index(old["indexrev"]) + 1]
        note = str(ctx.rng.choice(REVISION_NOTES))
        changes.append({"folio": k, "title": f"{old['title']} - {note}", "indexrev": rev})
    P.write(ctx, pr)
    ctx.public["register"] = "; ".join(f"folio {c['folio']}: title \"{c['title']}\", revision {c['indexrev']}"
                                       for c in changes)
    return {"changes": changes}


def verify(ctx: VerifyContext) -> None:
    """Gate: only the registered folios' title and revision changed; scored: each folio's title and revision."""
    before, after = _folios(ctx)
    changes = ctx.private["changes"]
    _others_unchanged(ctx, before, after, {c["folio"]: {"title", "indexrev"} for c in changes})
    for c in changes:
        got = after[c["folio"] - 1]["fields"]
        ctx.check(f"folio {c['folio']} title", got["title"] == c["title"], f"title {got['title']!r}")
        ctx.check(f"folio {c['folio']} revision {c['indexrev']}", got["indexrev"] == c["indexrev"],
                  f"revision {got['indexrev']!r}")


def solve(ctx: OracleContext) -> list[dict]:
    steps: list[dict] = []
    for c in ctx.private["changes"]:
        steps += [*_folio_properties(c["folio"]), *_set("title", c["title"]), *_set("indexrev", c["indexrev"]),
                  A.press("return"), A.wait(0.5)]
    return [*steps, *_save()]
