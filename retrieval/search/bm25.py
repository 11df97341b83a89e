"""rank-bm25's ``BM25Okapi`` formula, written once, and the array types the engine passes around.

Every BM25 score in briefbot (a passage's, a brief's taken as one document, a digest topic's, the
bound that pruning relies on) is built from the three pieces here, operation for operation as
rank-bm25 computes them, so that scores equal the reference's:

* ``idf = ln(N - n + 0.5) - ln(n + 0.5)`` (``raw_idf``); terms with a negative idf get
  ``epsilon`` times the mean idf instead (``corpus_idf``, ``floored_idf``), so a term in exactly
  half the documents keeps an idf of 0;
* the length normalisation ``k1 * (1 - b + b * doc_len / avgdl)`` (``length_norm``);
* the saturated term frequency ``tf * (k1 + 1) / (tf + norm)``, which a term's idf (or idf times
  a weight) multiplies (``term_score``).

This module imports nothing of briefbot's: any part of the engine may use it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
AnyArray = npt.NDArray[np.generic]
Allowed = BoolArray | Callable[[IntArray], BoolArray]
"""Which positions a search may return: a mask over positions, or a function from positions to
their mask (so that a filter costs as much as the candidates, not the archive)."""


@dataclass(frozen=True)
class BM25Params:
    """BM25 parameters, with rank-bm25's ``BM25Okapi`` defaults."""

    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25

    def to_json(self) -> dict[str, float]:
        """Return the parameters as a JSON-ready dict."""
        return asdict(self)


def raw_idf(n_docs: Any, df: Any) -> Any:
    """Return rank-bm25's idf, ``ln(N - n + 0.5) - ln(n + 0.5)``, before its epsilon floor.

    ``n_docs`` and ``df`` may be numbers (a float is returned) or arrays (an array is).
    """
    if isinstance(df, np.ndarray) or isinstance(n_docs, np.ndarray):
        return np.log(n_docs - df + 0.5) - np.log(df + 0.5)
    return math.log(n_docs - df + 0.5) - math.log(df + 0.5)


def corpus_idf(n_docs: int, df: FloatArray, epsilon: float) -> FloatArray:
    """Return the idf of every term of a corpus (``df``: each term's document frequency, in
    order of first appearance), negative ones replaced by ``epsilon`` times the mean idf.

    rank-bm25 sums the idfs one by one in order of first appearance, and ``cumsum`` adds in that
    order too, so the mean rounds as rank-bm25's does.
    """
    idf: FloatArray = raw_idf(n_docs, df)
    if len(idf):
        average = float(np.cumsum(idf)[-1]) / len(idf)
        idf[idf < 0] = epsilon * average
    return idf


def idf_floor(idf: FloatArray, epsilon: float) -> float:
    """Return what a negative idf is replaced by, given the idfs of the terms in use."""
    return epsilon * float(idf.mean()) if len(idf) else 0.0


def floored_idf(n_docs: int, df: int, floor: float) -> float:
    """Return rank-bm25's idf of one term, ``floor`` when negative."""
    value: float = raw_idf(n_docs, df)
    return floor if value < 0 else value


def length_norm(doc_len: Any, avgdl: float, params: BM25Params) -> Any:
    """Return ``k1 * (1 - b + b * doc_len / avgdl)`` (``k1 * (1 - b)`` when ``avgdl`` is 0),
    for one length or an array of them."""
    k1, b = params.k1, params.b
    if avgdl > 0:
        return k1 * (1 - b + b * doc_len / avgdl)
    if isinstance(doc_len, np.ndarray):
        return np.full(len(doc_len), k1 * (1 - b), dtype=np.float64)
    return k1 * (1 - b)


def term_score(idf: Any, tf: Any, norm: Any, k1: float) -> Any:
    """Return ``idf * (tf * (k1 + 1) / (tf + norm))``: what a term adds to a document's score.

    ``idf`` may be a term's idf times its weight in the question. Numbers or arrays.
    """
    return idf * (tf * (k1 + 1) / (tf + norm))


def posting_scores(idf: float, tfs: AnyArray, norm: FloatArray, k1: float) -> FloatArray:
    """Return ``term_score(idf, tfs, norm, k1)`` for a term's postings: the same operations in
    the same order (so the same floats), done in place on ``norm`` (a fresh array the caller
    gives up) and on a float copy of ``tfs``, without temporary arrays."""
    tf = tfs.astype(np.float64)
    norm += tf
    tf *= k1 + 1
    tf /= norm
    tf *= idf
    return tf
