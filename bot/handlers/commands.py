"""Thin async handlers: parse the update, call the Conversation off the event loop, render, reply.

This module holds the access gate, the question and command handlers and the error handler;
``bot.handlers.buttons`` holds the buttons and inline mode, ``bot.handlers.admin`` the admin
commands.
Handlers reach the archive and the bot's tables through ``BotServices`` in ``context.bot_data``.
Every database call runs on one worker thread (``BotServices.run``), so SQLite is only ever used
from that thread and the event loop never waits on the disk or an index rebuild.
"""

from __future__ import annotations

import asyncio
import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultsButton,
    Message,
    Update,
)
from telegram.constants import ChatAction, ChatType, MessageEntityType
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes

from bot.config import Settings
from bot.render import escape, render_html
from bot.service import (
    COMMANDS,
    NO_MORE,
    AnswerReply,
    CheckReply,
    Conversation,
    Notice,
    Reply,
    help_text,
    usage,
)
from bot.state import more_pages
from bot.state.access import AccessList, RateLimiter, Verdict, Who
from bot.state.followups import Followups, alone_data, asked_from
from bot.state.journal import UpdateJournal
from bot.state.question_log import LoggedQuestion, QuestionLog
from retrieval.text.prose import shorten

logger = logging.getLogger(__name__)

T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE

SERVICES_KEY = "briefbot"
TYPING_AFTER_SECONDS = 1.0
"""Show "typing…" only when an answer takes longer than this (each action is a call that counts
against Telegram's limits: 20 a minute in a group)."""
ALREADY_MORE = "I already sent the next passages for that answer; scroll down to them."
SOMETHING_WENT_WRONG = "Sorry, something went wrong on my side. Please try again in a moment."
GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)


@dataclass
class BotServices:
    """What the handlers use: settings, the conversation, access, rate limit and question log."""

    settings: Settings
    conversation: Conversation
    access: AccessList
    limiter: RateLimiter
    questions: QuestionLog
    executor: ThreadPoolExecutor
    journal: UpdateJournal

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Return ``fn(*args, **kwargs)``, run on the database thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, partial(fn, *args, **kwargs))


def services(context: Context | Application[Any, Any, Any, Any, Any, Any]) -> BotServices:
    """Return the BotServices stored in ``bot_data`` by ``build_application``."""
    return context.bot_data[SERVICES_KEY]


# -- who is asking ------------------------------------------------------------------------


def refusal_line(who: Who, *, group: bool = False) -> str:
    """Return the one line an unlisted person gets: their id and how to ask for access."""
    where = f" and this chat's id is {who.chat_id}" if group and who.chat_id is not None else ""
    return (
        f"Sorry, this bot is only for its team. Your Telegram user id is {who.user_id}{where}: "
        f"send it to the bot's admin and ask them to /allow {who.user_id}."
    )


def not_listed_line(chat_id: int) -> str:
    """Return the one line an allowed member gets in a group that is not allowed."""
    return (
        f"This group (chat id {chat_id}) is not on the bot's list, so I post nothing from the "
        f"archive here; a bot admin can add it with /allow {chat_id}"
    )


def rate_line(services_: BotServices, user_id: int) -> str:
    """Return the one polite line for someone over the rate limit."""
    wait = services_.limiter.retry_in(user_id)
    limit = services_.settings.rate_limit
    questions = "question" if limit == 1 else "questions"
    return (
        f"You have reached the limit of {limit} {questions} a minute; "
        f"please wait {wait} s and ask again."
    )


def addressed_text(message: Message, bot_id: int, bot_username: str) -> str | None:
    """Return the question in a group message addressed to the bot (a mention of it or a reply to
    one of its messages), without the mention; None when the message is chatter."""
    text = message.text or ""
    mention = "@" + bot_username.lower()
    mentioned = any(
        value.lower() == mention
        for value in message.parse_entities([MessageEntityType.MENTION]).values()
    )
    reply = message.reply_to_message
    replied = reply is not None and reply.from_user is not None and reply.from_user.id == bot_id
    if not mentioned and not replied:
        return None
    return " ".join(re.sub(rf"@{re.escape(bot_username)}\b", " ", text, flags=re.I).split())


def _is_our_command(message: Message, bot_username: str) -> bool:
    commands = message.parse_entities([MessageEntityType.BOT_COMMAND])
    for entity, value in commands.items():
        if entity.offset != 0:
            continue
        name, _, target = value[1:].partition("@")
        known = any(c.name == name.lower() for c in COMMANDS)
        return (not target and known) or target.lower() == bot_username.lower()
    return False


