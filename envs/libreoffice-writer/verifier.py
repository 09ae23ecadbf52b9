"""Verifiers for LibreOffice Writer tasks: read the .odt document Writer saved, compare it with the start document.

Setup keeps the start document as ``original.odt`` and the expected paragraphs, as (style, text) pairs, as
``expected.json`` in the private folder. Paragraphs are compared by their text and their named paragraph style
(``odt.py`` resolves Writer's automatic styles); empty paragraphs are left out, since an empty line more or less
does not change a document's content. "The rest is unchanged" is a gate against the start document.
"""

from __future__ import annotations

import json

from gym_anything.authoring import VerifyContext

from .odt import STYLE_NAMES, Block, Para, display_name, paragraphs, read_odt, tables


def _style(name: str) -> str:
    return display_name(STYLE_NAMES.get(name, name)).lower()


def _pairs(blocks: list[Block]) -> list[tuple[str, str]]:
    """(style, text) of every non-empty paragraph outside tables, styles normalised."""
    return [(_style(p.style), p.text) for p in paragraphs(blocks) if p.text.strip()]


def _saved(ctx: VerifyContext) -> tuple[list[Block], list[tuple[str, str]], list[tuple[str, str]]]:
    """(the saved blocks, the start document's paragraphs, the expected paragraphs); gates: saved as .odt."""
    path = ctx.home / ctx.params["file"]
    ctx.require("document saved", path.is_file(), path.name)
    head = path.read_bytes()[:2]
    ctx.require("saved in OpenDocument format (.odt)", head == b"PK", "a zip archive" if head == b"PK" else
                f"not a zip archive (starts {head!r})")
    saved = read_odt(path)
    original = _pairs(read_odt(ctx.private_dir / "original.odt"))
    expected = [(_style(s), t) for s, t in json.loads((ctx.private_dir / "expected.json").read_text("utf-8"))
                if t.strip()]
    return saved, original, expected


def _first_difference(a: list[tuple[str, str]], b: list[tuple[str, str]]) -> str:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"paragraph {i + 1}: {x[0]} {x[1][:70]!r}, expected {y[0]} {y[1][:70]!r}"
    return f"{len(a)} paragraphs, expected {len(b)}"


def _no_tables(ctx: VerifyContext, saved: list[Block]) -> None:
    ctx.require("no table added", not tables(saved), f"{len(tables(saved))} table(s)")


def replace_name(ctx: VerifyContext) -> None:
    """Gates: every paragraph is the start one with only the name replaced (and keeps its style); scored: the
    old name gone, the new name in each place it was."""
    saved, original, _ = _saved(ctx)
    old, new, count = ctx.private["old"], ctx.private["new"], ctx.private["count"]
    pairs = _pairs(saved)
    _no_tables(ctx, saved)
    restored = [(s, t.replace(new, old)) for s, t in pairs]
    ctx.require("everything but the name unchanged", restored == original, _first_difference(restored, original))
    left = sum(t.count(old) for _, t in pairs)
    ctx.check(f"no {old!r} left", left == 0, f"{left} left", weight=2)
    found = sum(t.count(new) for _, t in pairs)
    ctx.check(f"{new!r} in all {count} places", found == count, f"{found} found")


def fix_report_errors(ctx: VerifyContext) -> None:
    """Gate: every paragraph without an error unchanged; scored: each wrong figure corrected in its paragraph."""
    saved, original, expected = _saved(ctx)
    pairs = _pairs(saved)
    _no_tables(ctx, saved)
    ctx.require("the same paragraphs, in order", len(pairs) == len(original), _first_difference(pairs, original))
    fixes = ctx.private["fixes"]
    targets = {i for i, (_, t) in enumerate(original) for f in fixes if f["wrong"] in t}
    other = [i for i in range(len(original)) if i not in targets and pairs[i] != original[i]]
    ctx.require("every other paragraph unchanged", not other,
                "; ".join(f"paragraph {i + 1}: {pairs[i][1][:60]!r}" for i in other[:3]))
    for f in fixes:
        at = next(i for i, (_, t) in enumerate(original) if f["wrong"] in t)
        ctx.check(f"{f['wrong']} corrected to {f['right']}", pairs[at] == expected[at],
                  f"paragraph {at + 1} reads {pairs[at][1][-90:]!r}")


