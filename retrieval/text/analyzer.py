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
from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import suppress
from functools import lru_cache
from itertools import accumulate, compress, repeat

import numpy as np
import numpy.typing as npt
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

# Without PyStemmer's own cache (size 0): every word stemmed here is kept above it (``_stem``'s
# cache, ``_TERMS``, an index build's chunk table) or is stemmed once and never again (a word's
# neighbours one typing slip away), and keeping a word it has not seen cost more than stemming
# it (~3.1 us a new word with the cache, ~0.8 us without; a word's ~600 neighbours 1.4 ms with
# it, 0.5 ms without). Same stems.
_stemmer = Stemmer.Stemmer("english", 0)

# Name-variant folding. Russian and Central Asian names reach English in several
# transliterations (BGN/PCGN, Library of Congress, journalistic): Nazarbayev / Nazarbaev,
# Musayev / Musaev, Yeltsin / El'tsin, Sergey / Sergei, Dmitriy / Dmitrii / Dmitry,
# Tadzhikistan / Tajikistan, Iavlinskii / Yavlinsky. Each rule maps the variants of one Cyrillic
# letter to one spelling. They run on the stem, on passages and questions alike, so both sides
# always agree; a rule only has to avoid merging two different English words, which is why they
# are this narrow (checked against the vocabulary of the dev collections, see docs/quality.md).
_FOLDS: tuple[tuple[re.Pattern[str], str, Callable[[str], bool]], ...] = (
    # е after a vowel: "ye" (BGN) or "e" (LC): Nazarbayev, Musayev, Aliyev, Dostoyevsky.
    (re.compile(r"(?<=[aeiou])ye"), "e", lambda stem: "ye" in stem),
    # е at the start: Yeltsin / El'tsin, Yevgeny / Evgenii; not "yea-" (year, yeast, yearn).
    (re.compile(r"^ye(?=[^aeiouy])"), "e", lambda stem: stem.startswith("ye")),
    # я, ю at the start: Iavlinskii / Yavlinsky, Iurii / Yuri.
    (re.compile(r"^i(?=[au])"), "y", lambda stem: stem.startswith(("ia", "iu"))),
    # дж: Tadzhikistan / Tajikistan, Azerbaidzhan / Azerbaijan, Dzhokhar / Jokhar.
    (re.compile(r"dzh"), "j", lambda stem: "dzh" in stem),
    # й after a vowel: Sergey / Sergei, Nikolay / Nikolai, Gaydar / Gaidar.
    (re.compile(r"(?<=[aeiou])y(?![aeiouy])"), "i", lambda stem: "y" in stem),
    # -ий at the end: Dmitriy / Dmitrii / Dmitry (Snowball already makes "dmitry" "dmitri"),
    # Zhirinovskiy / Zhirinovskii / Zhirinovsky.
    (re.compile(r"i[iy]$"), "i", lambda stem: stem.endswith(("ii", "iy"))),
)
"""Each rule: its pattern, its replacement, and a test the stem passes whenever the pattern
matches it (a cheap string test: a rule whose test fails would leave the stem as it is)."""
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
    # No rule fires without one of these (and a rule that does not fire leaves the stem as it
    # is for the next): most stems skip the six substitutions, and the Roman numeral test.
    if (
        "y" not in stem
        and "dzh" not in stem
        and not stem.startswith(("ia", "iu"))
        and not stem.endswith("ii")
    ):
        return stem
    if len(stem) < _FOLD_MIN or _ROMAN_RE.fullmatch(stem):
        return stem
    for pattern, repl, may_match in _FOLDS:
        if may_match(stem):
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


