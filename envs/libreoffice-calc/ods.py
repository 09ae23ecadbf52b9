"""OpenDocument spreadsheets (.ods) in pure Python: write the start workbooks, read what Calc saved.

An .ods file is a zip archive whose ``content.xml`` holds the sheets. The reader keeps, per cell, its type, its
value as Calc computed it when saving (Calc stores formula results beside the formulas, so no converter runs),
its text as displayed, its formula in spreadsheet notation (``of:=SUM([.B2:.B9])`` becomes ``=SUM(B2:B9)``) and
whether its font is bold (from the cell's, its row's or its column's style). Readers raise on a missing or
malformed file (verifiers fail closed).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from gym_anything.authoring.formats import cell_index, cell_name

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "number": "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0",
    "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
}
MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
MAX_REPEAT = 1024  # repeated cells or rows with content are expanded up to this many (empty ones are skipped)


def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


# --- writing ------------------------------------------------------------------------------------------------

_STYLES = """<office:automatic-styles>
<number:number-style style:name="N2"><number:number number:decimal-places="2" number:min-decimal-places="2"
 number:min-integer-digits="1" number:grouping="true"/></number:number-style>
<number:date-style style:name="D1"><number:year number:style="long"/><number:text>-</number:text>
<number:month number:style="long"/><number:text>-</number:text><number:day number:style="long"/></number:date-style>
<style:style style:name="ch" style:family="table-cell"><style:text-properties fo:font-weight="bold"
 style:font-weight-asian="bold" style:font-weight-complex="bold"/></style:style>
