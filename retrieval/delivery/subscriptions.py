"""Digest subscriptions, the topics each chat watches, and the log that sends each digest once.

Tables (``retrieval/delivery/migrations.py`` m020, m021, m024): ``subscriptions`` holds each chat's
digest time, time zone, "last sent" mark and pause; ``watches`` its topics; ``digest_sends`` one
row per chat and local day. A paused subscription (its chat is no longer allowed) keeps everything
and gets no digest until it is resumed; its mark does not move, so the first digest after it holds
what the chat missed.

Exactly once works like this: a digest is *claimed* by inserting its ``digest_sends`` row (status
``sending``, with the messages to send) before the first message goes out; the UNIQUE (chat, day)
key makes a second claim for the same day fail. Each message Telegram accepts is counted; the last
one marks the row ``sent`` and moves the chat's mark in the same transaction. A send that failed
(``failed``) is retried from the first message not yet accepted. A ``sending`` row left by a
process that died is ``interrupted``: it may or may not have reached the chat, so it is never sent
again that day, and since the mark did not move its briefs go out with the next digest.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from retrieval.corpus.clock import Clock, iso, parse_iso, utc_clock
from retrieval.corpus.restore import Keep
from retrieval.corpus.store import Store
from retrieval.delivery.migrations import upgrade
from retrieval.delivery.schedule import latest_slot, next_slot, parse_time, parse_timezone
from retrieval.errors import (
    InvalidQueryError,
    NothingToSearchError,
    WatchLimitError,
    WatchNotFoundError,
)
from retrieval.text.analyzer import analyze
from retrieval.text.query import parse_question

MAX_WATCHES = 20
MAX_WATCH_CHARS = 200
DEFAULT_LOOKBACK = dt.timedelta(hours=24)
"""A new subscription's first digest holds the briefs that entered the archive this long before."""


@dataclass(frozen=True)
class Subscription:
    """One chat's daily digest: its local time and zone, and its "last sent" mark.

    ``last_sent_brief_id`` is the mark: the next digest holds the briefs with a larger id.
    """

    chat_id: int
    at: dt.time
    timezone: str
    active: bool
    last_sent_brief_id: int
    last_sent_at: str | None
    schedule_since: str
    created_at: str
    stopped_at: str | None = None
    stop_reason: str | None = None
    paused_at: str | None = None
    pause_reason: str | None = None

    @property
    def paused(self) -> bool:
        """Return whether the digest is held back (the chat is not allowed now)."""
        return self.paused_at is not None

    @property
    def time_text(self) -> str:
        """Return the digest time as ``HH:MM``."""
        return f"{self.at:%H:%M}"

    def latest_slot(self, now: dt.datetime) -> tuple[dt.date, dt.datetime] | None:
        """Return ``(local_date, instant)`` of the most recent digest time at or before ``now``
        since this schedule was set, or None."""
        return latest_slot(now, self.at, self.timezone, since=parse_iso(self.schedule_since))

    def next_slot(self, now: dt.datetime) -> dt.datetime:
        """Return the next digest time after ``now`` (aware, UTC)."""
        return next_slot(now, self.at, self.timezone)


@dataclass(frozen=True)
class Watch:
    """A topic a chat watches; ``number`` is its place in the chat's list (1-based)."""

    id: int
    chat_id: int
    number: int
    query: str
    created_at: str


@dataclass(frozen=True)
class DigestSend:
    """One day's digest for one chat, as the send log holds it."""

    id: int
    chat_id: int
    local_date: str
    slot_at: str
    status: str
    after_brief_id: int
    upto_brief_id: int
    briefs: int
    parts: list[str]
    parts_sent: int
    attempts: int
    run_id: str | None
    error: str | None
    created_at: str
    sent_at: str | None


