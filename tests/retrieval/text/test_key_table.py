"""``_KeyTable`` (the chunk lookup of an index build's tokenizer) holds what a dict holds: keys
looked up many at once, through collisions, long probe runs and growth."""

from __future__ import annotations

import numpy as np

from retrieval.text.analyzer import _KeyTable


def test_lookups_equal_a_dict_through_collisions_and_growth() -> None:
    rng = np.random.default_rng(3)
    table = _KeyTable(bits=4)
    held: dict[int, int] = {}
    for round_ in range(30):
        # Keys crowded into a few hash places (many share their low bits) and random ones.
        crowded = (rng.integers(1, 50, size=20, dtype=np.uint64) << np.uint64(40)) + np.uint64(1)
        spread = rng.integers(1, 2**63, size=rng.integers(0, 200), dtype=np.uint64)
        new = np.unique(np.concatenate([crowded, spread]))
        new = new[[int(k) not in held for k in new]]
        values = np.arange(len(held), len(held) + len(new), dtype=np.int64) + round_
        table.insert(new, values)
        held.update(zip(new.tolist(), values.tolist(), strict=True))
        probe = np.concatenate([new, rng.integers(1, 2**63, size=50, dtype=np.uint64)])
        if held:
            probe = np.concatenate([probe, rng.choice(np.array(list(held), dtype=np.uint64), 100)])
        expected = [held.get(int(k), -1) for k in probe]
        assert table.lookup(probe).tolist() == expected
    assert table.size == len(held)
    assert 2 * table.size <= len(table._keys)


def test_an_empty_table_finds_nothing() -> None:
    table = _KeyTable()
    assert table.lookup(np.array([1, 2, 2**63], dtype=np.uint64)).tolist() == [-1, -1, -1]
    table.insert(np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64))
    assert table.size == 0
