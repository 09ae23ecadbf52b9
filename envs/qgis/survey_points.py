"""survey-points: a field book's points added in its order, with point_id, code and surveyor, the rest kept.

The oracle writes each point straight to the GeoPackage through the layer's data provider, so the feature ids
follow the book and every line is saved as it is entered.
"""

from __future__ import annotations

from gym_anything import actions as A
from gym_anything.authoring import OracleContext, VerifyContext

from .check import CLOSE, gate_others, layers


def verify(ctx: VerifyContext) -> None:
    """Gates: no field changed, the old points kept, no more new points than the book; scored: each book line."""
    names, rows, onames, orows = layers(ctx, "survey_points")
    ctx.require("no field added or removed", names == onames, f"columns {names}")
    gate_others(ctx, rows, orows, onames, set())
    points = ctx.private["points"]
    new = sorted(set(rows) - set(orows))
    ctx.require("no more new points than the field book has", len(new) <= len(points),
                f"{len(new)} new points, the book has {len(points)}")
    for k, p in enumerate(points):
        got = rows[new[k]] if k < len(new) else None
        ok = got is not None and got["geom"] is not None and got["geom"][0] == "Point" and \
            abs(got["geom"][1][0] - p["x"]) <= CLOSE and abs(got["geom"][1][1] - p["y"]) <= CLOSE and \
            got["point_id"] == p["point_id"] and got["code"] == p["code"] and got["surveyor"] == ctx.private["surveyor"]
        found = "missing" if got is None else f"{got['point_id']} {got['code']} {got['surveyor']} {got['geom']}"
        ctx.check(f"point {k + 1} of the book ({p['point_id']}) added", ok, found)


def _line(code: str) -> list[dict]:
    return [A.type(code), A.press("enter")]


def oracle(ctx: OracleContext) -> list[dict]:
    """Open the console, define an add-point helper, then one line per book entry."""
    steps = [A.hotkey("ctrl", "alt", "p"), A.wait(2.0), *_line("l=iface.activeLayer();d=l.dataProvider()")]
    steps += _line("p=lambda n,c,x,y:(f:=QgsFeature(l.fields()),f.setGeometry(QgsGeometry.fromPointXY("
                   f"QgsPointXY(x,y))),f.setAttributes([None,n,c,{ctx.private['surveyor']!r}]),d.addFeatures([f]))")
    for p in ctx.private["points"]:
        steps += _line(f"p({p['point_id']!r},{p['code']!r},{p['x']:.2f},{p['y']:.2f})")
    return [*steps, *_line("l.triggerRepaint()"), A.wait(1.0)]
