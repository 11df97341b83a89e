"""The database at the edges: foreign files, odd --db values, concurrent writers, read-only places
and a full disk, each one clear line (#17)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from forking import Forked, briefbot_in_namespace, can_mount

from bot.cli import cli
from retrieval.archive import Archive
from retrieval.corpus.ingest import NOTICEABLE_WAIT_S
from retrieval.corpus.store import Store

Run = Callable[..., Result]


def _cli(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _foreign(path: Path, table: str) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute(f"INSERT INTO {table} (body) VALUES ('keep me')")
    conn.close()


@pytest.mark.parametrize("table", ["notes", "briefs"])
def test_another_applications_database_is_never_changed(tmp_path: Path, table: str) -> None:
    path = tmp_path / "other.sqlite"
    _foreign(path, table)
    before = _digest(path)
    for command in (["stats"], ["ingest", str(tmp_path)], ["ask", "oil"]):
        result = _cli("--db", str(path), *command)
        assert result.exit_code == 1
        assert result.stderr == (
            f"Error: {path} is not a briefbot database: it is another application's SQLite "
            f"database (tables {table}); briefbot left it unchanged. Point --db at another file\n"
        )
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.sqlite"]  # no -wal, no index
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()


def test_a_text_file_is_named_as_such_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("my notes\n" * 100)
    result = _cli("--db", str(path), "stats")
    assert result.exit_code == 1
    assert "it is not an SQLite database at all (text); briefbot left it unchanged" in (
        result.stderr
    )
    assert path.read_text() == "my notes\n" * 100


@pytest.mark.parametrize(
    ("db", "message"),
    [
        (
            "",
            "Error: no database file given (the path is empty); give one, e.g. --db "
            "data/briefbot.db\n",
        ),
        (
            ":memory:",
            "Error: --db :memory: would keep nothing (an in-memory database is gone "
            "when the command ends); give a file, e.g. --db data/briefbot.db\n",
        ),
    ],
)
def test_empty_and_memory_db_are_one_clear_line(db: str, message: str, briefs_dir: Path) -> None:
    for command in (["ingest", str(briefs_dir)], ["stats"]):
        result = _cli("--db", db, *command)
        assert (result.exit_code, result.stderr, result.stdout) == (1, message, "")


def test_a_folder_as_db_is_one_clear_line(tmp_path: Path) -> None:
    result = _cli("--db", str(tmp_path), "stats")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {tmp_path} is a folder, not a database file; give a file, e.g. "
        f"--db {tmp_path}/briefbot.db\n"
    )


# -- concurrent writers -----------------------------------------------------------------------


def test_an_ingest_that_waits_for_another_writer_says_so(
    empty_db: Path, db_path: Path, briefs_dir: Path, run_cli: Run
) -> None:
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    timer = threading.Timer(1.0, lambda: other.execute("COMMIT"))
    timer.start()
    try:
        result = run_cli("ingest", str(briefs_dir / "monitor-4-142.txt"))
    finally:
        timer.join()
        other.close()
    assert result.exit_code == 0
    assert "waited" in result.stderr and "for another process writing to the archive" in (
        result.stderr
    )
    assert result.stdout.startswith("1 added, 0 updated, 0 removed, 0 unchanged, 0 rejected")


def test_a_wait_too_short_to_notice_is_not_reported(db_path: Path, briefs_dir: Path) -> None:
    archive = Archive(db_path)
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # the bot's own write of a few milliseconds, stretched
    timer = threading.Timer(0.15, lambda: other.execute("COMMIT"))
    timer.start()
    try:
        report = archive.ingest([briefs_dir / "monitor-4-142.txt"])
    finally:
        timer.join()
        other.close()
    assert 0.1 <= report.waited < NOTICEABLE_WAIT_S
    assert report.notices == [] and report.added == 1


@pytest.mark.slow
def test_two_ingests_of_the_same_files_at_once_both_succeed(
    tmp_path: Path, briefs_dir: Path, fork: Callable[..., Forked]
) -> None:
    # Two processes forked from the fork server (tests/forking.py): imports done, they start
    # within milliseconds of each other.
    briefbot = "import sys; from bot.cli import main; sys.exit(main())"
    for round_ in range(2):
        db = tmp_path / f"race-{round_}.db"
        procs = [fork(briefbot, "--db", str(db), "ingest", str(briefs_dir)) for _ in range(2)]
        outputs = [p.communicate(timeout=120) for p in procs]
        for proc, (_out, err) in zip(procs, outputs, strict=True):
            assert proc.returncode == 0, err
            assert "Traceback" not in err
        store = Store(db)
        keys = [r[0] for r in store.db.execute("SELECT key FROM briefs")]
        store.close()
        assert len(keys) == len(set(keys)) == 6


def test_an_ingest_waits_for_another_process_switching_a_new_archive_to_wal(
    tmp_path: Path, briefs_dir: Path, fork: Callable[..., Forked]
) -> None:
    # The lock cycle two ingests of a new archive met (one in ~10-100 runs under load): the
    # other holds the write lock of the new (rollback-journal) file, as when it writes the WAL
    # header; SQLite refuses the lock to one holding a read lock without calling the busy
    # handler, so the ingest said at once "kept it locked for over 30 s".
    db = tmp_path / "new.db"
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    err = tmp_path / "err"
    err.touch()
    briefbot = "import sys; from bot.cli import main; sys.exit(main())"
    proc = fork(briefbot, "-v", "--db", str(db), "ingest", str(briefs_dir), stderr=err)
    try:
        # Let go only once the ingest has been refused the lock: it must wait, not give up.
        while "waiting to switch it to WAL" not in err.read_text() and proc.poll() is None:
            threading.Event().wait(0.01)
    finally:
        other.execute("ROLLBACK")
        other.close()
    _out, errors = proc.communicate(timeout=120)
    assert proc.returncode == 0, errors
    store = Store(db)
    keys = [r[0] for r in store.db.execute("SELECT key FROM briefs")]
    mode = store.db.execute("PRAGMA journal_mode").fetchone()[0]
    store.close()
    assert (len(keys), mode) == (6, "wal")


# -- read-only places and a full disk -----------------------------------------------------------


@contextlib.contextmanager
def _read_only_file(path: Path) -> Iterator[None]:
    """Keep ``path`` read-only inside the block, for root too (root ignores file modes: the
    immutable attribute)."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
    else:
        path.chmod(0o444)
    try:
        yield
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        else:
            path.chmod(0o644)


