"""The archive's numbered schema migrations, applied every time a store opens.

Add a migration by appending a function named ``mNNN_what_it_does``; never edit one that has
shipped. Numbers 001-009 belong to the archive. The parts built on it keep their own tables'
migrations, recorded in this same set ("briefbot") and applied where they open the store
(``Store.upgrade``): 010-019 the bot's (``bot/state/migrations.py``), 020-029 digests, inbox,
feeds and notices (``retrieval/delivery/migrations.py``).
"""

from __future__ import annotations

import logging

from sqlite_utils import Database
from sqlite_utils.db import Table
from sqlite_utils.migrations import Migrations

migrations = Migrations("briefbot")
logger = logging.getLogger(__name__)


@migrations()
def m001_create_briefs(db: Database) -> None:
    """Create ``briefs``, ``passages`` and ``meta``."""
    # AUTOINCREMENT: ids are never reused, so a cached index can never point a stale id at a
    # different passage.
    db.execute(
        """
        CREATE TABLE briefs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT NOT NULL UNIQUE,
            doc_id TEXT,
            publication TEXT NOT NULL,
            volume INTEGER,
            issue INTEGER,
            date TEXT,
            title TEXT,
            author TEXT,
            url TEXT,
            source TEXT,
            text TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            added_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    briefs = db.table("briefs")
    briefs.create_index(["publication", "volume", "issue"])
    briefs.create_index(["added_at"])
    briefs.create_index(["doc_id"])
    db.execute(
        """
        CREATE TABLE passages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            brief_id INTEGER NOT NULL REFERENCES briefs(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            text TEXT NOT NULL,
            char_start INTEGER NOT NULL,
            char_end INTEGER NOT NULL
        )
        """
    )
    db.table("passages").create_index(["brief_id", "position"], unique=True)
    meta: Table = db.table("meta")
    meta.create({"key": str, "value": str}, pk="key")
    meta.insert({"key": "generation", "value": "0"})


@migrations()
def m002_track_passage_deletions(db: Database) -> None:
    """Create ``passage_deletions`` (filled by a trigger) and give the database an ``archive_id``.

    The saved index (``retrieval/search/cache.py``) learns from this log which passages left the
    archive since it was written (a changed brief replaces its passages), so it catches up without
    re-reading a million passages; ``archive_id`` tells a cache made for another database apart.
    """
    # A trigger rather than code in Store: every delete is logged, including ON DELETE CASCADE
    # from briefs and deletes written by other tools.
    db.execute(
        "CREATE TABLE passage_deletions ("
        "seq INTEGER PRIMARY KEY AUTOINCREMENT, passage_id INTEGER NOT NULL)"
    )
    db.execute(
        "CREATE TRIGGER passages_log_delete AFTER DELETE ON passages BEGIN "
        "INSERT INTO passage_deletions (passage_id) VALUES (old.id); END"
    )
    db.execute("INSERT INTO meta (key, value) VALUES ('archive_id', lower(hex(randomblob(16))))")


# -- the archive's history (issue 17) ----------------------------------------------------------

# What a trigger runs when rows the index is built from change outside ``Store``'s write path
# (another tool, a hand edit): a new generation marked 'edit', which a saved index cannot catch up
# with, so it is rebuilt.
_LOG_EDIT = (
    "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'; "
    "INSERT INTO archive_changes (generation, token, kind, changed_at) "
    "SELECT CAST(value AS INTEGER), lower(hex(randomblob(8))), 'edit', "
    "strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM meta WHERE key = 'generation';"
)


@migrations()
def m003_log_archive_changes(db: Database) -> None:
    """Create ``archive_changes``: one row per generation, with a random token, and the triggers
    that log changes made by other tools.

    ``Store`` bumps ``meta.generation`` and adds a row in the same transaction as every write. A
    saved index records the generation and token it reflects; a database restored from a backup,
    then written to, reaches the same generation with another token, so the index can tell that
    its history is not the database's (issue 17). Rows marked ``edit`` come from the triggers:
    passages changed in place, or a brief's indexed fields changed while it has passages (``Store``
    deletes a changed brief's passages before updating it, so its own updates never fire them).
    Inserts need no trigger (one per passage would slow every ingest): a passage with a new id is
    caught up like any other, and one slipped in below the highest id leaves the index a passage
    short of the database, which the indexer notices at open and rebuilds.
    """
    db.execute(
        """
        CREATE TABLE archive_changes (
            generation INTEGER PRIMARY KEY,
            token TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('write', 'edit')),
            changed_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        "INSERT INTO archive_changes (generation, token, kind, changed_at) "
        "SELECT CAST(value AS INTEGER), lower(hex(randomblob(8))), 'write', "
        "strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM meta WHERE key = 'generation'"
    )
    db.execute(f"CREATE TRIGGER passages_log_edit AFTER UPDATE ON passages BEGIN {_LOG_EDIT} END")
    db.execute(
        "CREATE TRIGGER briefs_log_edit AFTER UPDATE OF "
        "publication, volume, issue, date, title ON briefs "
        "WHEN EXISTS (SELECT 1 FROM passages WHERE brief_id = new.id) "
        f"BEGIN {_LOG_EDIT} END"
    )


