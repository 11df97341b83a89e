"""Chats answered side by side, each in order (issue 16)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fake_telegram import FakeTelegram

from bot.app import flood_limiter

Start = Callable[..., Any]
Settle = Callable[..., Any]
GROUP = -1001234567890
TIME_SCALE = 0.25
"""The pacing tests run the bot's flood limiter and the fake's flood limits four times faster
than Telegram's (periods times 0.25): the same limits, a quarter of the waiting."""


def kind_of(text: str) -> str:
    """Return which request a reply answers, from its first words."""
    if text.startswith("I answer from the archive"):
        return "help"
    if " briefs" in text.split("\n", 1)[0]:
        return "sources"
    if text.startswith("1. "):
        return "answer"
    if text.startswith("2. "):
        return "more"
    return text[:40]


async def test_one_chats_messages_are_answered_in_order_while_others_run(
    start_bot: Start, fake_telegram: FakeTelegram, settle: Settle
) -> None:
    requests = ["Who fled abroad?", "/help", "oil pipeline", "more", "/sources", "/help"]
    async with start_bot(top=1, rate_limit=100):
        alice = fake_telegram.user(1001, "Alice")
        bob = fake_telegram.user(1002, "Bob")
        for text in requests:
            alice.send(text)
            bob.send(text)
        await settle()
    for user in (1001, 1002):
        replies = [kind_of(m.plain_text or "") for m in fake_telegram.sent_to(user)]
        assert replies == ["answer", "help", "answer", "more", "sources", "help"], replies


@pytest.mark.slow  # waits out a rate limit (seconds)
async def test_a_group_held_by_its_rate_limit_does_not_delay_a_private_chat(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    # Telegram allows a bot 20 messages a minute in a group; python-telegram-bot's rate limiter
    # holds the 21st for 3 s (here 0.8 s, the limits four times faster) inside its handler.
    fake_telegram.flood_limits = True  # the fake answers 429 beyond Telegram's limits
    fake_telegram.flood_time_scale = TIME_SCALE
    team = fake_telegram.group(GROUP, "Analysts")
    alice = fake_telegram.user(1001, "Alice")
    bob = fake_telegram.user(1002, "Bob")
    async with start_bot(rate_limiter=flood_limiter(TIME_SCALE)):
        for _ in range(21):
            bob.send("/help@briefbot_test_bot", chat=team)
        await fake_telegram.wait_sent_async(20, chat_id=GROUP, timeout=20)
        [help_] = await fake_telegram.wait_answers(alice.send("/help"))
        in_group = len(fake_telegram.sent_to(GROUP))
        await fake_telegram.wait_sent_async(21, chat_id=GROUP, timeout=20)
    assert (help_.plain_text or "").startswith("I answer from the archive")
    assert in_group == 20  # the group's 21st answer was still waiting for its turn
    assert not fake_telegram.flood_refusals  # and the bot kept within Telegram's limits


@pytest.mark.slow  # waits out a rate limit (seconds)
async def test_a_private_chat_sent_more_than_a_burst_is_paced_to_one_message_a_second(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    # Telegram holds a private chat to about one message a second after a short burst, which
    # python-telegram-bot's own limiter does not count: 15 answers at once would be refused.
    # (Here four a second, the bot's limiter and the fake's limits both four times faster.)
    fake_telegram.flood_limits = True
    fake_telegram.flood_time_scale = TIME_SCALE
    alice = fake_telegram.user(1001, "Alice")
    async with start_bot(rate_limiter=flood_limiter(TIME_SCALE)):
        for _ in range(15):
            alice.send("/help")
        await fake_telegram.wait_sent_async(15, chat_id=1001, timeout=30)
    assert not fake_telegram.flood_refusals  # paced, not refused and retried