def fill_letter_template(ctx: VerifyContext) -> None:
    """Gate: nothing but the fields changed; scored: each field filled in every place it was."""
    saved, original, expected = _saved(ctx)
    pairs = _pairs(saved)
    fields = [tuple(f) for f in ctx.private["fields"]]
    _no_tables(ctx, saved)
    ctx.require("the same paragraphs, in order", len(pairs) == len(original), _first_difference(pairs, original))

    def back(text: str, keep: str | None = None) -> str:
        for field, value in fields:
            if field != keep:
                text = text.replace(value, field)
        return text

    restored = [(s, back(t)) for s, t in pairs]
    ctx.require("nothing but the fields changed", restored == original, _first_difference(restored, original))
    for field, value in fields:
        places = [i for i, (_, t) in enumerate(original) if field in t]
        ok = all((pairs[i][0], back(pairs[i][1], keep=field)) == (original[i][0], original[i][1].replace(field, value))
                 for i in places)
        ctx.check(f"{field} filled in ({len(places)} place(s))", ok,
                  "; ".join(repr(pairs[i][1][:60]) for i in places[:2]))
    ctx.check("the letter reads as expected", pairs == expected, _first_difference(pairs, expected))


def apply_heading_styles(ctx: VerifyContext) -> None:
    """Gates: the same text in the same order, every other paragraph keeps its style; scored: each section title
    in Heading 1."""
    saved, original, expected = _saved(ctx)
    pairs = _pairs(saved)
    _no_tables(ctx, saved)
    ctx.require("the same paragraphs, in order", [t for _, t in pairs] == [t for _, t in original],
                _first_difference(pairs, original))
    headings = set(ctx.private["headings"])
    changed = [i for i, (s, t) in enumerate(pairs) if t not in headings and s != original[i][0]]
    ctx.require("every other paragraph keeps its style", not changed,
                "; ".join(f"{pairs[i][1][:40]!r} is {pairs[i][0]}" for i in changed[:3]))
    for i, (style, text) in enumerate(pairs):
        if text in headings:
            ctx.check(f"{text!r} is Heading 1", style == expected[i][0] == "heading 1", f"style {style}")


def reorder_sections(ctx: VerifyContext) -> None:
    """Gates: the same paragraphs, the other sections in their order; scored: the moved section, whole, right
    before the other one."""
    saved, original, expected = _saved(ctx)
    pairs = _pairs(saved)
    _no_tables(ctx, saved)
    ctx.require("every paragraph kept once", sorted(pairs) == sorted(original), _first_difference(pairs, original))
    moved, before, size = ctx.private["moved"], ctx.private["before"], ctx.private["paragraphs"]
    start = next(i for i, (_, t) in enumerate(original) if t == moved)
    section = original[start:start + size]
    at = next(i for i, (_, t) in enumerate(pairs) if t == moved)
    rest, rest_before = pairs[:at] + pairs[at + size:], original[:start] + original[start + size:]
    ctx.require("the other sections keep their order", rest == rest_before, _first_difference(rest, rest_before))
    whole = pairs[at:at + size] == section
    ctx.check(f"{moved!r} moved whole, right before {before!r}",
              whole and at + size < len(pairs) and pairs[at + size][1] == before and pairs == expected,
              f"found at paragraph {at + 1}, followed by {pairs[at + size][1][:50]!r}" if at + size < len(pairs)
              else f"found at paragraph {at + 1}, at the end")


def build_contact_table(ctx: VerifyContext) -> None:
    """Gates: the memo's paragraphs unchanged, one table at most; scored: the table right after the anchor
    paragraph, its size, its header row and the contacts' rows."""
    saved, original, _ = _saved(ctx)
    pairs = _pairs(saved)
    ctx.require("the memo's paragraphs unchanged", pairs == original, _first_difference(pairs, original))
    found = tables(saved)
    ctx.require("at most one table", len(found) <= 1, f"{len(found)} tables")
    want = ctx.private["rows"]
    anchor = ctx.public["anchor"]
    blocks = [b for b in saved if not (isinstance(b, Para) and not b.text.strip())]
    at = next(i for i, b in enumerate(blocks) if isinstance(b, Para) and b.text == anchor)
    table = blocks[at + 1] if at + 1 < len(blocks) else None
    ctx.check("a table right after the paragraph introducing it", table is not None and table in found,
              "found" if found else "no table")
    rows = [[c.strip() for c in r] for r in found[0].rows] if found else []
    ctx.check(f"{len(want[0])} columns and {len(want)} rows", len(rows) == len(want)
              and all(len(r) == len(want[0]) for r in rows), f"{len(rows)} rows: {[len(r) for r in rows]}")
    ctx.check("header row Name, Role, Extension", rows[:1] == want[:1], f"{rows[:1]}")
    wrong = [w[0] for i, w in enumerate(want[1:], start=1) if i >= len(rows) or rows[i] != w]
    ctx.check("every contact's row as given, in order", bool(rows) and not wrong,
              f"{len(wrong)} of {len(want) - 1} rows wrong or missing: {wrong[:3]}", weight=2)
