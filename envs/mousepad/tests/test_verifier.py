"""Mousepad verifiers judged on files the real editor saved: plausible wrong solutions must not pass."""

from __future__ import annotations

from verifiers_for_tests import failed, keys, run

from gym_anything import actions as A


def test_mousepad_sorting_backwards_fails(software_envs):
    env = software_envs("mousepad")
    _, start = env.reset(seed=9, options={"task": "sort-lines"})
    text = (env.unwrapped.episode_home / start["params"]["file"]).read_text()
    lines = sorted([line for line in text.splitlines() if line.strip()], reverse=True)
    info = run(env, [A.hotkey("ctrl", "a"), A.type("\n".join(lines) + "\n"), A.hotkey("ctrl", "s")])
    assert info["reward"] < 1.0 and not info["verifier"]["passed"]


def test_mousepad_action_items_blank_line_left_by_a_deletion_is_a_gate_failure(software_envs):
    env = software_envs("mousepad")
    env.reset(seed=35, options={"task": "update-action-items"})
    plan = env.unwrapped.oracle_actions()
    # a deletion: select the line, Home, shift+Down, Delete -> select the line, Delete (its line break stays)
    edited, i = [], 0
    while i < len(plan):
        edited.append(plan[i])
        if keys(plan[i]) == ("home",):
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
    cut = next(i for i, a in enumerate(plan) if i > len(plan) // 2 and keys(a) == ("ctrl", "f"))
    info = run(env, [*plan[:cut], A.hotkey("ctrl", "s")])
    assert 0.2 < info["reward"] < 0.8 and info["verifier"]["items"][0]["passed"]  # the gate holds
