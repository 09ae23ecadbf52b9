"""SPSS system files (.sav) for setup and verifiers, through PSPP's own command-line programs.

Setup writes a data set with ``pspp`` from generated syntax (DATA LIST, labels, SAVE); verifiers read what the
app saved with ``pspp`` too: the cases as CSV (``pspp-convert``) and the dictionary (variables, labels, value
labels, missing values) from ``DISPLAY DICTIONARY`` as CSV tables. Nothing here parses the binary format itself.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Variable:
    name: str
    format: str  # an SPSS print format: F4.0, F8.2, A20
    label: str = ""
    values: dict[float | str, str] = field(default_factory=dict)  # value labels
    missing: list[float] = field(default_factory=list)  # user-missing values


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _run(syntax: str, cwd: Path) -> str:
    """Run PSPP syntax; its output as CSV tables (a failure raises with PSPP's messages)."""
    with tempfile.TemporaryDirectory() as tmp:
        script, out = Path(tmp) / "job.sps", Path(tmp) / "out.csv"
        script.write_text(syntax, encoding="utf-8")
        done = subprocess.run(["pspp", "-O", "format=csv", "-o", str(out), str(script)], cwd=cwd,
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"pspp failed: {done.stdout[-800:]} {done.stderr[-800:]}")
        return out.read_text(encoding="utf-8") if out.is_file() else ""


def write_sav(path: Path, variables: list[Variable], cases: list[list[float | str | None]]) -> None:
    """A .sav file with ``variables`` (in order) and ``cases`` (None: system-missing)."""
    spec = " ".join(f"{v.name} ({v.format})" for v in variables)
    lines = [f"DATA LIST LIST (',') /{spec}.", "BEGIN DATA."]
    for case in cases:
        lines.append(",".join("" if value is None else str(value) for value in case))
    lines += ["END DATA."]
    # free-field input widens numeric print formats (F4.2 becomes F5.2): set the declared ones
    lines.append("FORMATS " + " ".join(f"{v.name} ({v.format})" for v in variables) + ".")
    for v in variables:
        if v.label:
            lines.append(f"VARIABLE LABELS {v.name} {_quote(v.label)}.")
        if v.values:
            pairs = " ".join(f"{_quote(k) if isinstance(k, str) else k:} {_quote(t)}" for k, t in v.values.items())
            lines.append(f"VALUE LABELS {v.name} {pairs}.")
        if v.missing:
            lines.append(f"MISSING VALUES {v.name} ({', '.join(str(m) for m in v.missing)}).")
    lines.append(f"SAVE OUTFILE={_quote(str(path))}.")
    _run("\n".join(lines) + "\n", path.parent)


def read_cases(path: Path) -> tuple[list[str], list[list[str]]]:
    """The variable names and the cases of a .sav file as text (system-missing is '')."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cases.csv"
        done = subprocess.run(["pspp-convert", str(path), str(out)], capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"pspp-convert failed: {done.stderr[-800:]}")
        rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    return (rows[0], rows[1:]) if rows else ([], [])


def _tables(text: str) -> dict[str, list[list[str]]]:
    """PSPP's CSV output split into its tables by their ``Table: <title>`` lines."""
    tables: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in csv.reader(io.StringIO(text)):
        if len(row) == 1 and row[0].startswith("Table: "):
            current = tables.setdefault(row[0][7:], [])
        elif current is not None and row:
            current.append(row)
    return tables


def read_dictionary(path: Path) -> dict[str, Variable]:
    """The variables of a .sav file by name: format, label, value labels, missing values."""
    text = _run(f"GET FILE={_quote(str(path))}.\nDISPLAY DICTIONARY.\n", path.parent)
    tables = _tables(text)
    result: dict[str, Variable] = {}
    rows = tables.get("Variables", [])
    header = rows[0] if rows else []
    for row in rows[1:]:
        item = dict(zip(header, row, strict=False))
        name = item.get("Name", "")
        result[name] = Variable(name, item.get("Print Format", ""), item.get("Label", ""))
        missing = item.get("Missing Values", "")
        if missing:
            result[name].missing = [float(m) for m in missing.replace(";", ",").split(",") if m.strip()]
    by_label = {v.label or v.name: v for v in result.values()}
    owner: Variable | None = None
    for row in tables.get("Value Labels", [])[1:]:
        if len(row) < 3:
            continue
        if row[0]:
            owner = by_label.get(row[0]) or result.get(row[0])
        if owner is not None:
            value = re.sub(r"\[\w+\]$", "", row[1])  # "9[a]": a footnote mark (a user-missing value)
            try:
                key: float | str = float(value)
            except ValueError:
                key = value
            owner.values[key] = row[2]
    return result
