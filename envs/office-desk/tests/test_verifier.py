"""office-desk verifiers: plausible wrong solutions must not pass.

Most tests are on files: the instance is built by the task's own setup on the fake runner (no app), the test writes
the workbook or text "the apps saved" and DONE runs the verifier on them. One test runs the real desk (marked
``app`` through ``software_envs``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from verifiers_for_tests import failed, run

from gym_anything import actions as A
from gym_anything.authoring.formats import write_gnumeric
from gym_anything.core.env import GymAnythingEnv


@pytest.fixture(scope="module")
def fake():
    env = GymAnythingEnv("office-desk", runner="fake", audit=False)
    yield env
    env.close()


def first_two_swapped(items: list) -> list:
    return [items[1], items[0], *items[2:]]


def start(env, task: str, seed: int) -> tuple[dict, Path]:
    env.reset(seed=seed, options={"task": task})
    return env.unwrapped.privileged(), Path(env.unwrapped.episode_home)


# --- memo-department-totals ------------------------------------------------------------------------------------

def _memo(home: Path, amounts: dict[str, str]) -> None:
    lines = (home / "memo.txt").read_text().split("\n")
    (home / "memo.txt").write_text("\n".join(f"{line} {amounts[line[:-1]]}" if line[:-1] in amounts else line
                                             for line in lines))


def _totals(p: dict) -> dict[str, float]:
    return {**p["totals"], "Total": p["total"]}


def test_memo_with_every_total_passes_and_accepts_dollars_and_commas(fake):
    p, home = start(fake, "memo-department-totals", 1)
    _memo(home, {k: f"${v:,.2f}" for k, v in _totals(p).items()})
    info = run(fake, [])
    assert info["reward"] == 1.0, failed(info)


def test_memo_with_one_wrong_total_is_partial_credit(fake):
    p, home = start(fake, "memo-department-totals", 2)
    totals = _totals(p)
    first = next(iter(p["totals"]))
    _memo(home, {k: f"{v + (10 if k == first else 0):.2f}" for k, v in totals.items()})
    info = run(fake, [])
    assert failed(info) == [f"{first} amount"] and 0 < info["reward"] < 1


def test_memo_with_another_line_edited_fails(fake):
    p, home = start(fake, "memo-department-totals", 3)
    _memo(home, {k: f"{v:.2f}" for k, v in _totals(p).items()})
    (home / "memo.txt").write_text((home / "memo.txt").read_text().replace("Regards,", "Best,"))
    info = run(fake, [])
    assert info["reward"] == 0.0 and failed(info) == ["rest of the memo unchanged"]


def test_memo_with_the_ledger_saved_changed_fails(fake):
    p, home = start(fake, "memo-department-totals", 4)
    _memo(home, {k: f"{v:.2f}" for k, v in _totals(p).items()})
    ledger = [list(row) for row in p["ledger"]]
    ledger[1][4] = 0.0
    write_gnumeric(home / "expenses.gnumeric", {"Expenses": ledger})
    info = run(fake, [])
    assert info["reward"] == 0.0 and failed(info) == ["the ledger's entries unchanged"]


# --- order-from-email ------------------------------------------------------------------------------------------

HEADER = ["Item code", "Description", "Quantity", "Unit price", "Line total"]


def _order(home: Path, lines: list[list], total=lambda r, line: f"=C{r}*D{r}") -> None:
    rows = [HEADER, *[[*line, total(r, line)] for r, line in enumerate(lines, start=2)]]
    write_gnumeric(home / "order.gnumeric", {"Order": rows})


def test_the_whole_order_passes(fake):
    p, home = start(fake, "order-from-email", 1)
    _order(home, p["lines"])
    info = run(fake, [])
    assert info["reward"] == 1.0, failed(info)


def test_typed_line_totals_instead_of_formulas_lose_those_items(fake):
    p, home = start(fake, "order-from-email", 2)
    _order(home, p["lines"], total=lambda r, line: line[2] * line[3])
    info = run(fake, [])
    assert len(failed(info)) == len(p["lines"]) and abs(info["reward"] - 0.5) < 1e-9


def test_two_order_lines_swapped_lose_both_rows(fake):
    p, home = start(fake, "order-from-email", 3)
    _order(home, first_two_swapped(p["lines"]))
    info = run(fake, [])
    assert len(failed(info)) == 4 and 0 < info["reward"] < 1


def test_an_order_line_entered_twice_fails(fake):
    p, home = start(fake, "order-from-email", 4)
    _order(home, [*p["lines"], p["lines"][-1]])
    info = run(fake, [])
    assert info["reward"] == 0.0 and failed(info) == ["nothing beyond the order's rows"]


# --- price-updates ---------------------------------------------------------------------------------------------

def _prices(home: Path, p: dict, changes: list[tuple[int, float]]) -> None:
    rows = [list(row) for row in p["rows"]]
    for row, price in changes:
        rows[row - 1][3] = price
    write_gnumeric(home / "pricelist.gnumeric", {"Prices": rows})


def test_every_new_price_passes(fake):
    p, home = start(fake, "price-updates", 1)
    _prices(home, p, [(row, new) for _, row, new in p["changes"]])
    info = run(fake, [])
    assert info["reward"] == 1.0, failed(info)


def test_a_new_price_in_the_row_below_fails(fake):
    p, home = start(fake, "price-updates", 2)
    changes = [(row, new) for _, row, new in p["changes"]]
    changes[0] = (changes[0][0] + 1, changes[0][1])
    _prices(home, p, changes)
    info = run(fake, [])
    assert info["reward"] == 0.0 and failed(info) == ["every other cell unchanged"]


def test_half_the_new_prices_is_partial_credit(fake):
    p, home = start(fake, "price-updates", 3)
    changes = [(row, new) for _, row, new in p["changes"]]
    _prices(home, p, changes[: len(changes) // 2])
    info = run(fake, [])
    assert len(failed(info)) == len(changes) - len(changes) // 2 and 0 < info["reward"] < 1


# --- reorder-request -------------------------------------------------------------------------------------------

def _request(home: Path, lines: list[str]) -> None:
    path = home / "purchase-request.txt"
    path.write_text(path.read_text() + "".join(f"{line}\n" for line in lines))


def test_the_reorder_list_passes_with_either_separator(fake):
    p, home = start(fake, "reorder-request", 1)
    _request(home, [f"{code}{', ' if n % 2 else ' '}{qty}" for n, (code, qty) in enumerate(p["orders"])])
    info = run(fake, [])
    assert info["reward"] == 1.0, failed(info)


def test_an_item_above_its_reorder_point_fails(fake):
    p, home = start(fake, "reorder-request", 2)
    wanted = {code for code, _ in p["orders"]}
    other = next(row[0] for row in p["rows"][1:] if row[0] not in wanted)
    _request(home, [*(f"{c} {q}" for c, q in p["orders"]), f"{other} 10"])
    info = run(fake, [])
    assert info["reward"] == 0.0 and failed(info) == ["only items below their reorder point"]


def test_the_quantity_on_hand_instead_of_the_order_quantity_fails_those_items(fake):
    p, home = start(fake, "reorder-request", 3)
    on_hand = {row[0]: row[2] for row in p["rows"][1:]}
    _request(home, [f"{c} {on_hand[c] if n == 0 else q}" for n, (c, q) in enumerate(p["orders"])])
    info = run(fake, [])
    assert failed(info) == [f"{p['orders'][0][0]} x {p['orders'][0][1]}"] and 0 < info["reward"] < 1


def test_the_right_items_out_of_order_lose_the_order_item(fake):
    p, home = start(fake, "reorder-request", 4)
    _request(home, [f"{c} {q}" for c, q in reversed(p["orders"])])
    info = run(fake, [])
    assert failed(info) == ["in the stock sheet's order"] and 0 < info["reward"] < 1


# --- minutes-to-tracker ----------------------------------------------------------------------------------------

def _tracker(home: Path, p: dict, due=lambda d: d, old: list | None = None) -> None:
    rows = [*(old or p["old"]), *([o, a, due(d), "open"] for o, a, d in p["new"])]
    write_gnumeric(home / "actions.gnumeric", {"Actions": rows})


def test_the_new_actions_pass_with_dates_as_text_or_as_day_numbers(fake):
    p, home = start(fake, "minutes-to-tracker", 1)
    _tracker(home, p)
    assert run(fake, [])["reward"] == 1.0
    p, home = start(fake, "minutes-to-tracker", 1)
    _tracker(home, p, due=lambda d: (dt.date.fromisoformat(d) - dt.date(1899, 12, 30)).days)
    info = run(fake, [])
    assert info["reward"] == 1.0, failed(info)


def test_an_earlier_action_closed_by_mistake_fails(fake):
    p, home = start(fake, "minutes-to-tracker", 2)
    old = [list(row) for row in p["old"]]
    old[1][3] = "done" if old[1][3] == "open" else "open"
    _tracker(home, p, old=old)
    info = run(fake, [])
    assert info["reward"] == 0.0 and failed(info) == ["earlier actions unchanged"]


def test_a_wrong_due_date_loses_its_row(fake):
    p, home = start(fake, "minutes-to-tracker", 3)
    first = p["new"][0][2]
    _tracker(home, p, due=lambda d: (dt.date.fromisoformat(d) + dt.timedelta(days=1)).isoformat() if d == first
             else d)
    info = run(fake, [])
    assert len(failed(info)) >= 1 and 0 < info["reward"] < 1


# --- address-labels --------------------------------------------------------------------------------------------

def _labels(home: Path, labels: list[list[str]]) -> None:
    (home / "labels.txt").write_text("".join(f"{ct}\n{co}\n{st}\n{ci} {pc}\n\n" for co, ct, st, ci, pc in labels))


def test_the_regions_labels_pass(fake):
    p, home = start(fake, "address-labels", 1)
    _labels(home, p["labels"])
    info = run(fake, [])
    assert info["reward"] == 1.0, failed(info)


def test_a_label_of_another_region_fails(fake):
    p, home = start(fake, "address-labels", 2)
    wanted = {tuple(label) for label in p["labels"]}
    other = next(row[:5] for row in p["rows"][1:] if tuple(row[:5]) not in wanted)
    _labels(home, [*p["labels"], other])
    info = run(fake, [])
    assert info["reward"] == 0.0 and failed(info) == ["one label per customer of the region"]


def test_labels_out_of_order_lose_those_labels(fake):
    p, home = start(fake, "address-labels", 3)
    _labels(home, first_two_swapped(p["labels"]))
    info = run(fake, [])
    assert len(failed(info)) == 2 and 0 < info["reward"] < 1


# --- on the real desk ------------------------------------------------------------------------------------------

def test_app_totals_typed_into_the_ledger_instead_of_the_memo_fail(software_envs):
    """Alt+Tab skipped: the memo's edits land in the workbook, which is then saved; the memo is untouched."""
    env = software_envs("office-desk")
    env.reset(seed=5, options={"task": "memo-department-totals"})
    plan = env.unwrapped.oracle_actions()
    skipped = plan[2:]  # without alt+tab and its wait: every key goes to Gnumeric
    info = run(env, [*skipped[:-1], A.wait(1.0)])
    assert info["reward"] == 0.0
