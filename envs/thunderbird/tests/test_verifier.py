"""Thunderbird verifiers: plausible wrong solutions must not pass.

Most tests are on files: the instance is built by the task's own setup on the fake runner (no app), the mail
folders "Thunderbird saved" are rewritten from the start Inbox as the test bends them (a moved message is copied
into its new folder and left flagged deleted in the Inbox, as Thunderbird does before compacting), and DONE runs
the verifier on them. One test runs the real app (marked ``app`` through ``software_envs``).
"""

from __future__ import annotations

import json
import mailbox
import re
from pathlib import Path

import pytest
from verifiers_for_tests import failed, run

from gym_anything import actions as A
from gym_anything.core.env import GymAnythingEnv

OFFICE = Path(".thunderbird/agent/Mail/office")
IMPORTANT, TODO, WORK = "$label1", "$label4", "$label2"
INSTRUCTION: dict = {}  # env -> the instruction of its last reset
DRAFTS: list[str] = []  # every draft made, for unique Message-IDs


@pytest.fixture(scope="module")
def fake():
    env = GymAnythingEnv("thunderbird", runner="fake", audit=False)
    yield env
    env.close()


def start(env, task: str, seed: int) -> tuple[dict, dict, list[dict]]:
    """Reset to the instance; (its privileged values, the target Message-IDs, the start inbox rows)."""
    _, info = env.reset(seed=seed, options={"task": task})
    INSTRUCTION[env] = info["instruction"]
    private = Path(env.unwrapped.episode_private_dir)
    targets = private / "targets.json"
    groups = json.loads(targets.read_text()) if targets.is_file() else json.loads((private / "moved.json").read_text())
    return env.unwrapped.privileged(), groups, json.loads((private / "inbox.json").read_text())


def _folder_path(home: Path, folder: str) -> Path:
    parts = folder.split("/")
    return home / OFFICE / "/".join(p + ".sbd" for p in parts[:-1]) / parts[-1]


def save(env, moves: dict[str, str | None] | None = None, keys: dict[str, list[str]] | None = None,
         flags: dict[str, int] | None = None, extra: dict[str, list[bytes]] | None = None) -> dict:
    """Rewrite the account's folders from the start Inbox: ``moves`` Message-ID -> folder (None: deleted for
    good), ``keys`` -> tags, ``flags`` -> X-Mozilla-Status bits added; ``extra`` raw messages appended to a
    folder. Then DONE: the final info."""
    home = Path(env.unwrapped.episode_home)
    moves, keys, flags, extra = moves or {}, keys or {}, flags or {}, extra or {}
    inbox = _folder_path(home, "Inbox")
    box = mailbox.mbox(str(inbox), create=False)
    out: dict[str, list[bytes]] = {"Inbox": []}
    for message in box:
        raw = message.as_bytes()
        msgid = str(message["Message-ID"]).strip()
        status = int(message["X-Mozilla-Status"], 16) | flags.get(msgid, 0)
        raw = re.sub(rb"X-Mozilla-Keys: [^\r\n]*", b"X-Mozilla-Keys: " + " ".join(keys.get(msgid, [])).encode(), raw)
        head = b"From - Mon Nov 02 08:00:00 2026\n"
        if msgid in moves:
            gone = re.sub(rb"X-Mozilla-Status: [0-9a-f]{4}", f"X-Mozilla-Status: {status | 0x8:04x}".encode(), raw)
            out["Inbox"].append(head + gone)
            if moves[msgid] is not None:
                out.setdefault(moves[msgid], [])
        kept = re.sub(rb"X-Mozilla-Status: [0-9a-f]{4}", f"X-Mozilla-Status: {status:04x}".encode(), raw)
        where = moves.get(msgid, "Inbox")
        if where is not None:
            out.setdefault(where, []).append(head + kept)
    box.close()
    for folder, raws in extra.items():
        out.setdefault(folder, []).extend(raws)
    for folder, raws in out.items():
        path = _folder_path(home, folder)
        old = path.read_bytes() if folder != "Inbox" and path.is_file() else b""
        path.write_bytes(old + b"\n".join(r.rstrip(b"\n") + b"\n" for r in raws))
    return run(env, [])


def _ids(rows: list[dict], pick) -> list[str]:
    return [r["msgid"] for r in rows if pick(r)]


# --- file-client-mail ------------------------------------------------------------------------------------------

def test_filing_every_client_message_passes(fake):
    _, moved, _ = start(fake, "file-client-mail", 11)
    info = save(fake, moves={i: _folder(fake) for i in moved})
    assert info["reward"] == 1.0, failed(info)


def _folder(env) -> str:
    return re.search(r"into the folder (\S+)\.", INSTRUCTION[env]).group(1)


