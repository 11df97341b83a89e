"""``briefbot backup`` and ``briefbot restore``: a consistent copy while the bot runs, and a
restore that no stale ``-wal`` file, no newer schema and no answered update can spoil."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import re
import shutil
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fake_telegram import FakeTelegram
from forking import Forked, briefbot_in_namespace, can_mount
from sqlite_utils import Database

from bot.cli import cli
from retrieval.archive import Archive
from retrieval.corpus.store import Store

Run = Callable[..., Result]
Start = Callable[..., Any]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _briefbot(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def _briefs(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM briefs").fetchone()[0])
    finally:
        conn.close()


def _files(folder: Path) -> dict[str, str]:
    """Return every file of ``folder`` (not its subfolders) with a digest of its bytes."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()
    }


def _more_briefs(folder: Path, first: int, count: int) -> Path:
    """Write ``count`` one-brief files (Monitor, volume 9, issues from ``first``) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for issue in range(first, first + count):
        (folder / f"m{issue}.txt").write_text(
            f"Publication: Monitor Volume: 9 Issue: {issue}\n\n"
            f"Zanzibar clove traders met again, for the {issue}th time.\n"
        )
    return folder


def _backup_then_3_more(run: Run, tmp_path: Path) -> Path:
    """Back the archive ``run`` works on up (to ``tmp_path/backup.db``, returned), then ingest
    3 more briefs into it."""
    backup = tmp_path / "backup.db"
    assert run("backup", str(backup)).exit_code == 0
    assert run("ingest", "-q", str(_more_briefs(tmp_path / "later", 1, 3))).exit_code == 0
    return backup


def _crash_image(db: Path, more: Path, image: Path) -> None:
    """Copy ``db`` to ``image`` as a crash leaves it: ``more`` ingested, its briefs only in the
    ``-wal`` file beside it (a connection still open, nothing copied into the database yet)."""
    store = Store(db)
    try:
        Archive(store).ingest([more])
        image.mkdir()
        for suffix in ("", "-wal"):
            shutil.copyfile(db.with_name(db.name + suffix), image / f"briefbot.db{suffix}")
    finally:
        store.close()


@contextlib.contextmanager
def _writing(db: Path, write: Callable[[sqlite3.Connection, int], None]) -> Iterator[list[int]]:
    """Inside the block, another thread calls ``write(conn, n)`` for n = 1, 2, … on a connection
    of its own to ``db``, as fast as it can (the block starts once the first is done); yield the
    numbers written (all of them once the block has ended)."""
    started, stop, written = threading.Event(), threading.Event(), []

    def loop() -> None:
        conn = sqlite3.connect(db, timeout=30, isolation_level=None)
        try:
            while not stop.is_set():
                write(conn, len(written) + 1)
                written.append(len(written) + 1)
                started.set()
        finally:
            started.set()
            conn.close()

    thread = threading.Thread(target=loop)
    thread.start()
    started.wait()
    try:
        yield written
    finally:
        stop.set()
        thread.join()


def _state(db: Path) -> tuple[int, str]:
    """Return (briefs, SQLite's integrity verdict) of ``db``, (-1, the error) if unreadable."""
    conn = sqlite3.connect(db)
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        return int(conn.execute("SELECT count(*) FROM briefs").fetchone()[0]), str(verdict)
    except sqlite3.DatabaseError as exc:
        return -1, str(exc)
    finally:
        conn.close()


def _damage_an_index(db: Path) -> None:
    """Zero 500 bytes of the rows of ``db``'s index on ``briefs.added_at``: the file still
    opens and reads, and SQLite's integrity check finds rows missing from that index."""
    conn = sqlite3.connect(db)
    root = conn.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'idx_briefs_added_at'"
    ).fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(db.read_bytes())
    end = root * page_size - 100
    data[end - 500 : end] = bytes(500)
    db.write_bytes(bytes(data))


# -- backup -----------------------------------------------------------------------------------


def test_backup_writes_one_checked_file_and_says_what_it_holds(
    loaded_sample: Run, db_path: Path, tmp_path: Path
) -> None:
    target = tmp_path / "backups" / "monday.db"
    target.parent.mkdir()
    result = loaded_sample("backup", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Backed up {db_path} to {target}: 56 briefs, 141 passages, "
        f"{target.stat().st_size / 1e6:.1f} MB; integrity check passed.\n"
    )
    assert list(_files(target.parent)) == ["monday.db"]  # no -wal beside it, no temporary file
    conn = sqlite3.connect(target)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    assert _briefs(target) == 56