# Root ignores file modes: a read-only folder needs a read-only bind mount in a mount namespace.
needs_read_only_folder = pytest.mark.skipif(
    os.geteuid() == 0 and shutil.which("mount") is None, reason="root needs mount"
)


def _in_read_only_folder(
    fork: Callable[..., Forked], folder: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """Run briefbot with ``folder`` read-only (for root: a read-only bind mount of it)."""
    mounts: list[list[str]] = []
    if os.geteuid() == 0:
        mounts = [["--bind", str(folder), str(folder)], ["-o", "remount,ro,bind", str(folder)]]
    else:
        folder.chmod(0o555)
    try:
        return briefbot_in_namespace(fork, mounts, *args)
    finally:
        folder.chmod(0o755)


@pytest.fixture
def built(tmp_path: Path, briefs_dir: Path) -> Path:
    """Return the database of an archive of the fixture briefs, in a folder of its own."""
    db = tmp_path / "archive" / "briefbot.db"
    assert _cli("--db", str(db), "ingest", str(briefs_dir)).exit_code == 0
    return db


@pytest.mark.slow
def test_read_only_database_file_can_be_asked_and_ingest_says_why_not(
    built: Path, briefs_dir: Path
) -> None:
    with _read_only_file(built):
        asked = _cli("--db", str(built), "ask", "Caspian oil tariff")
        ingested = _cli("--db", str(built), "ingest", str(briefs_dir))
    assert asked.exit_code == 0, asked.output
    assert "Caspian pipeline talks stall" in asked.stdout
    assert ingested.exit_code == 1
    assert ingested.stderr == (
        f"Error: cannot ingest into {built}: the file is read-only; make it writable (chmod u+w "
        "on the file and its folder) or copy the archive to a writable place\n"
    )


@needs_read_only_folder
@pytest.mark.slow
def test_database_in_read_only_folder_can_be_asked_and_ingest_says_why_not(
    built: Path, briefs_dir: Path, fork: Callable[..., Forked]
) -> None:
    folder = built.parent
    asked = _in_read_only_folder(fork, folder, "--db", str(built), "ask", "Caspian oil tariff")
    assert asked.returncode == 0, asked.stderr
    assert "Caspian pipeline talks stall" in asked.stdout and "Traceback" not in asked.stderr
    ingested = _in_read_only_folder(fork, folder, "--db", str(built), "ingest", str(briefs_dir))
    assert ingested.returncode == 1
    assert ingested.stderr == (
        f"Error: cannot ingest into {built}: its folder {folder} is read-only; make it writable "
        "(chmod u+w on the file and its folder) or copy the archive to a writable place\n"
    )


@pytest.mark.skipif(not can_mount(), reason="needs root and mount namespaces for a small disk")
@pytest.mark.slow
def test_full_disk_during_ingest_is_one_line(tmp_path: Path, fork: Callable[..., Forked]) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    big = tmp_path / "big.txt"
    paragraphs = "\n\n".join(f"Paragraph {n} about oil and gas exports." for n in range(20_000))
    big.write_text(f"Publication: Monitor Volume: 1 Issue: 1\n\n{paragraphs}\n")
    small_disk = ["-t", "tmpfs", "-o", "size=400k", "tmpfs", str(disk)]
    result = briefbot_in_namespace(
        fork, [small_disk], "--db", f"{disk}/briefbot.db", "ingest", str(big)
    )
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"Error: cannot write to {disk}/briefbot.db (database or disk is full)")
    assert "the disk is full; free some space and run it again" in line
    assert "(0 added, 0 updated, 0 removed, 0 unchanged, 0 rejected before it)" in line
    assert "Traceback" not in result.stderr


