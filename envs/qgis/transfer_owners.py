"""transfer-owners: the sold parcels' owner field set to the new owners, nothing else changed."""

from __future__ import annotations

from gym_anything.authoring import OracleContext, VerifyContext

from .check import console, gate_others, layers


def verify(ctx: VerifyContext) -> None:
    """Gates: no parcel or field added or lost, the others unchanged; scored: each sale recorded."""
    names, rows, onames, orows = layers(ctx, "parcels")
    ctx.require("no field added or removed", names == onames, f"columns {names}")
    ctx.require("no parcel added or deleted", sorted(rows) == sorted(orows),
                f"{len(rows)} parcels, {len(orows)} before")
    sold = {int(t["fid"]): t for t in ctx.private["transfers"]}
    gate_others(ctx, rows, orows, onames, set(sold))
    for fid, t in sorted(sold.items()):
        got = rows[fid]
        ok = got["owner"] == t["owner"] and all(got[c] == orows[fid][c] for c in onames if c not in ("geom", "owner"))
        ctx.check(f"{t['parcel_id']} owned by {t['owner']}", ok, f"owner {got['owner']!r}")


def oracle(ctx: OracleContext) -> list[dict]:
    """One console line: set each sold parcel's owner by feature id and commit."""
    pairs = ",".join(f"({t['fid']},{t['owner']!r})" for t in ctx.private["transfers"])
    code = ("l=iface.activeLayer();i=l.fields().indexOf('owner');l.startEditing();"
            f"[l.changeAttributeValue(x,i,v) for x,v in [{pairs}]];print(l.commitChanges())")
    return console(code)
