"""The one copy of rank-bm25's formula, piece by piece, against rank-bm25 itself."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval.search.bm25 import (
    BM25Params,
    corpus_idf,
    floored_idf,
    length_norm,
    raw_idf,
    term_score,
)

CORPUS = [
    ["oil", "pipeline", "caspian"],
    ["oil", "tariff"],
    ["border", "troops", "oil", "oil"],
    ["treaty", "union", "border"],
    ["oil", "grain"],
]


def test_corpus_idf_equals_rank_bm25s_with_its_epsilon_floor() -> None:
    params = BM25Params()
    reference = BM25Okapi(CORPUS, k1=params.k1, b=params.b, epsilon=params.epsilon)
    terms = list(dict.fromkeys(t for doc in CORPUS for t in doc))  # order of first appearance
    df = np.asarray([sum(t in doc for doc in CORPUS) for t in terms], dtype=np.float64)
    idf = corpus_idf(len(CORPUS), df, params.epsilon)
    assert idf.tolist() == [reference.idf[t] for t in terms]
    assert idf[terms.index("oil")] > 0  # "oil" is in 4 of 5: negative before the floor
    assert raw_idf(len(CORPUS), 4) < 0


def test_a_documents_score_is_the_sum_of_term_scores_as_rank_bm25_adds_them() -> None:
    params = BM25Params(k1=1.2, b=0.4, epsilon=0.5)
    reference = BM25Okapi(CORPUS, k1=params.k1, b=params.b, epsilon=params.epsilon)
    avgdl = sum(map(len, CORPUS)) / len(CORPUS)
    query = ["oil", "border", "oil"]
    for i, doc in enumerate(CORPUS):
        norm = length_norm(len(doc), avgdl, params)
        counts = Counter(doc)
        score = 0.0
        for term in query:
            score += term_score(reference.idf[term], counts[term], norm, params.k1)
        assert score == pytest.approx(reference.get_scores(query)[i], rel=1e-12)


def test_length_norm_of_an_empty_corpus_and_floored_idf() -> None:
    params = BM25Params()
    assert length_norm(7, 0.0, params) == params.k1 * (1 - params.b)
    assert length_norm(np.asarray([1.0, 2.0]), 0.0, params).tolist() == [0.375, 0.375]
    assert floored_idf(10, 9, 0.125) == 0.125
    assert floored_idf(10, 1, 0.125) == raw_idf(10, 1) > 0
