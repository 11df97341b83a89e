"""A brief is identified by where it came from, so corrections replace and removals remove (#10)."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from retrieval.archive import Archive
from retrieval.corpus.store import Store
from retrieval.delivery.inbox import Inbox

Run = Callable[..., Result]
IDENTITY = Path(__file__).parents[2] / "fixtures" / "identity"

ISSUE_180 = (
    "Publication: Monitor Volume: 4 Issue: 180\n\n"
    "Kazakh grain traders shipped wheat to Iran through the port of Aktau this week.\n\n"
    "Officials in Almaty expect the route to carry a million tonnes a year. — AB\n\n"
    "Publication: Monitor Volume: 4 Issue: 180\n\n"
    "Ukrainian miners in Donetsk struck again over unpaid wages.\n\n"
    "The strike committee said pay was six months late. — CD\n"
)
CORRECTED = ISSUE_180.replace("shipped wheat to Iran", "sent barley to Turkmenistan")
THIRD = (
    "\nPublication: Monitor Volume: 4 Issue: 180\n\n"
    "Latvian customs found smuggled vodka on a ferry from Stockholm.\n"
)


def _rows(db_path: Path) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(
            "SELECT id, key, added_at, updated_at, text FROM briefs ORDER BY id"
        ).fetchall()
    finally:
        conn.close()


def _summary(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout.split(" (")[0]


def test_a_corrected_brief_is_updated_in_place(run_cli: Run, db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "monitor180.txt"
    path.write_text(ISSUE_180)
    assert _summary(run_cli("ingest", str(path))) == (
        "2 added, 0 updated, 0 removed, 0 unchanged, 0 rejected"
    )
    before = _rows(db_path)
    path.write_text(CORRECTED)
    assert _summary(run_cli("ingest", str(path))) == (
        "0 added, 1 updated, 0 removed, 1 unchanged, 0 rejected"
    )
    after = _rows(db_path)
    assert [r[:3] for r in after] == [r[:3] for r in before]  # same ids, keys and added_at
    assert after[0][3] > before[0][3] and after[1][3] == before[1][3]
    assert "barley" in after[0][4]
    answer = run_cli("ask", "Kazakh grain traders wheat Iran Aktau").stdout
    assert "shipped wheat" not in answer and "barley to Turkmenistan" in answer


def test_gone_briefs_are_removed_and_new_ones_added(
    run_cli: Run, db_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "monitor180.txt"
    path.write_text(ISSUE_180 + THIRD)
    assert _summary(run_cli("ingest", str(path))).startswith("3 added")
    path.write_text(ISSUE_180)
    assert _summary(run_cli("ingest", str(path))) == (
        "0 added, 0 updated, 1 removed, 2 unchanged, 0 rejected"
    )
    assert "vodka" not in run_cli("ask", "smuggled vodka ferry Stockholm").stdout
    path.write_text(ISSUE_180 + THIRD)
    assert _summary(run_cli("ingest", str(path))).startswith("1 added, 0 updated, 0 removed")
    assert len(_rows(db_path)) == 3


def test_a_rejected_file_changes_nothing(run_cli: Run, db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "monitor180.txt"
    path.write_text(ISSUE_180)
    run_cli("ingest", str(path))
    before = _rows(db_path)
    path.write_text("Publication: Monitor Volume: four Issue: 180\n\nText.\n")
    result = run_cli("ingest", str(path))
    assert result.exit_code == 1 and "non-numeric volume" in result.stderr
    assert _rows(db_path) == before


def test_jsonl_records_gone_from_the_file_are_removed(
    run_cli: Run, db_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "prism.jsonl"
    shutil.copy(IDENTITY / "prism12.jsonl", path)
    assert _summary(run_cli("ingest", str(path))).startswith("2 added")
    first = path.read_text().splitlines()[0]
    path.write_text(first + "\n")
    assert _summary(run_cli("ingest", str(path))) == (
        "0 added, 0 updated, 1 removed, 1 unchanged, 0 rejected"
    )


def test_jsonl_with_a_rejected_line_keeps_what_it_held(
    run_cli: Run, db_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "prism.jsonl"
    shutil.copy(IDENTITY / "prism12.jsonl", path)
    run_cli("ingest", str(path))
    first = path.read_text().splitlines()[0]
    path.write_text(first + '\n{"id": "prism-3-12-b", "text": \n')
    result = run_cli("ingest", str(path))
    assert result.exit_code == 1
    assert "1 brief(s) it held before and no longer holds were kept" in result.stderr
    assert len(_rows(db_path)) == 2


def test_moving_the_folder_or_the_working_directory_duplicates_nothing(
    run_cli: Run, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "archive"
    (archive / "1998").mkdir(parents=True)
    (archive / "1998" / "monitor180.txt").write_text(ISSUE_180)
    shutil.copy(IDENTITY / "prism12.jsonl", archive / "prism12.jsonl")
    monkeypatch.chdir(tmp_path)
    assert _summary(run_cli("ingest", "archive")).startswith("4 added")
    moved = tmp_path / "elsewhere" / "briefs"
    moved.parent.mkdir()
    archive.rename(moved)
    monkeypatch.chdir(moved / "1998")
    assert _summary(run_cli("ingest", str(moved))) == (
        "0 added, 0 updated, 0 removed, 4 unchanged, 0 rejected"
    )
    (moved / "1998" / "monitor180.txt").write_text(CORRECTED)
    monkeypatch.chdir(moved)
    assert _summary(run_cli("ingest", ".")) == (
        "0 added, 1 updated, 0 removed, 3 unchanged, 0 rejected"
    )
    assert len(_rows(db_path)) == 4


def _database_from_before(db_path: Path) -> None:
    """Create the database briefbot made before issue 10 (dumped from it, see the fixture).

    It holds monitor180.txt ingested, then ingested again after its first sentence was
    corrected: the old version stayed next to the new one.
    """
    conn = sqlite3.connect(db_path)
    conn.executescript((IDENTITY / "pre_issue10.sql").read_text())
    conn.close()


def test_a_database_from_before_is_carried_over(
    run_cli: Run, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _database_from_before(db_path)
    before = _rows(db_path)
    assert len(before) == 5
    store = Store(db_path)  # the migration runs here
    assert store.stats()["briefs"] == 5  # nothing lost, nothing rewritten
    store.close()
    assert _rows(db_path) == before
    # The files, ingested from where they were then (the old source paths were relative).
    monkeypatch.chdir(tmp_path)
    shutil.copy(IDENTITY / "monitor180.txt", tmp_path / "monitor180.txt")
    shutil.copy(IDENTITY / "prism12.jsonl", tmp_path / "prism12.jsonl")
    result = run_cli("ingest", "monitor180.txt", "prism12.jsonl")
    # The superseded version goes; the others take on their new identity unchanged.
    assert _summary(result) == "0 added, 0 updated, 1 removed, 4 unchanged, 0 rejected"
    after = _rows(db_path)
    assert [r[0] for r in after] == [2, 3, 4, 5]
    assert [r[1] for r in after] == [
        "src:monitor180.txt#1",
        "id:prism-3-12-a",
        "id:prism-3-12-b",
        "src:monitor180.txt#0",
    ]
    assert [r[2] for r in after] == [r[2] for r in before if r[0] != 1]
    answer = run_cli("ask", "Kazakh grain traders wheat").stdout
    assert "rail and ship" in answer and "shipped wheat" not in answer
    # From another folder now: nothing is duplicated.
    other = tmp_path / "copy"
    other.mkdir()
    shutil.copy(IDENTITY / "monitor180.txt", other / "monitor180.txt")
    assert _summary(run_cli("ingest", str(other))).startswith("0 added, 0 updated, 0 removed")


def test_the_inbox_replaces_a_file_edited_in_place(store: Store, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = inbox / "monitor180.txt"
    path.write_text(ISSUE_180 + THIRD)
    scanner = Inbox(store, inbox, settle=dt.timedelta(0))
    assert scanner.scan().added == 3
    path.write_text(CORRECTED)
    report = scanner.scan()
    assert (report.added, report.updated, report.removed) == (0, 1, 1)
    archive = Archive(store)
    texts = [h.quote for h in archive.ask("Kazakh barley wheat Turkmenistan Iran").hits]
    assert texts and not any("shipped wheat" in t for t in texts)
    assert store.stats()["briefs"] == 2


def test_a_folder_walk_says_what_it_skipped(run_cli: Run, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "monitor180.txt").write_text(ISSUE_180)
    for name in ("a.htm", "b.htm", "c.HTM", "notes.md"):
        (folder / name).write_text("<p>Publication: Monitor Volume: 4 Issue: 181</p>\n")
    (folder / ".hidden.htm").write_text("x")
    result = run_cli("ingest", str(folder))
    assert result.exit_code == 0
    assert "4 files skipped (unknown suffix: .htm ×3, .md ×1); -v lists them" in result.stderr
    assert result.stdout.startswith("2 added")
    listed = run_cli("ingest", "-v", str(folder))
    assert "4 files skipped (unknown suffix: .htm ×3, .md ×1)\n" in listed.stderr
    assert f"skipped: {folder / 'notes.md'}" in listed.stderr
    assert ".hidden" not in listed.stderr
    quiet = run_cli("ingest", str(folder / "monitor180.txt"))
    assert "skipped" not in quiet.stderr


def test_a_brief_inserted_at_the_top_of_a_file_leaves_the_others_their_identities(
    run_cli: Run, db_path: Path, tmp_path: Path
) -> None:
    # Numbered by place in the file, the new first brief took the first brief's id and each
    # brief the id of the one above it: an old answer's "Full brief" opened another brief.
    path = tmp_path / "monitor180.txt"
    path.write_text(ISSUE_180)
    run_cli("ingest", str(path))
    before = {row[0]: row[4] for row in _rows(db_path)}
    path.write_text(THIRD.lstrip() + "\n" + ISSUE_180)
    assert _summary(run_cli("ingest", str(path))) == (
        "1 added, 0 updated, 0 removed, 2 unchanged, 0 rejected"
    )
    after = {row[0]: row[4] for row in _rows(db_path)}
    assert {i: after[i] for i in before} == before
    [new] = set(after) - set(before)
    assert after[new].startswith("Latvian customs")
    # And a correction below the inserted brief is still an update in place.
    path.write_text(THIRD.lstrip() + "\n" + CORRECTED)
    assert _summary(run_cli("ingest", str(path))) == (
        "0 added, 1 updated, 0 removed, 2 unchanged, 0 rejected"
    )
    fixed = {row[0]: row[4] for row in _rows(db_path)}
    assert set(fixed) == set(after)
    assert [i for i in fixed if fixed[i] != after[i]] == [min(before)]
