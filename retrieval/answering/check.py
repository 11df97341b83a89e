"""Compare a claim with passages quoted as evidence: which of its numbers, dates and names they
contain.

Pure: no I/O, no ranking. This module never judges a claim. It reports which of the claim's
checkable facts -- numbers (with their currency, scale and unit), dates (a month, with its day
or year if given) and names -- appear in the evidence, and, for a number or a date that does
not, those of the same kind the evidence gives instead (claim "US$5 million vanished", passage
"US$4 million disappeared": 5 million is missing, the passage gives US$4 million; claim
"resigned in November 1997", passage "resigned on October 10": the passage gives October 10).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from retrieval.answering.ranking import FRAMING
from retrieval.text.aliases import Aliases
from retrieval.text.analyzer import STOPWORDS, analyze, analyze_spans
from retrieval.text.english import is_english, name_words, without_possessive, written_as_names
from retrieval.text.followup import own_terms
from retrieval.text.query import (
    MONTH_ABBREVIATIONS,
    MONTH_PATTERN,
    MONTHS,
    four_digits,
    spell_dates,
)
from retrieval.text.sentences import split_sentences

MAX_COUNTERPARTS = 3
_NUMERIC_RE = re.compile(r"[\d.]+")
_Written = TypeVar("_Written", "Quantity", "DateMention")
"""A number or a date as written in a text (both have ``text``)."""
"""A search term that is a number ("1998", "4.5")."""
# A name's word counts as held in a longer word that begins with it from this length on.
MIN_CONTAINED = 5

_SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "bln": 1e9,
    "trillion": 1e12,
}
_UNITS = {
    "%": "%",
    "percent": "%",
    "per cent": "%",
    "percentage point": "percentage point",
    "percentage points": "percentage point",
    "dollar": "usd",
    "dollars": "usd",
    "usd": "usd",
    "ruble": "rub",
    "rubles": "rub",
    "rouble": "rub",
    "roubles": "rub",
    "tonne": "t",
    "tonnes": "t",
    "ton": "t",
    "tons": "t",
    "barrel": "bbl",
    "barrels": "bbl",
    "kilometer": "km",
    "kilometers": "km",
    "kilometre": "km",
    "kilometres": "km",
    "km": "km",
    "people": "people",
    "troops": "troops",
    "soldiers": "troops",
    "cent": "usd",
    "cents": "usd",
    "cubic meter": "m3",
    "cubic meters": "m3",
    "cubic metre": "m3",
    "cubic metres": "m3",
    "bcm": "m3",
}
_UNIT_FACTORS = {"cent": 0.01, "cents": 0.01, "bcm": 1e9}
"""Units that scale their number: "43 cents" is US$0.43, "30 bcm" 30 billion cubic meters."""
_CURRENCIES = {"us$": "usd", "$": "usd", "usd": "usd", "€": "eur", "£": "gbp", "eur": "eur"}
_FIGURE_WORDS = frozenset({*_SCALES, *_UNITS, *_CURRENCIES})
"""The words that tell a number's scale, unit or currency ("mln", "km", "usd")."""
CLAIM_HEDGES = frozenset(
    analyze(
        "apparently reportedly allegedly supposedly heard hear read think believe sure guess "
        "colleague friend rumour rumor true correct right confirm really actually maybe "
        "probably like yes wrong still already even also almost around roughly "
        "approximately"
    )
)
"""Terms that hedge a claim or ask about it ("I think …", "apparently …", "… is it true?", "my
colleague says …", "… i read"), or only shade it ("still", "almost", "roughly"): how it was
heard, not what it states."""
_FIGURE_TERMS = frozenset(
    analyze("percent percentage usd dollars km kilometers kilometres tonnes tons barrels")
    + analyze(" ".join(_SCALES))
)
"""Terms that belong to a number (its scale, a unit, a currency): compared with it, they are no
word of substance of their own ("percent" is in every passage with a share)."""
_CLAUSE_RE = re.compile(
    r"[;:!?]|,\s|\s[-–—]\s"
    r"|\b(?:and|but|while|whereas|although|though|after|before|when|because|as well as)\b",
    re.IGNORECASE,
)
"""What ends a clause of a claim: "kazakhstan held the tenge at 78, and the belarusian ruble
fell 30%", "X survived a bomb a week after Y became prime minister"."""
MAX_COUNT_FOR_ONE = 10
"""Below this, a count of the claim is offered a passage's "one" (``_counterparts``)."""
MIN_COVERAGE_GAIN = 2
"""How many of a claim's words and figures a passage must add to those shown before it to be
shown before passages found earlier (``by_coverage``)."""
MIN_CLAUSE_TERMS = 2
"""A clause with fewer words of substance than this is judged with the whole claim's words."""

_NUMBER_RE = re.compile(
    r"(?P<cur>US\$|\$|€|£|\bUSD\s?|\bEUR\s?)?"
    r"(?P<num>(?<![\w.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.,])\d+(?:\.\d+)?)"
    r"(?:[\s-]?(?P<scale>thousand|million|billion|trillion|bn|bln|mn|mln|m|k)\b)?"
    r"(?:[\s-]?(?P<unit>%|per\s?cent\b|percent\b|percentage points?\b|dollars?\b|usd\b"
    r"|roubles?\b|rubles?\b|tonnes?\b|tons?\b|barrels?\b|kilomet(?:er|re)s?\b|km\b"
    r"|people\b|troops\b|soldiers\b|cents?\b|cubic\s+met(?:er|re)s?\b|bcm\b))?"
    # Not a figure run into letters: an ordinal ("2nd term" is no count of 2), a decade
    # ("1990s"), "1e400".
    r"(?!\w|\.\d)",
    re.IGNORECASE,
)
# Numbers written out, as briefs often write small ones: "six vehicles", "forty of the seats",
# "twenty-five heads", "two million dollars".
_UNIT_WORDS = {
    w: n
    for n, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen".split()
    )
}
_TEN_WORDS = {
    w: 10 * n
    for n, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)
}
_WORD_NUM = r"(?:{tens})(?:[\s-](?:{units}))?|(?:{units})".format(
    tens="|".join(_TEN_WORDS), units="|".join(u for u in _UNIT_WORDS if u != "zero")
)
_WORD_NUMBER_RE = re.compile(
    rf"(?<![\w-])(?P<num>{_WORD_NUM})(?:\s+(?P<hundred>hundred))?"
    r"(?:[\s-](?P<scale>thousand|million|billion|trillion)\b)?"
    r"(?:[\s-]?(?P<unit>percent\b|per\s?cent\b|dollars?\b|roubles?\b|rubles?\b|tonnes?\b"
    r"|tons?\b|barrels?\b|people\b|troops\b|soldiers\b))?(?![\w-])",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"(?:[A-Z]\.){2,}|[^\W\d_]+(?:['’-][^\W\d_]+)*")
# Capitalised words that open sentences without naming anything.
_COMMON_OPENERS = frozenset(
    {
        "according",
        "also",
        "although",
        # a fact-check's lead-in: "Claim to verify: …", "Check this: …", "Verify: …"
        "check",
        "claim",
        "confirm",
        "correct",
        "fact",
        "true",
        "verify",
        "however",
        "last",
        "next",
        "officials",
        "reports",
        "since",
        "today",
        "tomorrow",
        "yesterday",
        "yet",
        # pronouns that open a claim ("Nothing about …", "Nobody was hurt"): no one's name
        "nothing",
        "nobody",
        "no-one",
        "everything",
        "everyone",
        "everybody",
        "something",
        "someone",
        "somebody",
        "anything",
        "anyone",
    }
)


@dataclass(frozen=True)
class Quantity:
    """A number as written in a text, with the value and kind it stands for.

    ``unit`` is a normalised currency or unit ("usd", "%", "t" ...), or "" for a bare number.
    """

    text: str
    value: float
    unit: str = ""

    def same_kind(self, other: Quantity) -> bool:
        """Return whether both quantities count the same thing (same unit, or either is bare)."""
        return not self.unit or not other.unit or self.unit == other.unit

    def matches(self, other: Quantity) -> bool:
        """Return whether ``other`` states the same amount of the same kind."""
        return self.same_kind(other) and math.isclose(self.value, other.value, rel_tol=1e-9)

    def rounds(self, other: Quantity) -> bool:
        """Return whether ``other`` states, more precisely, the amount this one rounds to the
        last digit it writes: "25 percent" of "25.18 percent", "US$4 million" of "US$4.3
        million"; not "80" of "79", "1 billion" of "800 million", "1" of "0.8 percent", nor a
        number in words."""
        mine, theirs = _written_number(self.text), _written_number(other.text)
        # Of the same unit, or both bare: a bare "1" of the claim is no "0.8 percent" rounded.
        if mine is None or theirs is None or self.unit != other.unit or not mine[0]:
            return False
        places = len(mine[1].partition(".")[2])
        if len(theirs[1].partition(".")[2]) <= places or not math.isclose(
            _scale_of(other), _scale_of(self)
        ):
            # As precise, a different number; or in other words ("1 billion" of "US$800
            # million" is no rounding a reader would make).
            return False
        step = 10.0**-places * self.value / mine[0]
        return abs(other.value - self.value) < step / 2 and not math.isclose(
            self.value, other.value, rel_tol=1e-9
        )


_WRITTEN_NUMBER_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


def _written_number(text: str) -> tuple[float, str] | None:
    """Return the first number written in figures in ``text`` (a ``Quantity``'s), as a value
    and as written without its commas; None when it is written in words."""
    m = _WRITTEN_NUMBER_RE.search(text)
    if m is None:
        return None
    digits = m.group(0).replace(",", "")
    return float(digits), digits


def _scale_of(quantity: Quantity) -> float:
    """Return what ``quantity``'s written number is multiplied by (a million for "US$4.3
    million"), 1 when it is written in words."""
    number = _written_number(quantity.text)
    return quantity.value / number[0] if number and number[0] else 1.0


