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

import json
import sqlite3
from collections.abc import Iterable, Sequence
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


# -- which stored file a file read is ----------------------------------------------------------
#
# A file's identity is its origin (``ingest.origin_of``): its path relative to the folder or file
# named. Two different files can have the same origin (``days/mon/monitor.txt`` and
# ``days/tue/monitor.txt``, each named on its own; two Telegram uploads named ``monitor.txt``),
# and one file can have two (named alone it is ``issue142.txt``, found in its folder
# ``monitor/vol4/issue142.txt``). ``choose_origin`` tells them apart by what they hold: the
# publication, volume and issue of their briefs.

Citation = tuple[str, int | None, int | None]
"""A brief's publication, volume and issue."""

VARIANT = "//"
"""What separates a file's origin from the number of a second file of that origin
(``monitor.txt//2``): a path relative to a folder never holds ``//``, so no file's origin is one."""


def file_name(origin: str) -> str:
    """Return the file an origin stands for: ``monitor.txt`` of ``monitor.txt//2``."""
    return origin.split(VARIANT, 1)[0]


def shown_origin(origin: str) -> str:
    """Return an origin as the user knows it: ``monitor.txt``, ``monitor.txt (the 2nd file of
    that name)``."""
    number = _variant_number(origin)
    if number == 1:
        return origin
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {2: "nd", 3: "rd", 1: "st"}.get(number % 10, "th")
    )
    return f"{file_name(origin)} (the {number}{suffix} file of that name)"


def _variant_number(origin: str) -> int:
    """Return 1 for a file's own origin, N for its ``//N`` variant."""
    _, _, number = origin.partition(VARIANT)
    return int(number) if number.isdigit() else 1


def render_citation(citation: Citation) -> str:
    """Return ``Monitor, Vol. 6, Issue 21`` (the parts a brief has)."""
    publication, volume, issue = citation
    parts = [publication]
    if volume is not None:
        parts.append(f"Vol. {volume}")
    if issue is not None:
        parts.append(f"Issue {issue}")
    return ", ".join(parts)


def _citations_line(citations: Iterable[Citation], shown: int = 3) -> str:
    """Return up to ``shown`` citations, sorted, joined by semicolons, and how many more."""
    ordered = sorted(citations, key=lambda c: (c[0], c[1] or 0, c[2] or 0))
    text = "; ".join(render_citation(c) for c in ordered[:shown])
    return text + (f"; and {len(ordered) - shown} more" if len(ordered) > shown else "")


def _remove_hint(held: set[Citation]) -> str:
    """Return how to remove the briefs of ``held``, an issue's if it is one."""
    if len(held) == 1:
        ((publication, volume, issue),) = held
        if volume is not None and issue is not None:
            name = f'"{publication}"' if " " in publication else publication
            return f" (if it replaces them: briefbot remove {name} {volume} {issue})"
    return " (if it replaces them: briefbot remove PUBLICATION VOLUME ISSUE)"


def _tail_of(short: str, long: str) -> bool:
    """Return whether path ``short`` is the last components of path ``long`` (not equal)."""
    return long.endswith("/" + short)


@dataclass(frozen=True)
class OriginChoice:
    """The origin a file's briefs are stored under, and the line telling why, if it is not the
    file's own.

    Args:
        origin: ``src:ORIGIN#N`` keys and ``briefs.origin`` of the file's briefs.
        note: one line for the user (without the file's name), or None.
        kind: what the note tells: ``beside`` (another file of the same name), ``taken`` (the
            same file named from another folder), ``unclear`` (several such files) or ``twice``
            (issues another file of the same name holds too).
    """

    origin: str
    note: str | None = None
    kind: str | None = None


