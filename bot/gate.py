"""Who may ask: the access gate that runs before every handler, and the rate limit on questions.

The gate lets allowed people through and refuses everyone else in one line, with no archive
content; ``take_question`` holds back someone over the rate limit. The lists themselves live in
``bot.state.access``.
"""

from __future__ import annotations

import logging
import re

from telegram import InlineQueryResultsButton, Message, Update
from telegram.constants import ChatType, MessageEntityType
from telegram.ext import ApplicationHandlerStop

from bot.help import COMMANDS
from bot.render import escape
from bot.services import BotServices, Context, services
from bot.state.access import AccessList, Verdict, Who

logger = logging.getLogger(__name__)

GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)


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


def rate_line(svc: BotServices, user_id: int) -> str:
    """Return the one polite line for someone over the rate limit."""
    wait = svc.limiter.retry_in(user_id)
    limit = svc.settings.rate_limit
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
    return without_mention(text, bot_username)


def without_mention(text: str, bot_username: str) -> str:
    """Return ``text`` without the bot's own @username (in any case), white space folded: the
    name says who is asked, it is not part of the question. A text that does not name the bot
    is returned as it is (its line breaks kept)."""
    mention = re.compile(rf"@{re.escape(bot_username)}\b", re.I)
    if mention.search(text) is None:
        return text
    return " ".join(mention.sub(" ", text).split())


def leading_command(message: Message) -> tuple[str, str] | None:
    """Return the command that opens ``message`` as typed ("/Ask") and its @target ("" when
    none), read from Telegram's entities; None when the message opens with no command."""
    commands = message.parse_entities([MessageEntityType.BOT_COMMAND])
    for entity, value in commands.items():
        if entity.offset == 0:
            name, _, target = value.partition("@")
            return name, target
    return None


def for_other_bot(message: Message, bot_username: str) -> bool:
    """Return whether ``message`` opens with a command addressed to another bot
    ("/ask@OtherBot"): no chat's business of ours, private ones included."""
    command = leading_command(message)
    return command is not None and command[1].lower() not in ("", bot_username.lower())


def _is_our_command(message: Message, bot_username: str) -> bool:
    command = leading_command(message)
    if command is None:
        return False
    name, target = command
    known = any(c.name == name[1:].lower() for c in COMMANDS)
    return (not target and known) or target.lower() == bot_username.lower()


def _is_for_us(update: Update, context: Context) -> bool:
    """Return whether the update asks something of the bot (so a stranger deserves a refusal)."""
    if update.callback_query or update.inline_query:
        return True
    message = update.message
    if message is None or message.from_user is None:
        return False
    return addressed_to_bot(message, context.bot.id, context.bot.username)


def addressed_to_bot(message: Message, bot_id: int, bot_username: str) -> bool:
    """Return whether ``message`` is for the bot: in a private chat anything but another bot's
    command; in a group our command, a mention of the bot or a reply to it."""
    if message.chat.type == ChatType.PRIVATE:
        return not for_other_bot(message, bot_username)  # all but another bot's commands
    if _is_our_command(message, bot_username):
        return True
    return addressed_text(message, bot_id, bot_username) is not None


def _is_admin_command(update: Update, access: AccessList) -> bool:
    """Return whether the update is an admin's /allow or /deny (they work in any chat, so an
    admin can allow a group from inside it)."""
    message = update.message
    if message is None or message.from_user is None or not message.text:
        return False
    command = leading_command(message)
    return (
        command is not None
        and command[0].lower() in ("/allow", "/deny")
        and access.is_admin(message.from_user.id)
    )


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
    inline = InlineQueryResultsButton(
        text=f"Not allowed (user id {user.id}): tap for how to ask", start_parameter="access"
    )
    await _turn_away(update, line, inline)
    raise ApplicationHandlerStop


async def take_question(update: Update, context: Context) -> bool:
    """Return whether the asker is within the rate limit; if not, tell them in one line."""
    svc = services(context)
    user = update.effective_user
    if user is None or svc.limiter.allow(user.id):
        return True
    inline = InlineQueryResultsButton(
        text="Too many questions; wait a minute", start_parameter="help"
    )
    await _turn_away(update, rate_line(svc, user.id), inline)
    return False


async def _turn_away(update: Update, line: str, inline: InlineQueryResultsButton) -> None:
    """Tell the sender ``line``: an alert for a button press, ``inline`` (a button over no
    results) for an inline query, a reply for a message."""
    if update.callback_query:
        # An alert holds at most 200 characters.
        await update.callback_query.answer(line[:200], show_alert=True)
    elif update.inline_query:
        await update.inline_query.answer([], cache_time=0, is_personal=True, button=inline)
    elif update.effective_message:
        await update.effective_message.reply_text(escape(line))
