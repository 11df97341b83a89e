"""What the bot's background jobs share: ``BotJobs``, their base (the application and what its
``BotServices`` give), and ``guarded``, so that one failing chat or source does not stop the
others."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

from bot.services import App, services

logger = logging.getLogger(__name__)

J = TypeVar("J", bound="BotJobs")


async def guarded(work: Awaitable[Any], what: str) -> None:
    """Await ``work``; log a failure with its traceback (``what`` names the work), never raise."""
    try:
        await work
    except Exception:
        logger.exception("Background job: %s failed", what)


class BotJobs:
    """Base of the digest and source jobs: the application, its services, settings, archive
    and clock.

    Args:
        application: the bot, built by ``build_application``.
    """

    def __init__(self, application: App):
        self.app = application
        self.svc = services(application)
        self.settings = self.svc.settings
        self.archive = self.svc.chat.archive
        self.now = self.svc.clock


def started(jobs: J | None) -> J:
    """Return ``jobs`` (a ``BotServices`` field that ``post_init`` sets).

    Raises:
        RuntimeError: if the bot has not started yet.
    """
    if jobs is None:
        raise RuntimeError("the bot's jobs are created when it starts (post_init)")
    return jobs
