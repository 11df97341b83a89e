"""The terminal chat: the bot's conversation, in plain text, on stdin and stdout.

It answers through the same ``Conversation`` as the Telegram bot, with the same commands
(/ask, /check, /brief, /sources, /help), so a question gets the same passages in both.
"""

from __future__ import annotations

from typing import Any

import click

from bot.conversation import Conversation, Notice, help_text, usage
from bot.render import render_text
from retrieval.archive import Archive

QUIT = ("/quit", "/exit", "quit", "exit")


def respond(archive: Archive, text: str, state: dict[str, Any]) -> str | None:
    """Return the reply to one line typed in the chat ("" for nothing), or None to leave.

    ``state`` carries the last question and its offset between calls, for "more".
    """
    text = text.strip()
    if not text:
        return ""
    if text.lower() in QUIT:
        return None
    conversation = Conversation(archive)
    command, _, args = text.partition(" ")
    command = command.lower().split("@", 1)[0]
    args = args.strip()
    if command in ("/help", "/start", "help"):
        return help_text(terminal=True)
    if command == "/sources":
        return render_text(conversation.sources())
    if command == "/brief":
        return render_text(conversation.brief(args))
    if command == "/check":
        return render_text(conversation.check(args))
    if text.lower() == "more":
        if not state.get("question"):
            return "Ask a question first."
        question, offset = state["question"], state.get("offset", 0) + conversation.top
    elif command == "/ask":
        question, offset = args, 0
    elif command.startswith("/"):
        return f"Unknown command {command}. /help lists the commands."
    else:
        question, offset = text, 0
    reply = conversation.ask(question, offset=offset)
    if not isinstance(reply, Notice):
        state["question"], state["offset"] = question, offset
    elif not question:
        return usage("ask")
    return render_text(reply)


def run_terminal_chat(archive: Archive) -> None:
    """Read questions from the terminal until /quit or end of input, answering each."""
    # Load (or build) the index before the prompt, so that its log line and its cost come
    # before the first question rather than in the middle of the conversation.
    archive.index()
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
        reply = respond(archive, line, state)
        if reply is None:
            return
        if reply:
            click.echo(reply + "\n")