def _ascii_terms(raws: list[str]) -> list[str | None]:
    """Return ``_term_of(raw)`` of each of ``raws``, lowercase ASCII tokens as ``_ASCII_RE``
    finds them; the words are stemmed in one call (``_term`` and ``_stem``, word by word)."""
    if all(map(str.isalpha, raws)):
        # Lowercase words a-z only (most of a text's new tokens): ``word_terms``, word for word.
        return word_terms(raws)
    out: list[str | None] = [None] * len(raws)
    words: list[str] = []
    places: list[int] = []
    for at, raw in enumerate(raws):
        if raw[0] == "$" or raw[0].isdigit() or raw == "us$":
            out[at] = _term_of(raw)
            continue
        word = raw[:-2] if raw.endswith("'s") else raw
        word = word.replace("'", "")
        if not word or word in STOPWORDS:
            continue
        if word in ("dollar", "dollars"):
            out[at] = "usd"
            continue
        words.append(word)
        places.append(at)
    # Each word is letters a-z (its apostrophes taken out), no stopword and no dollar: its
    # ``word_terms`` term is its stem folded (``fold_name``, then ``SAME_NAME``).
    for at, term in zip(places, word_terms(words), strict=True):
        out[at] = term
    return out


def word_terms(words: list[str]) -> list[str | None]:
    """Return the search term of each of ``words`` (words of lower-case letters a-z), None for a
    stopword, as ``analyze`` gives it; stemmed in one call, nothing kept.

    ``_ascii_terms`` for words of letters only, without its tests for numbers and apostrophes,
    and with ``fold_name``'s cheap test inline; the stopwords, the dollars and ``SAME_NAME`` are
    looked for among all the words at once (a word's ~600 neighbours one typing slip away rarely
    hold any), and only then word by word.
    """
    terms = [
        fold_name(stem)
        if "y" in stem or "dzh" in stem or stem[:2] in ("ia", "iu") or stem[-2:] == "ii"
        else stem
        for stem in _stemmer.stemWords(words)
    ]
    if not SAME_NAME.keys().isdisjoint(terms):
        terms = [SAME_NAME.get(term, term) for term in terms]
    out: list[str | None] = list(terms)
    if not STOPWORDS.isdisjoint(words) or not _DOLLARS.isdisjoint(words):
        for at, word in enumerate(words):
            if word in STOPWORDS:
                out[at] = None
            elif word in _DOLLARS:
                out[at] = "usd"
    return out


_DOLLARS = frozenset({"dollar", "dollars"})


# The whole match of ``_TOKEN_RE`` without its groups: ``findall`` then returns plain strings.
_FLAT_RE = re.compile(
    _TOKEN_RE.pattern.replace("?P<usd>", "?:").replace("?P<num>", "?:").replace("?P<word>", "?:"),
    re.IGNORECASE,
)
# The same matches over ASCII text, where a letter is [A-Za-z], a digit [0-9] and a word character
# [A-Za-z0-9_] under either reading; ASCII classes make the regex about twice as fast. The kinds
# are tried words first and without IGNORECASE (~0.73 of the time of ``_FLAT_RE``'s pattern under
# ASCII): at any one place only "US$" and a word can both start (a "U"), and "US$" is still tried
# first, its word boundary checked behind it; each kind's own matches are unchanged.
_ASCII_RE = re.compile(
    r"[Uu][Ss]\$(?<=\b..\$)|[A-Za-z]+(?:'[A-Za-z]+)*|[0-9]+(?:[.,][0-9]+)*|\$", re.ASCII
)
# ``_ASCII_RE`` as one group: ``split`` gives the text between tokens and the tokens, in turn.
_ASCII_SPLIT_RE = re.compile(f"({_ASCII_RE.pattern})", re.ASCII)
# Raw token (as matched, before NFKC) -> its term, or None for a stopword. A raw string is only
# ever matched as one kind (the kinds share no character class), so the term is a function of the
# string alone and is worked out once per distinct spelling. Bounded: cleared when full.
_TERMS: dict[str, str | None] = {}
_TERMS_MAX = 200_000
_MISSING = "\x00"
# Text -> its tokens and their offsets (starts and ends, compact arrays; None until
# ``analyze_spans`` asks for them), for the few thousand texts analysed or asked for last: a
# question analyses the passages it takes feedback terms from and those it quotes, and the same
# passages come back question after question. When full, the text asked for least recently goes
# (it used to be cleared whole: the texts of the questions asked just before were then analysed
# again). (Offsets as arrays: ~1 KB a passage, where tuples of (term, start, end) took ~8 KB and
# held only the last 1,024 texts quoted.)
_Analysed = tuple[tuple[str, ...], "array[int] | None", "array[int] | None"]
_TEXTS: OrderedDict[str, _Analysed] = OrderedDict()
_TEXTS_MAX = 4096


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


