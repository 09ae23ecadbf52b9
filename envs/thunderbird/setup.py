"""Setup for Thunderbird tasks: write the Office Mail account's folders (an inbox of 80-160 seeded messages, the
folders a task files into) into the profile of HOME, keep what the verifier needs in the private folder.

Everything is drawn from the instance's generator: people, companies and addresses from ``ctx.faker()``, the
kinds of message, subjects, bodies and dates from ``ctx.rng``. Verifiers compare the folders Thunderbird saved
with the start inbox, kept as ``inbox.json`` (Message-ID, sender, subject of every message) in the private
folder, so setup returns only what the oracle needs and what the instruction states.
"""

from __future__ import annotations

import hashlib
import json
import re

from gym_anything.authoring import SetupContext

from .mbox import OFFICE, Mail, dated, message_id, write_folder

CLIENT_TOPICS = [
    "Revised quote for the {item}", "Delivery schedule for the {item}", "Question about invoice {inv}",
    "Change request: {item}", "Meeting notes from {day}", "Contract renewal for {year}", "Order {po} confirmation",
    "Follow-up on the {item} proposal", "Updated specification for the {item}", "Payment for invoice {inv}",
    "Site visit on {day}", "Complaint about order {po}", "Pricing for the {item}", "Status of order {po}"]
