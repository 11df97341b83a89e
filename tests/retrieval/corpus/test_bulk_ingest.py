"""A bulk ingest (many files): parsed in worker processes and committed in batches, it stores
exactly what ingesting the files one by one stores, and each file stands or falls whole (#11)."""

from __future__ import annotations

import gc
import json
import multiprocessing
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from retrieval.corpus.briefs import Brief, FooterRules, brief_rows, build_brief, parse_briefs
from retrieval.corpus.ingest import Ingester, IngestReport, find_sources
from retrieval.corpus.store import (
    BATCH_CACHE_KIB,
    BATCH_CHECKPOINT_PAGES,
    ROWS_A_STATEMENT,
    Store,
    brief_of_row,
    brief_row,
)
from retrieval.errors import ArchiveWriteError, BriefFormatError


def _write_folder(folder: Path) -> None:
    """Write 30 brief files, among them an empty one, one without a header, a cp1251 one and a
    JSONL one with a bad line."""
    for n in range(1, 27):
        parts = [
            f"Publication: Monitor Volume: {n % 3 + 1} Issue: {n}\nTitle: Pipeline {n}\n\n"
            f"The pipeline number {n} opened in spring; talks went on. — JB\n\n"
            f"Publication: Monitor Volume: {n % 3 + 1} Issue: {n}\nTitle: Budget {n}\n\n"
            f"The budget of year {n} was approved.\n\nParliament voted on it twice."
        ]
        (folder / f"issue{n:03d}.txt").write_text("\n\n".join(parts), encoding="utf-8")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "headless.txt").write_text("Just a paragraph without a header.\n", encoding="utf-8")
    cyrillic = "Publication: Monitor Volume: 9 Issue: 1\n\nГазопровод открыли в мае.\n"
    (folder / "ru.txt").write_bytes(cyrillic.encode("cp1251"))
    records = [
        {"id": "a1", "publication": "Digest", "title": "Oil", "text": "Oil exports rose."},
        "not json",
        {"id": "a2", "publication": "Digest", "title": "Gas", "text": "Gas prices fell."},
    ]
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    (folder / "records.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _archive(tmp_path: Path) -> Path:
    """Return the folder ``_write_folder`` wrote under ``tmp_path``."""
    folder = tmp_path / "archive"
    folder.mkdir()
    _write_folder(folder)
    return folder


def _contents(store: Store) -> tuple[list[Any], list[Any]]:
    """Return every brief (without its timestamps) and passage, in id order."""
    briefs = store.db.execute(
        "SELECT id, key, doc_id, publication, volume, issue, date, title, author, source, text, "
        "content_hash, origin, position FROM briefs ORDER BY id"
    ).fetchall()
    passages = store.db.execute("SELECT * FROM passages ORDER BY id").fetchall()
    return briefs, passages


def _outcome(report: IngestReport) -> tuple[Any, ...]:
    return (
        report.summary(),
        report.files,
        sorted(report.brief_ids),
        [str(r) for r in report.rejected],
        report.notices,
    )


@pytest.mark.parametrize(
    ("workers", "beside_a_thread"), [(0, False), (2, False), (2, True)], ids=["0", "2", "2-spawn"]
)
def test_bulk_ingest_stores_what_ingesting_file_by_file_stores(
    tmp_path: Path, workers: int, beside_a_thread: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _archive(tmp_path)
    one_by_one = Store(tmp_path / "one.db")
    alone = Ingester(one_by_one)
    for file, origin in find_sources([folder]).files:
        alone.ingest_file(Path(file), origin=origin)

    bulk = Store(tmp_path / "bulk.db")
    methods: list[str | None] = []
    real_get_context = multiprocessing.get_context

    def get_context(method: str | None = None) -> Any:
        methods.append(method)
        return real_get_context(method)

    monkeypatch.setattr(multiprocessing, "get_context", get_context)
    # Beside another thread (the bot's) the workers are spawned, not forked.
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name="beside the ingest")
    if beside_a_thread:
        thread.start()
    try:
        report = Ingester(bulk, workers=workers).ingest_paths([folder])
    finally:
        stop.set()
        if beside_a_thread:
            thread.join()
    if beside_a_thread:
        assert methods == ["spawn"]

    assert _contents(bulk) == _contents(one_by_one)
    assert _outcome(report) == _outcome(alone.report)
    assert report.added == 26 * 2 + 1 + 2
    assert len(report.rejected) == 3  # the empty file, the one without a header, the bad line
    assert any("decoded as cp1251" in n for n in report.notices)
    # Ingesting the folder again changes nothing, in bulk too.
    again = Ingester(bulk, workers=workers).ingest_paths([folder])
    assert (again.added, again.updated, again.removed) == (0, 0, 0)
    assert _contents(bulk) == _contents(one_by_one)


def _brief(title: str, volume: int = 1) -> Brief:
    meta = {"publication": "Monitor", "volume": 1, "issue": 1, "title": title}
    brief = build_brief(meta, [f"Text of {title}."])
    brief.origin, brief.position = f"{title}.txt", 0
    brief.volume = volume  # past build_brief's checks: what SQLite itself refuses
    return brief


def test_a_file_the_store_refuses_in_a_batch_is_rolled_back_alone(db_path: Path) -> None:
    store = Store(db_path)
    with store.batch():
        store.add_briefs([_brief("first")], replace_origin="first.txt")
        with pytest.raises(BriefFormatError, match="SQLite cannot store"):
            store.add_briefs(
                [_brief("second"), _brief("huge", volume=2**70)], replace_origin="second.txt"
            )
        store.add_briefs([_brief("third")], replace_origin="third.txt")
    titles = [r[0] for r in store.db.execute("SELECT title FROM briefs ORDER BY id")]
    assert titles == ["first", "third"]
    texts = [r[0] for r in store.db.execute("SELECT text FROM passages ORDER BY id")]
    assert texts == ["Text of first.", "Text of third."]


def test_a_batch_left_by_an_error_stores_none_of_its_files(db_path: Path) -> None:
    store = Store(db_path)
    store.add_briefs([_brief("before")], replace_origin="before.txt")
    with pytest.raises(RuntimeError), store.batch():
        store.add_briefs([_brief("first")], replace_origin="first.txt")
        store.commit_batch()
        store.add_briefs([_brief("second")], replace_origin="second.txt")
        raise RuntimeError("the run stops here")
    titles = [r[0] for r in store.db.execute("SELECT title FROM briefs ORDER BY id")]
    assert titles == ["before", "first"]  # committed before the error; "second" was not
    # The store writes on as before: a transaction of its own per write.
    store.add_briefs([_brief("after")], replace_origin="after.txt")
    assert store.db.execute("SELECT count(*) FROM briefs").fetchone()[0] == 3


def test_other_connections_see_a_bulk_run_only_as_it_commits(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    reader = Store(tmp_path / "a.db")
    with store.batch():
        store.add_briefs([_brief("first")], replace_origin="first.txt")
        assert reader.passage_count() == 0
        store.commit_batch()
        assert reader.passage_count() == 1
        store.add_briefs([_brief("second")], replace_origin="second.txt")
        assert reader.passage_count() == 1
    assert reader.passage_count() == 2


@pytest.mark.parametrize("workers", [0, 2])
def test_a_bulk_run_holds_the_write_lock_only_while_it_writes(tmp_path: Path, workers: int) -> None:
    # Whenever the run has just read a file (and waits for the next one, from its workers or
    # the disk), another writer -- a second ingest, the bot -- gets the write lock at once.
    folder = _archive(tmp_path)
    db = tmp_path / "a.db"
    other = sqlite3.connect(db, isolation_level=None, timeout=0)
    locked_at: list[int] = []

    def try_to_write(done: int, _total: int) -> None:
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            locked_at.append(done)
            return
        other.execute("ROLLBACK")

    # A first run (the JSONL file and the files with notices are written as they come) and a
    # second one (every file stored before: each written alone).
    for _run in range(2):
        store = Store(db)
        report = Ingester(store, workers=workers).ingest_sources(
            find_sources([folder]), progress=try_to_write
        )
        store.close()
        assert report.files == 30
    other.close()
    assert locked_at == []


def test_a_run_locked_out_too_long_keeps_the_files_before_and_a_second_run_completes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retrieval.corpus import ingest as ingest_module
    from retrieval.corpus import store as store_module

    monkeypatch.setattr(ingest_module, "BATCH_SECONDS", 0.0)  # a group (a commit) a file
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 1000)
    folder = _archive(tmp_path)
    db = tmp_path / "a.db"
    store = Store(db)
    other = sqlite3.connect(db, isolation_level=None)

    def lock_at_the_tenth(done: int, _total: int) -> None:
        if done == 10:  # another writer takes the lock and keeps it
            other.execute("BEGIN IMMEDIATE")

    ingester = Ingester(store, workers=0)
    with pytest.raises(ArchiveWriteError) as caught:
        ingester.ingest_sources(find_sources([folder]), progress=lock_at_the_tenth)
    other.execute("ROLLBACK")
    other.close()
    assert str(caught.value) == (
        f"cannot write to {db} (database is locked): another process (another ingest, or the "
        "bot) kept it locked for over 1 s; run it again when that one has finished; nothing of "
        "the interrupted write was stored"
    )
    # The nine files before it (two without briefs) are stored and counted, nothing of the tenth.
    assert ingester.report.added == 14
    origins = {r[0] for r in store.db.execute("SELECT origin FROM briefs")}
    assert origins == {f"issue{n:03d}.txt" for n in range(1, 8)}
    again = Ingester(store, workers=0).ingest_sources(find_sources([folder]))
    assert (again.added, again.unchanged) == (41, 14)
    fresh = Store(tmp_path / "fresh.db")
    Ingester(fresh, workers=0).ingest_sources(find_sources([folder]))
    assert _contents(store)[1] == _contents(fresh)[1]


def test_a_batch_sets_its_page_cache_and_checkpoints_only_while_it_lasts(db_path: Path) -> None:
    store = Store(db_path)

    def pragmas() -> tuple[int, int]:
        cache = store.db.execute("PRAGMA cache_size").fetchone()[0]
        return int(cache), int(store.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0])

    before = pragmas()
    with store.batch():
        assert pragmas() == (BATCH_CACHE_KIB, BATCH_CHECKPOINT_PAGES)
        store.add_briefs([_brief("first")], replace_origin="first.txt")
    assert pragmas() == before
    with pytest.raises(RuntimeError), store.batch():
        raise RuntimeError("the run stops here")
    assert pragmas() == before


