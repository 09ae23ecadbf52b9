"""PSPP verifiers: plausible wrong solutions must not pass.

Most tests are on files: the instance is built by the task's own setup on the fake runner (no app), the test writes
the .sav "PSPP saved" with PSPP's own program and DONE runs the verifier on it. One test runs the real app (marked
``app`` through ``software_envs``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from verifiers_for_tests import env_module, failed, run, texts_replaced

from gym_anything.core.env import GymAnythingEnv

spss = env_module("pspp", "spss")

PARAMS: dict = {}  # env -> the parameters of its last reset
LIKERT = {1: "Strongly disagree", 2: "Disagree", 3: "Neither", 4: "Agree", 5: "Strongly agree"}


@pytest.fixture(scope="module")
def fake():
    env = GymAnythingEnv("pspp", runner="fake", audit=False)
    yield env
    env.close()


def start(env, task: str, seed: int) -> tuple[dict, Path]:
    _, info = env.reset(seed=seed, options={"task": task})
    PARAMS[env] = info["params"]
    return env.unwrapped.privileged(), Path(env.unwrapped.episode_home)


def variables(home: Path, name: str = "survey.sav") -> list:
    """The start file's variables, as write_sav takes them."""
    found = spss.read_dictionary(home / name)
    return [found[n] for n in spss.read_cases(home / name)[0]]


def save(home: Path, cases: list[list], extra: list | None = None, name: str = "survey.sav", edit=None) -> None:
    """Rewrite ``name`` with the start variables (changed by ``edit(variables)``) plus ``extra``."""
    found = variables(home, name)
    if edit is not None:
        edit(found)
    spss.write_sav(home / name, [*found, *(extra or [])], cases)


def _engagement(case: list) -> float:
    return round((case[4] + case[5] + (6 - case[6]) + case[7] + (6 - case[8]) + case[9]) / 6, 2)


# --- compute-scale-score -------------------------------------------------------------------------------------

def test_engagement_with_two_decimals_passes(fake):
    p, home = start(fake, "compute-scale-score", 1)
    save(home, [[*c, _engagement(c)] for c in p["cases"]], [spss.Variable("engagement", "F4.2")])
    info = run(fake, [])
    assert info["reward"] == 1.0, failed(info)


def test_engagement_without_the_reversed_items_is_wrong(fake):
    p, home = start(fake, "compute-scale-score", 2)
    plain = [[*c, round(sum(c[4:10]) / 6, 2)] for c in p["cases"]]
    save(home, plain, [spss.Variable("engagement", "F4.2")])
    info = run(fake, [])
    assert failed(info) == ["engagement correct for every respondent"] and 0 < info["reward"] < 1


def test_items_reversed_in_place_fail(fake):
    p, home = start(fake, "compute-scale-score", 3)
    reversed_in_place = [[*c[:6], 6 - c[6], c[7], 6 - c[8], *c[9:], _engagement(c)] for c in p["cases"]]
    save(home, reversed_in_place, [spss.Variable("engagement", "F4.2")])
    info = run(fake, [])
    assert info["reward"] == 0.0 and failed(info) == ["the survey's values unchanged"]


def test_engagement_in_the_default_format_loses_the_format_item(fake):
    p, home = start(fake, "compute-scale-score", 4)
    save(home, [[*c, _engagement(c)] for c in p["cases"]], [spss.Variable("engagement", "F8.2")])
    info = run(fake, [])
    assert failed(info) == ["engagement in the format F4.2"] and 0 < info["reward"] < 1


# --- recode-age-groups ---------------------------------------------------------------------------------------

BANDS = {1: "18-29", 2: "30-44", 3: "45-64", 4: "65 and over"}


def _band(age: int, edges=(30, 45, 65)) -> int:
    return 1 + sum(age >= e for e in edges)


def test_age_bands_with_labels_pass(fake):
    p, home = start(fake, "recode-age-groups", 1)
    save(home, [[*c, _band(c[1])] for c in p["cases"]], [spss.Variable("agegroup", "F1.0", "", dict(BANDS))])
    info = run(fake, [])
    assert info["reward"] == 1.0, failed(info)


def test_bands_cut_a_year_late_are_wrong(fake):
    p, home = start(fake, "recode-age-groups", 2)
    save(home, [[*c, _band(c[1], (31, 46, 66))] for c in p["cases"]],
         [spss.Variable("agegroup", "F1.0", "", dict(BANDS))])
    info = run(fake, [])
    assert failed(info) == ["agegroup right for every respondent"] and 0 < info["reward"] < 1


# --- define-missing-values -----------------------------------------------------------------------------------

def _items(found: list, edit) -> None:
    for v in found:
        if v.name in {f"q{i}" for i in range(1, 7)}:
            edit(v)


def test_nine_missing_and_labelled_on_every_item_passes(fake):
    p, home = start(fake, "define-missing-values", 1)
    save(home, p["cases"], edit=lambda f: _items(f, lambda v: (v.values.update({9: "No answer"}),
                                                               v.missing.append(9))))
    info = run(fake, [])
    assert info["reward"] == 1.0, failed(info)


