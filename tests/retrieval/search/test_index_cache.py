"""The saved index: loaded instead of rebuilt, caught up on growth, never trusted when damaged."""

from __future__ import annotations

import functools
import json
import logging
import os
import random
import shutil
import signal
import sqlite3
import time
import weakref
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from forking import Forked
from rank_bm25 import BM25Okapi

from retrieval import catchup
from retrieval.archive import Archive
from retrieval.catchup import Indexer
from retrieval.corpus.store import Store
from retrieval.errors import IndexCacheError
from retrieval.passage_rows import RowBatch, worker_command
from retrieval.search import cache
from retrieval.search import index as index_module
from retrieval.search.cache import FORMAT_VERSION, cache_dir_for, load_index, manifest_checksum
from retrieval.search.stamps import MIN_AGE_NS, STAMPS
from retrieval.search.workers import CountingPool
from retrieval.text.analyzer import ANALYZER_VERSION, analyze
from retrieval.text.query import Filters

WORDS = (
    "oil gas pipeline election corruption minister president parliament government security "
    "council border treaty sanctions budget inflation ruble bank loan debt reform court judge "
    "prosecutor police bribery fraud scandal campaign candidate ballot referendum decree coalition "
    "crisis ceasefire refugees rebels energy electricity export tariff customs refinery tanker "
    "consortium contract shares stake governor mayor cabinet premier ministry intelligence media "
    "newspaper journalist protest strike wages pensions arrears nuclear missile navy fleet airport "
    "railway grain harvest wheat cotton gold mining coal steel aluminum factory summit envoy "
    "embassy diplomats commission hearing investigation arrest trial verdict appeal majority"
).split()
NAMES = ["Nazarbaev", "Musaev", "Bazhenov", "Shevardnadze", "Aliev", "Karimov", "Lukashenko"]
QUESTIONS = [
    "pipeline oil export",
    "corruption scandal governor arrest",
    "Nazarbaev election ballot",
    "wages pensions arrears strike strike",
    "nuclear missile fleet navy treaty",
    "gold mining consortium Bazhenov",
]


def paragraph(rng: random.Random) -> str:
    """Return one paragraph of random words with a name and a number."""
    words = rng.choices(WORDS, k=rng.randint(12, 60))
    words.insert(rng.randrange(len(words)), rng.choice(NAMES))
    words.insert(rng.randrange(len(words)), str(rng.randint(1990, 2001)))
    return " ".join(words).capitalize() + "."


def write_issue(
    folder: Path, rng: random.Random, publication: str, volume: int, issue: int, day: int
) -> Path:
    """Write one issue file of 1-3 briefs in the publishers' format; return its path."""
    header = (
        f"Publication: {publication} Volume: {volume} Issue: {issue} "
        f"Date: {1995 + volume}-{1 + day % 12:02d}-{1 + day % 28:02d}"
    )
    briefs = []
    for n in range(rng.randint(1, 3)):
        paragraphs = "\n\n".join(paragraph(rng) for _ in range(rng.randint(2, 4)))
        briefs.append(f"{header}\nTitle: Brief {n} of issue {issue}\n\n{paragraphs}")
    path = folder / f"{publication.lower()}-{volume}-{issue}.txt"
    path.write_text("\n\n".join(briefs) + "\n", encoding="utf-8")
    return path


