"""Verifiers for LibreCAD tasks: read the DXF the app saved, compare it with the pristine drawing from setup.

Gates: the drawing exists and parses, every original entity is still there (same type, layer and geometry),
the target layer exists, and nothing was added beyond the requested work. Scored: the requested entities,
matched with a 0.01 drawing-unit tolerance, in groups so that partial work earns partial credit.
"""

from __future__ import annotations

import math
from collections import Counter

from gym_anything.authoring import VerifyContext

from . import dxf

TOL = 0.011


def load(ctx: VerifyContext, layer: str, must_exist: bool = True) -> list[dict]:
    """Gates on the saved drawing; returns the entities added to the original drawing."""
    path = ctx.home / ctx.params["file"]
    ctx.require("drawing saved", path.is_file(), path.name)
    layers, saved = dxf.read(path)
    ctx.require("drawing has entities", bool(saved), f"{len(saved)} entities")
    _, original = dxf.read(ctx.private_dir / "original.dxf")
    have = Counter(dxf.signature(e) for e in saved)
    want = Counter(dxf.signature(e) for e in original)
    lost = want - have
    ctx.require("existing drawing unchanged", not lost,
                f"{sum(lost.values())} original entities missing or changed, e.g. {list(lost)[:2]}")
    if must_exist:
        ctx.require(f"layer {layer} still exists", layer.casefold() in {n.casefold() for n in layers},
                    f"layers: {layers}")
    pool = list(want.elements())
    added = []
    for e in saved:
        sig = dxf.signature(e)
        if sig in pool:
            pool.remove(sig)
        else:
            added.append(e)
    return added


def close(a: float, b: float) -> bool:
    return abs(a - b) <= TOL


def match(added: list[dict], wanted: list, same) -> tuple[list[int], list[dict], list[int]]:
    """Greedy one-to-one matching: (indices of wanted items found, added entities left unmatched, and the
    position in the saved file of each found item's entity, in wanted order)."""
    left = list(range(len(added)))
    found, positions = [], []
    for i, w in enumerate(wanted):
        hit = next((k for k in left if same(added[k], w)), None)
        if hit is not None:
            left.remove(hit)
            found.append(i)
            positions.append(hit)
    return found, [added[k] for k in left], positions


def in_order(ctx: VerifyContext, label: str, found: list[int], total: int, positions: list[int]) -> None:
    """Scored: every item drawn, in the order listed (LibreCAD saves entities in the order they were drawn)."""
    ordered = len(found) == total and positions == sorted(positions)
    first = next((found[n + 1] + 1 for n in range(len(positions) - 1) if positions[n + 1] < positions[n]), None)
    ctx.check(f"{label} drawn in the order listed", ordered,
              f"{len(found)} of {total} drawn" + (f"; #{first} drawn before an earlier one" if first else ""))


def score_groups(ctx: VerifyContext, label: str, found: list[int], total: int, groups: int) -> None:
    """Scored items: the wanted items in ``groups`` consecutive blocks, each passed when all of it was found."""
    have = set(found)
    size = max(1, math.ceil(total / groups))
    for start in range(0, total, size):
        block = range(start, min(total, start + size))
        missing = [i + 1 for i in block if i not in have]
        ctx.check(f"{label} {block.start + 1}-{block.stop}", not missing, f"missing: {missing[:8]}")


def no_extras(ctx: VerifyContext, left: list[dict]) -> None:
    ctx.require("nothing else added", not left,
                f"{len(left)} unexpected entities, e.g. {[dxf.signature(e) for e in left[:3]]}")


def on_layer(e: dict, layer: str) -> bool:
    return e["layer"].casefold() == layer.casefold()


# --- tasks ----------------------------------------------------------------------------------------------


def stakeout_points(ctx: VerifyContext) -> None:
    """Every stake as a POINT on the layer; nothing else added."""
    layer = ctx.private["layer"]
    added = load(ctx, layer)
    points = ctx.private["points"]

    def same(e: dict, p: list[float]) -> bool:
        return e["type"] == "POINT" and on_layer(e, layer) and close(e["x"], p[0]) and close(e["y"], p[1])

    found, left, positions = match(added, points, same)
    no_extras(ctx, left)
    score_groups(ctx, "stakes", found, len(points), 5)
    in_order(ctx, "stakes", found, len(points), positions)


def _edges(ctx: VerifyContext, added: list[dict], layer: str, wanted: list) -> tuple[list[int], list]:
    """Match straight segments drawn on ``layer`` one-to-one with the wanted segments; (found, leftovers)."""
    other = [e for e in added if not (on_layer(e, layer) and e["type"] in ("LINE", "LWPOLYLINE", "POLYLINE"))]
    drawn = dxf.segments([e for e in added if e not in other], layer=None)
    want = [dxf.seg((w[0], w[1]), (w[2], w[3])) for w in wanted]
    left = list(drawn)
    found = []
    for i, w in enumerate(want):
        hit = next((s for s in left if all(close(a, b) for p, q in zip(s, w, strict=True)
                                          for a, b in zip(p, q, strict=True))), None)
        if hit is not None:
            left.remove(hit)
            found.append(i)
    return found, [*other, *left]


def part_outline(ctx: VerifyContext) -> None:
    """The closed outline: every edge between consecutive vertices (and last to first) on the layer."""
    layer = ctx.private["layer"]
    added = load(ctx, layer)
    v = ctx.private["vertices"]
    wanted = [[*v[i], *v[(i + 1) % len(v)]] for i in range(len(v))]
    found, left = _edges(ctx, added, layer, wanted)
    ctx.require("nothing else added", not left, f"{len(left)} unexpected entities or segments, e.g. {left[:3]}")
    score_groups(ctx, "outline edges", found, len(wanted), 4)


def drill_holes(ctx: VerifyContext) -> None:
    """Every hole as a CIRCLE of half its diameter at its centre, on the layer."""
    layer = ctx.private["layer"]
    added = load(ctx, layer)
    holes = ctx.private["holes"]

    def same(e: dict, h: list[float]) -> bool:
        return (e["type"] == "CIRCLE" and on_layer(e, layer) and close(e["x"], h[0]) and close(e["y"], h[1])
                and close(e["r"], h[2] / 2))

    found, left, positions = match(added, holes, same)
    no_extras(ctx, left)
    score_groups(ctx, "holes", found, len(holes), 4)
    in_order(ctx, "holes", found, len(holes), positions)


def room_outlines(ctx: VerifyContext) -> None:
    """A new layer; on it, each room's rectangle (its four walls as segments), one rectangle per room.

    Walls shared by two rooms are wanted twice. A missing wall is charged to a room already missing another
    wall when it could belong to either, so one room left out fails that room alone.
    """
    layer = ctx.private["layer"]
    path = ctx.home / ctx.params["file"]
    ctx.require("drawing saved", path.is_file(), path.name)
    layers, _ = dxf.read(path)
    ctx.check(f"layer {layer} created", layer.casefold() in {n.casefold() for n in layers}, f"layers: {layers}")
    added = load(ctx, layer, must_exist=False)
    rooms = ctx.private["room_list"]
    walls = [[dxf.seg((x, y), (x + w, y)), dxf.seg((x + w, y), (x + w, y + d)), dxf.seg((x, y + d), (x + w, y + d)),
              dxf.seg((x, y), (x, y + d))] for x, y, w, d in rooms]
    lines = [e for e in added if on_layer(e, layer) and e["type"] in ("LINE", "LWPOLYLINE", "POLYLINE")]
    other = [e for e in added if e not in lines]
    drawn, wanted = Counter(dxf.segments(lines)), Counter(k for room in walls for k in room)
    extra = drawn - wanted
    ctx.require("nothing else added", not other and not extra,
                f"{len(other)} unexpected entities, {sum(extra.values())} unexpected segments, e.g. "
                f"{[*other[:2], *list(extra)[:2]]}")
    missing = wanted - drawn
    short = [sum(1 for k in room if missing[k] and wanted[k] == 1) for room in walls]
    for key, count in sorted(missing.items()):
        if wanted[key] > 1:
            holders = sorted((i for i, room in enumerate(walls) if key in room), key=lambda i: -short[i])
            for i in holders[:count]:
                short[i] += 1
    for i, n in enumerate(short):
        ctx.check(f"room {i + 1} outline", n == 0, f"{n} of its 4 walls missing")


def column_grid(ctx: VerifyContext) -> None:
    """Every grid line as one LINE, from overrun to overrun, on the layer, in the order listed; nothing else."""
    layer = ctx.private["layer"]
    added = load(ctx, layer)
    lines = ctx.private["lines"]

    def same(e: dict, w: list[float]) -> bool:
        return (e["type"] == "LINE" and on_layer(e, layer)
                and dxf.seg((e["x"], e["y"]), (e["x2"], e["y2"])) == dxf.seg((w[0], w[1]), (w[2], w[3])))

    found, left, positions = match(added, lines, same)
    no_extras(ctx, left)
    score_groups(ctx, "grid lines", found, len(lines), 4)
    in_order(ctx, "grid lines", found, len(lines), positions)


def layer_standard(ctx: VerifyContext) -> None:
    """Gates: same geometry, untouched layers kept; scored per rename: new name holds the old layer's entities."""
    path = ctx.home / ctx.params["file"]
    ctx.require("drawing saved", path.is_file(), path.name)
    layers, saved = dxf.read(path)
    _, original = dxf.read(ctx.private_dir / "original.dxf")

    def shape(e: dict) -> tuple:
        return dxf.signature(dict(e, layer=""))

    ctx.require("geometry unchanged", Counter(map(shape, saved)) == Counter(map(shape, original)),
                f"{len(saved)} entities saved, {len(original)} in the received drawing")
    names = {n.casefold() for n in layers}
    for old in ["BORDER", "TITLE", *ctx.private["kept"]]:
        before = Counter(shape(e) for e in original if e["layer"] == old)
        after = Counter(shape(e) for e in saved if e["layer"] == old)
        ctx.require(f'layer "{old}" kept as it was', old.casefold() in names and before == after,
                    f"{sum(after.values())} of {sum(before.values())} entities")
    for old, new in ctx.private["renames"]:
        before = Counter(shape(e) for e in original if e["layer"] == old)
        after = Counter(shape(e) for e in saved if e["layer"] == new)
        ok = new in layers and old.casefold() not in names and before == after
        ctx.check(f'"{old}" renamed to {new}', ok,
                  f"{new} {'present' if new in layers else 'missing'}, {old} "
                  f"{'still present' if old.casefold() in names else 'gone'}, "
                  f"{sum(after.values())} of {sum(before.values())} entities on {new}")
    extra = sorted(set(layers) - {"0", "BORDER", "TITLE", *ctx.private["kept"]}
                   - {new for _, new in ctx.private["renames"]} - {old for old, _ in ctx.private["renames"]})
    ctx.require("no other layers added", not extra, f"extra layers: {extra}")
