"""The jobs that feed the archive while the bot runs, and tell the admins about problems.

The inbox folder is scanned at startup and every ``BRIEFBOT_INBOX_INTERVAL`` seconds, the feeds
are polled every ``BRIEFBOT_FEEDS_INTERVAL`` seconds (``retrieval.delivery.inbox`` and ``.feeds``
do the work). Both run on a worker thread with their own connection, since they wait on disks and
networks; what failed reaches the admins as notices (``retrieval.delivery.notices``), each sent
once. Admins' uploads are ``bot.handlers.uploads``.
"""

from __future__ import annotations

import asyncio
import logging

from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.jobs.base import BotJobs, guarded, started
from bot.render import escape
from bot.services import App, Context, services
from bot.splitter import split_html
from retrieval.corpus.store import Store
from retrieval.delivery.feeds import FeedPoller
from retrieval.delivery.inbox import Inbox
from retrieval.delivery.notices import Notices

logger = logging.getLogger(__name__)

FEEDS_FIRST_POLL = 5
"""Seconds after startup of the first feed poll (a job, so that slow feeds do not delay startup)."""


class SourceJobs(BotJobs):
    """Scans the inbox folder, polls the feeds and sends the admins their notices."""

    def __init__(self, application: App):
        super().__init__(application)
        self.notices = Notices(self.archive.store, now=self.now)

    async def start(self) -> None:
        """Scan the inbox once (so that a digest caught up at startup holds what arrived while
        the bot was down), start the inbox and feed jobs, and send the notices not sent yet."""
        jobs = self.app.job_queue
        if self.settings.inbox:
            await guarded(self.scan_inbox(), "inbox scan")
        if self.settings.inbox and jobs is not None:
            jobs.run_repeating(
                inbox_job,
                interval=self.settings.inbox_interval,
                first=self.settings.inbox_interval,
                name="inbox",
            )
        if self.settings.feeds and jobs is not None:
            jobs.run_repeating(
                feeds_job,
                interval=self.settings.feeds_interval,
                first=FEEDS_FIRST_POLL,
                name="feeds",
            )
        await guarded(self.send_notices(), "admin notices")

    def _worker_store(self) -> Store:
        """Return a connection for a worker thread (SQLite connections stay on one thread)."""
        path = self.archive.store.path
        if path is None:
            raise RuntimeError("the inbox and feeds need the archive in a database file")
        return Store(path)

    def _scan_inbox(self) -> None:
        store = self._worker_store()
        try:
            assert self.settings.inbox is not None
            report = Inbox(store, self.settings.inbox, now=self.now).scan()
            if report.ingested or report.rejected:
                logger.info("Inbox: %s", report.summary())
        finally:
            store.close()

    def _poll_feeds(self) -> None:
        store = self._worker_store()
        try:
            for result in FeedPoller(store, list(self.settings.feeds), now=self.now).poll():
                if result.added or result.error:
                    logger.info("Feed %s", result.summary())
        finally:
            store.close()

    async def scan_inbox(self) -> None:
        """Ingest the inbox folder's new and changed files, then tell the admins what failed."""
        await asyncio.to_thread(self._scan_inbox)
        await self.send_notices()

    async def poll_feeds(self) -> None:
        """Poll every feed once, then tell the admins about feeds that started failing."""
        await asyncio.to_thread(self._poll_feeds)
        await self.send_notices()

    async def send_notices(self) -> None:
        """Send the admins every notice not sent yet; each is sent (or logged) once."""
        admins = sorted(self.svc.access.admins)
        for notice in await self.svc.run(self.notices.pending):
            if not admins:
                logger.warning("For the admins (BRIEFBOT_ADMINS is empty): %s", notice.text)
            transient = False
            for admin in admins:
                try:
                    for part in split_html(escape(notice.text)):
                        await self.app.bot.send_message(admin, part, parse_mode=ParseMode.HTML)
                except (Forbidden, BadRequest) as exc:
                    logger.warning("Cannot tell admin %s (%s): %s", admin, exc.message, notice.text)
                except TelegramError as exc:
                    transient = True
                    logger.warning("Could not tell admin %s yet (%s)", admin, exc.message)
            if not transient:
                await self.svc.run(self.notices.mark_sent, notice.id)


def source_jobs(application: App) -> SourceJobs:
    """Return the SourceJobs that ``on_startup`` created (RuntimeError before it ran)."""
    return started(services(application).sources)


async def inbox_job(context: Context) -> None:
    """Scan the inbox folder (every ``BRIEFBOT_INBOX_INTERVAL`` seconds)."""
    await guarded(source_jobs(context.application).scan_inbox(), "inbox scan")


async def feeds_job(context: Context) -> None:
    """Poll the feeds (every ``BRIEFBOT_FEEDS_INTERVAL`` seconds)."""
    await guarded(source_jobs(context.application).poll_feeds(), "feed poll")


async def on_startup(application: App) -> None:
    """Create the SourceJobs (``post_init``): scan the inbox, start the jobs, send notices."""
    jobs = SourceJobs(application)
    services(application).sources = jobs
    await jobs.start()
