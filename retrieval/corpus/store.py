"""The archive's one store of truth: briefs and passages in SQLite, through sqlite-utils."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
import time
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, count
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from retrieval.corpus.briefs import (
    Brief,
    BriefRow,
    Passage,
    issue_number,
    label_key,
    set_content_hash,
)
from retrieval.corpus.clock import utcnow
from retrieval.corpus.identity import StoredBrief, align_positions
from retrieval.corpus.migrations import migrations
from retrieval.errors import (
    ArchiveWriteError,
    BriefFormatError,
    BriefNotFoundError,
    NotAnArchiveError,
)


@dataclass
class WriteSummary:
    """What one write did: counts of briefs added, updated, removed and unchanged, and their ids."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    brief_ids: list[int] = field(default_factory=list)
    removed_ids: list[int] = field(default_factory=list)
    removed_briefs: list[tuple[str, int | None, int | None, str]] = field(default_factory=list)
    """What a file ingested again removed: publication, volume, issue, title (or first words)."""
    waited: float = 0.0

    def merge(self, other: WriteSummary) -> None:
        """Add ``other``'s counts to this summary."""
        self.waited += other.waited
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.removed += other.removed
        self.brief_ids.extend(other.brief_ids)
        self.removed_ids.extend(other.removed_ids)
        self.removed_briefs.extend(other.removed_briefs)


SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 30_000
HISTORY_KEPT = 100_000
"""Changes kept in ``archive_changes``; a saved index older than that many writes is rebuilt."""
MAKE_WRITABLE = (
    "make it writable (chmod u+w on the file and its folder) or copy the archive to a writable "
    "place"
)
"""The fix for a database that cannot be written, after its reason (``check_writable``)."""
BATCH_CACHE_KIB = -65_536
"""SQLite's page cache during a bulk write (``Store.batch``), as ``PRAGMA cache_size`` takes it
(negative: KiB): 64 MiB at most, used as pages are read."""
BATCH_CHECKPOINT_PAGES = 10_000
"""Pages of write-ahead log after which a bulk write's commit copies them into the database
(``PRAGMA wal_autocheckpoint``; SQLite's default is 1,000)."""
BUSY_PAUSES_MS = (1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100)
"""The pauses between tries for a lock SQLite refuses without waiting (``enable_wal``): those
of SQLite's own busy handler (``sqliteDefaultBusyCallback``), the last repeated."""

logger = logging.getLogger(__name__)


# The columns a brief is written with (``Store._write_brief``), in the order of its values.
_BRIEF_COLUMNS = (
    "key, doc_id, publication, volume, issue, date, title, author, url, source, text, "
    "content_hash, origin, position, updated_at"
)
_INSERT_BRIEF = (
    f"INSERT INTO briefs ({_BRIEF_COLUMNS}, added_at) "
    f"VALUES ({', '.join('?' * (_BRIEF_COLUMNS.count(',') + 2))})"
)
_UPDATE_BRIEF = (
    f"UPDATE briefs SET {', '.join(c.strip() + ' = ?' for c in _BRIEF_COLUMNS.split(','))} "
    "WHERE id = ?"
)
_PASSAGE_ROW_KEYS = (
    "id", "brief_id", "position", "text", "char_start", "char_end", "brief_doc_id",
    "brief_publication", "brief_volume", "brief_issue", "brief_date", "brief_title",
    "brief_author", "brief_url", "brief_added_at",
)  # fmt: skip
_PASSAGES_BY_ID = (
    "SELECT p.id, p.brief_id, p.position, p.text, p.char_start, p.char_end, b.doc_id, "
    "b.publication, b.volume, b.issue, b.date, b.title, b.author, b.url, b.added_at "
    "FROM passages p JOIN briefs b ON b.id = p.brief_id WHERE p.id IN ({marks})"
)
"""A passage row with its brief's fields (``Store.passages_by_id``), and their names."""
_INSERT_PASSAGE = (
    "INSERT INTO passages (brief_id, position, text, char_start, char_end) VALUES (?, ?, ?, ?, ?)"
)
ROWS_A_STATEMENT = 50
"""Rows ``insert_new`` writes with one INSERT of that many VALUES: what SQLite does for each run of
a statement (AUTOINCREMENT's bookkeeping, starting and resetting it) and what ``sqlite3`` does
(binding, giving the GIL up and back) done once for 50 rows, not for each: a third of the
instructions a passage's INSERT took."""
# ``insert_new``'s: the texts may come as their UTF-8 (``BriefRow``), stored as text by the CAST
# (the same bytes, and ``str`` as it is), bound without being decoded and encoded again.
_NEW_BRIEF_VALUES = f"({', '.join(['?'] * 11 + ['CAST(? AS TEXT)'] + ['?'] * 5)})"
_INSERT_NEW_BRIEF = f"INSERT INTO briefs (id, {_BRIEF_COLUMNS}, added_at) VALUES "
_NEW_PASSAGE_VALUES = "(?, ?, CAST(? AS TEXT), ?, ?)"
_INSERT_NEW_PASSAGE = (
    "INSERT INTO passages (brief_id, position, text, char_start, char_end) VALUES "
)
_MAX_ROWID = 2**63 - 1


def brief_values(brief: Brief) -> tuple[Any, ...]:
    """Return ``brief``'s ``briefs`` values from ``key`` to ``position`` (``_BRIEF_COLUMNS``
    without ``updated_at``)."""
    return (
        brief.key,
        brief.doc_id,
        brief.publication,
        brief.volume,
        brief.issue,
        brief.date,
        brief.title,
        brief.author,
        brief.url,
        brief.source,
        brief.text,
        brief.content_hash,
        brief.origin,
        brief.position,
    )


def brief_row(brief: Brief) -> BriefRow:
    """Return ``brief`` as it is stored (its content hash worked out here; a parsing worker
    makes the same rows with ``briefs.brief_rows``)."""
    return brief_values(brief), [(p.position, p.text, p.start, p.end) for p in brief.passages]


