"""Questions as users type them: the words to search for and the filters written inside them.

Filters may be written in the question itself: ``vol:4``, ``issue:142``, ``in:Monitor`` (or
``in:"Fortnight in Review"``), ``since:1998-07-01``, ``until:1998-12-31``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

from retrieval.errors import InvalidQueryError
from retrieval.text.analyzer import analyze

MAX_QUESTION_CHARS = 4096
"""Telegram's own limit for one message: a pasted paragraph fits, a whole brief may not."""

_FILTER_RE = re.compile(
    r"(?<!\S)(vol|volume|issue|in|pub|since|until):(\"[^\"]*\"|\S+)", re.IGNORECASE
)


MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
MONTH_ABBREVIATIONS = {
    "jan": "January", "feb": "February", "mar": "March", "apr": "April", "jun": "June",
    "jul": "July", "aug": "August", "sep": "September", "sept": "September", "oct": "October",
    "nov": "November", "dec": "December",
}  # fmt: skip
"""Months as members abbreviate them, with the name the briefs write."""
MONTH_PATTERN = "(?:" + "|".join([*MONTHS, *(a.title() for a in MONTH_ABBREVIATIONS)]) + r")\.?"
"""A regular expression for a month written in full or abbreviated ("Aug.", "Sept")."""
_MONTHS = "|".join(MONTHS)
_ABBREVIATED_RE = re.compile(r"\b(" + "|".join(MONTH_ABBREVIATIONS) + r")\b\.?", re.IGNORECASE)
_AFTER_MONTH_RE = re.compile(rf"\b({_MONTHS})(\s+)(\d\d)\b(?![.,:]?\d)", re.IGNORECASE)
_APOSTROPHE_RE = re.compile(r"(?<![^\W_])['’](\d\d)\b(?![.,:]?\d)")
_CLAUSE_END_RE = re.compile(
    r"\b(in|since|until|during)(\s+)(\d\d)(?![.,:]?\d)(?=\s*(?:[?!.,;:)]|$))", re.I
)


UNSAID = frozenset(
    analyze(
        "whats hows wheres whens whos whys thats theres hes shes "
        "wat wut wot hw abt w "
        "ok okay thanks thank thx ty pls plz please hi hey hello hmm really yo lol btw fyi imo "
        "tbh idk rn ur "
        "anyone anybody someone somebody everyone everybody "
        "vs versus afterwards besides"
    )
)
"""The search terms of contractions typed without their apostrophe that are stopwords when
written with it ("whats the latest on belarus": "what's" is "what"), of question words as
chat spells them ("wat did the imf decide": "wat", "hw", "abt", "w" for "with") and of chat's
fillers ("ok", "thanks", "pls", "really", "yo", "btw", "tbh") and the pronouns of anyone at all
("has anyone investigated", "did someone leak it"): words that say nothing of a subject; never
searched.
``search_terms`` also leaves out a judgement asked for ("is it true that …"), a pronoun's
contraction with a verb ("they'd", "we'll", "she'd": their letters make "theyd", "well",
"shed"), "what's new" / "anything new" (asking for news, not for the word: "what's new in
uzbekistan?" searched "new" and quoted the "new capital" and "new rubles") and "much" / "many"
after "how" (asking for a number: "how many votes" quoted "many of whose deputies") and "get"
or "got" before a participle (a passive: "did anyone get fired" asks about the firing, and
quoted a passage on drugs that "get through"), and "next" of "what happened next?" (a follow-up,
which quoted a "next meeting" and a "next tranche"), and an ordinal's ending ("2nd": the
analyzer cuts it "2", "nd", and "nd" was named as a word no brief holds), "apart from", "vs",
"afterwards", and a fact-check's lead-in ("Claim to verify:", "Check this:", "Verify:")."""
_UNSAID_RE = re.compile(
    r"\b(?:(?:is|was|isn't|wasn't|isnt|wasnt)\s+(?:it|that|this)\s+(?:really\s+)?"
    r"(?:true|correct|right|accurate)|(?:i|you|he|she|it|we|they|who|what|that|there)"
    r"['’](?:d|ll|re|ve)|(?:what['’]?s|what\s+is|anything)\s+new|(?<=\bhow)\s+(?:much|many)"
    r"|(?<=\bhappened)\s+(?:next|afterwards|after\s+that)|(?<=\bwhat)\s+next(?=\W*$)"
    r"|(?:get|gets|got|gotten|getting)(?=\s+(?:[a-z]{2,}ed|paid|hurt|shot|caught|beaten|stolen"
    r"|chosen|taken|given|thrown|struck|sold|sent|held)\b))\b"
    r"|(?<=\d)(?:st|nd|rd|th)\b"
    r"|\bapart\s+from\b"
    r"|^\W*(?:(?:no|nope|sorry)\W*)?i\s+mean[t]?\b"
    r"|^\W*(?:(?:a\s+)?claim\s+to\s+(?:verify|check)|fact[\s-]?check|verify|check(?:\s+this)?"
    r"|confirm)\s*:",
    re.IGNORECASE,
)
CONTRACTIONS = frozenset(
    analyze(
        "dont doesnt didnt isnt wasnt arent werent cant wont couldnt wouldnt shouldnt hasnt "
        "havent hadnt youre theyre ive theyve"
    )
)
"""The search terms of contractions that stay words with their apostrophe ("didn't" is
"didnt", as a brief's "didn't" is): searched, but never named as words the archive lacks nor
read as another word ("why didnt they pay" asked of briefs that write "did not")."""


