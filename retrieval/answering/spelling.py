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
"ims", "inf"), never a framing word. Names and spellings the list lacks are read again: "rouble"
as the archive's "ruble", "nazarbaev" as "nazarbayev" when the archive spells it so. Measured on
the dev collections and the sample's sets, typed and with a slip (``bench/typos.py``,
docs/quality.md, "Typing slips").
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from retrieval.text.analyzer import analyze_spans, word_terms
from retrieval.text.english import is_english

MIN_LETTERS = 5
"""Words shorter than this are never read as another word."""
UNLIKELY = 0.1
"""What a change of one letter into one neither beside it on the keyboard nor a vowel for a
vowel counts for, against 1 for the slips people make most (a letter left out or doubled, two
swapped, a key beside the right one, a vowel for a vowel): "replced" is "replaced" (a letter
left out) sooner than "replied" (c for i) unless the archive uses "replied" ten times as often."""
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


def likely(typed: str, meant: str) -> float:
    """Return how likely a slip turns letter ``meant`` into letter ``typed``: 1 for a key beside
    it or a vowel for a vowel, ``UNLIKELY`` otherwise."""
    if typed in NEIGHBOURS.get(meant, ()) or (typed in _VOWELS and meant in _VOWELS):
        return 1.0
    return UNLIKELY


def edits(word: str) -> dict[str, float]:
    """Return the words one edit from ``word`` (a letter left out, swapped with the next,
    changed or added; letters a-z), ``word`` itself excluded, each with how likely a slip from
    it makes ``word`` (``likely``), in a fixed order."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    found: dict[str, float] = {}
    for a, b in splits:
        if b:
            found.setdefault(a + b[1:], 1.0)  # the user added (or doubled) b[0]
        if len(b) > 1:
            found.setdefault(a + b[1] + b[0] + b[2:], 1.0)
    for a, b in splits:
        for c in _LETTERS:
            found.setdefault(a + c + b, 1.0)  # the user left c out
            if b and c != b[0]:
                weight = likely(b[0], c)
                meant = a + c + b[1:]
                found[meant] = max(found.get(meant, 0.0), weight)
    found.pop(word, None)
    return found


def respell(text: str, lacking: Collection[str], df: Callable[[str], int]) -> dict[str, Respelling]:
    """Return, for each search term of ``text`` in ``lacking`` (terms no passage holds), how it
    is read instead, when a word one edit from the word typed gives a term the archive holds:
    the one whose term most passages hold (``df``), ties to the first in ``edits`` order.
    Terms with no such neighbour, typed as words of fewer than ``MIN_LETTERS`` letters, with
    anything but letters a-z, in capitals (an acronym) or as an English word, are left out."""
    found: dict[str, Respelling] = {}
    for term, start, end in analyze_spans(text):
        if term not in lacking or term in found:
            continue
        typed = text[start:end]
        word = typed.lower()
        if len(word) < MIN_LETTERS or not (word.isascii() and word.isalpha()):
            continue
        if typed.isupper():
            continue  # an acronym ("CONIT"), not a slip
        if is_english(word):
            continue  # spelled right: the archive lacks it, and the answer says so
        best = _nearest(edits(word), df)
        if best is not None:
            found[term] = Respelling(typed, best[0], term, best[1])
    return found


def _nearest(candidates: dict[str, float], df: Callable[[str], int]) -> tuple[str, str] | None:
    """Return ``(word, term)`` of the candidate whose term the most passages hold, times how
    likely its slip is (the first such candidate, or the first that is an English word, to
    name it by), or None when the archive holds none of their terms."""
    best: tuple[str, str] | None = None
    most = 0.0
    seen: dict[str, int] = {}
    words = list(candidates)
    terms = word_terms(words)
    for word, term in zip(words, terms, strict=True):
        if term is None:
            continue
        count = seen.get(term)
        if count is None:
            count = seen[term] = df(term)
        if count * candidates[word] > most:
            best, most = (word, term), count * candidates[word]
    if best is None or is_english(best[0]):
        return best
    same = (w for w, t in zip(words, terms, strict=True) if t == best[1] and is_english(w))
    return next(same, best[0]), best[1]
