"""Thin handlers for digests and topics (/digest, /watch, /unwatch, /watches). The work is done
by ``bot.jobs.digest.DigestService`` and the library."""

from __future__ import annotations

import re
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatAction
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.chat import sentence
from bot.config import Settings
from bot.help import split_command, usage
from bot.jobs.digest import DigestService, digest_service
from bot.sending import send_html, send_plain
from bot.services import Context
from retrieval.delivery.schedule import local_time_text, parse_time
from retrieval.errors import RetrievalError


def handlers(settings: Settings) -> list[BaseHandler[Any, Any, Any]]:
    """Return the digest feature's handlers (registered before the bot's catch-alls)."""
    new_message = filters.UpdateType.MESSAGE
    return [
        CommandHandler("digest", digest, filters=new_message),
        CommandHandler("watch", watch, filters=new_message),
        CommandHandler("unwatch", unwatch, filters=new_message),
        CommandHandler("watches", watches, filters=new_message),
    ]


# -- /digest --------------------------------------------------------------------------------


async def digest(update: Update, context: Context) -> None:
    """/digest HH:MM [TIMEZONE] subscribes; /digest off stops; /digest now sends what is new so
    far (the schedule's mark stays); /digest alone shows the setting."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    service = digest_service(context.application)
    args = list(context.args or [])
    word = args[0].lower() if args else ""
    if not args:
        await send_plain(message, await service.svc.run(status_text, service, chat.id))
    elif word == "off" and len(args) == 1:
        stopped = await service.svc.run(
            service.subs.unsubscribe, chat.id, "stopped with /digest off"
        )
        service.unschedule(chat.id)
        await send_plain(
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
        await send_plain(message, usage("digest"))


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
        await send_plain(message, f"{sentence(str(exc))}\n{usage('digest')}")
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
    await send_plain(message, text)


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
    query = split_command(message.text or "")[1]
    if not query:
        await send_plain(message, usage("watch"))
        return
    service = digest_service(context.application)
    try:
        topic, new = await service.svc.run(service.subs.add_watch, chat.id, query)
    except RetrievalError as exc:
        await send_plain(message, f"{sentence(str(exc))}\n{usage('watch')}")
        return
    if not new:
        await send_plain(message, f"Already watching that as topic {topic.number}.")
        return
    text = (
        f"Watching topic {topic.number}: {topic.query}. Each digest quotes the new passages "
        "that match it."
    )
    sub = await service.svc.run(service.subs.get, chat.id)
    if sub is None or not sub.active:
        text += " This chat has no daily digest yet: /digest 08:00 starts one."
    await send_plain(message, text)


async def unwatch(update: Update, context: Context) -> None:
    """/unwatch N: stop watching topic N (numbers as /watches lists them)."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    arg = split_command(message.text or "")[1]
    # ASCII digits only: str.isdigit() also takes "²", which int() then refuses.
    if not re.fullmatch(r"[0-9]{1,6}", arg):
        await send_plain(message, usage("unwatch"))
        return
    service = digest_service(context.application)
    try:
        topic = await service.svc.run(service.subs.remove_watch, chat.id, int(arg))
    except RetrievalError as exc:
        await send_plain(message, f"{sentence(str(exc))} /watches lists them.")
        return
    await send_plain(message, f"Stopped watching topic {topic.number}: {topic.query}.")


async def watches(update: Update, context: Context) -> None:
    """/watches: the chat's topics, numbered."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    service = digest_service(context.application)
    topics = await service.svc.run(service.subs.watches, chat.id)
    if not topics:
        await send_plain(message, f"No topics yet. {usage('watch')}")
        return
    lines = ["Topics in this chat's digest:"]
    lines += [f"{t.number}. {t.query}" for t in topics]
    lines.append("/unwatch N removes one.")
    await send_plain(message, "\n".join(lines))