_ASKING_RE = re.compile(
    r"(?:^|(?<=[.?!;:]))\s*(?:(?:please|pls|plz|can\s+you|could\s+you)\s+)?"
    r"(?:list|summari[sz]e|compare|outline|show\s+me|give\s+me)\b"
    r"|\b(?:an?\s+)?(?:summary|overview|rundown|timeline)\s+of\b"
    r"|\bwhat(?:['’]?s|\s+is|\s+was)\s+(?:the\s+(?:deal|story|scoop|lowdown)\s+(?:with|on|about)"
    r"|going\s+on)\b|\b(?:catch|fill)\s+(?:me|us)\s+(?:up|in)\b"
    r"|\bbriefs?(?=\s+(?:on|about|from|of|in|mentioning|covering|regarding|that|which|mention"
    r"|cover|say|talk|discuss)\b)",
    re.IGNORECASE,
)
"""What a member asks the bot to do rather than what about: an opening command ("list all
pipelines", "summarize the moldova gas dispute", "compare …", "give me …"), "a summary of",
chat's idioms for "tell me about" ("what's the deal with the caspian pipeline?", "what's going
on in chechnya?", "catch me up on belarus") and the archive's own word for what it holds ("any
briefs on gazprom?"): "list" matched a "party-list vote", "deal" quoted the Caspian seabed
"deal" first, and "summarize" and "briefs" were named as words no brief holds. Not
"describe" nor "explain": papers "describe" systems, and CISI's "Describe … systems for
publishing …" lost nDCG@10 0.090 → 0.076 without the word."""


_TAKE_PART_RE = re.compile(r"\b(?:take|takes|took|taken|taking)\s+part\b", re.IGNORECASE)
""""Take part" is one word, "participate": its "part" is no part ("Lukashenko, for his part,
…" answered "did the opposition take part?")."""


SEASON_MONTHS = {
    "spring": "March April May",
    "summer": "June July August",
    "autumn": "September October November",
    "fall": "September October November",
}
"""The months a season of a year is searched as ("fall 98": September, October and November
1998, each a month a brief may be dated in or write)."""
_SEASON = r"spring|summer|autumn|(?:^|(?<=in\s)|(?<=the\s))fall"
"""A season a question may name. "Fall" is one only opening the message or after "in" or "the"
("fall 98 ruble", "in the fall of 1998"; not "did the ruble fall in 1998")."""
_SEASON_OF_YEAR_RE = re.compile(
    rf"\b(?P<season>{_SEASON})(?:\s+of)?\s+['’]?"
    r"(?P<year>(?:19|20)\d\d|\d\d)\b(?![.,:]?\d)",
    re.IGNORECASE,
)
_NUMERIC_DATE_RE = re.compile(
    r"(?<![\d./-])(\d{1,2})([./])(\d{1,2})\2((?:19|20)?\d\d)(?![\d./-]*\d)"
)


def spell_seasons(words: str) -> str:
    """Return ``words`` with a season of a year searched as its months ("fall 98": "September
    October November 1998"; "fall" only after "in" or "the": "did the ruble fall in 1998?" is
    left) and a date typed in digits as briefs write it (``spell_digit_dates``)."""

    def season(m: re.Match[str]) -> str:
        return f"{SEASON_MONTHS[m.group('season').casefold()]} {full_year(m.group('year'))}"

    return spell_digit_dates(_SEASON_OF_YEAR_RE.sub(season, words))


def without_seasons(words: str) -> str:
    """Return ``words`` without the seasons of a year they name ("fall 98 ruble": " ruble"): a
    span of three months, no date nor figure ("98 ruble") to hold the passages to."""
    return _SEASON_OF_YEAR_RE.sub(" ", words)


def spell_digit_dates(words: str, *, drop_unclear: bool = False) -> str:
    """Return ``words`` with a date typed in digits as briefs write it ("17.08.1998",
    "08/17/98": "August 17, 1998"; day first with dots, or with slashes when the first number
    cannot be a month; month first with slashes when the second cannot; "05/06/98" is left, it
    could be either — or, with ``drop_unclear``, left out: a claim's "on 12/10/97" is no numbers
    12, 10 and 97 to look for — and so is a day no calendar has, "31.02.1998")."""

    def numeric(m: re.Match[str]) -> str:
        first, sep, second, year = int(m.group(1)), m.group(2), int(m.group(3)), m.group(4)
        if sep == "." or first > 12:
            day, month = first, second
        elif second > 12:
            day, month = second, first
        else:
            return " " if drop_unclear else m.group(0)
        full = full_year(year)
        if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(int(full), month)[1]):
            return m.group(0)  # no such day ("31.02.1998")
        return f"{MONTHS[month - 1]} {day}, {full}"

    return _NUMERIC_DATE_RE.sub(numeric, words)