def _learn(raws: list[str]) -> dict[str, str | None]:
    """Return the term of each of ``raws`` (raw tokens as ``_FLAT_RE`` or ``_ASCII_RE`` matched
    them), each distinct one worked out once and kept in ``_TERMS``: the ASCII ones lowered and
    their words stemmed in one call (``_ascii_terms``: ``_term_of``'s result, word for word)."""
    fresh = [raw for raw in dict.fromkeys(raws) if raw not in _TERMS]
    plain = [raw for raw in fresh if raw.isascii()]
    found = dict(zip(plain, _ascii_terms([raw.lower() for raw in plain]), strict=True))
    for raw in fresh:
        if raw not in found:
            found[raw] = _term_of(raw)
    if len(_TERMS) + len(found) > _TERMS_MAX:
        _TERMS.clear()
    _TERMS.update(found)
    return found


def analyze(text: str) -> list[str]:
    """Return the search tokens of ``text``: normalised, case-folded, stopwords out, stemmed.

    Passages and questions must both go through this function so that they meet on the same terms.
    """
    cached = _kept(text)
    if cached is None:
        cached = _analysed(text)
    return list(cached[0])


def analyze_spans(text: str) -> list[tuple[str, int, int]]:
    """Return ``(term, start, end)`` for every search token of ``text``, offsets into ``text``."""
    return list(zip(*token_offsets(text), strict=True))


def token_offsets(text: str) -> tuple[tuple[str, ...], Sequence[int], Sequence[int]]:
    """Return the search tokens of ``text``, where each starts and where each ends (offsets into
    ``text``): ``analyze_spans`` as three columns, kept as they are (do not change them)."""
    cached = _kept(text)
    if cached is None or cached[1] is None:
        cached = _analysed(text, spans=True)
    terms, starts, ends = cached
    assert starts is not None and ends is not None
    return terms, starts, ends


def _analysed(text: str, *, spans: bool = False) -> _Analysed:
    """Return the tokens of ``text`` and, if ``spans``, their offsets, and keep them
    (``_TEXTS``)."""
    # Translation is one-to-one per character, so offsets in the translated text are offsets in
    # the original. NFKC can change lengths (ligatures, full-width forms); those are rare in briefs
    # and handled by normalising each match's text separately.
    folded = _fold(text)
    starts: array[int] | None = None
    ends: array[int] | None = None
    if folded.isascii():
        # Lowered first: an ASCII raw token's term is that of its lower case (``_learn``), and
        # lowering keeps every character's place and kind, so the tokens and their offsets are
        # the same; the cache then holds one entry for "Oil" and "oil", and the words learned
        # need no lowering one by one.
        folded = folded.lower()
        if not spans:
            terms = list(filter(None, _terms_of(_ASCII_RE.findall(folded), lower=True)))
        else:
            # The text cut at its tokens (C), their offsets the running sums of the pieces'
            # lengths: no match object per token.
            pieces = _ASCII_SPLIT_RE.split(folded)
            found = _terms_of(pieces[1::2], lower=True)
            # A token's start, then its end. Lists first: an array made from a list is filled
            # in one step, one made from an iterator (``accumulate``, ``compress``) element by
            # element (~16 against ~9 us a passage).
            bounds = list(accumulate(map(len, pieces)))
            if None in found:  # stopwords out, with their offsets (a term is never empty)
                starts = array("q", list(compress(bounds[0::2], found)))
                ends = array("q", list(compress(bounds[1::2], found)))
            else:
                starts, ends = array("q", bounds[0:-1:2]), array("q", bounds[1::2])
            terms = list(filter(None, found))
    elif not spans:
        terms = list(filter(None, _terms_of(_FLAT_RE.findall(folded))))
    else:
        get = _TERMS.get
        out: list[tuple[str | None, int, int]] = []
        unknown: list[tuple[int, str]] = []  # tokens not seen before: worked out together
        for match in _TOKEN_RE.finditer(folded):
            raw = match.group()
            term = get(raw, _MISSING)
            if term is not None:
                if term is _MISSING:
                    unknown.append((len(out), raw))
                start, end = match.span()
                out.append((term, start, end))
        if unknown:
            learned = _learn([raw for _, raw in unknown])
            for at, raw in unknown:
                out[at] = (learned[raw], out[at][1], out[at][2])
            out = [token for token in out if token[0] is not None]
        terms = [term for term, _, _ in out if term is not None]
        starts = array("q", [start for _, start, _ in out])
        ends = array("q", [end for _, _, end in out])
    analysed = (tuple(terms), starts, ends)
    if text not in _TEXTS and len(_TEXTS) >= _TEXTS_MAX:
        with suppress(KeyError):  # another thread took the last one out first
            _TEXTS.popitem(last=False)
    _TEXTS[text] = analysed
    return analysed