@migrations()
def m004_repair_out_of_range_numbers(db: Database) -> None:
    """Clear volume and issue numbers that the index cannot hold (not whole numbers from 0 to
    2^31 - 1), which earlier versions stored from JSONL and which made every question fail.

    Each repaired brief is logged (id, key, the value cleared) and, for the bot's admins, recorded
    in ``admin_notices``; its text and passages are kept.
    """
    bad = "({col} IS NOT NULL AND (typeof({col}) != 'integer' OR {col} < 0 OR {col} > 2147483647))"
    where = f"{bad.format(col='volume')} OR {bad.format(col='issue')}"
    rows = db.execute(f"SELECT id, key, volume, issue FROM briefs WHERE {where}").fetchall()
    for brief_id, key, volume, issue in rows:
        message = (
            f"brief {brief_id} ({str(key)[:80]}) had volume {str(volume)[:40]} and issue "
            f"{str(issue)[:40]}, which the index cannot hold (whole numbers from 0 to "
            "2147483647); out-of-range values were cleared, the text kept. Ingest it again "
            "with the right numbers to fix its citation."
        )
        logger.warning("%s", message)
        # admin_notices (m023, now in retrieval/delivery/migrations.py) exists wherever this finds
        # a row: the databases made before this migration had it; a new one has no briefs yet.
        db.execute(
            "INSERT OR IGNORE INTO admin_notices (key, text, created_at) "
            "VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            [f"repaired-brief:{brief_id}", message],
        )
    for col in ("volume", "issue"):
        db.execute(f"UPDATE briefs SET {col} = NULL WHERE {bad.format(col=col)}")


# -- brief identity by where it came from (issue 10) --------------------------------------------


@migrations()
def m005_add_brief_origin(db: Database) -> None:
    """Add ``origin`` and ``position`` to ``briefs``: a brief's file (relative to the folder or file
    named to ingest) and its place among that file's briefs, its identity from now on (issue 10).

    Existing briefs keep their key and get NULL here: nothing is rewritten or lost. When their file
    is ingested again, each is found by its old key (or, unchanged, by its content) and takes on
    the new identity; the briefs that file stored before and no longer holds are removed then.
    """
    db.execute("ALTER TABLE briefs ADD COLUMN origin TEXT")
    db.execute("ALTER TABLE briefs ADD COLUMN position INTEGER")
    db.execute("CREATE INDEX idx_briefs_origin ON briefs (origin)")
    db.execute("CREATE INDEX idx_briefs_legacy_source ON briefs (source) WHERE origin IS NULL")
