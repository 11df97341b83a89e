"""The stored passages an index is built from, read in id order and turned into its columns.

Read by the indexer itself (a catch-up, or a build without worker processes) or, in a large build,
by each counting worker straight from the database: ``python -m retrieval.passage_rows DB`` runs
``retrieval.search.workers.serve_counts`` reading ranges of ids from ``DB`` (read-only, one
statement per range); the main process then only hands out ranges and gathers arrays, and no text
goes through a pipe.

Each passage carries its brief's filter fields as columns (``retrieval.answering.filters``
``COLUMNS``): the brief id, the publication (casefolded, numbered by the indexer), the volume and
issue (``NO_NUMBER`` unless a whole number from 0 to ``MAX_NUMBER``) and the date (UTF-8 bytes).
"""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.answering.filters import NO_NUMBER
from retrieval.corpus.briefs import MAX_NUMBER
from retrieval.search.bm25 import AnyArray, BoolArray, Int32Array, IntArray
from retrieval.search.workers import Reader, serve_counts

# The arrays of a ``RowBatch`` as a worker sends them (its ``publications`` go as JSON).
_ARRAYS = ("ids", "has_title", "brief", "publication", "volume", "issue", "date")

# ``title`` only on a brief's first passage (position 0), else NULL.
_SELECT = (
    "SELECT p.id, p.text, p.brief_id, b.publication, b.volume, b.issue, b.date, "
    "CASE WHEN p.position = 0 THEN b.title END "
    "FROM passages p JOIN briefs b ON b.id = p.brief_id "
)


def read_passages(
    db: sqlite3.Connection, after: int, *, upto: int | None = None, limit: int | None = None
) -> list[tuple[Any, ...]]:
    """Return the rows ``(id, text, brief_id, publication, volume, issue, date, title)`` of the
    passages with ids above ``after`` (and at most ``upto``), in id order, at most ``limit``, in
    one statement (one consistent reading of the database)."""
    sql = _SELECT + "WHERE p.id > ?"
    args: list[int] = [after]
    if upto is not None:
        sql += " AND p.id <= ?"
        args.append(upto)
    sql += " ORDER BY p.id"
    if limit is not None:
        sql += " LIMIT ?"
        args.append(limit)
    return db.execute(sql, args).fetchall()


def texts_of(rows: list[tuple[Any, ...]]) -> list[str]:
    """Return the texts to tokenize for ``rows``: each passage's text, and its brief's title
    right after it on a brief's first passage (the order ``SegmentBuilder.add`` meets them in)."""
    out: list[str] = []
    for row in rows:
        out.append(row[1])
        if row[7]:
            out.append(row[7])
    return out


@dataclass
class RowBatch:
    """The columns of a batch of stored rows, one array each (``Collector.add_counted``).

    Args:
        ids: the passages' ids, ascending.
        has_title: whether the passage carries its brief's title (a non-empty one).
        brief: the brief id of each passage.
        publications: the casefolded publications of the batch, each once, in order of first
            occurrence.
        publication: each passage's place in ``publications``.
        volume: each passage's volume as the index keeps it (``storables``).
        issue: each passage's issue, likewise.
        date: each passage's date as the index keeps it (``dates_bytes``).
    """

    ids: IntArray
    has_title: BoolArray
    brief: IntArray
    publications: list[str]
    publication: Int32Array
    volume: Int32Array
    issue: Int32Array
    date: AnyArray

    def __len__(self) -> int:
        return len(self.ids)

    def arrays(self) -> dict[str, AnyArray]:
        """Return the batch's arrays by name (all but ``publications``)."""
        return {name: getattr(self, name) for name in _ARRAYS}

    @classmethod
    def sent(cls, arrays: dict[str, AnyArray], publications: Any) -> RowBatch:
        """Return the batch a worker sent: its ``arrays()`` and its ``publications``."""
        got: dict[str, Any] = {name: arrays[name] for name in _ARRAYS}
        return cls(publications=list(publications or []), **got)


