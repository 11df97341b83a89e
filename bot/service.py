"""What briefbot says, independent of where it is said: the Telegram bot and the terminal chat
both answer through ``Conversation``, so they answer alike; only the rendering differs.

Telegram-free and synchronous: every method reads the archive and returns a reply record that
``bot.render`` turns into Telegram HTML or plain text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from retrieval.answering.answer import Answer, Hit, format_date
from retrieval.answering.check import (
    ClaimCheck,
    bears_on,
    compare_claim,
    extract_names,
    name_term_held,
)
from retrieval.archive import DEFAULT_TOP, Archive
from retrieval.errors import BriefNotFoundError, NoAnswer, RetrievalError
from retrieval.text.analyzer import analyze
from retrieval.text.followup import reading
from retrieval.text.query import parse_question
from retrieval.text.sentences import split_sentences

NOTHING_BEARS = "Nothing in the archive bears on this."
LOW_EVIDENCE = (
    "None of these passages states this directly; they are the closest the archive holds."
)
LONG_CLAIM_CHARS = 280
"""A claim longer than this with several sentences is checked sentence by sentence."""
MAX_CLAIM_SENTENCES = 12
NO_MORE = "No more passages match that question."
STARTED_AFRESH = "Starting afresh: your next question is read on its own."


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
    "until:1998-12-31\n  e.g. /ask Tengiz oil exports in:Monitor since:1998-07-01"
)

FOLLOWUP_HELP = (
    "Follow-ups: reply to one of my answers, or (in a private chat) write within a few minutes "
    'of it, and a question that does not stand on its own ("when did he take office?", '
    '"and in Belarus?") is read with your earlier question; the answer says so and has an '
    "Ask on its own button. /new starts afresh."
)
FOLLOWUP_HELP_TERMINAL = (
    "Follow-ups: a question typed within a few minutes of an answer that does not stand on its "
    'own ("when did he take office?", "and in Belarus?") is read with the earlier '
    "question; new (or /new) starts afresh."
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
    context: list[str] = field(default_factory=list)
    """The earlier questions the question was read with, oldest first (empty: read alone)."""


@dataclass
class CheckReply:
    """The passages that bear on a claim and what they contain of its numbers and names.

    With no ``evidence``, ``message`` says why (nothing bears on it, or the archive is empty).
    """

    claim: str
    evidence: list[Hit] = field(default_factory=list)
    comparison: ClaimCheck | None = None
    message: str | None = None
    confidence: str = "none"
    parts: list[CheckReply] = field(default_factory=list)
    """For a long claim, one check per sentence (``evidence`` then holds all of theirs)."""
    read_as: str | None = None
    """The earlier question the claim was read with (a follow-up), or None when read alone."""
    context: list[str] = field(default_factory=list)
    """The earlier questions the claim was read with, oldest first."""

    @property
    def caveat(self) -> str | None:
        """Return the line to show above evidence that bears on the claim only loosely."""
        if self.evidence and self.confidence == "low" and not self.parts:
            return LOW_EVIDENCE
        return None

    def to_json(self) -> dict[str, Any]:
        """Return the check as ``briefbot check --json`` documents it."""
        data: dict[str, Any] = {
            "claim": self.claim,
            "found": bool(self.evidence),
            "confidence": self.confidence if self.evidence else "none",
            "hits": [h.to_json() for h in self.evidence],
            "read_as": self.read_as,
        }
        if self.comparison is not None:
            data.update(comparison_json(self.comparison))
        if self.parts:
            data["sentences"] = [part.to_json() for part in self.parts]
        if not self.evidence:
            data["message"] = self.message
        return data


def comparison_json(check: ClaimCheck) -> dict[str, Any]:
    """Return the numbers and names of a claim found and not found in the evidence, as JSON."""
    return {
        "numbers_found": [q.text for q in check.numbers_found],
        "numbers_missing": [
            {"number": m.claim.text, "evidence_gives": [q.text for q in m.evidence_gives]}
            for m in check.numbers_missing
        ],
        "names_found": list(check.names_found),
        "names_missing": list(check.names_missing),
    }


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
    if admin and not terminal:
        lines.append(UPLOAD_HELP)
    if terminal:
        lines.append("more — the next passages for the last question;  /quit (or Ctrl-D) leaves")
    else:
        name = f"@{bot_username}" if bot_username else "@botname"
        lines.append(
            f"Under each answer: More (or type more), Full brief, and 👍/👎 to tell us how it "
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
        self,
        question: str,
        *,
        offset: int = 0,
        top: int | None = None,
        context: Sequence[str] = (),
    ) -> AnswerReply | Notice:
        """Return the passages answering ``question`` from ``offset`` on, or a line saying why not.

        ``top`` overrides how many passages to quote. ``context`` reads the question as a
        follow-up of those earlier questions (oldest first; ``follow`` decides when). An answer
        that finds nothing carries the reason in ``answer.message``. A malformed or over-long
        question gives a Notice naming the problem.
        """
        if not question.strip():
            return Notice(usage("ask"))
        top = top or self.top
        try:
            answer = self.archive.ask(question, top=top + 1, offset=offset, earlier=context)
        except RetrievalError as exc:
            return Notice(_sentence(str(exc)))
        has_more = len(answer.hits) > top
        answer.hits = answer.hits[:top]
        if offset and not answer.found:
            answer.message = NO_MORE
        return AnswerReply(answer, has_more, list(context))

    def follow(self, question: str, earlier: Sequence[str]) -> AnswerReply | Notice:
        """Return the answer to a message that may continue ``earlier`` (the questions before it,
        oldest first): read with them when it does not stand on its own
        (``retrieval.text.followup``), else alone. The bot, the terminal chat and
        ``briefbot ask --queries`` all decide here."""
        return self.ask(question, context=reading(question, earlier))

    def follow_check(self, claim: str, earlier: Sequence[str]) -> CheckReply | Notice:
        """Return the check of a claim that may continue ``earlier``, by the rule of ``follow``
        for claims ("and he took US$5 million?" is read with the earlier question)."""
        return self.check(claim, context=reading(claim, earlier, claim=True))

    def check(self, claim: str, *, context: Sequence[str] = ()) -> CheckReply | Notice:
        """Return the passages that bear on ``claim`` and which of its numbers and names they hold.

        A passage bears on the claim when it shares at least half the claim's search terms (see
        ``retrieval.answering.check.bears_on``); passages naming what the claim is about (its most
        specific name the archive holds) come first. A claim of several sentences is checked
        sentence by sentence, each with its best passage, when it is longer than
        ``LONG_CLAIM_CHARS`` or no passage bears on all of it. Nothing here says whether the claim
        is right.
        """
        if not claim.strip():
            return Notice(usage("check"))
        try:
            parse_question(claim)
        except RetrievalError as exc:
            return Notice(_sentence(str(exc)))
        sentences = [claim[s:e].strip() for s, e in split_sentences(claim) if analyze(claim[s:e])]
        reply: CheckReply | Notice
        if len(sentences) > 1 and len(claim) > LONG_CLAIM_CHARS:
            reply = self._check_sentences(claim, sentences[:MAX_CLAIM_SENTENCES], context)
        else:
            whole = self._check_one(claim, self.top, context)
            if len(sentences) > 1 and isinstance(whole, CheckReply) and not whole.evidence:
                # No passage bears on all of it at once: its sentences may each have their own.
                whole = self._check_sentences(claim, sentences[:MAX_CLAIM_SENTENCES], context)
            reply = whole
        if isinstance(reply, CheckReply) and context:
            reply.read_as, reply.context = context[-1], list(context)
        return reply

    def _check_one(self, claim: str, top: int, context: Sequence[str] = ()) -> CheckReply | Notice:
        """Return the check of one claim with up to ``top`` passages of evidence."""
        try:
            words, _ = parse_question(claim)
            answer = self.archive.ask(claim, top=max(top * 4, 12), earlier=context)
        except RetrievalError as exc:
            return Notice(_sentence(str(exc)))
        if answer.reason in (NoAnswer.EMPTY_ARCHIVE, NoAnswer.NOTHING_TO_SEARCH):
            return CheckReply(claim, message=answer.message)
        bearing = [h for h in answer.hits if bears_on(words, h.text)]
        subject = self.subject_terms(words)
        if subject:
            # Lead with what the claim is about: passages that name its subject (in any of its
            # spellings) come first.
            aliases = self.archive.aliases

            def names_subject(hit: Hit) -> bool:
                held = set(analyze(hit.text))
                return all(name_term_held(t, held, aliases) for t in subject)

            bearing.sort(key=lambda h: not names_subject(h))
        # Number the evidence 1, 2, 3 as shown, not by the rank each had among all hits.
        evidence = [replace(h, rank=n) for n, h in enumerate(bearing[:top], start=1)]
        if not evidence:
            return CheckReply(claim, message=NOTHING_BEARS)
        # A brief's date is evidence too: its text rarely repeats the year it was written in.
        texts = [
            f"{h.text} ({format_date(h.citation.date)})" if h.citation.date else h.text
            for h in evidence
        ]
        comparison = compare_claim(words, texts, aliases=self.archive.aliases)
        return CheckReply(claim, evidence, comparison, confidence=answer.confidence)

    def _check_sentences(
        self, claim: str, sentences: list[str], context: Sequence[str] = ()
    ) -> CheckReply:
        """Return the check of a long claim: one part per sentence, each with its best passage."""
        parts: list[CheckReply] = []
        evidence: list[Hit] = []
        for sentence in sentences:
            part = self._check_one(sentence, 1, context)
            if isinstance(part, Notice):
                part = CheckReply(sentence, message=part.text)
            part.evidence = [
                replace(h, rank=len(evidence) + n) for n, h in enumerate(part.evidence, start=1)
            ]
            evidence.extend(part.evidence)
            parts.append(part)
        confidence = "high" if any(p.confidence == "high" for p in parts) else "low"
        return CheckReply(
            claim,
            evidence,
            None,
            message=None if evidence else NOTHING_BEARS,
            confidence=confidence if evidence else "none",
            parts=parts,
        )

    def subject_terms(self, claim: str) -> set[str]:
        """Return the search terms of the most specific name in ``claim`` that the archive holds
        (the rarest by idf), or an empty set when it names nothing the archive knows."""
        index = self.archive.index()
        best: tuple[float, set[str]] = (0.0, set())
        for name in extract_names(claim):
            terms = analyze(name)
            if not terms or len(index.known_terms(terms)) < len(set(terms)):
                continue
            weight = sum(index.term_idf(t) for t in set(terms))
            if weight > best[0]:
                best = (weight, set(terms))
        return best[1]

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
            return Notice("This brief was removed from the archive; ask the question again.")

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
