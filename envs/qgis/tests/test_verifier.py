"""QGIS verifiers judged on GeoPackages the real app saved: plausible wrong solutions must not pass.

Each test bends a task's oracle (Python-console lines) into a mistake an agent would make and runs it on QGIS.
"""

from __future__ import annotations

import re

from verifiers_for_tests import failed, run, texts_replaced

from gym_anything.actions import ActionType, validate


def _plan(env, task: str, seed: int) -> list[dict]:
    env.reset(seed=seed, options={"task": task})
    return env.unwrapped.oracle_actions()


def test_qgis_fix_landuse_lower_case_values_fail(software_envs):
    env = software_envs("qgis")
    plan = texts_replaced(_plan(env, "fix-landuse", 5), lambda t: re.sub(r",'(\w)", lambda m: ",'" + m[1].lower(), t))
    info = run(env, plan)
    assert info["reward"] == 0.0 and failed(info)


def test_qgis_delete_retired_also_deleting_pending_zeroes_the_score(software_envs):
    env = software_envs("qgis")
    plan = texts_replaced(_plan(env, "delete-retired", 5),
                          lambda t: t.replace("f['status']=='Retired'", "f['status'] in ('Retired','Pending')"))
    info = run(env, plan)
    assert info["reward"] == 0.0 and "every other feature kept unchanged" in failed(info)


def test_qgis_add_area_unrounded_is_partial_credit(software_envs):
    env = software_envs("qgis")
    plan = texts_replaced(_plan(env, "add-area", 5), lambda t: t.replace("round(f.geometry().area(),2)",
                                                                         "f.geometry().area()"))
    info = run(env, plan)
    assert failed(info) == ["areas rounded to 2 decimals"] and 0 < info["reward"] < 1


def test_qgis_size_class_wrong_threshold_fails(software_envs):
    env = software_envs("qgis")
    plan = texts_replaced(_plan(env, "size-class", 5), lambda t: t.replace("a<2e3", "a<1e3"))
    info = run(env, plan)
    assert "medium parcels classified" in failed(info) and info["reward"] < 1


def test_qgis_transfer_owners_half_the_sales_is_partial_credit(software_envs):
    env = software_envs("qgis")
    env.reset(seed=5, options={"task": "transfer-owners"})
    transfers = env.unwrapped.privileged()["transfers"]
    keep = transfers[: len(transfers) // 2]
    plan = texts_replaced(env.unwrapped.oracle_actions(), lambda t: re.sub(
        r"\[\(.*\)\]", "[" + ",".join(f"({x['fid']},{x['owner']!r})" for x in keep) + "]", t))
    info = run(env, plan)
    assert 0 < info["reward"] < 1 and len(failed(info)) == len(transfers) - len(keep)


def _point_lines(plan: list[dict]) -> list[int]:
    """Indices of the oracle's one-point lines, p('SP-...', ...)."""
    return [i for i, a in enumerate(plan) if (v := validate(a, 1280, 720))["type"] is ActionType.TYPE
            and v["text"].startswith("p('")]


def test_qgis_survey_points_out_of_order_fails_those_two(software_envs):
    env = software_envs("qgis")
    plan = _plan(env, "survey-points", 5)
    first, second = _point_lines(plan)[:2]
    swapped = list(plan)
    swapped[first], swapped[second] = plan[second], plan[first]
    info = run(env, swapped)
    assert len(failed(info)) == 2 and 0 < info["reward"] < 1


def test_qgis_survey_points_half_the_book_is_partial_credit(software_envs):
    env = software_envs("qgis")
    plan = _plan(env, "survey-points", 6)
    lines = _point_lines(plan)
    info = run(env, plan[: lines[len(lines) // 2]])
    assert 0.3 < info["reward"] < 0.7 and not failed(info)[0].startswith("no ")
