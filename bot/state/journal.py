"""At-least-once intake, exactly-once answers: the journal of Telegram updates.

How an update travels (issue 16):

1. Telegram hands it over (``getUpdates`` or a webhook POST) and python-telegram-bot puts it in the
   application's update queue. ``JournalQueue.put`` first records it in ``bot_updates``. Only then
   does the poller ask for the next batch, whose ``offset`` tells Telegram the update was received,
   and only then does the webhook answer 200. An update recorded before is not queued again.
2. ``bot.ordering.ChatOrder`` handles it and marks it done once its handlers have returned, i.e.
   once its answer was sent.
3. Each message sent while handling it is recorded by its position (the update's first, second…
   message), three times. ``bot.outgoing.JournalTransport`` records it in ``bot_update_outgoing``
   just before its request's body is written ("going") and again inside the socket write that
   hands Telegram its last byte ("left"), before Telegram's reply comes back; ``JournalBot``
   records it in ``bot_update_sends`` with Telegram's message id once the reply is read (a reply
   that is not 200 removes the first records: Telegram refused the message). Each is committed at
   once, waiting at most ``SENT_WAIT_SECONDS`` for SQLite's write lock, else queued.
4. On start, ``JournalQueue.replay`` queues every update still 'received', oldest first. While such
   an update is answered again, a message recorded as sent or as left is not sent again, and one
   recorded only as going (the bot died in the instant its body was being written) is replaced by
   ``UNCERTAIN_TEXT``: Telegram may have it, so neither a second copy nor silence.

Why three records: the Bot API has no idempotency key, so after a crash the bot cannot ask whether a
message went out. A message whose request had fully left is taken as delivered (Telegram received
it; the only way it was not shown is Telegram refusing it, which it does for the same reasons when
sent again). A crash before its body started sends it after the restart; a crash in between gets
the note.

The journal has its own SQLite connections and threads, so recording an update never waits behind
a slow search on the archive's thread.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from sqlite_utils import Database
from telegram import Bot, Chat, Message, ReplyParameters, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ExtBot

from retrieval.corpus.clock import iso, utc_clock, utcnow
from retrieval.corpus.restore import Keep

logger = logging.getLogger(__name__)

T = TypeVar("T")

CURRENT_UPDATE: ContextVar[int | None] = ContextVar("briefbot_update", default=None)
"""The id of the update being handled in this task (set by ``bot.ordering.ChatOrder``)."""
SENDING: ContextVar[tuple[int, int, int] | None] = ContextVar("briefbot_sending", default=None)
"""(update id, position, chat id) of the message whose request this task is making, if any."""

MAX_ATTEMPTS = 5
"""An update whose handling was cut short this often (the bot died each time) is given up, and
its chat is told to send it again. Crashes in a row also cut short every update in hand with it
(50 chats' questions at once under load), so this is not set low: a loop of crashes gives up
innocent updates only after five."""
GIVEN_UP_TEXT = (
    "Sorry, I could not answer this: I was restarted several times while answering it. "
    "Please send it again."
)
UNCERTAIN_TEXT = (
    "I was restarted while sending you a message and cannot tell whether it reached you. If you "
    "do not see my answer just above, please send your message (or press the button) again."
)
"""Sent after a restart in place of a message whose request was being written when the bot
stopped: Telegram may have it, so it is not sent a second time, and not dropped in silence."""
REDELIVERY_SECONDS = 24 * 3600
"""Telegram keeps an unconfirmed update for 24 hours: a copy of an update comes within that."""
SLOW_WRITE_SECONDS = 0.2
"""Recording updates slower than this is logged: Telegram's next batch waits for it."""
KEEP_DONE_DAYS = 7
"""Answered updates are kept this long (Telegram never resends one older than a day)."""
SENT_WAIT_SECONDS = 0.05
"""How long recording a sent message may wait for SQLite's write lock on the event loop before
it is queued for the journal's thread instead (other chats' answers must not wait on it)."""


class Earlier(NamedTuple):
    """What became of a message of an update before a restart."""

    chat_id: int
    message_id: int | None
    """Telegram's id for it; None when the bot died before reading Telegram's reply."""
    left: bool
    """Whether its request had fully left for Telegram (False: the bot died while sending it)."""


class UpdateJournal:
    """The ``bot_updates`` and ``bot_update_sends`` tables, written from one thread of their own.

    Args:
        path: the database file; ``None`` (an in-memory archive) uses ``db``'s connection.
        db: the archive's database, used when there is no file.
    """

    def __init__(self, path: Path | None, db: Database):
        # Two connections, two threads: intake (recording what arrives) never waits behind the
        # marks (done, attempts, and sent marks that could not be written at once), which are
        # written in batches.
        self._own = path is not None and str(path) != ":memory:"
        self._conn = _connect(path) if self._own else db.conn
        self._marks_conn = _connect(path) if self._own else db.conn
        # Sent marks are written at once, from the event loop, on a connection of their own.
        # In autocommit mode: a mark is one statement, one call into SQLite (each call lets the
        # search thread take the interpreter, and the mark is what a crash must not outrun).
        self._sent_conn = _connect(path, SENT_WAIT_SECONDS, autocommit=True) if self._own else None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="briefbot-intake")
        self._marks_executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="briefbot-journal"
        )
        self._marks_lock = threading.Lock()
        self._marks: list[tuple[str, list[Any]]] = []
        self._seq: dict[int, int] = {}
        self._earlier: dict[int, dict[int, Earlier]] = {}
        self.replayed: set[int] = set()
        """Updates being answered again after a restart."""
        self.fresh: set[int] = set()
        """Updates recorded with their getUpdates batch, not yet queued."""
        self.given_up: list[dict[str, Any]] = []
        """Updates ``pending`` gave up (their payloads), whose chats are yet to be told."""

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(fn, *args))

    def _mark(self, sql: str, args: list[Any]) -> None:
        """Queue a mark (sent, done) without waiting for it. Marks are written in the order
        queued, all those waiting in one transaction; ``close`` writes those still queued."""
        with self._marks_lock:
            self._marks.append((sql, args))
            first = len(self._marks) == 1
        if first:
            self._marks_executor.submit(self._write_marks).add_done_callback(_log_failure)

    def _write_marks(self) -> None:
        with self._marks_lock:
            marks, self._marks = self._marks, []
        if marks:
            with self._marks_conn:
                for sql, args in marks:
                    self._marks_conn.execute(sql, args)

    # -- intake ------------------------------------------------------------------------------

    async def record(self, update: Update) -> bool:
        """Record ``update`` as received; return False if it was recorded before (a duplicate)."""
        if update.update_id in self.fresh:
            self.fresh.discard(update.update_id)  # recorded with its batch by JournalBot
            return True
        return bool(await self.record_many([update]))

    async def record_many(self, updates: list[Update]) -> set[int]:
        """Record a batch of updates in one transaction; return the ids not recorded before."""
        rows = []
        for update in updates:
            chat = update.effective_chat
            payload = json.dumps(update.to_dict(), ensure_ascii=False)
            rows.append((update.update_id, chat.id if chat else None, payload))
        return await self._run(self._record_many, rows)

    def _record_many(self, rows: list[tuple[int, int | None, str]]) -> set[int]:
        started = time.monotonic()
        with self._conn:
            new = {row[0] for row in rows if self._record(*row)}
        took = time.monotonic() - started
        if took > SLOW_WRITE_SECONDS:
            logger.warning("Recording %d updates took %.2f s (database busy)", len(rows), took)
        return new

    def _record(self, update_id: int, chat_id: int | None, payload: str) -> bool:
        now = dt.datetime.now(dt.UTC)
        row = [update_id, chat_id, payload, now.isoformat(timespec="microseconds")]
        insert = (
            "INSERT OR IGNORE INTO bot_updates (update_id, status, chat_id, payload, "
            "received_at) VALUES (?, 'received', ?, ?, ?)"
        )
        if self._conn.execute(insert, row).rowcount == 1:
            return True
        # Telegram keeps an update at most a day, so a copy of one comes within a day; an older
        # row with this id is from before Telegram restarted its numbering (after a week idle).
        stale = now - dt.timedelta(seconds=REDELIVERY_SECONDS)
        since = stale.isoformat(timespec="microseconds")
        for table in ("bot_update_sends", "bot_update_outgoing"):
            self._conn.execute(
                f"DELETE FROM {table} WHERE update_id IN (SELECT update_id FROM "
                "bot_updates WHERE update_id = ? AND received_at < ?)",
                [update_id, since],
            )
        gone = self._conn.execute(
            "DELETE FROM bot_updates WHERE update_id = ? AND received_at < ?", [update_id, since]
        ).rowcount
        return bool(gone) and self._conn.execute(insert, row).rowcount == 1

    def started(self, update_id: int) -> None:
        """Count an attempt at answering ``update_id`` again after a restart (queued write)."""
        if update_id in self.replayed:
            self._mark(
                "UPDATE bot_updates SET attempts = attempts + 1 WHERE update_id = ?", [update_id]
            )

    def done(self, update_id: int) -> None:
        """Mark ``update_id`` answered: it is not handled again after a restart (queued write)."""
        self._seq.pop(update_id, None)
        self._earlier.pop(update_id, None)
        self.replayed.discard(update_id)
        self._mark(
            "UPDATE bot_updates SET status = 'done', done_at = ? WHERE update_id = ?",
            [utcnow(), update_id],
        )

    async def pending(self) -> list[dict[str, Any]]:
        """Return the updates recorded but not answered, oldest first.

        An update whose answering was started again after a restart ``MAX_ATTEMPTS`` times, and
        cut short each time, is marked done with a warning and kept in ``given_up`` (its chat is
        told by ``JournalQueue.replay``), so that one update that kills the bot cannot keep it
        from working and no message is dropped in silence.
        """
        rows = await self._run(self._pending)
        out = []
        for update_id, attempts, payload, sends in rows:
            if attempts >= MAX_ATTEMPTS:
                logger.warning(
                    "Giving up update %d: the bot stopped %d times while answering it again",
                    update_id,
                    attempts,
                )
                self.done(update_id)
                self.given_up.append(json.loads(payload))
                continue
            self._earlier[update_id] = sends
            self.replayed.add(update_id)
            out.append(json.loads(payload))
        return out

    async def purge(self) -> int:
        """Forget updates answered more than ``KEEP_DONE_DAYS`` ago; return how many."""
        return await self._run(self._purge)

    def _purge(self) -> int:
        cutoff = iso(utc_clock() - dt.timedelta(days=KEEP_DONE_DAYS))
        with self._conn:
            for table in ("bot_update_sends", "bot_update_outgoing"):
                self._conn.execute(
                    f"DELETE FROM {table} WHERE update_id IN (SELECT update_id FROM "
                    "bot_updates WHERE status = 'done' AND done_at < ?)",
                    [cutoff],
                )
            cur = self._conn.execute(
                "DELETE FROM bot_updates WHERE status = 'done' AND done_at < ?", [cutoff]
            )
        return cur.rowcount

    def _pending(self) -> list[tuple[int, int, str, dict[int, Earlier]]]:
        self._purge()
        rows = self._conn.execute(
            "SELECT update_id, attempts, payload FROM bot_updates WHERE status = 'received' "
            "ORDER BY update_id"
        ).fetchall()
        sends: dict[int, dict[int, Earlier]] = {}
        # A message whose reply was read has its id, which wins over the marks made as it left.
        for update_id, seq, chat_id, message_id, left in self._conn.execute(
            "SELECT update_id, seq, chat_id, NULL, left_at IS NOT NULL FROM bot_update_outgoing "
            "WHERE update_id IN (SELECT update_id FROM bot_updates WHERE status = 'received') "
            "UNION ALL SELECT update_id, seq, chat_id, message_id, 1 FROM bot_update_sends "
            "WHERE update_id IN (SELECT update_id FROM bot_updates WHERE status = 'received')"
        ):
            sends.setdefault(update_id, {})[seq] = Earlier(chat_id, message_id, bool(left))
        return [
            (update_id, attempts, payload, sends.get(update_id, {}))
            for update_id, attempts, payload in rows
        ]

    # -- what was sent -----------------------------------------------------------------------

    def next_seq(self, update_id: int) -> int:
        """Return the position of the next message sent for ``update_id`` (1, 2, …)."""
        seq = self._seq.get(update_id, 0) + 1
        self._seq[update_id] = seq
        return seq

    def earlier_send(self, update_id: int, seq: int) -> Earlier | None:
        """Return what became of message ``seq`` of ``update_id`` before a restart, or None if
        it was not being sent."""
        return self._earlier.get(update_id, {}).get(seq)

    def sent(self, update_id: int, seq: int, chat_id: int, message_id: int) -> None:
        """Record that message ``seq`` of ``update_id`` reached Telegram as ``message_id``.

        Committed before this returns, unless SQLite's write lock stays taken for
        ``SENT_WAIT_SECONDS`` (or the archive is in memory): then the mark is queued like the
        others. Called right after Telegram's reply, so a crash can hardly fall in between.
        """
        sql = (
            "INSERT OR REPLACE INTO bot_update_sends (update_id, seq, chat_id, message_id, "
            "sent_at) VALUES (?, ?, ?, ?, ?)"
        )
        self._write_now(sql, [update_id, seq, chat_id, message_id, utcnow()])

    def going(self, update_id: int, seq: int, chat_id: int) -> None:
        """Record that the request for message ``seq`` of ``update_id`` is about to write its
        body to Telegram's connection; committed like ``sent``."""
        sql = (
            "INSERT OR REPLACE INTO bot_update_outgoing (update_id, seq, chat_id, started_at, "
            "left_at) VALUES (?, ?, ?, ?, NULL)"
        )
        self._write_now(sql, [update_id, seq, chat_id, utcnow()])

    def left(self, update_id: int, seq: int, chat_id: int) -> None:
        """Record that the request for message ``seq`` of ``update_id`` reached Telegram (its
        last byte written), before Telegram's reply was read; committed like ``sent``."""
        now = utcnow()
        sql = (
            "INSERT INTO bot_update_outgoing (update_id, seq, chat_id, started_at, left_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (update_id, seq) DO UPDATE SET left_at = "
            "excluded.left_at"
        )
        self._write_now(sql, [update_id, seq, chat_id, now, now])

    def refused(self, update_id: int, seq: int) -> None:
        """Forget ``left`` for message ``seq`` of ``update_id``: Telegram answered with an error,
        so the message was not delivered (committed like ``sent``)."""
        sql = "DELETE FROM bot_update_outgoing WHERE update_id = ? AND seq = ?"
        self._write_now(sql, [update_id, seq])

    def _write_now(self, sql: str, args: list[Any]) -> None:
        """Commit one statement on the event loop's own connection; if SQLite's write lock stays
        taken for ``SENT_WAIT_SECONDS`` (or the archive is in memory), queue it instead."""
        if self._sent_conn is not None:
            try:
                self._sent_conn.execute(sql, args)  # autocommit: committed when it returns
                return
            except sqlite3.OperationalError as exc:  # locked: the journal's thread writes it
                logger.info("A journal mark is written later (%s)", exc)
        self._mark(sql, args)

    def close(self) -> None:
        """Finish the journal's pending writes, stop its thread and close its connection."""
        self._executor.shutdown(wait=True)
        self._marks_executor.shutdown(wait=True)
        self._write_marks()
        if self._own:
            self._conn.close()
            self._marks_conn.close()
        if self._sent_conn is not None:
            self._sent_conn.close()


