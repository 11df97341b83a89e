"""Issue 3's "done when", as one scripted conversation with the real bot over HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fake_telegram import FakeTelegram

from retrieval.archive import Archive

pytestmark = pytest.mark.real_http  # the one scripted conversation stays end to end

GROUP = -1001234567890


async def test_scripted_conversation(
    start_bot: Callable[..., Any],
    fake_telegram: FakeTelegram,
    bot_archive: Archive,
    settle: Callable[[], Any],
) -> None:
    fake = fake_telegram
    fake.privacy_mode = False
    team = fake.group(GROUP, "Analysts")
    alice = fake.user(1001, "Alice", "alice_k")
    bob = fake.user(1002, "Bob")
    mallory = fake.user(6666, "Mallory")
    async with start_bot(allowed=f"1001 1002 {GROUP}", top=1):
        # A private question, answered with a quote and its citation.
        [answer] = await fake.wait_answers(alice.send("oil pipeline"))
        quote, citation = (answer.plain_text or "").split("\n— ")
        assert quote.startswith("1. ") and (", Vol. " in citation or ", doc " in citation)
        # More, Full brief and feedback.
        [more] = await fake.wait_answers(alice.press(answer, answer.callback_data[0]))
        quote, citation = (more.plain_text or "").split("\n— ")
        assert quote.startswith("2. ")
        brief = next(d for d in more.callback_data if d.startswith("brief:"))
        [full] = await fake.wait_answers(alice.press(more, brief))
        assert (full.plain_text or "").startswith(citation)
        assert quote[3:].strip("…").split()[-1] in (full.plain_text or "")
        thumbs = alice.press(more, next(d for d in more.callback_data if d.endswith(":1")))
        await fake.wait_for(lambda: fake.callback_answer_for(thumbs))
        # /check shows the number mismatch.
        [check] = await fake.wait_answers(
            bob.send("/check US$5 million went missing with Bazhenov")
        )
        assert "US$5 million (they give US$4 million" in (check.plain_text or "")
        # In the group only addressed messages are answered.
        bob.send("Did anyone read the Kazakh corruption piece?", chat=team)
        await settle()
        assert fake.sent_to(GROUP) == []
        [grouped] = await fake.wait_answers(
            bob.send("@briefbot_test_bot who fled with US$4 million?", chat=team)
        )
        assert "Bazhenov" in (grouped.plain_text or "")
        # An unlisted user is refused, with no content.
        [refusal] = await fake.wait_answers(mallory.send("who fled with US$4 million?"))
        assert refusal.plain_text == (
            "Sorry, this bot is only for its team. Your Telegram user id is 6666: send it to "
            "the bot's admin and ask them to /allow 6666."
        )
    votes = list(bot_archive.store.db.query("SELECT user_id, vote FROM bot_feedback"))
    assert votes == [{"user_id": 1001, "vote": 1}]
