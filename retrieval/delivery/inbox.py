"""An inbox folder as a source of briefs: files dropped there are ingested by the running bot.

Each scan walks the folder (as ``briefbot ingest`` walks one: text and JSONL files, hidden files
skipped) and ingests the files that are new or changed, with the same ``Ingester`` and so the same
rules. A file is known by its size and modification time, and, when those change, by the SHA-256 of
its content: touching a file does not re-ingest it. A file still being written (modified less than
``settle`` ago, or changing while read) waits for the next scan. A rejected file is reported to the
admins once (table ``admin_notices``); it is retried only when its content changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.corpus.briefs import FooterRules
from retrieval.corpus.clock import Clock, iso, utc_clock
from retrieval.corpus.ingest import (
    DEFAULT_MAX_BYTES,
    JSONL_SUFFIXES,
    Ingester,
    Rejection,
    display_path,
    iter_sources,
    origin_of,
)
from retrieval.corpus.store import Store
from retrieval.delivery.notices import Notices

logger = logging.getLogger(__name__)

DEFAULT_SETTLE = dt.timedelta(seconds=10)
MAX_REJECTIONS_REPORTED = 10


@dataclass
class InboxReport:
    """What one scan did: the files ingested, unchanged, waiting and rejected, and brief counts."""

    ingested: list[str] = field(default_factory=list)
    unchanged: int = 0
    waiting: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged_briefs: int = 0
    brief_ids: list[int] = field(default_factory=list)
    error: str | None = None

    def summary(self) -> str:
        """Return ``N files ingested (N added, N updated, N removed, N unchanged), N rejected``."""
        if self.error:
            return self.error
        return (
            f"{len(self.ingested)} files ingested ({self.added} added, {self.updated} updated, "
            f"{self.removed} removed, {self.unchanged_briefs} unchanged), "
            f"{len(self.rejected)} rejected, "
            f"{len(self.waiting)} still being written"
        )


ROUTINE_NOTE = ": not UTF-8; decoded as "
"""The note of a file read whole in an 8-bit encoding: not sent to the admins."""


def rejection_notice(path: str, rejections: list[Rejection]) -> str:
    """Return the admins' message for a file with rejected parts (at most 10 lines listed)."""
    return _listed(
        f"Inbox file {path} was not (fully) ingested:",
        [str(r) for r in rejections],
        "Fix the file and save it again; it is retried when its content changes.",
    )


def notes_notice(path: str, notes: list[str]) -> str:
    """Return the admins' message for a file ingested with notes (a publication written like
    another, a brief dated ahead, a header copied from another file …; at most 10 listed)."""
    return _listed(
        f"Inbox file {path} was ingested, with notes:",
        notes,
        "If one is a mistake, fix the file and save it again.",
    )


def _listed(first: str, items: list[str], last: str) -> str:
    """Return ``first``, the first ``MAX_REJECTIONS_REPORTED`` of ``items`` as a list (and how
    many more), and ``last``, a line each."""
    lines = [first, *(f"- {item}" for item in items[:MAX_REJECTIONS_REPORTED])]
    if len(items) > MAX_REJECTIONS_REPORTED:
        lines.append(f"- and {len(items) - MAX_REJECTIONS_REPORTED} more")
    lines.append(last)
    return "\n".join(lines)


