"""Verifiers judged on files the real apps saved: plausible wrong solutions must not pass.

The audit (tests/test_audit.py, gym-anything audit) proves the positive side with the oracle; here the
oracle is bent into typical mistakes and the verifier must catch each one.
"""

from __future__ import annotations

import pytest
from oracles_for_tests import goto

from gym_anything import actions as A
from gym_anything.actions import ActionType, validate
from gym_anything.audit import run_plan
from gym_anything.specs.registry import all_tasks

SAVE_CHORDS = {("ctrl", "s"), ("ctrl", "shift", "s")}


def run(env, plan: list[dict]) -> dict:
    reward, info, _ = run_plan(env, plan)
    return {**info, "reward": reward}


def failed(info: dict) -> list[str]:
    return [i["name"] for i in info["verifier"]["items"] if not i["passed"]]


@pytest.mark.parametrize("task", [pytest.param(t, id=f"{t.env_id}.{t.id}") for t in all_tasks()])
def test_unsaved_work_scores_zero(software_envs, task):
    """The oracle's edits without its first save (and everything after it) never earn points."""
    env = software_envs(task.env_id)
    env.reset(seed=21, options={"task": task.id})
    plan = env.unwrapped.oracle_actions()
    w, h = env.unwrapped.width, env.unwrapped.height
    cut = next(i for i, a in enumerate(plan)
               if (v := validate(a, w, h))["type"] is ActionType.HOTKEY and tuple(v["keys"]) in SAVE_CHORDS)
    info = run(env, plan[:cut])
    assert info["reward"] == 0.0, info["verifier"]


def test_gnumeric_typed_total_instead_of_formula(software_envs):
    env = software_envs("gnumeric")
    env.reset(seed=5, options={"task": "sum-column"})
    p = env.unwrapped.privileged()
    info = run(env, [*goto(p["label_cell"]), A.type(f"Total\t{p['expected_total']}\n"), A.hotkey("ctrl", "s")])
    assert failed(info) == ["total is a formula"] and 0 < info["reward"] < 1


def test_gnumeric_formula_in_the_wrong_cell(software_envs):
    env = software_envs("gnumeric")
    _, start = env.reset(seed=5, options={"task": "sum-column"})
    rows = start["params"]["rows"]
    label = env.unwrapped.privileged()["label_cell"]
    info = run(env, [*goto(label), A.press("down"), A.type(f"Total\t=SUM(B2:B{rows + 1})\n"), A.hotkey("ctrl", "s")])
    assert info["reward"] == 0.0 and set(failed(info)) == {"label 'Total'", "total is a formula", "total value correct"}


def test_gnumeric_fixing_the_wrong_cell_is_a_gate_failure(software_envs):
    env = software_envs("gnumeric")
    env.reset(seed=6, options={"task": "fix-value"})
    p = env.unwrapped.privileged()
    col, row = p["cell"][0], int(p["cell"][1:])
    neighbour = f"{col}{row + 1 if row < len(p['table']) else row - 1}"
    info = run(env, [*goto(neighbour), A.type(f"{p['correct']:.2f}\n"), A.hotkey("ctrl", "s")])
    assert info["reward"] == 0.0 and any(name.endswith("unchanged") for name in failed(info))


def test_gnumeric_bolding_the_whole_sheet_is_not_a_bold_header(software_envs):
    env = software_envs("gnumeric")
    env.reset(seed=7, options={"task": "bold-header"})
    info = run(env, [A.hotkey("ctrl", "a"), A.hotkey("ctrl", "b"), A.hotkey("ctrl", "s")])
    assert info["reward"] == 0.0 and failed(info) == ["data rows not bold"]  # the header itself is bold


def test_gnumeric_partial_data_entry_is_partial_credit(software_envs):
    env = software_envs("gnumeric")
    env.reset(seed=8, options={"task": "enter-records"})
    invoice, customer, amount = env.unwrapped.privileged()["records"][0]
    info = run(env, [*goto("A2"), A.type(f"{invoice}\t{customer}\t{amount + 1:.2f}\n"), A.hotkey("ctrl", "s")])
    assert 0 < info["reward"] < 0.5 and "row 2 amount" in failed(info)


def test_mousepad_sorting_backwards_fails(software_envs):
    env = software_envs("mousepad")
    _, start = env.reset(seed=9, options={"task": "sort-lines"})
    text = (env.unwrapped.episode_home / start["params"]["file"]).read_text()
    lines = sorted([line for line in text.splitlines() if line.strip()], reverse=True)
    info = run(env, [A.hotkey("ctrl", "a"), A.type("\n".join(lines) + "\n"), A.hotkey("ctrl", "s")])
    assert info["reward"] < 1.0 and not info["verifier"]["passed"]


# --- long-horizon tasks -------------------------------------------------------------------------------


def _keys(action: dict) -> tuple[str, ...]:
    return validate(action, 1280, 720)["keys"]


def _texts_replaced(plan: list[dict], replace) -> list[dict]:
    """The plan with every TYPE action's text passed through ``replace(text)``."""
    return [A.type(replace(v["text"])) if (v := validate(a, 1280, 720))["type"] is ActionType.TYPE else a
            for a in plan]


