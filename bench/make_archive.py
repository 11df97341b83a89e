"""Deterministic synthetic archive and question generator for briefbot benchmarks.

The archive imitates analytical news briefs: each brief has a header line
``Publication: NAME Volume: N Issue: M Date: YYYY-MM-DD``, a ``Title: ...`` line, two to six
body paragraphs (40-140 words each, so one paragraph is one passage) with inline citations
such as ``(Interfax, May 21)``, a sign-off `` — XX`` at the end of the last paragraph, and a
publisher's boilerplate footer paragraph that the ingester is expected to drop.

Text is drawn from a Zipf distribution over a generated vocabulary: real English function
words at the head, domain words (oil, pipeline, election, ...) in the upper ranks and a long
tail of English-like syllable words, plus transliterated-looking names, places and numbers.
The letter ``q`` never occurs anywhere in the archive; every token of a "nomatch" question
starts with ``q``, so such questions share no token (nor any stem) with any passage.

Usage::

    python bench/make_archive.py N --out DIR [--seed 42] [--questions 500] [--jsonl]
        [--vocab 100000] [--force]

Output, with N passages exactly:

* ``DIR/archive/PUB/volNN/issueNNNN.txt`` (zero-padded volume and issue numbers; one volume
  per calendar year, twelve publications): one file per issue holding 1-8 briefs, or with
  ``--jsonl`` ``DIR/archive.jsonl``: one brief per line with keys ``id``
  (``PUB/VOL/ISSUE/BRIEF``), ``publication``, ``volume``, ``issue``, ``date``, ``title`` and
  ``text`` (the body paragraphs joined by a blank line; no footer).
* ``DIR/questions.jsonl``: ``{"id", "text", "kind", "passage"}``; ``kind`` is ``match`` (about
  90%) or ``nomatch``; ``passage`` is ``PUB/VOL/ISSUE/BRIEF/PARA`` (plain integers, brief and
  paragraph numbers 1-based within the issue and the brief's body) or ``null`` for nomatch.
* ``DIR/questions.txt``: one question text per line, in the same order.

A JSON summary (files, briefs, passages, words, bytes, seconds, ...) is printed to stdout.
Only :class:`random.Random` seeded from ``--seed`` is used, so the same arguments always give
byte-identical output; the archive does not depend on ``--questions``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import itertools
import json
import random
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

# Function words, roughly in order of English frequency; they take the top Zipf ranks.
FUNCTION_WORDS: tuple[str, ...] = (
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be",
    "by", "on", "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have",
    "an", "they", "has", "had", "were", "been", "their", "its", "also", "would", "who", "will",
    "more", "than", "after", "into", "there", "can", "these", "some", "what", "when", "over",
    "only", "may", "such", "about", "most", "then", "could", "while", "both", "between",
    "because", "however", "under", "since", "many", "against", "during", "without", "where",
    "how", "did", "why", "before", "through", "those", "them", "any", "being", "out", "each",
    "well", "whether", "even", "still", "own", "does", "do", "very", "must", "much", "should",
    "same", "further", "several", "all", "no", "so", "if", "one", "up", "we", "our", "you",
    "she", "her", "him", "i", "my", "me", "now", "just", "other", "another", "few", "here",
    "already", "yet", "again", "once", "among", "until", "upon", "toward", "across", "within",
    "although", "though", "unless", "whose", "whom", "nor", "either", "neither", "rather",
    "almost", "often", "never", "always", "perhaps", "instead", "thus", "therefore", "indeed",
    "too", "less", "least", "every", "per", "via", "off", "down", "above", "below",
)  # fmt: skip

# Domain words of the brief genre (politics, energy, economy, security); none contains "q".
DOMAIN_WORDS: tuple[str, ...] = (
    "oil", "gas", "pipeline", "election", "corruption", "minister", "president", "parliament",
    "government", "opposition", "security", "council", "military", "army", "troops", "border",
    "treaty", "agreement", "sanctions", "economy", "budget", "deficit", "inflation", "ruble",
    "currency", "bank", "loan", "debt", "investment", "investors", "privatization", "reform",
    "reforms", "court", "judge", "prosecutor", "police", "officials", "official", "bribery",
    "embezzlement", "fraud", "scandal", "campaign", "candidate", "candidates", "vote",
    "voters", "ballot", "referendum", "constitution", "decree", "law", "legislation", "deputy",
    "deputies", "assembly", "coalition", "party", "parties", "leader", "leaders", "regime",
    "crisis", "conflict", "war", "peace", "talks", "negotiations", "ceasefire", "refugees",
    "separatist", "separatists", "rebels", "insurgents", "militants", "terrorism", "attack",
    "attacks", "bombing", "explosion", "energy", "electricity", "grid", "export", "exports",
    "imports", "tariff", "customs", "trade", "market", "markets", "prices", "price",
    "production", "output", "refinery", "tanker", "terminal", "field", "fields", "reserves",
    "drilling", "consortium", "contract", "contracts", "company", "companies", "firm",
    "shares", "stake", "holding", "region", "regional", "province", "district", "capital",
    "city", "villages", "governor", "mayor", "administration", "cabinet", "premier", "prime",
    "spokesman", "ministry", "foreign", "defense", "interior", "finance", "justice", "agency",
    "agencies", "intelligence", "service", "services", "media", "newspaper", "television",
    "journalist", "journalists", "editor", "press", "freedom", "rights", "human", "protest",
    "protesters", "demonstration", "strike", "workers", "wages", "pensions", "salaries",
    "arrears", "unemployment", "poverty", "health", "education", "church", "religious",
    "ethnic", "minority", "minorities", "language", "citizenship", "passport", "visa",
    "migrants", "nuclear", "missile", "missiles", "weapons", "navy", "fleet", "base", "bases",
    "airport", "railway", "road", "port", "shipping", "grain", "harvest", "wheat", "cotton",
    "gold", "mining", "coal", "steel", "aluminum", "metals", "plant", "factory", "enterprise",
    "enterprises", "state", "federal", "republic", "republics", "union", "alliance", "bloc",
    "summit", "visit", "delegation", "envoy", "ambassador", "embassy", "diplomats",
    "diplomatic", "relations", "cooperation", "partnership", "membership", "observers",
    "commission", "hearing", "investigation", "charges", "arrest", "arrested", "detained",
    "trial", "sentence", "prison", "verdict", "appeal", "ruling", "dismissed", "resigned",
    "appointed", "nominated", "elected", "reelection", "victory", "defeat", "majority",
    "seats", "mandate", "term", "powers", "authority", "authorities", "control", "influence",
    "pressure", "support", "said", "declared", "announced", "reported", "criticized",
    "accused", "denied", "claimed", "warned", "promised", "signed", "approved", "rejected",
    "adopted", "proposed", "demanded", "insisted", "agreed", "refused", "noted", "stressed",
    "confirmed", "argued", "suggested", "expected", "allowed", "blocked", "launched",
    "political", "economic", "national", "presidential", "parliamentary", "former", "senior",
    "local", "domestic", "major", "recent", "strong", "weak", "independent", "joint",
    "public", "private", "western", "eastern", "northern", "southern", "central",
    "strategic", "financial", "legal", "illegal", "corrupt", "criminal", "new", "two",
    "three", "first", "last", "year", "years", "month", "months", "week", "weeks", "day",
    "days", "people", "country", "countries", "power", "policy", "plan", "plans", "issue",
    "meeting", "statement", "report", "funds", "money", "sums", "projects", "program",
    "million", "billion", "percent",
)  # fmt: skip

MONTHS: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

# Citation sources; a source may carry a bracketed place, as in "(Panorama [Almaty], July 17)".
SOURCES: tuple[str, ...] = (
    "Interfax", "Itar-Tass", "RIA Novosti", "Reuters", "AP", "AFP", "Kommersant", "Izvestia",
    "Segodnya", "Nezavisimaya Gazeta", "Trud", "Vremya", "Panorama", "Kavkasia-Press",
    "Turan", "Snark", "Infotag", "Basapress", "UNIAN", "Belapan", "ORT", "NTV", "RTR",
)  # fmt: skip

QUESTION_WORDS: tuple[str, ...] = (
    "what", "who", "how many", "did", "when", "why", "where", "which", "how", "what did",
    "who said", "was there", "is it true that",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Publication:
    """A synthetic publication.

    Attributes:
        name: Single-word name, used verbatim in headers, directory names and passage ids.
        foundation: Publisher named in the footer ("the NAME Foundation").
        cadence: Days between issues (1 means weekdays only).
        max_briefs: Upper bound of briefs per issue (the lower bound is 1).
        initials: Sign-off initials of the analysts.
    """

    name: str
    foundation: str
    cadence: int
    max_briefs: int
    initials: tuple[str, ...]


PUBLICATIONS: tuple[Publication, ...] = (
    Publication("Courier", "Meridian", 1, 4, ("SC", "VS", "JB")),
    Publication("Dispatch", "Halvorsen", 1, 5, ("SF", "IM")),
    Publication("Bulletin", "Carrington", 1, 3, ("OV", "IB", "SC")),
    Publication("Sentinel", "Ashbury", 1, 4, ("LK", "TD")),
    Publication("Chronicle", "Westbrook", 1, 5, ("AM", "RP", "NG")),
    Publication("Observer", "Meridian", 3, 6, ("ES", "KV")),
    Publication("Herald", "Lindgren", 3, 6, ("MB", "DH")),
    Publication("Ledger", "Pemberton", 3, 7, ("GT", "SC")),
    Publication("Digest", "Carrington", 7, 8, ("PW", "AL", "JR")),
    Publication("Review", "Ashbury", 7, 8, ("HN", "BC")),
    Publication("Outlook", "Northgate", 7, 7, ("FE", "MS")),
    Publication("Gazette", "Halvorsen", 7, 8, ("RD", "VT")),
)

# Syllables of the generated vocabulary and names; none contains the marker letter "q".
ONSETS: tuple[str, ...] = (
    "", "", "b", "bl", "br", "c", "ch", "cl", "cr", "d", "dr", "f", "fl", "fr", "g", "gl",
    "gr", "h", "j", "k", "l", "m", "n", "p", "pl", "pr", "r", "s", "sc", "sh", "sl", "sm",
    "sn", "sp", "st", "str", "t", "th", "tr", "v", "w", "wh", "y", "z",
)  # fmt: skip
NUCLEI: tuple[str, ...] = (
    "a", "a", "e", "e", "i", "i", "o", "o", "u", "ai", "ea", "ee", "oo", "ou", "io", "ie",
)  # fmt: skip
CODAS: tuple[str, ...] = (
    "", "", "", "n", "r", "s", "t", "l", "m", "nd", "nt", "st", "ng", "rk", "ck", "sh", "th",
    "x", "ct", "mp", "ld",
)  # fmt: skip
SUFFIXES: tuple[str, ...] = (
    "tion", "ment", "ness", "ity", "al", "ive", "ing", "ed", "er", "ly", "ous", "ism", "ist",
    "able", "ence", "ure",
)  # fmt: skip
NAME_ONSETS: tuple[str, ...] = (
    "b", "d", "g", "k", "kh", "l", "m", "n", "p", "r", "s", "sh", "t", "ts", "v", "z", "zh",
    "ch", "y", "", "dz", "br", "gr", "kr", "st", "sv", "tr",
)  # fmt: skip
NAME_NUCLEI: tuple[str, ...] = ("a", "a", "e", "i", "o", "u", "ya", "yu", "ia", "ai")
SURNAME_ENDINGS: tuple[str, ...] = (
    "ov", "ev", "in", "enko", "sky", "ski", "shvili", "dze", "yan", "uly", "ova", "eva",
    "ich", "bekov", "aev", "iev", "ko", "uk", "ovich", "ar", "es", "ani",
)  # fmt: skip
GIVEN_ENDINGS: tuple[str, ...] = ("", "a", "ir", "an", "ur", "ei", "iy", "as", "ur", "ad")
PLACE_ENDINGS: tuple[str, ...] = (
    "abad", "grad", "sk", "ovo", "kent", "pol", "insk", "stan", "ia", "a", "ino", "burg",
    "avan", "eti", "dar",
)  # fmt: skip

MARKER = "q"
FIRST_YEAR = 1997
NOMATCH_NUCLEI: tuple[str, ...] = ("a", "e", "i", "o", "y", "ua", "ei", "oa")

PARAGRAPH_MIN_WORDS = 40
PARAGRAPH_MAX_WORDS = 140
CITATION_MAX_WORDS = 5
SIGN_OFF_WORDS = 2
SENTENCE_MIN_WORDS = 8
SENTENCE_MAX_WORDS = 30
STRIP_CHARS = ",.:;()[]“”’\"'?!"


def _zipf_cum_weights(n: int, exponent: float, start: int = 1) -> list[float]:
    """Return cumulative Zipf weights for ranks ``start`` .. ``start + n - 1``.

    Args:
        n: Number of ranks.
        exponent: Zipf exponent ``s`` (weight of rank ``r`` is ``r ** -s``).
        start: First rank.

    Returns:
        Cumulative weights suitable for ``random.Random.choices(cum_weights=...)``.
    """
    return list(itertools.accumulate(r**-exponent for r in range(start, start + n)))


@dataclass(slots=True)
class Vocabulary:
    """Zipf-ranked word types and name pools.

    Attributes:
        words: All word types by rank (function words first).
        cum: Cumulative Zipf weights over ``words``.
        content: ``words`` without the function words, by rank.
        content_cum: Cumulative Zipf weights over ``content`` (ranks continue the head).
        surnames: Surnames by Zipf rank.
        surname_cum: Cumulative Zipf weights over ``surnames``.
        given: Given names by Zipf rank.
        given_cum: Cumulative Zipf weights over ``given``.
        places: Place names by Zipf rank.
        place_cum: Cumulative Zipf weights over ``places``.
    """

    words: list[str]
    cum: list[float]
    content: list[str]
    content_cum: list[float]
    surnames: list[str]
    surname_cum: list[float]
    given: list[str]
    given_cum: list[float]
    places: list[str]
    place_cum: list[float]
    _rank: dict[str, int] = field(default_factory=dict)

    def rank(self, word: str) -> int | None:
        """Return the 1-based Zipf rank of a lowercase word type, or None if unknown."""
        if not self._rank:
            self._rank = {w: i for i, w in enumerate(self.words, start=1)}
        return self._rank.get(word)


def _syllable_word(rng: random.Random, syllables: int) -> str:
    """Return an English-like lowercase word of the given number of syllables."""
    parts = [rng.choice(ONSETS) + rng.choice(NUCLEI) + rng.choice(CODAS) for _ in range(syllables)]
    word = "".join(parts)
    if rng.random() < 0.25:
        word += rng.choice(SUFFIXES)
    return word


def _name_stem(rng: random.Random) -> str:
    """Return a transliterated-looking lowercase name stem of one or two syllables."""
    n = 1 if rng.random() < 0.4 else 2
    return "".join(rng.choice(NAME_ONSETS) + rng.choice(NAME_NUCLEI) for _ in range(n))


def _unique(rng: random.Random, make: Callable[[random.Random], str], n: int) -> list[str]:
    """Return ``n`` distinct strings produced by ``make``, in generation order."""
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        s = make(rng)
        if len(s) > 2 and s not in seen:
            seen.add(s)
            out.append(s)
    return out


def build_vocabulary(rng: random.Random, size: int, exponent: float = 1.0) -> Vocabulary:
    """Build the Zipf-ranked vocabulary and the name pools.

    Args:
        rng: Random source (consumed deterministically).
        size: Total number of word types, function and domain words included.
        exponent: Zipf exponent.

    Returns:
        The vocabulary.
    """
    fixed = list(dict.fromkeys(FUNCTION_WORDS + DOMAIN_WORDS))
    taken = set(fixed)

    def make_word(r: random.Random) -> str:
        word = _syllable_word(r, r.choice((1, 1, 2, 2, 2, 3)))
        return "" if word in taken else word

    generated = _unique(rng, make_word, max(size - len(fixed), 0))
    # Zipf's law of abbreviation: shorter generated words tend to be more frequent.
    generated.sort(key=lambda w: len(w) + 3.0 * rng.random())
    content = generated
    head = min(1200, len(content))
    for word in DOMAIN_WORDS:
        content.insert(rng.randrange(head + 1), word)
    content = list(dict.fromkeys(w for w in content if w not in FUNCTION_WORDS))
    words = list(dict.fromkeys(FUNCTION_WORDS)) + content
    cum = _zipf_cum_weights(len(words), exponent)
    n_func = len(words) - len(content)
    surnames = _unique(rng, lambda r: (_name_stem(r) + r.choice(SURNAME_ENDINGS)).title(), 6000)
    given = _unique(rng, lambda r: (_name_stem(r) + r.choice(GIVEN_ENDINGS)).title(), 1500)
    places = _unique(rng, lambda r: (_name_stem(r) + r.choice(PLACE_ENDINGS)).title(), 2000)
    return Vocabulary(
        words=words,
        cum=cum,
        content=content,
        content_cum=_zipf_cum_weights(len(content), exponent, start=n_func + 1),
        surnames=surnames,
        surname_cum=_zipf_cum_weights(len(surnames), 1.0),
        given=given,
        given_cum=_zipf_cum_weights(len(given), 1.0),
        places=places,
        place_cum=_zipf_cum_weights(len(places), 1.0),
    )


FOOTER = (
    "{pub} is a publication of the {foundation} Foundation. It is researched and written by "
    "{editors} and a staff of regional analysts. For subscriptions, comments or corrections, "
    "write to the foundation by e-mail or by postal mail. Copyright (c) {year} The "
    "{foundation} Foundation. Unauthorized reproduction or redistribution of {pub} is "
    "prohibited."
)


def _check_marker_free(vocab: Vocabulary) -> None:
    """Raise if the nomatch marker letter occurs in any text the archive can contain.

    Args:
        vocab: The vocabulary in use.

    Raises:
        AssertionError: If some archive string contains the marker.
    """
    fixed = [*FUNCTION_WORDS, *DOMAIN_WORDS, *MONTHS, *SOURCES, FOOTER]
    fixed += [*ONSETS, *NUCLEI, *CODAS, *SUFFIXES, *NAME_ONSETS, *NAME_NUCLEI]
    fixed += [*SURNAME_ENDINGS, *GIVEN_ENDINGS, *PLACE_ENDINGS]
    fixed += [f"{p.name} {p.foundation} {' '.join(p.initials)}" for p in PUBLICATIONS]
    fixed += [*vocab.words, *vocab.surnames, *vocab.given, *vocab.places]
    fixed += ["Publication: Volume: Issue: Date: Title: See the US$ million billion percent"]
    bad = [s for s in fixed if MARKER in s.lower()]
    if bad:
        raise AssertionError(f"marker {MARKER!r} occurs in archive strings: {bad[:5]}")


@dataclass(slots=True)
class Brief:
    """One generated brief.

    Attributes:
        number: 1-based position of the brief within its issue.
        title: Title text.
        paragraphs: Body paragraphs (the passages), sign-off included in the last one.
        footer: Boilerplate footer paragraph.
    """

    number: int
    title: str
    paragraphs: list[str]
    footer: str


@dataclass(slots=True)
class Issue:
    """One generated issue of a publication.

    Attributes:
        publication: Publication name.
        volume: Volume number (one volume per calendar year).
        number: Issue number within the volume.
        date: Issue date.
        briefs: Briefs of the issue.
    """

    publication: str
    volume: int
    number: int
    date: dt.date
    briefs: list[Brief]

    def header(self) -> str:
        """Return the header line shared by every brief of the issue."""
        return (
            f"Publication: {self.publication} Volume: {self.volume} Issue: {self.number} "
            f"Date: {self.date.isoformat()}"
        )


@dataclass(slots=True)
class _Schedule:
    """Issue calendar of one publication."""

    pub: Publication
    founded: int
    date: dt.date
    volume: int = 0
    issue: int = 0
    editors: str = ""

    def advance(self) -> None:
        """Move to the date of the next issue (weekdays only for daily publications)."""
        step = dt.timedelta(days=self.pub.cadence)
        self.date += step
        while self.pub.cadence == 1 and self.date.weekday() >= 5:
            self.date += step


class ArchiveGenerator:
    """Streams issues of a synthetic archive with exactly a given number of passages.

    Args:
        seed: Seed of the archive's random source.
        vocab_size: Number of word types in the Zipf vocabulary.
        capture: Global 0-based passage indices whose tokens and ids are recorded in
            :attr:`captured` (used to build match questions).
        first_year: Year of the first issues (a later year gives issues no other archive of
            the same publications has: new briefs, not replacements of stored ones).
    """

    def __init__(
        self,
        seed: int,
        vocab_size: int,
        capture: set[int] | None = None,
        first_year: int = FIRST_YEAR,
    ) -> None:
        self._rng = random.Random(seed)
        self.first_year = first_year
        self.vocab = build_vocabulary(self._rng, vocab_size)
        _check_marker_free(self.vocab)
        self._capture = capture or set()
        self.captured: dict[int, tuple[str, list[str]]] = {}
        self.passages = 0
        self.words = 0
        self.briefs = 0

    # -- sentences and paragraphs ------------------------------------------------------------

    def _person(self) -> list[str]:
        """Return the tokens of a person mention: a surname, sometimes with a given name."""
        rng, v = self._rng, self.vocab
        surname = rng.choices(v.surnames, cum_weights=v.surname_cum)[0]
        if rng.random() < 0.35:
            return [rng.choices(v.given, cum_weights=v.given_cum)[0], surname]
        return [surname]

    def _number(self, year: int) -> list[str]:
        """Return the tokens of a number: a year, an amount, a percentage or a count."""
        rng = self._rng
        r = rng.random()
        if r < 0.3:
            return [str(year - rng.randrange(7))]
        if r < 0.55:
            if rng.random() < 0.7:
                return [f"US${rng.randint(1, 999)}", "million"]
            return [f"US${rng.randint(1, 20)}.{rng.randrange(10)}", "billion"]
        if r < 0.75:
            return [str(rng.randint(1, 99)), "percent"]
        if r < 0.9:
            return [str(rng.randint(2, 500))]
        return [f"{rng.randint(1, 99)},000"]

    def _sentence(self, n: int, year: int) -> list[str]:
        """Return the tokens of one sentence of exactly ``n`` words.

        Args:
            n: Number of whitespace-separated tokens (at least 8).
            year: Year of the issue, for year mentions.

        Returns:
            Tokens; the first is capitalized and the last ends with a period.
        """
        rng, v = self._rng, self.vocab
        rnd = rng.random
        units: list[list[str]] = []
        if rnd() < 0.3:
            person = self._person()
            if rnd() < 0.1:
                person[-1] += "’s"
            units.append(person)
        if rnd() < 0.2:
            units.append([rng.choices(v.places, cum_weights=v.place_cum)[0]])
        if rnd() < 0.15:
            units.append(self._number(year))
        if rnd() < 0.02:  # a fresh proper noun keeps the vocabulary growing with the archive
            units.append([(_name_stem(rng) + _name_stem(rng) + rng.choice(PLACE_ENDINGS)).title()])
        k = n - sum(len(u) for u in units)
        words = rng.choices(v.words, cum_weights=v.cum, k=k)
        for unit in units:
            pos = rng.randrange(len(words) + 1)
            words[pos:pos] = unit
        first = words[0]
        words[0] = first[0].upper() + first[1:]
        if rnd() < 0.35:
            i = rng.randrange(2, n - 2)
            if words[i][-1].isalnum():
                words[i] += ","
        elif rnd() < 0.05:
            i = rng.randrange(1, n - 3)
            words[i] = "“" + words[i]
            words[i + 2] += "”"
        words[-1] += "."
        return words

    def _citation(self, date: dt.date, pub: str) -> list[str]:
        """Return the tokens of an inline citation such as ``(Interfax, May 21)``."""
        rng, v = self._rng, self.vocab
        when = date - dt.timedelta(days=rng.randrange(21))
        tail = [MONTHS[when.month - 1], f"{when.day})"]
        r = rng.random()
        if r < 0.1:
            return ["(See", "the", f"{pub},", *tail]
        source = rng.choice(SOURCES).split()
        if r < 0.3:
            place = rng.choices(v.places, cum_weights=v.place_cum)[0]
            source.append(f"[{place}]")
        source[0] = "(" + source[0]
        source[-1] += ","
        return [*source, *tail]

    def _paragraph(self, date: dt.date, pub: str, sign_off: str | None) -> list[str]:
        """Return the tokens of one body paragraph of 40-140 words.

        Args:
            date: Issue date.
            pub: Publication name.
            sign_off: Analyst initials for the last paragraph of a brief, else None.

        Returns:
            Tokens of the paragraph.
        """
        rng = self._rng
        budget = PARAGRAPH_MAX_WORDS - CITATION_MAX_WORDS - SIGN_OFF_WORDS
        remaining = int(rng.triangular(PARAGRAPH_MIN_WORDS, budget + 1, 70))
        lengths: list[int] = []
        while remaining > SENTENCE_MAX_WORDS:
            n = rng.randint(
                SENTENCE_MIN_WORDS, min(SENTENCE_MAX_WORDS, remaining - SENTENCE_MIN_WORDS)
            )
            lengths.append(n)
            remaining -= n
        lengths.append(remaining)
        sentences = [self._sentence(n, date.year) for n in lengths]
        if rng.random() < 0.45:
            i = rng.randrange(len(sentences))
            sentences[i] = sentences[i] + self._citation(date, pub)
        tokens = [t for s in sentences for t in s]
        if sign_off is not None:
            tokens += ["—", sign_off]
        return tokens

    def _title(self) -> str:
        """Return a title-cased headline of 3-9 words."""
        rng, v = self._rng, self.vocab
        words = [w.title() for w in rng.choices(v.content, cum_weights=v.content_cum, k=8)]
        words = words[: rng.randint(3, 7)]
        if rng.random() < 0.5:
            words.insert(rng.randrange(1, len(words)), rng.choice(("of", "in", "on", "for")))
        if rng.random() < 0.5:
            name = self._person()[-1] if rng.random() < 0.5 else rng.choice(v.places[:300])
            words.insert(0, name)
        return " ".join(words)

    # -- issues ------------------------------------------------------------------------------

    def issues(self, n_passages: int) -> Iterator[Issue]:
        """Yield issues in chronological order until exactly ``n_passages`` are generated.

        Args:
            n_passages: Total number of passages (body paragraphs) to generate.

        Yields:
            Issues, each holding 1-8 briefs of 2-6 paragraphs (only a one-passage archive
            has a one-paragraph brief).
        """
        rng, v = self._rng, self.vocab
        heap: list[tuple[dt.date, int, _Schedule]] = []
        for i, pub in enumerate(PUBLICATIONS):
            start = dt.date(self.first_year, 1, 2 + rng.randrange(7))
            founded = FIRST_YEAR - rng.randrange(8)
            editors = " and ".join(
                f"{rng.choice(v.given[:200])} {rng.choice(v.surnames[:500])}" for _ in range(2)
            )
            sched = _Schedule(pub, founded, start, editors=editors)
            heap.append((start, i, sched))
        heapq.heapify(heap)
        while self.passages < n_passages:
            date, i, sched = heapq.heappop(heap)
            volume = date.year - sched.founded + 1
            if volume != sched.volume:
                sched.volume, sched.issue = volume, 0
            sched.issue += 1
            yield self._issue(sched, n_passages)
            sched.advance()
            heapq.heappush(heap, (sched.date, i, sched))

    def _issue(self, sched: _Schedule, n_passages: int) -> Issue:
        """Generate the current issue of a schedule, stopping at ``n_passages`` passages."""
        rng, pub = self._rng, sched.pub
        issue = Issue(pub.name, sched.volume, sched.issue, sched.date, [])
        footer = FOOTER.format(
            pub=pub.name, foundation=pub.foundation, editors=sched.editors, year=sched.date.year
        )
        for number in range(1, rng.randint(1, pub.max_briefs) + 1):
            left = n_passages - self.passages
            if left <= 0:
                break
            n = rng.randint(2, 6)
            if left - n == 1:  # never leave a single passage for a last, one-paragraph brief
                n = n + 1 if n < 6 else n - 1
            n = min(n, left)
            initials = rng.choice(pub.initials)
            paragraphs: list[str] = []
            for p in range(1, n + 1):
                tokens = self._paragraph(sched.date, pub.name, initials if p == n else None)
                if self.passages in self._capture:
                    pid = f"{pub.name}/{sched.volume}/{sched.issue}/{number}/{p}"
                    self.captured[self.passages] = (pid, tokens)
                self.passages += 1
                self.words += len(tokens)
                paragraphs.append(" ".join(tokens))
            issue.briefs.append(Brief(number, self._title(), paragraphs, footer))
            self.briefs += 1
        return issue


# -- questions -------------------------------------------------------------------------------


def _passage_words(tokens: list[str]) -> list[str]:
    """Return the question-worthy words of a passage, in order.

    Citations, the sign-off, numbers and hyphenated words are skipped; vocabulary words are
    lowercased, names keep their capital.
    """
    out: list[str] = []
    in_citation = False
    after_dash = False
    for tok in tokens:
        if after_dash:  # the sign-off initials
            after_dash = False
            continue
        if tok == "—":
            after_dash = True
            continue
        if in_citation or tok.startswith("("):
            in_citation = not tok.endswith(")")
            continue
        word = tok.strip(STRIP_CHARS).removesuffix("’s")
        if word.isalpha():
            out.append(word)
    return out


def match_question(rng: random.Random, vocab: Vocabulary, tokens: list[str]) -> str:
    """Build a 3-12 word question from the words of a passage.

    The question has a question word, one or two of the passage's rarest words, one to three
    of its most common content words and up to three of its function words, in passage order.

    Args:
        rng: Random source of the question set.
        vocab: Vocabulary, for word ranks.
        tokens: Tokens of the passage.

    Returns:
        The question text.
    """
    n_func = len(vocab.words) - len(vocab.content)
    ranked: dict[str, tuple[int, int]] = {}  # word -> (rank, first position)
    for pos, word in enumerate(_passage_words(tokens)):
        lower = word.lower()
        rank = vocab.rank(lower)
        key = lower if rank is not None else word
        if key not in ranked:
            ranked[key] = (rank if rank is not None else len(vocab.words) // 2, pos)
    content = sorted((w for w, (r, _) in ranked.items() if r > n_func), key=lambda w: ranked[w])
    stops = [w for w, (r, _) in ranked.items() if r <= n_func]
    n_rare = min(rng.randint(1, 2), len(content))
    rare = rng.sample(content[-4:], n_rare) if content else []
    rest = [w for w in content if w not in rare]
    common = rng.sample(rest[:8], min(rng.randint(1, 3), len(rest[:8])))
    picked = rare + common
    picked += rng.sample(stops, min(rng.randint(0, 3), len(stops)))
    while len(picked) < 2 and len(stops) > len(picked):
        picked.append(stops[len(picked)])
    picked.sort(key=lambda w: ranked[w][1])
    text = " ".join([rng.choice(QUESTION_WORDS), *picked]) + "?"
    return text[0].upper() + text[1:]


def nomatch_question(rng: random.Random) -> str:
    """Build a 3-8 word question whose every token starts with the marker letter.

    No archive token contains the marker, so the question shares no token (and, as stemmers
    only rewrite suffixes, no stem) with any passage.

    Args:
        rng: Random source of the question set.

    Returns:
        The question text.
    """
    words = []
    for _ in range(rng.randint(3, 8)):
        word = MARKER + rng.choice(NOMATCH_NUCLEI) + rng.choice(CODAS)
        if rng.random() < 0.7:
            word += _syllable_word(rng, rng.randint(1, 2))
        words.append(word)
    text = " ".join(words) + "?"
    return text[0].upper() + text[1:]


# -- writers ---------------------------------------------------------------------------------


def _render_issue(issue: Issue) -> str:
    """Return the text file content of an issue."""
    header = issue.header()
    blocks = []
    for brief in issue.briefs:
        parts = [f"{header}\nTitle: {brief.title}", *brief.paragraphs, brief.footer]
        blocks.append("\n\n".join(parts))
    return "\n\n".join(blocks) + "\n"


def write_archive(gen: ArchiveGenerator, n_passages: int, out: Path, jsonl: bool) -> dict[str, int]:
    """Stream the archive to disk.

    Args:
        gen: Generator to draw issues from.
        n_passages: Number of passages to generate.
        out: Output directory.
        jsonl: Write ``out/archive.jsonl`` instead of the ``out/archive`` tree.

    Returns:
        Counts of files and bytes written.
    """
    files = 0
    size = 0
    if jsonl:
        with open(out / "archive.jsonl", "wb") as fh:
            for issue in gen.issues(n_passages):
                size += _write_jsonl_issue(fh, issue)
        return {"files": 1, "bytes": size}
    root = out / "archive"
    made: set[Path] = set()
    for issue in gen.issues(n_passages):
        folder = root / issue.publication / f"vol{issue.volume:02d}"
        if folder not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(folder)
        data = _render_issue(issue).encode("utf-8")
        (folder / f"issue{issue.number:04d}.txt").write_bytes(data)
        files += 1
        size += len(data)
    return {"files": files, "bytes": size}


def _write_jsonl_issue(fh: BinaryIO, issue: Issue) -> int:
    """Write the briefs of an issue as JSON lines and return the number of bytes written."""
    size = 0
    for brief in issue.briefs:
        record = {
            "id": f"{issue.publication}/{issue.volume}/{issue.number}/{brief.number}",
            "publication": issue.publication,
            "volume": issue.volume,
            "issue": issue.number,
            "date": issue.date.isoformat(),
            "title": brief.title,
            "text": "\n\n".join(brief.paragraphs),
        }
        data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        fh.write(data)
        size += len(data)
    return size


def generate(
    out: Path,
    seed: int,
    n_questions: int,
    n_passages: int,
    vocab_size: int,
    jsonl: bool,
    first_year: int = FIRST_YEAR,
) -> dict[str, int]:
    """Generate the archive and its question set.

    Args:
        out: Output directory.
        seed: Random seed.
        n_questions: Number of questions (about 90% match, 10% nomatch).
        n_passages: Number of passages.
        vocab_size: Number of word types.
        jsonl: Write the archive as JSON lines.
        first_year: Year of the first issues.

    Returns:
        The summary counts.
    """
    qrng = random.Random(f"{seed}:questions")
    n_nomatch = round(n_questions * 0.1)
    n_match = n_questions - n_nomatch
    if n_match <= n_passages:
        targets = qrng.sample(range(n_passages), n_match)
    else:
        targets = qrng.choices(range(n_passages), k=n_match)
    gen = ArchiveGenerator(seed, vocab_size, capture=set(targets), first_year=first_year)
    counts = write_archive(gen, n_passages, out, jsonl)

    questions: list[dict[str, str | None]] = []
    for idx in targets:
        pid, tokens = gen.captured[idx]
        text = match_question(qrng, gen.vocab, tokens)
        questions.append({"text": text, "kind": "match", "passage": pid})
    for _ in range(n_nomatch):
        questions.append({"text": nomatch_question(qrng), "kind": "nomatch", "passage": None})
    qrng.shuffle(questions)
    with (
        open(out / "questions.jsonl", "w", encoding="utf-8") as fj,
        open(out / "questions.txt", "w", encoding="utf-8") as ft,
    ):
        for i, q in enumerate(questions, start=1):
            fj.write(json.dumps({"id": f"q{i}", **q}, ensure_ascii=False) + "\n")
            ft.write(f"{q['text']}\n")
    return {
        **counts,
        "briefs": gen.briefs,
        "passages": gen.passages,
        "words": gen.words,
        "vocab_size": len(gen.vocab.words),
        "questions_match": n_match,
        "questions_nomatch": n_nomatch,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns:
        The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        description="Generate a deterministic synthetic brief archive and question set."
    )
    parser.add_argument("passages", type=int, metavar="N", help="number of passages")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--questions", type=int, default=500, help="questions (default 500)")
    parser.add_argument("--vocab", type=int, default=100_000, help="word types (default 100000)")
    parser.add_argument("--jsonl", action="store_true", help="write DIR/archive.jsonl instead")
    parser.add_argument("--force", action="store_true", help="replace an existing archive")
    parser.add_argument(
        "--first-year",
        type=int,
        default=FIRST_YEAR,
        help=f"year of the first issues (default {FIRST_YEAR}; a later one makes issues that "
        "follow another archive's instead of replacing them)",
    )
    args = parser.parse_args(argv)
    if args.passages < 1:
        parser.error("N must be at least 1")
    if args.questions < 0:
        parser.error("--questions must not be negative")
    if args.vocab < len(FUNCTION_WORDS) + len(DOMAIN_WORDS) + 1000:
        parser.error("--vocab is too small")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the generator and print a JSON summary.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns:
        Process exit status.
    """
    args = parse_args(argv)
    out: Path = args.out
    target = out / ("archive.jsonl" if args.jsonl else "archive")
    if target.exists():
        if not args.force:
            print(f"{target} exists; pass --force to replace it", file=sys.stderr)
            return 1
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    counts = generate(
        out, args.seed, args.questions, args.passages, args.vocab, args.jsonl, args.first_year
    )
    seconds = round(time.perf_counter() - start, 2)
    print(json.dumps({"out": str(target), **counts, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
