"""The bot's own tables (question log, feedback, access list, chats, follow-ups, update journal).

They are recorded in the archive's migration set, "briefbot", under the names they have always
had, so a database made before they moved here upgrades without running anything again. They are
never registered on the archive's own ``Migrations`` object: the library opens a store with the
archive's tables only, and the bot applies these explicitly wherever it opens one
(``upgrade(store)``), so whether they run never depends on what happened to be imported. On a new
database they run after all of the archive's, in the order below (each touches only the bot's own
tables, so the schema is the one the old interleaved order made).

Add a migration by appending a function named ``m0NN_what_it_does`` (010-019); never edit one that
has shipped.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from retrieval.corpus.store import Store

# The same set name as ``retrieval.corpus.migrations``: sqlite-utils records applied migrations
# by (set name, migration name), so existing databases already hold these names as applied.
migrations = Migrations("briefbot")


def upgrade(store: Store) -> None:
    """Create or update the bot's tables in ``store``'s database; nothing is written when they
    are up to date.

    Raises:
        ArchiveWriteError: if a migration is pending and the database is read-only.
    """
    store.upgrade(migrations)


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


@migrations()
def m013_create_bot_chats(db: Database) -> None:
    """Create ``bot_chats``: every chat the bot has had an update from (issue 12's audit).

    The access audit lists the groups the bot is in that are not allowed; a private chat's row keeps
    its user's @username, so a daily digest can check an ``@username`` entry with no one asking.
    ``left_at`` is set when the bot leaves or is removed (``my_chat_member``).
    """
    db.execute(
        """
        CREATE TABLE bot_chats (
            chat_id INTEGER PRIMARY KEY,
            type TEXT NOT NULL,
            title TEXT,
            username TEXT,
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            left_at TEXT
        )
        """
    )


@migrations()
def m014_remember_followup_context(db: Database) -> None:
    """Remember what a follow-up question continues (issue 15).

    ``bot_questions.context``: the earlier questions (JSON list, oldest first) a question was read
    with; NULL when it was read alone or logged before this migration. ``bot_answer_messages``:
    which answer each message the bot sent holds, so that a reply to it continues that question.
    ``bot_followups``: per chat and user, the last answered question and when (a private chat's
    next message may continue it for a few minutes); ``/new`` deletes the row.
    """
    db.execute("ALTER TABLE bot_questions ADD COLUMN context TEXT")
    db.execute(
        """
        CREATE TABLE bot_answer_messages (
            chat_id INTEGER NOT NULL,
            message_id INTEGER NOT NULL,
            question_id INTEGER NOT NULL REFERENCES bot_questions(id) ON DELETE CASCADE,
            sent_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, message_id)
        )
        """
    )
    db.table("bot_answer_messages").create_index(["sent_at"])
    db.execute(
        """
        CREATE TABLE bot_followups (
            chat_id INTEGER NOT NULL,
            user_id INTEGER NOT NULL,
            question_id INTEGER NOT NULL REFERENCES bot_questions(id) ON DELETE CASCADE,
            answered_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, user_id)
        )
        """
    )


@migrations()
def m015_create_update_journal(db: Database) -> None:
    """Create ``bot_updates`` (every Telegram update, recorded before Telegram is told it was
    received), ``bot_update_sends`` (the messages sent in answer to each) and ``bot_more_pages``
    (which answer's "More" page was sent, by which update)."""
    # status 'received' -> 'done' once its answer was sent; after a crash every 'received' row is
    # answered again, and bot_update_sends says which of its messages Telegram already has.
    db.execute(
        """
        CREATE TABLE bot_updates (
            update_id INTEGER PRIMARY KEY,
            status TEXT NOT NULL CHECK (status IN ('received', 'done')),
            chat_id INTEGER,
            payload TEXT NOT NULL,
            received_at TEXT NOT NULL,
            done_at TEXT,
            attempts INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    db.table("bot_updates").create_index(["status"])
    db.execute(
        """
        CREATE TABLE bot_update_sends (
            update_id INTEGER NOT NULL REFERENCES bot_updates(update_id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            chat_id INTEGER NOT NULL,
            message_id INTEGER NOT NULL,
            sent_at TEXT NOT NULL,
            PRIMARY KEY (update_id, seq)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE bot_more_pages (
            question_id INTEGER PRIMARY KEY,
            update_id INTEGER NOT NULL,
            created_at TEXT NOT NULL
        )
        """
    )


@migrations()
def m016_log_each_update_once(db: Database) -> None:
    """Give ``bot_questions`` the update each question came in, logged once per update: an update
    answered again after a restart finds its question's row (and its buttons' id) instead of
    logging it twice."""
    db.execute("ALTER TABLE bot_questions ADD COLUMN update_id INTEGER")
    db.execute(
        "CREATE UNIQUE INDEX bot_questions_update ON bot_questions (update_id, kind, "
        "result_offset) WHERE update_id IS NOT NULL"
    )


@migrations()
def m017_record_messages_on_their_way(db: Database) -> None:
    """Create ``bot_update_outgoing``: a message whose request was starting to go to Telegram
    (``started_at``) and, once its last byte was written, had left (``left_at``), before the bot
    read Telegram's reply. After a crash a message that had left is taken as delivered; one that
    was only starting gets a note in its place instead of a second copy."""
    db.execute(
        """
        CREATE TABLE bot_update_outgoing (
            update_id INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            chat_id INTEGER NOT NULL,
            started_at TEXT NOT NULL,
            left_at TEXT,
            PRIMARY KEY (update_id, seq)
        )
        """
    )


@migrations()
def m018_remember_what_a_question_could_continue(db: Database) -> None:
    """Give ``bot_questions`` the earlier questions (``could_continue``, a JSON list, oldest
    first) that a short question read alone as naming a new subject might have continued, so its
    answer's "Read with earlier question" button can ask it with them; NULL otherwise."""
    db.execute("ALTER TABLE bot_questions ADD COLUMN could_continue TEXT")