_MONTH_NUMBERS = {
    **{name.casefold(): n for n, name in enumerate(MONTHS, start=1)},
    **{short: MONTHS.index(full) + 1 for short, full in MONTH_ABBREVIATIONS.items()},
}
_DATE_RE = re.compile(
    rf"(?:(?<![\w.,])(?P<before>[1-9]|[12]\d|3[01])\s+)?"
    rf"\b(?P<month>{MONTH_PATTERN})\b\.?"
    r"(?:\s+(?P<day>[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?\b(?![.,]?\d))?"
    r"(?:,?\s+(?P<year>1[89]\d\d|20\d\d)\b)?",
    re.IGNORECASE,
)
"""A date as briefs and members write it: "October 10", "10 October", "October 10, 1997",
"November 1997", "Nov. 1997", "in November"."""
_MONTH_ALONE_RE = re.compile(
    r"\b(?:in|since|until|till|by|during|from|of|early|late|mid|mid-)[\s-]*$", re.IGNORECASE
)
"""What a month named alone follows when it is a date ("in November", "since May"): "may"
and "march" are words too, and "the March rally" names no date to check."""
_DAY_SHORT_YEAR_RE = re.compile(
    rf"\b((?:{MONTH_PATTERN})\s+(?:[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?,?\s+)['’]?(\d\d)\b"
    r"(?![.,:]?\d)(?=\s*(?:[?!.,;:)]|$|(?:and|but|when|while|after|before|in|at|the|was|were)\b))",
    re.IGNORECASE,
)
"""A two-digit year after a day, as members type it ("feb 18 99, 13 dead", "by oct 8 98"): one
that ends the date's clause, so that "on march 12 40 miners" keeps its count."""
_PERIOD_SHORT_YEAR_RE = re.compile(
    r"\b((?:[HQ][1-4]|FY)\s*|(?:(?:half|quarter|end|start|beginning|middle)\s+of|spring|summer"
    r"|autumn|fall|winter|early|late|mid)(?:\s+of)?[\s-]+)['’]?(\d\d)\b(?![.,:]?\d)",
    re.IGNORECASE,
)
"""A two-digit year after a half, a quarter, a fiscal year or a season ("H1 98", "Q3 97",
"FY99", "the first half of 98", "the end of 97", "summer 98", "late 97", "mid-98")."""


@dataclass(frozen=True)
class DateMention:
    """A date as written in a text: its month, and its day and year where the text gives them.

    ``years`` holds the year written, or, for a date of a passage written without one, the
    years it may be in by its brief's date (see ``extract_dates``); empty when unknown.
    """

    text: str
    month: int
    day: int | None = None
    years: frozenset[int] = frozenset()

    def with_year(self) -> str:
        """Return the date as written, with the year its brief's date gives it when it is
        written without one ("April 17, 1999" for "April 17" of an April 1999 brief)."""
        if len(self.years) != 1 or re.search(r"\b\d{4}\b", self.text):
            return self.text
        year = next(iter(self.years))
        return f"{self.text}, {year}" if self.day else f"{self.text} {year}"

    def matches(self, other: DateMention) -> bool:
        """Return whether ``other`` can be the date this one states: the same month, the same
        day when this one gives a day, and this one's year among those ``other`` may be in."""
        if other.month != self.month:
            return False
        if self.day is not None and other.day != self.day:
            return False
        return not self.years or not other.years or bool(self.years & other.years)


@dataclass
class MissingDate:
    """A date of the claim the evidence lacks, with the evidence's dates nearest to it."""

    claim: DateMention
    evidence_gives: list[DateMention] = field(default_factory=list)


@dataclass
class MissingNumber:
    """A number of the claim the evidence lacks, with the evidence's numbers of the same kind."""

    claim: Quantity
    evidence_gives: list[Quantity] = field(default_factory=list)


@dataclass
class ClaimCheck:
    """What the evidence contains of a claim's numbers and names. It is never a verdict."""

    claim: str
    numbers_found: list[Quantity] = field(default_factory=list)
    numbers_missing: list[MissingNumber] = field(default_factory=list)
    names_found: list[str] = field(default_factory=list)
    names_missing: list[str] = field(default_factory=list)
    evidence_count: int = 0
    dates_found: list[DateMention] = field(default_factory=list)
    dates_missing: list[MissingDate] = field(default_factory=list)
    numbers_rounded: list[MissingNumber] = field(default_factory=list)
    """Numbers of the claim the passages give more precisely ("25 percent": they give 25.18
    percent), each with the passages' numbers it rounds."""
    contrasts: list[tuple[str, str]] = field(default_factory=list)
    """``(the claim's word, the passages' words)`` where a passage says the opposite near a name
    of the claim ("killed": "survived"; "joined": "expires") or says it is not so ("charged":
    "not been charged"), as written."""

    @property
    def has_facts(self) -> bool:
        """Return whether the claim has any number, date or name to compare."""
        return bool(
            self.numbers_found
            or self.numbers_rounded
            or self.contrasts
            or self.numbers_missing
            or self.dates_found
            or self.dates_missing
            or self.names_found
            or self.names_missing
        )


def _word_value(words: str) -> int:
    """Return the value of a written-out number below a hundred ("forty-two" is 42)."""
    total = 0
    for part in re.split(r"[\s-]+", words.lower()):
        total += _TEN_WORDS.get(part, _UNIT_WORDS.get(part, 0))
    return total


_RANGE_RE = re.compile(r"\s*(?:to|and|or|-|–)\s*", re.IGNORECASE)
"""What joins two numbers of one range ("5.6 to 4.8 billion", "3–4 million")."""


def extract_quantities(text: str) -> list[Quantity]:
    """Return the numbers written in ``text``, each with its value and unit, in order.

    ``US$5 million``, ``$5m`` and ``5 million dollars`` are all 5,000,000 "usd"; ``4.5%`` and
    ``4.5 percent`` are 4.5 "%"; ``1,580-kilometer`` is 1580 "km"; a year is a bare number.
    Numbers written out count too: ``six`` is 6, ``forty-two percent`` is 42 "%", ``two
    million dollars`` is 2,000,000 "usd". A bare number ranged with the next ("from 5.6 to 4.8
    billion dollars") takes its scale and unit. A number too large for a float is left out.
    """
    return [q for _, q in located_quantities(text)]


def located_quantities(text: str) -> list[tuple[int, Quantity]]:
    """Return the numbers of ``text`` (``extract_quantities``), each with its offset."""
    found: list[tuple[int, Quantity]] = []
    matches = list(_NUMBER_RE.finditer(text))
    for n, m in enumerate(matches):
        raw = m.group("num")
        try:
            value = float(raw.replace(",", ""))
        except ValueError:  # pragma: no cover - the pattern only matches digits
            continue
        scale = (m.group("scale") or "").lower()
        unit = ""
        if m.group("cur"):
            unit = _CURRENCIES.get(m.group("cur").strip().lower(), "")
        key = " ".join((m.group("unit") or "").lower().split())
        if not scale and not key and n + 1 < len(matches):
            # "from 5.6 to 4.8 billion dollars", "between 3 and 4 million": a bare number
            # ranged with the next takes its scale and unit.
            after = matches[n + 1]
            if _RANGE_RE.fullmatch(text, m.end(), after.start()) and not after.group("cur"):
                scale = (after.group("scale") or "").lower()
                key = " ".join((after.group("unit") or "").lower().split())
        value *= _SCALES.get(scale, 1.0)
        if key:
            unit = _UNITS.get(key, _UNITS.get(key.replace(" ", ""), unit)) or unit
            value *= _UNIT_FACTORS.get(key, 1.0)
        if not math.isfinite(value):
            continue  # 400 digits: no amount a float holds (compared, it raised ValueError)
        found.append((m.start(), Quantity(text=m.group(0).strip(" -"), value=value, unit=unit)))
    for m in _WORD_NUMBER_RE.finditer(text):
        value = float(_word_value(m.group("num")))
        if m.group("hundred"):
            value *= 100
        value *= _SCALES.get((m.group("scale") or "").lower(), 1.0)
        unit = ""
        if m.group("unit"):
            key = " ".join(m.group("unit").lower().split())
            unit = _UNITS.get(key, _UNITS.get(key.replace(" ", ""), ""))
        found.append((m.start(), Quantity(text=m.group(0).strip(" -"), value=value, unit=unit)))
    return sorted(found, key=lambda x: x[0])


@functools.lru_cache(maxsize=4096)
def amounts_in(text: str) -> tuple[tuple[int, Quantity], ...]:
    """Return the amounts of ``text`` with their offsets, its dates aside (they are no counts:
    "August 31" against "283 votes"), as ``located_quantities`` gives them; worked out once a
    passage's text or sentence, which each rule of a check reads again."""
    return tuple(located_quantities(_date_matches_removed(text)))


def extract_dates(text: str, dated: str | None = None) -> list[DateMention]:
    """Return the dates written in ``text``, in order: a month with its day or year, or a month
    alone after "in", "since", "by" and the like ("in November").

    ``dated`` is the ISO date of the brief the text is from ("1998-01-13"): a date written
    without a year is then taken to be within a year of it, in the brief's year or the one
    before for a later month than the brief's ("in November" of a January 1999 brief: 1998 or
    1999), the brief's year or the one after for an earlier one, the brief's for its own.
    """
    brief = _year_month(dated)
    found = []
    for m in _date_matches(text):
        day_text = m.group("day") or m.group("before")
        year = m.group("year")
        month = _MONTH_NUMBERS[m.group("month").casefold().rstrip(".")]
        if year is not None:
            years = frozenset({int(year)})
        elif brief is not None:
            y, at = brief
            # Its own month is the brief's month: "October 12" of an October 24, 1997 brief is
            # not October 1998.
            years = frozenset({y - 1, y} if month > at else {y} if month == at else {y, y + 1})
        else:
            years = frozenset()
        day = int(day_text) if day_text is not None else None
        found.append(DateMention(m.group(0).strip(), month, day, years))
    return found


def _date_matches(text: str) -> list[re.Match[str]]:
    """Return the matches of the dates written in ``text`` (see ``extract_dates``)."""
    return [
        m
        for m in _DATE_RE.finditer(text)
        if m.group("day")
        or m.group("before")
        or m.group("year")
        or _MONTH_ALONE_RE.search(text, max(0, m.start() - 16), m.start())
    ]


def spell_claim_years(claim: str) -> str:
    """Return ``claim`` with its dates written as briefs write them, the two-digit years
    ``query.spell_dates`` leaves as they are among them: after a day ("feb 18 99") and after a
    half or a quarter ("H1 98"), written in four digits (30-99 as 19xx, 00-29 as 20xx).

    A year a member types short is a year, never a number of the claim to look for."""
    claim = spell_dates(claim)
    for pattern in (_DAY_SHORT_YEAR_RE, _PERIOD_SHORT_YEAR_RE):
        claim = pattern.sub(lambda m: m.group(1) + four_digits(m.group(2)), claim)
    return claim


_THOUSANDS_RE = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})*|\d+)(\.\d+)?(?:\s*thousand\b|k\b)", re.IGNORECASE
)
"""A number of thousands typed with the word or a "k" ("280 thousand", "1.5 thousand", "40k")."""


def spell_thousands(text: str) -> str:
    """Return ``text`` with its numbers of thousands written in figures, as briefs write them:
    "akmola has roughly 280 thousand inhabitants" finds and bears on "a city of about
    280,000" (its words "280" and "thousand" are no "280,000")."""

    def figures(m: re.Match[str]) -> str:
        value = Decimal(m.group(1).replace(",", "") + (m.group(2) or "")) * 1000
        return f"{value.normalize():,f}"

    return _THOUSANDS_RE.sub(figures, text)