def _connect(
    path: Path | None, wait: float = 30.0, *, autocommit: bool = False
) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=wait, check_same_thread=False)
    if autocommit:
        conn.isolation_level = None
    conn.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _log_failure(future: Future[Any]) -> None:
    exc = future.exception()
    if exc is not None:
        logger.error("Could not write to the update journal: %s", exc)


def settle_restored(conn: sqlite3.Connection) -> list[str]:
    """Mark done every update a restored journal holds as received; return a log line for each.

    ``briefbot restore`` takes the journal from the database it replaces (``RESTORE_KEEP``), so
    that an update answered after the backup was taken is not answered again. When that database
    cannot be read, whether these updates (in hand when the backup was taken) were answered
    since cannot be told: answering them again could answer twice, so they are not, and each is
    named for the admins instead. Writes inside the caller's transaction.
    """
    rows = conn.execute(
        "SELECT update_id, chat_id, received_at FROM bot_updates WHERE status = 'received' "
        "ORDER BY update_id"
    ).fetchall()
    conn.execute(
        "UPDATE bot_updates SET status = 'done', done_at = ? WHERE status = 'received'", [utcnow()]
    )
    return [
        f"update {update_id} (chat {chat_id}, received {received_at}) was being answered when "
        "the backup was taken, and the database restored over could not be read: cannot tell "
        "whether it was answered since, so it is not answered again; if it was not, that chat's "
        "message went unanswered"
        for update_id, chat_id, received_at in rows
    ]


