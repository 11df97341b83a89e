"""The bot's settings, checked once at the edge from the values the command line gives.

Nothing here reads the environment: the click options of ``bot/cli.py`` do, each through its
``envvar=`` (the one place an environment variable is named for reading). To add a setting: add a
field with a default to ``Settings``, a click option with its ``envvar=``, check the value in
``load_settings``, and name what is wrong and how to fix it when the value is bad.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from retrieval.archive import DEFAULT_TOP
from retrieval.delivery.schedule import parse_timezone
from retrieval.errors import InvalidScheduleError

DEFAULT_DB = "data/briefbot.db"
DEFAULT_API_URL = "https://api.telegram.org"
DEFAULT_RATE_LIMIT = 20
MAX_TOP = 10
DEFAULT_LISTEN = "127.0.0.1"
DEFAULT_PORT = 8443
DEFAULT_INBOX_INTERVAL = 180
DEFAULT_FEEDS_INTERVAL = 1800
DEFAULT_UPLOAD_MAX_MB = 20
DEFAULT_FOLLOWUP_MINUTES = 10
MAX_FOLLOWUP_MINUTES = 1440
MAX_TELEGRAM_ID = 2**52 - 1
"""Telegram's user and chat ids "have at most 52 significant bits" (Bot API, ``User.id``);
a supergroup's id is -100 followed by the group's number, well within that."""
NOT_AN_ID = (
    f"is not a Telegram id: ids are not 0 and have at most {len(str(MAX_TELEGRAM_ID))} digits"
)
"""What is wrong with a number ``id_in_range`` refuses, for error lines."""

# A token from @BotFather: the bot's numeric id, a colon, then 35 characters (we accept 30+).
TOKEN_RE = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{30,}")
# Telegram's rule for setWebhook's secret_token.
SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_SUBJECT_RE = re.compile(r"-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31}")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names it and says how to fix it."""


@dataclass(frozen=True)
class Settings:
    """Everything the bot needs to run, checked.

    ``allowed`` holds user ids, chat ids (as strings) and lower-cased ``@usernames``; an empty
    set means the bot is open to everyone (unless an admin has since used /allow). ``admins``
    are user ids allowed to /allow, /deny and /stats. ``inline`` says whether allowed users may
    share passages into any chat through inline mode (``BRIEFBOT_INLINE``).
    """

    token: str = field(repr=False)
    db: str = DEFAULT_DB
    api_url: str = DEFAULT_API_URL
    allowed: frozenset[str] = frozenset()
    admins: frozenset[int] = frozenset()
    rate_limit: int = DEFAULT_RATE_LIMIT
    top: int = DEFAULT_TOP
    inline: bool = True
    followup_minutes: int = DEFAULT_FOLLOWUP_MINUTES
    """In a private chat, a message this soon after an answer may continue its question
    (``BRIEFBOT_FOLLOWUP_MINUTES``; 0: only replies continue)."""
    webhook_url: str | None = None
    listen: str = DEFAULT_LISTEN
    port: int = DEFAULT_PORT
    secret_token: str | None = field(default=None, repr=False)
    # Digests and the bot's own sources (issue 4; read by ``_digest_settings``).
    timezone: str = "UTC"
    digest_empty: str = "skip"
    inbox: str | None = None
    inbox_interval: int = DEFAULT_INBOX_INTERVAL
    feeds: tuple[str, ...] = ()
    feeds_interval: int = DEFAULT_FEEDS_INTERVAL
    upload_max_mb: int = DEFAULT_UPLOAD_MAX_MB

    @property
    def base_url(self) -> str:
        """Return the Bot API base for python-telegram-bot: it appends ``<TOKEN>/METHOD``."""
        return f"{self.api_url}/bot"

    @property
    def base_file_url(self) -> str:
        """Return the file download base for python-telegram-bot."""
        return f"{self.api_url}/file/bot"

    @property
    def webhook_path(self) -> str:
        """Return the path part of the webhook URL, where the local server listens."""
        return urlsplit(self.webhook_url or "").path.strip("/")


