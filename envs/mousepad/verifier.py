"""Verifiers for Mousepad tasks: read the text files the editor saved under HOME, compare with privileged values.

Documents are compared line by line with ``text_lines`` (CRLF, trailing blanks and a missing or extra final
newline make no difference). Whatever already holds for the untouched starting file is a gate
(``ctx.require``), so resetting and stopping at once scores 0.
"""

from __future__ import annotations

from gym_anything.authoring import VerifyContext
from gym_anything.authoring.formats import normalise_text, read_text, text_lines


def _saved_text(ctx: VerifyContext, name: str) -> str:
    """The text of HOME/name; a gate fails when the file is missing."""
    path = ctx.home / name
    ctx.require(f"{name} exists", path.is_file(), str(path.name))
    return read_text(path)


def _original(ctx: VerifyContext) -> str:
    """The starting file, as setup kept it in the private folder."""
    return read_text(ctx.private_dir / "original.txt")


def _same(text: str, expected: str) -> bool:
    """Whether two documents read the same (see ``text_lines``)."""
    return text_lines(text) == text_lines(expected)


def _diff(text: str, expected: str) -> str:
    """The first differing line, for the checklist detail."""
    got, want = text_lines(text), text_lines(expected)
    for number, (a, b) in enumerate(zip(got, want, strict=False), 1):
        if a != b:
            return f"line {number}: {a!r}, expected {b!r}"
    return "identical" if got == want else f"{len(got)} lines, expected {len(want)}"


def replace_name(ctx: VerifyContext) -> None:
    """Old name gone, new name in each of its places, nothing else changed."""
    p = ctx.private
    text = _saved_text(ctx, ctx.params["file"])
    ctx.check("old name removed", p["old"] not in text, f"{text.count(p['old'])} occurrence(s) of {p['old']!r} left")
    ctx.check("new name in every place", text.count(p["new"]) == p["count"],
              f"{text.count(p['new'])} occurrence(s) of {p['new']!r}, expected {p['count']}")
    ctx.check("rest of the agreement unchanged", _same(text, p["expected"]), _diff(text, p["expected"]), weight=2)


def fill_template(ctx: VerifyContext) -> None:
    """No placeholder left, each value where its placeholder was, the rest of the letter unchanged."""
    p = ctx.private
    text = _saved_text(ctx, ctx.params["file"])
    left = [key for key in p["values"] if key in text]
    ctx.check("no placeholder left", not left, f"still there: {left}")
    wrong = [value for value in p["values"].values() if text.count(value) != p["expected"].count(value)]
    ctx.check("every value filled in", not wrong, f"wrong number of occurrences: {wrong}")
    ctx.check("letter text otherwise unchanged", _same(text, p["expected"]), _diff(text, p["expected"]), weight=2)


def sort_lines(ctx: VerifyContext) -> None:
    """Gate: the same names; scored: in case-insensitive A-Z order."""
    expected = text_lines(ctx.private["expected"])
    lines = text_lines(_saved_text(ctx, ctx.params["file"]))
    ctx.require("every name kept exactly once", sorted(lines) == sorted(expected),
                f"{len(lines)} lines, expected the {len(expected)} original names")
    ctx.check("lines sorted A to Z", lines == expected, _diff("\n".join(lines), ctx.private["expected"]))


def remove_cancelled(ctx: VerifyContext) -> None:
    """The cancelled lines are gone; every other line is kept, unchanged and in order."""
    original = text_lines(_original(ctx))
    cancelled = set(ctx.private["cancelled_lines"])
    kept = [line for number, line in enumerate(original, 1) if number not in cancelled]
    removed = [original[number - 1].split(" | ")[1] for number in sorted(cancelled)]
    text = _saved_text(ctx, ctx.params["file"])
    left = [order for order in removed if order in text]
    ctx.check("cancelled orders removed", not left and "CANCELLED" not in text, f"still there: {left}")
    ctx.check("other orders kept unchanged and in order, no blank lines", text_lines(text) == kept,
              _diff(text, "\n".join(kept)), weight=2)


