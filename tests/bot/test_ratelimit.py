"""The bot's flood limiter: answers leave room under the overall limit for other replies."""

from __future__ import annotations

import asyncio
import contextlib

from bot.ratelimit import ChatRateLimiter, bulk

PERIOD = 60.0
"""The limits' period in these tests: long enough that nothing queued drains while they run, so
what goes out is what the limits let through at once, whatever the machine's speed."""


async def _sent_with_help(answers_are_bulk: bool) -> list[str]:
    """Return what went out of 20 answers queued and a /help of another chat requested after
    them, before the limits would next let anything through (4 requests a period overall)."""
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
    for _ in range(5):
        await asyncio.sleep(0)  # the answers take what the limits give and queue
    with contextlib.suppress(TimeoutError):
        # Nothing drains for 15 s: a /help that must wait for room is still waiting.
        await asyncio.wait_for(request("help", 999), timeout=0.5)
    for task in answers:
        task.cancel()
    await asyncio.gather(*answers, return_exceptions=True)
    return sent


async def test_a_help_does_not_wait_behind_queued_answers() -> None:
    # Answers (sent within bulk()) take the overall limit less the reserve: the /help of another
    # chat finds room and goes out at once, after the two answers the bulk limit let through.
    assert await _sent_with_help(answers_are_bulk=True) == ["answer 0", "answer 1", "help"]


async def test_without_the_reserve_a_help_waits_behind_the_answers() -> None:
    # The same requests with the answers not marked: they take the whole overall limit, and the
    # /help waits for the next period.
    assert await _sent_with_help(answers_are_bulk=False) == [f"answer {n}" for n in range(4)]
