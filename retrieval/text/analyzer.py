"""The only code that turns text into search tokens, for passages and questions alike.

The pipeline: Unicode normalisation (NFKC, curly quotes, dashes, currency signs), case folding,
tokenisation that keeps numbers, English stopword removal, accent stripping, Snowball stemming
(PyStemmer), folding of the transliteration variants of Russian names (``fold_name``) and of
the forms of one place's name (``SAME_NAME``: Chechen / Chechnya, Kazakh / Kazakhstan).
``analyze_spans`` gives the same tokens with their character offsets so that matched words can be
highlighted in the original text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import repeat

import Stemmer

# Bump on any change to the tokens produced: saved indexes are keyed on it.
ANALYZER_VERSION = "3"

# Standard English stopwords (the NLTK list, which the Snowball project also uses), plus a few
# forms that survive tokenisation ("s", "t").
STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    s t d ll m o re ve y
    """.split()
)

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u02bc": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)

# A token is a run of letters/digits, allowing inner apostrophes (El'tsin, Kazakhstan's) and inner
# decimal or thousands separators in numbers (4.5, 1,000). "US$" and "$" become the token "usd".
_TOKEN_RE = re.compile(
    r"(?P<usd>\bUS\$|\$)"
    r"|(?P<num>\d+(?:[.,]\d+)*)"
    r"|(?P<word>[^\W\d_]+(?:'[^\W\d_]+)*)",
    re.IGNORECASE,
)

_stemmer = Stemmer.Stemmer("english")

# Name-variant folding. Russian and Central Asian names reach English in several
# transliterations (BGN/PCGN, Library of Congress, journalistic): Nazarbayev / Nazarbaev,
# Musayev / Musaev, Yeltsin / El'tsin, Sergey / Sergei, Dmitriy / Dmitrii / Dmitry,
# Tadzhikistan / Tajikistan, Iavlinskii / Yavlinsky. Each rule maps the variants of one Cyrillic
# letter to one spelling. They run on the stem, on passages and questions alike, so both sides
# always agree; a rule only has to avoid merging two different English words, which is why they
# are this narrow (checked against the vocabulary of the dev collections, see docs/quality.md).
_FOLDS = (
    # е after a vowel: "ye" (BGN) or "e" (LC): Nazarbayev, Musayev, Aliyev, Dostoyevsky.
    (re.compile(r"(?<=[aeiou])ye"), "e"),
    # е at the start: Yeltsin / El'tsin, Yevgeny / Evgenii; not "yea-" (year, yeast, yearn).
    (re.compile(r"^ye(?=[^aeiouy])"), "e"),
    # я, ю at the start: Iavlinskii / Yavlinsky, Iurii / Yuri.
    (re.compile(r"^i(?=[au])"), "y"),
    # дж: Tadzhikistan / Tajikistan, Azerbaidzhan / Azerbaijan, Dzhokhar / Jokhar.
    (re.compile(r"dzh"), "j"),
    # й after a vowel: Sergey / Sergei, Nikolay / Nikolai, Gaydar / Gaidar.
    (re.compile(r"(?<=[aeiou])y(?![aeiouy])"), "i"),
    # -ий at the end: Dmitriy / Dmitrii / Dmitry (Snowball already makes "dmitry" "dmitri"),
    # Zhirinovskiy / Zhirinovskii / Zhirinovsky.
    (re.compile(r"i[iy]$"), "i"),
)
# Letters that carry no combining mark to strip.
_LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ı": "i", "æ": "ae", "œ": "oe"})
# Short stems are English words (day, may, pay, yes, yet) or Roman numerals (xii), not names.
_FOLD_MIN = 5
_ROMAN_RE = re.compile(r"[ivxlcdm]+")


# One name, several forms: the people or adjective and the land ("Chechen territory" is about
# Chechnya, "the Kazakh government" about Kazakhstan), and spellings that the rules above do not
# reach (Chechnia, Lukashenka). Keyed by stem, applied after ``fold_name``; measured in
# docs/quality.md. A pair is folded only where one form never means anything else.
SAME_NAME = {
    "chechen": "chechnya",
    "chechnia": "chechnya",
    "kazakh": "kazakhstan",
    "kazakstan": "kazakhstan",
    "uzbek": "uzbekistan",
    "tajik": "tajikistan",
    "tadjik": "tajikistan",
    "tadjikistan": "tajikistan",
    "kyrgyz": "kyrgyzstan",
    "kirgizia": "kyrgyzstan",
    "turkmenia": "turkmen",
    "turkmenistan": "turkmen",
    "azerbaijani": "azerbaijan",
    "azeri": "azerbaijan",
    "dagestani": "dagestan",
    "daghestan": "dagestan",
    "lukashenka": "lukashenko",
}


def fold_name(stem: str) -> str:
    """Return ``stem`` with transliteration variants of Russian letters folded to one spelling."""
    if len(stem) < _FOLD_MIN or _ROMAN_RE.fullmatch(stem):
        return stem
    # No rule fires without one of these (and a rule that does not fire leaves the stem as it
    # is for the next): most stems skip the six substitutions.
    if (
        "y" not in stem
        and "dzh" not in stem
        and not stem.startswith(("ia", "iu"))
        and not stem.endswith("ii")
    ):
        return stem
    for pattern, repl in _FOLDS:
        stem = pattern.sub(repl, stem)
    return stem


