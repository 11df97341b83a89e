"""Read brief files (text in the publishers' format, or JSONL) into the store.

Each file is read and parsed whole before anything is written, and written in one transaction, so a
bad file is rejected with one clear line and never half-stored, while the good files of the same run
are kept.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from retrieval.briefs import Brief, FooterRules, build_brief, parse_briefs
from retrieval.errors import BriefFormatError
from retrieval.store import Store, WriteSummary

DEFAULT_MAX_BYTES = 50_000_000
TEXT_SUFFIXES = {".txt", ".text", ".brief", ""}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}


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
class IngestReport:
    """The summary of one ingest run: counts, rejections and notices (e.g. decodings)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    files: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    brief_ids: list[int] = field(default_factory=list)

    def add(self, summary: WriteSummary) -> None:
        """Count what one write did."""
        self.added += summary.added
        self.updated += summary.updated
        self.unchanged += summary.unchanged
        self.brief_ids.extend(summary.brief_ids)

    def summary(self) -> str:
        """Return ``N added, N updated, N unchanged, N rejected``."""
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.rejected)} rejected"
        )


def decode(data: bytes, source: str) -> tuple[str, str | None]:
    """Return the text of ``data`` and, if it was not UTF-8, the name of the encoding used.

    Cyrillic (cp1251) and Western (Latin-1/cp1252) files are both common in this field: a file whose
    non-ASCII bytes read as mostly Cyrillic letters under cp1251 is taken as cp1251.

    Raises:
        BriefFormatError: if the data looks binary.
    """
    if b"\x00" in data[:65536]:
        raise BriefFormatError(
            "looks like a binary file (it has NUL bytes); briefbot reads UTF-8 text or JSONL",
            source=source,
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    # Under cp1251 every byte from 0xC0 up is a Cyrillic letter, so Latin-1 text read that way
    # shows Cyrillic letters inside Latin words ("Sociйtй"); Russian gives whole Cyrillic words.
    as_1251 = data.decode("cp1251", errors="replace")
    words = [w for w in re.findall(r"\w+", as_1251) if not w.isascii()]
    cyrillic = sum(1 for w in words if all("\u0400" <= ch <= "\u04ff" for ch in w))
    if words and cyrillic >= 0.8 * len(words):
        return as_1251, "cp1251"
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Yield the files named by ``paths``, walking folders recursively in sorted order.

    Hidden files and files with suffixes briefbot does not read (``.md``, ``.db`` …) inside folders
    are skipped; a file named explicitly is always read.
    """
    for path in paths:
        p = Path(path)
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if (
                    child.is_file()
                    and not child.name.startswith(".")
                    and child.suffix.lower() in TEXT_SUFFIXES | JSONL_SUFFIXES
                ):
                    yield child
        else:
            yield p


def jsonl_brief(obj: Any, *, source: str, line: int) -> Brief:
    """Return a Brief from one JSONL record (``text`` required; BEIR's ``_id`` accepted).

    Raises:
        BriefFormatError: naming the line, if the record is not an object or lacks ``text``.
    """
    if not isinstance(obj, dict):
        raise BriefFormatError(
            "is not a JSON object; write one {...} per line", source=source, line=line
        )
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BriefFormatError(
            'has no "text" (a non-empty string is required)', source=source, line=line
        )
    doc_id = obj.get("_id", obj.get("id"))
    meta: dict[str, Any] = {"source": source, "line": line}
    meta["doc_id"] = None if doc_id is None else str(doc_id)
    meta["publication"] = str(obj.get("publication") or Path(source).stem or "Archive")
    for name in ("volume", "issue"):
        value = obj.get(name)
        if value in (None, ""):
            meta[name] = None
        elif isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            meta[name] = int(value)
        else:
            raise BriefFormatError(
                f"has a non-numeric {name} {value!r}; use a whole number", source=source, line=line
            )
    for name in ("date", "title", "author", "url"):
        value = obj.get(name)
        meta[name] = str(value).strip() if value not in (None, "") else None
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n")]
    if len(paragraphs) == 1 and "\n" in text:
        paragraphs = text.split("\n")
    return build_brief(meta, paragraphs, footer=FooterRules(strong=(), weak=()))


class Ingester:
    """Reads files into a store, one transaction per file, and keeps the run's report.

    Args:
        store: where briefs are written.
        footer: how boilerplate is recognised.
        max_bytes: files larger than this are refused.
    """

    def __init__(
        self, store: Store, *, footer: FooterRules | None = None, max_bytes: int = DEFAULT_MAX_BYTES
    ):
        self.store = store
        self.footer = footer or FooterRules()
        self.max_bytes = max_bytes
        self.report = IngestReport()

    def ingest_paths(
        self, paths: Iterable[str | Path], *, progress: Callable[[int], None] | None = None
    ) -> IngestReport:
        """Ingest every file under ``paths`` (``-`` reads stdin) and return the report."""
        for path in paths:
            if str(path) == "-":
                self.ingest_stream(sys.stdin.buffer, "<stdin>")
                continue
            p = Path(path)
            if not p.exists():
                self.report.rejected.append(Rejection(str(p), "no such file or folder"))
                continue
            for file in iter_files([p]):
                self.ingest_file(file)
                if progress:
                    progress(1)
        return self.report

    def ingest_stream(self, stream: BinaryIO, source: str) -> None:
        """Ingest one stream (stdin) as a text or JSONL file."""
        data = stream.read(self.max_bytes + 1)
        self.ingest_bytes(data, source, jsonl=None)

    def ingest_file(self, path: Path) -> None:
        """Ingest one file; a problem becomes a rejection in the report, never an exception."""
        source = str(path)
        try:
            size = path.stat().st_size
        except OSError as exc:
            self.report.rejected.append(Rejection(source, f"cannot be read ({exc.strerror})"))
            return
        if size > self.max_bytes:
            self.report.rejected.append(
                Rejection(
                    source,
                    f"is {size / 1e6:.1f} MB, over the {self.max_bytes / 1e6:.0f} MB limit; "
                    "split it into smaller files or raise --max-size",
                )
            )
            return
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.report.rejected.append(Rejection(source, f"cannot be read ({exc.strerror})"))
            return
        jsonl = path.suffix.lower() in JSONL_SUFFIXES
        self.ingest_bytes(data, source, jsonl=jsonl)

    def ingest_bytes(self, data: bytes, source: str, *, jsonl: bool | None) -> None:
        """Ingest the content of one file; ``jsonl=None`` guesses the format from the content."""
        self.report.files += 1
        if len(data) > self.max_bytes:
            self.report.rejected.append(
                Rejection(source, f"is over the {self.max_bytes / 1e6:.0f} MB limit; split it")
            )
            return
        if not data.strip():
            self.report.rejected.append(
                Rejection(
                    source, "is empty; a brief starts with 'Publication: NAME Volume: N Issue: M'"
                )
            )
            return
        try:
            text, encoding = decode(data, source)
        except BriefFormatError as exc:
            self.report.rejected.append(Rejection(source, exc.reason, exc.line))
            return
        if encoding:
            self.report.notices.append(f"{source}: not UTF-8; decoded as {encoding}")
        if jsonl is None:
            jsonl = text.lstrip().startswith("{")
        if jsonl:
            self._ingest_jsonl(text, source)
            return
        try:
            briefs = parse_briefs(text, source=source, footer=self.footer)
        except BriefFormatError as exc:
            self.report.rejected.append(Rejection(source, exc.reason, exc.line))
            return
        self.report.add(self.store.add_briefs(briefs))

    def _ingest_jsonl(self, text: str, source: str) -> None:
        """Store the good lines of a JSONL file; each bad line is one rejection."""
        briefs: list[Brief] = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                self.report.rejected.append(
                    Rejection(source, f"is not valid JSON ({exc.msg} at column {exc.colno})", n)
                )
                continue
            try:
                briefs.append(jsonl_brief(obj, source=source, line=n))
            except BriefFormatError as exc:
                self.report.rejected.append(Rejection(source, exc.reason, n))
            if len(briefs) >= 2000:
                self.report.add(self.store.add_briefs(briefs))
                briefs = []
        if briefs:
            self.report.add(self.store.add_briefs(briefs))
