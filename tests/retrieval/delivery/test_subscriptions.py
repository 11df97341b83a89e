"""Subscriptions, topics, the digest send log and the schedule arithmetic behind them."""

from __future__ import annotations

import datetime as dt

import pytest

from retrieval.corpus.briefs import parse_briefs
from retrieval.corpus.clock import iso
from retrieval.corpus.store import Store
from retrieval.delivery.notices import Notices
from retrieval.delivery.schedule import latest_slot, next_slot, parse_time, parse_timezone
from retrieval.delivery.subscriptions import SubscriptionStore
from retrieval.errors import (
    InvalidQueryError,
    InvalidScheduleError,
    NothingToSearchError,
    WatchLimitError,
    WatchNotFoundError,
)

T0 = dt.datetime(2024, 3, 1, 6, 30, tzinfo=dt.UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: dt.datetime = T0):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def brief(issue: int, title: str = "Oil") -> str:
    return f"Publication: Monitor Volume: 4 Issue: {issue}\nTitle: {title}\n\nText {issue}.\n"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def subs(store: Store, clock: Clock) -> SubscriptionStore:
    return SubscriptionStore(store, now=clock)


# -- schedule ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["8:00", "08:00", "23:59", "0:00"])
def test_digest_times_in_24_hour_form_are_accepted(text: str) -> None:
    assert parse_time(text).strftime("%H:%M") == f"{int(text.split(':')[0]):02}:{text[-2:]}"


@pytest.mark.parametrize("text", ["24:00", "8", "8.00", "08:60", "eight", "8:00pm", ""])
def test_malformed_digest_time_names_the_value_and_the_form(text: str) -> None:
    with pytest.raises(InvalidScheduleError, match=r"is not a time of day; write it as HH:MM"):
        parse_time(text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("Berlin", "Europe/Berlin"),
        ("Almaty", "Asia/Almaty"),
        ("UTC", "UTC"),
    ],
)
def test_time_zones_are_canonicalised(text: str, name: str) -> None:
    assert parse_timezone(text) == name


def test_unknown_time_zone_suggests_close_names() -> None:
    with pytest.raises(InvalidScheduleError) as err:
        parse_timezone("Europe/Berln")
    assert "unknown time zone 'Europe/Berln' (did you mean Europe/Berlin" in str(err.value)


def test_latest_and_next_slot_follow_the_local_clock() -> None:
    at = dt.time(8, 0)
    # 06:30 UTC is 07:30 in Berlin (winter): today's 08:00 has not come; yesterday's has.
    day, instant = latest_slot(T0, at, "Europe/Berlin") or (None, None)
    assert (str(day), instant) == ("2024-02-29", dt.datetime(2024, 2, 29, 7, 0, tzinfo=dt.UTC))
    assert next_slot(T0, at, "Europe/Berlin") == dt.datetime(2024, 3, 1, 7, 0, tzinfo=dt.UTC)
    # In Almaty (UTC+5) it is already 11:30: today's slot has passed.
    day, _ = latest_slot(T0, at, "Asia/Almaty") or (None, None)
    assert str(day) == "2024-03-01"
    # A slot before the schedule existed does not count.
    assert latest_slot(T0, at, "Europe/Berlin", since=T0 - dt.timedelta(hours=1)) is None


def test_slots_keep_local_time_across_a_daylight_saving_change() -> None:
    before = dt.datetime(2024, 3, 30, 12, 0, tzinfo=dt.UTC)  # Berlin switches on March 31
    assert next_slot(before, dt.time(8), "Europe/Berlin") == dt.datetime(
        2024, 3, 31, 6, 0, tzinfo=dt.UTC
    )


# -- subscriptions -------------------------------------------------------------------------


def test_first_digest_starts_a_day_before_subscribing(
    store: Store, subs: SubscriptionStore
) -> None:
    old = store.add_briefs(parse_briefs(brief(1)), now=iso(T0 - dt.timedelta(days=2)))
    store.add_briefs(parse_briefs(brief(2)), now=iso(T0 - dt.timedelta(hours=1)))
    sub = subs.subscribe(42, dt.time(8), "Europe/Berlin")
    assert sub.last_sent_brief_id == old.brief_ids[0]
    assert (sub.time_text, sub.timezone, sub.active) == ("08:00", "Europe/Berlin", True)
    assert sub.schedule_since == iso(T0)


