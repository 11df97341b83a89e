"""``briefbot access list``: the access audit from the command line (issue 12)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from bot.state.access import AccessList, short_time
from bot.state.migrations import upgrade
from retrieval.corpus.store import Store
from retrieval.delivery.subscriptions import SubscriptionStore

Run = Callable[..., Result]


def make_history(db_path: Path) -> dict[str, str]:
    """Store the decisions and sightings a running bot would have; return their times."""
    store = Store(db_path)
    upgrade(store)  # the bot's own tables, as the bot opens it
    access = AccessList(store.db, {"1001", "-100555"}, {1})
    access.set("@bobby_k", True, by=1)
    access.set("1001", False, by=7)
    access.set("-100666", False, by=1)
    for chat_id, title in ((-100555, "Analysts"), (-100999, "Public chat"), (-100888, "Gone")):
        record = access.seen_chat(chat_id, "supergroup", title)
        assert record is not None
        access.save_chat(record)
    gone = access.seen_chat(-100888, "supergroup", "Gone", status="kicked")
    assert gone is not None
    access.save_chat(gone)
    subs = SubscriptionStore(store)
    subs.subscribe(-100666, dt.time(8), "UTC")
    assert subs.pause(-100666, "the chat is not allowed (BRIEFBOT_ALLOWED or /allow)")
    times = {r["subject"]: r["changed_at"] for r in store.db.query("SELECT * FROM bot_access")}
    times["seen"] = access.chat(-100999).last_seen_at  # type: ignore[union-attr]
    times["paused"] = subs.get(-100666).paused_at  # type: ignore[union-attr]
    store.close()
    return {k: short_time(v) for k, v in times.items()}


def test_access_list_shows_rules_their_origin_and_exposure(
    run_cli: Run, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = make_history(db_path)
    monkeypatch.setenv("BRIEFBOT_ALLOWED", "1001,-100555")
    monkeypatch.setenv("BRIEFBOT_ADMINS", "1")
    result = run_cli("access", "list")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Access: allowlist (BRIEFBOT_ALLOWED and /allow)\n"
        "Admins (BRIEFBOT_ADMINS): 1\n"
        "Allowed users:\n"
        f"• @bobby_k — /allow by 1, {at['@bobby_k']}\n"
        "Allowed groups:\n"
        '• -100555 "Analysts" — BRIEFBOT_ALLOWED\n'
        "Denied users:\n"
        f"• 1001 — /deny by 7, {at['1001']} (overrides BRIEFBOT_ALLOWED)\n"
        "Denied groups:\n"
        f"• -100666 — /deny by 1, {at['-100666']}\n"
        "Groups the bot is in that are not allowed:\n"
        f'• -100999 "Public chat" (supergroup), last seen {at["seen"]}\n'
        "Inline mode (BRIEFBOT_INLINE): on — allowed users may share passages into any chat "
        "with @botname\n"
        "Daily digests paused (the chat is not allowed):\n"
        f"• -100666 since {at['paused']}\n"
    )


def test_access_list_json_and_options(run_cli: Run, db_path: Path) -> None:
    make_history(db_path)
    result = run_cli("access", "list", "--json", "--allowed", "1001 -100555", "--inline", "off")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["open"], data["admins"], data["inline"]) == (False, [], False)
    assert [(r["subject"], r["kind"], r["allowed"], r["source"]) for r in data["rules"]] == [
        ("-100555", "group", True, "environment"),
        ("-100666", "group", False, "/deny"),
        ("1001", "user", False, "/deny"),
        ("@bobby_k", "user", True, "/allow"),
    ]
    assert [g["chat_id"] for g in data["unlisted_groups"]] == [-100999]
    assert [p["chat_id"] for p in data["paused_digests"]] == [-100666]


def test_access_list_of_an_open_bot_lists_every_group_it_is_in(run_cli: Run, db_path: Path) -> None:
    store = Store(db_path)
    upgrade(store)  # the bot's own tables, as the bot opens it
    access = AccessList(store.db)
    access.save_chat(access.seen_chat(-100999, "group", "Anyone") or pytest.fail("not new"))
    store.close()
    result = run_cli("access", "list")
    assert result.exit_code == 0, result.output
    assert "Access: open to everyone not denied (no allowlist)\n" in result.output
    assert "Groups the bot is in (all may read the archive):\n• -100999 " in result.output


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"BRIEFBOT_ALLOWED": "bob"},
            "Error: BRIEFBOT_ALLOWED entry 'bob' is neither a user/chat id nor an @username; "
            "write e.g. 123456789,-1001234567890,@alice\n",
        ),
        (
            {"BRIEFBOT_INLINE": "sometimes"},
            "Error: BRIEFBOT_INLINE 'sometimes' is neither on nor off; write BRIEFBOT_INLINE=on "
            "(allowed users may share passages into any chat with @botname) or "
            "BRIEFBOT_INLINE=off\n",
        ),
    ],
)
def test_access_list_names_a_bad_setting(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = run_cli("access", "list")
    assert result.exit_code == 1
    assert result.output == message
