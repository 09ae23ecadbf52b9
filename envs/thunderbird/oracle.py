"""Oracle solutions for Thunderbird tasks, through the public action interface.

The message list (a table, 1280x720, classic layout: the list above the message pane) is filtered with the Quick
Filter bar: ctrl+shift+K focuses its search field, whose text matches sender, recipients and subject. A click on
the first row of the filtered list (y=220) focuses the list, ctrl+A selects every message shown. shift+F10 opens
the message context menu at the selection; its menus are walked by access keys (``m`` Move To, ``o`` Office Mail,
``c`` Clients) and arrows (a folder's submenu starts with the folder itself, then its subfolders in name order).
Thunderbird moves messages by copying them into the target mbox and flagging them deleted in the source mbox: the
oracles wait for that to be written.
"""

from __future__ import annotations

from gym_anything import actions as A
from gym_anything.authoring import OracleContext

FIRST_ROW = (500, 220)  # the first message of the list while the Quick Filter bar is shown
ROW_HEIGHT = 26
TAG_KEYS = {"Important": "1", "Work": "2", "Personal": "3", "To Do": "4", "Later": "5"}


def quick_filter(text: str) -> list[dict]:
    """Show only the messages matching ``text`` and select them all."""
    return [A.hotkey("ctrl", "shift", "k"), A.hotkey("ctrl", "a"), A.type(text), A.wait(1.5),
            A.click(*FIRST_ROW), A.wait(0.3), A.hotkey("ctrl", "a")]


def move_to_client_folder(index: int) -> list[dict]:
    """Move the selected messages into the ``index``-th folder (in name order) under Office Mail/Clients."""
    steps = [A.hotkey("shift", "f10"), A.wait(0.5)]
    for key in ("m", "o", "c"):  # each submenu is filled when it opens: give it time before the next key
        steps += [A.press(key), A.wait(0.6)]
    return [*steps, *[A.press("down") for _ in range(index + 1)], A.wait(0.3), A.press("enter"), A.wait(1.5)]


def file_client_mail(ctx: OracleContext) -> list[dict]:
    index = _client_index(ctx, ctx.public["folder"].split("/", 1)[1])
    return [*quick_filter(ctx.public["domain"]), *move_to_client_folder(index), A.wait(1.0), A.done()]


def _client_index(ctx: OracleContext, name: str) -> int:
    return sorted(ctx.private["folder_names"], key=str.lower).index(name)


def tag_key_accounts(ctx: OracleContext) -> list[dict]:
    steps: list[dict] = []
    for domain in ctx.private["domains"]:
        steps += [*quick_filter(domain), A.press(TAG_KEYS["Important"]), A.wait(0.5)]
    return [*steps, A.wait(1.0), A.done()]


def star_invoice_mail(ctx: OracleContext) -> list[dict]:
    """Every subject naming an invoice number contains "INV-"; S stars the selected messages, 4 tags them To Do."""
    return [*quick_filter("INV-"), A.press("s"), A.wait(0.5), A.press(TAG_KEYS["To Do"]), A.wait(1.5), A.done()]


def delete_newsletters(ctx: OracleContext) -> list[dict]:
    steps: list[dict] = []
    for address in ctx.private["addresses"]:
        steps += [*quick_filter(address), A.press("delete"), A.wait(1.5)]
    return [*steps, A.wait(1.0), A.done()]


def draft_replies(ctx: OracleContext) -> list[dict]:
    """Each message of the sender in turn (rows of the filtered list): ctrl+R opens the reply window with the
    cursor above the quote, ctrl+S saves it to Drafts, ctrl+W closes it (no question: it is saved)."""
    steps = [A.hotkey("ctrl", "shift", "k"), A.hotkey("ctrl", "a"), A.type(ctx.private["address"]), A.wait(1.5)]
    for row in range(ctx.private["counts"]["replies"]):
        steps += [A.click(FIRST_ROW[0], FIRST_ROW[1] + ROW_HEIGHT * row), A.wait(0.5), A.hotkey("ctrl", "r"),
                  A.wait(2.5), A.type(ctx.private["reply"]), A.hotkey("ctrl", "s"), A.wait(2.0),
                  A.hotkey("ctrl", "w"), A.wait(1.0)]
    return [*steps, A.done()]


def triage_inbox(ctx: OracleContext) -> list[dict]:
    steps: list[dict] = []
    for domain, name in ctx.private["clients"]:
        steps += [*quick_filter(domain), *move_to_client_folder(_client_index(ctx, name))]
    for address in ctx.private["newsletters"]:
        steps += [*quick_filter(address), A.press("delete"), A.wait(1.5)]
    steps += [*quick_filter(ctx.private["manager"]), A.press(TAG_KEYS["Important"])]
    return [*steps, A.wait(1.5), A.done()]
