"""Build the Telegram application; run it with long polling or a webhook.

``build_application`` only builds (tests drive the result against a fake Bot API server);
``run_application`` runs it the way python-telegram-bot intends (``run_polling`` /
``run_webhook``, which call ``post_init`` and ``post_shutdown``).

Extension point: a feature (issue 4's digests, say) is a ``Feature`` appended to ``FEATURES``
below. Its handlers are registered after the core commands, buttons and inline mode and before
the catch-alls (free text, unknown commands), and its ``on_startup`` runs in ``post_init`` once the
commands are registered. Its commands go in ``bot.help.COMMANDS`` so that /help and the
Telegram command menu list them; its settings are fields of ``bot.config.Settings``.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import traceback
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
from telegram import Bot, BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot import gate
from bot.chat import ChatService
from bot.config import Settings
from bot.handlers import admin, buttons, uploads
from bot.handlers import commands as handlers
from bot.handlers import digest as digest_handlers
from bot.handlers import followups as followup_handlers
from bot.handlers import remove as remove_handlers
from bot.handlers.errors import error_handler
from bot.help import COMMANDS
from bot.jobs import digest, sources
from bot.ordering import ChatOrder
from bot.outgoing import JournalTransport, uses_env_proxy
from bot.ratelimit import PRIVATE_PERIOD_SECONDS, ChatRateLimiter
from bot.services import App, BotServices, Context, install, services
from bot.state.access import AccessList, RateLimiter
from bot.state.followups import Followups
from bot.state.journal import JournalBot, JournalQueue, UpdateJournal
from bot.state.migrations import upgrade as upgrade_bot_state
from bot.state.question_log import QuestionLog
from retrieval.archive import Archive
from retrieval.delivery.feeds import tls_context

logger = logging.getLogger(__name__)

MAX_SEND_RETRIES = 5
"""How often a request that Telegram answered with 429 (RetryAfter) is retried before giving up."""
REFRESH_SECONDS = 30
"""How often the archive index is brought up to date with briefs ingested by other processes."""
PURGE_SECONDS = 3600
"""How often answered updates older than a week are removed from the journal."""
OVERALL_PERIOD_SECONDS = 0.55
GROUP_PERIOD_SECONDS = 63.0
"""Telegram allows a bot about 30 messages a second and 20 a minute in one group. The limiter
counts when it lets a request go, Telegram when the request arrives, and requests bunch up on the
way (new connections, a busy event loop): 15 per 0.55 s (27 a second, in bursts of at most 15)
and 20 per 63 s per group keep a burst free of 429s."""
SWITCH_INTERVAL_SECONDS = 0.0005
"""How long the event loop may wait for the GIL held by a search (Python's default: 5 ms)."""
CONNECTIONS = 64
"""HTTP connections to the Bot API shared by the handlers running at once (one more polls)."""
DRAIN_SECONDS = 20.0
"""On SIGTERM, how long the updates in hand get to finish; systemd's TimeoutStopSec is 30 s."""
ACCESS_GROUP = -1
"""Handler group of the access gate: it runs before every other handler."""

OPEN_WARNING = (
    "BRIEFBOT_ALLOWED is not set and no one has been /allow-ed: the bot is OPEN TO EVERYONE on "
    "Telegram who finds @%s. Set BRIEFBOT_ALLOWED to your team's user ids, chat ids or "
    "@usernames (see docs/telegram.md)."
)


def _verified_request(connections: int = 1) -> HTTPXRequest:
    """Return requests over the process's one TLS context: python-telegram-bot's default would
    read the CA bundle again for each (~0.05 CPU-s apiece)."""
    return HTTPXRequest(connection_pool_size=connections, httpx_kwargs={"verify": tls_context()})


def _bot_request(journal: UpdateJournal, base_url: str) -> HTTPXRequest:
    """Return the request object for the bot's API calls: its transport marks each answer in the
    journal as it leaves, unless an HTTP(S) proxy from the environment must carry the calls (httpx
    uses those only with its own transport)."""
    if uses_env_proxy(base_url):
        logger.info(
            "An HTTP(S) proxy is set in the environment: answers are recorded once Telegram "
            "replies, not as they leave (a crash in between may send one twice)"
        )
        return _verified_request(CONNECTIONS)
    # httpx applies connection limits given to the transport, not to the client.
    transport = JournalTransport(journal, limits=httpx.Limits(max_connections=CONNECTIONS))
    return HTTPXRequest(connection_pool_size=CONNECTIONS, httpx_kwargs={"transport": transport})


@dataclass(frozen=True)
class Feature:
    """A front-end feature added to the bot: its handlers and, optionally, a startup step.

    Args:
        name: a short name, for logs.
        handlers: returns the feature's handlers, given the settings.
        on_startup: awaited in ``post_init`` (e.g. to reschedule saved jobs).
    """

    name: str
    handlers: Callable[[Settings], Sequence[BaseHandler[Any, Any, Any]]]
    on_startup: Callable[[App], Awaitable[None]] | None = None


FEATURES: list[Feature] = [
    # First: a digest caught up at startup holds what the inbox brought while the bot was down.
    Feature("sources", uploads.handlers, sources.on_startup),  # inbox, feeds, admins' uploads
    Feature("digest", digest_handlers.handlers, digest.on_startup),  # issue 4: digests, topics
    Feature("remove", remove_handlers.handlers),  # issue 10: /remove (admins)
]
"""Features registered by ``build_application``, in order. Append new features here."""


class BotStartError(Exception):
    """The bot could not start (token rejected, Bot API unreachable); the message says why."""


class BotStoppedError(BotStartError):
    """The bot stopped itself (its database file was replaced); the message says why."""


# -- the token never reaches a log ----------------------------------------------------------

_SECRETS: set[str] = set()
_base_factory: Callable[..., logging.LogRecord] | None = None


def redact(text: str) -> str:
    """Return ``text`` with every protected secret (the bot token) replaced by ``<token>``."""
    for secret in _SECRETS:
        text = text.replace(secret, "<token>")
    return text


def protect_secret(secret: str) -> None:
    """Make every log record created from now on carry ``<token>`` instead of ``secret``.

    python-telegram-bot puts the token in some messages (``Bot.__repr__``, ``InvalidToken``) and
    httpx logs request URLs that contain it; this covers every logger and handler, including
    ones added later. Idempotent.
    """
    global _base_factory
    if not secret:
        return
    _SECRETS.add(secret)
    if _base_factory is not None:
        return
    base = logging.getLogRecordFactory()
    _base_factory = base

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call: leave it to logging to report
            return record
        if any(s in message for s in _SECRETS):
            record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[1] is not None:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            if any(s in text for s in _SECRETS):
                record.exc_text = redact(text)
        return record

    logging.setLogRecordFactory(factory)


# -- building -------------------------------------------------------------------------------


def flood_limiter(time_scale: float = 1.0) -> ChatRateLimiter:
    """Return the limiter that keeps the bot's requests within Telegram's flood limits (all
    chats, each group, each private chat).

    Args:
        time_scale: multiplies every period of the limits (1.0: Telegram's). Tests pace the bot
            against a fake Bot API whose limits run as much faster, so that waiting out a limit
            takes a fraction of the seconds it takes against Telegram.
    """
    return ChatRateLimiter(
        overall_max_rate=15,
        overall_time_period=OVERALL_PERIOD_SECONDS * time_scale,
        group_max_rate=20,
        group_time_period=GROUP_PERIOD_SECONDS * time_scale,
        private_time_period=PRIVATE_PERIOD_SECONDS * time_scale,
        max_retries=MAX_SEND_RETRIES,
    )


def build_application(
    settings: Settings,
    archive: Archive,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    rate_limiter: ChatRateLimiter | None = None,
) -> App:
    """Return the bot's Application, ready to run; nothing is sent to Telegram yet.

    Args:
        settings: the checked settings (token, API URL, access lists, limits).
        archive: the archive to answer from; the caller keeps ownership and closes it. The
            bot's own tables are created in its database if missing (``bot/state/migrations.py``).
        request: what sends the bot's API calls; by default HTTPX with a pool of connections
            for concurrent handlers. Tests pass an in-process fake, python-telegram-bot's own
            test idiom.
        get_updates_request: what sends getUpdates; by default HTTPX with one connection.
        rate_limiter: the limiter of the bot's requests; by default ``flood_limiter()``
            (Telegram's limits). Tests pass one with shorter periods.
    """
    protect_secret(settings.token)
    # httpx logs every request URL, and every URL holds the token; APScheduler logs every run of
    # every job at INFO (the JobQueue runs some every few minutes).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    defaults = Defaults(
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        # A reply whose question was deleted meanwhile is still sent, just not as a reply.
        allow_sending_without_reply=True,
    )
    upgrade_bot_state(archive.store)  # the bot's own tables (question log, access list, journal)
    db = archive.store.db
    journal = UpdateJournal(archive.store.path, db)
    # The builder cannot make a bot of our own class, so the bot gets what the builder would give
    # it: defaults, the rate limiter, a pool of connections for concurrent handlers.
    bot = JournalBot(
        journal,
        token=settings.token,
        base_url=settings.base_url,
        base_file_url=settings.base_file_url,
        defaults=defaults,
        rate_limiter=rate_limiter or flood_limiter(),
        request=request or _bot_request(journal, settings.base_url),
        get_updates_request=get_updates_request or _verified_request(),
    )
    application = (
        ApplicationBuilder()
        .bot(bot)
        .update_queue(JournalQueue(journal))
        .concurrent_updates(ChatOrder(journal))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    svc = BotServices(
        settings=settings,
        chat=ChatService(archive, top=settings.top),
        access=AccessList(db, settings.allowed, settings.admins),
        limiter=RateLimiter(settings.rate_limit),
        questions=QuestionLog(db),
        followups=Followups(archive.store),
        executor=ThreadPoolExecutor(max_workers=1, thread_name_prefix="briefbot-db"),
        journal=journal,
        restore_mark=archive.store.restore_mark(),
    )
    install(application, svc)
    add_handlers(application, settings)
    return application


def add_handlers(application: App, settings: Settings) -> None:
    """Register every handler, in the order they are tried.

    1. the access gate (group -1): strangers get one line and nothing else;
    2. commands (``/ask@botname`` works: CommandHandler checks the bot's name);
    3. buttons and inline mode;
    4. the handlers of each ``Feature`` in ``FEATURES``;
    5. catch-alls: private text is a question, group text only when addressed to the bot,
       unknown commands, non-text messages in private chats (and in groups when their caption
       names the bot), edits of messages for the bot.
    """
    new_message = filters.UpdateType.MESSAGE
    application.add_handler(TypeHandler(Update, gate.gate), group=ACCESS_GROUP)
    commands = {
        "start": handlers.start,
        "help": handlers.help_command,
        "ask": handlers.ask,
        "check": handlers.check,
        "brief": handlers.brief,
        "sources": handlers.sources,
        "new": followup_handlers.new_command,
        "allow": admin.allow,
        "deny": admin.deny,
        "stats": admin.stats,
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback, filters=new_message))
    application.add_handlers(
        [
            CallbackQueryHandler(remove_handlers.remove_button, pattern=remove_handlers.PATTERN),
            CallbackQueryHandler(buttons.button),
            InlineQueryHandler(buttons.inline_query),
        ]
    )
    for feature in FEATURES:
        application.add_handlers(list(feature.handlers(settings)))
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    text = filters.TEXT & ~filters.COMMAND & new_message
    application.add_handlers(
        [
            MessageHandler(private & text, handlers.private_message),
            MessageHandler(groups & text, handlers.group_message),
            MessageHandler(filters.COMMAND & new_message, handlers.unknown_command),
            MessageHandler(
                private & new_message & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                handlers.not_text,
            ),
            MessageHandler(groups & new_message & filters.CAPTION, handlers.group_media),
            MessageHandler(
                filters.UpdateType.EDITED_MESSAGE & filters.TEXT, handlers.edited_message
            ),
        ]
    )
    application.add_error_handler(error_handler)


