"""The saved index knows which database and which history it belongs to (#17)."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from migration_history import apply_old_order
from sqlite_utils import Database

from retrieval.archive import Archive
from retrieval.corpus.store import Store
from retrieval.search.cache import cache_dir_for
from retrieval.text.query import Filters

Run = Callable[..., Result]

OIL = "Publication: Monitor Volume: 4 Issue: 1\n\nCaspian oil exports rose through Baku.\n"
PRISM = (
    "Publication: Prism Volume: 3 Issue: 12\n\n"
    "Georgian customs officers seized cotton at the Black Sea port.\n\n"
    "The Tbilisi ministry promised an inquiry into the cotton seizure.\n"
)
TORUGART = (
    "Publication: Monitor Volume: 4 Issue: 2\n\n"
    "Kyrgyz border guards closed the Torugart pass to Chinese trucks.\n\n"
    "Traders at the Torugart pass border post waited for a week.\n"
)


def _rebuild_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "retrieval.catchup" and r.levelno >= logging.WARNING
    ]


def test_restored_backup_is_detected_and_answers_are_right(
    run_cli: Run,
    db_path: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    copy_database: Callable[[Path, Path], None],
) -> None:
    files = {}
    for name, text in {"oil": OIL, "prism": PRISM, "torugart": TORUGART}.items():
        files[name] = tmp_path / f"{name}.txt"
        files[name].write_text(text)
    backup = tmp_path / "backup.db"
    assert run_cli("ingest", str(files["oil"])).exit_code == 0
    copy_database(db_path, backup)
    assert run_cli("ingest", str(files["prism"])).exit_code == 0
    assert "cotton" in run_cli("ask", "cotton seizure").stdout  # the index is saved here
    copy_database(backup, db_path)  # restore the backup under the newer saved index
    # --no-index: the question finds the mismatch (an ingest that updates the index would).
    assert run_cli("ingest", "--no-index", str(files["torugart"])).exit_code == 0
    caplog.clear()
    caplog.set_level(logging.INFO)
    result = run_cli("ask", "Torugart pass border guards")
    assert result.exit_code == 0
    assert "Torugart" in result.stdout and "Monitor, Vol. 4, Issue 2" in result.stdout
    assert "cotton" not in result.stdout
    [line] = _rebuild_lines(caplog)
    assert "restored from a backup or replaced" in line and "rebuilding" in line


def test_database_edited_by_another_tool_rebuilds_the_index(
    fixture_archive: Archive, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fixture_archive.ask("pipeline")
    other = sqlite3.connect(db_path)
    with other:
        other.execute("UPDATE briefs SET publication = 'Renamed' WHERE publication = 'Prism'")
    other.close()
    caplog.set_level(logging.INFO)
    archive = Archive(db_path)
    answer = archive.ask("Georgian border guards", filters=Filters(publication="Renamed"))
    assert answer.hits and all(h.citation.publication == "Renamed" for h in answer.hits)
    [line] = _rebuild_lines(caplog)
    assert "an edit of the database by another tool" in line


def test_passage_text_edited_in_place_rebuilds_the_index(
    fixture_archive: Archive, db_path: Path
) -> None:
    fixture_archive.ask("pipeline")
    other = sqlite3.connect(db_path)
    with other:
        other.execute(
            "UPDATE passages SET text = 'Zebras crossed the Torugart pass.' "
            "WHERE id = (SELECT min(id) FROM passages)"
        )
    other.close()
    answer = Archive(db_path).ask("zebras")
    assert answer.hits and "Zebras" in answer.hits[0].text


def test_store_writes_log_one_change_each(store: Store) -> None:
    before = store.index_state()
    from retrieval.corpus.briefs import parse_briefs

    store.add_briefs(parse_briefs(OIL))
    store.add_briefs(parse_briefs(OIL))  # unchanged: no new generation
    store.add_briefs(parse_briefs(OIL.replace("rose", "fell")))  # updated: one more
    after = store.index_state()
    assert after["generation"] == before["generation"] + 2
    kinds = [r[0] for r in store.db.execute("SELECT kind FROM archive_changes ORDER BY 1")]
    assert kinds == ["write"] * 3  # the first row is the migration's; updates are not edits
    assert after["change_token"] != before["change_token"]


def _old_database(path: Path, rows: list[tuple[int | str | None, int | str | None]]) -> None:
    """Write a database as the version before issue 17 left it, holding ``rows`` of
    (volume, issue) as JSONL ingests then stored them."""
    db = Database(path)
    apply_old_order(db, stop_before="m003_log_archive_changes")
    for n, (volume, issue) in enumerate(rows):
        cur = db.execute(
            "INSERT INTO briefs (key, publication, volume, issue, text, content_hash, added_at, "
            "updated_at) VALUES (?, 'Monitor', ?, ?, 'Oil and gas.', 'h', '2024', '2024')",
            [f"k{n}", volume, issue],
        )
        db.execute(
            "INSERT INTO passages (brief_id, position, text, char_start, char_end) "
            "VALUES (?, 0, ?, 0, 12)",
            [cur.lastrowid, f"Oil and gas number {n}."],
        )
    db.execute("UPDATE meta SET value = '1' WHERE key = 'generation'")
    db.conn.commit()
    db.close()


def test_migration_repairs_numbers_that_made_every_question_fail(
    db_path: Path, run_cli: Run, caplog: pytest.LogCaptureFixture
) -> None:
    _old_database(db_path, [(2**40, 3), (4, 2**63 - 1), (5, 6), ("IV", 7)])
    caplog.set_level(logging.WARNING)
    result = run_cli("ask", "oil gas")
    assert result.exit_code == 0, result.output
    assert all(f"number {n}" in result.stdout for n in range(3))
    assert run_cli("stats").exit_code == 0
    repaired = [r.getMessage() for r in caplog.records if r.name == "retrieval.corpus.migrations"]
    assert len(repaired) == 3 and "had volume 1099511627776 and issue 3" in repaired[0]
    store = Store(db_path)
    rows = store.db.execute("SELECT volume, issue FROM briefs ORDER BY id").fetchall()
    assert rows == [(None, 3), (4, None), (5, 6), (None, 7)]
    notices = store.db.execute("SELECT key FROM admin_notices ORDER BY key").fetchall()
    assert [n[0] for n in notices] == [
        "repaired-brief:1",
        "repaired-brief:2",
        "repaired-brief:4",
    ]


@pytest.mark.parametrize("where", ["params.json", "segment file"])
def test_fifo_in_the_index_is_refused_not_waited_on(
    fixture_archive: Archive, db_path: Path, where: str, caplog: pytest.LogCaptureFixture
) -> None:
    fixture_archive.ask("pipeline")
    folder = cache_dir_for(db_path)
    target = (
        folder / "params.json" if where == "params.json" else next(folder.glob("seg-*/docs.npy"))
    )
    target.unlink()
    os.mkfifo(target)
    caplog.set_level(logging.INFO)
    answers: list[object] = []
    worker = threading.Thread(target=lambda: answers.append(Archive(db_path).ask("pipeline")))
    worker.start()
    worker.join(20)
    if worker.is_alive():
        _unblock(target, worker)
        pytest.fail(f"opening the index waited on a FIFO at {where}")
    assert answers and answers[0].hits  # type: ignore[attr-defined]
    [line] = _rebuild_lines(caplog)
    assert "not a regular file" in line


def _unblock(fifo: Path, worker: threading.Thread) -> None:
    """Open ``fifo`` for writing until the reader stuck on it (again and again) has finished."""
    while worker.is_alive():
        with contextlib.suppress(OSError):  # no reader at this moment
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(0.1)


def test_history_is_bounded_and_an_index_older_than_it_is_rebuilt(
    fixture_archive: Archive,
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from retrieval.corpus import store as store_module
    from retrieval.corpus.briefs import parse_briefs

    fixture_archive.ask("pipeline")  # index saved at this generation
    monkeypatch.setattr(store_module, "HISTORY_KEPT", 2)
    for n in range(4):
        fixture_archive.store.add_briefs(parse_briefs(OIL.replace("rose", f"rose {n}")))
    rows = fixture_archive.store.db.execute("SELECT count(*) FROM archive_changes").fetchone()
    assert rows[0] == 2
    problem = fixture_archive.store.history_problem(1, "0" * 16)
    assert problem is not None and "history this database does not have" in problem
    caplog.set_level(logging.INFO)
    fresh = Archive(db_path)
    assert "rose 3" in fresh.ask("Caspian oil rose 3").hits[0].text
    assert fresh.index().size == fresh.store.passage_count()
    [line] = _rebuild_lines(caplog)
    assert "history this database does not have" in line
