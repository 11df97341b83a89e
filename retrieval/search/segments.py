"""Segments of the BM25 index: the postings of a run of consecutive passages, never changed.

A segment holds, for the passages at positions ``first .. first + n_docs - 1`` (positions follow
passage ids), an inverted file in compressed-sparse-row form: ``offsets[t]:offsets[t + 1]`` slices
``docs`` (global positions, ascending) and ``tfs`` (term frequencies) for term ``t``. Term numbers
are global to the index, so a later segment's ``offsets`` is longer when it brought new terms.
Per term it also keeps the largest term frequency and the shortest passage among its postings:
together they bound what the term can add to any score in this segment.

A segment also holds the tokens of brief titles, in the same form (``title_offsets``,
``title_docs``, ``title_tfs``): a title is filed under the position of its brief's first passage
(``title_len`` gives its length there, 0 elsewhere). Titles never enter the passages' BM25; they
are kept so that ranking by whole briefs needs no re-tokenizing at start. The same title postings
are also kept ordered by position (``title_by_position``), so that the titles of a few briefs are
read without a lookup per term.

Term frequencies are stored in the narrowest of uint8, uint16 and int32 that holds the segment's
largest (uint8 for any archive of paragraphs: a term 256 times in one passage is not prose).

Segments are immutable: growth appends a segment and merges small ones at the tail
(``merge_segments``), so a segment loaded from the cache stays memory-mapped and shared.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from retrieval.search.bm25 import AnyArray, BoolArray, Int32Array, IntArray
from retrieval.search.vocabulary import TermNumbers

NO_LENGTH = np.iinfo(np.int32).max


class Segment:
    """The postings and per-passage arrays of consecutive positions; see the module docstring.

    Args:
        first: position of the first passage.
        ids: stored passage id of each passage, ascending.
        doc_len: number of tokens of each passage.
        offsets: ``n_terms + 1`` offsets into ``docs`` and ``tfs``.
        docs: global position of each posting, ascending within a term.
        tfs: term frequency of each posting (uint16, or int32 if a count exceeds 65535).
        max_tf: per term, the largest term frequency among its postings (0 if none).
        min_len: per term, the shortest passage among its postings (int32 max if none).
        columns: per-passage arrays carried along (the archive's filter fields).
        titles: the title postings ``(title_offsets, title_docs, title_tfs)`` and ``title_len``
            (None: no titles).
        title_by_position: the title postings ordered by position, ``(positions, terms, tfs)``,
            if already known (else worked out when first asked for).
        name: the cache folder holding this segment, once saved or loaded.
        files: size and CRC-32 of each of that folder's files, as the cache recorded them.
    """

    def __init__(
        self,
        first: int,
        ids: IntArray,
        doc_len: Int32Array,
        offsets: IntArray,
        docs: Int32Array,
        tfs: AnyArray,
        max_tf: AnyArray,
        min_len: Int32Array,
        columns: dict[str, AnyArray] | None = None,
        titles: tuple[IntArray, Int32Array, AnyArray, Int32Array] | None = None,
        name: str = "",
        title_by_position: tuple[Int32Array, Int32Array, AnyArray] | None = None,
    ):
        self.first = first
        self.ids = ids
        self.doc_len = doc_len
        self.offsets = offsets
        self.docs = docs
        self.tfs = tfs
        self.max_tf = max_tf
        self.min_len = min_len
        self.columns = columns or {}
        if titles is None:
            n = len(offsets) - 1
            titles = (
                np.zeros(n + 1, np.int64),
                np.zeros(0, np.int32),
                np.zeros(0, np.uint16),
                np.zeros(len(ids), np.int32),
            )
        self.title_offsets, self.title_docs, self.title_tfs, self.title_len = titles
        self._title_by_position = title_by_position
        self.name = name
        self.files: dict[str, list[int]] = {}
        self.n_docs = len(ids)
        self.n_terms = len(offsets) - 1
        self.end = first + self.n_docs

    @property
    def n_postings(self) -> int:
        """Return how many postings the segment holds."""
        return len(self.docs)

    @property
    def title_by_position(self) -> tuple[Int32Array, Int32Array, AnyArray]:
        """Return the title postings ordered by position, within a position by term: the
        positions (ascending, int32), the term numbers (int32) and the counts."""
        if self._title_by_position is None:
            tids = np.repeat(np.arange(self.n_terms, dtype=np.int64), np.diff(self.title_offsets))
            positions, terms, counts = by_position(
                self.title_docs.astype(np.int64), tids, self.title_tfs
            )
            self._title_by_position = (
                positions.astype(np.int32),
                terms.astype(np.int32),
                counts,
            )
        return self._title_by_position

    def term_counts(self, n_terms: int) -> IntArray:
        """Return the number of postings of every term, padded with zeros to ``n_terms``."""
        counts = np.zeros(n_terms, dtype=np.int64)
        counts[: self.n_terms] = np.diff(self.offsets)
        return counts

    def live_term_counts(self, live: BoolArray, n_terms: int) -> IntArray:
        """Return per term how many postings have a live passage (``live`` is over positions)."""
        cum = np.zeros(len(self.docs) + 1, dtype=np.int64)
        np.cumsum(live[self.docs], out=cum[1:])
        counts = np.zeros(n_terms, dtype=np.int64)
        counts[: self.n_terms] = cum[self.offsets[1:]] - cum[self.offsets[:-1]]
        return counts


class SegmentBuilder:
    """Collects tokenized passages, in id order, into a new ``Segment``.

    Args:
        vocab: term -> term number; terms seen for the first time are appended to it.
        first: position of the first passage added.
    """

    def __init__(self, vocab: TermNumbers, first: int):
        self.vocab = vocab
        self.first = first
        self._ids = array("q")
        self._lengths = array("i")
        self._unique = array("i")
        self._terms = array("i")
        self._tfs = array("i")
        self._title_len = array("i")
        self._title_terms = array("i")
        self._title_docs = array("i")
        self._title_tfs = array("i")

    def __len__(self) -> int:
        return len(self._ids)

    def add(
        self, passage_id: int, tokens: Sequence[str], title: Sequence[str] | None = None
    ) -> None:
        """Add one passage, and its brief's title tokens if it is the brief's first passage.

        Ids must come in ascending order.
        """
        counts = Counter(tokens)
        self._terms.extend(self._numbers(counts))
        self._tfs.extend(counts.values())
        self._unique.append(len(counts))
        self._lengths.append(len(tokens))
        if title:
            title_counts = Counter(title)
            self._title_terms.extend(self._numbers(title_counts))
            self._title_tfs.extend(title_counts.values())
            self._title_docs.extend([self.first + len(self._ids)] * len(title_counts))
        self._title_len.append(len(title) if title else 0)
        self._ids.append(passage_id)

    def add_counted(
        self,
        ids: IntArray,
        lengths: Int32Array,
        postings: tuple[Int32Array, Int32Array, Int32Array],
        title_len: Int32Array,
        title_postings: tuple[Int32Array, Int32Array, Int32Array],
    ) -> None:
        """Add passages already counted, as ``add`` would add them one by one.

        Args:
            ids: the passages' ids, ascending, above those added before.
            lengths: each passage's number of tokens.
            postings: ``(passage, term, tf)`` arrays, ``passage`` the place in ``ids``,
                ascending; terms numbered in ``vocab``, each at most once per passage.
            title_len: each passage's number of title tokens (0: no title).
            title_postings: the title tokens' ``(passage, term, tf)``, in the same form.
        """
        base = self.first + len(self._ids)
        passages, terms, tfs = postings
        self._terms.frombytes(terms.astype(np.int32, copy=False).tobytes())
        self._tfs.frombytes(tfs.astype(np.int32, copy=False).tobytes())
        unique = np.bincount(passages, minlength=len(ids)).astype(np.int32)
        self._unique.frombytes(unique.tobytes())
        self._lengths.frombytes(lengths.astype(np.int32, copy=False).tobytes())
        title_passages, title_terms, title_tfs = title_postings
        self._title_terms.frombytes(title_terms.astype(np.int32, copy=False).tobytes())
        self._title_tfs.frombytes(title_tfs.astype(np.int32, copy=False).tobytes())
        self._title_docs.frombytes((title_passages + base).astype(np.int32).tobytes())
        self._title_len.frombytes(title_len.astype(np.int32, copy=False).tobytes())
        self._ids.frombytes(ids.astype(np.int64, copy=False).tobytes())

    def _numbers(self, terms: Counter[str]) -> list[int]:
        """Return the number of each distinct term, numbering new ones as they come.

        A new term takes the next free number, in order of first appearance: rank-bm25's own
        order of terms (it matters only for rounding). Known terms are looked up in one C-level
        pass; new ones (rare once the vocabulary has grown) are numbered in order after it.
        """
        vocab = self.vocab
        numbers: list[Any] = list(map(vocab.get, terms))
        if None in numbers:
            for i, (term, number) in enumerate(zip(terms, numbers, strict=True)):
                if number is None:
                    numbers[i] = vocab.setdefault(term, len(vocab))
        return numbers

    def build(
        self, columns: dict[str, AnyArray] | None = None, *, n_terms: int | None = None
    ) -> Segment:
        """Return the segment of every passage added so far.

        ``n_terms``: the number of terms the segment covers (default: the vocabulary's size),
        for passages counted ahead of the vocabulary (``add_counted``).
        """
        n_docs = len(self._ids)
        positions = np.arange(self.first, self.first + n_docs, dtype=np.int32)
        docs = np.repeat(positions, np.frombuffer(self._unique, dtype=np.int32))
        titles = (
            np.frombuffer(self._title_terms, dtype=np.int32),
            np.frombuffer(self._title_docs, dtype=np.int32),
            np.frombuffer(self._title_tfs, dtype=np.int32),
            np.frombuffer(self._title_len, dtype=np.int32).copy(),
        )
        return segment_from_postings(
            self.first,
            np.frombuffer(self._ids, dtype=np.int64).copy(),
            np.frombuffer(self._lengths, dtype=np.int32).copy(),
            np.frombuffer(self._terms, dtype=np.int32),
            docs,
            np.frombuffer(self._tfs, dtype=np.int32),
            len(self.vocab) if n_terms is None else n_terms,
            columns,
            titles,
        )


def segment_from_postings(
    first: int,
    ids: IntArray,
    doc_len: Int32Array,
    terms: Int32Array,
    docs: Int32Array,
    tfs: Int32Array,
    n_terms: int,
    columns: dict[str, AnyArray] | None = None,
    titles: tuple[Int32Array, Int32Array, Int32Array, Int32Array] | None = None,
) -> Segment:
    """Return a segment from postings given as parallel arrays in passage order.

    ``docs`` must be ascending (passage order); a stable sort by term keeps it ascending within
    each term, which is what scoring and merging rely on. ``titles`` are the title postings in
    the same form, and the title length per passage.
    """
    offsets, sorted_docs, sorted_tfs = _csr(terms, docs, tfs, n_terms)
    max_tf = np.zeros(n_terms, dtype=sorted_tfs.dtype)
    min_len = np.full(n_terms, NO_LENGTH, dtype=np.int32)
    present = offsets[1:] > offsets[:-1]
    if present.any():
        starts = offsets[:-1][present]
        max_tf[present] = np.maximum.reduceat(sorted_tfs, starts)
        min_len[present] = np.minimum.reduceat(doc_len[sorted_docs - first], starts)
    title_postings = None
    if titles is not None:
        title_terms, title_docs, title_tfs, title_len = titles
        title_postings = (*_csr(title_terms, title_docs, title_tfs, n_terms), title_len)
    return Segment(
        first,
        ids,
        doc_len,
        offsets,
        sorted_docs,
        sorted_tfs,
        max_tf,
        min_len,
        columns,
        title_postings,
    )


def _csr(
    terms: Int32Array, docs: Int32Array, tfs: Int32Array, n_terms: int
) -> tuple[IntArray, Int32Array, AnyArray]:
    """Return ``(offsets, docs, tfs)`` of postings sorted by term (stably, keeping doc order)."""
    # The stable order by term is the order by (term, place): distinct keys, so a plain sort of
    # them in place gives it, several times faster than a stable sort.
    order = terms.astype(np.int64)
    order <<= 32
    order |= np.arange(len(terms), dtype=np.int64)
    order.sort()
    order &= 0xFFFFFFFF
    counts = np.bincount(terms, minlength=n_terms) if len(terms) else np.zeros(n_terms, np.int64)
    offsets = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    tfs = tfs[order]
    return offsets, docs[order].astype(np.int32, copy=False), tfs.astype(tf_type(tfs))


def tf_type(tfs: AnyArray) -> type[np.integer[Any]]:
    """Return the narrowest type the term frequencies ``tfs`` fit: uint8, uint16 or int32."""
    top = int(tfs.max()) if len(tfs) else 0
    return np.uint8 if top <= 0xFF else np.uint16 if top <= 0xFFFF else np.int32


def _bits(values: AnyArray) -> int:
    """Return how many bits the largest of ``values`` (non-negative integers) needs."""
    return max(int(values.max(initial=0)), 1).bit_length()


def by_position(
    where: IntArray, tids: IntArray, counts: AnyArray
) -> tuple[IntArray, IntArray, AnyArray]:
    """Return the title postings ``(position, term, count)`` ordered by position as a stable sort
    by position orders them: within a position (one brief's title, in one segment) by term.

    The three are packed in one integer and sorted (a plain sort of integers is several times
    faster than a stable argsort); position and term pairs are distinct, so the order is that.
    """
    term_bits, count_bits = _bits(tids), _bits(counts)
    if not len(where) or _bits(where) + term_bits + count_bits > 62:
        order = np.argsort(where, kind="stable")
        return where[order], tids[order], counts[order]
    packed = (where.astype(np.int64) << (term_bits + count_bits)) | (
        tids.astype(np.int64) << count_bits
    )
    packed |= counts.astype(np.int64)
    packed.sort()
    return (
        packed >> (term_bits + count_bits),
        (packed >> count_bits) & ((1 << term_bits) - 1),
        (packed & ((1 << count_bits) - 1)).astype(counts.dtype),
    )


def compact_segment(segment: Segment, live: BoolArray, first: int) -> Segment:
    """Return ``segment`` without its deleted passages (``live`` over the old global positions),
    its passages renumbered from ``first``.

    Each segment is compacted on its own: positions stay in order, so the renumbering of one
    segment does not depend on the postings of another.
    """
    keep = live[segment.first : segment.end]
    new_position = np.cumsum(keep, dtype=np.int64) - 1 + first
    body = _kept(segment.offsets, segment.docs, segment.tfs, keep, new_position, segment.first)
    titles = _kept(
        segment.title_offsets,
        segment.title_docs,
        segment.title_tfs,
        keep,
        new_position,
        segment.first,
    )
    return segment_from_postings(
        first,
        segment.ids[keep],
        segment.doc_len[keep],
        body[0],
        body[1],
        body[2],
        segment.n_terms,
        {name: values[keep] for name, values in segment.columns.items()},
        (titles[0], titles[1], titles[2], segment.title_len[keep]),
    )


def _kept(
    offsets: IntArray,
    docs: Int32Array,
    tfs: AnyArray,
    keep: BoolArray,
    new_position: IntArray,
    first: int,
) -> tuple[Int32Array, Int32Array, Int32Array]:
    """Return ``(terms, docs, tfs)`` of the postings of kept passages, docs renumbered.

    ``keep`` and ``new_position`` are over the positions from ``first``.
    """
    term_of = np.repeat(np.arange(len(offsets) - 1, dtype=np.int32), np.diff(offsets))
    alive = keep[docs - first]
    return (
        term_of[alive],
        new_position[docs[alive] - first].astype(np.int32),
        tfs[alive].astype(np.int32),
    )


def merge_segments(
    segments: Sequence[Segment], live: BoolArray, n_terms: int
) -> tuple[Segment, BoolArray]:
    """Return one segment holding the live passages of consecutive ``segments``, and its live mask.

    Deleted passages (``live`` False, ``live`` over the global positions) are dropped and the
    remaining ones renumbered from the first segment's first position, so the merged segments
    must be the last ones of the index. Nothing is re-tokenized.
    """
    first = segments[0].first
    keep = live[first : segments[-1].end]
    new_position = np.cumsum(keep, dtype=np.int64) - 1 + first
    # Postings are in (segment, term, passage) order and segments follow positions, so the stable
    # sort by term in segment_from_postings leaves every term's passages ascending.
    body = [_kept(s.offsets, s.docs, s.tfs, keep, new_position, first) for s in segments]
    titles = [
        _kept(s.title_offsets, s.title_docs, s.title_tfs, keep, new_position, first)
        for s in segments
    ]
    names = segments[0].columns.keys()
    columns = {name: np.concatenate([s.columns[name] for s in segments])[keep] for name in names}
    body_terms, body_docs, body_tfs = (np.concatenate(part) for part in zip(*body, strict=True))
    title_terms, title_docs, title_tfs = (
        np.concatenate(part) for part in zip(*titles, strict=True)
    )
    merged = segment_from_postings(
        first,
        np.concatenate([s.ids for s in segments])[keep],
        np.concatenate([s.doc_len for s in segments])[keep],
        body_terms,
        body_docs,
        body_tfs,
        n_terms,
        columns,
        (
            title_terms,
            title_docs,
            title_tfs,
            np.concatenate([s.title_len for s in segments])[keep],
        ),
    )
    return merged, np.ones(merged.n_docs, dtype=bool)