def _kept(text: str) -> _Analysed | None:
    """Return what ``_TEXTS`` keeps of ``text`` (None: nothing), now the text asked for last."""
    cached = _TEXTS.get(text)
    if cached is not None:
        with suppress(KeyError):  # another thread made room in between: kept all the same
            _TEXTS.move_to_end(text)
    return cached


def _terms_of(raws: list[str], *, lower: bool = False) -> list[str | None]:
    """Return the term of each raw token (None for a stopword): every one looked up in one
    C-level pass, the few not seen before worked out together (``_learn``; with ``lower``, the
    raw tokens are lower-case ASCII ones, ``_learn_lower``)."""
    terms = list(map(_TERMS.get, raws, repeat(_MISSING, len(raws))))
    if _MISSING in terms:
        fresh = [raw for raw, term in zip(raws, terms, strict=True) if term is _MISSING]
        if lower:
            found = _learn_lower(list(dict.fromkeys(fresh)))
            # Every token is kept now, unless the cache was cleared meanwhile (to make room, or
            # by another thread): then the terms are put together from what was found.
            again = list(map(_TERMS.get, raws, repeat(_MISSING, len(raws))))
            if _MISSING not in again:
                return again
        else:
            found = _learn(fresh)
        terms = [
            found[raw] if term is _MISSING else term for raw, term in zip(raws, terms, strict=True)
        ]
    return terms


def _learn_lower(fresh: list[str]) -> dict[str, str | None]:
    """Return the term of each of ``fresh`` (distinct lower-case ASCII raw tokens: ``_learn``'s
    terms, ``_ascii_terms``), kept in ``_TERMS``."""
    found = dict(zip(fresh, _ascii_terms(fresh), strict=True))
    if len(_TERMS) + len(found) > _TERMS_MAX:
        _TERMS.clear()
    _TERMS.update(found)
    return found


# -- many texts at once (an index build) ------------------------------------------------------

# Over ASCII text (after ``_TRANSLATE``) a token never holds a character other than a letter, a
# digit, ``'``, ``.``, ``,`` or ``$``, and ``_`` is the one other character that decides a word
# boundary (``\bUS$``). Every other character separates tokens exactly as a space does, so the
# text is lowered and cut into chunks of those characters, each holding whole tokens: what
# ``_ASCII_RE`` finds in a chunk is what it finds there in the whole text. A chunk's tokens are
# worked out once per distinct chunk; chunks are found and told apart with numpy.
_KEEP = "abcdefghijklmnopqrstuvwxyz0123456789_'.,$"
_CHUNK_TABLE = str.maketrans(
    {
        chr(c): (chr(c).lower() if chr(c).lower() in _KEEP else " ")
        for c in range(128)
        if chr(c) not in _KEEP
    }
)
_CHUNK_BYTES = bytes(1 if chr(c) in _KEEP else 0 for c in range(256))
_TOP_BIT = np.uint64(1 << 63)
# A chunk is known by its first 24 bytes packed in three words (exact, checked) and its length.
_PACKED = 24
_MASKS = np.array([(1 << (8 * n)) - 1 for n in range(9)], dtype=np.uint64)
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)
_PAD = b" " * 32
_NO_TOKEN = -1
_FIRST_MULTI = -2  # codes from here down: a chunk of two or more tokens (``_multi``)
# ``_TRANSLATE`` as replacements: over a long text holding a few of its characters, a handful of
# ``str.replace`` calls are many times faster than ``str.translate`` (which looks up every
# character of a non-ASCII string); each character maps to one other, so the result is the same.
_REPLACEMENTS = tuple((chr(k), str(v)) for k, v in _TRANSLATE.items())
_ASCII_REPLACEMENTS = tuple((char, v) for char, v in _REPLACEMENTS if char.isascii())


