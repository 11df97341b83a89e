"""Ranked hits -> an ``Answer``: quotes, best sentences, highlighted terms and citations.

Nothing here writes text of its own about the archive: every quote is a span of a stored passage.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
from collections import OrderedDict
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress
from typing import Any

from retrieval.errors import NoAnswer
from retrieval.text.analyzer import analyze, analyze_spans, token_offsets
from retrieval.text.english import is_rare, name_terms, writes_names
from retrieval.text.followup import asks_whether
from retrieval.text.prose import shorten
from retrieval.text.query import MONTH_PATTERN, MONTHS, DateRange
from retrieval.text.sentences import split_sentences

CITED_TITLE_CHARS = 200
"""A citation shows at most this many characters of a brief's title (cut at a word, "…")."""
NOT_FOUND = "Nothing in the archive matches that question."
NOT_FOUND_FILTERED = "Nothing in the archive matches that question within {filters}."
ANOTHER_SCRIPT = (
    "Nothing in the archive matches that question: the briefs are in English, so ask in English."
)
FILTERED_OUT = "No passage of the archive fits {filters}: leave it out to search all of it."
READ_DATES = "Read “{written}” as {filters}."
READ_CITED = "Read as {filters}."
UNDATED = "No brief is dated {written} ({since} to {until}): these passages match from any date."
NOTHING_DATED = (
    "No brief is dated {written} ({since} to {until}); the newest is dated {newest}. Name what "
    "to look for, e.g. “what's new on Belarus?”."
)
ELSEWHERE = "No {publication} brief matches that: these passages are from other publications."
"""Above the passages of a question that names where to read ("the Prism piece") when none of
that publication's briefs is among the best."""
NEWEST = "The newest briefs in the archive, newest first."
"""The line above the passages of a question that asks only what is new ("what's new?")."""
NEWEST_UNDATED = "No brief is dated {written} ({since} to {until}): these are the newest briefs."
"""Above the newest briefs, for a question asking what happened in a span no brief is dated in
("what happened last week?")."""
EMPTY_ARCHIVE = "The archive is empty — run briefbot ingest to add briefs."
NOT_GIVEN = "No passage here gives {numbers}."
POINTS_NOWHERE = (
    "Read on its own: there is no earlier question for “{word}” to stand for — name who you mean."
)
DATED_BEFORE = (
    "The first brief is dated {date}, before {asked}, which you ask about: it can say what was "
    "planned or expected, not what happened."
)
"""Above the passages of a question about a time after the first passage's brief was written
("how much did tengiz produce in 1999?" answered from a brief of July 1998)."""
LOW_CONFIDENCE = (
    "None of these passages answers that directly; they are the closest the archive holds."
)
READ_WITH = "Read with your earlier question: {question}"
READ_WITH_MANY = "Read with your earlier questions: {questions}"
RESPELLED = "Read {words}."
"""The line naming the words of a question read as the archive's words (typing slips)."""
UNMATCHED_FOLLOW_UP = (
    "Nothing in the archive mentions {words}; these passages are the closest to your earlier "
    "question."
)
UNMATCHED_LOW = (
    "None of these passages answers that directly, and none mentions {words}; they are the "
    "closest the archive holds."
)
NOT_TOGETHER = (
    "None of these briefs mentions {names} together: each passage matches only part of the "
    "question."
)
"""Above the passages of a question naming two or more things the archive holds when no brief
shown holds them all ("What did the EU say about Chechnya?")."""
UNMATCHED_WHETHER = "No brief mentions {words}; these passages match the rest of the question."
"""Above a sure answer to a question that asks whether something is so (or names what to find)
when the archive holds none of some of its words, or to any question when one of those words is
a name ("skopje"): the passages cannot bear those out."""
READ_AS_CHARS = 200
"""The earlier question named in the "Read with …" line is cut to this many characters."""
NOTHING_TO_SEARCH = (
    "Nothing to search for: the question has only common words or punctuation. Name what to "
    "look for, e.g. “what's new on Belarus?”."
)


@dataclass(frozen=True)
class Citation:
    """Where a passage comes from: publication, volume and issue, with date and title if known."""

    publication: str
    volume: int | None = None
    issue: int | None = None
    date: str | None = None
    title: str | None = None
    doc_id: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any], prefix: str = "") -> Citation:
        """Return the citation of a stored brief row; ``prefix`` is ``"brief_"`` for the brief
        fields of a passage row (as ``Store.passages_by_id`` gives them)."""
        return cls(
            publication=row[f"{prefix}publication"],
            volume=row[f"{prefix}volume"],
            issue=row[f"{prefix}issue"],
            date=row[f"{prefix}date"],
            title=row[f"{prefix}title"],
            doc_id=row[f"{prefix}doc_id"],
        )

    def short(self) -> str:
        """Return the citation as ``Monitor, Vol. 4, Issue 142``."""
        parts = [self.publication]
        if self.volume is not None:
            parts.append(f"Vol. {self.volume}")
        if self.issue is not None:
            parts.append(f"Issue {self.issue}")
        # A record with no volume or issue (a feed entry, a BEIR document) is cited by its id,
        # unless the id is only a link (feeds use entry URLs as ids): date and title then cite it.
        if (
            self.volume is None
            and self.issue is None
            and self.doc_id
            and not self.doc_id.startswith(("http://", "https://"))
        ):
            parts.append(f"doc {self.doc_id}")
        return ", ".join(parts)

    def render(self) -> str:
        """Return the full citation: ``Monitor, Vol. 4, Issue 142, July 20, 1998 — “Title”``."""
        text = self.short()
        if self.date:
            text += f", {format_date(self.date)}"
        if self.title:
            # A title pasted with its text (up to 2,000 characters are stored) is cut: every
            # answer repeats its citation under each quote.
            text += f" — “{shorten(self.title, CITED_TITLE_CHARS)}”"
        return text