def write_issues(folder: Path, seed: int, count: int, first_issue: int = 1) -> list[Path]:
    """Write ``count`` issues spread over three publications; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    pubs = ["Monitor", "Prism", "Fortnight in Review"]
    return [
        write_issue(folder, rng, pubs[i % 3], 3 + i % 2, first_issue + i, i) for i in range(count)
    ]


@functools.lru_cache(maxsize=8)
def _reference_tops(
    rows: tuple[tuple[int, str], ...], k1: float, b: float, epsilon: float
) -> dict[str, list[tuple[int, float]]]:
    """Return rank-bm25's top ten of each of ``QUESTIONS`` over the passages ``rows`` (id, text),
    among passages sharing a term with it, ties by id (worked out once per set of passages: many
    tests check copies of one archive)."""
    ids = [pid for pid, _ in rows]
    corpus = [analyze(text) for _, text in rows]
    reference = BM25Okapi(corpus, k1=k1, b=b, epsilon=epsilon)
    tops = {}
    for question in QUESTIONS:
        terms = analyze(question)
        scores = reference.get_scores(terms)
        tops[question] = sorted(
            (
                (pid, float(s))
                for pid, s, doc in zip(ids, scores, corpus, strict=True)
                if set(terms) & set(doc)
            ),
            key=lambda r: (-r[1], r[0]),
        )[:10]
    return tops


def assert_exact(archive: Archive) -> None:
    """Assert the archive's index holds every stored passage and ranks exactly as rank-bm25."""
    rows = tuple((int(pid), text) for pid, text in archive.store.iter_passages())
    ids = {pid for pid, _ in rows}
    index = archive.index()
    assert index.size == len(rows) == archive.store.passage_count()
    p = archive.params
    for question, expected in _reference_tops(rows, p.k1, p.b, p.epsilon).items():
        got = index.top(analyze(question), 10)
        assert [s for _, s in got] == pytest.approx([s for _, s in expected], rel=1e-9)
        assert {pid for pid, _ in got} <= ids
    assert_titles(archive)


def assert_titles(archive: Archive) -> None:
    """Assert the index files every stored brief's title tokens under the brief."""
    index = archive.index()
    titles = {
        bid: analyze(title or "")
        for bid, title in archive.store.db.execute(
            "SELECT id, title FROM briefs WHERE id IN (SELECT brief_id FROM passages)"
        )
    }
    for term in sorted({t for tokens in titles.values() for t in tokens})[:12]:
        positions, counts = index.title_postings(term)
        got = {
            int(index.columns["brief"][p]): int(c) for p, c in zip(positions, counts, strict=True)
        }
        assert got == {b: tokens.count(term) for b, tokens in titles.items() if term in tokens}


def warnings_from_indexer(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return the warning lines the indexer logged."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "retrieval.catchup" and r.levelno >= logging.WARNING
    ]


def _save(db_path: Path, folder: Path) -> None:
    archive = Archive(db_path)
    report = archive.ingest(write_issues(folder, seed=1, count=30))
    assert not report.rejected
    archive.index()
    archive.close()


@pytest.fixture
def saved(from_template: Callable[..., Path]) -> Path:
    """Return a database with 30 issues ingested and its index saved; the archive is closed.

    Built once per session and copied (database and index folder) for each test.
    """
    return from_template("saved-index", lambda path: _save(path, path.parent / "in"))


@pytest.fixture
def saved_here(db_path: Path, tmp_path: Path) -> Path:
    """Return :func:`saved`'s database built in this test from ``tmp_path / "in"``, for a test
    that changes a file it was ingested from."""
    _save(db_path, tmp_path / "in")
    return db_path


def test_index_is_saved_beside_the_database_and_loaded_not_rebuilt(saved: Path) -> None:
    folder = cache_dir_for(saved)
    manifest = json.loads((folder / "params.json").read_text())
    assert manifest["format"] == FORMAT_VERSION
    assert manifest["analyzer"] == ANALYZER_VERSION
    archive = Archive(saved)
    assert manifest["bm25"] == archive.params.to_json()
    assert manifest["database"]["last_passage_id"] > 0
    assert not list(folder.glob("tmp-*"))
    archive.index()
    assert archive.indexer.last_sync["action"] == "loaded"
    assert_exact(archive)


def test_saved_arrays_are_plain_npy_files_without_pickles(saved: Path) -> None:
    for path in cache_dir_for(saved).glob("*/*.npy"):
        array = np.load(path, allow_pickle=False)
        assert not array.dtype.hasobject, path


