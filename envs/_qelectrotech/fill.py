"""The fill-title-block task: setup, verifier and oracle (its own file: editing it stales only this task)."""

from __future__ import annotations

from gym_anything import actions as A
from gym_anything.authoring import OracleContext, SetupContext, VerifyContext

from . import project as P
from .oracle import _folio_properties, _save, _set
from .verifier import _folios


def _others_unchanged(ctx: VerifyContext, before: list[dict], after: list[dict], allowed: dict[int, set]) -> None:
    """Gate: no title-block field changed but ``allowed[folio]``."""
    others = []
    for i, (b, a) in enumerate(zip(before, after, strict=True), start=1):
        fields = [f for f in P.SIGNATURE_FIELDS if b["fields"][f] != a["fields"][f] and f not in allowed.get(i, ())]
        if fields:
            others.append(f"folio {i}: {fields}")
    ctx.require("no other title-block field changed", not others, "; ".join(others[:6]))


def setup(ctx: SetupContext) -> dict:
    """2-3 folios added by a subcontractor with empty title blocks: author, drawing number, plant, location, rev."""
    pr = P.build(ctx)
    n = len(pr["folios"])
    count = int(ctx.rng.integers(2, 4))
    targets = sorted(int(i) + 2 for i in ctx.rng.choice(n - 1, size=count, replace=False))
    for k in targets:
        d = pr["kept"][k - 1]
        for f in ("author", "filename", "plant", "locmach", "indexrev"):
            d.set(f, "")
    P.write(ctx, pr)
    expect = [{"folio": k, "author": pr["initials"], "filename": f"{pr['prefix']}-{k:02d}", "plant": pr["plant"],
               "locmach": pr["cabinet"], "indexrev": "A"} for k in targets]
    ctx.public.update(folios=", ".join(str(k) for k in targets), author=pr["initials"], plant=pr["plant"],
                      location=pr["cabinet"], numbers=", ".join(f"folio {e['folio']}: {e['filename']}" for e in expect))
    return {"expect": expect}



def verify(ctx: VerifyContext) -> None:
    """Gate: only the empty title blocks were filled; scored: each of their five fields."""
    before, after = _folios(ctx)
    expect = ctx.private["expect"]
    names = ("author", "filename", "plant", "locmach", "indexrev")
    _others_unchanged(ctx, before, after, {e["folio"]: set(names) for e in expect})
    for e in expect:
        got = after[e["folio"] - 1]["fields"]
        for f in names:
            ctx.check(f"folio {e['folio']} {P.FIELDS[f]}", got[f] == e[f], f"{got[f]!r}")



def solve(ctx: OracleContext) -> list[dict]:
    steps: list[dict] = []
    for e in ctx.private["expect"]:
        steps += _folio_properties(e["folio"])
        for f in ("author", "filename", "plant", "locmach", "indexrev"):
            steps += _set(f, e[f])
        steps += [A.press("return"), A.wait(0.5)]
    return [*steps, *_save()]