def removal_line(row: dict[str, Any]) -> str:
    """Return one stored brief as a line of a removal list: ``#12 Monitor, Vol. 4, Issue 180 —
    “Title” (from 1998/monitor.txt)``, with the first words of its text when it has no title."""
    text = f"#{row['id']} {Citation.from_row(row).render()}"
    if not row.get("title"):
        words = str(row.get("text") or "").split()
        text += f": {' '.join(words[:8])}{' …' if len(words) > 8 else ''}"
    where = row.get("origin") or row.get("source")
    return f"{text} (from {where})" if where else text


def _joined_dates(items: list[str]) -> str:
    """Return ``items`` joined by commas, or by semicolons when one holds a comma ("July 28,
    1999; July 20, 1998")."""
    return ("; " if any("," in item for item in items) else ", ").join(items)


def format_date(value: str) -> str:
    """Return an ISO date as ``July 20, 1998``; anything else unchanged."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day:%B} {day.day}, {day.year}"


@dataclass
class Hit:
    """One quoted passage of an answer.

    ``quote_spans`` are the ``(start, end)`` offsets in ``text`` of the sentence(s) that best answer
    the question; ``term_spans`` are the offsets of the words that matched.
    """

    rank: int
    score: float
    passage_id: int
    brief_id: int
    doc_id: str | None
    citation: Citation
    text: str
    quote: str
    quote_spans: list[tuple[int, int]] = field(default_factory=list)
    term_spans: list[tuple[int, int]] = field(default_factory=list)
    url: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the hit as the ``--json`` output documents it."""
        return {
            "rank": self.rank,
            "score": self.score,
            "passage_id": self.passage_id,
            "brief_id": self.brief_id,
            "doc_id": self.doc_id,
            "citation": self.citation.render(),
            "quote": self.quote,
            "text": self.text,
        }


@dataclass
class Answer:
    """What briefbot says to a question: hits to quote, or why there are none."""

    question: str
    hits: list[Hit]
    terms: list[str] = field(default_factory=list)
    reason: NoAnswer | None = None
    message: str | None = None
    offset: int = 0
    confidence: str = "none"
    read_as: str | None = None
    """The earlier question this one was read with (a follow-up), or None when read alone."""
    read_with: list[str] = field(default_factory=list)
    """All the earlier questions it was read with, oldest first (``read_as`` is the last)."""
    unmatched: list[str] = field(default_factory=list)
    """The question's own words of substance that no passage of the archive holds (as the user
    wrote them; framing words such as "say" left out)."""
    only_earlier: bool = False
    """The archive holds none of the question's own search terms: a follow-up's passages then
    match its earlier questions alone."""
    respelled: list[tuple[str, str]] = field(default_factory=list)
    """``(typed, read as)`` for each word of the question the archive lacks that was read as
    its word one typing slip away ("pipline", "pipeline")."""
    whether: bool = False
    """The question asks whether something is so, or only names what to find
    (``retrieval.text.followup.asks_whether``): a word of it no passage holds is named even
    above a sure answer."""
    dates: DateRange | None = None
    """The span of time the question counts back from today ("last week"), if any."""
    dates_applied: bool = False
    """Whether ``dates`` restricted the passages (some brief is dated in it); if not, the
    passages shown match from any date and the caveat says so."""
    cited: str | None = None
    """The filters a citation written in the question was read as ("Vol. 4, Issue 142":
    ``vol:4 issue:142``), if any."""
    apart: list[str] = field(default_factory=list)
    """The question's names (as written) that no brief shown holds all together: the answer is
    then ``low`` and its caveat says so."""
    elsewhere: str | None = None
    """The publication the question named as where to read ("the Prism piece"), as written,
    when none of its briefs is among the best: the caveat says the passages are from others."""
    newest_first: bool = False
    """The hits are the first passages of the newest briefs, nothing searched: the question
    asked only what is new ("what's new?"; "what happened last week?" with no brief dated
    then)."""
    numbers_missing: list[tuple[str, list[str]]] = field(default_factory=list)
    """For a question asking ``whether``, its numbers no passage shown gives, as written, each
    with the passages' nearest of the same kind ("US$5 million", ["US$4 million"])."""
    dates_missing: list[tuple[str, list[str]]] = field(default_factory=list)
    """For a question asking ``whether``, its dates (a day, or a month of a year) no passage
    shown gives, as written, each with the dates the passages give ("june 1999", ["July 28,
    1999"])."""
    points_nowhere: str | None = None
    """Asked with no earlier question, the word of the question that stands for someone named
    earlier ("he" of "when did he take office?"): the answer says so above its passages."""
    dated_before: str | None = None
    """The time the question asks about, as written ("October 1998"), when the first passage's
    brief is dated before it: the answer says so above its passages (the brief can tell what
    was expected then, not what came of it)."""

    @property
    def found(self) -> bool:
        """Return whether any passage is shown (confidence ``high`` or ``low``)."""
        return bool(self.hits)

    @property
    def caveat(self) -> str | None:
        """Return the line to show above the passages of a ``low`` answer, of a follow-up
        none of whose own words the archive holds (its passages answer the earlier question
        only), or of a question asking ``whether`` with words the archive lacks or numbers no
        passage shown gives, else None."""
        if not self.found:
            return None
        line = self._dated_caveat()
        if self.dated_before:
            # It says why the answer is not sure: the general "none answers directly" is left out.
            date = format_date(self.hits[0].citation.date or "")
            before = DATED_BEFORE.format(date=date, asked=self.dated_before)
            line = " ".join(x for x in (before, line) if x and x != LOW_CONFIDENCE)
        if self.numbers_missing or self.dates_missing:
            said = [
                f"{number} (they give {', '.join(gives)})" if gives else number
                for number, gives in self.numbers_missing
            ] + [
                f"{date} (they give {_joined_dates(gives)})" if gives else date
                for date, gives in self.dates_missing
            ]
            line = " ".join(x for x in (NOT_GIVEN.format(numbers="; ".join(said)), line) if x)
        return line

    def _dated_caveat(self) -> str | None:
        """Return ``caveat`` but for the numbers no passage gives."""
        if self.elsewhere and not self.apart:  # else the names check says it
            other = ELSEWHERE.format(publication=self.elsewhere)
            return " ".join(line for line in (other, self._caveat()) if line)
        if self.dates is not None and not self.dates_applied:
            if self.newest_first:
                return NEWEST_UNDATED.format(**vars(self.dates))
            undated = UNDATED.format(**vars(self.dates))
            return " ".join(line for line in (undated, self._caveat()) if line)
        return self._caveat()

    def _caveat(self) -> str | None:
        """Return ``caveat`` but for the span of time no brief is dated in."""
        if self.points_nowhere:
            return POINTS_NOWHERE.format(word=self.points_nowhere)
        if self.read_with and self.unmatched and self.only_earlier:
            return UNMATCHED_FOLLOW_UP.format(words=_or_list(self.unmatched))
        if self.confidence != "low":
            if self.whether and self.unmatched:
                return UNMATCHED_WHETHER.format(words=_or_list(self.unmatched))
            # A name no brief holds, in any question ("who did Lukashenko arrest in Grodno?",
            # "how many kuzbass miners …"): the passages are about another place or person. A
            # word of another kind is left unnamed: "pick", "vow", "score" are the question's
            # own wording of what the briefs say otherwise. A question that capitalizes nothing
            # ("what did putin say about chechnya?") cannot tell its names ("putin", "japan" are
            # in the English word list): its rare words no brief holds are named, most names
            # among them, few of the words members put for the briefs' ("convoy", "peg").
            names = [word for word in self.unmatched if word[:1].isupper() or name_terms(word)]
            if not names and not writes_names(self.question):
                names = [word for word in self.unmatched if is_rare(word.casefold())]
            if names:
                return UNMATCHED_WHETHER.format(words=_or_list(names))
            return None
        if self.unmatched:
            return UNMATCHED_LOW.format(words=_or_list(self.unmatched))
        if self.apart:
            return NOT_TOGETHER.format(names=_listed([f"“{w}”" for w in self.apart], "and"))
        return LOW_CONFIDENCE

    @property
    def read_line(self) -> str | None:
        """Return the line(s) that say how the question was read: with the earlier question(s)
        (a follow-up), with words read as the archive's (typing slips); None when as typed."""
        lines = [read_with_line(self.read_with or self.read_as), respelled_line(self.respelled)]
        if self.cited:
            lines.append(READ_CITED.format(filters=self.cited))
        if self.newest_first and self.dates is None:
            lines.append(NEWEST)
        if self.dates is not None and self.dates_applied:
            lines.append(
                READ_DATES.format(written=self.dates.written, filters=self.dates.describe())
            )
        return "\n".join(line for line in lines if line) or None

    def to_json(self) -> dict[str, Any]:
        """Return ``{"question", "found", "confidence", "hits": [...], "read_as"}`` (plus
        ``reason`` and ``message`` when nothing was found)."""
        data: dict[str, Any] = {
            "question": self.question,
            "found": self.found,
            "confidence": self.confidence if self.found else "none",
            "hits": [h.to_json() for h in self.hits],
            "read_as": self.read_as,
            "read_with": list(self.read_with or ([self.read_as] if self.read_as else [])),
            "unmatched": list(self.unmatched),
            "apart": list(self.apart),
            "newest_first": self.newest_first,
            "elsewhere": self.elsewhere,
            "points_nowhere": self.points_nowhere,
            "dated_before": self.dated_before,
            "numbers_missing": [
                {"number": number, "evidence_gives": gives}
                for number, gives in self.numbers_missing
            ],
            "dates_missing": [
                {"date": date, "evidence_gives": gives} for date, gives in self.dates_missing
            ],
            "respelled": [{"typed": typed, "read_as": meant} for typed, meant in self.respelled],
            "dates": None
            if self.dates is None
            else {
                "typed": self.dates.written,
                "since": self.dates.since,
                "until": self.dates.until,
                "applied": self.dates_applied,
            },
        }
        if not self.found:
            data["reason"] = self.reason
            data["message"] = self.message
        return data


