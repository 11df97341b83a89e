"""Ranking past one passage's BM25: the brief's evidence, feedback terms, and when to refuse.

Three choices, each measured on the dev collections (``docs/quality.md``):

* **Brief evidence.** A question's words are often spread over a brief's paragraphs. Every
  passage is ranked by its own BM25 plus ``BRIEF_WEIGHT`` times its brief's BM25, where a brief
  is scored as one document (its title and its passages' tokens together, rank-bm25's formula
  over briefs). The brief's score is computed from the passage postings and the titles, so no
  second index is kept.
* **Pseudo-relevance feedback (RM3).** The words that dominate the best ``FEEDBACK_PASSAGES``
  passages join the question with weights (``FEEDBACK_TERMS`` of them, the question keeping
  ``FEEDBACK_ORIGINAL`` of the weight). Only passages sharing a word with the question itself can
  be returned: feedback reorders, it never brings in a passage about something else.
* **Aliases.** Words of the field the question did not use but means (``retrieval/text/aliases.py``:
  premier for prime minister, Grozny for Chechnya) join it at ``ALIAS_WEIGHT`` of a question
  word; passages that hold only an alias become candidates too.
* **Confidence, not refusal.** Every ranking says how sure it is (``confidence``): ``high`` when
  one of the first ``COVERAGE_DEPTH`` passages holds at least ``HIGH_COVERAGE`` of the question's
  idf mass (a word the archive never saw counts at the idf of a word no passage holds; a word
  counts as held when the passage holds it or one of its aliases), the bar lowered for long
  questions (``HIGH_COVERAGE * min(1, COVERAGE_TERMS / distinct terms)``: a long request is never
  all in one passage); ``low`` below it. The passages are shown either way.

Hits keep their passage's rank-bm25 score for the question's own words.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from retrieval.search.bm25 import (
    Allowed,
    AnyArray,
    BoolArray,
    FloatArray,
    Int32Array,
    IntArray,
    floored_idf,
    idf_floor,
    length_norm,
    raw_idf,
    term_score,
)
from retrieval.search.index import BM25Index
from retrieval.search.segments import Segment
from retrieval.search.segments import by_position as _by_position  # noqa: F401 -- tests

BRIEF_WEIGHT = 10.0
TITLE_WEIGHT = 3.0
"""How many times a word of a brief's title counts in the brief's own score (a field weight, as
in BM25F; the brief's length is unchanged): a title says what the whole brief is about. "how big
are russian wage arrears" ranked the electricity "debt pyramid" (long, full of debts and
arrears) above "Russian wage arrears hit a record" (docs/quality.md)."""
FEEDBACK_PASSAGES = 5
FEEDBACK_TERMS = 20
FEEDBACK_ORIGINAL = 0.85
COVERAGE_DEPTH = 3
HIGH_COVERAGE = 0.4
COVERAGE_TERMS = 6
ALIAS_WEIGHT = 0.5
MAX_QUESTION_TERMS = 64
"""A long question is searched with its this many most informative (highest idf) distinct terms."""
# Words that frame a question rather than say what it is about ("who became ...", "what
# happened ..."): rare in a small archive, so their idf would let them lead. Stemmed.
FRAMING = frozenset(
    {
        "becam",
        "becom",
        "happen",
        "take",
        "took",
        "place",
        "tell",
        "know",
        "get",
        "got",
        # chat's own framing: "anything new on …", "what's the latest on …", "any news/updates"
        "anyth",
        "someth",
        "everyth",
        "latest",
        "news",
        "updat",
        "info",
        # "has anyone investigated …", "did anyone else …"
        "anyon",
        "anybodi",
        "someon",
        "somebodi",
        "everyon",
        "everybodi",
        "els",
    }
)
FRAMING_WEIGHT = 0.3
CLEARLY_BETTER = 3.0
"""A brief's second passage is shown before another brief's best when it scores this much more."""
RERANK_DEPTH = 200
"""How many passages, best by their own BM25 (exact, pruned top-k), the reranking reorders."""
FEW_POSTINGS = 2
"""Below this many postings a position, a term's postings are read in full and searched for among
the positions (reading postings in order beats a binary search per position up to about twice
as many postings as positions, measured at 100k and 1M)."""


@dataclass(frozen=True)
class BriefMap:
    """Which brief each index position belongs to, each brief's length, and its title's terms.

    A brief counts as one document made of its title and its passages, as a test collection's
    document is its title and text.

    Args:
        brief_of: per position, the brief's number (0 .. n_briefs - 1), or -1 if not live.
        lengths: per brief, its tokens (its live passages' lengths plus its title's).
        titles: per term, the briefs (numbers) whose title holds it, and how often; None when the
            index's own title postings are read instead.
    """

    brief_of: IntArray
    lengths: FloatArray
    titles: dict[str, tuple[IntArray, FloatArray]] | None

    @classmethod
    def build(
        cls,
        index: BM25Index,
        brief_ids: dict[int, int] | AnyArray | None = None,
        titles: dict[int, list[str]] | None = None,
    ) -> BriefMap:
        """Return the map for ``index``, given the brief id of every stored passage id (a dict,
        or an array over positions) and the analyzed title of every brief id.

        With neither, both come from the index itself: its ``brief`` column and its title
        postings (filed under each brief's first passage), so nothing is re-analyzed; and the
        map is kept in ``index.derived``, saved with the index, so the next process reads it
        instead of working it out again.
        """
        if brief_ids is None and titles is None:
            derived = index.derived
            if "brief_of" not in derived or "brief_lengths" not in derived:
                derived["brief_of"], derived["brief_lengths"] = _own_brief_map(index)
            brief_of: Any = derived["brief_of"]
            lengths: Any = derived["brief_lengths"]
            return cls(brief_of, lengths, None)
        if brief_ids is None:
            brief_ids = index.columns["brief"]
        if isinstance(brief_ids, dict):
            raw = np.fromiter(
                (brief_ids.get(int(pid), -1) for pid in index.ids),
                dtype=np.int64,
                count=len(index.ids),
            )
        else:
            raw = np.asarray(brief_ids, dtype=np.int64).copy()
        if index.live is not None:
            raw[~index.live] = -1
        known = raw >= 0
        numbers, dense = _unique_inverse(raw[known])
        brief_of = np.full(len(raw), -1, dtype=np.int64)
        brief_of[known] = dense
        own_len = index.doc_len[known].astype(np.float64)
        if titles is None:
            own_len = own_len + index.title_len[known]
        lengths = np.bincount(brief_of[known], weights=own_len, minlength=len(numbers)).astype(
            np.float64
        )
        if titles is None:
            return cls(brief_of, lengths, None)
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for number, brief_id in enumerate(numbers.tolist()):
            tokens = titles.get(brief_id, [])
            lengths[number] += len(tokens)
            for term, count in Counter(tokens).items():
                briefs, counts = postings.setdefault(term, ([], []))
                briefs.append(number)
                counts.append(float(count))
        title_postings = {
            t: (np.asarray(b, dtype=np.int64), np.asarray(c, dtype=np.float64))
            for t, (b, c) in postings.items()
        }
        return cls(brief_of, lengths, title_postings)

    @property
    def n_briefs(self) -> int:
        """Return the number of briefs with a live passage."""
        return len(self.lengths)


def _own_brief_map(index: BM25Index) -> tuple[Int32Array, FloatArray]:
    """Return ``BriefMap.build(index)``'s ``brief_of`` (as int32) and ``lengths`` from the
    index's ``brief`` column and title lengths, with as few temporary arrays as it takes.

    Worked out when the index is saved (a growth of the bot's archive), so its temporary memory
    is the bot's peak: the brief column is joined for the moment only, and briefs are numbered
    in int32.
    """
    parts = [s.columns["brief"] for s in index.segments]
    brief: Any = parts[0] if len(parts) == 1 else np.concatenate(parts)
    known = brief >= 0
    if index.live is not None:
        known &= index.live
    everywhere = bool(known.all())
    values = brief if everywhere else brief[known]
    if not len(values):
        return np.full(len(brief), -1, dtype=np.int32), np.zeros(0, dtype=np.float64)
    low = int(values.min())
    span = int(values.max()) - low + 1
    if span > 4 * len(values) + 1_000_000:
        numbers, inverse = np.unique(values, return_inverse=True)
        dense, n_briefs = inverse.astype(np.int32), len(numbers)
    else:
        shifted = np.subtract(values, low).astype(np.int32)
        present = np.zeros(span, dtype=bool)
        present[shifted] = True
        rank = np.cumsum(present, dtype=np.int32)
        rank -= 1
        dense, n_briefs = rank[shifted], int(rank[-1]) + 1
        del shifted, present, rank
    del values
    if everywhere:
        brief_of = dense
    else:
        brief_of = np.full(len(brief), -1, dtype=np.int32)
        brief_of[known] = dense
    # Whole numbers: their sums are exact, as BriefMap.build's float sums are.
    sizes = index.doc_len + index.title_len
    weights = sizes if everywhere else sizes[known]
    lengths = np.bincount(dense, weights=weights, minlength=n_briefs).astype(np.float64)
    return brief_of, lengths


def _unique_inverse(values: IntArray) -> tuple[IntArray, IntArray]:
    """Return ``np.unique(values, return_inverse=True)`` for integers, by a table over their
    range instead of a sort when the range is not much larger than the array (brief ids)."""
    if not len(values):
        return np.unique(values, return_inverse=True)
    low = int(values.min())
    span = int(values.max()) - low + 1
    if span > 4 * len(values) + 1_000_000:
        return np.unique(values, return_inverse=True)
    shifted = values - low
    present = np.zeros(span, dtype=bool)
    present[shifted] = True
    rank = np.cumsum(present) - 1
    return np.flatnonzero(present) + low, rank[shifted]


def _small_unique(values: IntArray) -> tuple[IntArray, IntArray]:
    """Return ``np.unique(values, return_inverse=True)`` for a few hundred integers.

    A sort and a comparison of neighbours: for arrays this small, several times faster than
    ``np.unique``, which hashes first.
    """
    order = np.argsort(values, kind="stable")
    ranked = values[order]
    new = np.ones(len(ranked), dtype=bool)
    np.not_equal(ranked[1:], ranked[:-1], out=new[1:])
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ranked[new], inverse


def _distinct(values: IntArray) -> IntArray:
    """Return ``np.unique(values)``: a sort and a comparison of neighbours (``np.unique`` hashes
    first, several times slower for a thousand values)."""
    ranked = np.sort(values)
    new = np.ones(len(ranked), dtype=bool)
    np.not_equal(ranked[1:], ranked[:-1], out=new[1:])
    return ranked[new]


def _not_in(values: IntArray, among: IntArray) -> IntArray:
    """Return ``values[~np.isin(values, among)]``: those of ``values`` not in ``among``, in order,
    by one sort and one binary search (``np.isin`` sorts both; on its first call in a process
    it imports ``numpy.ma``, ~7 ms: at the first question that has aliases, in each process that
    ``briefbot ask --queries`` forks)."""
    if not len(among) or not len(values):
        return values
    ranked = np.sort(among)
    at = np.minimum(np.searchsorted(ranked, values), len(ranked) - 1)
    return values[ranked[at] != values]


def brief_leads(briefs: IntArray) -> IntArray:
    """Return, for each of ranked passages of briefs ``briefs`` (best first), the place of its
    brief's first passage: the first of its brief in a stable sort (no Python loop)."""
    by_brief = np.argsort(briefs, kind="stable")
    starts = np.ones(len(briefs), dtype=bool)
    np.not_equal(briefs[by_brief[1:]], briefs[by_brief[:-1]], out=starts[1:])
    lead = np.empty(len(briefs), dtype=np.int64)
    lead[by_brief] = by_brief[starts][np.cumsum(starts) - 1]
    return lead


class Tokens(list[str]):
    """A passage's analysed tokens, as kept from one question to the next, with their counts
    (``term_counts``) kept once worked out: the feedback passages of one question are often
    those of the next."""

    __slots__ = ("counts",)

    def __init__(self, tokens: Iterable[str] = ()):
        super().__init__(tokens)
        self.counts: tuple[tuple[str, ...], tuple[int, ...]] | None = None


def term_counts(tokens: Sequence[str]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Return the distinct terms of ``tokens`` in order of first sight and how often each
    occurs (``Counter(tokens)``'s keys and values); kept on ``tokens`` if it is ``Tokens``."""
    kept = tokens.counts if isinstance(tokens, Tokens) else None
    if kept is not None:
        return kept
    counted = Counter(tokens)
    found = tuple(counted), tuple(counted.values())
    if isinstance(tokens, Tokens):
        tokens.counts = found
    return found


def feedback_weights(
    terms: Sequence[str], passages: Sequence[Sequence[str]], scores: Sequence[float]
) -> dict[str, float]:
    """Return RM3 query weights: the question's terms plus the feedback passages' main terms.

    Each feedback passage weighs by ``exp(score - best)``; a term's feedback mass is the weighted
    sum of its share of each passage's tokens. The ``FEEDBACK_TERMS`` heaviest terms share
    ``1 - FEEDBACK_ORIGINAL`` of the weight, scaled so that a question word repeated once weighs
    ``FEEDBACK_ORIGINAL``.
    """
    question = Counter(terms)
    weights: dict[str, float] = {t: FEEDBACK_ORIGINAL * c for t, c in question.items()}
    if not passages:
        return dict(weights)
    best = max(scores)
    mass: dict[str, float] = {}
    get = mass.get
    for tokens, score in zip(passages, scores, strict=True):
        if not tokens:
            continue
        share = math.exp(score - best) / len(tokens)
        counted = zip(*term_counts(tokens), strict=True)
        if not mass:
            # The first passage's masses are its own (0 + m is m): put in one comprehension.
            mass = {term: share * count for term, count in counted}
            get = mass.get
            continue
        for term, count in counted:
            mass[term] = get(term, 0.0) + share * count
    # The FEEDBACK_TERMS heaviest, ties by term: the sorted(...)[:n] of the heaviest few. Only
    # terms at least as heavy as the n-th heaviest mass can be among them (a sort of a few
    # hundred floats in C: ``heapq.nlargest`` steps through them in Python).
    if not mass:
        return dict(weights)
    masses = sorted(mass.values(), reverse=True)
    cut = masses[min(FEEDBACK_TERMS, len(masses)) - 1]
    heavy = [(t, v) for t, v in mass.items() if v >= cut]
    chosen = sorted(heavy, key=lambda kv: (-kv[1], kv[0]))[:FEEDBACK_TERMS]
    total = sum(v for _, v in chosen)
    if total <= 0:
        return dict(weights)
    scale = (1 - FEEDBACK_ORIGINAL) * sum(question.values()) / total
    for term, value in chosen:
        weights[term] = weights.get(term, 0.0) + scale * value
    return dict(weights)


class TfTable:
    """Term frequencies at a few ascending positions, looked up per term and kept.

    Each segment's share of the positions is found once; a term then costs one binary search
    per position in that segment's postings of it (``docs`` searched as stored, int32, so nothing
    is copied). ``title_row`` gives the same over the title postings.
    """

    def __init__(self, index: BM25Index, positions: IntArray):
        self.index = index
        self.n = len(positions)
        keys = np.asarray(positions, dtype=np.int64)
        self.positions = keys
        self._parts: list[tuple[Segment, int, int, Int32Array]] | None = None
        self._rows: dict[str, FloatArray] = {}
        self._last: tuple[tuple[str, ...], FloatArray] | None = None
        # The non-zero cells of the last ``rows`` when its terms were all looked up at once
        # (``BM25Index.frequency_cells``): the briefs' sums are taken from them.
        self._cells: tuple[tuple[str, ...], IntArray, AnyArray] | None = None
        self._ids: dict[str, int] = {}  # each term's number in the index, -1 for none

    def row(self, term: str) -> FloatArray:
        """Return the frequency of ``term`` at each position (a view: do not write to it)."""
        got = self._rows.get(term)
        if got is None:
            got = self._rows[term] = self._lookup(term, title=False)
        return got

    def rows(self, terms: Sequence[str]) -> FloatArray:
        """Return the frequency of each term (a row each) at each position (do not write to it:
        the last one is kept, as the passages and their briefs ask for the same terms)."""
        key = tuple(terms)
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        if not terms:
            return np.zeros((0, self.n), dtype=np.float64)
        missing = [t for t in dict.fromkeys(terms) if t not in self._rows]
        if not missing:
            stacked = np.stack([self._rows[t] for t in terms])
            self._last = (key, stacked)
            return stacked
        vocab = self.index.vocab
        ids = [vocab.get(t) for t in missing]
        self._ids.update((t, -1 if i is None else i) for t, i in zip(missing, ids, strict=True))
        # Each run of consecutive positions searched for by its ends (``frequency_cells``).
        cells, counts = self.index.frequency_cells(missing, self.positions, ids)
        found = np.zeros((len(missing), self.n), dtype=np.float64)
        found.reshape(-1)[cells] = counts
        for term, row in zip(missing, found, strict=True):
            self._rows[term] = row
        if len(missing) == len(terms):
            stacked = found  # every term new and distinct: its rows, in order, as looked up
            self._cells = (key, cells, counts)
        else:
            stacked = np.stack([self._rows[t] for t in terms])
        self._last = (key, stacked)
        return stacked

    def ids(self, terms: Sequence[str]) -> IntArray:
        """Return the index's number of each of ``terms`` (-1 for a term it lacks): kept for the
        terms ``rows`` looked up, asked of the vocabulary for any other."""
        kept, vocab = self._ids, self.index.vocab
        return np.array([kept[t] if t in kept else vocab.get(t, -1) for t in terms], np.int64)

    def cells(self, terms: Sequence[str]) -> tuple[IntArray, AnyArray] | None:
        """Return the non-zero cells of ``rows(terms)`` flattened and the counts there, if they
        were kept (``rows`` of these terms looked up them all at once), else None."""
        if self._cells is None or self._cells[0] != tuple(terms):
            return None
        return self._cells[1], self._cells[2]

    def title_row(self, term: str) -> FloatArray:
        """Return how often ``term`` is in the title filed at each position."""
        return self._lookup(term, title=True)

    @property
    def parts(self) -> list[tuple[Segment, int, int, Int32Array]]:
        """Return each segment holding some of the positions, where they start and end among
        them, and those positions in int32 (worked out at the first single-term lookup: the
        rows of ``rows`` are looked up without them)."""
        if self._parts is None:
            keys = self.positions
            self._parts = []
            for seg in self.index.segments:
                lo, hi = np.searchsorted(keys, (seg.first, seg.end)).tolist()
                if lo < hi:
                    self._parts.append((seg, lo, hi, keys[lo:hi].astype(np.int32)))
        return self._parts

    def _lookup(self, term: str, *, title: bool) -> FloatArray:
        out = np.zeros(self.n, dtype=np.float64)
        tid = self.index.vocab.get(term)
        if tid is None or not self.n:
            return out
        for seg, lo, hi, keys in self.parts:
            if tid >= seg.n_terms:
                continue
            if title:
                offsets, all_docs, all_tfs = seg.title_offsets, seg.title_docs, seg.title_tfs
            else:
                offsets, all_docs, all_tfs = seg.offsets, seg.docs, seg.tfs
            start, end = offsets[tid : tid + 2].tolist()
            if start == end:
                continue
            docs = all_docs[start:end]
            if end - start < FEW_POSTINGS * (hi - lo):
                # Few postings a position: each posting is searched for among the positions (a
                # small array, in cache) rather than each position in the postings.
                at = keys.searchsorted(docs)
                np.minimum(at, hi - lo - 1, out=at)
                hit = keys.take(at) == docs
                out[lo + at[hit]] = all_tfs[start:end][hit]
                continue
            at = docs.searchsorted(keys)
            np.minimum(at, end - start - 1, out=at)
            at += start
            # Where the posting found is not the position's, the term is not there: 0.
            out[lo:hi] = np.where(all_docs[at] == keys, all_tfs[at], 0)
        return out


class BriefTerms:
    """Brief-level statistics for the reranking of a few candidates, over one index.

    A brief's number of briefs holding a term (its document frequency at brief level) needs a
    pass over the term's postings; it is kept per term, so a common feedback term costs that pass
    once per index, not once per question. Each brief's positions are kept in one array
    (``members``) so that a candidate brief's term frequency is looked up, not summed over all.
    """

    def __init__(self, index: BM25Index, briefs: BriefMap):
        self.index = index
        self.briefs = briefs
        derived = index.derived
        # The brief map of the index itself (not one given from SQLite) keeps its members with
        # the index, saved and loaded with it.
        own = derived.get("brief_of") is briefs.brief_of
        self.members: Any
        self.starts: Any
        if own and "brief_members" in derived and "brief_starts" in derived:
            self.members, self.starts = derived["brief_members"], derived["brief_starts"]
        else:
            known = np.flatnonzero(briefs.brief_of >= 0)
            if len(known) == len(briefs.brief_of):  # every position live: no gather needed
                self.members = np.argsort(briefs.brief_of, kind="stable").astype(np.int32)
                counts = np.bincount(briefs.brief_of, minlength=briefs.n_briefs)
            else:
                order = np.argsort(briefs.brief_of[known], kind="stable")
                self.members = known[order].astype(np.int32)
                counts = np.bincount(briefs.brief_of[known], minlength=briefs.n_briefs)
            self.starts = np.zeros(briefs.n_briefs + 1, dtype=np.int64)
            np.cumsum(counts, out=self.starts[1:])
            if own:
                derived["brief_members"], derived["brief_starts"] = self.members, self.starts
        self._df: dict[str, int] = {}
        self._idf: dict[str, float] = {}
        self._every_position_owned: bool | None = None
        self._title_postings: tuple[Any, Any, Any] | None = None
        n = briefs.n_briefs
        self.avgdl = float(briefs.lengths.sum()) / n if n else 0.0
        # The idf floor of a term held by more than half the briefs: the passage index's mean
        # idf (a pass over the vocabulary, so once per index, not per question).
        self.floor = idf_floor(index.idf[index.df > 0], index.params.epsilon)

    def titles_at(self, where: IntArray, brief_at: IntArray) -> tuple[IntArray, IntArray, AnyArray]:
        """Return the title postings filed at positions ``where``: their term numbers, the
        brief (``brief_at`` of the position) of each, and their counts.

        The title postings of the whole index are kept ordered by position (``_titles``), so a
        few briefs' titles are read with two reads a position, not a pass per segment.
        """
        runs, title_tid, title_tf = self._titles()
        empty: Any = np.zeros(0, dtype=np.int64)
        if not len(where) or not len(title_tid):
            return empty, empty, empty
        first = runs.take(where)
        sizes = runs.take(where + 1) - first
        total = int(sizes.sum())
        if not total:
            return empty, empty, empty
        starts = np.zeros(len(sizes), dtype=np.int64)
        np.cumsum(sizes[:-1], out=starts[1:])
        at = np.arange(total, dtype=np.int64) + np.repeat(first - starts, sizes)
        return title_tid.take(at), np.repeat(brief_at, sizes), title_tf.take(at)

    def _titles(self) -> tuple[Any, Any, Any]:
        """Return the index's title postings ordered by position (each segment's
        ``title_by_position``, joined): where each position's run of them starts (and past
        the last, their number), their term numbers and their counts.

        Worked out at the first use per index: a count and a running sum over the positions
        (~4 MB at a million passages); with several segments the term numbers and counts are
        joined too (~7 MB at a million), so that each question reads one array of each, not
        one per segment."""
        got = self._title_postings
        if got is None:
            segments = self.index.segments
            parts = [seg.title_by_position for seg in segments]
            total = sum(len(pos) for pos, _, _ in parts)
            sizes = np.zeros(self.index.n_positions, dtype=np.int64)
            for seg, (pos, _, _) in zip(segments, parts, strict=True):
                sizes[seg.first : seg.end] = np.bincount(
                    np.subtract(pos, seg.first), minlength=seg.n_docs
                )
            runs = np.zeros(len(sizes) + 1, dtype=np.int32 if total < 2**31 else np.int64)
            np.cumsum(sizes, out=runs[1:])
            if len(parts) == 1:
                tids, tfs = parts[0][1], parts[0][2]
            elif parts:
                tids = np.concatenate([p[1] for p in parts])
                tfs = np.concatenate([p[2] for p in parts])
            else:
                tids, tfs = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
            got = self._title_postings = (runs, tids, tfs)
        return got

    def df(self, term: str) -> int:
        """Return how many briefs hold ``term`` in a live passage or in their title."""
        cached = self._df.get(term)
        if cached is not None:
            return cached
        briefs, index = self.briefs, self.index
        tid = index.vocab.get(term)
        value = 0
        if tid is not None:
            # Each brief holding the term is flagged once; counting the flags is one pass over
            # a byte per brief, not a sort of the postings' owners.
            value = self._flagged(tid, term, np.zeros(briefs.n_briefs, dtype=bool))
        if len(self._df) > 100_000:
            self._df.clear()
        self._df[term] = value
        return value

    def idf(self, term: str) -> float:
        """Return the brief-level idf of ``term`` (rank-bm25's, floored), kept per term."""
        value = self._idf.get(term)
        if value is None:
            if len(self._idf) > 100_000:
                self._idf.clear()
            value = self._idf[term] = floored_idf(self.briefs.n_briefs, self.df(term), self.floor)
        return value

    def _flagged(self, tid: int, term: str, mark: BoolArray) -> int:
        """Return how many briefs hold term ``tid``, flagging them in ``mark`` (all False)."""
        briefs, index = self.briefs, self.index
        titles_here = briefs.titles is None  # else titles come from the map, not the index
        if self._every_position_owned is None:
            # Once per index: with no position outside a brief (nothing deleted), no owner
            # is -1 and the postings' owners need no filtering.
            self._every_position_owned = bool((briefs.brief_of >= 0).all())
        for seg in index.segments:
            if tid >= seg.n_terms:
                continue
            kinds = [(seg.offsets, seg.docs)]
            if titles_here:
                kinds.append((seg.title_offsets, seg.title_docs))
            for offsets, docs in kinds:
                start, end = int(offsets[tid]), int(offsets[tid + 1])
                if start < end:
                    owners = briefs.brief_of.take(docs[start:end])
                    if not self._every_position_owned:
                        owners = owners[owners >= 0]
                    mark[owners] = True
        if briefs.titles is not None:
            title = briefs.titles.get(term)
            if title is not None:
                mark[title[0]] = True
        return int(np.count_nonzero(mark))

    def spans(self, chosen: IntArray) -> tuple[IntArray, IntArray]:
        """Return the live positions of the briefs ``chosen`` (numbers, distinct), brief by brief,
        and where each brief's run of them starts."""
        firsts = self.starts[chosen]
        sizes = self.starts[chosen + 1] - firsts
        runs = np.zeros(len(chosen), dtype=np.int64)
        np.cumsum(sizes[:-1], out=runs[1:])
        total = int(runs[-1] + sizes[-1]) if len(chosen) else 0
        at = np.arange(total, dtype=np.int64) + np.repeat(firsts - runs, sizes)
        return self.members[at], runs

    @staticmethod
    def _sums(values: FloatArray, runs: IntArray, n_members: int) -> FloatArray:
        """Return the sums of ``values`` (last axis) over each run (starts ``runs``; a run may be
        empty)."""
        if not n_members:
            return np.zeros((*values.shape[:-1], len(runs)))
        sums = np.add.reduceat(values, np.minimum(runs, n_members - 1), axis=-1)
        ends = np.append(runs[1:], n_members)
        empty = ends == runs
        if empty.any():
            sums[..., empty] = 0.0
        return sums

    def _add_titles(
        self, tf: FloatArray, terms: list[str], where: IntArray, brief_at: IntArray
    ) -> None:
        """Add to ``tf`` (a row per term, a column per brief) how often each term is in the
        titles filed at positions ``where``, those of briefs (columns) ``brief_at``."""
        rows, owner, title_tf = self._title_cells(terms, where, brief_at)
        if len(rows):
            # Counts are whole numbers: adding them in any order gives the same floats.
            np.add.at(tf, (rows, owner), title_tf.astype(np.float64))

    def _title_cells(
        self, terms: list[str], where: IntArray, brief_at: IntArray, ids: IntArray | None = None
    ) -> tuple[IntArray, IntArray, AnyArray]:
        """Return the title postings of ``terms`` (numbered ``ids`` in the index, -1 for none,
        if known) filed at positions ``where`` (of briefs, by column, ``brief_at``): each one's
        term (row), brief (column) and count, times ``TITLE_WEIGHT``."""
        tids, owner, title_tf = self.titles_at(where, brief_at)
        if not len(tids):
            return tids, owner, title_tf
        if ids is None:
            vocab = self.index.vocab
            ids = np.asarray([vocab.get(t, -1) for t in terms], dtype=np.int64)
        sorter = np.argsort(ids, kind="stable")
        ranked = ids[sorter]
        slot = np.minimum(np.searchsorted(ranked, tids), len(ranked) - 1)
        hit = ranked[slot] == tids
        return sorter[slot[hit]], owner[hit], TITLE_WEIGHT * title_tf[hit]

    def _cell_sums(
        self,
        cells: tuple[IntArray, AnyArray],
        terms: list[str],
        ids: IntArray,
        members: IntArray,
        runs: IntArray,
        n_chosen: int,
    ) -> FloatArray:
        """Return each term's frequency (a row each) in each chosen brief (a column each) with its
        title: the non-zero ``cells`` of the members' frequencies (flat, a row of
        ``len(members)`` per term) and the title postings filed at the members, counted by
        (term, brief)."""
        at, counts = cells
        n = len(members)
        row, column = np.divmod(at, n)
        # Each member's brief (column of the result): its run's number.
        brief_of_member = np.repeat(np.arange(n_chosen, dtype=np.int64), np.diff(runs, append=n))
        keys = [row * n_chosen + brief_of_member.take(column)]
        weights = [counts]
        titled = np.flatnonzero(self.index.title_len[members] > 0)
        if len(titled):
            t_row, t_brief, t_count = self._title_cells(
                terms, members[titled], brief_of_member.take(titled), ids
            )
            keys.append(t_row * n_chosen + t_brief)
            weights.append(t_count)
        summed: Any = np.bincount(
            np.concatenate(keys),
            weights=np.concatenate(weights).astype(np.float64),
            minlength=len(terms) * n_chosen,
        )
        tf: FloatArray = summed.reshape(len(terms), n_chosen)
        return tf

    def scores(
        self,
        weights: dict[str, float],
        chosen: IntArray,
        table: TfTable | None = None,
        spans: tuple[IntArray, IntArray] | None = None,
    ) -> FloatArray:
        """Return the BM25 score of each brief (numbers, distinct) in ``chosen`` for the weighted
        terms, a brief counted as one document (rank-bm25's formula over whole briefs, a title
        word counting ``TITLE_WEIGHT`` times).

        ``table`` may hold term frequencies already looked up at positions that include every
        live position of those briefs (``spans``: ``spans(chosen)``, if already known).
        """
        index, briefs = self.index, self.briefs
        n = briefs.n_briefs
        if n == 0 or not len(chosen) or not weights:
            return np.zeros(len(chosen), dtype=np.float64)
        avgdl = self.avgdl
        members, runs = spans if spans is not None else self.spans(chosen)
        if table is None:
            table = TfTable(index, np.unique(members))
        lengths = briefs.lengths[chosen]
        norm = length_norm(lengths, avgdl, index.params)
        terms = list(weights)
        found = table.rows(terms)
        # A brief's frequency of a term: the sum over its passages plus its title's, weighted
        # (``TITLE_WEIGHT``). These are whole numbers, so any order of addition gives the same
        # float.
        same = len(members) == table.n and np.array_equal(members, table.positions)
        cells = table.cells(terms) if same and briefs.titles is None else None
        if cells is not None:
            # The members are the table's positions in order (as a rule: the candidates are
            # among them, briefs numbered in the order of positions): the non-zero cells are
            # summed by (term, brief), with the titles', in one count.
            tf = self._cell_sums(cells, terms, table.ids(terms), members, runs, len(chosen))
        else:
            if not same:
                found = found[:, np.searchsorted(table.positions, members)]  # members' order
            tf = self._sums(found, runs, len(members))
            if briefs.titles is None:
                # A title is filed under its brief's first passage: look it up where titles are.
                titled = np.flatnonzero(index.title_len[members] > 0)
                if len(titled):
                    self._add_titles(
                        tf, terms, members[titled], np.searchsorted(runs, titled, "right") - 1
                    )
            else:
                order = np.argsort(chosen, kind="stable")
                keys = chosen[order]
                for row, term in enumerate(terms):
                    postings = briefs.titles.get(term)
                    if postings is not None:
                        at = np.minimum(np.searchsorted(keys, postings[0]), len(keys) - 1)
                        hit = keys[at] == postings[0]
                        np.add.at(tf[row], order[at[hit]], TITLE_WEIGHT * postings[1][hit])
        held = tf.any(axis=1)
        if not held.any():
            return np.zeros(len(chosen), dtype=np.float64)
        rows = np.flatnonzero(held)
        held_terms = [terms[row] for row in rows.tolist()]
        idf = np.array([self.idf(t) for t in held_terms], dtype=np.float64)
        scale = np.array([weights[t] for t in held_terms], dtype=np.float64) * idf
        parts = term_score(scale[:, None], tf[rows], norm, index.params.k1)
        # Added term by term in the weights' order, as the sum term by term rounds.
        total = np.zeros(len(chosen), dtype=np.float64)
        for part in parts:
            total += part
        return total


def rerank(
    index: BM25Index,
    terms: Sequence[str],
    *,
    stats: BriefTerms,
    tokens_of: Callable[[list[int]], list[list[str]]],
    allowed: Allowed | None = None,
    depth: int = RERANK_DEPTH,
    aliases: Sequence[str] | Mapping[str, float] = (),
    framing: Collection[str] = FRAMING,
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Return the candidate positions best first, their final scores and their own BM25 scores.

    The candidates are the ``depth`` passages best by their own BM25 among those ``allowed``
    lets through; ``tokens_of`` gives the analyzed tokens of passages by id (for feedback). They
    come from the index's exact pruned top-k; their feedback and brief scores
    are looked up at them, so the cost grows with ``depth`` and the question's postings, not with
    the archive or the number of briefs. ``aliases`` are terms the question means but did not
    use: the ``depth`` passages best for them join the candidates, and they weigh
    ``ALIAS_WEIGHT`` of a question term (or the weight given, when a mapping). Question words
    that only frame the question (``framing``, by default ``FRAMING``: "became", "happened")
    weigh ``FRAMING_WEIGHT``.
    The third array is each passage's rank-bm25 score for ``terms`` alone (0 for a passage that
    holds only aliases).
    """
    alias_weight = (
        dict(aliases) if isinstance(aliases, Mapping) else dict.fromkeys(aliases, ALIAS_WEIGHT)
    )
    aliases = list(alias_weight)
    positions = np.zeros(0, dtype=np.int64)
    own = np.zeros(0, dtype=np.float64)
    if terms:
        positions, own = index.top_positions(terms, depth, allowed=allowed)
    if aliases:
        # The passages best for the aliases alone join after them, in that order.
        more, _ = index.top_positions(list(aliases), depth, allowed=allowed)
        more = _not_in(more, positions)
        positions = np.concatenate([positions, more])
        own = np.concatenate([own, np.zeros(len(more), dtype=np.float64)])
    titled = _title_only(index, terms, allowed)
    if len(titled):
        # A word only a title holds ("purge" of "Nazarbayev's corruption purge"): the briefs so
        # titled join through the passage their title is filed under, scored by their brief.
        more = _not_in(titled, positions)
        positions = np.concatenate([positions, more])
        own = np.concatenate([own, np.zeros(len(more), dtype=np.float64)])
    if not len(positions):
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros(0), np.zeros(0)
    id_arr = index.ids[positions]
    order = np.argsort(positions, kind="stable")
    sorted_pos = positions[order]
    owners = stats.briefs.brief_of[positions]
    chosen, back = _small_unique(owners)
    # Every term's frequency is looked up once, at the candidates and their briefs' passages.
    spans = stats.spans(chosen)
    table = TfTable(index, _distinct(np.concatenate([spans[0], sorted_pos])))
    at = np.searchsorted(table.positions, sorted_pos)
    norm = index.norm[sorted_pos]

    def weighted_sum(weights: Mapping[str, float]) -> FloatArray:
        """Return the sum over ``weights`` (in order) of weight times the term's rank-bm25 score
        at the candidates (ascending)."""
        terms = list(weights)
        tf = table.rows(terms)[:, at]
        out = np.zeros(len(sorted_pos), dtype=np.float64)
        held = np.flatnonzero(tf.any(axis=1))
        if not len(held):
            return out
        # A term held at a live candidate is one the index holds: its idf is ``term_idf``'s.
        idf = index.idf.take(table.ids(terms).take(held))
        weight = np.asarray([weights[terms[i]] for i in held.tolist()])
        parts = weight[:, None] * term_score(idf[:, None], tf[held], norm, index.params.k1)
        for part in parts:  # term by term, in order, as the sum rounds
            out += part
        return out

    first = own
    if aliases:
        extra = np.empty(len(positions), dtype=np.float64)
        extra[order] = weighted_sum(alias_weight)
        first = own + extra
    lead = np.lexsort((positions, -first))[:FEEDBACK_PASSAGES]
    fb_ids = id_arr[lead].tolist()
    weights = feedback_weights(terms, tokens_of(fb_ids), first[lead].tolist())
    for term in set(terms).intersection(framing):
        weights[term] *= FRAMING_WEIGHT
    for term, weight in alias_weight.items():
        weights[term] = weights.get(term, 0.0) + weight * FEEDBACK_ORIGINAL
    final = np.empty(len(positions), dtype=np.float64)
    final[order] = weighted_sum(weights)
    final += BRIEF_WEIGHT * stats.scores(weights, chosen, table, spans)[back]
    ranked = np.lexsort((positions, -final))
    return positions[ranked], final[ranked], own[ranked]


def title_only(index: BM25Index, term: str) -> bool:
    """Return whether ``term`` is in a live brief's title and in none of the passages."""
    return not index.known_terms([term]) and bool(len(index.title_postings(term)[0]))


def _title_only(index: BM25Index, terms: Sequence[str], allowed: Allowed | None) -> IntArray:
    """Return the positions (ascending) whose brief's title holds one of ``terms`` that no
    passage holds, among those ``allowed`` lets through (a title is filed under its brief's
    first live passage)."""
    found = [index.title_postings(t)[0] for t in dict.fromkeys(terms) if title_only(index, t)]
    if not found:
        return np.zeros(0, dtype=np.int64)
    positions = np.unique(np.concatenate(found)).astype(np.int64)
    if allowed is not None and len(positions):
        keep = allowed[positions] if isinstance(allowed, np.ndarray) else allowed(positions)
        positions = positions[keep]
    return positions


def derive_briefs(index: BM25Index) -> None:
    """Work out the index's own brief map and each brief's members into ``index.derived``, where
    they are saved with the index: the next process reads them instead of working them out at its
    first question. Nothing to do for an index without a ``brief`` column or passages."""
    if index.size and "brief" in index.columns:
        BriefTerms(index, BriefMap.build(index))


def coverage(
    terms: Sequence[str],
    held: set[str],
    idf: Callable[[str], float],
    also: Callable[[str, set[str]], bool] | None = None,
) -> float:
    """Return the share of the idf mass of ``terms`` (distinct) that ``held`` holds.

    ``also(term, held)`` may say that ``held`` holds a term in other words (an alias).
    """
    return best_coverage(terms, [held], idf, also)


def best_coverage(
    terms: Sequence[str],
    helds: Sequence[set[str]],
    idf: Callable[[str], float],
    also: Callable[[str, set[str]], bool] | None = None,
) -> float:
    """Return the largest ``coverage`` of ``terms`` by one of ``helds`` (the idf mass worked
    out once)."""
    # Summed in a fixed order: a set's order follows string hashing, which differs from one
    # process to the next, and the last bits of the sum decide cases right at the threshold.
    mass = {t: max(idf(t), 0.0) for t in sorted(set(terms))}
    total = sum(mass.values())
    return max(
        1.0
        if total <= 0
        else sum(m for t, m in mass.items() if t in held or (also is not None and also(t, held)))
        / total
        for held in helds
    )


def high_coverage(distinct_terms: int) -> float:
    """Return the coverage a passage needs for a ``high`` confidence answer to a question of
    ``distinct_terms`` distinct terms (lower for long questions)."""
    return HIGH_COVERAGE * min(1.0, COVERAGE_TERMS / max(distinct_terms, 1))


def informative(
    terms: Sequence[str], idf: Callable[[str], float], limit: int, known: Callable[[str], bool]
) -> list[str]:
    """Return ``terms`` keeping only (every occurrence of) ``limit`` distinct terms, in order:
    the words the archive holds, rarest (highest idf) first, then words it never uses. ``terms``
    itself when it has no more than ``limit`` distinct terms."""
    distinct = list(dict.fromkeys(terms))
    if len(distinct) <= limit:
        return list(terms)
    keep = set(sorted(distinct, key=lambda t: (not known(t), -idf(t), t))[:limit])
    return [t for t in terms if t in keep]


MONTH_NUMBERS = {
    "januari": "01", "februari": "02", "march": "03", "april": "04", "may": "05", "june": "06",
    "juli": "07", "august": "08", "septemb": "09", "octob": "10", "novemb": "11", "decemb": "12",
}  # fmt: skip
"""A month's search term and its number as a date writes it ("octob": "10")."""


def is_year(term: str) -> bool:
    """Return whether search term ``term`` is a year ("1998", "2003")."""
    return len(term) == 4 and term.isdigit() and term[:2] in ("19", "20")


def names_date(terms: Iterable[str]) -> bool:
    """Return whether ``terms`` name a year or a month: else ``date_bonus`` is 0 everywhere."""
    return any(t in MONTH_NUMBERS or is_year(t) for t in terms)


def date_text(raw: Any) -> str:
    """Return a brief's date as the index keeps it (bytes, "1998-07-20") as text; "" for none."""
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")


def dated_in(date: str, term: str) -> bool:
    """Return whether a brief dated ``date`` (YYYY-MM-DD) is dated in the year, or the month of
    any year, that search term ``term`` names ("1998", "octob")."""
    if is_year(term):
        return date.startswith(term)
    return date[5:7] == MONTH_NUMBERS.get(term)


def date_bonus(
    terms: Sequence[str], dates: Sequence[bytes], idf: Callable[[str], float]
) -> FloatArray:
    """Return, per passage, what its brief's date adds when the question names that date.

    A brief's date ("1998-07-20") is part of what it is about, though its text may never write
    the year: a question naming the year (a term "1998") or the month ("juli") earns a passage of
    a brief dated so ``BRIEF_WEIGHT`` times the term's question weight and idf, as if the brief
    held the date once more (a month counts only where the year, if named, matches too).
    """
    years = {t for t in terms if is_year(t)}
    months = {MONTH_NUMBERS[t]: t for t in terms if t in MONTH_NUMBERS}
    bonus = np.zeros(len(dates), dtype=np.float64)
    if not years and not months:
        return bonus
    scale = BRIEF_WEIGHT * FEEDBACK_ORIGINAL
    for i, raw in enumerate(dates):
        date = date_text(raw)
        year, month = date[:4], date[5:7]
        if year in years:
            bonus[i] += scale * max(idf(year), 0.0)
        if month in months and (not years or year in years):
            bonus[i] += scale * max(idf(months[month]), 0.0)
    return bonus


def diversify(
    briefs: Sequence[int], scores: Sequence[float], limit: int | None = None
) -> list[int]:
    """Return the order in which to show ranked passages so that briefs do not repeat.

    ``briefs`` and ``scores`` are the ranked passages' brief numbers and final scores, best
    first. Each brief's best passage is shown in rank order; a brief's further passage comes
    before the next brief's best only when it scores ``CLEARLY_BETTER`` times as much (one brief
    then clearly answers better than any other). The remaining passages follow in rank order.
    With ``limit``, the order may stop once it holds that many (what it holds is unchanged: the
    order only ever grows at its end).
    """
    shown: set[int] = set()
    order: list[int] = []
    waiting: list[int] = []
    for i, brief in enumerate(briefs):
        if limit is not None and len(order) >= limit:
            return order
        if brief in shown:
            waiting.append(i)
            continue
        while waiting and scores[waiting[0]] >= CLEARLY_BETTER * scores[i]:
            order.append(waiting.pop(0))
        shown.add(brief)
        order.append(i)
    order.extend(waiting)
    return order


def unseen_idf(index: BM25Index) -> float:
    """Return the idf rank-bm25 would give a term that no passage holds."""
    value: float = raw_idf(index.size, 0)
    return value
