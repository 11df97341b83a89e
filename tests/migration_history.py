"""The migrations in the order the code before issue 13 registered them: one set, the bot's
interleaved with the archive's. Tests build "a database from before" with it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bot.state import migrations as bot
from retrieval.corpus import migrations as archive
from retrieval.delivery import migrations as delivery

OLD_ORDER = (
    "m001_create_briefs",
    "m002_track_passage_deletions",
    "m010_create_question_log",
    "m011_create_feedback",
    "m012_create_access_list",
    "m020_create_subscriptions",
    "m021_create_digest_sends",
    "m022_create_inbox_and_feeds",
    "m023_create_admin_notices",
    "m013_create_bot_chats",
    "m024_add_subscription_pause",
    "m014_remember_followup_context",
    "m003_log_archive_changes",
    "m004_repair_out_of_range_numbers",
    "m015_create_update_journal",
    "m005_add_brief_origin",
)


def apply_old_order(db: Database, stop_before: str | Iterable[str] | None = None) -> None:
    """Apply the migrations to ``db`` as the code before issue 13 did (one "briefbot" set, in
    ``OLD_ORDER``), stopping before the first of ``stop_before``."""
    old = Migrations("briefbot")
    for name in OLD_ORDER:
        module = next(m for m in (archive, delivery, bot) if hasattr(m, name))
        old()(getattr(module, name))
    old.apply(db, stop_before=stop_before)
