"""Daily digests end to end: the real Application against the fake Bot API over real HTTP, with the
clock in the test's hands (jobs are run by the test at the time it sets; nothing sleeps)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fake_telegram import FakeTelegram, SentMessage

from bot.app import build_application
from bot.config import load_settings
from bot.jobs.digest import digest_service, job_name
from bot.services import services
from retrieval.archive import Archive
from retrieval.corpus.briefs import parse_briefs
from retrieval.corpus.clock import iso
from retrieval.corpus.store import Store

ALICE, BOB = 1001, 1002
T0 = dt.datetime(2024, 3, 1, 7, 59, tzinfo=dt.UTC)

KAZAKH = """Publication: Monitor Volume: 4 Issue: 142 Date: 1998-07-20
Title: Kazakh security chief counts the cost of corruption

President Nursultan Nazarbaev called official graft a direct danger to the state. The security \
council of Kazakhstan has 300 corruption cases under review, and 25 concern regional governors.
"""

MOLDOVA = """Publication: Prism Volume: 5 Issue: 3 Date: 1999-02-05
Title: Moldova: energy debts and sovereignty

Moldova imports almost all of its gas through Ukraine. Gazprom cut deliveries to Moldova by \
40 percent.
"""

WHEAT = """Publication: Monitor Volume: 5 Issue: {n} Date: 1999-01-{n:02}
Title: Wheat report {n}

Wheat prices in Odessa rose by {n} percent.
"""


class Clock:
    """The bot's clock, moved by the test."""

    def __init__(self, start: dt.datetime = T0):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


App = Any


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bot(
    fake_telegram: FakeTelegram,
    archive: Archive,
    bot_env: dict[str, str],
    db_path: Path,
    clock: Clock,
) -> Any:
    """Return ``bot(**settings)``: an async context manager running the bot on ``clock``.

    Each use is a fresh start of the bot over the same database, as a restart would be.
    """

    @contextlib.asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[App]:
        settings = load_settings(
            token=bot_env["TELEGRAM_BOT_TOKEN"],
            api_url=bot_env["BRIEFBOT_API_URL"],
            db=str(db_path),
            **overrides,
        )
        application = build_application(settings, archive, **fake_telegram.bot_requests())
        services(application).clock = clock
        async with fake_telegram.running(application):
            yield application

    return start


def add(archive: Archive, text: str, clock: Clock) -> list[int]:
    """Store briefs as entering the archive at the clock's time, through a connection of their own
    as another process would (the bot's connection belongs to its database thread)."""
    store = Store(archive.store.path)
    try:
        return store.add_briefs(parse_briefs(text), now=iso(clock.now)).brief_ids
    finally:
        store.close()


def ingest(archive: Archive, path: Path) -> None:
    """Ingest ``path`` into the bot's database through a connection of its own."""
    other = Archive(archive.store.path)
    try:
        assert not other.ingest([path]).rejected
    finally:
        other.store.close()


async def say(fake: FakeTelegram, user_id: int, text: str, chat: int | None = None) -> str:
    """Send ``text`` as the user and return the bot's (first) answer as the user sees it."""
    user = fake.users.get(user_id) or fake.user(user_id, f"User{user_id}")
    answers = await fake.wait_answers(user.send(text, chat=chat))
    return answers[0].plain_text or ""


async def run_digest_job(app: App, chat_id: int) -> None:
    """Run the chat's daily job now, as the JobQueue would at its time."""
    [job] = app.job_queue.get_jobs_by_name(job_name(chat_id))
    await job.run(app)


def digests(fake: FakeTelegram, chat_id: int, since: int = 0) -> list[SentMessage]:
    """Return the digest messages sent to a chat (those not answering a command)."""
    return [m for m in fake.sent_to(chat_id, since=since) if m.reply_to_message_id is None]


def sends(archive: Archive) -> list[dict[str, Any]]:
    return list(archive.store.db.query("SELECT * FROM digest_sends ORDER BY id"))


# -- the "done when" ----------------------------------------------------------------


