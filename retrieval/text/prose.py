"""Prose laid out: text split into paragraphs, and text shortened to a limit at a word boundary;
invisible characters dropped; numbers gathered into runs ("lines 4-6, 9", "issues 1–3, 7")."""

from __future__ import annotations

import re
from collections.abc import Iterable

INVISIBLE = ("\u00ad", "\u200b", "\u2060")
"""Soft hyphens, zero-width spaces and word joiners: text copied from web pages carries them
inside words ("Kaza\u00adkhstan"), where they split a word in two for the search and show
nothing."""
_INVISIBLE_RE = re.compile("[" + "".join(INVISIBLE) + "]")
_INVISIBLE_ESCAPED_RE = re.compile(
    r"(?<!\\)\\u(?:" + "|".join(f"{ord(ch):04x}" for ch in INVISIBLE) + ")", re.IGNORECASE
)
"""``INVISIBLE`` written as JSON escapes (``\\u00ad``), unless the backslash is escaped itself."""


def drop_invisible(text: str, *, escaped: bool = False) -> str:
    """Return ``text`` without soft hyphens, zero-width spaces and word joiners (``INVISIBLE``),
    or ``text`` itself when it holds none.

    Args:
        text: the text, as read.
        escaped: ``text`` is JSON (a JSONL file): they go when written as escapes too.
    """
    if any(ch in text for ch in INVISIBLE):
        text = _INVISIBLE_RE.sub("", text)
    if escaped and "\\u" in text:
        cleaned = _INVISIBLE_ESCAPED_RE.sub("", text)
        if cleaned != text:
            return cleaned
    return text


def split_paragraphs(text: str) -> list[str]:
    """Return the paragraphs of ``text``: blocks separated by blank lines, or its single lines if
    no blank line separates any, each with its white space folded to single spaces.

    Blank lines at the end are ignored; a blank line anywhere else counts as a separator, so the
    lines under a leading blank line join into one paragraph, as in a brief whose body follows
    its header after a blank line.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if all(line.strip() for line in lines):
        return [" ".join(line.split()) for line in lines]
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(" ".join(" ".join(current).split()))
            current = []
    if current:
        paragraphs.append(" ".join(" ".join(current).split()))
    return paragraphs


def shorten(text: str, limit: int) -> str:
    """Return ``text`` with its white space folded, cut at a word boundary to at most ``limit``
    characters, ``…`` marking a cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:—–- ") + "…"


def runs(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Return ascending ``numbers`` as runs of consecutive ones, each ``(first, last)``:
    ``[1, 2, 3, 7]`` gives ``[(1, 3), (7, 7)]``, for writing "1–3, 7"."""
    found: list[tuple[int, int]] = []
    for n in numbers:
        if found and n == found[-1][1] + 1:
            found[-1] = (found[-1][0], n)
        else:
            found.append((n, n))
    return found