ITEMS = ["office furniture", "server maintenance", "warehouse shelving", "staff training", "fleet leasing",
         "catering contract", "cleaning services", "printing supplies", "security upgrade", "website redesign",
         "payroll software", "HVAC service", "packaging materials", "marketing campaign", "safety equipment"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
INTERNAL_TOPICS = [
    "Team meeting moved to {day}", "Expense reports due {day}", "Holiday rota for December",
    "Updated travel policy", "Fire drill on {day}", "New starter next week", "Quarterly figures",
    "Parking permits", "IT maintenance window on {day}", "Office move: packing boxes", "Budget review {day}",
    "Reminder: timesheets", "Training sign-up", "Kitchen rota", "Printer on the second floor"]
NEWSLETTER_TOPICS = [
    "Your weekly digest", "This month's offers", "Webinar invitation: {item}", "New in our catalogue",
    "Last chance: 20% off {item}", "Industry news roundup", "Your account summary", "Event reminder"]
SENTENCES = [
    "Could you have a look at this before the end of the week?", "I have attached the figures we discussed.",
    "Please let me know if anything is unclear.", "We would like to confirm the dates as soon as possible.",
    "The team is waiting for your go-ahead.", "Thanks again for your quick reply last time.",
    "I will be out of the office on {day}, so please copy my colleague.", "The numbers are in line with last month.",
    "We can discuss the details on a call if that is easier.", "Our finance team has asked for a purchase order.",
    "The delivery address is unchanged.", "I have copied the project lead for visibility.",
    "We noticed a small difference in the totals.", "Let us know which option you prefer.",
    "The revised version is below.", "Happy to adjust the timeline if needed."]


def _fill(ctx: SetupContext, template: str) -> str:
    return template.format(item=ITEMS[int(ctx.rng.integers(len(ITEMS)))], day=DAYS[int(ctx.rng.integers(5))],
                           inv=f"INV-{int(ctx.rng.integers(10000, 99999))}",
                           po=f"PO-{int(ctx.rng.integers(1000, 9999))}", year=2027)


def _body(ctx: SetupContext, greeting: str, signature: str, low: int = 2, high: int = 5) -> str:
    count = int(ctx.rng.integers(low, high + 1))
    picks = [SENTENCES[int(i)] for i in ctx.rng.choice(len(SENTENCES), size=count, replace=False)]
    return f"{greeting},\n\n" + " ".join(_fill(ctx, s) for s in picks) + f"\n\nBest regards,\n{signature}\n"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


class Office:
    """The cast of an inbox: client companies with their contacts, colleagues, newsletter senders."""

    def __init__(self, ctx: SetupContext, clients: int = 8) -> None:
        self.ctx = ctx
        self.fake = ctx.faker()
        self.clients: list[dict] = []
        seen: set[str] = set()
        while len(self.clients) < clients:
            company = self.fake.company().replace(",", "")
            name = company.split()[0].rstrip("-")
            domain = f"{_slug(company.split()[0])}-{_slug(self.fake.word())}.com"
            if name in seen or len(_slug(name)) < 4:
                continue
            seen.add(name)
            people = [self._person(domain) for _ in range(int(ctx.rng.integers(2, 4)))]
            self.clients.append({"company": company, "name": name, "domain": domain, "people": people})
        self.colleagues: list[dict] = []
        while len(self.colleagues) < 6:
            person = self._person("office.example")
            if person["address"] not in {p["address"] for p in self.colleagues}:
                self.colleagues.append(person)
        self.newsletters: list[dict] = []
        while len(self.newsletters) < 4:
            brand = self.fake.company().split()[0].rstrip(",")
            if brand in seen or len(_slug(brand)) < 4:
                continue
            seen.add(brand)
            self.newsletters.append({"name": f"{brand} News", "address": f"news@{_slug(brand)}-mail.com"})

    def _person(self, domain: str) -> dict:
        first, last = self.fake.first_name(), self.fake.last_name()
        return {"first": first, "last": last, "name": f"{first} {last}",
                "address": f"{_slug(first)}.{_slug(last)}@{domain}", "title": self.fake.job(),
                "phone": self.fake.numerify("+1-###-###-####")}

    def client_mail(self, index: int, client: dict, person: dict | None = None) -> Mail:
        ctx = self.ctx
        person = person or client["people"][int(ctx.rng.integers(len(client["people"])))]
        subject = _fill(ctx, CLIENT_TOPICS[int(ctx.rng.integers(len(CLIENT_TOPICS)))])
        sig = f"{person['name']}\n{person['title']}\n{client['company']}\n{person['phone']}"
        return Mail(message_id(index, client["domain"], ctx.rng), person["name"], person["address"], subject,
                    _body(ctx, "Hello Alex", sig), dated(ctx.rng), status=int(ctx.rng.random() < 0.6))

    def internal_mail(self, index: int) -> Mail:
        ctx = self.ctx
        person = self.colleagues[int(ctx.rng.integers(len(self.colleagues)))]
        subject = _fill(ctx, INTERNAL_TOPICS[int(ctx.rng.integers(len(INTERNAL_TOPICS)))])
        return Mail(message_id(index, "office.example", ctx.rng), person["name"], person["address"], subject,
                    _body(ctx, "Hi all", person["name"], 1, 3), dated(ctx.rng), status=int(ctx.rng.random() < 0.6))

    def newsletter_mail(self, index: int, sender: dict | None = None) -> Mail:
        ctx = self.ctx
        sender = sender or self.newsletters[int(ctx.rng.integers(len(self.newsletters)))]
        subject = _fill(ctx, NEWSLETTER_TOPICS[int(ctx.rng.integers(len(NEWSLETTER_TOPICS)))])
        body = ("View this email in your browser.\n\n" + " ".join(self.fake.sentences(4))
                + "\n\nYou receive this newsletter because you subscribed. Unsubscribe at any time.\n")
        return Mail(message_id(index, sender["address"].split("@")[1], ctx.rng), sender["name"], sender["address"],
                    subject, body, dated(ctx.rng), status=int(ctx.rng.random() < 0.3))

    def inbox(self, size: int, weights=(0.6, 0.25, 0.15)) -> list[Mail]:
        """``size`` messages: client mail, internal mail and newsletters in about these shares."""
        mails = []
        for i in range(size):
            kind = self.ctx.rng.choice(3, p=list(weights))
            if kind == 0:
                mails.append(self.client_mail(i, self.clients[int(self.ctx.rng.integers(len(self.clients)))]))
            elif kind == 1:
                mails.append(self.internal_mail(i))
            else:
                mails.append(self.newsletter_mail(i))
        return mails


def _digest(values: list[str]) -> str:
    """A fingerprint of private values (Message-IDs are in HOME, so they are never returned themselves)."""
    return hashlib.sha256("\n".join(values).encode()).hexdigest()[:16]


def _keep_inbox(ctx: SetupContext, mails: list[Mail]) -> None:
    rows = [{"msgid": m.msgid, "address": m.address, "subject": m.subject, "status": m.status} for m in mails]
    (ctx.private / "inbox.json").write_text(json.dumps(rows), encoding="utf-8")


def _account(ctx: SetupContext, inbox: list[Mail], extra: dict[str, list[Mail]] | None = None) -> None:
    """The Office Mail folders: Inbox, Drafts, Sent, Trash (empty) and ``extra`` (folder path -> messages)."""
    write_folder(ctx.home, OFFICE / "Inbox", inbox)
    for name in ("Drafts", "Sent", "Trash"):
        write_folder(ctx.home, OFFICE / name, [])
    for rel, mails in (extra or {}).items():
        parts = rel.split("/")
        for depth in range(1, len(parts)):
            write_folder(ctx.home, OFFICE / "/".join(p + ".sbd" for p in parts[:depth - 1]) / parts[depth - 1], [])
        path = "/".join(p + ".sbd" for p in parts[:-1])
        write_folder(ctx.home, OFFICE / path / parts[-1] if path else OFFICE / parts[-1], mails)
    _keep_inbox(ctx, inbox)


def _ensure(ctx: SetupContext, mails: list[Mail], match, make, low: int, high: int) -> list[Mail]:
    """``mails`` without the messages ``match`` picks, plus ``low``-``high`` new ones from ``make(index)``."""
    kept = [m for m in mails if not match(m)]
    base = len(mails) + 1000
    kept += [make(base + j) for j in range(int(ctx.rng.integers(low, high + 1)))]
    return kept


def _shuffled(ctx: SetupContext, mails: list[Mail]) -> list[Mail]:
    return [mails[int(i)] for i in ctx.rng.permutation(len(mails))]


def _targets(ctx: SetupContext, groups: dict[str, list[str]]) -> dict:
    """Keep each group's Message-IDs as ``targets.json``; return their counts and a fingerprint."""
    groups = {k: sorted(v) for k, v in groups.items()}
    (ctx.private / "targets.json").write_text(json.dumps(groups), encoding="utf-8")
    every = [i for v in groups.values() for i in v]
    return {"counts": {k: len(v) for k, v in groups.items()}, "digest": _digest(every)}


def _client_folders(office: Office) -> tuple[list[str], dict[str, list[Mail]]]:
    names = sorted((c["name"] for c in office.clients), key=str.lower)
    return names, {"Clients": [], **{f"Clients/{n}": [] for n in names}}


def file_client_mail(ctx: SetupContext) -> dict:
    """An inbox of 80-140 messages from 8 client companies, colleagues and newsletters; the messages of one client
    (8-16) must go into its folder under Clients, where every client has a folder."""
    office = Office(ctx)
    target = office.clients[0]
    mails = office.inbox(int(ctx.rng.integers(80, 141)))
    mails = _shuffled(ctx, _ensure(ctx, mails, lambda m: m.domain == target["domain"],
                                   lambda i: office.client_mail(i, target), 8, 16))
    folder_names, extra = _client_folders(office)
    _account(ctx, mails, extra)
    ctx.public.update(company=target["company"], domain=target["domain"], folder=f"Clients/{target['name']}")
    moved = sorted(m.msgid for m in mails if m.domain == target["domain"])
    (ctx.private / "moved.json").write_text(json.dumps(moved), encoding="utf-8")
    return {"count": len(moved), "digest": _digest(moved), "folder_names": folder_names}


def _and(items: list[str]) -> str:
    return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else items[0]


def tag_key_accounts(ctx: SetupContext) -> dict:
    """An inbox of 90-150 messages; the 3 key accounts among the 8 clients sent 5-10 messages each, to be tagged
    Important."""
    office = Office(ctx)
    keys = office.clients[:3]
    groups = _inbox_with(ctx, office, int(ctx.rng.integers(90, 151)),
                         {c["domain"]: (lambda i, c=c: office.client_mail(i, c)) for c in keys}, 5, 10)
    ctx.public["accounts"] = _and([f"{c['company']} (addresses at {c['domain']})" for c in keys])
    return {"domains": [c["domain"] for c in keys], **_targets(ctx, groups)}


def _inbox_with(ctx: SetupContext, office: Office, size: int, makers: dict, low: int, high: int) -> dict:
    """Write an inbox of about ``size`` messages in which each sender key of ``makers`` (an address, or a domain)
    sent ``low``-``high`` messages, made by its function; the Message-IDs per key."""
    def match(m: Mail, key: str) -> bool:
        return key in (m.address, m.domain)

    mails = office.inbox(size)
    for key, make in makers.items():
        mails = _ensure(ctx, mails, lambda m, k=key: match(m, k), make, low, high)
    mails = _shuffled(ctx, mails)
    _account(ctx, mails, _client_folders(office)[1])
    return {key: [m.msgid for m in mails if match(m, key)] for key in makers}


def star_invoice_mail(ctx: SetupContext) -> dict:
    """An inbox of 90-150 messages of which 8-16 client messages are about an invoice (INV-number in the
    subject): star them and tag them To Do."""
    office = Office(ctx)
    mails = office.inbox(int(ctx.rng.integers(90, 151)))
    invoice = [t for t in CLIENT_TOPICS if "{inv}" in t]

    def make(i: int) -> Mail:
        m = office.client_mail(i, office.clients[int(ctx.rng.integers(len(office.clients)))])
        m.subject = _fill(ctx, invoice[int(ctx.rng.integers(len(invoice)))])
        return m

    mails = _shuffled(ctx, _ensure(ctx, mails, lambda m: "INV-" in m.subject, make, 8, 16))
    _account(ctx, mails, _client_folders(office)[1])
    return _targets(ctx, {"invoices": [m.msgid for m in mails if "INV-" in m.subject]})


def delete_newsletters(ctx: SetupContext) -> dict:
    """An inbox of 90-150 messages with newsletters from 4 senders; those of 2 senders (4-9 each) must be
    deleted, the other newsletters kept."""
    office = Office(ctx)
    gone = office.newsletters[:2]
    groups = _inbox_with(ctx, office, int(ctx.rng.integers(90, 151)),
                         {s["address"]: (lambda i, s=s: office.newsletter_mail(i, s)) for s in office.newsletters},
                         4, 9)
    ctx.public["senders"] = _and([f"{s['name']} <{s['address']}>" for s in gone])
    return {"addresses": [s["address"] for s in gone],
            **_targets(ctx, {s["address"]: groups[s["address"]] for s in gone})}


REPLIES = [
    "Thank you for your message. I have passed it on to our {team} team and will come back to you by {day}.",
    "Many thanks, this is noted. Our {team} team is looking into it and I will confirm the details by {day}.",
    "Thanks for getting in touch. I have asked the {team} team to review this and will reply in full by {day}.",
]
TEAMS = ["finance", "logistics", "purchasing", "customer service", "operations", "billing", "contracts"]


def draft_replies(ctx: SetupContext) -> dict:
    """An inbox of 80-140 messages; one client contact sent 3-5 of them: reply to each with the given text, saved
    as a draft."""
    office = Office(ctx)
    client = office.clients[0]
    person = client["people"][0]
    mails = office.inbox(int(ctx.rng.integers(80, 141)))
    mails = _shuffled(ctx, _ensure(ctx, mails, lambda m: m.address == person["address"],
                                   lambda i: office.client_mail(i, client, person), 3, 5))
    _account(ctx, mails, _client_folders(office)[1])
    text = REPLIES[int(ctx.rng.integers(len(REPLIES)))].format(
        team=TEAMS[int(ctx.rng.integers(len(TEAMS)))], day=DAYS[int(ctx.rng.integers(5))])
    ctx.public.update(person=person["name"], address=person["address"], company=client["company"], reply=text)
    return {"address": person["address"], "reply": text,
            **_targets(ctx, {"replies": [m.msgid for m in mails if m.address == person["address"]]})}


def triage_inbox(ctx: SetupContext) -> dict:
    """An inbox of 120-180 messages to triage by four rules: the mail of 3 clients into their folders, the
    newsletters of 2 senders deleted, the messages of the office manager tagged Important."""
    office = Office(ctx)
    clients, news, boss = office.clients[:3], office.newsletters[:2], office.colleagues[0]
    mails = office.inbox(int(ctx.rng.integers(120, 181)))
    for c in clients:
        mails = _ensure(ctx, mails, lambda m, c=c: m.domain == c["domain"], lambda i, c=c: office.client_mail(i, c),
                        5, 10)
    for s in news:
        mails = _ensure(ctx, mails, lambda m, s=s: m.address == s["address"],
                        lambda i, s=s: office.newsletter_mail(i, s), 3, 7)

    def from_boss(i: int) -> Mail:
        m = office.internal_mail(i)
        m.sender, m.address = boss["name"], boss["address"]
        return m

    mails = _shuffled(ctx, _ensure(ctx, mails, lambda m: m.address == boss["address"], from_boss, 3, 6))
    folder_names, extra = _client_folders(office)
    _account(ctx, mails, extra)
    ctx.public.update(
        filing="; ".join(f"the mail from {c['company']} (addresses at {c['domain']}) into Clients/{c['name']}"
                         for c in clients),
        senders=_and([f"{s['name']} <{s['address']}>" for s in news]),
        manager=f"{boss['name']} <{boss['address']}>")
    groups = {f"file:{c['name']}": [m.msgid for m in mails if m.domain == c["domain"]] for c in clients}
    groups.update({f"delete:{s['address']}": [m.msgid for m in mails if m.address == s["address"]] for s in news})
    groups["tag:" + boss["address"]] = [m.msgid for m in mails if m.address == boss["address"]]
    return {"folder_names": folder_names, "clients": [[c["domain"], c["name"]] for c in clients],
            "newsletters": [s["address"] for s in news], "manager": boss["address"], **_targets(ctx, groups)}
