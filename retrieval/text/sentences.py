"""Split prose into sentences with their character offsets.

Briefs are journalistic English with abbreviations (U.S., Gen., Jan.), initials and inline source
citations that follow a sentence's full stop ("... in December 1997. (Itar-Tass, May 21) Bribery
..."). A citation belongs to the sentence before it, so it is kept there.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof gen col lt maj capt sgt adm gov sen rep st jr sr co corp inc ltd no nos
    vol jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.g i.e etc vs cf approx
    est
    """.split()
)

# A candidate boundary: sentence punctuation, optional closing quotes/brackets, then whitespace.
# Matching starts only at the first mark of a run ("....") and takes the run whole (possessive),
# so a run of n marks costs n steps, not n * n: a file of dots used to take minutes (issue 17).
# The pattern opens with the mark itself, the test that no mark comes before it after it (a
# lookbehind over the two characters): the regex engine then skims the text for a mark instead of
# trying the pattern at every character (three times faster on a passage; same matches).
_BOUNDARY_RE = re.compile(r"[.!?](?<![.!?][.!?])[.!?]*+[\"'\u201d\u2019)\]]*+\s+")
# Abbreviations and initials are short: looking further back than this cannot find one.
_LONGEST_ABBREVIATION = 8
_CITATION_RE = re.compile(r"\([^()]{1,80}\)\s*")


def _is_abbreviation(text: str, dot: int) -> bool:
    """Return whether the full stop at ``dot`` ends an abbreviation or an initial."""
    start = dot
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "."):
        start -= 1
        if dot - start > _LONGEST_ABBREVIATION:
            return False
    word = text[start:dot].lower()
    if not word:
        return False
    if word in _ABBREVIATIONS:
        return True
    # A single capital letter is an initial ("Nursultan A. Nazarbaev").
    return len(word) == 1 and text[dot - 1].isupper()


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` offsets of each sentence of ``text``, whitespace trimmed.

    A parenthesised source citation that opens a sentence is moved to the end of the previous one.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY_RE.finditer(text):
        end = match.end()
        punct = match.start()
        if text[punct] == "." and _is_abbreviation(text, punct):
            continue
        nxt = text[end : end + 1]
        if nxt and not (nxt.isupper() or nxt.isdigit() or nxt in "\"'(\u201c\u2018["):
            continue
        spans.append((start, end))
        start = end
    if start < len(text):
        spans.append((start, len(text)))

    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged:
            cite = _CITATION_RE.match(text, s)
            if cite and (cite.end() >= e or text[cite.end() : cite.end() + 1].isupper()):
                ps, _ = merged[-1]
                merged[-1] = (ps, cite.end())
                s = cite.end()
                if s >= e:
                    continue
        merged.append((s, e))
    return [_trim(text, s, e) for s, e in merged if text[s:e].strip()]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