def test_cp_of_a_live_database_misses_what_its_wal_holds_and_backup_does_not(
    loaded_sample: Run, db_path: Path, tmp_path: Path
) -> None:
    bot = Store(db_path)  # a process holding the database open, as the bot does
    try:
        Archive(bot).ingest([_more_briefs(tmp_path / "more", 1, 3)])
        shutil.copyfile(db_path, tmp_path / "cp.db")
        result = loaded_sample("backup", str(tmp_path / "backup.db"))
    finally:
        bot.close()
    assert result.exit_code == 0, result.output
    assert _briefs(tmp_path / "cp.db") == 56  # the last three are still in briefbot.db-wal
    assert _briefs(tmp_path / "backup.db") == 59


def test_backups_taken_during_ingests_each_hold_one_whole_state(
    loaded_sample: Run, db_path: Path, tmp_path: Path
) -> None:
    def ingest(conn: sqlite3.Connection, n: int) -> None:  # one brief, one transaction
        archive = Archive(Store(Database(conn)))
        archive.ingest([_more_briefs(tmp_path / "more" / str(n), n, 1)])

    with _writing(db_path, ingest) as written:
        results = [loaded_sample("backup", str(tmp_path / f"b{i}.db")) for i in range(4)]
    assert [r.exit_code for r in results] == [0] * 4, [r.output for r in results]
    counts = []
    for i in range(4):
        conn = sqlite3.connect(tmp_path / f"b{i}.db")
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        # Every brief with its passages and every change logged: no write half in the copy.
        assert conn.execute(
            "SELECT count(*) FROM briefs WHERE id NOT IN (SELECT brief_id FROM passages)"
        ).fetchone() == (0,)
        assert conn.execute(
            "SELECT count(*) FROM archive_changes WHERE generation = "
            "(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation')"
        ).fetchone() == (1,)
        counts.append(conn.execute("SELECT count(*) FROM briefs").fetchone()[0])
        conn.close()
    assert counts == sorted(counts) and counts[0] >= 56 and counts[-1] <= 56 + len(written)


def test_backup_into_a_folder_names_the_copy_and_force_replaces_a_file(
    loaded_sample: Run, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    result = loaded_sample("backup", str(folder))
    assert result.exit_code == 0, result.output
    [name] = _files(folder)
    assert name.startswith("briefbot-") and name.endswith("Z.db")
    (folder / "old.db").write_text("an older backup")
    result = loaded_sample("backup", "--force", str(folder / "old.db"))
    assert result.exit_code == 0, result.output
    assert _briefs(folder / "old.db") == 56


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("exists.db", "Error: {target} exists; give another name, or --force to replace it\n"),
        ("{db}", "Error: {db} is the database itself; give another path for the backup\n"),
        (
            "{db}-wal",
            "Error: {target} is the database itself ({db}); give another path for the backup\n",
        ),
        (
            "missing/b.db",
            "Error: cannot write the backup {target}: its folder {folder} does not exist; "
            "create it (mkdir -p {folder}) or give another path\n",
        ),
    ],
)
def test_backup_refuses_a_target_it_must_not_write_and_says_why(
    loaded_sample: Run, db_path: Path, tmp_path: Path, target: str, message: str
) -> None:
    (tmp_path / "exists.db").write_text("keep me")
    path = tmp_path / target.format(db=db_path.name)
    before = _files(tmp_path)
    result = loaded_sample("backup", str(path))
    assert result.exit_code == 1
    assert result.stderr == message.format(target=path, db=db_path, folder=path.parent)
    assert _files(tmp_path) == before


def test_backup_of_no_archive_says_so_and_makes_none(tmp_path: Path) -> None:
    db = tmp_path / "typo.db"
    result = _briefbot("--db", str(db), "backup", str(tmp_path / "b.db"))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: there is no archive at {db} to back up (no such file, or an empty one); "
        "check --db\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_backup_of_a_damaged_database_says_so_and_writes_nothing(
    loaded_sample: Run, db_path: Path, tmp_path: Path
) -> None:
    assert loaded_sample("stats").exit_code == 0  # closed: its -wal copied into the file
    _damage_an_index(db_path)
    result = loaded_sample("backup", str(tmp_path / "b.db"))
    assert result.exit_code == 1
    # SQLite's own words in between: "… row 1 missing from index idx_briefs_added_at; …"
    assert result.stderr.startswith(
        f"Error: the copy of {db_path} fails SQLite's integrity check ("
    )
    assert "; row 2 missing from index idx_briefs_added_at)" in result.stderr
    assert result.stderr.endswith(
        ": the database is damaged; nothing was written. Restore it from an earlier backup\n"
    )
    assert not (tmp_path / "b.db").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_backup_over_something_that_is_not_a_file_is_refused_even_with_force(
    loaded_sample: Run, tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = loaded_sample("backup", "--force", str(fifo))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {fifo} exists and is not a file; give another path for the backup\n"
    )