def _date_matches_removed(text: str) -> str:
    """Return ``text`` with its dates (``_date_matches``) blanked out."""
    for m in reversed(_date_matches(text)):
        text = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]
    return text


def _year_month(iso: str | None) -> tuple[int, int] | None:
    """Return the year and month of an ISO date ("1998-01-13"), or None."""
    match = re.match(r"(\d{4})-(\d{2})", iso or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def extract_names(text: str) -> list[str]:
    """Return the names in ``text``: runs of capitalised words or acronyms, in order, deduplicated.

    A run ends at punctuation or at a lowercase word ("Kirienko of the Bank of Russia" gives
    "Kirienko", "Bank", "Russia"); a possessive is dropped; a lone stopword or common sentence
    opener ("The", "In", "Yesterday") is not a name; words inside a number ("US$") and numbers
    written out ("Six car bombs …") are skipped.
    """
    masked = text
    for numbers in (_NUMBER_RE, _WORD_NUMBER_RE):
        masked = numbers.sub(lambda m: ";" * len(m.group(0)), masked)
    names: list[str] = []
    run: list[str] = []

    def close() -> None:
        while run and (run[0].lower() in STOPWORDS or run[0].lower() in _COMMON_OPENERS):
            run.pop(0)
        if run:
            name = without_possessive(" ".join(run))
            if name and name not in names:
                names.append(name)
        run.clear()

    prev_end = 0
    for m in _WORD_RE.finditer(masked):
        word = m.group(0)
        if run and (
            not masked[prev_end : m.start()].isspace() or without_possessive(run[-1]) != run[-1]
        ):
            close()  # punctuation, or a possessive ("Azerbaijan's October"), ends a name
        # A letter run into a figure is a code ("H1 1998", "Q3", "G7"), and a lone letter ("A
        # group") names nothing a passage could be searched for.
        code = (
            masked[m.end() : m.end() + 1].isdigit() or masked[m.start() - 1 : m.start()].isdigit()
        )
        if word[0].isupper() and not code and len(word) > 1:
            run.append(word)
        else:
            close()
        prev_end = m.end()
    close()
    return names


def bears_on(claim: str, passage: str) -> bool:
    """Return whether ``passage`` shares at least half of the claim's distinct words of
    substance, or, for a claim of one sentence and several clauses, at least half (and two) of
    one clause's.

    Words of substance are the claim's search terms less those that only frame it ("got",
    "said"), hedge it ("apparently", "is it true") or are its numbers, which are what a check
    compares, not what finds the passages (a year or a figure is in many passages about other
    things); a clause's are also less its units and scales. A claim with nothing else counts
    all its terms. A clause counts on its own because a message often holds two claims ("X
    resigned on October 10 and the ministries were cut from 21 to 14") or a wrong one beside a
    right one: no passage then holds half of all their words. A claim of several sentences is
    checked sentence by sentence instead (``bot.chat.ChatService.check``)."""
    claim_terms = _substance(claim, units=True) or set(analyze(claim))
    if not claim_terms:
        return False
    held = set(analyze(passage))
    if len(claim_terms & held) >= math.ceil(len(claim_terms) / 2):
        return True
    if _sentences(claim) > 1:
        return False
    for start, end in claim_clauses(claim):
        terms = _substance(claim[start:end])
        if len(terms) >= MIN_CLAUSE_TERMS and len(terms & held) >= max(
            MIN_CLAUSE_TERMS, math.ceil(len(terms) / 2)
        ):
            return True
    return False


@functools.lru_cache(maxsize=256)
def _sentences(claim: str) -> int:
    """Return how many sentences ``claim`` has (worked out once for the passages it is held
    against, as are its words and clauses: ``bears_on`` runs once a passage)."""
    return len(split_sentences(claim))


def by_coverage(claim: str, passages: Sequence[tuple[str, str | None]]) -> list[int]:
    """Return the indexes of ``passages`` (each its text and its brief's ISO date, in the order
    they were found) in the order to show them as evidence for ``claim``: the first stays
    first; each next is the one that adds the most of the claim's facts the ones before it
    lack, the earlier found on a tie, and those that add fewer than ``MIN_COVERAGE_GAIN``
    follow as found (one word, "fell", is as often in a passage about something else).

    A claim's facts are its words of substance, its figures, each of its dates (held by a
    passage that gives a date it can be, ``DateMention.matches``) and their years (held by a
    passage that writes the year or is of a brief of that year). A message may hold two
    claims or a wrong clause beside a right one ("Kazhegeldin resigned on oct 10 1997 and the
    ministries were cut from 21 to 14"): the passages found first may all be about one of them,
    and only three are shown."""
    spelled = spell_claim_years(claim)
    undated = _date_matches_removed(spelled)
    words = _substance(undated) | {t for t in own_terms(undated) if _NUMERIC_RE.fullmatch(t)}
    dates = extract_dates(spelled)
    years = {str(y) for d in dates for y in d.years}
    facts = []
    for text, dated in passages:
        held = set(analyze(text)) & words
        held |= {f"year:{y}" for y in years if y in text or (dated or "").startswith(y)}
        given = extract_dates(text, dated) if dates else []
        held |= {f"date:{i}" for i, d in enumerate(dates) if any(d.matches(e) for e in given)}
        facts.append(held)
    order = list(range(len(passages)))[:1]
    covered = set().union(*(facts[i] for i in order))
    rest = list(range(1, len(passages)))
    while rest:
        gain = [len(facts[i] - covered) for i in rest]
        if max(gain) < MIN_COVERAGE_GAIN:
            return order + rest
        best = rest[gain.index(max(gain))]
        order.append(best)
        covered |= facts[best]
        rest.remove(best)
    return order


@functools.lru_cache(maxsize=256)
def claim_clauses(claim: str) -> tuple[tuple[int, int], ...]:
    """Return the ``(start, end)`` offsets of the clauses of ``claim`` (``_CLAUSE_RE``), in
    order; one span, the whole claim, when it has one.

    A part with fewer than ``MIN_CLAUSE_TERMS`` words of substance is no clause of its own but
    part of the next (or, last, of the one before): "gazprom and eni will build blue stream"
    is one clause, and so is "US$4 million vanished when the mining chief fled"."""
    cuts = [0]
    for m in _CLAUSE_RE.finditer(claim):
        cuts.extend((m.start(), m.end()))
    cuts.append(len(claim))
    spans = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts), 2)]
    merged: list[tuple[int, int]] = []
    pending: int | None = None
    held: frozenset[str] = frozenset()  # the words of substance of the part pending
    last = 0  # where the part pending ends
    for start, end in spans:
        if pending is not None and _adds_nothing(claim[last:end], held):
            # Read again with all that pends, a part that adds no word is read at every part
            # after it: "— " 2,000 times took 65 s.
            last = end
            continue
        start = start if pending is None else pending
        held, last = _substance(claim[start:end]), end
        if len(held) < MIN_CLAUSE_TERMS:
            pending = start
            continue
        merged.append((start, end))
        pending = None
    if pending is not None:
        if merged:
            merged[-1] = (merged[-1][0], len(claim))
        else:
            merged.append((pending, len(claim)))
    return tuple(merged)


def _adds_nothing(text: str, held: frozenset[str]) -> bool:
    """Return whether ``text``, put after a part of a claim whose words of substance are
    ``held``, adds none: it holds no figure, and its own words of substance are among them
    (read after a word, as it is: "list" opening it is a word, not a command)."""
    if any(c.isdigit() for c in text):
        return False  # a date or an amount may be spelled out with what comes before it
    return not any(c.isalnum() for c in text) or _substance("the " + text) <= held


@functools.lru_cache(maxsize=256)
def _substance(text: str, *, units: bool = False) -> frozenset[str]:
    """Return the words of substance of ``text`` (see ``bears_on``): no number, no framing, no
    hedge, and no unit or scale unless ``units`` ("US$5 million vanished" bears on a passage
    where US$4 million went missing; the passages a figure is compared with are those about
    its clause, and "percent" says nothing of that)."""
    return frozenset(
        t
        for t in own_terms(spell_thousands(text))
        if not _NUMERIC_RE.fullmatch(t)
        and t not in FRAMING
        and t not in CLAIM_HEDGES
        and (units or t not in _FIGURE_TERMS)
    )


def _clause_words(claim: str, span: tuple[int, int], whole: frozenset[str]) -> frozenset[str]:
    """Return the words of substance of the clause at ``span`` of ``claim``, or ``whole`` (the
    claim's) when the clause has fewer than ``MIN_CLAUSE_TERMS``."""
    words = _substance(claim[span[0] : span[1]])
    return words if len(words) >= MIN_CLAUSE_TERMS else whole


def _about(
    claim: str,
    span: tuple[int, int],
    whole: frozenset[str],
    passages: Sequence[set[str]],
    aliases: Aliases | None,
    whole_held: Sequence[int] | None = None,
) -> list[int]:
    """Return the indexes of the passages a figure or date of the clause at ``span`` of
    ``claim`` is compared with: those that hold the most of its clause's words, and those that
    hold the most of the whole claim's (``whole``; ``whole_held``, when given, are those,
    worked out once for every clause). A part the clause rule reads as a clause may be none
    ("kamchatkenergo cut power to the fleet, debt 240m rubles": the figure is the cut's, whose
    passage holds one of "debt" and "rubles", where another holds both)."""
    if whole_held is None:
        whole_held = _most_held(whole, passages, aliases)
    words = _clause_words(claim, span, whole)
    clause = whole_held if words is whole else _most_held(words, passages, aliases)
    return sorted(set(clause) | set(whole_held))


def _most_held(
    words: frozenset[str], passages: Sequence[set[str]], aliases: Aliases | None = None
) -> list[int]:
    """Return the indexes of the passages (their terms) that hold the most of ``words``, a word
    held as a name is counting (``name_term_held``: "transnistria" by "Transnistrian"), or in
    other words by an alias ("imf" by "International Monetary Fund"); all of them when none
    holds any."""
    matches = aliases.matches(sorted(words)) if aliases is not None else []
    # The aliases through the claim's own matches, not ``name_term_held``'s pass over every
    # word of every passage (a third of a check's time).
    held = [
        sum(name_term_held(t, terms, None) or Aliases.held(t, terms, matches) for t in words)
        for terms in passages
    ]
    most = max(held, default=0)
    return [i for i, n in enumerate(held) if n == most or not most]


