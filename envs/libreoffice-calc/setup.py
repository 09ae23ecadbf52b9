"""Setup for LibreOffice Calc tasks: write the start workbook (.ods) into HOME, keep a copy in the private folder.

Every table is drawn from the instance's seeded generator (names, companies, dates and amounts from the word
lists below; no clock, no other randomness). Verifiers compare what Calc saved with the private copy
(``original.ods``), so setup returns only what the oracle needs and what the instruction states.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from typing import Any

import numpy as np

from gym_anything.authoring import SetupContext

from .ods import write_ods

FIRST = ["Aisha", "Ben", "Carmen", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal", "Katrin", "Luis",
         "Maya", "Nikolai", "Olivia", "Pavel", "Quinn", "Rosa", "Samir", "Tanya", "Umar", "Vera", "Wes", "Ximena",
         "Yusuf", "Zoe", "Andre", "Bianca", "Colin", "Dalia", "Ethan", "Fiona", "Gavin", "Helga", "Ivan", "Julia",
         "Kwame", "Lena", "Marco", "Nadia", "Oscar", "Priya", "Rafael", "Sofia", "Tomas", "Uma", "Victor", "Wendy"]
LAST = ["Abbott", "Barros", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jansen", "Kowalski",
        "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quintero", "Rossi", "Schmidt", "Tanaka", "Ulrich",
        "Varga", "Weber", "Yilmaz", "Zhang", "Almeida", "Brennan", "Castillo", "Delgado", "Ferreira", "Gallagher",
        "Horvat", "Iqbal", "Keller", "Lombardi", "Mensah", "Novak", "Oliveira", "Park", "Reyes", "Sato", "Torres"]
COMPANY_A = ["Northwind", "Bluestone", "Cedar", "Harbor", "Summit", "Ironbridge", "Maple", "Silverline", "Redwood",
             "Granite", "Lakeside", "Pioneer", "Crescent", "Evergreen", "Falcon", "Oakridge", "Brightwater", "Keystone",
             "Meridian", "Copperfield", "Westgate", "Highland", "Riverbend", "Starling"]
COMPANY_B = ["Traders", "Logistics", "Foods", "Dental Group", "Builders", "Analytics", "Pharmacy", "Textiles",
             "Engineering", "Outfitters", "Print & Copy", "Medical Supply", "Auto Parts", "Hospitality", "Farms",
             "Electric", "Furniture", "Labs"]
COMPANY_C = ["Inc", "LLC", "Ltd", "Co", "Group", "& Sons", "Partners", "GmbH"]
DEPARTMENTS = ["Sales", "Marketing", "Finance", "Operations", "Engineering", "Customer Support", "Human Resources",
               "Legal", "Purchasing", "IT"]
EXPENSE_CATEGORIES = ["Airfare", "Hotel", "Meals", "Mileage", "Taxi and Rideshare", "Office Supplies", "Software",
                      "Training", "Client Entertainment", "Postage", "Telephone", "Conference Fees"]
EXPENSE_RANGE = {"Airfare": (180, 1400), "Hotel": (90, 650), "Meals": (8, 140), "Mileage": (12, 260),
                 "Taxi and Rideshare": (9, 95), "Office Supplies": (5, 320), "Software": (15, 900),
                 "Training": (120, 2400), "Client Entertainment": (40, 780), "Postage": (2, 85),
                 "Telephone": (20, 160), "Conference Fees": (150, 1900)}
PRODUCTS = ["Copy paper A4, 5 reams", "Toner cartridge, black", "Desk lamp LED", "Ergonomic chair", "Monitor arm",
            "USB-C dock", "Wireless mouse", "Keyboard, compact", "Whiteboard 120x90", "Filing cabinet, 3 drawer",
            "Label printer", "Shipping labels, 500", "Packing tape, 36 rolls", "Stretch wrap", "Pallet labels",
            "Safety gloves, box", "Hi-vis vest", "First aid kit", "Coffee beans, 1 kg", "Paper cups, 1000",
            "Hand soap, 5 l", "Bin liners, 200", "Cable ties, 1000", "Extension lead 4-way", "Headset, wired",
            "Webcam HD", "Laptop stand", "Notebook A5, 10", "Ballpoint pens, 50", "Stapler, heavy duty",
            "Envelopes C4, 250", "Binder clips, 144", "Storage box, 40 l", "Step ladder", "Trolley, 2 wheel"]
PROJECTS = ["Harbor Bridge", "Westfield Clinic", "Data Migration", "Route Planning", "Spring Catalogue",
            "Warehouse Move", "Audit 2026", "Payroll Upgrade", "Customer Portal", "Fleet Renewal"]
ACTIVITIES = ["Design", "Site visit", "Meetings", "Documentation", "Testing", "Travel", "Training", "Support",
              "Planning", "Review"]
REGIONS = ["Central", "East", "Midwest", "North", "Northeast", "Pacific", "South", "Southwest", "West"]
ORDER_STATUSES = ["Shipped", "Invoiced", "Open", "Back-ordered"]


def _pick(ctx: SetupContext, items: list[str], count: int | None = None) -> list[str]:
    """``count`` distinct items in a seeded order (all of them by default)."""
    chosen = ctx.rng.choice(len(items), size=len(items) if count is None else count, replace=False)
    return [items[int(i)] for i in chosen]


def _people(ctx: SetupContext, count: int) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        name = f"{FIRST[int(ctx.rng.integers(len(FIRST)))]} {LAST[int(ctx.rng.integers(len(LAST)))]}"
        if name not in names:
            names.append(name)
    return names


def _companies(ctx: SetupContext, count: int) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        name = " ".join(str(ctx.rng.choice(part)) for part in (COMPANY_A, COMPANY_B, COMPANY_C))
        if name not in names:
            names.append(name)
    return names


def _money(ctx: SetupContext, low: float, high: float) -> float:
    return round(float(ctx.rng.uniform(low, high)), 2)


def _dates(ctx: SetupContext, count: int, start: date, days: int) -> list[date]:
    """``count`` dates within ``days`` days from ``start``, in order (a ledger is kept by date)."""
    return sorted(start + timedelta(days=int(d)) for d in ctx.rng.integers(0, days, size=count))


def _month_start(ctx: SetupContext) -> date:
    return date(2026, int(ctx.rng.integers(1, 10)), 1)


def _write(ctx: SetupContext, sheet: str, rows: list[list[Any]], money: set[int], widths: list[float]) -> None:
    """The start workbook in HOME, and the same file as ``original.ods`` in the private folder."""
    path = ctx.home / ctx.params["file"]
    write_ods(path, {sheet: rows}, money={sheet: money}, widths={sheet: widths})
    shutil.copyfile(path, ctx.private / "original.ods")


def expense_category_totals(ctx: SetupContext) -> dict:
    """An expense ledger of 120-300 claims; the agent adds a per-category summary beside it."""
    count = ctx.params["rows"]
    categories = _pick(ctx, EXPENSE_CATEGORIES, int(ctx.rng.integers(5, 8)))
    staff = [(name, str(ctx.rng.choice(DEPARTMENTS))) for name in _people(ctx, 18)]
    rows: list[list[Any]] = [["Date", "Employee", "Department", "Category", "Amount"]]
    for day in _dates(ctx, count, _month_start(ctx), 90):
        name, department = staff[int(ctx.rng.integers(len(staff)))]
        category = categories[int(ctx.rng.integers(len(categories)))]
        rows.append([day, name, department, category, _money(ctx, *EXPENSE_RANGE[category])])
    _write(ctx, "Expenses", rows, {4}, [2.4, 3.8, 3.6, 4.2, 2.4])
    ctx.public["categories"] = ", ".join(categories)
    ctx.public["summary_end"] = len(categories) + 1
    totals = [round(sum(float(r[4]) for r in rows[1:] if r[3] == c), 2) for c in categories]
    return {"categories": categories, "last_row": count + 1, "totals": totals}


def order_line_totals(ctx: SetupContext) -> dict:
    """A purchase order of 60-200 lines (quantity, unit price, discount %); the agent adds line totals and a total."""
    count = ctx.params["rows"]
    rows: list[list[Any]] = [["SKU", "Description", "Quantity", "Unit price", "Discount %"]]
    start = int(ctx.rng.integers(10000, 80000))
    for i in range(count):
        product = str(ctx.rng.choice(PRODUCTS))
        quantity = int(ctx.rng.integers(2, 120))
        discount = int(ctx.rng.choice([0, 0, 0, 5, 10, 12, 15, 20]))
        rows.append([f"SKU-{start + 7 * i}", product, quantity, _money(ctx, 1.5, 480), discount])
    _write(ctx, "Order", rows, {3}, [2.6, 5.6, 2.2, 2.4, 2.4])
    last = count + 1
    ctx.public["last_row"], ctx.public["total_row"] = last, last + 1
    total = sum(float(r[2]) * float(r[3]) * (1 - float(r[4]) / 100) for r in rows[1:])
    return {"last_row": last, "total": round(total, 4)}


def correct_timesheet(ctx: SetupContext) -> dict:
    """A fortnight's timesheet of 150-400 entries; 2-4 entries were keyed wrong and must be corrected."""
    count = ctx.params["rows"]
    staff = _people(ctx, 14)
    projects = _pick(ctx, PROJECTS, 6)
    start = _month_start(ctx)
    seen: set[tuple[str, str, str]] = set()
    entries: list[list[Any]] = []
    while len(entries) < count:
        day = start + timedelta(days=int(ctx.rng.integers(0, 14)))
        name, project = staff[int(ctx.rng.integers(len(staff)))], projects[int(ctx.rng.integers(len(projects)))]
        if (day.isoformat(), name, project) in seen:
            continue
        seen.add((day.isoformat(), name, project))
        entries.append([day, name, project, str(ctx.rng.choice(ACTIVITIES)), int(ctx.rng.integers(1, 17)) / 2])
    entries.sort(key=lambda e: (e[0], e[1], e[2]))
    _write(ctx, "Timesheet", [["Date", "Employee", "Project", "Activity", "Hours"], *entries], set(),
           [2.4, 3.8, 3.8, 3.2, 1.8])
    fixes = []
    for index in sorted(int(i) for i in ctx.rng.choice(count, size=ctx.params["count"], replace=False)):
        day, name, project, _, hours = entries[index]
        right = float(hours)
        while right == hours:
            right = int(ctx.rng.integers(1, 21)) / 2
        fixes.append({"row": index + 2, "hours": right, "what": f"{name} on {day.isoformat()} for {project}"})
    ctx.public["corrections"] = "; ".join(f"{f['what']} should be {f['hours']:g} hours" for f in fixes)
    return {"fixes": [{"row": f["row"], "hours": f["hours"]} for f in fixes]}