def test_labels_replaced_instead_of_added_fail(fake):
    p, home = start(fake, "define-missing-values", 2)

    def replace(v) -> None:
        v.values = {9: "No answer"}
        v.missing = [9]

    save(home, p["cases"], edit=lambda f: _items(f, replace))
    info = run(fake, [])
    assert info["reward"] == 0.0 and failed(info) == ["the 1-5 value labels kept"]


def test_nines_recoded_to_system_missing_fail(fake):
    p, home = start(fake, "define-missing-values", 3)
    blanked = [[None if (4 <= i < 10 and v == 9) else v for i, v in enumerate(c)] for c in p["cases"]]
    save(home, blanked, edit=lambda f: _items(f, lambda v: (v.values.update({9: "No answer"}), v.missing.append(9))))
    info = run(fake, [])
    assert info["reward"] == 0.0 and failed(info) == ["the survey's values unchanged"]


# --- select-subgroup-file ------------------------------------------------------------------------------------

def _subgroup(env, p: dict, home: Path, keep) -> None:
    spss.write_sav(home / PARAMS[env]["file"], variables(home), [c for c in p["cases"] if keep(c)])


def test_the_subgroup_file_passes(fake):
    p, home = start(fake, "select-subgroup-file", 1)
    ids = set(p["ids"])
    _subgroup(fake, p, home, lambda c: c[0] in ids)
    info = run(fake, [])
    assert info["reward"] == 1.0, failed(info)


def test_one_respondent_too_many_fails_the_selection(fake):
    p, home = start(fake, "select-subgroup-file", 2)
    ids = set(p["ids"])
    extra = next(c[0] for c in p["cases"] if c[0] not in ids)
    _subgroup(fake, p, home, lambda c: c[0] in ids or c[0] == extra)
    info = run(fake, [])
    assert failed(info) == ["exactly the subgroup's respondents"] and 0 < info["reward"] < 1


def test_the_survey_cut_down_to_the_subgroup_fails(fake):
    p, home = start(fake, "select-subgroup-file", 3)
    ids = set(p["ids"])
    _subgroup(fake, p, home, lambda c: c[0] in ids)
    save(home, [c for c in p["cases"] if c[0] in ids])
    info = run(fake, [])
    assert info["reward"] == 0.0 and failed(info) == ["every respondent kept"]


# --- label-variables -----------------------------------------------------------------------------------------

def _label(labels: list[str], skip: int | None = None):
    def edit(found: list) -> None:
        for v in found:
            if v.name.startswith("q"):
                n = int(v.name[1:]) - 1
                v.label = "" if n == skip else labels[n]
                v.values = dict(LIKERT)
    return edit


def test_the_codebook_applied_passes(fake):
    p, home = start(fake, "label-variables", 1)
    save(home, p["cases"], edit=_label(p["labels"]))
    info = run(fake, [])
    assert info["reward"] == 1.0, failed(info)


def test_one_item_left_unlabelled_is_partial_credit(fake):
    p, home = start(fake, "label-variables", 2)
    save(home, p["cases"], edit=_label(p["labels"], skip=2))
    info = run(fake, [])
    assert failed(info) == ["q3 label"] and 0 < info["reward"] < 1


# --- enter-questionnaires ------------------------------------------------------------------------------------

def test_every_form_entered_passes(fake):
    p, home = start(fake, "enter-questionnaires", 1)
    save(home, p["cases"], name="questionnaires.sav")
    info = run(fake, [])
    assert info["reward"] == 1.0, failed(info)


def test_two_forms_swapped_lose_both(fake):
    p, home = start(fake, "enter-questionnaires", 2)
    cases = list(p["cases"])
    cases[0], cases[1] = cases[1], cases[0]
    save(home, cases, name="questionnaires.sav")
    info = run(fake, [])
    assert len(failed(info)) == 2 and 0 < info["reward"] < 1


def test_a_form_entered_twice_fails(fake):
    p, home = start(fake, "enter-questionnaires", 3)
    save(home, [*p["cases"], p["cases"][-1]], name="questionnaires.sav")
    info = run(fake, [])
    assert info["reward"] == 0.0 and failed(info) == ["no extra cases"]


# --- on the real app -----------------------------------------------------------------------------------------

def test_app_bands_cut_five_years_late_are_partial_credit(software_envs):
    """The oracle's syntax with the first band ending at 34: PSPP saves it, the verifier finds the wrong codes."""
    env = software_envs("pspp")
    env.reset(seed=7, options={"task": "recode-age-groups"})
    plan = texts_replaced(env.unwrapped.oracle_actions(),
                          lambda t: t.replace("(18 THRU 29=1) (30 THRU 44=2)", "(18 THRU 34=1) (35 THRU 44=2)"))
    info = run(env, plan)
    assert failed(info) == ["agegroup right for every respondent"] and 0 < info["reward"] < 1
