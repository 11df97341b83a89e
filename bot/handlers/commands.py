"""The question and command handlers: /start, /help, /ask, /check, /brief, /sources, free
text in private chats and groups, "more", unknown commands and non-text messages.

Thin: parse the update, check the rate limit (``bot.gate``), call the ``ChatService`` on the
database thread (``BotServices.run``), and reply (``bot.sending``). The access gate has already
let the update through; buttons and inline mode are ``bot.handlers.buttons``, admin commands
``bot.handlers.admin``.
"""

from __future__ import annotations

import asyncio
import logging
import unicodedata

from telegram import Message, Update
from telegram.constants import ChatType, MessageEntityType

from bot.chat import asks_for_more
from bot.gate import (
    GROUPS,
    addressed_text,
    addressed_to_bot,
    for_other_bot,
    leading_command,
    take_question,
    without_mention,
)
from bot.help import help_text, split_command, usage
from bot.render import escape, render_html
from bot.replies import Reply
from bot.sending import deliver, send_html, send_more, with_typing
from bot.services import Context, services
from bot.state.followups import asked_from
from retrieval.text.prose import shorten

logger = logging.getLogger(__name__)


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
    # "@bot who fled?" in a private chat, as in a group: the name would be searched ("none
    # mentions “briefbot”") and read into the next question as its subject.
    question = without_mention(question, context.bot.username)
    if not question.strip():
        await message.reply_text(escape(usage(kind)))
        return
    if not await take_question(update, context):
        return
    svc = services(context)
    # A reply to an answer, or a private message soon after one, may continue its question.
    asked = asked_from(message, context.bot.id)
    follow = svc.chat.follow_check if kind == "check" else svc.chat.follow
    minutes = svc.settings.followup_minutes

    def read_and_answer() -> Reply:
        # One trip to the database thread: its queue is what members wait on under load.
        earlier = [] if asked is None else svc.followups.earlier(asked, minutes)
        return follow(question, earlier)

    reply = await with_typing(message, svc.run(read_and_answer))
    await deliver(update, context, reply, kind=kind, question=question, target=message)


def _command_args(message: Message, bot_id: int) -> str:
    """Return the text after the command ("/ask@bot  why?" -> "why?"), or, when the command
    stands alone, the text of the message it replies to if someone else wrote that message (not
    the asker, not the bot: an answer of ours is no question)."""
    args = split_command(message.text or "")[1]
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
    reply = await with_typing(message, svc.run(svc.chat.brief, args))
    chunks = await asyncio.to_thread(render_html, reply)
    await send_html(message, chunks, quote=message.chat.type in GROUPS, answer=True)


async def sources(update: Update, context: Context) -> None:
    """/sources: what the archive holds."""
    message = update.effective_message
    if message is None:
        return
    svc = services(context)
    reply = await svc.run(svc.chat.sources)
    await send_html(message, render_html(reply))


async def private_message(update: Update, context: Context) -> None:
    """In a private chat any text is a question ("more", "tell me more" page, as in the terminal
    chat)."""
    message = update.effective_message
    if message is None:
        return
    if asks_for_more(message.text or ""):
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
    name, target = leading_command(message) or (split_command(message.text)[0], "")
    ours = target.lower() == context.bot.username.lower()
    if for_other_bot(message, context.bot.username) or (
        message.chat.type != ChatType.PRIVATE and not ours
    ):
        # "/ask@OtherBot" is for another bot, in a private chat too: not ours to answer.
        logger.info("Ignored %s: a command for another bot", shorten(f"{name}@{target}", 80))
        return
    await message.reply_text(escape(f"I don't know {name}. /help lists what I can do."))


EDITED_LINE = (
    "I answer new messages, not edits of old ones: send the corrected question as a new message."
)


async def edited_message(update: Update, context: Context) -> None:
    """An edited message for the bot (a typo fixed after sending): say that only new messages
    are answered, rather than leave the asker waiting. Edits of group chatter are ignored."""
    message = update.edited_message
    if message is None or message.from_user is None:
        return
    if not addressed_to_bot(message, context.bot.id, context.bot.username):
        return
    await message.reply_text(escape(EDITED_LINE))


async def group_media(update: Update, context: Context) -> None:
    """In a group, a picture or file whose caption names the bot: ask for the question as text
    (Telegram delivers it because of the mention; it was passed over in silence)."""
    message = update.effective_message
    if message is None or not message.caption:
        return
    name = context.bot.username
    mentions = message.parse_caption_entities([MessageEntityType.MENTION]).values()
    if not any(value.lower() == f"@{name.lower()}" for value in mentions):
        return
    await message.reply_text(
        escape(
            "I read questions as text, not pictures or files: "
            f"write it after my name, e.g. @{name} who is Bazhenov?"
        )
    )


async def not_text(update: Update, context: Context) -> None:
    """In a private chat, ask for text when someone sends a sticker, photo or file."""
    if update.effective_message:
        await update.effective_message.reply_text(
            escape("Send me a question as text, e.g. Who fled with US$4 million?")
        )


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