def brief_of_row(row: BriefRow) -> Brief:
    """Return the ``Brief`` a ``brief_row`` (or ``briefs.brief_rows``) was made of, its content
    hash known."""
    v, passages = row
    brief = Brief(
        publication=v[2],
        volume=v[3],
        issue=v[4],
        text=_text(v[10]),
        title=v[6],
        date=v[5],
        author=v[7],
        url=v[8],
        doc_id=v[1],
        source=v[9],
        passages=[Passage(p[0], _text(p[1]), p[2], p[3]) for p in passages],
        origin=v[12],
        position=v[13],
    )
    set_content_hash(brief, v[11])
    return brief


@lru_cache(maxsize=8)
def _many_values(insert: str, values: str) -> str:
    """Return the INSERT ``insert`` of ``ROWS_A_STATEMENT`` rows of ``values``."""
    return insert + ", ".join([values] * ROWS_A_STATEMENT)


def _insert_rows(
    conn: sqlite3.Connection, insert: str, values: str, rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` in order (each row the values of the marks ``values``, after the INSERT
    ``insert``), ``ROWS_A_STATEMENT`` a statement: the same rows, ids and all, as one a
    statement."""
    full = len(rows) - len(rows) % ROWS_A_STATEMENT
    if full:
        conn.executemany(
            _many_values(insert, values),
            (
                list(chain.from_iterable(rows[at : at + ROWS_A_STATEMENT]))
                for at in range(0, full, ROWS_A_STATEMENT)
            ),
        )
    if full < len(rows):
        conn.executemany(insert + values, rows[full:])


def _text(value: str | bytes | bytearray) -> str:
    """Return a text of a ``BriefRow``: as it is, or decoded from its UTF-8."""
    return value if isinstance(value, str) else value.decode("utf-8")


class Store:
    """Briefs and passages in one SQLite database; migrations are applied on open.

    A database file is first looked at read-only: a file that is not a briefbot database (not
    SQLite, or another application's tables) is refused and never changed, not even its journal
    mode. A database that cannot be written (the file or its folder is read-only) is opened
    read-only: questions are answered, writes raise ``ArchiveWriteError``.

    Args:
        db_or_path: a sqlite-utils ``Database`` or the path of the database file (created, with
            its folder, if missing).

    Raises:
        NotAnArchiveError: naming what the file is, if it is not a briefbot database.
        ArchiveWriteError: if a new database cannot be created or an old one upgraded because
            the place is read-only.
    """

    def __init__(self, db_or_path: Database | str | Path):
        self._batch_depth = 0
        self._batch_open = False
        # In a batch: the time of the last write that changed the archive, not yet logged.
        self._batch_changed: str | None = None
        # Whether a brief without an origin may be stored (None: not known in this transaction).
        self._legacy: bool | None = None
        self.read_only: str | None = None
        """Why the database cannot be written (None: it can)."""
        self._file: tuple[int, int] | None = None
        """(device, inode) of the file opened, to notice it replaced (``replaced``)."""
        if isinstance(db_or_path, Database):
            self.db = db_or_path
            self.path: Path | None = None
            self._prepare(str(db_or_path))
            return
        name = str(db_or_path)
        if not name.strip():
            raise NotAnArchiveError(
                "no database file given (the path is empty); give one, e.g. --db data/briefbot.db"
            )
        self.path = Path(db_or_path)
        if name == ":memory:":
            self.db = _database(sqlite3.connect(":memory:", check_same_thread=False))
            self._prepare(name)
            return
        fresh = is_new_archive(self.path)
        self.read_only = unwritable(self.path, fresh)
        if self.read_only and fresh:
            raise ArchiveWriteError(
                f"cannot create the database {name}: {self.read_only}; "
                "give a path in a writable folder"
            )
        if not fresh and self.read_only:
            self.db = _database(connect_read_only(self.path))
            self._file = _file_of(self.path)
            try:
                pending = [m.name for m in migrations.pending(self.db)]
            except sqlite3.DatabaseError as exc:
                raise NotAnArchiveError(f"{name} cannot be read ({exc})") from exc
            if pending:
                raise self._needs_upgrade()
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ArchiveWriteError(
                f"cannot create the folder of {name} ({exc.strerror}); give another --db path"
            ) from exc
        try:
            conn = sqlite3.connect(name, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
            self.db = _database(conn)
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            enable_wal(conn, name)
            # In WAL mode NORMAL still never corrupts the database and a killed process loses
            # nothing committed; it skips the fsync on every commit (an ingest commits once per
            # file), which cost a quarter of ingest time. Only a power cut can undo the last
            # commits, and then the file is ingested again (issue 5).
            self.db.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as exc:
            raise write_error(name, exc) from exc
        self._file = _file_of(self.path)
        self._prepare(name)

    def replaced(self) -> str | None:
        """Return what became of the database file since it was opened, when ``path`` no longer
        names it ("was deleted", "was replaced by another file": a backup moved into its
        place); None while it does, and for a database given as a connection or in memory.

        This process still reads and writes the file it opened, which nothing else sees any
        more. One ``stat``; read-only.
        """
        if self._file is None or self.path is None:
            return None
        try:
            now = _file_of(self.path)
        except FileNotFoundError:
            return "was deleted"
        except OSError:
            return None  # cannot tell (a folder made unreadable): not a replacement
        return "was replaced by another file" if now != self._file else None

    def _prepare(self, name: str) -> None:
        """Turn on foreign keys and apply the archive's pending migrations."""
        self._apply(migrations, name)

    def upgrade(self, more: Migrations) -> None:
        """Apply the pending migrations of ``more``: the tables of a part built on the archive
        (the bot's own state), recorded beside the archive's migrations. Writes only when some
        are pending; a no-op on a database that has them all.

        Raises:
            ArchiveWriteError: if some are pending but the database is read-only.
        """
        name = str(self.path or ":memory:")
        if self.read_only:
            if more.pending(self.db):
                raise self._needs_upgrade()
            return
        self._apply(more, name)

    def check_writable(self, doing: str = "write to", fix: str = MAKE_WRITABLE) -> None:
        """Return when the database can be written; every write and every command that will
        write checks here first. Read-only: it writes nothing.

        Args:
            doing: what cannot be done, for the message: "cannot {doing} {path}: …".
            fix: what to do about it, after the reason.

        Raises:
            ArchiveWriteError: naming the database, why it cannot be written (``read_only``)
                and ``fix``.
        """
        if self.read_only:
            raise ArchiveWriteError(f"cannot {doing} {self.path}: {self.read_only}; {fix}")

    def _needs_upgrade(self) -> ArchiveWriteError:
        return ArchiveWriteError(
            f"{self.path} needs an upgrade by this briefbot but {self.read_only}; make it "
            "writable once (chmod u+w on the file and its folder) and run briefbot again"
        )

    def _apply(self, pending_in: Migrations, name: str) -> None:
        """Turn on foreign keys and apply ``pending_in``'s pending migrations, one process at a
        time."""
        try:
            self.db.execute("PRAGMA foreign_keys = ON")
            if not pending_in.pending(self.db):
                return
            # Two processes opening a new database at once: the second waits here, then finds
            # nothing pending, instead of failing on "table briefs already exists" (issue 17).
            self._begin_write()
            try:
                pending_in.apply(self.db)
                self.db.conn.commit()
            except BaseException:
                self.db.conn.rollback()
                raise
        except ArchiveWriteError:
            raise
        except sqlite3.OperationalError as exc:
            raise write_error(name, exc) from exc
        except sqlite3.DatabaseError as exc:
            raise NotAnArchiveError(
                f"{name} is not a briefbot database ({exc}); "
                "point --db at another file or move this one away"
            ) from exc

    def _begin_write(self) -> float:
        """Start a write transaction (``BEGIN IMMEDIATE``); return the seconds spent waiting
        for another writer (0.0 if none).

        Raises:
            ArchiveWriteError: if the database is read-only or stays locked too long.
        """
        self.check_writable()
        conn = self.db.conn
        self._legacy = None
        try:
            conn.execute("PRAGMA busy_timeout = 0")
            try:
                conn.execute("BEGIN IMMEDIATE")
                return 0.0
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
            finally:
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            started = time.monotonic()
            conn.execute("BEGIN IMMEDIATE")
            return time.monotonic() - started
        except sqlite3.OperationalError as exc:
            raise write_error(str(self.path or "the database"), exc) from exc

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    # -- batches of files (a bulk ingest) -------------------------------------------------

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Within it, each ``add_briefs`` is a savepoint of one write transaction, committed by
        ``commit_batch`` (and at the end), instead of a transaction of its own.

        A bulk ingest of many small files then commits a few times a second rather than once
        per file. Every ``add_briefs`` still stands or falls whole: one that fails is rolled back
        to its savepoint, and a crash loses the uncommitted files whole (nothing half-written;
        ingesting them again completes the archive). Leaving the block commits what is pending,
        or, on an exception, rolls it back. The generation is bumped (and logged) once per
        commit that changed anything, not once per file.

        Raises:
            ArchiveWriteError: if the final commit fails (nothing pending is stored).
        """
        self._batch_depth += 1
        if self._batch_depth == 1:
            # A bulk run touches index pages all over: a larger page cache while it lasts, and
            # the log copied into the database file every 40 MB rather than every 4 MB (pages
            # written again and again between checkpoints are copied once).
            cache = self.db.execute("PRAGMA cache_size").fetchone()[0]
            checkpoint = self.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
            self.db.execute(f"PRAGMA cache_size = {BATCH_CACHE_KIB}")
            self.db.execute(f"PRAGMA wal_autocheckpoint = {BATCH_CHECKPOINT_PAGES}")
        try:
            yield
        except BaseException:
            if self._batch_depth == 1:
                self._abandon_batch()
            raise
        else:
            if self._batch_depth == 1:
                self.commit_batch()
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0:
                self.db.execute(f"PRAGMA cache_size = {int(cache)}")
                self.db.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint)}")

    def commit_batch(self) -> None:
        """Commit the writes pending in the current batch (none: a no-op).

        Raises:
            ArchiveWriteError: naming the cause and the fix; the pending writes are rolled back.
        """
        if not self._batch_open:
            return
        try:
            if self._batch_changed is not None:
                # One generation per commit: readers see a batch's files only together.
                self._log_change(self._batch_changed)
            self.db.conn.commit()
        except sqlite3.OperationalError as exc:
            self._abandon_batch()
            raise write_error(str(self.path or "the database"), exc) from exc
        self._batch_open = False
        self._batch_changed = None

    def open_batch(self) -> float:
        """Start the current batch's write transaction if it is not open yet; return the
        seconds spent waiting for another writer (0.0 if none, or if it was open).

        Raises:
            ArchiveWriteError: if the database is read-only or stays locked too long.
        """
        if self._batch_depth == 0:
            raise RuntimeError("open_batch() is only for use inside Store.batch()")
        if self._batch_open:
            return 0.0
        waited = self._begin_write()
        self._batch_open = True
        return waited

    def new_files(self, files: Sequence[tuple[str | None, Sequence[BriefRow]]]) -> list[bool]:
        """Return, for each ``(origin, rows)`` of ``files`` in order, whether
        ``add_briefs(rows' briefs, replace_origin=origin, align=True)`` would only add them, in
        order: none of their keys nor their origin is stored or comes in an earlier file of
        ``files``, and the archive holds no brief without an origin (whose old key could match,
        or which the file would replace). Such files can be written by ``insert_new``.

        Reads inside the batch's write transaction (``open_batch``), so the answer holds until
        ``files`` are written.
        """
        if not self._batch_open:
            raise RuntimeError("new_files() reads inside the batch's write transaction")
        if self._any_legacy():
            return [False] * len(files)
        keys = [v[0] for _, rows in files for v, _ in rows]
        origins = [origin for origin, _ in files if origin is not None]
        conn = self.db.conn
        try:
            stored_keys = {
                r[0]
                for r in conn.execute(
                    "SELECT key FROM briefs WHERE key IN (SELECT value FROM json_each(?))",
                    [json.dumps(keys)],
                )
            }
            stored_origins = {
                r[0]
                for r in conn.execute(
                    "SELECT DISTINCT origin FROM briefs WHERE origin IN "
                    "(SELECT value FROM json_each(?))",
                    [json.dumps(origins)],
                )
            }
        except sqlite3.OperationalError as exc:
            self._abandon_batch()
            raise write_error(str(self.path or "the database"), exc) from exc
        seen_keys, seen_origins = stored_keys, stored_origins  # and those of earlier files
        new: list[bool] = []
        for origin, rows in files:
            file_keys = [v[0] for v, _ in rows]
            new.append(
                origin is not None
                and bool(rows)
                and origin not in seen_origins
                and all(v[12] == origin for v, _ in rows)
                and seen_keys.isdisjoint(file_keys)
                and len(set(file_keys)) == len(file_keys)
            )
            seen_origins.add(origin)
            seen_keys.update(file_keys)
        return new

    def insert_new(
        self, files: Sequence[Sequence[BriefRow]], *, now: str | None = None
    ) -> WriteSummary:
        """Add the briefs of ``files`` (each one ``new_files`` said is new) as ``add_briefs``
        of each file would, in order, with the same ids, in one savepoint of the batch's
        transaction; return what was added.

        Each brief gets the id SQLite's AUTOINCREMENT would give it (one more than the highest
        ever given), so the rows are those ``add_briefs`` writes; two ``executemany`` calls
        instead of a dozen statements a file.

        Raises:
            BriefFormatError: if a value is one SQLite cannot store (nothing of ``files`` is
                written: write them one by one with ``add_briefs`` to find the file).
            ArchiveWriteError: naming the cause and the fix (disk full); the batch's pending
                writes are rolled back.
        """
        if not self._batch_open:
            raise RuntimeError("insert_new() writes inside the batch's write transaction")
        now = now or utcnow()
        conn = self.db.conn
        conn.execute("SAVEPOINT new_files")
        try:
            row = conn.execute(
                "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'briefs'), "
                "0), coalesce((SELECT max(id) FROM briefs), 0))"
            ).fetchone()
            first = brief_id = int(row[0]) + 1
            briefs: list[tuple[Any, ...]] = []
            passages: list[tuple[Any, ...]] = []
            for rows in files:
                for values, texts in rows:
                    briefs.append((brief_id, *values, now, now))
                    passages.extend([(brief_id, *p) for p in texts])
                    brief_id += 1
            if brief_id - 1 > _MAX_ROWID:
                # Past the last id SQLite can give: written one by one, each file meets
                # SQLite's own error, as before.
                raise OverflowError(f"brief id {brief_id - 1} is past the largest rowid")
            _insert_rows(conn, _INSERT_NEW_BRIEF, _NEW_BRIEF_VALUES, briefs)
            _insert_rows(conn, _INSERT_NEW_PASSAGE, _NEW_PASSAGE_VALUES, passages)
            conn.execute("RELEASE new_files")
        except BaseException as exc:
            if isinstance(exc, UnicodeEncodeError | OverflowError):
                conn.execute("ROLLBACK TO new_files")
                conn.execute("RELEASE new_files")
                raise BriefFormatError(
                    f"holds a value SQLite cannot store ({exc}); nothing of it was stored"
                ) from exc
            self._abandon_batch()
            if isinstance(exc, sqlite3.OperationalError):
                raise write_error(str(self.path or "the database"), exc) from exc
            raise
        summary = WriteSummary(added=len(briefs), brief_ids=list(range(first, brief_id)))
        if briefs:
            self._batch_changed = now  # logged as the batch commits
        return summary

    def _abandon_batch(self) -> None:
        """Roll back the writes pending in the current batch."""
        self._batch_changed = None
        if self._batch_open:
            self._batch_open = False
            self.db.conn.rollback()

    # -- writing -------------------------------------------------------------------------

    def add_briefs(
        self,
        briefs: Iterable[Brief],
        *,
        now: str | None = None,
        replace_origin: str | None = None,
        legacy_source: str | None = None,
        keep_ids: Iterable[int] = (),
        align: bool = False,
    ) -> WriteSummary:
        """Store ``briefs`` in one transaction (inside ``batch``: a savepoint of the batch's
        transaction); return what changed.

        With ``align`` (a whole file's briefs, with ``replace_origin``), each brief first takes the
        position of the stored brief of that file it is (``identity.align_positions``), so that a
        brief inserted above others does not take their identities.

        An unchanged brief (same key and content hash) is left alone; a changed one keeps its id and
        ``added_at`` and has its passages replaced. A brief stored before briefs had an origin
        (migration m005) is found by its old key and takes on the new one. With
        ``replace_origin``, the write stands for everything that file holds: its briefs not among
        ``briefs`` (nor ``keep_ids``) are removed, and so are briefs stored from ``legacy_source``
        before m005. Either all of it is written or none is. A write that changed anything bumps
        the generation and logs it in ``archive_changes`` in the same transaction (inside
        ``batch``: as the batch commits). Writers take
        turns: one that had to wait says so (``waited``).

        Raises:
            ArchiveWriteError: naming the cause and the fix (read-only, disk full, locked).
            BriefFormatError: if a brief holds what SQLite cannot store (nothing is written).
        """
        summary = WriteSummary()
        now = now or utcnow()
        conn = self.db.conn
        batched = self._batch_depth > 0
        if batched:
            if not self._batch_open:
                summary.waited = self._begin_write()
                self._batch_open = True
            conn.execute("SAVEPOINT brief_file")
        else:
            summary.waited = self._begin_write()
        try:
            if align and replace_origin is not None:
                briefs = list(briefs)
                align_positions(briefs, self._stored_of(replace_origin))
            for brief in briefs:
                self._write_brief(brief, now, summary)
            if replace_origin is not None:
                keep = set(summary.brief_ids) | set(keep_ids)
                rows = conn.execute(
                    "SELECT id FROM briefs WHERE origin = ? "
                    "UNION SELECT id FROM briefs WHERE origin IS NULL AND source = ?",
                    [replace_origin, legacy_source],
                ).fetchall()
                gone = [r[0] for r in rows if r[0] not in keep]
                summary.removed_briefs.extend(self._labels(gone))
                self._delete(gone)
                summary.removed += len(gone)
                summary.removed_ids.extend(gone)
            changed = bool(summary.added or summary.updated or summary.removed)
            if changed and not batched:
                self._log_change(now)
            if batched:
                conn.execute("RELEASE brief_file")
                if changed:
                    self._batch_changed = now  # logged as the batch commits
            else:
                conn.commit()
        except BaseException as exc:
            if batched and isinstance(exc, UnicodeEncodeError | OverflowError):
                # Only this file's writes are undone; the batch's other files stay pending.
                conn.execute("ROLLBACK TO brief_file")
                conn.execute("RELEASE brief_file")
            elif batched:
                self._abandon_batch()
            else:
                conn.rollback()
            if isinstance(exc, UnicodeEncodeError | OverflowError):
                raise BriefFormatError(
                    f"holds a value SQLite cannot store ({exc}); nothing of it was stored"
                ) from exc
            if isinstance(exc, sqlite3.OperationalError):
                raise write_error(str(self.path or "the database"), exc) from exc
            raise
        return summary

    def _log_change(self, now: str) -> None:
        """Bump the generation and log it in ``archive_changes`` (inside a write transaction)."""
        conn = self.db.conn
        conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
        conn.execute(
            "INSERT INTO archive_changes (generation, token, kind, changed_at) "
            "SELECT CAST(value AS INTEGER), lower(hex(randomblob(8))), 'write', ? "
            "FROM meta WHERE key = 'generation'",
            [now],
        )
        # Keep the history bounded: an index saved longer ago than this is rebuilt.
        conn.execute(
            "DELETE FROM archive_changes WHERE generation <= "
            "(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation') - ?",
            [HISTORY_KEPT],
        )

    def _labels(self, brief_ids: list[int]) -> list[tuple[str, int | None, int | None, str]]:
        """Return the publication, volume, issue and title (or first eight words) of briefs."""
        labels = []
        for start in range(0, len(brief_ids), 500):
            chunk = brief_ids[start : start + 500]
            for publication, volume, issue, title, text in self.db.conn.execute(
                "SELECT publication, volume, issue, title, substr(text, 1, 200) FROM briefs "
                f"WHERE id IN ({','.join('?' for _ in chunk)}) ORDER BY id",
                chunk,
            ):
                words = str(text or "").split()
                label = title or " ".join(words[:8]) + (" …" if len(words) > 8 else "")
                labels.append((publication, volume, issue, label))
        return labels

    def _delete(self, brief_ids: list[int]) -> None:
        """Delete briefs and (by ON DELETE CASCADE, logged for the index) their passages."""
        for start in range(0, len(brief_ids), 500):
            chunk = brief_ids[start : start + 500]
            marks = ",".join("?" for _ in chunk)
            self.db.conn.execute(f"DELETE FROM briefs WHERE id IN ({marks})", chunk)

    def _stored_of(self, origin: str) -> list[StoredBrief]:
        """Return what ``align_positions`` needs of the briefs stored from file ``origin``."""
        rows = self.db.conn.execute(
            # The label needs at most the first eight words of an untitled brief.
            "SELECT position, content_hash, publication, volume, issue, title, "
            "substr(text, 1, 2000) FROM briefs WHERE origin = ? AND position IS NOT NULL",
            [origin],
        )
        return [
            StoredBrief(position, content_hash, label_key(pub, volume, issue, title, text))
            for position, content_hash, pub, volume, issue, title, text in rows
        ]

    def _find(self, brief: Brief) -> tuple[int, str, str, str | None, int | None] | None:
        """Return ``(id, content_hash, key, origin, position)`` of the stored version of
        ``brief``: by its key, else (stored before m005) by its old key."""
        conn = self.db.conn
        cols = "SELECT id, content_hash, key, origin, position FROM briefs"
        row = conn.execute(f"{cols} WHERE key = ?", [brief.key]).fetchone()
        if row is None and brief.origin is not None and not brief.doc_id and self._any_legacy():
            row = conn.execute(
                f"{cols} WHERE key = ? AND origin IS NULL", [brief.legacy_key]
            ).fetchone()
        return None if row is None else (row[0], row[1], row[2], row[3], row[4])

    def _any_legacy(self) -> bool:
        """Return whether the archive may hold a brief without an origin (known once per write
        transaction: no other writer can add one while it lasts)."""
        if self._legacy is None:
            row = self.db.conn.execute(
                "SELECT EXISTS (SELECT 1 FROM briefs WHERE origin IS NULL)"
            ).fetchone()
            self._legacy = bool(row[0])
        return self._legacy

    def _write_brief(self, brief: Brief, now: str, summary: WriteSummary) -> None:
        """Store one brief (added, updated or left alone) and count it in ``summary``."""
        conn = self.db.conn
        if brief.origin is None:
            self._legacy = True
        row = self._find(brief)
        content_hash = brief.content_hash
        if row is not None and row[1] == content_hash:
            if (row[2], row[3], row[4]) != (brief.key, brief.origin, brief.position):
                # The same brief under a new identity (an old key, or a doc_id that moved file).
                conn.execute(
                    "UPDATE briefs SET key = ?, origin = ?, position = ?, source = ? WHERE id = ?",
                    [brief.key, brief.origin, brief.position, brief.source, row[0]],
                )
            summary.unchanged += 1
            summary.brief_ids.append(row[0])
            return
        values = (*brief_values(brief), now)
        if row is None:
            brief_id = int(conn.execute(_INSERT_BRIEF, (*values, now)).lastrowid or 0)
            summary.added += 1
        else:
            brief_id = row[0]
            # Passages first: the briefs_log_edit trigger logs an update of a brief that still
            # has passages as an edit by another tool (migration m003).
            conn.execute("DELETE FROM passages WHERE brief_id = ?", [brief_id])
            conn.execute(_UPDATE_BRIEF, (*values, brief_id))
            summary.updated += 1
        summary.brief_ids.append(brief_id)
        conn.executemany(
            _INSERT_PASSAGE,
            [(brief_id, p.position, p.text, p.start, p.end) for p in brief.passages],
        )

    def remove_briefs(self, brief_ids: Iterable[int], *, now: str | None = None) -> int:
        """Remove briefs (and their passages) in one transaction; return how many were removed.

        The deletions are logged for the index (``passage_deletions``) and bump the generation,
        so a running bot stops quoting them at its next question. The question and feedback logs
        keep their rows: they are history.

        Raises:
            ArchiveWriteError: naming the cause and the fix (read-only, disk full, locked).
        """
        ids = sorted(set(brief_ids))
        now = now or utcnow()
        conn = self.db.conn
        self._begin_write()
        try:
            marks = ",".join("?" for _ in ids) or "NULL"
            present = [
                r[0] for r in conn.execute(f"SELECT id FROM briefs WHERE id IN ({marks})", ids)
            ]
            self._delete(present)
            if present:
                self._log_change(now)
            conn.commit()
        except BaseException as exc:
            conn.rollback()
            if isinstance(exc, sqlite3.OperationalError):
                raise write_error(str(self.path or "the database"), exc) from exc
            raise
        return len(present)

    def briefs_by_doc_id(self, doc_id: str) -> list[dict[str, Any]]:
        """Return the briefs with this ``doc_id`` (at most one)."""
        return list(self.db.query("SELECT * FROM briefs WHERE doc_id = ? ORDER BY id", [doc_id]))

    def briefs_from_source(self, path: str) -> list[dict[str, Any]]:
        """Return the briefs a file brought in, in file order.

        ``path`` is matched against the name the file was stored under (its path relative to the
        folder named to ingest it, see ``origin``) and against the path it was ingested as; a path
        to an existing file also matches briefs ingested from that file under another path.
        """
        found = {
            row["id"]: row
            for row in self.db.query(
                # ``origin > 'P//' AND origin < 'P/0'``: the files stored beside under that name
                # (``identity.VARIANT``).
                "SELECT * FROM briefs WHERE origin = ? OR source = ? "
                "OR (origin > ? || '//' AND origin < ? || '/0')",
                [path, path, path, path],
            )
        }
        target = Path(path)
        if target.is_file():
            resolved = target.resolve()
            sources = [r[0] for r in self.db.execute("SELECT DISTINCT source FROM briefs")]
            for source in sources:
                if source and source != path and _same_file(Path(source), resolved):
                    for row in self.db.query("SELECT * FROM briefs WHERE source = ?", [source]):
                        found[row["id"]] = row
        return sorted(found.values(), key=lambda r: (r["position"] is None, r["position"], r["id"]))

    def briefs_to_remove(
        self,
        *,
        doc_id: str | None = None,
        issue: tuple[str, int, int] | None = None,
        source: str | None = None,
    ) -> list[dict[str, Any]]:
        """Return the briefs one removal would take: by ``doc_id``, by ``issue`` (publication,
        volume, issue: all its briefs) or by ``source`` (everything a file brought in).

        Raises:
            NumberRangeError: if the issue's volume or number is not from 0 to ``MAX_NUMBER``.
            BriefNotFoundError: saying what was not found, if nothing matches.
        """
        if doc_id is not None:
            rows = self.briefs_by_doc_id(doc_id)
            if not rows:
                raise BriefNotFoundError(f"no brief with doc_id {doc_id!r} in the archive")
            return rows
        if issue is not None:
            return self.find_briefs(*issue)
        if source is not None:
            rows = self.briefs_from_source(source)
            if not rows:
                raise BriefNotFoundError(
                    f"no brief in the archive came from {source!r} (give the path it was "
                    "ingested as, or its path inside the folder that was ingested)"
                )
            return rows
        raise BriefNotFoundError("nothing to remove was named")

    # -- reading -------------------------------------------------------------------------

    def generation(self) -> int:
        """Return a counter that grows with every write that changed the archive."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    def restore_mark(self) -> str | None:
        """Return the mark ``briefbot restore`` left when it last restored a backup into this
        database (when, and a random token), or None if it never did. Read-only."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'restored'").fetchone()
        return str(row[0]) if row else None

    def mark_restored(self, mark: str) -> None:
        """Record ``mark`` as this database's last restore and move the generation on, in one
        transaction: an index of the history the restore replaces (a running bot's, or one saved
        beside the database) no longer matches the database and is rebuilt from it.

        Raises:
            ArchiveWriteError: if the database cannot be written.
        """
        self._begin_write()
        try:
            self._log_change(utcnow())
            self.db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('restored', ?)", [mark]
            )
            self.db.conn.commit()
        except BaseException:
            self.db.conn.rollback()
            raise

    def passage_count(self) -> int:
        """Return how many passages the archive holds."""
        return int(self.db.execute("SELECT count(*) FROM passages").fetchone()[0])

    def iter_passages(self, *, after_id: int = 0, batch: int = 5000) -> Iterator[tuple[int, str]]:
        """Yield ``(passage_id, text)`` in id order, for passages with an id above ``after_id``."""
        last = after_id
        while True:
            rows = self.db.execute(
                "SELECT id, text FROM passages WHERE id > ? ORDER BY id LIMIT ?", [last, batch]
            ).fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1][0]

    def passage_ids(self) -> list[int]:
        """Return every passage id, ascending."""
        return [r[0] for r in self.db.execute("SELECT id FROM passages ORDER BY id")]

    def change_marker(self) -> tuple[int, int, int]:
        """Return ``(generation, last passage id given, last deletion logged)``.

        Any write that adds or removes a passage changes it; cheap enough to check per question.
        """
        row = self.db.execute(
            "SELECT (SELECT value FROM meta WHERE key = 'generation'), "
            "(SELECT seq FROM sqlite_sequence WHERE name = 'passages'), "
            "(SELECT max(seq) FROM passage_deletions)"
        ).fetchone()
        return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)

    def index_state(self) -> dict[str, Any]:
        """Return what a saved index is checked against: one consistent read of the database.

        Keys: ``archive_id``, ``generation``, ``change_token`` (the random token logged with
        that generation), ``last_passage_id`` (the highest id ever given), ``last_deletion`` (the
        newest ``passage_deletions`` seq) and ``passages`` (how many).
        """
        row = self.db.execute(
            "SELECT (SELECT value FROM meta WHERE key = 'archive_id'), "
            "(SELECT value FROM meta WHERE key = 'generation'), "
            "(SELECT seq FROM sqlite_sequence WHERE name = 'passages'), "
            "(SELECT max(seq) FROM passage_deletions), (SELECT count(*) FROM passages), "
            "(SELECT token FROM archive_changes WHERE generation = "
            "(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'))"
        ).fetchone()
        return {
            "archive_id": str(row[0] or ""),
            "generation": int(row[1] or 0),
            "change_token": str(row[5] or ""),
            "last_passage_id": int(row[2] or 0),
            "last_deletion": int(row[3] or 0),
            "passages": int(row[4] or 0),
        }

    def history_problem(self, generation: int, token: str) -> str | None:
        """Return why an index of ``(generation, token)`` cannot be caught up, or None.

        It can when this database logged that generation with that token and nothing since was
        changed by another tool. Read-only.
        """
        row = self.db.execute(
            "SELECT token FROM archive_changes WHERE generation = ?", [generation]
        ).fetchone()
        if row is None or row[0] != token:
            return (
                f"was saved for change {generation} of a history this database does not have "
                "(was it restored from a backup or replaced?)"
            )
        edited = self.db.execute(
            "SELECT generation FROM archive_changes WHERE generation > ? AND kind = 'edit' LIMIT 1",
            [generation],
        ).fetchone()
        if edited is not None:
            return f"is older than change {edited[0]}, an edit of the database by another tool"
        return None

    def deleted_passages(self, after_seq: int, upto_seq: int) -> list[int]:
        """Return the ids of passages deleted with a log seq in ``(after_seq, upto_seq]``."""
        return [
            r[0]
            for r in self.db.execute(
                "SELECT passage_id FROM passage_deletions WHERE seq > ? AND seq <= ? ORDER BY seq",
                [after_seq, upto_seq],
            )
        ]

    def passages_by_id(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        """Return passage rows with their brief's fields (prefixed ``brief_``), keyed by id."""
        if not ids:
            return {}
        # The connection itself, not sqlite-utils' ``query``: it costs ~0.02 ms a statement
        # more (it reads the statement's first keyword), and an answer reads rows once or twice.
        cursor = self.db.conn.execute(_PASSAGES_BY_ID.format(marks=",".join("?" * len(ids))), ids)
        return {row[0]: dict(zip(_PASSAGE_ROW_KEYS, row, strict=True)) for row in cursor}

    def any_passage(self, passage_ids: Sequence[int]) -> bool:
        """Return whether any of ``passage_ids`` is still in the archive."""
        if not passage_ids:
            return False
        marks = ",".join("?" * len(passage_ids))
        row = self.db.execute(
            f"SELECT EXISTS (SELECT 1 FROM passages WHERE id IN ({marks}))", list(passage_ids)
        ).fetchone()
        return bool(row[0])

    def passages_of_brief(self, brief_id: int) -> list[dict[str, Any]]:
        """Return the passages of one brief in order."""
        return list(
            self.db.query("SELECT * FROM passages WHERE brief_id = ? ORDER BY position", [brief_id])
        )

    def get_brief(self, brief_id: int) -> dict[str, Any]:
        """Return one brief row by id.

        Raises:
            BriefNotFoundError: if there is no brief with that id.
        """
        rows = list(self.db.query("SELECT * FROM briefs WHERE id = ?", [brief_id]))
        if not rows:
            raise BriefNotFoundError(f"no brief with id {brief_id}; it may have been replaced")
        return rows[0]

    def find_briefs(self, publication: str, volume: int, issue: int) -> list[dict[str, Any]]:
        """Return the briefs of one issue (an issue may hold several), in the order stored.

        Raises:
            NumberRangeError: if the volume or issue is not from 0 to ``MAX_NUMBER``.
            BriefNotFoundError: naming what the archive does hold for that publication.
        """
        volume, issue = issue_number(volume, "volume"), issue_number(issue, "issue")
        rows = list(
            self.db.query(
                "SELECT * FROM briefs WHERE publication = ? COLLATE NOCASE AND volume = ? "
                "AND issue = ? ORDER BY id",
                [publication, volume, issue],
            )
        )
        if rows:
            return rows
        known = [r[0] for r in self.db.execute("SELECT DISTINCT publication FROM briefs")]
        match = next((k for k in known if k.casefold() == publication.casefold()), None)
        if match is None:
            have = ", ".join(sorted(known)) or "nothing yet"
            raise BriefNotFoundError(
                f"no publication {publication!r} in the archive (it holds: {have})"
            )
        raise BriefNotFoundError(
            f"no brief for {match}, Vol. {volume}, Issue {issue}; "
            f"see which issues there are with 'briefbot stats'"
        )

    def stats(self) -> dict[str, Any]:
        """Return counts per publication, the volumes and issues covered, and the totals."""
        pubs = []
        for row in self.db.query(
            "SELECT b.publication, count(DISTINCT b.id) AS briefs, count(p.id) AS passages, "
            "min(b.volume) AS first_volume, max(b.volume) AS last_volume, "
            "count(DISTINCT b.volume || '/' || b.issue) AS issues, "
            "min(b.date) AS first_date, max(b.date) AS last_date "
            "FROM briefs b LEFT JOIN passages p ON p.brief_id = b.id "
            "GROUP BY b.publication ORDER BY b.publication"
        ):
            vols = {}
            for v in self.db.query(
                "SELECT volume, group_concat(DISTINCT issue) AS issues FROM briefs "
                "WHERE publication = ? GROUP BY volume ORDER BY volume",
                [row["publication"]],
            ):
                # Only numbers: a value written by another tool must not break stats.
                parts = (v["issues"] or "").split(",")
                issues = sorted(int(i) for i in parts if i.isascii() and i.isdigit())
                vols[str(v["volume"])] = issues
            row["volumes"] = vols
            pubs.append(row)
        totals = self.db.execute(
            "SELECT (SELECT count(*) FROM briefs), (SELECT count(*) FROM passages), "
            "(SELECT count(*) - count(DISTINCT content_hash) FROM briefs)"
        ).fetchone()
        # ``copies``: briefs whose text another brief holds too (the same issue ingested from
        # two files: a brief is known by its file and place); answers quote each text once.
        return {
            "briefs": totals[0],
            "passages": totals[1],
            "copies": totals[2],
            "publications": pubs,
        }


# -- opening a database file safely (issue 17) --------------------------------------------------


def is_new_archive(path: Path) -> bool:
    """Return whether ``path`` is a new database (missing or empty); check it is ours otherwise.

    This is a read-only operation: a file that is not a briefbot database is never changed.

    Raises:
        NotAnArchiveError: saying what the file is, if it is not a briefbot database.
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        return True
    except OSError as exc:
        raise NotAnArchiveError(f"{path} cannot be read ({exc.strerror})") from exc
    if stat.S_ISDIR(st.st_mode):
        raise NotAnArchiveError(
            f"{path} is a folder, not a database file; give a file, e.g. --db {path}/briefbot.db"
        )
    if not stat.S_ISREG(st.st_mode):
        raise NotAnArchiveError(
            f"{path} is not a regular file (a pipe, socket or device); give a database file"
        )
    if st.st_size == 0:
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise NotAnArchiveError(f"{path} cannot be read ({exc.strerror})") from exc
    if head != SQLITE_HEADER:
        raise NotAnArchiveError(
            f"{path} is not a briefbot database: it is not an SQLite database at all "
            f"({describe_file(path)}); briefbot left it unchanged. Point --db at another file"
        )
    try:
        conn = connect_read_only(path)
        try:
            tables = tables_of(conn)
            ours = (
                "_sqlite_migrations" in tables
                and conn.execute(
                    "SELECT 1 FROM _sqlite_migrations WHERE migration_set = 'briefbot' LIMIT 1"
                ).fetchone()
            )
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise NotAnArchiveError(
            f"{path} is an SQLite file that cannot be read ({exc}); briefbot left it unchanged. "
            "Restore it from a backup or point --db at another file"
        ) from exc
    if ours:
        return False
    if not tables:
        return True
    shown = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
    raise NotAnArchiveError(
        f"{path} is not a briefbot database: it is another application's SQLite database "
        f"(tables {shown}); briefbot left it unchanged. Point --db at another file"
    )


def tables_of(conn: sqlite3.Connection) -> list[str]:
    """Return the names of the tables of ``conn``'s database, SQLite's own left out, sorted."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]


def _same_file(path: Path, resolved: Path) -> bool:
    """Return whether ``path`` (as stored, maybe relative to another directory) is ``resolved``."""
    try:
        return path.is_absolute() and path.resolve() == resolved
    except OSError:
        return False


def describe_file(path: Path) -> str:
    """Return a few words on what a non-SQLite file holds, from its first bytes.

    Raises:
        OSError: if the file cannot be read.
    """
    with open(path, "rb") as fh:
        head = fh.read(512)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "binary data"
    return "text" if b"\x00" not in head else "binary data"


def unwritable(path: Path, fresh: bool) -> str | None:
    """Return why the database at ``path`` cannot be written, or None if it can. Read-only.

    Args:
        path: the database file.
        fresh: it is a new database (``is_new_archive``): only its folder is looked at.
    """
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not os.access(folder, os.W_OK):
        return f"its folder {folder} is read-only"
    if not fresh and path.exists() and not os.access(path, os.W_OK):
        return "the file is read-only"
    return None


def _database(conn: sqlite3.Connection) -> Database:
    """Return sqlite-utils' ``Database`` over ``conn``, without sqlite-utils plugins: a plugin
    installed beside briefbot never changes the archive's connections, and a process does not
    scan every installed package's entry points for them (~30 ms at each start)."""
    return Database(conn, execute_plugins=False)


def _file_of(path: Path) -> tuple[int, int]:
    """Return the (device, inode) of the file at ``path``.

    Raises:
        OSError: if it cannot be found (``FileNotFoundError``: there is none).
    """
    st = os.stat(path)
    return st.st_dev, st.st_ino


def connect_read_only(path: Path) -> sqlite3.Connection:
    """Return a read-only connection to ``path``; it never writes the database file.

    In a read-only folder a WAL database cannot get its ``-shm`` file, so it is opened as
    immutable (unless a ``-wal`` file holds changes not yet in the database).
    """
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"
    wal = path.with_name(path.name + "-wal")
    if not os.access(path.parent, os.W_OK) and not wal.exists():
        uri += "&immutable=1"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    return conn


def enable_wal(conn: sqlite3.Connection, name: str, timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
    """Put ``conn``'s database in WAL mode (a no-op if it is), waiting up to ``timeout_ms`` for
    another process switching it too. ``conn`` must be outside a transaction.

    A database in rollback-journal mode (a new one, or a backup copied into place) is switched
    by writing its header: SQLite reads it under a read lock, then asks for the write lock. It
    never waits for a lock asked for while holding a read lock, whatever ``busy_timeout`` says
    (two readers waiting for each other to let go would wait for ever;
    https://www.sqlite.org/c3ref/busy_handler.html), but answers "database is locked" at once.
    Two processes opening a new archive at once met there: one of them failed (an ingest beside
    another ingest or the bot). The refused try wrote nothing and holds no lock, so it is made
    again, with the pauses of SQLite's own busy handler, until the other process has switched
    the database (then this one finds it in WAL mode and writes nothing) or ``timeout_ms``.

    Args:
        conn: a connection outside a transaction.
        name: the database's name, for the log.
        timeout_ms: how long another process may keep it locked.

    Raises:
        sqlite3.OperationalError: "database is locked" if it stays locked over ``timeout_ms``;
            any other error of the switch (a read-only or full disk) at once.
    """
    waited_ms = 0
    for attempt in count():
        try:
            conn.execute("PRAGMA journal_mode = WAL").fetchall()
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or waited_ms >= timeout_ms:
                raise
        if attempt == 0:
            logger.debug("%s is locked by another process; waiting to switch it to WAL", name)
        pause = BUSY_PAUSES_MS[min(attempt, len(BUSY_PAUSES_MS) - 1)]
        time.sleep(pause / 1000)
        waited_ms += pause


def write_error(name: str, exc: sqlite3.Error) -> ArchiveWriteError:
    """Return the one-line error for a failed write to database ``name``: cause and fix."""
    text = str(exc)
    if "full" in text:
        why = "the disk is full; free some space and run it again"
    elif "readonly" in text or "read-only" in text:
        why = (
            "it is read-only; make the file and its folder writable (chmod u+w) "
            "or copy the archive to a writable place"
        )
    elif "locked" in text or "busy" in text:
        why = (
            f"another process (another ingest, or the bot) kept it locked for over "
            f"{BUSY_TIMEOUT_MS // 1000} s; run it again when that one has finished"
        )
    elif "disk I/O" in text:
        why = "the disk reported an error (is it full or failing?); check it and run it again"
    elif "unable to open" in text:
        why = "the file cannot be opened; check the path and its permissions"
    else:
        why = "see the cause above"
    return ArchiveWriteError(
        f"cannot write to {name} ({text}): {why}; nothing of the interrupted write was stored"
    )
