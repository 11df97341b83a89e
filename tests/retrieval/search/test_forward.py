"""The forward index (each passage's terms and counts) holds exactly the segment's postings, is
saved beside its segment, and is never trusted when damaged or left over."""

from __future__ import annotations

import json
import random
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from test_index_cache import _save, write_issues

from retrieval.answering.ranking import TfTable
from retrieval.archive import Archive
from retrieval.search.cache import cache_dir_for
from retrieval.search.forward import PREFIX, build_forward, forward_of
from retrieval.search.index import BM25Index
from retrieval.search.segments import Segment


def grown(seed: int, monkeypatch: pytest.MonkeyPatch) -> tuple[BM25Index, dict[int, list[str]]]:
    """Return an index grown in batches (merged, some passages deleted, at times compacted),
    with the live passages' tokens by id."""
    monkeypatch.setattr("retrieval.search.index.SEALED_DOCS", 30)
    rng = random.Random(seed)
    vocab = [f"w{r}" for r in range(rng.choice([5, 50, 300]))]
    index = BM25Index.build([], [])
    passages: dict[int, list[str]] = {}
    next_id = 1
    for _ in range(rng.randint(3, 10)):
        added = []
        for _ in range(rng.randint(1, 25)):
            tokens = rng.choices(vocab, k=rng.randint(0, 30))
            if rng.random() < 0.05:
                tokens += ["heavy"] * rng.randint(1, 70_000)  # a count past uint16 once
            added.append((next_id, tokens))
            passages[next_id] = tokens
            next_id += 1
        doomed = [pid for pid in passages if rng.random() < rng.choice([0.05, 0.4])]
        index = index.grown(added, deleted=doomed)
        for pid in doomed:
            del passages[pid]
    return index, passages


def rows_of(segment: Segment) -> dict[int, dict[int, int]]:
    """Return per position the term counts the forward index holds."""
    forward = build_forward(segment)
    positions = np.arange(segment.first, segment.end, dtype=np.int64)
    packed, runs = forward.rows(positions)
    tids, counts = forward.split(packed)
    ends = [*runs[1:].tolist(), len(packed)]
    out = {}
    for i, (start, end) in enumerate(zip(runs.tolist(), ends, strict=True)):
        row = list(zip(tids[start:end].tolist(), counts[start:end].tolist(), strict=True))
        assert [t for t, _ in row] == sorted({t for t, _ in row})  # ascending, distinct
        out[segment.first + i] = dict(row)
    return out


@pytest.mark.parametrize("seed", range(10))
def test_forward_rows_equal_the_postings_through_growth_merges_and_deletions(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    index, passages = grown(seed, monkeypatch)
    terms = {tid: term for term, tid in index.vocab.items()}
    for segment in index.segments:
        rows = rows_of(segment)
        for position in range(segment.first, segment.end):
            pid = int(index.ids[position])
            if index.live is None or index.live[position]:
                expected = Counter(passages[pid])
                assert {terms[t]: c for t, c in rows[position].items()} == expected


@pytest.mark.parametrize("seed", range(10))
def test_term_frequencies_at_any_positions_equal_the_passages_counts(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    index, passages = grown(seed, monkeypatch)
    rng = random.Random(seed)
    alive = np.flatnonzero(index.live) if index.live is not None else np.arange(index.n_positions)
    positions = np.sort(rng.sample(alive.tolist(), min(rng.randint(0, 40), len(alive))))
    table = TfTable(index, positions)
    terms = [*rng.sample(sorted(index.vocab), min(12, len(index.vocab))), "unknown"]
    rows = table.rows(terms[: len(terms) // 2])  # asked for in two batches, then one by one
    for row, term in zip(rows, terms, strict=False):
        assert row.tolist() == [Counter(passages[int(index.ids[p])])[term] for p in positions]
    for term in terms:
        expected = [Counter(passages[int(index.ids[p])])[term] for p in positions]
        assert table.row(term).tolist() == expected
        assert table.rows([term, term]).tolist() == [expected, expected]


def forward_folders(db: Path) -> set[str]:
    """Return the forward index folders in the database's index cache."""
    return {p.name for p in cache_dir_for(db).glob(f"{PREFIX}*")}


def segment_names(db: Path) -> set[str]:
    """Return the segments the database's index cache lists."""
    manifest = json.loads((cache_dir_for(db) / "params.json").read_text())
    return {entry["name"] for entry in manifest["segments"]}


def answers(archive: Archive) -> list[object]:
    """Return the archive's answers to a few questions, in full."""
    questions = ["pipeline oil export", "corruption scandal governor arrest", "gold mining"]
    return [repr(archive.ask(q, top=5)) for q in questions]


@pytest.fixture
def saved(from_template: Callable[..., Path]) -> Path:
    """Return a database with its index saved (see test_index_cache.py)."""
    return from_template("saved-index", lambda path: _save(path, path.parent / "in"))


def test_each_saved_segment_has_its_forward_index_and_merges_leave_none_behind(
    saved: Path, tmp_path: Path
) -> None:
    assert forward_folders(saved) == {PREFIX + name for name in segment_names(saved)}
    archive = Archive(saved)
    for day in range(6):
        archive.ingest(write_issues(tmp_path / f"d{day}", seed=40 + day, count=1, first_issue=400))
        archive.index()
    assert forward_folders(saved) == {PREFIX + name for name in segment_names(saved)}
    loaded = Archive(saved)
    assert answers(loaded) == answers(archive)
    for segment in loaded.index().segments:
        assert isinstance(forward_of(segment).packed, np.ndarray)


@pytest.mark.parametrize("damage", ["missing", "truncated", "altered", "listing"])
def test_a_missing_or_damaged_forward_index_is_worked_out_again_and_answers_do_not_change(
    saved: Path, damage: str
) -> None:
    expected = answers(Archive(saved))
    folder = cache_dir_for(saved)
    (fwd,) = [p for p in folder.glob(f"{PREFIX}*")][:1]
    packed = fwd / "packed.npy"
    if damage == "missing":
        shutil.rmtree(fwd)  # as an index saved by an older briefbot
    elif damage == "truncated":
        packed.write_bytes(packed.read_bytes()[:-8])
    elif damage == "altered":
        data = bytearray(packed.read_bytes())
        data[-3] ^= 0x10  # a term number or a count changed: same size
        packed.write_bytes(bytes(data))
    else:
        (fwd / "files.json").write_text("{not json")
    archive = Archive(saved)
    assert answers(archive) == expected
    assert archive.indexer.last_sync["action"] == "loaded"  # the index itself was trusted
    for segment in archive.index().segments:
        assert forward_of(segment).packed.tolist() == build_forward(segment).packed.tolist()
    if damage == "missing":
        assert fwd.is_dir()  # worked out once, and saved for the next process
        assert answers(Archive(saved)) == expected