<style:style style:name="cm" style:family="table-cell" style:data-style-name="N2"/>
<style:style style:name="cd" style:family="table-cell" style:data-style-name="D1"/>
{columns}
</office:automatic-styles>"""


def write_ods(path: Path, sheets: dict[str, list[list[object]]], *, money: dict[str, set[int]] | None = None,
              widths: dict[str, list[float]] | None = None, bold_header: bool = True) -> None:
    """Write a workbook; each sheet is a list of rows of str/int/float/date/None (a str starting '=' is a formula
    in Calc's notation, e.g. ``=SUM(B2:B9)``, and a tuple ``(formula, value)`` a formula with its computed
    value). ``money[sheet]`` names the 0-based columns shown with two decimals and thousands separators,
    ``widths[sheet]`` the column widths in cm, and ``bold_header`` makes row 1 bold."""
    money, widths = money or {}, widths or {}
    column_styles = []
    body = []
    for s, (name, rows) in enumerate(sheets.items()):
        body.append(f"<table:table table:name={quoteattr(name)}>")
        for c, width in enumerate(widths.get(name, [])):
            column_styles.append(f'<style:style style:name="co{s}_{c}" style:family="table-column">'
                                 f'<style:table-column-properties style:column-width="{width:.3f}cm"/></style:style>')
            body.append(f'<table:table-column table:style-name="co{s}_{c}" table:default-cell-style-name="Default"/>')
        for r, row in enumerate(rows):
            body.append("<table:table-row>")
            for c, value in enumerate(row):
                body.append(_cell(value, bold=bold_header and r == 0, money=c in money.get(name, set())))
            body.append("</table:table-row>")
        body.append("</table:table>")
    content = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
               + " ".join(f'xmlns:{k}="{v}"' for k, v in NS.items() if k != "manifest")
               + ' office:version="1.3">'
               + _STYLES.format(columns="\n".join(column_styles))
               + "<office:body><office:spreadsheet>" + "\n".join(body)
               + "</office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<manifest:manifest xmlns:manifest="{NS["manifest"]}" manifest:version="1.3">'
                f'<manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="{MIMETYPE}"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)


def _cell(value: object, bold: bool, money: bool) -> str:
    style = ' table:style-name="ch"' if bold else ""
    if value is None or value == "":
        return f"<table:table-cell{style}/>"
    if isinstance(value, tuple):  # (formula, its value): a formula cell as Calc saves it, with its result
        formula, result = value
        return (f"<table:table-cell{style} table:formula={quoteattr('of:' + _odf_formula(formula))}"
                f' office:value-type="float" office:value="{float(result)!r}"><text:p>{result}</text:p>'
                "</table:table-cell>")
    if isinstance(value, str) and value.startswith("="):
        return f"<table:table-cell{style} table:formula={quoteattr('of:' + _odf_formula(value))}/>"
    if isinstance(value, bool):
        raise TypeError("booleans are not written")
    if isinstance(value, (int, float)):
        style = style or (' table:style-name="cm"' if money else "")
        shown = f"{value:,.2f}" if money else f"{value}"
        return (f'<table:table-cell{style} office:value-type="float" office:value="{value!r}">'
                f"<text:p>{shown}</text:p></table:table-cell>")
    if isinstance(value, date):
        style = style or ' table:style-name="cd"'
        return (f'<table:table-cell{style} office:value-type="date" office:date-value="{value.isoformat()}">'
                f"<text:p>{value.isoformat()}</text:p></table:table-cell>")
    return (f'<table:table-cell{style} office:value-type="string"><text:p>{escape(str(value))}</text:p>'
            "</table:table-cell>")


_A1 = re.compile(r"(?<![A-Za-z0-9_.$])(\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)(?![A-Za-z0-9_(])")


def _odf_formula(formula: str) -> str:
    """Calc's notation to ODF's, for references on the same sheet: ``=SUM(B2:B9)`` -> ``=SUM([.B2:.B9])``."""
    return _A1.sub(lambda m: "[" + ":".join("." + part for part in m[1].split(":")) + "]", formula)


# --- reading ------------------------------------------------------------------------------------------------

@dataclass
class Cell:
    kind: str  # float, percentage, currency, date, time, boolean, string, or "" for an empty cell with a style
    value: object  # float for numbers, str for dates (ISO) and strings, bool for booleans, None when empty
    text: str  # as displayed (the cell's paragraphs joined by newlines)
    formula: str | None = None  # '=SUM(B2:B9)'
    bold: bool = False


@dataclass
class OdsSheet:
    name: str
    cells: dict[str, Cell] = field(default_factory=dict)  # only cells with a value or a formula

    def text(self, ref: str) -> str:
        cell = self.cells.get(ref.upper())
        return cell.text if cell else ""

    def number(self, ref: str) -> float | None:
        """The numeric value of a cell (as Calc computed it), or None when empty or not a number."""
        cell = self.cells.get(ref.upper())
        return float(cell.value) if cell and isinstance(cell.value, float) else None

    def formula(self, ref: str) -> str | None:
        cell = self.cells.get(ref.upper())
        return cell.formula if cell else None

    def is_bold(self, ref: str) -> bool:
        cell = self.cells.get(ref.upper())
        return bool(cell and cell.bold)

    def value(self, ref: str) -> object:
        """A number as float, anything else as its text; None for an empty cell."""
        cell = self.cells.get(ref.upper())
        if cell is None:
            return None
        return cell.value if isinstance(cell.value, float) else cell.text

    def used(self) -> tuple[int, int]:
        """(rows, columns) of the smallest A1-anchored block that holds every non-empty cell."""
        if not self.cells:
            return 0, 0
        indices = [cell_index(ref) for ref in self.cells]
        return max(r for r, _ in indices) + 1, max(c for _, c in indices) + 1

    def rows(self, first: int = 1, last: int | None = None, columns: int | None = None) -> list[list[object]]:
        """The values of rows ``first``..``last`` (1-based, inclusive; default: to the last used row) over
        ``columns`` columns from A (default: the used width)."""
        used_rows, used_columns = self.used()
        last = used_rows if last is None else last
        columns = used_columns if columns is None else columns
        return [[self.value(cell_name(r - 1, c)) for c in range(columns)] for r in range(first, last + 1)]


def read_ods(path: Path) -> dict[str, OdsSheet]:
    """The sheets of a saved .ods workbook, in order, by name."""
    with zipfile.ZipFile(Path(path)) as z:
        content = ET.fromstring(z.read("content.xml"))
        styles_xml = ET.fromstring(z.read("styles.xml")) if "styles.xml" in z.namelist() else None
    bold = _bold_styles(content, styles_xml)
    sheets: dict[str, OdsSheet] = {}
    for table in content.iter(_q("table", "table")):
        sheet = OdsSheet(table.get(_q("table", "name"), f"Sheet{len(sheets) + 1}"))
        column_styles = _column_styles(table)
        row = 0
        for row_el in _rows(table):
            repeat = int(row_el.get(_q("table", "number-rows-repeated"), "1"))
            row_style = row_el.get(_q("table", "default-cell-style-name"))
            cells = list(_cells(row_el))
            if not any(_has_content(c) for c in cells):
                row += repeat
                continue
            for r in range(row, row + min(repeat, MAX_REPEAT)):
                _read_row(sheet, r, cells, row_style, column_styles, bold)
            row += repeat
        sheets[sheet.name] = sheet
    return sheets


def _rows(table: ET.Element):
    """Rows of a table, also those inside row groups and header rows."""
    for child in table:
        if child.tag == _q("table", "table-row"):
            yield child
        elif child.tag in {_q("table", name) for name in ("table-row-group", "table-header-rows", "table-rows")}:
            yield from _rows(child)


def _cells(row: ET.Element):
    for child in row:
        if child.tag in (_q("table", "table-cell"), _q("table", "covered-table-cell")):
            yield child


def _has_content(cell: ET.Element) -> bool:
    return (cell.get(_q("office", "value-type")) is not None or cell.get(_q("table", "formula")) is not None
            or cell.find(_q("text", "p")) is not None)


def _column_styles(table: ET.Element) -> list[str | None]:
    styles: list[str | None] = []
    for column in table.iter(_q("table", "table-column")):
        repeat = min(int(column.get(_q("table", "number-columns-repeated"), "1")), MAX_REPEAT)
        styles += [column.get(_q("table", "default-cell-style-name"))] * repeat
    return styles


def _read_row(sheet: OdsSheet, r: int, cells: list[ET.Element], row_style: str | None,
              column_styles: list[str | None], bold: set[str]) -> None:
    c = 0
    for cell_el in cells:
        repeat = int(cell_el.get(_q("table", "number-columns-repeated"), "1"))
        if _has_content(cell_el):
            cell = _read_cell(cell_el)
            for col in range(c, c + min(repeat, MAX_REPEAT)):
                style = (cell_el.get(_q("table", "style-name")) or row_style
                         or (column_styles[col] if col < len(column_styles) else None))
                sheet.cells[cell_name(r, col)] = Cell(cell.kind, cell.value, cell.text, cell.formula,
                                                      style in bold)
        c += repeat


def _read_cell(el: ET.Element) -> Cell:
    kind = el.get(_q("office", "value-type"), "")
    text = "\n".join(_paragraph_text(p) for p in el.findall(_q("text", "p")))
    value: object
    if kind in ("float", "percentage", "currency"):
        value = float(el.get(_q("office", "value"), "nan"))
    elif kind == "date":
        value = el.get(_q("office", "date-value"))
    elif kind == "time":
        value = el.get(_q("office", "time-value"))
    elif kind == "boolean":
        value = el.get(_q("office", "boolean-value")) == "true"
    elif kind == "string":
        value = el.get(_q("office", "string-value"), text)
    else:
        value = text or None
    formula = el.get(_q("table", "formula"))
    return Cell(kind, value, text, _spreadsheet_formula(formula) if formula else None)


def _paragraph_text(p: ET.Element) -> str:
    parts: list[str] = [p.text or ""]
    for child in p:
        if child.tag == _q("text", "s"):
            parts.append(" " * int(child.get(_q("text", "c"), "1")))
        elif child.tag == _q("text", "tab"):
            parts.append("\t")
        elif child.tag == _q("text", "line-break"):
            parts.append("\n")
        else:
            parts.append(_paragraph_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


_REF = re.compile(r"\[(\$?'?[^\]]*?)\]")


def _spreadsheet_formula(formula: str) -> str:
    """ODF formula syntax to Calc's: ``of:=SUM([.B2:.B9])`` -> ``=SUM(B2:B9)``, ``[$Sheet2.A1]`` -> ``$Sheet2.A1``."""
    if formula.startswith("of:"):
        formula = formula[3:]
    elif formula.startswith("oooc:"):
        formula = formula[5:]

    def ref(match: re.Match) -> str:
        inner = match[1]
        parts = [part[1:] if part.startswith(".") else part for part in inner.split(":")]
        return ":".join(parts)

    return _REF.sub(ref, formula)


def _bold_styles(content: ET.Element, styles_xml: ET.Element | None) -> set[str]:
    """Names of the table-cell styles whose font is bold (directly or through their parent styles)."""
    parents: dict[str, str | None] = {}
    weight: dict[str, bool] = {}
    for root in (styles_xml, content):
        if root is None:
            continue
        for style in root.iter(_q("style", "style")):
            if style.get(_q("style", "family")) != "table-cell":
                continue
            name = style.get(_q("style", "name"), "")
            parents[name] = style.get(_q("style", "parent-style-name"))
            props = style.find(_q("style", "text-properties"))
            if props is not None and props.get(_q("fo", "font-weight")) is not None:
                weight[name] = props.get(_q("fo", "font-weight")) in ("bold", "700", "800", "900")

    def is_bold(name: str | None, depth: int = 0) -> bool:
        if name is None or depth > 20:
            return False
        if name in weight:
            return weight[name]
        return is_bold(parents.get(name), depth + 1)

    return {name for name in parents if is_bold(name)}