def row_batch(rows: list[tuple[Any, ...]]) -> RowBatch:
    """Return the columns of ``rows`` (as ``read_passages`` reads them)."""
    n = len(rows)
    if not n:
        empty = np.zeros(0, dtype=np.int32)
        return RowBatch(
            np.zeros(0, dtype=np.int64),
            np.zeros(0, dtype=bool),
            np.zeros(0, dtype=np.int64),
            [],
            empty,
            empty,
            empty,
            np.zeros(0, dtype=np.bytes_),
        )
    ids, _, briefs, publications, volumes, issues, dates, titles = zip(*rows, strict=True)
    if set(map(type, publications)) <= {str}:
        folded = list(map(str.casefold, publications))
    else:
        folded = list(map(folded_publication, publications))
    names = list(dict.fromkeys(folded))
    places = {name: n for n, name in enumerate(names)}
    return RowBatch(
        np.fromiter(ids, dtype=np.int64, count=n),
        np.fromiter(map(bool, titles), dtype=bool, count=n),
        np.asarray(briefs, dtype=np.int64),
        names,
        np.fromiter(map(places.__getitem__, folded), dtype=np.int32, count=n),
        np.asarray(storables(volumes), dtype=np.int32),
        np.asarray(storables(issues), dtype=np.int32),
        np.asarray(dates_bytes(dates), dtype=np.bytes_),
    )


def folded_publication(publication: Any) -> str:
    """Return a stored publication as the index keys it: casefolded text."""
    return str(publication).casefold()


def storables(numbers: tuple[Any, ...]) -> list[int]:
    """Return ``storable`` of each of ``numbers``, at C speed when all are whole numbers."""
    if set(map(type, numbers)) <= {int}:
        values = np.fromiter(numbers, dtype=np.int64, count=len(numbers))
        values[(values < 0) | (values > MAX_NUMBER)] = NO_NUMBER
        return values.tolist()
    return list(map(storable, numbers))


def dates_bytes(dates: tuple[Any, ...]) -> list[bytes]:
    """Return ``date_bytes`` of each of ``dates``, encoded together when all are ASCII text
    without line ends."""
    if set(map(type, dates)) <= {str}:
        joined = "\n".join(dates)
        if joined.isascii() and joined.count("\n") == len(dates) - 1:
            return joined.encode("ascii").split(b"\n")
    return list(map(date_bytes, dates))


def date_bytes(date: Any) -> bytes:
    """Return a stored date as the index keeps it (b"" if none)."""
    return date.encode("utf-8", "replace") if isinstance(date, str) else b""


def storable(number: Any) -> int:
    """Return a stored volume or issue as the index keeps it: NO_NUMBER unless a whole number
    from 0 to MAX_NUMBER (ingest never stores others; a hand edit could)."""
    if isinstance(number, int) and 0 <= number <= MAX_NUMBER:
        return number
    return NO_NUMBER


def worker_command(database: Path) -> list[str]:
    """Return the command line of a counting worker reading the passages of ``database``."""
    return [sys.executable, "-m", "retrieval.passage_rows", str(database)]


def reader(database: str | Path) -> Reader:
    """Return a worker's ``read`` (``serve_counts``): the columns of the passages of a range of
    ids of ``database`` (opened read-only), their publications and their texts."""
    db = sqlite3.connect(f"{Path(database).resolve().as_uri()}?mode=ro", uri=True)
    db.execute("PRAGMA busy_timeout = 10000")

    def read(after: int, upto: int | None) -> tuple[dict[str, AnyArray], Any, list[str]]:
        rows = read_passages(db, after, upto=upto)
        batch = row_batch(rows)
        return batch.arrays(), batch.publications, texts_of(rows)

    return read


if __name__ == "__main__":
    try:
        serve_counts(sys.stdin.buffer, sys.stdout.buffer, reader(sys.argv[1]))
    except KeyboardInterrupt:
        # Ctrl-C reaches the whole process group: the command that started this worker says
        # what it means; a traceback here only hid that.
        sys.exit(130)