def test_backup_into_a_folder_it_cannot_write_is_one_line(
    loaded_sample: Run, tmp_path: Path, unreadable: Callable[[Path], Any]
) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    with unreadable(folder):
        result = loaded_sample("backup", str(folder / "b.db"))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot write the backup {folder / 'b.db'} (Permission denied): the file or "
        "its folder is read-only; make them writable (chmod u+w) or give another path; nothing "
        "was written\n"
    )
    assert list(folder.iterdir()) == []


def test_backup_of_a_read_only_archive_is_written(
    loaded_sample: Run, db_path: Path, tmp_path: Path, read_only: Callable[[Path], Any]
) -> None:
    # The copy was given the archive's mode before it was written: read-only, it could not be.
    backup = tmp_path / "backups" / "b.db"
    backup.parent.mkdir()
    with read_only(db_path):
        result = loaded_sample("backup", str(backup))
    assert result.exit_code == 0, result.output
    assert _briefs(backup) == _briefs(db_path)
    assert backup.stat().st_mode & 0o777 == 0o444  # readable by whom the archive is
    assert [p.name for p in backup.parent.iterdir()] == ["b.db"]


@pytest.mark.skipif(not can_mount(), reason="needs root and mount namespaces for a small disk")
@pytest.mark.slow
def test_backup_onto_a_full_disk_leaves_nothing_half_written(
    loaded_sample: Run, db_path: Path, tmp_path: Path, fork: Callable[..., Forked]
) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    small_disk = ["-t", "tmpfs", "-o", "size=200k", "tmpfs", str(disk)]
    result = briefbot_in_namespace(
        fork,
        [small_disk],
        *("--db", str(db_path), "backup", f"{disk}/b.db"),
        list_after=str(disk),
    )
    assert result.returncode == 1
    line, left = result.stderr.splitlines()
    assert line.startswith(f"Error: cannot write the backup {disk}/b.db (")
    assert line.endswith(
        "the disk is full; free some space or give a path on another disk; nothing was written"
    )
    assert left == "left: []"


# -- restore ----------------------------------------------------------------------------------


def test_restore_over_a_stale_wal_gives_the_backup_where_cp_gave_a_mixture(
    loaded_sample: Run, db_path: Path, tmp_path: Path
) -> None:
    backup = _backup_then_3_more(loaded_sample, tmp_path)  # 56 briefs, then 59
    _crash_image(db_path, _more_briefs(tmp_path / "last", 4, 3), tmp_path / "crash")  # 62
    # Before: `cp backup.db briefbot.db` beside the crash's -wal. SQLite replays that log, made
    # over another file, onto the copy: neither the backup nor the crashed archive.
    shutil.copytree(tmp_path / "crash", tmp_path / "cp")
    shutil.copyfile(backup, tmp_path / "cp" / "briefbot.db")
    assert _state(tmp_path / "cp" / "briefbot.db") != (56, "ok")
    db = tmp_path / "crash" / "briefbot.db"
    result = _briefbot("--db", str(db), "restore", str(backup))
    assert result.exit_code == 0, result.output
    [kept] = [p for p in db.parent.iterdir() if ".before-restore-" in p.name]
    assert kept.name.startswith("briefbot.db.before-restore-2")
    assert result.stdout == (
        f"Restored {backup} into {db}: 56 briefs, 141 passages, {db.stat().st_size / 1e6:.1f} "
        f"MB.\nThe database it replaced is kept as {kept} (62 briefs, 147 passages, "
        f"{kept.stat().st_size / 1e6:.1f} MB).\n"
        "Kept from the database it replaced: the bot's journal of Telegram updates and the "
        "digests' subscriptions, topics and send log.\n"
    )
    assert _state(db) == (56, "ok")
    assert _state(kept) == (62, "ok")
    asked = _briefbot("--db", str(db), "ask", "Zanzibar clove traders")
    assert asked.exit_code == 0 and "Zanzibar clove traders met" not in asked.stdout


def _text(path: Path, backup: Path) -> None:
    path.write_text("Publication: Monitor Volume: 1 Issue: 1\n\nNot a database.\n")


