"""Each passage's distinct terms and their counts (a forward index), one segment at a time.

Reranking needs the frequencies of some twenty weighted terms at about a thousand passages (the
candidates and the other passages of their briefs). Looked up in the inverted postings that is a
binary search per term and passage; read from the forward index it is one gather of those
passages' rows. A segment's forward index holds the same pairs as its postings, ordered by
passage and, within a passage, by term number, each pair packed in one integer (``term <<
tf_bits | tf``): uint32 when it fits, which at a million passages (192k terms) it does, else
uint64.

It is worked out from the segment's postings (a stable sort by passage), so a segment of any
origin (built, merged, compacted, loaded from an older cache) has one. With a cache folder known
(``remember_folder``) it is saved there as ``fwd-<segment>/`` beside the segment, checked (size and
CRC-32 of each file) and memory-mapped by the next process; with none, it is kept in memory.
The segment itself never changes, so neither does its forward index.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import uuid
import weakref
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.search.bm25 import AnyArray, IntArray
from retrieval.search.segments import Segment

PREFIX = "fwd-"
FILES = ("offsets.npy", "packed.npy")
LISTING = "files.json"


@dataclass(frozen=True)
class Forward:
    """The forward index of one segment.

    Args:
        first: position of the segment's first passage.
        offsets: ``n_docs + 1`` offsets into ``packed``, one row per passage.
        packed: ``term << tf_bits | tf`` per pair, ascending by term within a row.
        tf_bits: how many low bits hold the count.
    """

    first: int
    offsets: IntArray
    packed: AnyArray
    tf_bits: int

    def rows(self, positions: IntArray) -> tuple[AnyArray, IntArray]:
        """Return the packed pairs of the passages at ``positions`` (all in this segment), row
        after row, and where each passage's row starts among them."""
        rows = positions - self.first
        starts = self.offsets[rows]
        sizes = self.offsets[rows + 1] - starts
        runs = np.zeros(len(rows), dtype=np.int64)
        if len(rows) > 1:
            np.cumsum(sizes[:-1], out=runs[1:])
        total = int(runs[-1] + sizes[-1]) if len(rows) else 0
        at = np.arange(total, dtype=np.int64) + np.repeat(starts - runs, sizes)
        return np.take(self.packed, at), runs

    def split(self, packed: Any) -> tuple[AnyArray, AnyArray]:
        """Return the terms and the counts of packed pairs."""
        return packed >> self.tf_bits, packed & ((1 << self.tf_bits) - 1)


def build_forward(segment: Segment) -> Forward:
    """Return the forward index of ``segment``, worked out from its postings."""
    n_terms = segment.n_terms
    tf_bits = max(int(segment.max_tf.max(initial=0)), 1).bit_length()
    term_bits = max(n_terms - 1, 1).bit_length()
    dtype = np.uint32 if term_bits + tf_bits <= 32 else np.uint64
    rows = (segment.docs - segment.first).astype(np.int64)
    doc_bits = max(segment.n_docs - 1, 1).bit_length()
    if doc_bits + term_bits + tf_bits <= 63:
        # Passage, term and count packed in one integer and sorted: (passage, term) pairs are
        # distinct, so a plain sort (several times faster than a stable argsort) orders them.
        shift = term_bits + tf_bits
        keys = np.repeat(np.arange(n_terms, dtype=np.int64) << tf_bits, np.diff(segment.offsets))
        keys |= segment.tfs.astype(np.int64)
        keys |= rows << shift
        keys.sort()
        packed = (keys & ((1 << shift) - 1)).astype(dtype)
    else:
        terms: Any = np.repeat(np.arange(n_terms, dtype=dtype), np.diff(segment.offsets))
        packed = (terms << dtype(tf_bits)) | segment.tfs.astype(dtype)
        # Postings are in (term, passage) order: a stable sort by passage keeps terms ascending.
        packed = packed[np.argsort(rows, kind="stable")]
    counts = np.bincount(rows, minlength=segment.n_docs)
    offsets = np.zeros(segment.n_docs + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return Forward(segment.first, offsets, packed, tf_bits)


_FORWARD: weakref.WeakKeyDictionary[Segment, Forward] = weakref.WeakKeyDictionary()
_FOLDERS: weakref.WeakKeyDictionary[Segment, Path] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def remember_folder(segment: Segment, folder: Path) -> None:
    """Note that ``segment`` is saved in the cache ``folder`` (as ``folder / segment.name``):
    its forward index is read from there, or saved there once worked out."""
    if segment.name:
        with _LOCK:
            _FOLDERS[segment] = folder


def forward_of(segment: Segment) -> Forward:
    """Return the forward index of ``segment``: kept, read from its cache folder, or worked out
    (and then saved there when the folder is known, if it can be written)."""
    with _LOCK:
        found = _FORWARD.get(segment)
        folder = _FOLDERS.get(segment)
    if found is not None:
        return found
    forward = _read(folder / f"{PREFIX}{segment.name}", segment) if folder else None
    if forward is None:
        forward = build_forward(segment)
        if folder is not None:
            with contextlib.suppress(OSError):
                save_forward(folder, segment, forward)
    with _LOCK:
        return _FORWARD.setdefault(segment, forward)


def save_forward(folder: Path, segment: Segment, forward: Forward | None = None) -> None:
    """Save the forward index of ``segment`` as ``folder / fwd-<segment name>`` (written under a
    temporary name and renamed; nothing is written if it is already there).

    Raises:
        OSError: if the folder cannot be written.
    """
    target = folder / f"{PREFIX}{segment.name}"
    if target.exists():
        return
    forward = forward if forward is not None else forward_of(segment)
    tmp = folder / f"tmp-{uuid.uuid4().hex}"
    tmp.mkdir()
    try:
        listing: dict[str, Any] = {"tf_bits": forward.tf_bits, "files": {}}
        for name, array in zip(FILES, (forward.offsets, forward.packed), strict=True):
            with open(tmp / name, "wb") as fh:
                np.save(fh, np.ascontiguousarray(array), allow_pickle=False)
            listing["files"][name] = _crc(tmp / name)
        (tmp / LISTING).write_text(json.dumps(listing), encoding="utf-8")
        os.rename(tmp, target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not target.exists():
            raise


def _read(path: Path, segment: Segment) -> Forward | None:
    """Return the forward index saved at ``path`` for ``segment``, or None if it is missing or
    fails a check (wrong size, checksum, type or shape)."""
    try:
        listing = json.loads((path / LISTING).read_text(encoding="utf-8"))
        files, tf_bits = listing["files"], int(listing["tf_bits"])
        arrays = []
        for name in FILES:
            if _crc(path / name) != files[name]:
                return None
            mapped = np.load(path / name, mmap_mode="r", allow_pickle=False)
            arrays.append(mapped.view(np.ndarray))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    offsets, packed = arrays
    n_postings = segment.n_postings
    if (
        offsets.shape != (segment.n_docs + 1,)
        or offsets.dtype != np.int64
        or packed.shape != (n_postings,)
        or packed.dtype not in (np.dtype(np.uint32), np.dtype(np.uint64))
        or (len(offsets) and (int(offsets[0]) != 0 or int(offsets[-1]) != n_postings))
    ):
        return None
    return Forward(segment.first, offsets, packed, tf_bits)


def _crc(path: Path) -> list[int]:
    """Return ``[size, crc32]`` of a file."""
    crc = 0
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
    return [size, crc]