def search_terms(words: str) -> list[str]:
    """Return the search terms of a question's words (its text without filters): dates and
    amounts typed short spelled out (``spell_dates``, ``spell_amounts``), contractions typed
    without apostrophe, chat's fillers, "is it true" and an opening command ("summarize", "list
    all") left out (``UNSAID``, ``_ASKING_RE``)."""
    spoken = _UNSAID_RE.sub(" ", _ASKING_RE.sub(" ", words))
    spoken = _TAKE_PART_RE.sub("participate", spoken)
    spoken = spell_seasons(spoken)
    return [t for t in analyze(spell_amounts(spell_dates(spoken))) if t not in UNSAID]


_LATEST_RE = re.compile(r"\b(?:latest|newest|most\s+recent|recent(?:ly)?|lately)\b", re.IGNORECASE)
RECENCY_TERMS = frozenset(analyze("latest newest most recent recently lately"))
"""The search terms of the words that ask for the newest ("what's the latest on belarus?")."""


_NEWS_RE = re.compile(r"\b(?:new|news|updates?)\b", re.IGNORECASE)


def asks_news(words: str) -> bool:
    """Return whether a question's words ask what is new ("what's new?", "any news?", "tell me
    the latest", "any updates?"): it then asks for the newest briefs when it names nothing else."""
    return asks_latest(words) or _NEWS_RE.search(words) is not None


def asks_latest(words: str) -> bool:
    """Return whether a question's words ask for the newest on its subject ("what's the latest
    on belarus?", "any recent news on the imf loan", "newest briefs on tengiz")."""
    return _LATEST_RE.search(words) is not None


_COUNTS = {
    "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "few": 3, "couple": 2,
}  # fmt: skip
_RELATIVE_RE = re.compile(
    r"\b(?:(yesterday)|(?:(this|last|past|previous)\s+(week|month|year))"
    r"|(?:the\s+)?(?:last|past)\s+(\d{1,3}|" + "|".join(_COUNTS) + r")(?:\s+of)?"
    r"\s+(days?|weeks?|months?|years?))\b",
    re.IGNORECASE,
)
"""A span of time counted back from today: "yesterday", "this week", "last month", "the past 3
days", "the last two weeks". Not "today": "what is it called today?" asks about now, not about
the briefs of one day (it stays a word searched as any other)."""


@dataclass(frozen=True)
class DateRange:
    """The days a question's words name counted back from today ("last week"), as typed."""

    written: str
    since: str
    until: str

    def describe(self) -> str:
        """Return the range as the filters a user would write: ``since:… until:…``."""
        return f"since:{self.since} until:{self.until}"


def relative_dates(words: str, today: dt.date) -> DateRange | None:
    """Return the days the first span of time counted back from ``today`` in ``words`` names
    ("last week" is the seven days up to today, "last month" the calendar month before this
    one, "the past 3 days" today and the two before it), or None when there is none."""
    m = _RELATIVE_RE.search(words)
    if m is None:
        return None
    yesterday, which, unit, count, units = m.groups()
    since, until = today, today
    if yesterday:
        since = until = today - dt.timedelta(days=1)
    elif unit:
        which, unit = which.casefold(), unit.casefold()
        if which == "this":
            since = {
                "week": today - dt.timedelta(days=today.weekday()),
                "month": today.replace(day=1),
                "year": today.replace(month=1, day=1),
            }[unit]
        elif unit == "week":
            since = today - dt.timedelta(days=7)
        elif unit == "month" and which in ("last", "previous"):
            until = today.replace(day=1) - dt.timedelta(days=1)
            since = until.replace(day=1)
        elif unit == "month":
            since = today - dt.timedelta(days=30)
        elif which in ("last", "previous"):
            since, until = dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)
        else:
            since = today - dt.timedelta(days=365)
    elif count:
        n = int(count) if count.isdigit() else _COUNTS[count.casefold()]
        unit = units[0].casefold()
        days = {"d": 1, "w": 7, "m": 30, "y": 365}[unit] * n
        # "the past 3 days" are today and the two before it; "the past 2 weeks", 14 days back.
        since = today - dt.timedelta(days=max(days - 1, 0) if unit == "d" else days)
    return DateRange(m.group(0), since.isoformat(), until.isoformat())