def name_term_held(term: str, evidence: set[str], aliases: Aliases | None) -> bool:
    """Return whether the evidence holds one word of a name, in the claim's spelling or another.

    Counted as held: the same term; a longer word that begins with it (Tengiz in
    Tengizchevroil) or that it begins with, for words of five letters or more; a spelling that
    differs only in the last letter (Lukashenka / Lukashenko), for words of six or more; an
    alias of it.
    """
    if term in evidence:
        return True
    if aliases is not None and any(aliases.equivalent(term, e) for e in evidence):
        return True
    if len(term) < MIN_CONTAINED:
        return False
    for word in evidence:
        if len(word) >= MIN_CONTAINED and (word.startswith(term) or term.startswith(word)):
            return True
        if len(term) >= 6 and len(word) == len(term) and word[:-1] == term[:-1]:
            return True
    return False


def compare_claim(
    claim: str,
    evidence: list[str],
    *,
    aliases: Aliases | None = None,
    dated: Sequence[tuple[str, str | None]] | None = None,
    titles: Sequence[str | None] | None = None,
) -> ClaimCheck:
    """Return which of the claim's numbers, dates and names the evidence passages contain, and
    which not.

    A number is contained when some passage states the same amount of the same kind (written in
    figures or in words), and not only beside fewer of the claim's words than another amount of
    its kind in the same sentence (``_said_otherwise``, ``_beside_another``); a date when some
    passage gives one it can be (``DateMention.matches``: the month, and the day and year where
    the claim gives them); a name when every one of its
    words occurs in the passages, in the claim's spelling or another (see ``name_term_held``;
    ``aliases`` add known variants). For each missing number or date, the passages' nearest of
    the same kind are listed. ``dated`` gives the passages' own texts with their briefs' ISO
    dates, for the dates (default: ``evidence``, undated). ``titles`` gives the passages' briefs'
    titles, in order: a passage is about its brief's title too when the figures and dates of a
    clause are compared with the passages about it ("the chechen section of the northern oil
    pipeline is 153 km long" and "the 153-kilometer Chechen stretch" of "Chechnya signs on to
    the northern oil route"), and a name its title writes is held. This is a read-only, pure
    operation; it judges nothing.
    """
    result = ClaimCheck(claim=claim, evidence_count=len(evidence))
    # The passages' dates are not counts either ("August 31" offered against "283 votes").
    numbers_of = [[q for _, q in amounts_in(text)] for text in evidence]
    terms_of = [set(analyze(text)) for text in evidence]
    about_terms = _with_titles(terms_of, titles)
    # A name is held by the title of a passage's brief too, which the reply shows under it
    # ("seleznev called the imf board's tranche cut a humiliation": "IMF trims Russia's first
    # tranche" above "Seleznev called the board's decision …").
    evidence_terms = set().union(*about_terms)
    # A year of the claim is held by a passage that writes it in a date, or by a passage of
    # a brief of that year (``evidence`` ends with its brief's date): briefs seldom repeat it.
    evidence_years = [
        Quantity(text=m.group(0), value=float(m.group(0)))
        for text in evidence
        for m in _YEAR_IN_TEXT_RE.finditer(text)
    ]
    seen: set[tuple[float, str]] = set()
    spelled = spell_claim_years(claim)
    claim_years = {y for d in extract_dates(spelled) for y in d.years} | {
        int(m.group(0)) for m in _YEAR_IN_TEXT_RE.finditer(spelled)
    }
    years_of = [ym[0] if (ym := _year_month(day)) else None for _, day in (dated or [])]
    # The day and year of a date are compared as the date, below, not as numbers of their own.
    undated = _date_matches_removed(spelled)
    whole = _substance(undated)
    # (Once, not at every clause: a pasted text of 4,000 characters has a hundred.)
    whole_held = _most_held(whole, about_terms, aliases)
    claimed = extract_quantities(undated)
    # A claim of several sentences read as one clause ("Nazarbaev won 79.8 percent. … Turnout
    # was 86.3 percent."): a figure is read with its own sentence's words too.
    spoken = split_sentences(undated) if len(claimed) > 1 else []
    if len(spoken) < 2:
        spoken = []
    title_of = [*(titles or ()), *[None] * len(evidence)]
    for span in claim_clauses(undated):
        # A figure is compared with the passages that hold the most of its clause's words, as
        # a date is: "11,000 russian border troops are still in georgia" is about Georgia, not
        # about the 11,000 another passage counts in Tajikistan.
        about = _about(undated, span, whole, about_terms, aliases, whole_held)
        numbers = [q for i in about for q in numbers_of[i]]
        clause = undated[span[0] : span[1]]
        for at, q in located_quantities(clause):
            if q.text.casefold() == "one":
                continue  # "one of the officials" names no amount to check
            if q.text.isalpha() and _SPAN_AFTER_RE.match(clause, at + len(q.text)):
                # "over two years", "three days before": a span a brief writes as its dates
                # ("1998 and 1999"), not a figure to find ("not in them: two").
                continue
            if (q.value, q.unit) in seen:
                continue
            seen.add((q.value, q.unit))
            pool = numbers + evidence_years if is_year_written(q) else numbers
            wordings = [_substance(clause), whole]
            wordings += [_substance(undated[s:e]) for s, e in spoken if s <= span[0] + at < e]
            if (
                any(q.matches(e) for e in pool)
                and not _said_otherwise(
                    q,
                    wordings,
                    [(evidence[i], title_of[i]) for i in about],
                    aliases,
                )
                and not _beside_another(
                    q,
                    claimed,
                    _clause_words(undated, span, whole),
                    [evidence[i] for i in about],
                    aliases,
                )
            ):
                result.numbers_found.append(q)
                continue
            if q.unit and not is_year_written(q):
                # The same amount of the same unit in another passage shown that names all the
                # clause names (or, naming none, holds half its words), of a year the claim
                # gives, if it gives one: "the IMF loan is worth US$4.5 billion" and "a new IMF
                # loan of about US$4.5 billion", though another passage holds "worth" too. (Not
                # Moldova's debt of 1999 for a claim about August 1998.)
                naming = [
                    i
                    for i in _naming(
                        clause,
                        _clause_words(undated, span, whole),
                        q,
                        evidence,
                        aliases,
                        years_of,
                        claim_years,
                    )
                    if i not in about
                ]
                if any(q.matches(e) for i in naming for e in numbers_of[i]):
                    result.numbers_found.append(q)
                    continue
            rounded = [e for e in pool if not is_year_written(q) and q.rounds(e)]
            if rounded:
                result.numbers_rounded.append(MissingNumber(q, _first_distinct(rounded)))
            else:
                others = [e for e in pool if not q.matches(e)]
                result.numbers_missing.append(MissingNumber(q, _counterparts(q, others)))
    passages = list(dated) if dated is not None else [(text, None) for text in evidence]
    _compare_dates(result, spelled, undated, passages, aliases, titles)
    # A month is a date, compared as one above; a name of its own it is not ("In July").
    names = [
        n
        for n in extract_names(claim)
        if n.casefold() not in _MONTH_NUMBERS and not _opener_only(n, claim, evidence)
    ]
    if not names and claim == claim.lower():
        # Typed in lower case ("gazprom cut moldova's gas by half"): its names are the words
        # the English list lacks, shown as the passages write them; a unit or a scale typed
        # short ("400m usd", "4.4 mln") is part of a number, compared above.
        names = list(
            dict.fromkeys(
                _as_written(_compound_of(word, claim), [*evidence, *filter(None, titles or ())])
                for word in typed_names(claim)
                if word not in CHAT_ABBREVIATIONS
            )
        )
    for name in names:
        # "anti-nato", "pro-Moscow", "ex-KGB": the name is what the prefix is set against.
        name = _NAME_PREFIX_RE.sub("", name)
        terms = analyze(name)
        if not terms:
            continue
        # An alias held in other words counts too: "PM" is held by "Prime Minister".
        matches = aliases.matches(terms) if aliases is not None else []
        if all(
            name_term_held(t, evidence_terms, aliases) or Aliases.held(t, evidence_terms, matches)
            for t in terms
        ):
            result.names_found.append(name)
        else:
            result.names_missing.append(name)
    result.contrasts = contrasts(claim, names, evidence, aliases)
    return result


_NAME_PREFIX_RE = re.compile(r"^(?:anti|pro|non|ex|post|pre|neo|pan)-(?=\w)", re.IGNORECASE)
"""A prefix joined to a name by a hyphen ("anti-NATO"): the name is what follows it."""
_SPAN_AFTER_RE = re.compile(r"\s+(?:years?|months?|weeks?|days?|hours?|decades?)\b", re.I)
"""A unit of time right after a number written in words ("two years")."""
CHAT_ABBREVIATIONS = frozenset(
    "yoy mom qoq ytd jv pm fm gm ceo cfo mln bln mn bn approx est".split()
)
"""Abbreviations members type in lower case ("up 19% yoy", "a 50/50 jv"): no names to find."""


def _opener_only(name: str, claim: str, evidence: Sequence[str]) -> bool:
    """Return whether ``name`` is one English word capitalized only for opening a sentence of
    ``claim`` that the passages write in lower case and never as a name: "Turnout in
    Kazakhstan's 1999 election was 86.3 percent" and "Official turnout was 86.3 percent" (it was
    named as a name the passages hold)."""
    if not _PLAIN_WORD_RE.fullmatch(name) or not is_english(name.casefold()):
        return False
    if any(
        m.start() not in _sentence_starts(claim)
        for m in re.finditer(rf"\b{re.escape(name)}\b", claim)
    ):
        return False
    lower = re.compile(rf"\b{re.escape(name.casefold())}\b")
    terms = set(analyze(name))
    return any(lower.search(text) for text in evidence) and not written_as_names(
        list(evidence), terms
    )


def _sentence_starts(text: str) -> set[int]:
    """Return the offsets of the first word of each sentence of ``text``."""
    starts = set()
    for s, e in split_sentences(text):
        m = _PLAIN_WORD_RE.search(text, s, e)
        if m is not None:
            starts.add(m.start())
    return starts