async def test_a_chat_subscribed_a_minute_ahead_gets_exactly_one_digest_even_after_restart(
    bot: Any, fake_telegram: FakeTelegram, archive: Archive, clock: Clock
) -> None:
    async with bot() as app:
        answer = await say(fake_telegram, ALICE, "/digest 08:00")
        assert answer.startswith("Daily digest at 08:00 (UTC). The first, on Fri 1 Mar 2024, 08:00")
        await say(fake_telegram, ALICE, "/watch corruption")
        ingest(archive, Path(__file__).parents[1] / "fixtures" / "briefs" / "monitor-4-142.txt")
        mark = len(fake_telegram.sent)
        clock.advance(minutes=1)
        await run_digest_job(app, ALICE)
        await run_digest_job(app, ALICE)  # the job firing twice sends nothing more
        [digest] = digests(fake_telegram, ALICE, since=mark)
    text = digest.plain_text or ""
    assert text.startswith("Daily digest — Fri 1 Mar 2024\n1 new brief")
    assert "Kazakh security chief counts the cost of corruption" in text
    assert "— Monitor, Vol. 4, Issue 142, July 20, 1998" in text
    assert "🔎 corruption (topic 1)" in text
    assert "300 corruption cases under review" in text.split("Your topics")[1]
    assert digest.parse_mode == "HTML"
    # A restart straight after sends nothing again.
    async with bot():
        pass
    assert digests(fake_telegram, ALICE, since=mark) == [digest]
    [row] = sends(archive)
    assert (row["status"], row["local_date"], row["briefs"]) == ("sent", "2024-03-01", 1)


# -- subscribing ----------------------------------------------------------------------------


async def test_digest_setting_is_shown_changed_and_stopped(
    bot: Any, fake_telegram: FakeTelegram, archive: Archive, clock: Clock
) -> None:
    async with bot() as app:
        assert (await say(fake_telegram, ALICE, "/digest")).startswith(
            "This chat has no daily digest. Start one with /digest 08:00 (time zone UTC"
        )
        await say(fake_telegram, ALICE, "/digest 8:30")
        shown = await say(fake_telegram, ALICE, "/digest")
        assert shown.startswith("Daily digest at 08:30 (UTC); next on Fri 1 Mar 2024, 08:30.")
        assert "No topics (/watch adds one)." in shown
        changed = await say(fake_telegram, ALICE, "/digest 09:15")
        assert (
            changed == "Your daily digest now comes at 09:15 (UTC); next on Fri 1 Mar 2024, 09:15."
        )
        assert len(app.job_queue.get_jobs_by_name(job_name(ALICE))) == 1
        stopped = await say(fake_telegram, ALICE, "/digest off")
        assert stopped.startswith("Daily digest stopped.")
        await asyncio.sleep(0)  # let the scheduler drop the removed job
        assert app.job_queue.get_jobs_by_name(job_name(ALICE)) == ()
        assert await say(fake_telegram, ALICE, "/digest off") == (
            "This chat has no daily digest to stop."
        )


@pytest.mark.parametrize(
    ("command", "reply"),
    [
        ("/digest 25:00", "'25:00' is not a time of day; write it as HH:MM in 24-hour time"),
        (
            "/digest 08:00 Berln",
            "Unknown time zone 'Berln' (did you mean Europe/Berlin?); use an IANA name",
        ),
        ("/digest 08:00 UTC extra", "Usage: /digest HH:MM [TIMEZONE] | off | now"),
        ("/digest tomorrow", "'tomorrow' is not a time of day"),
    ],
)
async def test_a_malformed_digest_command_gets_the_reason_and_the_usage(
    bot: Any, fake_telegram: FakeTelegram, command: str, reply: str
) -> None:
    async with bot() as app:
        answer = await say(fake_telegram, ALICE, command)
        assert app.job_queue.get_jobs_by_name(job_name(ALICE)) == ()
    assert reply in answer
    assert "e.g. /digest 08:00 Europe/Berlin" in answer