def test_filters_answer_alike_from_a_saved_index(saved: Path) -> None:
    fresh = Archive(saved, cache=False)
    loaded = Archive(saved)
    cases = [
        Filters(publication="prism"),
        Filters(publication="FORTNIGHT IN REVIEW", volume=4),
        Filters(since="1999-01-01", until="1999-06-30"),
        Filters(issue=7),
        Filters(publication="nowhere"),
    ]
    for filters in cases:
        for question in QUESTIONS:
            a = fresh.rank(question, k=10, filters=filters)
            b = loaded.rank(question, k=10, filters=filters)
            assert a.passages == b.passages
    rows = fresh.store.passages_by_id([p for p, _ in loaded.rank("oil", k=50).passages])
    prism = loaded.rank("oil", k=50, filters=Filters(publication="prism")).passages
    assert prism and all(rows[p]["brief_publication"] == "Prism" for p, _ in prism if p in rows)
    assert loaded.indexer.last_sync["action"] == "loaded"


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size // 2)


def _edit_manifest(
    change: Callable[[dict], None], *, reseal: bool = True
) -> Callable[[Path], None]:
    """Return a damage that edits params.json; ``reseal`` writes a matching checksum, as another
    briefbot (another format, analyzer or database) would."""

    def edit(folder: Path) -> None:
        path = folder / "params.json"
        manifest = json.loads(path.read_text())
        change(manifest)
        if reseal:
            manifest["checksum"] = manifest_checksum(manifest)
        path.write_text(json.dumps(manifest))

    return edit