def _notes(path: Path, backup: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.close()


def _newer(path: Path, backup: Path) -> None:
    shutil.copyfile(backup, path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('briefbot', 'm099_from_the_future', '2031-01-01')"
        )
    conn.close()


def _torn(path: Path, backup: Path) -> None:
    data = bytearray(backup.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 8192] = b"\xff" * 8192  # two pages of the middle
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (_text, "it is not an SQLite database at all (text)"),
        (
            _notes,
            "it is another application's SQLite database (tables notes), not a briefbot archive",
        ),
        (
            _newer,
            "it was written by a newer briefbot (its schema has m099_from_the_future, which "
            "this one does not know); restore it with that version, or upgrade briefbot first",
        ),
        (_torn, "it is an SQLite file that cannot be read (database disk image is malformed)"),
        (lambda path, backup: None, "there is no such file"),
        (lambda path, backup: path.write_bytes(b""), "it is empty"),
        (lambda path, backup: path.mkdir(), "it is a folder; give the backup file in it"),
        (
            lambda path, backup: os.mkfifo(path),
            "it is not a regular file (a pipe, socket or device)",
        ),
        (
            lambda path, backup: _damage_an_index(Path(shutil.copyfile(backup, path))),
            "it fails SQLite's integrity check (",  # and SQLite's words, as above
        ),
    ],
)
def test_restore_of_what_is_no_usable_backup_says_what_it_is_and_changes_nothing(
    loaded_sample: Run,
    db_path: Path,
    tmp_path: Path,
    make: Callable[[Path, Path], None],
    problem: str,
) -> None:
    backup = tmp_path / "backup.db"
    assert loaded_sample("backup", str(backup)).exit_code == 0
    bad = tmp_path / "bad.db"
    make(bad, backup)
    before = _files(db_path.parent)
    result = loaded_sample("restore", str(bad))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot restore from {bad}: {problem}")
    assert result.stderr.endswith("; nothing was changed\n")
    assert _files(db_path.parent) == before


def test_restore_of_the_database_itself_or_into_another_applications_is_refused(
    loaded_sample: Run, db_path: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "backup.db"
    assert loaded_sample("backup", str(backup)).exit_code == 0
    itself = loaded_sample("restore", str(db_path))
    assert itself.exit_code == 1
    assert itself.stderr == (
        f"Error: {db_path} is the database itself; give the backup file to restore from\n"
    )
    other = tmp_path / "notes.db"
    _notes(other, backup)
    before = _files(tmp_path)
    result = _briefbot("--db", str(other), "restore", str(backup))
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"Error: {other} is not a briefbot database: it is another application's SQLite "
        "database (tables notes); briefbot left it unchanged."
    )
    assert _files(tmp_path) == before
    # A text file at --db is someone's notes, not a damaged database to move aside.
    text = tmp_path / "notes.txt"
    text.write_text("meeting notes\n", encoding="utf-8")
    before = _files(tmp_path)
    refused = _briefbot("--db", str(text), "restore", str(backup))
    assert refused.exit_code == 1
    assert refused.stderr.startswith(f"Error: {text} is not a briefbot database")
    assert "briefbot left it unchanged" in refused.stderr
    assert _files(tmp_path) == before and text.read_text(encoding="utf-8") == "meeting notes\n"
    memory = _briefbot("--db", ":memory:", "restore", str(backup))
    assert memory.stderr == (
        "Error: --db :memory: is no database file to restore into; give one, e.g. "
        "--db data/briefbot.db\n"
    )


def test_restore_of_an_older_archive_upgrades_it_without_a_new_ingest(
    tmp_path: Path, briefs_dir: Path
) -> None:
    old = tmp_path / "old.db"
    conn = sqlite3.connect(old)
    conn.executescript((FIXTURES / "identity" / "pre_issue10.sql").read_text())
    conn.close()
    briefs = _briefs(old)
    db = tmp_path / "live" / "briefbot.db"
    assert _briefbot("--db", str(db), "ingest", "-q", str(briefs_dir)).exit_code == 0
    result = _briefbot("--db", str(db), "restore", str(old))
    assert result.exit_code == 0, result.output
    assert _briefs(db) == briefs
    conn = sqlite3.connect(db)
    columns = [r[1] for r in conn.execute("PRAGMA table_info(briefs)")]
    conn.close()
    assert "origin" in columns  # m005 ran on the restored copy
    asked = _briefbot("--db", str(db), "ask", "who fled abroad?")
    assert asked.exit_code == 0, asked.output


def test_a_brief_ingested_after_a_restore_takes_no_id_the_replaced_database_gave(
    loaded_sample: Run, db_path: Path, tmp_path: Path
) -> None:
    # Old answers' Full brief buttons name brief ids: one given out after the backup was taken
    # must not come to mean another brief.
    given, new = _id_after_restore(loaded_sample, db_path, tmp_path)
    assert new > max(given)


