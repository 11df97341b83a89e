"""Sending replies: HTML chunks in order, the buttons under an answer, "typing…" for slow work,
and the record of what was sent (question log, follow-up messages).

Handlers decide what to say; this module says it. Rendering is ``bot.render``'s job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from typing import TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError

from bot.chat import NO_MORE
from bot.gate import GROUPS
from bot.ratelimit import bulk
from bot.render import escape, render_html
from bot.replies import AnswerReply, CheckReply, Notice, Reply
from bot.services import Context, services
from bot.splitter import split_html
from bot.state import more_pages
from bot.state.followups import alone_data, with_data
from bot.state.journal import CURRENT_UPDATE
from bot.state.question_log import LoggedQuestion

logger = logging.getLogger(__name__)

T = TypeVar("T")

TYPING_AFTER_SECONDS = 1.0
"""Show "typing…" only when an answer takes longer than this (each action is a call that counts
against Telegram's limits: 20 a minute in a group)."""
ALREADY_MORE = "I already sent the next passages for that answer; scroll down to them."


async def send_html(
    message: Message,
    chunks: list[str],
    *,
    markup: InlineKeyboardMarkup | None = None,
    quote: bool = False,
    answer: bool = False,
) -> list[Message]:
    """Send message chunks in order (the keyboard under the last); never an empty message.
    Return the messages sent. An ``answer`` (passages, a brief) is sent as bulk: it leaves room
    under the overall flood limit for other replies (``bot.ratelimit.bulk``)."""
    chunks = [c for c in chunks if c.strip()]
    if not chunks:
        logger.warning("Nothing to send in chat %s", message.chat_id)
        return []
    sent = []
    with bulk() if answer else contextlib.nullcontext():
        for n, chunk in enumerate(chunks):
            last = n == len(chunks) - 1
            sent.append(
                await message.reply_text(
                    chunk, reply_markup=markup if last else None, do_quote=quote and n == 0
                )
            )
    return sent


async def send_plain(message: Message, text: str) -> None:
    """Reply with plain text of our own, escaped and split."""
    await send_html(message, split_html(escape(text)))


def alone_button(question_id: int) -> InlineKeyboardButton:
    """Return the "Ask on its own" button under a follow-up's answer."""
    return InlineKeyboardButton("Ask on its own", callback_data=alone_data(question_id))


def with_button(question_id: int) -> InlineKeyboardButton:
    """Return the "Read with earlier question" button under a short question's answer that the
    archive read alone, as naming a new subject."""
    return InlineKeyboardButton("Read with earlier question", callback_data=with_data(question_id))


def answer_keyboard(question_id: int, reply: AnswerReply | CheckReply) -> InlineKeyboardMarkup:
    """Return the buttons under an answer: More (if there is more), 👍/👎, and Full brief.

    Callback data stays far under Telegram's 64 bytes: the question's id in the log, or a
    brief's id.
    """
    hits = reply.answer.hits if isinstance(reply, AnswerReply) else reply.evidence
    could = isinstance(reply, AnswerReply) and bool(reply.could_continue)
    if not hits:
        return InlineKeyboardMarkup(
            [[with_button(question_id) if could else alone_button(question_id)]]
        )
    first = []
    if isinstance(reply, AnswerReply) and reply.has_more:
        first.append(InlineKeyboardButton("More ▸", callback_data=f"more:{question_id}"))
    first.append(InlineKeyboardButton("👍", callback_data=f"vote:{question_id}:1"))
    first.append(InlineKeyboardButton("👎", callback_data=f"vote:{question_id}:-1"))
    ranks: dict[int, list[int]] = {}
    for hit in hits:
        ranks.setdefault(hit.brief_id, []).append(hit.rank)
    briefs = []
    for brief_id, numbers in ranks.items():
        label = "Full brief" if len(ranks) == 1 else f"Full brief {', '.join(map(str, numbers))}"
        briefs.append(InlineKeyboardButton(label, callback_data=f"brief:{brief_id}"))
    if reply.context:  # a follow-up read with its earlier question (issue 15)
        return InlineKeyboardMarkup([first, briefs, [alone_button(question_id)]])
    if could:  # a short question read alone as naming a new subject
        return InlineKeyboardMarkup([first, briefs, [with_button(question_id)]])
    return InlineKeyboardMarkup([first, briefs])


async def deliver(
    update: Update,
    context: Context,
    reply: Reply,
    *,
    kind: str,
    question: str,
    target: Message,
    offset: int = 0,
) -> None:
    """Log an answer or check, then send it to ``target``'s chat with its buttons, and remember
    which messages hold it (a reply to them is a possible follow-up)."""
    svc = services(context)
    markup = None
    question_id = None
    user = update.effective_user
    if isinstance(reply, AnswerReply | CheckReply):
        hits = reply.answer.hits if isinstance(reply, AnswerReply) else reply.evidence
        question_id = await svc.run(
            svc.questions.record,
            kind=kind,
            question=question,
            offset=offset,
            passage_ids=[h.passage_id for h in hits],
            user_id=user.id if user else None,
            chat_id=target.chat_id,
            context=reply.context,
            update_id=CURRENT_UPDATE.get(),
            could_continue=reply.could_continue if isinstance(reply, AnswerReply) else None,
        )
        if hits or reply.context or (isinstance(reply, AnswerReply) and reply.could_continue):
            markup = answer_keyboard(question_id, reply)
    group = target.chat.type in GROUPS
    # Rendering is pure CPU work: off the event loop, so other chats' updates go on meanwhile.
    chunks = await asyncio.to_thread(render_html, reply)
    sent = await send_html(target, chunks, markup=markup, quote=group, answer=True)
    # A reply with nothing searched ("ok thanks") is no question a follow-up may continue.
    if question_id is not None and (not isinstance(reply, AnswerReply) or reply.continued):
        await svc.run(
            svc.followups.remember,
            question_id,
            chat_id=target.chat_id,
            user_id=user.id if user else None,
            private=target.chat.type == ChatType.PRIVATE,
            message_ids=[m.message_id for m in sent if m.message_id],  # 0: id never read
        )


async def with_typing(message: Message, work: Awaitable[T]) -> T:
    """Return the result of ``work``; if it takes longer than ``TYPING_AFTER_SECONDS``, show
    "typing…" in the message's chat meanwhile."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=TYPING_AFTER_SECONDS)
    if not done:
        try:
            await message.reply_chat_action(ChatAction.TYPING)
        except TelegramError as exc:  # only a courtesy: the answer still goes out
            logger.warning("Could not show typing in chat %s: %s", message.chat_id, exc)
    return await task


async def send_more(
    update: Update, context: Context, logged: LoggedQuestion, target: Message
) -> str | None:
    """Send the next passages for a logged question under ``target``; when there are none,
    send nothing and return the line that says why."""
    svc = services(context)
    offset = logged.offset + svc.chat.top
    if not await svc.run(more_pages.claim, svc.questions.db, logged.id, update.update_id):
        return ALREADY_MORE
    try:
        reply = await svc.run(
            svc.chat.answer, logged.question, offset=offset, context=logged.context
        )
        if isinstance(reply, Notice):
            line: str | None = reply.text
        elif not reply.answer.found:
            line = reply.answer.message or NO_MORE
        else:
            await deliver(
                update,
                context,
                reply,
                kind="more",
                question=logged.question,
                target=target,
                offset=offset,
            )
            return None
    except Exception:
        # Not sent: a later press may try again.
        await svc.run(more_pages.release, svc.questions.db, logged.id, update.update_id)
        raise
    await svc.run(more_pages.release, svc.questions.db, logged.id, update.update_id)
    return line
