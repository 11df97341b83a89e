"""Shared fixtures: an empty store, handwritten briefs, the sample archive, the CLI."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fake_telegram import FakeTelegram

from bot.app import build_application
from bot.cli import cli
from bot.config import load_settings
from retrieval.archive import Archive
from retrieval.corpus.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
BRIEFS = FIXTURES / "briefs"
SAMPLE = Path(__file__).parent.parent / "data" / "sample"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's real environment (tokens, databases) out of every test."""
    for name in list(os.environ):
        if name.startswith(("BRIEFBOT_", "TELEGRAM_")):
            monkeypatch.delenv(name)
    # python-telegram-bot 22 warns (an error here, filterwarnings=error) when RetryAfter reads its
    # deprecated int retry_after; opting in to timedelta values keeps a 429 a RetryAfter in tests.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
def briefs_dir() -> Path:
    """Return the folder of handwritten fixture briefs."""
    return BRIEFS


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Return the path of a database file that does not exist yet."""
    return tmp_path / "briefbot.db"


@pytest.fixture
def copy_database() -> Callable[[Path, Path], None]:
    """Return ``copy(source, target)``: copies a live SQLite database as a backup tool would
    (SQLite's backup API)."""

    def copy(source: Path, target: Path) -> None:
        src = sqlite3.connect(source)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()

    return copy


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    """Return an empty store over a real SQLite file."""
    s = Store(db_path)
    yield s
    s.close()


@pytest.fixture
def archive(store: Store) -> Archive:
    """Return an empty archive."""
    return Archive(store)


@pytest.fixture
def fixture_archive(archive: Archive) -> Archive:
    """Return an archive holding the handwritten fixture briefs."""
    report = archive.ingest([BRIEFS])
    assert not report.rejected, report.rejected
    return archive


@pytest.fixture
def sample_archive(archive: Archive) -> Archive:
    """Return an archive holding the bundled sample archive (data/sample)."""
    report = archive.ingest([SAMPLE])
    assert not report.rejected, report.rejected
    return archive


@pytest.fixture
def run_cli(db_path: Path) -> Callable[..., Result]:
    """Return a function that runs ``briefbot --db <tmp db> ARGS`` and returns click's Result."""
    runner = CliRunner()

    def run(*args: str, input: str | bytes | None = None) -> Result:
        return runner.invoke(
            cli, ["--db", str(db_path), *args], input=input, catch_exceptions=False
        )

    return run


@pytest.fixture
def loaded_sample(run_cli: Callable[..., Result]) -> Callable[..., Result]:
    """Return ``run_cli`` over a database holding the bundled sample archive."""
    result = run_cli("ingest", "-q", str(SAMPLE))
    assert result.exit_code == 0, result.output
    return run_cli


# -- the Telegram bot (issue 3): the real Application against a fake Bot API on 127.0.0.1 --------

BOT_TOKEN = "123456789:AAHfake-token_for_tests_0123456789ab"
"""A token of the real shape; tests assert it never shows up in logs."""
BOT_FIXTURES = FIXTURES / "bot"


@pytest.fixture
def bot_token() -> str:
    """Return the fake bot's token (of the real shape; tests assert it never reaches a log)."""
    return BOT_TOKEN


@pytest.fixture
def bot_archive(fixture_archive: Archive) -> Archive:
    """Return the fixture archive plus a brief full of ``<``, ``&`` and ``>``."""
    report = fixture_archive.ingest([BOT_FIXTURES])
    assert not report.rejected, report.rejected
    return fixture_archive


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    """Return a running fake Bot API server; afterwards no bot or server thread may be left."""
    with FakeTelegram(token=BOT_TOKEN) as fake:
        yield fake
    left = [t.name for t in threading.enumerate() if t.name.startswith(("briefbot", "Fake"))]
    assert not left, f"threads left running: {left}"


@pytest.fixture
def bot_env(fake_telegram: FakeTelegram) -> dict[str, str]:
    """Return the environment that points the bot at the fake server (BRIEFBOT_API_URL)."""
    return {
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "BRIEFBOT_API_URL": f"http://127.0.0.1:{fake_telegram.port}",
    }


@pytest.fixture
def start_bot(
    fake_telegram: FakeTelegram, bot_archive: Archive, bot_env: dict[str, str], db_path: Path
) -> Callable[..., contextlib.AbstractAsyncContextManager[Any]]:
    """Return ``start(archive=None, **settings)``: an async context manager running the bot.

    Settings are checked by ``load_settings``: the fake's token and URL plus the keyword
    overrides (``allowed="1001"``, ``admins="1"``, ``rate_limit=2`` ...).
    """

    @contextlib.asynccontextmanager
    async def start(archive: Archive | None = None, **overrides: Any) -> AsyncIterator[Any]:
        settings = load_settings(
            token=bot_env["TELEGRAM_BOT_TOKEN"],
            api_url=bot_env["BRIEFBOT_API_URL"],
            db=str(db_path),
            **overrides,
        )
        application = build_application(settings, archive or bot_archive)
        async with fake_telegram.running(application):
            yield application

    return start


@pytest.fixture
def settle(fake_telegram: FakeTelegram, db_path: Path) -> Callable[[], Any]:
    """Return ``await settle()``: it returns once the bot has handled every update sent so far.

    Chats are answered side by side, so this waits until the bot's journal (``bot_updates``) has
    every update queued so far marked done; no sleeping.
    """

    async def settle(timeout: float = 10.0) -> None:
        wanted = set(fake_telegram.update_ids)

        def all_done() -> bool:
            if not wanted:
                return True
            conn = sqlite3.connect(db_path)
            try:
                done = {
                    r[0]
                    for r in conn.execute("SELECT update_id FROM bot_updates WHERE status = 'done'")
                }
            finally:
                conn.close()
            return wanted <= done

        await fake_telegram.wait_for(all_done, timeout)

    return settle
