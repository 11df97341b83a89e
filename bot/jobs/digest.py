"""Daily digests in Telegram: scheduling, catch-up, sending each day's digest exactly once.

One job per subscribed chat, named ``digest:{chat_id}`` (``run_daily`` at the chat's local time, so
a new schedule replaces the old), is re-created at startup from SQLite. Whether a digest is due is
decided from the clock (``BotServices.clock``; tests drive the jobs with their own time), not
from when the job fired: the most recent slot of the chat that has no row in the send log is due.
So a digest missed while the bot was down goes out once at startup, and a job that fires twice, or
a restart, never sends a second one (see ``retrieval/delivery/subscriptions.py`` for the send log).

Every database call runs on the bot's database thread (``BotServices.run``). The jobs that feed
the archive (inbox folder, feeds) are ``bot.jobs.sources``.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot.digest_render import nothing_new, render_digest_html
from bot.jobs.base import BotJobs, guarded, started
from bot.ratelimit import bulk
from bot.render import escape
from bot.services import App, Context, services
from retrieval.corpus.clock import parse_iso
from retrieval.delivery.digest import Digest, DigestLimits, archive_head, chat_digest
from retrieval.delivery.schedule import date_text, local_time_text, zone
from retrieval.delivery.subscriptions import DigestSend, Subscription, SubscriptionStore

logger = logging.getLogger(__name__)

RETRY_DELAYS = (60, 300, 900, 1800, 3600)
"""Seconds to wait before the 2nd, 3rd … attempt at a failed digest."""
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
NOT_ALLOWED = "the chat is not allowed (BRIEFBOT_ALLOWED or /allow)"
"""Why a digest is paused: its chat may not receive archive content now."""


def digest_service(application: App) -> DigestService:
    """Return the DigestService that ``on_startup`` created (RuntimeError before it ran)."""
    return started(services(application).digests)


def job_name(chat_id: int) -> str:
    """Return the name of a chat's daily digest job."""
    return f"digest:{chat_id}"


def is_gone(error: TelegramError) -> bool:
    """Return whether ``error`` means the chat can never be reached again (blocked, deleted)."""
    if isinstance(error, Forbidden):
        return True
    return isinstance(error, BadRequest) and "chat not found" in error.message.lower()


