"""BM25 over stored passages: ranked hits whose scores equal rank-bm25's ``BM25Okapi``.

The index is a list of immutable segments (``retrieval/search/segments.py``), each an inverted file
over a run of consecutive passages. Answering a question touches only the postings of the question's
terms, so its cost grows with how common those terms are, not with the archive; the accumulators
it adds into are allocated once per index and cleared through the postings they touched.

The statistics always cover the whole archive: the number of live passages, their average length
and every term's document frequency are kept across segments, and passages deleted since a segment
was written (a changed brief replaces its passages) drop out of both the statistics and the results.

The formula is rank-bm25's, operation for operation (``retrieval/search/bm25.py``); a term
repeated in the question counts once per repetition. "No match" is decided by shared terms, never
by a score, because a score can be 0 or negative for a real match.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from typing import Any

import numpy as np

from retrieval.errors import EmptyArchiveError
from retrieval.search.bm25 import (
    Allowed,
    AnyArray,
    BM25Params,
    BoolArray,
    FloatArray,
    Int32Array,
    IntArray,
    corpus_idf,
    length_norm,
    posting_scores,
)
from retrieval.search.maxscore import pruned_candidates
from retrieval.search.segments import (
    Segment,
    SegmentBuilder,
    compact_segment,
    merge_segments,
)
from retrieval.search.vocabulary import TermNumbers

# Growth appends a segment and merges the tail while the newest segment is at least half the size
# of the one before it, so segments grow geometrically and stay few; past MAX_TAIL small segments
# the last two merge anyway. A segment of SEALED_DOCS passages or more is never merged again (a
# merge costs memory in proportion to its postings), so a big archive is a run of sealed segments
# and a short tail. When a quarter of the passages are deleted, every segment is compacted (its
# dead passages dropped and positions renumbered), one segment at a time.
SEALED_DOCS = 100_000
MAX_TAIL = 8
COMPACT_DELETED_SHARE = 0.25
# A term with this many postings or more, read in full, has its scores looked up in a table by
# frequency and passage length (``BM25Index._score_table``) rather than worked out posting by
# posting; the table covers frequencies below TABLE_TFS and lengths below TABLE_LENGTH.
TABLE_POSTINGS = 16_384
TABLE_TFS = 64
TABLE_LENGTH = 4_096


class BM25Index:
    """An inverted index over tokenized passages that scores exactly as rank-bm25 does.

    Positions number the passages in id order across segments; ``ids[position]`` is the stored id.

    Args:
        vocab: term -> term number.
        segments: the segments, in position order, covering positions ``0 .. n - 1``.
        params: BM25 parameters.
        live: which positions are still in the archive (None: all of them).
        df: every term's number of live passages, if known (else counted from the segments).
        labels: the value lists of coded columns (e.g. publication names), kept with the index.
        derived: arrays worked out from the whole index by its users (e.g. which brief each
            position belongs to), saved with it and loaded back (``retrieval/search/cache.py``),
            so that the next process need not work them out again.
    """

    def __init__(
        self,
        vocab: TermNumbers,
        segments: Sequence[Segment],
        params: BM25Params | None = None,
        *,
        live: BoolArray | None = None,
        df: IntArray | None = None,
        labels: dict[str, list[str]] | None = None,
        derived: dict[str, AnyArray] | None = None,
    ):
        self.vocab = vocab
        self.derived: dict[str, AnyArray] = derived or {}
        self.segments = list(segments)
        self.params = params or BM25Params()
        self.labels = labels or {}
        self.n_positions = self.segments[-1].end if self.segments else 0
        self.ids: IntArray = _joined(self.segments, "ids", np.int64)
        self.doc_len: Int32Array = _joined(self.segments, "doc_len", np.int32)
        self.live = live
        if live is None:
            self.size = self.n_positions
            total = int(self.doc_len.sum(dtype=np.int64))
        else:
            self.size = int(np.count_nonzero(live))
            total = int(self.doc_len[live].sum(dtype=np.int64))
        # Python's int / int, as rank-bm25 computes its average (exactly rounded).
        self.avgdl = total / self.size if self.size else 0.0
        n_terms = len(vocab)
        if df is None:
            df = np.zeros(n_terms, dtype=np.int64)
            for seg in self.segments:
                df += (
                    seg.term_counts(n_terms)
                    if live is None
                    else seg.live_term_counts(live, n_terms)
                )
        self.df = df
        self.idf = self._idf()
        self.norm: FloatArray = length_norm(
            self.doc_len.astype(np.float64), self.avgdl, self.params
        )
        self._buffers_lock = threading.Lock()
        self._acc: FloatArray | None = None
        self._touched: BoolArray | None = None
        # Kept by pruning (``maxscore.term_bound``): an index never changes, so neither do these.
        self.term_maxima: dict[int, float] = {}

    def _idf(self) -> FloatArray:
        """Return rank-bm25's idf for every term, with its epsilon floor for negative values."""
        idf = np.zeros(len(self.df), dtype=np.float64)
        present = self.df > 0
        if present.any():
            df = self.df[present].astype(np.float64)
            idf[present] = corpus_idf(self.size, df, self.params.epsilon)
        return idf

    # -- building --------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        token_lists: Iterable[Sequence[str]],
        ids: Sequence[int] | IntArray,
        params: BM25Params | None = None,
        *,
        columns: dict[str, AnyArray] | None = None,
    ) -> BM25Index:
        """Return an index over ``token_lists``, the i-th list belonging to passage ``ids[i]``.

        ``ids`` must be ascending.
        """
        vocab: dict[str, int] = {}
        builder = SegmentBuilder(vocab, 0)
        for pid, tokens in zip(ids, token_lists, strict=True):
            builder.add(int(pid), tokens)
        segments = [builder.build(columns)] if len(builder) else []
        return cls(vocab, segments, params)

    def grown(
        self,
        passages: Iterable[tuple[int, Sequence[str]]],
        *,
        columns: dict[str, AnyArray] | None = None,
        deleted: Iterable[int] = (),
        labels: dict[str, list[str]] | None = None,
    ) -> BM25Index:
        """Return a new index with ``passages`` (``(id, tokens)``, ids above any held) appended
        and the passages whose ids are in ``deleted`` removed.

        Only the new passages are tokenized and written; unchanged segments are shared with this
        index, which stays valid (a question running on it in another thread is not disturbed).
        """
        builder = self.builder()
        for pid, tokens in passages:
            builder.add(pid, tokens)
        new = [builder.build(columns)] if len(builder) else []
        return self.appended(builder.vocab, new, deleted=deleted, labels=labels)

    def builder(self) -> SegmentBuilder:
        """Return a builder for the segment that would follow this index's last one.

        It numbers new terms in a copy of this index's vocabulary (``builder.vocab``), so this
        index is left as it is.
        """
        return SegmentBuilder(self.vocab.copy(), self.n_positions)

    def appended(
        self,
        vocab: TermNumbers,
        segments: Sequence[Segment],
        *,
        deleted: Iterable[int] = (),
        labels: dict[str, list[str]] | None = None,
    ) -> BM25Index:
        """Return a new index with ``segments`` appended (built in order from ``builder()``, with
        ``vocab`` their extended vocabulary) and the passages with ids in ``deleted`` removed.

        Segments may be merged on the way (see SEALED_DOCS); statistics are updated from the
        counts of the new segments, and recounted only when passages were deleted.
        """
        all_segments = list(self.segments)
        live = self.live.copy() if self.live is not None else np.ones(self.n_positions, bool)
        df = np.zeros(len(vocab), dtype=np.int64)
        df[: len(self.df)] = self.df
        for segment in segments:
            all_segments.append(segment)
            df += segment.term_counts(len(vocab))
        if segments:
            live = np.concatenate([live, np.ones(all_segments[-1].end - len(live), dtype=bool)])
        all_ids = _concat([self.ids] + [s.ids for s in segments], np.int64)
        gone = _positions_of(all_ids, deleted)
        gone = gone[live[gone]]
        live[gone] = False
        if len(gone):
            df -= _dead_term_counts(all_segments, gone, len(live), len(vocab))
        all_segments, live = _merge_tail(all_segments, live, len(vocab))
        return BM25Index(
            vocab,
            all_segments,
            self.params,
            live=None if live.all() else live,
            df=df,
            labels=labels if labels is not None else self.labels,
        )

    # -- reading ---------------------------------------------------------------------------

    @property
    def postings(self) -> int:
        """Return the number of postings of live passages."""
        return int(self.df.sum())

    @property
    def n_terms(self) -> int:
        """Return the number of distinct terms in live passages."""
        return int(np.count_nonzero(self.df))

    @cached_property
    def columns(self) -> Mapping[str, AnyArray]:
        """Return the per-passage columns (filter fields) over positions; a column's segments
        are joined when it is first read."""
        return _Columns(self.segments)

    @cached_property
    def title_len(self) -> Int32Array:
        """Return per position the length of its brief's title if it is the brief's first
        passage, else 0."""
        return _joined(self.segments, "title_len", np.int32)

    def title_postings(self, term: str) -> tuple[IntArray, IntArray]:
        """Return the positions whose brief's title holds ``term`` (a title is filed under its
        brief's first passage) and how often, for live passages only."""
        return self._gather(term, "title_offsets", "title_docs", "title_tfs")

    def term_postings(self, term: str) -> tuple[IntArray, IntArray]:
        """Return the live positions whose passage holds ``term`` and how often, ascending."""
        return self._gather(term, "offsets", "docs", "tfs")

    def _gather(
        self, term: str, offsets_name: str, docs_name: str, tfs_name: str
    ) -> tuple[IntArray, IntArray]:
        """Return one kind of postings of ``term`` over every segment, live positions only."""
        tid = self.vocab.get(term)
        docs: list[AnyArray] = []
        tfs: list[AnyArray] = []
        if tid is not None:
            for seg in self.segments:
                if tid < seg.n_terms:
                    offsets = getattr(seg, offsets_name)
                    start, end = offsets[tid], offsets[tid + 1]
                    if start < end:
                        docs.append(getattr(seg, docs_name)[start:end])
                        tfs.append(getattr(seg, tfs_name)[start:end])
        if not docs:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        positions = np.concatenate(docs).astype(np.int64)
        counts = np.concatenate(tfs).astype(np.int64)
        if self.live is not None:
            alive = self.live[positions]
            positions, counts = positions[alive], counts[alive]
        return positions, counts

    def known_terms(self, query: Sequence[str]) -> list[str]:
        """Return the distinct terms of ``query`` that occur in at least one passage, in order."""
        return list(dict.fromkeys(t for t in query if self._tid(t) is not None))

    def term_idf(self, term: str) -> float:
        """Return the idf the index gives ``term`` (0.0 for a term no passage holds)."""
        tid = self._tid(term)
        return float(self.idf[tid]) if tid is not None else 0.0

    def _tid(self, term: str) -> int | None:
        tid = self.vocab.get(term)
        return tid if tid is not None and self.df[tid] > 0 else None

    # -- scoring ---------------------------------------------------------------------------

    def score(self, query: Sequence[str]) -> tuple[IntArray, FloatArray]:
        """Return the positions (ascending) of live passages sharing a term with ``query``, and
        their scores.

        Passages that share no term with the query are left out, whatever their score would be.

        Raises:
            EmptyArchiveError: if the archive holds no passage.
        """
        return self._scored(query, ordered=True)

    def _scored(self, query: Sequence[str], *, ordered: bool) -> tuple[IntArray, FloatArray]:
        """Return ``score(query)``, the positions ascending only if ``ordered``."""
        if self.size == 0:
            raise EmptyArchiveError("the archive is empty — run briefbot ingest")
        tids = [tid for tid in map(self._tid, query) if tid is not None]
        if not tids:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        if len(set(tids)) == 1:
            positions, scores = self._single_term(tids[0], len(tids))
        else:
            positions, scores = self._accumulate(tids, ordered=ordered)
        if self.live is not None:
            alive = self.live[positions]
            positions, scores = positions[alive], scores[alive]
        return positions, scores

    def _single_term(self, tid: int, repeat: int) -> tuple[IntArray, FloatArray]:
        """Return the positions and scores of one term: its postings, no accumulator needed."""
        parts = self.term_weights(tid)
        if not parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        positions = np.concatenate([docs for docs, _ in parts]).astype(np.int64)
        weights = np.concatenate([w for _, w in parts])
        scores = weights
        for _ in range(repeat - 1):
            scores = scores + weights  # as rank-bm25 adds a repeated term, not repeat * weight
        return positions, scores

    def _accumulate(self, tids: list[int], *, ordered: bool) -> tuple[IntArray, FloatArray]:
        """Return the positions holding any of the terms (ascending if ``ordered``), and their
        summed scores."""
        weights = {tid: self.term_weights(tid) for tid in tids}
        postings = sum(len(docs) for parts in weights.values() for docs, _ in parts)
        # The passages touched are found either by scanning a flag per passage (a pass over the
        # archive, in order) or by collecting each term's not-yet-seen postings (a pass over the
        # postings, in no order); scanning pays only when the postings are most of the archive.
        scan = ordered and postings * 8 > self.n_positions
        with self.buffers() as (acc, touched):
            found: list[IntArray] = []
            for tid in tids:
                # rank-bm25 adds a repeated query term once per repetition, in question order;
                # adding in the same order gives the same rounding.
                for docs, w in weights[tid]:
                    # Each passage once per term: np.add.at adds as ``acc[docs] += w``, faster.
                    np.add.at(acc, docs, w)
                    if not scan:
                        found.append(docs[~touched.take(docs)])
                    touched[docs] = True
            if scan:
                positions = np.flatnonzero(touched)
            else:
                positions = np.concatenate(found).astype(np.int64)
                if ordered:
                    positions.sort()
            scores = acc[positions]
            acc[positions] = 0.0
            touched[positions] = False
        return positions, scores

    @contextlib.contextmanager
    def buffers(self) -> Iterator[tuple[FloatArray, BoolArray]]:
        """Lend a score accumulator and a flag per position, all zero; return them all zero.

        The index keeps one pair, allocated on first use; a thread that finds it lent gets a
        fresh pair instead of waiting.
        """
        if not self._buffers_lock.acquire(blocking=False):
            yield (
                np.zeros(self.n_positions, dtype=np.float64),
                np.zeros(self.n_positions, dtype=bool),
            )
            return
        try:
            if self._acc is None or self._touched is None:
                self._acc = np.zeros(self.n_positions, dtype=np.float64)
                self._touched = np.zeros(self.n_positions, dtype=bool)
            try:
                yield self._acc, self._touched
            except BaseException:
                # The borrower may have left marks; clear them all rather than score wrongly.
                self._acc.fill(0.0)
                self._touched.fill(False)
                raise
        finally:
            self._buffers_lock.release()

    def term_weights(
        self,
        tid: int,
        *,
        where: BoolArray | None = None,
        few: AnyArray | None = None,
        held: FloatArray | None = None,
    ) -> list[tuple[Any, FloatArray]]:
        """Return, per segment, the positions holding term ``tid`` and the term's score there;
        only at positions flagged in ``where`` if given, found by searching for each of the
        ascending int32 positions ``few`` (those flagged) when given as well; only where
        ``held`` is not 0, if given instead. Positions found by searching are int32, a part per
        segment; the others int64, all segments' joined in one part (ascending, as segments
        follow each other)."""
        idf = self.idf[tid]
        if few is None:
            table: FloatArray | None = None
            if where is None and held is None and self.df[tid] >= TABLE_POSTINGS:
                max_tf = max(int(s.max_tf[tid]) for s in self.segments if tid < s.n_terms)
                table = self._score_table(idf, max_tf)
            return self._joined_weights(tid, idf, table, where, held)
        parts: list[tuple[Any, FloatArray]] = []
        for seg in self.segments:
            if tid >= seg.n_terms:
                continue
            start, end = seg.offsets[tid], seg.offsets[tid + 1]
            if start == end:
                continue
            docs = seg.docs[start:end]
            lo, hi = np.searchsorted(few, (seg.first, seg.end)).tolist()
            keys = few[lo:hi]
            at = np.minimum(docs.searchsorted(keys), len(docs) - 1)
            hit = docs[at] == keys
            docs, tfs = keys[hit], seg.tfs[start:end][at[hit]]
            parts.append((docs, self._scores(idf, tfs, docs)))
        return parts

    def _joined_weights(
        self,
        tid: int,
        idf: float,
        table: FloatArray | None,
        where: BoolArray | None,
        held: FloatArray | None,
    ) -> list[tuple[Any, FloatArray]]:
        """Return ``term_weights`` read in full (only where flagged in ``where``, or where
        ``held`` is not 0, if given): every segment's postings in one part, so that each step
        is one pass, not one per segment."""
        docs_parts: list[AnyArray] = []
        tfs_parts: list[AnyArray] = []
        for seg in self.segments:
            if tid < seg.n_terms:
                start, end = seg.offsets[tid], seg.offsets[tid + 1]
                if start < end:
                    docs_parts.append(seg.docs[start:end])
                    tfs_parts.append(seg.tfs[start:end])
        if not docs_parts:
            return []
        # The positions are gathered from and added at in 64 bits, which ``take`` and
        # ``np.add.at`` use as they are (32-bit ones are converted at every call, slower).
        docs = np.concatenate(docs_parts, dtype=np.int64)
        tfs = tfs_parts[0] if len(tfs_parts) == 1 else np.concatenate(tfs_parts)
        if where is not None:
            hit = where.take(docs)
            docs, tfs = docs[hit], tfs[hit]
        elif held is not None:
            hit = held.take(docs) != 0
            docs, tfs = docs[hit], tfs[hit]
        if table is not None:
            return [(docs, self._table_scores(table, tfs, docs))]
        return [(docs, self._scores(idf, tfs, docs))]

    def _scores(self, idf: float, tfs: AnyArray, docs: Any) -> FloatArray:
        """Return the scores of a term of idf ``idf`` at ``docs`` with frequencies ``tfs``."""
        return posting_scores(idf, tfs, self.norm.take(docs), self.params.k1)

    def _table_scores(self, table: FloatArray, tfs: AnyArray, docs: Any) -> FloatArray:
        """Return the scores of a term at ``docs`` with frequencies ``tfs``, looked up in its
        ``table`` (``_score_table``) by frequency and passage length."""
        key = tfs.astype(np.int32)
        key *= self._table_width
        key += self._short_len.take(docs)
        return table.take(key)

    def _score_table(self, idf: float, max_tf: int) -> FloatArray | None:
        """Return the scores of a term of idf ``idf`` for every frequency up to ``max_tf`` and
        every passage length, flat (frequency times ``_table_width`` plus length), or None when
        there is no such table (passages too long, or frequencies too high).

        Each entry is ``posting_scores``'s floats for that frequency and length, operation for
        operation, so a lookup gives the score the postings would be given. A common term's
        postings then gather 16-bit lengths (and a few kilobytes of table) instead of the 64-bit
        normalisation of a million passages, most of whose memory they touch.
        """
        base = self._saturation
        if base is None or max_tf >= len(base):
            return None
        table: FloatArray = base[: max_tf + 1].ravel() * idf
        return table

    @cached_property
    def _saturation(self) -> FloatArray | None:
        """Return ``tf * (k1 + 1) / (tf + norm)`` for every frequency below TABLE_TFS and every
        passage length (rows by frequency), or None if passages are longer than TABLE_LENGTH."""
        width = self._table_width
        if not width:
            return None
        norm = length_norm(np.arange(width, dtype=np.float64), self.avgdl, self.params)
        tf = np.arange(TABLE_TFS, dtype=np.float64)[:, None]
        # As ``posting_scores``: ``norm + tf``, then ``tf * (k1 + 1)`` divided by it (the row of
        # frequency 0, never looked up, may divide 0 by 0).
        with np.errstate(divide="ignore", invalid="ignore"):
            saturation: FloatArray = tf * (self.params.k1 + 1) / (norm[None, :] + tf)
        return saturation

    @cached_property
    def _table_width(self) -> int:
        """Return the longest passage's length plus one, or 0 above TABLE_LENGTH."""
        longest = int(self.doc_len.max()) if len(self.doc_len) else 0
        return longest + 1 if longest < TABLE_LENGTH else 0

    @cached_property
    def _short_len(self) -> AnyArray:
        """Return the passages' lengths in uint16 (``_table_width`` keeps them below 2**16)."""
        return self.doc_len.astype(np.uint16)

    def frequencies(self, terms: Sequence[str], positions: IntArray) -> FloatArray:
        """Return how often each of ``terms`` occurs at each of the ascending, distinct
        ``positions``: a row per term, a column per position (0 where absent, and for unknown
        terms).

        The positions are taken as runs of consecutive ones (a passage and the rest of its
        brief), and each run is searched for in a term's postings by its two ends: a hit is a
        posting between them. That is two binary searches a run, the second one short, rather
        than one a position (a brief of four passages: about a quarter of the searches).
        """
        out = np.zeros((len(terms), len(positions)), dtype=np.float64)
        cells, counts = self.frequency_cells(terms, positions)
        out.reshape(-1)[cells] = counts
        return out

    def frequency_cells(
        self,
        terms: Sequence[str],
        positions: IntArray,
        numbers: Sequence[int | None] | None = None,
    ) -> tuple[IntArray, Any]:
        """Return where ``frequencies(terms, positions)`` is not 0, as cells of it flattened
        (a term's row times the number of positions, plus the position's column; distinct), and
        the frequency there (the postings' own counts). ``numbers`` may give each term's number in
        the vocabulary (None for none), already looked up."""
        n = len(positions)
        empty: tuple[IntArray, Any] = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        if numbers is None:
            numbers = list(map(self.vocab.get, terms))
        known = [(row, tid) for row, tid in enumerate(numbers) if tid is not None]
        if not n or not known:
            return empty
        all_cells = np.asarray([row * n for row, _ in known], dtype=np.int64)
        all_tids = np.asarray([tid for _, tid in known], dtype=np.int64)
        top_tid = int(all_tids.max())
        breaks = np.flatnonzero(np.diff(positions) != 1) + 1
        first_column = np.zeros(len(breaks) + 1, dtype=np.int64)  # each run's, among positions
        first_column[1:] = breaks
        starts_of_runs = positions[first_column]
        ends_of_runs = np.empty_like(starts_of_runs)
        ends_of_runs[:-1] = positions[breaks - 1]
        ends_of_runs[-1] = positions[-1]
        ends_of_runs += 1
        # A posting found in a run is at the run's first column plus its distance from the
        # run's first position (a run's positions are consecutive): its cell is that plus its
        # term's row.
        shift = first_column - starts_of_runs
        # Each run's first position and the one after its last, in turn: ascending (int32, as
        # postings are stored, so that they are searched for as they are).
        ends = np.empty(2 * len(starts_of_runs), dtype=np.int32)
        ends[0::2] = starts_of_runs
        ends[1::2] = ends_of_runs
        segments = self.segments
        if len(segments) == 1:
            los, his = [0], [len(starts_of_runs)]  # every run is in it
        else:
            firsts = [seg.first for seg in segments]
            los = np.searchsorted(ends_of_runs, firsts, side="right").tolist()
            his = np.searchsorted(starts_of_runs, [seg.end for seg in segments]).tolist()
        # Per segment, where each run starts among each term's postings and how many postings
        # it holds; the postings found are then read for all segments at once.
        begins: list[AnyArray] = []
        counts: list[AnyArray] = []
        cells: list[AnyArray] = []
        read: list[Segment] = []
        for seg, lo, hi in zip(segments, los, his, strict=True):
            if lo >= hi:
                continue
            if top_tid < seg.n_terms:
                row_cells, tids = all_cells, all_tids
            else:
                inside = all_tids < seg.n_terms
                row_cells, tids = all_cells[inside], all_tids[inside]
                if not len(tids):
                    continue
            keys = ends[2 * lo : 2 * hi]
            first = seg.offsets.take(tids)
            last = seg.offsets.take(tids + 1)
            docs = seg.docs
            # Per term, where each run starts and ends among its postings (searched as stored,
            # int32, so nothing is copied).
            pairs = zip(first.tolist(), last.tolist(), strict=True)
            found = [docs[i:j].searchsorted(keys) for i, j in pairs]
            bounds = (np.concatenate(found) if len(found) > 1 else found[0]).reshape(len(found), -1)
            bounds += first[:, None]
            run_starts = bounds[:, 0::2].ravel()
            begins.append(run_starts)
            counts.append(bounds[:, 1::2].ravel() - run_starts)
            cells.append((row_cells[:, None] + shift[lo:hi]).ravel())
            read.append(seg)
        if not read:
            return empty
        begin: Any
        count: Any
        cell: Any
        begin, count, cell = (
            (parts[0] if len(parts) == 1 else np.concatenate(parts))
            for parts in (begins, counts, cells)
        )
        some = np.flatnonzero(count)
        if not len(some):
            return empty
        begin, count = begin[some], count[some]
        at = np.repeat(begin - (np.cumsum(count) - count), count)
        at += np.arange(len(at))
        where = np.repeat(cell[some], count)
        docs_at: Any
        tfs_at: Any
        if len(read) == 1:
            docs_at, tfs_at = read[0].docs.take(at), read[0].tfs.take(at)
        else:
            # Each segment's postings are a run of ``at``, in segment order.
            ends_of_segments = np.cumsum([int(part.sum()) for part in counts]).tolist()
            cuts = [0, *ends_of_segments]
            docs_at = np.concatenate(
                [seg.docs.take(at[i:j]) for seg, i, j in zip(read, cuts, cuts[1:], strict=False)]
            )
            tfs_at = np.concatenate(
                [seg.tfs.take(at[i:j]) for seg, i, j in zip(read, cuts, cuts[1:], strict=False)]
            )
        where += docs_at
        return where, tfs_at

    def top(
        self,
        query: Sequence[str],
        k: int,
        *,
        allowed: Allowed | None = None,
        offset: int = 0,
    ) -> list[tuple[int, float]]:
        """Return up to ``k`` ``(passage_id, score)`` pairs, best first, skipping ``offset``.

        Ties are broken by passage id, oldest first. ``allowed`` restricts the result (filters):
        a mask over positions, or a function that takes positions and returns their mask, so that
        a filter costs as much as the candidates, not the archive. Statistics still cover the
        whole archive.
        """
        positions, scores = self.top_positions(query, k, allowed=allowed, offset=offset)
        return list(zip(self.ids[positions].tolist(), scores.tolist(), strict=True))

    def top_positions(
        self,
        query: Sequence[str],
        k: int,
        *,
        allowed: Allowed | None = None,
        offset: int = 0,
    ) -> tuple[IntArray, FloatArray]:
        """Return ``top`` as arrays: the positions of the passages, best first, and their scores.

        Raises:
            EmptyArchiveError: if the archive holds no passage.
        """
        if self.size == 0:
            raise EmptyArchiveError("the archive is empty — run briefbot ingest")
        want = offset + k
        if k <= 0 or want <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        tids = [tid for tid in map(self._tid, query) if tid is not None]
        pruned = pruned_candidates(self, tids, want, allowed)
        positions, scores = pruned if pruned is not None else self._scored(query, ordered=False)
        if allowed is not None and len(positions):
            keep = allowed[positions] if isinstance(allowed, np.ndarray) else allowed(positions)
            positions, scores = positions[keep], scores[keep]
        if len(positions) > want:
            # Keep every passage tied with the last one wanted, so ties break by id, not by chance.
            cut = -np.partition(-scores, want - 1)[want - 1]
            best = scores >= cut
            positions, scores = positions[best], scores[best]
        order = np.lexsort((positions, -scores))[offset:want]
        return positions[order].astype(np.int64, copy=False), scores[order]

    def describe(self) -> dict[str, Any]:
        """Return the index's size: passages, terms, postings, segments, average length."""
        return {
            "passages": self.size,
            "terms": self.n_terms,
            "postings": self.postings,
            "segments": len(self.segments),
            "avg_passage_tokens": round(self.avgdl, 1),
        }


