"""The access audit that ``/stats`` and ``briefbot access list`` show: who may read the archive,
where each rule came from, which groups the bot is in that are not allowed, whether inline
sharing is on, and which digests are paused. Telegram-free and read-only."""

from __future__ import annotations

from typing import Any

from bot.state.access import AccessList, Rule, short_time
from retrieval.delivery.subscriptions import Subscription

INLINE_ON = "on — allowed users may share passages into any chat with @botname"
INLINE_OFF = "off — inline queries get a one-line hint and no passages"


def audit_json(
    access: AccessList, *, inline: bool, paused: list[Subscription] | None = None
) -> dict[str, Any]:
    """Return the audit as a JSON-ready dict: ``open``, ``admins``, ``inline``, ``rules``
    (``subject``, ``kind``, ``allowed``, ``source``, ``by``, ``at``, ``in_env``),
    ``unlisted_groups`` and ``paused_digests``."""
    return {
        "open": access.is_open,
        "admins": sorted(access.admins),
        "inline": inline,
        "rules": [
            {
                "subject": r.subject,
                "kind": r.kind,
                "allowed": r.allowed,
                "source": r.source,
                "by": r.by,
                "at": r.at,
                "in_env": r.in_env,
            }
            for r in access.rules()
        ],
        "unlisted_groups": [
            {
                "chat_id": c.chat_id,
                "type": c.type,
                "title": c.title,
                "first_seen_at": c.first_seen_at,
                "last_seen_at": c.last_seen_at,
            }
            for c in access.unlisted_groups()
        ],
        "paused_digests": [
            {"chat_id": s.chat_id, "paused_at": s.paused_at, "reason": s.pause_reason}
            for s in paused or []
        ],
    }


def _section(title: str, items: list[str]) -> list[str]:
    """Return ``title: none``, or the title and its bulleted items."""
    return [f"{title}:", *(f"• {item}" for item in items)] if items else [f"{title}: none"]


def _rule_line(access: AccessList, rule: Rule) -> str:
    chat = access.chat(int(rule.subject)) if rule.kind == "group" else None
    name = f' "{chat.title}"' if chat and chat.title else ""
    return f"{rule.subject}{name} — {rule.origin()}"


def audit_lines(
    access: AccessList, *, inline: bool, paused: list[Subscription] | None = None
) -> list[str]:
    """Return the audit as text lines: the access mode, the admins, allowed and denied users
    and groups with where each rule came from, the groups the bot is in that are not allowed,
    inline sharing and paused digests."""
    admins = ", ".join(map(str, sorted(access.admins))) or "none"
    lines = [
        "Access: open to everyone not denied (no allowlist)"
        if access.is_open
        else "Access: allowlist (BRIEFBOT_ALLOWED and /allow)",
        f"Admins (BRIEFBOT_ADMINS): {admins}",
    ]
    rules = access.rules()
    for allowed in (True, False):
        for kind in ("user", "group"):
            chosen = [r for r in rules if r.allowed is allowed and r.kind == kind]
            title = f"{'Allowed' if allowed else 'Denied'} {kind}s"
            lines += _section(title, [_rule_line(access, r) for r in chosen])
    title, groups = "Groups the bot is in that are not allowed", access.unlisted_groups()
    if access.is_open:
        title, groups = "Groups the bot is in (all may read the archive)", access.groups()
    lines += _section(
        title, [f"{c.label()}, last seen {short_time(c.last_seen_at)}" for c in groups]
    )
    lines.append(f"Inline mode (BRIEFBOT_INLINE): {INLINE_ON if inline else INLINE_OFF}")
    held = [f"{s.chat_id} since {short_time(s.paused_at)}" for s in paused or [] if s.paused_at]
    if held:
        lines += _section("Daily digests paused (the chat is not allowed)", held)
    return lines