def check_topic(query: str) -> str:
    """Return ``query`` tidied (whitespace collapsed) if it can be searched.

    Raises:
        InvalidQueryError: if it is empty, too long or has a malformed filter.
        NothingToSearchError: if it has only common words or punctuation.
    """
    text = " ".join(query.split())
    if not text:
        raise InvalidQueryError("the topic is empty; write the words to watch, e.g. corruption")
    if len(text) > MAX_WATCH_CHARS:
        raise InvalidQueryError(
            f"the topic is {len(text)} characters long; the limit is {MAX_WATCH_CHARS}. "
            "Watch a few words, e.g. corruption Kazakhstan"
        )
    words, _ = parse_question(text)
    if not analyze(words):
        raise NothingToSearchError(
            f"the topic {text!r} has only common words or filters; add a word to look for"
        )
    return text


def _subscription(row: dict[str, Any]) -> Subscription:
    return Subscription(
        chat_id=row["chat_id"],
        at=parse_time(row["digest_time"]),
        timezone=row["timezone"],
        active=bool(row["active"]),
        last_sent_brief_id=row["last_sent_brief_id"],
        last_sent_at=row["last_sent_at"],
        schedule_since=row["schedule_since"],
        created_at=row["created_at"],
        stopped_at=row["stopped_at"],
        stop_reason=row["stop_reason"],
        paused_at=row["paused_at"],
        pause_reason=row["pause_reason"],
    )


def _send(row: dict[str, Any]) -> DigestSend:
    data = dict(row)
    data["parts"] = json.loads(data["parts"])
    data.pop("updated_at", None)
    return DigestSend(**data)


