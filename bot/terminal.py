"""The terminal chat: the bot's conversation, in plain text, on stdin and stdout."""

from __future__ import annotations

import re

import click

from bot.render import render_brief_plain, render_plain, render_sources_plain
from retrieval.archive import Archive
from retrieval.errors import RetrievalError

HELP = """Type a question and press Enter. Filters may go inside it: vol:4 issue:142 in:Monitor
since:1998-07-01 until:1998-12-31.
  more                         the next results for the last question
  /brief PUBLICATION VOL ISSUE the whole brief, e.g. /brief Monitor 4 139
  /sources                     what the archive holds
  /help                        this help;  /quit (or Ctrl-D) leaves"""


def respond(archive: Archive, text: str, state: dict) -> str | None:
    """Return the reply to one line typed in the chat, or None to leave."""
    text = text.strip()
    if not text:
        return ""
    if text in ("/quit", "/exit", "quit", "exit"):
        return None
    if text in ("/help", "/start", "help"):
        return HELP
    if text == "/sources":
        return render_sources_plain(archive.store.stats())
    if text.startswith("/brief"):
        m = re.fullmatch(r"/brief\s+(.+?)\s+(\d+)\s+(\d+)", text)
        if not m:
            return "Usage: /brief PUBLICATION VOLUME ISSUE, e.g. /brief Monitor 4 139"
        try:
            briefs = archive.briefs(m.group(1).strip('"'), int(m.group(2)), int(m.group(3)))
        except RetrievalError as exc:
            return str(exc)
        return "\n\n".join(render_brief_plain(b) for b in briefs)
    question, offset = text, 0
    if text.lower() == "more":
        if not state.get("question"):
            return "Ask a question first."
        question, offset = state["question"], state.get("offset", 0) + 3
    try:
        answer = archive.ask(question, offset=offset)
    except RetrievalError as exc:
        return str(exc)
    state["question"], state["offset"] = question, offset
    if not answer.found and offset:
        return "No more passages match that question."
    return render_plain(answer)


def run_terminal_chat(archive: Archive) -> None:
    """Read questions from the terminal until /quit or end of input, answering each."""
    stats = archive.store.stats()
    click.echo(
        f"briefbot — {stats['briefs']} briefs, {stats['passages']} passages. "
        "Ask a question (/help for commands, /quit to leave)."
    )
    state: dict = {}
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
