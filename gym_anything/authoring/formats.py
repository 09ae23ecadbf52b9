"""Reading and writing the files applications save, for setup scripts and verifiers.

Readers raise on a missing or malformed file; verifiers let that propagate (fail-closed).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import shutil
import sqlite3
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

GNM_NS = "http://www.gnumeric.org/v10.dtd"
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")


def cell_index(ref: str) -> tuple[int, int]:
    """'B7' -> (row 6, col 1), zero-based."""
    match = _CELL_REF.match(ref.upper())
    if not match:
        raise ValueError(f"not a cell reference: {ref!r}")
    col = 0
    for ch in match[1]:
        col = col * 26 + ord(ch) - 64
    return int(match[2]) - 1, col - 1


def cell_name(row: int, col: int) -> str:
    """(6, 1) -> 'B7'."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def write_gnumeric(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    """Write a Gnumeric workbook; each sheet is a list of rows of str/int/float/None ('=...' is a formula)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f'<gnm:Workbook xmlns:gnm="{GNM_NS}">',
           "<gnm:SheetNameIndex>"]
    out += [f"<gnm:SheetName>{escape(name)}</gnm:SheetName>" for name in sheets]
    out += ["</gnm:SheetNameIndex>", "<gnm:Sheets>"]
    for name, rows in sheets.items():
        max_col = max((len(r) for r in rows), default=1) - 1
        out += ["<gnm:Sheet>", f"<gnm:Name>{escape(name)}</gnm:Name>",
                f"<gnm:MaxCol>{max(max_col, 0)}</gnm:MaxCol><gnm:MaxRow>{max(len(rows) - 1, 0)}</gnm:MaxRow>",
                "<gnm:Cells>"]
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, str) and value.startswith("="):
                    out.append(f'<gnm:Cell Row="{r}" Col="{c}">{escape(value)}</gnm:Cell>')
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    out.append(f'<gnm:Cell Row="{r}" Col="{c}" ValueType="40">{value!r}</gnm:Cell>')
                else:
                    out.append(f'<gnm:Cell Row="{r}" Col="{c}" ValueType="60">{escape(str(value))}</gnm:Cell>')
        out += ["</gnm:Cells>", "</gnm:Sheet>"]
    out += ["</gnm:Sheets>", "</gnm:Workbook>"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out), encoding="utf-8")


@dataclass
class Sheet:
    name: str
    formulas: dict[str, str] = field(default_factory=dict)  # 'B7' -> '=SUM(B2:B6)'
    values: dict[str, str] = field(default_factory=dict)  # 'B7' -> computed value as displayed in CSV
    bold_regions: list[tuple[int, int, int, int]] = field(default_factory=list)  # (row0, col0, row1, col1)

    def is_bold(self, ref: str) -> bool:
        row, col = cell_index(ref)
        return any(r0 <= row <= r1 and c0 <= col <= c1 for r0, c0, r1, c1 in self.bold_regions)

    def formula(self, ref: str) -> str | None:
        return self.formulas.get(ref.upper())

    def text(self, ref: str) -> str:
        return self.values.get(ref.upper(), "")

    def number(self, ref: str) -> float | None:
        """The computed numeric value of a cell, or None when empty or not a number."""
        try:
            return float(self.text(ref).replace(",", ""))
        except ValueError:
            return None


def read_spreadsheet(path: Path) -> dict[str, Sheet]:
    """Computed cell values of any workbook ``ssconvert`` reads (ODS, XLSX, XLS, CSV, Gnumeric), by sheet.

    Formulas and bold styles are only available for Gnumeric files (see :func:`read_gnumeric`).
    """
    path = Path(path)
    if path.suffix == ".gnumeric":
        return read_gnumeric(path)
    if not path.is_file():
        raise FileNotFoundError(path)
    sheets: dict[str, Sheet] = {}
    _fill_values(path, sheets)
    return sheets


def read_csv(path: Path) -> list[list[str]]:
    """Rows of a CSV file the app saved."""
    with open(path, newline="", encoding="utf-8") as f:
        return [row for row in csv.reader(f)]


