"""What briefbot replies, as records: a line of our own, an answer, a claim check, whole briefs,
what the archive holds. ``bot.chat`` makes them; ``bot.render`` turns them into Telegram HTML
or plain text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from retrieval.answering.answer import Answer, Hit, read_with_line, respelled_line
from retrieval.answering.check import ClaimCheck
from retrieval.errors import NoAnswer

LOW_EVIDENCE = (
    "None of these passages states this directly; they are the closest the archive holds."
)


@dataclass
class Notice:
    """A line of our own (usage, refusal, error; where the last answer comes from): plain text,
    never a passage of the archive (citations at most, sent after the access check)."""

    text: str


@dataclass
class AnswerReply:
    """Passages that answer a question; ``has_more`` says whether "More" would find others."""

    answer: Answer
    has_more: bool = False
    context: list[str] = field(default_factory=list)
    """The earlier questions the question was read with, oldest first (empty: read alone)."""
    could_continue: list[str] = field(default_factory=list)
    """The earlier questions a short question read alone as naming a new subject might have
    continued (``ChatService.follow``), oldest first: "Read with earlier question" asks it with
    them. Empty otherwise."""

    @property
    def continued(self) -> bool:
        """Return whether a follow-up may continue this question: not when it had nothing to
        search ("ok thanks"), so that "why?" after it continues the question before."""
        return self.answer.reason is not NoAnswer.NOTHING_TO_SEARCH


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
    respelled: list[tuple[str, str]] = field(default_factory=list)
    """``(typed, read as)`` for each word of the claim read as the archive's (typing slips)."""

    @property
    def read_line(self) -> str | None:
        """Return the line(s) that say how the claim was read: with the earlier question(s),
        with words read as the archive's; None when as typed."""
        earlier = read_with_line(self.context or self.read_as) if self.read_as else None
        lines = [earlier, respelled_line(self.respelled)]
        return "\n".join(line for line in lines if line) or None

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
            "respelled": [{"typed": typed, "read_as": meant} for typed, meant in self.respelled],
        }
        if self.comparison is not None:
            data.update(comparison_json(self.comparison))
        if self.parts:
            data["sentences"] = [part.to_json() for part in self.parts]
        if not self.evidence:
            data["message"] = self.message
        return data


def comparison_json(check: ClaimCheck) -> dict[str, Any]:
    """Return the numbers, names and dates of a claim found and not found in the evidence, as
    JSON."""
    return {
        "numbers_found": [q.text for q in check.numbers_found],
        "numbers_missing": [
            {"number": m.claim.text, "evidence_gives": [q.text for q in m.evidence_gives]}
            for m in check.numbers_missing
        ],
        "numbers_rounded": [
            {"number": m.claim.text, "evidence_gives": [q.text for q in m.evidence_gives]}
            for m in check.numbers_rounded
        ],
        "contrasts": [{"claim": mine, "passages": theirs} for mine, theirs in check.contrasts],
        "names_found": list(check.names_found),
        "names_missing": list(check.names_missing),
        "dates_found": [d.text for d in check.dates_found],
        "dates_missing": [
            {"date": d.claim.text, "evidence_gives": [e.text for e in d.evidence_gives]}
            for d in check.dates_missing
        ],
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
