"""Verifiers for PSPP tasks: read the data files PSPP saved (cases and dictionary) with PSPP's own programs.

The start file stays in the private folder (``start-<name>``); "the survey's own variables as they were" (every
case's values, and their labels) is a gate, so a job done by overwriting the data fails.
"""

from __future__ import annotations

from gym_anything.authoring import VerifyContext

from .spss import Variable, read_cases, read_dictionary

LIKERT = {1.0: "Strongly disagree", 2.0: "Disagree", 3.0: "Neither", 4.0: "Agree", 5.0: "Strongly agree"}
ITEMS = [f"q{i}" for i in range(1, 7)]


def _number(text: str) -> float | None:
    try:
        return float(text.strip())
    except ValueError:
        return None


def _data(ctx: VerifyContext, name: str) -> tuple[list[str], list[list[str]], dict[str, Variable]]:
    path = ctx.home / name
    ctx.require(f"{name} exists", path.is_file(), name)
    names, rows = read_cases(path)
    return names, rows, read_dictionary(path)


def _cases_kept(ctx: VerifyContext, names: list[str], rows: list[list[str]], cases: list[list],
                start: list[str], what: str = "the survey's values unchanged") -> None:
    """A gate: the same cases in the same order, each start variable holding its start value."""
    missing = [n for n in start if n not in names]
    ctx.require("the survey's variables kept", not missing, f"missing: {missing}" if missing else "all kept")
    ctx.require("every respondent kept", len(rows) == len(cases), f"{len(rows)} cases, expected {len(cases)}")
    where = [names.index(n) for n in start]
    wrong = [n + 1 for n, (row, case) in enumerate(zip(rows, cases, strict=True))
             if any(_number(row[w]) != (None if v is None else float(v)) for w, v in zip(where, case, strict=True))]
    ctx.require(what, not wrong, f"cases {wrong[:6]} differ" if wrong else "unchanged")


def _start_names(ctx: VerifyContext, name: str = "survey.sav") -> list[str]:
    return read_cases(ctx.private_dir / f"start-{name}")[0]


def _labels_kept(ctx: VerifyContext, dictionary: dict[str, Variable], start: dict[str, Variable],
                 skip: frozenset[str] | set[str] = frozenset()) -> None:
    changed = [n for n, v in start.items() if n not in skip and n in dictionary
               and (dictionary[n].label, dictionary[n].values) != (v.label, v.values)]
    ctx.require("other labels unchanged", not changed, f"{changed}" if changed else "unchanged")


def compute_scale_score(ctx: VerifyContext) -> None:
    """Gates: the survey as it was; scored: engagement for every respondent (weight 2), its format F4.2."""
    names, rows, dictionary = _data(ctx, "survey.sav")
    ctx.require("engagement added", "engagement" in names, f"variables: {names}")
    _cases_kept(ctx, names, rows, ctx.private["cases"], _start_names(ctx))
    at = names.index("engagement")
    wrong = [n + 1 for n, (row, want) in enumerate(zip(rows, ctx.private["scores"], strict=True))
             if (got := _number(row[at])) is None or abs(got - want) > 0.005]
    ctx.check("engagement correct for every respondent", not wrong, f"cases {wrong[:6]} wrong" if wrong else "all",
              weight=2)
    fmt = dictionary["engagement"].format
    ctx.check("engagement in the format F4.2", fmt == "F4.2", f"format {fmt}")


def recode_age_groups(ctx: VerifyContext) -> None:
    """Gates: the survey as it was; scored: agegroup's code for every respondent (weight 2), its four labels."""
    names, rows, dictionary = _data(ctx, "survey.sav")
    ctx.require("agegroup added", "agegroup" in names, f"variables: {names}")
    _cases_kept(ctx, names, rows, ctx.private["cases"], _start_names(ctx))
    at = names.index("agegroup")
    wrong = [n + 1 for n, (row, want) in enumerate(zip(rows, ctx.private["groups"], strict=True))
             if _number(row[at]) != want]
    ctx.check("agegroup right for every respondent", not wrong, f"cases {wrong[:6]} wrong" if wrong else "all",
              weight=2)
    want = {1.0: "18-29", 2.0: "30-44", 3.0: "45-64", 4.0: "65 and over"}
    got = dictionary["agegroup"].values
    ctx.check("agegroup value labels", {k: v.strip() for k, v in got.items()} == want, f"{got}")


