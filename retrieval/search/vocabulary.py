"""The index's vocabulary, term -> term number, read from arrays instead of a dict of strings.

A Python dict of the 200,000 terms of a million passages costs some 25 MB of memory and 0.15 s
to build at every start. The saved vocabulary is four arrays instead (``retrieval/search/cache.py``
keeps them with the index and memory-maps them):

* ``terms``: every term's UTF-8 bytes one after another, in term-number order;
* ``term_ends``: where each term's bytes end;
* ``term_hashes``: the CRC-32 of every term's bytes, ascending;
* ``term_numbers``: the number of the term of each hash.

A lookup is a binary search for the term's CRC-32 and a comparison of bytes (two terms may share
a CRC-32: each is compared). A term once looked up is remembered, so a question's terms cost a
dict lookup the next time. Terms numbered after the arrays were made (growth) are kept in a dict
beside them, as ``dict.setdefault`` would number them.
"""

from __future__ import annotations

import bisect
import zlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from retrieval.search.bm25 import AnyArray

# Looked-up terms remembered; past this many the memory is cleared (a long-running bot).
REMEMBERED = 200_000
_ABSENT = -1


class Vocabulary:
    """Term -> term number over saved arrays (see the module docstring), with terms added since.

    Behaves as the ``dict[str, int]`` it replaces for what the index does with one: ``get``,
    ``[]``, ``in``, ``len``, iteration in number order, ``setdefault`` (numbering a new term) and
    ``copy``.

    Args:
        data: the terms' UTF-8 bytes, concatenated (uint8).
        ends: where each term's bytes end in ``data`` (int64, ascending).
        hashes: the CRC-32 of each term, ascending (uint32).
        numbers: the term number of each hash (int32).
        added: terms numbered after these, in number order (from ``len(ends)`` on).
    """

    def __init__(
        self,
        data: Any,
        ends: Any,
        hashes: Any,
        numbers: Any,
        added: dict[str, int] | None = None,
    ):
        self.data, self.ends, self.hashes, self.numbers = data, ends, hashes, numbers
        self.saved = len(ends)
        self.added: dict[str, int] = added if added is not None else {}
        self._bytes = _view(data, "B")
        self._ends = _view(ends, "q")
        self._hashes = _view(hashes, "I")
        self._numbers = _view(numbers, "i")
        self._seen: dict[str, int] = {}

    @classmethod
    def from_terms(cls, terms: Iterable[str]) -> Vocabulary:
        """Return the vocabulary numbering ``terms`` 0, 1, … in order."""
        return cls(*vocabulary_arrays(list(terms)))

    # -- lookups ---------------------------------------------------------------------------

    def get(self, term: str, default: Any = None) -> Any:
        """Return the number of ``term``, or ``default`` if it has none."""
        number = self.added.get(term)
        if number is not None:
            return number
        number = self._seen.get(term)
        if number is None:
            number = self._find(term)
            if len(self._seen) >= REMEMBERED:
                self._seen.clear()
            self._seen[term] = number
        return default if number == _ABSENT else number

    def _find(self, term: str) -> int:
        """Return the number of ``term`` among the saved terms, or ``_ABSENT``."""
        raw = term.encode("utf-8", "surrogatepass")
        crc = zlib.crc32(raw)
        hashes, numbers, ends, data = self._hashes, self._numbers, self._ends, self._bytes
        at = bisect.bisect_left(hashes, crc)
        while at < len(hashes) and hashes[at] == crc:
            number = numbers[at]
            start = ends[number - 1] if number else 0
            if data[start : ends[number]] == raw:
                return number
            at += 1
        return _ABSENT

    def holding(self, terms: Sequence[str]) -> list[str]:
        """Return those of ``terms`` that have a number, in order.

        The saved terms are searched for together: one ``searchsorted`` of the CRC-32s, then a
        lookup of only the few whose CRC-32 is there, so hundreds of terms mostly absent (a
        word's neighbours one typing slip away) cost about one numpy call.
        """
        if not terms:
            return []
        crcs = np.fromiter(
            (zlib.crc32(t.encode("utf-8", "surrogatepass")) for t in terms),
            dtype=np.uint32,
            count=len(terms),
        )
        hashes = np.asarray(self.hashes, dtype=np.uint32)
        maybe = np.zeros(len(terms), dtype=bool)
        if len(hashes):
            at = np.minimum(np.searchsorted(hashes, crcs), len(hashes) - 1)
            maybe = hashes[at] == crcs
        return [
            t
            for t, m in zip(terms, maybe.tolist(), strict=True)
            if t in self.added or (m and self.get(t) is not None)
        ]

    def __getitem__(self, term: str) -> int:
        number = self.get(term)
        if number is None:
            raise KeyError(term)
        return int(number)

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.get(term) is not None

    def __len__(self) -> int:
        return self.saved + len(self.added)

    def __iter__(self) -> Iterator[str]:
        """Yield the terms in number order."""
        yield from self.saved_terms()
        yield from self.added

    def saved_terms(self) -> list[str]:
        """Return the terms of the arrays, in number order."""
        text = bytes(self._bytes).decode("utf-8", "surrogatepass")
        if not self.saved:
            return []
        # Character offsets of the ends: count the UTF-8 lead bytes before each end.
        leads = (np.frombuffer(self._bytes, dtype=np.uint8) & 0xC0) != 0x80
        chars = np.zeros(len(leads) + 1, dtype=np.int64)
        np.cumsum(leads, out=chars[1:])
        cuts = chars[np.asarray(self.ends)].tolist()
        return [text[a:b] for a, b in zip([0, *cuts[:-1]], cuts, strict=True)]

    # -- numbering -------------------------------------------------------------------------

    def setdefault(self, term: str, number: int) -> int:
        """Return the number of ``term``, numbering it ``number`` first if it has none."""
        got = self.get(term)
        if got is not None:
            return int(got)
        self.added[term] = number
        return number

    def copy(self) -> Vocabulary:
        """Return a vocabulary sharing these arrays, to which terms can be added apart."""
        copy = Vocabulary(self.data, self.ends, self.hashes, self.numbers, dict(self.added))
        copy._seen = self._seen  # the saved terms' numbers are the same
        return copy

    def arrays(self) -> tuple[AnyArray, AnyArray, AnyArray, AnyArray]:
        """Return ``(data, ends, hashes, numbers)`` of every term, those added included."""
        if not self.added:
            return self.data, self.ends, self.hashes, self.numbers
        data, ends, hashes, numbers = vocabulary_arrays(list(self.added), first=self.saved)
        all_data = np.concatenate([np.asarray(self.data, dtype=np.uint8), data])
        all_ends = np.concatenate([np.asarray(self.ends, dtype=np.int64), ends + len(self.data)])
        all_hashes = np.concatenate([np.asarray(self.hashes), hashes])
        all_numbers = np.concatenate([np.asarray(self.numbers), numbers])
        order = np.argsort(all_hashes, kind="stable")
        return all_data, all_ends, all_hashes[order], all_numbers[order]


