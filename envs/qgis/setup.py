"""Setup for QGIS tasks: a seeded GeoPackage of cadastral parcels (or survey points) opened in QGIS.

A pristine copy of the start GeoPackage goes to the private folder as ``original.gpkg`` so verifiers can prove
that nothing else changed.
"""

from __future__ import annotations

import shutil

from gym_anything.authoring import SetupContext

from .gpkg import point_blob, polygon_blob, ring_area, write_layer

LANDUSES = ["Residential", "Commercial", "Industrial", "Agricultural", "Open Space"]
LANDUSE_WEIGHTS = [0.55, 0.15, 0.1, 0.12, 0.08]
MISSPELLED = {"Residential": ["Residental", "residential", "Resdential"],
              "Commercial": ["Comercial", "commercial", "Commerical"],
              "Industrial": ["Industral", "industrial"],
              "Agricultural": ["Agricultral", "Agriculture"],
              "Open Space": ["Openspace", "open space", "Open-Space"]}
ZONES = ["R1", "R2", "R3", "C1", "C2", "M1", "A1", "OS"]
STREETS = ["Mill Road", "Church Street", "Birch Lane", "Station Road", "Orchard Way", "Quarry Lane",
           "River Street", "Meadow Close", "Hillcrest Drive", "Market Street", "Kiln Lane", "Elm Avenue"]
PARCEL_COLUMNS = [("parcel_id", "TEXT"), ("owner", "TEXT"), ("address", "TEXT"), ("landuse", "TEXT"),
                  ("zone", "TEXT"), ("status", "TEXT"), ("assessed_value", "INTEGER")]
POINT_COLUMNS = [("point_id", "TEXT"), ("code", "TEXT"), ("surveyor", "TEXT")]
POINT_CODES = ["IP", "BM", "FH", "MH", "TR", "FN", "PP", "CP"]


def _parcels(ctx: SetupContext, n: int) -> list[dict]:
    """``n`` parcels on a jittered block grid: rings, attributes and areas."""
    fake = ctx.faker()
    rng = ctx.rng
    x0, y0 = 500000 + int(rng.integers(0, 40000)), 4640000 + int(rng.integers(0, 40000))
    cols = int(rng.integers(10, 16))
    first = int(rng.integers(10000, 60000))
    parcels, x, y, col = [], float(x0), float(y0), 0
    for i in range(n):
        w = round(float(rng.uniform(12, 70)), 2)
        d = round(float(rng.uniform(20, 75)), 2)
        skew = round(float(rng.uniform(-4, 4)), 2)
        ring = [(round(x, 2), round(y, 2)), (round(x + w, 2), round(y, 2)),
                (round(x + w + skew, 2), round(y + d, 2)), (round(x + skew, 2), round(y + d, 2))]
        landuse = LANDUSES[int(rng.choice(len(LANDUSES), p=LANDUSE_WEIGHTS))]
        parcels.append({"ring": ring, "area": ring_area(ring), "values": [
            f"P-{first + i * 3}", fake.name(),
            f"{int(rng.integers(1, 240))} {STREETS[int(rng.integers(len(STREETS)))]}",
            landuse, ZONES[int(rng.integers(len(ZONES)))], "Active", int(rng.integers(60, 950)) * 1000]})
        col += 1
        x += w + 2
        if col == cols:
            col, x, y = 0, float(x0), y + 80
    return parcels


def _write_parcels(ctx: SetupContext, parcels: list[dict]) -> None:
    path = ctx.home / ctx.params["file"]
    xs = [p[0] for q in parcels for p in q["ring"]]
    ys = [p[1] for q in parcels for p in q["ring"]]
    write_layer(path, "parcels", "POLYGON", PARCEL_COLUMNS,
                [(polygon_blob(q["ring"]), tuple(q["values"])) for q in parcels], (min(xs), min(ys), max(xs), max(ys)))
    shutil.copyfile(path, ctx.private / "original.gpkg")


