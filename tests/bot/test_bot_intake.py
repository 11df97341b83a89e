"""The update journal on its own: what it keeps, what it forgets (issue 16)."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fake_telegram import FakeTelegram

from bot.state.journal import (
    GIVEN_UP_TEXT,
    MAX_ATTEMPTS,
    UNCERTAIN_TEXT,
    JournalBot,
    JournalQueue,
    UpdateJournal,
)
from bot.state.migrations import upgrade
from bot.state.question_log import QuestionLog
from retrieval.archive import Archive
from retrieval.corpus.store import Store


@pytest.fixture
def store(store: Store) -> Store:
    """Return the empty store with the bot's own tables, as the bot opens it."""
    upgrade(store)
    return store


async def test_journal_forgets_updates_answered_over_a_week_ago_and_keeps_the_rest(
    store: Store,
) -> None:
    rows = [
        (1, "done", "2020-01-01T00:00:00.000000+00:00"),
        (2, "received", None),
        (3, "done", "2999-01-01T00:00:00.000000+00:00"),
    ]
    with store.db.conn:
        for update_id, status, done_at in rows:
            store.db.execute(
                "INSERT INTO bot_updates (update_id, status, payload, received_at, done_at) "
                "VALUES (?, ?, '{}', '2020-01-01T00:00:00.000000+00:00', ?)",
                [update_id, status, done_at],
            )
        store.db.execute(
            "INSERT INTO bot_update_sends VALUES (1, 1, 1001, 7, '2020-01-01T00:00:00+00:00')"
        )
    journal = UpdateJournal(store.path, store.db)
    try:
        assert await journal.purge() == 1
    finally:
        journal.close()
    left = [r[0] for r in store.db.execute("SELECT update_id FROM bot_updates ORDER BY 1")]
    assert left == [2, 3]
    assert not store.db.execute("SELECT * FROM bot_update_sends").fetchall()


async def test_an_update_cut_short_too_often_is_given_up(store: Store) -> None:
    with store.db.conn:
        store.db.execute(
            "INSERT INTO bot_updates (update_id, status, payload, received_at, attempts) "
            "VALUES (5, 'received', '{\"update_id\": 5}', '2999-01-01T00:00:00+00:00', ?)",
            [MAX_ATTEMPTS],
        )
        store.db.execute(
            "INSERT INTO bot_updates (update_id, status, payload, received_at, attempts) "
            "VALUES (6, 'received', '{\"update_id\": 6}', '2999-01-01T00:00:00+00:00', 0)"
        )
    journal = UpdateJournal(store.path, store.db)
    try:
        pending = await journal.pending()
    finally:
        journal.close()
    assert pending == [{"update_id": 6}]
    status = dict(store.db.execute("SELECT update_id, status FROM bot_updates").fetchall())
    assert status == {5: "done", 6: "received"}
    assert journal.given_up == [{"update_id": 5}]


def _sends(store: Store) -> list[tuple[int, int, int, int]]:
    """Return bot_update_sends as another process would see it now (a connection of its own)."""
    conn = sqlite3.connect(store.path)
    try:
        return conn.execute(
            "SELECT update_id, seq, chat_id, message_id FROM bot_update_sends"
        ).fetchall()
    finally:
        conn.close()


def _received(store: Store, update_id: int) -> None:
    with store.db.conn:
        store.db.execute(
            "INSERT INTO bot_updates (update_id, status, payload, received_at) "
            "VALUES (?, 'received', '{}', '2999-01-01T00:00:00+00:00')",
            [update_id],
        )


async def test_a_sent_message_is_on_disk_when_sent_returns(store: Store) -> None:
    # A kill -9 right after Telegram accepted a message must find it recorded, or the restart
    # sends it again: the mark is committed before ``sent`` returns, not queued.
    _received(store, 7)
    journal = UpdateJournal(store.path, store.db)
    try:
        journal.sent(7, 1, 1001, 42)
        assert _sends(store) == [(7, 1, 1001, 42)]
    finally:
        journal.close()


