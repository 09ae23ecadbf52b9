"""Setup for Planner tasks: write a seeded construction schedule (.planner) and the colleague's list beside it.

The pristine project is kept in the private folder as ``original.planner`` so verifiers can prove that
nothing else changed.
"""

from __future__ import annotations

from gym_anything.authoring import SetupContext

from .project import ACTIVITIES, DAY, Project, Resource, Task, to_xml


def _project(ctx: SetupContext, n_tasks: int, n_res: int = 0, chain: bool = True) -> Project:
    """A project of ``n_tasks`` distinct activities (1-10 days each), mostly chained finish-to-start."""
    fake = ctx.faker()
    names = [ACTIVITIES[i] for i in ctx.rng.permutation(len(ACTIVITIES))[:n_tasks]]
    tasks = []
    for i, name in enumerate(names, start=1):
        preds = [i - 1] if chain and i > 1 and ctx.rng.random() < 0.8 else []
        tasks.append(Task(i, name, int(ctx.rng.integers(1, 11)) * DAY, preds))
    city = fake.city()
    start = f"2027{int(ctx.rng.integers(1, 13)):02d}{int(ctx.rng.integers(1, 28)):02d}"
    p = Project(f"{city} {ctx.rng.choice(['depot', 'warehouse', 'clinic', 'school annex', 'office block'])}",
                fake.company(), fake.name(), start, tasks)
    p.resources = _people(ctx, n_res, 1)
    return p


def _people(ctx: SetupContext, n: int, first_id: int) -> list[Resource]:
    """``n`` people with distinct names and short names, a trade-like e-mail and an hourly rate."""
    fake = ctx.faker()
    out: list[Resource] = []
    seen: set[str] = set()
    while len(out) < n:
        first, last = fake.first_name(), fake.last_name()
        short = (first[0] + last[:2]).upper()
        if f"{first} {last}" in seen or short in {r.short for r in out}:
            continue
        seen.add(f"{first} {last}")
        email = f"{first.lower()}.{last.lower()}@{fake.domain_name()}".replace("'", "")
        out.append(Resource(first_id + len(out), f"{first} {last}", short, email,
                            float(ctx.rng.integers(28, 96))))
    return out


def _write(ctx: SetupContext, p: Project) -> None:
    text = to_xml(p)
    (ctx.home / ctx.params["file"]).write_text(text, encoding="utf-8")
    (ctx.private / "original.planner").write_text(text, encoding="utf-8")


def _memo(ctx: SetupContext, title: str, lines: list[str]) -> None:
    (ctx.home / ctx.params["memo"]).write_text("\n".join([title, "", *lines]) + "\n", encoding="utf-8")


def _picks(ctx: SetupContext, p: Project, lo: int, hi: int) -> list[int]:
    """Indexes of ``lo``-``hi`` distinct tasks, in schedule order."""
    return sorted(int(i) for i in ctx.rng.choice(len(p.tasks), int(ctx.rng.integers(lo, hi + 1)), replace=False))


def update_durations(ctx: SetupContext) -> dict:
    """A 40-60 task schedule; the coordination meeting revised the work estimate of 8-12 of them."""
    p = _project(ctx, int(ctx.rng.integers(40, 61)))
    _write(ctx, p)
    changes = []
    for i in _picks(ctx, p, 8, 12):
        t = p.tasks[i]
        new = t.work // DAY
        while new == t.work // DAY:
            new = int(ctx.rng.integers(1, 16))
        changes.append({"task": t.name, "wbs": i + 1, "days": new})
    order = [changes[int(i)] for i in ctx.rng.permutation(len(changes))]
    _memo(ctx, "Revised work estimates from the site coordination meeting",
          [f"- {c['task']}: {c['days']} days" for c in order])
    return {"changes": changes}


def apply_delay(ctx: SetupContext) -> dict:
    """A 30-50 task schedule; a supplier delay adds 1-5 days of work to 3-5 named tasks."""
    p = _project(ctx, int(ctx.rng.integers(30, 51)))
    _write(ctx, p)
    changes, lines = [], []
    for i in _picks(ctx, p, 3, 5):
        t = p.tasks[i]
        extra = int(ctx.rng.integers(1, 6))
        changes.append({"task": t.name, "wbs": i + 1, "extra": extra})
        lines.append(f"- {t.name}: add {extra} working day{'s' if extra > 1 else ''}")
    _memo(ctx, f"Delay notice: {ctx.faker().company()} cannot deliver on time. The affected tasks need extra "
          "work added to their current estimates:", lines)
    return {"changes": changes, "new_days": [p.tasks[c["wbs"] - 1].work // DAY + c["extra"] for c in changes]}


def record_progress(ctx: SetupContext) -> dict:
    """A 30-50 task schedule; the weekly site report gives the percent complete of 4-6 tasks."""
    p = _project(ctx, int(ctx.rng.integers(30, 51)))
    _write(ctx, p)
    changes = [{"task": p.tasks[i].name, "wbs": i + 1, "percent": int(ctx.rng.integers(1, 20)) * 5}
               for i in _picks(ctx, p, 4, 6)]
    _memo(ctx, f"Weekly site report, prepared by {ctx.faker().name()}",
          [f"- {c['task']}: {c['percent']}% complete" for c in changes])
    return {"changes": changes}


def remove_cancelled(ctx: SetupContext) -> dict:
    """A 30-50 task schedule; the client cut 3-6 tasks from the scope."""
    p = _project(ctx, int(ctx.rng.integers(30, 51)))
    _write(ctx, p)
    changes = [{"task": p.tasks[i].name, "wbs": i + 1} for i in _picks(ctx, p, 3, 6)]
    _memo(ctx, "Scope change agreed with the client: these tasks are no longer part of the contract",
          [f"- {c['task']}" for c in changes])
    return {"changes": changes}


def mark_milestones(ctx: SetupContext) -> dict:
    """A 30-50 task schedule; 3-5 of its tasks are really sign-off points that must be milestones."""
    p = _project(ctx, int(ctx.rng.integers(30, 51)))
    _write(ctx, p)
    changes = [{"task": p.tasks[i].name, "wbs": i + 1} for i in _picks(ctx, p, 3, 5)]
    _memo(ctx, "Client's reporting requirements: show these as milestones in the programme",
          [f"- {c['task']}" for c in changes])
    return {"changes": changes}


def assign_crew(ctx: SetupContext) -> dict:
    """A 30-45 task schedule with a pool of 6-9 people; the foreman's list names who does 4-6 tasks."""
    p = _project(ctx, int(ctx.rng.integers(30, 46)), int(ctx.rng.integers(6, 10)))
    _write(ctx, p)
    changes = []
    for i in _picks(ctx, p, 4, 6):
        r = int(ctx.rng.integers(len(p.resources)))
        changes.append({"task": p.tasks[i].name, "wbs": i + 1, "person": p.resources[r].name, "row": r})
    _memo(ctx, "Crew assignments for the next period",
          [f"- {c['task']}: {c['person']}" for c in changes])
    return {"changes": changes}
