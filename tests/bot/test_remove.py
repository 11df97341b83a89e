"""``briefbot remove``, and removed briefs in the running bot (#10)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fake_telegram import FakeTelegram

from bot.cli import cli
from bot.handlers.remove import parse_remove
from bot.help import usage
from retrieval.archive import Archive

Run = Callable[..., Result]
Start = Callable[..., Any]

TWO = (
    "Publication: Monitor Volume: 4 Issue: 180\n\n"
    "Kazakh grain traders shipped wheat to Iran through the port of Aktau.\n\n"
    "Publication: Monitor Volume: 4 Issue: 180\n\n"
    "Ukrainian miners in Donetsk struck again over unpaid wages.\n"
)
OTHER = "Publication: Monitor Volume: 4 Issue: 181\n\nLatvian customs found vodka on a ferry.\n"
RECORDS = (
    '{"id": "beir-1", "title": "Turkmen gas", "text": "Turkmenistan resumed gas exports."}\n'
    '{"id": "beir-2", "title": "Armenian power", "text": "Metsamor restarted its second unit."}\n'
)


@pytest.fixture
def briefs_folder(database_template: Callable[..., Path]) -> Path:
    """Return the folder of two Monitor files and a JSONL file that ``loaded`` was ingested
    from (written once per session, beside the template database; tests only read it)."""
    return database_template("remove", _build).parent / "briefs"


def _build(path: Path) -> None:
    """Write the three files into a folder beside ``path`` and ``briefbot ingest`` it there."""
    folder = path.parent / "briefs"
    folder.mkdir()
    (folder / "m180.txt").write_text(TWO)
    (folder / "m181.txt").write_text(OTHER)
    (folder / "gas.jsonl").write_text(RECORDS)
    result = CliRunner().invoke(cli, ["--db", str(path), "ingest", str(folder)])
    assert result.stdout.startswith("5 added"), result.output


@pytest.fixture
def loaded(run_cli: Run, from_template: Callable[..., Path]) -> Run:
    """Return ``run_cli`` over an archive of two Monitor files and a JSONL file (``briefbot
    ingest`` of ``briefs_folder``, once per session; each test gets a copy)."""
    from_template("remove", _build)
    return run_cli


def _count(db_path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(
            "SELECT (SELECT count(*) FROM briefs), (SELECT count(*) FROM passages)"
        ).fetchone()
    finally:
        conn.close()


def test_remove_by_doc_id(loaded: Run, db_path: Path) -> None:
    result = loaded("remove", "--doc-id", "beir-2")
    assert result.exit_code == 0
    assert "#2 gas, doc beir-2 — “Armenian power” (from gas.jsonl)" in result.stdout
    assert result.stdout.endswith("1 brief removed\n")
    assert _count(db_path) == (4, 4)
    assert "Metsamor" not in loaded("ask", "Metsamor second unit").stdout


def test_remove_an_issue_asks_first(loaded: Run, db_path: Path) -> None:
    refused = loaded("remove", "monitor", "4", "180", input="n\n")
    assert refused.exit_code == 1 and "Remove these 2 briefs?" in refused.stdout
    assert "Nothing removed." in refused.stderr
    assert _count(db_path) == (5, 5)
    done = loaded("remove", "Monitor", "4", "180", input="y\n")
    assert done.exit_code == 0 and done.stdout.endswith("2 briefs removed\n")
    assert "Kazakh grain traders shipped wheat" in done.stdout  # listed by its first words
    assert _count(db_path) == (3, 3)


def test_remove_an_issue_with_yes_and_dry_run(loaded: Run, db_path: Path) -> None:
    dry = loaded("remove", "Monitor", "4", "181", "--dry-run")
    assert dry.exit_code == 0
    assert dry.stdout.endswith("1 brief would be removed (--dry-run: nothing removed)\n")
    assert _count(db_path) == (5, 5)
    done = loaded("remove", "Monitor", "4", "181", "--yes")
    assert done.exit_code == 0 and "Remove these" not in done.stdout
    assert _count(db_path) == (4, 4)


def test_remove_by_source(loaded: Run, db_path: Path, briefs_folder: Path) -> None:
    assert loaded("remove", "--source", "m180.txt", "--dry-run").stdout.count("#") == 2
    by_path = loaded("remove", "--source", str(briefs_folder / "gas.jsonl"))
    assert by_path.exit_code == 0 and by_path.stdout.endswith("2 briefs removed\n")
    assert _count(db_path) == (3, 3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--doc-id", "nope"),
            "Error: no brief with doc_id 'nope' in the archive; nothing removed",
        ),
        (("Monitor", "4", "999"), "Error: no brief for Monitor, Vol. 4, Issue 999;"),
        (("Pravda", "4", "180"), "Error: no publication 'Pravda' in the archive"),
        (("--source", "gone.txt"), "Error: no brief in the archive came from 'gone.txt'"),
    ],
)
def test_removing_what_is_not_there_changes_nothing(
    loaded: Run, db_path: Path, args: tuple[str, ...], message: str
) -> None:
    generation = sqlite3.connect(db_path).execute("SELECT value FROM meta WHERE key = 'generation'")
    before = generation.fetchone()
    result = loaded("remove", *args, "--yes")
    assert result.exit_code == 1
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert _count(db_path) == (5, 5)
    after = sqlite3.connect(db_path).execute("SELECT value FROM meta WHERE key = 'generation'")
    assert after.fetchone() == before


@pytest.mark.parametrize(
    "args",
    [(), ("Monitor", "4"), ("Monitor", "four", "180"), ("--doc-id", "x", "--source", "y")],
)
def test_remove_needs_one_form(loaded: Run, args: tuple[str, ...]) -> None:
    result = loaded("remove", *args)
    assert result.exit_code == 2
    assert "Monitor 4 180" in result.stderr


async def _press(fake: FakeTelegram, user: Any, message: Any, prefix: str) -> Any:
    data = next(d for d in message.callback_data if d.startswith(prefix))
    press = user.press(message, data)
    return await fake.wait_for(lambda: fake.callback_answer_for(press))


async def test_a_removed_brief_stops_being_answered_in_the_running_bot(
    start_bot: Start, fake_telegram: FakeTelegram, bot_archive: Archive, db_path: Path
) -> None:
    async with start_bot(top=1):
        alice = fake_telegram.user(1001, "Alice")
        [answer] = await fake_telegram.wait_answers(alice.send("Caspian transit tariff"))
        assert "Caspian pipeline talks stall" in answer.text
        brief_id = int(next(d for d in answer.callback_data if d.startswith("brief:"))[6:])
        vote = await _press(fake_telegram, alice, answer, "vote:")
        # Another process (briefbot remove) removes the brief.
        other = Archive(db_path)
        assert other.store.remove_briefs([brief_id]) == 1
        other.store.close()
        [again] = await fake_telegram.wait_answers(alice.send("Caspian transit tariff"))
        full = await _press(fake_telegram, alice, answer, "brief:")
        revote = await _press(fake_telegram, alice, answer, "vote:")
    assert vote.text == "Thanks, noted 👍"
    assert "Caspian pipeline talks stall" not in again.text
    assert full.text == "This brief was removed from the archive; ask the question again."
    assert revote.text == "Thanks, noted 👍"  # the feedback log still points at it: history
    rows = bot_archive.store.db.execute("SELECT passage_ids FROM bot_feedback").fetchall()
    assert len(rows) == 1


async def test_admin_remove_in_telegram_asks_with_a_button(
    start_bot: Start, fake_telegram: FakeTelegram, bot_archive: Archive
) -> None:
    admin = fake_telegram.user(1, "Admin")
    alice = fake_telegram.user(1001, "Alice")
    async with start_bot(allowed="1001", admins="1"):
        [refused] = await fake_telegram.wait_answers(alice.send("/remove Prism 3 12"))
        [dry] = await fake_telegram.wait_answers(admin.send("/remove Prism 3 12 --dry-run"))
        [missing] = await fake_telegram.wait_answers(admin.send("/remove --doc-id nope"))
        [bad] = await fake_telegram.wait_answers(admin.send("/remove Prism 3"))
        [asked] = await fake_telegram.wait_answers(admin.send("/remove Prism 3 12"))
        [asked_again] = await fake_telegram.wait_answers(admin.send("/remove Prism 3 12"))
        [left] = await fake_telegram.wait_answers(admin.send("/remove --doc-id beir-7"))
        cancel = await _press(fake_telegram, admin, asked, "rm:no:")
        stranger = await _press(fake_telegram, alice, asked_again, "rm:yes:")
        done = await _press(fake_telegram, admin, asked_again, "rm:yes:")
        [after] = await fake_telegram.wait_answers(alice.send("Caspian transit tariff"))
    async with start_bot(allowed="1001", admins="1"):  # a restart: pending removals are gone
        expired = await _press(fake_telegram, admin, left, "rm:yes:")
    assert refused.plain_text == "Only the bot's admins (BRIEFBOT_ADMINS) can do that."
    assert "2 briefs would be removed (--dry-run: nothing removed)." in (dry.plain_text or "")
    assert missing.plain_text == "No brief with doc_id 'nope' in the archive; nothing removed."
    assert (bad.plain_text or "").startswith("Usage: /remove --doc-id ID")
    assert "“Caspian pipeline talks stall”" in (asked.plain_text or "")
    assert (asked.plain_text or "").endswith("Remove these 2 briefs?")
    assert cancel.text == "Nothing removed."
    assert stranger.text == "Only the bot's admins (BRIEFBOT_ADMINS) can do that."
    assert done.text == "Removed 2 briefs."
    assert expired.text == "This removal has expired; send /remove again."
    assert "Caspian pipeline talks stall" not in (after.plain_text or "")
    assert bot_archive.store.stats()["briefs"] > 0


def test_remove_command_arguments_with_odd_numbers_get_a_line_not_an_error() -> None:
    # int("²") raised (str.isdigit takes it), and a number past 2^63 overflowed SQLite: both
    # reached the error handler's "Sorry, something went wrong".
    assert parse_remove(["Monitor", "²", "1"]) == usage("remove")
    assert parse_remove(["Monitor", "4", "99999999999999999999"]) == (
        "Issue 99999999999999999999 is out of range; use a whole number from 0 to 2,147,483,647."
    )
    assert parse_remove(["Monitor", "4", "180"]) == {
        "issue": ("Monitor", 4, 180),
        "dry_run": False,
    }
