"""Prose laid out: text split into paragraphs, and text shortened to a limit at a word boundary;
invisible characters dropped; numbers gathered into runs ("lines 4-6, 9", "issues 1–3, 7")."""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise

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


SENTENCE_ENDS = (".", "!", "?", ")", ";", ":")
"""What a line ending a sentence (or a source, "(Reuters, May 4)") ends with."""
MAX_WRAPPED_LINE = 100
"""The longest line of a text wrapped at a fixed width (e-mail wraps at 72 to 78)."""
MIN_WRAPPED_LINE = 40
"""Half the lines of a wrapped text (its last aside) are at least this long."""


def hard_wrapped(lines: list[str]) -> bool:
    """Return whether ``lines`` (three or more, no blank one among them) are one text wrapped at
    a fixed width rather than a paragraph a line: each but the last at most
    ``MAX_WRAPPED_LINE`` characters, half of them ``MIN_WRAPPED_LINE`` or more, most of them
    ending inside a sentence that half the time goes on in lower case on the next line.

    Read a paragraph a line, such a brief (pasted from an e-mail) was cut into passages
    mid-sentence, and its first line taken for its title.
    """
    if len(lines) < 3 or any(len(line) > MAX_WRAPPED_LINE for line in lines[:-1]):
        return False
    # Wrapped lines fill the width: a list of short items a line is no wrapped text.
    full = sum(1 for line in lines[:-1] if len(line) >= MIN_WRAPPED_LINE)
    breaks = [
        after.lstrip()[:1]
        for line, after in pairwise(lines)
        if not line.rstrip().endswith(SENTENCE_ENDS)
    ]
    # A sentence goes on in lower case after most of its breaks; a list of headlines a line
    # ("Russia: Duma raises …" / "Ukraine: …") does not.
    lower = sum(1 for first in breaks if first.islower())
    return (
        full * 2 >= len(lines) - 1 and len(breaks) * 2 > len(lines) - 1 and lower * 2 >= len(breaks)
    )


_WRAPPED_RE = re.compile(r"([^\W\d_]+)-$")
"""The start of a word hyphenated at a line's end ("corrup-"), as text copied from a PDF has."""
_NEXT_WORD_RE = re.compile(r"\s*([^\W\d_]+)")


def join_lines(lines: list[str]) -> str:
    """Return the lines of a paragraph joined with spaces, a word hyphenated at a line's end
    joined again: "corrup-" and "tion" as "corruption" (an English word), "well-" and "known"
    as "well-known". Joined with a space, "corrup- tion" was never found."""
    if len(lines) == 1 or not any(line.rstrip().endswith("-") for line in lines[:-1]):
        return " ".join(lines)
    # Imported here: the word list's module brings numpy, which laying out prose never needs.
    from retrieval.text.english import is_english

    out = lines[0]
    for line in lines[1:]:
        head = out.rstrip()
        cut = _WRAPPED_RE.search(head)
        after = _NEXT_WORD_RE.match(line)
        if cut is None or after is None:
            out = f"{out} {line}"
            continue
        whole = cut.group(1) + after.group(1)
        hyphen = "" if after.group(1).islower() and is_english(whole.lower()) else "-"
        out = head[: cut.end(1)] + hyphen + line.lstrip()
    return out


def split_paragraphs(text: str) -> list[str]:
    """Return the paragraphs of ``text``: blocks separated by blank lines, or its single lines if
    no blank line separates any (unless they are one text wrapped at a fixed width:
    ``hard_wrapped``), each with its white space folded to single spaces and a word hyphenated
    at a line's end joined again (``join_lines``).

    Blank lines at the end are ignored; a blank line anywhere else counts as a separator, so the
    lines under a leading blank line join into one paragraph, as in a brief whose body follows
    its header after a blank line.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if all(line.strip() for line in lines):
        if hard_wrapped(lines):
            return [" ".join(join_lines(lines).split())]
        return [" ".join(line.split()) for line in lines]
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(" ".join(join_lines(current).split()))
            current = []
    if current:
        paragraphs.append(" ".join(join_lines(current).split()))
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
