"""The bot in groups: it answers /ask, /check, mentions and replies to it, and ignores chatter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fake_telegram import FakeTelegram

Start = Callable[..., Any]
GROUP = -1001234567890


async def test_group_answers_only_messages_addressed_to_the_bot(
    start_bot: Start, fake_telegram: FakeTelegram, settle: Callable[[], Any]
) -> None:
    fake_telegram.privacy_mode = False  # the bot sees all chatter; it must ignore it itself
    team = fake_telegram.group(GROUP, "Analysts")
    alice = fake_telegram.user(1001, "Alice")
    async with start_bot():
        chatter = alice.send("Bazhenov fled with US$4 million, did you see?", chat=team)
        other_bot = alice.send("/ask@some_other_bot Who fled?", chat=team)
        plain_command = alice.send("/weather", chat=team)
        await settle()
        assert fake_telegram.sent_to(GROUP) == []

        ask = alice.send("/ask@briefbot_test_bot Who fled abroad?", chat=team)
        [by_command] = await fake_telegram.wait_answers(ask)
        mention = alice.send("@briefbot_test_bot Who fled abroad?", chat=team)
        [by_mention] = await fake_telegram.wait_answers(mention)
        reply = alice.reply_to(by_mention, "what about the Caspian transit tariff?")
        [by_reply] = await fake_telegram.wait_answers(reply)
        bare = alice.send("@briefbot_test_bot", chat=team)
        [hint] = await fake_telegram.wait_answers(bare)
    assert all(u["update_id"] is not None for u in (chatter, other_bot, plain_command))
    assert "Bazhenov" in (by_command.plain_text or "")
    assert by_command.reply_to_message_id == ask["message"]["message_id"]
    assert "Bazhenov" in (by_mention.plain_text or "")
    assert "SOCAR" in (by_reply.plain_text or "")
    assert hint.plain_text == "Ask me after my name, e.g. @briefbot_test_bot who is Bazhenov?"
    typing = [a for a in fake_telegram.chat_actions if a.chat_id == GROUP]
    assert not typing  # answers within a second spend none of the group's 20 calls a minute


async def test_group_with_privacy_mode_gets_only_addressed_messages(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    team = fake_telegram.group(GROUP, "Analysts")
    alice = fake_telegram.user(1001, "Alice")
    async with start_bot():
        assert alice.send("Who fled abroad?", chat=team)["update_id"] is None  # not delivered
        check = alice.send("/check@briefbot_test_bot US$5 million vanished", chat=team)
        [answer] = await fake_telegram.wait_answers(check)
        plain_ask = alice.send("/ask Who fled abroad?", chat=team)
        [asked] = await fake_telegram.wait_answers(plain_ask)
    assert "US$5 million" in (answer.plain_text or "")
    assert "Bazhenov" in (asked.plain_text or "")


async def test_ask_in_reply_to_a_message_asks_that_message(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    team = fake_telegram.group(GROUP, "Analysts", bot_is_admin=True)
    alice = fake_telegram.user(1001, "Alice")
    bob = fake_telegram.user(1002, "Bob")
    async with start_bot():
        question = alice.send("Who fled abroad in December 1997?", chat=team)
        update = bob.reply_to(question["message"], "/ask")
        [answer] = await fake_telegram.wait_answers(update)
    assert "Bazhenov" in (answer.plain_text or "")


async def test_buttons_work_in_groups(start_bot: Start, fake_telegram: FakeTelegram) -> None:
    team = fake_telegram.group(GROUP, "Analysts")
    alice = fake_telegram.user(1001, "Alice")
    bob = fake_telegram.user(1002, "Bob")
    async with start_bot():
        [answer] = await fake_telegram.wait_answers(
            alice.send("/ask@briefbot_test_bot Caspian transit tariff", chat=team)
        )
        brief = next(d for d in answer.callback_data if d.startswith("brief:"))
        [full] = await fake_telegram.wait_answers(bob.press(answer, brief))
    assert (full.plain_text or "").startswith("Prism, Vol. 3, Issue 12")
    assert full.chat_id == GROUP


async def test_help_addressed_to_the_bot_in_a_group(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    team = fake_telegram.group(GROUP, "Analysts")
    alice = fake_telegram.user(1001, "Alice")
    async with start_bot():
        [answer] = await fake_telegram.wait_answers(
            alice.send("/help@briefbot_test_bot", chat=team)
        )
        [unknown] = await fake_telegram.wait_answers(
            alice.send("/weather@briefbot_test_bot", chat=team)
        )
    assert "/check CLAIM" in (answer.plain_text or "")
    assert unknown.plain_text == "I don't know /weather. /help lists what I can do."
