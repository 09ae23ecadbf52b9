"""A small ASCII DXF writer and reader for the LibreCAD tasks (standard library only).

Setup writes an AutoCAD R12 drawing (HEADER, a LAYER table, ENTITIES); LibreCAD saves DXF 2007 through
libdxfrw. The reader walks the group-code/value pairs of the TABLES (layer names) and ENTITIES sections and
returns plain dicts: ``{"type", "layer", "x", "y", "x2", "y2", "r", "text", "points", "closed"}``.
"""

from __future__ import annotations

from pathlib import Path

Entity = dict


def _pairs(text: str) -> list[tuple[int, str]]:
    """The (group code, value) pairs of a DXF file."""
    lines = text.splitlines()
    if len(lines) % 2:
        lines = lines[:-1]
    return [(int(lines[i].strip()), lines[i + 1].strip()) for i in range(0, len(lines), 2)]


def _section(pairs: list[tuple[int, str]], name: str) -> list[tuple[int, str]]:
    """The pairs between ``0 SECTION / 2 name`` and its ``0 ENDSEC``; empty when absent."""
    for i in range(len(pairs) - 1):
        if pairs[i] == (0, "SECTION") and pairs[i + 1] == (2, name):
            end = pairs.index((0, "ENDSEC"), i)
            return pairs[i + 2:end]
    return []