OPPOSITES: tuple[tuple[str, str], ...] = (
    (
        "kill killed kills killing",
        "survive survived survives surviving escape escaped escapes unhurt",
    ),
    (
        "join joined joins joining",
        "quit quits leave left leaves leaving withdraw withdrew withdrawn withdraws withdrawing "
        "expire expires expired",
    ),
    ("win won wins winning", "lose lost loses losing"),
    (
        "rise rose risen rises rising increase increased increases increasing grow grew grown "
        "grows growing",
        "fall fell fallen falls falling decline declined declines declining drop dropped drops "
        "dropping decrease decreased decreases decreasing",
    ),
    (
        "approve approved approves approving accept accepted accepts accepting confirmed confirms "
        "confirming ratify ratified ratifies",
        "reject rejected rejects rejecting refuse refused refuses refusing veto vetoed vetoes",
    ),
    (
        "arrest arrested arrests arresting detain detained detains jail jailed",
        "release released releases releasing freed",
    ),
    ("open opened opens opening", "close closed closes closing shut shuts"),
    ("raise raised raises raising", "cut cuts cutting lower lowered lowers lowering"),
    ("sign signed signs signing", "refuse refused refuses refusing"),
    (
        "condemn condemned condemns condemning criticize criticized criticizes criticizing "
        "criticise criticised criticises criticising critical denounce denounced denounces "
        "denouncing",
        "welcome welcomed welcomes welcoming praise praised praises praising endorse endorsed "
        "endorses endorsing",
    ),
    ("pass passed passes adopt adopted adopts", "withdraw withdrew withdrawn withdraws"),
    (
        "succeed succeeded succeeds",
        "fail failed fails collapse collapsed collapses",
    ),
    (
        "backed backs backing support supported supports supporting favored favoured",
        "oppose opposed opposes opposing",
    ),
    (
        "take_part took_part taken_part takes_part taking_part participate participated "
        "participates participating attend attended attends",
        "boycott boycotted boycotts boycotting",
    ),
)  # fmt: skip
"""Pairs of words that say opposite things of the same subject, as typed (``contrasts``): each
word as written, in every form meant ("_" joins the words of a phrase: "took part"). Not the
imperative "confirm", which asks ("confirm: the duma …"), nor "back" ("back wages")."""


def _words_re(words: str) -> re.Pattern[str]:
    """Return the pattern of the words of one side of ``OPPOSITES``, each a whole word."""
    alternatives = "|".join(re.escape(w).replace("_", r"\s+") for w in words.split())
    return re.compile(rf"(?<![\w'’-])(?:{alternatives})(?![\w'’-])", re.IGNORECASE)


_OPPOSITE_RES = tuple((_words_re(a), _words_re(b)) for a, b in OPPOSITES) + tuple(
    (_words_re(b), _words_re(a)) for a, b in OPPOSITES
)
NEAR_TOKENS = 6
"""A passage's word says something of a name that comes at most this many words of substance
before it ("Maskhadov survived an assassination attempt"; not "one of his bodyguards was
killed, and … Maskhadov suffered minor cuts")."""
_NEGATION = r"\b(?:not|never|no\s+longer|cannot|\w+n['’]t)\s+(?:[\w’']+\s+){{0,2}}?{word}\b"
"""A word said negated: "not been charged", "hasn't been charged", "wasn’t killed" (a
contraction's "n't" has no word boundary before it)."""
_NEGATION_START_RE = re.compile(r"\b(?:not|never|no\s+longer|cannot|\w+n['’]t)\s", re.IGNORECASE)
"""Where a negation of ``_NEGATION`` starts."""


def contrasts(
    claim: str, names: Sequence[str], evidence: Sequence[str], aliases: Aliases | None = None
) -> list[tuple[str, str]]:
    """Return ``(the claim's word, the passage's words)`` for each word of ``claim`` (with its
    ``names``) that a passage of ``evidence`` contradicts, as written: the opposite word
    (``OPPOSITES``: "killed" and "survived") within ``NEAR_TOKENS`` words after the claim's
    first name, or after the words of substance that come right before the claim's word in its
    clause (``MAX_SUBJECT_TERMS`` of them, all held: "the kremlin accepted" and "the Kremlin
    rejected", "the main opposition parties took part" and "The main opposition parties, which
    boycotted"), where the claim holds neither the opposite nor a negation; or the same word
    negated after the first name ("charged" and "not been charged"). It judges nothing: the
    passages may speak of another time."""
    # The first name is what the claim is about, most often its subject ("Maskhadov survived a
    # car bomb in Grozny a week after Stepashin …"): a word near another name is of another.
    name_terms = set(analyze(names[0])) if names else set()
    claimed = analyze_spans(claim)
    # Where the claim says "not", once: each of its words is asked whether it is negated.
    starts = [m.start() for m in _NEGATION_START_RE.finditer(claim)]
    found: list[tuple[str, str]] = []
    # Each passage's words and where the name stands in them, once (not once a pair).
    read = [
        (text, spans, [i for i, (t, _, _) in enumerate(spans) if t in name_terms])
        for text, spans in ((text, analyze_spans(text)) for text in evidence)
    ]
    for said, opposite in _OPPOSITE_RES:
        typed_at = said.search(claim)
        if typed_at is None or opposite.search(claim):
            continue
        typed = typed_at.group(0)
        if _negated(claim, typed, starts):
            continue
        subject = _subject_before(claim, claimed, typed_at.start())
        patient = _done_to(claim, claimed, typed_at, names, name_terms)
        ends = _CLAUSE_RE.search(claim, typed_at.end())
        rest = _substance(claim[typed_at.end() : ends.start() if ends else len(claim)])
        for text, spans, at in read:
            word = next(
                (
                    m.group(0)
                    for m in opposite.finditer(text)
                    if (
                        _said_of(i := _token_at(spans, m.start()), at, subject, spans)
                        or any(spans[j][0] in patient for j in range(i + 1, i + 1 + MAX_TO_NAME))
                    )
                    and _same_matter(text, m.start(), said, rest)
                ),
                None,
            )
            if word is not None:
                found.append((typed, word))
                break
    found += _places_apart(claim, evidence, aliases)
    found += _order_reversed(claim, evidence)
    found += _done_by_another(claim, names, evidence, aliases)
    found += [
        pair
        for pair in _named_otherwise(claim, names, evidence, aliases)
        if not any(c.casefold().startswith(pair[0].split(" … ")[0].casefold()) for c, _ in found)
    ]
    found += _refused(claim, claimed, evidence, {c for c, _ in found})
    if not name_terms:
        return found
    folded = [text.casefold() for text in evidence]
    for t, s, e in claimed:
        typed = claim[s:e]
        if t in name_terms or t in FRAMING or len(typed) < MIN_PREFIXED:
            continue
        # (Compiled only for a word some passage writes: a pattern a word took 0.4 ms.)
        lower = typed.casefold()
        patterns = []
        if len(typed) >= MIN_CONTAINED and any(lower in text for text in folded):
            patterns.append(re.compile(_NEGATION.format(word=re.escape(typed)), re.IGNORECASE))
        if is_english("un" + lower) and any("un" + lower in text for text in folded):
            # Negated by its prefix: "Karimov, who was unhurt" of "Karimov was hurt".
            patterns.append(re.compile(rf"(?<![\w'’-])un{re.escape(typed)}(?![\w'’-])", re.I))
        if not patterns or any(typed == c for c, _ in found) or _negated(claim, typed, starts):
            continue
        for text in evidence:
            m = next(filter(None, (p.search(text) for p in patterns)), None)
            if m is not None and any(
                t2 in name_terms for t2 in analyze(text[max(0, m.start() - 80) : m.start()])
            ):
                found.append((typed, m.group(0)))
                break
    return found


def _refused(
    claim: str,
    claimed: Sequence[tuple[str, int, int]],
    evidence: Sequence[str],
    done: set[str],
) -> list[tuple[str, str]]:
    """Return ``(the claim's word, the passage's words)`` where a passage says the claim's word
    was refused (``_REFUSED``: "the Duma passed the tax measures" and "the State Duma's refusal
    last week to pass several of the tax measures"): within 80 characters after the words of
    substance right before the claim's word (``_subject_before``), in a sentence holding a word
    of the rest of its clause; not a word of ``done``, nor one the claim says refused itself."""
    folded = [text.casefold() for text in evidence]
    if not any(_REFUSED_RE.search(text) for text in folded):
        return []
    found = []
    for t, s, e in claimed:
        typed = claim[s:e]
        if typed in done or t in FRAMING or len(t) < MIN_PREFIXED:
            continue
        if not any(t in text for text in folded):
            continue
        pattern = re.compile(_REFUSED.format(term=re.escape(t)), re.IGNORECASE)
        # What the claim says of the word is read only for a word some passage says refused:
        # read for every word, a claim of one 4,000-character clause took 1.9 s (each word's
        # rest of the clause analysed again).
        refusals = [(text, m) for text in evidence if (m := pattern.search(text)) is not None]
        if not refusals or pattern.search(claim):
            continue
        subject = _subject_before(claim, claimed, s)
        ends = _CLAUSE_RE.search(claim, e)
        rest = _substance(claim[e : ends.start() if ends else len(claim)])
        if not subject or not rest:
            continue
        for text, m in refusals:
            before = set(analyze(text[max(0, m.start() - 80) : m.start()]))
            sentence = next(
                (text[a:b] for a, b in split_sentences(text) if a <= m.start() < b), text
            )
            held = set(analyze(sentence))
            if before.issuperset(subject) and any(name_term_held(w, held, None) for w in rest):
                found.append((typed, m.group(0)))
                break
    return found


_REFUSED = r"\b(?:refus\w*|fail\w*|declin\w*)\s+(?:[\w’']+\s+){{0,3}}?to\s+{term}\w*\b"
"""A word refused ("refused to sign", "the Duma's refusal last week to pass", "failed to
approve"), its term being the claim's word's (``analyze``: "pass" of "passed")."""
_REFUSED_RE = re.compile(r"\b(?:refus|fail|declin)")
"""Where a refusal of ``_REFUSED`` may be, lower-cased."""


MIN_PREFIXED = 4
"""The fewest letters of a claim's word that a passage's word may negate with "un" ("hurt" and
"unhurt"; not "til" and "until")."""


def better_opposed(claim: str, passage: str, shown: str) -> bool:
    """Return whether ``passage`` should stand for its brief as evidence for ``claim`` in place
    of ``shown``, another passage of the same brief: it writes a word opposite to one the claim
    types (``opposed_in``), ``shown`` writes none, and it holds as many of the claim's words of
    substance. "The OSCE praised the Azerbaijani election": the brief's passage on Western
    governments and "the concerns of the OSCE observers" was shown, not the one saying the OSCE
    mission "was cautious but critical"."""
    opposed = opposed_in(claim)
    if not any(p.search(passage) for p in opposed) or any(p.search(shown) for p in opposed):
        return False
    words = _substance(claim, units=True)
    return len(words & set(analyze(passage))) >= len(words & set(analyze(shown)))


@functools.lru_cache(maxsize=256)
def opposed_in(claim: str) -> tuple[re.Pattern[str], ...]:
    """Return the patterns of the words opposite to those ``claim`` types (``OPPOSITES``), but
    not of a word it also types the opposite of or says negated (worked out once a claim, not
    once a passage)."""
    starts = [m.start() for m in _NEGATION_START_RE.finditer(claim)]
    return tuple(
        opposite
        for said, opposite in _OPPOSITE_RES
        if (typed := said.search(claim)) is not None
        and not opposite.search(claim)
        and not _negated(claim, typed.group(0), starts)
    )