def _fold(text: str) -> str:
    """Return ``text.translate(_TRANSLATE)``, faster on long texts."""
    if text.isascii():
        # Of the characters translated, only these are ASCII: replacing them is the same and
        # spares a dictionary lookup per character.
        for char, replacement in _ASCII_REPLACEMENTS:
            if char in text:
                text = text.replace(char, replacement)
        return text
    for char, replacement in _REPLACEMENTS:
        if char in text:
            text = text.replace(char, replacement)
    return text


class BatchCounts:
    """The search tokens of a batch of texts, counted: what ``TermCounter.count`` returns.

    Args:
        lengths: number of tokens of each text.
        docs: for each (text, term) pair, the text's place in the batch; ascending.
        terms: the pair's term number (``TermCounter.terms``), ascending within a text.
        tfs: how many times the term occurs in the text.
        new: term numbers first met in this batch, in the order they first occur in it.
    """

    def __init__(
        self,
        lengths: npt.NDArray[np.int32],
        docs: npt.NDArray[np.int32],
        terms: npt.NDArray[np.int32],
        tfs: npt.NDArray[np.int32],
        new: npt.NDArray[np.int32],
    ):
        self.lengths = lengths
        self.docs = docs
        self.terms = terms
        self.tfs = tfs
        self.new = new