def load_settings(**options: Any) -> Settings:
    """Return checked Settings from ``options``, the values of the command line's options
    (click has already read their environment variables).

    Options are the ``Settings`` field names; a value of None or "" means "not given".

    Raises:
        ConfigError: naming the variable or option that is missing or malformed and the fix. The
            token itself is never part of the message.
    """
    unknown = set(options) - set(Settings.__dataclass_fields__)
    if unknown:
        raise TypeError(f"unknown settings: {sorted(unknown)}")

    def pick(name: str, var: str) -> Any:
        # ``var`` names the setting in messages; its value came through the click option.
        value = options.get(name)
        return None if value is None or value == "" else value

    token = (pick("token", "TELEGRAM_BOT_TOKEN") or "").strip()
    if not token:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather, then "
            "export TELEGRAM_BOT_TOKEN=<the token it gives you> (see docs/telegram.md)"
        )
    if not TOKEN_RE.fullmatch(token):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is malformed: a bot token is the bot's id, a colon and 35 "
            "letters, digits, '-' or '_' (like 123456789:AAE...); copy it again from @BotFather"
        )
    api_url = str(pick("api_url", "BRIEFBOT_API_URL") or DEFAULT_API_URL).rstrip("/")
    if not re.match(r"https?://[^/\s]+", api_url):
        raise ConfigError(
            f"BRIEFBOT_API_URL {api_url!r} is not an http(s) URL; "
            "write e.g. http://127.0.0.1:8081 for a local telegram-bot-api server"
        )
    if api_url.endswith("/bot"):
        api_url = api_url[: -len("/bot")]
    allowed = parse_subjects(pick("allowed", "BRIEFBOT_ALLOWED"), "BRIEFBOT_ALLOWED")
    admins = parse_admins(pick("admins", "BRIEFBOT_ADMINS"))
    rate_limit = _positive_int(pick("rate_limit", "BRIEFBOT_RATE_LIMIT"), "BRIEFBOT_RATE_LIMIT")
    top = parse_top(pick("top", "BRIEFBOT_TOP"))
    inline = parse_inline(pick("inline", "BRIEFBOT_INLINE"))
    followup_minutes = parse_followup_minutes(pick("followup_minutes", "BRIEFBOT_FOLLOWUP_MINUTES"))
    webhook_url = pick("webhook_url", "BRIEFBOT_WEBHOOK_URL")
    if webhook_url is not None and not str(webhook_url).startswith("https://"):
        raise ConfigError(
            f"--webhook URL {webhook_url!r} must start with https:// (Telegram only calls HTTPS "
            "webhooks); put a TLS proxy such as nginx or Caddy in front of --listen/--port"
        )
    port = pick("port", "BRIEFBOT_WEBHOOK_PORT")
    try:
        port = int(port) if port is not None else DEFAULT_PORT
    except ValueError:
        raise ConfigError(f"--port {port!r} is not a number; write e.g. --port 8443") from None
    if not 1 <= port <= 65535:
        raise ConfigError(f"--port {port} is out of range; use 1-65535, e.g. 8443")
    secret = pick("secret_token", "BRIEFBOT_WEBHOOK_SECRET")
    if secret is not None and not SECRET_TOKEN_RE.fullmatch(str(secret)):
        raise ConfigError(
            "--secret-token may only hold letters, digits, '_' and '-' (1-256 of them)"
        )
    if webhook_url and secret is None:
        secret = secrets.token_urlsafe(32)
    return Settings(
        token=token,
        db=str(pick("db", "BRIEFBOT_DB") or DEFAULT_DB),
        api_url=api_url,
        allowed=allowed,
        admins=admins,
        rate_limit=rate_limit if rate_limit is not None else DEFAULT_RATE_LIMIT,
        top=top,
        inline=inline,
        followup_minutes=followup_minutes,
        webhook_url=webhook_url,
        listen=str(pick("listen", "BRIEFBOT_WEBHOOK_LISTEN") or DEFAULT_LISTEN),
        port=port,
        secret_token=secret,
        **_digest_settings(pick),
    )


def parse_top(value: Any) -> int:
    """Return the passages per answer (``BRIEFBOT_TOP``), 3 when unset.

    Raises:
        ConfigError: naming the value when it is not a whole number from 1 to 10.
    """
    top = _positive_int(None if value == "" else value, "BRIEFBOT_TOP")
    if top is not None and top > MAX_TOP:
        raise ConfigError(
            f"BRIEFBOT_TOP {top} is too large; answers quote at most {MAX_TOP} passages"
        )
    return DEFAULT_TOP if top is None else top


def parse_followup_minutes(value: Any) -> int:
    """Return the follow-up window in minutes (``BRIEFBOT_FOLLOWUP_MINUTES``), 10 when unset.

    Raises:
        ConfigError: naming the value when it is not a whole number of minutes from 0 to 1440.
    """
    if value is None or str(value).strip() == "":
        return DEFAULT_FOLLOWUP_MINUTES
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or int(text) > MAX_FOLLOWUP_MINUTES:
        raise ConfigError(
            f"BRIEFBOT_FOLLOWUP_MINUTES {text!r} is not a number of minutes from 0 to "
            f"{MAX_FOLLOWUP_MINUTES}; write e.g. 10, or 0 so that only replies to an answer "
            "continue its question"
        )
    return int(text)


def parse_subjects(value: Any, name: str) -> frozenset[str]:
    """Return the user ids, chat ids and @usernames in a comma/space separated list, normalised.

    Raises:
        ConfigError: naming the entry that is neither a number nor an @username.
    """
    if value is None:
        return frozenset()
    items = value if isinstance(value, list | tuple | set | frozenset) else str(value).split(",")
    out = set()
    for item in items:
        for part in str(item).split():
            subject = normalize_subject(part)
            if subject is None:
                raise ConfigError(
                    f"{name} entry {part!r} is neither a user/chat id nor an @username; "
                    "write e.g. 123456789,-1001234567890,@alice"
                )
            if not subject.startswith("@") and not id_in_range(subject):
                # Accepted before: never anyone's id, so that member or admin stayed locked out.
                raise ConfigError(f"{name} entry {part!r} {NOT_AN_ID}; copy it again")
            out.add(subject)
    return frozenset(out)