async def test_digest_time_is_local_to_the_chat_time_zone(
    bot: Any, fake_telegram: FakeTelegram, archive: Archive, clock: Clock
) -> None:
    clock.now = dt.datetime(2024, 3, 1, 2, 0, tzinfo=dt.UTC)  # 07:00 in Almaty (UTC+5)
    async with bot(timezone="Europe/Berlin") as app:
        answer = await say(fake_telegram, ALICE, "/digest 08:00 Almaty")
        assert answer.startswith("Daily digest at 08:00 (Asia/Almaty). The first, on Fri 1 Mar")
        default = await say(fake_telegram, BOB, "/digest 08:00")
        assert default.startswith("Daily digest at 08:00 (Europe/Berlin)")
        [job] = app.job_queue.get_jobs_by_name(job_name(ALICE))
        assert str(job.job.trigger.timezone) == "Asia/Almaty"
        assert "hour='8', minute='0'" in str(job.job.trigger)
        add(archive, KAZAKH, clock)
        clock.now = dt.datetime(2024, 3, 1, 2, 59, tzinfo=dt.UTC)  # 07:59 in Almaty
        mark = len(fake_telegram.sent)
        await run_digest_job(app, ALICE)
        assert digests(fake_telegram, ALICE, since=mark) == []
        clock.now = dt.datetime(2024, 3, 1, 3, 0, tzinfo=dt.UTC)  # 08:00 in Almaty
        await run_digest_job(app, ALICE)
        await run_digest_job(app, BOB)  # 04:00 in Berlin: not yet
        [digest] = digests(fake_telegram, ALICE, since=mark)
        assert digests(fake_telegram, BOB, since=mark) == []
    assert "Kazakh security chief" in (digest.plain_text or "")


# -- what a digest holds --------------------------------------------------------------------


async def test_topics_are_watched_listed_and_removed(
    bot: Any, fake_telegram: FakeTelegram, archive: Archive, clock: Clock
) -> None:
    async with bot() as app:
        answer = await say(fake_telegram, ALICE, "/watch corruption Kazakhstan vol:4")
        assert answer == (
            "Watching topic 1: corruption Kazakhstan vol:4. Each digest quotes the new passages "
            "that match it. This chat has no daily digest yet: /digest 08:00 starts one."
        )
        await say(fake_telegram, ALICE, "/watch cotton harvest")
        await say(fake_telegram, ALICE, "/watch Ukraine gas")
        assert await say(fake_telegram, ALICE, "/watch ukraine GAS") == (
            "Already watching that as topic 3."
        )
        assert await say(fake_telegram, ALICE, "/watches") == (
            "Topics in this chat's digest:\n1. corruption Kazakhstan vol:4\n2. cotton harvest\n"
            "3. Ukraine gas\n/unwatch N removes one."
        )
        refused = await say(fake_telegram, ALICE, "/watch the of and")
        assert refused.startswith("The topic 'the of and' has only common words")
        assert refused.endswith("Usage: /watch QUERY, e.g. /watch corruption Kazakhstan vol:4")
        assert await say(fake_telegram, ALICE, "/unwatch 7") == (
            "There is no topic 7; this chat watches 3 (numbered 1-3). /watches lists them."
        )
        assert (await say(fake_telegram, ALICE, "/unwatch two")).startswith("Usage: /unwatch N")
        await say(fake_telegram, ALICE, "/digest 08:00")
        add(archive, KAZAKH + MOLDOVA, clock)
        clock.advance(minutes=1)
        mark = len(fake_telegram.sent)
        await run_digest_job(app, ALICE)
        parts = digests(fake_telegram, ALICE, since=mark)
    text = "\n".join(p.plain_text or "" for p in parts)
    topics = text.split("Your topics")[1]
    corruption, cotton, gas = topics.split("🔎 ")[1:]
    assert "300 corruption cases under review" in corruption
    assert "Monitor, Vol. 4, Issue 142" in corruption
    assert cotton.strip() == "cotton harvest (topic 2) — nothing new matches."
    assert "Moldova imports almost all of its gas through Ukraine." in gas
    assert "Prism, Vol. 5, Issue 3" in gas
    # Grouped by publication, most recent first.
    assert text.index("Prism\n") < text.index("Monitor\n")


async def test_a_long_digest_is_split_and_lists_the_most_recent_first(
    bot: Any, fake_telegram: FakeTelegram, archive: Archive, clock: Clock
) -> None:
    long = "".join(WHEAT.format(n=n) for n in range(1, 21))
    async with bot() as app:
        await say(fake_telegram, ALICE, "/digest 08:00")
        await say(fake_telegram, ALICE, "/watch wheat Odessa")
        add(archive, long, clock)
        clock.advance(minutes=1)
        mark = len(fake_telegram.sent)
        await run_digest_job(app, ALICE)
        parts = digests(fake_telegram, ALICE, since=mark)
    text = "\n".join(p.plain_text or "" for p in parts)
    assert all(len(p.plain_text or "") <= 4096 for p in parts)
    assert text.index("Wheat report 20") < text.index("Wheat report 19")
    assert "and 15 more — /brief Monitor 5 15, /brief Monitor 5 14, /brief Monitor 5 13 …" in text
    assert "and 17 more — /ask wheat Odessa" in text