def test_filing_half_the_client_messages_is_partial_credit(fake):
    _, moved, _ = start(fake, "file-client-mail", 12)
    info = save(fake, moves={i: _folder(fake) for i in moved[: len(moved) // 2]})
    assert info["reward"] == 0.0 and set(failed(info)) == {
        f"all {len(moved)} messages from {_domain(fake)} in {_folder(fake)}", "none of them left in the Inbox"}


def _domain(env) -> str:
    return re.search(r"from an address at (\S+) into", INSTRUCTION[env]).group(1)


def test_copying_instead_of_moving_fails(fake):
    _, moved, _ = start(fake, "file-client-mail", 13)
    home = Path(fake.unwrapped.episode_home)
    raws = [b"From - Mon Nov 02 08:00:00 2026\n" + m.as_bytes() for m in mailbox.mbox(str(_folder_path(home, "Inbox")))
            if str(m["Message-ID"]).strip() in moved]
    info = save(fake, extra={_folder(fake): raws})
    assert info["reward"] == 0.0 and failed(info) == ["no message copied twice"]


def test_filing_another_clients_message_too_fails(fake):
    _, moved, rows = start(fake, "file-client-mail", 14)
    other = next(r["msgid"] for r in rows if r["msgid"] not in moved and not r["address"].endswith("office.example"))
    info = save(fake, moves={i: _folder(fake) for i in [*moved, other]})
    assert info["reward"] == 0.0 and failed(info) == ["every other message left in the Inbox"]


# --- tag-key-accounts ------------------------------------------------------------------------------------------

def test_the_work_tag_instead_of_important_fails_every_account(fake):
    _, groups, _ = start(fake, "tag-key-accounts", 21)
    info = save(fake, keys={i: [WORK] for ids in groups.values() for i in ids})
    assert info["reward"] == 0.0 and len(failed(info)) == 3


def test_two_of_three_accounts_tagged_is_partial_credit(fake):
    _, groups, _ = start(fake, "tag-key-accounts", 22)
    first, second, _third = groups.values()
    info = save(fake, keys={i: [IMPORTANT] for i in [*first, *second]})
    assert len(failed(info)) == 1 and abs(info["reward"] - 2 / 3) < 1e-6


def test_tagging_a_colleagues_message_too_zeroes_the_score(fake):
    _, groups, rows = start(fake, "tag-key-accounts", 23)
    colleague = _ids(rows, lambda r: r["address"].endswith("@office.example"))[0]
    info = save(fake, keys={i: [IMPORTANT] for i in [*(i for ids in groups.values() for i in ids), colleague]})
    assert info["reward"] == 0.0 and failed(info) == ["no other message tagged"]


# --- star-invoice-mail -----------------------------------------------------------------------------------------

def test_starred_but_not_tagged_is_half_credit(fake):
    _, groups, _ = start(fake, "star-invoice-mail", 31)
    info = save(fake, flags={i: 0x4 for i in groups["invoices"]})
    assert info["reward"] == 0.5 and len(failed(info)) == 1


def test_starring_every_message_fails(fake):
    _, groups, rows = start(fake, "star-invoice-mail", 32)
    info = save(fake, flags={r["msgid"]: 0x4 for r in rows}, keys={i: [TODO] for i in groups["invoices"]})
    assert info["reward"] == 0.0 and failed(info) == ["no other message starred or unstarred"]


def test_starred_and_tagged_passes(fake):
    _, groups, _ = start(fake, "star-invoice-mail", 33)
    info = save(fake, flags={i: 0x4 for i in groups["invoices"]}, keys={i: [TODO] for i in groups["invoices"]})
    assert info["reward"] == 1.0, failed(info)


# delete-newsletters: its tests live on branch i16-thunderbird with the task (a mutant survives its audit)


# --- draft-replies ---------------------------------------------------------------------------------------------

def _draft(p: dict, in_reply_to: str, text: str) -> bytes:
    DRAFTS.append(in_reply_to)
    return (f"From - Wed Dec 02 08:06:37 2026\nX-Mozilla-Status: 0000\nX-Mozilla-Status2: 00000000\n"
            f"Message-ID: <draft-{len(DRAFTS)}@office.example>\nSubject: Re: your message\n"
            f"To: <{p['address']}>\nFrom: Alex Morgan <alex.morgan@office.example>\nIn-Reply-To: {in_reply_to}\n"
            f"Content-Type: text/plain; charset=UTF-8; format=flowed\n\n{text}\n\nOn 11/26/26 12:59, X wrote:\n"
            "> Hello Alex,\n").encode()


def test_every_reply_drafted_passes(fake):
    p, groups, _ = start(fake, "draft-replies", 51)
    info = save(fake, extra={"Drafts": [_draft(p, i, p["reply"]) for i in groups["replies"]]})
    assert info["reward"] == 1.0, failed(info)


def test_a_reply_sent_instead_of_drafted_fails(fake):
    p, groups, _ = start(fake, "draft-replies", 52)
    first, *rest = groups["replies"]
    drafts = [_draft(p, i, p["reply"]) for i in rest]
    info = save(fake, extra={"Drafts": drafts, "Sent": [_draft(p, first, p["reply"])]})
    assert info["reward"] == 0.0 and failed(info) == ["nothing sent or queued to send"]


def test_the_text_typed_twice_or_changed_fails(fake):
    p, groups, _ = start(fake, "draft-replies", 53)
    first, second, *rest = groups["replies"]
    drafts = [_draft(p, first, p["reply"] + " " + p["reply"]), _draft(p, second, p["reply"].replace("by", "on")),
              *(_draft(p, i, p["reply"]) for i in rest)]
    info = save(fake, extra={"Drafts": drafts})
    assert len(failed(info)) == 2 and 0 < info["reward"] < 1


def test_two_drafts_for_one_message_fail(fake):
    p, groups, _ = start(fake, "draft-replies", 54)
    ids = groups["replies"]
    info = save(fake, extra={"Drafts": [_draft(p, i, p["reply"]) for i in [*ids, ids[0]]]})
    assert info["reward"] == 0.0 and failed(info) == ["one draft per message"]


# --- triage-inbox ----------------------------------------------------------------------------------------------

def _triage(groups: dict, skip: str = "") -> dict:
    moves, keys = {}, {}
    for key, ids in groups.items():
        kind, name = key.split(":", 1)
        if kind == skip:
            continue
        for i in ids:
            if kind == "file":
                moves[i] = f"Clients/{name}"
            elif kind == "delete":
                moves[i] = "Trash"
            else:
                keys[i] = [IMPORTANT]
    return {"moves": moves, "keys": keys}


def test_the_whole_triage_passes(fake):
    _, groups, _ = start(fake, "triage-inbox", 61)
    info = save(fake, **_triage(groups))
    assert info["reward"] == 1.0, failed(info)


def test_triage_without_the_tags_is_partial_credit(fake):
    _, groups, _ = start(fake, "triage-inbox", 62)
    info = save(fake, **_triage(groups, skip="tag"))
    assert len(failed(info)) == 1 and 0.8 < info["reward"] < 1


def test_filing_a_client_into_the_wrong_folder_fails(fake):
    p, groups, _ = start(fake, "triage-inbox", 63)
    plan = _triage(groups)
    name = p["clients"][0][1]
    other = next(n for n in p["folder_names"] if n not in {c[1] for c in p["clients"]})
    plan["moves"].update({i: f"Clients/{other}" for i in groups[f"file:{name}"]})
    info = save(fake, **plan)
    assert info["reward"] == 0.0 and failed(info) == ["no message filed into a wrong folder"]


def test_filing_into_another_clients_folder_fails(fake):
    _, moved, _ = start(fake, "file-client-mail", 15)
    other = next(f"Clients/{n}" for n in fake.unwrapped.privileged()["folder_names"]
                 if f"Clients/{n}" != _folder(fake))
    info = save(fake, moves={i: other for i in moved})
    assert info["reward"] == 0.0 and failed(info) == ["no message filed into a wrong folder"]


# --- delete-newsletters ---------------------------------------------------------------------------------------

def test_deleting_both_senders_newsletters_passes(fake):
    _, groups, _ = start(fake, "delete-newsletters", 81)
    info = save(fake, moves={i: "Trash" for ids in groups.values() for i in ids})
    assert info["reward"] == 1.0, failed(info)


def test_one_sender_of_two_is_half_credit(fake):
    _, groups, _ = start(fake, "delete-newsletters", 82)
    first = next(iter(groups.values()))
    info = save(fake, moves={i: "Trash" for i in first})
    assert len(failed(info)) == 1 and abs(info["reward"] - 0.5) < 1e-6


def test_deleting_another_message_too_fails(fake):
    _, groups, rows = start(fake, "delete-newsletters", 83)
    targets = {i for ids in groups.values() for i in ids}
    other = next(r["msgid"] for r in rows if r["msgid"] not in targets)
    info = save(fake, moves={i: "Trash" for i in [*targets, other]})
    assert info["reward"] == 0.0


# --- on the real app -------------------------------------------------------------------------------------------

def test_app_one_key_account_of_three_is_partial_credit(software_envs):
    """The oracle cut after its first account's tagging: a third of the credit, the gates hold."""
    env = software_envs("thunderbird")
    env.reset(seed=71, options={"task": "tag-key-accounts"})
    plan = env.unwrapped.oracle_actions()
    w, h = env.unwrapped.width, env.unwrapped.height
    cut = next(i for i, a in enumerate(plan) if A.validate(a, w, h) == A.validate(A.press("1"), w, h)) + 1
    info = run(env, [*plan[:cut], A.wait(1.5)])
    assert len(failed(info)) == 2 and abs(info["reward"] - 1 / 3) < 1e-6