def id_in_range(subject: str) -> bool:
    """Return whether the numeric ``subject`` (a user or chat id) is within Telegram's range:
    not 0, and at most ``MAX_TELEGRAM_ID`` either side of it."""
    return 0 < abs(int(subject)) <= MAX_TELEGRAM_ID


def normalize_subject(text: str) -> str | None:
    """Return a user id, chat id or ``@username`` in its stored form, or None if it is neither."""
    text = text.strip().strip(",")
    if _SUBJECT_RE.fullmatch(text):
        return text.lower() if text.startswith("@") else str(int(text))
    return None


def parse_inline(value: Any) -> bool:
    """Return whether inline mode shares passages: ``BRIEFBOT_INLINE`` is ``on`` (the default)
    or ``off``.

    Raises:
        ConfigError: naming the value and the two that are accepted.
    """
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "on").strip().lower()
    if text not in ("on", "off"):
        raise ConfigError(
            f"BRIEFBOT_INLINE {value!r} is neither on nor off; write BRIEFBOT_INLINE=on (allowed "
            "users may share passages into any chat with @botname) or BRIEFBOT_INLINE=off"
        )
    return text == "on"


def parse_admins(value: Any) -> frozenset[int]:
    """Return the admins' user ids from ``BRIEFBOT_ADMINS``.

    Raises:
        ConfigError: naming an entry that is not a positive user id.
    """
    subjects = parse_subjects(value, "BRIEFBOT_ADMINS")
    bad = [s for s in subjects if s.startswith("@") or int(s) <= 0]
    if bad:
        raise ConfigError(
            f"BRIEFBOT_ADMINS entry {bad[0]!r} is not a user id; admins are numeric user ids "
            "(ask @userinfobot, or send the bot a message and read the id it answers with)"
        )
    return frozenset(int(s) for s in subjects)


def _positive_int(value: Any, name: str) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} {value!r} is not a whole number; write e.g. {name}=20") from None
    if number < 1:
        raise ConfigError(f"{name} is {number}; it must be at least 1")
    return number


# -- digests and the bot's own sources (issue 4) -------------------------------------------


def _digest_settings(pick: Any) -> dict[str, Any]:
    """Return the digest, inbox, feed and upload settings (``pick(name, VAR)`` reads one).

    Raises:
        ConfigError: naming the variable that is malformed and the fix.
    """
    try:
        timezone = parse_timezone(str(pick("timezone", "BRIEFBOT_TZ") or "UTC"))
    except InvalidScheduleError as exc:
        raise ConfigError(f"BRIEFBOT_TZ: {exc}") from None
    empty = str(pick("digest_empty", "BRIEFBOT_DIGEST_EMPTY") or "skip").strip().lower()
    if empty not in ("skip", "notify"):
        raise ConfigError(
            f"BRIEFBOT_DIGEST_EMPTY {empty!r} is neither skip nor notify; write "
            "BRIEFBOT_DIGEST_EMPTY=skip (no message on a day with nothing new) or =notify"
        )
    feeds = pick("feeds", "BRIEFBOT_FEEDS") or ()
    if isinstance(feeds, str):
        feeds = feeds.replace(",", " ").split()
    for url in feeds:
        if not re.match(r"https?://[^/\s]+", url):
            raise ConfigError(
                f"BRIEFBOT_FEEDS entry {url!r} is not an http(s) URL; list feed URLs separated by "
                "commas or spaces, e.g. https://example.org/feed.xml"
            )
    upload = _positive_int(
        pick("upload_max_mb", "BRIEFBOT_UPLOAD_MAX_MB"), "BRIEFBOT_UPLOAD_MAX_MB"
    )
    if upload is not None and upload > DEFAULT_UPLOAD_MAX_MB:
        raise ConfigError(
            f"BRIEFBOT_UPLOAD_MAX_MB {upload} is over {DEFAULT_UPLOAD_MAX_MB}, the most a bot may "
            "download from Telegram; put bigger files in the inbox folder (BRIEFBOT_INBOX)"
        )
    inbox_interval = _positive_int(
        pick("inbox_interval", "BRIEFBOT_INBOX_INTERVAL"), "BRIEFBOT_INBOX_INTERVAL"
    )
    feeds_interval = _positive_int(
        pick("feeds_interval", "BRIEFBOT_FEEDS_INTERVAL"), "BRIEFBOT_FEEDS_INTERVAL"
    )
    return {
        "timezone": timezone,
        "digest_empty": empty,
        "inbox": pick("inbox", "BRIEFBOT_INBOX"),
        "inbox_interval": inbox_interval or DEFAULT_INBOX_INTERVAL,
        "feeds": tuple(feeds),
        "feeds_interval": feeds_interval or DEFAULT_FEEDS_INTERVAL,
        "upload_max_mb": upload or DEFAULT_UPLOAD_MAX_MB,
    }
