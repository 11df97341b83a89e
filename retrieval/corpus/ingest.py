"""Read brief files (text in the publishers' format, or JSONL) into the store.

Each file is read and parsed whole before anything is written, and a brief file is written whole
or not at all (a transaction of its own, or a savepoint of a bulk run's transaction), so a bad file
is rejected with one clear line and never half-stored, while the good files of the same run are
kept. A brief of a text file that cannot be stored (no text, a malformed header) is rejected with
its line, and the file's other briefs are written (removing none of what the file held before),
as are the good lines of a JSONL file. A JSONL file is written in batches of 2,000 records: a run
cut short inside a large one leaves the batches already written, and ingesting the file again
completes it (each record is known by its file and line).

A run over many files (``Ingester.ingest_sources``) reads and parses them in worker processes
while the main process writes, and writes them in groups (``BATCH_SECONDS`` of reading or
``BATCH_PASSAGES``), one short transaction a group instead of one a file; a crash loses only the
files not yet committed, whole. The write lock is held only while a group is written, never
while files are read or parsed, so that another writer does not wait on them.
"""

from __future__ import annotations

import codecs
import datetime as dt
import errno
import gc
import json
import multiprocessing
import os
import pickle
import quopri
import re
import stat
import sys
import threading
import time
from bisect import bisect_right
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any, BinaryIO

from retrieval.corpus.briefs import (
    BOM,
    MAX_FIELD_CHARS,
    Brief,
    FooterRules,
    brief_rows,
    build_brief,
    is_date,
    issue_number,
)
from retrieval.corpus.clock import utc_clock
from retrieval.corpus.identity import (
    Citation,
    RelatedOrigins,
    choose_origin,
    render_citation,
    stored_citations,
)
from retrieval.corpus.store import BriefRow, Store, WriteSummary, brief_of_row
from retrieval.errors import BriefFormatError, NumberRangeError
from retrieval.text.prose import drop_invisible, runs, shorten, split_paragraphs

DEFAULT_MAX_BYTES = 50_000_000
NOTICEABLE_WAIT_S = 0.5
"""A wait for another writer shorter than this is not reported: the bot's own writes (its
journal, an index save) hold the database for milliseconds, and "waited 0.0 s" only alarms."""
# UTF-32 first: its little-endian mark starts with UTF-16's.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Longest integer literal read as a number; a longer one is kept as its digits and refused where a
# number is needed (Python refuses to convert more than 4,300 digits, with a ValueError).
MAX_INT_LITERAL = 24
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_HEADER_LINE_RE = re.compile(r"^\s*Publication\s*:", re.IGNORECASE | re.MULTILINE)
_DIGITS_RE = re.compile(r"[0-9]+")
_DATE_PREFIX_RE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[T ][0-9:.+\-Z]*)?")
TEXT_SUFFIXES = {".txt", ".text", ".brief", ""}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
PARALLEL_MIN_FILES = 200
"""A run over at least this many files reads and parses them in worker processes."""
PARALLEL_CHUNK = 32
"""Files handed to a worker at a time."""
PARALLEL_AHEAD = 16
"""Chunks in flight per worker: with two workers ~12,000 passages (~15 MB pickled), a third of a
second of the writer's work, parsed ahead, so that the workers keep parsing while the writer
waits on the disk (a checkpoint's fsync); bounded, so parsed files never pile up in memory."""
BATCH_SECONDS = 0.5
BATCH_PASSAGES = 5_000
"""A bulk run writes and commits the files it has read once it has read them this long or they
hold this many passages."""
NEW_FILES_PASSAGES = 5_000
"""A bulk run writes the files it holds back (``Ingester._flush``) once they hold this many
passages (and before it commits)."""


@dataclass
class Rejection:
    """A file (or one line of it) that was not stored, and why."""

    source: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.source}, line {self.line}" if self.line else self.source
        return f"{where}: {self.reason}"


@dataclass
class IngestReport(WriteSummary):
    """The summary of one ingest run: the writes' counts (``WriteSummary``, merged file by
    file), files, rejections and notices (e.g. decodings)."""

    files: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return ``N added, N updated, N removed, N unchanged, N rejected``."""
        return (
            f"{self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged, {len(self.rejected)} rejected"
        )


def decode(data: bytes, source: str) -> tuple[str, str | None]:
    """Return the text of ``data`` and, if it was not all UTF-8, a note saying how it was read
    (``not UTF-8; decoded as cp1251``).

    A file that starts with a UTF-16 or UTF-32 byte order mark (what Windows' "Unicode" text
    is) is read in that encoding. Cyrillic (cp1251) and Western (Latin-1/cp1252) files are both
    common in this field: a file whose non-ASCII bytes read as mostly Cyrillic letters under
    cp1251 is taken as cp1251, or as KOI8-R when cp1251 gives mostly capitals (some lower case
    among them) and KOI8-R does not. A UTF-8 file cut short inside its last character keeps its
    text (the bytes of the cut character are dropped), and a file that is UTF-8 but for some
    lines (files of two encodings joined with ``cat``) has only those lines read the other way.
    Byte order marks (U+FEFF) are dropped wherever they are.

    Raises:
        BriefFormatError: if the data looks binary.
    """
    for mark, encoding in _WIDE_BOMS:
        if data.startswith(mark):
            try:
                return data.decode(encoding).replace(BOM, ""), _decoded_as(encoding)
            except UnicodeDecodeError:
                break  # not that encoding after all: the checks below decide
    if data.find(b"\x00", 0, 65536) >= 0:  # find: no copy, no TypeError (``_shown_utf8``)
        wide = _bomless_utf16(data)
        if wide is not None:
            return wide
        raise BriefFormatError(
            "looks like a binary file (it has NUL bytes); briefbot reads UTF-8 text or JSONL",
            source=source,
        )
    try:
        # A byte order mark anywhere, not just at the start: files joined with `cat` carry one in
        # the middle, where it would hide the header line after it (issue 17).
        text = data.decode("utf-8")
        return (text.replace(BOM, "") if BOM in text else text), None
    except UnicodeDecodeError as exc:
        head = data[: exc.start]
        if exc.end == len(data) and exc.reason == "unexpected end of data" and not head.isascii():
            # UTF-8 to its last character, which is cut short (a copy or a download that
            # stopped): read as cp1251 every letter of it would be garbled.
            cut = len(data) - exc.start
            note = (
                f"ends inside a character (was it cut short?); its last {cut} byte(s) were dropped"
            )
            return head.decode("utf-8").replace(BOM, ""), note
    mixed = _mostly_utf8(data)
    if mixed is not None:
        return mixed
    text, encoding = _eight_bit(data)
    return text, _decoded_as(encoding)


def _decoded_as(encoding: str) -> str:
    """Return the note for a file read whole in ``encoding``."""
    return f"not UTF-8; decoded as {encoding}"


def _eight_bit(data: bytes) -> tuple[str, str]:
    """Return the text of ``data`` read in the 8-bit encoding it looks written in, and that
    encoding's name (see ``decode``)."""
    data = data.replace(BOM.encode("utf-8"), b"")  # a UTF-8 file joined to a cp1251 one
    # Under cp1251 every byte from 0xC0 up is a Cyrillic letter, so Latin-1 text read that way
    # shows Cyrillic letters inside Latin words ("Sociйtй"); Russian gives whole Cyrillic words.
    as_1251 = data.decode("cp1251", errors="replace")
    words = [w for w in re.findall(r"\w+", as_1251) if not w.isascii()]
    cyrillic = sum(1 for w in words if all("\u0400" <= ch <= "\u04ff" for ch in w))
    if words and cyrillic >= 0.8 * len(words):
        # KOI8-R (older Russian files) puts lower case where cp1251 puts capitals: Russian read
        # as cp1251 then comes out mostly in capitals, its real capitals in lower case
        # ("рТЕЪЙДЕОФ"), and read as KOI8-R in ordinary case. A text all in capitals (a wire)
        # has no lower case at all: it stays cp1251.
        if 0.5 < _capital_share(as_1251) < 0.99:
            as_koi8 = data.decode("koi8_r", errors="replace")
            if _capital_share(as_koi8) < 0.5:
                return as_koi8, "koi8-r"
        return as_1251, "cp1251"
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _mostly_utf8(data: bytes) -> tuple[str, str] | None:
    """Return the text of ``data`` and a note, when some of its lines are UTF-8 with letters
    beyond ASCII, or hold such UTF-8 within them, and others are not UTF-8 at all; else None.

    Such a file is two files joined (``cat new.txt old.txt``), a UTF-8 file an old editor
    added lines to, or a line pasted together from both (a UTF-8 name into a cp1251 text). Read
    whole as cp1251 its UTF-8 came out garbled ("Р“Р°Р·РїСЂРѕРј"), never found again; here each
    line is read in its own encoding, and within a line that is not UTF-8 each run of UTF-8
    letters (``_utf8_runs``) as UTF-8, the rest in the 8-bit encoding ``_eight_bit`` chooses
    from all of it. An 8-bit line is valid UTF-8 only by a rare chance (each of its letters
    would have to be followed by a byte of punctuation), so one such line suffices.
    """
    bom = BOM.encode("utf-8")
    if bom in data:  # dropped from every line (from UTF-8 ones as they are decoded anyway)
        data = data.replace(bom, b"")
    lines = data.split(b"\n")
    texts: list[str] = []
    other: list[int] = []
    utf8_letters = False
    for n, line in enumerate(lines):
        if line.isascii():
            texts.append(line.decode("ascii"))
            continue
        try:
            texts.append(line.decode("utf-8"))
            utf8_letters = True
        except UnicodeDecodeError:
            texts.append("")  # read below, with the others
            other.append(n)
    if not other:
        return None
    mixed = _runs_by_line(data, lines, set(other))
    if not (utf8_letters or mixed):
        return None
    _, encoding = _eight_bit(b"\n".join(_outside(lines[n], mixed.get(n, [])) for n in other))
    for n in other:
        texts[n] = _decode_mixed(lines[n], mixed.get(n, []), encoding)
    text = "\n".join(texts)
    plain = [n + 1 for n in other if n not in mixed]
    parts = [f"{_line_ranges(plain)} decoded as {encoding}"] if plain else []
    if mixed:
        one = len(mixed) == 1
        parts.append(
            f"{_line_ranges([n + 1 for n in mixed])} mix{'es' if one else ''} UTF-8 and "
            f"{encoding} within the line, each part read in its own encoding "
            f"(check {'it' if one else 'them'})"
        )
    rest = ", the rest as UTF-8" if utf8_letters else ""
    return text.replace(BOM, ""), f"not all UTF-8: {'; '.join(parts)}{rest}"