_YEAR_BEFORE_RE = re.compile(
    r"\b(?:(?:the|a)\s+year\s+(?:before|earlier|prior)|(?:the\s+)?(?:previous|preceding|prior)"
    r"\s+year|last\s+year)\b",
    re.IGNORECASE,
)
"""A follow-up's words for the year before the one the conversation is about ("compare with
last year", "and the year before?", "a year earlier")."""


def asks_year_before(words: str) -> bool:
    """Return whether ``words`` ask for the year before another ("compare with last year", "and
    the year before?"): see ``year_before``."""
    return _YEAR_BEFORE_RE.search(words) is not None


def year_before(words: str, year: int) -> str:
    """Return ``words`` with the first of their words for the year before another ("last year",
    "the year before", "the previous year", "a year earlier") written as the year before
    ``year``.

    For a follow-up of a question fixed in ``year``: in an archive of 1998's briefs, "compare
    with last year" asks about 1997, not about the year before today."""
    return _YEAR_BEFORE_RE.sub(f" {year - 1} ", words, count=1)


_YEAR_AFTER_RE = re.compile(
    r"\b(?:(?:the|a)\s+year\s+(?:after|later|on)|(?:the\s+)?(?:following|next)\s+year)\b",
    re.IGNORECASE,
)
"""A follow-up's words for the year after the one the conversation is about ("and a year
later?", "the following year")."""


def asks_year_after(words: str) -> bool:
    """Return whether ``words`` ask for the year after another ("and a year later?", "the
    following year"): see ``year_after``."""
    return _YEAR_AFTER_RE.search(words) is not None


def year_after(words: str, year: int) -> str:
    """Return ``words`` with the first of their words for the year after another written as the
    year after ``year`` ("and a year later?" after a question about 1998 asks about 1999; it
    quoted a power cut "partly reversed twelve hours later")."""
    return _YEAR_AFTER_RE.sub(f" {year + 1} ", words, count=1)


def without_dates(words: str) -> str:
    """Return ``words`` without the spans of time counted back from today they name ("what
    happened last week?" is "what happened ?")."""
    return " ".join(_RELATIVE_RE.sub(" ", words).split())


_CITED_VOLUME_RE = re.compile(r"\bvol\.?\s*(\d{1,4})\b", re.IGNORECASE)
_CITED_VOLUME_WORD_RE = re.compile(r"\bvolume\s+(\d{1,4})\b", re.IGNORECASE)
_CITED_ISSUE_RE = re.compile(r"\bissue\s*(?:no\.?\s*|number\s+|#\s*)?(\d{1,5})\b", re.IGNORECASE)


_CITED_DATE_RE = re.compile(rf",?\s*(?:{'|'.join(MONTHS)})\s+\d{{1,2}},\s*\d{{4}}\b")


def cited_filters(words: str) -> tuple[str, Filters]:
    """Return ``words`` without a volume or issue written as a citation writes it ("Vol. 4",
    "Issue 142", "issue no. 142", "volume 4" beside an issue), and those as filters.

    "volume" spelled out counts only beside a cited issue: "did trade volume 20 percent drop?"
    names no volume.
    """
    volume = issue = None
    m = _CITED_ISSUE_RE.search(words)
    if m is not None:
        issue = int(m.group(1))
        # The date a citation writes after the issue is the brief's, not what to look for
        # ("Monitor, Vol. 4, Issue 142, July 23, 1998", pasted from an answer, found nothing).
        end = m.end()
        dated = _CITED_DATE_RE.match(words, end)
        if dated is not None:
            end = dated.end()
        words = words[: m.start()] + " " + words[end:]
    m = _CITED_VOLUME_RE.search(words)
    if m is None and issue is not None:
        m = _CITED_VOLUME_WORD_RE.search(words)
    if m is not None:
        volume = int(m.group(1))
        words = words[: m.start()] + " " + words[m.end() :]
    return " ".join(words.split()), Filters(volume=volume, issue=issue)


WRITINGS = (
    "piece pieces article articles analysis analyses report reports story stories brief briefs "
    "coverage issue issues"
).split()
"""Words for what a publication prints: "the Prism piece", "Monitor's report"."""
_WRITINGS = "|".join(WRITINGS)


_COMPARE_OPEN_RE = re.compile(
    r"^\W*(?:compare|comparing)\s+(?P<a>.+?)\s+(?:with|to|and|against)\s+(?P<b>.+)$",
    re.IGNORECASE,
)
_COMPARISON_RE = re.compile(r"\s(?:or|vs\.?|versus|than|compared\s+(?:with|to))\s", re.IGNORECASE)


def comparison_sides(words: str) -> tuple[str, str] | None:
    """Return the two sides a question compares ("compare nazarbaev's 1999 result with aliev's
    1998 result", "… first, Georgia or Kyrgyzstan?", "… more back pay than the Kuzbass
    miners"), as written: all it says before and after the one word or phrase that sets them
    against each other; None when it compares nothing (or sets more than two apart)."""
    opened = _COMPARE_OPEN_RE.match(words)
    if opened is not None:
        return opened.group("a"), opened.group("b")
    found = list(_COMPARISON_RE.finditer(words))
    if len(found) != 1:
        return None
    return words[: found[0].start()], words[found[0].end() :]


