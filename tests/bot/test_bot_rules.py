"""The access rules and the rate limit's sliding window, without Telegram."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from migration_history import apply_old_order
from sqlite_utils import Database

from bot.state.access import AccessList, RateLimiter, Verdict, Who
from bot.state.migrations import upgrade
from retrieval.corpus.store import Store
from retrieval.delivery.subscriptions import SubscriptionStore

ALLOWED, NOT_LISTED, REFUSED = Verdict.ALLOWED, Verdict.GROUP_NOT_LISTED, Verdict.REFUSED


@pytest.fixture
def store(store: Store) -> Store:
    """Return the empty store with the bot's own tables, as the bot opens it."""
    upgrade(store)
    return store


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


@pytest.mark.parametrize(
    ("who", "verdict"),
    [
        (Who(1001), ALLOWED),  # listed user, private chat
        (Who(1001, chat_id=1001), ALLOWED),
        (Who(3003, chat_id=3003), REFUSED),  # stranger, private chat
        (Who(1001, chat_id=-100999), NOT_LISTED),  # listed user, unlisted group
        (Who(1, chat_id=-100999), NOT_LISTED),  # admins too: the group's readers decide
        (Who(3003, chat_id=-100999), REFUSED),  # stranger, unlisted group
        (Who(3003, chat_id=-100555), ALLOWED),  # anyone in an allowed group
        (Who(4004, "Denied_D", chat_id=-100555), REFUSED),  # except the denied
        (Who(1001, chat_id=-100666), NOT_LISTED),  # a denied group is not on the list
        (Who(3003, chat_id=1001), REFUSED),  # a forged press in someone else's private chat
        (Who(1001, chat_id=None), ALLOWED),  # inline: the user decides
    ],
)
def test_a_group_is_a_reader(store: Store, who: Who, verdict: Verdict) -> None:
    access = AccessList(store.db, allowed={"1001", "-100555", "-100666"}, admins={1})
    access.set("@denied_d", False, by=1)
    access.set("-100666", False, by=1)
    assert access.decide(who) is verdict


def test_open_bot_admits_every_group_not_denied(store: Store) -> None:
    access = AccessList(store.db)
    access.set("-100666", False, by=1)
    assert access.decide(Who(5, chat_id=-100999)) is ALLOWED
    assert access.decide(Who(5, chat_id=-100666)) is NOT_LISTED  # a denied group stays closed
    assert access.allows_chat(-100999) and not access.allows_chat(-100666)


def test_seen_chats_are_saved_when_new_or_changed_and_survive_a_restart(store: Store) -> None:
    access = AccessList(store.db, allowed={"-100555"})
    for chat_id in (-100555, -100999):
        record = access.seen_chat(chat_id, "supergroup", "Old title")
        assert record is not None
        access.save_chat(record)
    assert access.seen_chat(-100999, "supergroup", "Old title") is None  # seen today already
    renamed = access.seen_chat(-100999, "supergroup", "New title")
    assert renamed is not None and renamed.title == "New title"
    access.save_chat(renamed)
    private = access.seen_chat(2002, "private", None, "Alice_K")
    assert private is not None
    access.save_chat(private)
    reopened = AccessList(store.db, allowed={"-100555", "@alice_k"})
    assert [c.label() for c in reopened.unlisted_groups()] == ['-100999 "New title" (supergroup)']
    assert reopened.allows_chat(2002)  # the digest finds her @username without her asking
    left = reopened.seen_chat(-100999, "supergroup", "New title", status="left")
    assert left is not None and left.left_at is not None
    reopened.save_chat(left)
    assert reopened.unlisted_groups() == [] and reopened.groups()[0].chat_id == -100555
    back = reopened.seen_chat(-100999, "supergroup", "New title", status="member")
    assert back is not None and back.left_at is None


def test_a_database_from_before_issue_12_upgrades_on_open(db_path: Path) -> None:
    db = Database(db_path)
    apply_old_order(db, stop_before=["m013_create_bot_chats", "m024_add_subscription_pause"])
    db.execute(
        "INSERT INTO bot_access (subject, allowed, changed_by, changed_at) "
        "VALUES ('1001', 1, 1, '2024-03-01T08:00:00.000000+00:00')"
    )
    db.conn.commit()
    db.close()
    store = Store(db_path)  # applies the pending migrations
    upgrade(store)  # and the bot's
    subs = SubscriptionStore(store)
    subs.subscribe(-100555, dt.time(8), "UTC")
    assert subs.pause(-100555, "not allowed") and not subs.pause(-100555, "again")
    assert subs.get(-100555).paused  # type: ignore[union-attr]
    assert subs.resume(-100555) and not subs.get(-100555).paused  # type: ignore[union-attr]
    access = AccessList(store.db)
    [rule] = access.rules()
    assert (rule.subject, rule.origin()) == ("1001", "/allow by 1, 2024-03-01 08:00 UTC")
    store.close()