RESTORE_KEEP = Keep(
    tables=("bot_updates", "bot_update_sends", "bot_update_outgoing"),
    what="the bot's journal of Telegram updates",
    settle=settle_restored,
)
"""What ``briefbot restore`` takes from the database it replaces rather than from the backup: the
journal says what Telegram handed over and what was sent, which no backup can roll back."""


class JournalQueue(asyncio.Queue[object]):
    """The application's update queue: an update is recorded in the journal before it is queued.

    python-telegram-bot's poller awaits ``put`` for each update of a batch before it asks for the
    next batch (which confirms this one to Telegram); its webhook awaits ``put`` before it answers
    200. A failed write raises, so the update is neither confirmed nor queued: Telegram sends it
    again.
    """

    def __init__(self, journal: UpdateJournal):
        super().__init__()
        self.journal = journal

    async def put(self, item: object) -> None:
        """Record ``item`` (if it is an update) and queue it; drop an update recorded before."""
        if isinstance(item, Update):
            try:
                new = await self.journal.record(item)
            except sqlite3.Error as exc:
                logger.error(
                    "Could not record update %d (%s); it is not acknowledged, so Telegram sends "
                    "it again",
                    item.update_id,
                    exc,
                )
                raise
            if not new:
                logger.info("Update %d was received before; not handling it twice", item.update_id)
                return
        await super().put(item)

    async def replay(self, bot: Bot) -> int:
        """Queue the updates recorded but not answered before the bot stopped; return how many."""
        pending = await self.journal.pending()
        for data in pending:
            update = Update.de_json(data, bot)
            if update.inline_query is not None:
                # An inline query is typed and gone: its answer would come too late to show.
                self.journal.done(update.update_id)
                continue
            await super().put(update)
        if pending:
            logger.info("Answering %d updates received before the bot stopped", len(pending))
        await self._tell_given_up(bot)
        return len(pending)

    async def _tell_given_up(self, bot: Bot) -> None:
        """Tell each chat whose message was given up (``UpdateJournal.pending``) to send it again,
        as a reply to that message; a chat that cannot be reached is only logged."""
        given_up, self.journal.given_up = self.journal.given_up, []
        for data in given_up:
            update = Update.de_json(data, bot)
            chat, message = update.effective_chat, update.effective_message
            if chat is None or update.inline_query is not None:
                continue
            reply = None  # a button press is answered in its chat, not as a reply
            if message is not None and update.callback_query is None:
                reply = ReplyParameters(message.message_id, allow_sending_without_reply=True)
            try:
                await bot.send_message(chat.id, GIVEN_UP_TEXT, reply_parameters=reply)
            except TelegramError as exc:
                logger.warning("Could not tell chat %s its message was given up: %s", chat.id, exc)