def named_publication(words: str, names: Sequence[str]) -> tuple[str, str, str] | None:
    """Return the publication of ``names`` (the archive's, any case) that ``words`` (a question)
    names as where to read, as it writes it, and ``words`` without the names it gives, or None.

    A name counts followed by a word for what it prints ("the prism piece", "Monitor's
    report"), or written with its capital ("what did the Monitor say", "according to Prism"),
    not in a question in capitals (where every word is) nor as a word ("monitor the vote"). A
    preposition or "the" before it and the word after it go with it.
    """
    if words.isupper():
        return None
    found: list[tuple[bool, int, int, str, str]] = []
    negated: list[tuple[int, int]] = []
    # In ASCII text an ASCII name matches, any case, only where its lower case is (a test in C,
    # where the pattern was tried for each of the archive's publications: ~30 µs a question).
    lowered = words.lower() if words.isascii() else None
    for name in names:
        if not name:
            continue
        if lowered is not None and name.isascii() and name.lower() not in lowered:
            continue
        for m in _publication_pattern(name).finditer(words):
            written = m.group(1)
            # Only the words right before the name are read ("$"-anchored patterns searched from
            # the start: "Monitor " 500 times took 0.12 s).
            latest = (
                _LATEST_BEFORE_RE.search(words, max(0, m.start(1) - BEFORE_NAME_CHARS), m.start(1))
                is not None
            )
            if m.group(2) or latest or (written[:1].isupper() and written != written.upper()):
                if _NOT_RE.search(words, max(0, m.start() - BEFORE_NAME_CHARS), m.start()):
                    # "not the Monitor, the Prism analysis": not where to read, nor searched.
                    negated.append((m.start(), m.end()))
                else:
                    found.append((not m.group(2), m.start(), m.end(), name, written))
    if not found:
        return None
    # A name with a word for what it prints first ("the Prism piece"), then the first named.
    _, start, end, name, written = min(found)
    for cut_start, cut_end in sorted([*negated, (start, end)], reverse=True):
        words = words[:cut_start] + " " + words[cut_end:]
    return name, written, " ".join(words.split())


BEFORE_NAME_CHARS = 60
"""How far before a publication's name ``named_publication`` reads a "not" or a "latest" ("most
recent issue of the " is 25 characters)."""
_NOT_RE = re.compile(r"\b(?:not|no)\s*$", re.IGNORECASE)
_LATEST_BEFORE_RE = re.compile(
    r"\b(?:latest|newest|last|most\s+recent|recent|new)\s+(?:issue\s+of\s+(?:the\s+)?)?$",
    re.IGNORECASE,
)
"""What names a publication as where to read when written before it, in any case: "what's in
the latest prism?" (it searched "prism", and quoted a Monitor brief citing "(See Prism, …)")."""
_OF_AFTER_RE = re.compile(r"\s+of\b", re.IGNORECASE)
_CITED_NUMBER_RE = (
    r"(?:,\s*)?(?P<mark>#\s*|no\.?\s*|number\s+)?(?P<a>\d{1,5})"
    r"(?:\s*/\s*(?P<b>\d{1,5}))?(?![\w/]|[.,]\d)"
)
"""An issue's number after a publication's name ("#142", "no. 142", "142"), or its volume and
issue ("4/11")."""


def cited_publication(words: str, names: Sequence[str]) -> tuple[str, Filters] | None:
    """Return ``words`` without a publication cited by its number, and the filters it names:
    "Monitor 142" and "monitor #142" (issue 142), "prism 4/11" (volume 4, issue 11); None when
    it cites none. A date written right after the number ("Monitor 142, July 23, 1998") is the
    brief's, and left out with it.

    In lower case a bare number after the name counts only in a message of the citation alone
    ("monitor 142"), and never a year ("Monitor 1998"): "did the osce monitor 300 stations?"
    cites nothing; nor does a share ("monitor 3/4 of the stations").
    """
    for name in names:
        if not name or name.lower() not in words.lower():
            continue
        pattern = re.compile(rf"(?<!\w)(?:the\s+)?({re.escape(name)})\s*{_CITED_NUMBER_RE}", re.I)
        for m in pattern.finditer(words):
            a, b, mark = m.group("a"), m.group("b"), m.group("mark")
            alone = not (words[: m.start()] + words[m.end() :]).strip(" ?.!")
            capital = m.group(1)[:1].isupper() and m.group(1) != m.group(1).upper()
            year = len(a) == 4 and a[:2] in ("19", "20")
            if b is None and not mark and (not (capital or alone) or year):
                continue
            if b is not None and not capital and _OF_AFTER_RE.match(words, m.end()):
                continue  # a share: "did the osce monitor 3/4 of the polling stations?"
            filters = (
                Filters(publication=name, volume=int(a), issue=int(b))
                if b is not None
                else Filters(publication=name, issue=int(a))
            )
            # As in ``cited_filters``: "Monitor 142, July 23, 1998" found nothing (no passage of
            # the issue writes its own date).
            dated = _CITED_DATE_RE.match(words, m.end())
            end = m.end() if dated is None else dated.end()
            return " ".join((words[: m.start()] + " " + words[end:]).split()), filters
    return None


