"""Check that two archives hold the same rows: what an ingest by old and new code must give.

Usage::

    python bench/compare_dbs.py OLD.db NEW.db

Compares ``briefs`` (every column but ``added_at`` and ``updated_at``, which hold the time of the
write), ``passages``, ``passage_deletions`` and the ids given so far (``sqlite_sequence``) row for
row in id order, by a digest of each table, and runs SQLite's integrity and foreign key checks on
both. Prints one line per table; exits 1 if any differs.
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import sys
from pathlib import Path

TABLES = {
    "briefs": "SELECT id, key, doc_id, publication, volume, issue, date, title, author, url, "
    "source, text, content_hash, origin, position FROM briefs ORDER BY id",
    "passages": "SELECT * FROM passages ORDER BY id",
    "passage_deletions": "SELECT * FROM passage_deletions ORDER BY seq",
    "sqlite_sequence": "SELECT name, seq FROM sqlite_sequence "
    "WHERE name IN ('briefs', 'passages', 'passage_deletions') ORDER BY name",
}


def digests(path: Path) -> dict[str, tuple[object, ...]]:
    """Return each table's row count and digest, and the two checks' results, of ``path``."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        found: dict[str, tuple[object, ...]] = {}
        for name, query in TABLES.items():
            digest, rows = hashlib.sha256(), 0
            for row in conn.execute(query):
                digest.update(repr(row).encode("utf-8", "surrogatepass"))
                rows += 1
            found[name] = (rows, digest.hexdigest()[:16])
        found["integrity_check"] = (conn.execute("PRAGMA integrity_check").fetchone()[0],)
        found["foreign_key_check"] = (len(conn.execute("PRAGMA foreign_key_check").fetchall()),)
        return found
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    args = parser.parse_args()
    old, new = digests(args.old), digests(args.new)
    for name in old:
        verdict = "same" if old[name] == new[name] else "DIFFERENT"
        print(f"{name}: {old[name]} {new[name]} {verdict}")
    sys.exit(0 if old == new else 1)


if __name__ == "__main__":
    main()
