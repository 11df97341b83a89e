"""Telegram's 4,096-character limit: well-formed HTML cut into messages that each fit.

Cuts fall at paragraph, line, sentence or word boundaries, never inside a tag, an entity or a word
(except one word longer than a whole message); tags open at a cut are closed before it and
reopened after it; no message is empty. Pure: no Telegram calls.
"""

from __future__ import annotations

import html
import re

MAX_MESSAGE_CHARS = 4096
"""Telegram's limit for one message's text (we count the raw HTML, so we are always under it)."""

_ATOM_RE = re.compile(r"<[^>]*>|&#?\w+;|\s+|[^<&\s]+|&")
_TAG_NAME_RE = re.compile(r"</?\s*([\w-]+)")
_SENTENCE_END = (".", "!", "?", "…", "”", ")", ":", ";")


def _u16(text: str) -> int:
    """Return the length of ``text`` in UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _closing(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _after(stack: list[tuple[str, str]], atom: str) -> list[tuple[str, str]]:
    """Return the open-tag stack after ``atom``."""
    if not atom.startswith("<"):
        return stack
    m = _TAG_NAME_RE.match(atom)
    if m is None:
        return stack
    name = m.group(1).lower()
    if atom.startswith("</"):
        for i in range(len(stack) - 1, -1, -1):
            if stack[i][0] == name:
                return stack[:i] + stack[i + 1 :]
        return stack
    return [*stack, (name, atom)]


def _break_priority(atoms: list[str], j: int) -> int:
    """Return how good a place the whitespace ``atoms[j]`` is to split: paragraph > line >
    sentence > word."""
    if "\n\n" in atoms[j]:
        return 3
    if "\n" in atoms[j]:
        return 2
    k = j - 1
    while k >= 0 and atoms[k].startswith("<"):
        k -= 1
    return 1 if k >= 0 and atoms[k].endswith(_SENTENCE_END) else 0


def _visible(chunk: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", chunk)).strip()


def split_html(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Return well-formed Telegram HTML ``text`` cut into messages of at most ``limit`` characters.

    Cuts fall at the best whitespace in the second half of a message: a paragraph break, else a
    line break, else a sentence end, else between words. Tags open at a cut are closed before it
    and reopened after it; a cut never falls inside a tag, an entity or a word (except a single
    word longer than a whole message). Messages with no visible text are dropped.
    """
    atoms = _ATOM_RE.findall(text)
    chunks: list[str] = []
    stack: list[tuple[str, str]] = []
    i = 0
    while i < len(atoms):
        while i < len(atoms) and atoms[i].isspace():
            i += 1
        if i >= len(atoms):
            break
        prefix = "".join(tag for _, tag in stack)
        parts = [prefix]
        length = _u16(prefix)
        current = stack
        breaks: list[tuple[int, int, int, int, list[tuple[str, str]]]] = []
        j = i
        while j < len(atoms):
            atom = atoms[j]
            nxt = _after(current, atom)
            if length + _u16(atom) + _u16(_closing(nxt)) > limit:
                break
            if atom.isspace() and j > i:
                breaks.append((_break_priority(atoms, j), j, len(parts), length, current))
            parts.append(atom)
            length += _u16(atom)
            current = nxt
            j += 1
        if j == len(atoms):
            chunks.append("".join(parts) + _closing(current))
            break
        good = [b for b in breaks if b[3] >= limit // 2]
        if good:
            best = max(good, key=lambda b: (b[0], b[1]))
        elif breaks:
            best = breaks[-1]
        else:
            best = None
        if best is not None:
            _, k, nparts, _, at = best
            chunks.append("".join(parts[:nparts]) + _closing(at))
            i, stack = k + 1, at
            continue
        atom = atoms[j]
        if j > i and (atom.startswith(("<", "&")) or not atoms[j - 1][:1].isalnum()):
            chunks.append("".join(parts) + _closing(current))
            i, stack = j, current
            continue
        # One word longer than a whole message: the only cut that must fall inside a word.
        room = max(1, limit - length - _u16(_closing(current)))
        head = atom[:room]
        while _u16(head) > room and len(head) > 1:
            head = head[:-1]
        atoms[j : j + 1] = [head, atom[len(head) :]]
        chunks.append("".join(parts) + head + _closing(current))
        i, stack = j + 1, current
    return [c.strip() for c in chunks if _visible(c)]