@functools.lru_cache(maxsize=256)
def _publication_pattern(name: str) -> re.Pattern[str]:
    """Return the pattern of ``name`` named as where to read (``named_publication``)."""
    return re.compile(
        rf"(?<!\w)(?:(?:according\s+to|in|from|by)\s+)?(?:the\s+)?({re.escape(name)})"
        rf"(?:['’]s)?(?:\s+({_WRITINGS}))?(?!\w)",
        re.IGNORECASE,
    )


def in_another_script(words: str) -> bool:
    """Return whether ``words`` hold letters and none of them is Latin ("Кто заменил
    Кажегельдина?"): a question the English briefs cannot match, whatever it asks."""
    letters = [c for c in words if c.isalpha()]
    return bool(letters) and not any(unicodedata.name(c, "").startswith("LATIN") for c in letters)


def four_digits(short: str) -> str:
    """Return a year typed in two digits in four: 30-99 as 19xx, 00-29 as 20xx ("98": "1998")."""
    number = int(short)
    return str(1900 + number if number >= 30 else 2000 + number)


def full_year(year: str) -> str:
    """Return a year typed in two digits in four (``four_digits``), one typed in four as it is
    ("spring 2030" asked about 1930)."""
    return year if len(year) == 4 else four_digits(year)


_TENS = {
    "ten": 1, "twenty": 2, "thirty": 3, "forty": 4, "fifty": 5, "sixty": 6, "seventy": 7,
    "eighty": 8, "ninety": 9,
}  # fmt: skip
_ONES = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9,
}  # fmt: skip
_SPOKEN_YEAR_RE = re.compile(
    rf"\bnineteen[\s-]+({'|'.join(_TENS)})(?:[\s-]+({'|'.join(_ONES)}))?\b", re.IGNORECASE
)
"""A year said in words, as dictation writes it: "nineteen ninety nine", "nineteen eighty"."""


def _spoken_year(m: re.Match[str]) -> str:
    """Return the year ``_SPOKEN_YEAR_RE`` matched, in digits."""
    ones = _ONES[m.group(2).casefold()] if m.group(2) else 0
    return f"19{_TENS[m.group(1).casefold()]}{ones}"


def spell_dates(words: str) -> str:
    """Return ``words`` with the dates members type short written as briefs write them.

    A month abbreviated ("aug", "Sept.") is written in full. A two-digit year is written in four
    digits (30-99 as 19xx, 00-29 as 20xx) where it cannot be anything else: after a month when
    it cannot be a day ("july 98"; "jan 13" is left), after an apostrophe ("'98"), and after
    "in", "since", "until" or "during" at the end of a clause ("elected in 98?"; "in 20
    regions" is left).
    A year said in words ("nineteen ninety nine", as dictation writes it) is written in digits.
    """
    words = _SPOKEN_YEAR_RE.sub(_spoken_year, words)
    words = _ABBREVIATED_RE.sub(lambda m: MONTH_ABBREVIATIONS[m.group(1).casefold()], words)
    words = _AFTER_MONTH_RE.sub(
        lambda m: (
            m.group(0)
            if int(m.group(3)) <= 31
            else m.group(1) + m.group(2) + four_digits(m.group(3))
        ),
        words,
    )
    words = _APOSTROPHE_RE.sub(lambda m: four_digits(m.group(1)), words)
    return _CLAUSE_END_RE.sub(lambda m: m.group(1) + m.group(2) + four_digits(m.group(3)), words)


SEASONS = {
    season: f"{MONTHS.index(months.split()[0]) + 1:02d}" for season, months in SEASON_MONTHS.items()
}
"""The month each season a question may name starts in ("autumn 99": September 1999)."""
_ASKED_YEAR_RE = re.compile(
    rf"(?:\b(?:(?P<month>{_MONTHS})\.?(?:\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?)?"
    rf"|(?P<season>{_SEASON}))(?:\s+of)?\s+)?"
    r"(?<![\w.,])(?P<year>(?:19|20)\d\d|\d\d)\b(?![.,:]?\d)",
    re.IGNORECASE,
)
"""A year a question names, with the month or season before it if any ("may 16 99", "autumn
99", "October 1998"). A year in two digits counts only after a month's day or a season
(``spell_dates`` has written the others it can tell from a day or a count in four)."""
_BEFORE_YEAR_RE = re.compile(
    r"\b(?:before|until|till|prior\s+to|ahead\s+of|by\s+the\s+end\s+of)\s*$", re.IGNORECASE
)
"""What asks of the time before a year ("before 1999"), not of the year itself."""
_LOOKS_AHEAD_RE = re.compile(
    r"\b(?:plan|plans|planned|planning|expect|expects|expected|expecting|expectations?|deadline|"
    r"deadlines|schedule|scheduled|due|will|would|won't|wouldn't|\w+['’]d|\w+['’]ll|going\s+to|"
    r"set\s+for|forecasts?|predicted|predict|predictions?|intend|intended|intends|"
    r"promised?|promises|hoped?|hopes|aims?|aimed|targets?|targeted|budget|budgeted|projected|"
    r"projections?|prospects?|outlook)\b",
    re.IGNORECASE,
)


