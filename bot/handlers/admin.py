"""Admin commands: /allow and /deny (kept in SQLite, surviving restarts) and /stats.

/allow and /deny take effect at once: answers, buttons and inline results are decided per update
by the access gate, and daily digests are paused or resumed here (``DigestService.sync_access``).
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.config import NOT_AN_ID, id_in_range, normalize_subject
from bot.help import usage
from bot.render import escape
from bot.sending import send_html
from bot.services import BotServices, Context, services
from bot.state.audit import audit_lines
from retrieval.delivery.subscriptions import Subscription
from retrieval.text.prose import shorten

logger = logging.getLogger(__name__)


async def admin_only(update: Update, context: Context) -> bool:
    """Return whether the sender is one of the bot's admins; if not, tell them in one line."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return False
    if services(context).access.is_admin(user.id):
        return True
    await message.reply_text(escape("Only the bot's admins (BRIEFBOT_ADMINS) can do that."))
    return False


async def _set_access(update: Update, context: Context, allowed: bool) -> None:
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or not await admin_only(update, context):
        return
    svc = services(context)
    command = "allow" if allowed else "deny"
    raw = list(context.args or [])
    if not raw and message.reply_to_message and message.reply_to_message.from_user:
        raw = [str(message.reply_to_message.from_user.id)]
    subjects = [normalize_subject(r) for r in raw]
    if not raw or None in subjects:
        bad = next((r for r, s in zip(raw, subjects, strict=True) if s is None), None)
        what = f"{shorten(bad, 40)!r} is not a user id, chat id or @username. " if bad else ""
        await message.reply_text(escape(f"{what}{usage(command)}"))
        return
    huge = next((s for s in subjects if s and not s.startswith("@") and not id_in_range(s)), None)
    if huge is not None:
        await message.reply_text(escape(f"{shorten(huge, 40)} {NOT_AN_ID}. {usage(command)}"))
        return
    was_open = svc.access.is_open
    for subject in subjects:
        assert subject is not None
        await svc.run(svc.access.set, subject, allowed, by=user.id)
    done = ", ".join(s for s in subjects if s)
    text = f"Allowed {done}." if allowed else f"Denied {done}."
    if allowed and was_open:
        text += " The bot was open to everyone; now only its allowlist and admins may use it."
    admins = [s for s in subjects if s and s.lstrip("-").isdigit() and svc.access.is_admin(int(s))]
    if not allowed and admins:
        text += f" ({', '.join(admins)} stay allowed as admins.)"
    digests = svc.digests
    if digests is not None:
        for chat_id, paused in await svc.run(digests.sync_access):
            text += (
                f" The daily digest of chat {chat_id} is paused until it is allowed again."
                if paused
                else f" The daily digest of chat {chat_id} resumes."
            )
    logger.info("Admin %s: /%s %s", user.id, command, done)
    await message.reply_text(escape(text))


async def allow(update: Update, context: Context) -> None:
    """/allow USER_ID|@USERNAME|CHAT_ID (admins): let someone use the bot; stored in SQLite."""
    await _set_access(update, context, True)


async def deny(update: Update, context: Context) -> None:
    """/deny USER_ID|@USERNAME|CHAT_ID (admins): stop someone using the bot; stored in SQLite."""
    await _set_access(update, context, False)


async def stats(update: Update, context: Context) -> None:
    """/stats (admins): questions asked, unanswered questions, feedback, and the access audit
    (who may read the archive and why, groups the bot is in that are not allowed)."""
    message = update.effective_message
    if message is None or not await admin_only(update, context):
        return
    svc = services(context)
    data = await svc.run(svc.questions.stats)
    lines = [
        f"Questions: {data['questions']} from {data['users']} "
        f"{'person' if data['users'] == 1 else 'people'}; "
        f"{data['unanswered']} found nothing.",
        f"Feedback: {data['helpful']} 👍, {data['unhelpful']} 👎.",
    ]
    lines += audit_lines(
        svc.access, inline=svc.settings.inline, paused=await svc.run(paused_digests, svc)
    )
    if data["recent_unanswered"]:
        lines.append("Recent questions that found nothing:")
        lines += [f"• {q[:200]}" for q in data["recent_unanswered"]]
    await send_html(message, [escape("\n".join(lines))])


def paused_digests(svc: BotServices) -> list[Subscription]:
    """Return the paused daily digests (none when the digest feature is not running)."""
    digests = svc.digests
    if digests is None:
        return []
    return [s for s in digests.subs.subscriptions() if s.paused]
