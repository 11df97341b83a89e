"""The store: briefs and passages in SQLite, written whole or not at all."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from retrieval.corpus.briefs import Brief, Passage, parse_briefs
from retrieval.corpus.store import Store
from retrieval.errors import BriefNotFoundError, NumberRangeError, RetrievalError

TEXT = (
    "Publication: Monitor Volume: 4 Issue: 7\nTitle: Oil\n\nFirst paragraph.\n\nSecond one. — SC\n"
)


def test_tables_named_in_the_issue_exist(store: Store) -> None:
    assert {"briefs", "passages"} <= set(store.db.table_names())
    assert {"id", "text"} <= set(store.db.table("passages").columns_dict)


def test_reingest_unchanged_brief_is_noop(store: Store) -> None:
    first = store.add_briefs(parse_briefs(TEXT))
    generation = store.generation()
    ids = store.passage_ids()
    again = store.add_briefs(parse_briefs(TEXT))
    assert (first.added, again.unchanged, again.added, again.updated) == (1, 1, 0, 0)
    assert store.passage_ids() == ids
    assert store.generation() == generation


def test_changed_brief_replaces_its_passages(store: Store) -> None:
    store.add_briefs(parse_briefs(TEXT))
    [old] = store.db.query("SELECT id, added_at FROM briefs")
    summary = store.add_briefs(parse_briefs(TEXT.replace("Second one.", "Second, revised.")))
    assert summary.updated == 1
    [new] = store.db.query("SELECT id, added_at FROM briefs")
    assert new == old  # same brief, same entry time
    texts = [r["text"] for r in store.db.query("SELECT text FROM passages ORDER BY position")]
    assert texts == ["First paragraph.", "Second, revised."]


def test_any_passage_says_whether_an_answer_still_has_a_passage_in_the_archive(
    store: Store,
) -> None:
    store.add_briefs(parse_briefs(TEXT))
    before = store.passage_ids()
    store.add_briefs(parse_briefs(TEXT.replace("Second one.", "Second, revised.")))
    after = store.passage_ids()
    gone = sorted(set(before) - set(after))
    assert gone and store.any_passage(gone) is False
    assert store.any_passage([*gone, after[0]]) is True
    assert store.any_passage([]) is False


def test_passages_by_id_gives_each_passage_with_its_briefs_fields(store: Store) -> None:
    store.add_briefs(parse_briefs(TEXT))
    ids = store.passage_ids()
    rows = store.passages_by_id([ids[1], 10**9, ids[0]])  # an id not stored is left out
    assert sorted(rows) == sorted(ids)
    [brief] = store.db.query("SELECT * FROM briefs")
    for pid, row in rows.items():
        [passage] = store.db.query(
            "SELECT id, brief_id, position, text, char_start, char_end FROM passages WHERE id = ?",
            [pid],
        )
        fields = ("doc_id", "publication", "volume", "issue", "date", "title", "author", "url")
        assert row == {
            **passage,
            **{f"brief_{name}": brief[name] for name in (*fields, "added_at")},
        }
    assert rows[ids[1]]["text"] == "Second one." and rows[ids[0]]["brief_title"] == "Oil"
    assert store.passages_by_id([]) == {}


def test_failed_write_leaves_nothing_half_written(store: Store) -> None:
    store.add_briefs(parse_briefs(TEXT))
    good = parse_briefs(TEXT.replace("Issue: 7", "Issue: 8"))[0]
    bad = Brief("Monitor", 4, 9, "x", passages=[Passage(0, None, 0, 1)])  # type: ignore[arg-type]
    with pytest.raises(sqlite3.IntegrityError):
        store.add_briefs([good, bad])
    assert store.db.table("briefs").count == 1
    assert store.passage_count() == 2


def test_find_briefs_names_what_the_archive_holds(store: Store) -> None:
    store.add_briefs(parse_briefs(TEXT))
    assert store.find_briefs("monitor", 4, 7)[0]["title"] == "Oil"
    with pytest.raises(BriefNotFoundError, match=r"no brief for Monitor, Vol. 4, Issue 8"):
        store.find_briefs("Monitor", 4, 8)
    with pytest.raises(
        BriefNotFoundError, match=r"no publication 'Prism' in the archive \(it holds: Monitor\)"
    ):
        store.find_briefs("Prism", 4, 7)


@pytest.mark.parametrize(
    ("volume", "issue", "message"),
    [
        # SQLite raised OverflowError on a number past 2^63.
        (2**64, 7, f"volume {2**64} is out of range; use a whole number from 0"),
        (4, 2**31, "issue 2147483648 is out of range; use a whole number from 0"),
        (4, -1, "issue -1 is out of range; use a whole number from 0"),
    ],
)
def test_find_briefs_names_a_number_out_of_range(
    store: Store, volume: int, issue: int, message: str
) -> None:
    store.add_briefs(parse_briefs(TEXT))
    with pytest.raises(NumberRangeError) as raised:
        store.find_briefs("Monitor", volume, issue)
    assert str(raised.value).startswith(message)
    assert str(raised.value).endswith("to 2,147,483,647")


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "not.db"
    path.write_text("this is not sqlite" * 100)
    with pytest.raises(RetrievalError, match="is not a briefbot database"):
        Store(path)


def test_migrations_are_recorded_and_reapplying_is_harmless(db_path: Path) -> None:
    Store(db_path).close()
    store = Store(db_path)
    names = [r["name"] for r in store.db.query("SELECT name FROM _sqlite_migrations")]
    assert "m001_create_briefs" in names
    assert len(names) == len(set(names))


def test_sqlite_utils_plugins_never_touch_the_archive_connections(db_path: Path) -> None:
    # A sqlite-utils plugin installed beside briefbot (its prepare_connection hook runs on every
    # connection sqlite-utils opens by default) is not run on the archive's connections.
    from sqlite_utils.hookspecs import hookimpl
    from sqlite_utils.plugins import pm

    prepared: list[sqlite3.Connection] = []

    class Plugin:
        @staticmethod
        @hookimpl
        def prepare_connection(conn: sqlite3.Connection) -> None:
            prepared.append(conn)

    pm.register(Plugin, name="test-plugin")
    try:
        for path in (db_path, db_path, ":memory:"):  # new, existing, in memory
            Store(path).close()
    finally:
        pm.unregister(name="test-plugin")
    assert prepared == []