def _segment(folder: Path) -> Path:
    return next(folder.glob("seg-*"))


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "params.json is not JSON": (
        lambda f: (f / "params.json").write_text("{not json"),
        "not valid JSON",
    ),
    "params.json is empty": (lambda f: (f / "params.json").write_bytes(b""), "not valid JSON"),
    "params.json is another program's": (
        lambda f: (f / "params.json").write_text('["hello"]'),
        "not a briefbot index manifest",
    ),
    "postings truncated": (lambda f: _truncate(_segment(f) / "docs.npy"), "truncated or altered"),
    "a term frequency altered": (
        lambda f: _flip_byte(_segment(f) / "tfs.npy"),
        "truncated or altered",
    ),
    "the vocabulary altered": (
        lambda f: _flip_byte(next(f.glob("state-*/terms.npy"))),
        "truncated or altered",
    ),
    "derived arrays altered": (
        lambda f: _flip_byte(next(f.glob("state-*/derived-brief_of.npy"))),
        "truncated or altered",
    ),
    "an older briefbot's format": (
        _edit_manifest(lambda m: m.update(format=FORMAT_VERSION - 1)),
        "older briefbot",
    ),
    "segment folder deleted": (lambda f: shutil.rmtree(_segment(f)), "missing"),
    "state file deleted": (lambda f: os.remove(next(f.glob("state-*/df.npy"))), "missing"),
    "another format": (_edit_manifest(lambda m: m.update(format=99)), "format 99"),
    "another analyzer": (_edit_manifest(lambda m: m.update(analyzer="0")), "analyzer version"),
    "other BM25 parameters": (
        _edit_manifest(lambda m: m["bm25"].update(k1=2.5)),
        "BM25 parameters",
    ),
    "another database's cache": (
        _edit_manifest(lambda m: m["database"].update(archive_id="0" * 32)),
        "belongs to another database",
    ),
    "newer than the database": (
        _edit_manifest(lambda m: m["database"].update(last_passage_id=10**9)),
        "newer than the database",
    ),
    "params.json edited, still valid JSON": (
        _edit_manifest(
            lambda m: m["labels"].update(publication=["prism", "monitor"]), reseal=False
        ),
        "checksum does not match",
    ),
    "params.json checksum removed": (
        _edit_manifest(lambda m: m.pop("checksum"), reseal=False),
        "checksum does not match",
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_cache_is_rebuilt_with_one_log_line(
    saved: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    folder = cache_dir_for(saved)
    spoil, reason = DAMAGE[damage]
    spoil(folder)
    caplog.set_level(logging.INFO)
    archive = Archive(saved)
    archive.ask("pipeline")
    lines = warnings_from_indexer(caplog)
    assert len(lines) == 1, lines
    assert reason in lines[0] and str(folder) in lines[0] and "rebuilding" in lines[0]
    assert archive.indexer.last_sync["action"] == "built"
    assert_exact(archive)
    caplog.clear()
    again = Archive(saved)
    again.index()
    assert again.indexer.last_sync["action"] == "loaded"
    assert not warnings_from_indexer(caplog)


def _stamped(db: Path) -> int:
    """Load the index of ``db`` once its files are old enough to be stamped; return how many
    files that load checksummed."""
    time.sleep(MIN_AGE_NS / 1e9)
    archive = Archive(db)
    archive.index()
    assert archive.indexer.last_sync["action"] == "loaded"
    return int(archive.indexer.last_sync["files_checksummed"])


def test_a_start_skips_the_checksums_of_files_checked_before(saved: Path) -> None:
    folder = cache_dir_for(saved)
    files = len(list(folder.glob("*/*")))
    assert _stamped(saved) == files
    stamps = json.loads((folder / STAMPS).read_text())
    assert len(stamps) == files
    again = Archive(saved)
    again.index()
    assert again.indexer.last_sync["files_checksummed"] == 0
    assert_exact(again)


def test_a_stamped_file_altered_in_place_is_still_caught(
    saved: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _stamped(saved)
    path = _segment(cache_dir_for(saved)) / "tfs.npy"
    before = path.stat()
    with open(path, "r+b") as fh:  # same size; the modification time is then set back
        fh.seek(-3, os.SEEK_END)
        byte = fh.read(1)
        fh.seek(-3, os.SEEK_END)
        fh.write(bytes([byte[0] ^ 0xFF]))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    caplog.set_level(logging.INFO)
    archive = Archive(saved)
    archive.index()
    lines = warnings_from_indexer(caplog)
    assert len(lines) == 1 and "tfs.npy is truncated or altered" in lines[0], lines
    assert archive.indexer.last_sync["action"] == "built"
    assert_exact(archive)


@pytest.mark.parametrize("content", ["{not json", '["a"]', '{"x": 1}', ""])
def test_bad_stamps_only_cost_the_checksums(saved: Path, content: str) -> None:
    folder = cache_dir_for(saved)
    (folder / STAMPS).write_text(content)
    archive = Archive(saved)
    archive.index()
    assert archive.indexer.last_sync["action"] == "loaded"
    assert archive.indexer.last_sync["files_checksummed"] == len(list(folder.glob("*/*")))
    assert_exact(archive)


def test_a_cache_from_another_database_file_is_not_trusted(
    saved: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    other = tmp_path / "other.db"
    archive = Archive(other)
    archive.ingest(write_issues(tmp_path / "other", seed=99, count=5))
    shutil.copytree(cache_dir_for(saved), cache_dir_for(other), dirs_exist_ok=True)
    caplog.set_level(logging.INFO)
    fresh = Archive(other)
    fresh.index()
    assert any("belongs to another database" in line for line in warnings_from_indexer(caplog))
    assert_exact(fresh)


def test_deleted_cache_is_rebuilt_quietly(saved: Path, caplog: pytest.LogCaptureFixture) -> None:
    shutil.rmtree(cache_dir_for(saved))
    caplog.set_level(logging.INFO)
    archive = Archive(saved)
    archive.index()
    assert archive.indexer.last_sync["action"] == "built"
    assert not warnings_from_indexer(caplog)
    assert any("no index cache" in r.getMessage() for r in caplog.records)
    assert (cache_dir_for(saved) / "params.json").exists()
    assert_exact(archive)


def test_a_restored_older_database_rebuilds_the_newer_cache(
    saved: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    backup = tmp_path / "backup.db"
    with sqlite3.connect(saved) as src, sqlite3.connect(backup) as dst:
        src.backup(dst)
    archive = Archive(saved)
    archive.ingest(write_issues(tmp_path / "more", seed=2, count=5, first_issue=100))
    archive.index()
    archive.close()
    os.replace(backup, saved)
    for suffix in ("-wal", "-shm"):
        Path(f"{saved}{suffix}").unlink(missing_ok=True)
    caplog.set_level(logging.INFO)
    restored = Archive(saved)
    restored.index()
    assert any("newer than the database" in w for w in warnings_from_indexer(caplog))
    assert_exact(restored)


def test_growth_is_caught_up_without_a_rebuild_and_stays_exact(saved: Path, tmp_path: Path) -> None:
    reader = Archive(saved)
    reader.index()
    segments_before = [s.name for s in reader.index().segments]
    writer = Archive(saved)  # another connection, as briefbot ingest in another process
    writer.ingest(write_issues(tmp_path / "day2", seed=3, count=4, first_issue=200))
    assert_exact(reader)
    assert reader.indexer.last_sync["action"] == "caught up"
    assert reader.index().segments[0].name == segments_before[0]  # shared, not rewritten
    later = Archive(saved)
    later.index()
    assert later.indexer.last_sync["action"] == "loaded"
    assert_exact(later)


def test_a_caught_up_index_frees_the_old_one_before_its_brief_map_is_made(
    saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = Archive(saved)
    reader.ask(QUESTIONS[0])  # the brief map and statistics of the loaded index are kept
    old = weakref.ref(reader.index())
    alive_at_derive: list[bool] = []
    derive = catchup.derive_briefs

    def watched(index: index_module.BM25Index) -> None:
        alive_at_derive.append(old() is not None)
        derive(index)

    monkeypatch.setattr(catchup, "derive_briefs", watched)
    Archive(saved).ingest(write_issues(tmp_path / "day2", seed=3, count=2, first_issue=200))
    reader.ask(QUESTIONS[1])
    assert reader.indexer.last_sync["action"] == "caught up"
    # The bot holds one generation of the index's arrays: the old index was gone before the new
    # one's brief map was worked out.
    assert alive_at_derive == [False]
    assert_exact(reader)


def test_many_small_additions_merge_segments_and_stay_exact(saved: Path, tmp_path: Path) -> None:
    archive = Archive(saved)
    for day in range(12):
        archive.ingest(
            write_issues(tmp_path / f"d{day}", seed=10 + day, count=1, first_issue=300 + day)
        )
        archive.index()
    assert len(archive.index().segments) <= 6
    assert_exact(archive)
    assert_exact(Archive(saved))


def test_changed_brief_drops_its_old_passages_from_results_and_statistics(
    saved_here: Path, tmp_path: Path
) -> None:
    saved = saved_here
    reader = Archive(saved)
    old_ids = {pid for pid, _ in reader.store.iter_passages()}
    path = write_issues(tmp_path / "in", seed=1, count=1)[0]  # the first issue, as ingested
    # The first paragraph of the first brief gains a sentence: the brief changes, its key does not.
    path.write_text(path.read_text().replace(".\n\n", ". Pipeline figures revised.\n\n", 1))
    report = Archive(saved).ingest([path])
    assert report.updated >= 1
    current = {pid for pid, _ in reader.store.iter_passages()}
    gone = old_ids - current
    assert gone
    index = reader.index()
    assert reader.indexer.last_sync["action"] == "caught up"
    for question in QUESTIONS:
        assert not {pid for pid, _ in index.top(analyze(question), 1000)} & gone
    assert_exact(reader)


def test_deletes_outside_briefbot_are_noticed_through_the_log(saved: Path) -> None:
    reader = Archive(saved)
    reader.index()
    with sqlite3.connect(saved) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("DELETE FROM briefs WHERE id IN (SELECT id FROM briefs LIMIT 3)")
        logged = conn.execute("SELECT count(*) FROM passage_deletions").fetchone()[0]
    assert logged > 0  # ON DELETE CASCADE fires the trigger
    assert_exact(reader)


WRITER = """
import os, sys, time
from retrieval import catchup
from retrieval.archive import Archive
archive = Archive(sys.argv[1])
go = sys.argv[2]
for n, path in enumerate(sys.argv[3:]):
    archive.ingest([path])
    archive.index()
    if n == 0:
        # Wait until the reader has read this first index: the rest is written while it reads,
        # however slow the machine (no timing is assumed).
        deadline = time.monotonic() + 120
        while not os.path.exists(go) and time.monotonic() < deadline:
            time.sleep(0.01)
print("done", flush=True)
"""


@pytest.mark.slow
def test_a_reader_never_sees_a_half_written_index_while_another_process_ingests(
    saved: Path, tmp_path: Path, fork: Callable[..., Forked]
) -> None:
    paths = write_issues(tmp_path / "stream", seed=4, count=25, first_issue=500)
    folder = cache_dir_for(saved)
    reader = Archive(saved)
    first = load_index(folder, params=reader.params, analyzer=ANALYZER_VERSION)
    assert first is not None
    seen: set[int] = {first.database["last_passage_id"]}
    go = tmp_path / "go"
    writer = fork(WRITER, str(saved), str(go), *map(str, paths))
    try:
        while True:
            try:
                loaded = load_index(folder, params=reader.params, analyzer=ANALYZER_VERSION)
            except IndexCacheError as exc:
                # Only a folder removed between reading params.json and opening it; a retry reads
                # the new params.json (as the indexer does).
                assert "missing" in str(exc), exc
                continue
            assert loaded is not None
            last = loaded.database["last_passage_id"]
            with sqlite3.connect(saved) as conn:
                stored = [
                    r[0] for r in conn.execute("SELECT id FROM passages WHERE id <= ?", [last])
                ]
            assert loaded.index.ids.tolist() == stored
            seen.add(last)
            if len(seen) > 1:
                go.touch()  # the writer's first index read: it goes on while this reads
            assert reader.ask("pipeline oil").found
            if writer.poll() is not None:
                break
    finally:
        out, _ = writer.communicate(timeout=120)
    assert writer.returncode == 0 and "done" in out
    assert len(seen) > 1  # the reader did overlap the writer
    assert_exact(reader)


@pytest.mark.slow
def test_killed_ingest_leaves_database_and_index_consistent_and_a_rerun_finishes(
    saved: Path, tmp_path: Path, fork: Callable[..., Forked]
) -> None:
    paths = write_issues(tmp_path / "big", seed=5, count=40, first_issue=700)
    args = [str(saved), *map(str, paths)]
    # The writer is forked with its modules imported (tests/forking.py): it starts writing at
    # once, and its ~1 s of ingesting and indexing the 40 issues is killed early, midway, late.
    for delay in (0.1, 0.35, 0.6):
        writer = fork(WRITER, *args)
        time.sleep(delay)
        writer.send_signal(signal.SIGKILL)
        writer.wait(30)
        archive = Archive(saved)
        assert_exact(archive)
        archive.close()
    rerun = fork(WRITER, *args)
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    final = Archive(saved)
    assert_exact(final)
    assert not list(cache_dir_for(saved).glob("tmp-*"))


SEGMENT_ARRAYS = (
    "ids", "doc_len", "offsets", "docs", "tfs", "max_tf", "min_len",
    "title_offsets", "title_docs", "title_tfs", "title_len",
)  # fmt: skip


def assert_same_segments(ours: index_module.BM25Index, theirs: index_module.BM25Index) -> None:
    """Assert that two indexes hold the same vocabulary, columns and segments, array by array, of
    the same types."""
    assert ours.vocab == theirs.vocab
    for name, values in theirs.columns.items():
        np.testing.assert_array_equal(ours.columns[name], values)
    assert [s.first for s in ours.segments] == [s.first for s in theirs.segments]
    for mine, other in zip(ours.segments, theirs.segments, strict=True):
        for name in SEGMENT_ARRAYS:
            np.testing.assert_array_equal(getattr(mine, name), getattr(other, name), name)
            assert getattr(mine, name).dtype == getattr(other, name).dtype, name


def test_a_build_tokenized_in_worker_processes_equals_one_tokenized_here(
    saved: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small segments and batches: segment edges fall inside batches and on their edges, and each
    # of the two workers gets many batches. One serial build, two parallel ones (four worker
    # processes, ~0.35 CPU-s each): workers reading their ranges of the database file, and
    # workers sent the texts of a database in memory, which they cannot open.
    monkeypatch.setattr(catchup, "CHUNK", 7)
    monkeypatch.setattr(catchup, "BATCH", 5)
    monkeypatch.setattr(index_module, "SEALED_DOCS", 7)  # segments of 7 are kept as they are
    archive = Archive(saved)
    serial = Indexer(Store(saved), archive.params, cache_dir=None, workers=1).current()
    assert len(serial.segments) > 2
    memory = Store(":memory:")
    with sqlite3.connect(saved) as source:
        source.backup(memory.db.conn)
    for store in (Store(saved), memory):
        parallel = Indexer(store, archive.params, cache_dir=None, workers=2).current()
        assert parallel.vocab == serial.vocab
        np.testing.assert_array_equal(parallel.ids, serial.ids)
        np.testing.assert_array_equal(parallel.df, serial.df)
        for name, values in serial.columns.items():
            np.testing.assert_array_equal(parallel.columns[name], values)
        assert_same_segments(parallel, serial)
        for question in QUESTIONS:
            assert parallel.top(analyze(question), 10) == serial.top(analyze(question), 10)


def test_a_worker_reads_its_range_as_it_is_when_it_reads_it(
    saved: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catchup, "BATCH", 7)
    store = Store(saved)
    ranges = list(catchup._ranges(store, 0))
    assert ranges[-1][1] is None and len(ranges) > 1
    # Passages deleted after the ranges were planned are not read; the counts follow the rows.
    with sqlite3.connect(saved) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("DELETE FROM briefs WHERE id IN (SELECT id FROM briefs LIMIT 2)")
    stored = dict(store.db.execute("SELECT p.id, p.text FROM passages p").fetchall())
    # One worker (an interpreter less): two share the ranges in the build equality test above.
    with CountingPool(1, {}, command=worker_command(saved)) as pool:
        got = [(RowBatch.sent(*read), counts) for *read, counts in pool.map_ranges(ranges)]
    read = [int(pid) for batch, _ in got for pid in batch.ids]
    assert read == sorted(stored)
    for batch, counts in got:
        texts = [analyze(stored[pid]) for pid in batch.ids.tolist()]
        places = np.arange(len(batch)) + np.cumsum(batch.has_title) - batch.has_title
        assert counts.lengths[places].tolist() == [len(tokens) for tokens in texts]


def test_segments_written_as_built_are_listed_by_the_save_not_written_again(
    saved: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catchup, "CHUNK", 40)
    monkeypatch.setattr(catchup, "BATCH", 15)
    monkeypatch.setattr(catchup, "PARALLEL_MIN", 1)  # built by worker processes
    monkeypatch.setattr(index_module, "SEALED_DOCS", 40)
    written: list[str] = []

    def write_segment(folder: Path, segment: index_module.Segment) -> None:
        real_write_segment(folder, segment)
        written.append(segment.name)
        if len(written) == 2:
            # Another writer's clean-up removes the folder before this build lists it.
            shutil.rmtree(folder / segment.name)

    real_write_segment = catchup.write_segment
    monkeypatch.setattr(catchup, "write_segment", write_segment)
    folder = cache_dir_for(saved)
    shutil.rmtree(folder)
    built = Archive(saved)
    fresh = built.index()
    listed = [
        entry["name"] for entry in json.loads((folder / "params.json").read_text())["segments"]
    ]
    assert len(written) >= 3 and len(listed) == len(fresh.segments)
    # Listed as written, but the one removed: written again, under another name.
    assert listed[: len(written)] != written
    assert [name for n, name in enumerate(written) if n != 1] == [
        name for n, name in enumerate(listed[: len(written)]) if n != 1
    ]
    assert listed[1] != written[1] and (folder / listed[1]).is_dir()
    assert sorted(p.name for p in folder.glob("seg-*")) == sorted(listed)
    loaded = Archive(saved)
    index = loaded.index()
    assert loaded.indexer.last_sync["action"] == "loaded"
    assert {term: index.vocab[term] for term in index.vocab} == fresh.vocab
    for mine, other in zip(index.segments, fresh.segments, strict=True):
        for name in SEGMENT_ARRAYS:
            np.testing.assert_array_equal(getattr(mine, name), getattr(other, name), name)
    assert_exact(loaded)


def test_per_passage_arrays_of_many_segments_are_read_into_one_array_each(
    saved: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catchup, "CHUNK", 40)
    monkeypatch.setattr(index_module, "SEALED_DOCS", 40)
    shutil.rmtree(cache_dir_for(saved))
    built = Archive(saved)
    fresh = built.index()
    assert len(fresh.segments) > 2
    # Joined once, the segments hold their parts of the joined arrays: held once, not twice.
    assert all(s.ids.base is fresh.ids for s in fresh.segments)
    loaded = Archive(saved)
    index = loaded.index()
    assert loaded.indexer.last_sync["action"] == "loaded"
    for name in ("ids", "doc_len", "title_len"):
        whole = getattr(index, name)
        np.testing.assert_array_equal(whole, getattr(fresh, name))
        assert all(getattr(s, name).base is whole.base for s in index.segments), name
    np.testing.assert_array_equal(index.columns["date"], fresh.columns["date"])
    for question in QUESTIONS:
        assert loaded.ask(question) == built.ask(question)
    assert_exact(loaded)
    # Grown, the new index joins its arrays anew; the answers stay exact.
    loaded.ingest(write_issues(tmp_path / "more", seed=9, count=5, first_issue=200))
    grown = loaded.index()
    assert loaded.indexer.last_sync["action"] == "caught up"
    assert all(s.ids.base is grown.ids for s in grown.segments)
    assert_exact(loaded)


def test_an_older_format_is_rebuilt_once_and_then_loaded(
    saved: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = cache_dir_for(saved)
    path = folder / "params.json"
    manifest = json.loads(path.read_text())
    manifest["format"] = 4  # the format before the vocabulary was saved as arrays
    manifest["checksum"] = manifest_checksum(manifest)
    path.write_text(json.dumps(manifest))
    caplog.set_level(logging.INFO)
    archive = Archive(saved)
    archive.ask("pipeline")
    (line,) = warnings_from_indexer(caplog)
    assert "format 4 of an older briefbot" in line and "rebuilding it" in line
    assert json.loads(path.read_text())["format"] == FORMAT_VERSION
    again = Archive(saved)
    again.index()
    assert again.indexer.last_sync["action"] == "loaded"
    assert_exact(again)


def test_a_save_that_fails_leaves_no_folder_behind(tmp_path: Path) -> None:
    # A save that fails midway (here an array numpy will not write; on a bot, a full disk)
    # removes what it wrote: a bot retrying every few seconds filled the disk with them.
    arrays = {"ids": np.arange(3), "bad": np.array([object()], dtype=object)}
    with pytest.raises(ValueError):
        cache._write_folder(tmp_path, "segment", arrays, {})
    assert list(tmp_path.iterdir()) == []
