"""Backups of the archive's database through SQLite's backup API.

A backup is one committed state of the database, copied while the bot runs and ingests: the
backup API reads one snapshot while writers go on into the write-ahead log (a ``cp`` of the file
misses what is still in the ``-wal`` file, or copies a page half-written). It is written to a
temporary file beside the target, checked with ``PRAGMA integrity_check`` and only then renamed
into place, so there is never a half-written backup.

The file helpers below are shared with ``restore`` (a restore writes its copies the same way).
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from retrieval.corpus import store
from retrieval.corpus.clock import utc_clock
from retrieval.corpus.store import (
    connect_read_only,
    is_new_archive,
    unwritable,
)
from retrieval.errors import BackupError

SUFFIXES = ("-wal", "-shm", "-journal")
"""The files SQLite keeps beside a database while it is in use."""
_FULL = (errno.ENOSPC, errno.EDQUOT)


@dataclass(frozen=True)
class Contents:
    """What an archive's database file holds: briefs, passages and its size in bytes."""

    briefs: int
    passages: int
    size: int

    def summary(self) -> str:
        """Return e.g. "32 briefs, 141 passages, 1.2 MB"."""
        size = f"{self.size / 1e6:.1f} MB" if self.size >= 100_000 else f"{self.size / 1e3:.0f} KB"
        return f"{self.briefs:,} briefs, {self.passages:,} passages, {size}"


# -- backup ---------------------------------------------------------------------------------


def backup_archive(db: Path, target: Path, *, force: bool = False) -> tuple[Path, Contents]:
    """Return where a checked copy of the archive ``db`` was written and what it holds.

    The copy is one committed state, taken while other processes may write (the bot, an
    ingest); ``db`` is only read. ``target`` may be a folder, then the copy is named after the
    database and the time. Nothing is written at ``target`` unless the whole copy passed SQLite's
    integrity check: a failure leaves no file behind.

    Raises:
        NotAnArchiveError: if ``db`` is not a briefbot database.
        BackupError: naming the cause and the fix (no archive at ``db``; ``target`` is the
            database, exists without ``force`` or is in a missing or read-only folder; the disk
            is full; the copy fails the integrity check).
    """
    try:
        if target.is_dir():
            target = target / f"{db.stem}-{stamp()}{db.suffix or '.db'}"
        refuse_the_database(target, db, "give another path for the backup")
        if target.exists() and not (force and target.is_file()):
            raise BackupError(
                f"{target} exists; give another name, or --force to replace it"
                if target.is_file()
                else f"{target} exists and is not a file; give another path for the backup"
            )
        _need_folder(target, "the backup")
    except OSError as exc:  # the target's folder cannot even be looked into
        raise write_failed(f"the backup {target}", exc, "nothing was written") from exc
    if is_new_archive(db):
        raise BackupError(
            f"there is no archive at {db} to back up (no such file, or an empty one); check --db"
        )
    source = connect_read_only(db) if unwritable(db, False) else connect(db)
    try:
        tmp = temp_beside(target, "the backup")
        try:
            contents = copy_database(source, tmp, check=f"the copy of {db}")
            # Readable by whom the archive is; once written: a read-only archive's mode would
            # keep the copy from being written at all.
            os.chmod(tmp, stat.S_IMODE(db.stat().st_mode))
            _publish(tmp, target, force=force)
        except BaseException as exc:
            remove(tmp)
            if isinstance(exc, sqlite3.Error | OSError):
                raise write_failed(f"the backup {target}", exc, "nothing was written") from exc
            raise
    finally:
        source.close()
    return target, contents


def copy_database(source: sqlite3.Connection, path: Path, *, check: str | None = None) -> Contents:
    """Copy ``source`` into the new database file ``path`` with the backup API, as one file
    (rollback journal, no ``-wal`` beside it); return what it holds.

    Raises:
        BackupError: if ``check`` names the copy and it fails SQLite's integrity check.
    """
    copy = sqlite3.connect(path)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")
        if check is not None:
            problem = integrity_problem(copy)
            if problem:
                raise BackupError(
                    f"{check} fails SQLite's integrity check ({problem}): the database is "
                    "damaged; nothing was written. Restore it from an earlier backup"
                )
        contents = contents_of(copy, path)
    finally:
        copy.close()
    return contents


