"""OpenDocument text (.odt) in pure Python: write the start documents, read what Writer saved.

An .odt file is a zip archive whose ``content.xml`` holds the body: paragraphs (``text:p``), headings
(``text:h``), lists and tables. The reader turns the body into a flat list of blocks in document order: a
:class:`Para` per paragraph or heading (its text, its paragraph style by display name, automatic styles such as
``P3`` resolved to the named style they derive from, and its outline level) and a :class:`Table` per table (the
text of every cell, row by row). Readers raise on a missing or malformed file (verifiers fail closed).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
}
MIMETYPE = "application/vnd.oasis.opendocument.text"
STYLE_NAMES = {"Heading 1": "Heading_20_1", "Heading 2": "Heading_20_2", "Text Body": "Text_20_body",
               "Title": "Title", "Standard": "Standard"}


def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def display_name(name: str) -> str:
    """An ODF style name as the user sees it: ``Heading_20_1`` -> ``Heading 1`` (``_XX_`` is a hex escape)."""
    return re.sub(r"_([0-9a-fA-F]{2})_", lambda m: chr(int(m[1], 16)), name)


# --- writing ------------------------------------------------------------------------------------------------

# The paragraph styles the start documents use (Writer drops a style a document does not declare): a serif body
# text with space below, bold sans-serif headings, a centred title, on A4-like Letter pages.
_STYLES = """<office:styles>
<style:default-style style:family="paragraph"><style:text-properties style:font-name="DejaVu Serif"
 fo:font-family="'DejaVu Serif'" fo:font-size="12pt" fo:language="en" fo:country="US"/></style:default-style>
<style:style style:name="Standard" style:family="paragraph" style:class="text"/>
<style:style style:name="Text_20_body" style:display-name="Text Body" style:family="paragraph"
 style:parent-style-name="Standard" style:class="text"><style:paragraph-properties fo:margin-top="0cm"
 fo:margin-bottom="0.247cm" fo:line-height="115%"/></style:style>
<style:style style:name="Heading" style:family="paragraph" style:parent-style-name="Standard"
 style:next-style-name="Text_20_body" style:class="text"><style:paragraph-properties fo:margin-top="0.423cm"
 fo:margin-bottom="0.212cm" fo:keep-with-next="always"/><style:text-properties fo:font-family="'DejaVu Sans'"
 fo:font-size="14pt"/></style:style>
<style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph"
 style:parent-style-name="Heading" style:next-style-name="Text_20_body" style:default-outline-level="1"
 style:class="text"><style:text-properties fo:font-size="18pt" fo:font-weight="bold"/></style:style>
<style:style style:name="Heading_20_2" style:display-name="Heading 2" style:family="paragraph"
 style:parent-style-name="Heading" style:next-style-name="Text_20_body" style:default-outline-level="2"
 style:class="text"><style:text-properties fo:font-size="16pt" fo:font-weight="bold"/></style:style>
<style:style style:name="Title" style:family="paragraph" style:parent-style-name="Heading"
 style:next-style-name="Text_20_body" style:class="chapter"><style:paragraph-properties fo:text-align="center"/>