def append_entry(ctx: VerifyContext) -> None:
    """Gate: the old entries unchanged at the top; scored: the new entry is the last line, the only one added."""
    entry = ctx.private["entry"]
    original = text_lines(_original(ctx))
    lines = text_lines(_saved_text(ctx, ctx.params["file"]))
    ctx.require("existing entries unchanged", lines[:len(original)] == original,
                _diff("\n".join(lines[:len(original)]), "\n".join(original)))
    last = lines[-1] if lines else ""
    ctx.check("new entry is the last line", normalise_text(last) == normalise_text(entry),
              f"last line {last!r}, expected {entry!r}", weight=2)
    ctx.check("exactly one line added", len(lines) == len(original) + 1,
              f"{len(lines)} lines, expected {len(original) + 1}")


def new_memo(ctx: VerifyContext) -> None:
    """Gate: the new file exists; scored: its four lines exactly, and nothing more."""
    want = ctx.private["lines"]
    lines = text_lines(_saved_text(ctx, ctx.params["filename"]))
    ctx.check("To/From/Subject lines", lines[:3] == want[:3], f"got {lines[:3]!r}, expected {want[:3]!r}")
    ctx.check("message line", lines[3:4] == want[3:], f"got {lines[3:4]!r}, expected {want[3:]!r}")
    ctx.check("nothing else in the file", len(lines) == len(want), f"{len(lines)} lines, expected {len(want)}")


def fix_typos(ctx: VerifyContext) -> None:
    """Each misspelling replaced by its correct word; nothing else changed."""
    p = ctx.private
    text = _saved_text(ctx, ctx.params["file"])
    for typo, right in p["pairs"]:
        fixed = typo not in text.lower() and text.count(right) == p["expected"].count(right)
        ctx.check(f"'{typo}' corrected to '{right}'", fixed,
                  f"{text.lower().count(typo)} x {typo!r}, {text.count(right)} x {right!r}")
    ctx.check("nothing else changed", _same(text, p["expected"]), _diff(text, p["expected"]), weight=2)


def save_revised_copy(ctx: VerifyContext) -> None:
    """Gates: the copy exists and the draft is untouched; scored: the two edited lines and the rest."""
    p = ctx.private
    copy = _saved_text(ctx, ctx.params["copy"])
    original = _saved_text(ctx, ctx.params["file"])
    ctx.require("draft file left unchanged", _same(original, _original(ctx)), _diff(original, _original(ctx)))
    lines = text_lines(copy)
    ctx.check("status is FINAL", "Status: FINAL" in lines and "Status: DRAFT" not in lines,
              f"status lines: {[line for line in lines if line.startswith('Status')]}")
    ctx.check("version is 1.0", "Version: 1.0" in lines and f"Version: {p['draft_version']}" not in lines,
              f"version lines: {[line for line in lines if line.startswith('Version')]}")
    ctx.check("rest of the report unchanged", _same(copy, p["expected"]), _diff(copy, p["expected"]))


def update_action_items(ctx: VerifyContext) -> None:
    """Gate: every line no update touches is kept, in order; scored: each update, line and section exact."""
    p = ctx.private
    ids = [want["id"] for want in p["expect"]]

    def touched(line: str) -> bool:
        return any(f" {item_id} |" in line for item_id in ids)

    original = [line for line in text_lines(_original(ctx)) if not touched(line)]
    lines = text_lines(_saved_text(ctx, ctx.params["file"]))
    kept = [line for line in lines if not touched(line)]
    ctx.require("every other line kept unchanged, in order (no blank line left)", kept == original,
                _diff("\n".join(kept), "\n".join(original)))
    section, sections = "", []
    for line in lines:
        section = line[3:-3] if line.startswith("== ") and line.endswith(" ==") else section
        sections.append(section)
    for target, want in zip(p["targets"], p["expect"], strict=True):
        found = [n for n, line in enumerate(lines) if f" {want['id']} |" in line]
        if want["line"] is None:
            ctx.check(f"{want['id']} deleted", not found, f"still on line(s) {[n + 1 for n in found]}")
            continue
        n = found[0] if len(found) == 1 else None
        ok = n is not None and lines[n] == want["line"] and sections[n] == target["section"]
        if target["kind"] == "add" and n is not None:
            ok = ok and (n + 1 == len(lines) or not lines[n + 1] or lines[n + 1].startswith("== "))
        got = lines[n] if n is not None else f"{len(found)} lines with {want['id']}"
        ctx.check(f"{want['id']} {target['kind']}", ok,
                  f"got {got!r} in section {sections[n] if n is not None else None!r}, "
                  f"expected {want['line']!r} in {target['section']!r}")
