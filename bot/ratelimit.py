"""Telegram's flood limits for the bot's requests: python-telegram-bot's ``AIORateLimiter`` (all
chats, and each group) plus one limit for each private chat, which PTB's limiter does not have.

Telegram asks bots to send about one message a second in one chat, allowing short bursts, about
30 a second in all, and 20 a minute in one group; beyond them it answers 429 (RetryAfter).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Coroutine, Iterator
from contextvars import ContextVar
from typing import Any

from aiolimiter import AsyncLimiter
from telegram import constants
from telegram.ext import AIORateLimiter

PRIVATE_BURST = 10
PRIVATE_PERIOD_SECONDS = 10.0
"""At most 10 requests at once to one private chat, then one a second (a leaky bucket): a long
``/brief`` in several parts goes out at once, a chat sent more than that is paced."""
MAX_IDLE_LIMITERS = 512
"""Past this many private chats' limiters, those with no recent requests are dropped."""
RESERVED = 3
"""Of the overall limit's requests a period, those answers and briefs (``bulk``) leave to
everything else: under a burst of questions the answers queue at the overall rate less these, so
a ``/help`` or a refusal from an idle chat finds the overall limit free instead of waiting behind
them. (With the bot's 15 per 0.55 s: answers at about 22 a second, the rest at up to 27.)"""

_BULK: ContextVar[bool] = ContextVar("briefbot_bulk_send", default=False)


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """Within it, the bot's requests are answers, briefs or digests: bulk, kept under the overall
    limit by ``RESERVED`` requests a period (``ChatRateLimiter``)."""
    token = _BULK.set(True)
    try:
        yield
    finally:
        _BULK.reset(token)


class ChatRateLimiter(AIORateLimiter):
    """``AIORateLimiter`` with a limit for each private chat as well.

    Answers and briefs (sent within ``bulk()``) also pass a limit of their own, ``reserved``
    requests a period under the overall one, so that other replies are not queued behind them.

    Args:
        private_max_rate: requests one private chat may get at once (the bucket's size).
        private_time_period: seconds in which the bucket drains ``private_max_rate`` requests.
        reserved: requests a period of the overall limit that bulk requests leave to others.
        **kwargs: ``AIORateLimiter``'s arguments (overall and group limits, ``max_retries``).
    """

    def __init__(
        self,
        *,
        private_max_rate: int = PRIVATE_BURST,
        private_time_period: float = PRIVATE_PERIOD_SECONDS,
        reserved: int = RESERVED,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self._private_max_rate = private_max_rate
        self._private_time_period = private_time_period
        self._private: dict[int, AsyncLimiter] = {}
        # AIORateLimiter's own defaults: Telegram's 30 a second.
        rate = kwargs.get("overall_max_rate", constants.FloodLimit.MESSAGES_PER_SECOND)
        period = kwargs.get("overall_time_period", 1)
        self._bulk = AsyncLimiter(max(1, rate - reserved), period) if rate and period else None

    def _private_limiter(self, chat_id: int) -> AsyncLimiter:
        if len(self._private) > MAX_IDLE_LIMITERS:
            for key, limiter in list(self._private.items()):
                if key != chat_id and limiter.has_capacity(limiter.max_rate):
                    del self._private[key]
        if chat_id not in self._private:
            self._private[chat_id] = AsyncLimiter(self._private_max_rate, self._private_time_period)
        return self._private[chat_id]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Run the request within the bulk limit (an answer or a brief), the private chat's limit
        (if it is for one) and PTB's."""
        async with contextlib.AsyncExitStack() as limits:
            if self._bulk is not None and _BULK.get():
                await limits.enter_async_context(self._bulk)
            chat_id = data.get("chat_id")
            if isinstance(chat_id, int) and chat_id > 0:  # users' ids, i.e. private chats, are > 0
                await limits.enter_async_context(self._private_limiter(chat_id))
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