MAX_SUBJECT_TERMS = 2
"""How many of the words right before a claim's word ``contrasts`` reads as what it is said of
("main opposition parties took part": "opposition", "parties")."""


def _subject_before(claim: str, claimed: Sequence[tuple[str, int, int]], at: int) -> list[str]:
    """Return the last ``MAX_SUBJECT_TERMS`` words of substance of ``claim`` (its terms,
    ``claimed``) before offset ``at`` in its clause (``_CLAUSE_RE``), in order: none framing,
    hedging or a number."""
    opens = max((m.end() for m in _CLAUSE_RE.finditer(claim, 0, at)), default=0)
    terms = [
        t
        for t, s, _ in claimed
        if opens <= s < at
        and t not in FRAMING
        and t not in CLAIM_HEDGES
        and not _NUMERIC_RE.fullmatch(t)
    ]
    return terms[-MAX_SUBJECT_TERMS:]


MAX_TO_NAME = 2
"""How many words after a passage's word the name it is done to may come ("confirmed Stepashin",
"confirmed Sergei Stepashin")."""
_PASSIVE_RE = re.compile(r"\b(?:was|were|is|are|been|being|be|get|got)\s+(?:\w+ly\s+)?$", re.I)
"""What a word said in the passive follows ("Stepashin was rejected", "was narrowly rejected")."""


def _done_to(
    claim: str,
    claimed: Sequence[tuple[str, int, int]],
    typed_at: re.Match[str],
    names: Sequence[str],
    first: set[str],
) -> set[str]:
    """Return the terms of the name the claim's word (at ``typed_at``) is done to: for a word
    said in the passive ("Stepashin was rejected by the Duma"), the claim's ``first`` name's;
    else a name of ``names`` among the next ``MAX_TO_NAME`` words ("the duma rejected
    stepashin"); none otherwise. A passage doing the opposite to it says so right before it: "…
    confirmed Stepashin on May 19"."""
    if _PASSIVE_RE.search(claim, 0, typed_at.start()):
        return first  # not the "Duma" it was done by
    following = [t for t, s, _ in claimed if s >= typed_at.end()][:MAX_TO_NAME]
    for name in names:
        terms = set(analyze(name))
        if terms & set(following):
            return terms
    return set()


def _said_of(
    i: int, at: Sequence[int], subject: Sequence[str], spans: Sequence[tuple[str, int, int]]
) -> bool:
    """Return whether the passage's word at token ``i`` (of ``spans``) comes within
    ``NEAR_TOKENS`` after the claim's first name (at tokens ``at``) or after every word of
    ``subject``."""
    if any(0 < i - j <= NEAR_TOKENS for j in at):
        return True
    before = {t for t, _, _ in spans[max(0, i - NEAR_TOKENS) : i]}
    return bool(subject) and all(t in before for t in subject)


_PLACE_PREPOSITIONS = frozenset({"in", "at", "near"})
_PLAIN_WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_DOING_RE = re.compile(
    r"[a-z]{3,}ed|held|met|born|built|shot|hit|struck|found|made|won|lost|sent|seen|laid|kept"
    r"|fought|taken|given|sworn|took|gave"
)
"""A word that says what was done ("signed", "held", "born"), as ``_places`` reads it: one
in the past (a noun, "troops in Georgia", is no doing)."""
_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())


@dataclass(frozen=True)
class _Place:
    """A place a text says something was done in or at (``_places``)."""

    preposition: str
    place: str
    end: int
    doings: tuple[tuple[str, int], ...]
    """The words that may be the doing, lower-cased, with where each starts."""


def _places(text: str) -> list[_Place]:
    """Return each place ``text`` says something was done in or at: a word right after "in",
    "at" or "near" (and a "the"), with the words of five letters or more up to three before
    the preposition that say what was done (``_DOING_RE``: "signed in Tashkent", "detained him
    at the French border"); a place written with capitals runs on ("in the Black Sea"). Not a
    month, a weekday, a number or a stopword."""
    words = [(m.group(0), m.start()) for m in _PLAIN_WORD_RE.finditer(text)]
    found = []
    for k, (word, at) in enumerate(words):
        if word.casefold() not in _PLACE_PREPOSITIONS or k + 1 == len(words):
            continue
        j = k + 2 if words[k + 1][0].casefold() == "the" and k + 2 < len(words) else k + 1
        place, begins = words[j]
        if (
            " ".join(text[at + len(word) : begins].split()).casefold() not in ("", "the")
            or place.casefold() in STOPWORDS
            or place.casefold() in _MONTH_NUMBERS
            or place.casefold() in _WEEKDAYS
        ):
            continue  # "in 1992", "in April", "in, …": no place
        doings = tuple(
            (w.casefold(), i)
            for w, i in words[max(0, k - 3) : k]
            if _DOING_RE.fullmatch(w.casefold()) and not text[i + len(w) : at].count(",")
        )
        ends = begins + len(place)
        for more, starts in words[j + 1 :]:
            # A place of several words: "the Black Sea", "Central Asia"
            if not (place[0].isupper() and more[0].isupper() and text[ends:starts] == " "):
                break
            ends = starts + len(more)
        found.append(_Place(word.casefold(), text[begins:ends], ends, doings))
    return found


def _places_apart(
    claim: str, evidence: Sequence[str], aliases: Aliases | None = None
) -> list[tuple[str, str]]:
    """Return ``(the claim's words, the passage's)`` for a place the claim says something was
    done in or at (``_places``) where a passage's sentence says the same was done in or at
    another, written with a capital ("signed in moscow" and "signed in Tashkent"), when that
    sentence holds two or more of the claim's other words of substance and not the claim's
    place, in any spelling (``name_term_held``: "kiev" is held by "Kyiv")."""
    # The claim's place is a name: written with a capital, no English word ("lviv"), or a word
    # the passages write as a name ("moscow": "in Moscow"); not "voted in favor", "held in the
    # capital".
    typed = set(typed_names(claim))
    mine = [
        p
        for p in _places(claim)
        if p.doings
        and (
            p.place[0].isupper()
            or p.place.casefold() in typed
            or written_as_names(list(evidence), set(analyze(p.place)))
        )
    ]
    if not mine:
        return []
    words = _substance(claim)
    found: list[tuple[str, str]] = []
    for text in evidence:
        for start, end in split_sentences(text):
            sentence = text[start:end]
            theirs = [p for p in _places(sentence) if p.place[0].isupper() and p.doings]
            if not theirs:
                continue
            held = set(analyze(sentence))
            for claimed in mine:
                if any(name_term_held(t, held, aliases) for t in analyze(claimed.place)):
                    continue
                for place in theirs:
                    done = dict(place.doings)
                    shared = [(w, i) for w, i in claimed.doings if w in done]
                    if place.preposition != claimed.preposition or not shared:
                        continue
                    doing = set(analyze(" ".join(w for w, _ in shared)))
                    if len((words - doing) & held) < MIN_CLAUSE_TERMS:
                        continue
                    verb, at = shared[-1]
                    pair = (claim[at : claimed.end], sentence[done[verb] : place.end])
                    if pair[0] not in {c for c, _ in found}:
                        found.append(pair)
    return found


_TO_RE = re.compile(r"\s+(?:votes?\s+)?to\s+", re.IGNORECASE)
"""What joins the two amounts of a vote or a change ("310 to 39", "253 votes to 94", "from 42
percent to 51 percent")."""


def _ordered_pairs(text: str) -> list[tuple[Quantity, Quantity, str]]:
    """Return the pairs of amounts ``text`` joins by "to" (``_TO_RE``), each with the words it
    writes them in, its dates aside."""
    located = amounts_in(text)
    return [
        (q1, q2, text[a1 : a2 + len(q2.text)])
        for (a1, q1), (a2, q2) in itertools.pairwise(located)
        if _TO_RE.fullmatch(text, a1 + len(q1.text), a2) and not q1.matches(q2)
    ]


def _order_reversed(claim: str, evidence: Sequence[str]) -> list[tuple[str, str]]:
    """Return ``(the claim's words, the passage's)`` for two amounts the claim joins by "to"
    that a passage gives the other way round and never in the claim's order: "The Rada voted 39
    to 310" and "voted by 310 to 39" (a vote's count for and against; a change's from and to)."""
    mine = _ordered_pairs(claim)
    if not mine:
        return []
    theirs = [pair for text in evidence for pair in _ordered_pairs(text)]
    found = []
    for q1, q2, typed in mine:
        if any(q1.matches(p1) and q2.matches(p2) for p1, p2, _ in theirs):
            continue
        written = next((w for p1, p2, w in theirs if q1.matches(p2) and q2.matches(p1)), None)
        if written is not None:
            found.append((typed, written))
    return found


_DONE_TOO = frozenset(
    "came became ran led fled rose fell grew got cut put paid said told sold spent left".split()
)
"""Words saying what someone did, past, that ``_DOING_RE`` does not read ("came second",
"got 11.6 percent")."""
_DOER_RE = re.compile(r"((?:[A-Z][\w’'-]*\s+)*[A-Z][\w’'-]*)\s+$")
"""The run of capitalized words right before a passage's word: who did it ("President Heidar
Aliev" of "President Heidar Aliev won")."""


def _done_by_another(
    claim: str, names: Sequence[str], evidence: Sequence[str], aliases: Aliases | None = None
) -> list[tuple[str, str]]:
    """Return ``(the claim's words, the passage's)`` where the claim says a name of ``names``
    did something with a figure ("Mamedov won the 1998 election with 76.1 percent": a word in
    the past right after the name, ``_DOING_RE`` or ``_DONE_TOO``, and an amount after it in
    its clause, no year) and a passage's
    sentence giving that amount says another name did it ("President Heidar Aliev won … with
    76.1 percent"), without naming the claim's in any spelling."""
    found: list[tuple[str, str]] = []
    for name in names:
        terms = analyze(name)
        if not terms:
            continue
        pattern = rf"(?<![\w'’-]){re.escape(name)}\s+([a-z]{{3,}})\b"
        for m in re.finditer(pattern, claim, re.IGNORECASE):
            word = m.group(1)
            if not (_DOING_RE.fullmatch(word.casefold()) or word.casefold() in _DONE_TOO):
                continue
            ends = _CLAUSE_RE.search(claim, m.end())
            figures = [
                q
                for q in extract_quantities(claim[m.end() : ends.start() if ends else len(claim)])
                if not is_year_written(q) and q.text.casefold() != "one"
            ]
            if not figures:
                continue
            for text in evidence:
                for start, end in split_sentences(text):
                    sentence = text[start:end]
                    given = [g for _, g in amounts_in(sentence)]
                    held = set(analyze(sentence))
                    if not any(q.matches(g) for q in figures for g in given) or any(
                        name_term_held(t, held, aliases) for t in terms
                    ):
                        continue
                    for said in re.finditer(rf"\b{re.escape(word)}\b", sentence):
                        doer = _DOER_RE.search(sentence, 0, said.start())
                        named = extract_names(doer.group(1)) if doer is not None else []
                        if not named:
                            continue
                        pair = (claim[m.start() : m.end()], f"{named[-1]} {word}")
                        if pair not in found:
                            found.append(pair)
    return found


