"""Who may use the bot, and where: the allowlist (environment plus /allow and /deny, kept in
SQLite), the admins, the chats the bot has seen, and a per-user rate limit.

The rule (issue 12): a group is a reader. Archive content goes into a group or channel only when
that chat is allowed, whoever asks; in a private chat the user must be allowed. A /deny wins over
everything but admin rights.

Telegram-free: handlers pass plain ids, usernames and chat types in.
"""

from __future__ import annotations

import datetime as dt
import enum
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from sqlite_utils import Database

from retrieval.corpus.clock import utcnow

RATE_PERIOD_SECONDS = 60.0
GROUP_TYPES = frozenset({"group", "supergroup", "channel"})
GONE_STATUSES = frozenset({"left", "kicked"})
"""The bot's member status in a chat it is no longer in (``my_chat_member`` updates)."""


class Verdict(enum.Enum):
    """What the access gate does with an update."""

    ALLOWED = "allowed"
    GROUP_NOT_LISTED = "group not listed"
    """An allowed user in a group that is not allowed: one line, no archive content."""
    REFUSED = "refused"


@dataclass(frozen=True)
class Who:
    """The person asking and where: user id, @username (if any) and chat id (None for inline
    queries; positive, the user's own id, in a private chat)."""

    user_id: int
    username: str | None = None
    chat_id: int | None = None

    @property
    def in_group(self) -> bool:
        """Return whether the question was asked in a group or channel (others read it)."""
        # Telegram gives groups, supergroups and channels negative ids, private chats positive.
        return self.chat_id is not None and self.chat_id < 0


@dataclass(frozen=True)
class Rule:
    """One allowlist entry and where it came from.

    ``source`` is ``environment`` (``BRIEFBOT_ALLOWED``) or the admin command that set it
    (``/allow`` or ``/deny``, with ``by`` and ``at``); ``in_env`` says whether the environment also
    lists it.
    """

    subject: str
    allowed: bool
    source: str
    by: int | None = None
    at: str | None = None
    in_env: bool = False

    @property
    def kind(self) -> str:
        """Return ``group`` for a chat id (negative), else ``user``."""
        return "group" if self.subject.startswith("-") else "user"

    def origin(self) -> str:
        """Return where the rule came from, e.g. ``/allow by 1, 2026-12-04 15:40 UTC``."""
        if self.source == "environment":
            return "BRIEFBOT_ALLOWED"
        when = f", {short_time(self.at)}" if self.at else ""
        env = " (overrides BRIEFBOT_ALLOWED)" if self.in_env and not self.allowed else ""
        return f"{self.source} by {self.by}{when}{env}"


@dataclass(frozen=True)
class KnownChat:
    """A chat the bot has had an update from; ``left_at`` is set once the bot left or was removed.

    Private chats are kept too: their ``username`` is the user's, which a daily digest needs to
    check an ``@username`` entry when no one is asking.
    """

    chat_id: int
    type: str
    title: str | None
    username: str | None
    first_seen_at: str
    last_seen_at: str
    left_at: str | None = None

    @property
    def is_group(self) -> bool:
        """Return whether others than one user read this chat (group, supergroup, channel)."""
        return self.type in GROUP_TYPES

    def label(self) -> str:
        """Return the chat id with its title, e.g. ``-1001234567890 "Analysts" (supergroup)``."""
        title = f' "{self.title}"' if self.title else ""
        return f"{self.chat_id}{title} ({self.type})"


def short_time(iso_time: str) -> str:
    """Return a stored ISO time as ``2026-12-04 15:40 UTC``."""
    try:
        moment = dt.datetime.fromisoformat(iso_time).astimezone(dt.UTC)
    except ValueError:
        return iso_time
    return f"{moment:%Y-%m-%d %H:%M} UTC"


