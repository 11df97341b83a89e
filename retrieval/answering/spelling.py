"""Words of a question the archive never uses, read as the archive's word one typing slip away.

Chat questions carry typing slips ("baku supsa pipline", "who replced kazhegeldin"). A slip
makes a word no passage holds, so it finds nothing, and the answer leans on the other words. A
word of the question that no passage holds is read as the word one edit away (one letter left
out, added, changed, or two neighbours swapped: Damerau's single errors, most of the slips people
make) that the archive uses most, when there is one; the answer says so ("Read “pipline” as
“pipeline”"), so a wrong reading is seen and can be asked again in other words.

Only words the archive lacks are read again; never an English word spelled right
(``text.english``: "drone" when no brief mentions drones stays "drone", and the answer says the
archive lacks it, where its neighbour "done" would answer something else), never a word of fewer
than ``MIN_LETTERS`` letters (short words have many neighbours: "imf" is one change from "if",
"ims", "inf") or more than ``MAX_LETTERS``, never a framing word. Names and spellings the list
lacks are read again: "rouble" as the archive's "ruble", "nazarbaev" as "nazarbayev" when the
archive spells it so. Measured on the dev collections and the sample's sets, typed and with a
slip (``bench/typos.py``, docs/quality.md, "Typing slips").
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import lru_cache

from retrieval.text.analyzer import analyze_spans, word_terms
from retrieval.text.english import is_english

MIN_LETTERS = 5
"""Words shorter than this are never read as another word."""
MAX_LETTERS = 30
"""Words longer than this are never read as another word (nor cut in two): no word of English
is, and the words one edit from a word grow with its length squared ("a" typed 4,000 times, one
message, took 11 s)."""
UNLIKELY = 0.1
"""What a change of one letter into one neither beside it on the keyboard nor a vowel for a
vowel counts for, against 1 for the slips people make most (a letter left out or doubled, two
swapped, a key beside the right one, a vowel for a vowel): "replced" is "replaced" (a letter
left out) sooner than "replied" (c for i) unless the archive uses "replied" ten times as often."""
NEIGHBOURS_KEPT = 64
"""How many words' neighbours are kept: ~140 KB each (a word's ~600 neighbours and their
terms), so a bot that meets many unknown names keeps under 10 MB of them."""
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_VOWELS = frozenset("aeiouy")
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
NEIGHBOURS = {
    key: frozenset(
        _ROWS[r][c]
        for r in range(max(row - 1, 0), min(row + 2, len(_ROWS)))
        for c in range(max(col - 1, 0), min(col + 2, len(_ROWS[r])))
        if (r, c) != (row, col)
    )
    for row, keys in enumerate(_ROWS)
    for col, key in enumerate(keys)
}
"""The keys around each letter's key on a QWERTY keyboard (rows taken as aligned)."""


@dataclass(frozen=True)
class Respelling:
    """One word of a question read as another: ``typed`` (as written) gives search term
    ``term``, which no passage holds; it is read as ``meant``, whose term ``meant_term`` is the
    archive's."""

    typed: str
    meant: str
    term: str
    meant_term: str


_LIKELY = {
    typed: frozenset(m for m in _LETTERS if typed in NEIGHBOURS[m] or {typed, m} <= _VOWELS)
    for typed in _LETTERS
}
"""For each letter typed, the letters meant that a likely slip turns into it (``likely``)."""


def likely(typed: str, meant: str) -> float:
    """Return how likely a slip turns letter ``meant`` into letter ``typed``: 1 for a key beside
    it or a vowel for a vowel, ``UNLIKELY`` otherwise."""
    return 1.0 if meant in _LIKELY.get(typed, ()) else UNLIKELY


TRANSLITERATIONS = (
    ("j", "zh"), ("zh", "j"), ("j", "y"), ("y", "j"), ("kh", "h"), ("h", "kh"), ("tch", "ch"),
    ("ch", "tch"), ("sch", "sh"), ("sh", "sch"), ("x", "ks"), ("ks", "x"), ("tz", "ts"),
    ("ts", "tz"), ("ou", "u"), ("u", "ou"), ("w", "v"), ("v", "w"),
)  # fmt: skip
"""Letters one way of writing Russian and other Cyrillic names in Latin letters puts where
another puts these ("Bajenov", French, for the briefs' "Bazhenov"; "Nazarbajev", German;
"Chernomyrdine"'s "tch"): one such swap counts as one likely slip."""