_SAYING_RE = re.compile(
    r"\b(?:said|says|say|told|tells|announced|announces|reported|reports|stated|added|claimed"
    r"|insisted|estimated|estimates|puts|put|according)\b",
    re.IGNORECASE,
)
"""A word between a name and a figure that makes the name the figure's source, not what it is
of ("Tax Service chief Boris Fedorov said … that the gas monopoly owes … 2.9 billion rubles")."""
_CAPITALIZED_RE = re.compile(r"[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*")
"""A run of capitalized words, a name as ``_named_otherwise`` reads one in a passage."""


def _names_at(text: str) -> list[tuple[int, str]]:
    """Return the names of ``text`` with where each ends: runs of capitalized words, not a month
    nor English words only ("Official turnout", "National Independence" of a party)."""
    return [
        (m.end(), m.group(0))
        for m in _CAPITALIZED_RE.finditer(text)
        if m.group(0).casefold() not in _MONTH_NUMBERS
        and not all(is_english(without_possessive(w).casefold()) for w in m.group(0).split())
    ]


def _named_otherwise(
    claim: str, names: Sequence[str], evidence: Sequence[str], aliases: Aliases | None = None
) -> list[tuple[str, str]]:
    """Return ``(the claim's words, the passage's)`` for an amount of a unit the claim gives of a
    name (the name of ``names`` nearest before it in its sentence, else after it) that every
    passage sentence giving it gives of another, the name nearest before it there (not one
    saying it: ``_SAYING_RE``), while a sentence gives the claim's name another amount of its
    kind, the first after it: "abdildin got 4.6%" and "… Abdildin came second with 11.7
    percent, customs chief Gani Kasymov third with 4.6 percent …"."""
    if not names or not any(q.unit for q in extract_quantities(claim)):
        return []
    sentences = [text[s:e] for text in evidence for s, e in split_sentences(text)]
    amounts_of = [amounts_in(sentence) for sentence in sentences]
    read = [
        (sentence, amounts, _names_at(sentence))
        for sentence, amounts in zip(sentences, amounts_of, strict=True)
        if any(q.unit for _, q in amounts)
    ]
    found: list[tuple[str, str]] = []
    for start, end in split_sentences(claim):
        said = claim[start:end]
        at_names = sorted(
            (m.start(), m.end(), name)
            for name in names
            for m in re.finditer(rf"(?<![\w'’-]){re.escape(name)}", said, re.IGNORECASE)
        )
        for at, q in located_quantities(_date_matches_removed(said)):
            if not q.unit or not at_names:
                continue
            before = [n for n in at_names if n[1] <= at]
            _, _, name = before[-1] if before else at_names[0]
            terms = analyze(name)
            given = [
                (nearest[-1][1], g.text, _said_last(sentence, terms, nearest[-1][0], a, aliases))
                for sentence, amounts, named in read
                for a, g in amounts
                if q.matches(g)
                and (nearest := [n for n in named if n[0] <= a])
                and not _SAYING_RE.search(sentence, nearest[-1][0], a)
            ]
            if not given or any(
                mine or all(name_term_held(t, set(analyze(other)), aliases) for t in terms)
                for other, _, mine in given
            ):
                continue
            if not any(
                _first_after(sentence, amounts, named, terms, q, aliases)
                for sentence, amounts, named in read
            ):
                continue
            found.append((f"{name} … {q.text}", f"{given[0][0]} … {given[0][1]}"))
    return found


def _said_last(
    sentence: str, terms: Sequence[str], after: int, before: int, aliases: Aliases | None
) -> bool:
    """Return whether a word of the claim's name (its ``terms``) stands in ``sentence`` between
    offsets ``after`` and ``before``: nearer the figure than the other name ("Gazprom cut its gas
    deliveries to Moldova by 40 percent" gives 40 percent of Moldova, an English word as well)."""
    return any(
        after <= s < before and any(name_term_held(x, {t}, aliases) for x in terms)
        for t, s, _ in analyze_spans(sentence)
    )


def _first_after(
    sentence: str,
    amounts: Sequence[tuple[int, Quantity]],
    named: Sequence[tuple[int, str]],
    terms: Sequence[str],
    claimed: Quantity,
    aliases: Aliases | None,
) -> bool:
    """Return whether ``sentence`` (its ``amounts`` and ``named`` names, located) names the
    claim's name (its ``terms``) and gives as the first amount of ``claimed``'s kind after it
    another amount: "Serikbolsyn Abdildin came second with 11.7 percent"."""
    for end, name in named:
        if not all(name_term_held(t, set(analyze(name)), aliases) for t in terms):
            continue
        after = [g for a, g in amounts if a >= end and g.unit == claimed.unit]
        return bool(after) and not claimed.matches(after[0])
    return False


def _same_matter(text: str, at: int, said: re.Pattern[str], rest: frozenset[str]) -> bool:
    """Return whether the sentence of ``text`` at offset ``at`` (where a word opposite to the
    claim's stands) speaks of what the claim's word does: it holds a word of the rest of the
    claim's clause (``rest``, when it has any) and not the claim's word itself (``said``).
    "Uzbekistan had withdrawn from the CIS Collective Security Treaty" says nothing of its
    joining GUAM; "Swiss police detained him … and released him on bail" both."""
    sentence = next((text[s:e] for s, e in split_sentences(text) if s <= at < e), text)
    if said.search(sentence):
        return False
    held = set(analyze(sentence))
    return not rest or any(name_term_held(t, held, None) for t in rest)


def _token_at(spans: Sequence[tuple[str, int, int]], offset: int) -> int:
    """Return the index of the first of ``spans`` (``analyze_spans``) at or after ``offset``."""
    return bisect.bisect_left([s for _, s, _ in spans], offset)


def _negated(text: str, word: str, starts: Sequence[int]) -> bool:
    """Return whether ``text`` says ``word`` negated ("not been charged"), ``starts`` being
    where its negations start (``_NEGATION_START_RE``): a claim of 4,000 characters was read
    whole for each of its 700 words (0.1 s)."""
    pattern = re.compile(_NEGATION.format(word=re.escape(word)), re.IGNORECASE)
    return any(pattern.match(text, at) for at in starts)


def _said_otherwise(
    claimed: Quantity,
    wordings: Sequence[frozenset[str]],
    texts: Sequence[tuple[str, str | None]],
    aliases: Aliases | None,
) -> bool:
    """Return whether, for each of the claim's ``wordings`` (the words of its clause, of the
    whole claim, of the sentence the figure is in), a sentence of ``texts`` (each a passage and
    its brief's title, whose words each of its sentences holds too) that gives another amount
    of ``claimed``'s unit, and not ``claimed``, holds ``MIN_CLAUSE_TERMS`` more of those words
    than every sentence giving ``claimed``, or one more with ``MIN_CLAUSE_TERMS`` more of them
    within ``NEAR_TOKENS`` words of that amount than of ``claimed``: "gazprom cut gas to
    moldova by 60 percent" and "Gazprom cut its gas deliveries to Moldova by 40 percent. … of
    which roughly 60 percent was run up by the Transnistrian region" (that 60 percent is of
    the debt).

    Not by a margin of one alone: the sentence giving a figure often names its subject in other
    words ("Official turnout was 86.3 percent." after "Kazakhstan's … election with 79.8
    percent"; "Its gas debt to Gazprom has grown to about US$640 million" beside "Moldova's gas
    debt at about US$590 million"), and those true claims read "not in them"."""
    if not claimed.unit:
        return False
    read = [
        (text[s:e], set(analyze(title or "")))
        for text, title in texts
        for s, e in split_sentences(text)
    ]
    if len(read) < 2:
        return False
    amounts = [amounts_in(sentence) for sentence, _ in read]
    mine = [any(claimed.matches(q) for _, q in found) for found in amounts]
    other = [
        not gives and any(q.unit == claimed.unit for _, q in found)
        for gives, found in zip(mine, amounts, strict=True)
    ]
    if not any(other):
        return False
    spans = [analyze_spans(sentence) for sentence, _ in read]
    beaten = False
    for words in wordings:
        if not words:
            continue
        held = [
            sum(name_term_held(w, set(analyze(sentence)) | title, aliases) for w in words)
            for sentence, title in read
        ]
        best = max((n for n, gives in zip(held, mine, strict=True) if gives), default=0)
        rival = max(n for n, o in zip(held, other, strict=True) if o)
        if rival >= best + MIN_CLAUSE_TERMS:
            beaten = True
            continue
        if rival < best + 1:
            return False

        def near(k: int, unit: str, matching: bool, words: frozenset[str] = words) -> int:
            """Return the most of ``words`` within ``NEAR_TOKENS`` of an amount of sentence
            ``k`` of ``unit`` that is (``matching``) or is not ``claimed``."""
            return max(
                (
                    _near_count(at, spans[k], words, aliases)
                    for at, q in amounts[k]
                    if q.unit == unit and claimed.matches(q) == matching
                ),
                default=0,
            )

        mine_near = max(
            (near(k, claimed.unit, True) for k, gives in enumerate(mine) if gives), default=0
        )
        rival_near = max(near(k, claimed.unit, False) for k, o in enumerate(other) if o)
        if rival_near < mine_near + MIN_CLAUSE_TERMS:
            return False
        beaten = True
    return beaten


def _near_count(
    at: int, spans: Sequence[tuple[str, int, int]], words: frozenset[str], aliases: Aliases | None
) -> int:
    """Return how many of ``words`` stand within ``NEAR_TOKENS`` words of offset ``at`` of a
    sentence whose words are ``spans`` (``analyze_spans``)."""
    i = _token_at(spans, at)
    near = {t for t, _, _ in spans[max(0, i - NEAR_TOKENS) : i + NEAR_TOKENS + 1]}
    return sum(name_term_held(w, near, aliases) for w in words)


