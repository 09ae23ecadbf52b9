"""Setup for LibreOffice Writer tasks: write the start document (.odt) into HOME, keep what the verifier needs
in the private folder.

Every document is drawn from the instance's seeded generator (names, companies, figures and sentences from the
word lists below; no clock, no other randomness). Verifiers compare what Writer saved with the start document
(``original.odt``) and with the expected paragraphs (``expected.json``), both in the private folder, so setup
returns only what the oracle needs and what the instruction states.
"""

from __future__ import annotations

import json
import shutil

from gym_anything.authoring import SetupContext

from .odt import write_odt

FIRST = ["Aisha", "Ben", "Carmen", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal", "Katrin", "Luis",
         "Maya", "Nikolai", "Olivia", "Pavel", "Quinn", "Rosa", "Samir", "Tanya", "Umar", "Vera", "Wes", "Ximena",
         "Yusuf", "Zoe", "Andre", "Bianca", "Colin", "Dalia", "Ethan", "Fiona", "Gavin", "Helga", "Ivan", "Julia"]
LAST = ["Abbott", "Barros", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jansen", "Kowalski",
        "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quintero", "Rossi", "Schmidt", "Tanaka", "Ulrich",
        "Varga", "Weber", "Yilmaz", "Zhang", "Almeida", "Brennan", "Castillo", "Delgado", "Ferreira", "Gallagher"]
COMPANY_A = ["Northwind", "Bluestone", "Cedar", "Harbor", "Summit", "Ironbridge", "Maple", "Silverline", "Redwood",
             "Granite", "Lakeside", "Pioneer", "Crescent", "Evergreen", "Falcon", "Oakridge", "Keystone", "Meridian"]
COMPANY_B = ["Logistics", "Foods", "Builders", "Analytics", "Pharmacy", "Textiles", "Engineering", "Medical Supply",
             "Hospitality", "Electric", "Furniture", "Labs"]
COMPANY_C = ["Inc.", "LLC", "Ltd.", "Group", "Partners", "GmbH"]
STREETS = ["Market Street", "Harbour Road", "Elm Avenue", "Station Lane", "King Street", "Mill Road", "Park Avenue",
           "Bridge Street", "Church Lane", "Victoria Road"]
CITIES = [("Springfield", "IL 62704"), ("Portland", "OR 97205"), ("Madison", "WI 53703"), ("Albany", "NY 12207"),
          ("Boise", "ID 83702"), ("Dayton", "OH 45402"), ("Tucson", "AZ 85701"), ("Raleigh", "NC 27601")]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
SECTION_TITLES = [
    "Executive Summary", "Background", "Scope of the Review", "Market Overview", "Customer Feedback",
    "Sales Performance", "Operating Costs", "Staffing and Recruitment", "Training Programme", "Health and Safety",
    "Supplier Relationships", "Inventory Management", "Information Technology", "Data Protection", "Facilities",
    "Environmental Impact", "Risk Register", "Quality Assurance", "Customer Service Levels", "Marketing Activity",
    "Product Development", "Pricing Review", "Capital Expenditure", "Cash Flow", "Legal and Compliance",
    "Internal Audit Findings", "Regional Offices", "Partnerships", "Community Engagement", "Lessons Learned",
    "Recommendations", "Implementation Plan", "Budget for Next Year", "Performance Indicators", "Conclusion"]
TOPICS = ["the warehouse team", "the finance office", "the customer service desk", "the regional sales staff",
          "the procurement group", "the IT helpdesk", "the facilities team", "the quality team", "senior management",
          "the board", "our largest customers", "new suppliers", "the payroll office", "the marketing team"]
VERBS = ["reviewed", "improved", "reported on", "reorganised", "monitored", "simplified", "documented", "extended",
         "audited", "standardised"]
OBJECTS = ["the approval process for purchase orders", "the monthly reporting pack", "delivery times to the north",
           "the handling of customer complaints", "stock counts at the main depot", "the onboarding checklist",
           "the travel and expense policy", "contract renewals", "the shared document library", "overtime planning",
           "the supplier scorecard", "the backlog of open invoices", "the weekly planning meeting"]
