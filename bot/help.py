"""The bot's commands: the registry (``COMMANDS``), each command's usage line, splitting a typed
command from its arguments, and the /help text. Telegram-free: the terminal chat uses it too."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    """A command of the chat: its name, arguments, what it does and one example."""

    name: str
    args: str
    description: str
    example: str
    admin: bool = False
    in_terminal: bool = True


COMMANDS: list[Command] = [
    Command("start", "", "what this bot does", "/start"),
    Command("help", "", "the commands, one example each", "/help"),
    Command(
        "ask",
        "QUESTION",
        "quote the passages that answer a question",
        "/ask Why did the IMF cut Russia's first tranche?",
    ),
    Command(
        "check",
        "CLAIM",
        "quote what bears on a claim; compare its numbers, dates and names; name a passage "
        "saying otherwise",
        "/check The IMF cut the first tranche to US$4.8 billion",
    ),
    Command("new", "", "start afresh: the next question is read on its own", "/new"),
    Command("brief", "PUBLICATION VOLUME ISSUE", "show a whole brief", "/brief Monitor 4 139"),
    Command("sources", "", "what the archive holds", "/sources"),
    # Digests and topics (issue 4, bot/handlers/digest.py).
    Command(
        "digest",
        "HH:MM [TIMEZONE] | off | now",
        "a daily digest of new briefs; /digest alone shows it",
        "/digest 08:00 Europe/Berlin",
        in_terminal=False,
    ),
    Command(
        "watch",
        "QUERY",
        "add a topic: digests quote the new passages on it",
        "/watch corruption Kazakhstan vol:4",
        in_terminal=False,
    ),
    Command("unwatch", "N", "remove topic N", "/unwatch 1", in_terminal=False),
    Command("watches", "", "list the topics", "/watches", in_terminal=False),
    Command(
        "allow",
        "USER_ID|@USERNAME|CHAT_ID",
        "let someone use the bot",
        "/allow @alice",
        admin=True,
        in_terminal=False,
    ),
    Command(
        "deny",
        "USER_ID|@USERNAME|CHAT_ID",
        "stop someone using the bot",
        "/deny 123456789",
        admin=True,
        in_terminal=False,
    ),
    Command(
        "remove",
        "--doc-id ID | PUBLICATION VOLUME ISSUE | --source PATH [--dry-run]",
        "take briefs out of the archive (after a confirmation button)",
        "/remove Monitor 4 180",
        admin=True,
        in_terminal=False,
    ),
    Command(
        "stats",
        "",
        "questions asked, unanswered questions, feedback, who has access",
        "/stats",
        admin=True,
        in_terminal=False,
    ),
]
"""Every command, in the order /help lists them. A front end that adds commands appends here, so
that /help and the Telegram command menu (``set_my_commands``) list them too."""

FILTERS_HELP = (
    "Filters may go inside a question: vol:4  issue:142  in:Monitor  since:1998-07-01  "
    "until:1998-12-31, or as a citation writes them (Monitor, Vol. 4, Issue 142)\n"
    "  e.g. /ask Tengiz oil exports in:Monitor since:1998-07-01"
)

FOLLOWUP_HELP = (
    "Follow-ups: reply to one of my answers, or (in a private chat) write within a few minutes "
    'of it, and a question that does not stand on its own ("when did he take office?", '
    '"and in Belarus?") is read with your earlier question; the answer says so and has an '
    "Ask on its own button (a short question taken for a new subject has a Read with earlier "
    "question button). /new starts afresh."
)
FOLLOWUP_HELP_TERMINAL = (
    "Follow-ups: a question typed within a few minutes of an answer that does not stand on its "
    'own ("when did he take office?", "and in Belarus?") is read with the earlier '
    "question; new (or /new) starts afresh."
)

SLIPS_HELP = (
    'Typing slips: a word no brief uses is read as the briefs\' word one slip away ("pipline" as '
    '"pipeline"); the answer says so on its first line.'
)

LATEST_HELP = (
    'Newest first: ask for the latest ("what\'s the latest on Georgia?") and the passages on it '
    'come newest brief first; "what\'s new?" alone lists the newest briefs. Spans of time count '
    'back from today: "what happened last week?", "anything on Georgia this month?".'
)

UPLOAD_HELP = "Admins: send me a .txt or .jsonl file (as a document) to add its briefs."


def usage(name: str) -> str:
    """Return the one-line usage of command ``name`` with its example."""
    cmd = next(c for c in COMMANDS if c.name == name)
    args = f" {cmd.args}" if cmd.args else ""
    return f"Usage: /{cmd.name}{args}, e.g. {cmd.example}"


def split_command(text: str) -> tuple[str, str]:
    """Return the first word of ``text`` (the command, "/ask@bot" as typed) and the rest,
    stripped: ``"/ask@bot  why?"`` gives ``("/ask@bot", "why?")``.

    The text after a command is kept as written (line breaks too); a handler that wants the
    words separately reads python-telegram-bot's ``context.args``.
    """
    parts = text.split(None, 1)
    if not parts:
        return "", ""
    return parts[0], parts[1].strip() if len(parts) > 1 else ""


def help_text(
    *,
    bot_username: str | None = None,
    admin: bool = False,
    terminal: bool = False,
    inline: bool = True,
) -> str:
    """Return /help: every command with one example, the filters, and how groups and inline work
    (``inline``: whether ``BRIEFBOT_INLINE`` lets users share passages into any chat).

    Admin commands are listed for admins only; the terminal lists only what it supports.
    """
    lines = [
        "I answer from the archive of news briefs: I quote the passages and cite each one "
        "(Monitor, Vol. 4, Issue 142). I never write answers of my own.",
        "",
        "Type a question and press Enter." if terminal else "In a private chat, just type.",
    ]
    for cmd in COMMANDS:
        if (terminal and not cmd.in_terminal) or (cmd.admin and not admin):
            continue
        args = f" {cmd.args}" if cmd.args else ""
        lines.append(f"/{cmd.name}{args} — {cmd.description}\n  e.g. {cmd.example}")
    lines.append(FILTERS_HELP)
    lines.append(FOLLOWUP_HELP_TERMINAL if terminal else FOLLOWUP_HELP)
    lines.append(SLIPS_HELP)
    lines.append(LATEST_HELP)
    if admin and not terminal:
        lines.append(UPLOAD_HELP)
    if terminal:
        lines.append(
            "more (or tell me more, go on) — the next passages for the last question;  /quit "
            "(or Ctrl-D) leaves"
        )
    else:
        name = f"@{bot_username}" if bot_username else "@botname"
        lines.append(
            f"Under each answer: More (or type more, tell me more), Full brief, and 👍/👎 to "
            f"tell us how it "
            f"did.\n"
            f"In groups the bot's admins have allowed, I answer /ask, /check, messages that "
            f"mention {name} and replies to my messages; in other groups, nothing from the "
            f"archive.\n"
            + (
                f"In any chat, type {name} and a question to share a quote."
                if inline
                else "Inline sharing is off here: ask me in a chat where I answer."
            )
        )
    return "\n".join(lines)
