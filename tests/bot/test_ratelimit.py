"""The bot's flood limiter: answers leave room under the overall limit for other replies."""

from __future__ import annotations

import asyncio

from bot.ratelimit import ChatRateLimiter, bulk

PERIOD = 0.05
"""The limits' period in these tests: Telegram's second, twenty times faster."""


async def _order(answers_are_bulk: bool) -> int:
    """Return where a /help reply comes among 20 answers queued before it (0: first)."""
    limiter = ChatRateLimiter(
        overall_max_rate=4, overall_time_period=PERIOD, group_max_rate=0, reserved=2
    )
    sent: list[str] = []

    async def send(name: str) -> bool:
        sent.append(name)
        return True

    async def request(name: str, chat_id: int) -> object:
        return await limiter.process_request(
            send, (name,), {}, "sendMessage", {"chat_id": chat_id}, None
        )

    async def answer(n: int) -> object:
        if answers_are_bulk:
            with bulk():
                return await request(f"answer {n}", 100 + n)
        return await request(f"answer {n}", 100 + n)

    answers = [asyncio.create_task(answer(n)) for n in range(20)]
    await asyncio.sleep(PERIOD / 5)  # the answers are queued
    await request("help", 999)
    await asyncio.gather(*answers)
    assert len(sent) == 21
    return sent.index("help")


async def test_a_help_does_not_wait_behind_queued_answers() -> None:
    # Answers (sent within bulk()) go at the overall rate less the reserve: the /help of another
    # chat finds the overall limit free and goes out among the first.
    assert await _order(answers_are_bulk=True) <= 4


async def test_without_the_reserve_a_help_waits_behind_the_answers() -> None:
    # The same requests with the answers not marked: the /help queues behind them.
    assert await _order(answers_are_bulk=False) >= 10