class SubscriptionStore:
    """Subscriptions, watches and the digest send log in the archive's database.

    Args:
        store: the archive's store (its connection is used; the tables are made here if missing).
        now: the clock.
    """

    def __init__(self, store: Store, *, now: Clock = utc_clock):
        upgrade(store)  # this part's own tables (retrieval/delivery/migrations.py)
        self.store = store
        self.now = now
        self.conn = store.db.conn

    def _rows(self, sql: str, args: list[Any] | tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        return list(self.store.db.query(sql, args))

    # -- subscriptions ---------------------------------------------------------------------

    def subscribe(
        self,
        chat_id: int,
        at: dt.time,
        timezone: str,
        *,
        lookback: dt.timedelta = DEFAULT_LOOKBACK,
    ) -> Subscription:
        """Subscribe ``chat_id`` to a daily digest at ``at`` in ``timezone``; return it.

        A new (or resumed) subscription's first digest holds the briefs that entered the archive in
        the ``lookback`` before now, and what comes after; changing the time of an active one keeps
        its mark. Writes one row.

        Raises:
            InvalidScheduleError: if ``timezone`` is unknown.
        """
        tz = parse_timezone(timezone)
        now = iso(self.now())
        mark = self.mark_for(chat_id, lookback=lookback)
        with self.conn:
            self.conn.execute(
                """
                INSERT INTO subscriptions (chat_id, digest_time, timezone, active,
                    last_sent_brief_id, schedule_since, created_at, updated_at)
                VALUES (?, ?, ?, 1, ?, ?, ?, ?)
                ON CONFLICT (chat_id) DO UPDATE SET digest_time = excluded.digest_time,
                    timezone = excluded.timezone, active = 1,
                    last_sent_brief_id = excluded.last_sent_brief_id,
                    schedule_since = excluded.schedule_since, updated_at = excluded.updated_at,
                    stopped_at = NULL, stop_reason = NULL, paused_at = NULL, pause_reason = NULL
                """,
                [chat_id, f"{at:%H:%M}", tz, mark, now, now, now],
            )
        sub = self.get(chat_id)
        assert sub is not None  # written just above
        return sub

    def unsubscribe(self, chat_id: int, reason: str) -> bool:
        """Stop the chat's daily digest (mark and topics are kept); return whether it had one."""
        with self.conn:
            cur = self.conn.execute(
                "UPDATE subscriptions SET active = 0, stopped_at = ?, stop_reason = ?, "
                "updated_at = ? WHERE chat_id = ? AND active = 1",
                [iso(self.now()), reason, iso(self.now()), chat_id],
            )
        return cur.rowcount > 0

    def pause(self, chat_id: int, reason: str) -> bool:
        """Hold back the chat's digest, keeping its time, topics and mark; return whether it was
        running (an active subscription not paused yet)."""
        now = iso(self.now())
        with self.conn:
            cur = self.conn.execute(
                "UPDATE subscriptions SET paused_at = ?, pause_reason = ?, updated_at = ? "
                "WHERE chat_id = ? AND active = 1 AND paused_at IS NULL",
                [now, reason, now, chat_id],
            )
        return cur.rowcount > 0

    def resume(self, chat_id: int) -> bool:
        """Let a paused digest go out again from its mark; return whether it was paused."""
        with self.conn:
            cur = self.conn.execute(
                "UPDATE subscriptions SET paused_at = NULL, pause_reason = NULL, updated_at = ? "
                "WHERE chat_id = ? AND paused_at IS NOT NULL",
                [iso(self.now()), chat_id],
            )
        return cur.rowcount > 0

    def get(self, chat_id: int) -> Subscription | None:
        """Return the chat's subscription (active or stopped), or None. Read-only."""
        rows = self._rows("SELECT * FROM subscriptions WHERE chat_id = ?", [chat_id])
        return _subscription(rows[0]) if rows else None

    def subscriptions(self, *, active_only: bool = True) -> list[Subscription]:
        """Return the subscriptions, by chat id. Read-only."""
        where = "WHERE active = 1 " if active_only else ""
        return [
            _subscription(r)
            for r in self._rows(f"SELECT * FROM subscriptions {where}ORDER BY chat_id")
        ]

    def mark_for(self, chat_id: int, *, lookback: dt.timedelta = DEFAULT_LOOKBACK) -> int:
        """Return where the chat's next digest starts: its mark, or, for a chat without an active
        subscription, no earlier than ``lookback`` ago. Read-only."""
        floor_at = iso(self.now() - lookback)
        floor = int(
            self.conn.execute(
                "SELECT coalesce(max(id), 0) FROM briefs WHERE added_at <= ?", [floor_at]
            ).fetchone()[0]
        )
        sub = self.get(chat_id)
        if sub is None:
            return floor
        return sub.last_sent_brief_id if sub.active else max(sub.last_sent_brief_id, floor)

    # -- watches ---------------------------------------------------------------------------

    def watches(self, chat_id: int) -> list[Watch]:
        """Return the chat's topics, numbered from 1 in the order they were added. Read-only."""
        rows = self._rows("SELECT * FROM watches WHERE chat_id = ? ORDER BY id", [chat_id])
        return [
            Watch(r["id"], r["chat_id"], n, r["query"], r["created_at"])
            for n, r in enumerate(rows, start=1)
        ]

    def add_watch(
        self, chat_id: int, query: str, *, limit: int = MAX_WATCHES
    ) -> tuple[Watch, bool]:
        """Add a topic to the chat; return it and whether it is new (an equal one is reused).

        Raises:
            InvalidQueryError: if the topic is empty, too long or has a malformed filter.
            NothingToSearchError: if it has only common words.
            WatchLimitError: if the chat already has ``limit`` topics.
        """
        text = check_topic(query)
        current = self.watches(chat_id)
        for watch in current:
            if watch.query.casefold() == text.casefold():
                return watch, False
        if len(current) >= limit:
            raise WatchLimitError(
                f"this chat already watches {len(current)} topics, the most it may; "
                "remove one first"
            )
        with self.conn:
            self.conn.execute(
                "INSERT INTO watches (chat_id, query, created_at) VALUES (?, ?, ?)",
                [chat_id, text, iso(self.now())],
            )
        return self.watches(chat_id)[-1], True

    def remove_watch(self, chat_id: int, number: int) -> Watch:
        """Remove the chat's topic number ``number`` (1-based); return it.

        Raises:
            WatchNotFoundError: naming the numbers the chat has.
        """
        current = self.watches(chat_id)
        if not 1 <= number <= len(current):
            have = f"numbered 1-{len(current)}" if current else "none"
            raise WatchNotFoundError(
                f"there is no topic {number}; this chat watches {len(current)} ({have})"
            )
        watch = current[number - 1]
        with self.conn:
            self.conn.execute("DELETE FROM watches WHERE id = ?", [watch.id])
        return watch

    # -- the send log ----------------------------------------------------------------------

    def send_for(self, chat_id: int, local_date: dt.date | str) -> DigestSend | None:
        """Return the chat's send log row for a local day, or None. Read-only."""
        rows = self._rows(
            "SELECT * FROM digest_sends WHERE chat_id = ? AND local_date = ?",
            [chat_id, str(local_date)],
        )
        return _send(rows[0]) if rows else None

    def get_send(self, send_id: int) -> DigestSend:
        """Return one send log row by id."""
        return _send(self._rows("SELECT * FROM digest_sends WHERE id = ?", [send_id])[0])

    def sends(self, *, chat_id: int | None = None, limit: int = 50) -> list[DigestSend]:
        """Return the most recent send log rows, newest first. Read-only."""
        if chat_id is None:
            rows = self._rows("SELECT * FROM digest_sends ORDER BY id DESC LIMIT ?", [limit])
        else:
            rows = self._rows(
                "SELECT * FROM digest_sends WHERE chat_id = ? ORDER BY id DESC LIMIT ?",
                [chat_id, limit],
            )
        return [_send(r) for r in rows]

    def claim(
        self,
        chat_id: int,
        local_date: dt.date,
        slot_at: dt.datetime,
        *,
        after_brief_id: int,
        upto_brief_id: int,
        briefs: int,
        parts: list[str],
        run_id: str,
    ) -> DigestSend | None:
        """Record the day's digest as being sent; return its row, or None if the day has one.

        Older ``failed`` rows of the chat are given up (``abandoned``) in the same transaction:
        this digest starts from the same mark, so it holds their briefs.
        """
        now = iso(self.now())
        status = "sending" if parts else "empty"
        try:
            with self.conn:
                self.conn.execute(
                    "UPDATE digest_sends SET status = 'abandoned', updated_at = ? "
                    "WHERE chat_id = ? AND status = 'failed' AND local_date < ?",
                    [now, chat_id, str(local_date)],
                )
                cur = self.conn.execute(
                    """
                    INSERT INTO digest_sends (chat_id, local_date, slot_at, status,
                        after_brief_id, upto_brief_id, briefs, parts, attempts, run_id,
                        created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        chat_id,
                        str(local_date),
                        iso(slot_at),
                        status,
                        after_brief_id,
                        upto_brief_id,
                        briefs,
                        json.dumps(parts, ensure_ascii=False),
                        1 if parts else 0,
                        run_id,
                        now,
                        now,
                    ],
                )
        except sqlite3.IntegrityError:
            return None
        return self.get_send(int(cur.lastrowid or 0))

    def part_sent(self, send_id: int, parts_sent: int) -> DigestSend:
        """Record that Telegram accepted the first ``parts_sent`` messages; return the row.

        When that is all of them the row becomes ``sent`` and the chat's mark moves to the
        digest's last brief, in one transaction.
        """
        now = iso(self.now())
        send = self.get_send(send_id)
        with self.conn:
            if parts_sent < len(send.parts):
                self.conn.execute(
                    "UPDATE digest_sends SET parts_sent = ?, updated_at = ? WHERE id = ?",
                    [parts_sent, now, send_id],
                )
            else:
                self.conn.execute(
                    "UPDATE digest_sends SET parts_sent = ?, status = 'sent', error = NULL, "
                    "sent_at = ?, updated_at = ? WHERE id = ?",
                    [parts_sent, now, now, send_id],
                )
                self.conn.execute(
                    "UPDATE subscriptions SET last_sent_brief_id = max(last_sent_brief_id, ?), "
                    "last_sent_at = ? WHERE chat_id = ?",
                    [send.upto_brief_id, now, send.chat_id],
                )
        return self.get_send(send_id)

    def send_failed(self, send_id: int, error: str) -> None:
        """Record that sending failed with an error worth retrying; the mark does not move."""
        with self.conn:
            self.conn.execute(
                "UPDATE digest_sends SET status = 'failed', error = ?, updated_at = ? "
                "WHERE id = ? AND status = 'sending'",
                [error, iso(self.now()), send_id],
            )

    def send_undeliverable(self, send_id: int, error: str) -> None:
        """Record that the chat cannot be reached (blocked, deleted) and stop its digest."""
        send = self.get_send(send_id)
        now = iso(self.now())
        with self.conn:
            self.conn.execute(
                "UPDATE digest_sends SET status = 'undeliverable', error = ?, updated_at = ? "
                "WHERE id = ?",
                [error, now, send_id],
            )
            self.conn.execute(
                "UPDATE subscriptions SET active = 0, stopped_at = ?, stop_reason = ?, "
                "updated_at = ? WHERE chat_id = ?",
                [now, error, now, send.chat_id],
            )

    def begin_retry(self, send_id: int, run_id: str) -> DigestSend | None:
        """Take a ``failed`` row back to ``sending`` for another attempt; None if not failed."""
        with self.conn:
            cur = self.conn.execute(
                "UPDATE digest_sends SET status = 'sending', run_id = ?, attempts = attempts + 1, "
                "updated_at = ? WHERE id = ? AND status = 'failed'",
                [run_id, iso(self.now()), send_id],
            )
        return self.get_send(send_id) if cur.rowcount else None

    def abandon(self, send_id: int, reason: str) -> None:
        """Give up a ``failed`` row (too many attempts, or a new day came); the mark stays, so
        its briefs go out with the chat's next digest."""
        with self.conn:
            self.conn.execute(
                "UPDATE digest_sends SET status = 'abandoned', error = ?, updated_at = ? "
                "WHERE id = ? AND status IN ('failed', 'sending')",
                [reason, iso(self.now()), send_id],
            )

    def failed_sends(self) -> list[DigestSend]:
        """Return the rows waiting for a retry, oldest first. Read-only."""
        rows = self._rows("SELECT * FROM digest_sends WHERE status = 'failed' ORDER BY id")
        return [_send(r) for r in rows]

    def interrupt_stale(self, run_id: str) -> list[DigestSend]:
        """Mark ``sending`` rows of other processes ``interrupted``; return them.

        Call once at startup, before sending anything: a row left ``sending`` by a process that
        died may have reached the chat, so it is not sent again.
        """
        with self.conn:
            rows = self._rows(
                "SELECT * FROM digest_sends WHERE status = 'sending' "
                "AND (run_id IS NULL OR run_id != ?)",
                [run_id],
            )
            for row in rows:
                self.conn.execute(
                    "UPDATE digest_sends SET status = 'interrupted', updated_at = ?, "
                    "error = coalesce(error, 'the bot stopped while sending') WHERE id = ?",
                    [iso(self.now()), row["id"]],
                )
        return [_send(r) for r in rows]


def settle_restored_digests(conn: sqlite3.Connection) -> list[str]:
    """Return a log line for each subscribed chat whose digests since the backup cannot be told.

    ``briefbot restore`` takes the digests' state from the database it replaces
    (``DIGEST_KEEP``), so that no chat is sent again a brief it got after the backup was taken.
    When that database cannot be read, the marks stay as the backup holds them: a chat may get
    again briefs it had already had, which beats leaving some out unsaid. Writes nothing.
    """
    rows = conn.execute(
        "SELECT chat_id, last_sent_brief_id FROM subscriptions WHERE active = 1 ORDER BY chat_id"
    ).fetchall()
    return [
        f"chat {chat_id}'s digests since the backup was taken cannot be told (the database "
        f"restored over could not be read): its next digest holds the briefs after brief "
        f"{mark}, some of which it may have had already"
        for chat_id, mark in rows
    ]


DIGEST_KEEP = Keep(
    tables=("subscriptions", "watches", "digest_sends"),
    what="the digests' subscriptions, topics and send log",
    settle=settle_restored_digests,
)
"""What ``briefbot restore`` takes from the database it replaces rather than from the backup:
each chat's digest mark, topics and sends record what the chats asked for and were sent, which
no backup can roll back (an older mark would send again the briefs digested since)."""