# A run of characters in UTF-8 that ``_utf8_letter`` may take: U+00C0-U+024F, U+0400-U+045F and
# the dashes, quotes and ellipsis of ``_UTF8_PUNCTUATION`` (only those: a pattern of any UTF-8
# found five times as many runs in Russian cp1251 text, a capital before a quote: ~0.4 s for 8 MB).
_UTF8_RUN_RE = re.compile(
    rb"(?:[\xc3-\xc9][\x80-\xbf]|\xd0[\x80-\xbf]|\xd1[\x80-\x9f]"
    rb"|\xe2\x80[\x93\x94\x98\x99\x9c\x9d\xa6])+"
)
_UTF8_PUNCTUATION = frozenset("\u2013\u2014\u2018\u2019\u201c\u201d\u2026")


def _runs_by_line(
    data: bytes, lines: list[bytes], wanted: set[int]
) -> dict[int, list[tuple[int, int]]]:
    """Return, for each of the ``wanted`` lines of ``data`` (``lines``, split at ``\\n``) that
    holds any, its runs of UTF-8 (``_utf8_runs``) as spans within the line.

    One search of all of ``data`` rather than one a line: a call a line of a 60,000-line cp1251
    file cost a quarter of its decoding.
    """
    starts = list(accumulate((len(line) + 1 for line in lines[:-1]), initial=0))
    found: dict[int, list[tuple[int, int]]] = {}
    for start, end in _utf8_runs(data):
        n = bisect_right(starts, start) - 1
        if n in wanted:
            found.setdefault(n, []).append((start - starts[n], end - starts[n]))
    return found


def _utf8_runs(line: bytes) -> list[tuple[int, int]]:
    """Return the spans of ``line`` (bytes not UTF-8 as a whole) that are UTF-8 letters, quotes and
    dashes: runs of Latin or Cyrillic letters, or of dashes and quotes, two characters long or
    more, or one dash or quote, or one Latin letter within a Latin word (ü of Müller).

    Read in an 8-bit encoding such a run is an accented capital or a Cyrillic capital followed
    by a symbol ("Ã©", "Р“Р°"), which a text hardly ever holds; a lone Cyrillic letter is left
    out, since a cp1251 capital before a quote ("Р“") is one.
    """
    spans: list[tuple[int, int]] = []
    for m in _UTF8_RUN_RE.finditer(line):
        start, end = m.span()
        if end - start == 2 and line[start] in _CYRILLIC_LEADS:
            continue  # a lone Cyrillic letter (the most of what a cp1251 text matches)
        try:
            run = m.group().decode("utf-8")
        except UnicodeDecodeError:  # a surrogate or an overlong form: not text
            continue
        if all(_utf8_letter(ch) for ch in run) and (
            len(run) > 1 or run in _UTF8_PUNCTUATION or _in_latin_word(line, start, end)
        ):
            spans.append((start, end))
    return spans


_CYRILLIC_LEADS = frozenset(b"\xd0\xd1")
"""The first bytes of the Cyrillic letters ``_UTF8_RUN_RE`` matches."""


def _in_latin_word(line: bytes, start: int, end: int) -> bool:
    """Return whether the one character at ``line[start:end]`` is a Latin letter with an ASCII
    letter beside it ("ü" of "Müller"): in cp1251 its two bytes are a capital and a quote or
    dash after another Cyrillic letter («РИА НОВОСТИ»: "И»" is "Ȼ" in UTF-8)."""
    char = line[start:end].decode("utf-8")
    # Latin-1 Supplement and Extended-A: a cp1252 "É…" after a letter is U+0245, beyond them.
    return "\u00c0" <= char <= "\u017f" and (
        line[start - 1 : start].isalpha() or line[end : end + 1].isalpha()
    )


def _utf8_letter(ch: str) -> bool:
    """Return whether ``ch`` is a Latin or Cyrillic letter beyond ASCII, a dash or a quote."""
    return ch in _UTF8_PUNCTUATION or (
        ch.isalpha() and ("\u00c0" <= ch <= "\u024f" or "\u0400" <= ch <= "\u045f")
    )


def _outside(line: bytes, spans: list[tuple[int, int]]) -> bytes:
    """Return the bytes of ``line`` outside ``spans`` (its 8-bit text)."""
    if not spans:
        return line
    pieces, at = [], 0
    for start, end in spans:
        pieces.append(line[at:start])
        at = end
    pieces.append(line[at:])
    return b" ".join(pieces)


def _decode_mixed(line: bytes, spans: list[tuple[int, int]], encoding: str) -> str:
    """Return ``line`` read as UTF-8 within ``spans`` and in ``encoding`` elsewhere."""
    pieces, at = [], 0
    for start, end in spans:
        pieces.append(line[at:start].decode(encoding, errors="replace"))
        pieces.append(line[start:end].decode("utf-8"))
        at = end
    pieces.append(line[at:].decode(encoding, errors="replace"))
    return "".join(pieces)


def _line_ranges(numbers: list[int], shown: int = 3) -> str:
    """Return ``line 6``, ``lines 4-6, 9`` or ``lines 4-6, 9, 12-14 and 20 more`` for sorted
    line numbers."""
    spans = runs(numbers)
    parts = [f"{a}" if a == b else f"{a}-{b}" for a, b in spans[:shown]]
    rest = sum(b - a + 1 for a, b in spans[shown:])
    more = f" and {rest} more" if rest else ""
    return f"{'line' if len(numbers) == 1 else 'lines'} {', '.join(parts)}{more}"