def fix_landuse(ctx: SetupContext) -> dict:
    """120-260 parcels; 8-16 of them carry a misspelt land-use value."""
    parcels = _parcels(ctx, int(ctx.rng.integers(120, 261)))
    wrong = sorted(int(i) for i in ctx.rng.choice(len(parcels), size=int(ctx.rng.integers(8, 17)), replace=False))
    fixes = [[i + 1, parcels[i]["values"][3]] for i in wrong]
    for i in wrong:
        options = MISSPELLED[parcels[i]["values"][3]]
        parcels[i]["values"][3] = options[int(ctx.rng.integers(len(options)))]
    _write_parcels(ctx, parcels)
    return {"fixes": fixes}


def delete_retired(ctx: SetupContext) -> dict:
    """120-260 parcels; 6-15 are retired (merged into others) and must go, 3-6 are 'Retiring' and stay."""
    parcels = _parcels(ctx, int(ctx.rng.integers(120, 261)))
    chosen = [int(i) for i in ctx.rng.choice(len(parcels), size=int(ctx.rng.integers(9, 22)), replace=False)]
    keep_n = int(ctx.rng.integers(3, 7))
    for i in chosen[:keep_n]:
        parcels[i]["values"][5] = "Pending"
    for i in chosen[keep_n:]:
        parcels[i]["values"][5] = "Retired"
    _write_parcels(ctx, parcels)
    return {"retired_fids": sorted(i + 1 for i in chosen[keep_n:])}


def size_class(ctx: SetupContext) -> dict:
    """100-220 parcels; the agent classifies them by area (small / medium / large)."""
    parcels = _parcels(ctx, int(ctx.rng.integers(100, 221)))
    _write_parcels(ctx, parcels)
    return {"large_fids": [i + 1 for i, p in enumerate(parcels) if p["area"] >= 2000]}


def transfer_owners(ctx: SetupContext) -> dict:
    """120-240 parcels; 4-7 were sold and get a new owner."""
    parcels = _parcels(ctx, int(ctx.rng.integers(120, 241)))
    fake = ctx.faker()
    sold = sorted(int(i) for i in ctx.rng.choice(len(parcels), size=int(ctx.rng.integers(4, 8)), replace=False))
    _write_parcels(ctx, parcels)
    transfers = [{"fid": i + 1, "parcel_id": parcels[i]["values"][0], "owner": fake.name()} for i in sold]
    ctx.public["transfer_list"] = "; ".join(f"{t['parcel_id']} to {t['owner']}" for t in transfers)
    return {"transfers": transfers}


def survey_points(ctx: SetupContext) -> dict:
    """A survey_points layer of 40-120 earlier points; 25-32 new ones from a field book to add."""
    rng = ctx.rng
    fake = ctx.faker()
    crew = [fake.last_name() for _ in range(4)]
    x0, y0 = 500000 + int(rng.integers(0, 40000)), 4640000 + int(rng.integers(0, 40000))
    old_n, new_n = int(rng.integers(40, 121)), int(rng.integers(25, 33))
    start = int(rng.integers(100, 700))

    def point(k: int) -> dict:
        return {"x": round(x0 + float(rng.uniform(0, 900)), 2), "y": round(y0 + float(rng.uniform(0, 900)), 2),
                "point_id": f"SP-{start + k}", "code": POINT_CODES[int(rng.integers(len(POINT_CODES)))]}

    old = [point(k) for k in range(old_n)]
    new = [point(old_n + k) for k in range(new_n)]
    surveyor = crew[int(rng.integers(len(crew)))]
    path = ctx.home / ctx.params["file"]
    write_layer(path, "survey_points", "POINT", POINT_COLUMNS,
                [(point_blob(p["x"], p["y"]), (p["point_id"], p["code"], crew[int(rng.integers(len(crew)))]))
                 for p in old], (x0, y0, x0 + 900, y0 + 900))
    shutil.copyfile(path, ctx.private / "original.gpkg")
    ctx.public["surveyor"] = surveyor
    ctx.public["field_book"] = "\n".join(f"{p['point_id']} {p['code']} E {p['x']:.2f} N {p['y']:.2f}" for p in new)
    return {"points": new, "surveyor": surveyor}