def test_changing_the_time_keeps_the_mark_and_resuming_does_not_flood(
    store: Store, subs: SubscriptionStore, clock: Clock
) -> None:
    subs.subscribe(42, dt.time(8), "UTC")
    [sent] = store.add_briefs(parse_briefs(brief(1)), now=iso(clock.now)).brief_ids
    with store.db.conn:
        store.db.conn.execute("UPDATE subscriptions SET last_sent_brief_id = ?", [sent])
    assert subs.subscribe(42, dt.time(9), "UTC").last_sent_brief_id == sent
    assert subs.unsubscribe(42, "stopped with /digest off")
    assert not subs.unsubscribe(42, "again")
    stopped = subs.get(42)
    assert stopped is not None and not stopped.active
    assert stopped.stop_reason == "stopped with /digest off"
    assert subs.subscriptions() == []
    clock.advance(days=30)
    [month] = store.add_briefs(parse_briefs(brief(2)), now=iso(clock.now)).brief_ids
    clock.advance(days=2)
    store.add_briefs(parse_briefs(brief(3)), now=iso(clock.now - dt.timedelta(hours=1)))
    # Resumed a month later: the first digest holds the last day's briefs, not the whole month's.
    assert subs.subscribe(42, dt.time(8), "UTC").last_sent_brief_id == month


def test_unknown_time_zone_is_refused_and_nothing_is_stored(subs: SubscriptionStore) -> None:
    with pytest.raises(InvalidScheduleError):
        subs.subscribe(42, dt.time(8), "Mars/Olympus")
    assert subs.get(42) is None


# -- watches -------------------------------------------------------------------------------


def test_watches_are_numbered_reused_and_renumbered(subs: SubscriptionStore) -> None:
    first, new = subs.add_watch(1, "corruption  Kazakhstan vol:4")
    assert (first.number, first.query, new) == (1, "corruption Kazakhstan vol:4", True)
    second, _ = subs.add_watch(1, "Ukraine gas")
    again, new = subs.add_watch(1, "CORRUPTION Kazakhstan vol:4")
    assert (again.id, new) == (first.id, False)
    assert subs.watches(2) == []
    removed = subs.remove_watch(1, 1)
    assert removed.query == first.query
    [left] = subs.watches(1)
    assert (left.number, left.id) == (1, second.id)


def test_removing_a_missing_topic_names_the_numbers_there_are(subs: SubscriptionStore) -> None:
    subs.add_watch(1, "oil")
    with pytest.raises(WatchNotFoundError, match=r"no topic 3; this chat watches 1 \(numbered 1-1"):
        subs.remove_watch(1, 3)
    with pytest.raises(WatchNotFoundError, match=r"watches 0 \(none\)"):
        subs.remove_watch(2, 1)


@pytest.mark.parametrize(
    ("query", "error", "text"),
    [
        ("the of and", NothingToSearchError, "has only common words"),
        ("vol:4", NothingToSearchError, "has only common words"),
        ("oil since:yesterday", InvalidQueryError, "since date 'yesterday' is not a date"),
        ("   ", InvalidQueryError, "the topic is empty"),
        ("oil " * 60, InvalidQueryError, "the limit is 200"),
    ],
)
def test_topics_that_cannot_be_searched_are_refused(
    subs: SubscriptionStore, query: str, error: type[Exception], text: str
) -> None:
    with pytest.raises(error, match=text):
        subs.add_watch(1, query)
    assert subs.watches(1) == []


def test_a_chat_may_watch_only_so_many_topics(subs: SubscriptionStore) -> None:
    for n in range(3):
        subs.add_watch(1, f"topic{n}", limit=3)
    with pytest.raises(WatchLimitError, match="already watches 3 topics"):
        subs.add_watch(1, "one more", limit=3)


# -- the send log --------------------------------------------------------------------------


def claim(subs: SubscriptionStore, day: str, parts: list[str], run: str = "run-1") -> object:
    return subs.claim(
        42,
        dt.date.fromisoformat(day),
        T0,
        after_brief_id=0,
        upto_brief_id=5,
        briefs=5,
        parts=parts,
        run_id=run,
    )