def read_gnumeric(path: Path) -> dict[str, Sheet]:
    """Read a saved Gnumeric workbook: formulas from the XML, values recomputed by ``ssconvert``."""
    raw = Path(path).read_bytes()
    xml = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    root = ET.fromstring(xml)
    ns = {"gnm": GNM_NS}
    sheets: dict[str, Sheet] = {}
    for sheet_el in root.findall("gnm:Sheets/gnm:Sheet", ns):
        name_el = sheet_el.find("gnm:Name", ns)
        sheet = Sheet(name_el.text if name_el is not None and name_el.text else f"Sheet{len(sheets) + 1}")
        shared: dict[str, str] = {}
        for cell in sheet_el.findall("gnm:Cells/gnm:Cell", ns):
            ref = cell_name(int(cell.get("Row", 0)), int(cell.get("Col", 0)))
            text = cell.text or ""
            expr_id = cell.get("ExprID")
            if expr_id is not None and text.startswith("="):
                shared[expr_id] = text
            elif expr_id is not None:
                text = shared.get(expr_id, "=")
            if text.startswith("="):
                sheet.formulas[ref] = text
        for style_region in sheet_el.findall("gnm:Styles/gnm:StyleRegion", ns):
            font = style_region.find("gnm:Style/gnm:Font", ns)
            if font is not None and font.get("Bold") == "1":
                sheet.bold_regions.append((int(style_region.get("startRow", 0)), int(style_region.get("startCol", 0)),
                                           int(style_region.get("endRow", 0)), int(style_region.get("endCol", 0))))
        sheets[sheet.name] = sheet
    _fill_values(Path(path), sheets)
    return sheets


def _fill_values(path: Path, sheets: dict[str, Sheet]) -> None:
    ssconvert = shutil.which("ssconvert")
    if ssconvert is None:
        raise RuntimeError("ssconvert (Debian package gnumeric) is needed to compute workbook values")
    with tempfile.TemporaryDirectory(prefix="gym-anything-ssconvert-") as tmp:
        target = Path(tmp) / "sheet.csv"
        subprocess.run([ssconvert, "-S", "--export-type=Gnumeric_stf:stf_csv", str(path), f"{target}.%n"],
                       check=True, capture_output=True, timeout=60)
        if not sheets:  # names unknown (not a Gnumeric file): one Sheet per exported CSV
            for index in range(len(list(Path(tmp).glob("sheet.csv.*")))):
                sheets[f"Sheet{index + 1}"] = Sheet(f"Sheet{index + 1}")
        for index, sheet in enumerate(sheets.values()):
            csv_file = Path(f"{target}.{index}")
            if not csv_file.exists():
                continue
            for r, row in enumerate(csv.reader(io.StringIO(csv_file.read_text(encoding="utf-8")))):
                for c, value in enumerate(row):
                    if value != "":
                        sheet.values[cell_name(r, c)] = value


def read_text(path: Path) -> str:
    """A text file the app saved, decoded as UTF-8 with line endings normalised to \\n."""
    return Path(path).read_text(encoding="utf-8").replace("\r\n", "\n")


def query_sqlite(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Run a read-only query against a SQLite database file the app saved."""
    if not Path(path).is_file():
        raise FileNotFoundError(path)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def numbers_close(a: float | None, b: float, tolerance: float = 1e-6) -> bool:
    """True when ``a`` is a number within an absolute-or-relative tolerance of ``b``."""
    return a is not None and abs(a - b) <= tolerance * max(1.0, abs(b))


def normalise_text(text: str) -> str:
    """Collapse runs of whitespace and strip, for comparisons that should ignore layout."""
    return " ".join(text.split())


def text_lines(text: str) -> list[str]:
    """The lines of a plain-text file for comparing documents as a reader sees them.

    Line endings (CRLF, CR) are normalised, spaces and tabs at the end of each line are dropped, and so are
    empty lines at the end: a missing or extra final newline, or invisible trailing blanks, make no difference.
    """
    lines = [line.rstrip(" \t") for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines
