"""The reranking's fast paths give exactly what a full pass gives, through growth and deletion.

Brief scores, brief document frequencies and term frequencies are looked up only at a question's
candidates and their briefs (``retrieval/answering/ranking.py``: ``TfTable``, ``BriefTerms``);
each is compared here with a plain computation over every passage of a random archive of briefs
that grew in several segments and lost passages on the way.
"""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
from rank_bm25 import BM25Okapi
from ranking_oracles import brief_scores, rerank_everything

from retrieval.answering.ranking import BriefMap, BriefTerms, TfTable, rerank
from retrieval.search.index import BM25Index


def grown_archive(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[BM25Index, dict[int, list[str]], dict[int, int], dict[int, list[str]]]:
    """Return an index grown in batches of briefs (some deleted on the way), with the live
    passages' tokens by id, each passage's brief and each brief's title."""
    monkeypatch.setattr("retrieval.search.index.SEALED_DOCS", 40)
    rng = random.Random(seed)
    vocab = [f"t{r}" for r in range(rng.choice([15, 60]))]
    zipf = [1 / (r + 1) for r in range(len(vocab))]
    index = BM25Index.build([], [])
    passages: dict[int, list[str]] = {}
    owner: dict[int, int] = {}
    titles: dict[int, list[str]] = {}
    next_id, next_brief = 1, 1
    for _ in range(rng.randint(4, 9)):
        builder = index.builder()
        brief_column: list[int] = []
        for _ in range(rng.randint(1, 12)):
            brief = next_brief
            next_brief += 1
            titles[brief] = rng.choices(vocab, zipf, k=rng.randint(0, 4))
            for n in range(rng.randint(1, 5)):
                tokens = rng.choices(vocab, zipf, k=rng.randint(0, 25))
                builder.add(next_id, tokens, titles[brief] if n == 0 else None)
                passages[next_id] = tokens
                owner[next_id] = brief
                brief_column.append(brief)
                next_id += 1
        doomed = [pid for pid in passages if rng.random() < 0.1]
        segment = builder.build({"brief": np.asarray(brief_column, dtype=np.int64)})
        index = index.appended(builder.vocab, [segment], deleted=doomed)
        for pid in doomed:
            del passages[pid]
    return index, passages, owner, titles


@pytest.mark.parametrize("seed", range(8))
def test_brief_scores_at_candidates_equal_the_full_pass(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    index, _, owner, titles = grown_archive(seed, monkeypatch)
    rng = random.Random(seed)
    vocab = sorted(index.vocab)
    maps = [BriefMap.build(index)]
    maps.append(BriefMap.build(index, dict(owner), titles))
    for briefs in maps:
        stats = BriefTerms(index, briefs)
        everything = np.arange(briefs.n_briefs)
        for _ in range(10):
            weights = {t: rng.uniform(0.1, 2.0) for t in rng.sample(vocab, rng.randint(1, 6))}
            full = brief_scores(index, briefs, weights)
            chosen = np.unique(rng.sample(everything.tolist(), min(5, briefs.n_briefs)))
            # Equal to the last bit, not merely close: the ranking must not move.
            assert stats.scores(weights, chosen).tolist() == full[chosen].tolist()
            assert stats.scores(weights, everything).tolist() == full.tolist()


@pytest.mark.parametrize("seed", range(8))
def test_brief_document_frequency_counts_briefs_holding_the_term_in_a_live_passage_or_title(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    index, passages, owner, titles = grown_archive(seed, monkeypatch)
    stats = BriefTerms(index, BriefMap.build(index))
    # A title is filed under its brief's first passage: it counts while that passage is live.
    first: dict[int, int] = {}
    for pid, brief in sorted(owner.items()):
        first.setdefault(brief, pid)
    titled = {brief for brief, pid in first.items() if pid in passages}
    for term in sorted(index.vocab):
        holders = {owner[pid] for pid, tokens in passages.items() if term in tokens}
        holders |= {brief for brief in titled if term in titles[brief]}
        assert stats.df(term) == len(holders), term
        assert stats.df(term) == len(holders)  # and again, from the cache


@pytest.mark.parametrize("seed", range(8))
def test_term_frequencies_at_positions_equal_the_passages_counts(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    index, passages, _, _ = grown_archive(seed, monkeypatch)
    rng = random.Random(seed)
    alive = np.flatnonzero(index.live) if index.live is not None else np.arange(index.n_positions)
    positions = np.sort(rng.sample(alive.tolist(), min(30, len(alive))))
    for term in [*sorted(index.vocab), "unknown"]:
        expected = [Counter(passages[int(index.ids[p])])[term] for p in positions]
        assert TfTable(index, positions).row(term).tolist() == expected


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("size", [3, 30, 300])
def test_term_frequencies_looked_up_together_equal_the_passages_counts(
    seed: int, size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ``rows`` looks terms up together, a term's postings read or a binary search per position
    # depending on how many postings it has a position: every way must count alike.
    index, passages, _, _ = grown_archive(seed, monkeypatch)
    rng = random.Random(seed * 7 + size)
    alive = np.flatnonzero(index.live) if index.live is not None else np.arange(index.n_positions)
    positions = np.sort(rng.sample(alive.tolist(), min(size, len(alive))))
    terms = [*rng.sample(sorted(index.vocab), min(12, len(index.vocab))), "unknown"]
    table = TfTable(index, positions)
    first = table.rows(terms[:4])
    expected = [[Counter(passages[int(index.ids[p])])[t] for p in positions] for t in terms]
    assert first.tolist() == expected[:4]
    assert table.rows(terms).tolist() == expected
    assert table.rows(terms).tolist() == expected  # the last rows, kept


@pytest.mark.parametrize("seed", range(8))
def test_reranking_the_top_equals_reranking_everything_and_keeps_rank_bm25_scores(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    index, passages, _, _ = grown_archive(seed, monkeypatch)
    rng = random.Random(seed)
    briefs = BriefMap.build(index)
    stats = BriefTerms(index, briefs)
    ids = sorted(passages)
    reference = BM25Okapi([passages[pid] for pid in ids], k1=1.5, b=0.75, epsilon=0.25)

    def tokens_of(wanted: list[int]) -> list[list[str]]:
        return [passages[pid] for pid in wanted]

    for _ in range(10):
        terms = [f"t{rng.randint(0, 20)}" for _ in range(rng.randint(1, 5))]
        if not index.known_terms(terms):
            continue
        full = rerank_everything(index, terms, briefs=briefs, tokens_of=tokens_of)
        top = rerank(index, terms, stats=stats, tokens_of=tokens_of, depth=len(ids))
        # Same order; the final scores add the same terms in another grouping (1e-9).
        assert top[0].tolist() == full[0].tolist()
        assert top[1].tolist() == pytest.approx(full[1].tolist(), rel=1e-9)
        assert top[2].tolist() == pytest.approx(full[2].tolist(), rel=1e-12)
        # The own scores shown are rank-bm25's.
        expected = reference.get_scores(terms)
        at = {pid: i for i, pid in enumerate(ids)}
        for position, score in zip(top[0], top[2], strict=True):
            assert score == pytest.approx(expected[at[int(index.ids[position])]], rel=1e-9)


def test_brief_document_frequencies_counted_in_many_threads_at_once_are_right(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    index, _, _, _ = grown_archive(3, monkeypatch)
    briefs = BriefMap.build(index)
    terms = sorted(index.vocab)
    expected = [BriefTerms(index, briefs).df(t) for t in terms]
    for _ in range(20):
        shared = BriefTerms(index, briefs)  # nothing cached: every term counted, concurrently
        with ThreadPoolExecutor(8) as pool:
            assert list(pool.map(shared.df, terms)) == expected
