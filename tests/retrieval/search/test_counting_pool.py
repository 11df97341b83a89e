"""``CountingPool``: batches come back in order, numbered in the vocabulary as ``analyze`` would
have them; a worker that dies is one clear error, not a hang."""

from __future__ import annotations

import pytest

from retrieval.errors import RetrievalError
from retrieval.search.workers import CountingPool
from retrieval.text.analyzer import analyze

TEXTS = [
    ["Oil prices rose in Baku.", "Gazprom raised gas prices", ""],
    ["El’tsin met Nazarbayev in Almaty; US$5 million was pledged."],
    ["Prices of oil fell.", "Wałęsa spoke in Gdańsk.", "the of and"],
] * 3


def test_batches_come_back_in_order_numbered_in_the_vocabulary() -> None:
    vocab = {"price": 0}
    with CountingPool(2, vocab) as pool:
        results = list(pool.map(iter(TEXTS)))
    terms = {number: term for term, number in vocab.items()}
    expected_order = list(
        dict.fromkeys(["price"] + [t for b in TEXTS for x in b for t in analyze(x)])
    )
    assert list(vocab) == expected_order
    for texts, counts in zip(TEXTS, results, strict=True):
        assert counts.lengths.tolist() == [len(analyze(text)) for text in texts]
        found = [
            (int(doc), terms[int(term)], int(tf))
            for doc, term, tf in zip(counts.docs, counts.terms, counts.tfs, strict=True)
        ]
        expected = [
            (n, term, analyze(text).count(term))
            for n, text in enumerate(texts)
            for term in dict.fromkeys(analyze(text))
        ]
        assert sorted(found) == sorted(expected)


def test_a_worker_that_dies_is_a_clear_error() -> None:
    with CountingPool(1, {}) as pool:
        pool._procs[0].kill()
        pool._procs[0].wait()
        with pytest.raises(RetrievalError, match="ended early"):
            list(pool.map(iter(TEXTS)))