async def test_a_sent_mark_behind_a_held_write_lock_is_written_once_the_lock_is_free(
    store: Store,
) -> None:
    _received(store, 8)
    journal = UpdateJournal(store.path, store.db)
    other = sqlite3.connect(store.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another writer holds SQLite's write lock
        journal.sent(8, 1, 1001, 43)  # does not raise and does not wait for the lock
        assert _sends(store) == []
        other.execute("COMMIT")
    finally:
        other.close()
        journal.close()  # writes what was queued
    assert _sends(store) == [(8, 1, 1001, 43)]


async def test_a_chat_whose_message_is_given_up_is_asked_to_send_it_again(
    store: Store, fake_telegram: FakeTelegram
) -> None:
    alice = fake_telegram.user(1001, "Alice")
    with store.db.conn:
        for attempts in (MAX_ATTEMPTS, MAX_ATTEMPTS - 1):
            update = alice.send("oil pipeline")  # recorded before a crash, never answered
            store.db.execute(
                "INSERT INTO bot_updates (update_id, status, chat_id, payload, received_at, "
                "attempts) VALUES (?, 'received', 1001, ?, '2999-01-01T00:00:00+00:00', ?)",
                [update["update_id"], json.dumps(update), attempts],
            )
    first = json.loads(store.db.execute("SELECT payload FROM bot_updates ORDER BY 1").fetchone()[0])
    journal = UpdateJournal(store.path, store.db)
    queue = JournalQueue(journal)
    bot = JournalBot(
        journal,
        token=fake_telegram.token,
        base_url=fake_telegram.base_url,
        request=fake_telegram.bot_requests().get("request"),
    )
    try:
        async with bot:
            assert await queue.replay(bot) == 1  # the second is answered again
    finally:
        journal.close()
    [told] = fake_telegram.sent_to(1001)
    assert told.text == GIVEN_UP_TEXT
    assert told.reply_to_message_id == first["message"]["message_id"]
    statuses = [r[0] for r in store.db.execute("SELECT status FROM bot_updates ORDER BY 1")]
    assert statuses == ["done", "received"]


def test_an_update_answered_again_is_logged_once(store: Store) -> None:
    # After a restart the update's answer is built again: its buttons keep the first id, and
    # /stats counts the question once.
    log = QuestionLog(store.db)
    asked = dict(kind="ask", question="oil pipeline", offset=0, passage_ids=[1], user_id=1001)
    first = log.record(**asked, chat_id=1001, update_id=77)
    again = log.record(**asked, chat_id=1001, update_id=77)
    other = log.record(**asked, chat_id=1001, update_id=78)
    more = log.record(**{**asked, "kind": "more", "offset": 3}, chat_id=1001, update_id=77)
    assert again == first and len({first, other, more}) == 3
    assert log.stats()["questions"] == 2


def _marks(db_path: Path, table: str) -> set[tuple[int, int]]:
    conn = sqlite3.connect(db_path)
    try:
        return set(conn.execute(f"SELECT update_id, seq FROM {table}").fetchall())
    finally:
        conn.close()


@pytest.mark.real_http  # the marks come from the HTTP transport
async def test_a_message_is_marked_as_it_leaves_and_unmarked_when_telegram_refuses_it(
    start_bot: Callable[..., Any],
    fake_telegram: FakeTelegram,
    settle: Callable[[], Any],
    db_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.outgoing")
    alice = fake_telegram.user(1001, "Alice")
    async with start_bot():
        fake_telegram.fail_next("sendMessage", 400, "Bad Request: injected failure")
        refused = alice.send("Who fled abroad?")
        await settle()
        answered = alice.send("Who fled abroad?")
        await settle()
    left = _marks(db_path, "bot_update_outgoing")
    sent = _marks(db_path, "bot_update_sends")
    # The refused answer (message 1) is not taken as delivered; the apology after it is.
    assert {m for m in left if m[0] == refused["update_id"]} == {(refused["update_id"], 2)}
    assert {m for m in sent if m[0] == refused["update_id"]} == {(refused["update_id"], 2)}
    assert (answered["update_id"], 1) in left & sent
    # Marked inside the socket write, not one event-loop turn after it (the fallback).
    assert "cannot be hooked" not in caplog.text


@pytest.mark.real_http  # through the transport that marks messages as they leave
async def test_after_a_crash_a_message_cut_off_while_being_written_gets_a_note_in_its_place(
    start_bot: Callable[..., Any],
    fake_telegram: FakeTelegram,
    settle: Callable[[], Any],
    bot_archive: Archive,
) -> None:
    # Three questions were in hand when the bot died: one answer was being written to Telegram
    # (it may or may not have arrived), one had fully left, one had not started.
    upgrade(bot_archive.store)
    users = [fake_telegram.user(1001 + n, name) for n, name in enumerate(("Al", "Bo", "Cy"))]
    cut, gone, fresh = (user.send("Who fled abroad?") for user in users)
    with bot_archive.store.db.conn:
        for update in (cut, gone, fresh):
            bot_archive.store.db.execute(
                "INSERT INTO bot_updates (update_id, status, chat_id, payload, received_at) "
                "VALUES (?, 'received', ?, ?, '2999-01-01T00:00:00+00:00')",
                [update["update_id"], update["message"]["chat"]["id"], json.dumps(update)],
            )
        for update, left_at in ((cut, None), (gone, "2999-01-01T00:00:01+00:00")):
            bot_archive.store.db.execute(
                "INSERT INTO bot_update_outgoing (update_id, seq, chat_id, started_at, left_at) "
                "VALUES (?, 1, ?, '2999-01-01T00:00:00+00:00', ?)",
                [update["update_id"], update["message"]["chat"]["id"], left_at],
            )
    async with start_bot():
        await settle()
    [note] = fake_telegram.sent_to(1001)
    assert note.text == UNCERTAIN_TEXT  # neither a second copy nor silence
    conn = sqlite3.connect(bot_archive.store.path)
    try:  # the note's row keeps saying that the message itself is uncertain
        assert conn.execute(
            "SELECT left_at FROM bot_update_outgoing WHERE update_id = ?", [cut["update_id"]]
        ).fetchall() == [(None,)]
    finally:
        conn.close()
    assert fake_telegram.sent_to(1002) == []  # taken as delivered
    [answer] = fake_telegram.sent_to(1003)
    assert "Bazhenov" in (answer.plain_text or "")