def _publish(tmp: Path, target: Path, *, force: bool) -> None:
    """Move the finished copy ``tmp`` to ``target`` once it is on the disk."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    if not force and target.exists():  # made by someone else while the copy was written
        raise BackupError(f"{target} exists; give another name, or --force to replace it")
    os.replace(tmp, target)
    _sync_folder(target.parent)


# -- the files ------------------------------------------------------------------------------


def contents_of(conn: sqlite3.Connection, path: Path) -> Contents:
    """Return what the archive open on ``conn`` holds; ``path`` is its file."""
    briefs, passages = conn.execute(
        "SELECT (SELECT count(*) FROM briefs), (SELECT count(*) FROM passages)"
    ).fetchone()
    return Contents(briefs, passages, path.stat().st_size)


def open_backup(path: Path) -> sqlite3.Connection:
    """Return a connection that only reads the backup at ``path``: not even a ``-shm`` file is
    made beside it, unless it has a ``-wal`` file of its own to read."""
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"
    if not path.with_name(path.name + "-wal").exists():
        uri += "&immutable=1"
    return sqlite3.connect(uri, uri=True)


def integrity_problem(conn: sqlite3.Connection) -> str | None:
    """Return SQLite's first integrity complaints about ``conn``'s database on one line, or
    None if it has none."""
    rows = conn.execute("PRAGMA integrity_check(3)").fetchall()
    if rows == [("ok",)]:
        return None
    lines = [line.strip() for r in rows for line in str(r[0]).splitlines()]
    return "; ".join(line for line in lines if line and not line.startswith("***"))


def connect(db: Path) -> sqlite3.Connection:
    """Return a connection to the live database ``db`` that waits for writers as ``Store``'s."""
    conn = sqlite3.connect(db, timeout=store.BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {store.BUSY_TIMEOUT_MS}")
    return conn


def refuse_the_database(path: Path, db: Path, fix: str) -> None:
    """Raise BackupError if ``path`` is the database ``db`` or one of the files beside it."""
    names = [db, *(db.with_name(db.name + s) for s in SUFFIXES)]
    try:
        same = any(path.resolve() == n.resolve() for n in names) or (
            path.exists() and db.exists() and os.path.samefile(path, db)
        )
    except OSError:
        same = False
    if same:
        spelled = "" if str(path) == str(db) else f" ({db})"
        raise BackupError(f"{path} is the database itself{spelled}; {fix}")


def temp_beside(target: Path, what: str) -> Path:
    """Return a new empty file in ``target``'s folder for ``what`` to be written to.

    Raises:
        BackupError: if the folder is missing or cannot be written.
    """
    folder = _need_folder(target, what)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise write_failed(f"{what} {target}", exc, "nothing was written") from exc
    os.close(fd)
    return Path(name)


def _need_folder(target: Path, what: str) -> Path:
    """Return the folder of ``target``; raise BackupError if there is none."""
    folder = target.parent
    if not folder.is_dir():
        raise BackupError(
            f"cannot write {what} {target}: its folder {folder} does not exist; create it "
            f"(mkdir -p {folder}) or give another path"
        )
    return folder


def write_failed(
    what: str,
    exc: BaseException,
    outcome: str,
    room: str = "free some space or give a path on another disk",
) -> BackupError:
    """Return the one-line error for a failed write of ``what``: its cause, the fix (``room``
    for a full disk) and ``outcome``, what was changed."""
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    if (isinstance(exc, OSError) and exc.errno in _FULL) or "full" in str(exc):
        why = f"the disk is full; {room}"
    elif (isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS)) or (
        "readonly" in str(exc)
    ):
        why = (
            "the file or its folder is read-only; make them writable (chmod u+w) or give "
            "another path"
        )
    else:
        why = "check the disk and the path"
    return BackupError(f"cannot write {what} ({text}): {why}; {outcome}")


def stamp() -> str:
    """Return the time now (UTC) as it goes into a file's name: ``20261205T201449Z``."""
    return utc_clock().strftime("%Y%m%dT%H%M%SZ")


def remove(path: Path) -> None:
    """Delete the file ``path`` if there is one."""
    path.unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` last through a power cut (where the system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