def _view(array: Any, code: str) -> memoryview:
    """Return a memoryview of ``array``'s items as the ``struct`` type ``code``: indexing it
    gives Python ints without numpy's per-item cost."""
    buffer: Any = np.ascontiguousarray(array)
    view: Any = memoryview(buffer).cast("B")
    return view.cast(code)


TermNumbers = dict[str, int] | Vocabulary
"""A vocabulary as the index takes it: a dict (built in this process) or saved arrays."""


def vocabulary_arrays(
    terms: list[str], first: int = 0
) -> tuple[AnyArray, AnyArray, AnyArray, AnyArray]:
    """Return ``(data, ends, hashes, numbers)`` of ``terms`` numbered from ``first``."""
    encoded = [t.encode("utf-8", "surrogatepass") for t in terms]
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    ends = np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)))
    hashes = np.fromiter(map(zlib.crc32, encoded), dtype=np.uint32, count=len(encoded))
    order = np.argsort(hashes, kind="stable")
    numbers = (order + first).astype(np.int32)
    return data, ends.astype(np.int64), hashes[order], numbers


def numbered(vocab: TermNumbers) -> Vocabulary:
    """Return ``vocab`` as a ``Vocabulary`` (a dict's terms in its order, numbered 0, 1, …)."""
    if isinstance(vocab, Vocabulary):
        return vocab
    terms = [""] * len(vocab)
    for term, number in vocab.items():
        terms[number] = term
    return Vocabulary.from_terms(terms)