def _is_for_us(update: Update, context: Context) -> bool:
    """Return whether the update asks something of the bot (so a stranger deserves a refusal)."""
    if update.callback_query or update.inline_query:
        return True
    message = update.message
    if message is None or message.from_user is None:
        return False
    if message.chat.type == ChatType.PRIVATE:
        return True
    bot = context.bot
    if _is_our_command(message, bot.username):
        return True
    return addressed_text(message, bot.id, bot.username) is not None


def _is_admin_command(update: Update, access: AccessList) -> bool:
    """Return whether the update is an admin's /allow or /deny (they work in any chat, so an
    admin can allow a group from inside it)."""
    message = update.message
    if message is None or message.from_user is None or not message.text:
        return False
    name = message.text.split(None, 1)[0].partition("@")[0].lower()
    return name in ("/allow", "/deny") and access.is_admin(message.from_user.id)


async def _learn_chat(update: Update, svc: BotServices) -> None:
    """Remember the chat an update came from, and whether the bot is still in it (the access
    audit lists groups the bot is in that are not allowed); writes only what changed."""
    chat = update.effective_chat
    if chat is None:
        return
    member = update.my_chat_member
    status = member.new_chat_member.status if member else None
    record = svc.access.seen_chat(chat.id, chat.type, chat.title, chat.username, status=status)
    if record is not None:
        await svc.run(svc.access.save_chat, record)


async def gate(update: Update, context: Context) -> None:
    """Let allowed people through; refuse everyone else in one line, with no archive content.

    Runs before every other handler (group -1). In a group the chat must be allowed, whoever
    asks (everyone in it reads the answer); an allowed member of a group that is not gets one
    line saying so. Stops the update for strangers and for updates that are not for the bot
    (edits, chatter, channel posts).
    """
    svc = services(context)
    await _learn_chat(update, svc)
    user = update.effective_user
    if user is None:
        raise ApplicationHandlerStop
    chat = update.effective_chat
    who = Who(user.id, user.username, chat.id if chat and not update.inline_query else None)
    verdict = svc.access.decide(who)
    if verdict is Verdict.ALLOWED:
        return
    if verdict is Verdict.GROUP_NOT_LISTED and _is_admin_command(update, svc.access):
        return
    if not _is_for_us(update, context):
        raise ApplicationHandlerStop
    logger.info("Refused user %s in chat %s (%s)", user.id, who.chat_id, verdict.value)
    if verdict is Verdict.GROUP_NOT_LISTED and who.chat_id is not None:
        line = not_listed_line(who.chat_id)
    else:
        line = refusal_line(who, group=bool(chat and chat.type in GROUPS))
    if update.callback_query:
        await update.callback_query.answer(line[:200], show_alert=True)
    elif update.inline_query:
        await update.inline_query.answer(
            [],
            cache_time=0,
            is_personal=True,
            button=InlineQueryResultsButton(
                text=f"Not allowed (user id {user.id}): tap for how to ask",
                start_parameter="access",
            ),
        )
    elif update.message:
        await update.message.reply_text(escape(line))
    raise ApplicationHandlerStop


# -- replying -----------------------------------------------------------------------------


async def send_html(
    message: Message,
    chunks: list[str],
    *,
    markup: InlineKeyboardMarkup | None = None,
    quote: bool = False,
) -> list[Message]:
    """Send message chunks in order (the keyboard under the last); never an empty message.
    Return the messages sent."""
    chunks = [c for c in chunks if c.strip()]
    if not chunks:
        logger.warning("Nothing to send in chat %s", message.chat_id)
        return []
    sent = []
    for n, chunk in enumerate(chunks):
        last = n == len(chunks) - 1
        sent.append(
            await message.reply_text(
                chunk, reply_markup=markup if last else None, do_quote=quote and n == 0
            )
        )
    return sent


def alone_button(question_id: int) -> InlineKeyboardButton:
    """Return the "Ask on its own" button under a follow-up's answer."""
    return InlineKeyboardButton("Ask on its own", callback_data=alone_data(question_id))


