"""Problems to tell the admins about (a rejected inbox file, a failing feed), each exactly once.

A notice has a key naming the problem (``inbox:PATH:SHA256``, ``feed:URL:SINCE``); recording the
same key again does nothing, so a problem seen on every scan is reported once. The bot sends the
pending notices and marks them sent (table ``admin_notices``, migration m023).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from retrieval.corpus.clock import Clock, iso, utc_clock
from retrieval.corpus.store import Store


@dataclass(frozen=True)
class Notice:
    """One message for the admins."""

    id: int
    key: str
    text: str
    created_at: str


class Notices:
    """The admin notice outbox in the archive's database.

    Args:
        store: the archive's store.
        now: the clock.
    """

    def __init__(self, store: Store, *, now: Clock = utc_clock):
        self.conn = store.db.conn
        self.now = now

    def add(self, key: str, text: str) -> bool:
        """Record a notice unless one with ``key`` exists; return whether it was new."""
        try:
            with self.conn:
                self.conn.execute(
                    "INSERT INTO admin_notices (key, text, created_at) VALUES (?, ?, ?)",
                    [key, text, iso(self.now())],
                )
        except sqlite3.IntegrityError:
            return False
        return True

    def pending(self) -> list[Notice]:
        """Return the notices not sent yet, oldest first. Read-only."""
        rows = self.conn.execute(
            "SELECT id, key, text, created_at FROM admin_notices WHERE sent_at IS NULL ORDER BY id"
        ).fetchall()
        return [Notice(*row) for row in rows]

    def mark_sent(self, notice_id: int) -> None:
        """Record that the notice reached the admins (or was logged, when there are none)."""
        with self.conn:
            self.conn.execute(
                "UPDATE admin_notices SET sent_at = ? WHERE id = ?", [iso(self.now()), notice_id]
            )
