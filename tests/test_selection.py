"""GDP-grounded software selection (gym_anything.selection, `gym-anything select`): the OEWS table matches the
published facts, the catalog and the judgement table validate (bad entries name the entry and the field), the
greedy selection is deterministic and its diminishing returns per group reach a new group before a second software
for a covered one, the CLI prints the table and valid JSON, and `list --group` filters."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from pathlib import Path

import pytest
import yaml

from gym_anything.cli.main import main
from gym_anything.selection import (
    OccupationTable,
    SelectionDataError,
    format_selection,
    group_mismatches,
    load_catalog,
    load_occupations,
    load_screen_shares,
    select,
    selection_json,
)
from gym_anything.selection.occupations import Occupation
from gym_anything.selection.shares import ScreenShare
from gym_anything.specs.registry import all_software

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "selection.md"
OUTPUT_START, OUTPUT_END = "<!-- selection-output -->", "<!-- /selection-output -->"
NAMED = ("libreoffice-calc", "libreoffice-writer", "libreoffice-impress", "gnucash", "thunderbird", "tryton-sales",
         "gnumed", "orthanc", "qgis", "librecad", "planner", "pspp", "inkscape", "scribus", "mediawiki", "wordpress",
         "request-tracker", "gnumeric", "mousepad", "sqlitebrowser")
"""The software issue 16 names (a medical imaging app: orthanc; Tryton in four task families)."""


@pytest.fixture(scope="module")
def table() -> OccupationTable:
    return load_occupations()


@pytest.fixture(scope="module")
def shares(table):
    return load_screen_shares(table)


@pytest.fixture(scope="module")
def catalog(table):
    return load_catalog(table)


def registry_groups() -> dict[str, tuple[str, ...]]:
    """This checkout's registered software (not other data roots' in GYM_ANYTHING_PATH) -> env.yaml soc_groups."""
    return {env.id: env.soc_groups for env in all_software().values() if env.tasks and env.root == ROOT}


# --- the occupation table ------------------------------------------------------------------------------------------


def test_the_occupation_table_matches_the_published_oews_facts(table):
    management = table["11-0000"]
    assert (management.employment, management.annual_wage, management.level) == (11_132_700, 145_260, 0)
    assert management.title == "Management Occupations"
    assert (table.total.employment, table.total.annual_wage) == (155_495_730, 69_770)
    assert len(table) == 1104 and len(table.groups) == 22 and len(table.detailed) == 830
    assert [g.code[:2] for g in table.groups] == [f"{n}" for n in range(11, 54, 2)]
    bill = sum(g.wage_bill for g in table.groups)
    assert bill == 10_848_285_978_300  # the 22 groups' employment x mean wage, $10.85 trillion
    assert abs(bill / table.total.wage_bill - 1) < 0.001  # and the all-occupations row agrees
    assert table["43-3031"].employment == 1_373_680 and table["43-3031"].group == "43-0000"
    assert "43-3031" in {o.code for o in table.leaves("43-3000")}
    assert {o.code for o in table.leaves("43-3031")} == {"43-3031"}
    actors = table["27-2011"]  # hourly-only: annualised as BLS does (x 2080)
    assert actors.annual_wage is None and actors.wage == pytest.approx(actors.hourly_wage * 2080)


def test_a_broken_occupation_table_names_the_row_and_column(tmp_path, table):
    text = (ROOT / "gym_anything" / "selection" / "data" / "occupations.csv").read_text()
    bad = tmp_path / "occupations.csv"
    bad.write_text(text.replace("11-0000,0,11132700,", "11-0000,0,many,"))
    with pytest.raises(SelectionDataError, match=r"entry '11-0000': field 'employment': expected a non-negative int"):
        load_occupations(bad)
    bad.write_text("\n".join(line for line in text.splitlines() if not line.startswith("53-")))
    with pytest.raises(SelectionDataError, match="the 22 SOC major groups"):
        load_occupations(bad)


def test_the_build_script_reads_the_national_cross_industry_cells(tmp_path):
    """scripts/build-occupations.py on a tiny database in the wheel's schema: only 'OEUN0000000000000' || code."""
    spec = importlib.util.spec_from_file_location("build_occupations", ROOT / "scripts" / "build-occupations.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    db = tmp_path / "oews.sqlite"
    con = sqlite3.connect(db)
    columns = ", ".join(f"v{n:02d} TEXT" for n in range(1, 18))
    con.executescript(f"CREATE TABLE cell (key TEXT PRIMARY KEY, {columns});"
                      "CREATE TABLE occupation (occupation_code TEXT, occupation_name TEXT, display_level INTEGER);")
    con.executemany("INSERT INTO occupation VALUES (?, ?, ?)",
                    [("110000", "Management Occupations", 0), ("272011", "Actors", 3)])
    cells = [("OEUN0000000000000110000", "11132700", "69.84", "145260"),
             ("OEUS0100000000000110000", "1", "1.00", "2"),  # a state row: not national, ignored
             ("OEUN0000000000000272011", "55000", "58.29", "-")]
    con.executemany("INSERT INTO cell (key, v01, v03, v04) VALUES (?, ?, ?, ?)", cells)
    con.commit()
    con.close()
    assert script.rows(db) == [["11-0000", "0", "11132700", "145260", "69.84", "Management Occupations"],
                               ["27-2011", "3", "55000", "", "58.29", "Actors"]]


# --- the judgement table and the catalog --------------------------------------------------------------------------


def test_the_screen_shares_are_a_documented_judgement_for_every_group(shares, table, tmp_path):
    assert set(shares) == {g.code for g in table.groups}
    assert all(0 <= s.share <= 1 and s.rationale for s in shares.values())
    assert "JUDGEMENT" in (ROOT / "gym_anything" / "selection" / "data" / "screen_shares.csv").read_text()
    bad = tmp_path / "shares.csv"
    rows = [f"{g.code},0.5,a reason" for g in table.groups]
    bad.write_text("soc_code,share,rationale\n" + "\n".join(rows).replace("43-0000,0.5", "43-0000,1.5"))
    with pytest.raises(SelectionDataError, match=r"entry '43-0000': field 'share': expected a number from 0 to 1"):
        load_screen_shares(table, bad)
    bad.write_text("soc_code,share,rationale\n" + "\n".join(rows[:-1]))
    with pytest.raises(SelectionDataError, match=r"entry '53-0000'.*a row for every SOC major group"):
        load_screen_shares(table, bad)


def test_the_catalog_validates_and_spans_the_groups(catalog, table):
    assert len(catalog) >= 60
    for name in NAMED:
        assert name in catalog, f"{name} missing from the catalog"
    sandboxable = [s for s in catalog if s.sandboxable]
    covered = {g for s in sandboxable for g in s.groups}
    assert covered == {g.code for g in table.groups}  # every major group has a candidate
    for software in catalog:
        assert software.rationale and software.state and software.packages
        for code, weight in software.occupations.items():
            assert code in table and 0 < weight <= 1, (software.id, code, weight)
    assert not catalog["scantool"].sandboxable  # hardware (an OBD adapter): kept, but never selected


def test_the_registered_software_declares_the_groups_of_its_catalog_entry(catalog):
    declared = registry_groups()
    assert {"gnumeric", "mousepad", "sqlitebrowser"} <= set(declared)
    assert group_mismatches(catalog, declared) == []
    assert set(declared) <= set(catalog.by_id)  # the checkout's software is all in the catalog
    problems = group_mismatches(catalog, {"gnumeric": ("13-0000", "43-0000"), "newapp": ("43-0000",)})
    assert problems == [f"gnumeric: env.yaml soc_groups 13-0000, 43-0000 but the catalog's occupations are in "
                        f"43-0000, 13-0000 ({catalog.path})"]  # the order counts; no entry is not a mismatch


GOOD = {"id": "app", "name": "App", "kind": "desktop", "packages": ["app"], "sandboxable": True,
        "state": "a file", "rationale": "one line", "occupations": {"43-3031": 0.5}}


@pytest.mark.parametrize(("change", "field", "expected"), [
    ({"occupations": {"43-9999": 0.5}}, "occupations.43-9999", "a SOC code in the occupation table"),
    ({"occupations": {"43-3031": 1.5}}, "occupations.43-3031", "a relevance weight with 0 < weight <= 1"),
    ({"occupations": {"43-3031": 0}}, "occupations.43-3031", "a relevance weight with 0 < weight <= 1"),
    ({"occupations": {"43-3031": True}}, "occupations.43-3031", "a relevance weight"),
    ({"occupations": {433031: 0.5}}, "occupations.433031", "a SOC code such as 43-3031"),
    ({"occupations": {}}, "occupations", "a mapping of SOC code to relevance weight"),
    ({"kind": "mobile"}, "kind", "desktop or web"),
    ({"sandboxable": "yes"}, "sandboxable", "true or false"),
    ({"packages": []}, "packages", "a non-empty list of Debian package names"),
    ({"rationale": "two\nlines"}, "rationale", "one line"),
    ({"colour": "red"}, "colour", "one of the fields"),
    ({"state": None}, "state", "a non-empty string"),
])
def test_a_bad_catalog_entry_names_the_entry_and_the_field(tmp_path, table, change, field, expected):
    entry = {**GOOD, **change}
    if change.get("state", "") is None:
        del entry["state"]
        expected = "required field is missing"
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump([{**GOOD, "id": "fine"}, entry], sort_keys=False))
    with pytest.raises(SelectionDataError) as caught:
        load_catalog(table, path)
    assert caught.value.entry == "app" and caught.value.field == field, str(caught.value)
    assert expected in str(caught.value) and f"entry 'app': field '{field}'" in str(caught.value)


