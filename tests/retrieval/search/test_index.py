"""The BM25 index scores exactly as rank-bm25's BM25Okapi, through growth, deletion and merging."""

from __future__ import annotations

import functools
import heapq
import math
import random
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval.errors import EmptyArchiveError
from retrieval.search import index as index_module
from retrieval.search import maxscore
from retrieval.search.bm25 import BM25Params
from retrieval.search.index import BM25Index
from retrieval.search.maxscore import pruned_candidates

RTOL = 1e-9


@functools.lru_cache(maxsize=4)
def _okapi(
    corpus: tuple[tuple[str, ...], ...], k1: float, b: float, epsilon: float
) -> tuple[BM25Okapi, dict[str, list[int]]]:
    """Return rank-bm25's model of ``corpus`` and the passages each word is in (ascending), built
    once per corpus (tests ask many questions of one corpus)."""
    holding: dict[str, list[int]] = {}
    for n, doc in enumerate(corpus):
        for word in dict.fromkeys(doc):
            holding.setdefault(word, []).append(n)
    return BM25Okapi(corpus, k1=k1, b=b, epsilon=epsilon), holding


def reference_top(
    corpus: Sequence[Sequence[str]],
    ids: Sequence[int],
    query: Sequence[str],
    k: int,
    *,
    allowed: set[int] | None = None,
    params: BM25Params | None = None,
) -> list[tuple[int, float]]:
    """Return rank-bm25's top ``k`` among passages sharing a term with ``query``, ties by id."""
    p = params or BM25Params()
    model, holding = _okapi(tuple(map(tuple, corpus)), p.k1, p.b, p.epsilon)
    scores = model.get_scores(query)
    sharing = sorted({n for term in set(query) for n in holding.get(term, ())})
    ranked = [(ids[n], float(scores[n])) for n in sharing if allowed is None or ids[n] in allowed]
    return heapq.nsmallest(k, ranked, key=lambda r: (-r[1], r[0]))


def assert_same_top(got: list[tuple[int, float]], expected: list[tuple[int, float]]) -> None:
    """Assert equal scores rank by rank to 1e-9 relative, and the same passages up to exact ties."""
    assert len(got) == len(expected)
    for (_, g), (_, e) in zip(got, expected, strict=True):
        assert math.isclose(g, e, rel_tol=RTOL, abs_tol=1e-12), (got, expected)
    # A passage may differ from the reference's only where scores tie (then order is by id in
    # both, and only rounding in the last bit can swap them).
    ties = {round(e, 9) for _, e in expected}
    for (gid, g), (eid, _) in zip(got, expected, strict=True):
        assert gid == eid or round(g, 9) in ties


def random_corpus(rng: random.Random, n: int, vocab: int, max_len: int) -> list[list[str]]:
    """Return ``n`` passages of Zipf-ish random terms, some of them empty."""
    weights = [1 / (r + 1) for r in range(vocab)]
    terms = [f"t{r}" for r in range(vocab)]
    return [rng.choices(terms, weights, k=rng.randint(0, max_len)) for _ in range(n)]


def random_query(rng: random.Random, vocab: int) -> list[str]:
    """Return 1-8 terms, sometimes repeated, sometimes unknown to the corpus."""
    return [f"t{rng.randint(0, vocab + 5)}" for _ in range(rng.randint(1, 8))]


@pytest.mark.parametrize("seed", range(12))
def test_top_ten_equals_rank_bm25_on_random_corpora(seed: int) -> None:
    rng = random.Random(seed)
    vocab = rng.choice([5, 40, 400])
    corpus = random_corpus(rng, rng.randint(1, 300), vocab, rng.choice([3, 30, 120]))
    ids = sorted(rng.sample(range(1, 10_000), len(corpus)))
    index = BM25Index.build(corpus, ids)
    if index.size == 0 or not index.postings:
        pytest.skip("all passages empty")
    for _ in range(25):
        query = random_query(rng, vocab)
        assert_same_top(index.top(query, 10), reference_top(corpus, ids, query, 10))