async def test_digest_now_sends_what_is_new_without_moving_the_mark(
    bot: Any, fake_telegram: FakeTelegram, archive: Archive, clock: Clock
) -> None:
    async with bot() as app:
        assert await say(fake_telegram, ALICE, "/digest now") == (
            "Nothing new in the archive in the last day."
        )
        await say(fake_telegram, ALICE, "/digest 08:00")
        add(archive, KAZAKH, clock)
        now = await say(fake_telegram, ALICE, "/digest now")
        assert now.startswith("Digest so far — Fri 1 Mar 2024, 07:59\n1 new brief")
        clock.advance(minutes=1)
        mark = len(fake_telegram.sent)
        await run_digest_job(app, ALICE)
        [scheduled] = digests(fake_telegram, ALICE, since=mark)
        assert "Kazakh security chief" in (scheduled.plain_text or "")
        later = await say(fake_telegram, ALICE, "/digest now")
    assert later == "Nothing new in the archive since Fri 1 Mar 2024, 08:00."


@pytest.mark.parametrize("mode", ["skip", "notify"])
async def test_a_day_with_nothing_new_is_skipped_or_notified(
    bot: Any, fake_telegram: FakeTelegram, archive: Archive, clock: Clock, mode: str
) -> None:
    async with bot(digest_empty=mode) as app:
        await say(fake_telegram, ALICE, "/digest 08:00")
        clock.advance(minutes=1)
        mark = len(fake_telegram.sent)
        await run_digest_job(app, ALICE)
        sent = digests(fake_telegram, ALICE, since=mark)
    if mode == "skip":
        assert sent == []
        assert [r["status"] for r in sends(archive)] == ["empty"]
    else:
        assert [m.plain_text for m in sent] == ["Nothing new in the archive in the last day."]
        assert [r["status"] for r in sends(archive)] == ["sent"]


# -- exactly once ---------------------------------------------------------------------------


async def test_a_digest_missed_while_down_is_sent_once_at_startup(
    bot: Any, fake_telegram: FakeTelegram, archive: Archive, clock: Clock
) -> None:
    async with bot():
        await say(fake_telegram, ALICE, "/digest 08:00")
        await say(fake_telegram, BOB, "/digest 11:00")
    add(archive, KAZAKH, clock)
    clock.now = dt.datetime(2024, 3, 1, 10, 30, tzinfo=dt.UTC)  # down from 07:59 to 10:30
    mark = len(fake_telegram.sent)
    async with bot():
        [caught_up] = digests(fake_telegram, ALICE, since=mark)
    assert "Kazakh security chief" in (caught_up.plain_text or "")
    assert digests(fake_telegram, BOB, since=mark) == []  # Bob's 11:00 has not come yet
    async with bot():  # started again the same day: nothing twice
        pass
    assert len(digests(fake_telegram, ALICE, since=mark)) == 1
    # Days later, only the most recent missed day is sent, once, and only with what is new.
    add(archive, MOLDOVA, clock)
    clock.now = dt.datetime(2024, 3, 4, 9, 0, tzinfo=dt.UTC)
    async with bot():
        pass
    later = digests(fake_telegram, ALICE, since=mark)[1:]
    assert len(later) == 1 and "Moldova" in (later[0].plain_text or "")
    assert "Kazakh" not in (later[0].plain_text or "")
    assert [r["local_date"] for r in sends(archive) if r["chat_id"] == ALICE] == [
        "2024-03-01",
        "2024-03-04",
    ]


async def test_a_crash_between_send_and_mark_never_sends_the_day_twice(
    bot: Any, fake_telegram: FakeTelegram, archive: Archive, clock: Clock
) -> None:
    async with bot() as app:
        await say(fake_telegram, ALICE, "/digest 08:00")
        add(archive, KAZAKH, clock)
        clock.advance(minutes=1)
        mark = len(fake_telegram.sent)
        # Telegram takes the message but the bot dies before it hears back: cancel the send
        # while the fake holds the request, then let the fake deliver it.
        calls = len(fake_telegram.calls_to("sendMessage"))
        fake_telegram.slow_next("sendMessage", 0.3)
        sending = asyncio.create_task(digest_service(app).deliver_due(ALICE))
        await fake_telegram.wait_for(lambda: len(fake_telegram.calls_to("sendMessage")) > calls)
        sending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sending
    [delivered] = await fake_telegram.wait_sent_async(1, chat_id=ALICE, since=mark)
    assert [r["status"] for r in sends(archive)] == ["sending"]
    async with bot() as app:  # the restart: the day is not sent again
        assert [r["status"] for r in sends(archive)] == ["interrupted"]
        await run_digest_job(app, ALICE)
        assert digests(fake_telegram, ALICE, since=mark) == [delivered]
        # The mark did not move, so the next day's digest still holds the brief: none is skipped.
        clock.advance(days=1)
        await run_digest_job(app, ALICE)
        [_, next_day] = digests(fake_telegram, ALICE, since=mark)
    assert "Kazakh security chief" in (next_day.plain_text or "")


