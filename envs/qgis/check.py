"""Verifier and oracle helpers shared by the QGIS tasks: the saved layer against the private original."""

from __future__ import annotations

from typing import Any

from gym_anything import actions as A
from gym_anything.actions import MAX_TEXT
from gym_anything.authoring import VerifyContext

from .gpkg import read_layer

CLOSE = 0.005


def layers(ctx: VerifyContext, table: str) -> tuple[list[str], dict[int, dict], list[str], dict[int, dict]]:
    """(saved columns, saved features, original columns, original features); a gate fails without the file."""
    path = ctx.home / ctx.params["file"]
    ctx.require(f"{path.name} exists", path.is_file(), str(path.name))
    names, rows = read_layer(path, table)
    onames, orows = read_layer(ctx.private_dir / "original.gpkg", table)
    return names, rows, onames, orows


def same_geometry(a: Any, b: Any) -> bool:
    """Two parsed geometries equal within half a centimetre."""
    if a is None or b is None or a[0] != b[0]:
        return False
    if a[0] == "Point":
        return all(abs(p - q) <= CLOSE for p, q in zip(a[1], b[1], strict=True))
    ra, rb = a[1], b[1]
    return len(ra) == len(rb) and all(len(x) == len(y) and all(
        abs(p[0] - q[0]) <= CLOSE and abs(p[1] - q[1]) <= CLOSE for p, q in zip(x, y, strict=True))
        for x, y in zip(ra, rb, strict=True))


def unchanged(saved: dict, original: dict, columns: list[str], skip: tuple[str, ...] = ()) -> bool:
    """The feature kept its geometry and every original column except ``skip``."""
    return same_geometry(saved["geom"], original["geom"]) and all(
        saved.get(c) == original[c] for c in columns if c not in ("geom", "fid", *skip))


def gate_others(ctx: VerifyContext, rows: dict, orows: dict, onames: list[str], fids: set[int],
                skip: tuple[str, ...] = ()) -> None:
    """Gate: every original feature outside ``fids`` is still there, unchanged apart from ``skip`` columns."""
    bad = [f for f in sorted(orows)
           if f not in fids and (f not in rows or not unchanged(rows[f], orows[f], onames, skip))]
    ctx.require("every other feature kept unchanged", not bad, f"changed or missing: fids {bad[:10]}")


def console(code: str) -> list[dict]:
    """Open the Python console (ctrl+alt+p) and run one line of code in it."""
    return [A.hotkey("ctrl", "alt", "p"), A.wait(2.0), *run(code)]


def run(code: str) -> list[dict]:
    """Type one line into the focused console input and press Return."""
    assert len(code) <= MAX_TEXT, len(code)
    return [A.type(code), A.press("enter"), A.wait(1.0)]
