"""At-least-once intake, exactly-once answers: ``briefbot run`` killed with SIGKILL, or stopped
with SIGTERM, answers every update it received once after it starts again (issue 16).

These tests run the real ``briefbot run`` in a child process against the fake Bot API."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_telegram import FakeTelegram
from forking import Forked
from test_bot_cli import _wait_for_port

from bot.state.migrations import upgrade
from retrieval.archive import Archive

pytestmark = [pytest.mark.slow, pytest.mark.real_http]  # the bot in a child process

READY_SECONDS = 30.0


@pytest.fixture
def bot_archive(bot_archive: Archive) -> Archive:
    """Return the bot's archive with its own tables already made: tests here write to them
    before the bot starts."""
    upgrade(bot_archive.store)
    return bot_archive


@contextlib.contextmanager
def bot_process(
    fork: Callable[..., Forked], env: dict[str, str], db_path: Path, log: Path, *args: str
) -> Iterator[Forked]:
    """Run ``briefbot --db DB run ARGS`` in a child process (forked from the fork server, see
    tests/forking.py: a process of its own without ~1.5 CPU-s of imports); kill it if the test
    leaves it running."""
    code = "from bot.cli import cli; cli()"
    proc = fork(
        code, "--db", str(db_path), "run", *args, env={**os.environ, **env}, stdout=log, stderr=log
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


async def wait_ready(fake: FakeTelegram, polls_before: int) -> None:
    """Wait until the child process polls the fake (it has replayed its journal by then)."""
    await fake.wait_for(lambda: len(fake.calls_to("getUpdates")) > polls_before, READY_SECONDS)


def journal(db_path: Path) -> dict[int, str]:
    """Return update id -> status from the bot's journal."""
    conn = sqlite3.connect(db_path)
    try:
        return dict(conn.execute("SELECT update_id, status FROM bot_updates").fetchall())
    finally:
        conn.close()


async def restart_until_all_done(
    fork: Callable[..., Forked], fake: FakeTelegram, env: dict[str, str], db_path: Path, log: Path
) -> None:
    """Start the bot again, wait until its journal has every update done, stop it (SIGTERM)."""
    polls = len(fake.calls_to("getUpdates"))
    with bot_process(fork, env, db_path, log) as proc:
        await wait_ready(fake, polls)
        await fake.wait_for(lambda: set(journal(db_path).values()) == {"done"}, 20)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0


def outgoing(db_path: Path) -> set[tuple[int, int]]:
    """Return (update id, position) of every message recorded as having reached Telegram (its
    last byte written: ``left_at``; a row with only ``started_at`` may not have)."""
    conn = sqlite3.connect(db_path)
    try:
        return set(
            conn.execute(
                "SELECT update_id, seq FROM bot_update_outgoing WHERE left_at IS NOT NULL"
            ).fetchall()
        )
    finally:
        conn.close()


