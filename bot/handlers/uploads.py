"""Admins' uploads: a .txt or .jsonl document sent to the bot in a private chat is ingested with
the same rules as ``briefbot ingest``, and the reply says what it added and what it rejected.

Like the inbox folder and the feeds (``bot.jobs.sources``), uploads bring briefs into the archive.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.config import Settings
from bot.sending import send_plain
from bot.services import Context, services
from retrieval.corpus.ingest import Ingester, IngestReport
from retrieval.corpus.store import Store

UPLOAD_SUFFIXES = {".txt": False, ".jsonl": True}
"""File suffixes admins may upload, and whether the file is JSONL."""
MAX_REJECTIONS_SHOWN = 10


def handlers(settings: Settings) -> list[BaseHandler[Any, Any, Any]]:
    """Return the upload handler: documents in private chats (registered before the
    catch-alls)."""
    private_document = filters.ChatType.PRIVATE & filters.Document.ALL
    return [MessageHandler(private_document & filters.UpdateType.MESSAGE, upload)]


def ingest_upload(store: Store, data: bytes, name: str, max_bytes: int) -> IngestReport:
    """Ingest one uploaded file with the same rules as ``briefbot ingest``; return the report.

    The file's name is its identity: uploading a corrected file of the same name replaces what
    the first one brought in, if they share an issue; one of the same name sharing none (Telegram
    names pasted files generically) is stored beside it (``corpus.identity.choose_origin``).
    """
    ingester = Ingester(store, max_bytes=max_bytes)
    suffix = Path(name).suffix.lower()
    ingester.ingest_bytes(data, name, jsonl=UPLOAD_SUFFIXES[suffix], origin=Path(name).name)
    return ingester.report


def upload_summary(name: str, report: IngestReport) -> str:
    """Return the reply to an upload: the counts, then each rejection with its reason."""
    lines = [f"{name}: {report.summary()}."]
    # The notices name the command line's commands; an admin here has the bot's own.
    lines += [f"Note: {n.replace('briefbot remove ', '/remove ')}" for n in report.notices]
    if report.rejected:
        lines.append("Rejected:")
        lines += [f"• {r}" for r in report.rejected[:MAX_REJECTIONS_SHOWN]]
        if len(report.rejected) > MAX_REJECTIONS_SHOWN:
            lines.append(f"• and {len(report.rejected) - MAX_REJECTIONS_SHOWN} more")
    return "\n".join(lines)


async def upload(update: Update, context: Context) -> None:
    """A .txt or .jsonl document from an admin in a private chat: ingest it and say what it did."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or message.document is None:
        return
    svc = services(context)
    if not svc.access.is_admin(user.id):
        await send_plain(
            message,
            "Only the bot's admins (BRIEFBOT_ADMINS) can add briefs. "
            "Send me a question as text instead.",
        )
        return
    document = message.document
    # The name as the sender gave it (shown escaped): Path().name would cut "<b>x</b>.txt" at
    # the "/" of "</b>". The file is never written under this name.
    name = document.file_name or "document"
    if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
        await send_plain(
            message,
            f"{name}: I add .txt files (briefs in the publishers' format) and .jsonl files "
            "(one brief a line); send one of those.",
        )
        return
    limit_mb = svc.settings.upload_max_mb
    if document.file_size and document.file_size > limit_mb * 1_000_000:
        await send_plain(
            message,
            f"{name} is {document.file_size / 1e6:.1f} MB; the limit for uploads is {limit_mb} MB "
            "(BRIEFBOT_UPLOAD_MAX_MB). Split it, or put it in the inbox folder (BRIEFBOT_INBOX) "
            "or run briefbot ingest on the server. Nothing was added.",
        )
        return
    await message.reply_chat_action(ChatAction.TYPING)
    try:
        file = await document.get_file()
        data = bytes(await file.download_as_bytearray())
    except TelegramError as exc:
        await send_plain(
            message, f"Could not download {name} from Telegram ({exc.message}); send it again."
        )
        return
    store = svc.chat.archive.store
    report = await svc.run(ingest_upload, store, data, name, limit_mb * 1_000_000)
    await send_plain(message, upload_summary(name, report))