CLAUSES = ["with support from {topic}", "ahead of the agreed schedule", "within the approved budget",
           "after consultation with {topic}", "as requested at the last review", "in line with the policy",
           "despite the staff shortages in {month}", "following the audit in {month}"]
OBSERVATIONS = ["Response times fell by {pct} percent compared with the previous year.",
                "About {pct} percent of the issues raised were closed within a week.",
                "The number of open cases dropped to {num} by the end of {month}.",
                "Feedback from {topic} has been broadly positive.",
                "Further work is needed before the changes can be rolled out to every site.",
                "A follow-up review is planned for {month}.",
                "The figures will be confirmed once the {month} accounts are closed.",
                "No significant incidents were recorded during the period.",
                "{num} staff members took part in the pilot.",
                "The remaining actions are tracked in the project log."]


def _pick(ctx: SetupContext, items: list, count: int) -> list:
    return [items[int(i)] for i in ctx.rng.choice(len(items), size=count, replace=False)]


def _one(ctx: SetupContext, items: list):
    return items[int(ctx.rng.integers(len(items)))]


def _person(ctx: SetupContext) -> str:
    return f"{_one(ctx, FIRST)} {_one(ctx, LAST)}"


def _company(ctx: SetupContext) -> str:
    return f"{_one(ctx, COMPANY_A)} {_one(ctx, COMPANY_B)} {_one(ctx, COMPANY_C)}"


def _fill(ctx: SetupContext, template: str) -> str:
    return template.format(topic=_one(ctx, TOPICS), month=_one(ctx, MONTHS), pct=int(ctx.rng.integers(4, 40)),
                           num=int(ctx.rng.integers(12, 400)))


def _sentence(ctx: SetupContext) -> str:
    if ctx.rng.random() < 0.45:
        return _fill(ctx, _one(ctx, OBSERVATIONS))
    subject = _one(ctx, TOPICS)
    clause = _fill(ctx, _one(ctx, CLAUSES))
    return f"{subject[0].upper()}{subject[1:]} {_one(ctx, VERBS)} {_one(ctx, OBJECTS)} {clause}."


def _paragraph(ctx: SetupContext, low: int = 3, high: int = 6) -> str:
    return " ".join(_sentence(ctx) for _ in range(int(ctx.rng.integers(low, high + 1))))


def _report(ctx: SetupContext, sections: int, low: int = 1, high: int = 3) -> tuple[list[str], list[list[str]]]:
    """Numbered section titles and each section's body paragraphs."""
    titles = [f"{i}. {t}" for i, t in enumerate(_pick(ctx, SECTION_TITLES, sections), start=1)]
    bodies = [[_paragraph(ctx) for _ in range(int(ctx.rng.integers(low, high + 1)))] for _ in titles]
    return titles, bodies


def _write(ctx: SetupContext, paragraphs: list[tuple[str, str]], expected: list[tuple[str, str]]) -> None:
    """The start document in HOME and as ``original.odt`` in the private folder, the expected (style, text)
    paragraphs as ``expected.json``."""
    path = ctx.home / ctx.params["file"]
    write_odt(path, paragraphs)
    shutil.copyfile(path, ctx.private / "original.odt")
    (ctx.private / "expected.json").write_text(json.dumps(expected), encoding="utf-8")


def replace_name(ctx: SetupContext) -> dict:
    """A service agreement of several pages naming the supplier's account manager 6-12 times."""
    old, new = _person(ctx), _person(ctx)
    while new.split()[1] == old.split()[1] or new.split()[0] == old.split()[0]:
        new = _person(ctx)
    client, supplier = _company(ctx), _company(ctx)
    clauses = ["Services", "Term", "Fees and Payment", "Service Levels", "Reporting", "Confidentiality",
               "Data Protection", "Subcontracting", "Liability", "Termination", "Notices", "Governing Law"]
    count = int(ctx.rng.integers(6, 13))
    mentions = {int(i) for i in ctx.rng.choice(len(clauses), size=count, replace=False)}
    paragraphs = [("Title", f"Service Agreement between {client} and {supplier}")]
    for i, clause in enumerate(clauses, start=1):
        paragraphs.append(("Heading 1", f"{i}. {clause}"))
        body = _paragraph(ctx)
        if i - 1 in mentions:
            role = _one(ctx, ["the account manager", "the supplier's contact", "the named representative"])
            body += f" Questions about this clause are handled by {old}, {role} of {supplier}."
        paragraphs.append(("Text Body", body))
    paragraphs.append(("Text Body", f"Signed for {supplier} by {old}, Account Manager."))
    expected = [(s, t.replace(old, new)) for s, t in paragraphs]
    _write(ctx, paragraphs, expected)
    ctx.public.update(old_name=old, new_name=new)
    return {"old": old, "new": new, "count": count + 1}


