"""The index's life: loaded from its cache, caught up with the database, saved back.

SQLite is the one source of truth; the index is derived from it. At open the saved index
(``retrieval/search/cache.py``) is read and checked against the database: the same archive, no newer
than it, saved by the same analyzer and BM25 parameters. Passages added since (ids above the last
one it holds) are tokenized into a new segment; passages deleted since (the ``passage_deletions``
log) are marked dead. Only a cache that fails its checks, or none at all, means reading every
passage again. Every change is saved back so the next process starts where this one stopped.

Each passage carries its brief's id and its filter fields (publication, volume, issue, date) as
columns of the index, so a filter costs as much as the candidates it is applied to and nothing is
re-read from SQLite at start.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.answering.filters import BRIEF, COLUMNS, PUBLICATION
from retrieval.answering.ranking import derive_briefs
from retrieval.corpus.store import Store
from retrieval.errors import IndexCacheError
from retrieval.passage_rows import (
    RowBatch,
    date_bytes,
    folded_publication,
    read_passages,
    row_batch,
    storable,
    texts_of,
    worker_command,
)
from retrieval.search.bm25 import AnyArray, BM25Params
from retrieval.search.cache import load_index, save_index, write_segment
from retrieval.search.index import BM25Index
from retrieval.search.memory import release_freed_memory
from retrieval.search.segments import Segment, SegmentBuilder
from retrieval.search.vocabulary import TermNumbers
from retrieval.text.analyzer import ANALYZER_VERSION, BatchCounts, analyze

logger = logging.getLogger(__name__)

# Passages per segment when many are indexed at once: bounds the memory of a build.
CHUNK = 200_000
# Passages read from SQLite (and sent to an analyzer process) at a time.
BATCH = 5_000
# New passages from which tokenizing in worker processes pays for starting them.
PARALLEL_MIN = 20_000


class Indexer:
    """Keeps one store's BM25 index current; thread-safe.

    Args:
        store: the store the index is derived from.
        params: BM25 parameters.
        cache_dir: where the index is saved (None: kept in memory only).
        workers: processes that tokenize a large build (None: one per CPU from PARALLEL_MIN new
            passages on, else none).
    """

    def __init__(
        self,
        store: Store,
        params: BM25Params,
        *,
        cache_dir: Path | None,
        workers: int | None = None,
    ):
        self.store = store
        self.workers = workers
        self.params = params
        self.cache_dir = cache_dir
        self.last_sync: dict[str, Any] = {}
        self._index: BM25Index | None = None
        self._database: dict[str, Any] = {}
        self._marker: tuple[int, int, int] | None = None
        self._lock = threading.Lock()
        self._checksummed = 0
        # Called when the index was built or caught up, before its brief map is worked out and it
        # is saved: the owner drops what it kept for the old index, whose arrays are then freed
        # before the new ones are added to them (the bot's peak memory).
        self.on_change: Callable[[], None] | None = None

    def current(self, progress: Callable[[int, int], None] | None = None) -> BM25Index:
        """Return the index of the database as it is now, catching up first if it changed.

        The check is one small query; catching up costs what was added or removed since.
        ``progress(done, total)`` is called as passages are tokenized, if any are.
        """
        with self._lock:
            if self._index is None or self.store.change_marker() != self._marker:
                self._sync(progress)
            assert self._index is not None
            return self._index

    def _sync(self, progress: Callable[[int, int], None] | None = None) -> None:
        started = time.perf_counter()
        state = self.store.index_state()
        action = "unchanged"
        if self._index is None:
            saved = self._load()
            if saved is not None:
                self._index, self._database = saved
                action = "loaded"
        if self._index is not None:
            problem = _mismatch(self._database, state, self.store)
            if problem:
                logger.warning(
                    "index cache %s %s; rebuilding it from the database", self.cache_dir, problem
                )
                self._index = None
        if self._index is None:
            action = "built"
        elif self._database != _marker_fields(state):
            action = "caught up"
        if action in ("built", "caught up"):
            self._index = self._catch_up(state, progress)
        assert self._index is not None
        marker = (state["generation"], state["last_passage_id"], state["last_deletion"])
        if self.store.change_marker() == marker and self._index.size != state["passages"]:
            # Nothing was written while we read, so the index must hold what the database holds.
            logger.warning(
                "index holds %d passages but the database %d; rebuilding it from the database",
                self._index.size,
                state["passages"],
            )
            self._index = None
            self._index = self._catch_up(state)
            action = "built"
        self._marker = marker
        if action in ("built", "caught up"):
            if self.on_change is not None:
                self.on_change()
            if self.cache_dir is not None:
                # Saved with the index: the next process need not work them out again.
                derive_briefs(self._index)
                self._save()
            release_freed_memory()
        self.last_sync = {
            "action": action,
            "passages": self._index.size,
            "segments": len(self._index.segments),
            "seconds": round(time.perf_counter() - started, 3),
        }
        if action == "loaded":
            # Files read in full to check them; the others carried a stamp (cache.load_index).
            self.last_sync["files_checksummed"] = self._checksummed
            logger.info(
                "index loaded from %s (%d passages, %.2f s)",
                self.cache_dir,
                self._index.size,
                self.last_sync["seconds"],
            )

    def _load(self) -> tuple[BM25Index, dict[str, Any]] | None:
        """Return the saved index and its database state, or None (logged) to rebuild."""
        if self.cache_dir is None:
            return None
        for attempt in range(3):
            before = _manifest_stamp(self.cache_dir)
            try:
                saved = load_index(self.cache_dir, params=self.params, analyzer=ANALYZER_VERSION)
            except IndexCacheError as exc:
                if attempt < 2 and _manifest_stamp(self.cache_dir) != before:
                    continue  # a writer replaced the cache while we read it: read the new one
                logger.warning(
                    "index cache %s is unusable (%s); rebuilding it from the database",
                    self.cache_dir,
                    exc,
                )
                return None
            if saved is None:
                logger.info("no index cache at %s yet; building it", self.cache_dir)
                return None
            self._checksummed = saved.checksummed
            return saved.index, saved.database
        return None

    def _catch_up(
        self, state: dict[str, Any], progress: Callable[[int, int], None] | None = None
    ) -> BM25Index:
        """Return the index (or a new one) brought up to ``state``: new passages added, deleted
        ones dropped; records the database state it now reflects."""
        if self._index is None:
            base = BM25Index({}, [], self.params)
            since = {"last_passage_id": 0, "last_deletion": state["last_deletion"]}
        else:
            base = self._index
            since = self._database
        deleted = self.store.deleted_passages(since["last_deletion"], state["last_deletion"])
        labels = {PUBLICATION: list(base.labels.get(PUBLICATION, []))}
        collector = _Collector(base.builder(), labels[PUBLICATION], self._write_ahead)
        segments: list[Segment] = []
        last_read = since["last_passage_id"]
        workers = self.workers
        if workers is None:
            expected = state["passages"] - base.size
            workers = (os.cpu_count() or 1) if expected >= PARALLEL_MIN else 1
        total = max(state["passages"] - base.size, 0)
        done = 0
        if workers > 1:
            vocab = collector.builder.vocab
            # A filled segment is sorted into its postings in a thread (numpy lets go of the
            # interpreter meanwhile) while the workers' next batches are gathered here: they
            # would otherwise wait for it, their answers unread.
            with ThreadPoolExecutor(max_workers=1) as sorting:
                built: list[Future[Segment]] = []
                for batch, counts in _counted(self.store, since["last_passage_id"], workers, vocab):
                    collector.add_counted(batch, counts, built, sorting)
                    if len(batch):
                        last_read = max(last_read, int(batch.ids[-1]))
                    done += len(batch)
                    if progress is not None:
                        progress(done, max(total, done))
                segments = [future.result() for future in built]
        else:
            for rows, token_lists, titles in _tokenized(self.store, since["last_passage_id"]):
                for row, tokens, title in zip(rows, token_lists, titles, strict=True):
                    collector.add(row, tokens, title)
                    if len(collector.builder) >= CHUNK:
                        segments.append(collector.segment())
                last_read = rows[-1][0]
                done += len(rows)
                if progress is not None:
                    progress(done, max(total, done))
        if len(collector.builder):
            segments.append(collector.segment())
        self._database = _marker_fields(state)
        self._database["last_passage_id"] = max(last_read, state["last_passage_id"])
        if segments or deleted:
            vocab = collector.builder.vocab
            return base.appended(vocab, segments, deleted=deleted, labels=labels)
        return base

    def _write_ahead(self, segment: Segment) -> None:
        """Write a segment just built into the cache, for ``_save`` to list rather than write
        (the save of a big build then overlaps its counting); a failure leaves it to ``_save``."""
        if self.cache_dir is None or self.store.read_only:
            return
        try:
            write_segment(self.cache_dir, segment)
        except OSError as exc:
            logger.debug("segment not written ahead into %s (%s)", self.cache_dir, exc)

    def _save(self) -> None:
        assert self._index is not None and self.cache_dir is not None
        if self.store.read_only:
            logger.debug("archive is read-only (%s): index kept in memory", self.store.read_only)
            return
        _, last_passage_id, last_deletion = self.store.change_marker()
        now = {
            "archive_id": self._database["archive_id"],
            "last_passage_id": last_passage_id,
            "last_deletion": last_deletion,
        }
        try:
            save_index(
                self.cache_dir,
                self._index,
                database=self._database,
                analyzer=ANALYZER_VERSION,
                database_now=now,
            )
        except OSError as exc:
            logger.warning(
                "could not save the index cache %s (%s); answering from memory", self.cache_dir, exc
            )


def _tokenized(
    store: Store, after_id: int
) -> Iterator[tuple[list[tuple[Any, ...]], list[list[str]], list[list[str] | None]]]:
    """Yield the passages after ``after_id`` in batches: their rows (without text and title),
    their tokens and their title's tokens (None but on a brief's first passage), tokenized here.
    """
    for rows in _batches(store, after_id):
        yield (
            [_meta(r) for r in rows],
            [analyze(r[1]) for r in rows],
            [analyze(r[7]) if r[7] else None for r in rows],
        )


def _batches(store: Store, after_id: int) -> Iterator[list[tuple[Any, ...]]]:
    """Yield the stored rows of the passages after ``after_id``, ``BATCH`` at a time."""
    last = after_id
    while rows := read_passages(store.db.conn, last, limit=BATCH):
        yield rows
        last = rows[-1][0]


def _ranges(store: Store, after_id: int) -> Iterator[tuple[int, int | None]]:
    """Yield ranges ``(after, upto)`` of passage ids holding ``BATCH`` passages each, from
    ``after_id`` on; the last one has no end (``upto`` None), so passages added meanwhile are
    read too. Each bound is one step through the passages' id index, not a read of rows."""
    after = after_id
    while True:
        row = store.db.execute(
            "SELECT id FROM passages WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?",
            [after, BATCH - 1],
        ).fetchone()
        if row is None:
            yield after, None
            return
        yield after, int(row[0])
        after = int(row[0])


