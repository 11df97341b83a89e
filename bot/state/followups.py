"""What a message in Telegram may continue: the answer it replies to, or a private chat's last.

A message may continue an earlier question when it is a reply to one of the bot's answers (in a
private chat or a group: it continues that answer's question, whoever asked it), or, in a private
chat, when it comes within ``BRIEFBOT_FOLLOWUP_MINUTES`` of the asker's last answer there.
Whether it is then read with that question is ``retrieval.text.followup``'s rule, applied by
``ChatService.follow``. The context lives in the database (tables of migration m014): it
survives a restart, is kept per chat and user, and expires (``REPLY_DAYS`` for replies, the
window for the rest). ``/new`` forgets a private chat's last question.

``asked_from`` reads a Telegram message into plain numbers (``Asked``); the rest runs on the
database thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import Message
from telegram.constants import ChatType

from bot.state.question_log import QuestionLog
from retrieval.corpus.clock import iso, utc_clock, utcnow
from retrieval.corpus.store import Store
from retrieval.text.followup import Earlier, chain

REPLY_DAYS = 7
"""A reply to an answer older than this is a new question (and the answer's row is dropped)."""
CONTINUED_KINDS = ("ask", "check", "more")
"""Logged answers a later message may continue (not inline results)."""
ALONE_PREFIX = "alone"
"""Callback data of the "Ask on its own" button: ``alone:<question id>``."""
WITH_PREFIX = "with"
"""Callback data of the "Read with earlier question" button: ``with:<question id>``."""


@dataclass(frozen=True)
class Asked:
    """Where a message was asked: its chat and sender, whether the chat is private, and the id
    of the bot's message it replies to (None when it replies to nothing of the bot's)."""

    chat_id: int
    user_id: int
    private: bool
    reply_to: int | None = None
    replies: bool = False
    """Whether the message replies to a message of the bot's (an answer or not)."""


def asked_from(message: Message, bot_id: int) -> Asked | None:
    """Return where ``message`` was asked, or None when it has no sender."""
    if message.from_user is None:
        return None
    reply = message.reply_to_message
    replies = reply is not None and reply.from_user is not None and reply.from_user.id == bot_id
    return Asked(
        chat_id=message.chat_id,
        user_id=message.from_user.id,
        private=message.chat.type == ChatType.PRIVATE,
        reply_to=reply.message_id if replies and reply is not None else None,
        replies=replies,
    )


def alone_data(question_id: int) -> str:
    """Return the callback data of the "Ask on its own" button under answer ``question_id``."""
    return f"{ALONE_PREFIX}:{question_id}"


def with_data(question_id: int) -> str:
    """Return the callback data of the "Read with earlier question" button under answer
    ``question_id``."""
    return f"{WITH_PREFIX}:{question_id}"


def parse_alone_data(data: str | None, prefix: str = ALONE_PREFIX) -> int | None:
    """Return the question id in "Ask on its own" callback data (or, with ``prefix``
    ``WITH_PREFIX``, "Read with earlier question" data), or None when it is not exactly
    ``alone:`` (``with:``) and 1-18 ASCII digits."""
    if not data:
        return None
    start, sep, number = data.partition(":")
    if start != prefix or not sep or not 1 <= len(number) <= 18:
        return None
    if not (number.isascii() and number.isdigit()):
        return None
    return int(number)


def _ago(when: str, now: dt.datetime) -> dt.timedelta:
    return now - dt.datetime.fromisoformat(when)


class Followups:
    """The follow-up context of the bot's chats, in SQLite beside the question log.

    Args:
        store: the archive's store, whose database holds ``bot_questions`` and migration m014's
            tables.
    """

    def __init__(self, store: Store):
        self.store = store
        self.db = store.db
        self.questions = QuestionLog(store.db)

    def earlier(self, asked: Asked, minutes: int, *, now: dt.datetime | None = None) -> list[str]:
        """Return the questions a message may continue, oldest first; empty for a new question.

        A reply follows the answer it replies to (never another chat's); a reply to a message of
        the bot's that is no answer (help, a digest, an error line), to an answer logged before
        follow-ups existed, older than ``REPLY_DAYS`` or whose passages have all left the
        archive, is a new question. Otherwise, in a private chat, the asker's last answer there
        counts for ``minutes``.
        """
        now = now or utc_clock()
        if asked.replies:
            # A reply to no answer of ours (reply_to None) finds no row: a new question.
            found = (
                "SELECT question_id, sent_at FROM bot_answer_messages "
                "WHERE chat_id = ? AND message_id = ?",
                [asked.chat_id, asked.reply_to],
                dt.timedelta(days=REPLY_DAYS),
            )
        elif asked.private and minutes > 0:
            found = (
                "SELECT question_id, answered_at FROM bot_followups "
                "WHERE chat_id = ? AND user_id = ?",
                [asked.chat_id, asked.user_id],
                dt.timedelta(minutes=minutes),
            )
        else:
            return []
        sql, args, lasts = found
        row = self.db.execute(sql, args).fetchone()
        if row is None or _ago(row[1], now) > lasts:
            return []
        logged = self.questions.get(int(row[0]))
        if logged is None or logged.chat_id != asked.chat_id or logged.kind not in CONTINUED_KINDS:
            return []
        if not self._passages_left(logged.passage_ids):
            return []
        return Earlier(
            chain(logged.context, logged.question), kind=logged.kind, offset=logged.offset
        )

    def _passages_left(self, passage_ids: Sequence[int]) -> bool:
        """Return whether any of an answer's passages is still in the archive (an answer that
        showed none counts: its question still stands)."""
        return not passage_ids or self.store.any_passage(passage_ids)

    def remember(
        self,
        question_id: int,
        *,
        chat_id: int,
        user_id: int | None,
        private: bool,
        message_ids: Sequence[int],
    ) -> None:
        """Store that ``message_ids`` in ``chat_id`` hold answer ``question_id`` and, in a
        private chat, that it is the asker's last answer; drop what has expired."""
        now = utcnow()
        cutoff = iso(utc_clock() - dt.timedelta(days=REPLY_DAYS))
        with self.db.conn:
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO bot_answer_messages (chat_id, message_id, question_id, "
                "sent_at) VALUES (?, ?, ?, ?)",
                [(chat_id, mid, question_id, now) for mid in message_ids],
            )
            self.db.execute("DELETE FROM bot_answer_messages WHERE sent_at < ?", [cutoff])
            if private and user_id is not None:
                self.db.execute(
                    "INSERT OR REPLACE INTO bot_followups (chat_id, user_id, question_id, "
                    "answered_at) VALUES (?, ?, ?, ?)",
                    [chat_id, user_id, question_id, now],
                )

    def forget(self, chat_id: int, user_id: int) -> None:
        """Forget the last question of ``user_id`` in ``chat_id`` (``/new``)."""
        with self.db.conn:
            self.db.execute(
                "DELETE FROM bot_followups WHERE chat_id = ? AND user_id = ?", [chat_id, user_id]
            )
