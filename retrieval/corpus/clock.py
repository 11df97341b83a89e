"""Time as briefbot stores it: aware UTC datetimes, written as ISO 8601 with microseconds.

Every timestamp the library and the bot write goes through ``iso`` (``utcnow`` for the current
time), so stored times compare correctly as strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]
"""A function returning the current time as an aware datetime; tests pass their own."""


def utc_clock() -> dt.datetime:
    """Return the current time in UTC (the default ``Clock``)."""
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime) -> str:
    """Return ``moment`` in UTC as ISO 8601 with microseconds, as the store writes times.

    Raises:
        ValueError: if ``moment`` has no time zone.
    """
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} has no time zone; pass an aware datetime")
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def utcnow() -> str:
    """Return the current UTC time as stored: ISO 8601 with microseconds."""
    return iso(utc_clock())


def parse_iso(value: str) -> dt.datetime:
    """Return a stored ISO time as an aware UTC datetime (naive values are taken as UTC)."""
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)