def test_a_repeated_id_or_occupation_is_refused(tmp_path, table):
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump([GOOD, GOOD]))
    with pytest.raises(SelectionDataError, match=r"entry 'app': field 'id': expected an id used by one entry only"):
        load_catalog(table, path)
    path.write_text("- {id: app, name: App, kind: desktop, packages: [app], sandboxable: true, state: a file,\n"
                    "   rationale: one line, occupations: {'43-3031': 0.5, '43-3031': 0.2}}\n")
    with pytest.raises(SelectionDataError, match="the key '43-3031' twice"):
        load_catalog(table, path)


# --- the greedy selection -------------------------------------------------------------------------------------------


def tiny(tmp_path: Path, software: list[dict], values: dict[str, int]):
    """A synthetic table (wage 1, screen share 1: an occupation's value is its employment) and catalog."""
    occupations = [Occupation("00-0000", 0, "All", sum(values.values()), 1, None)]
    for group in sorted({code[:2] for code in values}):
        occupations.append(Occupation(f"{group}-0000", 0, f"Group {group}",
                                      sum(v for c, v in values.items() if c.startswith(group)), 1, None))
    occupations += [Occupation(code, 3, f"Occupation {code}", value, 1, None) for code, value in values.items()]
    table = OccupationTable(occupations)
    shares = {g.code: ScreenShare(g.code, 1.0, "synthetic") for g in table.groups}
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump([{**GOOD, **entry} for entry in software]))
    return table, shares, load_catalog(table, path)


