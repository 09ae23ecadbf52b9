"""A minimal GeoPackage writer and reader (sqlite3 + struct): layers of points or polygons in UTM zone 33N."""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path
from typing import Any

SRS_ID = 32633
SRS_WKT = ('PROJCS["WGS 84 / UTM zone 33N",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,'
           '298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
           'PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",15],PARAMETER["scale_factor",0.9996],'
           'PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1],AUTHORITY["EPSG","32633"]]')
META = """
CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY,
  organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name));
"""

Ring = list[tuple[float, float]]


def point_blob(x: float, y: float) -> bytes:
    """A GeoPackage geometry: header (no envelope) + little-endian WKB point."""
    return b"GP" + bytes([0, 1]) + struct.pack("<i", SRS_ID) + struct.pack("<BIdd", 1, 1, x, y)


def polygon_blob(ring: Ring) -> bytes:
    """A GeoPackage geometry: header with an XY envelope + little-endian WKB polygon of one closed ring."""
    closed = ring if ring[0] == ring[-1] else [*ring, ring[0]]
    xs, ys = [p[0] for p in closed], [p[1] for p in closed]
    head = b"GP" + bytes([0, 3]) + struct.pack("<i", SRS_ID) + struct.pack("<dddd", min(xs), max(xs), min(ys), max(ys))
    wkb = struct.pack("<BIII", 1, 3, 1, len(closed)) + b"".join(struct.pack("<dd", x, y) for x, y in closed)
    return head + wkb


def parse_blob(blob: bytes) -> tuple[str, Any]:
    """('Point', (x, y)) or ('Polygon', [ring, ...]) from a GeoPackage geometry; raises on anything else."""
    if blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry")
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 7]
    wkb = blob[8 + envelope:]
    order = "<" if wkb[0] == 1 else ">"
    kind = struct.unpack(order + "I", wkb[1:5])[0] % 1000
    if kind == 1:
        return "Point", struct.unpack(order + "dd", wkb[5:21])
    if kind == 3:
        (nrings,), at, rings = struct.unpack(order + "I", wkb[5:9]), 9, []
        for _ in range(nrings):
            (n,) = struct.unpack(order + "I", wkb[at:at + 4])
            at += 4
            rings.append([struct.unpack(order + "dd", wkb[at + 16 * i:at + 16 * i + 16]) for i in range(n)])
            at += 16 * n
        return "Polygon", rings
    if kind == 6:  # a multipolygon of one polygon (QGIS may promote)
        (nparts,) = struct.unpack(order + "I", wkb[5:9])
        if nparts != 1:
            raise ValueError(f"multipolygon of {nparts} parts")
        return parse_blob(blob[:8 + envelope] + wkb[9:])
    raise ValueError(f"geometry type {kind}")


def ring_area(ring: Ring) -> float:
    """The shoelace area of a ring."""
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2


def write_layer(path: Path, table: str, geometry: str, columns: list[tuple[str, str]],
                rows: list[tuple[bytes, tuple]], bounds: tuple[float, float, float, float]) -> None:
    """Write a GeoPackage with one feature table (fid, geom, columns) holding ``rows`` (blob, values)."""
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.execute("PRAGMA application_id = 1196444487")
    con.execute("PRAGMA user_version = 10200")
    con.executescript(META)
    con.execute("INSERT INTO gpkg_spatial_ref_sys VALUES (?,?,?,?,?,?)",
                ("WGS 84 / UTM zone 33N", SRS_ID, "EPSG", SRS_ID, SRS_WKT, None))
    con.execute("INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS',-1,'NONE',-1,'undefined',NULL)")
    con.execute("INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS',0,'NONE',0,'undefined',NULL)")
    con.execute("INSERT INTO gpkg_contents VALUES (?,?,?,?,?,?,?,?,?,?)",
                (table, "features", table, "", "2024-03-01T09:00:00.000Z", *bounds, SRS_ID))
    con.execute("INSERT INTO gpkg_geometry_columns VALUES (?,?,?,?,0,0)", (table, "geom", geometry, SRS_ID))
    cols = ", ".join(f'"{name}" {kind}' for name, kind in columns)
    con.execute(f'CREATE TABLE "{table}" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom {geometry}, {cols})')
    marks = ",".join("?" * (len(columns) + 1))
    con.executemany(f'INSERT INTO "{table}" (geom, {", ".join(n for n, _ in columns)}) VALUES ({marks})',
                    [(blob, *values) for blob, values in rows])
    con.commit()
    con.close()


def read_layer(path: Path, table: str) -> tuple[list[str], dict[int, dict[str, Any]]]:
    """The column names and {fid: {column: value, 'geom': parsed geometry}} of a saved layer."""
    if not path.is_file():
        raise FileNotFoundError(path)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        cur = con.execute(f'SELECT * FROM "{table}"')
        names = [d[0] for d in cur.description]
        rows = {}
        for row in cur.fetchall():
            rec = dict(zip(names, row, strict=True))
            rec["geom"] = parse_blob(rec["geom"]) if rec["geom"] is not None else None
            rows[int(rec["fid"])] = rec
    finally:
        con.close()
    return names, rows
