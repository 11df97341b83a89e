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


@migrations()
def m010_create_question_log(db: Database) -> None:
    """Create ``bot_questions``: every question the bot answered, with the passages it showed.

    A row's id is also the short key that the answer's buttons carry (Telegram allows 64 bytes of
    callback data), so "More" and the feedback buttons keep working after a restart.
    """
    db.execute(
        """
        CREATE TABLE bot_questions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            asked_at TEXT NOT NULL,
            user_id INTEGER,
            chat_id INTEGER,
            kind TEXT NOT NULL,
            question TEXT NOT NULL,
            result_offset INTEGER NOT NULL DEFAULT 0,
            found INTEGER NOT NULL,
            passage_ids TEXT NOT NULL DEFAULT '[]'
        )
        """
    )
    db.table("bot_questions").create_index(["asked_at"])


@migrations()
def m011_create_feedback(db: Database) -> None:
    """Create ``bot_feedback``: one 👍/👎 per user and answer, with the question and passages."""
    db.execute(
        """
        CREATE TABLE bot_feedback (
            question_id INTEGER NOT NULL REFERENCES bot_questions(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL,
            vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
            question TEXT NOT NULL,
            passage_ids TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (question_id, user_id)
        )
        """
    )


@migrations()
def m012_create_access_list(db: Database) -> None:
    """Create ``bot_access``: who admins allowed (/allow) or denied (/deny), by user id, chat id
    or @username."""
    db.execute(
        """
        CREATE TABLE bot_access (
            subject TEXT PRIMARY KEY,
            allowed INTEGER NOT NULL,
            changed_by INTEGER,
            changed_at TEXT NOT NULL
        )
        """
    )