class _KeyTable:
    """A hash table of non-zero 64-bit keys to slot numbers, looked up many keys at once in numpy
    (open addressing, linear probing, at most half full)."""

    _MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)

    def __init__(self, bits: int = 16):
        self._resize(bits)
        self.size = 0

    def _resize(self, bits: int) -> None:
        self._bits = bits
        self._mask = (1 << bits) - 1
        self._shift = np.uint64(64 - bits)
        self._keys = np.zeros(1 << bits, dtype=np.uint64)
        self._values = np.zeros(1 << bits, dtype=np.int64)

    def _home(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        return ((keys * self._MULTIPLIER) >> self._shift).astype(np.int64)

    def lookup(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        """Return the value of each of ``keys`` (non-zero), -1 for those not held."""
        at = self._home(keys)
        held = self._keys[at]
        found = np.full(len(keys), -1, dtype=np.int64)
        hit = held == keys
        found[hit] = self._values[at[hit]]
        # Keys that met another key go on probing; an empty place ends the search.
        pending = np.flatnonzero(~hit & (held != 0))
        while len(pending):
            at_p = (at[pending] + 1) & self._mask
            at[pending] = at_p
            held = self._keys[at_p]
            hit = held == keys[pending]
            found[pending[hit]] = self._values[at_p[hit]]
            pending = pending[~hit & (held != 0)]
        return found

    def insert(self, keys: npt.NDArray[np.uint64], values: npt.NDArray[np.int64]) -> None:
        """Add ``keys`` (distinct, non-zero, none held yet) with their ``values``."""
        if 2 * (self.size + len(keys)) > len(self._keys):
            old_keys, old_values = self._keys, self._values
            bits = self._bits
            while 2 * (self.size + len(keys)) > 1 << bits:
                bits += 1
            self._resize(bits)
            kept = old_keys != 0
            self.size = 0
            self._place(old_keys[kept], old_values[kept])
        self._place(keys, values)

    def _place(self, keys: npt.NDArray[np.uint64], values: npt.NDArray[np.int64]) -> None:
        at = self._home(keys)
        pending = np.arange(len(keys))
        while len(pending):
            free = self._keys[at[pending]] == 0
            # Of the keys that found the same free place, the first takes it.
            places, first = np.unique(at[pending[free]], return_index=True)
            taken = pending[free][first]
            self._keys[places] = keys[taken]
            self._values[places] = values[taken]
            left = np.ones(len(pending), dtype=bool)
            left[np.flatnonzero(free)[first]] = False
            pending = pending[left]
            at[pending] = (at[pending] + 1) & self._mask
        self.size += len(keys)


class TermCounter:
    """Counts the search tokens of many texts at once, with ``analyze``'s exact tokens.

    Each text's tokens are what ``analyze`` returns for it; terms are numbered as first met
    (``terms``). Meant for an index build's worker: a batch of texts is cut into chunks by numpy
    over its bytes, each distinct chunk is analysed once (``_ASCII_RE`` and the term cache), and
    the counting is done with numpy; non-ASCII texts go through ``_FLAT_RE`` one by one.
    """

    def __init__(self) -> None:
        self.terms: list[str] = []
        self._numbers: dict[str, int] = {}
        self._chunks: dict[str, int] = {}
        self._multi: list[tuple[int, ...]] = []
        self._raws: dict[str, int] = {}
        # Packed chunk -> slot: a hash of the packed words, checked against the slot's words.
        self._table = _KeyTable()
        self._slot_words = np.zeros((1024, 4), dtype=np.uint64)
        self._slot_codes = np.zeros(1024, dtype=np.int64)

    def _number(self, term: str | None) -> int:
        if term is None:
            return _NO_TOKEN
        number = self._numbers.get(term)
        if number is None:
            number = self._numbers[term] = len(self.terms)
            self.terms.append(term)
        return number

    def _raw_number(self, raw: str) -> int:
        """Return the term number of one raw token (``_NO_TOKEN`` for a stopword)."""
        number = self._raws.get(raw)
        if number is None:
            number = self._raws[raw] = self._number(_term_of(raw))
        return number

    def _learn(self, chunks: list[str]) -> None:
        """Number the raw tokens of lowered ASCII ``chunks`` not met before, their words
        stemmed in one call."""
        raws = self._raws
        new = [
            raw
            for raw in dict.fromkeys(raw for chunk in chunks for raw in _ASCII_RE.findall(chunk))
            if raw not in raws
        ]
        for raw, term in zip(new, _ascii_terms(new), strict=True):
            raws[raw] = self._number(term)

    def _chunk_code(self, chunk: str) -> int:
        """Return the code of one lowered ASCII chunk: its one term's number, ``_NO_TOKEN``, or
        a ``_multi`` entry for two tokens or more."""
        code = self._chunks.get(chunk)
        if code is not None:
            return code
        numbers = [self._raw_number(raw) for raw in _ASCII_RE.findall(chunk)]
        numbers = [n for n in numbers if n != _NO_TOKEN]
        if not numbers:
            code = _NO_TOKEN
        elif len(numbers) == 1:
            code = numbers[0]
        else:
            code = _FIRST_MULTI - len(self._multi)
            self._multi.append(tuple(numbers))
        self._chunks[chunk] = code
        return code

    def _remember(
        self,
        keys: npt.NDArray[np.uint64],
        words: npt.NDArray[np.uint64],
        codes: npt.NDArray[np.int64],
    ) -> None:
        """Give each chunk packed as ``words`` (rows), of distinct new ``keys``, a slot holding
        its code."""
        first = self._table.size
        end = first + len(keys)
        while end > len(self._slot_codes):
            self._slot_words = np.concatenate([self._slot_words, np.zeros_like(self._slot_words)])
            self._slot_codes = np.concatenate([self._slot_codes, np.zeros_like(self._slot_codes)])
        self._slot_words[first:end] = words
        self._slot_codes[first:end] = codes
        self._table.insert(keys, np.arange(first, end, dtype=np.int64))

    def _chunk_codes(
        self, text: str, offsets: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Return the code and the text of each chunk of lowered, chunk-translated ASCII
        ``text`` (texts starting at ``offsets``), in order."""
        raw = b" " + text.encode("ascii") + _PAD
        flags = np.frombuffer(raw.translate(_CHUNK_BYTES), dtype=np.int8)
        edges = np.flatnonzero(flags[1:] != flags[:-1])
        # ``edges + 1`` are positions in ``raw``; ``edges`` in ``text``.
        starts, ends = edges[0::2], edges[1::2]
        docs = np.searchsorted(offsets, starts, side="right") - 1
        n = len(starts)
        if not n:
            return np.zeros(0, np.int64), docs
        sizes = ends - starts
        at_byte = np.ndarray((len(raw) - 7,), dtype="<u8", buffer=raw, strides=(1,))
        # A chunk of up to 8 bytes is its first word (its bytes are ASCII and not zero, so the
        # word's top bit is clear and it holds the chunk exactly); a longer one is a hash of its
        # three words and length, top bit set, checked against its slot's words below.
        keys = at_byte[starts + 1] & _MASKS[np.minimum(sizes, 8)]
        long = np.flatnonzero(sizes > 8)
        packed = np.zeros((len(long), 4), dtype=np.uint64)
        if len(long):
            at, size = starts[long] + 1, sizes[long]
            packed[:, 0] = keys[long]
            packed[:, 1] = at_byte[at + 8] & _MASKS[np.clip(size - 8, 0, 8)]
            packed[:, 2] = at_byte[at + 16] & _MASKS[np.clip(size - 16, 0, 8)]
            packed[:, 3] = size
            mixed = packed[:, 0] * _MIX[0] + packed[:, 1] * _MIX[1] + packed[:, 2] * _MIX[2]
            keys[long] = (mixed + packed[:, 3]) | _TOP_BIT
        slots = self._table.lookup(keys)
        codes = np.empty(n, dtype=np.int64)
        apart: list[int] = []
        if len(long):
            # A long chunk's slot must hold its words (another chunk may share its hash), and a
            # chunk too long to be packed whole is never given one.
            held = slots[long] >= 0
            wrong = (self._slot_words[slots[long[held]]] != packed[held]).any(axis=1)
            apart = long[held][wrong].tolist()
            slots[apart] = -2  # looked up by its text below
        known = slots >= 0
        codes[known] = self._slot_codes[slots[known]]
        missing = np.flatnonzero(slots == -1)
        if len(missing):
            self._fresh_codes(text, missing, keys, starts, ends, long, packed, codes, apart)
        chunk_code = self._chunk_code
        for place in apart:
            codes[place] = chunk_code(text[starts[place] : ends[place]])
        return codes, docs

    def _fresh_codes(
        self,
        text: str,
        missing: npt.NDArray[np.int64],
        keys: npt.NDArray[np.uint64],
        starts: npt.NDArray[np.int64],
        ends: npt.NDArray[np.int64],
        long: npt.NDArray[np.int64],
        packed: npt.NDArray[np.uint64],
        codes: npt.NDArray[np.int64],
        apart: list[int],
    ) -> None:
        """Work out the codes of the chunks ``missing`` (whose keys no slot holds) into
        ``codes``: each distinct key's first chunk analysed and given a slot; a long chunk whose
        words differ from its key's first chunk's is added to ``apart``."""
        unique, first, inverse = np.unique(keys[missing], return_index=True, return_inverse=True)
        heads = missing[first]
        chunks = [
            text[start:end]
            for start, end in zip(starts[heads].tolist(), ends[heads].tolist(), strict=True)
        ]
        self._learn(chunks)
        head_codes = np.fromiter(map(self._chunk_code, chunks), dtype=np.int64, count=len(chunks))
        codes[missing] = head_codes[inverse]
        sizes = ends[heads] - starts[heads]
        words = np.zeros((len(heads), 4), dtype=np.uint64)
        words[:, 0] = unique
        words[:, 3] = sizes
        if len(long):
            in_long = np.full(len(keys), -1, dtype=np.int64)
            in_long[long] = np.arange(len(long))
            head_long = in_long[heads]
            is_long = head_long >= 0
            words[is_long] = packed[head_long[is_long]]
            mine = in_long[missing]
            lost = mine >= 0
            # Long chunks against their key's first chunk: other words, or too long to pack.
            own = head_long[inverse[lost]]
            differs = (packed[mine[lost]] != packed[own]).any(axis=1) | (
                packed[mine[lost], 3] > _PACKED
            )
            apart.extend(missing[lost][differs].tolist())
        keep = sizes <= _PACKED
        self._remember(unique[keep], words[keep], head_codes[keep])

    def _expanded(
        self, codes: npt.NDArray[np.int64], docs: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Return ``codes`` with each multi-token chunk replaced by its tokens' numbers, and the
        text of each, stopwords and empty chunks left out."""
        multi = np.flatnonzero(codes <= _FIRST_MULTI)
        if len(multi):
            seqs = [self._multi[_FIRST_MULTI - c] for c in codes[multi].tolist()]
            sizes = np.ones(len(codes), dtype=np.int64)
            sizes[multi] = [len(s) for s in seqs]
            starts = np.cumsum(sizes) - sizes
            codes = np.repeat(codes, sizes)
            docs = np.repeat(docs, sizes)
            for at, seq in zip(starts[multi].tolist(), seqs, strict=True):
                codes[at : at + len(seq)] = seq
        keep = codes >= 0
        return codes[keep], docs[keep]

    def _other_codes(self, text: str) -> list[int]:
        """Return the term numbers of the tokens of one folded non-ASCII text, in order."""
        numbers = [self._raw_number(raw) for raw in _FLAT_RE.findall(text)]
        return [n for n in numbers if n != _NO_TOKEN]

    def count(self, texts: list[str]) -> BatchCounts:
        """Return the counted tokens of ``texts`` (see ``BatchCounts``)."""
        before = len(self.terms)
        joined = _fold(" ".join(texts))
        if joined.isascii():
            codes, docs = self._chunk_codes(joined.translate(_CHUNK_TABLE), _offsets(texts))
            return self._counted(*self._expanded(codes, docs), len(texts), before)
        folded = [_fold(text) for text in texts]
        ascii_ = [text if text.isascii() else "" for text in folded]
        joined = " ".join(ascii_).translate(_CHUNK_TABLE)
        codes, docs = self._expanded(*self._chunk_codes(joined, _offsets(ascii_)))
        parts, texts_of = [codes], [docs]
        for at, text in enumerate(folded):
            if not ascii_[at] and text:
                found = self._other_codes(text)
                parts.append(np.asarray(found, dtype=np.int64))
                texts_of.append(np.full(len(found), at, dtype=np.int64))
        all_docs = np.concatenate(texts_of)
        order = np.argsort(all_docs, kind="stable")
        return self._counted(np.concatenate(parts)[order], all_docs[order], len(texts), before)

    def _counted(
        self, numbers: npt.NDArray[np.int64], docs: npt.NDArray[np.int64], n: int, before: int
    ) -> BatchCounts:
        """Return the counts of a batch's token stream (``docs`` ascending, tokens in order)."""
        lengths = np.bincount(docs, minlength=n).astype(np.int32)
        pairs, tfs = np.unique((docs << 32) | numbers, return_counts=True)
        fresh = numbers[numbers >= before]
        new_terms, first = np.unique(fresh, return_index=True)
        return BatchCounts(
            lengths,
            (pairs >> 32).astype(np.int32),
            (pairs & 0xFFFFFFFF).astype(np.int32),
            tfs.astype(np.int32),
            new_terms[np.argsort(first)].astype(np.int32),
        )


def _offsets(texts: list[str]) -> npt.NDArray[np.int64]:
    """Return where each of ``texts`` starts in ``" ".join(texts)``."""
    sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1
    return np.cumsum(sizes) - sizes