class AccessList:
    """The allowlist, the admins and the chats the bot has seen.

    The environment's ``BRIEFBOT_ALLOWED`` entries are allowed unless an admin has denied them;
    entries added with /allow are stored in the ``bot_access`` table and survive restarts. A
    denial wins over everything but admin rights. With no allowed entry at all the bot is open
    (denied entries are still refused). Chats seen in updates are kept in ``bot_chats``.

    Reads are in memory (the access gate asks on every update); writes (``set``,
    ``save_chat``) go to the database and must run on the database thread.

    Args:
        db: the database holding ``bot_access`` and ``bot_chats``.
        allowed: entries from the environment (``parse_subjects`` form).
        admins: user ids of the admins; they are always allowed.
    """

    def __init__(self, db: Database, allowed: Iterable[str] = (), admins: Iterable[int] = ()):
        self.db = db
        self.env_allowed = frozenset(allowed)
        self.admins = frozenset(admins)
        self._rules: dict[str, Rule] = {}
        self._chats: dict[int, KnownChat] = {}
        self.reload()

    def reload(self) -> None:
        """Read the stored /allow and /deny decisions and the known chats again."""
        rows = self.db.execute(
            "SELECT subject, allowed, changed_by, changed_at FROM bot_access"
        ).fetchall()
        self._rules = {
            subject: Rule(
                subject,
                bool(allowed),
                "/allow" if allowed else "/deny",
                by,
                at,
                subject in self.env_allowed,
            )
            for subject, allowed, by, at in rows
        }
        self._chats = {
            row["chat_id"]: KnownChat(**row) for row in self.db.query("SELECT * FROM bot_chats")
        }

    # -- decisions (read-only) ---------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        """Return whether everyone not denied may use the bot (no allowlist is set)."""
        return not self.env_allowed and not any(r.allowed for r in self._rules.values())

    def is_admin(self, user_id: int) -> bool:
        """Return whether ``user_id`` may use the admin commands."""
        return user_id in self.admins

    def _state(self, subject: str) -> bool | None:
        """Return True (allowed), False (denied) or None (not listed) for one entry."""
        rule = self._rules.get(subject)
        if rule is not None:
            return rule.allowed
        return True if subject in self.env_allowed else None

    def _user_subjects(self, user_id: int, username: str | None) -> list[str]:
        return [str(user_id)] + (["@" + username.lower()] if username else [])

    def user_denied(self, user_id: int, username: str | None = None) -> bool:
        """Return whether an admin denied this user (admins cannot be denied)."""
        if self.is_admin(user_id):
            return False
        return any(self._state(s) is False for s in self._user_subjects(user_id, username))

    def user_allowed(self, user_id: int, username: str | None = None) -> bool:
        """Return whether this user may read the archive in a private chat or inline."""
        if self.is_admin(user_id):
            return True
        states = [self._state(s) for s in self._user_subjects(user_id, username)]
        if False in states:
            return False
        return self.is_open or True in states

    def chat_allowed(self, chat_id: int) -> bool:
        """Return whether a group or channel may receive archive content."""
        state = self._state(str(chat_id))
        return state is True or (state is None and self.is_open)

    def decide(self, who: Who) -> Verdict:
        """Return what the gate does for ``who``: in a group the chat decides, whoever asks
        (a denied user is still refused there); elsewhere the user decides."""
        user_ok = self.user_allowed(who.user_id, who.username)
        if who.chat_id is None or not who.in_group:
            return Verdict.ALLOWED if user_ok else Verdict.REFUSED
        if self.user_denied(who.user_id, who.username):
            return Verdict.REFUSED
        if self.chat_allowed(who.chat_id):
            return Verdict.ALLOWED
        if user_ok:
            return Verdict.GROUP_NOT_LISTED
        return Verdict.REFUSED

    def allows(self, who: Who) -> bool:
        """Return whether ``who`` may receive archive content here. This is a read-only
        operation."""
        return self.decide(who) is Verdict.ALLOWED

    def allows_chat(self, chat_id: int) -> bool:
        """Return whether a chat may receive archive content when no one is asking (a daily
        digest): a group by its own entry, a private chat by its user's (id or known username)."""
        chat = self._chats.get(chat_id)
        if chat_id < 0 or (chat is not None and chat.is_group):
            return self.chat_allowed(chat_id)
        return self.user_allowed(chat_id, chat.username if chat else None)

    # -- changes (on the database thread) ----------------------------------------------------

    def set(self, subject: str, allowed: bool, *, by: int) -> None:
        """Store an admin's /allow (``allowed=True``) or /deny of ``subject``; one transaction."""
        now = utcnow()
        with self.db.conn:
            self.db.execute(
                "INSERT INTO bot_access (subject, allowed, changed_by, changed_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(subject) DO UPDATE SET "
                "allowed = excluded.allowed, changed_by = excluded.changed_by, "
                "changed_at = excluded.changed_at",
                [subject, int(allowed), by, now],
            )
        self._rules[subject] = Rule(
            subject, allowed, "/allow" if allowed else "/deny", by, now, subject in self.env_allowed
        )

    def seen_chat(
        self,
        chat_id: int,
        chat_type: str,
        title: str | None = None,
        username: str | None = None,
        *,
        status: str | None = None,
    ) -> KnownChat | None:
        """Note an update from a chat; return its new record when it must be saved, else None.

        ``status`` is the bot's new member status from a ``my_chat_member`` update ("left" and
        "kicked" mean the bot is out of the chat). A record is saved when the chat is new, when
        its title, username, type or the bot's presence changed, and at most once a day
        otherwise (``last_seen_at``). Read-only: pass the result to ``save_chat``.
        """
        now = utcnow()
        old = self._chats.get(chat_id)
        gone = status in GONE_STATUSES
        left_at = (old.left_at if old and old.left_at else now) if gone else None
        new = KnownChat(
            chat_id,
            chat_type,
            title,
            username.lower() if username else None,
            old.first_seen_at if old else now,
            now,
            left_at,
        )
        unchanged = old is not None and replace(old, last_seen_at=now) == new
        if unchanged and old is not None and old.last_seen_at[:10] == now[:10]:
            return None
        self._chats[chat_id] = new
        return new

    def save_chat(self, chat: KnownChat) -> None:
        """Store a chat record from ``seen_chat`` (one upsert)."""
        with self.db.conn:
            self.db.execute(
                "INSERT INTO bot_chats (chat_id, type, title, username, first_seen_at, "
                "last_seen_at, left_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(chat_id) DO "
                "UPDATE SET type = excluded.type, title = excluded.title, "
                "username = excluded.username, last_seen_at = excluded.last_seen_at, "
                "left_at = excluded.left_at",
                [
                    chat.chat_id,
                    chat.type,
                    chat.title,
                    chat.username,
                    chat.first_seen_at,
                    chat.last_seen_at,
                    chat.left_at,
                ],
            )

    # -- the audit (read-only) ---------------------------------------------------------------

    def rules(self) -> list[Rule]:
        """Return every entry: the environment's (unless an admin decided otherwise) and the
        stored ones, users before groups, each sorted."""
        rules = dict(self._rules)
        for subject in self.env_allowed - rules.keys():
            rules[subject] = Rule(subject, True, "environment", in_env=True)
        return sorted(rules.values(), key=lambda r: (r.kind, r.subject))

    def entries(self) -> tuple[list[str], list[str]]:
        """Return the allowed entries (environment and stored) and the denied ones, sorted."""
        rules = self.rules()
        return sorted(r.subject for r in rules if r.allowed), sorted(
            r.subject for r in rules if not r.allowed
        )

    def chat(self, chat_id: int) -> KnownChat | None:
        """Return what the bot knows of a chat, or None."""
        return self._chats.get(chat_id)

    def groups(self) -> list[KnownChat]:
        """Return the groups and channels the bot is in, as far as updates tell, by chat id."""
        return sorted(
            (c for c in self._chats.values() if c.is_group and c.left_at is None),
            key=lambda c: c.chat_id,
        )

    def unlisted_groups(self) -> list[KnownChat]:
        """Return the groups and channels the bot is in that may not receive archive content."""
        return [c for c in self.groups() if not self.chat_allowed(c.chat_id)]