def read_with_line(read_as: str | Sequence[str] | None) -> str | None:
    """Return "Read with your earlier question: …" for a follow-up read with ``read_as`` (one
    earlier question, or several, oldest first), or None when it was read alone.

    Several are all named, so that a follow-up of a follow-up ("and in 1998?") shows the question
    whose subject it keeps, not only the last one.
    """
    earlier = [read_as] if isinstance(read_as, str) else [q for q in read_as or () if q]
    if not earlier:
        return None
    if len(earlier) == 1:
        return READ_WITH.format(question=shorten(earlier[0], READ_AS_CHARS))
    quoted = [f"“{shorten(q, READ_AS_CHARS)}”" for q in earlier]
    return READ_WITH_MANY.format(questions=", then ".join(quoted))


def respelled_line(respelled: Sequence[tuple[str, str]]) -> str | None:
    """Return "Read “pipline” as “pipeline”." for words read as others, or None for none."""
    if not respelled:
        return None
    pairs = [f"“{typed}” as “{meant}”" for typed, meant in respelled]
    return RESPELLED.format(words=_listed(pairs, "and"))


def written_as(question: str, terms: Sequence[str]) -> list[str]:
    """Return the words of ``question`` that give the search terms ``terms``, as written there
    (each term once, in the question's order)."""
    wanted = set(terms)
    words: dict[str, str] = {}
    for term, start, end in analyze_spans(question):
        if term in wanted and term not in words:
            words[term] = question[start:end]
    return list(words.values())


def _or_list(words: Sequence[str]) -> str:
    """Return ``["a", "b", "c"]`` as ``“a”, “b” or “c”``."""
    return _listed([f"“{w}”" for w in words], "or")