def names_alike(new: str, old: str) -> bool:
    """Return whether publication name ``new`` is ``old`` written another way: in another case
    or spacing, or (names of 5 letters or more) one letter added, dropped, changed or two
    swapped ("Moniter", "Monitr", "Mointor")."""
    a, b = " ".join(new.casefold().split()), " ".join(old.casefold().split())
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        differ = [i for i in range(len(a)) if a[i] != b[i]]
        return len(differ) == 1 or (
            len(differ) == 2
            and differ[1] == differ[0] + 1
            and a[differ[0]] == b[differ[1]]
            and a[differ[1]] == b[differ[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _unread_line(source: str, unread: dict[tuple[str, str], list[int]]) -> str:
    """Return the notice of the fields of a JSONL file's records that are not read."""
    lines = sorted({n for found in unread.values() for n in found})
    named = ", ".join(f'"{other}" (briefbot reads "{name}")' for other, name in unread)
    return (
        f"{source}: {_line_ranges(lines)}: field(s) not read: {named}; those briefs were stored "
        "without them, so their citations lack them: rename the fields and ingest it again"
    )


def _bomless_utf16(data: bytes) -> tuple[str, str] | None:
    """Return the text of UTF-16 ``data`` without a byte order mark and its note, when every
    other byte of its start is zero as in ASCII text written two bytes a character; else None."""
    head = data[:4096]
    if len(head) < 4 or len(data) % 2:
        return None
    for encoding, zeros in (("utf-16-le", head[1::2]), ("utf-16-be", head[0::2])):
        if zeros.count(0) >= 0.9 * len(zeros):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                return None
            return None if "\x00" in text else (text.replace(BOM, ""), _decoded_as(encoding))
    return None


def _capital_share(text: str) -> float:
    """Return the share of capitals among the Cyrillic letters of ``text`` (0 with none)."""
    # Counted per distinct character (in C), then the few hundred characters looked at: a
    # Python loop over every character took as long as the decoding itself (~0.6 s for 5 MB).
    letters = capitals = 0
    for ch, n in Counter(text).items():
        if "\u0400" <= ch <= "\u04ff" and ch.isalpha():
            letters += n
            capitals += n if ch.isupper() else 0
    return capitals / letters if letters else 0.0


def display_path(path: str | Path) -> str:
    """Return ``path`` as printable text: bytes of a name that are not UTF-8 shown as U+FFFD.

    Such names reach Python as lone surrogates, which SQLite and the terminal refuse.
    """
    return os.fsencode(path).decode("utf-8", "replace")


def gone_under(
    store: Store, folder: str | Path, present: Collection[str] = ()
) -> list[tuple[str, int]]:
    """Return the files ingested before from under ``folder`` (as the path given then, which is
    how ``source`` keeps it) that are no longer there, each with how many of its briefs the archive
    still holds, in path order. Read-only; a file stored from elsewhere is not looked at.

    ``present``: the files found there now, as ``source`` keeps them (``display_path``): a name
    that is not UTF-8 is kept with "\ufffd" for its odd bytes, a path no file has (it was named
    gone at every ingest, the first too)."""
    prefix = display_path(folder).rstrip("/") + "/"
    rows = store.db.execute(
        "SELECT source, count(*) FROM briefs WHERE substr(source, 1, ?) = ? "
        "GROUP BY source ORDER BY source",
        [len(prefix), prefix],
    ).fetchall()
    return [
        (str(source), int(count))
        for source, count in rows
        if source not in present and not Path(source).exists()
    ]


def gone_line(folder: str | Path, gone: list[tuple[str, int]]) -> str | None:
    """Return the line saying which files ingested from ``folder`` before are gone
    (``gone_under``) and that their briefs are kept, or None when none is."""
    if not gone:
        return None
    shown = ", ".join(source for source, _ in gone[:3]) + (", …" if len(gone) > 3 else "")
    briefs = sum(count for _, count in gone)
    return (
        f"{display_path(folder)}: {len(gone)} file(s) ingested from it before are gone ({shown}); "
        f"their {briefs} brief(s) are kept. If they were taken out on purpose: briefbot remove "
        f"--source {gone[0][0]} (one file at a time)"
    )


def origin_of(path: Path, named: Path) -> str:
    """Return the identity of file ``path`` found under ``named`` (the folder or file the user
    named): its path relative to that folder, with ``/``, or the file's own name.

    It does not depend on the working directory nor on where the folder is, so moving the archive
    folder or ingesting from elsewhere finds the same briefs.
    """
    if path == named:
        return display_path(path.name)
    return display_path(path.relative_to(named).as_posix())


def iter_sources(
    paths: Iterable[str | Path],
    skipped: list[Path] | None = None,
    unlisted: list[tuple[Path, str]] | None = None,
    links: list[Path] | None = None,
) -> Iterator[tuple[Path, str]]:
    """Yield ``(file, origin)`` for the files named by ``paths``, walking folders recursively
    in sorted order; hidden files and files inside folders whose suffix briefbot does not read
    (``.htm``, ``.db`` …) are left out, a file named explicitly is always read.

    Files inside folders whose suffix briefbot does not read are appended to ``skipped`` (hidden
    files are passed over without a word), folders that cannot be listed to ``unlisted`` with
    the reason, and links to folders (not followed) to ``links``.
    """
    for path in paths:
        p = Path(path)
        if p.is_dir():
            for child, relative in _walk(p, str(p), "", unlisted, links):
                if _suffix(relative.rpartition("/")[2]).lower() in READ_SUFFIXES:
                    yield child, display_path(relative)
                elif skipped is not None:
                    skipped.append(child)
        else:
            yield p, origin_of(p, p)


READ_SUFFIXES = TEXT_SUFFIXES | JSONL_SUFFIXES


def _suffix(name: str) -> str:
    """Return ``Path(name).suffix`` of a file name (no ``/``), without making a ``Path`` (a
    second of CPU over a million passages' files, before any is read)."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _walk(
    top: Path,
    folder: str,
    relative: str,
    unlisted: list[tuple[Path, str]] | None = None,
    links: list[Path] | None = None,
) -> Iterator[tuple[Path, str]]:
    """Yield ``(path, path relative to top, with /)`` of the files under ``folder``, hidden ones
    (and hidden folders) left out, in the order of ``sorted(top.rglob("*"))``: each folder's
    entries by name, a subfolder's files right after its own name.

    Like ``rglob``, it does not descend into links to folders (they may loop); they are appended
    to ``links``. A folder it cannot list is appended to ``unlisted`` with the reason, so that
    its files are not lost without a word.
    """
    try:
        with os.scandir(folder) as listing:
            entries = sorted((entry.name, entry) for entry in listing)
    except OSError as exc:
        if unlisted is not None:
            unlisted.append((Path(folder), exc.strerror or str(exc)))
        return
    for name, entry in entries:
        if name.startswith("."):
            continue
        inner = f"{relative}/{name}" if relative else name
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(top, entry.path, inner, unlisted, links)
                continue
            is_file = entry.is_file()
            if not is_file and links is not None and entry.is_symlink() and entry.is_dir():
                links.append(top / inner)
        except OSError:
            continue
        if is_file:
            yield top / inner, inner


STDIN = "-"
"""The path that names standard input."""


@dataclass
class Sources:
    """What an ingest run will read, found before anything is read.

    Args:
        files: ``(file, origin)`` pairs: standard input first (``STDIN``, no origin), then every
            file of the paths that exist (see ``iter_sources``), in order.
        missing: the paths that do not exist.
        skipped: files inside folders whose suffix briefbot does not read.
        unlisted: folders that could not be listed (permissions, I/O errors), and why.
        links: links to folders, which are not followed.
    """

    files: list[tuple[Path | str, str | None]]
    missing: list[str | Path]
    skipped: list[Path]
    unlisted: list[tuple[Path, str]] = field(default_factory=list)
    links: list[Path] = field(default_factory=list)


def find_sources(paths: Iterable[str | Path]) -> Sources:
    """Return the files ``paths`` name (``-`` standard input), the paths that do not exist, the
    files skipped in folders, the folders that could not be listed and the links to folders.
    Reads only the folders' listings."""
    paths = list(paths)
    missing = [p for p in paths if str(p) != STDIN and not Path(p).exists()]
    present = [p for p in paths if str(p) != STDIN and p not in missing]
    skipped: list[Path] = []
    unlisted: list[tuple[Path, str]] = []
    links: list[Path] = []
    files: list[tuple[Path | str, str | None]] = [(STDIN, None) for p in paths if str(p) == STDIN]
    files += list(iter_sources(present, skipped, unlisted, links))
    return Sources(files, missing, skipped, unlisted, links)


def unlisted_rejection(folder: Path, reason: str) -> Rejection:
    """Return the rejection of a folder that could not be listed: what it holds was not read."""
    return Rejection(
        display_path(folder),
        f"is a folder that cannot be listed ({reason}), so none of its files were read; "
        "make it readable (chmod u+rx) and ingest again",
    )


def links_line(links: list[Path]) -> str | None:
    """Return the line saying which links to folders were not followed, or None if none."""
    if not links:
        return None
    shown = ", ".join(display_path(p) for p in links[:3]) + (", …" if len(links) > 3 else "")
    noun = "link to a folder" if len(links) == 1 else "links to folders"
    return (
        f"{len(links)} {noun} not followed ({shown}); "
        "to ingest what a link points to, name that folder itself"
    )


def skipped_line(skipped: list[Path]) -> str | None:
    """Return ``N files skipped (unknown suffix: .htm ×3, .md ×1)``, or None if none were."""
    if not skipped:
        return None
    counts: dict[str, int] = {}
    for path in skipped:
        suffix = path.suffix.lower() or "(none)"
        counts[suffix] = counts.get(suffix, 0) + 1
    shown = ", ".join(
        f"{suffix} ×{n}" for suffix, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    noun = "file" if len(skipped) == 1 else "files"
    return f"{len(skipped)} {noun} skipped (unknown suffix: {shown})"


class _LongNumber(str):
    """The digits of a JSON integer too long to be any field's value (see ``MAX_INT_LITERAL``)."""


def _parse_int(literal: str) -> int | str:
    return int(literal) if len(literal) <= MAX_INT_LITERAL else _LongNumber(literal)


# One decoder for every line: json.loads with options builds a new one per call.
_DECODER = json.JSONDecoder(parse_int=_parse_int)


def parse_record(line: str) -> Any:
    """Return the JSON value of one JSONL line.

    Raises:
        ValueError: with a message saying what is wrong, if the line is not valid JSON or nests
            arrays or objects deeper than the parser can follow.
    """
    try:
        return _DECODER.decode(line)
    except json.JSONDecodeError as exc:
        # Some messages end in "at" ("Unterminated string starting at"): no "at at column".
        at = "" if exc.msg.endswith(" at") else " at"
        raise ValueError(f"is not valid JSON ({exc.msg}{at} column {exc.colno})") from exc
    except RecursionError as exc:
        raise ValueError(
            "nests arrays or objects too deeply to be read; write one flat {...} per line"
        ) from exc


def _show(value: Any) -> str:
    """Return ``repr(value)`` cut to a readable length."""
    text = repr(str(value) if isinstance(value, _LongNumber) else value)
    return text if len(text) <= 40 else f"{text[:30]}... ({len(str(value))} characters)"


def _number(value: Any, name: str) -> int | None:
    """Return a record's volume or issue as an int (None if absent).

    Raises:
        ValueError: naming the value, if it is not a whole number.
        NumberRangeError: naming the value and the fix, if it is not from 0 to ``MAX_NUMBER``.
    """
    if value is None or value == "":
        return None
    if isinstance(value, str) and _DIGITS_RE.fullmatch(value.strip()):
        return issue_number(value, name)
    if isinstance(value, float) and value.is_integer():
        # 4.0: what pandas writes for a whole number in a column with a missing value.
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"has a non-numeric {name} {_show(value)}; use a whole number")
    return issue_number(value, name)


def _field(obj: dict[str, Any], name: str, *, limit: int | None = MAX_FIELD_CHARS) -> str | None:
    """Return a record's text field as a string (None if absent).

    Raises:
        ValueError: naming the field, if it is an object, an array or a boolean, or too long.
    """
    value = obj.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        kind = "true/false" if isinstance(value, bool) else type(value).__name__
        kind = {"dict": "an object", "list": "an array"}.get(kind, kind)
        raise ValueError(f'has {kind} for "{name}"; write it as a string')
    text = str(value)
    if limit is not None and len(text) > limit:
        raise ValueError(
            f'has a "{name}" of {len(text):,} characters, over the limit of {limit:,}; shorten it'
        )
    return text


def _replace_surrogates(text: str, name: str, notices: list[str] | None) -> str:
    """Return ``text`` with lone surrogates (invalid Unicode) replaced by U+FFFD, noting it."""
    try:
        text.encode("utf-8")  # the fast test: only surrogates fail to encode
        return text
    except UnicodeEncodeError:
        pass
    found = _SURROGATE_RE.findall(text)
    if notices is not None:
        shown = ", ".join(sorted({f"\\u{ord(ch):04x}" for ch in found})[:3])
        notices.append(
            f'"{name}" held {len(found)} lone surrogate(s) ({shown}), which are not valid '
            "Unicode; replaced with U+FFFD"
        )
    return _SURROGATE_RE.sub("\ufffd", text)


_TEXT_NAMES = ("body", "content", "article")
"""Names a record's text is given under by other tools."""
UNREAD_NAMES: dict[str, tuple[str, ...]] = {
    "volume": ("vol", "volume_number", "volume_no", "vol_no"),
    "issue": ("no", "number", "issue_number", "issue_no", "num"),
    "date": ("published", "pubdate", "pub_date", "published_at", "datetime", "day"),
    "title": ("headline", "heading", "subject"),
    "author": ("by", "byline", "authors"),
    "url": ("link", "href"),
    "publication": ("pub", "journal", "newspaper", "outlet"),
}
"""Other names of the fields briefbot reads: a record holding one of them instead is told of."""


def _given(value: Any) -> bool:
    """Return whether a record's value holds something (not null, "", [] or {})."""
    return value is not None and value != "" and value != [] and value != {}


def unread_fields(obj: Any) -> list[tuple[str, str]]:
    """Return ``(name, field it stands for)`` of each field of JSONL record ``obj`` that is not
    read but names one that is read, which the record lacks ("vol" for "volume")."""
    if not isinstance(obj, dict):
        return []
    return [
        (other, name)
        for name, others in UNREAD_NAMES.items()
        if not _given(obj.get(name))
        for other in others
        if _given(obj.get(other))
    ]


def jsonl_brief(obj: Any, *, source: str, line: int, notices: list[str] | None = None) -> Brief:
    """Return a Brief from one JSONL record (``text`` required; BEIR's ``_id`` accepted).

    Every field is checked before anything is stored: ``volume`` and ``issue`` are whole numbers
    from 0 to ``MAX_NUMBER``; ``date`` is YYYY-MM-DD (a time after it is dropped); other fields
    are strings (or numbers) of at most ``MAX_FIELD_CHARS`` characters. Lone surrogates are
    replaced with U+FFFD and a line saying so is appended to ``notices``.

    Raises:
        BriefFormatError: naming the line and the field, if the record is not an object, lacks
            ``text`` or has a field that fails its check.
    """
    if not isinstance(obj, dict):
        raise BriefFormatError(
            "is not a JSON object; write one {...} per line", source=source, line=line
        )
    found: list[str] = []
    try:
        text = obj.get("text")
        if text is None or (isinstance(text, str) and not text.strip()):
            body = next((name for name in _TEXT_NAMES if _given(obj.get(name))), None)
            if body is not None:
                # Read as a title-only record, its title would have been its text, the body
                # lost in silence.
                raise ValueError(
                    f'has no "text" but a "{body}"; name that field "text" (briefbot reads '
                    '"text" as the brief)'
                )
        title_only = (text is None or (isinstance(text, str) and not text.strip())) and (
            isinstance(obj.get("title"), str) and obj["title"].strip()
        )
        if title_only:
            # BEIR collections hold records with an empty text and a title: the title is all
            # there is to search, so it is the brief's text as well (issue 10).
            text = obj["title"]
        if not isinstance(text, str) or not text.strip():
            raise ValueError(
                'has no "text" (a non-empty string is required, or a "title" for a title-only '
                "record)"
            )
        text = _replace_surrogates(text, "text", found)
        meta: dict[str, Any] = {"source": source, "line": line}
        doc_id = _field(obj, "_id") if obj.get("_id") is not None else _field(obj, "id")
        meta["doc_id"] = None if doc_id is None else _replace_surrogates(doc_id, "id", found)
        for name in ("publication", "date", "title", "author", "url"):
            value = _field(obj, name)
            meta[name] = None if value is None else _replace_surrogates(value, name, found).strip()
        meta["publication"] = meta["publication"] or Path(source).stem or "Archive"
        if meta["date"]:
            m = _DATE_PREFIX_RE.fullmatch(meta["date"])
            if m is None or not is_date(m.group(1)):
                raise ValueError(
                    f"has a date {_show(meta['date'])} that is not a day written YYYY-MM-DD; "
                    'write it as e.g. "1998-07-20"'
                )
            meta["date"] = m.group(1)
        for name in ("volume", "issue"):
            meta[name] = _number(obj.get(name), name)
    except (ValueError, NumberRangeError) as exc:
        raise BriefFormatError(str(exc), source=source, line=line) from exc
    if notices is not None:
        notices.extend(f"{source}, line {line}: {note}" for note in found)
    return build_brief(meta, split_paragraphs(text.strip()), footer=FooterRules(strong=(), weak=()))


@dataclass
class ReadFile:
    """One file read and parsed, nothing stored yet: what ``Ingester`` stores or reports.

    Args:
        source: the file's name as reported.
        counted: whether it counts as a file read (``IngestReport.files``).
        rejected: why it was refused (the whole file), or which of its briefs were, if any.
        notices: lines to tell the user (a decoding).
        rows: the briefs of a text file, parsed, as they are stored (``brief_row``: plain tuples
            are what a parsing worker sends quickest).
        jsonl: the text of a JSONL file (its lines are parsed as they are stored).
        origin: the file's identity (see ``origin_of``).
    """

    source: str
    counted: bool = True
    rejected: list[Rejection] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    rows: list[BriefRow] | None = None
    jsonl: str | None = None
    origin: str | None = None

    def briefs(self) -> list[Brief]:
        """Return the briefs of a text file as ``Brief`` objects (none for other files)."""
        return [brief_of_row(row) for row in self.rows or ()]

    def passages(self) -> int:
        """Return how many passages the briefs of a text file hold."""
        return sum(len(passages) for _, passages in self.rows or ())


def read_file(
    path: Path | str, origin: str | None, footer: FooterRules, max_bytes: int
) -> ReadFile:
    """Return file ``path`` read and parsed (see ``Ingester.ingest_file``); never raises for a
    bad file: the problem is its rejection.

    ``path`` may be the text of a ``Path`` (what a parsing worker is sent: a ``Path`` is
    pickled as its parts and parsed again). Only regular files are read: a FIFO, socket or
    device is refused, never waited on.
    """
    path = os.fspath(path)
    source = display_path(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        return ReadFile(source, False, [Rejection(source, f"cannot be read ({exc.strerror})")])
    if not stat.S_ISREG(st.st_mode):
        reason = "is not a regular file (a pipe, socket or device); not read"
        return ReadFile(source, False, [Rejection(source, reason)])
    size = st.st_size
    if size > max_bytes:
        reason = (
            f"is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit; "
            "split it into smaller files or raise --max-size"
        )
        return ReadFile(source, False, [Rejection(source, reason)])
    try:
        # O_NONBLOCK: should the file have been swapped for a FIFO since the check, opening
        # it does not wait for a writer. Read with ``os.read``: a file object (``os.fdopen``)
        # cost ~6,000 instructions a file to make.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            opened = os.fstat(fd)
            if not stat.S_ISREG(opened.st_mode):
                raise OSError(errno.EINVAL, "not a regular file")
            data, reads = _read_unchanged(fd, opened, max_bytes + 1)
        finally:
            os.close(fd)
    except OSError as exc:
        return ReadFile(source, False, [Rejection(source, f"cannot be read ({exc.strerror})")])
    if data is None:
        reason = (
            f"changed while it was read, {reads} times in a row (is it still being written?); "
            "nothing of it was stored: ingest it again once it is complete"
        )
        return ReadFile(source, True, [Rejection(source, reason)])
    name = os.path.basename(path)
    jsonl = _suffix(name).lower() in JSONL_SUFFIXES
    origin = display_path(name) if origin is None else origin
    read = parse_bytes(data, source, jsonl=jsonl, origin=origin, footer=footer, max_bytes=max_bytes)
    if reads > 1:
        read.notices.insert(
            0, f"{source}: changed while it was read, so it was read again ({reads} reads)"
        )
    return read


READ_TRIES = 3
"""How many times a file that changes while it is read is read before it is rejected."""


def _read_unchanged(fd: int, opened: os.stat_result, limit: int) -> tuple[bytes | None, int]:
    """Return the first ``limit`` bytes of the file open as ``fd`` (``opened`` its ``fstat``),
    read while its size and modification time stayed the same, and how many reads that took;
    None for the bytes if it changed during each of ``READ_TRIES`` reads.

    A file still being written (a copy, an editor's save in place, a team member's export) was
    read as it was at that moment: its first briefs stored, the rest lost, in silence. The
    inbox waits for a file to be still; a named file is read at once, so it is checked here.
    """
    for reads in range(1, READ_TRIES + 1):
        data = _read_upto(fd, opened.st_size, limit)
        after = os.fstat(fd)
        if (after.st_size, after.st_mtime_ns) == (opened.st_size, opened.st_mtime_ns):
            return data, reads
        opened = after
        os.lseek(fd, 0, os.SEEK_SET)
    return None, READ_TRIES


def _read_upto(fd: int, size: int, limit: int) -> bytes:
    """Return the first ``limit`` bytes of the file open as ``fd`` (all of it, if shorter),
    ``size`` its size when opened.

    Reading ``limit`` bytes would allocate ``limit`` bytes (50 MB) for every file, however
    small (~0.2 ms a file); a buffer of the file's size plus one byte is read first, and more
    only if the file grew since.
    """
    data = _read_fd(fd, min(size + 1, limit))
    if len(data) <= size or len(data) >= limit:
        return data
    return data + _read_fd(fd, limit - len(data))


def _read_fd(fd: int, count: int) -> bytes:
    """Return the next ``count`` bytes of the file open as ``fd`` (fewer at its end), as a
    buffered file's ``read(count)`` does: ``os.read`` may return fewer bytes than asked."""
    data = os.read(fd, count)
    if len(data) == count or not data:
        return data
    pieces, got = [data], len(data)
    while got < count:
        piece = os.read(fd, count - got)
        if not piece:
            break
        pieces.append(piece)
        got += len(piece)
    return b"".join(pieces)


def parse_bytes(
    data: bytes,
    source: str,
    *,
    jsonl: bool | None,
    origin: str | None,
    footer: FooterRules,
    max_bytes: int,
) -> ReadFile:
    """Return the content of one file decoded and parsed (see ``Ingester.ingest_bytes``)."""
    if len(data) > max_bytes:
        reason = f"is over the {max_bytes / 1e6:.0f} MB limit; split it"
        return ReadFile(source, rejected=[Rejection(source, reason)])
    if not data.strip():
        reason = "is empty; a brief starts with 'Publication: NAME Volume: N Issue: M'"
        return ReadFile(source, rejected=[Rejection(source, reason)])
    printed = None if jsonl or data.lstrip()[:1] == b"{" else _from_quoted_printable(data)
    if printed is not None:
        data = printed
    try:
        text, note = decode(data, source)
    except BriefFormatError as exc:
        return ReadFile(source, rejected=[Rejection(source, exc.reason, exc.line)])
    read = ReadFile(source, origin=origin)
    if printed is not None:
        read.notices.append(
            f"{source}: written in an e-mail's quoted-printable ('=E2=80=99' for a character, "
            "'=' at the end of a wrapped line); decoded"
        )
    if note:
        read.notices.append(f"{source}: {note}")
    if jsonl is None:
        jsonl = text.lstrip().startswith("{")
    elif not jsonl and text.lstrip().startswith("{") and not _HEADER_LINE_RE.search(text):
        # JSONL saved as .txt: read as text, it was rejected for want of a header line.
        jsonl = True
        read.notices.append(f"{source}: holds JSON records, not briefs as text: read as JSONL")
    visible = drop_invisible(text, escaped=jsonl)
    # The file's bytes are the text's only when it was UTF-8 and nothing was dropped from it.
    utf8 = data if note is None and visible is text else None
    text = visible
    if jsonl:
        read.jsonl = text
        return read
    errors: list[BriefFormatError] = []
    notes: list[tuple[int, str]] = []
    try:
        # The rows as they are stored, content hashes included: made here, in a worker, not in
        # the writing process. A brief that cannot be stored is rejected alone: a stray header
        # at the end of a file of 40 good briefs rejected all 40.
        read.rows = brief_rows(
            text, source=source, origin=origin, footer=footer, utf8=utf8, errors=errors, notes=notes
        )
    except BriefFormatError as exc:
        read.rejected.append(Rejection(source, exc.reason, exc.line))
    read.rejected.extend(Rejection(source, exc.reason, exc.line) for exc in errors)
    read.notices.extend(f"{source}, line {line}: {note}" for line, note in notes)
    named = _named_numbers(origin) if origin and read.rows else {}
    for index, name in ((3, "volume"), (4, "issue")):
        said = named.get(name)
        held = sorted({values[index] for values, _ in read.rows or ()} - {None})
        if said is not None and held and said not in held:
            # A header copied from the file of another issue: every brief cited wrongly.
            shown = ", ".join(map(str, held[:3])) + (", …" if len(held) > 3 else "")
            read.notices.append(
                f"{source}: its name says {name} {said}, but its briefs are of "
                f"{name.capitalize()} {shown}: was the header copied from another file? Fix "
                "the header (or the name) and ingest it again"
            )
    return read


_NAMED_NUMBER_RE = re.compile(
    r"(?<![a-z])(vol(?:ume)?|issue|no)[ _.-]?0*([0-9]{1,9})(?![0-9])", re.IGNORECASE
)


def _named_numbers(origin: str) -> dict[str, int]:
    """Return the volume and issue a file's path names ("monitor/vol4/issue142.txt": 4, 142),
    the last of each."""
    found: dict[str, int] = {}
    for word, number in _NAMED_NUMBER_RE.findall(origin):
        found["volume" if word.lower().startswith("vol") else "issue"] = int(number)
    return found


_QP_ESCAPE_RE = re.compile(rb"=[89A-F][0-9A-F]")
# A wrapped line's "=" ends a word: not a rule drawn with "=====" (nor " =").
_QP_SOFT_BREAK_RE = re.compile(rb"(?<=[^\s=])=\r?\n")
MIN_QP_SIGNS = 3
"""How many escaped bytes or wrapped lines make a text quoted-printable."""


def _from_quoted_printable(data: bytes) -> bytes | None:
    """Return ``data`` decoded from quoted-printable (the body of an e-mail's source pasted as
    it was sent); None if it does not look so encoded.

    Stored as it was, its letters were "=E2=80=99" and its wrapped words cut ("corr= uption"),
    never found. It is taken for quoted-printable when it holds at least ``MIN_QP_SIGNS`` bytes
    beyond ASCII written ``=XX`` or lines ending in ``=`` and no byte beyond ASCII as it is
    (quoted-printable writes them all escaped).
    """
    if b"=" not in data or not data.isascii():
        return None
    signs = len(_QP_ESCAPE_RE.findall(data)) + len(_QP_SOFT_BREAK_RE.findall(data))
    if signs < MIN_QP_SIGNS:
        return None
    return quopri.decodestring(data)


def _read_files(
    files: Sequence[tuple[str, str | None]], footer: FooterRules, max_bytes: int
) -> bytes:
    """Return ``read_file`` of each of ``files`` (a worker's share of a parallel run), pickled.

    Pickled here with the highest protocol (5): the pool pickles a result with protocol 4,
    which sends a ``bytearray`` (a text, ``brief_rows``) as a call of ``bytearray`` on a copy.
    """
    with _collector_paused():
        read = [read_file(path, origin, footer, max_bytes) for path, origin in files]
        return pickle.dumps(read, protocol=pickle.HIGHEST_PROTOCOL)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Within it, Python's cyclic garbage collector does not run (if it was on, it is on again
    after).

    A bulk run makes and frees many small containers (a tuple a passage, lists, the rows
    unpickled in the writing process and held until written) and none of them in cycles: each
    is freed by its reference count as before, but the collector traversed them as they came
    (~500 instructions a passage in the writing process and ~600 in the parsing workers at
    10,000 passages; ~6,000 in a writing process with a small heap, whose full collections
    come often). A cycle made meanwhile is collected once the collector is on again.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class Ingester:
    """Reads files into a store, each file stored whole or not at all, and keeps the run's
    report.

    Args:
        store: where briefs are written.
        footer: how boilerplate is recognised.
        max_bytes: files larger than this are refused.
        workers: processes that read and parse the files of a run (``ingest_sources``) while
            this one writes. None: one per CPU, for runs of ``PARALLEL_MIN_FILES`` files or more;
            0 or 1: none (the files are read in this process); N: N processes for any run of two
            files or more.
    """

    def __init__(
        self,
        store: Store,
        *,
        footer: FooterRules | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        workers: int | None = None,
    ):
        self.store = store
        self.footer = footer or FooterRules()
        self.max_bytes = max_bytes
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self.parallel_from = PARALLEL_MIN_FILES if workers is None else 2
        self.report = IngestReport()
        # In a bulk run (``ingest_sources``): summaries of writes not yet committed, counted in
        # the report once they are.
        self._pending: list[WriteSummary] | None = None
        self._wait_said = False  # a noticeable wait for another writer is reported once
        # In a bulk run: text files read and held back, to be written together (``_flush``).
        self._held: list[ReadFile] = []
        self._held_passages = 0
        self._related: RelatedOrigins | None = None  # read once, when a file's origin is new
        # In a bulk run: lines said of each kind (``_say``), and files and briefs not named.
        self._said: Counter[str] = Counter()
        self._unsaid: dict[str, list[int]] = {}

    def ingest_paths(
        self, paths: Iterable[str | Path], *, progress: Callable[[int, int], None] | None = None
    ) -> IngestReport:
        """Ingest every file under ``paths`` (``-`` reads stdin) and return the report.

        ``progress(done, total)`` is called after each file.
        """
        return self.ingest_sources(find_sources(paths), progress=progress)

    def ingest_sources(
        self, sources: Sources, *, progress: Callable[[int, int], None] | None = None
    ) -> IngestReport:
        """Ingest the files found by ``find_sources`` and return the report, the paths that do
        not exist rejected first.

        ``progress(done, total)`` is called after each file is read. A write that fails
        (``ArchiveWriteError``) stops the run; the files committed before it are stored and
        counted. The files are read and parsed by ``workers`` processes (or this one) and
        written in groups of ``BATCH_SECONDS`` of reading or ``BATCH_PASSAGES``, one short
        transaction a group (each file a savepoint of it): the write lock is taken only once a
        group is read and parsed, and given back before the next file is waited for, so another
        writer (a second ingest, the bot) never waits on this run's reading.
        """
        total = len(sources.files)
        known = self._publications()
        self._pending = []
        self._held, self._held_passages = [], 0
        read_ahead: list[ReadFile] = []
        read_passages = 0
        started = time.monotonic()
        try:
            with _collector_paused(), self.store.batch():
                for done, read in enumerate(self._read_sources(sources.files), start=1):
                    if read is None:
                        read = self._read_stream(sys.stdin.buffer, "<stdin>")
                    if not read_ahead:
                        started = time.monotonic()
                    read_ahead.append(read)
                    read_passages += read.passages()
                    if progress:
                        progress(done, total)
                    if (
                        read_passages >= BATCH_PASSAGES
                        or time.monotonic() - started >= BATCH_SECONDS
                    ):
                        self._write_group(read_ahead)
                        read_ahead, read_passages = [], 0
                self._write_group(read_ahead)
        finally:
            self._pending = None
            self._held, self._held_passages = [], 0
        self.report.rejected[:0] = [
            *(Rejection(display_path(path), "no such file or folder") for path in sources.missing),
            *(unlisted_rejection(folder, reason) for folder, reason in sources.unlisted),
        ]
        line = links_line(sources.links)
        if line:
            self.report.notices.append(line)
        self.report.notices.extend(self._unsaid_lines())
        self.report.notices.extend(self._new_names_alike(known))
        self.report.notices.extend(self._dated_ahead(self.report.brief_ids))
        return self.report

    def _dated_ahead(self, brief_ids: list[int]) -> list[str]:
        """Return a notice for each file of ``brief_ids`` (briefs just written) holding briefs
        dated after tomorrow (UTC): a typo in a year ("2098" for "1998") made a brief the newest
        of the archive for ever, first in every "what's new?" and in the date filters."""
        tomorrow = (utc_clock() + dt.timedelta(days=1)).date().isoformat()
        rows = self.store.db.execute(
            "SELECT coalesce(source, origin), min(date), count(*) FROM briefs WHERE date > ? "
            "AND id IN (SELECT value FROM json_each(?)) GROUP BY 1 ORDER BY 1",
            [tomorrow, json.dumps(brief_ids)],
        ).fetchall()
        return [
            f"{where}: {n} brief(s) dated after today ({first}…): a typo in the year? Fix the "
            "date and ingest the file again"
            if n > 1
            else f"{where}: a brief dated after today ({first}): a typo in the year? Fix the "
            "date and ingest the file again"
            for where, first, n in rows
        ]

    def _publications(self) -> set[str]:
        """Return the names of the publications the archive holds."""
        return {row[0] for row in self.store.db.execute("SELECT DISTINCT publication FROM briefs")}

    def _new_names_alike(self, known: set[str]) -> list[str]:
        """Return a notice for each publication this run added that is written like one the
        archive held before, or like one of more briefs (``Moniter``, ``MONITOR`` beside
        ``Monitor``): a typo in a header makes a publication of its own, its briefs cited under
        the misspelt name."""
        counts = dict(
            self.store.db.execute("SELECT publication, count(*) FROM briefs GROUP BY publication")
        )
        notices: list[str] = []
        for name in sorted(set(counts) - known):
            # Written like a name held before, or like a name of more briefs of this run.
            alike = sorted(
                (
                    other
                    for other in counts
                    if other != name
                    and (other in known or counts[other] > counts[name])
                    and names_alike(name, other)
                ),
                key=lambda other: (-counts[other], other),
            )
            if not alike:
                continue
            files = [
                row[0]
                for row in self.store.db.execute(
                    "SELECT DISTINCT coalesce(origin, source) FROM briefs WHERE publication = ? "
                    "LIMIT 4",
                    [name],
                )
            ]
            shown = ", ".join(map(str, files[:3])) + (", …" if len(files) > 3 else "")
            notices.append(
                f"publication {name!r} ({shown}) is new to the archive, which holds "
                f"{alike[0]!r} ({counts[alike[0]]:,} brief{'s' if counts[alike[0]] > 1 else ''}): "
                "a typo? If so, fix the header and ingest the file again"
            )
        return notices

    def _write_group(self, reads: list[ReadFile]) -> None:
        """Write files read and parsed, in order, in one transaction, and commit it."""
        for read in reads:
            self._apply(read)
        self._commit()

    def _commit(self) -> None:
        """Write the files held back, commit the bulk run's pending writes and count them in
        the report."""
        self._flush()
        self.store.commit_batch()
        for summary in self._pending or []:
            self.report.merge(summary)
        self._pending = []

    def _read_sources(
        self, files: Sequence[tuple[Path | str, str | None]]
    ) -> Iterator[ReadFile | None]:
        """Yield each of ``files`` read and parsed, in order (None for standard input, which
        is read when its turn comes)."""
        paths = [(os.fspath(f), origin) for f, origin in files if f != STDIN]
        if self.workers < 2 or len(paths) < self.parallel_from:
            for file, origin in files:
                if file == STDIN:
                    yield None
                else:
                    yield read_file(file, origin, self.footer, self.max_bytes)
            return
        yield from (None for f, _ in files if f == STDIN)  # standard input comes first
        chunks = [paths[i : i + PARALLEL_CHUNK] for i in range(0, len(paths), PARALLEL_CHUNK)]
        # fork starts a worker at once (spawn imports briefbot again in each, a second or more),
        # but copies only the calling thread: with other threads running (the bot), spawn.
        alone = threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if alone else "spawn")
        with ProcessPoolExecutor(self.workers, mp_context=context) as pool:
            pending: deque[Future[bytes]] = deque()
            ahead = iter(chunks)
            try:
                for chunk in ahead:
                    pending.append(pool.submit(_read_files, chunk, self.footer, self.max_bytes))
                    if len(pending) >= PARALLEL_AHEAD * self.workers:
                        break
                while pending:
                    done: list[ReadFile] = pickle.loads(pending.popleft().result())
                    for chunk in ahead:
                        pending.append(pool.submit(_read_files, chunk, self.footer, self.max_bytes))
                        break
                    yield from done
            finally:
                for future in pending:
                    future.cancel()

    def ingest_stream(self, stream: BinaryIO, source: str) -> None:
        """Ingest one stream (stdin) as a text or JSONL file."""
        self._apply(self._read_stream(stream, source))

    def _read_stream(self, stream: BinaryIO, source: str) -> ReadFile:
        """Return one stream (stdin) read and parsed as a text or JSONL file."""
        data = stream.read(self.max_bytes + 1)
        return parse_bytes(
            data, source, jsonl=None, origin=None, footer=self.footer, max_bytes=self.max_bytes
        )

    def ingest_file(self, path: Path, *, origin: str | None = None) -> None:
        """Ingest one file; a problem becomes a rejection in the report, never an exception.

        Only regular files are read: a FIFO, socket or device is refused, never waited on.
        ``origin`` is the file's identity (see ``origin_of``; default: its name): what the file
        held before is replaced by what it holds now.
        """
        self._apply_checked(read_file(path, origin, self.footer, self.max_bytes))

    def ingest_bytes(
        self, data: bytes, source: str, *, jsonl: bool | None, origin: str | None = None
    ) -> None:
        """Ingest the content of one file; ``jsonl=None`` guesses the format from the content.

        With an ``origin`` (the file's identity), the briefs stored from it before are replaced:
        changed ones updated in place, gone ones removed. Without one (stdin), briefs are only
        added or updated, matched by publication, volume, issue and title.
        """
        self._apply_checked(
            parse_bytes(
                data,
                source,
                jsonl=jsonl,
                origin=origin,
                footer=self.footer,
                max_bytes=self.max_bytes,
            )
        )

    def _apply_checked(self, read: ReadFile) -> None:
        """Store one file read alone (the inbox, an upload) as ``_apply`` does, then tell of a
        publication written like another and of dates after today, as a run of files does."""
        known = self._publications()
        before = len(self.report.brief_ids)
        self._apply(read)
        self.report.notices.extend(self._new_names_alike(known))
        self.report.notices.extend(self._dated_ahead(self.report.brief_ids[before:]))

    def _apply(self, read: ReadFile) -> None:
        """Report what reading a file found and store what it holds.

        In a bulk run, a text file with nothing to report is held back and written with the
        next ones (``_flush``); any other file first has those written, so that writes and
        messages keep the files' order.
        """
        self.report.files += read.counted
        if (
            self._pending is not None
            and read.rows
            and read.origin is not None
            and not read.notices
            and not read.rejected
        ):
            self._held.append(read)
            self._held_passages += read.passages()
            if self._held_passages >= NEW_FILES_PASSAGES:
                self._flush()
            return
        self._flush()
        self.report.notices.extend(read.notices)
        self.report.rejected.extend(read.rejected)
        if read.rows:
            self._identify(read)
        if read.jsonl is not None:
            self._ingest_jsonl(read.jsonl, read.source, read.origin)
        elif read.rows is not None and read.rejected and read.origin is not None:
            self._store_partly(read)
        elif read.rows is not None:
            self._store(read.briefs(), read.source, replace_origin=read.origin, align=True)

    def _store_partly(self, read: ReadFile) -> None:
        """Store the good briefs of a text file some of whose briefs were rejected: added or
        updated, each matched to the stored brief it is, none of the file's stored briefs
        removed (a rejected one may be among them); a notice says how many it no longer holds."""
        if not read.rows:
            return
        origin = read.origin
        stored = [
            row[0]
            for row in self.store.db.execute(
                "SELECT id FROM briefs WHERE origin = ?", [origin]
            ).fetchall()
        ]
        summary = self._store(
            read.briefs(), read.source, replace_origin=origin, keep_ids=stored, align=True
        )
        kept = len(set(stored) - set(summary.brief_ids if summary else stored))
        if kept:
            self.report.notices.append(
                f"{read.source}: {kept} brief(s) it held before and no longer holds were kept, "
                "because briefs of it were rejected; fix them and ingest it again"
            )

    def _flush(self) -> None:
        """Write the text files held back, in order, exactly as ``_store`` of each would.

        The files none of whose briefs nor origin the archive holds yet (``Store.new_files``:
        every file of a first ingest) are added together by ``Store.insert_new``, two
        statements for many files; any other file is written alone by ``_store``, in its turn.
        """
        held, self._held = self._held, []
        if not held:
            return
        self._held_passages = 0
        waited = self.store.open_batch()
        if waited:
            self._note_wait(held[0].source, waited)
            if self._pending is not None:
                self._pending.append(WriteSummary(waited=waited))
        for part in _apart(held):
            found = stored_citations(self.store.db.conn, [str(read.origin) for read in part])
            for read in part:
                self._identify(read, found.get(str(read.origin), {}))
            new = self.store.new_files([(read.origin, read.rows or []) for read in part])
            run: list[ReadFile] = []
            for read, is_new in zip(part, new, strict=True):
                if is_new:
                    run.append(read)
                    continue
                self._insert_new(run)
                run = []
                self._store(read.briefs(), read.source, replace_origin=read.origin, align=True)
            self._insert_new(run)

    def _identify(self, read: ReadFile, stored: dict[str, set[Citation]] | None = None) -> None:
        """Store a text file read under the origin of the stored file it is
        (``identity.choose_origin``): its own, a second file's of the same name, or that of the
        same file named from another folder; a line says why when it is not its own.

        ``stored``: the citations stored under its origin and its variants, if already read.
        """
        origin = read.origin
        if origin is None or not read.rows:
            return
        citations = {(v[2], v[3], v[4]) for v, _ in read.rows}
        choice = self._choose_origin(origin, citations, stored, read.source)
        if choice != origin:
            read.origin = choice
            read.rows = [(_with_origin(v, choice), passages) for v, passages in read.rows]

    def _choose_origin(
        self,
        origin: str,
        citations: set[Citation],
        stored: dict[str, set[Citation]] | None,
        source: str,
    ) -> str:
        """Return the origin a file of ``origin`` holding ``citations`` is stored under, and
        note why when it is not ``origin`` (see ``_identify``)."""
        conn = self.store.db.conn
        if stored is None:
            stored = stored_citations(conn, [origin]).get(origin, {})
        related: dict[str, set[Citation]] = {}
        if not stored:
            if self._related is None:
                self._related = RelatedOrigins(conn)
            related = self._related.of(origin)
        choice = choose_origin(origin, citations, stored, related)
        if choice.note and choice.kind:
            self._say(choice.kind, f"{source}: {choice.note}")
        return choice.origin

    def _say(self, kind: str, line: str, briefs: int = 0) -> None:
        """Tell ``line`` of one file (``kind`` of ``UNSAID_LINES``); in a bulk run, past
        ``FILE_LINES_SHOWN`` lines of a kind, count the file (and its ``briefs``) instead, told
        in one line at the end (``_unsaid_lines``)."""
        if self._pending is None or self._said[kind] < FILE_LINES_SHOWN:
            self._said[kind] += self._pending is not None
            self.report.notices.append(line)
            return
        counts = self._unsaid.setdefault(kind, [0, 0])
        counts[0] += 1
        counts[1] += briefs

    def _unsaid_lines(self) -> list[str]:
        """Return the lines counting the files of a bulk run not told of one by one."""
        lines = [
            UNSAID_LINES[kind].format(files=files, s="s" if files > 1 else "", briefs=briefs)
            for kind, (files, briefs) in self._unsaid.items()
        ]
        self._said, self._unsaid = Counter(), {}
        return lines

    def _jsonl_origin(self, briefs: list[Brief], source: str, origin: str) -> str:
        """Return the origin a JSONL file's records are stored under (see ``_identify``), chosen
        by its first batch of records (``briefs``, whose origin it sets)."""
        choice = self._choose_origin(
            origin, {(b.publication, b.volume, b.issue) for b in briefs}, None, source
        )
        for brief in briefs:
            brief.origin = choice
        return choice

    def _insert_new(self, run: list[ReadFile]) -> None:
        """Add the briefs of ``run`` (new files, see ``_flush``) together; should SQLite refuse
        a value, write each file alone, so that only that file is rejected."""
        if not run:
            return
        try:
            summary = self.store.insert_new([read.rows or [] for read in run])
        except BriefFormatError:
            for read in run:
                self._store(read.briefs(), read.source, replace_origin=read.origin, align=True)
            return
        if self._pending is None:  # cannot happen: files are held back only in a bulk run
            self.report.merge(summary)
            return
        self._pending.append(summary)

    def _note_wait(self, source: str, waited: float) -> None:
        """Tell the user, once a run, that a write waited for another writer (if it was long)."""
        if waited >= NOTICEABLE_WAIT_S and not self._wait_said:
            self._wait_said = True
            self.report.notices.append(
                f"{source}: waited {waited:.1f} s for another process writing to the "
                "archive (another ingest, or the bot); its briefs were stored after that"
            )

    def _ingest_jsonl(self, text: str, source: str, origin: str | None = None) -> None:
        """Store the good lines of a JSONL file; each bad line is one rejection.

        Lines end at ``\\n`` only: U+2028, U+2029 and U+0085 inside a JSON string are
        characters (``json.dumps(ensure_ascii=False)`` writes them raw), not line ends. A record
        without an id is identified by its place among the file's records. The briefs the file
        held before and no longer holds are removed, unless a line was rejected (it may be one
        of them): then they are kept, and a notice says so.
        """
        briefs: list[Brief] = []
        written: list[int] = []
        rejected_before = len(self.report.rejected)
        record = -1
        chosen = False  # whether the file's origin was chosen (``_jsonl_origin``)
        lines_of: dict[str, int] = {}  # each id's line
        unread: dict[tuple[str, str], list[int]] = {}  # fields not read, by the lines of them
        for n, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            record += 1
            try:
                obj = parse_record(line.removesuffix("\r"))
            except ValueError as exc:
                self.report.rejected.append(Rejection(source, str(exc), n))
                continue
            try:
                brief = jsonl_brief(obj, source=source, line=n, notices=self.report.notices)
            except BriefFormatError as exc:
                self.report.rejected.append(Rejection(source, exc.reason, n))
                continue
            for pair in unread_fields(obj):
                unread.setdefault(pair, []).append(n)
            if brief.doc_id is not None:
                # One id is one brief: a second record of it overwrote the first in silence.
                first = lines_of.setdefault(brief.doc_id, n)
                if first != n:
                    reason = (
                        f"has the id {shorten(brief.doc_id, 80)!r} of line {first}, whose record "
                        "is kept; give each record its own id"
                    )
                    self.report.rejected.append(Rejection(source, reason, n))
                    continue
            brief.origin = origin
            brief.position = record if origin is not None else None
            briefs.append(brief)
            if len(briefs) >= 2000:
                if origin is not None and not chosen:
                    origin, chosen = self._jsonl_origin(briefs, source, origin), True
                summary = self._store(briefs, source)
                written.extend(summary.brief_ids if summary else [])
                briefs = []
                if self._pending is not None:
                    self._commit()  # each batch of a large file is kept, even in a bulk run
        if unread:
            self.report.notices.append(_unread_line(source, unread))
        if origin is None:
            if briefs:
                self._store(briefs, source)
            return
        if not chosen and briefs:
            origin = self._jsonl_origin(briefs, source, origin)
        if len(self.report.rejected) == rejected_before:
            self._store(briefs, source, replace_origin=origin, keep_ids=written)
            return
        if briefs:
            summary = self._store(briefs, source)
            written.extend(summary.brief_ids if summary else [])
        kept = self.store.db.execute(
            "SELECT count(*) FROM briefs WHERE origin = ? AND id NOT IN "
            "(SELECT value FROM json_each(?))",
            [origin, json.dumps(written)],
        ).fetchone()[0]
        if kept:
            self.report.notices.append(
                f"{source}: {kept} brief(s) it held before and no longer holds were kept, "
                "because lines of it were rejected; fix them and ingest it again"
            )

    def _store(
        self,
        briefs: list[Brief],
        source: str,
        *,
        replace_origin: str | None = None,
        keep_ids: Iterable[int] = (),
        align: bool = False,
    ) -> WriteSummary | None:
        """Write ``briefs`` whole or not at all; a brief the store refuses rejects the batch.

        With ``replace_origin``, briefs that file held before and not now are removed with them.
        In a bulk run the write is counted in the report once it is committed (``_commit``).
        """
        try:
            summary = self.store.add_briefs(
                briefs,
                replace_origin=replace_origin,
                legacy_source=source,
                keep_ids=keep_ids,
                align=align,
            )
        except BriefFormatError as exc:
            self.report.rejected.append(Rejection(source, exc.reason, exc.line))
            return None
        if summary.removed_briefs:
            line = _removed_line(source, summary.removed_briefs)
            self._say("removed", line, len(summary.removed_briefs))
        pending = self._pending
        self._note_wait(source, summary.waited)
        if pending is None:
            self.report.merge(summary)
        else:
            pending.append(summary)
        return summary


def _apart(reads: list[ReadFile]) -> Iterator[list[ReadFile]]:
    """Yield ``reads`` in order, in runs in which no two files have the same origin: the second
    file of a name is told apart from the first (``Ingester._identify``) once that is written."""
    part: list[ReadFile] = []
    names: set[str | None] = set()
    for read in reads:
        if read.origin in names:
            yield part
            part, names = [], set()
        part.append(read)
        names.add(read.origin)
    if part:
        yield part


def _with_origin(values: tuple[Any, ...], origin: str) -> tuple[Any, ...]:
    """Return a brief's stored values (``brief_values``) with ``origin`` for its origin and, if
    it is known by its place in its file, in its key."""
    key = values[0]
    if not values[1] and values[13] is not None:
        key = f"src:{origin}#{values[13]}"
    return (key, *values[1:12], origin, *values[13:])


FILE_LINES_SHOWN = 10
"""Files of a bulk run told of one by one, of each kind of ``UNSAID_LINES``; the rest counted."""
UNSAID_LINES = {
    "beside": "and {files:,} more file{s} stored beside the briefs of stored files of the same "
    "name, which share none of their issues",
    "taken": "and {files:,} more file{s} taken as the stored file of another path that holds "
    "their issues (the same file named from another folder)",
    "unclear": "and {files:,} more file{s} stored as their own, though several stored files "
    "of their names hold their issues",
    "removed": "and {files:,} more file{s} ingested again removed {briefs:,} brief(s) they no "
    "longer hold",
    "twice": "and {files:,} more file{s} holding issues another stored file of the same name "
    "holds too (stored twice)",
}
"""The line counting the files of a bulk run not told of one by one, by kind."""
REMOVED_SHOWN = 5
"""Removed briefs named one by one in an ingest's line about them; the rest are counted."""


def _removed_line(source: str, removed: list[tuple[str, int | None, int | None, str]]) -> str:
    """Return the line naming the briefs a file ingested again removed (it no longer holds
    them): ``monitor.txt: removed 1 brief it no longer holds: Monitor, Vol. 6, Issue 21 —
    “Title”``."""
    named = "; ".join(
        f"{render_citation((publication, volume, issue))} — “{shorten(label, 80)}”"
        for publication, volume, issue, label in removed[:REMOVED_SHOWN]
    )
    more = len(removed) - REMOVED_SHOWN
    count = f"{len(removed)} brief{'s' if len(removed) > 1 else ''}"
    return f"{source}: removed {count} it no longer holds: {named}" + (
        f"; and {more} more" if more > 0 else ""
    )
