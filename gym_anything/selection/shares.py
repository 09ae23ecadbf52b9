"""The screen-work share of each SOC major group: a documented judgement (``data/screen_shares.csv``), not data.

An occupation's value to the benchmark is its wage bill times the share of its work done in software; no offline
source ships O*NET's "Working with Computers", so the share is one number per major group, with its rationale.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .occupations import DATA, OccupationTable, SelectionDataError, read_csv

SHARES_FILE = DATA / "screen_shares.csv"
COLUMNS = ("soc_code", "share", "rationale")


@dataclass(frozen=True)
class ScreenShare:
    group: str  # "43-0000"
    share: float  # 0..1
    rationale: str


def load_screen_shares(table: OccupationTable, path: Path | str = SHARES_FILE) -> dict[str, ScreenShare]:
    """Major group → its share; exactly one row per major group of ``table``, each share in [0, 1]."""
    path = Path(path)
    reader = read_csv(path, COLUMNS)
    groups = {g.code for g in table.groups}
    shares: dict[str, ScreenShare] = {}
    for row in reader:
        code = row["soc_code"]
        if code not in groups or code in shares:
            raise SelectionDataError(path, code, "soc_code", "each SOC major group (such as 43-0000) once", code)
        try:
            share = float(row["share"])
        except (TypeError, ValueError):
            share = -1.0
        if not 0.0 <= share <= 1.0:
            raise SelectionDataError(path, code, "share", "a number from 0 to 1", row["share"])
        if not (row.get("rationale") or "").strip():
            raise SelectionDataError(path, code, "rationale", "a non-empty reason for the share")
        shares[code] = ScreenShare(code, share, row["rationale"])
    missing = sorted(groups - set(shares))
    if missing:
        raise SelectionDataError(path, missing[0], "soc_code", "a row for every SOC major group", "missing")
    return shares
