"""Buttons whose answer or brief is gone, and buttons pressed past the rate limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fake_telegram import FakeTelegram
from sqlite_utils import Database

Start = Callable[..., Any]


async def _press(fake: FakeTelegram, user: Any, message: Any, prefix: str) -> Any:
    data = next(d for d in message.callback_data if d.startswith(prefix))
    press = user.press(message, data)
    return await fake.wait_for(lambda: fake.callback_answer_for(press))


async def test_buttons_of_a_forgotten_answer_say_so(
    start_bot: Start, fake_telegram: FakeTelegram, second_connection: Database
) -> None:
    async with start_bot(top=1):
        alice = fake_telegram.user(1001, "Alice")
        [answer] = await fake_telegram.wait_answers(alice.send("oil pipeline"))
        with second_connection.conn:
            second_connection.execute("DELETE FROM bot_questions")
        more = await _press(fake_telegram, alice, answer, "more:")
        vote = await _press(fake_telegram, alice, answer, "vote:")
    assert more.text == "That answer is too old; ask the question again."
    assert vote.text == "That answer is too old to rate."


async def test_full_brief_of_a_removed_brief_says_so(
    start_bot: Start, fake_telegram: FakeTelegram, second_connection: Database
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [answer] = await fake_telegram.wait_answers(alice.send("Caspian transit tariff"))
        with second_connection.conn:
            second_connection.execute("DELETE FROM briefs")
        reply = await _press(fake_telegram, alice, answer, "brief:")
    assert reply.text == "This brief was removed from the archive; ask the question again."
    assert reply.show_alert


async def test_more_when_nothing_more_matches_any_longer(
    start_bot: Start, fake_telegram: FakeTelegram, second_connection: Database
) -> None:
    async with start_bot(top=1):
        alice = fake_telegram.user(1001, "Alice")
        [answer] = await fake_telegram.wait_answers(alice.send("oil pipeline"))
        shown = answer.callback_data
        brief_id = int(next(d for d in shown if d.startswith("brief:")).split(":")[1])
        db = second_connection
        with db.conn:  # another process rewrote the archive: only the brief shown is left
            db.execute("DELETE FROM briefs WHERE id != ?", [brief_id])
            db.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
        more = await _press(fake_telegram, alice, answer, "more:")
    assert more.text == "No more passages match that question."
    assert len(fake_telegram.sent_to(1001)) == 1


async def test_more_past_the_rate_limit_is_refused_politely(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot(top=1, rate_limit=1):
        alice = fake_telegram.user(1001, "Alice")
        [answer] = await fake_telegram.wait_answers(alice.send("oil pipeline"))
        more = await _press(fake_telegram, alice, answer, "more:")
        vote = await _press(fake_telegram, alice, answer, "vote:")
    assert (more.text or "").startswith(
        "You have reached the limit of 1 question a minute; please wait"
    )
    assert more.show_alert
    assert vote.text == "Thanks, noted 👍"  # feedback is not a question


async def test_typing_more_in_a_private_chat_pages_like_the_button(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot(top=1):
        alice = fake_telegram.user(1001, "Alice")
        [first_more] = await fake_telegram.wait_answers(alice.send("more"))
        [first] = await fake_telegram.wait_answers(alice.send("oil pipeline"))
        [second] = await fake_telegram.wait_answers(alice.send("Tell me more!"))
        [end] = await fake_telegram.wait_answers(alice.send("more"))
    assert first_more.plain_text == "Ask a question first."
    assert (first.plain_text or "").startswith("1. ")
    assert (second.plain_text or "").startswith("2. ")
    assert end.plain_text == "No more passages match that question."


async def test_more_after_new_pages_no_earlier_question(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    # "/new" then "more" paged the question asked before /new.
    async with start_bot(top=1, admins="1001"):
        alice = fake_telegram.user(1001, "Alice")
        [first] = await fake_telegram.wait_answers(alice.send("oil pipeline"))
        await fake_telegram.wait_answers(alice.send("/new"))
        [more] = await fake_telegram.wait_answers(alice.send("more"))
        [stats] = await fake_telegram.wait_answers(alice.send("/stats"))
    assert (first.plain_text or "").startswith("1. ")
    assert more.plain_text == "Ask a question first."
    # /new is no question the stats count.
    assert "Questions: 1 from 1 person; 0 found nothing." in (stats.plain_text or "")


async def test_reply_to_a_deleted_question_is_still_sent(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    team = fake_telegram.group(-1001234567890, "Analysts")
    alice = fake_telegram.user(1001, "Alice")
    async with start_bot():
        update = alice.send("/ask Who fled abroad?", chat=team)
        del fake_telegram.messages[(team.id, update["message"]["message_id"])]
        [answer] = await fake_telegram.wait_answers(update)
    assert "Bazhenov" in (answer.plain_text or "")
