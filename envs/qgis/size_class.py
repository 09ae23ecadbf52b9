"""size-class: a text field size_class from each parcel's planar area (small < 500 <= medium < 2000 <= large)."""

from __future__ import annotations

from gym_anything.authoring import OracleContext, VerifyContext

from .check import console, gate_others, layers


def _area(ring: list) -> float:
    """The planar area of an open ring, taken about its first vertex (no cancellation at UTM magnitudes)."""
    x0, y0 = ring[0]
    pts = [(x - x0, y - y0) for x, y in ring]
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1], strict=True))) / 2


def _class(area: float) -> str:
    return "small" if area < 500 else "medium" if area < 2000 else "large"


def verify(ctx: VerifyContext) -> None:
    """Gates: size_class added (nothing else), every parcel kept; scored: each class's parcels right."""
    names, rows, onames, orows = layers(ctx, "parcels")
    ctx.require("size_class field added, no other field changed", names == [*onames, "size_class"],
                f"columns {names}")
    ctx.require("no parcel added or deleted", sorted(rows) == sorted(orows),
                f"{len(rows)} parcels, {len(orows)} before")
    gate_others(ctx, rows, orows, onames, set())
    want = {fid: _class(_area(orows[fid]["geom"][1][0][:-1])) for fid in orows}
    for label in ("small", "medium", "large"):
        fids = [fid for fid in orows if want[fid] == label]
        bad = [fid for fid in orows if (rows[fid]["size_class"] == label) != (want[fid] == label)]
        ctx.check(f"{label} parcels classified", not bad, f"{len(fids)} {label} parcels; wrong for fids {bad[:8]}")


def oracle(ctx: OracleContext) -> list[dict]:
    """One console line: add the field, classify each parcel by its geometry's area and commit."""
    code = ("l=iface.activeLayer();l.startEditing();l.addAttribute(QgsField('size_class',QVariant.String));"
            "l.updateFields();i=l.fields().indexOf('size_class');"
            "[l.changeAttributeValue(f.id(),i,'small' if a<5e2 else 'medium' if a<2e3 else 'large') "
            "for f in l.getFeatures() for a in [f.geometry().area()]];print(l.commitChanges())")
    return console(code)
