"""LibreOffice Writer verifiers: plausible wrong solutions must not pass.

Most tests are on files: the instance is built by the task's own setup on the fake runner (no app), the document
"Writer saved" is written with the env's .odt writer from the start document's paragraphs as the test bends them,
and DONE runs the verifier on it. One test runs the real app (marked ``app`` through ``software_envs``).
"""

from __future__ import annotations

import importlib.util
import json
import sys
import zipfile
from pathlib import Path

import pytest
from verifiers_for_tests import failed, run

from gym_anything import actions as A
from gym_anything.core.env import GymAnythingEnv

ENV = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("writer_odt_for_tests", ENV / "odt.py")
assert _spec and _spec.loader
odt = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = odt  # dataclasses look their module up there
_spec.loader.exec_module(odt)

Paras = list[tuple[str, str]]


@pytest.fixture(scope="module")
def fake():
    env = GymAnythingEnv("libreoffice-writer", runner="fake", audit=False)
    yield env
    env.close()


def start(env, task: str, seed: int) -> tuple[dict, Paras, Paras]:
    """Reset to the instance; (its privileged values, the start paragraphs, the expected paragraphs)."""
    _, info = env.reset(seed=seed, options={"task": task})
    private = Path(env.unwrapped.episode_private_dir)
    original = [(p.style, p.text) for p in odt.paragraphs(odt.read_odt(private / "original.odt"))]
    expected = [tuple(p) for p in json.loads((private / "expected.json").read_text("utf-8"))]
    return env.unwrapped.privileged(), original, expected


def save(env, paras: Paras, table: list[list[str]] | None = None, after: str | None = None) -> dict:
    """Write ``paras`` as the document Writer saved (a table of ``table`` rows after the paragraph ``after``),
    then DONE: the final info."""
    path = next(Path(env.unwrapped.episode_home).glob("*.odt"))
    odt.write_odt(path, paras)
    if table is not None:
        _insert_table(path, table, after)
    return run(env, [])


def _insert_table(path: Path, rows: list[list[str]], after: str | None) -> None:
    t = odt.NS["table"]
    cells = "".join("<table:table-row>" + "".join(
        f'<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>' for c in row)
        + "</table:table-row>" for row in rows)
    xml = f'<table:table xmlns:table="{t}" table:name="Table1">{cells}</table:table>'
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    content = members["content.xml"].decode()
    mark = f"{after}</text:p>" if after else "<office:text>"
    assert mark in content
    members["content.xml"] = content.replace(mark, mark + xml, 1).encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


# --- replace-name ---------------------------------------------------------------------------------------------

def test_replacing_only_the_surname_fails_and_keeps_nothing(fake):
    p, original, _ = start(fake, "replace-name", 11)
    old, new = p["old"], p["new"]
    info = save(fake, [(s, t.replace(old.split()[1], new.split()[1])) for s, t in original])
    assert info["reward"] == 0.0 and failed(info) == ["everything but the name unchanged"]


