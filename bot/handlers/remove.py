"""/remove (admins): take briefs out of the archive, as ``briefbot remove`` does, after a
confirmation button (issue 10).

Forms: ``/remove --doc-id ID``, ``/remove PUBLICATION VOLUME ISSUE``, ``/remove --source PATH``;
``--dry-run`` only lists. The briefs to remove are kept in memory under a short token carried by
the button; a button pressed after a restart (or twice) says it has expired.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.chat import sentence
from bot.config import Settings
from bot.handlers import buttons
from bot.handlers.admin import admin_only
from bot.help import usage
from bot.render import escape
from bot.services import Context, services
from retrieval.answering.answer import removal_line
from retrieval.corpus.briefs import issue_number
from retrieval.errors import NumberRangeError, RetrievalError

logger = logging.getLogger(__name__)

MAX_LISTED = 20
PATTERN = r"^rm:(yes|no):[0-9a-f]{8}$"
"""The callback data of the confirmation buttons."""


def handlers(settings: Settings) -> list[BaseHandler[Any, Any, Any]]:
    """Return the /remove command handler (its button is registered in ``bot.app``)."""
    return [CommandHandler("remove", remove, filters=filters.UpdateType.MESSAGE)]


def parse_remove(args: list[str]) -> dict[str, Any] | str:
    """Return the keyword arguments of ``Store.briefs_to_remove`` plus ``dry_run`` for /remove's
    arguments, or the line saying what is wrong with them."""
    dry_run = "--dry-run" in args
    args = [a for a in args if a != "--dry-run"]
    if len(args) == 2 and args[0] in ("--doc-id", "--source"):
        key = "doc_id" if args[0] == "--doc-id" else "source"
        return {key: args[1], "dry_run": dry_run}
    # isdecimal, not isdigit: int() refuses "²", which isdigit takes.
    if len(args) >= 3 and args[-1].isdecimal() and args[-2].isdecimal():
        try:
            volume, issue = issue_number(args[-2], "volume"), issue_number(args[-1], "issue")
        except NumberRangeError as exc:  # SQLite cannot hold it: "something went wrong", before
            return sentence(str(exc))
        return {"issue": (" ".join(args[:-2]), volume, issue), "dry_run": dry_run}
    return usage("remove")


async def remove(update: Update, context: Context) -> None:
    """/remove --doc-id ID | PUBLICATION VOLUME ISSUE | --source PATH [--dry-run] (admins)."""
    message = update.effective_message
    if message is None or not await admin_only(update, context):
        return
    parsed = parse_remove(list(context.args or []))
    if isinstance(parsed, str):
        await message.reply_text(escape(parsed))
        return
    dry_run = parsed.pop("dry_run")
    svc = services(context)
    try:
        rows = await svc.run(svc.chat.archive.store.briefs_to_remove, **parsed)
    except RetrievalError as exc:
        await message.reply_text(escape(f"{sentence(str(exc), stop=False)}; nothing removed."))
        return
    noun = "brief" if len(rows) == 1 else "briefs"
    lines = [removal_line(row) for row in rows[:MAX_LISTED]]
    if len(rows) > MAX_LISTED:
        lines.append(f"… and {len(rows) - MAX_LISTED} more")
    if dry_run:
        lines.append(f"{len(rows)} {noun} would be removed (--dry-run: nothing removed).")
        await message.reply_text(escape("\n".join(lines)))
        return
    token = secrets.token_hex(4)
    svc.pending_removals[token] = [r["id"] for r in rows]
    lines.append(f"Remove these {len(rows)} {noun}?")
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(f"Remove {len(rows)} {noun}", callback_data=f"rm:yes:{token}"),
                InlineKeyboardButton("Cancel", callback_data=f"rm:no:{token}"),
            ]
        ]
    )
    await message.reply_text(escape("\n".join(lines)), reply_markup=keyboard)


async def remove_button(update: Update, context: Context) -> None:
    """The confirmation button of /remove: remove the listed briefs, or cancel."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    if query.data is None or not re.fullmatch(PATTERN, query.data):
        # python-telegram-bot hands a press with empty data to every pattern: not ours.
        await buttons.button(update, context)
        return
    svc = services(context)
    if not svc.access.is_admin(user.id):
        await query.answer("Only the bot's admins (BRIEFBOT_ADMINS) can do that.", show_alert=True)
        return
    _, choice, token = query.data.split(":")
    ids = svc.pending_removals.pop(token, None)
    if ids is None:
        await query.answer("This removal has expired; send /remove again.", show_alert=True)
        return
    if choice == "no":
        await query.answer("Nothing removed.")
        await query.edit_message_reply_markup(None)
        return
    removed = await svc.run(svc.chat.archive.store.remove_briefs, ids)
    logger.info("Admin %s: /remove took %d briefs out of the archive", user.id, removed)
    text = f"Removed {removed} {'brief' if removed == 1 else 'briefs'}."
    await query.answer(text)
    await query.edit_message_reply_markup(None)