_OUTCOME_RE = re.compile(
    r"\b(?:finally|eventually|in\s+the\s+end|end(?:ed|s)?\s+up|ultimately|after\s+all)\b",
    re.IGNORECASE,
)


def asks_outcome(words: str) -> bool:
    """Return whether a question asks how something ended ("when did the board finally approve
    it?", "was he allowed to run in the end?"): the latest brief on it tells."""
    return _OUTCOME_RE.search(words) is not None


def looks_ahead(words: str) -> bool:
    """Return whether a question asks what was planned, expected or due ("what was the opposition
    planning for may 99?", "which leader said he'd run in oct 98?"): a brief written before that
    time answers it."""
    return _LOOKS_AHEAD_RE.search(words) is not None


_COUNT_BEFORE_RE = re.compile(
    r"\b(?:did|do|does|were|are|have|had|about|some|over|nearly|almost|around|roughly|only|than|"
    r"least|most)\s+$",
    re.IGNORECASE,
)
"""Words before a number that make it a count, not a year ("did 2000 miners …", "some 1500")."""


def asked_time(words: str) -> tuple[str, str] | None:
    """Return when a question asks about, as the month it starts in and as written:
    ``("1998-10", "October 1998")`` for "where was the hryvnia by early oct 98?", ``("1999-01",
    "1999")`` for "how much did tengiz produce in 1999?", ``("1999-09", "autumn 1999")`` for
    "autumn 99".

    None when it names no year, more than one, a time it asks before ("before 1999", "until
    May 1999"), or compares two sides (each may have its own time). Dates typed short are read as
    ``spell_dates`` reads them.
    """
    if comparison_sides(words) is not None:
        return None
    spelled = spell_dates(words)
    found = [
        m
        for m in _ASKED_YEAR_RE.finditer(spelled)
        if (len(m.group("year")) == 4 or m.group("day") or m.group("season"))
        and not (
            # "did 2000 miners block the line?", "some 1500 troops": a count, not a year.
            not (m.group("month") or m.group("season"))
            and _COUNT_BEFORE_RE.search(spelled, max(0, m.start() - 20), m.start())
        )
    ]
    years = {full_year(m.group("year")) for m in found}
    if len(years) != 1 or any(_BEFORE_YEAR_RE.search(spelled[: m.start()]) for m in found):
        return None
    year = years.pop()
    named = {
        (m.group("month").title(), f"{MONTHS.index(m.group('month').title()) + 1:02d}")
        if m.group("month")
        else (m.group("season").casefold(), SEASONS[m.group("season").casefold()])
        for m in found
        if m.group("month") or m.group("season")
    }
    if len(named) > 1:
        return None
    if named:
        written, month = named.pop()
        return f"{year}-{month}", f"{written} {year}"
    return f"{year}-01", year


_AMOUNT = r"\d(?:[\d,]*\d)?(?:\.\d+)?"
_SCALE_RE = re.compile(rf"(?<!\d)(?<!\d,)({_AMOUNT})\s?(bn|bln|mn|mln)\b", re.IGNORECASE)
"""An amount with a scale typed short ("4.5bn"). It is tried only where a number starts (not
after a digit, nor after a digit's comma), which the start of its number matches as well: tried
at every digit, a question of 4,000 digits took 0.8 s."""
_CURRENCY_SCALE_RE = re.compile(rf"((?:US)?\$\s?{_AMOUNT})\s?([mb])\b", re.IGNORECASE)
_THOUSANDS_RE = re.compile(r"(?<![\w.,])(\d+(?:\.\d+)?)k\b", re.IGNORECASE)
_SCALES = {"bn": "billion", "bln": "billion", "b": "billion", "mn": "million", "mln": "million"}
_PERCENT_RE = re.compile(rf"(?<![\w.,])({_AMOUNT})\s?%")


def spell_amounts(words: str) -> str:
    """Return ``words`` with the amounts members type short written as briefs write them:
    "4.5bn" and "4.5 bln" as "4.5 billion", "300mn" as "300 million", "$4m" and "US$2b" as
    "$4 million" and "US$2 billion" (a bare "4m" may be metres and is left), "80k" as "80000",
    "90%" as "90 percent"."""
    words = _PERCENT_RE.sub(lambda m: f"{m.group(1)} percent", words)
    words = _SCALE_RE.sub(lambda m: f"{m.group(1)} {_SCALES[m.group(2).casefold()]}", words)
    words = _CURRENCY_SCALE_RE.sub(
        lambda m: f"{m.group(1)} {_SCALES.get(m.group(2).casefold(), 'million')}", words
    )
    return _THOUSANDS_RE.sub(lambda m: _thousand(m.group(1)), words)


