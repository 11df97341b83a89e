"""Who may use the bot: the allowlist (environment plus /allow and /deny, kept in SQLite), the
admins, and a per-user rate limit.

Telegram-free: handlers pass plain ids and usernames in.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlite_utils import Database

from retrieval.store import utcnow

RATE_PERIOD_SECONDS = 60.0


@dataclass(frozen=True)
class Who:
    """The person asking and where: user id, @username (lower-case, if any) and chat id."""

    user_id: int
    username: str | None = None
    chat_id: int | None = None

    def subjects(self) -> list[str]:
        """Return the allowlist entries that would admit this person."""
        out = [str(self.user_id)]
        if self.username:
            out.append("@" + self.username.lower())
        if self.chat_id is not None and self.chat_id != self.user_id:
            out.append(str(self.chat_id))
        return out


class AccessList:
    """The allowlist and the admins.

    The environment's ``BRIEFBOT_ALLOWED`` entries are allowed unless an admin has denied them;
    entries added with /allow are stored in the ``bot_access`` table and survive restarts. A
    denial wins over everything but admin rights. With no allowed entry at all the bot is open
    (denied entries are still refused).

    Args:
        db: the database holding ``bot_access``.
        allowed: entries from the environment (``parse_subjects`` form).
        admins: user ids of the admins; they are always allowed.
    """

    def __init__(self, db: Database, allowed: Iterable[str] = (), admins: Iterable[int] = ()):
        self.db = db
        self.env_allowed = frozenset(allowed)
        self.admins = frozenset(admins)
        self._rules: dict[str, bool] = {}
        self.reload()

    def reload(self) -> None:
        """Read the stored /allow and /deny decisions again."""
        rows = self.db.execute("SELECT subject, allowed FROM bot_access").fetchall()
        self._rules = {subject: bool(allowed) for subject, allowed in rows}

    @property
    def is_open(self) -> bool:
        """Return whether everyone not denied may use the bot (no allowlist is set)."""
        return not self.env_allowed and not any(self._rules.values())

    def is_admin(self, user_id: int) -> bool:
        """Return whether ``user_id`` may use the admin commands."""
        return user_id in self.admins

    def allows(self, who: Who) -> bool:
        """Return whether ``who`` may use the bot here. This is a read-only operation."""
        if self.is_admin(who.user_id):
            return True
        subjects = who.subjects()
        if any(self._rules.get(s) is False for s in subjects):
            return False
        if self.is_open:
            return True
        return any(self._rules.get(s) or s in self.env_allowed for s in subjects)

    def set(self, subject: str, allowed: bool, *, by: int) -> None:
        """Store an admin's /allow (``allowed=True``) or /deny of ``subject``; one transaction."""
        with self.db.conn:
            self.db.execute(
                "INSERT INTO bot_access (subject, allowed, changed_by, changed_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(subject) DO UPDATE SET "
                "allowed = excluded.allowed, changed_by = excluded.changed_by, "
                "changed_at = excluded.changed_at",
                [subject, int(allowed), by, utcnow()],
            )
        self._rules[subject] = allowed

    def entries(self) -> tuple[list[str], list[str]]:
        """Return the allowed entries (environment and stored) and the denied ones, sorted."""
        allowed = {s for s in self.env_allowed if self._rules.get(s) is not False}
        allowed |= {s for s, ok in self._rules.items() if ok}
        denied = {s for s, ok in self._rules.items() if not ok}
        return sorted(allowed), sorted(denied)


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