def test_a_brief_ingested_after_restoring_a_backup_of_no_briefs_takes_no_id_given_since(
    run_cli: Run, empty_db: Path, db_path: Path, tmp_path: Path
) -> None:
    # A backup taken before any brief was stored has no AUTOINCREMENT counter for briefs: the
    # database's counter must still be carried over (brief 1 came to mean another brief).
    given, new = _id_after_restore(run_cli, db_path, tmp_path)
    assert new > max(given)


def _id_after_restore(run: Run, db_path: Path, tmp_path: Path) -> tuple[list[int], int]:
    """Back up, ingest 3 briefs, restore the backup and ingest one more; return the ids the
    database held before the restore and the new brief's id."""
    backup = tmp_path / "backup.db"
    assert run("backup", str(backup)).exit_code == 0
    assert run("ingest", "-q", str(_more_briefs(tmp_path / "a", 1, 3))).exit_code == 0
    given = _ids(db_path)
    assert run("restore", "--no-index", str(backup)).exit_code == 0
    before = set(_ids(db_path))
    assert run("ingest", "-q", str(_more_briefs(tmp_path / "b", 4, 1))).exit_code == 0
    [new] = set(_ids(db_path)) - before
    return given, new


def _ids(db: Path) -> list[int]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute("SELECT id FROM briefs")]
    finally:
        conn.close()


def test_restore_of_a_backup_with_other_pages_than_the_database_is_whole(
    loaded_sample: Run, db_path: Path, tmp_path: Path
) -> None:
    # SQLite's backup API cannot copy into a WAL database of another page size.
    backup = tmp_path / "backup.db"
    assert loaded_sample("backup", str(backup)).exit_code == 0
    conn = sqlite3.connect(backup)
    conn.execute("PRAGMA page_size = 8192")
    conn.execute("VACUUM")
    conn.close()
    result = loaded_sample("restore", "--no-index", str(backup))
    assert result.exit_code == 0, result.output
    assert _state(db_path) == (56, "ok")