def _counted(
    store: Store, after_id: int, workers: int, vocab: TermNumbers
) -> Iterator[tuple[RowBatch, BatchCounts]]:
    """Yield the passages after ``after_id`` in batches: their columns and the counts of their
    texts' and titles' tokens, counted by ``workers`` processes (``CountingPool``), terms
    numbered in ``vocab``.

    The workers read the passages of a database file themselves, a range of ids each
    (``_ranges``); an archive in memory has its texts read here and sent to them. Either way a
    batch's texts are counted in passage order, each passage's title (on a brief's first
    passage) right after its text: the order ``SegmentBuilder.add`` meets them in, so new terms
    are numbered as it numbers them.
    """
    # Imported here: a start that loads the saved index never starts workers.
    from retrieval.search.workers import CountingPool

    path = store.path
    if path is not None and str(path) != ":memory:":
        with CountingPool(workers, vocab, command=worker_command(Path(path))) as pool:
            for arrays, publications, counts in pool.map_ranges(_ranges(store, after_id)):
                yield RowBatch.sent(arrays, publications), counts
        return
    pending: deque[list[tuple[Any, ...]]] = deque()

    def texts() -> Iterator[list[str]]:
        for rows in _batches(store, after_id):
            pending.append(rows)
            yield texts_of(rows)

    with CountingPool(workers, vocab) as pool:
        for counts in pool.map(texts()):
            yield row_batch(pending.popleft()), counts