def _chunks(pairs: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """Split a section into records, each starting at a code-0 pair."""
    out: list[list[tuple[int, str]]] = []
    for code, value in pairs:
        if code == 0:
            out.append([(code, value)])
        elif out:
            out[-1].append((code, value))
    return out


def _first(rec: list[tuple[int, str]], code: int, default: str = "") -> str:
    return next((v for c, v in rec if c == code), default)


def _num(rec: list[tuple[int, str]], code: int) -> float:
    return float(_first(rec, code, "0"))


def read(path: Path) -> tuple[list[str], list[Entity]]:
    """(layer names, entities) of a DXF file; raises on a file that is not DXF."""
    pairs = _pairs(Path(path).read_text(encoding="utf-8", errors="replace"))
    layers = [_first(r, 2) for r in _chunks(_section(pairs, "TABLES")) if r[0] == (0, "LAYER")]
    entities: list[Entity] = []
    records = _chunks(_section(pairs, "ENTITIES"))
    i = 0
    while i < len(records):
        rec = records[i]
        kind = rec[0][1]
        ent: Entity = {"type": kind, "layer": _first(rec, 8, "0")}
        if kind in ("LINE", "POINT", "CIRCLE", "TEXT", "MTEXT", "ARC", "INSERT"):
            ent.update(x=_num(rec, 10), y=_num(rec, 20))
        if kind == "LINE":
            ent.update(x2=_num(rec, 11), y2=_num(rec, 21))
        if kind in ("CIRCLE", "ARC"):
            ent["r"] = _num(rec, 40)
        if kind in ("TEXT", "MTEXT"):
            ent["text"] = _first(rec, 1)
        if kind == "INSERT":
            ent["text"] = _first(rec, 2)
        if kind == "LWPOLYLINE":
            xs = [float(v) for c, v in rec if c == 10]
            ys = [float(v) for c, v in rec if c == 20]
            ent.update(points=list(zip(xs, ys, strict=False)), closed=bool(int(_first(rec, 70, "0")) & 1))
        if kind == "POLYLINE":
            points = []
            i += 1
            while i < len(records) and records[i][0][1] == "VERTEX":
                points.append((_num(records[i], 10), _num(records[i], 20)))
                i += 1
            ent.update(points=points, closed=bool(int(_first(rec, 70, "0")) & 1))
        entities.append(ent)
        i += 1
    return layers, entities


def segments(entities: list[Entity], layer: str | None = None) -> list[tuple[tuple[float, float], ...]]:
    """Straight segments (LINEs and polyline edges) on a layer, each as a sorted pair of rounded points."""
    out = []
    for e in entities:
        if layer is not None and e["layer"] != layer:
            continue
        if e["type"] == "LINE":
            pts = [(e["x"], e["y"]), (e["x2"], e["y2"])]
            out.append(seg(pts[0], pts[1]))
        elif e["type"] in ("LWPOLYLINE", "POLYLINE"):
            pts = list(e["points"])
            if e["closed"] and pts:
                pts.append(pts[0])
            out += [seg(a, b) for a, b in zip(pts, pts[1:], strict=False)]
    return out


def seg(a: tuple[float, float], b: tuple[float, float]) -> tuple[tuple[float, float], ...]:
    pa, pb = (round(a[0], 2), round(a[1], 2)), (round(b[0], 2), round(b[1], 2))
    return tuple(sorted([pa, pb]))


def signature(e: Entity) -> tuple:
    """A comparable key of an entity: type, layer and rounded geometry/text."""
    keys = ("x", "y", "x2", "y2", "r")
    geo = tuple(round(e[k], 2) for k in keys if k in e)
    pts = tuple((round(x, 2), round(y, 2)) for x, y in e.get("points", []))
    return (e["type"], e["layer"].casefold(), geo, pts, e.get("text", ""))


# --- writing ---------------------------------------------------------------------------------------------


def _fmt(v: float) -> str:
    return f"{v:.4f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)


RATIO = 1.9  # width / height of the drawing area of the maximised window


def write(path: Path, layers: list[tuple[str, int]], entities: list[Entity]) -> None:
    """Write an R12 DXF with the given (layer, colour) table and LINE/CIRCLE/POINT/TEXT entities."""
    out: list[str] = []

    def g(code: int, value: object) -> None:
        out.extend([f"{code:>3}", _fmt(value) if isinstance(value, float) else str(value)])

    g(0, "SECTION"), g(2, "HEADER"), g(9, "$ACADVER"), g(1, "AC1009"), g(9, "$INSUNITS"), g(70, 4)
    g(0, "ENDSEC")
    xs = [v for e in entities for v in (e["x"], e.get("x2", e["x"]))] or [0.0]
    ys = [v for e in entities for v in (e["y"], e.get("y2", e["y"]))] or [0.0]
    g(0, "SECTION"), g(2, "TABLES")
    # The active viewport: LibreCAD opens at this view, not at its default zoom around the origin. It maps the
    # view with offset = canvas - 2 * centre * factor (factor = canvas height / view height at this 1.9 ratio),
    # so the centre written is the one that puts the drawing's centre mid-canvas.
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    h = max(max(ys) - min(ys), (max(xs) - min(xs)) / RATIO) * 1.08 or 100.0
    g(0, "TABLE"), g(2, "VPORT"), g(70, 1), g(0, "VPORT"), g(2, "*ACTIVE"), g(70, 0)
    g(10, 0.0), g(20, 0.0), g(11, 1.0), g(21, 1.0)
    g(12, float(RATIO * h / 4 + cx / 2)), g(22, float(h / 4 + cy / 2))
    g(40, float(h)), g(41, RATIO), g(0, "ENDTAB")
    g(0, "TABLE"), g(2, "LAYER"), g(70, len(layers))
    for name, colour in layers:
        g(0, "LAYER"), g(2, name), g(70, 0), g(62, colour), g(6, "CONTINUOUS")
    g(0, "ENDTAB"), g(0, "ENDSEC")
    g(0, "SECTION"), g(2, "ENTITIES")
    for e in entities:
        g(0, e["type"]), g(8, e["layer"])
        g(10, float(e["x"])), g(20, float(e["y"])), g(30, 0.0)
        if e["type"] == "LINE":
            g(11, float(e["x2"])), g(21, float(e["y2"])), g(31, 0.0)
        elif e["type"] == "CIRCLE":
            g(40, float(e["r"]))
        elif e["type"] == "TEXT":
            g(40, float(e.get("h", 2.5))), g(1, e["text"])
    g(0, "ENDSEC"), g(0, "EOF")
    Path(path).write_text("\n".join(out) + "\n", encoding="utf-8")
