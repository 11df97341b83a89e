"""Daily digest times: parsing ``HH:MM`` and time zone names, and finding a chat's slots.

A *slot* is one day's digest time as an instant: 08:00 in Europe/Berlin on 2024-03-01 is
2024-03-01T07:00Z. Everything here is pure; the current time is always passed in.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import zoneinfo
from functools import cache

from retrieval.errors import InvalidScheduleError

_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_time(value: str) -> dt.time:
    """Return the time of day written as ``HH:MM`` (24-hour; ``8:05`` is accepted).

    Raises:
        InvalidScheduleError: naming the value and the expected form.
    """
    m = _TIME_RE.match(value.strip())
    if not m:
        raise InvalidScheduleError(
            f"{value!r} is not a time of day; write it as HH:MM in 24-hour time, "
            "e.g. 08:00 or 18:30"
        )
    return dt.time(int(m.group(1)), int(m.group(2)))


@cache
def _zone_names() -> dict[str, str]:
    """Return every IANA zone name, keyed by its casefolded form."""
    return {name.casefold(): name for name in zoneinfo.available_timezones()}


def parse_timezone(value: str) -> str:
    """Return the canonical IANA zone name for ``value`` (``europe/berlin``, ``Berlin``, ``UTC``).

    A bare city is accepted when exactly one zone ends with it.

    Raises:
        InvalidScheduleError: naming the value and suggesting close zone names.
    """
    text = value.strip()
    names = _zone_names()
    if text.casefold() in names:
        return names[text.casefold()]
    wanted = "/" + text.casefold().replace(" ", "_")
    by_city = sorted(name for key, name in names.items() if key.endswith(wanted))
    if len(by_city) == 1:
        return by_city[0]
    close = by_city or difflib.get_close_matches(text, sorted(names.values()), n=3, cutoff=0.6)
    if not close:  # a misspelt city: compare with the last part of each name
        cities: dict[str, list[str]] = {}
        for name in names.values():
            cities.setdefault(name.rsplit("/", 1)[-1].casefold(), []).append(name)
        wanted_city = wanted.lstrip("/").rsplit("/", 1)[-1]
        for city in difflib.get_close_matches(wanted_city, sorted(cities), n=3, cutoff=0.75):
            close += sorted(cities[city])
        close = close[:3]
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise InvalidScheduleError(
        f"unknown time zone {value!r}{hint}; use an IANA name such as Europe/Berlin, "
        "Asia/Almaty or UTC"
    )


def zone(name: str) -> zoneinfo.ZoneInfo:
    """Return the ZoneInfo for a name ``parse_timezone`` accepted.

    Raises:
        InvalidScheduleError: if the name is not a known zone.
    """
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidScheduleError(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin or UTC"
        ) from exc


def slot_on(day: dt.date, at: dt.time, tz: str) -> dt.datetime:
    """Return the instant (aware, UTC) of the digest time ``at`` in ``tz`` on the local ``day``."""
    local = dt.datetime.combine(day, at, tzinfo=zone(tz))
    return local.astimezone(dt.UTC)


def latest_slot(
    now: dt.datetime, at: dt.time, tz: str, *, since: dt.datetime | None = None
) -> tuple[dt.date, dt.datetime] | None:
    """Return the local date and instant of the most recent slot at or before ``now``.

    Args:
        now: the current time (aware).
        at: the daily digest time, local to ``tz``.
        tz: an IANA zone name.
        since: slots before this instant do not count (the schedule did not exist yet).

    Returns:
        ``(local_date, slot_instant_utc)``, or None when that slot is before ``since``.
    """
    day = now.astimezone(zone(tz)).date()
    instant = slot_on(day, at, tz)
    if instant > now:
        day -= dt.timedelta(days=1)
        instant = slot_on(day, at, tz)
    if since is not None and instant < since:
        return None
    return day, instant


def next_slot(now: dt.datetime, at: dt.time, tz: str) -> dt.datetime:
    """Return the first slot strictly after ``now`` (aware, UTC)."""
    day = now.astimezone(zone(tz)).date()
    instant = slot_on(day, at, tz)
    while instant <= now:
        day += dt.timedelta(days=1)
        instant = slot_on(day, at, tz)
    return instant


def local_time_text(moment: dt.datetime, tz: str) -> str:
    """Return ``moment`` as local time for display: ``Fri 1 Mar 2024, 08:00``."""
    local = moment.astimezone(zone(tz))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


def date_text(day: dt.date) -> str:
    """Return a local date for display: ``Fri 1 Mar 2024``."""
    return f"{day:%a} {day.day} {day:%b %Y}"