def _beside_another(
    claimed: Quantity,
    figures: Sequence[Quantity],
    words: frozenset[str],
    texts: Sequence[str],
    aliases: Aliases | None,
) -> bool:
    """Return whether every sentence of ``texts`` that gives ``claimed`` gives another amount of
    its kind (none of the claim's ``figures``) beside more of the claim's clause's ``words``
    (within ``NEAR_TOKENS`` either side, at least ``MIN_CLAUSE_TERMS``): "the belarusian ruble
    traded at about 31,000 to the dollar on the minsk street market" and "… on the Minsk
    street market …, trading at about 38,000 to the US dollar …, while the National Bank held
    its official rate at just under 31,000"."""
    if is_year_written(claimed) or not claimed.value:
        return False
    beaten = False
    for text in texts:
        for start, end in split_sentences(text):
            sentence = text[start:end]
            located = amounts_in(sentence)
            if not any(claimed.matches(q) for _, q in located):
                continue
            spans = analyze_spans(sentence)

            def beside(at: int, spans: Sequence[tuple[str, int, int]] = spans) -> int:
                i = _token_at(spans, at)
                near = {t for t, _, _ in spans[max(0, i - NEAR_TOKENS) : i + NEAR_TOKENS + 1]}
                return sum(name_term_held(w, near, aliases) for w in words)

            mine = max(beside(at) for at, q in located if claimed.matches(q))
            others = [
                beside(at)
                for at, q in located
                if not any(f.matches(q) for f in figures)
                and not is_year_written(q)
                and (q.unit == claimed.unit or not q.unit or not claimed.unit)
                and 0.1 <= q.value / claimed.value <= 10
            ]
            if not others or max(others) < max(MIN_CLAUSE_TERMS, mine + MIN_CLAUSE_TERMS):
                return False
            beaten = True
    return beaten


def _naming(
    clause: str,
    words: frozenset[str],
    claimed: Quantity,
    texts: Sequence[str],
    aliases: Aliases | None,
    years_of: Sequence[int | None],
    claim_years: set[int],
) -> list[int]:
    """Return the indexes of the passages (``texts``) that hold every name ``clause`` writes
    (capitalized, or, typed in lower case, no English word), in a name's spelling or another;
    for a clause that names nothing, those with a sentence giving ``claimed`` that holds half
    (and ``MIN_CLAUSE_TERMS``) of its ``words`` ("the new loan is worth US$4.5 billion" and "…
    agreed on a new IMF loan of about US$4.5 billion"; not "… up from some US$590 million …,
    and more than half of that sum …" for "a state budget of roughly US$590 million", its
    "state" in the next sentence). When the claim gives years (``claim_years``), only those
    whose brief (``years_of``) is of one of them."""
    names = [t for name in extract_names(clause) for t in analyze(name)]
    if not names and clause == clause.lower():
        names = [t for w in typed_names(clause) for t in analyze(w)]
    if names:
        holding = [
            i
            for i, text in enumerate(texts)
            if all(name_term_held(t, set(analyze(text)), aliases) for t in names)
        ]
    else:
        holding = [
            i
            for i, text in enumerate(texts)
            if _holding_half(
                words,
                [
                    set(analyze(text[s:e]))
                    for s, e in split_sentences(text)
                    if any(claimed.matches(q) for _, q in amounts_in(text[s:e]))
                ],
                aliases,
            )
        ]
    return [
        i
        for i in holding
        if not claim_years
        or (i < len(years_of) and years_of[i] is not None and years_of[i] in claim_years)
    ]


def _with_titles(terms_of: list[set[str]], titles: Sequence[str | None] | None) -> list[set[str]]:
    """Return each passage's terms (``terms_of``) with its brief's title's (``titles``, in the
    same order; None or a missing title adds nothing)."""
    if not titles:
        return terms_of
    return [
        terms | set(analyze(title)) if title else terms
        for terms, title in zip(terms_of, [*titles, *[None] * len(terms_of)], strict=False)
    ]


def _compare_dates(
    result: ClaimCheck,
    claim: str,
    undated: str,
    passages: Sequence[tuple[str, str | None]],
    aliases: Aliases | None = None,
    titles: Sequence[str | None] | None = None,
) -> None:
    """Fill ``result``'s dates: those of ``claim`` some passage gives, and those none does with
    the passages' dates nearest to each (same year first, then the nearest month).

    Only the passages that hold the most of the date's clause's words (its numbers and dates
    aside; the claim's, for a clause of fewer than ``MIN_CLAUSE_TERMS``) count: "lukashenko
    arrested chigir in march 1999" is about the arrest, which a passage dates April 1, not about
    the commission another passage dates March 23. ``undated`` is the claim with its dates
    blanked out; ``claim`` has them spelled out (``spell_claim_years``), at the same offsets.
    A date with its day is also found in a passage holding half (and two) of its clause's
    words: "the duma confirmed chernomyrdin as prime minister on august 31 1998" and "The
    State Duma rejected Chernomyrdin on August 31", though Stepashin's confirmation holds
    "duma", "prime" and "minister" (a day and its month seldom meet by chance)."""
    terms_of = _with_titles([set(analyze(text)) for text, _ in passages], titles)
    dates_of = [extract_dates(text, dated) for text, dated in passages]
    whole = _substance(undated)
    whole_held = _most_held(whole, terms_of, aliases)
    seen: set[tuple[int, int | None, frozenset[int]]] = set()
    for span in claim_clauses(undated):
        about = _about(undated, span, whole, terms_of, aliases, whole_held)
        evidence = [d for i in about for d in dates_of[i]]
        for date in extract_dates(claim[span[0] : span[1]]):
            key = (date.month, date.day, date.years)
            if key in seen:
                continue
            seen.add(key)
            if any(date.matches(e) for e in evidence) or (
                date.day is not None
                and any(
                    date.matches(e)
                    for i in _holding_half(_clause_words(undated, span, whole), terms_of, aliases)
                    for e in dates_of[i]
                )
            ):
                result.dates_found.append(date)
                continue
            year = min(date.years) if date.years else None

            def distance(e: DateMention, year: int | None = year, month: int = date.month) -> int:
                off_year = 0 if year is None or not e.years or year in e.years else 1
                return off_year * 100 + abs(e.month - month)

            result.dates_missing.append(
                MissingDate(date, _first_distinct(sorted(evidence, key=distance)))
            )


def _holding_half(
    words: frozenset[str], passages: Sequence[set[str]], aliases: Aliases | None
) -> list[int]:
    """Return the indexes of the passages (their terms) that hold at least half, and at least
    ``MIN_CLAUSE_TERMS``, of ``words`` (a word held as ``name_term_held`` holds it)."""
    need = max(MIN_CLAUSE_TERMS, math.ceil(len(words) / 2))
    return [
        i
        for i, terms in enumerate(passages)
        if sum(name_term_held(t, terms, aliases) for t in words) >= need
    ]


def typed_names(text: str) -> list[str]:
    """Return the words of ``text``, typed in lower case, that are names: no English word
    (``english.name_words``), nor a unit or a scale typed short ("usd", "km", "bcm"), nor an
    English word in its British spelling ("defence", "labour", "centre", "organised")."""
    return [w for w in name_words(text) if w not in _FIGURE_WORDS and not _british(w)]


_BRITISH = (
    (re.compile(r"our(s|ed|ing|ite|ites|able)?$"), r"or\1"),
    (re.compile(r"ence(s)?$"), r"ense\1"),
    (re.compile(r"tre(s|d)?$"), r"ter\1"),
    (re.compile(r"is(e|es|ed|ing|ation|ations)$"), r"iz\1"),
    (re.compile(r"ys(e|es|ed|ing)$"), r"yz\1"),
    (re.compile(r"amme(s)?$"), r"am\1"),
    (re.compile(r"ogue(s)?$"), r"og\1"),
    (re.compile(r"ll(ed|ing|er|ers)$"), r"l\1"),
)
"""A British spelling's endings, and the American the English list holds: "defence" is
"defense", "labour" "labor", "centre" "center", "organisation" "organization"."""


def _british(word: str) -> bool:
    """Return whether ``word`` (lower case) is an English word in its British spelling."""
    return any(
        american != word and is_english(american)
        for pattern, spelling in _BRITISH
        if (american := pattern.sub(spelling, word)) != word
    )


def _compound_of(word: str, claim: str) -> str:
    """Return the hyphenated compound of ``claim`` that ``word`` is part of ("ter-petrosian",
    "trans-siberian"), else ``word``: a part of a name ("ter", "trans") is no name."""
    for compound in _COMPOUND_RE.findall(claim):
        if word in compound.casefold().split("-"):
            return str(compound)
    return word


_COMPOUND_RE = re.compile(r"(?<![^\W_])[^\W_]+(?:-[^\W_]+)+")
"""A hyphenated compound ("ter-petrosian"), tried only where a word starts: tried inside every
word as well, a claim of one 4,000-letter word took 0.2 s."""


def _as_written(word: str, texts: list[str]) -> str:
    """Return ``word`` as the first of ``texts`` that holds it writes it ("Gazprom"), else as
    given."""
    pattern = re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE)
    for text in texts:
        found = pattern.search(text)
        if found:
            return found.group(0)
    return word


def _counterparts(claimed: Quantity, evidence: list[Quantity]) -> list[Quantity]:
    """Return up to three evidence numbers that count what ``claimed`` counts, closest first.

    A passage's "one" ("one of the officials") is offered only against a small count: "two
    bodyguards" is answered by "One of his bodyguards was killed"."""
    if claimed.unit or claimed.value >= MAX_COUNT_FOR_ONE:
        evidence = [e for e in evidence if e.text.casefold() != "one"]
    if claimed.unit:
        pool = [e for e in evidence if e.unit == claimed.unit]
    else:
        # A bare number (a year, a count) is compared with bare numbers of similar size, a year
        # with years and a count with counts ("250 votes": 310 and 39, not 1996).
        pool = [
            e
            for e in evidence
            if not e.unit
            and claimed.value
            and 0.1 <= e.value / claimed.value <= 10
            and is_year_written(e) == is_year_written(claimed)
        ]
    return _first_distinct(sorted(pool, key=lambda e: _distance(e.value, claimed.value)))


def is_year_written(quantity: Quantity) -> bool:
    """Return whether ``quantity`` is written as a year: four digits, 1800 to 2099, bare."""
    return not quantity.unit and bool(_YEAR_RE.fullmatch(quantity.text))


_YEAR_RE = re.compile(r"(?:18|19|20)\d\d")
_YEAR_IN_TEXT_RE = re.compile(r"(?<![\w.,$])(?:18|19|20)\d\d(?![\w.,]\d|[\w$%])")


def _first_distinct(ranked: Sequence[_Written]) -> list[_Written]:
    """Return the first ``MAX_COUNTERPARTS`` of ``ranked`` written differently (case aside), in
    order."""
    out: list[_Written] = []
    for e in ranked:
        if e.text.casefold() not in {o.text.casefold() for o in out}:
            out.append(e)
        if len(out) == MAX_COUNTERPARTS:
            break
    return out


def _distance(a: float, b: float) -> float:
    """Return how far apart two amounts are, in orders of magnitude."""
    return abs(math.log10(max(a, 1e-9) / max(b, 1e-9)))
