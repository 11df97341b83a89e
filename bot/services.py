"""What every handler and job of the bot uses, in one typed object: ``BotServices``.

``build_application`` stores it once with ``install``; handlers and jobs fetch it with
``services(context)`` (or ``services(application)``), so nothing else reads ``bot_data`` by key.
Every database call runs on one worker thread (``BotServices.run``), so SQLite is only ever used
from that thread and the event loop never waits on the disk or an index rebuild.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from telegram.ext import Application, ContextTypes

from bot.chat import ChatService
from bot.config import Settings
from bot.state.access import AccessList, RateLimiter
from bot.state.followups import Followups
from bot.state.journal import UpdateJournal
from bot.state.question_log import QuestionLog
from retrieval.corpus.clock import Clock, utc_clock

if TYPE_CHECKING:  # the jobs import this module
    from bot.jobs.digest import DigestService
    from bot.jobs.sources import SourceJobs

logger = logging.getLogger(__name__)

T = TypeVar("T")
App = Application[Any, Any, Any, Any, Any, Any]
Context = ContextTypes.DEFAULT_TYPE

_KEY = "briefbot"
"""The one key of ``bot_data`` the bot uses; read and written only in this module."""


@dataclass
class BotServices:
    """What the handlers and jobs use: settings, the chat service, access, rate limit, question
    log and follow-ups, the database thread and, once started, the digest and source jobs.

    ``clock`` is what the digest and source jobs read the time from (tests set their own
    before the bot starts); ``pending_removals`` holds the brief
    ids of each /remove waiting for its confirmation button, by the button's token.
    """

    settings: Settings
    chat: ChatService
    access: AccessList
    limiter: RateLimiter
    questions: QuestionLog
    followups: Followups
    executor: ThreadPoolExecutor
    journal: UpdateJournal
    clock: Clock = utc_clock
    digests: DigestService | None = None
    sources: SourceJobs | None = None
    pending_removals: dict[str, list[int]] = field(default_factory=dict)
    stop: asyncio.Event | None = None
    """Set to stop the bot (``briefbot run`` waits on it: ``bot.app.serve``)."""
    restore_mark: str | None = None
    """The database's last restore as the bot started (``Store.restore_mark``): another one means
    ``briefbot restore`` wrote a backup into it while the bot ran."""
    stopped_because: str | None = None
    """Why the bot stopped itself (``halt``): ``briefbot run`` then exits with it, status 1."""

    def halt(self, reason: str) -> None:
        """Stop the bot because of ``reason``, which is logged as an error and is what
        ``briefbot run`` exits with (status 1, so that systemd's ``Restart=on-failure``
        starts it again)."""
        logger.error("Stopping: %s", reason)
        self.stopped_because = reason
        if self.stop is not None:
            self.stop.set()

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Return ``fn(*args, **kwargs)``, run on the database thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, partial(fn, *args, **kwargs))


def install(application: App, svc: BotServices) -> None:
    """Store ``svc`` as the services of ``application`` (``build_application`` does, once)."""
    application.bot_data[_KEY] = svc


def services(source: Context | App) -> BotServices:
    """Return the BotServices that ``build_application`` stored for the application.

    Raises:
        RuntimeError: if the application was not built by ``build_application``.
    """
    svc = source.bot_data.get(_KEY)
    if not isinstance(svc, BotServices):
        raise RuntimeError("the application has no BotServices: build it with build_application")
    return svc