def fix_report_errors(ctx: SetupContext) -> dict:
    """A quarterly report of 12-16 sections in which 4-6 figures were typed wrong; the corrections are listed."""
    titles, bodies = _report(ctx, int(ctx.rng.integers(12, 17)))
    fixes_at = sorted(int(i) for i in ctx.rng.choice(len(titles), size=ctx.params["count"], replace=False))
    used: set[str] = set()
    fixes = []
    for s in fixes_at:
        wrong = right = ""
        while not wrong or wrong in used or right in used:
            amount = int(ctx.rng.integers(120, 990)) * 1000 + int(ctx.rng.integers(1, 99)) * 10
            wrong, right = f"${amount:,}", f"${amount + int(ctx.rng.integers(1, 90)) * 1000:,}"
        used |= {wrong, right}
        item = _one(ctx, ["budget", "spending", "income", "cost saving", "forecast"])
        bodies[s][0] += f" The {item} for this area in the quarter was {wrong}."
        fixes.append({"section": titles[s], "wrong": wrong, "right": right, "item": item})
    paragraphs = [("Title", f"Quarterly Operations Report, {_one(ctx, MONTHS)} 2026")]
    expected = list(paragraphs)
    for title, body in zip(titles, bodies, strict=True):
        paragraphs.append(("Heading 1", title))
        expected.append(("Heading 1", title))
        for text in body:
            paragraphs.append(("Text Body", text))
            fixed = text
            for f in fixes:
                fixed = fixed.replace(f["wrong"], f["right"])
            expected.append(("Text Body", fixed))
    _write(ctx, paragraphs, expected)
    ctx.public["corrections"] = "; ".join(
        f"in section \"{f['section']}\" the {f['item']} reads {f['wrong']} but should be {f['right']}" for f in fixes)
    return {"fixes": [{"wrong": f["wrong"], "right": f["right"]} for f in fixes]}


LETTER_FIELDS = ["[Date]", "[Recipient name]", "[Company]", "[Street address]", "[City and ZIP]", "[Invoice number]",
                 "[Amount due]", "[Due date]", "[Sender name]"]


def fill_letter_template(ctx: SetupContext) -> dict:
    """A payment-reminder letter template with 9 bracketed fields; the values are given in the instruction."""
    recipient, sender, company = _person(ctx), _person(ctx), _company(ctx)
    city, zip_code = _one(ctx, CITIES)
    month = int(ctx.rng.integers(0, 11))
    values = {
        "[Date]": f"{MONTHS[month]} {int(ctx.rng.integers(1, 28))}, 2026",
        "[Recipient name]": recipient,
        "[Company]": company,
        "[Street address]": f"{int(ctx.rng.integers(2, 990))} {_one(ctx, STREETS)}",
        "[City and ZIP]": f"{city}, {zip_code}",
        "[Invoice number]": f"INV-{int(ctx.rng.integers(10000, 99999))}",
        "[Amount due]": f"${int(ctx.rng.integers(300, 40000)):,}.{int(ctx.rng.integers(0, 100)):02d}",
        "[Due date]": f"{MONTHS[month + 1]} {int(ctx.rng.integers(1, 28))}, 2026",
        "[Sender name]": sender,
    }
    paragraphs = [
        ("Standard", "[Date]"), ("Standard", ""), ("Standard", "[Recipient name]"), ("Standard", "[Company]"),
        ("Standard", "[Street address]"), ("Standard", "[City and ZIP]"), ("Standard", ""),
        ("Text Body", "Re: Payment reminder for invoice [Invoice number]"),
        ("Text Body", "Dear Sir or Madam,"),
        ("Text Body", "According to our records, invoice [Invoice number] for [Amount due] has not yet been paid. "
                      + _paragraph(ctx, 1, 2)),
        ("Text Body", "We kindly ask you to settle the outstanding amount of [Amount due] by [Due date]. If you "
                      "have already made the payment, please disregard this letter and accept our thanks."),
        ("Text Body", _paragraph(ctx, 2, 3)),
        ("Text Body", "Yours faithfully,"), ("Standard", ""), ("Standard", "[Sender name]"),
        ("Standard", "Accounts Receivable"),
    ]
    expected = []
    for style, text in paragraphs:
        for field, value in values.items():
            text = text.replace(field, value)
        expected.append((style, text))
    _write(ctx, paragraphs, expected)
    ctx.public["values"] = "; ".join(f"{k} = {v}" for k, v in values.items())
    return {"fields": [[k, v] for k, v in values.items()]}


