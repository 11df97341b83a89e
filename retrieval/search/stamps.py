"""Stamps of saved index files whose checksum was verified, so a start need not read them again.

Every file of the saved index is checked against the size and CRC-32 that ``params.json`` lists
before it is trusted. Computing a CRC-32 reads the whole file: at a million passages, some 350 MB
read from disk and 0.2 s of CPU at every start, although a question touches only a few pages of
the memory-mapped arrays.

So a process that has verified a file records its stamp in ``verified.json`` beside the manifest:
the size and CRC-32 the manifest expects, and the file's size, modification and status-change
times (in nanoseconds), inode and device. A later start that finds the same stamp skips the CRC-32.
Any write to a file changes its status-change time (``st_ctime``), which no program can set back,
and a copied or restored file has another inode, so a file altered after it was stamped is
checked in full again.

One trap: the kernel's clock for file times advances in ticks of a few milliseconds, so a write in
the same tick as the one the stamp saw would leave the status-change time equal. A file is only
stamped when its status-change time is at least ``MIN_AGE_NS`` in the past, as git does for its
index ("racy git").

``verified.json`` is a hint, never trusted for content: unreadable, malformed or stale entries are
ignored and the files checked in full. It is written with ``os.replace`` (readers see an old or a
new file, never half of one), and not at all where the folder cannot be written (a read-only place
only costs the checksum).
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from retrieval.errors import IndexCacheError

STAMPS = "verified.json"
# A file changed less than this long ago is not stamped (file times advance in coarse ticks).
MIN_AGE_NS = 100_000_000


@contextlib.contextmanager
def open_regular(path: Path) -> Iterator[BinaryIO]:
    """Open ``path`` for reading if it is a regular file; never block on a FIFO or device.

    Raises:
        FileNotFoundError: if it is missing.
        IndexCacheError: if it is not a regular file.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IndexCacheError(f"{path} is not a regular file (a pipe or device?)")
        yield fh


class Stamps:
    """The stamps of one index folder: which files need not be checksummed again.

    Args:
        folder: the index folder (``<database>.index``).
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.checksummed = 0
        self._known = _read(folder / STAMPS)
        self._now: dict[str, list[int]] = {}
        self._added = False

    def vouch(self, name: str, fh: BinaryIO, expected: list[int]) -> bool:
        """Return whether the open file ``name`` (relative to the folder) carries a stamp that
        vouches for ``expected`` (its manifest's ``[size, crc32]``)."""
        stamp = _stamp(fh, expected)
        if self._known.get(name) != stamp:
            return False
        self._now[name] = stamp
        return True

    def verified(self, name: str, fh: BinaryIO, expected: list[int]) -> None:
        """Record that the open file ``name`` was checksummed and matched ``expected``."""
        self.checksummed += 1
        stamp = _stamp(fh, expected)
        if time.time_ns() - stamp[CTIME] >= MIN_AGE_NS:
            self._now[name] = stamp
            self._added = True

    def save(self) -> None:
        """Write the stamps of the files seen in this load, if any were added (best effort)."""
        if not self._added:
            return
        tmp = self.folder / f"{STAMPS}.{uuid.uuid4().hex}.tmp"
        try:
            tmp.write_text(json.dumps(self._now, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.folder / STAMPS)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()


CTIME = 4  # where a stamp holds the status-change time


def _stamp(fh: BinaryIO, expected: list[int]) -> list[int]:
    """Return ``expected`` (``[size, crc32]``) followed by the open file's size, modification
    and status-change times (ns), inode and device."""
    st = os.fstat(fh.fileno())
    return [*expected, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def _read(path: Path) -> dict[str, Any]:
    """Return the stamps saved at ``path``; an empty dict if there are none or they are bad."""
    try:
        with open_regular(path) as fh:
            data = json.loads(fh.read())
    except (OSError, ValueError, RecursionError, IndexCacheError):
        return {}
    return data if isinstance(data, dict) else {}
