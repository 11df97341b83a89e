"""The best passages for a question without scoring every posting of its common words (MaxScore).

A question usually pairs a rare word (a name, a place: few postings, high idf) with common ones
(many postings, low idf). Every term has an upper bound on what it can add to a passage's score:
its largest score, kept with the index once worked out (when a question scores the term in full,
or, for a common term, the first time a question needs its bound), else the score of the largest
term frequency with the shortest passage among its postings. Terms are scored in full
from the rarest; once the terms left could not lift a passage that holds none of the scored
terms up to the ``want``-th best score already reached, those terms are only looked up at the
passages already found. Scores stay exact, and so does the ranking:

* a passage outside the candidates holds only terms left out, so its score is at most the sum of
  their bounds, which is below a score that ``want`` candidates reach: it cannot be among them;
* the scores returned are complete: the terms left out are added where the candidates hold
  them, and only the candidates whose partial score reaches that score or to which a term left
  out adds are returned (any other one's score is its partial score, below it).

A partial score is a lower bound only while every term adds something non-negative, so a question
with a negative idf (rank-bm25's epsilon floor when the mean idf is negative) is scored in full; so
is one with an idf of exactly 0 (a term in half the passages), because with every term adding
something positive a passage's partial score is 0 until it is found, and that is how passages
are told apart as found without a flag per passage.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from retrieval.search.bm25 import (
    Allowed,
    AnyArray,
    BM25Params,
    BoolArray,
    FloatArray,
    IntArray,
    length_norm,
    term_score,
)
from retrieval.search.segments import Segment


class Postings(Protocol):
    """What pruning reads of an index (``retrieval/search/index.py``'s ``BM25Index``)."""

    params: BM25Params
    segments: list[Segment]
    idf: FloatArray
    df: IntArray
    avgdl: float
    live: BoolArray | None
    term_maxima: dict[int, float]
    """The largest score one occurrence of a term gives any posting, for the terms scored in full
    so far (each a tighter bound than its segments' largest tf and shortest passage)."""

    def buffers(self) -> contextlib.AbstractContextManager[tuple[FloatArray, BoolArray]]:
        """Lend a score accumulator and a flag per position, all zero."""
        ...

    def term_weights(
        self,
        tid: int,
        *,
        where: BoolArray | None = None,
        few: AnyArray | None = None,
        held: FloatArray | None = None,
    ) -> Sequence[tuple[Any, FloatArray]]:
        """Return, per segment, the positions holding term ``tid`` and its score there (only
        where flagged in ``where``: the ascending positions ``few``, if given; only where
        ``held`` is not 0, if given instead)."""
        ...


# Past this many results wanted, pruning rarely saves anything; score in full.
MAX_WANT = 1000
# The bounds and partial scores are sums of rounded numbers: prune only with room to spare.
MARGIN = 1e-9
# Candidates are searched for in a term's postings (a binary search each) rather than the
# postings read in full when there are fewer than one candidate per FEW postings.
FEW = 16
# A term with this many postings or more is bounded by its largest score, worked out when first
# needed (once an index), not by the score of its largest tf with its shortest passage: a bound
# too high makes a question score common terms in full.
EXACT_POSTINGS = 16_384
# Terms whose largest score is kept per index (a float each).
MAX_KEPT = 20_000
# The terms left out are read where any passage found holds them, not only the candidates
# flagged, when the candidates are more than one per HELD_SHARE of their postings.
HELD_SHARE = 1.0


def term_bound(index: Postings, tid: int) -> float:
    """Return the most that one occurrence of term ``tid`` in a question adds to any score.

    That is the largest of its scores once known: kept when a question scores the term in full,
    worked out here for a term of EXACT_POSTINGS postings or more (one pass over them, once an
    index). Until then, the score of its largest tf with its shortest passage, per segment, which
    for a common term is 5-25% higher (bench archive at 1M): enough to make a question read
    common terms in full that its floor would have left out.
    """
    known = index.term_maxima.get(tid)
    if known is not None:
        return known
    idf = float(index.idf[tid])
    if idf <= 0 or index.avgdl <= 0:
        return 0.0
    if index.df[tid] >= EXACT_POSTINGS:
        _keep_maximum(index, tid, index.term_weights(tid))
        return index.term_maxima[tid]
    best = 0.0
    for seg in index.segments:
        if tid < seg.n_terms and seg.offsets[tid] < seg.offsets[tid + 1]:
            norm = length_norm(float(seg.min_len[tid]), index.avgdl, index.params)
            tf = float(seg.max_tf[tid])
            best = max(best, term_score(idf, tf, norm, index.params.k1))
    return best


def pruned_candidates(
    index: Postings, tids: list[int], want: int, allowed: Allowed | None
) -> tuple[IntArray, FloatArray] | None:
    """Return live passages that include the ``want`` best for the terms ``tids`` (with their
    repetitions), with their exact scores; None when pruning does not apply.
    """
    counts = Counter(tids)
    if len(counts) < 2 or want > MAX_WANT or any(index.idf[t] <= 0 for t in counts):
        return None
    order = sorted(counts, key=lambda t: int(index.df[t]))
    bounds = {t: counts[t] * term_bound(index, t) for t in order}
    with index.buffers() as (acc, touched):
        found: list[IntArray] = []
        scored = 0
        left = sum(bounds.values())
        reach = 0.0  # the most any passage can hold of the terms scored so far
        floor: float | None = None
        partial: FloatArray | None = None
        everyone = False
        held: list[tuple[float, list[Any]]] = []  # each scored term's bound and postings
        while scored < len(order):
            tid = order[scored]
            scored += 1
            left -= bounds[tid]
            reach += bounds[tid]
            parts = index.term_weights(tid)
            held.append((bounds[tid], [docs for docs, _ in parts]))
            _keep_maximum(index, tid, parts)
            for docs, w in parts:
                scores = w if counts[tid] == 1 else counts[tid] * w
                if scored == 1:
                    # The first term: nothing is scored or flagged yet, and a term's postings
                    # name each passage once, so its scores are put, not added (0 + w is w).
                    acc[docs] = scores
                    found.append(docs)
                else:
                    # Every score is positive (every idf is), so a passage not found yet holds
                    # 0: no flag per passage is kept while terms are scored in full.
                    # ``np.add.at`` adds exactly as ``acc[docs] += w`` does, in half the time;
                    # ``take`` gathers faster than ``[]``.
                    found.append(docs[acc.take(docs) == 0])
                    np.add.at(acc, docs, scores)
            # The floor is at most ``reach``: while that is not above ``left``, it cannot be
            # either, and the floor (a pass over every candidate) is not worked out.
            if scored < len(order) and reach > left and sum(map(len, found)) >= want:
                bar = left * (1 + MARGIN) + MARGIN
                needed = _needed(held, reach, bar)
                if needed is not None and len(needed) < sum(map(len, found)):
                    # Only the passages holding that term can score above the bar: the floor
                    # is the same worked out from them alone (far fewer, when it is rare).
                    if len(needed) < want:
                        continue
                    floor = _floor(_partial_scores(index, acc, [needed], allowed)[0], want, bar)
                    partial = None
                else:
                    found = [_joined(found)]  # joined once, for this pass and the ones after
                    partial, everyone = _partial_scores(index, acc, found, allowed)
                    floor = _floor(partial, want, bar)
                if floor is not None:
                    break
        positions = _joined(found).astype(np.int64, copy=False)
        everywhere = positions
        if scored < len(order) and floor is not None:
            positions = _completed(
                index,
                acc,
                touched,
                positions,
                partial,
                everyone,
                floor,
                left,
                order[scored:],
                counts,
            )
        scores = acc.take(positions)
        if len(everywhere) * 8 > len(acc):
            acc.fill(0.0)  # one pass in order beats scattered writes
        else:
            acc[everywhere] = 0.0
    if index.live is not None:
        alive = index.live[positions]
        positions, scores = positions[alive], scores[alive]
    return positions, scores


def _completed(
    index: Postings,
    acc: FloatArray,
    touched: BoolArray,
    positions: IntArray,
    partial: FloatArray | None,
    everyone: bool,
    floor: float,
    left: float,
    rest: list[int],
    counts: Counter[int],
) -> IntArray:
    """Add the terms ``rest`` (left out) into ``acc`` where the candidates ``positions`` hold
    them, and return the candidates that can be among the best, whose scores ``acc`` then holds
    complete: those whose partial score already reaches the ``floor``, and those a term left out
    adds to. Any other candidate's score is its partial score, below the floor. ``touched`` is
    all False before and after.

    ``partial`` gives the candidates' partial scores in the order of ``positions`` when
    ``everyone`` (read by the floor's pass), else it is read again.
    """
    if partial is None or not everyone:
        partial = acc.take(positions)
    # A candidate whose partial score plus everything the terms left out could add stays below
    # the floor cannot be among the best: those terms are looked up at the others only. (The
    # partial score a candidate needs, worked out once rather than for every candidate, with
    # room to spare for its rounding.)
    reaches = (floor - MARGIN) / (1 + MARGIN) - 2 * MARGIN
    hopeful = positions[partial >= reaches - left]
    sure = positions[partial >= reaches]
    few = None
    held = None
    postings = sum(int(index.df[t]) for t in rest)
    if len(hopeful) * FEW < postings:
        # Few candidates left: each is searched for in the postings, not every posting read.
        few = np.sort(hopeful).astype(np.int32)
    elif len(hopeful) * HELD_SHARE > postings:
        # Many: the postings are read where any candidate's partial score is (not 0), rather
        # than the candidates flagged and unflagged.
        held = acc
    else:
        touched[hopeful] = True
    added: list[IntArray] = []
    for tid in rest:
        # Terms left out: only where a candidate holds them.
        where = touched if held is None else None
        for docs, w in index.term_weights(tid, where=where, few=few, held=held):
            # ``np.add.at`` converts 32-bit positions to 64-bit ones slowly: convert first.
            docs = docs.astype(np.int64, copy=False)
            np.add.at(acc, docs, w if counts[tid] == 1 else counts[tid] * w)
            added.append(docs)
    if few is None and held is None:
        touched[hopeful] = False
    # The passages added to, each once and not among those sure already.
    touched[sure] = True
    kept = [sure]
    for docs in added:
        docs = docs[~touched.take(docs)]
        touched[docs] = True
        kept.append(docs)
    chosen = np.concatenate(kept)
    touched[chosen] = False
    return chosen


def _partial_scores(
    index: Postings, acc: FloatArray, found: list[IntArray], allowed: Allowed | None
) -> tuple[FloatArray, bool]:
    """Return the partial scores of the live candidates ``found`` that ``allowed`` lets through,
    and whether that is every one of them (the scores are then in the order ``found`` gives)."""
    positions = _joined(found)
    if index.live is not None or allowed is not None:
        keep = np.ones(len(positions), dtype=bool)
        if index.live is not None:
            keep &= index.live[positions]
        if allowed is not None:
            keep &= allowed[positions] if isinstance(allowed, np.ndarray) else allowed(positions)
        if not keep.all():
            return acc.take(positions[keep]), False
    return acc.take(positions), True


def _joined(arrays: list[IntArray]) -> IntArray:
    """Return ``arrays`` end to end (the one array itself, when it is alone)."""
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def _keep_maximum(index: Postings, tid: int, parts: Sequence[tuple[Any, FloatArray]]) -> None:
    """Keep the largest of term ``tid``'s scores ``parts`` (every posting of it, all segments)
    as its bound for the questions that follow (``term_bound``)."""
    maxima = index.term_maxima
    if tid in maxima:
        return
    if len(maxima) >= MAX_KEPT:
        maxima.clear()
    maxima[tid] = max((float(w.max()) for _, w in parts if len(w)), default=0.0)


def _needed(held: list[tuple[float, list[Any]]], reach: float, bar: float) -> Any:
    """Return the postings of the scored term with the fewest that every passage scoring above
    ``bar`` must hold (one lacking it holds at most ``reach`` less its bound), or None.

    ``held`` gives each scored term's bound and postings (per segment), ``reach`` the sum of
    their bounds.
    """
    best: list[Any] | None = None
    size = 0
    for bound, docs in held:
        if (reach - bound) * (1 + MARGIN) + MARGIN < bar:
            total = sum(map(len, docs))
            if best is None or total < size:
                best, size = docs, total
    if best is None:
        return None
    return best[0] if len(best) == 1 else np.concatenate(best)


def _floor(partial: FloatArray, want: int, bar: float) -> float | None:
    """Return the ``want``-th best of the candidates' ``partial`` scores (a lower bound of the
    ``want``-th best true score) if it is above ``bar``, else None."""
    # Partial scores are lower bounds of the true ones (terms add nothing negative), so the
    # want-th best partial score is a lower bound of the want-th best true score. Only the
    # scores above the bar can be it: the others are not sorted.
    high = partial[partial > bar]
    if len(high) < want:
        return None
    return float(-np.partition(-high, want - 1)[want - 1])