def test_a_bulk_run_pauses_the_cycle_collector_only_while_it_lasts(tmp_path: Path) -> None:
    # The collector is off while the files pass through (their rows hold no cycles), on again
    # after, also after a run a write error stops; a run started with it off leaves it off.
    folder = _archive(tmp_path)
    seen: list[bool] = []
    store = Store(tmp_path / "a.db")
    try:
        Ingester(store, workers=0).ingest_paths(
            [folder], progress=lambda done, total: seen.append(gc.isenabled())
        )
        assert seen and not any(seen)
        assert gc.isenabled()
        store.db.conn.execute("PRAGMA query_only = ON")  # the first write fails
        with pytest.raises(ArchiveWriteError):
            Ingester(store, workers=0).ingest_paths([folder])
        assert gc.isenabled()
        gc.disable()
        Ingester(Store(tmp_path / "b.db"), workers=0).ingest_paths([folder])
        assert not gc.isenabled()
    finally:
        gc.enable()


def _sequence(store: Store) -> list[Any]:
    return store.db.execute(
        "SELECT name, seq FROM sqlite_sequence WHERE name IN ('briefs', 'passages') ORDER BY name"
    ).fetchall()


def _both(tmp_path: Path, prepare: Any) -> tuple[Store, Ingester, Store]:
    """Return a store filled one file at a time, its ingester, and a store to fill in bulk,
    both first given the same history by ``prepare(store)``."""
    one_by_one, bulk = Store(tmp_path / "one.db"), Store(tmp_path / "bulk.db")
    for store in (one_by_one, bulk):
        prepare(store)
    return one_by_one, Ingester(one_by_one), bulk