async def test_a_failed_send_is_retried_and_its_briefs_not_skipped(
    bot: Any, fake_telegram: FakeTelegram, archive: Archive, clock: Clock
) -> None:
    async with bot() as app:
        await say(fake_telegram, ALICE, "/digest 08:00")
        add(archive, KAZAKH, clock)
        clock.advance(minutes=1)
        mark = len(fake_telegram.sent)
        fake_telegram.fail_next("sendMessage", 500)
        await run_digest_job(app, ALICE)
        assert digests(fake_telegram, ALICE, since=mark) == []
        [row] = sends(archive)
        assert (row["status"], row["error"]) == ("failed", "Internal Server Error")
        [retry] = app.job_queue.get_jobs_by_name(f"digest-retry:{ALICE}")
        clock.advance(minutes=1)
        await retry.run(app)
        [digest] = digests(fake_telegram, ALICE, since=mark)
        assert "Kazakh security chief" in (digest.plain_text or "")
        [row] = sends(archive)
        assert (row["status"], row["attempts"]) == ("sent", 2)


async def test_a_send_failing_all_day_leaves_its_briefs_for_the_next_digest(
    bot: Any, fake_telegram: FakeTelegram, archive: Archive, clock: Clock
) -> None:
    async with bot() as app:
        await say(fake_telegram, ALICE, "/digest 08:00")
        add(archive, KAZAKH, clock)
        clock.advance(minutes=1)
        mark = len(fake_telegram.sent)
        fake_telegram.fail_next("sendMessage", 502, times=1)
        await run_digest_job(app, ALICE)
        clock.advance(days=1)
        add(archive, MOLDOVA, clock)
        await run_digest_job(app, ALICE)
        [digest] = digests(fake_telegram, ALICE, since=mark)
    text = digest.plain_text or ""
    assert "2 new briefs" in text and "Kazakh security chief" in text and "Moldova" in text
    assert [r["status"] for r in sends(archive)] == ["abandoned", "sent"]


