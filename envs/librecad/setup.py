"""Setup for LibreCAD tasks: write a seeded drawing (sheet border, title block, existing work), return the values.

Every drawing is an R12 DXF with a sheet border and title block (Faker company, project, drafter), a layer table
that already holds the task's target layer, and existing geometry on other layers. The pristine entities go to
the private folder (``original.dxf``) so verifiers can prove that nothing but the requested work was added.
"""

from __future__ import annotations

import math
import shutil

from gym_anything.authoring import SetupContext

from . import dxf

COLOURS = {"BORDER": 7, "TITLE": 7, "CONTEXT": 8, "DIMS": 3, "NOTES": 2}


def _title_block(ctx: SetupContext, width: float, height: float, scale: float, title: str) -> list[dict]:
    """A sheet border with a title block in its lower right corner (lines and texts on BORDER/TITLE)."""
    fake = ctx.faker()
    ents: list[dict] = []

    def box(x0: float, y0: float, x1: float, y1: float, layer: str) -> None:
        for a, b in [((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)), ((x1, y1), (x0, y1)), ((x0, y1), (x0, y0))]:
            ents.append({"type": "LINE", "layer": layer, "x": a[0], "y": a[1], "x2": b[0], "y2": b[1]})

    m = 10 * scale
    box(-m, -m, width + m, height + m, "BORDER")
    tw, th = 180 * scale, 50 * scale
    x0, y0 = width + m - tw, -m
    box(x0, y0, width + m, y0 + th, "TITLE")
    rows = [f"CLIENT: {fake.company()}", f"PROJECT: {fake.street_address()}, {fake.city()}",
            f"TITLE: {title}", f"DRAWN: {fake.name()}   CHECKED: {fake.name()}",
            f"DWG NO: {fake.bothify('??-####').upper()}   REV {fake.random_element('ABC')}   "
            f"DATE: {fake.date_between('-2y', 'today').isoformat()}"]
    for i, text in enumerate(rows):
        ents.append({"type": "TEXT", "layer": "TITLE", "x": x0 + 4 * scale, "y": y0 + th - (9 + 9 * i) * scale,
                     "h": 3.5 * scale, "text": text})
    return ents


def _context_lines(ctx: SetupContext, width: float, height: float, count: int) -> list[dict]:
    """Existing work on CONTEXT: kerbs, fences and services as random straight runs inside the sheet."""
    rng = ctx.rng
    ents = []
    for _ in range(count):
        x, y = float(rng.uniform(0, width)), float(rng.uniform(0, height))
        ang, length = float(rng.uniform(0, math.pi)), float(rng.uniform(0.03, 0.15) * width)
        x2 = min(max(x + length * math.cos(ang), 0.0), width)
        y2 = min(max(y + length * math.sin(ang), 0.0), height)
        ents.append({"type": "LINE", "layer": "CONTEXT", "x": round(x, 1), "y": round(y, 1),
                     "x2": round(x2, 1), "y2": round(y2, 1)})
    return ents


def _write(ctx: SetupContext, layers: list[str], entities: list[dict]) -> None:
    """Write the drawing the app opens and its pristine copy for the verifier."""
    table = [("0", 7)] + [(name, COLOURS.get(name, 1 + i % 6)) for i, name in enumerate(layers)]
    path = ctx.home / ctx.params["file"]
    dxf.write(path, table, entities)
    shutil.copyfile(path, ctx.private / "original.dxf")


def _grid_value(rng, lo: float, hi: float, step: float) -> float:
    return round(float(rng.integers(int(lo / step), int(hi / step) + 1)) * step, 1)


# --- tasks ----------------------------------------------------------------------------------------------