def edits(word: str) -> dict[str, float]:
    """Return the words one edit from ``word`` (a letter left out, swapped with the next,
    changed or added; letters a-z; or one ``TRANSLITERATIONS`` swap), ``word`` itself excluded,
    each with how likely a slip from it makes ``word`` (``likely``), in a fixed order."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    found: dict[str, float] = {}
    for typed, meant in TRANSLITERATIONS:
        at = word.find(typed)
        while at >= 0:
            found.setdefault(word[:at] + meant + word[at + len(typed) :], 1.0)
            at = word.find(typed, at + 1)
    for a, b in splits:
        if b:
            found.setdefault(a + b[1:], 1.0)  # the user added (or doubled) b[0]
        if len(b) > 1:
            found.setdefault(a + b[1] + b[0] + b[2:], 1.0)
    for a, b in splits:
        if not b:
            for c in _LETTERS:
                found.setdefault(a + c, 1.0)  # the user left c out
            continue
        first, rest, near = b[0], b[1:], _LIKELY[b[0]]
        for c in _LETTERS:
            found.setdefault(a + c + b, 1.0)  # the user left c out
            if c != first:
                meant = a + c + rest
                weight = 1.0 if c in near else UNLIKELY
                if found.get(meant, 0.0) < weight:
                    found[meant] = weight
    found.pop(word, None)
    return found


MIN_PART_LETTERS = 4
"""A word typed closed is read as two words of the archive of at least this many letters each
(``split_closed``): "anticorruption" as "anti-corruption", not "an ticorruption"."""


def _typed_lacking(text: str, lacking: Collection[str]) -> list[tuple[str, str]]:
    """Return ``(term, word as typed)`` for each search term of ``text`` in ``lacking``, once,
    typed in letters a-z, at most ``MAX_LETTERS`` of them, and not in capitals (an acronym,
    "CONIT", is no slip)."""
    found: dict[str, str] = {}
    for term, start, end in analyze_spans(text):
        typed = text[start:end]
        if (
            term in lacking
            and term not in found
            and len(typed) <= MAX_LETTERS
            and typed.isascii()
            and typed.isalpha()
        ):
            found.update({term: typed} if not typed.isupper() else {})
    return list(found.items())


def split_closed(
    text: str, lacking: Collection[str], df: Callable[[str], int]
) -> dict[str, Respelling]:
    """Return, for each search term of ``text`` in ``lacking`` (terms no passage holds), the
    two words of the archive it is typed closed for ("anticorruption" for "anti-corruption",
    "stateowned" for "state-owned"; not "peacekeeping", an English word): the cut into two
    English words of ``MIN_PART_LETTERS`` or more letters whose terms the archive both holds,
    the one whose rarer part most passages hold.
    ``meant_term`` holds the two terms, space-separated; ``meant`` the words joined by a
    hyphen. Words typed as for ``respell``: letters a-z, not in capitals, no English word."""
    found: dict[str, Respelling] = {}
    for term, typed in _typed_lacking(text, lacking):
        word = typed.lower()
        if is_english(word):
            continue
        best: tuple[int, str, str, str, str] | None = None
        for cut in range(MIN_PART_LETTERS, len(word) - MIN_PART_LETTERS + 1):
            left, right = word[:cut], word[cut:]
            if not (is_english(left) and is_english(right)):
                continue  # "disclipine" (a slip of "discipline") is no "discli" and "pine"
            first, second = word_terms([left, right])
            if not first or not second:
                continue
            held = min(df(first), df(second))
            if held and (best is None or held > best[0]):
                best = (held, left, right, first, second)
        if best is not None:
            _, left, right, first, second = best
            found[term] = Respelling(typed, f"{left}-{right}", term, f"{first} {second}")
    return found


def distance(a: str, b: str) -> int:
    """Return how many letters must be left out, added or changed to make ``b`` of ``a``
    (Levenshtein)."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, start=1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def respell(
    text: str,
    lacking: Collection[str],
    df: Callable[[str], int],
    holding: Callable[[list[str]], Collection[str]] | None = None,
) -> dict[str, Respelling]:
    """Return, for each search term of ``text`` in ``lacking`` (terms no passage holds), how it
    is read instead, when a word one edit from the word typed gives a term the archive holds:
    the one whose term most passages hold (``df``) times how likely its slip is (``edits``),
    ties to the first in ``edits`` order. ``holding(terms)``, when given, returns those of
    ``terms`` the archive may hold (all of them, and perhaps others): ``df`` is asked only of
    those. Terms with no such neighbour, typed as words of fewer than ``MIN_LETTERS`` letters
    or more than ``MAX_LETTERS``, with anything but letters a-z, in capitals (an acronym) or as
    an English word, are left out."""
    found: dict[str, Respelling] = {}
    for term, typed in _typed_lacking(text, lacking):
        word = typed.lower()
        if len(word) < MIN_LETTERS:
            continue
        best = _nearest(word, df, holding)
        # A word spelled right is left as typed: the archive lacks it, and the answer says so.
        # (Asked last: most words the archive lacks have no neighbour in it either, and the
        # English list is then never read.)
        if best is not None and not is_english(word):
            found[term] = Respelling(typed, best[0], term, best[1])
    return found


@lru_cache(maxsize=NEIGHBOURS_KEPT)
def neighbours(word: str) -> dict[str, tuple[str, float]]:
    """Return the search terms of the words one edit from ``word`` (``edits``), each with the
    first word that gives it and the likeliest slip among those words; kept for the
    ``NEIGHBOURS_KEPT`` words asked about last (the same unknown name comes back question after
    question)."""
    candidates = edits(word)
    words = list(candidates)
    found: dict[str, tuple[str, float]] = {}
    for candidate, term in zip(words, word_terms(words), strict=True):
        if term is None:
            continue
        weight = candidates[candidate]
        seen = found.get(term)
        if seen is None:
            found[term] = (candidate, weight)
        elif weight > seen[1]:
            found[term] = (seen[0], weight)
    return found


def _nearest(
    word: str,
    df: Callable[[str], int],
    holding: Callable[[list[str]], Collection[str]] | None,
) -> tuple[str, str] | None:
    """Return ``(word, term)`` of the neighbour of ``word`` whose term the most passages hold,
    times how likely its slip is (named by an English word giving that term if there is one),
    or None when the archive holds none of their terms."""
    near = neighbours(word)
    terms = list(near)
    if holding is not None:
        held = set(holding(terms))
        terms = [t for t in terms if t in held]
    best: str | None = None
    most = 0.0
    for term in terms:
        score = df(term) * near[term][1]
        if score > most:
            best, most = term, score
    if best is None:
        return None
    named = near[best][0]
    if not is_english(named):
        english = (w for w in edits(word) if w != named and is_english(w))
        named = next((w for w in english if word_terms([w])[0] == best), named)
    return named, best
