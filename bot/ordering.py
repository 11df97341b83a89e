"""Chats answered side by side, each in order: the bot's update processor (issue 16).

python-telegram-bot handles updates one at a time unless the application has a concurrent update
processor. ``ChatOrder`` is one: updates of different chats run side by side, so no chat waits for
another's answer or for another group's rate limit (``AIORateLimiter`` waits inside the handler
that sends), while the updates of one chat run one at a time in the order Telegram numbered them
(a per-chat ``asyncio.Lock``; its waiters are woken first come, first served).

An update is marked done in the journal (``bot.state.journal``) once its handlers have returned. On
shutdown ``drain`` stops starting updates (they stay in the journal and are answered on the next
start) and gives the ones in hand until a deadline to finish.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.state.journal import CURRENT_UPDATE, UpdateJournal

logger = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATES = 64
"""Updates handled at once across all chats (searches still run one at a time on the database
thread; most of a handler's time is waiting for Telegram)."""


MAX_UPDATES_IN_HAND = 100_000
"""Updates taken from the queue at once (most wait for their chat); a bound the queue never
reaches in practice, so a long queue in one chat never holds back another chat."""


def chat_key(update: object) -> Hashable:
    """Return what orders ``update`` among others: its chat, else its user, else itself."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
    return ("update", id(update))


class ChatOrder(BaseUpdateProcessor):
    """Handle updates of different chats concurrently and each chat's updates in order.

    Args:
        journal: where updates are marked done; None to keep no journal.
        max_concurrent_updates: how many updates are handled at once.
    """

    def __init__(
        self, journal: UpdateJournal | None, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES
    ):
        # The base class's semaphore is held while an update waits for its chat, so it only caps
        # the updates in hand; ``_handling`` caps those being handled.
        super().__init__(MAX_UPDATES_IN_HAND)
        self.journal = journal
        self._handling = asyncio.Semaphore(max_concurrent_updates)
        self._chats: dict[Hashable, tuple[asyncio.Lock, int]] = {}
        self._running: set[asyncio.Task[Any]] = set()
        self._draining = False

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Handle ``update`` after the earlier updates of its chat, then mark it done in the
        journal; while draining, leave it in the journal instead."""
        key = chat_key(update)
        lock, users = self._chats.get(key) or (asyncio.Lock(), 0)
        self._chats[key] = (lock, users + 1)
        started = False
        try:
            async with lock:
                if self._draining:
                    return
                async with self._handling:
                    if self._draining:
                        return
                    started = True
                    await self._handle(update, coroutine)
        finally:
            if not started and asyncio.iscoroutine(coroutine):
                coroutine.close()  # never started: left in the journal for the next start
            lock, users = self._chats[key]
            if users == 1:
                del self._chats[key]
            else:
                self._chats[key] = (lock, users - 1)

    async def _handle(self, update: object, coroutine: Awaitable[Any]) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        if self.journal is not None and update_id is not None:
            self.journal.started(update_id)
        token = CURRENT_UPDATE.set(update_id)
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await coroutine
        finally:
            CURRENT_UPDATE.reset(token)
            if task is not None:
                self._running.discard(task)
        if self.journal is not None and update_id is not None:
            self.journal.done(update_id)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down (``drain`` ends what is in hand)."""

    @property
    def busy(self) -> int:
        """Return how many updates are being handled or waiting for their chat."""
        return sum(users for _, users in self._chats.values())

    async def drain(self, timeout: float) -> int:
        """Start no more updates; give those in hand ``timeout`` seconds, then cancel them.

        Returns:
            How many updates were cut short (they are answered again on the next start).
        """
        self._draining = True
        running = set(self._running)
        if not running:
            return 0
        logger.info("Stopping: finishing %d updates in hand", len(running))
        _, late = await asyncio.wait(running, timeout=timeout)
        for task in late:
            task.cancel()
        if late:
            logger.warning(
                "Stopped %d updates still being answered after %.0f s; they are answered again "
                "on the next start",
                len(late),
                timeout,
            )
            await asyncio.wait(late, timeout=2)
        return len(late)
