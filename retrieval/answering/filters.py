"""Filters (publication, volume, issue, dates) applied to passages, read from the index's columns.

Each passage carries its brief's id and its filter fields as columns of the index (written by
``retrieval/catchup.py``), so a filter costs as much as the candidates it is applied to. A
question's filters and a watched topic's are applied here alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from retrieval.search.bm25 import BoolArray, IntArray
from retrieval.search.index import BM25Index
from retrieval.text.query import Filters

NO_NUMBER = -1
"""The column value of a passage whose brief has no volume (or issue)."""
PUBLICATION = "publication"
BRIEF = "brief"
# Per-passage columns of the index and their types. Dates are bytes, which compare as the strings
# do (UTF-8 keeps code point order), so since/until stay exact.
COLUMNS: dict[str, Any] = {
    BRIEF: np.int64,
    PUBLICATION: np.int32,
    "volume": np.int32,
    "issue": np.int32,
    "date": np.bytes_,
}


def publication_code(publications: list[str], name: str) -> int:
    """Return the number of publication ``name`` among the index's ``publications`` (their
    lower-case labels), any case; a name that opens exactly one of them, to a word's end, is that
    one ("in:fortnight" for "Fortnight in Review"); -2 when it names none."""
    folded = name.casefold()
    if folded in publications:
        return publications.index(folded)
    opening = [
        n
        for n, label in enumerate(publications)
        if label.startswith(folded) and not label[len(folded) : len(folded) + 1].isalnum()
    ]
    return opening[0] if len(opening) == 1 else -2


def passage_filter(index: BM25Index, filters: Filters) -> Callable[[IntArray], BoolArray]:
    """Return a function from positions to the mask of those whose passage passes ``filters``.

    Publication names compare case-insensitively; dates as strings, passages without a date
    failing any date filter.
    """
    columns = index.columns
    publications = index.labels.get(PUBLICATION, [])
    code: int | None = None
    if filters.publication:
        code = publication_code(publications, filters.publication)
    since = filters.since.encode("utf-8") if filters.since else None
    until = filters.until.encode("utf-8") if filters.until else None

    def allowed(positions: IntArray) -> BoolArray:
        mask = np.ones(len(positions), dtype=bool)
        if not columns:
            return ~mask
        if code is not None:
            mask &= columns[PUBLICATION][positions] == code
        if filters.volume is not None:
            mask &= columns["volume"][positions] == filters.volume
        if filters.issue is not None:
            mask &= columns["issue"][positions] == filters.issue
        if since is not None or until is not None:
            dates: Any = columns["date"][positions]
            mask &= dates != b""
            if since is not None:
                mask &= dates >= since
            if until is not None:
                mask &= dates <= until
        return mask

    return allowed
