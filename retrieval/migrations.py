"""Numbered schema migrations, applied every time a store opens.

Add a migration by appending a function named ``mNNN_what_it_does``; never edit one that has
shipped. Numbers 001-009 belong to the archive, 010-019 to the bot, 020-029 to digests.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.db import Table
from sqlite_utils.migrations import Migrations

migrations = Migrations("briefbot")


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
