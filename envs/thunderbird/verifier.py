"""Verifiers for Thunderbird tasks: read the mbox folders (and address book) Thunderbird saved in the profile.

Setup keeps the start inbox as ``inbox.json`` (Message-ID, sender address, subject, flags of every message) and
the task's targets in the private folder. A message counts where its mbox holds it without the deleted flag (a
moved message stays flagged deleted in its old folder until compaction); ``mbox.py`` reads them. Every verifier
gates on the mail as a whole: every start message is still in exactly one folder of the account (nothing lost,
deleted or duplicated) unless the task says otherwise, and no message the task does not name was moved.
"""

from __future__ import annotations

import json
import re

from gym_anything.authoring import VerifyContext

from .mbox import FLAGGED, OFFICE, TAGS, Saved, folders, read_folder


def _private(ctx: VerifyContext, name: str):
    return json.loads((ctx.private_dir / name).read_text("utf-8"))


def _mail(ctx: VerifyContext) -> dict[str, list[Saved]]:
    """Every folder of the Office Mail account with its messages; gate: the Inbox exists."""
    paths = folders(ctx.home, OFFICE)
    ctx.require("the Inbox folder exists", "Inbox" in paths, ", ".join(paths) or "no folders")
    return {name: read_folder(path) for name, path in paths.items()}


def _where(mail: dict[str, list[Saved]]) -> dict[str, list[str]]:
    """Message-ID -> the folders holding it (once per copy)."""
    out: dict[str, list[str]] = {}
    for name, msgs in mail.items():
        for m in msgs:
            out.setdefault(m.msgid, []).append(name)
    return out


def _short(ids: list[str], limit: int = 3) -> str:
    return ", ".join(ids[:limit]) + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def _each_once(ctx: VerifyContext, start: list[dict], where: dict[str, list[str]], allowed_gone=()) -> None:
    """Gate: every start message (but those in ``allowed_gone``) is in exactly one folder."""
    gone = [r["msgid"] for r in start if r["msgid"] not in where and r["msgid"] not in allowed_gone]
    ctx.require("no message lost or deleted", not gone, f"missing: {_short(gone)}" if gone else "all there")
    twice = [i for i, f in where.items() if len(f) > 1]
    ctx.require("no message copied twice", not twice, f"in several folders: {_short(twice)}" if twice else "none")


def _stayed(ctx: VerifyContext, start: list[dict], where: dict[str, list[str]], targets: set[str]) -> None:
    """Gate: every start message not in ``targets`` is still in the Inbox."""
    moved = [f"{r['subject']!r} ({'/'.join(where.get(r['msgid'], ['?']))})" for r in start
             if r["msgid"] not in targets and where.get(r["msgid"]) != ["Inbox"]]
    ctx.require("every other message left in the Inbox", not moved, _short(moved) if moved else "untouched")


def _placed(ctx: VerifyContext, where: dict[str, list[str]], allowed: dict[str, set]) -> None:
    """Gate: each message of ``allowed`` (Message-ID -> the folders it may be in; None: deleted for good) is in
    one of them."""
    wrong = [f"{i} in {where.get(i)}" for i, places in allowed.items()
             if (where[i][0] if i in where else None) not in places]
    ctx.require("no message filed into a wrong folder", not wrong, _short(wrong) if wrong else "none")


def file_client_mail(ctx: VerifyContext) -> None:
    """Gates: nothing lost or copied, every other message still in the Inbox, the folder holds nothing else;
    scored: every client message in the folder (weight 2), none left in the Inbox."""
    start, targets = _private(ctx, "inbox.json"), set(_private(ctx, "moved.json"))
    mail = _mail(ctx)
    where = _where(mail)
    folder = ctx.public["folder"]
    ctx.require(f"the folder {folder} exists", folder in mail, ", ".join(mail))
    _each_once(ctx, start, where)
    _stayed(ctx, start, where, targets)
    _placed(ctx, where, {i: {"Inbox", folder} for i in targets})
    extra = [m.subject for m in mail[folder] if m.msgid not in targets]
    ctx.require(f"{folder} holds only the client's messages", not extra, _short(extra) if extra else "only those")
    filed = sum(1 for i in targets if where.get(i) == [folder])
    ctx.check(f"all {len(targets)} messages from {ctx.public['domain']} in {folder}", filed == len(targets),
              f"{filed} of {len(targets)} filed", weight=2)
    left = sum(1 for i in targets if where.get(i) == ["Inbox"])
    ctx.check("none of them left in the Inbox", left == 0, f"{left} still in the Inbox")


def _flags_kept(ctx: VerifyContext, start: list[dict], saved: dict[str, Saved],
                starred: set[str] = frozenset()) -> None:
    """Gate: no message but ``starred`` was starred or unstarred."""
    changed = [r["subject"] for r in start if r["msgid"] in saved and r["msgid"] not in starred
               and saved[r["msgid"]].flagged != bool(r["status"] & FLAGGED)]
    ctx.require("no other message starred or unstarred", not changed, _short(changed) if changed else "none")


def _tags_kept(ctx: VerifyContext, start: list[dict], saved: dict[str, Saved], tagged: set[str] = frozenset()) -> None:
    """Gate: no message but ``tagged`` carries a tag (the start inbox has none)."""
    changed = [f"{saved[r['msgid']].subject!r} {saved[r['msgid']].keys}" for r in start
               if r["msgid"] in saved and r["msgid"] not in tagged and saved[r["msgid"]].keys]
    ctx.require("no other message tagged", not changed, _short(changed) if changed else "none")


def _by_id(mail: dict[str, list[Saved]]) -> dict[str, Saved]:
    return {m.msgid: m for msgs in mail.values() for m in msgs}


def _all_in_inbox(ctx: VerifyContext) -> tuple[list[dict], dict, dict[str, list[Saved]], dict[str, Saved]]:
    """(start inbox, targets, the saved folders, the saved messages by Message-ID); gates: every start message
    still in the Inbox, once."""
    start, groups = _private(ctx, "inbox.json"), _private(ctx, "targets.json")
    mail = _mail(ctx)
    where = _where(mail)
    _each_once(ctx, start, where)
    _stayed(ctx, start, where, set())
    return start, groups, mail, _by_id(mail)


def tag_key_accounts(ctx: VerifyContext) -> None:
    """Gates: every message still in the Inbox, once; no other message tagged; no star changed; scored: per key
    account, all its messages tagged Important and nothing else."""
    start, groups, mail, saved = _all_in_inbox(ctx)
    targets = {i for ids in groups.values() for i in ids}
    _tags_kept(ctx, start, saved, targets)
    _flags_kept(ctx, start, saved)
    for domain, ids in groups.items():
        right = sum(1 for i in ids if saved[i].keys == [TAGS["Important"]])
        ctx.check(f"the {len(ids)} messages from {domain} tagged Important (only)", right == len(ids),
                  f"{right} of {len(ids)}; tags found: {sorted({k for i in ids for k in saved[i].keys})}")


def star_invoice_mail(ctx: VerifyContext) -> None:
    """Gates: every message still in the Inbox, once; no other message starred or tagged; scored: every invoice
    message starred, every invoice message tagged To Do (and only that)."""
    start, groups, mail, saved = _all_in_inbox(ctx)
    ids = groups["invoices"]
    _tags_kept(ctx, start, saved, set(ids))
    _flags_kept(ctx, start, saved, set(ids))
    starred = sum(1 for i in ids if saved[i].flagged)
    ctx.check(f"all {len(ids)} invoice messages starred", starred == len(ids), f"{starred} of {len(ids)} starred")
    tagged = sum(1 for i in ids if saved[i].keys == [TAGS["To Do"]])
    ctx.check(f"all {len(ids)} invoice messages tagged To Do (only)", tagged == len(ids),
              f"{tagged} of {len(ids)}; tags found: {sorted({k for i in ids for k in saved[i].keys})}")


def _deleted(ctx: VerifyContext, mail: dict[str, list[Saved]], where: dict[str, list[str]], ids: list[str],
             what: str) -> None:
    """Scored: none of ``ids`` is in a folder other than Trash (deleted to Trash or for good)."""
    kept = [i for i in ids if any(f != "Trash" for f in where.get(i, []))]
    ctx.check(f"the {len(ids)} messages {what} deleted", not kept,
              f"{len(kept)} still in {sorted({f for i in kept for f in where[i]})}" if kept else "all deleted")


def _trash_only(ctx: VerifyContext, mail: dict[str, list[Saved]], targets: set[str]) -> None:
    extra = [m.subject for m in mail.get("Trash", []) if m.msgid not in targets]
    ctx.require("nothing else in Trash", not extra, _short(extra) if extra else "only those")


def delete_newsletters(ctx: VerifyContext) -> None:
    """Gates: every other message still in the Inbox, once; Trash holds only those newsletters; scored: per
    sender, none of its newsletters left outside Trash."""
    start, groups = _private(ctx, "inbox.json"), _private(ctx, "targets.json")
    mail = _mail(ctx)
    where = _where(mail)
    targets = {i for ids in groups.values() for i in ids}
    _each_once(ctx, start, where, allowed_gone=targets)
    _stayed(ctx, start, where, targets)
    _trash_only(ctx, mail, targets)
    for address, ids in groups.items():
        _deleted(ctx, mail, where, ids, f"from {address}")


def _unflow(text: str) -> str:
    return " ".join(text.split())


def _above_quote(body: str) -> str:
    """A reply's own text: what comes before the quoted original ("On <date>, <name> wrote:" and "> " lines)."""
    lines = body.splitlines()
    for n, line in enumerate(lines):
        if line.startswith(">") or re.match(r"^On .+ wrote:\s*$", line):
            return "\n".join(lines[:n])
    return body


def draft_replies(ctx: VerifyContext) -> None:
    """Gates: the Inbox unchanged, nothing sent or queued, Drafts holds only replies to those messages, one each;
    scored: per message, a draft replying to it (In-Reply-To), addressed to the sender, starting with the text."""
    start, ids = _private(ctx, "inbox.json"), _private(ctx, "targets.json")["replies"]
    mail = _mail(ctx)
    where = _where(mail)
    _each_once(ctx, start, where)
    _stayed(ctx, start, where, set())
    sent = [m.subject for name in ("Sent", "Unsent Messages") for m in mail.get(name, [])]
    ctx.require("nothing sent or queued to send", not sent, _short(sent) if sent else "Sent and Outbox empty")
    drafts = mail.get("Drafts", [])
    stray = [m.subject for m in drafts if m.in_reply_to not in ids]
    ctx.require("Drafts holds only replies to those messages", not stray, _short(stray) if stray else "only those")
    twice = sorted({m.in_reply_to for m in drafts if sum(d.in_reply_to == m.in_reply_to for d in drafts) > 1})
    ctx.require("one draft per message", not twice, f"several drafts answer {_short(twice)}" if twice else "one each")
    subjects = {r["msgid"]: r["subject"] for r in start}
    want = _unflow(ctx.private["reply"])
    for n, i in enumerate(ids, start=1):
        name = f"reply {n} of {len(ids)} ({subjects[i]!r}) saved as a draft with the text"
        draft = next((d for d in drafts if d.in_reply_to == i), None)
        if draft is None:
            ctx.check(name, False, "no draft replies to it")
            continue
        to_ok = ctx.private["address"] in draft.to.lower()
        text = _unflow(_above_quote(draft.body))
        ctx.check(name, to_ok and text == want, f"to {draft.to!r}; text above the quote {text[:len(want) + 30]!r}")


def triage_inbox(ctx: VerifyContext) -> None:
    """Gates: nothing lost but the deleted newsletters, nothing copied, every message no rule names still in the
    Inbox, untagged and unstarred; Trash and each client folder hold nothing else; scored: each rule's messages
    (filed, deleted, tagged Important), one item per client, sender and the manager."""
    start, groups = _private(ctx, "inbox.json"), _private(ctx, "targets.json")
    mail = _mail(ctx)
    where = _where(mail)
    deleted = {i for k, ids in groups.items() if k.startswith("delete:") for i in ids}

    _each_once(ctx, start, where, allowed_gone=deleted)
    tagged = {i for k, ids in groups.items() if k.startswith("tag:") for i in ids}
    filed = {i for k, ids in groups.items() if k.startswith("file:") for i in ids}
    _stayed(ctx, start, where, filed | deleted)
    places = {i: {"Inbox", "Trash", None} for i in deleted}
    places.update({i: {"Inbox", f"Clients/{k.split(':', 1)[1]}"} for k, ids in groups.items() if k.startswith("file:")
                   for i in ids})
    _placed(ctx, where, places)
    saved = _by_id(mail)
    _tags_kept(ctx, start, saved, tagged)
    _flags_kept(ctx, start, saved)
    _trash_only(ctx, mail, deleted)
    for key, ids in groups.items():
        kind, name = key.split(":", 1)
        if kind == "file":
            folder = f"Clients/{name}"
            extra = [m.subject for m in mail.get(folder, []) if m.msgid not in ids]
            ctx.require(f"{folder} holds only that client's messages", not extra, _short(extra) if extra else "ok")
            done = sum(1 for i in ids if where.get(i) == [folder])
            ctx.check(f"the {len(ids)} messages of {name} filed in {folder}", done == len(ids),
                      f"{done} of {len(ids)} filed")
        elif kind == "delete":
            _deleted(ctx, mail, where, ids, f"from {name}")
        else:
            right = sum(1 for i in ids if i in saved and saved[i].keys == [TAGS["Important"]])
            ctx.check(f"the {len(ids)} messages from {name} tagged Important (only)", right == len(ids),
                      f"{right} of {len(ids)}")

