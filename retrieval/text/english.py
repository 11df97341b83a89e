"""Whether a word is an English word spelled right, to tell a word the archive lacks from a slip.

The word list is pyspellchecker's English dictionary (some 128,000 words of letters a-z, from
subtitles, names included). It is read once, when first asked, and kept as the sorted CRC-32s of
its words (half a megabyte, not a set of strings); two words sharing a CRC-32 is a chance of
about one in 30,000 for a word not in the list, which only means a slip left as typed.
"""

from __future__ import annotations

import gzip
import re
import zlib
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

_ENTRY_RE = re.compile(rb'"([a-z]+)":')


def is_english(word: str) -> bool:
    """Return whether ``word`` (lower case) is in the English word list."""
    hashes = _hashes()
    key = zlib.crc32(word.encode("utf-8"))
    at = int(np.searchsorted(hashes, key))
    return at < len(hashes) and int(hashes[at]) == key


@lru_cache(maxsize=1)
def _hashes() -> Any:
    """Return the sorted distinct CRC-32s of the list's words."""
    return np.unique(np.array([zlib.crc32(w) for w in _words()], dtype=np.uint32))


def _words() -> list[bytes]:
    """Return the list's words of letters a-z, read from pyspellchecker's English dictionary
    file (``{"word": count, ...}``, gzipped)."""
    packed = resources.files("spellchecker").joinpath("resources", "en.json.gz").read_bytes()
    return _ENTRY_RE.findall(gzip.decompress(packed))
