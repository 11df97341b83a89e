"""Where new briefs come from inside the running bot: the inbox folder, feeds and admins' uploads,
end to end against the fake Bot API; and the settings that configure them."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fake_telegram import FakeTelegram
from feed_server import FeedServer

from bot.app import build_application
from bot.config import ConfigError, load_settings
from bot.jobs.digest import job_name
from bot.jobs.sources import source_jobs
from bot.services import services
from retrieval.archive import Archive

ADMIN, ALICE = 1, 1001
NOW = dt.datetime(2024, 3, 1, 7, 59, tzinfo=dt.UTC)
GOOD = """Publication: Monitor Volume: 4 Issue: 143 Date: 1998-07-21
Title: Astana purges its customs service

Two weeks after the council met, Nazarbaev dismissed the heads of the customs service.
"""
RSS = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Steppe Wire</title>
<item><title>Tengiz output grows</title><link>https://steppe.example/tengiz</link>
<guid>steppe-1</guid><pubDate>Fri, 17 Jul 1998 09:00:00 GMT</pubDate>
<description>&lt;p&gt;Output at the Tengiz oil field rose 19 percent.&lt;/p&gt;</description></item>
</channel></rss>
"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Caspian Notes</title><id>urn:c</id>
<updated>1998-07-20T10:00:00Z</updated>
<entry><title>CPC pipeline slips again</title><id>urn:c:cpc</id>
<link href="https://caspian.example/cpc"/><updated>1998-07-20T10:00:00Z</updated>
<content type="html">&lt;p&gt;The consortium has yet to choose a contractor.&lt;/p&gt;</content>
</entry></feed>
"""


@pytest.fixture
def bot(
    fake_telegram: FakeTelegram, archive: Archive, bot_env: dict[str, str], db_path: Path
) -> Any:
    """Return ``bot(**settings)``: an async context manager running the bot at NOW."""

    @contextlib.asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[Any]:
        overrides.setdefault("admins", str(ADMIN))
        settings = load_settings(
            token=bot_env["TELEGRAM_BOT_TOKEN"],
            api_url=bot_env["BRIEFBOT_API_URL"],
            db=str(db_path),
            **overrides,
        )
        application = build_application(settings, archive, **fake_telegram.bot_requests())
        services(application).clock = lambda: NOW
        async with fake_telegram.running(application):
            yield application

    return start


def write(path: Path, text: str) -> Path:
    """Write a file into the inbox, last modified a minute before the bot's clock."""
    path.write_text(text, encoding="utf-8")
    stamp = (NOW - dt.timedelta(minutes=1)).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def titles(archive: Archive) -> list[str]:
    return [r[0] for r in archive.store.db.execute("SELECT title FROM briefs ORDER BY id")]


def to_admin(fake: FakeTelegram) -> list[str]:
    return [m.plain_text or "" for m in fake.sent_to(ADMIN)]


# -- the inbox folder -----------------------------------------------------------------------


