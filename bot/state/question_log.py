"""The bot's question log and feedback, in SQLite beside the archive.

Each answered question gets a row in ``bot_questions``; its id is the short key the answer's
buttons carry (Telegram allows 64 bytes of callback data), so buttons keep working after a
restart. 👍/👎 go to ``bot_feedback`` with the question and the passages that were shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from retrieval.corpus.clock import utcnow


@dataclass(frozen=True)
class LoggedQuestion:
    """A question as logged: what was asked, how, and which passages the answer showed."""

    id: int
    kind: str
    question: str
    offset: int
    found: bool
    passage_ids: list[int]
    user_id: int | None
    chat_id: int | None
    context: list[str] = field(default_factory=list)
    """The earlier questions it was read with, oldest first (empty: read alone)."""
    could_continue: list[str] = field(default_factory=list)
    """Read alone as naming a new subject: the earlier questions it might have continued."""


class QuestionLog:
    """Questions asked of the bot, and the feedback on their answers.

    Args:
        db: the database holding ``bot_questions`` and ``bot_feedback``.
    """

    def __init__(self, db: Database):
        self.db = db

    def record(
        self,
        *,
        kind: str,
        question: str,
        offset: int,
        passage_ids: list[int],
        user_id: int | None,
        chat_id: int | None,
        context: list[str] | None = None,
        update_id: int | None = None,
        could_continue: list[str] | None = None,
    ) -> int:
        """Store one answered question and return its id (the key its buttons carry).

        ``context``: the earlier questions it was read with (a follow-up), oldest first.
        ``could_continue``: those a question read alone might have continued (a short question
        on what the archive took for a new subject).
        ``update_id``: the Telegram update it came in; an update answered again after a restart
        gets the id logged the first time, and ``/stats`` counts the question once.
        """
        with self.db.conn:
            cur = self.db.execute(
                "INSERT INTO bot_questions (asked_at, user_id, chat_id, kind, question, "
                "result_offset, found, passage_ids, context, update_id, could_continue) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [
                    utcnow(),
                    user_id,
                    chat_id,
                    kind,
                    question,
                    offset,
                    int(bool(passage_ids)),
                    json.dumps(passage_ids),
                    json.dumps(context) if context else None,
                    update_id,
                    json.dumps(could_continue) if could_continue else None,
                ],
            )
        if cur.rowcount == 1:
            return int(cur.lastrowid or 0)
        # Logged before a restart (bot_questions_update, migration m016): the first id stands.
        row = self.db.execute(
            "SELECT id FROM bot_questions WHERE update_id = ? AND kind = ? AND result_offset = ?",
            [update_id, kind, offset],
        ).fetchone()
        return int(row[0])

    def get(self, question_id: int) -> LoggedQuestion | None:
        """Return the logged question with this id, or None if there is none."""
        return self._one("WHERE id = ?", [question_id])

    def last_in_chat(self, chat_id: int) -> LoggedQuestion | None:
        """Return the chat's latest question or "More" page (not a /check), or None: also when
        a /new came after it (``record_new``)."""
        last = self._one(
            "WHERE chat_id = ? AND kind IN ('ask', 'more', 'new') ORDER BY id DESC LIMIT 1",
            [chat_id],
        )
        return None if last is None or last.kind == "new" else last

    def record_new(self, chat_id: int, user_id: int | None) -> None:
        """Note that ``/new`` started the chat afresh: "more" after it pages no earlier
        question. (Not a question: ``stats`` leaves it out.)"""
        self.record(
            kind="new",
            question="/new",
            offset=0,
            passage_ids=[],
            user_id=user_id,
            chat_id=chat_id,
        )

    def _one(self, where: str, args: list[Any]) -> LoggedQuestion | None:
        row = self.db.execute(
            "SELECT id, kind, question, result_offset, found, passage_ids, user_id, chat_id, "
            f"context, could_continue FROM bot_questions {where}",
            args,
        ).fetchone()
        if row is None:
            return None
        return LoggedQuestion(
            id=row[0],
            kind=row[1],
            question=row[2],
            offset=row[3],
            found=bool(row[4]),
            passage_ids=list(json.loads(row[5])),
            user_id=row[6],
            chat_id=row[7],
            context=[str(q) for q in json.loads(row[8])] if row[8] else [],
            could_continue=[str(q) for q in json.loads(row[9])] if row[9] else [],
        )

    def add_feedback(self, question: LoggedQuestion, user_id: int, vote: int) -> None:
        """Store ``user_id``'s vote (+1 or -1) on an answer, replacing an earlier vote."""
        if vote not in (-1, 1):
            raise ValueError(f"vote must be 1 or -1, not {vote!r}")
        with self.db.conn:
            self.db.execute(
                "INSERT INTO bot_feedback (question_id, user_id, vote, question, passage_ids, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(question_id, user_id) DO "
                "UPDATE SET vote = excluded.vote, created_at = excluded.created_at",
                [
                    question.id,
                    user_id,
                    vote,
                    question.question,
                    json.dumps(question.passage_ids),
                    utcnow(),
                ],
            )

    def stats(self, *, recent: int = 5) -> dict[str, Any]:
        """Return counts of questions, unanswered questions and feedback, and recent unanswered.

        "More" presses are not counted as questions. This is a read-only operation.
        """
        q = self.db.execute(
            "SELECT count(*), coalesce(sum(found = 0), 0), count(DISTINCT user_id) "
            "FROM bot_questions WHERE kind NOT IN ('more', 'new')"
        ).fetchone()
        f = self.db.execute(
            "SELECT coalesce(sum(vote > 0), 0), coalesce(sum(vote < 0), 0) FROM bot_feedback"
        ).fetchone()
        unanswered = [
            r[0]
            for r in self.db.execute(
                "SELECT question FROM bot_questions "
                "WHERE found = 0 AND kind NOT IN ('more', 'new') ORDER BY id DESC LIMIT ?",
                [recent],
            )
        ]
        return {
            "questions": q[0],
            "unanswered": q[1],
            "users": q[2],
            "helpful": f[0],
            "unhelpful": f[1],
            "recent_unanswered": unanswered,
        }
