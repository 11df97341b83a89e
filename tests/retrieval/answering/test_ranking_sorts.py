"""The reranking's array helpers give what numpy's general sorts give, bit for bit (#11)."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from retrieval.answering.ranking import (
    FEEDBACK_ORIGINAL,
    FEEDBACK_TERMS,
    BriefMap,
    BriefTerms,
    Tokens,
    _by_position,
    _not_in,
    _unique_inverse,
    brief_leads,
    date_bonus,
    feedback_weights,
    names_date,
    term_counts,
)
from retrieval.search.index import BM25Index


@pytest.mark.parametrize("seed", range(20))
def test_unique_inverse_equals_numpy_unique(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 3000))
    # Brief ids: mostly in order with repeats, some out of order, from a small or a huge range.
    high = [50, 10_000, 2**40][seed % 3]
    values = np.sort(rng.integers(0, high, n)).astype(np.int64)
    if seed % 2:
        values[rng.integers(0, max(n, 1), n // 10)] = rng.integers(0, high, n // 10)
    numbers, inverse = _unique_inverse(values)
    expected_numbers, expected_inverse = np.unique(values, return_inverse=True)
    assert numbers.dtype == expected_numbers.dtype and inverse.dtype == expected_inverse.dtype
    assert np.array_equal(numbers, expected_numbers)
    assert np.array_equal(inverse, expected_inverse)


@pytest.mark.parametrize("seed", range(20))
def test_not_in_equals_numpy_isin(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(50):
        high = int(rng.choice([5, 300, 2**40]))
        values = rng.integers(0, high, int(rng.integers(0, 400)))
        if rng.random() < 0.5:
            values = np.unique(values)  # as rerank's: distinct positions, in rank order
            rng.shuffle(values)
        among = rng.integers(0, high, int(rng.integers(0, 400)))
        got = _not_in(values, among)
        assert got.dtype == values.dtype
        assert np.array_equal(got, values[~np.isin(values, among)])


@pytest.mark.parametrize("seed", range(20))
def test_title_postings_by_position_equal_a_stable_sort(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # Segments of title postings: by term, then by position; a position is in one segment only.
    where, tids = [], []
    first = 0
    for _ in range(int(rng.integers(1, 5))):
        size = int(rng.integers(1, 400))
        n_terms = int(rng.integers(1, 300))
        for tid in range(n_terms):
            docs = np.unique(rng.integers(first, first + size, int(rng.integers(0, 6))))
            where.append(docs)
            tids.append(np.full(len(docs), tid))
        first += size
    positions = np.concatenate(where).astype(np.int64)
    terms = np.concatenate(tids).astype(np.int64)
    if seed == 0:
        positions = positions + 2**50  # too many bits to pack: the stable sort itself
    counts = rng.integers(1, [4, 300][seed % 2], len(positions)).astype(np.uint16)
    order = np.argsort(positions, kind="stable")
    got = _by_position(positions, terms, counts)
    for array, expected in zip(got, (positions[order], terms[order], counts[order]), strict=True):
        assert array.dtype == expected.dtype
        assert np.array_equal(array, expected)


@pytest.mark.parametrize("seed", range(12))
def test_the_saved_brief_map_equals_the_general_one(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    high = [30, 5_000, 2**40][seed % 3]  # a huge range takes numpy's unique instead
    briefs = np.sort(rng.integers(0, high, n)).astype(np.int64)
    if seed % 4 == 1:
        briefs[rng.integers(0, n, n // 5)] = -1  # passages of no brief
    words = ["oil", "gas", "court", "wheat", "navy"]
    cut = int(rng.integers(1, n + 1))  # two segments when cut < n
    index = BM25Index.build(
        [list(rng.choice(words, int(rng.integers(1, 9)))) for _ in range(cut)],
        list(range(1, cut + 1)),
        columns={"brief": briefs[:cut]},
    )
    if cut < n:
        builder = index.builder()
        for pid in range(cut + 1, n + 1):
            builder.add(pid, list(rng.choice(words, int(rng.integers(1, 9)))), ["title"])
        index = index.appended(builder.vocab, [builder.build({"brief": briefs[cut:]})])
    if seed % 2:
        gone = rng.integers(1, n + 1, max(1, n // 4)).tolist()
        index = index.appended(index.vocab, [], deleted=gone)
    expected = BriefMap.build(index, index.columns["brief"])
    got = BriefMap.build(index)
    assert got.brief_of.dtype == np.int32
    assert np.array_equal(got.brief_of, expected.brief_of)
    assert got.lengths.dtype == expected.lengths.dtype
    assert np.array_equal(got.lengths, expected.lengths)
    stats = BriefTerms(index, got)
    reference = BriefTerms(index, expected)
    assert np.array_equal(stats.members, reference.members)
    assert np.array_equal(stats.starts, reference.starts)


@pytest.mark.parametrize("seed", range(10))
def test_a_question_naming_no_date_gets_no_date_bonus(seed: int) -> None:
    # ``Archive.rank`` skips the date bonus (and the sort after it) when ``names_date`` says no
    # term names a year or a month: the bonus must then be 0 for every passage.
    rng = np.random.default_rng(seed)
    words = ["1998", "2003", "1850", "98", "juli", "march", "may", "oil", "decemb", "20a1", "x"]
    dates = [b"1998-07-20", b"2003-03-01", b"1998-12-31", b"", b"2003-05-09", b"1850-01-01"]
    for _ in range(200):
        terms = list(rng.choice(words, int(rng.integers(0, 5))))
        bonus = date_bonus(terms, dates, lambda t: 1.5)
        if not names_date(terms):
            assert not bonus.any()
        assert names_date(terms) == any(
            t in ("1998", "2003", "juli", "march", "may", "decemb") for t in terms
        )


@pytest.mark.parametrize("seed", range(10))
def test_brief_leads_are_each_briefs_first_place(seed: int) -> None:
    rng = np.random.default_rng(seed)
    briefs = rng.integers(0, [3, 40, 10**9][seed % 3], int(rng.integers(0, 300)))
    first: dict[int, int] = {}
    for i, b in enumerate(briefs.tolist()):
        first.setdefault(b, i)
    assert brief_leads(briefs).tolist() == [first[b] for b in briefs.tolist()]


@pytest.mark.parametrize("seed", range(10))
def test_feedback_weights_equal_masses_summed_passage_by_passage(seed: int) -> None:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(int(rng.integers(1, 60)))]
    for _ in range(30):
        passages = [
            list(rng.choice(words, int(rng.integers(0, 40))))
            for _ in range(int(rng.integers(0, 6)))
        ]
        scores = rng.normal(5, 2, len(passages)).tolist()
        question = list(rng.choice(words, int(rng.integers(1, 5))))
        got = feedback_weights(question, passages, scores)
        # Each term's mass: its share of each passage in turn, added from 0 in passage order.
        mass: dict[str, float] = {}
        for tokens, score in zip(passages, scores, strict=True):
            for term in sorted(set(tokens)):
                share = math.exp(score - max(scores)) / len(tokens)
                mass[term] = mass.get(term, 0.0) + share * tokens.count(term)
        chosen = sorted(mass.items(), key=lambda kv: (-kv[1], kv[0]))[:FEEDBACK_TERMS]
        expected = {t: FEEDBACK_ORIGINAL * question.count(t) for t in dict.fromkeys(question)}
        total = sum(v for _, v in chosen)
        if chosen and total > 0:
            scale = (1 - FEEDBACK_ORIGINAL) * len(question) / total
            for term, value in chosen:
                expected[term] = expected.get(term, 0.0) + scale * value
        assert list(got.items()) == list(expected.items())
        # The same from passages as kept from one question to the next (``Tokens``): their
        # counts worked out at the first use and kept, then read at the second.
        kept = [Tokens(tokens) for tokens in passages]
        for _ in range(2):
            assert list(feedback_weights(question, kept, scores).items()) == list(got.items())
        for tokens, counted in zip(passages, kept, strict=True):
            expected_counts = Counter(tokens)
            assert counted.counts in (
                None,
                (tuple(expected_counts), tuple(expected_counts.values())),
            )
            assert (
                term_counts(counted)
                == term_counts(tokens)
                == (
                    tuple(expected_counts),
                    tuple(expected_counts.values()),
                )
            )