async def test_a_chat_that_blocked_the_bot_is_unsubscribed_and_others_still_get_theirs(
    bot: Any,
    fake_telegram: FakeTelegram,
    archive: Archive,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    team = fake_telegram.group(-100123, "Team")
    async with bot() as app:
        await say(fake_telegram, ALICE, "/digest 08:00")
        await say(fake_telegram, BOB, "/digest 08:00")
        await say(fake_telegram, BOB, "/digest@briefbot_test_bot 08:00", chat=team.id)
        add(archive, KAZAKH, clock)
        fake_telegram.block_chat(ALICE)
        fake_telegram.delete_chat(team.id)
    clock.advance(minutes=1)
    mark = len(fake_telegram.sent)
    with caplog.at_level(logging.WARNING, logger="bot.jobs.digest"):
        async with bot() as app:  # all three are due at startup
            assert app.job_queue.get_jobs_by_name(job_name(ALICE)) == ()
            assert app.job_queue.get_jobs_by_name(job_name(team.id)) == ()
    [digest] = digests(fake_telegram, BOB, since=mark)
    assert "Kazakh security chief" in (digest.plain_text or "")
    rows = {r["chat_id"]: r for r in archive.store.db.query("SELECT * FROM subscriptions")}
    assert (rows[ALICE]["active"], rows[ALICE]["stop_reason"]) == (
        0,
        "Forbidden: bot was blocked by the user",
    )
    assert (rows[team.id]["active"], rows[team.id]["stop_reason"]) == (0, "Chat not found")
    assert rows[BOB]["active"] == 1
    assert f"Chat {ALICE} cannot be reached (Forbidden: bot was blocked by the user)" in caplog.text
    statuses = {r["chat_id"]: r["status"] for r in sends(archive)}
    assert statuses == {ALICE: "undeliverable", BOB: "sent", team.id: "undeliverable"}


async def test_a_digest_of_html_hostile_briefs_is_escaped(
    bot: Any, fake_telegram: FakeTelegram, archive: Archive, clock: Clock
) -> None:
    hostile = (
        "Publication: R&D <Weekly> Volume: 1 Issue: 2\n"
        "Title: Tags like <b> & <script> are text\n"
        "URL: https://example.org/a?b=1&c=<2>\n\n"
        "Prices rose 5% & fell <3%> the same day. Traders said a < b > c.\n"
    )
    async with bot() as app:
        await say(fake_telegram, ALICE, "/digest 08:00")
        await say(fake_telegram, ALICE, "/watch <script> prices")
        add(archive, hostile, clock)
        clock.advance(minutes=1)
        mark = len(fake_telegram.sent)
        await run_digest_job(app, ALICE)
        [digest] = digests(fake_telegram, ALICE, since=mark)
    text = digest.plain_text or ""
    assert "R&D <Weekly>" in text
    assert "• Tags like <b> & <script> are text" in text
    assert "“Prices rose 5% & fell <3%> the same day.”" in text
    assert "🔎 <script> prices (topic 1)" in text


async def test_a_retry_resumes_after_the_last_message_telegram_accepted(
    bot: Any, fake_telegram: FakeTelegram, archive: Archive, clock: Clock
) -> None:
    # The state a two-message digest leaves when Telegram took the first and failed the second.
    async with bot() as app:
        await say(fake_telegram, ALICE, "/digest 08:00")
        [brief_id] = add(archive, KAZAKH, clock)
        clock.advance(minutes=1)
        subs = digest_service(app).subs
        send = subs.claim(
            ALICE,
            clock.now.date(),
            clock.now,
            after_brief_id=0,
            upto_brief_id=brief_id,
            briefs=1,
            parts=["<b>part one</b>", "part two"],
            run_id="earlier",
        )
        assert send is not None
        subs.part_sent(send.id, 1)
        subs.send_failed(send.id, "Bad Gateway")
        mark = len(fake_telegram.sent)
        await digest_service(app).retry(send.id)
        assert [m.plain_text for m in digests(fake_telegram, ALICE, since=mark)] == ["part two"]
        assert subs.get(ALICE).last_sent_brief_id == brief_id  # type: ignore[union-attr]


# -- access (issue 12): a digest goes only to a chat allowed now ------------------------------

ADMIN = 1
TEAM = -100123


def digest_log(caplog: pytest.LogCaptureFixture, chat_id: int) -> list[str]:
    """Return the log lines that say a chat's digest was not sent because it is not allowed."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.getMessage().startswith(f"Digest for chat {chat_id} not sent")
    ]


async def test_a_group_denied_after_subscribing_gets_no_digest_and_resumes_after_allow(
    bot: Any,
    fake_telegram: FakeTelegram,
    archive: Archive,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    team = fake_telegram.group(TEAM, "Team")
    async with bot(allowed=f"{ALICE} {TEAM}", admins=str(ADMIN)) as app:
        await say(fake_telegram, ALICE, "/digest@briefbot_test_bot 08:00", chat=team.id)
        await say(fake_telegram, ALICE, "/watch corruption", chat=team.id)
        add(archive, KAZAKH, clock)
        denied = await say(fake_telegram, ADMIN, f"/deny {TEAM}")
        clock.advance(minutes=1)
        mark = len(fake_telegram.sent)
        with caplog.at_level(logging.INFO, logger="bot.jobs.digest"):
            await run_digest_job(app, TEAM)
        assert fake_telegram.sent_to(TEAM, since=mark) == []
        assert len(digest_log(caplog, TEAM)) == 1
        [row] = archive.store.db.query("SELECT * FROM subscriptions")
        assert row["active"] == 1 and row["paused_at"] is not None  # kept, with its topics
        assert sends(archive) == []
        allowed = await say(fake_telegram, ADMIN, f"/allow {TEAM}")
        clock.advance(days=1)
        await run_digest_job(app, TEAM)
        [digest] = digests(fake_telegram, TEAM, since=mark)
    assert denied == (
        f"Denied {TEAM}. The daily digest of chat {TEAM} is paused until it is allowed again."
    )
    assert allowed == f"Allowed {TEAM}. The daily digest of chat {TEAM} resumes."
    text = digest.plain_text or ""
    # The mark did not move while paused: what the group missed comes with its next digest.
    assert "Kazakh security chief" in text and "🔎 corruption (topic 1)" in text


async def test_a_group_removed_from_allowed_gets_nothing_after_a_restart(
    bot: Any,
    fake_telegram: FakeTelegram,
    archive: Archive,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    team = fake_telegram.group(TEAM, "Team")
    async with bot(allowed=f"{ALICE} {TEAM}"):
        await say(fake_telegram, ALICE, "/digest@briefbot_test_bot 08:00", chat=team.id)
    add(archive, KAZAKH, clock)
    clock.advance(minutes=1)  # due at startup: the catch-up must not send it either
    mark = len(fake_telegram.sent)
    with caplog.at_level(logging.INFO, logger="bot.jobs.digest"):
        async with bot(allowed=str(ALICE)) as app:
            await run_digest_job(app, TEAM)
    assert fake_telegram.sent_to(TEAM, since=mark) == []
    assert len(digest_log(caplog, TEAM)) == 2  # the catch-up at startup and the job: a line each
    async with bot(allowed=f"{ALICE} {TEAM}") as app:  # listed again: the missed day goes out
        [digest] = digests(fake_telegram, TEAM, since=mark)
    assert "Kazakh security chief" in (digest.plain_text or "")


async def test_a_denied_member_loses_their_own_digest_not_their_groups(
    bot: Any, fake_telegram: FakeTelegram, archive: Archive, clock: Clock
) -> None:
    """Decided: a group's digest follows the group (its readers), whoever subscribed it; in a
    private chat the chat is the member, so denying them pauses it."""
    team = fake_telegram.group(TEAM, "Team")
    fake_telegram.user(ALICE, "Alice", "alice_k")
    async with bot(allowed=f"@alice_k {TEAM}", admins=str(ADMIN)) as app:
        await say(fake_telegram, ALICE, "/digest 08:00")
        await say(fake_telegram, ALICE, "/digest@briefbot_test_bot 08:00", chat=team.id)
        add(archive, KAZAKH, clock)
        denied = await say(fake_telegram, ADMIN, "/deny @alice_k")
        clock.advance(minutes=1)
        mark = len(fake_telegram.sent)
        await run_digest_job(app, ALICE)
        await run_digest_job(app, TEAM)
        [group_digest] = digests(fake_telegram, TEAM, since=mark)
        assert digests(fake_telegram, ALICE, since=mark) == []
        assert denied == (
            f"Denied @alice_k. The daily digest of chat {ALICE} is paused until it is allowed "
            "again."
        )
    assert "Kazakh security chief" in (group_digest.plain_text or "")
    # Known by @username only: the bot remembered her username from her messages, so a restart
    # (no one asking) still finds her chat denied, and after /allow her digest resumes.
    async with bot(allowed=f"@alice_k {TEAM}", admins=str(ADMIN)) as app:
        await run_digest_job(app, ALICE)
        assert digests(fake_telegram, ALICE, since=mark) == []
        await say(fake_telegram, ADMIN, "/allow @alice_k")
        clock.advance(days=1)
        await run_digest_job(app, ALICE)
        [own] = digests(fake_telegram, ALICE, since=mark)
    assert "Kazakh security chief" in (own.plain_text or "")


async def test_a_retry_for_a_chat_denied_meanwhile_sends_nothing(
    bot: Any, fake_telegram: FakeTelegram, archive: Archive, clock: Clock
) -> None:
    async with bot(allowed=str(ALICE), admins=str(ADMIN)) as app:
        await say(fake_telegram, ALICE, "/digest 08:00")
        add(archive, KAZAKH, clock)
        clock.advance(minutes=1)
        mark = len(fake_telegram.sent)
        fake_telegram.fail_next("sendMessage", 500)
        await run_digest_job(app, ALICE)
        await say(fake_telegram, ADMIN, f"/deny {ALICE}")
        [retry] = app.job_queue.get_jobs_by_name(f"digest-retry:{ALICE}")
        await retry.run(app)
        assert digests(fake_telegram, ALICE, since=mark) == []
    [row] = sends(archive)
    assert (row["status"], row["error"]) == (
        "abandoned",
        "the chat is not allowed (BRIEFBOT_ALLOWED or /allow)",
    )
