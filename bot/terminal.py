"""The terminal chat: the bot's conversation, in plain text, on stdin and stdout.

It answers through the same ``ChatService`` as the Telegram bot, with the same commands
(/ask, /check, /brief, /sources, /help), so a question gets the same passages in both. As in the
bot's private chat, a question typed soon after an answer may continue it (``new`` starts
afresh); the terminal keeps that context in memory only, for the session.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import click

from bot.chat import STARTED_AFRESH, ChatService, asks_for_more
from bot.config import DEFAULT_FOLLOWUP_MINUTES
from bot.gate import without_mention
from bot.help import help_text, split_command, usage
from bot.render import render_text
from bot.replies import AnswerReply, Notice
from retrieval.archive import DEFAULT_TOP, Archive
from retrieval.text.followup import Earlier, chain

TERMINAL_NAME = "briefbot"
"""The bot's name in the terminal chat, where there is no Telegram username: "@briefbot" is
taken out of a message as the bot takes out its own."""

QUIT = ("/quit", "/exit", "quit", "exit")

TELEGRAM_ONLY = {
    "digest": "briefbot digest preview CHAT_ID shows a chat's next digest",
    "watch": "briefbot digest preview CHAT_ID shows what a chat's digest would quote",
    "unwatch": "briefbot digest list shows the chats that get digests",
    "watches": "briefbot digest list shows the chats that get digests",
    "allow": "BRIEFBOT_ALLOWED says who may use the bot; briefbot access list shows it",
    "deny": "BRIEFBOT_ALLOWED says who may use the bot; briefbot access list shows it",
    "remove": "briefbot remove PUBLICATION VOLUME ISSUE takes briefs out",
    "stats": "briefbot stats shows what the archive holds (/sources here)",
}
"""The bot's commands that act on a Telegram chat (digests, topics, access, removal, its
statistics), each with the command-line way to do it here."""
TELEGRAM_ONLY_LINE = "{command} works in the Telegram bot, not here; {instead}."


def _earlier(state: dict[str, Any], now: float, minutes: int) -> list[str]:
    """Return the questions a line typed at ``now`` may continue: the last answered one (with
    the context it was read with) when it came less than ``minutes`` ago, else none."""
    last = state.get("last")
    if not last or now - state.get("answered_at", 0.0) > minutes * 60:
        return []
    kind = state.get("kind", "ask")
    # "more" pages the last question: its offset is that of the page shown last.
    offset = state.get("offset", 0) if kind == "ask" and state.get("question") == last else 0
    return Earlier(chain(state.get("context", []), last), kind=kind, offset=offset)


def respond(
    archive: Archive,
    text: str,
    state: dict[str, Any],
    *,
    top: int = DEFAULT_TOP,
    followup_minutes: int = DEFAULT_FOLLOWUP_MINUTES,
    now: float | None = None,
) -> str | None:
    """Return the reply to one line typed in the chat ("" for nothing), or None to leave.

    ``state`` carries the last question, its offset and the context it was read with between
    calls, for "more" and for follow-ups. Answers quote ``top`` passages, as the bot's
    ``BRIEFBOT_TOP`` says; a line typed within ``followup_minutes`` of an answer
    may continue its question, as in the bot's private chat; ``new`` forgets it. ``now`` is
    the time (``time.monotonic``) the line was typed.
    """
    text = text.strip()
    if not text:
        return ""
    if text.lower() in QUIT:
        return None
    now = time.monotonic() if now is None else now
    conversation = ChatService(archive, top=top)
    # "@briefbot who fled?", as a group writes to the bot: its name is not part of the question
    # (the bot takes out its own @username the same way).
    text = without_mention(text, TERMINAL_NAME) or text
    command, args = split_command(text)
    command = command.lower().split("@", 1)[0]
    args = args.strip()
    if command in ("/help", "/start", "help"):
        return help_text(terminal=True)
    if text.lower() in ("new", "/new"):
        for key in ("last", "context", "answered_at", "kind", "question", "offset", "more_context"):
            state.pop(key, None)
        return STARTED_AFRESH
    if command == "/sources":
        return render_text(conversation.sources())
    if command == "/brief":
        return render_text(conversation.brief(args))
    earlier = _earlier(state, now, followup_minutes)
    if command == "/check":
        checked = conversation.follow_check(args, earlier)
        if not isinstance(checked, Notice):
            state.update(last=args, context=checked.context, answered_at=now, kind="check")
        return render_text(checked)
    if asks_for_more(text):
        if not state.get("question"):
            return "Ask a question first."
        question, offset = state["question"], state.get("offset", 0) + conversation.top
        reply = conversation.answer(question, offset=offset, context=state.get("more_context", []))
    elif command.startswith("/") and command != "/ask":
        if command[1:] in TELEGRAM_ONLY:
            return TELEGRAM_ONLY_LINE.format(command=command, instead=TELEGRAM_ONLY[command[1:]])
        return f"Unknown command {command}. /help lists the commands."
    else:
        question, offset = (args if command == "/ask" else text), 0
        reply = conversation.follow(question, earlier)
    if isinstance(reply, Notice):
        return usage("ask") if not question else reply.text
    context = reply.context if isinstance(reply, AnswerReply) else []
    state.update(question=question, offset=offset, more_context=context)
    if not isinstance(reply, AnswerReply) or reply.continued:
        state.update(last=question, context=context, answered_at=now, kind="ask")
    return render_text(reply)


def _not_routine(record: logging.LogRecord) -> bool:
    """Return False for the log line of an index loaded as saved ("index loaded from …")."""
    return not str(record.msg).startswith("index loaded from")


def run_terminal_chat(
    archive: Archive,
    *,
    top: int = DEFAULT_TOP,
    followup_minutes: int = DEFAULT_FOLLOWUP_MINUTES,
) -> None:
    """Read questions from the terminal until /quit or end of input, answering each with ``top``
    passages (the bot's ``BRIEFBOT_TOP``)."""
    # Load (or build) the index before the prompt, so that its log line and its cost come
    # before the first question rather than in the middle of the conversation. A build is
    # logged (it may take a while); a routine load is not: the line above the banner was noise.
    catchup = logging.getLogger("retrieval.catchup")
    catchup.addFilter(_not_routine)
    try:
        archive.index()
    finally:
        catchup.removeFilter(_not_routine)
    stats = archive.store.stats()
    click.echo(
        f"briefbot — {stats['briefs']} briefs, {stats['passages']} passages. "
        "Ask a question (/help for commands, /quit to leave)."
    )
    state: dict[str, Any] = {}
    while True:
        try:
            line = input("> ")
        except (EOFError, KeyboardInterrupt):
            click.echo("")
            return
        reply = respond(archive, line, state, top=top, followup_minutes=followup_minutes)
        if reply is None:
            return
        if reply:
            click.echo(reply + "\n")