async def post_init(application: App) -> None:
    """Startup: register the command menu, warn if the bot is open, schedule the archive refresh,
    then run each feature's ``on_startup``."""
    svc = services(application)
    await application.bot.set_my_commands(
        [BotCommand(c.name, c.description) for c in COMMANDS if not c.admin]
    )
    if svc.access.is_open:
        logger.warning(OPEN_WARNING, application.bot.username)
    else:
        allowed, _ = svc.access.entries()
        logger.info("Allowlist: %d entries, %d admins", len(allowed), len(svc.access.admins))
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            refresh_archive, interval=REFRESH_SECONDS, first=REFRESH_SECONDS, name="refresh"
        )
        application.job_queue.run_repeating(
            purge_journal, interval=PURGE_SECONDS, first=PURGE_SECONDS, name="purge-journal"
        )
    for feature in FEATURES:
        if feature.on_startup is not None:
            await feature.on_startup(application)
    # Updates received but not answered when the bot last stopped go first, before new ones.
    if isinstance(application.update_queue, JournalQueue):
        await application.update_queue.replay(application.bot)
    logger.info("Bot @%s is ready", application.bot.username)


async def post_shutdown(application: App) -> None:
    """Shutdown: finish the database threads' work and stop them."""
    svc = services(application)
    svc.executor.shutdown(wait=True)
    svc.journal.close()


async def refresh_archive(context: Context) -> None:
    """Bring the index up to date with briefs another process ingested, and forget idle users;
    stop the bot (``BotServices.halt``) if its database file was replaced or deleted, or a backup
    was restored into it (``briefbot restore``).

    Questions would rebuild it anyway; doing it here keeps the first question after an ingest
    fast.
    """
    svc = services(context)
    store = svc.chat.archive.store
    replaced = store.replaced()
    if replaced:
        # Everything the bot holds open (the archive, the journal's connections) is the old
        # file; carrying on would answer from it and write where nobody reads again.
        svc.halt(
            f"the database {store.path} {replaced} while the bot ran; stopped so that the next "
            "start opens what is there now (what the bot wrote since the change, such as "
            "/digest or /allow, went to the old file). Stop the bot before replacing or "
            "restoring its database"
        )
        return
    mark = await svc.run(store.restore_mark)
    if mark != svc.restore_mark:
        # The same file, its content replaced by `briefbot restore`: the archive is answered from
        # at once (its index no longer matches and is rebuilt) and the journal was kept, but the
        # access list and the digest schedules were read from the old content at start.
        how = f"briefbot restore, {mark.split()[0]}" if mark else "by another tool"
        svc.halt(
            f"the database {store.path} was restored from a backup while the bot ran ({how}); "
            "stopped so that the next start reads the restored archive, access list and digests"
        )
        return
    await svc.run(svc.chat.archive.index)
    svc.limiter.forget_idle()


