"""delete-retired: the parcels whose status is Retired deleted, every other parcel kept unchanged."""

from __future__ import annotations

from gym_anything.authoring import OracleContext, VerifyContext

from .check import console, gate_others, layers


def verify(ctx: VerifyContext) -> None:
    """Gates: no field changed, every other parcel kept unchanged, none added; scored: each retired parcel gone."""
    names, rows, onames, orows = layers(ctx, "parcels")
    ctx.require("no field added or removed", names == onames, f"columns {names}")
    retired = set(ctx.private["retired_fids"])
    gate_others(ctx, rows, orows, onames, retired)
    ctx.require("no parcel added", set(rows) <= set(orows), f"new fids {sorted(set(rows) - set(orows))[:8]}")
    for fid in sorted(retired):
        ctx.check(f"retired parcel {orows[fid]['parcel_id']} deleted", fid not in rows, "still in the layer"
                  if fid in rows else "deleted")


def oracle(ctx: OracleContext) -> list[dict]:
    """One console line: delete the features whose status is Retired and commit."""
    code = ("l=iface.activeLayer();l.startEditing();"
            "l.deleteFeatures([f.id() for f in l.getFeatures() if f['status']=='Retired']);print(l.commitChanges())")
    return console(code)