@pytest.mark.parametrize("workers", [0, 2])
def test_a_run_of_new_and_stored_files_stores_what_one_by_one_stores(
    tmp_path: Path, workers: int
) -> None:
    # Files written together (Store.insert_new) beside files stored before, changed since, named
    # twice in the run, and ids to give after the newest brief was removed (AUTOINCREMENT then
    # skips its id).
    folder = _archive(tmp_path)

    def prepare(store: Store) -> None:
        early = Ingester(store)
        for name in ("issue003.txt", "issue010.txt", "issue020.txt"):
            early.ingest_file(folder / name, origin=name)
        newest = store.db.execute("SELECT max(id) FROM briefs").fetchone()[0]
        store.remove_briefs([newest])

    one_by_one, alone, bulk = _both(tmp_path, prepare)
    changed = (folder / "issue010.txt").read_text(encoding="utf-8")
    (folder / "issue010.txt").write_text(changed.replace("approved", "rejected"), "utf-8")
    named = [folder, folder / "issue015.txt", folder]
    for file, origin in find_sources(named).files:
        alone.ingest_file(Path(file), origin=origin)
    report = Ingester(bulk, workers=workers).ingest_paths(named)

    assert _contents(bulk) == _contents(one_by_one)
    assert _sequence(bulk) == _sequence(one_by_one)
    assert _outcome(report) == _outcome(alone.report)
    assert report.updated == 1 and report.unchanged > 0 and report.added > 0


