"""Flood control, errors and secrets: a 429 is retried, not dropped; an unexpected error gets one
short line; the token never reaches a log line."""

from __future__ import annotations

import logging
import os
import shutil
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fake_telegram import FakeTelegram
from telegram.error import InvalidToken

from bot import sending
from bot.app import protect_secret, redact

Start = Callable[..., Any]


@pytest.mark.slow  # waits out a rate limit (seconds)
async def test_429_from_telegram_is_retried_not_dropped(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        fake_telegram.fail_next("sendMessage", 429, retry_after=1)
        update = alice.send("Who fled abroad?")
        [answer] = await fake_telegram.wait_answers(update, timeout=10)
    assert "Bazhenov" in (answer.plain_text or "")
    attempts = [c for c in fake_telegram.calls_to("sendMessage") if c.get("chat_id") == 1001]
    assert len(attempts) == 2  # the refused one and the retry


async def test_unexpected_error_gets_one_short_line_and_a_logged_traceback(
    start_bot: Start, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        fake_telegram.fail_next("sendMessage", 400, "Bad Request: injected failure")
        [apology] = await fake_telegram.wait_answers(alice.send("Who fled abroad?"))
        [answer] = await fake_telegram.wait_answers(alice.send("Who fled abroad?"))
    assert apology.plain_text == (
        "Sorry, something went wrong on my side. Please try again in a moment."
    )
    assert "Bazhenov" in (answer.plain_text or "")
    [error] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert error.name == "bot.handlers.errors" and error.exc_info is not None
    assert "Injected failure" in caplog.text


@pytest.mark.real_http
async def test_token_never_appears_in_logs(
    start_bot: Start,
    fake_telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
    bot_token: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        fake_telegram.fail_next("sendMessage", 400, "Bad Request: injected failure")
        await fake_telegram.wait_answers(alice.send("Who fled abroad?"))
        [answer] = await fake_telegram.wait_answers(alice.send("Who fled abroad?"))
        press = alice.press(answer, answer.callback_data[0])
        await fake_telegram.wait_for(lambda: fake_telegram.callback_answer_for(press))
        inline = alice.inline("Bazhenov")
        await fake_telegram.wait_for(lambda: fake_telegram.inline_answer_for(inline))
    logging.getLogger("telegram.ext").error(
        "Invalid token", exc_info=InvalidToken(f"The token `{bot_token}` was rejected")
    )
    logging.getLogger("httpx").warning("POST http://127.0.0.1/bot%s/getMe", bot_token)
    records = [r for r in caplog.records if not r.name.startswith("fake_telegram")]
    assert len(records) > 20  # PTB's debug logging was on
    assert bot_token not in caplog.text
    assert bot_token.split(":")[1] not in caplog.text
    assert "<token>" in caplog.text


@pytest.mark.real_http
async def test_the_start_check_reads_no_ca_bundle_the_process_has_read(
    fake_telegram: FakeTelegram, bot_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The check of the token before the bot starts uses the process's one TLS context (reading
    # the CA bundle costs ~0.05 CPU-s), not one new context for each of its two requests.
    from bot.app import check_token
    from bot.config import load_settings
    from retrieval.delivery.feeds import tls_context

    tls_context()  # made once per process: by the fake's HTTP client, or here
    reads: list[Any] = []
    real = ssl.SSLContext.load_verify_locations

    def load_verify_locations(self: ssl.SSLContext, *args: Any, **kwargs: Any) -> None:
        reads.append(args or kwargs)
        real(self, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", load_verify_locations)
    settings = load_settings(token=bot_env["TELEGRAM_BOT_TOKEN"], api_url=fake_telegram.api_url)
    await check_token(settings)
    assert fake_telegram.calls_to("getMe")
    assert reads == []


def test_redact_replaces_every_protected_secret() -> None:
    protect_secret("987654:SECRETSECRETSECRETSECRETSECRETSECR")
    assert (
        redact("url /bot987654:SECRETSECRETSECRETSECRETSECRETSECR/getMe") == "url /bot<token>/getMe"
    )


async def test_a_failed_typing_indicator_does_not_cost_the_answer(
    start_bot: Start,
    fake_telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sending, "TYPING_AFTER_SECONDS", 0.0)  # every answer counts as slow
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        fake_telegram.fail_next("sendChatAction", 500)
        [answer] = await fake_telegram.wait_answers(alice.send("Who fled abroad?"))
        [second] = await fake_telegram.wait_answers(alice.send("Who fled abroad?"))
    assert "Bazhenov" in (answer.plain_text or "")
    assert "Bazhenov" in (second.plain_text or "")
    assert [a.action for a in fake_telegram.chat_actions] == ["typing"]  # the second one
    assert "Could not show typing in chat 1001" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("how", ["replaced", "deleted"])
async def test_a_database_replaced_under_the_running_bot_stops_it_with_the_reason(
    start_bot: Start,
    fake_telegram: FakeTelegram,
    db_path: Path,
    caplog: pytest.LogCaptureFixture,
    refresh_once: Callable[[Any], Any],
    how: str,
) -> None:
    # `mv restored.db briefbot.db` while the bot ran: it went on with the file it had open,
    # deleted, answering from the old archive and writing subscriptions and /allow decisions
    # where nobody would read them again, while ingests went to the new file: in silence.
    async with start_bot() as app:
        alice = fake_telegram.user(1001, "Alice")
        await fake_telegram.wait_answers(alice.send("Who fled abroad?"))
        restored = db_path.with_name("restored.db")
        shutil.copyfile(db_path, restored)
        if how == "replaced":
            os.replace(restored, db_path)
        else:
            db_path.unlink()
        reason = await refresh_once(app)
    word = "replaced by another file" if how == "replaced" else "deleted"
    assert reason == (
        f"the database {db_path} was {word} while the bot ran; stopped so that the next start "
        "opens what is there now (what the bot wrote since the change, such as /digest or "
        "/allow, went to the old file). Stop the bot before replacing or restoring its "
        "database"
    )
    [error] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert error.getMessage() == f"Stopping: {reason}"
