"""Which stored brief each brief of a file read again is, so that a brief inserted above others
(or removed) does not shift their identities.

A brief of a text file is known by its file and its place among the file's briefs
(``Brief.position``). Numbered 0, 1, 2… afresh on every read, a brief inserted at the top of a file
took the identity of the one that was there before, and every brief below it the identity of the
one above: the old answers' "Full brief" buttons then opened another brief. ``align_positions``
gives each brief the position of the stored brief it is, in this order of evidence:

1. the same content (its content hash): unchanged;
2. the same citation and title (or, untitled, the same first words): a correction of its body;
3. the same citation, and the most words shared with the stored brief's first words, among
   what is left: a correction of its first words;
4. none: a new brief, placed after every stored one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.corpus.briefs import Brief


@dataclass(frozen=True)
class StoredBrief:
    """What ``align_positions`` needs of a brief stored from the file before.

    Args:
        position: its place among the file's briefs, as stored.
        content_hash: ``Brief.content_hash`` of the stored version.
        label: ``Brief.legacy_key`` of the stored version (citation and title or first words).
    """

    position: int
    content_hash: str
    label: str


def citation_of(label: str) -> str:
    """Return the publication, volume and issue part of a ``Brief.legacy_key``."""
    return "|".join(label.split("|", 3)[:3])


def _shared_words(label: str, other: str) -> int:
    """Return how many words the title (or first words) parts of two labels share."""
    words = label.split("|", 3)[3:]
    others = other.split("|", 3)[3:]
    return len(set(" ".join(words).split()) & set(" ".join(others).split()))


def align_positions(briefs: Sequence[Brief], stored: Sequence[StoredBrief]) -> None:
    """Set the ``position`` of each of ``briefs`` (a file's briefs, in file order) to that of the
    stored brief it is, or to a new position after all stored ones; no two briefs get the same."""
    if not stored:
        # A file stored for the first time: every brief is new, numbered in file order.
        for n, brief in enumerate(briefs):
            brief.position = n
        return
    free = sorted(stored, key=lambda s: s.position)
    taken: set[int] = set()
    chosen: list[int | None] = [None] * len(briefs)

    def claim(n: int, matches: list[StoredBrief]) -> None:
        for candidate in matches:
            if candidate.position not in taken:
                taken.add(candidate.position)
                chosen[n] = candidate.position
                return

    by_hash: dict[str, list[StoredBrief]] = {}
    by_label: dict[str, list[StoredBrief]] = {}
    for row in free:
        by_hash.setdefault(row.content_hash, []).append(row)
        by_label.setdefault(row.label, []).append(row)
    for n, brief in enumerate(briefs):
        claim(n, by_hash.get(brief.content_hash, []))
    for n, brief in enumerate(briefs):
        if chosen[n] is None:
            claim(n, by_label.get(brief.legacy_key, []))
    # What is left: a brief whose first words were corrected (so its label changed too) takes
    # the place of the left-over stored brief of its citation whose label shares the most words
    # with its own; on equal terms the earlier brief takes the earlier place.
    left = [row for row in free if row.position not in taken]
    pairs = [
        (-_shared_words(row.label, brief.legacy_key), n, row.position, row)
        for n, brief in enumerate(briefs)
        if chosen[n] is None
        for row in left
        if citation_of(row.label) == citation_of(brief.legacy_key)
    ]
    for _, n, _, row in sorted(pairs, key=lambda p: p[:3]):
        if chosen[n] is None:
            claim(n, [row])
    after = max([row.position for row in stored] + [-1]) + 1
    for n, brief in enumerate(briefs):
        position = chosen[n]
        if position is None:
            position, after = after, after + 1
        brief.position = position
