"""Setup for office-desk tasks: a workbook and a text document that one job connects.

Every instance writes one or more ``*.gnumeric`` workbooks and ``*.txt`` documents into HOME (the desk opens all
of them) and keeps the start files in the private folder, so verifiers can tell what the agent changed.
"""

from __future__ import annotations

import datetime as dt
import shutil

from gym_anything.authoring import SetupContext
from gym_anything.authoring.formats import write_gnumeric

DEPARTMENTS = ["Marketing", "Engineering", "Facilities", "Logistics", "Purchasing", "Training", "Legal",
               "Research", "Customer Care", "Quality"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
EXPENSES = ["Office supplies", "Travel", "Software licence", "Catering", "Printing", "Courier", "Equipment repair",
            "Conference fee", "Subscriptions", "Cleaning service", "Hardware", "Consulting"]
PARTS = [("HB", "Hex bolt", ["M6 x 30", "M8 x 40", "M10 x 50", "M12 x 60"]),
         ("WS", "Washer", ["6 mm", "8 mm", "10 mm", "12 mm"]),
         ("CB", "Cable tie", ["100 mm black", "200 mm black", "300 mm white"]),
         ("PT", "Pipe tee", ["15 mm copper", "22 mm copper", "28 mm copper"]),
         ("EL", "Elbow", ["15 mm 90 deg", "22 mm 90 deg", "22 mm 45 deg"]),
         ("VL", "Ball valve", ["1/2 inch", "3/4 inch", "1 inch"]),
         ("GL", "Work gloves", ["size M", "size L", "size XL"]),
         ("TP", "Duct tape", ["48 mm silver", "48 mm black"]),
         ("FL", "Fuse", ["5 A", "10 A", "13 A"]),
         ("SC", "Wood screw", ["4 x 40", "5 x 60", "6 x 80"]),
         ("LB", "LED bulb", ["E27 9 W", "GU10 5 W", "E14 6 W"]),
         ("SL", "Silicone sealant", ["clear 310 ml", "white 310 ml"])]


def _keep(ctx: SetupContext, *names: str) -> None:
    """Copy the start files into the private folder (``start-<name>``)."""
    for name in names:
        shutil.copyfile(ctx.home / name, ctx.private / f"start-{name}")


def _money(ctx: SetupContext, low: float, high: float) -> float:
    return round(float(ctx.rng.uniform(low, high)), 2)


def _catalogue(ctx: SetupContext, count: int) -> list[tuple[str, str, float]]:
    """``count`` distinct stock items: (code, description, unit price), in code order."""
    items: dict[str, tuple[str, float]] = {}
    while len(items) < count:
        prefix, name, sizes = PARTS[int(ctx.rng.integers(len(PARTS)))]
        code = f"{prefix}-{int(ctx.rng.integers(1000, 9999))}"
        items.setdefault(code, (f"{name} {sizes[int(ctx.rng.integers(len(sizes)))]}", _money(ctx, 0.2, 60)))
    return [(code, name, price) for code, (name, price) in sorted(items.items())]


def memo_department_totals(ctx: SetupContext) -> dict:
    """A month's expense ledger (60-120 entries over 5-7 departments) and a memo with a blank line per
    department and one for the total."""
    month = MONTHS[int(ctx.rng.integers(12))]
    departments = [str(d) for d in ctx.rng.choice(DEPARTMENTS, size=int(ctx.rng.integers(5, 8)), replace=False)]
    fake = ctx.faker()
    vendors = [fake.company() for _ in range(15)]
    rows: list[list[object]] = [["Date", "Department", "Vendor", "Item", "Amount"]]
    totals = dict.fromkeys(departments, 0.0)
    for _ in range(int(ctx.rng.integers(60, 121))):
        department = departments[int(ctx.rng.integers(len(departments)))]
        amount = _money(ctx, 8, 2400)
        totals[department] += amount
        rows.append([f"{MONTHS.index(month) + 1:02d}/{int(ctx.rng.integers(1, 29)):02d}", department,
                     vendors[int(ctx.rng.integers(len(vendors)))], EXPENSES[int(ctx.rng.integers(len(EXPENSES)))],
                     amount])
    write_gnumeric(ctx.home / "expenses.gnumeric", {"Expenses": rows})
    memo = [f"To: {fake.name()}, Finance", f"From: {fake.name()}, Office management",
            f"Subject: {month} spending by department", "",
            f"Here is what each department spent in {month}, from the expense ledger:", "",
            *[f"{d}:" for d in departments], "", "Total:", "", "Regards,", "Office management", ""]
    (ctx.home / "memo.txt").write_text("\n".join(memo))
    _keep(ctx, "expenses.gnumeric", "memo.txt")
    ctx.public["month"] = month
    return {"totals": {d: round(t, 2) for d, t in totals.items()}, "total": round(sum(totals.values()), 2),
            "ledger": rows}


def order_from_email(ctx: SetupContext) -> dict:
    """A customer's order e-mail of 14-20 lines and an empty order sheet to enter it into."""
    fake = ctx.faker()
    lines = [(code, name, int(ctx.rng.integers(2, 250)), price)
             for code, name, price in _catalogue(ctx, int(ctx.rng.integers(14, 21)))]
    order = [int(i) for i in ctx.rng.permutation(len(lines))]
    lines = [lines[i] for i in order]
    customer, company = fake.name(), fake.company()
    text = [f"From: {customer} <{fake.user_name()}@{fake.domain_name()}>", f"Subject: Order for {company}", "",
            "Hello,", "", f"please book the following for delivery to our site at {fake.street_address()}, "
            f"{fake.city()}:", ""]
    text += [f"- {qty} x {name} (item {code}) at {price:.2f} each" for code, name, qty, price in lines]
    text += ["", "Thanks in advance,", customer, company, ""]
    (ctx.home / "order-email.txt").write_text("\n".join(text))
    write_gnumeric(ctx.home / "order.gnumeric",
                   {"Order": [["Item code", "Description", "Quantity", "Unit price", "Line total"]]})
    _keep(ctx, "order-email.txt", "order.gnumeric")
    return {"lines": [list(line) for line in lines]}


def price_updates(ctx: SetupContext) -> dict:
    """A price list of 80-200 items and purchasing's memo of 8-12 new prices by item code."""
    fake = ctx.faker()
    items = _catalogue(ctx, int(ctx.rng.integers(80, 201)))
    rows: list[list[object]] = [["Item code", "Description", "Unit", "Price"]]
    rows += [[code, name, "each" if not name.startswith(("Cable", "Duct", "Silicone")) else "pack", price]
             for code, name, price in items]
    picks = sorted(int(i) for i in ctx.rng.choice(len(items), size=int(ctx.rng.integers(8, 13)), replace=False))
    changes = []
    for i in picks:
        old = items[i][2]
        new = round(old * float(ctx.rng.uniform(1.03, 1.25)) + 0.01, 2)
        changes.append([items[i][0], i + 2, new])
    shown = [changes[int(i)] for i in ctx.rng.permutation(len(changes))]
    month = MONTHS[int(ctx.rng.integers(12))]
    memo = [f"From: {fake.name()}, Purchasing", f"Subject: New supplier prices from 1 {month}", "",
            f"Our supplier raised these prices from 1 {month}. Please update the price list:", ""]
    memo += [f"  {code}  new price {new:.2f}" for code, _, new in shown]
    memo += ["", "All other prices stay as they are.", ""]
    (ctx.home / "price-changes.txt").write_text("\n".join(memo))
    write_gnumeric(ctx.home / "pricelist.gnumeric", {"Prices": rows})
    _keep(ctx, "price-changes.txt", "pricelist.gnumeric")
    return {"changes": changes, "rows": rows, "shown": [c[0] for c in shown]}


def reorder_request(ctx: SetupContext) -> dict:
    """A stock sheet of 60-150 items with on-hand counts and reorder points; 6-14 are below their point."""
    items = _catalogue(ctx, int(ctx.rng.integers(60, 151)))
    low = set(int(i) for i in ctx.rng.choice(len(items), size=int(ctx.rng.integers(6, 15)), replace=False))
    rows: list[list[object]] = [["Item code", "Description", "On hand", "Reorder point"]]
    orders = []
    for i, (code, name, _) in enumerate(items):
        point = int(ctx.rng.integers(10, 200))
        hand = int(ctx.rng.integers(0, point)) if i in low else int(ctx.rng.integers(point, point * 3))
        rows.append([code, name, hand, point])
        if i in low:
            orders.append([code, 2 * point - hand])
    write_gnumeric(ctx.home / "stock.gnumeric", {"Stock": rows})
    fake = ctx.faker()
    text = ["Purchase request", f"Requested by: {fake.name()}, Stores", "",
            "Please order the following (item code, quantity):", "", ""]
    (ctx.home / "purchase-request.txt").write_text("\n".join(text))
    _keep(ctx, "stock.gnumeric", "purchase-request.txt")
    return {"orders": orders, "rows": rows, "header_lines": 4}  # the lines down to "Please order ..."


ACTIONS = ["send the revised floor plan to the landlord", "book the training room for the safety course",
           "collect quotes for the new printers", "update the visitor sign-in procedure",
           "renew the cleaning contract", "check the fire extinguisher service dates",
           "order name badges for the new starters", "draft the holiday rota", "archive last year's invoices",
           "test the backup generator", "move the stationery store to room 2.14", "confirm the courier pick-up times",
           "review the parking permits", "replace the kitchen water filter", "schedule the window cleaning",
           "prepare the budget request for new chairs", "fix the meeting room booking sheet",
           "inform staff about the network outage", "list broken desk lamps", "agree the new mail room hours"]


def minutes_to_tracker(ctx: SetupContext) -> dict:
    """Meeting minutes with 13-16 action points among discussion notes, and the action tracker holding 10-30 earlier
    actions."""
    fake = ctx.faker()
    names = {fake.first_name() for _ in range(14)}
    # Gnumeric completes a typed text to a longer entry of its column: no owner's name starts another's
    people = sorted(n for n in names if not any(o != n and o.startswith(n) for o in names))[:8]
    day = dt.date(2026, 1, 5) + dt.timedelta(days=int(ctx.rng.integers(0, 300)))
    old: list[list[object]] = [["Owner", "Action", "Due", "Status"]]
    for _ in range(int(ctx.rng.integers(10, 31))):
        due = day - dt.timedelta(days=int(ctx.rng.integers(1, 60)))
        old.append([people[int(ctx.rng.integers(len(people)))], ACTIONS[int(ctx.rng.integers(len(ACTIONS)))],
                    due.isoformat(), str(ctx.rng.choice(["done", "open"]))])
    chosen = [str(a) for a in ctx.rng.choice(ACTIONS, size=int(ctx.rng.integers(13, 17)), replace=False)]
    new = [[people[int(ctx.rng.integers(len(people)))], action,
            (day + dt.timedelta(days=int(ctx.rng.integers(3, 40)))).isoformat()] for action in chosen]
    text = [f"Facilities meeting, {day.isoformat()}", f"Present: {', '.join(people)}", ""]
    for n, (owner, action, due) in enumerate(new):
        text += [f"{n + 1}. {fake.sentence(nb_words=10)} {fake.sentence(nb_words=8)}",
                 f"   ACTION: {owner} to {action} by {due}.", ""]
    text += ["Next meeting in two weeks.", ""]
    (ctx.home / "minutes.txt").write_text("\n".join(text))
    write_gnumeric(ctx.home / "actions.gnumeric", {"Actions": old})
    _keep(ctx, "minutes.txt", "actions.gnumeric")
    return {"new": new, "old": old}


def address_labels(ctx: SetupContext) -> dict:
    """A customer list of 50-100 rows over 4 regions; labels for one region's 6-12 customers."""
    fake = ctx.faker()
    regions = ["North", "South", "East", "West"]
    target = regions[int(ctx.rng.integers(4))]
    count = int(ctx.rng.integers(50, 101))
    chosen = set(int(i) for i in ctx.rng.choice(count, size=int(ctx.rng.integers(6, 13)), replace=False))
    rows: list[list[object]] = [["Customer", "Contact", "Street", "City", "Postcode", "Region"]]
    labels = []
    for i in range(count):
        region = target if i in chosen else regions[(regions.index(target) + 1 + int(ctx.rng.integers(3))) % 4]
        row = [fake.company(), fake.name(), fake.street_address(), fake.city(), fake.postcode(), region]
        rows.append(row)
        if i in chosen:
            labels.append(row[:5])
    write_gnumeric(ctx.home / "customers.gnumeric", {"Customers": rows})
    (ctx.home / "labels.txt").write_text("")
    _keep(ctx, "customers.gnumeric")
    ctx.public["region"] = target
    return {"labels": labels, "rows": rows}