def _thousand(number: str) -> str:
    value = float(number) * 1000
    return str(int(value)) if value.is_integer() else str(value)


@dataclass(frozen=True)
class Filters:
    """Restrictions on which passages may answer: publication, volume, issue, date range."""

    publication: str | None = None
    volume: int | None = None
    issue: int | None = None
    since: str | None = None
    until: str | None = None

    def is_empty(self) -> bool:
        """Return whether no filter is set."""
        return self == Filters()

    def merged(self, other: Filters) -> Filters:
        """Return these filters with every field that ``other`` sets taken from ``other``."""
        changes = {k: v for k, v in vars(other).items() if v is not None}
        return replace(self, **changes)

    def describe(self) -> str:
        """Return the filters as the user would write them, e.g. ``in:Monitor vol:4``."""
        parts = []
        if self.publication:
            pub = self.publication
            parts.append(f'in:"{pub}"' if " " in pub else f"in:{pub}")
        if self.volume is not None:
            parts.append(f"vol:{self.volume}")
        if self.issue is not None:
            parts.append(f"issue:{self.issue}")
        if self.since:
            parts.append(f"since:{self.since}")
        if self.until:
            parts.append(f"until:{self.until}")
        return " ".join(parts)


def check_date(value: str, name: str) -> str:
    """Return ``value`` if it is a YYYY-MM-DD date.

    Raises:
        InvalidQueryError: naming the value and the expected form.
    """
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidQueryError(
            f"{name} date {value!r} is not a date; write it as YYYY-MM-DD, e.g. 1998-07-01"
        ) from None
    return value


def _number(value: str, name: str) -> int:
    # isdecimal, not isdigit: "²" is a digit that int() refuses (a traceback, before).
    if not value.isdecimal():
        raise InvalidQueryError(f"{name} {value!r} is not a number; write e.g. {name}:4")
    return int(value)


def parse_question(text: str) -> tuple[str, Filters]:
    """Return the question's words with the filters taken out, and the filters.

    Raises:
        InvalidQueryError: if the question is too long or a filter value is malformed.
    """
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidQueryError(
            f"the question is {len(text):,} characters long; the limit is {MAX_QUESTION_CHARS:,} "
            "(one Telegram message). Shorten it, or ask about one part at a time."
        )
    fields: dict[str, str | int] = {}
    for m in _FILTER_RE.finditer(text):
        key, value = m.group(1).lower(), m.group(2).strip('"')
        if key in ("vol", "volume"):
            fields["volume"] = _number(value, "vol")
        elif key == "issue":
            fields["issue"] = _number(value, "issue")
        elif key in ("in", "pub"):
            fields["publication"] = value
        else:
            fields[key] = check_date(value, key)
    words = " ".join(_FILTER_RE.sub(" ", text).split())
    return words, Filters(**fields)  # type: ignore[arg-type]


@dataclass(frozen=True)
class MonthOfYear:
    """A month of a year a question names ("dec 99": ``written`` "December 1999")."""

    written: str
    year: int
    month: int

    def dates(self, date: str | None, month_written: bool = False) -> bool:
        """Return whether a brief dated ``date`` (YYYY-MM-DD, or None) may tell of this month:
        it is dated in it or in the next one (a brief tells of the weeks before it), or, if it
        writes the month's name (``month_written``), later in its year. A brief dated before the
        month can only tell what was expected of it ("an early election has been set for March
        16", of February)."""
        if not date or len(str(date)) < 7 or not str(date)[:4].isdigit():
            return False
        year, month = int(str(date)[:4]), int(str(date)[5:7])
        after = (year - self.year) * 12 + month - self.month
        return 0 <= after <= 1 or (month_written and year == self.year and after >= 0)


_MONTH_OF_YEAR_RE = re.compile(
    r"\b(" + "|".join(MONTHS) + r")\s+(?:\d{1,2}(?:st|nd|rd|th)?,?\s+)?((?:1[89]|20)\d\d)\b",
    re.IGNORECASE,
)


def month_of_year(words: str) -> MonthOfYear | None:
    """Return the month of a year ``words`` name ("in July 1998", "dec 99", "on May 15, 1999"),
    the first if several, or None."""
    found = _MONTH_OF_YEAR_RE.search(spell_dates(words))
    if found is None:
        return None
    month = [m.casefold() for m in MONTHS].index(found.group(1).casefold()) + 1
    name = MONTHS[month - 1]
    return MonthOfYear(f"{name} {found.group(2)}", int(found.group(2)), month)
