"""Plain computations the ranking's fast paths are checked against (test oracles).

Each scores every passage or every brief in one straightforward pass, written out here apart
from ``retrieval/search/bm25.py`` so that a mistake there cannot hide in both: ``brief_scores``
(rank-bm25's ``BM25Okapi`` over whole briefs), ``passage_scores`` and ``rerank_everything`` (the
reranking of ``retrieval/answering/ranking.py`` over every candidate, not just the best by their
own BM25).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from retrieval.answering import ranking
from retrieval.answering.ranking import (
    BRIEF_WEIGHT,
    FEEDBACK_PASSAGES,
    BriefMap,
    feedback_weights,
)
from retrieval.search.bm25 import Allowed, FloatArray, IntArray
from retrieval.search.index import BM25Index


def term_postings(index: BM25Index, term: str) -> tuple[IntArray, FloatArray]:
    """Return the live positions holding ``term`` and its frequency in each."""
    positions, counts = index.term_postings(term)
    return positions, counts.astype(np.float64)


def brief_scores(index: BM25Index, briefs: BriefMap, weights: dict[str, float]) -> FloatArray:
    """Return every brief's BM25 score for the weighted terms, a brief counted as one document
    (its title and its passages).

    The formula is rank-bm25's ``BM25Okapi`` over briefs (tf, length and idf at brief level),
    a title word counting ``TITLE_WEIGHT`` times in the tf (not in the length); a negative idf
    gets ``epsilon`` times the passage index's mean idf.
    """
    k1, b = index.params.k1, index.params.b
    n = briefs.n_briefs
    total = np.zeros(n, dtype=np.float64)
    if n == 0:
        return total
    avgdl = float(briefs.lengths.sum()) / n
    floor = index.params.epsilon * float(index.idf[index.df > 0].mean()) if len(index.df) else 0.0
    for term, weight in weights.items():
        pos, tf = term_postings(index, term)
        owner = briefs.brief_of[pos]
        keep = owner >= 0
        title = title_counts(briefs, index, term)
        if not keep.any() and title is None:
            continue
        tf_brief: FloatArray = np.bincount(owner[keep], weights=tf[keep], minlength=n).astype(
            np.float64
        )
        if title is not None:
            tf_brief[title[0]] += ranking.TITLE_WEIGHT * title[1]
        held = np.flatnonzero(tf_brief)
        df = len(held)
        idf = math.log(n - df + 0.5) - math.log(df + 0.5)
        if idf < 0:
            idf = floor
        f = tf_brief[held]
        norm = k1 * (1 - b + b * briefs.lengths[held] / avgdl) if avgdl > 0 else k1 * (1 - b)
        total[held] += weight * idf * (f * (k1 + 1) / (f + norm))
    return total


def passage_scores(index: BM25Index, weights: dict[str, float], positions: IntArray) -> FloatArray:
    """Return the weighted BM25 score (sum of weight times the term's score) at ``positions``."""
    acc = np.zeros(index.n_positions, dtype=np.float64)
    for term, weight in weights.items():
        pos, score = index.score([term])
        acc[pos] += weight * score
    return acc[positions]


def rerank_everything(
    index: BM25Index,
    terms: Sequence[str],
    *,
    briefs: BriefMap,
    tokens_of: Callable[[list[int]], list[list[str]]],
    allowed: Allowed | None = None,
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Return the candidate positions best first, their final scores and their own BM25 scores.

    Candidates are the live passages sharing a term with ``terms`` that ``allowed`` lets
    through. ``tokens_of`` gives the analyzed tokens of passages by id (for feedback).
    """
    positions, own = index.score(terms)
    if allowed is not None and len(positions):
        keep = allowed[positions] if isinstance(allowed, np.ndarray) else allowed(positions)
        positions, own = positions[keep], own[keep]
    if not len(positions):
        return positions, own, own
    first = np.lexsort((positions, -own))[:FEEDBACK_PASSAGES]
    fb_ids = [int(index.ids[positions[i]]) for i in first]
    weights = feedback_weights(terms, tokens_of(fb_ids), [float(own[i]) for i in first])
    final = passage_scores(index, weights, positions)
    final += BRIEF_WEIGHT * brief_scores(index, briefs, weights)[briefs.brief_of[positions]]
    order = np.lexsort((positions, -final))
    return positions[order], final[order], own[order]


def title_counts(
    briefs: BriefMap, index: BM25Index, term: str
) -> tuple[IntArray, FloatArray] | None:
    """Return the briefs (numbers) whose title holds ``term`` and how often, or None."""
    if briefs.titles is not None:
        return briefs.titles.get(term)
    positions, counts = index.title_postings(term)
    owner = briefs.brief_of[positions]
    keep = owner >= 0
    if not keep.any():
        return None
    return owner[keep], counts[keep].astype(np.float64)