@pytest.mark.parametrize("params", [BM25Params(), BM25Params(k1=1.2, b=0.4, epsilon=0.5)])
def test_scores_of_every_matching_passage_equal_rank_bm25(params: BM25Params) -> None:
    rng = random.Random(7)
    corpus = random_corpus(rng, 200, 60, 40)
    index = BM25Index.build(corpus, range(200), params)
    reference = BM25Okapi(corpus, k1=params.k1, b=params.b, epsilon=params.epsilon)
    for _ in range(30):
        query = random_query(rng, 60)
        positions, scores = index.score(query)
        expected = reference.get_scores(query)
        sharing = [i for i, doc in enumerate(corpus) if set(doc) & set(query)]
        assert positions.tolist() == sharing
        np.testing.assert_allclose(scores, expected[sharing], rtol=RTOL, atol=1e-12)


@pytest.mark.parametrize(
    "params", [BM25Params(), BM25Params(k1=1.2, b=0.9, epsilon=0.5), BM25Params(k1=0.5, b=0.0)]
)
def test_scores_looked_up_in_a_table_are_the_scores_worked_out_to_the_bit(
    params: BM25Params, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(11)
    corpus = random_corpus(rng, 300, 50, 60)
    corpus[7] = ["t1"] * 70  # a frequency past a small table's rows
    live = [i for i in range(300) if i not in (3, 200)]
    reference = BM25Okapi(
        [corpus[i] for i in live], k1=params.k1, b=params.b, epsilon=params.epsilon
    )
    index = BM25Index.build(corpus[:150], range(150), params).grown(
        list(zip(range(150, 300), corpus[150:], strict=True)), deleted=[3, 200]
    )
    queries = [random_query(rng, 50) for _ in range(30)] + [["t1", "t0"], ["t1"]]
    monkeypatch.setattr(index_module, "TABLE_POSTINGS", 10**9)
    worked_out = [index.score(query) for query in queries]
    tops = [index.top(query, 10) for query in queries]
    monkeypatch.setattr(index_module, "TABLE_POSTINGS", 1)  # every term read in full
    for tfs, length in ((64, 4096), (3, 4096), (64, 20)):
        monkeypatch.setattr(index_module, "TABLE_TFS", tfs)
        monkeypatch.setattr(index_module, "TABLE_LENGTH", length)
        for name in ("_saturation", "_table_width"):
            index.__dict__.pop(name, None)
        for query, (positions, scores), top in zip(queries, worked_out, tops, strict=True):
            got_positions, got_scores = index.score(query)
            np.testing.assert_array_equal(got_positions, positions)
            assert got_scores.tobytes() == scores.tobytes(), query
            assert index.top(query, 10) == top
            at = np.searchsorted(live, index.ids[positions])
            np.testing.assert_allclose(
                got_scores, reference.get_scores(query)[at], rtol=RTOL, atol=1e-12
            )
    assert index._table_width == 0  # passages longer than the table: worked out


def test_idf_of_every_term_equals_rank_bm25_including_the_epsilon_floor() -> None:
    rng = random.Random(3)
    corpus = random_corpus(rng, 120, 30, 25)
    index = BM25Index.build(corpus, range(120))
    reference = BM25Okapi(corpus)
    df = {term: sum(term in doc for doc in corpus) for term in reference.idf}
    assert any(math.log(120 - n + 0.5) < math.log(n + 0.5) for n in df.values())  # floored
    for term, idf in reference.idf.items():
        assert math.isclose(index.term_idf(term), idf, rel_tol=RTOL, abs_tol=1e-12), term


def test_term_in_more_than_half_the_passages_gets_the_epsilon_floor() -> None:
    corpus = [["common", "a"], ["common", "b"], ["common", "c"], ["rare", "d"]]
    index = BM25Index.build(corpus, [1, 2, 3, 4])
    reference = BM25Okapi(corpus)
    # ln(4 - 3 + 0.5) - ln(3 + 0.5) < 0: rank-bm25 replaces it with epsilon * mean idf.
    assert math.log(1.5) - math.log(3.5) < 0
    assert index.term_idf("common") == pytest.approx(reference.idf["common"], rel=RTOL)
    assert index.term_idf("common") == pytest.approx(0.25 * reference.average_idf, rel=RTOL)
    assert_same_top(index.top(["common"], 10), reference_top(corpus, [1, 2, 3, 4], ["common"], 10))


def test_term_in_exactly_half_the_passages_scores_zero_but_still_matches() -> None:
    corpus = [["half", "x"], ["half", "y"], ["z"], ["w"]]
    index = BM25Index.build(corpus, [1, 2, 3, 4])
    assert index.term_idf("half") == 0.0
    assert BM25Okapi(corpus).idf["half"] == 0.0
    assert index.top(["half"], 10) == [(1, 0.0), (2, 0.0)]
    assert index.known_terms(["half", "nowhere"]) == ["half"]


def test_a_question_with_a_term_of_idf_zero_is_scored_in_full_and_its_zeros_rank() -> None:
    # Pruning tells passages found from the others by a partial score above 0: a term scoring 0
    # would leave its passages unfound, so such a question is not pruned.
    corpus = [["half", "x"], ["half", "y"], ["half"], ["z"], ["x", "w"], ["w"]]
    index = BM25Index.build(corpus, range(1, 7))
    assert index.term_idf("half") == 0.0
    tids = [index.vocab["half"], index.vocab["x"]]
    assert pruned_candidates(index, tids, 3, None) is None
    got = index.top(["half", "x"], 4)
    assert_same_top(got, reference_top(corpus, range(1, 7), ["half", "x"], 4))
    assert [pid for pid, _ in got] == [1, 5, 2, 3]


def test_repeated_query_term_counts_once_per_repetition() -> None:
    corpus = [["oil", "gas"], ["oil"], ["gas", "gas", "coal"], ["coal"], ["wind"]]
    index = BM25Index.build(corpus, range(1, 6))
    for query in (["gas", "gas"], ["oil", "gas", "oil", "oil"], ["coal", "gas", "coal"]):
        assert_same_top(index.top(query, 10), reference_top(corpus, range(1, 6), query, 10))
    once = dict(index.top(["gas"], 10))
    twice = dict(index.top(["gas", "gas"], 10))
    assert twice[3] == pytest.approx(2 * once[3], rel=RTOL)


def test_empty_archive_raises_rather_than_dividing_by_zero() -> None:
    index = BM25Index.build([], [])
    assert index.size == 0 and index.avgdl == 0.0
    with pytest.raises(EmptyArchiveError, match="run briefbot ingest"):
        index.score(["oil"])


def test_passages_without_tokens_are_counted_but_never_returned() -> None:
    corpus = [[], ["oil"], [], ["gas", "oil"]]
    index = BM25Index.build(corpus, [1, 2, 3, 4])
    assert index.size == 4 and index.avgdl == 0.75
    assert_same_top(index.top(["oil"], 10), reference_top(corpus, [1, 2, 3, 4], ["oil"], 10))
    assert index.top(["unknown"], 10) == []


def test_ties_break_by_passage_id_even_at_the_cut() -> None:
    corpus = [["same"], ["other"]] * 20
    ids = list(range(100, 140))
    index = BM25Index.build(corpus, ids)
    top = index.top(["same"], 5)
    assert [pid for pid, _ in top] == [100, 102, 104, 106, 108]
    assert [pid for pid, _ in index.top(["same"], 3, offset=2)] == [104, 106, 108]


@pytest.mark.parametrize("seed", range(4))
def test_filters_restrict_results_but_not_statistics(seed: int) -> None:
    rng = random.Random(100 + seed)
    corpus = random_corpus(rng, 150, 50, 30)
    ids = list(range(1, 151))
    index = BM25Index.build(corpus, ids)
    allowed_ids = {pid for pid in ids if rng.random() < 0.3}
    mask = np.array([pid in allowed_ids for pid in ids])
    for _ in range(15):
        query = random_query(rng, 50)
        expected = reference_top(corpus, ids, query, 10, allowed=allowed_ids)
        assert_same_top(index.top(query, 10, allowed=mask), expected)
        assert_same_top(index.top(query, 10, allowed=lambda pos: mask[pos]), expected)


@pytest.mark.parametrize("seed", range(8))
def test_growth_and_deletion_stay_exact_against_a_fresh_rank_bm25(seed: int) -> None:
    rng = random.Random(1000 + seed)
    vocab = rng.choice([20, 200])
    live: dict[int, list[str]] = {}
    next_id = 1
    index = BM25Index.build([], [])
    for _ in range(rng.randint(3, 25)):
        batch = random_corpus(rng, rng.randint(0, 40), vocab, 30)
        new = list(zip(range(next_id, next_id + len(batch)), batch, strict=True))
        next_id += len(batch) + rng.randint(0, 3)
        doomed = [pid for pid in live if rng.random() < 0.08]
        # A changed brief deletes old passages and adds new ones in one write.
        index = index.grown(new, deleted=[*doomed, 999_999])
        live.update(new)
        for pid in doomed:
            del live[pid]
        assert index.size == len(live)
        assert len(index.segments) <= 12
        # The document frequencies kept through the deletions equal a count of the live postings.
        recount = BM25Index(index.vocab, index.segments, index.params, live=index.live)
        np.testing.assert_array_equal(index.df, recount.df)
        ids = sorted(live)
        corpus = [live[pid] for pid in ids]
        if not any(corpus):
            continue
        for _ in range(5):
            query = random_query(rng, vocab)
            assert_same_top(index.top(query, 10), reference_top(corpus, ids, query, 10))


def test_growth_merges_small_segments_and_keeps_statistics() -> None:
    rng = random.Random(5)
    corpus = random_corpus(rng, 400, 80, 20)
    index = BM25Index.build(corpus[:200], range(200))
    for start in range(200, 400, 10):
        index = index.grown(zip(range(start, start + 10), corpus[start : start + 10], strict=True))
    assert 1 < len(index.segments) <= 12
    sizes = [s.n_docs for s in index.segments]
    assert sizes == sorted(sizes, reverse=True)
    whole = BM25Index.build(corpus, range(400))
    assert index.avgdl == whole.avgdl
    np.testing.assert_array_equal(index.df, whole.df)
    np.testing.assert_allclose(index.idf, whole.idf, rtol=RTOL)


def test_deleting_a_quarter_compacts_into_one_segment() -> None:
    rng = random.Random(9)
    corpus = random_corpus(rng, 100, 40, 20)
    index = BM25Index.build(corpus[:60], range(60))
    index = index.grown(zip(range(60, 100), corpus[60:], strict=True))
    index = index.grown([], deleted=range(0, 30))
    assert len(index.segments) == 1 and index.live is None and index.size == 70
    query = ["t1", "t3", "t7"]
    assert_same_top(index.top(query, 10), reference_top(corpus[30:], range(30, 100), query, 10))


def test_a_term_whose_passages_were_all_deleted_is_unknown() -> None:
    index = BM25Index.build([["gone", "x"], ["kept", "x"]], [1, 2]).grown([], deleted=[1])
    assert index.known_terms(["gone", "kept"]) == ["kept"]
    assert index.term_idf("gone") == 0.0
    assert index.top(["gone"], 10) == []
    assert index.describe()["passages"] == 1


def test_sealed_segments_are_not_merged_and_compaction_keeps_them_exact(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("retrieval.search.index.SEALED_DOCS", 50)
    rng = random.Random(11)
    corpus = random_corpus(rng, 400, 60, 20)
    index = BM25Index.build(corpus[:100], range(100))
    for start in range(100, 400, 50):
        index = index.grown(zip(range(start, start + 50), corpus[start : start + 50], strict=True))
    assert [s.n_docs for s in index.segments] == [100, 50, 50, 50, 50, 50, 50]
    doomed = [pid for pid in range(400) if rng.random() < 0.3]
    index = index.grown([], deleted=doomed)
    assert index.live is None and index.size == 400 - len(doomed)
    assert len(index.segments) == 7 and index.segments[-1].end == index.size
    ids = [pid for pid in range(400) if pid not in set(doomed)]
    kept = [corpus[pid] for pid in ids]
    for _ in range(20):
        query = random_query(rng, 60)
        assert_same_top(index.top(query, 10), reference_top(kept, ids, query, 10))


def test_titles_follow_their_brief_through_growth_merging_and_compaction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("retrieval.search.index.SEALED_DOCS", 30)
    rng = random.Random(21)
    index = BM25Index.build([], [])
    titles: dict[int, list[str]] = {}
    live: set[int] = set()
    next_id = 1
    for _ in range(15):
        builder = index.builder()
        for _ in range(rng.randint(1, 20)):
            title = random_corpus(rng, 1, 12, 4)[0] if rng.random() < 0.4 else None
            builder.add(next_id, random_corpus(rng, 1, 40, 10)[0], title)
            titles[next_id] = title or []
            live.add(next_id)
            next_id += 1
        doomed = [pid for pid in sorted(live) if rng.random() < 0.2]
        index = index.appended(builder.vocab, [builder.build()], deleted=doomed)
        live -= set(doomed)
        for term in [f"t{r}" for r in range(12)]:
            positions, counts = index.title_postings(term)
            got = {(int(index.ids[p]), int(c)) for p, c in zip(positions, counts, strict=True)}
            expected = {(pid, titles[pid].count(term)) for pid in live if term in titles[pid]}
            assert got == expected, term
        alive = np.ones(len(index.ids), bool) if index.live is None else index.live
        for position in np.flatnonzero(alive):
            assert index.title_len[position] == len(titles[int(index.ids[position])])
    assert index.title_postings("nowhere")[0].size == 0


@pytest.mark.parametrize("seed", range(3))
def test_pruned_top_ten_is_exact_and_skips_passages_of_common_words_only(seed: int) -> None:
    rng = random.Random(300 + seed)
    corpus = random_corpus(rng, 1500, 300, 40)
    ids = list(range(1, 1501))
    index = BM25Index.build(corpus, ids)
    pruned = 0
    for _ in range(40):
        # A rare word and common ones, as questions have; sometimes offset and filters.
        query = [f"t{rng.randint(100, 299)}", *(f"t{rng.randint(0, 6)}" for _ in range(3))]
        offset = rng.choice([0, 0, 5])
        allowed = {pid for pid in ids if rng.random() < 0.7} if rng.random() < 0.3 else None
        mask = None if allowed is None else np.array([pid in allowed for pid in ids])
        expected = reference_top(corpus, ids, query, offset + 10, allowed=allowed)[offset:]
        assert_same_top(index.top(query, 10, offset=offset, allowed=mask), expected)
        tids = [index.vocab[t] for t in query if t in index.vocab]
        result = pruned_candidates(index, tids, offset + 10, mask)
        if result is not None and len(result[0]) < len(index.score(query)[0]):
            pruned += 1
    assert pruned > 10


def grown_random_index(
    rng: random.Random, sizes: tuple[int, int], vocabs: Sequence[int], deleted: float
) -> tuple[BM25Index, dict[int, list[str]]]:
    """Return an index grown by a batch of random passages (``sizes``: fewest and most) per
    vocabulary size in ``vocabs``, a share ``deleted`` of the live passages removed with each
    batch, and its live passages by id."""
    live: dict[int, list[str]] = {}
    next_id = 1
    index = BM25Index.build([], [])
    for vocab in vocabs:
        batch = random_corpus(rng, rng.randint(*sizes), vocab, 30 if vocab < 300 else 40)
        new = list(zip(range(next_id, next_id + len(batch)), batch, strict=True))
        next_id += len(batch)
        doomed = [pid for pid in live if rng.random() < deleted]
        index = index.grown(new, deleted=doomed)
        live.update(new)
        for pid in doomed:
            del live[pid]
    return index, live


@pytest.mark.parametrize("seed", range(3))
def test_the_answers_depth_of_two_hundred_equals_rank_bm25_after_growth_and_deletion(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The answer ranks the 200 best by their own BM25 (pruned: a floor far lower than at ten,
    # so terms left out are looked up at many candidates, flagged or through the accumulator).
    monkeypatch.setattr("retrieval.search.index.SEALED_DOCS", 400)
    index, live = grown_random_index(random.Random(1300 + seed), (300, 700), [300] * 4, 0.05)
    rng = random.Random(seed)
    ids = sorted(live)
    corpus = [live[pid] for pid in ids]
    for _ in range(12):
        query = [f"t{rng.randint(60, 299)}", *(f"t{rng.randint(0, 8)}" for _ in range(3))]
        k = rng.choice([60, 200])
        allowed = {pid for pid in ids if rng.random() < 0.7} if rng.random() < 0.3 else None
        mask = None if allowed is None else np.isin(index.ids, sorted(allowed))
        expected = reference_top(corpus, ids, query, k, allowed=allowed)
        assert_same_top(index.top(query, k, allowed=mask), expected)


@pytest.mark.parametrize("seed", range(3))
def test_frequencies_at_runs_of_positions_equal_counting_the_tokens(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Runs of consecutive positions (a passage and the rest of its brief), some across the end
    # of a segment, single positions, the first and the last; terms absent from some segments,
    # repeated, unknown.
    monkeypatch.setattr("retrieval.search.index.SEALED_DOCS", 60)
    rng = random.Random(1500 + seed)
    index, tokens = grown_random_index(rng, (40, 120), [80, 100, 120, 140, 160], 0.0)
    assert len(index.segments) > 2
    n = index.n_positions
    for _ in range(10):
        chosen: set[int] = {0, n - 1} if rng.random() < 0.5 else set()
        for _ in range(rng.randint(1, 30)):
            start = rng.randrange(n)
            chosen.update(range(start, min(n, start + rng.randint(1, 6))))
        for seg in index.segments[1:]:
            chosen.update(range(max(0, seg.first - 2), min(n, seg.first + 2)))
        positions = np.asarray(sorted(chosen), dtype=np.int64)
        terms = [f"t{rng.randint(0, 170)}" for _ in range(rng.randint(1, 12))] + ["nowhere"]
        got = index.frequencies(terms, positions)
        ids = index.ids[positions].tolist()
        expected = [[tokens[pid].count(term) for pid in ids] for term in terms]
        assert got.tolist() == expected
    assert index.frequencies(["t1"], np.zeros(0, dtype=np.int64)).shape == (1, 0)


def grown_index(rng: random.Random, monkeypatch: pytest.MonkeyPatch) -> BM25Index:
    """Return an index grown in batches (merges, deletions, at times a compaction) over a few
    very common words and many rare ones."""
    monkeypatch.setattr("retrieval.search.index.SEALED_DOCS", 200)
    common = [f"c{r}" for r in range(4)]
    rare = [f"r{r}" for r in range(150)]
    index = BM25Index.build([], [])
    next_id = 1
    for _ in range(rng.randint(3, 8)):
        batch = []
        for _ in range(rng.randint(20, 150)):
            tokens = rng.choices(common, k=rng.randint(0, 12)) + rng.choices(rare, k=3)
            batch.append((next_id, tokens))
            next_id += 1
        doomed = [int(i) for i in index.ids if rng.random() < rng.choice([0.02, 0.3])]
        index = index.grown(batch, deleted=doomed)
    return index


@pytest.mark.parametrize(("few", "held"), [(0, 1.0), (16, 0), (16, 10**9), (10**9, 1.0)])
@pytest.mark.parametrize("seed", range(6))
def test_pruned_candidates_score_exactly_as_the_full_pass_whichever_way_terms_are_looked_up(
    seed: int, few: int, held: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    # FEW 0: each candidate is searched for in the postings of the terms left out; 10**9: those
    # postings are read in full, at the candidates flagged (HELD_SHARE 0) or wherever a passage
    # found holds them (10**9). Either way the scores are the full pass's, to the bit, and only
    # passages that can be among the best are returned besides the best.
    monkeypatch.setattr("retrieval.search.maxscore.FEW", few)
    monkeypatch.setattr("retrieval.search.maxscore.HELD_SHARE", held)
    rng = random.Random(700 + seed)
    index = grown_index(rng, monkeypatch)
    skipped = 0
    for _ in range(30):
        query = [f"r{rng.randint(0, 149)}", *(f"c{rng.randint(0, 3)}" for _ in range(3))]
        if rng.random() < 0.3:
            query = [f"c{rng.randint(0, 3)}" for _ in range(rng.randint(2, 4))]
        k = rng.choice([1, 3, 10, 60])
        mask = None
        if rng.random() < 0.3:
            mask = np.array([rng.random() < 0.6 for _ in range(index.n_positions)])
        tids = [index.vocab[t] for t in query if t in index.vocab]
        pruned = pruned_candidates(index, tids, k, mask)
        if pruned is None:
            continue
        # Every term scored in full, in the same order (so the same sums): pruning never stops.
        with monkeypatch.context() as never:
            never.setattr("retrieval.search.maxscore._floor", lambda *args: None)
            unpruned = pruned_candidates(index, tids, k, mask)
        assert unpruned is not None
        full = dict(zip(unpruned[0].tolist(), unpruned[1].tolist(), strict=True))
        assert sorted(full) == index.score(query)[0].tolist()
        for position, score in zip(*index.score(query), strict=True):
            assert math.isclose(full[int(position)], float(score), rel_tol=1e-12)
        got = dict(zip(pruned[0].tolist(), pruned[1].tolist(), strict=True))
        assert all(got[p] == full[p] for p in got)  # the same floats, not merely close
        skipped += len(got) < len(full)
        keep = [p for p in full if mask is None or mask[p]]
        best = sorted(keep, key=lambda p: (-full[p], p))[:k]
        top, top_scores = index.top_positions(query, k, allowed=mask)
        assert top.tolist() == best
        assert top_scores.tolist() == [full[p] for p in best]
    assert skipped > 5


def rare_and_common(rng: random.Random, n: int) -> Iterator[list[str]]:
    """Yield ``n`` questions of ``grown_index``'s words: a rare one and three common ones."""
    for _ in range(n):
        yield [f"r{rng.randint(0, 149)}", *(f"c{rng.randint(0, 3)}" for _ in range(3))]


@pytest.mark.parametrize("seed", range(4))
def test_the_floor_from_the_holders_of_one_term_prunes_as_the_floor_from_every_candidate(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # When every passage scoring above the bar must hold one scored term, the floor is worked out
    # from that term's postings alone: the same floor, so the same candidates are kept.
    rng = random.Random(900 + seed)
    index = grown_index(rng, monkeypatch)
    original = maxscore._needed
    shortcuts = 0
    for query in rare_and_common(rng, 40):
        k = rng.choice([1, 3, 10])
        mask = None
        if rng.random() < 0.3:
            mask = np.array([rng.random() < 0.6 for _ in range(index.n_positions)])
        tids = [index.vocab[t] for t in query if t in index.vocab]
        taken: list[object] = []

        def needed(*args: Any, taken: list[object] = taken) -> Any:
            got = original(*args)
            if got is not None:
                taken.append(got)
            return got

        with monkeypatch.context() as spy:
            spy.setattr("retrieval.search.maxscore._needed", needed)
            pruned = pruned_candidates(index, tids, k, mask)
        with monkeypatch.context() as never:
            never.setattr("retrieval.search.maxscore._needed", lambda *args: None)
            everyone = pruned_candidates(index, tids, k, mask)
        if pruned is None or everyone is None:
            continue
        shortcuts += len(taken)
        assert pruned[0].tolist() == everyone[0].tolist()
        assert pruned[1].tolist() == everyone[1].tolist()
    assert shortcuts > 10


def assert_pruned_as_in_full(
    index: BM25Index, rng: random.Random, ks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Assert that 30 questions of rare and common words (top-k, k drawn from ``ks``) get the
    same passages and scores, to the bit, as when pruning never stops (every term scored in
    full, in the same order, so with the same sums)."""
    for query in rare_and_common(rng, 30):
        k = rng.choice(ks)
        top, scores = index.top_positions(query, k)
        with monkeypatch.context() as never:
            never.setattr("retrieval.search.maxscore._floor", lambda *args: None)
            full_top, full_scores = index.top_positions(query, k)
        assert top.tolist() == full_top.tolist()
        assert scores.tolist() == full_scores.tolist()


@pytest.mark.parametrize("seed", range(3))
def test_a_term_scored_in_full_is_bounded_by_its_largest_score_afterwards(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = grown_index(random.Random(1100 + seed), monkeypatch)
    assert_pruned_as_in_full(index, random.Random(seed), [1, 10, 60], monkeypatch)
    kept = dict(index.term_maxima)
    assert kept
    index.term_maxima.clear()  # term_bound then gives the bound from the segments
    for tid, largest in kept.items():
        assert largest == max(float(w.max()) for _, w in index.term_weights(tid))
        assert largest <= maxscore.term_bound(index, tid)


@pytest.mark.parametrize("seed", range(4))
def test_a_common_term_is_bounded_by_its_largest_score_from_its_first_question(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A term of EXACT_POSTINGS postings or more is bounded by its largest score before any
    # question has scored it in full (deleted passages' scores included: still a bound), which
    # is tighter than its largest tf with its shortest passage; pruning with it stays exact
    # through growth, deletion and merges.
    rng = random.Random(1300 + seed)
    index = grown_index(rng, monkeypatch)
    tids = [index.vocab[f"c{r}"] for r in range(4)]
    monkeypatch.setattr("retrieval.search.maxscore.EXACT_POSTINGS", 10**9)
    loose = {tid: maxscore.term_bound(index, tid) for tid in tids}
    assert not index.term_maxima
    monkeypatch.setattr("retrieval.search.maxscore.EXACT_POSTINGS", 20)
    for tid in tids:
        bound = maxscore.term_bound(index, tid)
        assert bound == max(float(w.max()) for _, w in index.term_weights(tid))
        assert index.term_maxima[tid] == bound
        assert bound <= loose[tid]
    assert any(index.term_maxima[tid] < loose[tid] for tid in tids)
    assert_pruned_as_in_full(index, rng, [1, 3, 10, 60], monkeypatch)
