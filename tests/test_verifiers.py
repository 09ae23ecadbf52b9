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
from gym_anything.registry import all_tasks

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