def test_restore_into_a_new_place_moves_a_wal_left_without_its_database_aside(
    loaded_sample: Run, db_path: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    backup = tmp_path / "backup.db"
    assert loaded_sample("backup", str(backup)).exit_code == 0
    _crash_image(db_path, _more_briefs(tmp_path / "more", 1, 3), tmp_path / "crash")
    db = tmp_path / "crash" / "briefbot.db"
    db.unlink()  # the database deleted, its -wal left behind
    result = _briefbot("--db", str(db), "restore", str(backup))
    assert result.exit_code == 0, result.output
    assert _state(db) == (56, "ok")
    [moved] = [p.name for p in db.parent.iterdir() if "before-restore" in p.name]
    assert moved.startswith("briefbot.db.before-restore-") and moved.endswith("-wal")
    assert (
        f"briefbot.db-wal without its database was moved aside (to {moved[: -len('-wal')]}-…), "
        "so that SQLite could not replay it into the restored one"
    ) in caplog.text


# -- the bot's journal ------------------------------------------------------------------------


def _journal(db: Path) -> dict[int, str]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT update_id, status FROM bot_updates").fetchall())
    finally:
        conn.close()


def _in_flight(backup: Path, update_id: int) -> None:
    """Make ``backup`` what a backup taken while ``update_id`` was being answered holds."""
    conn = sqlite3.connect(backup)
    with conn:
        conn.execute("DELETE FROM bot_update_sends WHERE update_id = ?", [update_id])
        conn.execute("DELETE FROM bot_update_outgoing WHERE update_id = ?", [update_id])
        conn.execute(
            "UPDATE bot_updates SET status = 'received', done_at = NULL WHERE update_id = ?",
            [update_id],
        )
    conn.close()


async def test_a_restored_journal_answers_nothing_twice(
    start_bot: Start,
    fake_telegram: FakeTelegram,
    db_path: Path,
    tmp_path: Path,
    copy_database: Callable[[Path, Path], None],
) -> None:
    fake = fake_telegram
    alice = fake.user(1001, "Alice")

    def answers() -> int:
        return sum("Bazhenov" in (m.plain_text or "") for m in fake.sent_to(1001))

    async with start_bot():
        asked = alice.send("Who fled abroad?")
        await fake.wait_answers(asked)
    backup = tmp_path / "backup.db"
    assert (
        await asyncio.to_thread(_briefbot, "--db", str(db_path), "backup", str(backup))
    ).exit_code == 0
    _in_flight(backup, asked["update_id"])
    # Before: SQLite's own restore (`sqlite3 briefbot.db ".restore backup.db"`) takes the
    # backup's journal, and the bot answers again what it answered after the backup was taken.
    copy_database(backup, db_path)
    async with start_bot():
        await fake.wait_answers(alice.send("/sources"))
    assert answers() == 2
    copy_database(backup, db_path)  # the backup's journal once more: the question in hand
    assert _journal(db_path)[asked["update_id"]] == "received"
    conn = sqlite3.connect(db_path)  # as the database said before that: it was answered
    with conn:
        conn.execute(
            "UPDATE bot_updates SET status = 'done' WHERE update_id = ?", [asked["update_id"]]
        )
    conn.close()
    result = await asyncio.to_thread(
        _briefbot, "--db", str(db_path), "restore", "--no-index", str(backup)
    )
    assert result.exit_code == 0, result.output
    assert _journal(db_path)[asked["update_id"]] == "done"
    async with start_bot():
        await fake.wait_answers(alice.send("/sources"))
    assert answers() == 2


def test_updates_recorded_while_a_restore_runs_are_all_in_the_restored_journal(
    loaded_sample: Run, db_path: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "backup.db"
    assert loaded_sample("backup", str(backup)).exit_code == 0

    def record(conn: sqlite3.Connection, update_id: int) -> None:  # the bot's journal
        conn.execute(
            "INSERT INTO bot_updates (update_id, status, payload, received_at) "
            "VALUES (?, 'received', '{}', '2026-12-05T10:00:00.000000+00:00')",
            [update_id],
        )

    with _writing(db_path, record) as recorded:
        result = loaded_sample("restore", "--no-index", str(backup))
        after = len(recorded)
    assert result.exit_code == 0, result.output
    assert _state(db_path) == (56, "ok")
    kept = sorted(_journal(db_path))
    assert kept == list(range(1, len(recorded) + 1))  # none lost under the restore
    assert after > 1


def test_a_journal_restored_over_a_damaged_database_names_each_update_it_cannot_tell(
    db_path: Path, tmp_path: Path, bot_archive: Archive, caplog: pytest.LogCaptureFixture
) -> None:
    with bot_archive.store.db.conn:
        bot_archive.store.db.execute(
            "INSERT INTO bot_updates (update_id, status, chat_id, payload, received_at) "
            "VALUES (41, 'received', 1001, '{}', '2026-12-05T10:00:00.000000+00:00')"
        )
    bot_archive.store.close()
    backup = tmp_path / "backup.db"
    assert _briefbot("--db", str(db_path), "backup", str(backup)).exit_code == 0
    db_path.write_bytes(b"\x00" * 4096)  # the database damaged beyond reading
    result = _briefbot("--db", str(db_path), "restore", "--no-index", str(backup))
    assert result.exit_code == 0, result.output
    assert "Kept from the database it replaced" not in result.stdout
    [kept] = [p for p in db_path.parent.iterdir() if "before-restore" in p.name]
    assert kept.read_bytes() == b"\x00" * 4096  # moved aside as it was
    assert _journal(db_path) == {41: "done"}
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.getMessage() == (
        "update 41 (chat 1001, received 2026-12-05T10:00:00.000000+00:00) was being answered "
        "when the backup was taken, and the database restored over could not be read: cannot "
        "tell whether it was answered since, so it is not answered again; if it was not, that "
        "chat's message went unanswered"
    )


async def test_a_restore_under_the_running_bot_is_answered_from_then_stops_it(
    start_bot: Start,
    fake_telegram: FakeTelegram,
    db_path: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    refresh_once: Callable[[Any], Any],
) -> None:
    fake = fake_telegram
    backup = tmp_path / "backup.db"
    assert _briefbot("--db", str(db_path), "backup", str(backup)).exit_code == 0
    more = str(_more_briefs(tmp_path / "more", 1, 1))
    assert _briefbot("--db", str(db_path), "ingest", "-q", more).exit_code == 0
    async with start_bot() as app:
        alice = fake.user(1001, "Alice")
        [before] = await fake.wait_answers(alice.send("Zanzibar clove traders?"))
        assert "Zanzibar clove traders met again" in (before.plain_text or "")
        result = await asyncio.to_thread(
            _briefbot, "--db", str(db_path), "restore", "--no-index", str(backup)
        )
        assert result.exit_code == 0, result.output
        after = await fake.wait_answers(alice.send("Zanzibar clove traders?"))
        assert all("Zanzibar clove traders met" not in (m.plain_text or "") for m in after)
        # Numbered from 1: the restored-away passage left a gap ("2. …" first).
        numbered = re.findall(r"(?m)^(\d+)\. ", "\n".join(m.plain_text or "" for m in after))
        assert numbered and numbered[0] == "1"
        reason = await refresh_once(app)
    mark = Store(db_path).restore_mark() or ""
    assert reason == (
        f"the database {db_path} was restored from a backup while the bot ran (briefbot "
        f"restore, {mark.split()[0]}); stopped so that the next start reads the restored "
        "archive, access list and digests"
    )
    assert f"Stopping: {reason}" in caplog.text


def test_restore_into_a_database_locked_too_long_is_one_line_and_changes_nothing(
    loaded_sample: Run, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retrieval.corpus import store as store_module

    backup = tmp_path / "backup.db"
    assert loaded_sample("backup", str(backup)).exit_code == 0
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 1000)
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # a long ingest, say
    try:
        before = _files(db_path.parent)
        result = loaded_sample("restore", str(backup))
        after = _files(db_path.parent)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot restore into {db_path}: another process (an ingest, or the bot) kept it "
        "locked for over 1 s; run it again when that one has finished; nothing was restored\n"
    )
    assert after == before  # no copy kept, no temporary file left


@pytest.mark.skipif(not can_mount(), reason="needs root and mount namespaces for a small disk")
@pytest.mark.slow
def test_restore_onto_a_full_disk_changes_nothing_and_leaves_nothing(
    loaded_sample: Run, db_path: Path, tmp_path: Path, fork: Callable[..., Forked]
) -> None:
    backup = tmp_path / "backup.db"
    assert loaded_sample("backup", str(backup)).exit_code == 0
    disk = tmp_path / "disk"
    disk.mkdir()
    mounts = [
        ["-t", "tmpfs", "-o", "size=1000k", "tmpfs", str(disk)],  # the database and one copy
        ["cp", str(db_path), f"{disk}/briefbot.db"],
    ]
    result = briefbot_in_namespace(
        fork, mounts, "--db", f"{disk}/briefbot.db", "restore", str(backup), list_after=str(disk)
    )
    assert result.returncode == 1
    line, left = result.stderr.splitlines()
    assert line.startswith(f"Error: cannot write the restore into {disk}/briefbot.db (")
    assert line.endswith(
        "the disk is full; free some space (a restore needs room for three more copies of the "
        "archive: the one staged, the database kept and SQLite's log of the restore) and run it "
        "again; nothing was restored"
    )
    assert left == "left: ['briefbot.db']"


@pytest.mark.skipif(not can_mount(), reason="needs root and mount namespaces for a small disk")
@pytest.mark.slow
def test_restore_over_a_damaged_database_that_fails_before_moving_it_says_where_it_is(
    loaded_sample: Run, tmp_path: Path, fork: Callable[..., Forked]
) -> None:
    # The disk fills while the backup is staged, before the damaged database is moved aside:
    # the error named the place it would have been moved to, where there was nothing.
    backup = tmp_path / "backup.db"
    assert loaded_sample("backup", str(backup)).exit_code == 0
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"\x00" * 4096)
    disk = tmp_path / "disk"
    disk.mkdir()
    mounts = [
        ["-t", "tmpfs", "-o", "size=100k", "tmpfs", str(disk)],  # no room for the staged copy
        ["cp", str(damaged), f"{disk}/briefbot.db"],
    ]
    result = briefbot_in_namespace(
        fork, mounts, "--db", f"{disk}/briefbot.db", "restore", str(backup), list_after=str(disk)
    )
    assert result.returncode == 1
    line, left = result.stderr.splitlines()
    assert line.endswith("and run it again; nothing was restored"), line
    assert left == "left: ['briefbot.db']"


