"""add-area: a decimal area_m2 field holding each parcel's planar area, rounded to 2 decimals."""

from __future__ import annotations

from gym_anything.authoring import OracleContext, SetupContext, VerifyContext

from .check import console, gate_others, layers
from .setup import _parcels, _write_parcels


def _area(ring: list) -> float:
    """The planar area of an open ring, taken about its first vertex (no cancellation at UTM magnitudes)."""
    x0, y0 = ring[0]
    pts = [(x - x0, y - y0) for x, y in ring]
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1], strict=True))) / 2


def setup(ctx: SetupContext) -> dict:
    """80-200 parcels; the agent adds their area in square metres (the largest parcel's fid is privileged)."""
    parcels = _parcels(ctx, int(ctx.rng.integers(80, 201)))
    _write_parcels(ctx, parcels)
    return {"largest_fid": max(range(len(parcels)), key=lambda i: parcels[i]["area"]) + 1}


def verify(ctx: VerifyContext) -> None:
    """Gates: area_m2 added (nothing else), every parcel kept; scored: areas right, rounded to 2 decimals."""
    names, rows, onames, orows = layers(ctx, "parcels")
    ctx.require("area_m2 field added, no other field changed", names == [*onames, "area_m2"], f"columns {names}")
    ctx.require("no parcel added or deleted", sorted(rows) == sorted(orows),
                f"{len(rows)} parcels, {len(orows)} before")
    gate_others(ctx, rows, orows, onames, set())
    values = {fid: rows[fid]["area_m2"] for fid in rows}
    numeric = {fid: v for fid, v in values.items() if isinstance(v, (int, float))}
    ctx.check("every parcel has a numeric area", len(numeric) == len(values),
              f"{len(values) - len(numeric)} empty or text values")
    wrong = [fid for fid, v in numeric.items() if abs(v - _area(orows[fid]["geom"][1][0][:-1])) > 0.0051]
    ctx.check("areas match the parcels' planar area", not wrong and len(numeric) == len(values),
              f"wrong for fids {wrong[:8]}")
    unrounded = [fid for fid, v in numeric.items() if abs(v * 100 - round(v * 100)) > 1e-6]
    ctx.check("areas rounded to 2 decimals", numeric and not unrounded, f"not rounded: fids {unrounded[:8]}")


def oracle(ctx: OracleContext) -> list[dict]:
    """One console line: add the field, fill it from the geometry's area and commit."""
    code = ("l=iface.activeLayer();l.startEditing();l.addAttribute(QgsField('area_m2',QVariant.Double));"
            "l.updateFields();i=l.fields().indexOf('area_m2');"
            "[l.changeAttributeValue(f.id(),i,round(f.geometry().area(),2)) for f in l.getFeatures()];"
            "print(l.commitChanges())")
    return console(code)