def first_words(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [(m.plain_text or "")[:3] for m in fake.sent_to(chat_id)]


async def test_updates_received_before_a_kill_are_answered_once_after_restart(
    fake_telegram: FakeTelegram,
    bot_archive: Archive,
    bot_env: dict[str, str],
    db_path: Path,
    tmp_path: Path,
    fork: Callable[..., Forked],
) -> None:
    fake = fake_telegram
    log = tmp_path / "bot.log"
    alice = fake.user(1001, "Alice")
    bob = fake.user(1002, "Bob")
    env = {**bot_env, "BRIEFBOT_TOP": "1"}
    with bot_process(fork, env, db_path, log) as proc:
        await wait_ready(fake, 0)
        [answer] = await fake.wait_answers(alice.send("oil pipeline"), timeout=20)
        more = next(d for d in answer.callback_data if d.startswith("more:"))
        # The More page goes out, then answering the button hangs: the bot dies in between.
        fake.slow_next("answerCallbackQuery", 10)
        alice.press(answer, more)
        await fake.wait_for(lambda: fake.calls_to("answerCallbackQuery"), 20)
        later = [alice.send(text) for text in ("/help", "Who fled abroad?", "/sources")]
        # Bob's answer reaches Telegram, and the bot dies before it reads Telegram's reply.
        fake.slow_next("sendMessage", 10, after=True)
        bobs = bob.send("Caspian transit tariff")
        # The mark is written as the request's last byte goes out, before the fake has read it.
        await fake.wait_for(lambda: fake.sent_to(1002), 20)
        await fake.wait_for(lambda: (bobs["update_id"], 1) in outgoing(db_path), 20)
        await fake.wait_for(lambda: not fake.pending_updates, 20)  # confirmed to Telegram
        assert first_words(fake, 1001) == ["1. ", "2. "]
        assert len(fake.sent_to(1002)) == 1
        proc.kill()
        assert proc.wait(10) == -signal.SIGKILL
    status = journal(db_path)
    assert [status[u["update_id"]] for u in [*later, bobs]] == ["received"] * 4
    await restart_until_all_done(fork, fake, env, db_path, log)
    # Nothing twice: neither the More page nor Bob's answer is sent again; the three waiting
    # messages are answered.
    words = first_words(fake, 1001)
    assert words[:3] == ["1. ", "2. ", "I a"] and words[4:] == ["7 b"]
    assert words[3] in ("1. ", "Rea")  # an answer (read as a follow-up of the first, or not)
    assert len(fake.sent_to(1002)) == 1
    text = log.read_text()
    assert "Answering 5 updates received before the bot stopped" in text
    assert "message 1 was sent before the restart; not sending it again" in text
    assert "message 1 reached Telegram (its reply unread) before the restart" in text
    assert "Traceback" not in text


async def test_sigterm_finishes_what_is_in_hand_and_keeps_the_rest_for_the_next_start(
    fake_telegram: FakeTelegram,
    bot_archive: Archive,
    bot_env: dict[str, str],
    db_path: Path,
    tmp_path: Path,
    fork: Callable[..., Forked],
) -> None:
    fake = fake_telegram
    log = tmp_path / "bot.log"
    alice = fake.user(1001, "Alice")
    with bot_process(fork, bot_env, db_path, log) as proc:
        await wait_ready(fake, 0)
        fake.slow_next("sendMessage", 30)  # the first answer is in hand until released
        updates = [alice.send(text) for text in ("/help", "Who fled abroad?", "/sources")]
        await fake.wait_for(lambda: fake.calls_to("sendMessage"), 20)
        await fake.wait_for(lambda: not fake.pending_updates, 20)
        proc.send_signal(signal.SIGTERM)
        # Released once the bot drains (it takes no more updates, finishes those in hand).
        await fake.wait_for(lambda: "Stopping: finishing " in log.read_text(), 20)
        fake.release_slow()
        assert proc.wait(30) == 0
    status = journal(db_path)
    assert [status[u["update_id"]] for u in updates] == ["done", "received", "received"]
    assert first_words(fake, 1001) == ["I a"]
    await restart_until_all_done(fork, fake, bot_env, db_path, log)
    assert first_words(fake, 1001) == ["I a", "1. ", "7 b"]
    text = log.read_text()
    assert "Stopping: no new updates are taken" in text
    assert "Traceback" not in text


async def test_webhook_answers_200_only_once_the_update_is_recorded(
    fake_telegram: FakeTelegram,
    bot_archive: Archive,
    bot_env: dict[str, str],
    db_path: Path,
    tmp_path: Path,
    fork: Callable[..., Forked],
) -> None:
    fake = fake_telegram
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = "https://bot.example.org/hook"
    alice = fake.user(1001, "Alice")
    update = alice.send("Who fled abroad?")
    refused = alice.send("/help")
    # A write that fails (a full disk, say) for one update: it must not be acknowledged.
    with bot_archive.store.db.conn:
        bot_archive.store.db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON bot_updates WHEN NEW.update_id = "
            f"{refused['update_id']} BEGIN SELECT RAISE(ABORT, 'injected write failure'); END"
        )

    def post(body: dict[str, object]) -> int:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/hook",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "s"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code

    args = ("--webhook", url, "--listen", "127.0.0.1", "--port", str(port), "--secret-token", "s")
    with bot_process(fork, bot_env, db_path, tmp_path / "bot.log", *args) as proc:
        await fake.wait_for(lambda: fake.webhook_url, READY_SECONDS)
        _wait_for_port(port)
        assert post(update) == 200
        assert journal(db_path)[update["update_id"]] in ("received", "done")
        assert post(refused) == 500
        assert refused["update_id"] not in journal(db_path)
        assert post(update) == 200  # Telegram retried: recorded once, answered once
        await fake.wait_for(lambda: journal(db_path)[update["update_id"]] == "done", 20)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    assert len(fake.sent_to(1001)) == 1
    log = (tmp_path / "bot.log").read_text()
    assert f"Could not record update {refused['update_id']} (injected write failure)" in log


async def test_an_update_id_seen_more_than_a_day_ago_is_a_new_update(
    start_bot: Callable[..., Any], fake_telegram: FakeTelegram, bot_archive: Archive
) -> None:
    # Telegram numbers updates afresh after a week without any; a copy of an update comes
    # within a day. An old row with the same id must not swallow the new update.
    with bot_archive.store.db.conn:
        bot_archive.store.db.execute(
            "INSERT INTO bot_updates (update_id, status, payload, received_at, done_at) "
            "VALUES (1, 'done', '{}', '2020-01-01T00:00:00.000000+00:00', "
            "'2020-01-01T00:00:01.000000+00:00')"
        )
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        update = alice.send("Who fled abroad?")
        assert update["update_id"] == 1
        [answer] = await fake_telegram.wait_answers(update)
    assert "Bazhenov" in (answer.plain_text or "")
