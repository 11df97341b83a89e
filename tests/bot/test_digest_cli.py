"""``briefbot digest preview CHAT_ID`` and ``briefbot digest list``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from retrieval.corpus.store import Store
from retrieval.delivery.subscriptions import SubscriptionStore

Run = Callable[..., Result]
BRIEF = Path(__file__).parents[1] / "fixtures" / "briefs" / "monitor-4-142.txt"


def test_preview_prints_what_a_chat_would_get_without_moving_its_mark(
    run_cli: Run, db_path: Path
) -> None:
    assert run_cli("ingest", str(BRIEF)).exit_code == 0
    store = Store(db_path)
    subs = SubscriptionStore(store)
    subs.subscribe(42, dt.time(8), "Europe/Berlin")
    subs.add_watch(42, "corruption")
    result = run_cli("digest", "preview", "42")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Digest so far for chat 42 — ")
    assert "1 new brief\n\nMONITOR\n\n• Kazakh security chief counts the cost of corruption" in out
    assert "— Monitor, Vol. 4, Issue 142, July 20, 1998" in out
    assert "YOUR TOPICS" in out and "🔎 corruption (topic 1)" in out
    assert subs.get(42).last_sent_brief_id == 0  # type: ignore[union-attr]
    html = run_cli("digest", "preview", "42", "--html").output
    assert "<b>Kazakh security chief counts the cost of corruption</b>" in html
    store.close()


def test_preview_of_a_chat_without_subscription_or_news(run_cli: Run, empty_db: Path) -> None:
    result = run_cli("digest", "preview", "7")
    assert result.exit_code == 0
    assert result.output == (
        "(chat 7 has no daily digest; this is what /digest now would show)\n"
        "Nothing new in the archive in the last day.\n"
    )


def test_list_shows_subscriptions_and_why_one_stopped(
    run_cli: Run, empty_db: Path, db_path: Path
) -> None:
    assert run_cli("digest", "list").output == (
        "No chat is subscribed; a chat subscribes with /digest HH:MM in Telegram.\n"
    )
    store = Store(db_path)
    subs = SubscriptionStore(store)
    subs.subscribe(42, dt.time(8), "Europe/Berlin")
    subs.add_watch(42, "Ukraine gas")
    subs.subscribe(-100123, dt.time(18, 30), "UTC")
    subs.unsubscribe(-100123, "Forbidden: bot was kicked from the group chat")
    store.close()
    lines = run_cli("digest", "list").output.splitlines()
    assert lines[0] == "-100123: 18:30 UTC, stopped: Forbidden: bot was kicked from the group chat"
    assert lines[1].startswith("42: 08:00 Europe/Berlin, next ")
    assert lines[1].endswith("; topics: Ukraine gas")
    data = json.loads(run_cli("digest", "list", "--json").output)
    assert [(d["chat_id"], d["active"], d["topics"]) for d in data] == [
        (-100123, False, []),
        (42, True, ["Ukraine gas"]),
    ]


def test_preview_needs_a_numeric_chat_id(run_cli: Run) -> None:
    result = run_cli("digest", "preview", "alice")
    assert result.exit_code == 2
    assert "'alice' is not a valid integer" in result.output


def test_a_removed_brief_leaves_the_digest(run_cli: Run, db_path: Path) -> None:
    assert run_cli("ingest", str(BRIEF)).exit_code == 0
    store = Store(db_path)
    subs = SubscriptionStore(store)
    subs.subscribe(42, dt.time(8), "Europe/Berlin")
    subs.add_watch(42, "corruption")
    store.close()
    assert "Kazakh security chief" in run_cli("digest", "preview", "42").output
    removed = run_cli("remove", "--yes", "Monitor", "4", "142")
    assert removed.exit_code == 0, removed.output
    out = run_cli("digest", "preview", "42").output
    assert "Kazakh security chief" not in out
    assert "Monitor, Vol. 4, Issue 142" not in out
