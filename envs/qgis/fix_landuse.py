"""fix-landuse: misspelt land-use values corrected, nothing else changed."""

from __future__ import annotations

from gym_anything.authoring import OracleContext, VerifyContext

from .check import console, gate_others, layers


def verify(ctx: VerifyContext) -> None:
    """Gate: no feature added or lost, the others unchanged; scored: each misspelt parcel corrected."""
    names, rows, onames, orows = layers(ctx, "parcels")
    ctx.require("no parcel added or deleted", sorted(rows) == sorted(orows),
                f"{len(rows)} parcels, {len(orows)} before")
    fixes = {int(fid): value for fid, value in ctx.private["fixes"]}
    gate_others(ctx, rows, orows, onames, set(fixes))
    ctx.require("no field added or removed", names == onames, f"columns {names}")
    for fid, want in sorted(fixes.items()):
        got = rows[fid]
        ok = got["landuse"] == want and all(got[c] == orows[fid][c] for c in onames if c not in ("geom", "landuse"))
        ctx.check(f"parcel {orows[fid]['parcel_id']} corrected", ok, f"landuse {got['landuse']!r}")


def oracle(ctx: OracleContext) -> list[dict]:
    """One console line: set each misspelt parcel's value by feature id and commit."""
    pairs = ",".join(f"({fid},'{value}')" for fid, value in ctx.private["fixes"])
    code = ("l=iface.activeLayer();i=l.fields().indexOf('landuse');l.startEditing();"
            f"[l.changeAttributeValue(x,i,v) for x,v in [{pairs}]];print(l.commitChanges())")
    return console(code)
