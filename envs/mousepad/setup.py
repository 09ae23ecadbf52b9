"""Setup for Mousepad tasks: write the starting text files, return the privileged expected results.

Every generator draws from ``ctx.rng`` only, so one seed always gives the same files and answers. The
returned privileged values hold only what the agent cannot already read in HOME or the instruction; a
verifier that needs the starting file reads the copy kept in the private folder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from gym_anything.authoring import SetupContext

FIRST_NAMES = ["Alice", "Bruno", "Carmen", "Dmitri", "Elena", "Farid", "Greta", "Hiroshi", "Ingrid", "Jonas",
               "Keiko", "Lars", "Marisol", "Nadia", "Oscar", "Priya", "Quentin", "Rosa", "Stefan", "Tamsin",
               "Ulrich", "Valeria", "Wendell", "Yusuf", "Zora"]
SURNAMES = ["Abbott", "Brennan", "Castillo", "Dunmore", "Eriksen", "Fairbanks", "Gallagher", "Holloway",
            "Ivanova", "Jansen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Pemberton",
            "Quiroga", "Rasmussen", "Sokolov", "Thornbury", "Underhill", "Vasquez", "Whitlock", "Yamada",
            "Zellweger"]
COMPANIES = ["Harbor Supplies", "Northwind Traders", "Bluefield Labs", "Crescent Foods", "Granite Works",
             "Juniper Health", "Kestrel Logistics", "Maple & Finch", "Orion Textiles", "Redwood Print",
             "Silverline Motors", "Tidewater Books"]
PRODUCTS = ["Hinges", "Valves", "Gaskets", "Bearings", "Brackets", "Pulleys", "Rivets", "Springs", "Clamps",
            "Flanges", "Couplings", "Sprockets"]
TEAMS = ["Facilities", "Finance", "Outreach", "Operations", "Research", "Library", "Procurement", "Events"]


def _pick(ctx: SetupContext, pool: Sequence[str], k: int) -> list[str]:
    """``k`` distinct items of ``pool`` in random order."""
    return [str(pool[i]) for i in ctx.rng.choice(len(pool), size=k, replace=False)]


def _date(ctx: SetupContext, start: dt.date = dt.date(2024, 1, 8), span: int = 300) -> dt.date:
    """A random day in [start, start + span)."""
    return start + dt.timedelta(days=int(ctx.rng.integers(0, span)))


def _long_date(day: dt.date) -> str:
    """E.g. 'March 4, 2024'."""
    return f"{day:%B} {day.day}, {day.year}"


def _write(ctx: SetupContext, name: str, lines: Sequence[str]) -> str:
    """Write ``lines`` (newline-terminated) to HOME/name and return the text written."""
    text = "\n".join(lines) + "\n"
    (ctx.home / name).write_text(text, encoding="utf-8")
    return text


# --- replace-name -----------------------------------------------------------------------------------

AGREEMENT_LINES = [
    "Your account manager, {name}, is the first point of contact for all service requests.",
    "Invoices are issued monthly and reviewed by {name} before they are sent.",
    "Change requests must be approved in writing by {name} or a named deputy.",
    "{name} will hold a quarterly review meeting with the client's project lead.",
    "Escalations that are not resolved within five working days go to {name}.",
    "Access badges for the client's site are requested through {name}.",
    "The onboarding plan in Annex B was prepared by {name}.",
]
AGREEMENT_FILLER = [
    "The services start on the effective date and run for an initial term of twelve months.",
    "Either party may end this agreement with ninety days' written notice.",
    "Fees are payable within thirty days of the invoice date.",
    "Both parties keep all confidential information private during and after the term.",
    "Service levels are measured monthly and reported in the client portal.",
    "This agreement is governed by the laws of the state in which the client is registered.",
]


def replace_name(ctx: SetupContext) -> dict:
    """A service agreement naming an account manager 3-6 times; the name must be replaced everywhere."""
    first = _pick(ctx, FIRST_NAMES, 2)
    last = _pick(ctx, SURNAMES, 2)
    old, new = f"{first[0]} {last[0]}", f"{first[1]} {last[1]}"
    count = int(ctx.rng.integers(3, 7))
    named = _pick(ctx, AGREEMENT_LINES, count)
    body = named + _pick(ctx, AGREEMENT_FILLER, 4)
    order = ctx.rng.permutation(len(body))
    company = _pick(ctx, COMPANIES, 1)[0]
    lines = [f"SERVICE AGREEMENT - {company.upper()}", "",
             *[f"{n + 1}. {body[i]}".format(name=old) for n, i in enumerate(order)], "",
             f"Prepared on {_long_date(_date(ctx))}."]
    original = _write(ctx, ctx.params["file"], lines)
    ctx.public.update(old_name=old, new_name=new)
    return {"old": old, "new": new, "count": count, "expected": original.replace(old, new)}


# --- fill-template ----------------------------------------------------------------------------------

LETTER_TEMPLATES = [
    ["Dear [CLIENT NAME],", "",
     "This is a friendly reminder that invoice [INVOICE NUMBER] for [AMOUNT] is due on [DUE DATE].",
     "If you have already paid invoice [INVOICE NUMBER], please ignore this letter.",
     "Otherwise, please transfer [AMOUNT] to the account shown on the invoice.", "",
     "Thank you for your business, [CLIENT NAME].", "", "Kind regards,", "[SENDER NAME]", "Accounts Receivable"],
    ["Dear [CLIENT NAME],", "",
     "Our records show that invoice [INVOICE NUMBER] is still open.",
     "The outstanding balance of [AMOUNT] must be paid by [DUE DATE] to avoid a late fee.",
     "Please quote [INVOICE NUMBER] as the payment reference.", "",
     "If you have any questions, reply to this letter and ask for [SENDER NAME].", "", "Sincerely,",
     "[SENDER NAME]", "Billing Department"],
    ["Dear [CLIENT NAME],", "",
     "Thank you for your recent order. We have enclosed invoice [INVOICE NUMBER].",
     "The total amount of [AMOUNT] is payable by [DUE DATE].", "",
     "We appreciate your prompt payment.", "", "Best wishes,", "[SENDER NAME]", "Customer Accounts"],
]
PLACEHOLDERS = ["[CLIENT NAME]", "[INVOICE NUMBER]", "[AMOUNT]", "[DUE DATE]", "[SENDER NAME]"]


def fill_template(ctx: SetupContext) -> dict:
    """A payment-reminder letter with bracketed placeholders, some used twice, and the values to put in."""
    template = LETTER_TEMPLATES[int(ctx.rng.integers(len(LETTER_TEMPLATES)))]
    client = _pick(ctx, COMPANIES, 1)[0]
    sender = f"{_pick(ctx, FIRST_NAMES, 1)[0]} {_pick(ctx, SURNAMES, 1)[0]}"
    values = {"[CLIENT NAME]": client, "[INVOICE NUMBER]": f"INV-{int(ctx.rng.integers(10000, 99999))}",
              "[AMOUNT]": f"${int(ctx.rng.integers(120, 9800)):,}.{int(ctx.rng.integers(0, 100)):02d}",
              "[DUE DATE]": _long_date(_date(ctx)), "[SENDER NAME]": sender}
    original = _write(ctx, ctx.params["file"], template)
    expected = original
    for key, value in values.items():
        expected = expected.replace(key, value)
    ctx.public.update(client=client, sender=sender, invoice=values["[INVOICE NUMBER]"],
                      amount=values["[AMOUNT]"], due_date=values["[DUE DATE]"])
    return {"values": values, "expected": expected}


# --- sort-lines -------------------------------------------------------------------------------------


def sort_lines(ctx: SetupContext) -> dict:
    """A list of 'Surname, First' lines in random (never already sorted) order."""
    count = ctx.params["count"]
    names = [f"{s}, {f}" for s, f in zip(_pick(ctx, SURNAMES, count), _pick(ctx, FIRST_NAMES, count), strict=True)]
    expected = sorted(names, key=str.casefold)
    while names == expected:
        names = [names[i] for i in ctx.rng.permutation(count)]
    _write(ctx, ctx.params["file"], names)
    return {"expected": "\n".join(expected) + "\n"}


# --- remove-cancelled -------------------------------------------------------------------------------


def remove_cancelled(ctx: SetupContext) -> dict:
    """An order log, one order a line; 3-4 orders are CANCELLED and must be deleted.

    Privileged: the numbers of the cancelled lines; the starting file is kept in the private folder.
    """
    rows = ctx.params["rows"]
    cancelled = set(int(i) for i in ctx.rng.choice(rows, size=int(ctx.rng.integers(3, 5)), replace=False))
    ids = [f"ORD-{int(n) + 10000}" for n in ctx.rng.choice(90000, size=rows, replace=False)]
    day = _date(ctx, span=200)
    lines = []
    for i in range(rows):
        day += dt.timedelta(days=int(ctx.rng.integers(0, 3)))
        status = "CANCELLED" if i in cancelled else str(ctx.rng.choice(["SHIPPED", "SHIPPED", "PENDING",
                                                                          "DELIVERED"]))
        lines.append(f"{day.isoformat()} | {ids[i]} | {_pick(ctx, COMPANIES, 1)[0]} | "
                     f"{int(ctx.rng.integers(1, 40))} x {_pick(ctx, PRODUCTS, 1)[0]} | {status}")
    original = _write(ctx, ctx.params["file"], lines)
    (ctx.private / "original.txt").write_text(original, encoding="utf-8")
    return {"cancelled_lines": sorted(i + 1 for i in cancelled)}


# --- append-entry -----------------------------------------------------------------------------------

LOG_ACTIONS = ["Replaced air filter in unit {n}", "Checked fire extinguishers on floor {n}", "Serviced pump {n}",
               "Recalibrated scale {n}", "Cleared drain on level {n}", "Tested backup generator {n}",
               "Replaced lamp in corridor {n}", "Lubricated conveyor {n}", "Inspected roof hatch {n}",
               "Reset door controller {n}"]


def _log_entry(ctx: SetupContext, day: dt.date) -> str:
    """One log line: '2024-03-04 - Serviced pump 2 (JL)'."""
    action = LOG_ACTIONS[int(ctx.rng.integers(len(LOG_ACTIONS)))].format(n=int(ctx.rng.integers(1, 9)))
    initials = "".join(_pick(ctx, list("ABCDEFGHJKLMNPRSTW"), 2))
    return f"{day.isoformat()} - {action} ({initials})"


def append_entry(ctx: SetupContext) -> dict:
    """A dated maintenance log; one new entry, dated after the last one, goes at the end.

    The starting file is kept in the private folder for the verifier.
    """
    day = _date(ctx, span=200)
    lines = []
    for _ in range(int(ctx.rng.integers(5, 10))):
        day += dt.timedelta(days=int(ctx.rng.integers(1, 6)))
        lines.append(_log_entry(ctx, day))
    original = _write(ctx, ctx.params["file"], lines)
    (ctx.private / "original.txt").write_text(original, encoding="utf-8")
    entry = _log_entry(ctx, day + dt.timedelta(days=int(ctx.rng.integers(1, 6))))
    ctx.public["entry"] = entry
    return {"entry": entry}


# --- new-memo ---------------------------------------------------------------------------------------

MEMO_SUBJECTS = [
    ("Office closed on {day}", "The office will be closed all day on {long} for floor maintenance."),
    ("Fire drill on {day}", "A fire drill will take place at 10:30 on {long}; please leave by the nearest exit."),
    ("Parking changes from {day}", "From {long} the north car park is reserved for visitors."),
    ("Network outage on {day}", "The network will be unavailable from 18:00 to 22:00 on {long}."),
    ("New visitor policy from {day}", "From {long} all visitors must sign in at the front desk."),
]


def new_memo(ctx: SetupContext) -> dict:
    """No file yet: the agent writes a four-line memo into a new document and saves it under a given name."""
    day = _date(ctx)
    subject, body = MEMO_SUBJECTS[int(ctx.rng.integers(len(MEMO_SUBJECTS)))]
    lines = [f"To: All {_pick(ctx, TEAMS, 1)[0]} staff",
             f"From: {_pick(ctx, FIRST_NAMES, 1)[0]} {_pick(ctx, SURNAMES, 1)[0]}",
             "Subject: " + subject.format(day=day.isoformat()),
             body.format(long=_long_date(day))]
    ctx.public.update({f"line{i + 1}": line for i, line in enumerate(lines)})
    return {"lines": lines}


# --- fix-typos --------------------------------------------------------------------------------------

# (misspelling, correct word, a sentence using the word mid-sentence as {w})
TYPO_SENTENCES = [
    ("recieve", "receive", "All members will {w} the revised budget by email."),
    ("goverment", "government", "The new {w} grant covers the first phase of the project."),
    ("seperate", "separate", "A {w} meeting on the parking plan is set for next month."),
    ("neccessary", "necessary", "It is {w} to renew the cleaning contract before June."),
    ("accomodate", "accommodate", "The hall can {w} up to two hundred guests."),
    ("definately", "definitely", "The new rota is {w} an improvement on the old one."),
    ("enviroment", "environment", "The {w} working group will report at the next meeting."),
    ("maintainance", "maintenance", "The lift {w} contract ends in September."),
    ("independant", "independent", "An {w} auditor will review the accounts."),
    ("calender", "calendar", "Please add the holiday dates to the shared {w}."),
    ("tommorow", "tomorrow", "The draft agenda will be circulated {w} morning."),
    ("buisness", "business", "Our {w} hours stay the same over the summer."),
    ("publically", "publicly", "The results will be {w} available from May."),
    ("occured", "occurred", "Two minor incidents {w} in the loading bay."),
]
MINUTES_FILLER = [
    "The minutes of the last meeting were approved without changes.",
    "The chair welcomed two new members to the group.",
    "Coffee and tea will be provided at all future sessions.",
    "The treasurer presented the quarterly figures.",
    "Volunteers are still needed for the spring open day.",
    "The next meeting will be held in room 4B.",
    "Any other business: none raised.",
]


def fix_typos(ctx: SetupContext) -> dict:
    """Meeting minutes with 4 misspelled words, each appearing exactly once."""
    count = 4
    chosen = [TYPO_SENTENCES[i] for i in ctx.rng.choice(len(TYPO_SENTENCES), size=count, replace=False)]
    items = [(s.format(w=typo), s.format(w=right)) for typo, right, s in chosen]
    items += [(f, f) for f in _pick(ctx, MINUTES_FILLER, 5)]
    order = [int(i) for i in ctx.rng.permutation(len(items))]
    day = _date(ctx)
    head = [f"Minutes - {_pick(ctx, TEAMS, 1)[0]} committee meeting, {_long_date(day)}", ""]
    lines = head + [f"- {items[i][0]}" for i in order]
    expected = head + [f"- {items[i][1]}" for i in order]
    text = _write(ctx, ctx.params["file"], lines)
    for typo, _, _ in chosen:
        assert text.lower().count(typo) == 1, typo
    pairs = [(typo, right) for typo, right, _ in chosen]
    ctx.public["typo_list"] = "; ".join(f"'{typo}' should be '{right}'" for typo, right in pairs)
    return {"pairs": pairs, "expected": "\n".join(expected) + "\n"}


# --- save-revised-copy ------------------------------------------------------------------------------


def save_revised_copy(ctx: SetupContext) -> dict:
    """A draft status report; a finalised copy goes to a new file while the draft stays as it is.

    The starting file is kept in the private folder for the verifier.
    """
    project = " ".join([_pick(ctx, ["Atlas", "Beacon", "Cobalt", "Delta", "Ember", "Falcon", "Harbor"], 1)[0],
                        _pick(ctx, ["Migration", "Refit", "Rollout", "Upgrade", "Survey"], 1)[0]])
    draft_version = f"0.{int(ctx.rng.integers(2, 10))}"
    day = _date(ctx)
    done_items = _pick(ctx, ["Site survey completed", "Supplier contracts signed", "Staff training held",
                             "Pilot phase finished", "Budget approved", "Test plan reviewed"], 3)
    head = [f"Project: {project}", f"Owner: {_pick(ctx, FIRST_NAMES, 1)[0]} {_pick(ctx, SURNAMES, 1)[0]}",
            f"Date: {day.isoformat()}"]
    tail = ["", "Completed this period:", *[f"* {item}" for item in done_items], "",
            f"Next review: {(day + dt.timedelta(days=14)).isoformat()}"]
    original = _write(ctx, ctx.params["file"], [*head, "Status: DRAFT", f"Version: {draft_version}", *tail])
    (ctx.private / "original.txt").write_text(original, encoding="utf-8")
    expected = "\n".join([*head, "Status: FINAL", "Version: 1.0", *tail]) + "\n"
    return {"expected": expected, "draft_version": draft_version}


# --- update-action-items ----------------------------------------------------------------------------

ACTION_TASKS = ["Replace the lobby carpet", "Renew the cleaning contract", "Draft the spring newsletter",
                "Book the venue for the open day", "Collect quotes for new chairs", "Update the fire-exit signs",
                "Reconcile the petty-cash log", "Chase the overdue supplier invoices", "Archive last year's files",
                "Order spare printer toner", "Schedule the lift inspection", "Review the visitor policy",
                "Send the budget to the board", "Set up the new starter's desk", "Test the backup generator",
                "Repaint the meeting room", "Agree the summer opening hours", "Audit the key register",
                "Publish the volunteer rota", "Fix the car-park barrier", "Renew the insurance policy",
                "Prepare the annual report outline", "Survey staff about parking", "Replace the kitchen kettle"]
EDIT_KINDS = ["done"] * 3 + ["reassign"] * 2 + ["due"] * 2 + ["remove"] * 2  # plus two additions


def _action_item(item: dict) -> str:
    """E.g. '[ ] A-104 | Rosa Moreau | Renew the cleaning contract | due 2024-05-10'."""
    return f"[{'x' if item['done'] else ' '}] {item['id']} | {item['owner']} | {item['task']} | due {item['due']}"


def _tracker(title: str, sections: dict[str, list[dict]]) -> list[str]:
    lines = [title]
    for team, items in sections.items():
        lines += ["", f"== {team} ==", *[_action_item(i) for i in items if not i.get("removed")]]
    return lines


def update_action_items(ctx: SetupContext) -> dict:
    """An action-item tracker in three team sections and eleven updates: tick, reassign, re-date, delete, add.

    Privileged: ``targets`` (visible by design: the line each update starts from, or for an addition the
    section's last line, and the section), ``expect`` (each item's expected line, None when deleted) and the
    expected document. The starting file is kept in the private folder.
    """
    teams = _pick(ctx, TEAMS, 3)
    tasks = iter(_pick(ctx, ACTION_TASKS, 17))
    owners = [f"{f} {s}" for f, s in zip(_pick(ctx, FIRST_NAMES, 8), _pick(ctx, SURNAMES, 8), strict=True)]
    next_id = int(ctx.rng.integers(100, 800))
    day = _date(ctx, span=200)

    def new_item(owner: str) -> dict:
        nonlocal next_id
        next_id += 1
        due = day + dt.timedelta(days=int(ctx.rng.integers(7, 60)))
        return {"done": False, "id": f"A-{next_id}", "owner": owner, "task": next(tasks), "due": due.isoformat()}

    sections: dict[str, list[dict]] = {team: [] for team in teams}
    for team in teams:
        sections[team] = [new_item(owners[int(ctx.rng.integers(6))]) for _ in range(int(ctx.rng.integers(4, 6)))]
    every = [item for items in sections.values() for item in items]
    for i in ctx.rng.choice(len(every), size=int(ctx.rng.integers(2, 4)), replace=False):
        every[int(i)]["done"] = True  # already finished before the meeting
    title = f"Action items - management meeting of {_long_date(day)}"
    original = _write(ctx, ctx.params["file"], _tracker(title, sections))
    (ctx.private / "original.txt").write_text(original, encoding="utf-8")

    add_targets = [{"kind": "add", "find": _action_item(sections[team][-1]), "section": team}
                   for team in _pick(ctx, teams, 2)]
    open_items = [(team, item) for team, items in sections.items() for item in items if not item["done"]]
    chosen = [open_items[int(i)] for i in ctx.rng.choice(len(open_items), size=len(EDIT_KINDS), replace=False)]
    changes = []  # (description, target, item)
    for kind, (team, item) in zip(EDIT_KINDS, chosen, strict=True):
        target = {"kind": kind, "find": _action_item(item), "section": team}
        if kind == "done":
            item["done"], text = True, f"{item['id']} is done (tick its box)"
        elif kind == "reassign":
            item["owner"] = owners[int(ctx.rng.integers(6, 8))]
            text = f"{item['id']} is reassigned to {item['owner']}"
        elif kind == "due":
            later = dt.date.fromisoformat(item["due"]) + dt.timedelta(days=int(ctx.rng.integers(3, 30)))
            item["due"] = later.isoformat()
            text = f"{item['id']} is now due {item['due']}"
        else:
            item["removed"], text = True, f"{item['id']} was dropped (delete its line)"
        changes.append((text, target, item))
    for target in add_targets:
        team = target["section"]
        item = new_item(owners[int(ctx.rng.integers(6, 8))])
        sections[team].append(item)
        changes.append((f"add a new open item {item['id']} at the end of the {team} section: owner {item['owner']}, "
                        f"task \"{item['task']}\", due {item['due']}", target, item))
    changes = [changes[int(i)] for i in ctx.rng.permutation(len(changes))]
    ctx.public["updates"] = "; ".join(f"({n}) {text}" for n, (text, _, _) in enumerate(changes, 1))
    expected = "\n".join(_tracker(title, sections)) + "\n"
    return {"targets": [target for _, target, _ in changes], "expected": expected,
            "expect": [{"id": item["id"], "line": None if item.get("removed") else _action_item(item)}
                       for _, _, item in changes]}