def answer_keyboard(question_id: int, reply: AnswerReply | CheckReply) -> InlineKeyboardMarkup:
    """Return the buttons under an answer: More (if there is more), 👍/👎, and Full brief.

    Callback data stays far under Telegram's 64 bytes: the question's id in the log, or a
    brief's id.
    """
    hits = reply.answer.hits if isinstance(reply, AnswerReply) else reply.evidence
    if not hits:
        return InlineKeyboardMarkup([[alone_button(question_id)]])
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
        )
        if hits or reply.context:
            markup = answer_keyboard(question_id, reply)
    group = target.chat.type in GROUPS
    # Rendering is pure CPU work: off the event loop, so other chats' updates go on meanwhile.
    chunks = await asyncio.to_thread(render_html, reply)
    sent = await send_html(target, chunks, markup=markup, quote=group)
    if question_id is not None:
        await svc.run(
            Followups(svc.questions.db).remember,
            question_id,
            chat_id=target.chat_id,
            user_id=user.id if user else None,
            private=target.chat.type == ChatType.PRIVATE,
            message_ids=[m.message_id for m in sent],
        )


async def take_question(update: Update, context: Context) -> bool:
    """Return whether the asker is within the rate limit; if not, tell them in one line."""
    svc = services(context)
    user = update.effective_user
    if user is None or svc.limiter.allow(user.id):
        return True
    line = rate_line(svc, user.id)
    if update.callback_query:
        await update.callback_query.answer(line, show_alert=True)
    elif update.inline_query:
        await update.inline_query.answer(
            [],
            cache_time=0,
            is_personal=True,
            button=InlineQueryResultsButton(
                text="Too many questions; wait a minute", start_parameter="help"
            ),
        )
    elif update.effective_message:
        await update.effective_message.reply_text(escape(line))
    return False


async def answer_question(
    update: Update, context: Context, question: str, *, kind: str = "ask"
) -> None:
    """Answer ``question`` (``kind`` "ask") or check a claim (``kind`` "check") in the update's
    chat: usage line if empty, rate limit, typing…, quotes and buttons."""
    message = update.effective_message
    if message is None:
        return
    # Telegram clients send what the keyboard typed: "é" may come as "e" plus a combining accent.
    # NFC joins the pair, so a question's length is counted in the characters the asker sees.
    question = unicodedata.normalize("NFC", question)
    if not question.strip():
        await message.reply_text(escape(usage(kind)))
        return
    if not await take_question(update, context):
        return
    svc = services(context)
    # A reply to an answer, or a private message soon after one, may continue its question.
    asked = asked_from(message, context.bot.id)
    earlier: list[str] = []
    if asked is not None:
        followups = Followups(svc.questions.db)
        earlier = await svc.run(followups.earlier, asked, svc.settings.followup_minutes)
    run = svc.conversation.follow_check if kind == "check" else svc.conversation.follow
    reply = await with_typing(message, svc.run(run, question, earlier))
    await deliver(update, context, reply, kind=kind, question=question, target=message)


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


def _command_args(message: Message, bot_id: int) -> str:
    """Return the text after the command ("/ask@bot  why?" -> "why?"), or, when the command
    stands alone, the text of the message it replies to if someone else wrote that message (not
    the asker, not the bot: an answer of ours is no question)."""
    parts = (message.text or "").split(None, 1)
    args = parts[1].strip() if len(parts) > 1 else ""
    reply = message.reply_to_message
    if args or reply is None or not reply.text or reply.from_user is None:
        return args
    asker = message.from_user.id if message.from_user else None
    if reply.from_user.id in (bot_id, asker):
        return ""
    return reply.text.strip()


# -- commands -----------------------------------------------------------------------------


async def start(update: Update, context: Context) -> None:
    """Greet: what the bot does, the commands, and the user's id."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    svc = services(context)
    if context.args == ["access"]:
        await message.reply_text(escape("You have access. Ask me anything about the archive."))
        return
    text = help_text(
        bot_username=context.bot.username,
        admin=svc.access.is_admin(user.id),
        inline=svc.settings.inline,
    )
    await message.reply_text(escape(f"{text}\n\n(Your Telegram user id is {user.id}.)"))


async def help_command(update: Update, context: Context) -> None:
    """Send /help: every command with one example."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    svc = services(context)
    text = help_text(
        bot_username=context.bot.username,
        admin=svc.access.is_admin(user.id),
        inline=svc.settings.inline,
    )
    await message.reply_text(escape(text))


async def ask(update: Update, context: Context) -> None:
    """/ask QUESTION (or /ask in reply to a message): quote the passages that answer it."""
    await _ask_or_check(update, context, "ask")


async def check(update: Update, context: Context) -> None:
    """/check CLAIM: the passages that bear on the claim and what they hold of its facts."""
    await _ask_or_check(update, context, "check")