def _restore_mark(db: Path) -> str | None:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'restored'").fetchone()
        return None if row is None else str(row[0])
    finally:
        conn.close()


@contextlib.contextmanager
def _ctrl_c_when(happened: Callable[[], bool]) -> Iterator[None]:
    """Inside the block, Ctrl-C arrives as soon as an SQLite backup call (the backup API's
    ``Connection.backup``) returns with ``happened()`` true: Python raises KeyboardInterrupt
    where the signal's handler runs, at the next call of Python code."""

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "c_return" and getattr(arg, "__name__", "") == "backup" and happened():
            raise KeyboardInterrupt  # (and Python drops this profile function)

    sys.setprofile(profile)
    try:
        yield
    finally:
        sys.setprofile(None)


def test_restore_interrupted_after_its_copy_committed_says_it_took_effect_and_keeps_the_old(
    loaded_sample: Run, db_path: Path, tmp_path: Path
) -> None:
    # Ctrl-C just after the backup API committed the copy: the restore had taken effect, but
    # it said "Aborted!" and deleted the copy kept of the database it replaced.
    backup = _backup_then_3_more(loaded_sample, tmp_path)  # 56 briefs, then 59
    with _ctrl_c_when(lambda: _restore_mark(db_path) is not None):
        result = loaded_sample("restore", str(backup))
    [kept] = [p for p in db_path.parent.iterdir() if p.name.endswith(tuple("0123456789Z"))]
    assert kept.name.startswith("briefbot.db.before-restore-2")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: the restore into {db_path} was interrupted (Ctrl-C) after it took effect: "
        f"{db_path} holds the backup {backup} now, and the database it replaced is kept as "
        f"{kept}; there is no need to run it again (the first question brings the index up to "
        "date)\n"
    )
    assert (_state(db_path), _state(kept)) == ((56, "ok"), (59, "ok"))