def stakeout_points(ctx: SetupContext) -> dict:
    """A site plan in metres; 50-60 stake-out points to add as POINT entities on the SURVEY layer."""
    rng = ctx.rng
    width, height = 200.0, 140.0
    ents = _title_block(ctx, width, height, 0.5, "SETTING-OUT PLAN") + _context_lines(ctx, width, height, 80)
    count = int(rng.integers(50, 61))
    seen: set[tuple[float, float]] = set()
    points: list[list[float]] = []
    while len(points) < count:
        p = (round(float(rng.uniform(5, width - 5)), 1), round(float(rng.uniform(5, height - 5)), 1))
        if p not in seen:
            seen.add(p)
            points.append([p[0], p[1]])
    layer = ctx.params["layer"]
    _write(ctx, ["BORDER", "TITLE", "CONTEXT", layer], ents)
    ctx.public["point_list"] = "; ".join(f"P{i + 1} ({x:g}, {y:g})" for i, (x, y) in enumerate(points))
    return {"points": points, "layer": layer}


def _outline(rng) -> list[list[float]]:
    """A machined plate outline (mm): a rectangle with chamfered corners and rectangular notches, CCW."""
    w, h = int(rng.integers(14, 25)) * 10, int(rng.integers(9, 16)) * 10
    corners = [(0, 0), (w, 0), (w, h), (0, h)]
    chamfer = [int(rng.integers(0, 2)) * int(rng.integers(1, 3)) * 5 for _ in range(4)]
    notched = list(rng.permutation(4)[: int(rng.integers(2, 5))])
    pts: list[tuple[float, float]] = []
    for i in range(4):
        (x0, y0), (x1, y1) = corners[i], corners[(i + 1) % 4]
        dx, dy = (x1 - x0) / max(abs(x1 - x0), abs(y1 - y0)), (y1 - y0) / max(abs(x1 - x0), abs(y1 - y0))
        nx, ny = -dy, dx  # inward normal of a CCW outline
        c0, c1 = chamfer[i], chamfer[(i + 1) % 4]
        pts.append((x0 + dx * c0, y0 + dy * c0))
        length = abs(x1 - x0) + abs(y1 - y0)
        width = int(rng.integers(2, 5)) * 10
        hi = (length - width) // 10 - 4  # 40 mm clear of both corners: notches never meet
        if i in notched and hi > 4:
            start = int(rng.integers(4, hi)) * 10
            depth = int(rng.integers(1, 4)) * 10
            a = (x0 + dx * start, y0 + dy * start)
            b = (x0 + dx * (start + width), y0 + dy * (start + width))
            pts += [a, (a[0] + nx * depth, a[1] + ny * depth), (b[0] + nx * depth, b[1] + ny * depth), b]
        if c1:
            pts.append((x1 - dx * c1, y1 - dy * c1))
    out: list[list[float]] = []
    for p in pts:
        q = [round(float(p[0]), 1) + 0.0, round(float(p[1]), 1) + 0.0]
        if not out or q != out[-1]:
            out.append(q)
    return out


def _shifted(ents: list[dict], dx: float, dy: float) -> list[dict]:
    """The entities moved by (dx, dy)."""
    out = []
    for e in ents:
        moved = dict(e, x=e["x"] + dx, y=e["y"] + dy)
        if "x2" in e:
            moved.update(x2=e["x2"] + dx, y2=e["y2"] + dy)
        out.append(moved)
    return out


def part_outline(ctx: SetupContext) -> dict:
    """A part drawing with its centre lines and title block; the plate's outline to draw from its vertex list."""
    rng = ctx.rng
    pts = _outline(rng)
    while len(pts) < 12:
        pts = _outline(rng)
    # the part sits off the origin (no zero coordinate to type), as on a sheet with a datum corner
    ox, oy = int(rng.integers(2, 7)) * 10, int(rng.integers(2, 6)) * 10
    pts = [[p[0] + ox, p[1] + oy] for p in pts]
    w, h = max(p[0] for p in pts) - ox, max(p[1] for p in pts) - oy
    ents = _shifted(_title_block(ctx, w + 120, h + 60, 1.0, ctx.params["part"].upper()), ox - 60, oy - 30)
    cx, cy = ox + w / 2, oy + h / 2
    ents += [{"type": "LINE", "layer": "CENTRE", "x": cx, "y": oy - 15.0, "x2": cx, "y2": oy + h + 15.0},
             {"type": "LINE", "layer": "CENTRE", "x": ox - 15.0, "y": cy, "x2": ox + w + 15.0, "y2": cy}]
    layer = ctx.params["layer"]
    _write(ctx, ["BORDER", "TITLE", "CENTRE", layer], ents)
    ctx.public["vertices"] = ", ".join(f"({x:g}, {y:g})" for x, y in pts)
    return {"vertices": pts, "layer": layer}