def apply_heading_styles(ctx: SetupContext) -> dict:
    """An annual report of 24-30 numbered sections whose titles were typed as plain body text."""
    titles, bodies = _report(ctx, ctx.params["sections"])
    paragraphs = [("Title", f"Annual Report {int(ctx.rng.integers(2019, 2026))}")]
    expected = list(paragraphs)
    for title, body in zip(titles, bodies, strict=True):
        paragraphs.append(("Text Body", title))
        expected.append(("Heading 1", title))
        paragraphs += [("Text Body", text) for text in body]
        expected += [("Text Body", text) for text in body]
    _write(ctx, paragraphs, expected)
    return {"headings": titles}


def reorder_sections(ctx: SetupContext) -> dict:
    """A project proposal of 8-12 sections; one section (title and body) must move before another."""
    titles, bodies = _report(ctx, int(ctx.rng.integers(8, 13)))
    # the moved section is never the last one (its body then ends the document, without a paragraph break)
    before, moved = sorted(int(i) for i in ctx.rng.choice(len(titles) - 1, size=2, replace=False))
    paragraphs = [("Title", f"Proposal for {_company(ctx)}")]
    for title, body in zip(titles, bodies, strict=True):
        paragraphs += [("Heading 1", title), *(("Text Body", t) for t in body)]
    order = list(range(len(titles)))
    order.remove(moved)
    order.insert(order.index(before), moved)
    expected = paragraphs[:1]
    for s in order:
        expected += [("Heading 1", titles[s]), *(("Text Body", t) for t in bodies[s])]
    _write(ctx, paragraphs, expected)
    ctx.public.update(moved=titles[moved], before=titles[before])
    return {"moved": titles[moved], "before": titles[before], "paragraphs": len(bodies[moved]) + 1}


TEAM_ROLES = ["Project lead", "Finance contact", "Site manager", "Buyer", "Quality lead", "IT contact",
              "HR partner", "Logistics planner", "Legal adviser", "Communications"]


def build_contact_table(ctx: SetupContext) -> dict:
    """A project kick-off memo that says "the contacts are listed in the table below"; the table is missing."""
    count = ctx.params["rows"]
    people: list[str] = []
    while len(people) < count:
        name = _person(ctx)
        if name not in people:
            people.append(name)
    roles = _pick(ctx, TEAM_ROLES, count)
    rows = [["Name", "Role", "Extension"]]
    extensions = _pick(ctx, list(range(2100, 2999)), count)
    rows += [[p, r, str(e)] for p, r, e in zip(people, roles, extensions, strict=True)]
    project = _one(ctx, ["Warehouse Move", "Payroll Upgrade", "Customer Portal", "Fleet Renewal", "Data Migration"])
    anchor = f"The contacts for the {project} project are listed in the table below."
    paragraphs = [("Title", f"Memo: {project} kick-off"), ("Text Body", _paragraph(ctx)),
                  ("Text Body", _paragraph(ctx)), ("Text Body", anchor), ("Text Body", _paragraph(ctx)),
                  ("Text Body", _paragraph(ctx, 2, 3))]
    _write(ctx, paragraphs, paragraphs)
    ctx.public["anchor"] = anchor
    ctx.public["contacts"] = "; ".join(f"{r[0]}, {r[1]}, {r[2]}" for r in rows[1:])
    return {"rows": rows}