class DigestService(BotJobs):
    """Schedules, composes and sends the daily digests."""

    def __init__(self, application: App):
        super().__init__(application)
        self.subs = SubscriptionStore(self.archive.store, now=self.now)
        self.limits = DigestLimits()
        self.run_id = uuid.uuid4().hex

    # -- startup ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Recover from a crash, re-create the jobs, send missed digests and retry failed ones."""
        for send in await self.svc.run(self.subs.interrupt_stale, self.run_id):
            logger.warning(
                "The digest for chat %s of %s was being sent when the bot stopped; it is not sent "
                "again, and its briefs go out with the chat's next digest",
                send.chat_id,
                send.local_date,
            )
        # Before the catch-up below: a chat removed from BRIEFBOT_ALLOWED gets nothing from now on.
        await self.svc.run(self.sync_access)
        subscriptions = await self.svc.run(self.subs.subscriptions)
        for sub in subscriptions:
            self.schedule(sub)
        for sub in subscriptions:
            await guarded(self.deliver_due(sub.chat_id), f"catch-up for chat {sub.chat_id}")
        for send in await self.svc.run(self.subs.failed_sends):
            await guarded(self.retry(send.id), f"retry for chat {send.chat_id}")
        logger.info("Daily digests: %d chats scheduled", len(subscriptions))

    # -- access (issue 12) -----------------------------------------------------------------

    def sync_access(self) -> list[tuple[int, bool]]:
        """Pause the digests of chats no longer allowed and resume those allowed again; return
        ``(chat_id, paused)`` for each one changed. Runs on the database thread; after /allow,
        /deny and at startup."""
        changed = []
        for sub in self.subs.subscriptions():
            allowed = self.svc.access.allows_chat(sub.chat_id)
            if not allowed and self.subs.pause(sub.chat_id, NOT_ALLOWED):
                changed.append((sub.chat_id, True))
            elif allowed and sub.paused and self.subs.resume(sub.chat_id):
                changed.append((sub.chat_id, False))
        for chat_id, paused in changed:
            logger.info(
                "Daily digest of chat %s %s",
                chat_id,
                "paused: " + NOT_ALLOWED if paused else "resumed",
            )
        return changed

    async def allowed_now(self, chat_id: int) -> bool:
        """Return whether the chat may get its digest now; if not, pause it and log one line."""
        if self.svc.access.allows_chat(chat_id):
            return True
        await self.svc.run(self.subs.pause, chat_id, NOT_ALLOWED)
        logger.info(
            "Digest for chat %s not sent: %s; it is paused until then", chat_id, NOT_ALLOWED
        )
        return False

    # -- scheduling ------------------------------------------------------------------------

    def schedule(self, sub: Subscription) -> None:
        """(Re)create the chat's daily job at its local time; the old one, if any, is removed."""
        jobs = self.app.job_queue
        if jobs is None:
            return
        self.unschedule(sub.chat_id)
        at = sub.at.replace(tzinfo=zone(sub.timezone))  # a naive time would be UTC
        jobs.run_daily(digest_job, time=at, name=job_name(sub.chat_id), chat_id=sub.chat_id)

    def unschedule(self, chat_id: int) -> bool:
        """Remove the chat's daily job; return whether it had one."""
        jobs = self.app.job_queue
        current = jobs.get_jobs_by_name(job_name(chat_id)) if jobs is not None else ()
        for job in current:
            job.schedule_removal()
        return bool(current)

    # -- composing -------------------------------------------------------------------------

    def compose(self, chat_id: int, after: int | None = None, upto: int | None = None) -> Digest:
        """Return the chat's digest of the briefs in ``(after, upto]`` with its topics."""
        return chat_digest(
            self.archive,
            self.subs,
            chat_id,
            after_brief_id=after,
            upto_brief_id=upto,
            limits=self.limits,
        )

    def since_text(self, sub: Subscription | None, tz: str) -> str | None:
        """Return when the chat's last digest went out, as local time, if it ever did."""
        if sub is None or not sub.last_sent_at:
            return None
        return local_time_text(parse_iso(sub.last_sent_at), tz)

    def _prepare_due(self, chat_id: int) -> DigestSend | None:
        """Compose and claim the chat's due digest; None when none is due or the day has one.

        Runs on the database thread, so composing and claiming cannot interleave with another
        attempt for the same chat.
        """
        sub = self.subs.get(chat_id)
        if sub is None or not sub.active:
            return None
        if sub.paused:  # the caller found the chat allowed again
            self.subs.resume(chat_id)
            logger.info("Daily digest of chat %s resumed", chat_id)
        slot = sub.latest_slot(self.now())
        if slot is None:
            return None
        day, instant = slot
        if self.subs.send_for(chat_id, day) is not None:
            return None
        upto = archive_head(self.archive.store)
        digest = self.compose(chat_id, sub.last_sent_brief_id, upto)
        title = f"Daily digest — {date_text(day)}"
        if not digest.is_empty:
            parts = render_digest_html(digest, title=title)
        elif self.settings.digest_empty == "notify":
            parts = [escape(nothing_new(self.since_text(sub, sub.timezone)))]
        else:
            parts = []
        return self.subs.claim(
            chat_id,
            day,
            instant,
            after_brief_id=sub.last_sent_brief_id,
            upto_brief_id=upto,
            briefs=digest.new_briefs,
            parts=parts,
            run_id=self.run_id,
        )

    def next_digest(self, sub: Subscription) -> dt.datetime:
        """Return when the chat's next digest goes out (a day that had one is skipped)."""
        instant = sub.next_slot(self.now())
        day = instant.astimezone(zone(sub.timezone)).date()
        if self.subs.send_for(sub.chat_id, day) is not None:
            instant = sub.next_slot(instant)
        return instant

    def preview(self, chat_id: int) -> list[str]:
        """Return what the chat would get now (``/digest now``), as HTML messages. Read-only."""
        sub = self.subs.get(chat_id)
        tz = sub.timezone if sub else self.settings.timezone
        digest = self.compose(chat_id)
        if digest.is_empty:
            return [escape(nothing_new(self.since_text(sub, tz)))]
        title = f"Digest so far — {local_time_text(self.now(), tz)}"
        return render_digest_html(digest, title=title)

    # -- sending ---------------------------------------------------------------------------

    async def deliver_due(self, chat_id: int) -> DigestSend | None:
        """Send the chat's due digest if it has not gone out yet and the chat is allowed; return
        its send log row (None if nothing was due or the chat is not allowed)."""
        if not await self.allowed_now(chat_id):
            return None
        send = await self.svc.run(self._prepare_due, chat_id)
        if send is None or send.status != "sending":
            return send
        logger.info("Sending the digest of %s to chat %s", send.local_date, chat_id)
        return await self._send(send)

    async def _send(self, send: DigestSend) -> DigestSend:
        """Send the parts Telegram has not accepted yet; record each one it accepts."""
        bot: Bot = self.app.bot
        for n in range(send.parts_sent, len(send.parts)):
            try:
                with bulk():  # many chats' digests at once leave room for replies to members
                    await bot.send_message(send.chat_id, send.parts[n], parse_mode=ParseMode.HTML)
            except (Forbidden, BadRequest, ChatMigrated) as exc:
                if isinstance(exc, ChatMigrated) or is_gone(exc):
                    return await self._gone(send, exc)
                return await self._failed(send, exc)
            except TelegramError as exc:  # network, timeout, flood control beyond the limiter
                return await self._failed(send, exc)
            send = await self.svc.run(self.subs.part_sent, send.id, n + 1)
        logger.info("Digest of %s sent to chat %s", send.local_date, send.chat_id)
        return send

    async def _gone(self, send: DigestSend, exc: TelegramError) -> DigestSend:
        reason = exc.message
        if isinstance(exc, ChatMigrated):
            reason = f"the group became supergroup {exc.new_chat_id}; subscribe there again"
        await self.svc.run(self.subs.send_undeliverable, send.id, reason)
        self.unschedule(send.chat_id)
        logger.warning(
            "Chat %s cannot be reached (%s): unsubscribed from the digest", send.chat_id, reason
        )
        return await self.svc.run(self.subs.get_send, send.id)

    async def _failed(self, send: DigestSend, exc: TelegramError) -> DigestSend:
        await self.svc.run(self.subs.send_failed, send.id, exc.message)
        if send.attempts >= MAX_ATTEMPTS:
            await self.svc.run(
                self.subs.abandon, send.id, f"gave up after {send.attempts} attempts"
            )
            logger.error(
                "Digest of %s for chat %s failed %d times (%s); its briefs go out with the next",
                send.local_date,
                send.chat_id,
                send.attempts,
                exc.message,
            )
        else:
            delay = RETRY_DELAYS[send.attempts - 1]
            if isinstance(exc, RetryAfter):
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, dt.timedelta) else wait
                delay = max(delay, int(seconds) + 1)
            jobs = self.app.job_queue
            if jobs is not None:
                jobs.run_once(
                    retry_job,
                    when=delay,
                    name=f"digest-retry:{send.chat_id}",
                    chat_id=send.chat_id,
                    data=send.id,
                )
            logger.warning(
                "Digest of %s for chat %s failed (%s); trying again in %d s",
                send.local_date,
                send.chat_id,
                exc.message,
                delay,
            )
        return await self.svc.run(self.subs.get_send, send.id)

    def _take_retry(self, send_id: int) -> DigestSend | None:
        """Return a failed digest taken back for sending; None if it should not be retried
        (sent meanwhile, chat unsubscribed, or a newer day's digest is due: that one holds its
        briefs)."""
        send = self.subs.get_send(send_id)
        if send.status != "failed":
            return None
        sub = self.subs.get(send.chat_id)
        slot = sub.latest_slot(self.now()) if sub and sub.active else None
        if slot is None or str(slot[0]) != send.local_date:
            self.subs.abandon(send_id, "superseded by a later digest")
            return None
        return self.subs.begin_retry(send_id, self.run_id)

    async def retry(self, send_id: int) -> DigestSend | None:
        """Try a failed digest again from its first unsent message; return its row. A chat no
        longer allowed gets nothing: the row is given up and its briefs wait for the next digest."""
        failed = await self.svc.run(self.subs.get_send, send_id)
        if not await self.allowed_now(failed.chat_id):
            await self.svc.run(self.subs.abandon, send_id, NOT_ALLOWED)
            return await self.svc.run(self.subs.get_send, send_id)
        send = await self.svc.run(self._take_retry, send_id)
        if send is None:
            chat_id = (await self.svc.run(self.subs.get_send, send_id)).chat_id
            return await self.deliver_due(chat_id)
        return await self._send(send)


# -- job callbacks --------------------------------------------------------------------------


async def digest_job(context: Context) -> None:
    """Send the job's chat its digest if it is due (the daily ``digest:{chat_id}`` job)."""
    job = context.job
    if job is None or job.chat_id is None:
        return
    service = digest_service(context.application)
    await guarded(service.deliver_due(job.chat_id), f"digest for chat {job.chat_id}")


async def retry_job(context: Context) -> None:
    """Try a failed digest again (``digest-retry:{chat_id}``, its data the send log row id)."""
    job = context.job
    if job is None or not isinstance(job.data, int):
        return
    service = digest_service(context.application)
    await guarded(service.retry(job.data), f"retry for chat {job.chat_id}")


async def on_startup(application: App) -> None:
    """Create the DigestService (``post_init``): recover, reschedule, catch up, retry."""
    service = DigestService(application)
    services(application).digests = service
    await service.start()
