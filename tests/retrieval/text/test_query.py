"""A question's search terms (``retrieval.text.query.search_terms``) on odd input."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from retrieval.text.query import search_terms

RATIO_LIMIT = 1000
"""Largest time ratio allowed for 100 times the input (linear: ~100; quadratic: ~10,000)."""


def _cpu(work: Callable[[], object], runs: int) -> float:
    """Return the least CPU time of ``runs`` calls of ``work`` (other processes on the machine
    do not stretch it)."""
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize("unit", ["— ", "! ", "  ", "?"])
@pytest.mark.slow
def test_search_terms_grow_linearly_after_leading_punctuation(unit: str) -> None:
    # "I mean …" at the start was matched as \W*(no|nope|sorry)?\W*i: two runs of the same
    # characters, tried every way at the start of a question. 4,000 characters of "— " took
    # 0.2 s, at every clause of a /check (65 s for one message).
    small = _cpu(lambda: search_terms(unit * 20 + "imf"), 20)
    large = _cpu(lambda: search_terms(unit * 2000 + "imf"), 3)
    assert large / small < RATIO_LIMIT, (small, large)
    assert search_terms(unit * 2000 + "imf") == ["imf"]


def test_i_mean_is_still_left_out() -> None:
    assert search_terms("no, I mean the tenge") == search_terms("the tenge")
    assert search_terms("— sorry — i meant the tenge") == search_terms("the tenge")
