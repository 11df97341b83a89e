"""What briefbot says, independent of where it is said: the Telegram bot and the terminal chat
both answer through ``Conversation``, so they answer alike; only the rendering differs.

Telegram-free and synchronous: every method reads the archive and returns a reply record that
``bot.render`` turns into Telegram HTML or plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from retrieval.answer import Answer, Hit
from retrieval.archive import DEFAULT_TOP, Archive
from retrieval.check import ClaimCheck, bears_on, compare_claim
from retrieval.errors import BriefNotFoundError, RetrievalError
from retrieval.query import parse_question

NOTHING_BEARS = "Nothing in the archive bears on this."
NO_MORE = "No more passages match that question."


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
        "quote what bears on a claim; compare its numbers and names",
        "/check The IMF cut the first tranche to US$4.8 billion",
    ),
    Command("brief", "PUBLICATION VOLUME ISSUE", "show a whole brief", "/brief Monitor 4 139"),
    Command("sources", "", "what the archive holds", "/sources"),
    # Digests and topics (issue 4, bot/digest_handlers.py).
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
        "stats",
        "",
        "questions asked, unanswered questions, feedback",
        "/stats",
        admin=True,
        in_terminal=False,
    ),
]
"""Every command, in the order /help lists them. A front end that adds commands appends here, so
that /help and the Telegram command menu (``set_my_commands``) list them too."""

FILTERS_HELP = (
    "Filters may go inside a question: vol:4  issue:142  in:Monitor  since:1998-07-01  "
    "until:1998-12-31\n  e.g. /ask Tengiz oil exports in:Monitor since:1998-07-01"
)

UPLOAD_HELP = "Admins: send me a .txt or .jsonl file (as a document) to add its briefs."

# "Monitor 4 139", "Fortnight in Review 4 12", "Monitor, Vol. 4, Issue 139" (a copied citation).
_BRIEF_ARGS_RE = re.compile(
    r"[\"“]?(?P<pub>.+?)[\"”]?[,\s]+(?:vol(?:ume)?\.?\s*)?(?P<vol>\d{1,6})[,\s]+"
    r"(?:(?:issue|no)\.?\s*)?(?P<issue>\d{1,6})",
    re.IGNORECASE,
)


@dataclass
class Notice:
    """A line of our own (usage, refusal, error): plain text, never archive content."""

    text: str


@dataclass
class AnswerReply:
    """Passages that answer a question; ``has_more`` says whether "More" would find others."""

    answer: Answer
    has_more: bool = False


@dataclass
class CheckReply:
    """The passages that bear on a claim and what they contain of its numbers and names.

    With no ``evidence``, ``message`` says why (nothing bears on it, or the archive is empty).
    """

    claim: str
    evidence: list[Hit] = field(default_factory=list)
    comparison: ClaimCheck | None = None
    message: str | None = None


@dataclass
class BriefReply:
    """Whole briefs (rows of the ``briefs`` table), in order."""

    briefs: list[dict[str, Any]]


@dataclass
class SourcesReply:
    """What the archive holds, as ``Store.stats`` gives it."""

    stats: dict[str, Any]


Reply = Notice | AnswerReply | CheckReply | BriefReply | SourcesReply


def usage(name: str) -> str:
    """Return the one-line usage of command ``name`` with its example."""
    cmd = next(c for c in COMMANDS if c.name == name)
    args = f" {cmd.args}" if cmd.args else ""
    return f"Usage: /{cmd.name}{args}, e.g. {cmd.example}"


def help_text(
    *, bot_username: str | None = None, admin: bool = False, terminal: bool = False
) -> str:
    """Return /help: every command with one example, the filters, and how groups and inline work.

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
    if admin and not terminal:
        lines.append(UPLOAD_HELP)
    if terminal:
        lines.append("more — the next passages for the last question;  /quit (or Ctrl-D) leaves")
    else:
        name = f"@{bot_username}" if bot_username else "@botname"
        lines.append(
            f"Under each answer: More (or type more), Full brief, and 👍/👎 to tell us how it "
            f"did.\n"
            f"In groups I answer /ask, /check, messages that mention {name} and replies to my "
            f"messages.\nIn any chat, type {name} and a question to share a quote."
        )
    return "\n".join(lines)


