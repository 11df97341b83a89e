"""The bot's and delivery's own migrations, split off the archive's: same names, same schema,
nothing re-run."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from migration_history import OLD_ORDER, apply_old_order
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.state import migrations as bot_migrations
from bot.state.migrations import upgrade
from retrieval.archive import Archive
from retrieval.corpus import migrations as archive_migrations
from retrieval.corpus.store import Store
from retrieval.delivery import migrations as delivery_migrations
from retrieval.delivery.subscriptions import SubscriptionStore
from retrieval.errors import ArchiveWriteError

FIXTURES = Path(__file__).parent.parent / "fixtures"


def schema(path: Path) -> set[tuple[str, str, str]]:
    """Return every table, index and trigger of the database with its SQL."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        ).fetchall()
    finally:
        conn.close()
    return {(kind, name, " ".join((sql or "").split())) for kind, name, sql in rows}


def applied(path: Path) -> list[str]:
    """Return the names of the migrations recorded in the database, in the order applied."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id").fetchall()
    finally:
        conn.close()
    return [name for (name,) in rows]


def names(module: object) -> list[str]:
    """Return the names of the migrations a module registers, in order."""
    migrations: Migrations = module.migrations  # type: ignore[attr-defined]
    return [m.name for m in migrations.pending(Database(memory=True))]


def old_database(path: Path) -> None:
    """Make a database as the code before issue 13 did: one set, the bot's interleaved."""
    db = Database(path)
    apply_old_order(db)
    db.close()


def test_the_three_parts_share_out_the_old_names() -> None:
    def names(migrations: Migrations) -> list[str]:
        return [m.name for m in migrations.pending(Database(memory=True))]

    parts = [
        archive_migrations.migrations,
        delivery_migrations.migrations,
        bot_migrations.migrations,
    ]
    archive, delivery, bot = (names(m) for m in parts)
    assert delivery == [n for n in OLD_ORDER if n.startswith("m02")]
    old_bot = [n for n in OLD_ORDER if n.startswith("m01")]
    assert bot[: len(old_bot)] == old_bot  # appended since: after them
    old_archive = [n for n in OLD_ORDER if n.startswith("m00")]
    assert archive[: len(old_archive)] == sorted(old_archive)  # appended since: after them
    assert {m.name for m in parts} == {"briefbot"}


def test_a_new_database_has_the_schema_the_old_order_made(tmp_path: Path) -> None:
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    old_database(old)
    for path in (old, new):  # old: anything appended since then
        store = Store(path)
        SubscriptionStore(store)
        upgrade(store)
        store.close()
    assert schema(new) == schema(old)
    assert sorted(applied(new)) == sorted(applied(old))


def test_the_library_alone_makes_the_archive_and_delivery_tables_only(db_path: Path) -> None:
    store = Store(db_path)
    tables = {name for kind, name, _ in schema(db_path) if kind == "table"}
    assert "briefs" in tables and "subscriptions" not in tables
    SubscriptionStore(store)  # delivery makes its own tables where it opens the store
    store.close()
    tables = {name for kind, name, _ in schema(db_path) if kind == "table"}
    assert {"subscriptions", "digest_sends", "feeds", "admin_notices"} <= tables
    assert not {t for t in tables if t.startswith("bot_")}


def test_opening_an_existing_database_applies_nothing(
    db_path: Path, run_cli: Callable[..., Result]
) -> None:
    old_database(db_path)
    before = applied(db_path)
    assert run_cli("stats").exit_code == 0  # the CLI opens the store and the bot's tables
    store = Store(db_path)
    SubscriptionStore(store)
    upgrade(store)
    store.close()
    # Nothing that ran before runs again; only what was appended since issue 13 is applied.
    since = [n for n in (*names(bot_migrations), *names(delivery_migrations)) if n not in before]
    since += [n for n in names(archive_migrations) if n not in before]
    assert sorted(applied(db_path)) == sorted(before + since)
    assert applied(db_path)[: len(before)] == before
    assert "m016_log_each_update_once" in since
    after = applied(db_path), schema(db_path)
    store = Store(db_path)  # and opening it again applies nothing
    SubscriptionStore(store)
    upgrade(store)
    store.close()
    assert (applied(db_path), schema(db_path)) == after


def test_a_database_from_before_issue_10_upgrades_to_the_new_schema(tmp_path: Path) -> None:
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    conn = sqlite3.connect(old)
    conn.executescript((FIXTURES / "identity" / "pre_issue10.sql").read_text())
    conn.close()
    before = applied(old)
    assert "m005_add_brief_origin" not in before and "m015_create_update_journal" not in before
    for path in (old, new):
        store = Store(path)
        SubscriptionStore(store)
        upgrade(store)
        store.close()
    assert applied(old)[: len(before)] == before
    assert {"m005_add_brief_origin", "m015_create_update_journal"} <= set(applied(old))
    assert schema(old) == schema(new)


def test_a_read_only_database_without_the_bot_tables_is_asked_not_upgraded(
    db_path: Path, briefs_dir: Path, run_cli: Callable[..., Result]
) -> None:
    store = Store(db_path)  # made by the library alone: no bot tables
    store.close()
    Archive(db_path).ingest([briefs_dir / "monitor-4-142.txt"])
    # Read-only for root too: root ignores file modes, not the immutable attribute.
    lock = ["chattr", "+i"] if os.geteuid() == 0 else None
    if lock:
        subprocess.run([*lock, str(db_path)], check=True)
    else:
        db_path.chmod(0o444)
    try:
        store = Store(db_path)
        assert store.read_only
        with pytest.raises(ArchiveWriteError) as raised:
            upgrade(store)
        store.close()
        result = run_cli("ask", "Kazakh security council")
        audit = run_cli("access", "list")  # needs the bot's tables: says why it cannot
    finally:
        if lock:
            subprocess.run(["chattr", "-i", str(db_path)], check=True)
        else:
            db_path.chmod(0o644)
    assert str(raised.value).startswith(f"{db_path} needs an upgrade by this briefbot but ")
    assert result.exit_code == 0 and "Monitor, Vol. 4, Issue 142" in result.stdout
    assert audit.exit_code == 1
    assert audit.stderr == f"Error: {raised.value}\n"
