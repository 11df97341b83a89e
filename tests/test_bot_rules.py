"""The access rules and the rate limit's sliding window, without Telegram."""

from __future__ import annotations

from bot.access import AccessList, RateLimiter, Who
from retrieval.store import Store


def test_rate_limit_window_slides() -> None:
    now = [0.0]
    limiter = RateLimiter(2, period=60, clock=lambda: now[0])
    assert limiter.allow(1) and limiter.allow(1)
    assert not limiter.allow(1)
    assert limiter.allow(2)  # per user
    now[0] = 30.0
    assert not limiter.allow(1)
    assert limiter.retry_in(1) == 30
    now[0] = 60.0
    assert limiter.allow(1)  # the first question left the window
    limiter.forget_idle()
    now[0] = 200.0
    limiter.forget_idle()
    assert limiter.retry_in(1) == 0 and limiter.allow(1)


def test_access_rules(store: Store) -> None:
    access = AccessList(store.db, allowed={"1001", "@alice_k", "-100555"}, admins={1})
    assert not access.is_open
    assert access.allows(Who(1001))
    assert access.allows(Who(2002, "Alice_K"))
    assert access.allows(Who(3003, None, chat_id=-100555))  # anyone in an allowed group
    assert not access.allows(Who(3003))
    assert access.allows(Who(1))  # admins always
    access.set("1001", False, by=1)
    assert not access.allows(Who(1001)) and not access.allows(Who(1001, None, chat_id=-100555))
    access.set("1", False, by=1)
    assert access.allows(Who(1))
    assert access.entries() == (["-100555", "@alice_k"], ["1", "1001"])
    reopened = AccessList(store.db, allowed={"1001"}, admins={1})  # after a restart
    assert not reopened.allows(Who(1001))


def test_open_bot_still_refuses_the_denied(store: Store) -> None:
    access = AccessList(store.db)
    assert access.is_open and access.allows(Who(5))
    access.set("5", False, by=1)
    assert access.is_open and not access.allows(Who(5)) and access.allows(Who(6))
    access.set("6", True, by=1)
    assert not access.is_open and not access.allows(Who(7))
