"""Memory the process freed, handed back to the system.

An index caught up replaces arrays of several megabytes (the per-passage arrays joined across
segments, the brief map, the score accumulators). Once a few such arrays were freed, glibc's
allocator raises its threshold for serving requests with their own memory maps, so the next
generation's arrays come from the heap, and a heap freed in the middle is not returned: the
bot's resident memory grew by ~30 MB at each catch-up without holding more. ``malloc_trim``
returns the free pages of the heap.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from functools import cache


@cache
def _trim() -> Callable[[int], int] | None:
    """Return the C library's ``malloc_trim``, or None where it has none (not glibc)."""
    try:
        # The interpreter's own symbols, the C library's among them (no search for its file).
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def release_freed_memory() -> bool:
    """Return whether the C library was asked to hand the memory the process freed back to the
    system (False where it cannot be: a C library without ``malloc_trim``)."""
    trim = _trim()
    if trim is None:
        return False
    trim(0)
    return True
