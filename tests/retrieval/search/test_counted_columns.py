"""A batch's filter columns made at C speed equal the per-row definitions, whatever a hand edit
left in the database (None, floats, booleans, text, numbers out of range, non-ASCII dates)."""

from __future__ import annotations

import random
from typing import Any

from retrieval.corpus.briefs import MAX_NUMBER
from retrieval.passage_rows import date_bytes, dates_bytes, storable, storables

NUMBERS: list[Any] = [0, 1, 7, 142, MAX_NUMBER, MAX_NUMBER + 1, -1, -(2**40), 2**62, None, True,
                      4.0, "4", "x"]  # fmt: skip
DATES: list[Any] = ["1998-07-20", "2001-01-01", "", "1998-07-2\n0", "1998-07-20é", None, 19980720,
                    b"1998"]  # fmt: skip


def test_columns_of_a_batch_equal_the_per_row_values() -> None:
    rng = random.Random(8)
    for _ in range(500):
        clean = rng.random() < 0.5
        numbers = tuple(
            rng.choice(NUMBERS[:7] if clean else NUMBERS) for _ in range(rng.randint(0, 9))
        )
        dates = tuple(rng.choice(DATES[:3] if clean else DATES) for _ in range(rng.randint(0, 9)))
        assert storables(numbers) == [storable(n) for n in numbers]
        assert dates_bytes(dates) == [date_bytes(d) for d in dates]