def sort_customer_list(ctx: SetupContext) -> dict:
    """80-250 customer accounts in account-number order; to be sorted by region, then revenue (largest first)."""
    count = ctx.params["rows"]
    managers = _people(ctx, 8)
    regions = _pick(ctx, REGIONS, int(ctx.rng.integers(5, 9)))
    revenues: set[float] = set()
    rows: list[list[Any]] = []
    for i, company in enumerate(_companies(ctx, count)):
        revenue = round(float(ctx.rng.uniform(8000, 2500000)), 0)
        while revenue in revenues:  # distinct, so the order within a region is unique
            revenue += 1
        revenues.add(revenue)
        rows.append([f"C-{1001 + i * 3}", company, str(ctx.rng.choice(regions)), str(ctx.rng.choice(managers)),
                     revenue])
    _write(ctx, "Customers", [["Account", "Company", "Region", "Account manager", "Annual revenue"], *rows], {4},
           [2.0, 6.2, 2.6, 3.8, 3.2])
    return {"last_row": count + 1, "regions": len(set(str(r[2]) for r in rows))}


def remove_cancelled_orders(ctx: SetupContext) -> dict:
    """An order book of 120-250 orders, 14-20 of them cancelled: the cancelled rows must be deleted."""
    count, cancelled = ctx.params["rows"], ctx.params["cancelled"]
    customers = _companies(ctx, 30)
    gone = {int(i) for i in ctx.rng.choice(np.arange(count), size=cancelled, replace=False)}
    first = int(ctx.rng.integers(20000, 60000))
    rows: list[list[Any]] = []
    for i, day in enumerate(_dates(ctx, count, _month_start(ctx), 60)):
        status = "Cancelled" if i in gone else str(ctx.rng.choice(ORDER_STATUSES))
        rows.append([f"SO-{first + i}", day, str(ctx.rng.choice(customers)), status, _money(ctx, 60, 18000)])
    _write(ctx, "Orders", [["Order", "Date", "Customer", "Status", "Amount"], *rows], {4}, [2.4, 2.4, 6.2, 2.8, 2.6])
    return {"cancelled_rows": sorted(i + 2 for i in gone)}


def commission_report(ctx: SetupContext) -> dict:
    """A quarter's sales by rep (50-120 reps) with targets; attainment and commission columns to be added."""
    count = ctx.params["rows"]
    rows: list[list[Any]] = []
    on_target = {int(i) for i in ctx.rng.choice(count, size=int(ctx.rng.integers(2, 5)), replace=False)}
    for i, name in enumerate(_people(ctx, count)):
        target = float(int(ctx.rng.integers(40, 400)) * 500)
        # a few reps land exactly on their target: "at least Target" must pay them the higher rate
        actual = target if i in on_target else round(target * float(ctx.rng.uniform(0.6, 1.4)), 2)
        rows.append([name, str(ctx.rng.choice(REGIONS)), target, actual])
    _write(ctx, "Q3 sales", [["Sales rep", "Region", "Target", "Actual sales"], *rows], {2, 3},
           [3.8, 2.6, 2.8, 2.8])
    last = count + 1
    ctx.public["last_row"] = last
    return {"last_row": last, "met": sum(1 for r in rows if float(r[3]) >= float(r[2]))}