async def _ask_or_check(update: Update, context: Context, kind: str) -> None:
    message = update.effective_message
    if message is None:
        return
    args = _command_args(message, context.bot.id)
    reply = message.reply_to_message
    if not args and reply and reply.from_user and reply.from_user.id == context.bot.id:
        await message.reply_text(
            escape(
                f"Write the {'question' if kind == 'ask' else 'claim'} after /{kind}: my own "
                f"answers are not questions. {usage(kind)}"
            )
        )
        return
    await answer_question(update, context, args, kind=kind)


async def brief(update: Update, context: Context) -> None:
    """/brief PUBLICATION VOLUME ISSUE: the whole brief(s) of that issue."""
    message = update.effective_message
    if message is None:
        return
    svc = services(context)
    args = _command_args(message, context.bot.id)
    reply = await with_typing(message, svc.run(svc.conversation.brief, args))
    chunks = await asyncio.to_thread(render_html, reply)
    await send_html(message, chunks, quote=message.chat.type in GROUPS)


async def sources(update: Update, context: Context) -> None:
    """/sources: what the archive holds."""
    message = update.effective_message
    if message is None:
        return
    svc = services(context)
    reply = await svc.run(svc.conversation.sources)
    await send_html(message, render_html(reply))


async def private_message(update: Update, context: Context) -> None:
    """In a private chat any text is a question ("more" pages, as in the terminal chat)."""
    message = update.effective_message
    if message is None:
        return
    if (message.text or "").strip().lower() == "more":
        await more_text(update, context)
        return
    await answer_question(update, context, message.text or "")


async def group_message(update: Update, context: Context) -> None:
    """In a group, answer a message that mentions the bot or replies to it; ignore chatter."""
    message = update.effective_message
    if message is None:
        return
    question = addressed_text(message, context.bot.id, context.bot.username)
    if question is None:
        return
    if not question:
        name = context.bot.username
        await message.reply_text(escape(f"Ask me after my name, e.g. @{name} who is Bazhenov?"))
        return
    await answer_question(update, context, question)


async def unknown_command(update: Update, context: Context) -> None:
    """Say which commands exist when someone uses one we don't have (in groups only if it was
    addressed to us by name)."""
    message = update.effective_message
    if message is None or not message.text:
        return
    word = message.text.split(None, 1)[0]
    name, _, target = word.partition("@")
    ours = target.lower() == context.bot.username.lower()
    if (target and not ours) or (message.chat.type != ChatType.PRIVATE and not ours):
        # "/ask@OtherBot" is for another bot, in a private chat too: not ours to answer.
        logger.info("Ignored %s: a command for another bot", shorten(word, 80))
        return
    await message.reply_text(escape(f"I don't know {name}. /help lists what I can do."))


async def not_text(update: Update, context: Context) -> None:
    """In a private chat, ask for text when someone sends a sticker, photo or file."""
    if update.effective_message:
        await update.effective_message.reply_text(
            escape("Send me a question as text, e.g. Who fled with US$4 million?")
        )


# -- buttons ------------------------------------------------------------------------------


async def send_more(
    update: Update, context: Context, logged: LoggedQuestion, target: Message
) -> str | None:
    """Send the next passages for a logged question under ``target``; when there are none,
    send nothing and return the line that says why."""
    svc = services(context)
    offset = logged.offset + svc.conversation.top
    if not await svc.run(more_pages.claim, svc.questions.db, logged.id, update.update_id):
        return ALREADY_MORE
    try:
        reply = await svc.run(
            svc.conversation.ask, logged.question, offset=offset, context=logged.context
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


async def more_text(update: Update, context: Context) -> None:
    """ "more" typed in a private chat: the next passages for the chat's last question."""
    message = update.effective_message
    if message is None:
        return
    svc = services(context)
    logged = await svc.run(svc.questions.last_in_chat, message.chat_id)
    if logged is None:
        await message.reply_text(escape("Ask a question first."))
        return
    if not await take_question(update, context):
        return
    line = await with_typing(message, send_more(update, context, logged, message))
    if line:
        await message.reply_text(escape(line))


# -- errors -------------------------------------------------------------------------------


async def error_handler(update: object, context: Context) -> None:
    """Log the error with its traceback and tell the user something short (never the details)."""
    error = context.error
    if update is None:
        # Errors outside an update (polling hiccups) are logged briefly; PTB retries them.
        logger.warning("Telegram connection problem: %s", error)
        return
    logger.error("Error while handling an update", exc_info=error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query:
            await update.callback_query.answer(SOMETHING_WENT_WRONG)
        elif update.effective_message and update.effective_chat:
            await update.effective_message.reply_text(escape(SOMETHING_WENT_WRONG))
    except TelegramError as exc:
        logger.warning("Could not tell the user about the error: %s", exc)