def normalize(text: str) -> str:
    """Return ``text`` with Unicode compatibility forms, quotes and dashes folded to ASCII kinds.

    The result has the same length as the input when the input is NFKC-stable, which keeps
    character offsets valid for highlighting; callers that need offsets use ``analyze_spans``.
    """
    return unicodedata.normalize("NFKC", text).translate(_TRANSLATE)


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    if not word.isascii():
        # Accents are spelling, not meaning, in names: Wałęsa's "ę" and Walesa's "e" meet.
        word = unicodedata.normalize("NFKD", word.translate(_LETTERS))
        word = "".join(c for c in word if not unicodedata.combining(c))
    folded = fold_name(_stemmer.stemWord(word))
    return SAME_NAME.get(folded, folded)


def _term(kind: str, raw: str) -> str | None:
    """Return the index term for one raw token, or None when it is a stopword."""
    if kind == "usd":
        return "usd"
    if kind == "num":
        # "1,000" and "1000" are the same number; "4.5" keeps its decimal point.
        if "," in raw and re.fullmatch(r"\d{1,3}(,\d{3})+", raw):
            return raw.replace(",", "")
        return raw.replace(",", ".")
    word = raw.casefold()
    if word.endswith("'s"):
        word = word[:-2]
    word = word.replace("'", "")
    if not word or word in STOPWORDS:
        return None
    if word in ("dollar", "dollars"):
        return "usd"
    return _stem(word)


# The whole match of ``_TOKEN_RE`` without its groups: ``findall`` then returns plain strings.
_FLAT_RE = re.compile(
    _TOKEN_RE.pattern.replace("?P<usd>", "?:").replace("?P<num>", "?:").replace("?P<word>", "?:"),
    re.IGNORECASE,
)
# The same matches over ASCII text, where a letter is [A-Za-z], a digit [0-9] and a word character
# [A-Za-z0-9_] under either reading; ASCII classes make the regex about twice as fast.
_ASCII_RE = re.compile(_FLAT_RE.pattern, re.IGNORECASE | re.ASCII)
# Raw token (as matched, before NFKC) -> its term, or None for a stopword. A raw string is only
# ever matched as one kind (the kinds share no character class), so the term is a function of the
# string alone and is worked out once per distinct spelling. Bounded: cleared when full.
_TERMS: dict[str, str | None] = {}
_TERMS_MAX = 200_000
_MISSING = "\x00"
# Text -> its tokens, for the few thousand texts analysed last: a question analyses the passages it
# takes feedback terms from and those it shows, and the same passages come back question after
# question. Cleared when full.
_TEXTS: dict[str, tuple[str, ...]] = {}
_TEXTS_MAX = 4096
# Text -> its tokens with offsets, for the last texts quoted: the passages an answer shows come
# back question after question too. Cleared when full.
_SPANS: dict[str, tuple[tuple[str, int, int], ...]] = {}
_SPANS_MAX = 1024


def keep_terms(limit: int) -> None:
    """Keep the terms of up to ``limit`` distinct raw tokens (200,000 unless set): a process
    that tokenizes a whole archive (an index build's worker) keeps more, a bot keeps its memory."""
    global _TERMS_MAX
    _TERMS_MAX = limit


def _term_of(raw: str) -> str | None:
    """Return the index term of one raw token as ``_TOKEN_RE`` matched it (None: a stopword)."""
    try:
        return _TERMS[raw]
    except KeyError:
        pass
    match = _TOKEN_RE.fullmatch(raw)
    kind = (match.lastgroup if match is not None else None) or "word"
    term = _term(kind, raw if raw.isascii() else unicodedata.normalize("NFKC", raw))
    if len(_TERMS) >= _TERMS_MAX:
        _TERMS.clear()
    _TERMS[raw] = term
    return term


def analyze(text: str) -> list[str]:
    """Return the search tokens of ``text``: normalised, case-folded, stopwords out, stemmed.

    Passages and questions must both go through this function so that they meet on the same terms.
    """
    cached = _TEXTS.get(text)
    if cached is not None:
        return list(cached)
    folded = text.translate(_TRANSLATE)
    raws = (_ASCII_RE if folded.isascii() else _FLAT_RE).findall(folded)
    # Every raw token looked up in one C-level pass; the few not seen before are worked out.
    terms = list(map(_TERMS.get, raws, repeat(_MISSING, len(raws))))
    if _MISSING in terms:
        find = terms.index
        at = find(_MISSING)
        while True:
            terms[at] = _term_of(raws[at])
            try:
                at = find(_MISSING, at + 1)
            except ValueError:
                break
    out = [term for term in terms if term is not None]
    if len(_TEXTS) >= _TEXTS_MAX:
        _TEXTS.clear()
    _TEXTS[text] = tuple(out)
    return out


def analyze_spans(text: str) -> list[tuple[str, int, int]]:
    """Return ``(term, start, end)`` for every search token of ``text``, offsets into ``text``."""
    cached = _SPANS.get(text)
    if cached is not None:
        return list(cached)
    # Translation is one-to-one per character, so offsets in the translated text are offsets in
    # the original. NFKC can change lengths (ligatures, full-width forms); those are rare in briefs
    # and handled by normalising each match's text separately.
    folded = text.translate(_TRANSLATE)
    get = _TERMS.get
    out = []
    for match in (_ASCII_RE if folded.isascii() else _TOKEN_RE).finditer(folded):
        raw = match.group()
        term = get(raw, _MISSING)
        if term is _MISSING:
            term = _term_of(raw)
        if term is not None:
            start, end = match.span()
            out.append((term, start, end))
    if len(_SPANS) >= _SPANS_MAX:
        _SPANS.clear()
    _SPANS[text] = tuple(out)
    return out
