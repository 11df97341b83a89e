"""The tables of digests, topics, the inbox folder, feeds and admin notices (numbers 020-029).

They are recorded in the archive's migration set, "briefbot", under the names they have always
had, so a database made before they moved here upgrades without running anything again. They are
not registered on the archive's own ``Migrations`` object: ``SubscriptionStore`` and ``Notices``
(which ``Inbox`` and ``Feeds`` use) apply them explicitly when they are made over a store
(``upgrade(store)``), so whether they run never depends on what happened to be imported. On a new
database they run after all of the archive's, in the order below (each touches only these tables,
so the schema is the one the old interleaved order made).

Add a migration by appending a function named ``m02N_what_it_does``; never edit one that has
shipped.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from retrieval.corpus.store import Store

# The same set name as ``retrieval.corpus.migrations``: sqlite-utils records applied migrations
# by (set name, migration name), so existing databases already hold these names as applied.
migrations = Migrations("briefbot")


def upgrade(store: Store) -> None:
    """Create or update the digest, inbox, feed and notice tables in ``store``'s database;
    nothing is written when they are up to date.

    Raises:
        ArchiveWriteError: if a migration is pending and the database is read-only.
    """
    store.upgrade(migrations)


@migrations()
def m020_create_subscriptions(db: Database) -> None:
    """Create ``subscriptions`` (one daily digest per chat, with its "last sent" mark) and
    ``watches`` (a chat's topics)."""
    # last_sent_brief_id is the mark: the digest holds briefs with a larger id. Brief ids come
    # from AUTOINCREMENT and SQLite has one writer at a time, so a committed id is never followed
    # by a smaller one; a timestamp mark could miss a brief whose transaction committed late.
    db.execute(
        """
        CREATE TABLE subscriptions (
            chat_id INTEGER PRIMARY KEY,
            digest_time TEXT NOT NULL,
            timezone TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            last_sent_brief_id INTEGER NOT NULL DEFAULT 0,
            last_sent_at TEXT,
            schedule_since TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            stopped_at TEXT,
            stop_reason TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE watches (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            chat_id INTEGER NOT NULL,
            query TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (chat_id, query)
        )
        """
    )


@migrations()
def m021_create_digest_sends(db: Database) -> None:
    """Create ``digest_sends``: one row per chat and local day, written before sending."""
    # UNIQUE (chat_id, local_date) is what makes "never two digests for one day" hold: a digest is
    # claimed by inserting its row before the first message goes out.
    db.execute(
        """
        CREATE TABLE digest_sends (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            chat_id INTEGER NOT NULL,
            local_date TEXT NOT NULL,
            slot_at TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN (
                'sending', 'sent', 'failed', 'interrupted', 'empty', 'undeliverable', 'abandoned'
            )),
            after_brief_id INTEGER NOT NULL,
            upto_brief_id INTEGER NOT NULL,
            briefs INTEGER NOT NULL DEFAULT 0,
            parts TEXT NOT NULL DEFAULT '[]',
            parts_sent INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            run_id TEXT,
            error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            sent_at TEXT,
            UNIQUE (chat_id, local_date)
        )
        """
    )
    db.table("digest_sends").create_index(["status"])


@migrations()
def m022_create_inbox_and_feeds(db: Database) -> None:
    """Create ``inbox_files``, ``feeds`` and ``feed_entries``: what the bot's own sources saw."""
    db.execute(
        """
        CREATE TABLE inbox_files (
            path TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            status TEXT NOT NULL,
            summary TEXT,
            checked_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE feeds (
            url TEXT PRIMARY KEY,
            title TEXT,
            etag TEXT,
            modified TEXT,
            last_ok_at TEXT,
            failing_since TEXT,
            failures INTEGER NOT NULL DEFAULT 0,
            last_error TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE feed_entries (
            feed_url TEXT NOT NULL,
            entry_id TEXT NOT NULL,
            brief_id INTEGER,
            status TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            PRIMARY KEY (feed_url, entry_id)
        )
        """
    )


@migrations()
def m023_create_admin_notices(db: Database) -> None:
    """Create ``admin_notices``: problems to tell the admins about, each exactly once."""
    # key is UNIQUE so that a problem seen on every scan (the same rejected file, the same failing
    # feed) is recorded, and so reported, once.
    db.execute(
        """
        CREATE TABLE admin_notices (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT NOT NULL UNIQUE,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL,
            sent_at TEXT
        )
        """
    )


@migrations()
def m024_add_subscription_pause(db: Database) -> None:
    """Add ``paused_at`` and ``pause_reason`` to ``subscriptions``.

    A chat that is no longer allowed keeps its subscription (time, topics, mark) but gets no digest
    until it is allowed again (issue 12); NULL means not paused.
    """
    db.execute("ALTER TABLE subscriptions ADD COLUMN paused_at TEXT")
    db.execute("ALTER TABLE subscriptions ADD COLUMN pause_reason TEXT")