class JournalBot(ExtBot[None]):
    """The bot, recording each message it sends for an update; after a restart it does not send
    a message again that Telegram already has.

    Args:
        journal: where sent messages are recorded.
        **kwargs: ``ExtBot``'s arguments (token, base_url, defaults, rate_limiter …).
    """

    def __init__(self, journal: UpdateJournal, **kwargs: Any):
        super().__init__(**kwargs)
        with self._unfrozen():
            self._journal = journal

    async def send_message(self, *args: Any, **kwargs: Any) -> Message:
        """Send a message, unless this update's message at this position went out before a
        restart (then return that message's id without sending); if the bot stopped while that
        message was being written, send ``UNCERTAIN_TEXT`` in its place."""
        update_id = CURRENT_UPDATE.get()
        if update_id is None:
            return await super().send_message(*args, **kwargs)
        seq = self._journal.next_seq(update_id)
        earlier = self._journal.earlier_send(update_id, seq)
        if earlier is not None and not earlier.left:
            # The bot died in the instant its request was being written: Telegram may or may not
            # have it. A note in its place, neither a second copy nor silence.
            logger.warning(
                "Update %d: message %d was being sent when the bot stopped; sending a note "
                "instead of sending it again",
                update_id,
                seq,
            )
            # Sent without marks of its own: its row keeps saying the message is uncertain.
            note = await super().send_message(
                earlier.chat_id, UNCERTAIN_TEXT, reply_parameters=kwargs.get("reply_parameters")
            )
            self._journal.sent(update_id, seq, note.chat_id, note.message_id)
            return note
        if earlier is not None:
            logger.info(
                "Update %d: message %d %s before the restart; not sending it again",
                update_id,
                seq,
                "was sent" if earlier.message_id else "reached Telegram (its reply unread)",
            )
            kind = Chat.PRIVATE if earlier.chat_id > 0 else Chat.SUPERGROUP
            # Message id 0: Telegram's id for it was never read (no real message has id 0).
            message = Message(earlier.message_id or 0, utc_clock(), Chat(earlier.chat_id, kind))
            message.set_bot(self)
            return message
        chat = kwargs.get("chat_id", args[0] if args else None)
        token = SENDING.set((update_id, seq, chat) if isinstance(chat, int) else None)
        try:
            message = await super().send_message(*args, **kwargs)
        finally:
            SENDING.reset(token)
        self._journal.sent(update_id, seq, message.chat_id, message.message_id)
        return message

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        """Fetch updates and record the batch in one transaction before returning it (the next
        call's offset tells Telegram they were received)."""
        updates = await super().get_updates(*args, **kwargs)
        if updates:
            self._journal.fresh |= await self._journal.record_many(list(updates))
        return updates

    async def answer_callback_query(self, *args: Any, **kwargs: Any) -> bool:
        """Answer a button press; after a restart, a press too old to answer is only logged."""
        try:
            return await super().answer_callback_query(*args, **kwargs)
        except BadRequest as exc:
            if CURRENT_UPDATE.get() not in self._journal.replayed:
                raise
            logger.info("A button pressed before the restart could not be answered: %s", exc)
            return False