class _Columns(Mapping[str, AnyArray]):
    """The per-passage columns of segments, each joined across them when first read."""

    def __init__(self, segments: Sequence[Segment]):
        self._segments = segments
        self._names = list(segments[0].columns) if segments else []
        self._joined: dict[str, AnyArray] = {}
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> AnyArray:
        got = self._joined.get(name)
        if got is None:
            if name not in self._names:
                raise KeyError(name)
            with self._lock:
                got = self._joined.get(name)
                if got is None:
                    got = self._joined[name] = _joined(self._segments, name, None, column=True)
        return got

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def _concat(parts: list[Any], dtype: Any) -> Any:
    """Return the concatenation of ``parts`` without a copy when there is only one, or when they
    are consecutive slices of one array (the saved index reads them so)."""
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return np.zeros(0, dtype=dtype or np.int64)
    whole = _adjoining(parts)
    return whole if whole is not None else np.concatenate(parts)


def _adjoining(parts: list[Any]) -> Any:
    """Return the array of which ``parts`` are consecutive slices, end to end, or None."""
    base = parts[0].base
    if not isinstance(base, np.ndarray) or base.ndim != 1 or not base.flags.c_contiguous:
        return None
    size = base.dtype.itemsize
    origin = base.__array_interface__["data"][0]
    start = at = parts[0].__array_interface__["data"][0]
    for part in parts:
        if (
            part.base is not base
            or part.ndim != 1
            or not part.flags.c_contiguous
            or part.__array_interface__["data"][0] != at
        ):
            return None
        at += part.nbytes
    return base[(start - origin) // size : (at - origin) // size]


def _joined(segments: Sequence[Segment], name: str, dtype: Any, *, column: bool = False) -> Any:
    """Return a per-passage array (attribute ``name``, or column ``name``) over every position.

    When its parts had to be copied to be joined, each segment is given its part of the joined
    array instead (the same values), so that they are held once: the segments' own arrays are
    freed once no older index holds them.
    """
    parts = [s.columns[name] if column else getattr(s, name) for s in segments]
    joined = _concat(parts, dtype)
    if len(parts) > 1 and _adjoining(parts) is None:
        for seg in segments:
            part = joined[seg.first : seg.end]
            if column:
                seg.columns = {**seg.columns, name: part}
            else:
                setattr(seg, name, part)
    return joined


def _positions_of(ids: IntArray, wanted: Iterable[int]) -> IntArray:
    """Return the positions in ascending ``ids`` of those ``wanted`` ids that are present."""
    want = np.unique(np.fromiter(wanted, dtype=np.int64))
    if not len(want) or not len(ids):
        return np.zeros(0, dtype=np.int64)
    at = np.searchsorted(ids, want)
    found = at < len(ids)
    found[found] = ids[at[found]] == want[found]
    return at[found]


def _dead_term_counts(
    segments: Sequence[Segment], gone: IntArray, n_positions: int, n_terms: int
) -> IntArray:
    """Return per term how many postings fall on the positions ``gone`` (passages just deleted).

    Only the segments holding such a position are read, with one flag per position and one per
    posting of the segment as temporary memory, not a running count per posting: a growth that
    replaces a few passages of a big archive costs the bot little more than one without.
    """
    dead = np.zeros(n_positions, dtype=bool)
    dead[gone] = True
    counts = np.zeros(n_terms, dtype=np.int64)
    for segment in segments:
        lo, hi = np.searchsorted(gone, (segment.first, segment.end)).tolist()
        if lo == hi:
            continue
        at = np.flatnonzero(dead.take(segment.docs))
        terms = np.searchsorted(segment.offsets, at, side="right") - 1
        counts[: segment.n_terms] += np.bincount(terms, minlength=segment.n_terms)
    return counts


def _merge_tail(
    segments: list[Segment], live: BoolArray, n_terms: int
) -> tuple[list[Segment], BoolArray]:
    """Return the segments after the merge policy (see SEALED_DOCS), and the new live mask."""
    deleted = len(live) - int(np.count_nonzero(live))
    if segments and deleted > COMPACT_DELETED_SHARE * len(live):
        compacted: list[Segment] = []
        for segment in segments:
            first = compacted[-1].end if compacted else 0
            new = compact_segment(segment, live, first)
            if new.n_docs:
                compacted.append(new)
        return compacted, np.ones(compacted[-1].end if compacted else 0, dtype=bool)

    def tail() -> int:
        return sum(1 for s in segments[-MAX_TAIL - 1 :] if s.n_docs < SEALED_DOCS)

    while (
        len(segments) >= 2
        and segments[-2].n_docs < SEALED_DOCS
        and (segments[-1].n_docs * 2 >= segments[-2].n_docs or tail() > MAX_TAIL)
    ):
        last_two = segments[-2:]
        merged, merged_live = merge_segments(last_two, live, n_terms)
        live = np.concatenate([live[: last_two[0].first], merged_live])
        segments = [*segments[:-2], merged]
    return segments, live
