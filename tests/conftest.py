"""Shared fixtures: an empty store, handwritten briefs, the sample archive, the CLI."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli
from retrieval.archive import Archive
from retrieval.store import Store

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