def test_replacing_the_name_in_half_the_places_fails_both_items(fake):
    p, original, expected = start(fake, "replace-name", 12)
    places = [i for i, (_, t) in enumerate(original) if p["old"] in t]
    half = set(places[: len(places) // 2])
    info = save(fake, [expected[i] if i in half else original[i] for i in range(len(original))])
    assert len(failed(info)) == 2 and info["reward"] == 0.0


def test_replacing_the_name_everywhere_passes(fake):
    _, _, expected = start(fake, "replace-name", 13)
    info = save(fake, expected)
    assert info["reward"] == 1.0, failed(info)


# --- fix-report-errors ----------------------------------------------------------------------------------------

def test_correcting_half_the_figures_is_partial_credit(fake):
    p, original, expected = start(fake, "fix-report-errors", 21)
    first = p["fixes"][0]["wrong"]
    info = save(fake, [expected[i] if first in t else original[i] for i, (_, t) in enumerate(original)])
    assert len(failed(info)) == len(p["fixes"]) - 1 and 0 < info["reward"] < 1


def test_deleting_the_wrong_sentences_instead_fails(fake):
    p, original, _ = start(fake, "fix-report-errors", 22)
    wrongs = [f["wrong"] for f in p["fixes"]]
    bent = [(s, t.split(" The ")[0] + "." if any(w in t for w in wrongs) else t) for s, t in original]
    info = save(fake, bent)
    assert info["reward"] == 0.0


def test_a_figure_changed_elsewhere_zeroes_the_score(fake):
    _, original, expected = start(fake, "fix-report-errors", 23)
    bent = list(expected)
    i = next(i for i, (s, t) in enumerate(bent) if s.lower() == "text body" and t == original[i][1])
    bent[i] = (bent[i][0], bent[i][1] + " Figures are provisional.")
    info = save(fake, bent)
    assert info["reward"] == 0.0 and failed(info) == ["every other paragraph unchanged"]


# --- fill-letter-template -------------------------------------------------------------------------------------

def test_one_field_left_is_partial_credit(fake):
    p, original, _ = start(fake, "fill-letter-template", 31)
    fields = [tuple(f) for f in p["fields"]]
    bent = []
    for s, t in original:
        for field, value in fields[1:]:
            t = t.replace(field, value)
        bent.append((s, t))
    info = save(fake, bent)
    assert set(failed(info)) == {f"{fields[0][0]} filled in (1 place(s))", "the letter reads as expected"}
    assert 0 < info["reward"] < 1


def test_values_typed_inside_the_brackets_zero_the_score(fake):
    p, original, _ = start(fake, "fill-letter-template", 32)
    bent = []
    for s, t in original:
        for field, value in p["fields"]:
            t = t.replace(field, f"[{value}]")
        bent.append((s, t))
    info = save(fake, bent)
    assert info["reward"] == 0.0 and failed(info) == ["nothing but the fields changed"]


def test_the_filled_letter_passes(fake):
    _, _, expected = start(fake, "fill-letter-template", 33)
    info = save(fake, expected)
    assert info["reward"] == 1.0, failed(info)


# --- apply-heading-styles -------------------------------------------------------------------------------------

def test_heading_2_instead_of_heading_1_fails_every_title(fake):
    p, original, _ = start(fake, "apply-heading-styles", 41)
    headings = set(p["headings"])
    info = save(fake, [("Heading 2" if t in headings else s, t) for s, t in original])
    assert len(failed(info)) == len(headings) and info["reward"] == 0.0


def test_a_body_paragraph_made_a_heading_zeroes_the_score(fake):
    _, original, expected = start(fake, "apply-heading-styles", 42)
    bent = list(expected)
    bent[2] = ("Heading 1", bent[2][1])
    assert original[2][0].lower() == expected[2][0].lower() == "text body"
    info = save(fake, bent)
    assert info["reward"] == 0.0 and failed(info) == ["every other paragraph keeps its style"]


def test_half_the_headings_is_partial_credit(fake):
    p, original, expected = start(fake, "apply-heading-styles", 43)
    half = set(p["headings"][: len(p["headings"]) // 2])
    info = save(fake, [expected[i] if t in half else original[i] for i, (_, t) in enumerate(original)])
    assert len(failed(info)) == len(p["headings"]) - len(half) and 0.3 < info["reward"] < 0.7


# --- reorder-sections -----------------------------------------------------------------------------------------

def _section(paras: Paras, title: str) -> tuple[int, int]:
    start = next(i for i, (_, t) in enumerate(paras) if t == title)
    end = next((i for i in range(start + 1, len(paras)) if paras[i][0] == "Heading 1"), len(paras))
    return start, end


def test_moving_the_section_after_the_other_fails(fake):
    p, original, _ = start(fake, "reorder-sections", 51)
    a, b = _section(original, p["moved"])
    section, rest = original[a:b], original[:a] + original[b:]
    c, d = _section(rest, p["before"])
    info = save(fake, rest[:d] + section + rest[d:])
    assert failed(info) == [f"{p['moved']!r} moved whole, right before {p['before']!r}"] and info["reward"] == 0.0


def test_moving_only_the_title_zeroes_the_score(fake):
    p, original, _ = start(fake, "reorder-sections", 52)
    a, _ = _section(original, p["moved"])
    rest = original[:a] + original[a + 1:]
    c, _ = _section(rest, p["before"])
    info = save(fake, rest[:c] + [original[a]] + rest[c:])
    assert info["reward"] == 0.0 and failed(info) == ["the other sections keep their order"]


def test_the_right_order_passes(fake):
    _, _, expected = start(fake, "reorder-sections", 53)
    info = save(fake, expected)
    assert info["reward"] == 1.0, failed(info)


# --- build-contact-table --------------------------------------------------------------------------------------

def _anchor(paras: Paras) -> str:
    return next(t for _, t in paras if t.endswith("are listed in the table below."))


def test_the_table_at_the_top_of_the_memo_is_partial_credit(fake):
    p, original, _ = start(fake, "build-contact-table", 61)
    info = save(fake, original, p["rows"], after=None)
    assert failed(info) == ["a table right after the paragraph introducing it"] and 0 < info["reward"] < 1


def test_a_table_without_its_header_row_fails_size_and_header(fake):
    p, original, _ = start(fake, "build-contact-table", 62)
    info = save(fake, original, p["rows"][1:], after=_anchor(original))
    assert set(failed(info)) == {f"3 columns and {len(p['rows'])} rows", "header row Name, Role, Extension",
                                 "every contact's row as given, in order"}


def test_the_table_after_the_anchor_passes(fake):
    p, original, _ = start(fake, "build-contact-table", 63)
    info = save(fake, original, p["rows"], after=_anchor(original))
    assert info["reward"] == 1.0, failed(info)


# --- on the real app ------------------------------------------------------------------------------------------

def test_app_half_the_headings_is_partial_credit(software_envs):
    """The oracle cut after half its titles (4 actions each after ctrl+Home), then saved."""
    env = software_envs("libreoffice-writer")
    env.reset(seed=44, options={"task": "apply-heading-styles"})
    plan = env.unwrapped.oracle_actions()
    titles = (len(plan) - 3) // 4
    info = run(env, [*plan[: 1 + 4 * (titles // 2)], A.hotkey("ctrl", "s")])
    assert len(failed(info)) == titles - titles // 2 and 0.3 < info["reward"] < 0.7
