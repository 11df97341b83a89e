"""Restores of the archive's database from a backup, through SQLite's backup API.

A restore copies a checked backup *into* the live database, as one write transaction of that
database. A ``-wal`` file a crash left beside it is that database's own log, read before the
restore and never replayed over it (``cp backup.db briefbot.db`` beside such a file gives a
mixture of both). The database it replaces is kept beside it first.

Some tables record what happened outside the archive rather than the archive (the bot's journal
of the Telegram updates it received and answered): a backup would roll them back, and what was
answered after it was taken would be answered again. The caller names them (``Keep``); their rows
are taken from the database being replaced. AUTOINCREMENT counters are kept at the higher of the
two, so that no id given out since the backup was taken (a brief's, which old "Full brief"
buttons name) is given to something else.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import stat
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from retrieval.corpus import store
from retrieval.corpus.backup import (
    SUFFIXES,
    Contents,
    connect,
    contents_of,
    copy_database,
    integrity_problem,
    open_backup,
    refuse_the_database,
    remove,
    stamp,
    temp_beside,
    write_failed,
)
from retrieval.corpus.clock import utc_clock
from retrieval.corpus.migrations import migrations as archive_migrations
from retrieval.corpus.store import (
    SQLITE_HEADER,
    Store,
    connect_read_only,
    describe_file,
    is_new_archive,
    tables_of,
)
from retrieval.errors import BackupError, NotAnArchiveError, RestoreInterruptedError


@dataclass(frozen=True)
class Keep:
    """Tables whose rows a restore takes from the database it replaces rather than from the
    backup, because they record what happened outside the archive since the backup was taken.

    Args:
        tables: the tables, parents before the tables that refer to them.
        what: what they are, for the report ("the bot's journal of Telegram updates").
        settle: called on the restored copy, inside a transaction, when the rows cannot be taken
            (the database replaced is missing or damaged); returns lines for the log, saying
            what could not be told.
    """

    tables: tuple[str, ...]
    what: str
    settle: Callable[[sqlite3.Connection], list[str]]


def joined(*keeps: Keep) -> Keep:
    """Return one ``Keep`` of the tables of every one of ``keeps``, in order: their reports
    joined ("A and B"), each one's ``settle`` called in turn."""

    def settle(conn: sqlite3.Connection) -> list[str]:
        return [line for keep in keeps for line in keep.settle(conn)]

    whats = [keep.what for keep in keeps]
    what = ", ".join(whats[:-1]) + f" and {whats[-1]}" if len(whats) > 1 else "".join(whats)
    return Keep(tuple(t for keep in keeps for t in keep.tables), what, settle)


@dataclass
class Restored:
    """What a restore did: what the database holds now, where the one it replaced is kept, and
    lines for the log (what could not be told)."""

    contents: Contents
    kept: Path | None
    kept_contents: Contents | None = None
    carried: bool = False
    """Whether ``Keep.tables`` were taken from the database replaced."""
    notes: list[str] = field(default_factory=list)


def check_backup(path: Path, known: Collection[str]) -> Contents:
    """Return what the backup at ``path`` holds, once it is a briefbot archive that this code
    knows every migration of and that passes SQLite's integrity check.

    This is a read-only operation: nothing is written at ``path`` or beside it.

    Args:
        path: the backup.
        known: the names of every migration this code has (the archive's and its parts').

    Raises:
        BackupError: saying what the file is, and that nothing was changed.
    """
    try:
        problem = _backup_problem(path, known)
    except OSError as exc:
        problem = f"it cannot be read ({exc.strerror})"
    if problem:
        raise BackupError(f"cannot restore from {path}: {problem}; nothing was changed")
    conn = open_backup(path)
    try:
        return contents_of(conn, path)
    finally:
        conn.close()


def known_migrations(parts: Sequence[Migrations]) -> set[str]:
    """Return the names of the archive's migrations and those of ``parts``."""
    blank = Database(memory=True, execute_plugins=False)
    try:
        return {m.name for s in (archive_migrations, *parts) for m in s.pending(blank)}
    finally:
        blank.close()