TINY_VALUES = {"11-1011": 50, "11-1021": 50, "13-1011": 40}  # group 11 is worth 100, group 13 40
TINY = [{"id": "a1", "occupations": {"11-1011": 0.5}}, {"id": "a2", "occupations": {"11-1021": 0.5}},
        {"id": "b1", "occupations": {"13-1011": 0.5}}]


def order(selection) -> list[str]:
    return [p.id for p in selection.picks]


def test_without_a_group_discount_the_bigger_group_gets_its_second_software_first(tmp_path):
    """The control: linear value (p = 1, no breadth) ranks a2 (25) above b1 (20) though group 13 has nothing."""
    table, shares, catalog = tiny(tmp_path, TINY, TINY_VALUES)
    selection = select(table, shares, catalog, top=None, exponent=1.0, breadth=0.0)
    assert order(selection) == ["a1", "a2", "b1"]
    assert [round(p.gain, 6) for p in selection.picks] == [25.0, 25.0, 20.0]


@pytest.mark.parametrize(("exponent", "breadth"), [(0.5, 0.0), (1.0, 0.2), (0.5, 0.1)])
def test_diminishing_returns_reach_a_new_group_before_a_second_software_for_a_covered_one(tmp_path, exponent,
                                                                                        breadth):
    table, shares, catalog = tiny(tmp_path, TINY, TINY_VALUES)
    selection = select(table, shares, catalog, top=None, exponent=exponent, breadth=breadth)
    assert order(selection) == ["a1", "b1", "a2"]
    assert [p.groups_reached for p in selection.picks] == [1, 2, 2]
    assert [p.new_groups for p in selection.picks] == [("11-0000",), ("13-0000",), ()]
    gains = [p.gain for p in selection.picks]
    assert gains == sorted(gains, reverse=True)  # greedy: each pick gains no more than the one before