def choose_origin(
    origin: str,
    citations: set[Citation],
    stored: dict[str, set[Citation]],
    related: dict[str, set[Citation]],
) -> OriginChoice:
    """Return which stored file a file of ``origin`` holding briefs of ``citations`` is.

    Args:
        origin: the file's origin (``ingest.origin_of``).
        citations: the publication, volume and issue of each of its briefs.
        stored: the citations of the briefs stored under ``origin`` and its variants
            (``monitor.txt//2``), by stored origin.
        related: the same for the stored origins (and variants) one of whose file names is the
            tail of the other's (``issue142.txt`` and ``monitor/vol4/issue142.txt``).

    Returns:
        - the stored origin (or variant) sharing the most citations with the file, the file's
          own on equal terms: the file is that one (re-ingesting it replaces what it held);
        - when none of them shares a citation, a new variant (``monitor.txt//2``): another file
          of the same name, stored beside them;
        - when nothing is stored under ``origin``, the one related origin sharing a citation, if
          the file holds every issue that one holds: the same file named from another folder
          (alone, or from a folder above);
        - else ``origin``.
    """
    if stored:
        if not citations:  # a file with no briefs: what it held is replaced, as ever
            return OriginChoice(origin)
        shares = {name: len(citations & held) for name, held in stored.items()}
        best = max(shares.values())
        if best:
            chosen = min(
                (name for name, shared in shares.items() if shared == best), key=_variant_number
            )
            # Issues another stored file of that name holds too are stored twice: said, with
            # how to take the other's out ("a/monitor.txt" 142, "b/monitor.txt" 143, then
            # "c/monitor.txt" with both: 143 was quoted twice, in silence).
            twice = set().union(
                *(citations & held for name, held in stored.items() if name != chosen)
            )
            if twice:
                return OriginChoice(
                    chosen,
                    f"its issues {_citations_line(twice)} are also held by another stored file "
                    f"named {file_name(origin)}, so they are stored twice; to keep only this "
                    "file's, take the other out with briefbot remove --source and the path it "
                    "was ingested as",
                    "twice",
                )
            return OriginChoice(chosen)
        number = max(_variant_number(name) for name in stored) + 1
        held = set().union(*stored.values())
        files = (
            f"an earlier {origin} holds"
            if len(stored) == 1
            else f"{len(stored)} earlier files named {origin} hold"
        )
        return OriginChoice(
            f"{origin}{VARIANT}{number}",
            f"stored beside the briefs {files} ({_citations_line(held)}), which share none of "
            f"its issues: a different file of the same name, so they are kept{_remove_hint(held)}",
            "beside",
        )
    sharing = {name: held for name, held in related.items() if citations & held}
    if len(sharing) == 1:
        ((name, held),) = sharing.items()
        if not held <= citations:
            # Taking it would remove whole issues of a file it is only thought to be.
            return OriginChoice(
                origin,
                f"stored as a file of its own: it shares issues with {shown_origin(name)} "
                f"({_citations_line(citations & held)}) but lacks others of it "
                f"({_citations_line(held - citations)}); if it is that file, ingest it from "
                "its folder to replace it",
                "unclear",
            )
        return OriginChoice(
            name,
            f"taken as {shown_origin(name)}, stored before with its issues "
            f"({_citations_line(citations & held)}): its briefs replace what that file held",
            "taken",
        )
    if len(sharing) > 1:
        names = ", ".join(sorted(shown_origin(name) for name in sharing)[:3])
        return OriginChoice(
            origin,
            f"stored as a file of its own: its issues are also stored from {names}, and it is "
            "not clear which of them it is; ingest it from its folder to replace that one",
            "unclear",
        )
    return OriginChoice(origin)


def stored_citations(
    conn: sqlite3.Connection, origins: Sequence[str]
) -> dict[str, dict[str, set[Citation]]]:
    """Return, for each of ``origins`` stored, the citations of the briefs stored under it and
    its variants, by stored origin (a read; one query for all)."""
    found: dict[str, dict[str, set[Citation]]] = {}
    if not origins:
        return found
    # origin > 'O//' AND origin < 'O/0': the variants, through the index ('0' follows '/').
    rows = conn.execute(
        "SELECT j.value, b.origin, b.publication, b.volume, b.issue "
        "FROM json_each(?) j JOIN briefs b ON b.origin = j.value "
        "UNION ALL SELECT j.value, b.origin, b.publication, b.volume, b.issue "
        "FROM json_each(?) j JOIN briefs b ON b.origin > j.value || '//' "
        "AND b.origin < j.value || '/0'",
        [json.dumps(list(origins))] * 2,
    )
    for origin, name, publication, volume, issue in rows:
        found.setdefault(origin, {}).setdefault(name, set()).add((publication, volume, issue))
    return found


class RelatedOrigins:
    """The stored origins by the last part of their file's path, read once (for a run of
    files): which stored files a file of a new origin may be, named from another folder."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._by_name: dict[str, set[str]] | None = None

    def _names(self) -> dict[str, set[str]]:
        if self._by_name is None:
            self._by_name = {}
            for (origin,) in self.conn.execute(
                "SELECT DISTINCT origin FROM briefs WHERE origin IS NOT NULL"
            ):
                name = file_name(origin).rpartition("/")[2]
                self._by_name.setdefault(name, set()).add(origin)
        return self._by_name

    def of(self, origin: str) -> dict[str, set[Citation]]:
        """Return the citations of the briefs of each stored origin whose file's path ends with
        ``origin``'s, or with which ``origin``'s ends (a read)."""
        names = self._names().get(origin.rpartition("/")[2], set())
        related = [
            name
            for name in names
            if _tail_of(origin, file_name(name)) or _tail_of(file_name(name), origin)
        ]
        found: dict[str, set[Citation]] = {}
        for name in sorted(related):
            for publication, volume, issue in self.conn.execute(
                "SELECT publication, volume, issue FROM briefs WHERE origin = ?", [name]
            ):
                found.setdefault(name, set()).add((publication, volume, issue))
        return found
