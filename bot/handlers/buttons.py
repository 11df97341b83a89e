"""Buttons under answers (More, Full brief, 👍/👎) and inline mode (``@botname question``)."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    Update,
)

from bot.gate import take_question, without_mention
from bot.handlers.followups import alone_button, with_button
from bot.render import hit_html, printable, render_html
from bot.replies import Notice
from bot.sending import send_html, send_more
from bot.services import Context, services
from retrieval.text.prose import shorten

logger = logging.getLogger(__name__)

STALE = "This button no longer works; ask again."
MAX_CALLBACK_BYTES = 64
"""Telegram's limit on a button's callback data."""
INLINE_RESULTS = 5
INLINE_CACHE_SECONDS = 10
INLINE_BUTTON_CHARS = 64
INLINE_OFF_HINT = "Inline sharing is off here: ask me in a chat"
"""All an inline query gets with ``BRIEFBOT_INLINE=off`` (a button, at most 64 characters)."""


MAX_ID_DIGITS = 18
"""Ids in button data have at most this many ASCII digits: any such number fits SQLite's 64-bit
integers (the largest has 19 digits)."""
_BUTTON_RE = re.compile(rf"(more|brief|vote|alone|with):([0-9]{{1,{MAX_ID_DIGITS}}})(?::(1|-1))?")


@dataclass(frozen=True)
class Button:
    """A button press as the bot's own buttons encode it: ``more:ID``, ``brief:ID``,
    ``vote:ID:1``, ``vote:ID:-1``, ``alone:ID`` (Ask on its own) or ``with:ID`` (Read with earlier
    question; both ``bot.handlers.followups``)."""

    action: str
    id: int
    vote: int = 0


def parse_button(data: str | None) -> Button | None:
    """Return the press encoded in ``data``, or None if it is not one of our buttons.

    Clients send the data of real buttons only, but anyone can send any data: only ASCII digits,
    at most ``MAX_ID_DIGITS`` of them, the known prefixes and nothing after (no newline) pass.
    """
    if not data or len(data) > MAX_CALLBACK_BYTES:
        return None
    m = _BUTTON_RE.fullmatch(data)
    if m is None:
        return None
    action, number, vote = m.groups()
    if (action == "vote") != (vote is not None):
        return None
    return Button(action, int(number), int(vote or 0))


async def button(update: Update, context: Context) -> None:
    """Any button press: parse its data strictly, then More, Full brief, a vote, Ask on its own
    or Read with earlier question."""
    query = update.callback_query
    if query is None:
        return
    pressed = parse_button(query.data)
    if pressed is None:
        logger.info(
            "Button data %r from user %s is not one of ours; answered as stale",
            (query.data or "")[:80],
            query.from_user.id,
        )
        await query.answer(STALE)
    elif pressed.action == "more":
        await more_button(update, context, pressed)
    elif pressed.action == "brief":
        await brief_button(update, context, pressed)
    elif pressed.action == "alone":
        await alone_button(update, context)
    elif pressed.action == "with":
        await with_button(update, context)
    else:
        await vote_button(update, context, pressed)


async def more_button(update: Update, context: Context, pressed: Button) -> None:
    """ "More": the next passages for the question, as a new message under the answer."""
    query = update.callback_query
    if query is None:
        return
    svc = services(context)
    logged = await svc.run(svc.questions.get, pressed.id)
    if logged is None or not isinstance(query.message, Message):
        await query.answer("That answer is too old; ask the question again.")
        return
    if not await take_question(update, context):
        return
    # Callback queries must always be answered (Bot API: the client shows a progress bar).
    await query.answer(await send_more(update, context, logged, query.message))


async def brief_button(update: Update, context: Context, pressed: Button) -> None:
    """ "Full brief": the whole brief a quote came from, split if long."""
    query = update.callback_query
    if query is None:
        return
    if not isinstance(query.message, Message):
        await query.answer("Open the chat with me to read the brief.")
        return
    svc = services(context)
    reply = await svc.run(svc.chat.brief_by_id, pressed.id)
    if isinstance(reply, Notice):
        await query.answer(reply.text, show_alert=True)
        return
    await query.answer()
    chunks = await asyncio.to_thread(render_html, reply)
    await send_html(query.message, chunks, answer=True)


async def vote_button(update: Update, context: Context, pressed: Button) -> None:
    """👍/👎: store the vote with the question and the passages shown."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    svc = services(context)
    logged = await svc.run(svc.questions.get, pressed.id)
    if logged is None:
        await query.answer("That answer is too old to rate.")
        return
    await svc.run(svc.questions.add_feedback, logged, user.id, pressed.vote)
    await query.answer("Thanks, noted 👍" if pressed.vote > 0 else "Thanks, noted 👎")


# -- inline mode --------------------------------------------------------------------------


async def inline_query(update: Update, context: Context) -> None:
    """``@bot question`` in any chat: offer the top passages, each inserting quote + citation;
    with ``BRIEFBOT_INLINE=off``, nothing but a one-line hint."""
    query = update.inline_query
    if query is None:
        return
    if not services(context).settings.inline:
        await query.answer(
            [],
            cache_time=INLINE_CACHE_SECONDS,
            is_personal=True,
            button=InlineQueryResultsButton(text=INLINE_OFF_HINT, start_parameter="help"),
        )
        return
    # Telegram leaves out the "@bot " that opens an inline query; the name typed again would be
    # searched ("No brief mentions “briefbot”…").
    text = without_mention(query.query, context.bot.username)
    if not text:
        await query.answer(
            [],
            cache_time=INLINE_CACHE_SECONDS,
            is_personal=True,
            button=InlineQueryResultsButton(text="Type a question", start_parameter="help"),
        )
        return
    if not await take_question(update, context):
        return
    svc = services(context)
    reply = await svc.run(svc.chat.answer, text, top=INLINE_RESULTS)
    if isinstance(reply, Notice) or not reply.answer.found:
        why = reply.text if isinstance(reply, Notice) else reply.answer.message or ""
        await query.answer(
            [],
            cache_time=INLINE_CACHE_SECONDS,
            is_personal=True,
            button=InlineQueryResultsButton(
                text=shorten(why, INLINE_BUTTON_CHARS) or "Nothing found", start_parameter="help"
            ),
        )
        return
    hits = reply.answer.hits
    # Words read as the archive's ("Read “pipline” as “pipeline”.") and a low-confidence answer's
    # caveat go above the results, as in the chat answer.
    caveat = " ".join(line for line in (reply.answer.read_line, reply.answer.caveat) if line)
    question_id = await svc.run(
        svc.questions.record,
        kind="inline",
        question=text,
        offset=0,
        passage_ids=[h.passage_id for h in hits],
        user_id=query.from_user.id,
        chat_id=None,
    )
    results = [
        InlineQueryResultArticle(
            id=f"{question_id}:{hit.passage_id}",
            title=printable(hit.citation.short()),
            description=printable(hit.quote)[:200],
            input_message_content=InputTextMessageContent(hit_html(hit, numbered=False)),
        )
        for hit in hits
    ]
    button = (
        InlineQueryResultsButton(text=shorten(caveat, INLINE_BUTTON_CHARS), start_parameter="help")
        if caveat
        else None
    )
    await query.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=True, button=button)