def _listed(items: Sequence[str], last: str) -> str:
    """Return ``["a", "b", "c"]`` as ``a, b LAST c`` (``a`` alone for one item)."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}"


NO_ANSWER = {
    NoAnswer.EMPTY_ARCHIVE: EMPTY_ARCHIVE,
    NoAnswer.NOTHING_TO_SEARCH: NOTHING_TO_SEARCH,
    NoAnswer.NO_MATCH: NOT_FOUND,
}
"""The sentence shown to the user for each reason a question gets no passages."""


def empty_answer(question: str, reason: NoAnswer) -> Answer:
    """Return an Answer with no hits for ``reason``, carrying the sentence to show the user."""
    return Answer(question=question, hits=[], reason=reason, message=NO_ANSWER[reason])


FIGURE_WORDS = (
    "percentage", "percent", "number", "amount", "share", "rate", "price", "stake", "sum",
    "total", "figure", "level", "proportion", "size", "cost", "fee", "tariff", "toll", "margin",
)  # fmt: skip
"""Nouns with which a question asks for a figure ("what share", "at what rate"): a passage
answers with the figure, not the word."""
_HARM_AHEAD = (
    r"(?:\s+[\w'’-]+){0,4}?\s+(?:blasts?|explosions?|bomb(?:s|ings?)?|killings?|murders?"
    r"|deaths?|assassinations?|attacks?|attempts?|thefts?|robber(?:y|ies)|kidnappings?"
    r"|abductions?|shootings?|massacres?|violence|riots?|unrest|crimes?|arson|fires?|sabotage"
    r"|terror\w*|ambush(?:es)?|raids?|clashes|bloodshed|casualties|disasters?|crash(?:es)?"
    r"|collapse|failures?|crisis|losses|leaks?|shelling|hostages?|outbreak|delays?)\b"
)
"""What a question's "responsible for" is followed by (within five words) when it asks who is
to blame: a harm done ("the blast", "last week's killing of …"), not a duty ("the budget")."""
# What a question asks for, from its question words, and how a sentence that gives it looks.
# "When did ..." wants a date; "how many ..." a number; "who ..." / "where ..." a name (a
# capitalised word the question does not already hold).
_KIND_RE = (
    ("date", re.compile(r"\b(when|what (year|date|decade|century|month|day|time)|which year)\b")),
    (
        "number",
        re.compile(
            r"\bhow (many|much|long|far|old|large|big|tall|high|deep|wide|heavy|often|fast)\b"
            rf"|\b(what|which|at what) ({'|'.join(FIGURE_WORDS)})\b"
            # "what was the price tag …", "what is the overall size of …"
            rf"|\bwhat(?:'s|’s| is| was| are| were) the (?:\w+ )?({'|'.join(FIGURE_WORDS)})\b"
        ),
    ),
    # "who is behind the bombings?", "who did karimov blame?": whoever is held to blame, most
    # often named in lower case ("religious extremists", "foreign special services"). "Who is
    # responsible for the budget?" asks for an office (a name); "… for the blast?" and "whom
    # do they hold responsible (for …)?", for blame.
    (
        "culprit",
        re.compile(
            r"\bwhom?\b(?=.*\b(?:behind|blamed?|did it|done it|carried out"
            rf"|responsible(?!\s+for\b(?!{_HARM_AHEAD}))"
            r"|(?:hold|holds|held|holding)(?:\s+[\w'’-]+){0,4}?\s+responsible"
            r"|organi[sz]ed|tried to kill|plotted|suspected|culprits?)\b)"
        ),
    ),
    ("name", re.compile(r"\b(who|whom|whose|which)\b")),
    ("place", re.compile(r"\bwhere\b")),
    (
        "reason",
        re.compile(
            r"\bwhy\b|\bwhat for\b|\breasons?\b|\bmotives?\b|\bmotivation\b"
            r"|\bjustification\b|\brationale\b|\bconsiderations\b"
        ),
    ),
)
_CULPRIT_RE = re.compile(
    r"\b(?:blam(?:e|es|ed|ing)|accus(?:e|es|ed|ing)|suspect(?:s|ed)?|responsib(?:le|ility)"
    r"|points? to|pointed to|organi[sz]ed by|carried out by|linked to|culprits?|perpetrators?"
    r"|attribut(?:e|es|ed|ing)|behind(?!\s+(?:schedule|time|bars|closed\s+doors)\b))\b",
    re.IGNORECASE,
)
"""Words with which a sentence says who is held to blame ("blamed supporters of …", "the
investigation points to members of banned Islamic groups"); not "behind schedule"."""
_PLACE_RE = re.compile(
    r"\b(?:in|at|near|from|to|into|outside|inside|across|along|off|on)\s+(?:the\s+)?"
    r"(?P<place>[A-Z][\w’'-]+)"
)
"""A place a sentence gives: a capitalized word after a preposition of place ("in Tbilisi")."""
_WHEREABOUTS_RE = re.compile(r"\b(?:abroad|whereabouts|overseas|in hiding|at home)\b", re.I)
_DATE_RE = re.compile(
    r"\b(1[0-9]{3}|20[0-9]{2})s?\b|\b(" + "|".join(MONTHS) + r"|century|centuries)\b"
)
_NUMBER_RE = re.compile(
    r"\d+|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy"
    r"|eighty|ninety|hundred|hundreds|thousand|thousands|million|millions|billion|billions"
    r"|dozen|dozens|half|third|thirds|quarter|quarters|percent)\b",
    re.IGNORECASE,
)
_PRONOUN_ONE_RE = re.compile(
    r"\bone another\b|\ban? (?:[a-z]+ )?one(?=\s*[.,;:!?)])", re.IGNORECASE
)
""""One" standing for a noun ("a commercial one.", "one another"): no count. ("No one" may be
one too, but "no one invention since Watt's time" is a count.)"""
_NAME_RE = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+")
_OPENING_NAME_RE = re.compile(r"\W*([A-Z][a-z]+)\b")
_NAME_RUN_RE = re.compile(r"\b(?:[A-Z][\w-]*\s+)*(?P<last>[A-Z][\w-]*)")
"""Capitalized words one after another ("President Heidar Aliev"; a possessive ends one)."""


_MONTH = MONTH_PATTERN
_NOT_A_COUNT_RE = re.compile(
    rf"\([^()]*\b{_MONTH}\s+\d{{1,2}}\)"  # a source cited inline: "(Itar-Tass, May 21)"
    rf"|\b{_MONTH}\s+\d{{1,2}}\b(?:,?\s+(?:1[0-9]{{3}}|20[0-9]{{2}})\b)?"  # "May 21, 1998"
    r"|\b\d{1,2}\s+" + _MONTH + r"\b"  # "21 May"
    r"|\b(?:1[0-9]{3}|20[0-9]{2})\b(?![.,]?\d|\s*(?:percent|%))"  # a year
)
"""Numbers that say when, not how many: dates, years and the dates of sources cited inline."""
_REASON_RE = re.compile(
    r"\b(?:because|due to|owing to|as a result|charged with|charges of|on charges|accused"
    r"|in protest|in response|in retaliation|reasons?|blam(?:e|es|ed|ing)|citing|so that"
    r"|in order to|to avoid|for fear|for lack|on the grounds|argu(?:e|es|ed|ing) that"
    r"|(?:could|can)(?:not|n['’]t| not| no longer) afford|object(?:s|ed|ing)? to"
    r"|reflect(?:s|ed|ing)?|result(?:s|ed)? (?:of|from)|stem(?:s|med)? from|caused by|prompted by"
    r"|in the wake of|causes?|motives?|rationale|case for|(?:economic|political|strategic|military"
    r"|financial|commercial|legal) (?:case|logic|motives?)|in an effort to|aimed at|intended to"
    r"|designed to|ostensibly|as (?:a )?cover for|in exchange for|in return for)\b",
    re.IGNORECASE,
)
"""Words with which a sentence gives a reason ("charged with", "in protest at", "because",
"arguing that it could no longer afford …"). Words that only often go with one ("after",
"following", "over") are left out: nearly every sentence of a news brief holds one of them, so
every sentence "gave a reason"."""


_ANY_ASKING_RE = re.compile(r"\b(?:how|what|why|when|where|who|whom|whose|which)\b")
_FIGURE_RE = re.compile(rf"\b(?:{'|'.join(FIGURE_WORDS)}|capacity|output|turnout|toll)\b")
_OPENS_ASKING_RE = re.compile(r"\W*(?:how|what|why|when|where|who|whom|whose|which)\b")
_RELATIVE_RE = re.compile(
    r"(?:(?<=\w)\s+(?:in|on|under|of|by|for|with|at|to|from|through|after|before|during|into"
    r"|over|about|against|between|among|within|without|upon)|,)\s+(?:which|whom|whose)\b"
)


_LENGTH_RE = re.compile(
    r"(?<!cubic )(?<!square )\b\d[\d,.]*(?:-|\s)"
    r"(?:kilomet(?:er|re)|km|mile|met(?:er|re)|foot|feet)s?\b",
    re.IGNORECASE,
)
"""A length ("the 200-kilometer Korpeje–Kurt Kui pipeline", "390 kilometers"; not "8 billion
cubic meters"): most often what a thing is like, not the amount asked about."""
_ASKS_LENGTH = frozenset(
    "long longer far farther deep high tall wide length distance kilometers kilometres km miles"
    " meters metres feet".split()
)
"""Words with which a question asks for a length ("how long", "how deep", "what distance")."""
_ASKS_ONLY_LENGTH = frozenset("deep far farther tall wide distance depth width".split())
"""… and those with which it asks for nothing else ("how long" may ask for a time, "how high"
for a rate)."""
_MONEY_RE = re.compile(
    r"(?:US\$|\$|€|£)\s?\d|\b\d[\d,.]*(?:\s+(?:thousand|million"
    r"|billion|trillion))?\s+(?:new\s+)?(?:rubles?|roubles?|dollars?|hryvnias?|tenge|lari|manats?"
    r"|soms?|euros?|marks|pounds|yen|dinars|lei|drams?|cents?)\b",
    re.IGNORECASE,
)
"""A sum of money ("US$3 billion", "76.6 billion rubles"; not a share: "collection rose to 19
percent" is not what customers owe)."""
_ASKS_MONEY = frozenset(
    "cost costs costing pay paid pays paying owe owed owes owing worth spend spent spending"
    " budget fee fees salary salaries wage wages arrears debt debts money cash".split()
)
"""Words with which a question asks for a sum ("how much will the pipe cost"): another number
("a 50–50 joint venture", "19 percent") is not the amount asked."""


@lru_cache(maxsize=256)
def answer_kind(question: str) -> str | None:
    """Return what ``question`` asks for (``date``, ``number``, ``culprit``, ``name``,
    ``place``, ``reason``) or None."""
    # In a question that opens with its question word, a later "which" after a word and a
    # preposition ("how did Iran respond to the deal under which Russia …") or a comma opens a
    # relative clause: it asks for nothing. ("Manning was the number one pick in which draft?"
    # still asks.)
    folded = question.casefold()
    if _OPENS_ASKING_RE.match(folded):
        folded = _RELATIVE_RE.sub(" ", folded)
    # The question word that comes first says what is asked: "how many guards died when the
    # motorcade was attacked?" asks for a count, not a date. At one place ("which year"), the
    # order of ``_KIND_RE`` decides.
    found = [
        (m.start(), order, kind)
        for order, (kind, pattern) in enumerate(_KIND_RE)
        if (m := pattern.search(folded)) is not None
    ]
    if found:
        return min(found)[2]
    # Asked as a search, with no question word ("turkmen gas to iran pipeline capacity?",
    # "belarus ruble black market rate dec 97?"): a word naming a figure asks for one.
    if not _ANY_ASKING_RE.search(folded) and _FIGURE_RE.search(folded):
        return "number"
    return None


def claim_kind(claim: str) -> str | None:
    """Return what the evidence for ``claim`` should show: ``number`` when the claim gives a
    count or an amount ("900 km", "US$5 million"; not a date or a year), ``date`` when it gives
    a date, else None."""
    if _NUMBER_RE.search(_NOT_A_COUNT_RE.sub(" ", claim)):
        return "number"
    return "date" if _DATE_RE.search(claim) else None


@lru_cache(maxsize=4096)
def _gives(sentence: str, kind: str, asked: frozenset[str]) -> bool:
    """Return whether ``sentence`` holds something of ``kind`` that the question does not (a
    count for ``number``: the numbers of a date, a year or a cited source's date do not count).

    Kept for the last sentences asked about: choosing a brief's passage reads the sentences its
    quote then reads again."""
    if kind == "date":
        return _DATE_RE.search(sentence) is not None
    if kind == "reason":
        return _REASON_RE.search(sentence) is not None
    if kind == "culprit":
        return _CULPRIT_RE.search(sentence) is not None
    if kind == "place":
        return (
            any(m.group("place").casefold() not in asked for m in _PLACE_RE.finditer(sentence))
            or _WHEREABOUTS_RE.search(sentence) is not None
        )
    if kind == "number":
        sentence = _PRONOUN_ONE_RE.sub(" ", _NOT_A_COUNT_RE.sub(" ", sentence))
        if asked.isdisjoint(_ASKS_LENGTH):
            # "how much gas can the pipeline carry": its length is not the amount asked.
            sentence = _LENGTH_RE.sub(" ", sentence)
        elif not asked.isdisjoint(_ASKS_ONLY_LENGTH):
            # "how deep": only a length answers ("a 50–50 joint venture" does not).
            return _LENGTH_RE.search(sentence) is not None
        if not asked.isdisjoint(_ASKS_MONEY):
            return _MONEY_RE.search(sentence) is not None
    if kind == "number":
        return any(m.group().casefold() not in asked for m in _NUMBER_RE.finditer(sentence))
    # Capitalized words one after another that end in a name asked about ("President Heidar
    # Aliev" for "which contract did it cost aliev?") name that one, not someone else.
    theirs = [r.span() for r in _NAME_RUN_RE.finditer(sentence) if r["last"].casefold() in asked]
    if any(
        m.group().casefold() not in asked and not any(s <= m.start() < e for s, e in theirs)
        for m in _NAME_RE.finditer(sentence)
    ):
        return True
    # The word that opens the sentence is capitalized whatever it is: it is a name when it is
    # no common English word ("Kocharian was elected …", "Putin signed …", which the English
    # list holds from subtitles, but counts rarely; not "The …").
    opening = _OPENING_NAME_RE.match(sentence)
    if opening is None or any(s <= opening.start(1) < e for s, e in theirs):
        return False
    word = opening.group(1).casefold()
    return word not in asked and is_rare(word)


_CONTINUES_RE = re.compile(
    r"[\"“‘(]*(?:he|she|it|they|this|these|those|his|her|its|their|such|there)\b(?![\w’'-])",
    re.IGNORECASE,
)
"""Words with which a sentence opens that go on with the sentence before it."""


NEIGHBOUR_SHARE = 0.5
"""A neighbour holding a question term the best sentence lacks joins the quote when it scores at
least this share of the best sentence's (any share, for a question asking whether)."""


def best_sentences(
    text: str,
    weights: dict[str, float],
    *,
    question: str = "",
    max_sentences: int = 2,
    tokens: list[tuple[str, int, int]] | None = None,
    kind: str | None = None,
) -> list[tuple[int, int]]:
    """Return the spans of the sentence(s) of ``text`` that best answer the question.

    A sentence scores the summed weight of the distinct question terms it holds, plus twice the
    mean term weight when it also holds what the question asks for (a date for "when", a number
    for "how many", a name for "who"/"where"; see ``answer_kind``). The best one is always taken;
    a neighbour joins it when the best one does not give what is asked and the neighbour does,
    or else when it holds a question term the best one lacks and scores at least
    ``NEIGHBOUR_SHARE`` as much (whatever it scores, when the question asks whether:
    ``asks_whether``);
    failing both, the next sentence joins when it opens by pointing back ("This was crushed by
    British troops.", "He believed …": ``_CONTINUES_RE``) or when the question asks why and the
    best sentence gives no reason.

    ``tokens`` may give ``analyze_spans(text)``, already worked out: a sentence's terms are then
    read from it (see ``_sentence_terms``), not analysed again. ``kind`` says what to look for
    instead of the question's own words (a claim's: ``claim_kind``).
    """
    spans, sentence_terms = _sentences(text, tokens)
    if not spans:
        return []
    asks, asked = _asking(question)
    if kind is None and question:
        kind = asks
    weights = _with_focus(_with_dimension(weights, question), question)
    gives = _giving(text, spans, sentence_terms, weights, kind, asked)
    scored = _scored(spans, sentence_terms, weights, gives)
    best = max(range(len(spans)), key=lambda i: (scored[i][0], -i))
    chosen = [best]
    if max_sentences > 1 and kind and not gives[best]:
        # The sentence that names the subject may leave what was asked to the next one ("…
        # inaugurated the Baku–Supsa pipeline." "The 830-kilometer line …"): a neighbour that
        # gives it joins.
        for n in (best + 1, best - 1):
            if 0 <= n < len(spans) and gives[n]:
                chosen.append(n)
                break
    # A question whether something is so hinges on every word it names ("was Maskhadov badly
    # hurt in the car bomb?": the bomb's sentence, then "… suffered only minor cuts"): a
    # neighbour holding one the best sentence lacks joins it, however little it scores.
    share = 0.0 if question and asks_whether(question) else NEIGHBOUR_SHARE
    if max_sentences > 1 and len(chosen) == 1:
        for n in (best + 1, best - 1):
            if 0 <= n < len(spans):
                new_terms = scored[n][1] - scored[best][1]
                if new_terms and scored[n][0] >= share * scored[best][0]:
                    chosen.append(n)
                    break
    # A sentence that opens by pointing back ("This was crushed by British troops.", "He
    # believed …") goes on with the one before it: what it adds is often what was asked.
    if (
        max_sentences > 1
        and len(chosen) == 1
        and best + 1 < len(spans)
        and (
            _CONTINUES_RE.match(text, spans[best + 1][0])
            # "why?": the sentence that says what happened is most often followed by the one
            # that says why ("… will boycott the election unless the law is amended." "The law
            # … gives supporters of President Aliyev a built-in majority").
            or (kind == "reason" and not gives[best])
        )
    ):
        chosen.append(best + 1)
    # Neighbouring sentences are quoted as one stretch of the text: joining them with "…" would
    # tell the reader that something was left out between them.
    return [(spans[min(chosen)][0], spans[max(chosen)][1])]


def _bonus(weights: dict[str, float]) -> float:
    """Return what a sentence earns for giving what the question asks: twice the mean weight."""
    return 2.0 * sum(weights.values()) / len(weights) if weights else 0.0


_ANNOUNCES_WORDS = 12
"""A sentence of at most this many words that gives a reason and holds no word of the question
("The political case is stronger.", "Each has its own reasons.") announces the reason the next
sentence gives."""


class _Giving:
    """Whether each sentence of a text gives what is asked (``_giving``), each sentence read
    when first asked about: a quote asks only about the sentences that hold a question term
    and the best one's neighbours, most often fewer than ``_giving`` reads."""

    def __init__(
        self,
        text: str,
        spans: list[tuple[int, int]],
        sentence_terms: list[list[str]],
        weights: dict[str, float],
        kind: str,
        asked: frozenset[str],
    ):
        self.text, self.spans, self.kind, self.asked = text, spans, kind, asked
        asked_terms = weights.keys()
        self.holds = [not asked_terms.isdisjoint(terms) for terms in sentence_terms]
        self.known: dict[int, bool] = {}

    def __getitem__(self, n: int) -> bool:
        """Return ``_giving(...)[n]``."""
        found = self.known.get(n)
        if found is None:
            s, e = self.spans[n]
            found = self.known[n] = any(self.holds[max(n - 2, 0) : n + 3]) and _gives(
                self.text[s:e], self.kind, self.asked
            )
        return found


def _giving(
    text: str,
    spans: list[tuple[int, int]],
    sentence_terms: list[list[str]],
    weights: dict[str, float],
    kind: str | None,
    asked: frozenset[str],
) -> list[bool] | _Giving:
    """Return whether each sentence of ``text`` gives what is asked (``kind``; all False for
    None).

    A reason is often announced, then given: "The political case is stronger. Northern
    Kazakhstan is home to most of the country's ethnic Russians, …". The sentence after a short
    one that gives a reason and holds no question term gives it too (``_ANNOUNCES_WORDS``).

    Only a sentence holding a question term, or next to one, can be quoted: those more than two
    sentences away from any such are not read, and count as giving nothing. For any kind but a
    reason each sentence is read when first asked about (``_Giving``).
    """
    if not kind:
        return [False] * len(spans)
    if kind != "reason":
        return _Giving(text, spans, sentence_terms, weights, kind, asked)
    holds = [not weights.keys().isdisjoint(terms) for terms in sentence_terms]
    gives = [
        any(holds[max(n - 2, 0) : n + 3]) and _gives(text[s:e], kind, asked)
        for n, (s, e) in enumerate(spans)
    ]
    for n in range(1, len(spans)):
        before = text[slice(*spans[n - 1])]
        if (
            gives[n - 1]
            and len(before.split()) <= _ANNOUNCES_WORDS
            and not any(t in weights for t in sentence_terms[n - 1])
        ):
            gives[n] = True
    return gives


def _scored(
    spans: list[tuple[int, int]],
    sentence_terms: list[list[str]],
    weights: dict[str, float],
    gives: list[bool] | _Giving,
) -> list[tuple[float, set[str]]]:
    """Return each sentence's score and the question terms it holds (see ``best_sentences``;
    ``gives``: ``_giving``'s, asked only about a sentence that scores)."""
    bonus = _bonus(weights)
    scored = []
    for n, held in enumerate(sentence_terms):
        terms = weights.keys() & held
        # fsum: a plain sum over a set depends on the set's order, which changes from run to
        # run (string hashing), and two sentences that tie would then win by turns.
        score = math.fsum(weights[t] for t in terms)
        if score > 0 and gives[n]:
            score += bonus
        scored.append((score, terms))
    return scored


def quote_value(text: str, weights: dict[str, float], question: str) -> tuple[float, bool]:
    """Return the score of what ``best_sentences`` quotes of ``text`` for ``question`` and
    whether that quote gives what the question asks for (``answer_kind``).

    The score is the best sentence's (its question terms' weights, plus the bonus when it gives
    what is asked); when only a neighbour that joins it gives that, the bonus is added all the
    same: the quote holds the answer. Read-only; False when the question asks for no kind.
    """
    spans, sentence_terms = _sentences(text)
    if not spans:
        return 0.0, False
    kind, asked = _asking(question)
    weights = _with_focus(_with_dimension(weights, question), question)
    gives = _giving(text, spans, sentence_terms, weights, kind, asked)
    scored = _scored(spans, sentence_terms, weights, gives)
    best = max(range(len(spans)), key=lambda i: (scored[i][0], -i))
    score = scored[best][0]
    if kind is None or score <= 0:
        return score, False
    if gives[best]:
        return score, True
    for n in (best + 1, best - 1):
        if 0 <= n < len(spans) and gives[n]:
            return score + _bonus(weights), True
    return score, False


def gives_what_is_asked(text: str, question: str) -> bool:
    """Return whether ``text`` holds what ``question`` asks for (``answer_kind``: a date for
    "when", a count for "how many", a reason for "why" …); False when it asks for nothing of
    a kind."""
    kind, asked = _asking(question)
    return kind is not None and _gives(text, kind, asked)


_DIMENSIONS = {
    "deep": "depth",
    "long": "length",
    "high": "height",
    "tall": "height",
    "wide": "width",
    "far": "distanc",
    "heavi": "weight",
    "big": "size",
    "larg": "size",
    "old": "age",
}
"""The term of the noun a "how deep / long / high …" question asks for ("depths of more than
2,000 meters")."""
_DIMENSION_RE = re.compile(r"\bhow (deep|long|high|tall|wide|far|heavy|big|large|old)\b", re.I)


def _with_dimension(weights: dict[str, float], question: str) -> dict[str, float]:
    """Return ``weights`` with the noun of the dimension a "how deep …" question asks for
    weighing as its adjective does ("depth" as "deep"), if the adjective is a question term."""
    found = _DIMENSION_RE.search(question) if question else None
    if found is None:
        return weights
    adjective = analyze(found.group(1))
    if not adjective or adjective[0] not in weights:
        return weights
    noun = _DIMENSIONS.get(adjective[0])
    if noun is None or noun in weights:
        return weights
    return {**weights, noun: weights[adjective[0]]}


_FOCUS_RE = re.compile(
    r"^\W*(?:what|which)\s+((?:[\w’'-]+\s+){0,2}?[\w’'-]+)\s+"
    r"(?:did|does|do|was|were|is|are|has|have|had|will|would|can|could)\b",
    re.IGNORECASE,
)
"""A question that opens "what/which X did …": X's last word is what it asks about (its
focus: "band" of "what exchange-rate band did the Central Bank set?")."""
FOCUS_WEIGHT = 2.0
"""How many times its weight the focus of a "what X did …" question weighs in choosing the quote:
the sentence that names the band, not the one that names the bank and the rate (SQuAD answer in
the first quote 0.7186 -> 0.7197, in the first three 0.8388 -> 0.8400; every sample set the
same; docs/quality.md, ninth session)."""


def _with_focus(weights: dict[str, float], question: str) -> dict[str, float]:
    """Return ``weights`` with the focus of a "what X did …" question (``_focus``) weighing
    ``FOCUS_WEIGHT`` times as much, when it is a question term."""
    term = _focus(question) if question else None
    if term is None or term not in weights:
        return weights
    return {**weights, term: weights[term] * FOCUS_WEIGHT}


@lru_cache(maxsize=256)
def _focus(question: str) -> str | None:
    """Return the search term of what a "what X did …" question asks about (``_FOCUS_RE``), or
    None; worked out once for the passages of one answer."""
    found = _FOCUS_RE.match(question)
    terms = analyze(found.group(1).split()[-1]) if found is not None else []
    return terms[0] if terms else None


@lru_cache(maxsize=256)
def _asking(question: str) -> tuple[str | None, frozenset[str]]:
    """Return what ``question`` asks for (``answer_kind``) and its words, casefolded: worked out
    once for the passages of one answer."""
    return answer_kind(question), frozenset(w.casefold() for w in re.findall(r"\w+", question))


# Text -> its sentences and each sentence's terms, for the last texts quoted: the passages an
# answer shows come back question after question. When full, the text quoted least recently goes.
_SENTENCES: OrderedDict[str, tuple[list[tuple[int, int]], list[list[str]]]] = OrderedDict()
_SENTENCES_MAX = 1024

Tokens = tuple[Sequence[str], Sequence[int], Sequence[int]]
"""A text's search terms, where each starts and where each ends (``token_offsets``)."""


def _sentences(
    text: str, tokens: list[tuple[str, int, int]] | None = None
) -> tuple[list[tuple[int, int]], list[list[str]]]:
    """Return the spans of the sentences of ``text`` and each one's search terms (``tokens``:
    ``analyze_spans(text)``, if already worked out), kept for the texts quoted last."""
    cached = _SENTENCES.get(text)
    if cached is not None:
        with suppress(KeyError):  # another thread made room in between: kept all the same
            _SENTENCES.move_to_end(text)
        return cached
    spans = split_sentences(text)
    columns = token_offsets(text) if tokens is None else _columns(tokens)
    found = spans, _sentence_terms(text, spans, columns)
    if len(_SENTENCES) >= _SENTENCES_MAX:
        with suppress(KeyError):  # another thread took the last one out first
            _SENTENCES.popitem(last=False)
    _SENTENCES[text] = found
    return found


def _columns(tokens: list[tuple[str, int, int]]) -> Tokens:
    """Return ``(term, start, end)`` triples as three columns."""
    if not tokens:
        return (), (), ()
    terms, starts, ends = zip(*tokens, strict=True)
    return terms, starts, ends


def _sentence_terms(text: str, spans: list[tuple[int, int]], tokens: Tokens) -> list[list[str]]:
    """Return the search terms of each sentence ``text[s:e]``, as ``analyze`` gives them
    (``tokens``: ``token_offsets(text)``).

    A sentence whose edges are the text's edges or whitespace has exactly the whole text's tokens
    that lie inside it: no token holds whitespace, and the regex's word boundary before a token
    sees the same non-word character either way. Any other sentence is analysed on its own.
    """
    out: list[list[str]] = []
    terms, starts, ends = tokens
    for s, e in spans:
        if (s == 0 or text[s - 1].isspace()) and (e == len(text) or text[e].isspace()):
            # Tokens follow one another without overlapping: their ends ascend as their starts
            # do. Sentences may overlap: each is looked up on its own.
            at = bisect.bisect_left(starts, s)
            out.append(list(terms[at : bisect.bisect_right(ends, e, at)]))
        else:
            out.append(analyze(text[s:e]))
    return out


def matched_spans(
    text: str, terms: set[str], tokens: list[tuple[str, int, int]] | None = None
) -> list[tuple[int, int]]:
    """Return the offsets of every word of ``text`` whose search term is in ``terms``
    (``tokens``: ``analyze_spans(text)`` if already worked out)."""
    held, starts, ends = token_offsets(text) if tokens is None else _columns(tokens)
    return list(compress(zip(starts, ends, strict=True), map(terms.__contains__, held)))


def build_hit(
    rank: int,
    score: float,
    row: dict[str, Any],
    weights: dict[str, float],
    *,
    question: str = "",
    kind: str | None = None,
) -> Hit:
    """Return a Hit for a stored passage row (as ``Store.passages_by_id`` gives it).

    ``question`` (optional) lets the quote prefer the sentence that gives what it asks for, or
    ``kind`` (see ``best_sentences``).
    """
    text = row["text"]
    spans = best_sentences(text, weights, question=question, kind=kind)
    quote = " … ".join(text[s:e] for s, e in spans) if spans else text
    citation = Citation.from_row(row, "brief_")
    return Hit(
        rank=rank,
        score=score,
        passage_id=row["id"],
        brief_id=row["brief_id"],
        doc_id=row["brief_doc_id"],
        citation=citation,
        text=text,
        quote=quote,
        quote_spans=spans,
        term_spans=matched_spans(text, set(weights)),
        url=row.get("brief_url"),
    )