def test_a_day_can_be_claimed_once(subs: SubscriptionStore) -> None:
    subs.subscribe(42, dt.time(8), "UTC")
    first = claim(subs, "2024-03-01", ["a", "b"])
    assert first is not None
    assert claim(subs, "2024-03-01", ["a", "b"], run="run-2") is None
    assert claim(subs, "2024-03-02", []) is not None  # an empty day is claimed too
    assert subs.send_for(42, "2024-03-02").status == "empty"  # type: ignore[union-attr]


def test_the_mark_moves_only_when_every_part_was_accepted(subs: SubscriptionStore) -> None:
    subs.subscribe(42, dt.time(8), "UTC")
    send = subs.claim(
        42,
        dt.date(2024, 3, 1),
        T0,
        after_brief_id=0,
        upto_brief_id=5,
        briefs=5,
        parts=["a", "b"],
        run_id="r",
    )
    assert send is not None and send.status == "sending"
    assert subs.part_sent(send.id, 1).status == "sending"
    assert subs.get(42).last_sent_brief_id == 0  # type: ignore[union-attr]
    done = subs.part_sent(send.id, 2)
    assert (done.status, done.parts_sent) == ("sent", 2)
    sub = subs.get(42)
    assert sub is not None and (sub.last_sent_brief_id, sub.last_sent_at) == (5, iso(T0))


def test_a_failed_send_is_retried_and_an_old_one_given_up(subs: SubscriptionStore) -> None:
    subs.subscribe(42, dt.time(8), "UTC")
    send = claim(subs, "2024-03-01", ["a"])
    assert send is not None
    subs.send_failed(send.id, "Timed out")  # type: ignore[attr-defined]
    assert [s.id for s in subs.failed_sends()] == [send.id]  # type: ignore[attr-defined]
    retry = subs.begin_retry(send.id, "r2")  # type: ignore[attr-defined]
    assert retry is not None and (retry.status, retry.attempts) == ("sending", 2)
    assert subs.begin_retry(send.id, "r3") is None  # type: ignore[attr-defined]
    subs.send_failed(send.id, "Timed out")  # type: ignore[attr-defined]
    assert claim(subs, "2024-03-02", ["a", "b"]) is not None
    assert subs.get_send(send.id).status == "abandoned"  # type: ignore[attr-defined]
    assert subs.get(42).last_sent_brief_id == 0  # type: ignore[union-attr]


def test_rows_left_sending_by_a_dead_process_are_interrupted(subs: SubscriptionStore) -> None:
    subs.subscribe(42, dt.time(8), "UTC")
    mine = claim(subs, "2024-03-01", ["a"], run="new")
    dead = subs.claim(
        43,
        dt.date(2024, 3, 1),
        T0,
        after_brief_id=0,
        upto_brief_id=1,
        briefs=1,
        parts=["x"],
        run_id="old",
    )
    assert mine is not None and dead is not None
    assert [s.id for s in subs.interrupt_stale("new")] == [dead.id]
    assert subs.get_send(dead.id).status == "interrupted"
    assert subs.get_send(mine.id).status == "sending"  # type: ignore[attr-defined]


def test_an_undeliverable_chat_is_unsubscribed(subs: SubscriptionStore) -> None:
    subs.subscribe(42, dt.time(8), "UTC")
    send = claim(subs, "2024-03-01", ["a"])
    subs.send_undeliverable(send.id, "Forbidden: bot was blocked by the user")  # type: ignore[attr-defined]
    sub = subs.get(42)
    assert sub is not None and not sub.active
    assert sub.stop_reason == "Forbidden: bot was blocked by the user"
    assert subs.sends(chat_id=42)[0].status == "undeliverable"


def test_a_notice_is_recorded_once_per_key(store: Store, clock: Clock) -> None:
    notices = Notices(store, now=clock)
    assert notices.add("inbox:a.txt:1", "a.txt was rejected")
    assert not notices.add("inbox:a.txt:1", "a.txt was rejected")
    [pending] = notices.pending()
    notices.mark_sent(pending.id)
    assert notices.pending() == []