def parse_brief_args(text: str) -> tuple[str, int, int] | None:
    """Return (publication, volume, issue) from "/brief" arguments, or None if they don't parse."""
    m = _BRIEF_ARGS_RE.fullmatch(text.strip())
    if not m:
        return None
    return m.group("pub").strip(' ,"“”'), int(m.group("vol")), int(m.group("issue"))


class Conversation:
    """Answers, checks, briefs and sources from one archive, as reply records.

    Args:
        archive: the archive to answer from.
        top: how many passages an answer quotes.
    """

    def __init__(self, archive: Archive, *, top: int = DEFAULT_TOP):
        self.archive = archive
        self.top = top

    def ask(
        self, question: str, *, offset: int = 0, top: int | None = None
    ) -> AnswerReply | Notice:
        """Return the passages answering ``question`` from ``offset`` on, or a line saying why not.

        ``top`` overrides how many passages to quote. An answer that finds nothing carries the
        reason in ``answer.message``. A malformed or over-long question gives a Notice naming the
        problem.
        """
        if not question.strip():
            return Notice(usage("ask"))
        top = top or self.top
        try:
            answer = self.archive.ask(question, top=top + 1, offset=offset)
        except RetrievalError as exc:
            return Notice(_sentence(str(exc)))
        has_more = len(answer.hits) > top
        answer.hits = answer.hits[:top]
        if offset and not answer.found:
            answer.message = NO_MORE
        return AnswerReply(answer, has_more)

    def check(self, claim: str) -> CheckReply | Notice:
        """Return the passages that bear on ``claim`` and which of its numbers and names they hold.

        A passage bears on the claim when it shares at least half the claim's search terms (see
        ``retrieval.check.bears_on``). Nothing here says whether the claim is right.
        """
        if not claim.strip():
            return Notice(usage("check"))
        try:
            words, _ = parse_question(claim)
            answer = self.archive.ask(claim, top=self.top * 2)
        except RetrievalError as exc:
            return Notice(_sentence(str(exc)))
        if answer.reason in ("empty_archive", "nothing_to_search"):
            return CheckReply(claim, message=answer.message)
        bearing = [h for h in answer.hits if bears_on(words, h.text)][: self.top]
        # Number the evidence 1, 2, 3 as shown, not by the rank each had among all hits.
        evidence = [replace(h, rank=n) for n, h in enumerate(bearing, start=1)]
        if not evidence:
            return CheckReply(claim, message=NOTHING_BEARS)
        return CheckReply(claim, evidence, compare_claim(words, [h.text for h in evidence]))

    def brief(self, args: str) -> BriefReply | Notice:
        """Return the whole briefs of the issue named in ``args`` ("Monitor 4 139")."""
        parsed = parse_brief_args(args)
        if parsed is None:
            return Notice(usage("brief"))
        try:
            return BriefReply(self.archive.briefs(*parsed))
        except BriefNotFoundError as exc:
            # The library points at the command line ('briefbot stats'); a chat has /sources.
            what = str(exc).split("; see ", 1)[0]
            return Notice(_sentence(f"{what}; /sources shows what the archive holds"))
        except RetrievalError as exc:
            return Notice(_sentence(str(exc)))

    def brief_by_id(self, brief_id: int) -> BriefReply | Notice:
        """Return the brief with this id (the "Full brief" button), or a line saying it is gone."""
        try:
            return BriefReply([self.archive.store.get_brief(brief_id)])
        except RetrievalError:
            return Notice("That brief is no longer in the archive; ask the question again.")

    def sources(self) -> SourcesReply:
        """Return what the archive holds."""
        return SourcesReply(self.archive.store.stats())


def _sentence(text: str) -> str:
    """Return ``text`` starting with a capital letter and ending with a full stop."""
    text = text.strip()
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    if text and text[-1] not in ".!?":
        text += "."
    return text