def test_coverage_of_one_occupation_combines_and_a_specific_code_overrides_a_broad_one(tmp_path):
    software = [{"id": "broad", "occupations": {"11-0000": 0.1, "11-1011": 0.5}},
                {"id": "same", "occupations": {"11-1011": 0.5}}]
    table, shares, catalog = tiny(tmp_path, software, TINY_VALUES)
    selection = select(table, shares, catalog, top=None, exponent=1.0, breadth=0.0)
    assert [round(p.value, 6) for p in selection.picks] == [30.0, 25.0]  # 50 x 0.5 + 50 x 0.1; then 50 x 0.5
    assert [round(p.gain, 6) for p in selection.picks] == [30.0, 12.5]  # the second half of what is left
    assert selection.picks[-1].screen_covered == pytest.approx((50 * 0.75 + 50 * 0.1) / 140)


def test_the_selection_is_deterministic_and_starts_from_the_registry(table, shares, catalog):
    registry = ["gnumeric", "mousepad", "sqlitebrowser"]
    first = select(table, shares, catalog, top=25, start=registry, registered=registry)
    second = select(table, shares, catalog, top=25, start=registry, registered=registry)
    assert first.to_dict() == second.to_dict() and selection_json(first) == selection_json(second)
    assert order(first)[:3] == registry and all(p.start and p.registered for p in first.picks[:3])
    assert len(first.picks) == 28 and not any(p.start for p in first.picks[3:])
    assert all(catalog[p.id].sandboxable for p in first.picks)
    fresh = select(table, shares, catalog, top=10, registered=registry)
    assert len(fresh.picks) == 10 and not any(p.start for p in fresh.picks)


def test_the_default_selection_reaches_every_reachable_group(table, shares, catalog):
    """The documented headline: the registry's 3 + 25 new reach every group the catalog can reach."""
    registry = ["gnumeric", "mousepad", "sqlitebrowser"]
    selection = select(table, shares, catalog, top=25, start=registry)
    reachable = [g.code for g in selection.groups if g.reachable]
    assert len(reachable) == 22 and [g.code for g in selection.reached] == reachable
    assert selection.picks[-1].wage_bill_reached > 0.99


def test_select_refuses_parameters_out_of_range(table, shares, catalog):
    for kwargs, message in (({"exponent": 0}, "exponent: expected 0 < exponent <= 1"),
                            ({"breadth": -1}, "breadth: expected a share of the wage bill >= 0"),
                            ({"top": -2}, "top: expected a number of software >= 0"),
                            ({"start": ["scantool"]}, "start: expected ids of sandboxable catalog entries")):
        with pytest.raises(ValueError, match=message):
            select(table, shares, catalog, **kwargs)


# --- the command ----------------------------------------------------------------------------------------------------