def define_missing_values(ctx: VerifyContext) -> None:
    """Gates: the survey's values as they were, the 1-5 labels kept; scored per item: 9 missing and labelled."""
    names, rows, dictionary = _data(ctx, "survey.sav")
    _cases_kept(ctx, names, rows, ctx.private["cases"], _start_names(ctx))
    start = read_dictionary(ctx.private_dir / "start-survey.sav")
    lost = [q for q in ITEMS if any(dictionary[q].values.get(k) != v for k, v in LIKERT.items())]
    ctx.require("the 1-5 value labels kept", not lost, f"{lost}" if lost else "kept")
    _labels_kept(ctx, dictionary, start, skip=set(ITEMS))
    others = [n for n, v in dictionary.items() if n not in ITEMS and v.missing != start.get(n, v).missing]
    ctx.require("no other variable's missing values changed", not others, f"{others}" if others else "none")
    for q in ITEMS:
        v = dictionary[q]
        ctx.check(f"{q}: 9 is missing, labelled No answer",
                  v.missing == [9.0] and v.values.get(9.0, "").strip().lower() == "no answer",
                  f"missing {v.missing}, label of 9: {v.values.get(9.0)!r}")


def select_subgroup_file(ctx: VerifyContext) -> None:
    """Gates: survey.sav as it was; the new file exists with every variable; scored: exactly the subgroup's
    respondents in file order (weight 2), their values and labels as in the survey."""
    names, rows, _ = _data(ctx, "survey.sav")
    start = _start_names(ctx)
    _cases_kept(ctx, names, rows, ctx.private["cases"], start, "survey.sav unchanged")
    sub_names, sub_rows, sub_dict = _data(ctx, ctx.params["file"])
    missing = [n for n in start if n not in sub_names]
    ctx.require("the new file has every variable", not missing, f"missing: {missing}" if missing else "all")
    ids = [int(n) for row in sub_rows if (n := _number(row[sub_names.index("id")])) is not None]
    ctx.check("exactly the subgroup's respondents", ids == ctx.private["ids"],
              f"{len(ids)} cases, expected {len(ctx.private['ids'])}", weight=2)
    by_id = {c[0]: c for c in ctx.private["cases"]}
    where = [sub_names.index(n) for n in start]
    wrong = [row[where[0]] for row in sub_rows if (case := by_id.get(int(_number(row[where[0]]) or -1))) is None
             or any(_number(row[w]) != float(v) for w, v in zip(where, case, strict=True))]
    ctx.check("their values as in the survey", bool(sub_rows) and not wrong, f"ids {wrong[:5]}" if wrong else "same")
    survey = read_dictionary(ctx.private_dir / "start-survey.sav")
    changed = [n for n in start if (sub_dict[n].label, sub_dict[n].values) != (survey[n].label, survey[n].values)]
    ctx.check("labels carried over", not changed, f"{changed}" if changed else "same")


def label_variables(ctx: VerifyContext) -> None:
    """Gates: the survey's values and other labels as they were; scored per item: its variable label; all six
    items' value labels."""
    names, rows, dictionary = _data(ctx, "survey.sav")
    _cases_kept(ctx, names, rows, ctx.private["cases"], _start_names(ctx))
    _labels_kept(ctx, dictionary, read_dictionary(ctx.private_dir / "start-survey.sav"), skip=set(ITEMS))
    for q, want in zip(ITEMS, ctx.private["labels"], strict=True):
        got = dictionary[q].label
        ctx.check(f"{q} label", " ".join(got.split()).rstrip(".").lower() == want.lower(), f"{got!r}")
    wrong = [q for q in ITEMS if {k: v.strip() for k, v in dictionary[q].values.items()} != LIKERT]
    ctx.check("value labels 1-5 on every item", not wrong, f"{wrong}" if wrong else "all six")


def enter_questionnaires(ctx: VerifyContext) -> None:
    """Gates: the variables as defined, no extra case; scored per form: its case (all ten values) in order."""
    names, rows, _ = _data(ctx, "questionnaires.sav")
    start = _start_names(ctx, "questionnaires.sav")
    ctx.require("the variables kept", names == start, f"{names}")
    cases = ctx.private["cases"]
    filled = [row for row in rows if any(cell.strip() for cell in row)]
    ctx.require("no extra cases", len(filled) <= len(cases), f"{len(filled)} cases, expected {len(cases)}")
    for n, case in enumerate(cases):
        row = rows[n] if n < len(rows) else []
        got = [_number(cell) for cell in row]
        ctx.check(f"form {case[0]}", got == [float(v) for v in case],
                  f"case {n + 1}: {row}" if row else f"case {n + 1} missing")