def test_a_writer_locked_out_too_long_is_one_line(
    empty_db: Path,
    db_path: Path,
    briefs_dir: Path,
    run_cli: Run,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from retrieval.corpus import store as store_module

    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 1000)
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        result = run_cli("ingest", str(briefs_dir / "monitor-4-142.txt"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot write to {db_path} (database is locked): another process (another "
        "ingest, or the bot) kept it locked for over 1 s; run it again when that one has "
        "finished; nothing of the interrupted write was stored (0 added, 0 updated, 0 removed, "
        "0 unchanged, 0 rejected before it)\n"
    )


@pytest.mark.slow
def test_read_only_database_that_needs_an_upgrade_says_so(tmp_path: Path) -> None:
    from migration_history import apply_old_order
    from sqlite_utils import Database

    path = tmp_path / "old.db"
    db = Database(path)
    apply_old_order(db, stop_before="m003_log_archive_changes")
    db.close()
    with _read_only_file(path):
        result = _cli("--db", str(path), "ask", "oil")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {path} needs an upgrade by this briefbot but the file is read-only; make it "
        "writable once (chmod u+w on the file and its folder) and run briefbot again\n"
    )


@needs_read_only_folder
@pytest.mark.slow
def test_new_database_in_a_read_only_folder_is_one_line(
    tmp_path: Path, briefs_dir: Path, fork: Callable[..., Forked]
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    new = str(folder / "new.db")
    result = _in_read_only_folder(fork, folder, "--db", new, "ingest", str(briefs_dir))
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: cannot create the database {folder / 'new.db'}: its folder {folder} is "
        "read-only; give a path in a writable folder\n"
    )
