"""The verifier library's readers on files real programs wrote."""

from __future__ import annotations

import sqlite3
import subprocess

import pytest

from gym_anything.authoring.formats import (
    cell_index,
    cell_name,
    normalise_text,
    numbers_close,
    query_sqlite,
    read_csv,
    read_gnumeric,
    read_spreadsheet,
    read_text,
    write_gnumeric,
)


@pytest.fixture
def workbook(tmp_path):
    path = tmp_path / "book.gnumeric"
    write_gnumeric(path, {"Sales": [["Item", "Amount"], ["Bolts", 2.5], ["Nuts", 4], [None, "=SUM(B2:B3)"]],
                          "Notes": [["Owner", "Zoë"]]})
    return path


def test_gnumeric_formulas_values_and_sheets(workbook):
    sheets = read_gnumeric(workbook)
    assert list(sheets) == ["Sales", "Notes"]
    sales = sheets["Sales"]
    assert sales.formula("B4") == "=SUM(B2:B3)" and sales.number("B4") == 6.5
    assert sales.text("A2") == "Bolts" and sales.formula("B2") is None and sales.number("A2") is None
    assert sheets["Notes"].text("B1") == "Zoë"


@pytest.mark.parametrize("fmt", ["ods", "xlsx"])
def test_other_workbook_formats_via_ssconvert(workbook, tmp_path, fmt):
    target = tmp_path / f"book.{fmt}"
    subprocess.run(["ssconvert", str(workbook), str(target)], check=True, capture_output=True)
    sheets = read_spreadsheet(target)
    assert len(sheets) == 2
    first = next(iter(sheets.values()))
    assert first.number("B4") == 6.5 and first.text("A3") == "Nuts"


def test_missing_files_raise(tmp_path):
    for reader in (read_gnumeric, read_spreadsheet, read_text, read_csv):
        with pytest.raises(FileNotFoundError):
            reader(tmp_path / "nope.ods")
    with pytest.raises(FileNotFoundError):
        query_sqlite(tmp_path / "nope.db", "SELECT 1")


def test_csv_text_sqlite_and_helpers(tmp_path):
    (tmp_path / "a.csv").write_text('name,amount\n"Smith, J",3\n')
    assert read_csv(tmp_path / "a.csv") == [["name", "amount"], ["Smith, J", "3"]]
    (tmp_path / "a.txt").write_bytes(b"one\r\ntwo\r\n")
    assert read_text(tmp_path / "a.txt") == "one\ntwo\n"
    with sqlite3.connect(tmp_path / "a.db") as conn:
        conn.execute("CREATE TABLE t(x)")
        conn.execute("INSERT INTO t VALUES (7)")
    assert query_sqlite(tmp_path / "a.db", "SELECT x FROM t") == [(7,)]
    with pytest.raises(Exception, match="readonly"):
        query_sqlite(tmp_path / "a.db", "INSERT INTO t VALUES (8)")
    assert cell_index("AA10") == (9, 26) and cell_name(9, 26) == "AA10"
    assert numbers_close(100.0000001, 100) and not numbers_close(None, 1) and not numbers_close(100.1, 100)
    assert normalise_text("  a \n b\t c ") == "a b c"


def test_setup_faker_is_seeded_by_the_instance(tmp_path):
    import numpy as np

    from gym_anything.authoring import SetupContext

    def people(seed: int) -> list[str]:
        fake = SetupContext({}, np.random.default_rng(seed), tmp_path, tmp_path).faker()
        return [fake.name() for _ in range(20)] + [fake.company(), fake.address()]

    assert people(7) == people(7)
    assert people(7) != people(8)
    assert len(set(people(7)[:20])) > 15  # varied names, not one repeated