def test_briefs_without_an_origin_send_every_file_the_one_by_one_way(tmp_path: Path) -> None:
    # A brief stored from standard input (no origin) may be a file's brief under its old key:
    # no file of the run is taken as new.
    folder = _archive(tmp_path)
    piped = (folder / "issue004.txt").read_bytes()

    def prepare(store: Store) -> None:
        Ingester(store).ingest_bytes(piped, "<stdin>", jsonl=None)

    one_by_one, alone, bulk = _both(tmp_path, prepare)
    for file, origin in find_sources([folder]).files:
        alone.ingest_file(Path(file), origin=origin)
    report = Ingester(bulk).ingest_paths([folder])

    assert _contents(bulk) == _contents(one_by_one)
    assert _outcome(report) == _outcome(alone.report)
    assert report.unchanged == 2  # issue004's briefs took on their file's identity


def test_new_files_a_value_sqlite_refuses_leaves_none_of_them(db_path: Path) -> None:
    store = Store(db_path)
    rows = [brief_row(_brief("first")), brief_row(_brief("huge", volume=2**70))]
    with store.batch():
        store.open_batch()
        assert store.new_files([("first.txt", rows[:1]), ("huge.txt", rows[1:])]) == [True, True]
        with pytest.raises(BriefFormatError, match="SQLite cannot store"):
            store.insert_new([rows[:1], rows[1:]])
        assert store.db.execute("SELECT count(*) FROM briefs").fetchone()[0] == 0
        summary = store.insert_new([[brief_row(_brief("third"))]])
    assert summary.added == 1 and summary.brief_ids == [1]
    titles = [r[0] for r in store.db.execute("SELECT title FROM briefs ORDER BY id")]
    assert titles == ["third"]
    passages = store.db.execute("SELECT brief_id, text FROM passages").fetchall()
    assert passages == [(1, "Text of third.")]


