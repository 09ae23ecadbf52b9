"""Setup for PSPP tasks: a seeded survey data set (.sav) in HOME; the expected results stay privileged."""

from __future__ import annotations

import shutil

from gym_anything.authoring import SetupContext

from .spss import Variable, write_sav

LIKERT = {1: "Strongly disagree", 2: "Disagree", 3: "Neither", 4: "Agree", 5: "Strongly agree"}
ITEMS = ["My work is recognised", "I have the tools I need", "I often feel overworked", "My manager supports me",
         "I think about leaving", "I would recommend this employer"]
REGIONS = {1: "North", 2: "South", 3: "East", 4: "West"}


def survey_variables() -> list[Variable]:
    return [Variable("id", "F4.0", "Respondent number"), Variable("age", "F3.0", "Age in years"),
            Variable("sex", "F1.0", "Sex", {1: "Female", 2: "Male"}),
            Variable("region", "F1.0", "Region", dict(REGIONS)),
            *[Variable(f"q{i + 1}", "F1.0", item, dict(LIKERT)) for i, item in enumerate(ITEMS)],
            Variable("income", "F8.0", "Household income per year")]


def survey_cases(ctx: SetupContext, count: int, no_answer: float = 0.0) -> list[list]:
    """``count`` respondents; each item answer is 9 ("no answer") with probability ``no_answer``."""
    start = int(ctx.rng.integers(1000, 5000))
    cases = []
    for n in range(count):
        lean = float(ctx.rng.normal(0, 0.8))
        answers = []
        for i in range(6):
            reverse = i in (2, 4)
            value = int(min(5, max(1, round(3 + (-lean if reverse else lean) + float(ctx.rng.normal(0, 0.9))))))
            answers.append(9 if ctx.rng.random() < no_answer else value)
        cases.append([start + n, int(ctx.rng.integers(18, 80)), int(ctx.rng.integers(1, 3)),
                      int(ctx.rng.integers(1, 5)), *answers, int(ctx.rng.integers(12, 160)) * 1000])
    return cases


def _save(ctx: SetupContext, cases: list[list], variables: list[Variable] | None = None) -> None:
    write_sav(ctx.home / "survey.sav", variables or survey_variables(), cases)
    shutil.copyfile(ctx.home / "survey.sav", ctx.private / "start-survey.sav")


def compute_scale_score(ctx: SetupContext) -> dict:
    cases = survey_cases(ctx, int(ctx.rng.integers(120, 301)))
    _save(ctx, cases)
    scores = [round((c[4] + c[5] + (6 - c[6]) + c[7] + (6 - c[8]) + c[9]) / 6, 6) for c in cases]
    return {"scores": scores, "cases": cases}


def recode_age_groups(ctx: SetupContext) -> dict:
    cases = survey_cases(ctx, int(ctx.rng.integers(120, 301)))
    _save(ctx, cases)
    groups = [1 if c[1] < 30 else 2 if c[1] < 45 else 3 if c[1] < 65 else 4 for c in cases]
    return {"groups": groups, "cases": cases}


def define_missing_values(ctx: SetupContext) -> dict:
    cases = survey_cases(ctx, int(ctx.rng.integers(120, 301)), no_answer=0.06)
    _save(ctx, cases)
    return {"cases": cases}


def select_subgroup_file(ctx: SetupContext) -> dict:
    cases = survey_cases(ctx, int(ctx.rng.integers(150, 301)))
    _save(ctx, cases)
    region = int(ctx.params["region"])
    ctx.public["region_name"] = REGIONS[region]
    ids = [c[0] for c in cases if c[3] == region and c[1] < ctx.params["under"]]
    return {"ids": ids, "cases": cases}


CODEBOOK = ["My work is recognised", "I have the tools I need", "I often feel overworked", "My manager supports me",
            "I think about leaving", "I would recommend this employer", "My pay is fair", "I can balance work and home",
            "I trust senior management", "I get useful feedback", "My team works well together",
            "I see a future for me here"]


def label_variables(ctx: SetupContext) -> dict:
    """The survey with bare item variables: the codebook (in the instruction) gives their labels."""
    picks = [str(p) for p in ctx.rng.choice(CODEBOOK, size=6, replace=False)]
    variables = survey_variables()
    for v in variables[4:10]:
        v.label, v.values = "", {}
    cases = survey_cases(ctx, int(ctx.rng.integers(120, 301)))
    _save(ctx, cases, variables)
    ctx.public["codebook"] = "; ".join(f"q{i + 1} = {text}" for i, text in enumerate(picks))
    return {"labels": picks, "cases": cases}


def enter_questionnaires(ctx: SetupContext) -> dict:
    """An empty data file with the survey's variables (no income); 8-12 paper questionnaires to enter."""
    variables = [v for v in survey_variables() if v.name != "income"]
    count = int(ctx.rng.integers(8, 13))
    cases = [c[:10] for c in survey_cases(ctx, count)]
    write_sav(ctx.home / "questionnaires.sav", variables, [])
    shutil.copyfile(ctx.home / "questionnaires.sav", ctx.private / "start-questionnaires.sav")
    ctx.public["forms"] = "; ".join(
        f"form {c[0]}: age {c[1]}, {'female' if c[2] == 1 else 'male'}, {REGIONS[c[3]]}, answers "
        + " ".join(str(a) for a in c[4:10]) for c in cases)
    return {"cases": cases}
