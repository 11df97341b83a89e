"""Which answer's "More" page was sent: ``bot_more_pages``, so pressing More twice (or pressing it
and typing "more") sends the next page once. Synchronous; run on the database thread."""

from __future__ import annotations

from sqlite_utils import Database

from retrieval.corpus.clock import utcnow


def claim(db: Database, question_id: int, update_id: int) -> bool:
    """Return whether ``update_id`` may send the page after question ``question_id``.

    True the first time, and again for the same update (answered again after a restart); False
    when another update sent (or is sending) that page.
    """
    with db.conn:
        db.execute(
            "INSERT OR IGNORE INTO bot_more_pages (question_id, update_id, created_at) "
            "VALUES (?, ?, ?)",
            [question_id, update_id, utcnow()],
        )
    row = db.execute(
        "SELECT update_id FROM bot_more_pages WHERE question_id = ?", [question_id]
    ).fetchone()
    return row is not None and row[0] == update_id


def release(db: Database, question_id: int, update_id: int) -> None:
    """Give up ``update_id``'s claim (nothing was sent), so that a later press may try again."""
    with db.conn:
        db.execute(
            "DELETE FROM bot_more_pages WHERE question_id = ? AND update_id = ?",
            [question_id, update_id],
        )