class Inbox:
    """Ingests new and changed files from one folder.

    Args:
        store: the archive's store.
        folder: the inbox folder.
        now: the clock.
        settle: how long a file must be left unmodified before it is read.
        footer: how boilerplate is recognised (as ``briefbot ingest --footer-pattern``).
        max_bytes: larger files are rejected.
    """

    def __init__(
        self,
        store: Store,
        folder: str | Path,
        *,
        now: Clock = utc_clock,
        settle: dt.timedelta = DEFAULT_SETTLE,
        footer: FooterRules | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ):
        self.store = store
        self.folder = Path(folder)
        self.now = now
        self.settle = settle
        self.footer = footer or FooterRules()
        self.max_bytes = max_bytes
        self.notices = Notices(store, now=now)
        self.conn = store.db.conn

    def scan(self) -> InboxReport:
        """Ingest the folder's new and changed files; return what was done.

        A missing folder is reported to the admins once and yields a report with ``error``.
        """
        report = InboxReport()
        if not self.folder.is_dir():
            report.error = (
                f"inbox folder {self.folder} does not exist or is not a folder; "
                "create it or point BRIEFBOT_INBOX elsewhere"
            )
            self.notices.add(f"inbox-missing:{self.folder}", report.error)
            return report
        known = {
            row[0]: row[1:]
            for row in self.conn.execute(
                "SELECT path, size, mtime_ns, sha256 FROM inbox_files "
                "WHERE path LIKE ? ESCAPE '\\'",
                [_like_prefix(self.folder)],
            )
        }
        present: set[str] = set()
        unlisted: list[tuple[Path, str]] = []
        for path, _ in iter_sources([self.folder], unlisted=unlisted):
            key = display_path(path)  # a name that is not UTF-8 is stored as printable text
            present.add(key)
            self._scan_file(path, key, known.get(key), report)
        for folder, reason in unlisted:
            # Its files were passed over in silence at every scan.
            shown = display_path(folder)
            logger.warning("Inbox folder %s cannot be listed (%s)", shown, reason)
            self.notices.add(
                f"inbox-unlisted:{shown}",
                f"Inbox folder {shown} cannot be listed ({reason}), so none of its files are "
                "read; make it readable (chmod u+rx) and they are read at the next scan.",
            )
            present.update(p for p in known if p.startswith(os.path.join(shown, "")))
        gone = [p for p in known if p not in present]
        if gone:
            with self.conn:
                self.conn.executemany(
                    "DELETE FROM inbox_files WHERE path = ?", [(p,) for p in gone]
                )
        if report.ingested or report.rejected:
            logger.info("Inbox %s: %s", self.folder, report.summary())
        return report

    def _scan_file(
        self, path: Path, name: str, known: tuple[int, int, str] | None, report: InboxReport
    ) -> None:
        """Ingest ``path`` (known as ``name``) if it is new or changed and has settled."""
        try:
            stat = path.stat()
        except OSError:
            return  # removed between listing and reading; gone at the next scan
        if known and (known[0], known[1]) == (stat.st_size, stat.st_mtime_ns):
            report.unchanged += 1
            return
        modified = dt.datetime.fromtimestamp(stat.st_mtime_ns / 1e9, dt.UTC)
        if self.now() - modified < self.settle:
            report.waiting.append(name)
            return
        ingester = Ingester(self.store, footer=self.footer, max_bytes=self.max_bytes)
        if stat.st_size > self.max_bytes:
            sha = f"size:{stat.st_size}:mtime:{stat.st_mtime_ns}"
            ingester.ingest_file(path, origin=origin_of(path, self.folder))  # rejected unread
        else:
            try:
                data = path.read_bytes()
                after = path.stat()
            except OSError as exc:
                logger.warning("Inbox: cannot read %s (%s); trying again next scan", path, exc)
                return
            if (after.st_size, after.st_mtime_ns) != (stat.st_size, stat.st_mtime_ns):
                report.waiting.append(name)  # changed while being read
                return
            sha = hashlib.sha256(data).hexdigest()
            if known and known[2] == sha:
                self._remember(name, stat.st_size, stat.st_mtime_ns, sha, None, None)
                report.unchanged += 1
                return
            jsonl = path.suffix.lower() in JSONL_SUFFIXES
            ingester.ingest_bytes(data, name, jsonl=jsonl, origin=origin_of(path, self.folder))
        result = ingester.report
        for notice in result.notices:
            logger.info("Inbox: %s", notice)
        stored = result.added + result.updated + result.unchanged
        status = "rejected" if result.rejected and not stored else "ingested"
        if result.rejected and stored:
            status = "partial"
        self._remember(name, stat.st_size, stat.st_mtime_ns, sha, status, result.summary())
        report.added += result.added
        report.updated += result.updated
        report.removed += result.removed
        report.unchanged_briefs += result.unchanged
        report.brief_ids.extend(result.brief_ids)
        if stored:
            report.ingested.append(name)
        if result.rejected:
            report.rejected.extend(result.rejected)
            self.notices.add(f"inbox:{name}:{sha}", rejection_notice(name, result.rejected))
        # What the CLI prints under its summary: the admins are told once (a misspelt
        # publication, a date ahead, a copied header), rejections or not — a log line reaches
        # no one. A whole file in cp1251 is routine for Russian sources: no news to them.
        notes = [note for note in result.notices if ROUTINE_NOTE not in note]
        if notes and stored:
            self.notices.add(f"inbox-notes:{name}:{sha}", notes_notice(name, notes))

    def _remember(
        self,
        name: str,
        size: int,
        mtime_ns: int,
        sha: str,
        status: str | None,
        summary: str | None,
    ) -> None:
        """Record what the inbox knows of a file; a None status keeps the previous one."""
        with self.conn:
            self.conn.execute(
                """
                INSERT INTO inbox_files (path, size, mtime_ns, sha256, status, summary, checked_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (path) DO UPDATE SET size = excluded.size,
                    mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256,
                    status = coalesce(?, status), summary = coalesce(?, summary),
                    checked_at = excluded.checked_at
                """,
                [
                    name,
                    size,
                    mtime_ns,
                    sha,
                    status or "ingested",
                    summary,
                    iso(self.now()),
                    status,
                    summary,
                ],
            )


def _like_prefix(folder: Path) -> str:
    """Return a LIKE pattern matching every path under ``folder``."""
    text = os.path.join(display_path(folder), "")
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"