def test_new_files_are_only_those_nothing_stored_or_earlier_in_the_run_matches(
    db_path: Path,
) -> None:
    store = Store(db_path)
    store.add_briefs([_brief("kept")], replace_origin="kept.txt")
    row = brief_row(_brief("fresh"))
    kept = brief_row(_brief("kept"))
    with store.batch():
        store.open_batch()
        files = [("kept.txt", [kept]), ("fresh.txt", [row]), ("fresh.txt", [row]), (None, [row])]
        assert store.new_files(files) == [False, True, False, False]
        # A key already stored (under whatever origin) is not new either.
        taken = ((kept[0][0], *row[0][1:]), row[1])
        assert store.new_files([("fresh.txt", [taken])]) == [False]


def test_texts_sent_as_utf8_are_stored_as_the_same_text(tmp_path: Path) -> None:
    # A parsing worker sends the texts as their UTF-8 (brief_rows); insert_new stores them as
    # text, byte for byte what add_briefs stores from the Brief, NUL and all (#11).
    text = (
        "Publication: Monitor Volume: 4 Issue: 142\nTitle: Caf\u00e9\n\n"
        "Gas \u201cprices\u201d fell \u2014 at last.\n\nA NUL \x00 inside, and \U0001f600.\n\n"
        + " ".join(["Long"] * 200)
        + ". Second sentence here."
    )
    rows = brief_rows(text, source="a.txt", origin="a.txt", footer=FooterRules())
    assert type(rows[0][0][10]) is bytearray
    via_rows, via_briefs = Store(tmp_path / "rows.db"), Store(tmp_path / "briefs.db")
    with via_rows.batch():
        via_rows.open_batch()
        via_rows.insert_new([rows], now="2026-12-05T00:00:00Z")
    briefs = parse_briefs(text, source="a.txt")
    briefs[0].origin, briefs[0].position = "a.txt", 0
    via_briefs.add_briefs(briefs, now="2026-12-05T00:00:00Z")
    assert _contents(via_rows) == _contents(via_briefs)
    kinds = "SELECT typeof(text) FROM briefs UNION ALL SELECT typeof(text) FROM passages"
    assert {r[0] for r in via_rows.db.execute(kinds)} == {"text"}
    assert len(_contents(via_rows)[1]) == 4  # the long paragraph split at its sentences
    # The rows read back as Briefs (a file stored before is written the one-by-one way).
    assert brief_of_row(rows[0]).text == briefs[0].text
    assert brief_of_row(rows[0]).passages == briefs[0].passages


@pytest.mark.parametrize("files", [1, ROWS_A_STATEMENT, 2 * ROWS_A_STATEMENT + 3])
def test_rows_written_many_a_statement_are_those_written_one_by_one(
    tmp_path: Path, files: int
) -> None:
    # insert_new writes ROWS_A_STATEMENT rows an INSERT: the same rows, ids and sequence as
    # add_briefs of each file gives (#11).
    texts = [
        f"Publication: Monitor Volume: 1 Issue: {n}\nTitle: T{n}\n\n"
        + "\n\n".join(f"Paragraph {k} of brief {n}." for k in range(n % 4 + 1))
        for n in range(files)
    ]
    rows = [brief_rows(t, source=f"{n}.txt", origin=f"{n}.txt", footer=FooterRules())
            for n, t in enumerate(texts)]  # fmt: skip
    together, alone = Store(tmp_path / "together.db"), Store(tmp_path / "alone.db")
    with together.batch():
        together.open_batch()
        summary = together.insert_new(rows, now="2026-12-05T00:00:00Z")
    for n, text in enumerate(texts):
        briefs = parse_briefs(text, source=f"{n}.txt")
        briefs[0].origin, briefs[0].position = f"{n}.txt", 0
        alone.add_briefs(briefs, now="2026-12-05T00:00:00Z", replace_origin=f"{n}.txt")
    assert summary.added == files and summary.brief_ids == list(range(1, files + 1))
    assert _contents(together) == _contents(alone)
    assert _sequence(together) == _sequence(alone)
