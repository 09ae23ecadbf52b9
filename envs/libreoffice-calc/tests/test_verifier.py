"""LibreOffice Calc verifiers: plausible wrong solutions must not pass.

Most tests are on files: the instance is built by the task's own setup on the fake runner (no app), the workbook
"Calc saved" is written with the env's .ods writer (formulas with the values Calc would have stored), and DONE runs
the verifier on it. Two tests run the real app (marked ``app`` through ``software_envs``), a few seconds each.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from verifiers_for_tests import failed, run

from gym_anything import actions as A
from gym_anything.core.env import GymAnythingEnv

ENV = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("calc_ods_for_tests", ENV / "ods.py")
assert _spec and _spec.loader
ods = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = ods  # dataclasses look their module up there
_spec.loader.exec_module(ods)


@pytest.fixture(scope="module")
def fake():
    env = GymAnythingEnv("libreoffice-calc", runner="fake", audit=False)
    yield env
    env.close()


def start(env, task: str, seed: int) -> tuple[dict, list[list[Any]]]:
    """Reset to the instance; (its privileged values, the start sheet's rows as values)."""
    _, info = env.reset(seed=seed, options={"task": task})
    env.unwrapped.test_instruction = info["instruction"]
    original = ods.read_ods(Path(env.unwrapped.episode_private_dir) / "original.ods")
    return env.unwrapped.privileged(), next(iter(original.values())).rows()


def save(env, rows: list[list[Any]]) -> dict:
    """Write ``rows`` as the workbook Calc saved (same file, same sheet), then DONE: the final info."""
    home = Path(env.unwrapped.episode_home)
    path = next(home.glob("*.ods"))
    name = next(iter(ods.read_ods(path)))
    ods.write_ods(path, {name: rows})
    return run(env, [])


def column(rows: list[list[Any]], width: int) -> list[list[Any]]:
    return [[*row, *[None] * (width - len(row))] for row in rows]


# --- expense-category-totals ----------------------------------------------------------------------------------

def _summary(rows, categories, cell) -> list[list[Any]]:
    out = column(rows, 8)
    out[0][6:8] = ["Category", "Total"]
    for i, category in enumerate(categories):
        total = sum(float(r[4]) for r in rows[1:] if r[3] == category)
        out[i + 1][6:8] = [category, cell(i + 2, total)]
    return out


def test_expense_totals_typed_as_numbers_fail_every_total(fake):
    p, rows = start(fake, "expense-category-totals", 11)
    info = save(fake, _summary(rows, p["categories"], lambda r, total: round(total, 2)))
    assert failed(info) == [f"H{r}: a formula totalling the {c} claims" for r, c in enumerate(p["categories"], 2)]
    assert 0 < info["reward"] < 0.5


def test_expense_totals_over_a_range_short_of_the_ledger_fail(fake):
    p, rows = start(fake, "expense-category-totals", 12)
    last = p["last_row"]
    info = save(fake, _summary(rows, p["categories"],
                               lambda r, t: (f"=SUMIF(D$2:D${last - 1};G{r};E$2:E${last - 1})", t)))
    assert len(failed(info)) == len(p["categories"]) and info["reward"] < 1


def test_expense_totals_with_a_two_column_criteria_range_fail(fake):
    """The mutation test's survivor: SUMIF(E$2:D$n;...) is read by Calc as D2:E<n> and gives the same totals."""
    p, rows = start(fake, "expense-category-totals", 15)
    last = p["last_row"]
    info = save(fake, _summary(rows, p["categories"], lambda r, t: (f"=SUMIF(D$2:E${last};G{r};E$2:E${last})", t)))
    assert len(failed(info)) == len(p["categories"]) and info["reward"] < 1


def test_expense_totals_with_whole_column_references_pass(fake):
    p, rows = start(fake, "expense-category-totals", 13)
    info = save(fake, _summary(rows, p["categories"], lambda r, t: (f"=SUMIF(D:D;G{r};E:E)", t)))
    assert info["reward"] == 1.0, failed(info)


def test_expense_ledger_edited_zeroes_the_score(fake):
    p, rows = start(fake, "expense-category-totals", 14)
    last = p["last_row"]
    out = _summary(rows, p["categories"], lambda r, t: (f"=SUMIF(D$2:D${last};G{r};E$2:E${last})", t))
    out[5][4] = float(out[5][4]) + 1
    info = save(fake, out)
    assert info["reward"] == 0.0 and failed(info) == ["the ledger unchanged"]


# --- order-line-totals --------------------------------------------------------------------------------------

def _lines(rows, formula, value, total_rows=1):
    out = column(rows, 6)
    out[0][5] = "Line total"
    for r in range(2, len(rows) + 1):
        q, price, discount = (float(x) for x in out[r - 1][2:5])
        out[r - 1][5] = (formula(r), value(q, price, discount))
    grand = sum(float(row[5][1]) for row in out[1:])
    for _ in range(total_rows):
        out.append([None, None, None, None, "Total", (f"=SUM(F2:F{len(rows)})", grand)])
    return out


def test_line_totals_without_the_discount_fail_the_values(fake):
    p, rows = start(fake, "order-line-totals", 21)
    if all(float(r[4]) == 0 for r in rows[1:]):
        pytest.skip("no discounted line at this seed")
    info = save(fake, _lines(rows, lambda r: f"=C{r}*D{r}", lambda q, pr, d: q * pr))
    assert set(failed(info)) == {f"F2:F{p['last_row']} hold each line's discounted total",
                                 f"F{p['last_row'] + 1}: SUM of the line totals"}
    assert 0 < info["reward"] < 1


def test_line_totals_with_a_second_total_row_zero_the_score(fake):
    p, rows = start(fake, "order-line-totals", 22)
    out = _lines(rows, lambda r: f"=C{r}*D{r}*(1-E{r}/100)", lambda q, pr, d: q * pr * (1 - d / 100), total_rows=2)
    info = save(fake, out)
    assert info["reward"] == 0.0 and failed(info) == ["nothing written besides the Line total column and the total"]


def test_line_totals_correct_pass(fake):
    _, rows = start(fake, "order-line-totals", 23)
    info = save(fake, _lines(rows, lambda r: f"=C{r}*D{r}*(100-E{r})/100", lambda q, pr, d: q * pr * (1 - d / 100)))
    assert info["reward"] == 1.0, failed(info)


# --- correct-timesheet ----------------------------------------------------------------------------------------

def test_timesheet_correction_in_the_neighbouring_row_zeroes_the_score(fake):
    p, rows = start(fake, "correct-timesheet", 31)
    for fix in p["fixes"]:
        neighbour = fix["row"] + 1 if fix["row"] < len(rows) else fix["row"] - 1
        rows[neighbour - 1][4] = fix["hours"]
    info = save(fake, rows)
    assert info["reward"] == 0.0 and failed(info) == ["every other entry unchanged"]


def test_timesheet_half_the_corrections_is_partial_credit(fake):
    p, rows = start(fake, "correct-timesheet", 32)
    rows[p["fixes"][0]["row"] - 1][4] = p["fixes"][0]["hours"]
    info = save(fake, rows)
    assert len(failed(info)) == len(p["fixes"]) - 1 and 0 < info["reward"] < 1


# --- sort-customer-list ---------------------------------------------------------------------------------------

def test_sorting_by_region_only_fails_the_second_key(fake):
    _, rows = start(fake, "sort-customer-list", 41)
    info = save(fake, [rows[0], *sorted(rows[1:], key=lambda r: str(r[2]))])  # stable: account order kept
    assert failed(info) == ["within each region, by Annual revenue largest first"] and info["reward"] == 0.5


def test_sorting_the_region_column_alone_zeroes_the_score(fake):
    _, rows = start(fake, "sort-customer-list", 42)
    regions = sorted(str(r[2]) for r in rows[1:])
    info = save(fake, [rows[0], *[[*r[:2], g, *r[3:]] for r, g in zip(rows[1:], regions, strict=True)]])
    assert info["reward"] == 0.0 and failed(info) == ["every customer's row kept intact"]


def test_the_right_order_passes(fake):
    _, rows = start(fake, "sort-customer-list", 43)
    info = save(fake, [rows[0], *sorted(rows[1:], key=lambda r: (str(r[2]), -float(r[4])))])
    assert info["reward"] == 1.0, failed(info)


# --- remove-cancelled-orders ----------------------------------------------------------------------------------

def test_clearing_cancelled_rows_instead_of_deleting_them_zeroes_the_score(fake):
    _, rows = start(fake, "remove-cancelled-orders", 51)
    info = save(fake, [r if r[3] != "Cancelled" else [None] * 5 for r in rows])
    assert info["reward"] == 0.0 and failed(info) == ["no blank rows left"]


def test_deleting_an_open_order_too_zeroes_the_score(fake):
    _, rows = start(fake, "remove-cancelled-orders", 52)
    kept = [r for r in rows if r[3] != "Cancelled"]
    info = save(fake, kept[:3] + kept[4:])
    assert info["reward"] == 0.0 and failed(info) == ["every other order kept, unchanged and in order"]


def test_deleting_half_the_cancelled_orders_is_partial_credit(fake):
    _, rows = start(fake, "remove-cancelled-orders", 53)
    cancelled = [i for i, r in enumerate(rows) if r[3] == "Cancelled"]
    dropped = set(cancelled[: len(cancelled) // 2])
    info = save(fake, [r for i, r in enumerate(rows) if i not in dropped])
    assert len(failed(info)) == len(cancelled) - len(dropped) and 0.3 < info["reward"] < 0.7


# --- commission-report ----------------------------------------------------------------------------------------

def _commission(rows, high, low, rounded=True):
    out = column(rows, 6)
    out[0][4:6] = ["Attainment", "Commission"]
    for r in range(2, len(rows) + 1):
        target, actual = float(out[r - 1][2]), float(out[r - 1][3])
        pay = actual * (high if actual >= target else low) / 100
        out[r - 1][4:6] = [(f"=D{r}/C{r}", actual / target),
                           (f"=IF(D{r}>=C{r};{high};{low})/100*D{r}", round(pay, 2) if rounded else pay)]
    return out


def test_commission_not_rounded_to_cents_fails(fake):
    _, rows = start(fake, "commission-report", 61)
    high, low = _rates(fake)
    info = save(fake, _commission(rows, high, low, rounded=False))
    assert len(failed(info)) == 1 and failed(info)[0].startswith("F2:F") and 0 < info["reward"] < 1


def test_commission_with_the_rates_swapped_fails(fake):
    _, rows = start(fake, "commission-report", 62)
    high, low = _rates(fake)
    info = save(fake, _commission(rows, low, high))
    assert len(failed(info)) == 1 and info["reward"] < 1


def _rates(env) -> tuple[int, int]:
    """The instance's two commission rates, read from its instruction."""
    text = env.unwrapped.test_instruction
    high, low = (int(x) for x in re.findall(r"(\d+)% ", text)[:2])
    return high, low


# --- on the real app ------------------------------------------------------------------------------------------

def test_app_sorting_by_region_only_fails_the_second_key(software_envs):
    """The oracle's Sort dialog without the second key: Calc's sort keeps the original order within a region."""
    env = software_envs("libreoffice-calc")
    env.reset(seed=44, options={"task": "sort-customer-list"})
    plan = env.unwrapped.oracle_actions()  # ctrl+Home, Data, Sort..., "Region", key 2 (3), Descending, OK, ctrl+s
    info = run(env, [*plan[:4], *plan[8:]])
    assert failed(info) == ["within each region, by Annual revenue largest first"] and info["reward"] == 0.5


def test_app_half_the_cancelled_orders_deleted_is_partial_credit(software_envs):
    env = software_envs("libreoffice-calc")
    env.reset(seed=54, options={"task": "remove-cancelled-orders"})
    plan = env.unwrapped.oracle_actions()  # 4 actions per order, then ctrl+s
    orders = (len(plan) - 2) // 4
    info = run(env, [*plan[: 4 * (orders // 2)], A.hotkey("ctrl", "s")])
    assert len(failed(info)) == orders - orders // 2 and 0.3 < info["reward"] < 0.7
