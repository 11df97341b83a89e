"""Thin handlers for digests and topics (/digest, /watch, /unwatch, /watches) and for admins'
uploads of brief files. The work is done by ``bot.jobs.digest.DigestService`` and the library."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot.config import Settings
from bot.handlers.commands import send_html, services
from bot.jobs.digest import DigestService, digest_service
from bot.render import escape, split_html
from bot.service import usage
from retrieval.corpus.ingest import Ingester, IngestReport
from retrieval.corpus.store import Store
from retrieval.delivery.schedule import local_time_text, parse_time
from retrieval.errors import RetrievalError

Context = ContextTypes.DEFAULT_TYPE

UPLOAD_SUFFIXES = {".txt": False, ".jsonl": True}
"""File suffixes admins may upload, and whether the file is JSONL."""
MAX_REJECTIONS_SHOWN = 10


def handlers(settings: Settings) -> list[BaseHandler[Any, Any, Any]]:
    """Return the digest feature's handlers (registered before the bot's catch-alls)."""
    new_message = filters.UpdateType.MESSAGE
    return [
        CommandHandler("digest", digest, filters=new_message),
        CommandHandler("watch", watch, filters=new_message),
        CommandHandler("unwatch", unwatch, filters=new_message),
        CommandHandler("watches", watches, filters=new_message),
        MessageHandler(filters.ChatType.PRIVATE & filters.Document.ALL & new_message, upload),
    ]


def sentence(text: str) -> str:
    """Return ``text`` with its first letter capitalised (library messages start lower-case)."""
    return text[:1].upper() + text[1:]


async def reply(message: Message, text: str) -> None:
    """Reply with plain text of our own, escaped and split."""
    await send_html(message, split_html(escape(text)))


def _args(message: Message) -> str:
    parts = (message.text or "").split(None, 1)
    return parts[1].strip() if len(parts) > 1 else ""


# -- /digest --------------------------------------------------------------------------------


async def digest(update: Update, context: Context) -> None:
    """/digest HH:MM [TIMEZONE] subscribes; /digest off stops; /digest now sends what is new so
    far (the schedule's mark stays); /digest alone shows the setting."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    service = digest_service(context.application)
    args = _args(message).split()
    word = args[0].lower() if args else ""
    if not args:
        await reply(message, await service.svc.run(status_text, service, chat.id))
    elif word == "off" and len(args) == 1:
        stopped = await service.svc.run(
            service.subs.unsubscribe, chat.id, "stopped with /digest off"
        )
        service.unschedule(chat.id)
        await reply(
            message,
            "Daily digest stopped. Topics are kept; /digest 08:00 starts it again."
            if stopped
            else "This chat has no daily digest to stop.",
        )
    elif word == "now" and len(args) == 1:
        await message.reply_chat_action(ChatAction.TYPING)
        await send_html(message, await service.svc.run(service.preview, chat.id))
    elif len(args) <= 2:
        await subscribe(message, service, chat.id, args)
    else:
        await reply(message, usage("digest"))


async def subscribe(
    message: Message, service: DigestService, chat_id: int, args: list[str]
) -> None:
    """Subscribe the chat at ``args[0]`` (HH:MM) in ``args[1]`` or the default time zone."""
    tz = args[1] if len(args) > 1 else service.settings.timezone
    try:
        at = parse_time(args[0])
        before = await service.svc.run(service.subs.get, chat_id)
        sub = await service.svc.run(service.subs.subscribe, chat_id, at, tz)
    except RetrievalError as exc:
        await reply(message, f"{sentence(str(exc))}.\n{usage('digest')}")
        return
    service.schedule(sub)
    when = local_time_text(await service.svc.run(service.next_digest, sub), sub.timezone)
    if before is not None and before.active:
        text = f"Your daily digest now comes at {sub.time_text} ({sub.timezone}); next on {when}."
    else:
        text = (
            f"Daily digest at {sub.time_text} ({sub.timezone}). The first, on {when}, lists the "
            "briefs added in the last day; each later one, those added since the one before. "
            "/watch adds a topic; /digest off stops it."
        )
    await reply(message, text)


def status_text(service: DigestService, chat_id: int) -> str:
    """Return the chat's digest setting, its next and last digest and its topic count."""
    sub = service.subs.get(chat_id)
    topics = len(service.subs.watches(chat_id))
    watching = f" Topics: {topics} (/watches)." if topics else " No topics (/watch adds one)."
    if sub is None or not sub.active:
        return (
            "This chat has no daily digest. Start one with /digest 08:00 (time zone "
            f"{service.settings.timezone}; add another, e.g. /digest 08:00 Europe/Berlin)."
            + watching
        )
    when = local_time_text(service.next_digest(sub), sub.timezone)
    text = f"Daily digest at {sub.time_text} ({sub.timezone}); next on {when}."
    last = service.since_text(sub, sub.timezone)
    if last:
        text += f" Last sent {last}."
    return text + watching + " /digest now shows what is new so far; /digest off stops it."


# -- topics ---------------------------------------------------------------------------------


async def watch(update: Update, context: Context) -> None:
    """/watch QUERY: quote the new passages matching QUERY in every digest of this chat."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    query = _args(message)
    if not query:
        await reply(message, usage("watch"))
        return
    service = digest_service(context.application)
    try:
        topic, new = await service.svc.run(service.subs.add_watch, chat.id, query)
    except RetrievalError as exc:
        await reply(message, f"{sentence(str(exc))}.\n{usage('watch')}")
        return
    if not new:
        await reply(message, f"Already watching that as topic {topic.number}.")
        return
    text = (
        f"Watching topic {topic.number}: {topic.query}. Each digest quotes the new passages "
        "that match it."
    )
    sub = await service.svc.run(service.subs.get, chat.id)
    if sub is None or not sub.active:
        text += " This chat has no daily digest yet: /digest 08:00 starts one."
    await reply(message, text)


async def unwatch(update: Update, context: Context) -> None:
    """/unwatch N: stop watching topic N (numbers as /watches lists them)."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    arg = _args(message)
    # ASCII digits only: str.isdigit() also takes "²", which int() then refuses.
    if not re.fullmatch(r"[0-9]{1,6}", arg):
        await reply(message, usage("unwatch"))
        return
    service = digest_service(context.application)
    try:
        topic = await service.svc.run(service.subs.remove_watch, chat.id, int(arg))
    except RetrievalError as exc:
        await reply(message, f"{sentence(str(exc))}. /watches lists them.")
        return
    await reply(message, f"Stopped watching topic {topic.number}: {topic.query}.")


async def watches(update: Update, context: Context) -> None:
    """/watches: the chat's topics, numbered."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    service = digest_service(context.application)
    topics = await service.svc.run(service.subs.watches, chat.id)
    if not topics:
        await reply(message, f"No topics yet. {usage('watch')}")
        return
    lines = ["Topics in this chat's digest:"]
    lines += [f"{t.number}. {t.query}" for t in topics]
    lines.append("/unwatch N removes one.")
    await reply(message, "\n".join(lines))


# -- admins' uploads ------------------------------------------------------------------------


def ingest_upload(store: Store, data: bytes, name: str, max_bytes: int) -> IngestReport:
    """Ingest one uploaded file with the same rules as ``briefbot ingest``; return the report.

    The file's name is its identity: uploading a corrected file of the same name replaces what
    the first one brought in.
    """
    ingester = Ingester(store, max_bytes=max_bytes)
    suffix = Path(name).suffix.lower()
    ingester.ingest_bytes(data, name, jsonl=UPLOAD_SUFFIXES[suffix], origin=Path(name).name)
    return ingester.report


def upload_summary(name: str, report: IngestReport) -> str:
    """Return the reply to an upload: the counts, then each rejection with its reason."""
    lines = [f"{name}: {report.summary()}."]
    lines += [f"Note: {n}" for n in report.notices]
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
        await reply(
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
        await reply(
            message,
            f"{name}: I add .txt files (briefs in the publishers' format) and .jsonl files "
            "(one brief a line); send one of those.",
        )
        return
    limit_mb = svc.settings.upload_max_mb
    if document.file_size and document.file_size > limit_mb * 1_000_000:
        await reply(
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
        await reply(
            message, f"Could not download {name} from Telegram ({exc.message}); send it again."
        )
        return
    store = svc.conversation.archive.store
    report = await svc.run(ingest_upload, store, data, name, limit_mb * 1_000_000)
    await reply(message, upload_summary(name, report))