<style:text-properties fo:font-size="24pt" fo:font-weight="bold"/></style:style>
</office:styles>"""


def write_odt(path: Path, paragraphs: list[tuple[str, str]]) -> None:
    """Write a document of ``(style, text)`` paragraphs; style is a display name (``Text Body``, ``Title``,
    ``Heading 1``, ``Standard``). A heading style writes a ``text:h`` with its outline level, as Writer does."""
    body = []
    for style, text in paragraphs:
        name = STYLE_NAMES.get(style, style.replace(" ", "_20_"))
        level = re.fullmatch(r"Heading (\d)", style)
        inner = _text_xml(text)
        if level:
            body.append(f'<text:h text:style-name={quoteattr(name)} text:outline-level="{level[1]}">{inner}</text:h>')
        else:
            body.append(f"<text:p text:style-name={quoteattr(name)}>{inner}</text:p>")
    content = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
               + " ".join(f'xmlns:{k}="{v}"' for k, v in NS.items() if k != "manifest")
               + ' office:version="1.3"><office:body><office:text>' + "\n".join(body)
               + "</office:text></office:body></office:document-content>")
    styles = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-styles '
              + " ".join(f'xmlns:{k}="{v}"' for k, v in NS.items() if k != "manifest")
              + ' office:version="1.3">' + _STYLES + "</office:document-styles>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<manifest:manifest xmlns:manifest="{NS["manifest"]}" manifest:version="1.3">'
                f'<manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="{MIMETYPE}"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("styles.xml", styles, compress_type=zipfile.ZIP_DEFLATED)


def _text_xml(text: str) -> str:
    """Text as ODF paragraph content: runs of spaces as ``text:s``, tabs as ``text:tab``."""
    out = escape(text)
    out = re.sub(r"  +", lambda m: f' <text:s text:c="{len(m[0]) - 1}"/>', out)
    return out.replace("\t", "<text:tab/>")


# --- reading ------------------------------------------------------------------------------------------------

@dataclass
class Para:
    text: str
    style: str  # the named paragraph style, by display name ("Heading 1", "Text Body", "Standard")
    level: int = 0  # outline level of a text:h, 0 for a text:p


@dataclass
class Table:
    rows: list[list[str]] = field(default_factory=list)


Block = Para | Table


def read_odt(path: Path) -> list[Block]:
    """The body of a saved .odt document as blocks in document order (lists and sections flattened)."""
    with zipfile.ZipFile(Path(path)) as z:
        content = ET.fromstring(z.read("content.xml"))
    parents: dict[str, str] = {}
    for style in content.iter(_q("style", "style")):
        parent = style.get(_q("style", "parent-style-name"))
        if parent:
            parents[style.get(_q("style", "name"), "")] = parent
    body = content.find(f"{_q('office', 'body')}/{_q('office', 'text')}")
    if body is None:
        raise ValueError(f"{path}: no office:text body (not a text document)")
    blocks: list[Block] = []
    _walk(body, parents, blocks)
    return blocks


def _walk(element: ET.Element, parents: dict[str, str], blocks: list[Block]) -> None:
    for child in element:
        if child.tag in (_q("text", "p"), _q("text", "h")):
            name = child.get(_q("text", "style-name"), "Standard")
            name = parents.get(name, name)
            level = int(child.get(_q("text", "outline-level"), "0")) if child.tag == _q("text", "h") else 0
            blocks.append(Para(paragraph_text(child), display_name(name), level))
        elif child.tag == _q("table", "table"):
            blocks.append(Table([[_cell_text(cell) for cell in row.iter() if cell.tag in _CELLS]
                                 for row in child.iter(_q("table", "table-row"))]))
        elif child.tag in _CONTAINERS:
            _walk(child, parents, blocks)


_CELLS = {_q("table", "table-cell"), _q("table", "covered-table-cell")}
_CONTAINERS = {_q("text", name) for name in ("list", "list-item", "list-header", "section", "index-body")}
_SKIP = {_q("text", name) for name in ("note", "tracked-changes", "bookmark-start", "bookmark-end",
                                       "soft-page-break", "change-start", "change-end")}


def _cell_text(cell: ET.Element) -> str:
    return "\n".join(paragraph_text(p) for p in cell if p.tag in (_q("text", "p"), _q("text", "h")))


def paragraph_text(p: ET.Element) -> str:
    """A paragraph's text: spans and links flattened, ``text:s`` as spaces, tabs and line breaks as characters;
    notes, bookmarks and change marks left out."""
    parts: list[str] = [p.text or ""]
    for child in p:
        if child.tag == _q("text", "s"):
            parts.append(" " * int(child.get(_q("text", "c"), "1")))
        elif child.tag == _q("text", "tab"):
            parts.append("\t")
        elif child.tag == _q("text", "line-break"):
            parts.append("\n")
        elif child.tag not in _SKIP:
            parts.append(paragraph_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def paragraphs(blocks: list[Block]) -> list[Para]:
    return [b for b in blocks if isinstance(b, Para)]


def texts(blocks: list[Block], keep_empty: bool = False) -> list[str]:
    """The paragraphs' texts in order (empty paragraphs left out unless ``keep_empty``); tables left out."""
    return [p.text for p in paragraphs(blocks) if keep_empty or p.text.strip()]


def tables(blocks: list[Block]) -> list[Table]:
    return [b for b in blocks if isinstance(b, Table)]