def test_restore_interrupted_before_its_copy_committed_says_nothing_was_restored(
    loaded_sample: Run, db_path: Path, tmp_path: Path
) -> None:
    # Ctrl-C once the copy of the database replaced is written, under the restore's lock.
    backup = _backup_then_3_more(loaded_sample, tmp_path)
    before = _files(db_path.parent)
    with _ctrl_c_when(lambda: any(".before-restore-" in p.name for p in db_path.parent.iterdir())):
        result = loaded_sample("restore", str(backup))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: the restore into {db_path} was interrupted (Ctrl-C) before it took effect: "
        f"nothing was restored; {db_path} is as it was\n"
    )
    # The copy kept is not needed (the restore put the database in WAL mode: -wal, -shm).
    assert {p for p in _files(db_path.parent) if not p.endswith(("-wal", "-shm"))} == set(before)
    assert _state(db_path) == (59, "ok")
    assert _restore_mark(db_path) is None


def test_a_restore_from_an_older_backup_sends_no_digested_brief_again(
    loaded_sample: Run, db_path: Path, tmp_path: Path
) -> None:
    # The digests' marks and send log were restored as the backup held them: a chat's next
    # digest held again every brief it had been sent since the backup was taken.
    import datetime as dt

    from retrieval.delivery.subscriptions import SubscriptionStore

    def digest(run: Run) -> str:
        result = run("digest", "preview", "1001")
        assert result.exit_code == 0, result.output
        return str(result.output)

    store = Store(db_path)
    subs = SubscriptionStore(store)
    subs.subscribe(1001, dt.time(8), "UTC")
    store.close()
    assert "56 new briefs" in digest(loaded_sample)
    backup = tmp_path / "backup.db"
    assert loaded_sample("backup", str(backup)).exit_code == 0
    # The day's digest goes out as the bot's job sends it: claimed, then every part accepted.
    store = Store(db_path)
    subs = SubscriptionStore(store)
    today = dt.datetime.now(dt.UTC)
    sent = subs.claim(
        1001, today.date(), today, after_brief_id=0, upto_brief_id=56, briefs=56,
        parts=["<b>Digest</b>"], run_id="run-1",
    )  # fmt: skip
    assert sent is not None
    subs.part_sent(sent.id, 1)
    store.close()
    assert "Nothing new" in digest(loaded_sample)
    assert loaded_sample("restore", str(backup)).exit_code == 0
    assert "Nothing new" in digest(loaded_sample)
    store = Store(db_path)
    subs = SubscriptionStore(store)
    try:
        # Nor a second digest that day: its send is in the log.
        assert subs.send_for(1001, today.date()) is not None
    finally:
        store.close()


def test_digests_restored_over_a_damaged_database_say_what_cannot_be_told(
    loaded_sample: Run, db_path: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import datetime as dt

    from retrieval.delivery.subscriptions import SubscriptionStore

    store = Store(db_path)
    SubscriptionStore(store).subscribe(1001, dt.time(8), "UTC")
    store.close()
    backup = tmp_path / "backup.db"
    assert loaded_sample("backup", str(backup)).exit_code == 0
    db_path.write_bytes(b"\x00" * 4096)  # the database damaged beyond reading
    assert loaded_sample("restore", "--no-index", str(backup)).exit_code == 0
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warning == (
        "chat 1001's digests since the backup was taken cannot be told (the database restored "
        "over could not be read): its next digest holds the briefs after brief 0, some of which "
        "it may have had already"
    )