def restore_archive(
    db: Path, source: Path, *, parts: Sequence[Migrations] = (), keep: Keep | None = None
) -> Restored:
    """Restore the backup ``source`` into the database ``db``; return what it did.

    ``source`` is checked first (``check_backup``) and never written. A copy of it is brought
    up to date by the migrations (the archive's and ``parts``'), given ``keep``'s tables from
    ``db`` and a restore mark (``Store.mark_restored``: a running bot notices it, and any index
    of the history replaced is rebuilt), then copied into ``db`` through the backup API in one
    transaction. ``db`` is kept beside itself (``<name>.before-restore-<time>``): copied the
    same way, or, if it is damaged, the file itself moved there. The copy kept and ``keep``'s
    rows are read while the restore holds ``db``'s write lock, so nothing another process (the
    bot) commits is left out of both.

    Raises:
        BackupError: naming the cause (``source`` is not a usable backup, ``db`` is another
            application's database, the disk is full, ``db`` stays locked) and saying what was
            changed (nothing, but for a damaged ``db`` moved aside).
    """
    if str(db) == ":memory:":
        raise BackupError(
            "--db :memory: is no database file to restore into; give one, e.g. "
            "--db data/briefbot.db"
        )
    refuse_the_database(source, db, "give the backup file to restore from")
    known = known_migrations(parts)
    check_backup(source, known)
    state = _live_state(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    staging = temp_beside(db, "the restored copy")
    kept = _free_name(db.with_name(f"{db.name}.before-restore-{stamp()}"))
    mark = f"{utc_clock().isoformat(timespec='seconds')} {secrets.token_hex(8)}"
    done = False
    try:
        _stage(source, staging, db if state == "archive" else None, parts, mark)
        restored = Restored(Contents(0, 0, 0), None)
        if state != "archive":
            restored.kept = _move_aside(db, state, kept, restored)
        _copy_in(staging, db, state, kept, keep, restored)
        done = True
    except BaseException as exc:
        # Only once it was moved: the disk may fill while the backup is staged, before.
        moved = (
            f" (the damaged database is at {kept})" if state == "damaged" and kept.exists() else ""
        )
        # The copy commits inside the backup's last step; what fails or is interrupted after
        # it (Ctrl-C, the checkpoint) leaves the backup in place: the database's mark tells.
        if _holds_mark(db, mark):
            done = True  # the copy kept of the database replaced is the way back: keep it
            raise _took_effect(db, source, kept if kept.exists() else None, exc) from exc
        if isinstance(exc, KeyboardInterrupt):
            as_was = f"; {db} is as it was" if state != "missing" else ""
            raise RestoreInterruptedError(
                f"the restore into {db} was interrupted (Ctrl-C) before it took effect: nothing "
                f"was restored{moved or as_was}",
                took_effect=False,
            ) from exc
        if isinstance(exc, sqlite3.Error | OSError):
            outcome = f"nothing was restored{moved}"
            room = (
                "free some space (a restore needs room for three more copies of the "
                "archive: the one staged, the database kept and SQLite's log of the restore) "
                "and run it again"
            )
            raise write_failed(f"the restore into {db}", exc, outcome, room) from exc
        raise
    finally:
        leftovers = [staging] + ([kept] if not done and state == "archive" else [])
        for path in leftovers:  # (a copy of the database, which is as it was, is not needed)
            for name in (path, *(path.with_name(path.name + s) for s in SUFFIXES)):
                remove(name)
    return restored


def _stage(
    source: Path, staging: Path, live: Path | None, parts: Sequence[Migrations], mark: str
) -> None:
    """Copy ``source`` to ``staging``, with ``live``'s page size (the backup API cannot copy
    into a WAL database of another), upgrade it and mark it restored with ``mark``."""
    conn = open_backup(source)
    try:
        copy_database(conn, staging)
    finally:
        conn.close()
    if live is not None:
        page_size = _page_size(live)
        copy = sqlite3.connect(staging)
        try:
            if copy.execute("PRAGMA page_size").fetchone()[0] != page_size:
                copy.execute(f"PRAGMA page_size = {int(page_size)}")
                copy.execute("VACUUM")
        finally:
            copy.close()
    staged = Store(staging)
    try:
        for part in parts:
            staged.upgrade(part)
        staged.mark_restored(mark)
    finally:
        staged.close()


def _holds_mark(db: Path, mark: str) -> bool:
    """Return whether the database ``db`` carries the restore mark ``mark``: the restore's copy
    was committed into it; False if there is none or it cannot be read. Reads only (a writable
    connection, though: the last to close removes the ``-wal`` and ``-shm`` files)."""
    if not db.is_file():
        return False
    try:
        conn = connect(db)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'restored'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == mark


def _took_effect(
    db: Path, source: Path, kept: Path | None, exc: BaseException
) -> RestoreInterruptedError:
    """Return the error for a restore that ``exc`` cut short after its copy was committed."""
    cause = "Ctrl-C" if isinstance(exc, KeyboardInterrupt) else f"{type(exc).__name__}: {exc}"
    was = f", and the database it replaced is kept as {kept}" if kept is not None else ""
    return RestoreInterruptedError(
        f"the restore into {db} was interrupted ({cause}) after it took effect: {db} holds the "
        f"backup {source} now{was}; there is no need to run it again (the first question "
        "brings the index up to date)",
        took_effect=True,
    )


def _move_aside(db: Path, state: str, kept: Path, restored: Restored) -> Path | None:
    """Move a damaged database ``db`` to ``kept``, and the ``-wal`` and ``-shm`` files beside
    it, so that SQLite cannot replay them into the restored one; return ``kept`` (None: there
    was no database)."""
    leftovers = [db.with_name(db.name + s) for s in SUFFIXES]
    leftovers = [p for p in leftovers if p.exists()]
    if state == "missing" and not leftovers:
        return None
    for path in ([db] if state == "damaged" else []) + leftovers:
        os.replace(path, kept.with_name(kept.name + path.name[len(db.name) :]))
    if state == "missing":
        restored.notes.append(
            f"{', '.join(p.name for p in leftovers)} without its database was moved aside "
            f"(to {kept.name}-…), so that SQLite could not replay it into the restored one"
        )
        return None
    return kept


def _copy_in(
    staging: Path, db: Path, state: str, kept: Path, keep: Keep | None, restored: Restored
) -> None:
    """Copy ``staging`` into ``db`` with the backup API and fill ``restored``.

    An archive at ``db`` is first copied to ``kept`` and ``keep``'s rows taken from it into
    ``staging``, once the backup's first step holds ``db``'s write lock (held to the end of the
    copy): what another process commits before is in both, and it cannot commit in between.
    Changes made to ``staging`` through the backup's own connection are carried into the copy.
    """
    conn = sqlite3.connect(staging)
    live = connect(db)
    try:
        if state == "archive":
            # Others read it while the copy is written (waiting for a process switching it too).
            store.enable_wal(live, str(db))
        elif keep is not None:
            with conn:
                restored.notes.extend(keep.settle(conn))
        held = False

        def progress(status: int, remaining: int, total: int) -> None:
            nonlocal held
            if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise BackupError(
                    f"cannot restore into {db}: another process (an ingest, or the bot) kept it "
                    f"locked for over {store.BUSY_TIMEOUT_MS // 1000} s; run it again when that "
                    "one has finished; nothing was restored"
                )
            if not held and state == "archive":
                held = True
                _keep_and_carry(conn, db, kept, keep, restored)

        # One page a step: the first step takes the write lock and leaves the rest to copy.
        conn.backup(live, pages=1, progress=progress)
        # The restore's pages wait in the -wal file until copied into the database. PASSIVE:
        # a reader (the bot) may hold some back for now, and is not waited for; the next
        # checkpoint copies them (and the last connection to close removes the file).
        store.enable_wal(live, str(db))
        live.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        restored.contents = contents_of(live, db)
    finally:
        live.close()
        conn.close()


def _keep_and_carry(
    conn: sqlite3.Connection, db: Path, kept: Path, keep: Keep | None, restored: Restored
) -> None:
    """Copy the archive ``db`` to ``kept`` and take ``keep``'s rows from it into ``conn``'s
    database (settling them when they cannot be taken)."""
    source = connect(db)
    try:
        restored.kept_contents = copy_database(source, kept)
    finally:
        source.close()
    restored.kept = kept
    if keep is None:
        return
    restored.carried = _carry(conn, db, keep.tables)
    if not restored.carried:
        with conn:
            restored.notes.extend(keep.settle(conn))


def _carry(conn: sqlite3.Connection, db: Path, tables: Sequence[str]) -> bool:
    """Replace ``tables``' rows in ``conn``'s database by those of ``db``, and raise its
    AUTOINCREMENT counters to ``db``'s, in one transaction; return False (nothing changed) if
    ``db`` cannot be read or lacks one of the tables."""
    try:
        conn.execute("ATTACH DATABASE ? AS live", [str(db)])
    except sqlite3.DatabaseError:
        return False
    try:
        with conn:
            for name, seq in conn.execute("SELECT name, seq FROM live.sqlite_sequence").fetchall():
                raised = conn.execute(
                    "UPDATE main.sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", [seq, name]
                )
                if raised.rowcount == 0 and name in tables_of(conn):
                    # The backup's table never had a row: SQLite has no counter for it yet.
                    conn.execute(
                        "INSERT INTO main.sqlite_sequence (name, seq) VALUES (?, ?)", [name, seq]
                    )
            for table in reversed(tables):
                conn.execute(f"DELETE FROM main.{table}")
            for table in tables:
                ours, theirs = (
                    [r[1] for r in conn.execute(f"PRAGMA {schema}.table_info({table})")]
                    for schema in ("main", "live")
                )
                columns = ", ".join(c for c in ours if c in theirs)
                if not columns:
                    raise _Missing(table)
                conn.execute(
                    f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM live.{table}"
                )
        return True
    except (_Missing, sqlite3.DatabaseError):
        return False
    finally:
        conn.execute("DETACH DATABASE live")


class _Missing(Exception):
    """A table to keep is not in the database replaced."""


def _backup_problem(path: Path, known: Collection[str]) -> str | None:
    """Return what keeps the file at ``path`` from being restored, or None. Read-only."""
    if not path.exists():
        return "there is no such file"
    st = path.stat()
    if stat.S_ISDIR(st.st_mode):
        return "it is a folder; give the backup file in it"
    if not stat.S_ISREG(st.st_mode):
        return "it is not a regular file (a pipe, socket or device)"
    if st.st_size == 0:
        return "it is empty"
    with open(path, "rb") as fh:
        if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            return f"it is not an SQLite database at all ({describe_file(path)})"
    try:
        conn = open_backup(path)
        try:
            tables = tables_of(conn)
            applied = (
                [
                    r[0]
                    for r in conn.execute(
                        "SELECT name FROM _sqlite_migrations WHERE migration_set = 'briefbot'"
                    )
                ]
                if "_sqlite_migrations" in tables
                else []
            )
            damage = integrity_problem(conn) if applied else None
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return (
            f"it is an SQLite file that cannot be read ({exc}): it is damaged; use another backup"
        )
    if not applied:
        if not tables:
            return "it is an SQLite database without tables, not a briefbot archive"
        shown = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
        return (
            f"it is another application's SQLite database (tables {shown}), not a briefbot archive"
        )
    newer = sorted(set(applied) - set(known))
    if newer:
        return (
            f"it was written by a newer briefbot (its schema has {', '.join(newer)}, which this "
            "one does not know); restore it with that version, or upgrade briefbot first"
        )
    if damage:
        return f"it fails SQLite's integrity check ({damage}): it is damaged; use another backup"
    return None


def _live_state(db: Path) -> str:
    """Return what is at the database path ``db``: "missing" (nothing, or an empty file),
    "archive", or "damaged" (binary data not readable as SQLite).

    Raises:
        NotAnArchiveError: if it is another application's SQLite database, a text file or a
            folder: a restore never writes over it.
    """
    try:
        return "missing" if is_new_archive(db) else "archive"
    except NotAnArchiveError as refused:
        if db.is_dir() or not db.exists():
            raise
        try:
            conn = connect_read_only(db)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            finally:
                conn.close()
        except sqlite3.DatabaseError:
            # A text file at --db is someone's notes, not a damaged database: left as it is,
            # as every other command leaves it.
            if describe_file(db) == "text":
                raise refused from None
            return "damaged"
        raise


def _page_size(db: Path) -> int:
    """Return the page size of the database ``db``, in bytes."""
    conn = connect(db)
    try:
        return int(conn.execute("PRAGMA page_size").fetchone()[0])
    finally:
        conn.close()


def _free_name(path: Path) -> Path:
    """Return ``path``, or ``path-2``, ``path-3`` … if it is taken."""
    n, free = 1, path
    while free.exists():
        n += 1
        free = path.with_name(f"{path.name}-{n}")
    return free
