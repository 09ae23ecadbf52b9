"""Gnumeric verifiers judged on workbooks the real app saved: plausible wrong solutions must not pass."""

from __future__ import annotations

from oracles_for_tests import goto
from verifiers_for_tests import failed, run, texts_replaced

from gym_anything import actions as A


def test_gnumeric_typed_total_instead_of_formula(software_envs):
    env = software_envs("gnumeric")
    env.reset(seed=5, options={"task": "sum-column"})
    p = env.unwrapped.privileged()
    info = run(env, [*goto(p["label_cell"]), A.type(f"Total\t{p['expected_total']}\n"), A.hotkey("ctrl", "s")])
    assert failed(info) == ["total is a formula", "the formula reads column B only"] and 0 < info["reward"] < 1


def test_gnumeric_sum_over_a_range_reaching_into_column_c_fails(software_envs):
    """SUM(C2:B13) is SUM(B2:C13): the same value while column C is empty, but not the column asked for."""
    env = software_envs("gnumeric")
    env.reset(seed=6, options={"task": "sum-column"})
    info = run(env, texts_replaced(env.unwrapped.oracle_actions(), lambda t: t.replace("=SUM(B2:", "=SUM(C2:")))
    assert failed(info) == ["the formula reads column B only"] and 0 < info["reward"] < 1


def test_gnumeric_formula_in_the_wrong_cell(software_envs):
    env = software_envs("gnumeric")
    _, start = env.reset(seed=5, options={"task": "sum-column"})
    rows = start["params"]["rows"]
    label = env.unwrapped.privileged()["label_cell"]
    info = run(env, [*goto(label), A.press("down"), A.type(f"Total\t=SUM(B2:B{rows + 1})\n"), A.hotkey("ctrl", "s")])
    assert info["reward"] == 0.0 and failed(info) == ["nothing written besides the label and the total"]


def test_gnumeric_a_second_total_below_the_first_is_not_a_total(software_envs):
    """The mutation test's survivor (the SUM formula typed twice): the sheet gets a second total row."""
    env = software_envs("gnumeric")
    _, start = env.reset(seed=5, options={"task": "sum-column"})
    rows = start["params"]["rows"]
    label = env.unwrapped.privileged()["label_cell"]
    formula = A.type(f"=SUM(B2:B{rows + 1})\n")
    info = run(env, [*goto(label), A.type("Total\t"), formula, formula, A.hotkey("ctrl", "s")])
    assert info["reward"] == 0.0 and failed(info) == ["nothing written besides the label and the total"]


def test_gnumeric_statistics_over_a_wider_range_than_the_scores_fail(software_envs):
    """The mutation test's survivor: =MIN(B2:B23) gives the right minimum today but is not over the scores."""
    env = software_envs("gnumeric")
    _, start = env.reset(seed=9, options={"task": "score-stats"})
    last = start["params"]["last_row"]
    plan = texts_replaced(env.unwrapped.oracle_actions(),
                          lambda t: t.replace(f"MIN(B2:B{last})", f"MIN(B2:B{last + 10})"))
    info = run(env, plan)
    assert failed(info) == [f"E3 is a formula over the scores B2:B{last}"] and 0 < info["reward"] < 1


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


def test_gnumeric_payroll_typed_numbers_instead_of_formulas(software_envs):
    """Gross typed as computed numbers: every gross item fails, the rest (records, tax, net, totals) pass."""
    env = software_envs("gnumeric")
    env.reset(seed=31, options={"task": "payroll-register"})
    p = env.unwrapped.privileged()
    gross = iter(p["gross"])
    plan = texts_replaced(env.unwrapped.oracle_actions(),
                           lambda t: f"{next(gross)!r}\t" if t.startswith("=C") and "*D" in t else t)
    info = run(env, plan)
    assert sorted(failed(info)) == sorted(f"row {r} gross = hours x rate" for r in range(2, len(p["records"]) + 2))
    assert 0.5 < info["reward"] < 1


def test_gnumeric_payroll_unrounded_tax_fails_the_tax_items(software_envs):
    env = software_envs("gnumeric")
    env.reset(seed=32, options={"task": "payroll-register"})
    plan = texts_replaced(env.unwrapped.oracle_actions(),
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


def test_gnumeric_a_line_total_typed_below_the_table_fails(software_envs):
    """The mutation test's survivor (the last line's formula typed twice): a total below the table."""
    env = software_envs("gnumeric")
    _, start = env.reset(seed=4, options={"task": "line-totals"})
    last = start["params"]["last_row"]
    plan = env.unwrapped.oracle_actions()
    plan = texts_replaced(plan, lambda t: t * 2 if t == f"=B{last}*C{last}\n" else t)
    info = run(env, plan)
    assert info["reward"] == 0.0 and failed(info) == ["nothing written besides the Total column"]
