"""The archive's one store of truth: briefs and passages in SQLite, through sqlite-utils."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from retrieval.briefs import Brief
from retrieval.errors import BriefNotFoundError, RetrievalError
from retrieval.migrations import migrations


def utcnow() -> str:
    """Return the current UTC time as an ISO 8601 string with microseconds."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


@dataclass
class WriteSummary:
    """What one write did: counts of briefs added, updated and unchanged, and their ids."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    brief_ids: list[int] = field(default_factory=list)

    def merge(self, other: WriteSummary) -> None:
        """Add ``other``'s counts to this summary."""
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.brief_ids.extend(other.brief_ids)


class Store:
    """Briefs and passages in one SQLite database; migrations are applied on open.

    Args:
        db_or_path: a sqlite-utils ``Database`` or the path of the database file (created, with
            its folder, if missing).
    """

    def __init__(self, db_or_path: Database | str | Path):
        if isinstance(db_or_path, Database):
            self.db = db_or_path
            self.path: Path | None = None
        else:
            self.path = Path(db_or_path)
            if str(db_or_path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                conn = sqlite3.connect(str(db_or_path), timeout=30, check_same_thread=False)
                self.db = Database(conn)
                self.db.execute("PRAGMA journal_mode")
            except sqlite3.DatabaseError as exc:
                raise RetrievalError(
                    f"{db_or_path} is not a briefbot database ({exc}); "
                    "point --db at another file or move this one away"
                ) from exc
        try:
            if str(db_or_path) != ":memory:":
                self.db.enable_wal()
                # In WAL mode NORMAL still never corrupts the database and a killed process loses
                # nothing committed; it skips the fsync on every commit (an ingest commits once per
                # file), which cost a quarter of ingest time. Only a power cut can undo the last
                # commits, and then the file is ingested again (issue 5).
                self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA busy_timeout = 30000")
            migrations.apply(self.db)
        except sqlite3.DatabaseError as exc:
            raise RetrievalError(
                f"{db_or_path} is not a briefbot database ({exc}); "
                "point --db at another file or move this one away"
            ) from exc

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    # -- writing -------------------------------------------------------------------------

    def add_briefs(self, briefs: Iterable[Brief], *, now: str | None = None) -> WriteSummary:
        """Store ``briefs`` in one transaction; return what changed.

        An unchanged brief (same key and content hash) is left alone; a changed one keeps its id and
        ``added_at`` and has its passages replaced. Either every brief is written or none is.
        """
        summary = WriteSummary()
        now = now or utcnow()
        conn = self.db.conn
        with conn:
            for brief in briefs:
                summary.merge(self._write_brief(brief, now))
            if summary.added or summary.updated:
                conn.execute(
                    "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'"
                )
        return summary

    def _write_brief(self, brief: Brief, now: str) -> WriteSummary:
        conn = self.db.conn
        row = conn.execute(
            "SELECT id, content_hash FROM briefs WHERE key = ?", [brief.key]
        ).fetchone()
        values = {
            "key": brief.key,
            "doc_id": brief.doc_id,
            "publication": brief.publication,
            "volume": brief.volume,
            "issue": brief.issue,
            "date": brief.date,
            "title": brief.title,
            "author": brief.author,
            "url": brief.url,
            "source": brief.source,
            "text": brief.text,
            "content_hash": brief.content_hash,
            "updated_at": now,
        }
        if row is not None and row[1] == brief.content_hash:
            return WriteSummary(unchanged=1, brief_ids=[row[0]])
        if row is None:
            values["added_at"] = now
            cols = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            cur = conn.execute(
                f"INSERT INTO briefs ({cols}) VALUES ({marks})", list(values.values())
            )
            brief_id = int(cur.lastrowid or 0)
            result = WriteSummary(added=1, brief_ids=[brief_id])
        else:
            brief_id = row[0]
            sets = ", ".join(f"{c} = ?" for c in values)
            conn.execute(f"UPDATE briefs SET {sets} WHERE id = ?", [*values.values(), brief_id])
            conn.execute("DELETE FROM passages WHERE brief_id = ?", [brief_id])
            result = WriteSummary(updated=1, brief_ids=[brief_id])
        conn.executemany(
            "INSERT INTO passages (brief_id, position, text, char_start, char_end) "
            "VALUES (?, ?, ?, ?, ?)",
            [(brief_id, p.position, p.text, p.start, p.end) for p in brief.passages],
        )
        return result

    # -- reading -------------------------------------------------------------------------

    def generation(self) -> int:
        """Return a counter that grows with every write that changed the archive."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    def passage_count(self) -> int:
        """Return how many passages the archive holds."""
        return int(self.db.execute("SELECT count(*) FROM passages").fetchone()[0])

    def iter_passages(self, *, after_id: int = 0, batch: int = 5000) -> Iterator[tuple[int, str]]:
        """Yield ``(passage_id, text)`` in id order, for passages with an id above ``after_id``."""
        last = after_id
        while True:
            rows = self.db.execute(
                "SELECT id, text FROM passages WHERE id > ? ORDER BY id LIMIT ?", [last, batch]
            ).fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1][0]

    def passage_ids(self) -> list[int]:
        """Return every passage id, ascending."""
        return [r[0] for r in self.db.execute("SELECT id FROM passages ORDER BY id")]

    def passage_filters(self) -> Iterator[tuple[int, str, int | None, int | None, str | None]]:
        """Yield ``(passage_id, publication, volume, issue, date)`` in passage id order."""
        yield from self.db.execute(
            "SELECT p.id, b.publication, b.volume, b.issue, b.date FROM passages p "
            "JOIN briefs b ON b.id = p.brief_id ORDER BY p.id"
        )

    def passages_for_index(
        self, *, after_id: int = 0, batch: int = 20000
    ) -> Iterator[list[tuple[Any, ...]]]:
        """Yield batches of ``(id, text, brief_id, publication, volume, issue, date, title)`` in
        passage id order; ``title`` only on a brief's first passage (position 0), else None.

        Only passages with an id above ``after_id``; this is what the index is built from.
        """
        last = after_id
        while True:
            rows = self.db.execute(
                "SELECT p.id, p.text, p.brief_id, b.publication, b.volume, b.issue, b.date, "
                "CASE WHEN p.position = 0 THEN b.title END "
                "FROM passages p "
                "JOIN briefs b ON b.id = p.brief_id WHERE p.id > ? ORDER BY p.id LIMIT ?",
                [last, batch],
            ).fetchall()
            if not rows:
                return
            yield rows
            last = rows[-1][0]

    def change_marker(self) -> tuple[int, int, int]:
        """Return ``(generation, last passage id given, last deletion logged)``.

        Any write that adds or removes a passage changes it; cheap enough to check per question.
        """
        row = self.db.execute(
            "SELECT (SELECT value FROM meta WHERE key = 'generation'), "
            "(SELECT seq FROM sqlite_sequence WHERE name = 'passages'), "
            "(SELECT max(seq) FROM passage_deletions)"
        ).fetchone()
        return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)

    def index_state(self) -> dict[str, Any]:
        """Return what a saved index is checked against: one consistent read of the database.

        Keys: ``archive_id``, ``generation``, ``last_passage_id`` (the highest id ever given),
        ``last_deletion`` (the newest ``passage_deletions`` seq) and ``passages`` (how many).
        """
        row = self.db.execute(
            "SELECT (SELECT value FROM meta WHERE key = 'archive_id'), "
            "(SELECT value FROM meta WHERE key = 'generation'), "
            "(SELECT seq FROM sqlite_sequence WHERE name = 'passages'), "
            "(SELECT max(seq) FROM passage_deletions), (SELECT count(*) FROM passages)"
        ).fetchone()
        return {
            "archive_id": str(row[0] or ""),
            "generation": int(row[1] or 0),
            "last_passage_id": int(row[2] or 0),
            "last_deletion": int(row[3] or 0),
            "passages": int(row[4] or 0),
        }

    def deleted_passages(self, after_seq: int, upto_seq: int) -> list[int]:
        """Return the ids of passages deleted with a log seq in ``(after_seq, upto_seq]``."""
        return [
            r[0]
            for r in self.db.execute(
                "SELECT passage_id FROM passage_deletions WHERE seq > ? AND seq <= ? ORDER BY seq",
                [after_seq, upto_seq],
            )
        ]

    def passages_by_id(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        """Return passage rows with their brief's fields (prefixed ``brief_``), keyed by id."""
        if not ids:
            return {}
        marks = ",".join("?" for _ in ids)
        rows = self.db.query(
            "SELECT p.id, p.brief_id, p.position, p.text, p.char_start, p.char_end, "
            "b.doc_id AS brief_doc_id, b.publication AS brief_publication, "
            "b.volume AS brief_volume, b.issue AS brief_issue, b.date AS brief_date, "
            "b.title AS brief_title, b.author AS brief_author, b.url AS brief_url, "
            "b.added_at AS brief_added_at "
            f"FROM passages p JOIN briefs b ON b.id = p.brief_id WHERE p.id IN ({marks})",
            ids,
        )
        return {row["id"]: row for row in rows}

    def passages_of_brief(self, brief_id: int) -> list[dict[str, Any]]:
        """Return the passages of one brief in order."""
        return list(
            self.db.query("SELECT * FROM passages WHERE brief_id = ? ORDER BY position", [brief_id])
        )

    def get_brief(self, brief_id: int) -> dict[str, Any]:
        """Return one brief row by id.

        Raises:
            BriefNotFoundError: if there is no brief with that id.
        """
        rows = list(self.db.query("SELECT * FROM briefs WHERE id = ?", [brief_id]))
        if not rows:
            raise BriefNotFoundError(f"no brief with id {brief_id}; it may have been replaced")
        return rows[0]

    def find_briefs(self, publication: str, volume: int, issue: int) -> list[dict[str, Any]]:
        """Return the briefs of one issue (an issue may hold several), in the order stored.

        Raises:
            BriefNotFoundError: naming what the archive does hold for that publication.
        """
        rows = list(
            self.db.query(
                "SELECT * FROM briefs WHERE publication = ? COLLATE NOCASE AND volume = ? "
                "AND issue = ? ORDER BY id",
                [publication, volume, issue],
            )
        )
        if rows:
            return rows
        known = [r[0] for r in self.db.execute("SELECT DISTINCT publication FROM briefs")]
        match = next((k for k in known if k.casefold() == publication.casefold()), None)
        if match is None:
            have = ", ".join(sorted(known)) or "nothing yet"
            raise BriefNotFoundError(
                f"no publication {publication!r} in the archive (it holds: {have})"
            )
        raise BriefNotFoundError(
            f"no brief for {match}, Vol. {volume}, Issue {issue}; "
            f"see which issues there are with 'briefbot stats'"
        )

    def briefs_added_since(self, since: str, until: str | None = None) -> list[dict[str, Any]]:
        """Return briefs that entered the archive after ``since`` (ISO UTC), oldest first."""
        if until is None:
            sql, args = "SELECT * FROM briefs WHERE added_at > ? ORDER BY added_at, id", [since]
        else:
            sql = "SELECT * FROM briefs WHERE added_at > ? AND added_at <= ? ORDER BY added_at, id"
            args = [since, until]
        return list(self.db.query(sql, args))

    def stats(self) -> dict[str, Any]:
        """Return counts per publication, the volumes and issues covered, and the totals."""
        pubs = []
        for row in self.db.query(
            "SELECT b.publication, count(DISTINCT b.id) AS briefs, count(p.id) AS passages, "
            "min(b.volume) AS first_volume, max(b.volume) AS last_volume, "
            "count(DISTINCT b.volume || '/' || b.issue) AS issues, "
            "min(b.date) AS first_date, max(b.date) AS last_date "
            "FROM briefs b LEFT JOIN passages p ON p.brief_id = b.id "
            "GROUP BY b.publication ORDER BY b.publication"
        ):
            vols = {}
            for v in self.db.query(
                "SELECT volume, group_concat(DISTINCT issue) AS issues FROM briefs "
                "WHERE publication = ? GROUP BY volume ORDER BY volume",
                [row["publication"]],
            ):
                issues = sorted(int(i) for i in (v["issues"] or "").split(",") if i)
                vols[str(v["volume"])] = issues
            row["volumes"] = vols
            pubs.append(row)
        totals = self.db.execute(
            "SELECT (SELECT count(*) FROM briefs), (SELECT count(*) FROM passages)"
        ).fetchone()
        return {"briefs": totals[0], "passages": totals[1], "publications": pubs}