async def purge_journal(context: Context) -> None:
    """Forget updates answered a week ago (the journal keeps update ids and sent message ids)."""
    await services(context).journal.purge()


# -- running --------------------------------------------------------------------------------


async def check_token(settings: Settings) -> None:
    """Ask the Bot API who we are, so that a bad token or an unreachable server is one clear
    line before python-telegram-bot's own start-up (which logs a traceback) begins.

    Raises:
        BotStartError: naming the problem and the fix, never the token.
    """
    bot = Bot(
        settings.token,
        base_url=settings.base_url,
        base_file_url=settings.base_file_url,
        request=_verified_request(),
        get_updates_request=_verified_request(),
    )
    try:
        async with bot:
            pass  # initialising the bot calls getMe
    except TelegramError as exc:
        raise start_error(exc, settings) from None


def start_error(exc: TelegramError, settings: Settings) -> BotStartError:
    """Return the one-line error for a Telegram failure at startup; it never holds the token."""
    if isinstance(exc, InvalidToken):
        return BotStartError(
            f"the Bot API at {settings.api_url} rejected TELEGRAM_BOT_TOKEN (401 Unauthorized); "
            "it may have been revoked: get the current token from @BotFather (/token)"
        )
    if isinstance(exc, NetworkError):
        return BotStartError(
            f"could not reach the Bot API at {settings.api_url} ({redact(str(exc))}); "
            "check the network or BRIEFBOT_API_URL"
        )
    return BotStartError(f"Telegram refused to start the bot: {redact(str(exc))}")


def run_application(application: App, settings: Settings) -> None:
    """Run the bot until Ctrl-C or SIGTERM: long polling, or a webhook if one is configured.

    Raises:
        BotStartError: if Telegram rejects the token or the Bot API cannot be reached; the
            message never contains the token.
        BotStoppedError: if the bot stopped itself (its database file was replaced).
    """
    asyncio.run(check_token(settings))
    try:
        asyncio.run(_run_until_signal(application, settings))
    except TelegramError as exc:
        raise start_error(exc, settings) from None
    reason = services(application).stopped_because
    if reason:
        raise BotStoppedError(reason)


async def _run_until_signal(application: App, settings: Settings) -> None:
    # Searches hold the GIL on the database thread; by default the event loop waits up to 5 ms
    # for it after every socket read or write, which adds up to seconds for a /help under load.
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await serve(application, settings, stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def serve(
    application: App, settings: Settings, stop: asyncio.Event, drain_seconds: float = DRAIN_SECONDS
) -> None:
    """Take updates (long polling, or a webhook if configured) until ``stop`` is set, then stop.

    What ``Application.run_polling`` does, with one change: on ``stop`` no update is started any
    more, the ones in hand get ``drain_seconds`` to finish, and the rest stay recorded in the
    journal to be answered on the next start, so the bot exits within systemd's stop timeout
    whatever the queue holds.
    """
    updater = application.updater
    if updater is None:
        raise RuntimeError("the Application has no Updater")
    services(application).stop = stop  # the bot may stop itself: BotServices.halt

    def polling_error(exc: TelegramError) -> None:
        application.create_task(application.process_error(update=None, error=exc))

    try:
        async with application:
            if application.post_init:
                await application.post_init(application)
            await application.start()
            if settings.webhook_url:
                logger.info(
                    "Webhook mode: %s, listening on %s:%d",
                    settings.webhook_url,
                    settings.listen,
                    settings.port,
                )
                await updater.start_webhook(
                    listen=settings.listen,
                    port=settings.port,
                    url_path=settings.webhook_path,
                    webhook_url=settings.webhook_url,
                    secret_token=settings.secret_token,
                    allowed_updates=Update.ALL_TYPES,
                )
            else:
                logger.info("Long polling %s", settings.api_url)
                await updater.start_polling(
                    allowed_updates=Update.ALL_TYPES, error_callback=polling_error
                )
            await stop.wait()
            logger.info("Stopping: no new updates are taken")
            await updater.stop()
            processor = application.update_processor
            if isinstance(processor, ChatOrder):
                await processor.drain(drain_seconds)
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
    finally:
        if application.post_shutdown:
            await application.post_shutdown(application)
