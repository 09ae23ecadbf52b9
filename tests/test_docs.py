"""The documentation stays true to the repository.

README.md stays short (at most 10 KiB), names the two commands (and they exist) and links every page under
docs/; the software table of docs/software.md is exactly what ``gym-anything list --markdown`` prints; every
relative link (and ``#anchor``) in README.md and docs/*.md points at something that exists.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SOFTWARE_PAGE = ROOT / "docs" / "software.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
MAX_README_BYTES = 10 * 1024
TABLE_START, TABLE_END = "<!-- software-table -->", "<!-- /software-table -->"
COMMANDS = ("./scripts/demo.sh", "./scripts/test.sh")

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
HTML_LINK = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']+)["']""")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)


def _prose(text: str) -> str:
    """The text without fenced code blocks and code spans (links there are examples, not links)."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def _links(text: str) -> list[str]:
    prose = _prose(text)
    return [m for pattern in (INLINE_LINK, REFERENCE_LINK, HTML_LINK) for m in pattern.findall(prose)]


def _anchors(path: Path) -> set[str]:
    """The ``#anchors`` GitHub makes for a Markdown file's headings (duplicates get -1, -2, ...)."""
    seen: dict[str, int] = {}
    anchors = set()
    for heading in HEADING.findall(FENCE.sub("", path.read_text(encoding="utf-8"))):
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading: its text counts
        slug = re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _broken_links(page: Path) -> list[str]:
    broken = []
    for link in _links(page.read_text(encoding="utf-8")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", link, re.IGNORECASE):  # https:, mailto:, file: ...
            continue
        target_text, _, anchor = link.partition("#")
        target = (page.parent / target_text).resolve() if target_text else page
        relative = target.relative_to(ROOT).as_posix() if target.is_relative_to(ROOT) else str(target)
        if not target.exists():
            broken.append(f"{link}: no {relative}")
            continue
        if anchor and target.suffix == ".md" and target.is_file() and anchor not in _anchors(target):
            broken.append(f"{link}: {relative} has no heading with the anchor #{anchor}")
    return broken


def test_readme_is_at_most_10_kib():
    size = README.stat().st_size
    assert size <= MAX_README_BYTES, f"README.md is {size} bytes; at most {MAX_README_BYTES}: move reference to docs/"


def test_the_software_table_is_what_the_list_command_prints():
    text = SOFTWARE_PAGE.read_text(encoding="utf-8")
    assert text.count(TABLE_START) == 1 and text.count(TABLE_END) == 1, (
        f"docs/software.md needs {TABLE_START} ... {TABLE_END}")
    table = text.split(TABLE_START, 1)[1].split(TABLE_END, 1)[0].strip()
    env = {k: v for k, v in os.environ.items() if k != "GYM_ANYTHING_PATH"}  # only this checkout's software
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    out = subprocess.run([sys.executable, "-m", "gym_anything.cli", "list", "--markdown"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert table == out.stdout.strip(), (
        "docs/software.md's table is out of date: paste the output of `gym-anything list --markdown` between "
        f"{TABLE_START} and {TABLE_END}")


def test_readme_names_the_two_commands_and_they_exist():
    text = README.read_text(encoding="utf-8")
    for command in COMMANDS:
        assert command in text, f"README.md does not name {command}"
        script = ROOT / command
        assert script.is_file() and os.access(script, os.X_OK), f"{command} is not an executable file"


def test_readme_links_every_docs_page():
    linked = {(ROOT / link.partition("#")[0]).resolve() for link in _links(README.read_text(encoding="utf-8"))}
    orphans = [page.relative_to(ROOT).as_posix() for page in DOCS if page.resolve() not in linked]
    assert not orphans, f"README.md does not link {orphans}"


@pytest.mark.parametrize("page", [README, *DOCS], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve(page):
    broken = _broken_links(page)
    assert not broken, f"{page.relative_to(ROOT)}: broken links:\n" + "\n".join(broken)


def test_the_link_checker_sees_links_and_anchors(tmp_path, monkeypatch):
    """The checker itself: links in prose count, links in code do not, anchors follow GitHub's slugs."""
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "b.md").write_text("# The `audit` gate: checks\n\n## Checks\n\n## Checks\n")
    page = tmp_path / "a.md"
    page.write_text("See [b](docs/b.md#the-audit-gate-checks), [again](docs/b.md#checks-1), [top](#title),\n"
                    "[gone](docs/missing.md), [bad anchor](docs/b.md#nope), [web](https://example.org/x.md)\n"
                    "and `[in code](docs/nothing.md)`.\n\n```\n[fenced](docs/nothing.md)\n```\n\n# Title\n")
    assert _broken_links(page) == ["docs/missing.md: no docs/missing.md",
                                   "docs/b.md#nope: docs/b.md has no heading with the anchor #nope"]


def test_the_software_table_escapes_cells_and_counts_long_tasks():
    from types import SimpleNamespace as NS

    from gym_anything.cli.main import software_table

    tasks = {"a": NS(horizon="long"), "b": NS(horizon="short"), "c": NS(horizon="long")}
    env = NS(id="pipes", name="Pipe | Tee", packages=("p1", "p2"), soc_groups=("43-0000",), tasks=tasks)
    assert software_table({"pipes": env}).splitlines()[2] == r"| `pipes` | Pipe \| Tee | `p1`, `p2` | 43-0000 | 3 | 2 |"