def test_gnumeric_payroll_typed_numbers_instead_of_formulas(software_envs):
    """Gross typed as computed numbers: every gross item fails, the rest (records, tax, net, totals) pass."""
    env = software_envs("gnumeric")
    env.reset(seed=31, options={"task": "payroll-register"})
    p = env.unwrapped.privileged()
    gross = iter(p["gross"])
    plan = _texts_replaced(env.unwrapped.oracle_actions(),
                           lambda t: f"{next(gross)!r}\t" if t.startswith("=C") and "*D" in t else t)
    info = run(env, plan)
    assert sorted(failed(info)) == sorted(f"row {r} gross = hours x rate" for r in range(2, len(p["records"]) + 2))
    assert 0.5 < info["reward"] < 1


def test_gnumeric_payroll_unrounded_tax_fails_the_tax_items(software_envs):
    env = software_envs("gnumeric")
    env.reset(seed=32, options={"task": "payroll-register"})
    plan = _texts_replaced(env.unwrapped.oracle_actions(),
                           lambda t: t.replace("=ROUND(", "=(").replace(", 2)", ")") if t.startswith("=ROUND") else t)
    info = run(env, plan)
    wrong = failed(info)
    assert any(name.endswith("tax rounded to cents") for name in wrong) and info["reward"] < 1
    assert not any("record" in name or "gross =" in name for name in wrong), wrong


def test_gnumeric_payroll_half_done_is_partial_credit(software_envs):
    """Three employees entered, then saved: their items pass, nothing else does."""
    env = software_envs("gnumeric")
    env.reset(seed=33, options={"task": "payroll-register"})
    plan = env.unwrapped.oracle_actions()
    info = run(env, [*plan[:2 + 7 * 3], A.hotkey("ctrl", "s")])
    passed = [i["name"] for i in info["verifier"]["items"] if i["passed"] and i["weight"] > 0]
    assert all(name.split()[1] in ("2", "3", "4") for name in passed) and len(passed) == 12
    assert 0.2 < info["reward"] < 0.6


def test_gnumeric_payroll_notes_outside_the_table_zero_the_score(software_envs):
    env = software_envs("gnumeric")
    env.reset(seed=34, options={"task": "payroll-register"})
    plan = env.unwrapped.oracle_actions()  # ..., ctrl+b, ctrl+s, DONE
    info = run(env, [*plan[:-2], *goto("I1"), A.type("checked\n"), A.hotkey("ctrl", "s")])
    assert info["reward"] == 0.0 and failed(info) == ["nothing written outside A1:G" + str(len(
        env.unwrapped.privileged()["records"]) + 2)]


def test_mousepad_action_items_blank_line_left_by_a_deletion_is_a_gate_failure(software_envs):
    env = software_envs("mousepad")
    env.reset(seed=35, options={"task": "update-action-items"})
    plan = env.unwrapped.oracle_actions()
    # a deletion: select the line, Home, shift+Down, Delete -> select the line, Delete (its line break stays)
    edited, i = [], 0
    while i < len(plan):
        edited.append(plan[i])
        if _keys(plan[i]) == ("home",):
            edited[-1] = A.press("delete")
            i += 3
            continue
        i += 1
    info = run(env, edited)
    assert info["reward"] == 0.0 and failed(info) == ["every other line kept unchanged, in order (no blank line left)"]


def test_mousepad_action_items_half_the_updates_is_partial_credit(software_envs):
    env = software_envs("mousepad")
    env.reset(seed=36, options={"task": "update-action-items"})
    plan = env.unwrapped.oracle_actions()
    cut = next(i for i, a in enumerate(plan) if i > len(plan) // 2 and _keys(a) == ("ctrl", "f"))
    info = run(env, [*plan[:cut], A.hotkey("ctrl", "s")])
    assert 0.2 < info["reward"] < 0.8 and info["verifier"]["items"][0]["passed"]  # the gate holds


def test_sqlitebrowser_order_batch_without_stock_updates_is_partial_credit(software_envs):
    env = software_envs("sqlitebrowser")
    env.reset(seed=37, options={"task": "order-batch"})
    plan = env.unwrapped.oracle_actions()
    stock = {i for i, a in enumerate(plan) if validate(a, 1280, 720)["text"].startswith("UPDATE products SET stock")}
    # each statement is [ctrl+a, its text, ctrl+Return]: leave out the whole triple
    info = run(env, [a for i, a in enumerate(plan) if not {i - 1, i, i + 1} & stock])
    assert failed(info) and all(name.startswith("stock of ") for name in failed(info))
    assert 0.5 < info["reward"] < 1


def test_sqlitebrowser_order_batch_view_of_all_orders_fails_the_view_item(software_envs):
    env = software_envs("sqlitebrowser")
    env.reset(seed=38, options={"task": "order-batch"})
    plan = _texts_replaced(env.unwrapped.oracle_actions(), lambda t: t.replace("WHERE o.status = 'pending' ", ""))
    info = run(env, plan)
    assert len(failed(info)) == 1 and failed(info)[0].endswith("lists the pending orders by id")


def test_sqlitebrowser_order_batch_shipping_every_pending_order_zeroes_the_score(software_envs):
    env = software_envs("sqlitebrowser")
    env.reset(seed=39, options={"task": "order-batch"})
    plan = _texts_replaced(env.unwrapped.oracle_actions(),
                           lambda t: "UPDATE orders SET status = 'shipped' WHERE status = 'pending';"
                           if t.startswith("UPDATE orders SET status") else t)
    info = run(env, plan)
    assert info["reward"] == 0.0 and failed(info) == ["existing orders unchanged (but for the shipments)"]