def test_the_select_command_prints_the_ranked_table_and_the_group_coverage(capsys, catalog):
    registered = sorted(i for i, env in all_software().items() if env.tasks and i in catalog)  # ranked by id
    assert {"gnumeric", "libreoffice-calc", "thunderbird"} <= set(registered)
    assert main(["select", "--registered", "--top", "4"]) == 0
    captured = capsys.readouterr()
    assert not any(f" {name}" in captured.err for name in registered)  # only software without an entry are noted
    lines = captured.out.splitlines()
    ranked = [line for line in lines if line[:4].strip().isdigit()]
    assert [line.split()[1] for line in ranked[:len(registered)]] == registered
    assert all("start (registered)" in line for line in ranked[:len(registered)])
    assert len(ranked) == len(registered) + 4 and "start (registered)" not in ranked[-1]
    assert any(line.startswith("43 Office and Administrative Support") for line in lines)
    assert lines[-1].startswith(f"{len(registered) + 4} software: ") and "of 22 SOC major groups reached" in lines[-1]


def test_the_select_command_prints_json_that_parses(capsys):
    assert main(["select", "--json", "--top", "3"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["picks"]) == 3 and len(data["groups"]) == 22 and data["exponent"] == 0.5
    assert {"id", "gain", "value", "groups_reached", "wage_bill_reached", "registered"} <= set(data["picks"][0])
    assert data["summary"].startswith("3 software: ")


def test_the_select_command_reports_a_bad_catalog_or_parameter(tmp_path, capsys):
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump([{**GOOD, "occupations": {"43-3031": 2}}]))
    assert main(["select", "--catalog", str(path)]) == 2
    assert "entry 'app': field 'occupations.43-3031': expected a relevance weight" in capsys.readouterr().err
    assert main(["select", "--exponent", "1.5"]) == 2
    assert "exponent: expected 0 < exponent <= 1" in capsys.readouterr().err


def test_list_group_filters_the_software_by_soc_group(capsys):
    def listed(*args: str) -> set[str]:
        assert main(["list", *args]) == 0
        return {line.split()[0] for line in capsys.readouterr().out.splitlines() if line and not line[0].isspace()}

    def registered_in(group: str) -> set[str]:
        return {f"GymAnything/{i}-v0" for i, env in all_software().items() if env.tasks and group in env.soc_groups}

    assert listed("--group", "27") == registered_in("27-0000") >= {"GymAnything/libreoffice-writer-v0",
                                                                   "GymAnything/mousepad-v0"}
    assert listed("--group", "15-0000") == registered_in("15-0000") >= {"GymAnything/libreoffice-calc-v0",
                                                                        "GymAnything/sqlitebrowser-v0"}
    assert listed("--group", "43") == registered_in("43-0000") >= {
        "GymAnything/gnumeric-v0", "GymAnything/office-desk-v0", "GymAnything/thunderbird-v0"}
    assert listed("--group", "31") == registered_in("31-0000") == set()  # healthcare support: none yet
    assert main(["list", "--markdown", "--group", "13"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == sorted(
        i for i, env in all_software().items() if env.tasks and "13-0000" in env.soc_groups)
    assert {"gnumeric", "sqlitebrowser", "planner"} <= {row.split("`")[1] for row in rows}
    assert main(["list", "--group", "44"]) == 2
    assert "--group expects a SOC major group such as 43 or 43-0000" in capsys.readouterr().err


def test_the_docs_show_what_the_command_prints(table, shares, catalog):
    """docs/selection.md's output block is `gym-anything select --registered` as it prints today."""
    text = DOC.read_text(encoding="utf-8")
    assert text.count(OUTPUT_START) == 1 and text.count(OUTPUT_END) == 1
    block = text.split(OUTPUT_START, 1)[1].split(OUTPUT_END, 1)[0].strip().removeprefix("```text").removesuffix("```")
    registry = [i for i in registry_groups() if i in catalog]
    selection = select(table, shares, catalog, top=25, start=registry, registered=registry)
    assert block.strip() == format_selection(selection).strip(), (
        "docs/selection.md is out of date: paste the output of `gym-anything select --registered` between "
        f"{OUTPUT_START} and {OUTPUT_END}")