class RateLimiter:
    """At most ``limit`` questions per user in any ``period`` seconds (a sliding window).

    Args:
        limit: questions allowed per period.
        period: the window in seconds.
        clock: returns the current time in seconds (monotonic); tests pass their own.
    """

    def __init__(
        self,
        limit: int,
        period: float = RATE_PERIOD_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.limit = limit
        self.period = period
        self.clock = clock
        self._seen: dict[int, deque[float]] = {}

    def allow(self, user_id: int) -> bool:
        """Return whether ``user_id`` may ask now, counting this question if so."""
        now = self.clock()
        window = self._seen.setdefault(user_id, deque())
        while window and window[0] <= now - self.period:
            window.popleft()
        if len(window) >= self.limit:
            return False
        window.append(now)
        return True

    def retry_in(self, user_id: int) -> int:
        """Return the whole seconds until ``user_id`` may ask again (0 if now)."""
        window = self._seen.get(user_id)
        if not window or len(window) < self.limit:
            return 0
        return max(1, int(window[0] + self.period - self.clock() + 0.999))

    def forget_idle(self) -> None:
        """Drop users with no question in the current window (keeps memory flat)."""
        cutoff = self.clock() - self.period
        for user_id in [u for u, w in self._seen.items() if not w or w[-1] <= cutoff]:
            del self._seen[user_id]