def _meta(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Return ``(id, brief_id, publication, volume, issue, date, has_title)`` of a stored row."""
    return (row[0], *row[2:7], bool(row[7]))


class _Collector:
    """Gathers tokenized passages and their filter columns into one segment at a time.

    ``built``, if given, is handed each segment that ``segment_by`` builds, in the thread that
    builds it (the indexer writes it into the cache there).
    """

    def __init__(
        self,
        builder: SegmentBuilder,
        publications: list[str],
        built: Callable[[Segment], None] | None = None,
    ):
        self.builder = builder
        self._built = built
        self.publications = publications
        self._codes = {name: n for n, name in enumerate(publications)}
        # Per column: values added one by one (``add``), or arrays of batches (``add_counted``).
        self._values: dict[str, list[Any]] = {name: [] for name in COLUMNS}
        self._parts: dict[str, list[AnyArray]] = {name: [] for name in COLUMNS}

    def add(self, row: tuple[Any, ...], tokens: list[str], title: list[str] | None) -> None:
        """Add one passage (a row from ``_meta``), its tokens and its title's tokens."""
        pid, brief_id, publication, volume, issue, date, _ = row
        self.builder.add(pid, tokens, title)
        columns = self._values
        columns[BRIEF].append(brief_id)
        columns[PUBLICATION].append(self._code(folded_publication(publication)))
        columns["volume"].append(storable(volume))
        columns["issue"].append(storable(issue))
        columns["date"].append(date_bytes(date))

    def add_counted(
        self,
        batch: RowBatch,
        counts: BatchCounts,
        segments: list[Future[Segment]],
        sorting: Executor,
    ) -> None:
        """Add a batch of stored passages (their columns) and the counts of their texts and
        titles (``_counted``); each segment filled on the way, cut where ``add`` would have cut
        it, is built by ``sorting`` and appended to ``segments``."""
        n = len(batch)
        has_title = batch.has_title
        # Each passage's place among the batch's texts (a title follows its passage).
        at = np.arange(n) + np.cumsum(has_title) - has_title
        is_title = np.zeros(len(counts.lengths), dtype=bool)
        is_title[at[has_title] + 1] = True
        owner = np.cumsum(~is_title) - 1
        lengths = counts.lengths[at]
        title_len = np.zeros(n, dtype=np.int32)
        title_len[has_title] = counts.lengths[at[has_title] + 1]
        of_title = is_title[counts.docs]
        passage = owner[counts.docs]
        body = (passage[~of_title], counts.terms[~of_title], counts.tfs[~of_title])
        title = (passage[of_title], counts.terms[of_title], counts.tfs[of_title])
        columns: dict[str, AnyArray] = {
            BRIEF: batch.brief,
            # Numbered in order of first occurrence, as ``add`` numbers them.
            PUBLICATION: np.asarray(
                [self._code(name) for name in batch.publications], dtype=np.int32
            )[batch.publication]
            if n
            else batch.publication,
            "volume": batch.volume,
            "issue": batch.issue,
            "date": batch.date,
        }
        # New terms are numbered in order of first occurrence: a segment cut inside the batch
        # covers the terms known before it and the new ones its passages bring.
        known = len(self.builder.vocab) - len(counts.new)
        start = 0
        while start < n:
            end = min(n, start + CHUNK - len(self.builder))
            self.builder.add_counted(
                batch.ids[start:end],
                lengths[start:end],
                _rows_between(body, start, end),
                title_len[start:end],
                _rows_between(title, start, end),
            )
            for name, values in columns.items():
                self._parts[name].append(values[start:end])
            if len(self.builder) >= CHUNK:
                # Every text of passages up to ``end`` (a title right after its passage).
                texts = at[end] if end < n else len(counts.lengths)
                brought = counts.terms[: np.searchsorted(counts.docs, texts)]
                n_terms = max(known, int(brought.max()) + 1 if len(brought) else 0)
                segments.append(self.segment_by(sorting, n_terms))
            start = end

    def _code(self, folded: str) -> int:
        """Return the number of a casefolded publication, numbering it if new."""
        code = self._codes.get(folded)
        if code is None:
            code = self._codes[folded] = len(self.publications)
            self.publications.append(folded)
        return code

    def segment(self, n_terms: int | None = None) -> Segment:
        """Return the segment of the passages added since the last one; start the next.

        ``n_terms``: the terms it covers (default: the vocabulary's size).
        """
        return self._taken(n_terms)()

    def segment_by(self, sorting: Executor, n_terms: int) -> Future[Segment]:
        """Return the segment of the passages added since the last one (covering ``n_terms``
        terms), to be built by ``sorting`` and handed to ``built`` there; start the next."""
        build = self._taken(n_terms)
        handed = self._built

        def built() -> Segment:
            segment = build()
            if handed is not None:
                handed(segment)
            return segment

        return sorting.submit(built)

    def _taken(self, n_terms: int | None) -> Callable[[], Segment]:
        """Return the build of the passages added since the last segment, to be called; start
        the next segment."""
        arrays = {}
        for name, dtype in COLUMNS.items():
            parts = self._parts[name]
            if self._values[name] or not parts:
                parts = [*parts, np.asarray(self._values[name], dtype=dtype)]
            arrays[name] = parts[0] if len(parts) == 1 else np.concatenate(parts)
        builder = self.builder
        self.builder = SegmentBuilder(builder.vocab, builder.first + len(builder))
        self._values = {name: [] for name in COLUMNS}
        self._parts = {name: [] for name in COLUMNS}
        return lambda: builder.build(arrays, n_terms=n_terms)


def _rows_between(
    postings: tuple[np.ndarray, np.ndarray, np.ndarray], start: int, end: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the ``(passage, term, tf)`` postings of passages ``start .. end - 1`` (passages
    ascending), passages counted from ``start``."""
    passage, terms, tfs = postings
    lo, hi = np.searchsorted(passage, [start, end])
    return passage[lo:hi] - start, terms[lo:hi], tfs[lo:hi]


def _marker_fields(state: dict[str, Any]) -> dict[str, Any]:
    """Return the part of a database state that a saved index records."""
    keys = ("archive_id", "generation", "change_token", "last_passage_id", "last_deletion")
    return {k: state[k] for k in keys}


def _mismatch(saved: dict[str, Any], state: dict[str, Any], store: Store) -> str | None:
    """Return why an index saved for ``saved`` cannot be caught up to ``state``, or None.

    Row counts and ids alone cannot tell: a database restored from a backup and written to
    again reaches the same counts with other content. The change token of the generation the
    index was saved at must be the one this database logged (``Store.history_problem``).
    """
    try:
        if saved["archive_id"] != state["archive_id"]:
            return "belongs to another database"
        if any(saved[k] > state[k] for k in ("generation", "last_passage_id", "last_deletion")):
            return "is newer than the database (was the database restored from a backup?)"
        if saved["change_token"] == state["change_token"]:
            return None
        return store.history_problem(int(saved["generation"]), str(saved["change_token"]))
    except (KeyError, TypeError, ValueError):
        return "does not say which database state it holds"


def _manifest_stamp(folder: Path) -> tuple[int, int] | None:
    """Return (inode, mtime) of the cache's params.json, to notice it being replaced."""
    try:
        st = (folder / "params.json").stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns
