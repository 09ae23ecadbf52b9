"""Thunderbird's local mail folders, for setup and verifiers: write seeded mbox folders, read what Thunderbird saved.

Thunderbird keeps a local folder as one mbox file (``Mail/office/Inbox``; subfolders of ``Clients`` in
``Clients.sbd/``) next to a ``.msf`` index it rebuilds from the mbox. Every message written here starts with the
headers Thunderbird writes itself: ``X-Mozilla-Status`` (flags, in hex: 0x1 read, 0x2 replied, 0x4 flagged
(starred), 0x8 deleted), ``X-Mozilla-Status2`` and ``X-Mozilla-Keys`` padded with spaces (the tags, ``$label1``
Important ... ``$label5`` Later), so Thunderbird rewrites flags and tags in place in the mbox when the user changes
them. A message moved away or deleted stays in its old mbox with the 0x8 flag until the folder is compacted:
readers here leave such messages out.
"""

from __future__ import annotations

import email.policy
import email.utils
import mailbox
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path

PROFILE = Path(".thunderbird/agent")
OFFICE = PROFILE / "Mail/office"  # the "Office Mail" account's folders, relative to HOME
LOCAL = PROFILE / "Mail/Local Folders"
ME_NAME, ME_ADDRESS = "Alex Morgan", "alex.morgan@office.example"

READ, REPLIED, FLAGGED, DELETED = 0x1, 0x2, 0x4, 0x8
TAGS = {"Important": "$label1", "Work": "$label2", "Personal": "$label3", "To Do": "$label4", "Later": "$label5"}
KEYS_PAD = 80
START = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)  # Monday; every date is START plus a seeded offset


@dataclass
class Mail:
    """One message as setup writes it and a verifier reads it back."""
    msgid: str
    sender: str  # display name
    address: str
    subject: str
    body: str
    date: datetime
    to: str = f"{ME_NAME} <{ME_ADDRESS}>"
    status: int = 0
    keys: list[str] = field(default_factory=list)
    in_reply_to: str = ""
    cc: str = ""

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]


def message_id(index: int, domain: str, rng) -> str:
    return f"<{int(rng.integers(10**8, 10**9))}.{index}@{domain}>"


def dated(rng, days: int = 26) -> datetime:
    """A working-hours time within ``days`` days from START (seconds zero)."""
    day = START + timedelta(days=int(rng.integers(0, days)))
    return day.replace(hour=int(rng.integers(7, 18)), minute=int(rng.integers(0, 60)))


def _as_bytes(m: Mail) -> bytes:
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = email.utils.formataddr((m.sender, m.address))
    msg["To"] = m.to
    if m.cc:
        msg["Cc"] = m.cc
    msg["Subject"] = m.subject
    msg["Date"] = email.utils.format_datetime(m.date)
    msg["Message-ID"] = m.msgid
    if m.in_reply_to:
        msg["In-Reply-To"] = m.in_reply_to
        msg["References"] = m.in_reply_to
    msg["MIME-Version"] = "1.0"
    msg.set_content(m.body, charset="utf-8", cte="8bit")
    del msg["MIME-Version"]
    msg["MIME-Version"] = "1.0"
    head = (f"From - {m.date.strftime('%a %b %d %H:%M:%S %Y')}\r\n"
            f"X-Mozilla-Status: {m.status:04x}\r\nX-Mozilla-Status2: 00000000\r\n"
            f"X-Mozilla-Keys: {' '.join(m.keys).ljust(KEYS_PAD)}\r\n")
    raw = msg.as_bytes(policy=email.policy.SMTP)
    lines = raw.split(b"\r\n")
    body_start = lines.index(b"")
    body = [b">" + ln if ln.startswith(b"From ") and i > body_start else ln for i, ln in enumerate(lines)]
    return head.encode() + b"\r\n".join(body).rstrip(b"\r\n") + b"\r\n\r\n"


def write_folder(home: Path, relpath: str | Path, mails: list[Mail]) -> Path:
    """Write ``mails`` as the mbox at HOME/``relpath`` (parents and ``.sbd`` folders made)."""
    path = home / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(_as_bytes(m) for m in sorted(mails, key=lambda m: m.date)))
    return path


def subfolder(parent: str, name: str) -> str:
    """The mbox path of folder ``name`` inside ``parent`` (both relative to the account folder)."""
    return f"{parent}.sbd/{name}"


@dataclass
class Saved:
    """A message as Thunderbird saved it."""
    msgid: str
    address: str
    subject: str
    status: int
    keys: list[str]
    to: str
    in_reply_to: str
    body: str
    message: object

    @property
    def flagged(self) -> bool:
        return bool(self.status & FLAGGED)

    @property
    def read(self) -> bool:
        return bool(self.status & READ)


def _text(msg) -> str:
    part = msg.get_body(preferencelist=("plain", "html")) if hasattr(msg, "get_body") else msg
    if part is None:
        return ""
    try:
        return part.get_content()
    except (LookupError, KeyError):
        return part.get_payload(decode=True).decode("utf-8", "replace")


def read_folder(path: Path) -> list[Saved]:
    """The messages of an mbox that are not marked deleted, in file order; a missing file is an empty folder."""
    if not path.is_file():
        return []
    out = []
    box = mailbox.mbox(str(path), factory=lambda f: email.message_from_binary_file(f, policy=email.policy.default),
                       create=False)
    try:
        for msg in box:
            status = int((msg.get("X-Mozilla-Status") or "0").strip() or "0", 16)
            if status & DELETED:
                continue
            address = email.utils.parseaddr(str(msg.get("From", "")))[1].lower()
            out.append(Saved(msgid=str(msg.get("Message-ID", "")).strip(), address=address,
                             subject=str(msg.get("Subject", "")), status=status,
                             keys=str(msg.get("X-Mozilla-Keys", "")).split(), to=str(msg.get("To", "")),
                             in_reply_to=str(msg.get("In-Reply-To", "")).strip(), body=_text(msg), message=msg))
    finally:
        box.close()
    return out


def folders(home: Path, account: Path = OFFICE) -> dict[str, Path]:
    """Every mbox of an account by its folder path (``Inbox``, ``Clients/Acme``), from the files on disk."""
    root = home / account
    out = {}
    if not root.is_dir():
        return out
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix in {".msf", ".dat", ".json"} or path.name.startswith("."):
            continue
        rel = path.relative_to(root).as_posix().replace(".sbd/", "/")
        out[rel] = path
    return out