HOLE_SIZES = [3.4, 4.5, 5.5, 6.6, 9.0, 11.0, 13.5]


def drill_holes(ctx: SetupContext) -> dict:
    """A plate outline already drawn; a hole schedule (tag, x, y, diameter) to draw as circles on a layer."""
    rng = ctx.rng
    w, h = int(rng.integers(16, 30)) * 10, int(rng.integers(10, 18)) * 10
    ents = _title_block(ctx, w + 120, h + 60, 1.0, "BASE PLATE - DRILLING")
    ents = _shifted(ents, -60, -30)
    for a, b in [((0, 0), (w, 0)), ((w, 0), (w, h)), ((w, h), (0, h)), ((0, h), (0, 0))]:
        ents.append({"type": "LINE", "layer": "OUTLINE", "x": float(a[0]), "y": float(a[1]),
                     "x2": float(b[0]), "y2": float(b[1])})
    count = int(rng.integers(10, 17))
    holes: list[list[float]] = []
    used: set[tuple[float, float]] = set()
    while len(holes) < count:
        x, y = round(float(rng.integers(3, w // 5 - 2)) * 5, 1), round(float(rng.integers(3, h // 5 - 2)) * 5, 1)
        if any(abs(x - u) < 15 and abs(y - v) < 15 for u, v in used):
            continue
        used.add((x, y))
        holes.append([x, y, float(rng.choice(HOLE_SIZES))])
    layer = ctx.params["layer"]
    _write(ctx, ["BORDER", "TITLE", "OUTLINE", layer], ents)
    ctx.public["schedule"] = "; ".join(f"H{i + 1}: x {x:g}, y {y:g}, dia {d:g}" for i, (x, y, d) in enumerate(holes))
    return {"holes": holes, "layer": layer}


ROOMS = ["Living", "Kitchen", "Dining", "Bedroom", "Bath", "WC", "Utility", "Study", "Store", "Hall", "Office",
         "Meeting", "Plant", "Cleaner", "Reception", "Kitchenette", "Print", "Server", "Lobby", "Shower"]


def room_outlines(ctx: SetupContext) -> dict:
    """An outline floor plan (mm); a room schedule (name, x, y, width, depth) to draw on a new layer."""
    rng = ctx.rng
    rooms: list[dict] = []
    names = list(rng.permutation(ROOMS))
    x0, y0 = int(rng.integers(5, 21)) * 100, int(rng.integers(5, 21)) * 100
    y = y0
    for band in range(int(rng.integers(2, 4))):
        depth = int(rng.integers(30, 56)) * 100
        x = x0
        for _ in range(int(rng.integers(3, 6))):
            width = int(rng.integers(20, 51)) * 100
            while any(r["w"] == width and r["d"] == depth for r in rooms):  # every room size distinct
                width = int(rng.integers(20, 51)) * 100
            rooms.append({"name": f"{names[len(rooms)]} {band + 1}.{len(rooms) + 1:02d}", "x": x, "y": y,
                          "w": width, "d": depth})
            x += width
        y += depth
    total_w = max(r["x"] + r["w"] for r in rooms) - x0
    total_d = y - y0
    ents = _title_block(ctx, total_w, total_d, 50.0, "GROUND FLOOR PLAN")
    ents = _shifted(ents + _context_lines(ctx, total_w, total_d, 40), x0, y0)
    _write(ctx, ["BORDER", "TITLE", "CONTEXT"], ents)
    ctx.public["rooms"] = "; ".join(f"{r['name']}: corner ({r['x']}, {r['y']}), {r['w']} x {r['d']}" for r in rooms)
    return {"room_list": [[r["x"], r["y"], r["w"], r["d"]] for r in rooms], "layer": ctx.params["layer"]}


def column_grid(ctx: SetupContext) -> dict:
    """A structural grid from bay spacings: vertical lines A.. at x, horizontal lines 1.. at y, with overrun."""
    rng = ctx.rng
    xs_sp = [int(rng.choice([6000, 6600, 7200, 7500, 8100, 9000])) for _ in range(int(rng.integers(6, 10)))]
    ys_sp = [int(rng.choice([5400, 6000, 7200, 7800, 8400])) for _ in range(int(rng.integers(4, 7)))]
    # grid A/1 off the drawing origin (a site datum), never at an overrun's distance from it
    x0, y0 = int(rng.integers(5, 20)) * 500, int(rng.integers(5, 20)) * 500
    xs = [x0] + [x0 + sum(xs_sp[: i + 1]) for i in range(len(xs_sp))]
    ys = [y0] + [y0 + sum(ys_sp[: i + 1]) for i in range(len(ys_sp))]
    over = ctx.params["overrun"]
    lines = [[x, y0 - over, x, ys[-1] + over] for x in xs] + [[x0 - over, y, xs[-1] + over, y] for y in ys]
    ents = _title_block(ctx, xs[-1] - x0 + 4 * over, ys[-1] - y0 + 4 * over, 100.0, "STRUCTURAL GRID LAYOUT")
    ents = _shifted(ents, x0 - 2 * over, y0 - 2 * over)
    layer = ctx.params["layer"]
    _write(ctx, ["BORDER", "TITLE", layer], ents)
    letters = "ABCDEFGHJK"
    ctx.public.update(grid_x0=x0, grid_y0=y0)
    ctx.public["x_bays"] = ", ".join(f"{letters[i]}-{letters[i + 1]} {s}" for i, s in enumerate(xs_sp))
    ctx.public["y_bays"] = ", ".join(f"{i + 1}-{i + 2} {s}" for i, s in enumerate(ys_sp))
    return {"lines": lines, "layer": layer}


LAYER_STANDARD = [("walls", "A-WALL"), ("Doors", "A-DOOR"), ("windows_glazing", "A-GLAZ"),
                  ("FURNITURE", "I-FURN"), ("stairs", "A-FLOR-STRS"), ("Ceiling grid", "A-CLNG-GRID"),
                  ("columns", "S-COLS"), ("Sanitary", "P-FIXT"), ("lighting", "E-LITE"),
                  ("power outlets", "E-POWR"), ("Dims", "A-ANNO-DIMS"), ("room names", "A-ANNO-IDEN"),
                  ("hatch", "A-PATT"), ("ducts", "M-HVAC-DUCT"), ("Partitions", "A-WALL-PRHT")]


def layer_standard(ctx: SetupContext) -> dict:
    """A consultant's floor plan with ad-hoc layer names; rename the listed layers to the office standard."""
    rng = ctx.rng
    width, height = 36000.0, 24000.0
    ents = _title_block(ctx, width, height, 100.0, "CONSULTANT PLAN - RECEIVED")
    picked = [LAYER_STANDARD[int(i)] for i in rng.choice(len(LAYER_STANDARD), size=int(rng.integers(8, 12)),
                                                        replace=False)]
    count = int(rng.integers(5, 8))
    renames, kept = picked[:count], [old for old, _ in picked[count:]]
    for old, _ in picked:
        for e in _context_lines(ctx, width, height, int(rng.integers(8, 30))):
            ents.append(dict(e, layer=old))
    order = ["BORDER", "TITLE"] + [picked[int(i)][0] for i in rng.permutation(len(picked))]
    _write(ctx, order, ents)
    ctx.public["renames"] = "; ".join(f'"{old}" to {new}' for old, new in renames)
    return {"renames": [[old, new] for old, new in renames], "kept": kept}