async def test_inbox_files_are_ingested_and_a_rejected_one_reported_once(
    bot: Any, fake_telegram: FakeTelegram, archive: Archive, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write(inbox / "issue143.txt", GOOD)
    bad = write(inbox / "broken.txt", "Publication: Monitor Volume: IV Issue: 1\n\nText.\n")
    fake_telegram.user(ADMIN, "Admin")
    async with bot(inbox=str(inbox), inbox_interval=60) as app:
        # Scanned at startup; then every BRIEFBOT_INBOX_INTERVAL seconds by the "inbox" job.
        assert titles(archive) == ["Astana purges its customs service"]
        [job] = app.job_queue.get_jobs_by_name("inbox")
        await job.run(app)
        await job.run(app)
        [notice] = to_admin(fake_telegram)
        assert notice.startswith(f"Inbox file {bad} was not (fully) ingested:\n- {bad}, line 1:")
        assert "non-numeric volume 'IV'" in notice
        write(bad, GOOD.replace("143", "144").replace("Astana", "Almaty"))
        await job.run(app)
    assert titles(archive) == [
        "Astana purges its customs service",
        "Almaty purges its customs service",
    ]
    assert len(to_admin(fake_telegram)) == 1


async def test_an_inbox_brief_is_in_what_the_chat_gets(
    bot: Any, fake_telegram: FakeTelegram, archive: Archive, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    alice = fake_telegram.user(ALICE, "Alice")
    async with bot(inbox=str(inbox)) as app:
        await fake_telegram.wait_answers(alice.send("/digest 07:30"))
        write(inbox / "issue143.txt", GOOD)
        await source_jobs(app).scan_inbox()
        mark = len(fake_telegram.sent)
        [job] = app.job_queue.get_jobs_by_name(job_name(ALICE))
        await job.run(app)  # 07:30 has passed today and the schedule is new: not due
        assert fake_telegram.sent_to(ALICE, since=mark) == []
        [preview] = await fake_telegram.wait_answers(alice.send("/digest now"))
    assert "Astana purges its customs service" in (preview.plain_text or "")


# -- feeds ----------------------------------------------------------------------------------


async def test_feeds_are_polled_into_briefs_and_a_failing_feed_reported_once(
    bot: Any, fake_telegram: FakeTelegram, archive: Archive
) -> None:
    fake_telegram.user(ADMIN, "Admin")
    with FeedServer() as server:
        server.put("/steppe.rss", RSS, "application/rss+xml")
        server.put("/caspian.atom", ATOM, "application/atom+xml")
        server.fail("/gone.rss", 404)
        urls = [server.url(p) for p in ("/steppe.rss", "/caspian.atom", "/gone.rss")]
        async with bot(feeds=",".join(urls), feeds_interval=600) as app:
            [job] = app.job_queue.get_jobs_by_name("feeds")
            await job.run(app)
            await job.run(app)
            assert titles(archive) == ["Tengiz output grows", "CPC pipeline slips again"]
            rows = list(archive.store.db.query("SELECT publication, url FROM briefs ORDER BY id"))
            assert rows == [
                {"publication": "Steppe Wire", "url": "https://steppe.example/tengiz"},
                {"publication": "Caspian Notes", "url": "https://caspian.example/cpc"},
            ]
            [notice] = to_admin(fake_telegram)
            assert notice.startswith(f"Feed {urls[2]} failed: feed {urls[2]} answered HTTP 404")
            server.put("/gone.rss", RSS.replace("steppe-1", "steppe-2"), "application/rss+xml")
            await job.run(app)
    assert to_admin(fake_telegram)[1:] == [f"Feed {urls[2]} works again."]


# -- admins' uploads ------------------------------------------------------------------------


async def test_an_admin_uploads_briefs_and_gets_the_summary(
    bot: Any, fake_telegram: FakeTelegram, archive: Archive
) -> None:
    admin = fake_telegram.user(ADMIN, "Admin")
    async with bot():
        [added] = await fake_telegram.wait_answers(
            admin.send_document(GOOD.encode(), "issue143.txt")
        )
        [again] = await fake_telegram.wait_answers(
            admin.send_document(GOOD.encode(), "issue143.txt")
        )
        jsonl = (
            b'{"id": "a", "text": "Gas prices rose."}\n{"id": "b"}\n'
            b'{"id": "c", "volume": "x", "text": "t"}\n'
        )
        [mixed] = await fake_telegram.wait_answers(admin.send_document(jsonl, "batch.jsonl"))
    assert (
        added.plain_text == "issue143.txt: 1 added, 0 updated, 0 removed, 0 unchanged, 0 rejected."
    )
    assert (
        again.plain_text == "issue143.txt: 0 added, 0 updated, 0 removed, 1 unchanged, 0 rejected."
    )
    assert mixed.plain_text == (
        "batch.jsonl: 1 added, 0 updated, 0 removed, 0 unchanged, 2 rejected.\n"
        "Rejected:\n"
        '• batch.jsonl, line 2: has no "text" (a non-empty string is required, or a "title" '
        "for a title-only record)\n"
        "• batch.jsonl, line 3: has a non-numeric volume 'x'; use a whole number"
    )
    assert len(titles(archive)) == 2


async def test_a_second_upload_of_the_same_name_keeps_the_first(
    bot: Any, fake_telegram: FakeTelegram, archive: Archive
) -> None:
    # Telegram names pasted files generically: Tuesday's monitor.txt is not Monday's.
    admin = fake_telegram.user(ADMIN, "Admin")
    tuesday = GOOD.replace("Issue: 143", "Issue: 144").replace("Astana", "Almaty")
    async with bot():
        [first] = await fake_telegram.wait_answers(
            admin.send_document(GOOD.encode(), "monitor.txt")
        )
        [second] = await fake_telegram.wait_answers(
            admin.send_document(tuesday.encode(), "monitor.txt")
        )
        corrected = tuesday.replace("Two weeks", "Three weeks").encode()
        [third] = await fake_telegram.wait_answers(admin.send_document(corrected, "monitor.txt"))
    assert first.plain_text.startswith("monitor.txt: 1 added, 0 updated, 0 removed")
    assert second.plain_text == (
        "monitor.txt: 1 added, 0 updated, 0 removed, 0 unchanged, 0 rejected.\n"
        "Note: monitor.txt: stored beside the briefs an earlier monitor.txt holds (Monitor, "
        "Vol. 4, Issue 143), which share none of its issues: a different file of the same name, "
        "so they are kept (if it replaces them: /remove Monitor 4 143)"
    )
    # Tuesday's corrected file is found again: it replaces Tuesday's brief, not Monday's.
    assert (
        third.plain_text == "monitor.txt: 0 added, 1 updated, 0 removed, 0 unchanged, 0 rejected."
    )
    assert titles(archive) == [
        "Astana purges its customs service",
        "Almaty purges its customs service",
    ]


@pytest.mark.parametrize(
    ("name", "size", "reply"),
    [
        (
            "big.txt",
            1_500_000,
            "big.txt is 1.5 MB; the limit for uploads is 1 MB (BRIEFBOT_UPLOAD_MAX_MB).",
        ),
        ("report.pdf", 10, "report.pdf: I add .txt files (briefs in the publishers' format)"),
    ],
)
async def test_an_upload_that_is_too_big_or_not_text_is_refused(
    bot: Any, fake_telegram: FakeTelegram, archive: Archive, name: str, size: int, reply: str
) -> None:
    admin = fake_telegram.user(ADMIN, "Admin")
    async with bot(upload_max_mb=1):
        [answer] = await fake_telegram.wait_answers(admin.send_document(b"x" * size, name))
    assert (answer.plain_text or "").startswith(reply)
    assert titles(archive) == []
    assert not fake_telegram.calls_to("getFile")  # refused before downloading anything


async def test_a_non_admin_upload_is_refused(
    bot: Any, fake_telegram: FakeTelegram, archive: Archive
) -> None:
    alice = fake_telegram.user(ALICE, "Alice")
    async with bot():
        [answer] = await fake_telegram.wait_answers(
            alice.send_document(GOOD.encode(), "issue143.txt")
        )
    assert answer.plain_text == (
        "Only the bot's admins (BRIEFBOT_ADMINS) can add briefs. "
        "Send me a question as text instead."
    )
    assert titles(archive) == []


async def test_admins_see_the_upload_line_in_help(bot: Any, fake_telegram: FakeTelegram) -> None:
    admin = fake_telegram.user(ADMIN, "Admin")
    alice = fake_telegram.user(ALICE, "Alice")
    async with bot():
        [for_admin] = await fake_telegram.wait_answers(admin.send("/help"))
        [for_alice] = await fake_telegram.wait_answers(alice.send("/help"))
    line = "Admins: send me a .txt or .jsonl file (as a document) to add its briefs."
    assert line in (for_admin.plain_text or "")
    assert line not in (for_alice.plain_text or "")
    assert "/digest HH:MM [TIMEZONE] | off | now" in (for_alice.plain_text or "")


# -- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "BRIEFBOT_TZ: unknown time zone 'Mars/Olympus'"),
        ({"digest_empty": "never"}, "BRIEFBOT_DIGEST_EMPTY 'never' is neither skip nor"),
        ({"feeds": "ftp://x.org/a"}, "BRIEFBOT_FEEDS entry 'ftp://x.org/a' is not an"),
        ({"inbox_interval": "soon"}, "BRIEFBOT_INBOX_INTERVAL 'soon' is not a whole"),
        ({"upload_max_mb": "50"}, "BRIEFBOT_UPLOAD_MAX_MB 50 is over 20"),
    ],
)
def test_bad_digest_settings_name_the_variable(
    bot_token: str, value: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_settings(token=bot_token, **value)


def test_digest_settings_are_checked(bot_token: str) -> None:
    settings = load_settings(
        token=bot_token,
        timezone="europe/berlin",
        digest_empty="Notify",
        inbox="/srv/inbox",
        inbox_interval="60",
        feeds="https://a.example/rss, https://b.example/atom",
        feeds_interval="900",
    )
    assert (settings.timezone, settings.digest_empty) == ("Europe/Berlin", "notify")
    assert (settings.inbox, settings.inbox_interval) == ("/srv/inbox", 60)
    assert settings.feeds == ("https://a.example/rss", "https://b.example/atom")
    assert (settings.feeds_interval, settings.upload_max_mb) == (900, 20)
    defaults = load_settings(token=bot_token)
    assert (defaults.timezone, defaults.digest_empty, defaults.inbox, defaults.feeds) == (
        "UTC",
        "skip",
        None,
        (),
    )
