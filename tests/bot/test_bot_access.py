"""Who may use the bot: the allowlist, admins' /allow and /deny (kept in SQLite), /stats, the
per-user rate limit, and the loud warning when the bot is open to everyone."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from fake_telegram import FakeTelegram

Start = Callable[..., Any]
Settle = Callable[[], Any]
GROUP = -1001234567890
REFUSAL = "Sorry, this bot is only for its team. Your Telegram user id is 1002"


async def test_unlisted_user_is_refused_in_private_with_no_content(
    start_bot: Start, fake_telegram: FakeTelegram, settle: Settle
) -> None:
    async with start_bot(allowed="1001"):
        bob = fake_telegram.user(1002, "Bob", "bob")
        for text in ("Who fled abroad?", "/ask Who fled abroad?", "/check US$5 million", "/start"):
            update = bob.send(text)
            [refusal] = await fake_telegram.wait_answers(update)
            assert refusal.plain_text == (
                f"{REFUSAL}: send it to the bot's admin and ask them to /allow 1002."
            )
            assert refusal.reply_markup is None
        await settle()
    assert len(fake_telegram.sent_to(1002)) == 4
    assert not [a for a in fake_telegram.chat_actions if a.chat_id == 1002]


async def test_allowed_by_user_id_username_or_group(
    start_bot: Start, fake_telegram: FakeTelegram, settle: Settle
) -> None:
    team = fake_telegram.group(GROUP, "Analysts")
    alice = fake_telegram.user(1001, "Alice")
    carol = fake_telegram.user(1003, "Carol", "Carol_K")
    bob = fake_telegram.user(1002, "Bob")
    async with start_bot(allowed=f"1001, @carol_k {GROUP}"):
        [a] = await fake_telegram.wait_answers(alice.send("Who fled abroad?"))
        [c] = await fake_telegram.wait_answers(carol.send("Who fled abroad?"))
        [b_group] = await fake_telegram.wait_answers(bob.send("/ask Who fled abroad?", chat=team))
        [b_private] = await fake_telegram.wait_answers(bob.send("Who fled abroad?"))
    assert all("Bazhenov" in (m.plain_text or "") for m in (a, c, b_group))
    assert (b_private.plain_text or "").startswith(REFUSAL)


async def test_unlisted_group_member_is_refused_only_when_addressing_the_bot(
    start_bot: Start, fake_telegram: FakeTelegram, settle: Settle
) -> None:
    fake_telegram.privacy_mode = False
    team = fake_telegram.group(GROUP, "Analysts")
    bob = fake_telegram.user(1002, "Bob")
    async with start_bot(allowed="1001"):
        bob.send("Who fled abroad? Anyone?", chat=team)
        bob.send("/weather", chat=team)
        await settle()
        assert fake_telegram.sent_to(GROUP) == []
        [refusal] = await fake_telegram.wait_answers(
            bob.send("@briefbot_test_bot Who fled abroad?", chat=team)
        )
    assert refusal.plain_text == (
        f"{REFUSAL} and this chat's id is {GROUP}: send it to the bot's admin and ask them "
        "to /allow 1002."
    )


async def test_unlisted_user_gets_no_inline_results(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot(allowed="1001"):
        bob = fake_telegram.user(1002, "Bob")
        update = bob.inline("Bazhenov fled")
        answer = await fake_telegram.wait_for(lambda: fake_telegram.inline_answer_for(update))
        [access] = await fake_telegram.wait_answers(bob.send("/start access"))
    assert answer.results == []
    button = answer.params["button"]
    button = button if isinstance(button, dict) else __import__("json").loads(button)
    assert button["text"] == "Not allowed (user id 1002): tap for how to ask"
    assert button["start_parameter"] == "access"
    assert (access.plain_text or "").startswith(REFUSAL)


async def test_unlisted_user_pressing_a_button_gets_no_content(
    start_bot: Start, fake_telegram: FakeTelegram, settle: Settle
) -> None:
    alice = fake_telegram.user(1001, "Alice")
    bob = fake_telegram.user(1002, "Bob")
    async with start_bot(allowed="1001"):
        [answer] = await fake_telegram.wait_answers(alice.send("/ask Caspian transit tariff"))
        # Bob cannot see Alice's chat; these stand for copied callback_data (forged presses).
        presses = [bob.press(answer, data) for data in answer.callback_data]
        await settle()
    assert presses and len(fake_telegram.sent_to(1001)) == 1
    assert fake_telegram.sent_to(1002) == []
    for press in presses:
        reply = fake_telegram.callback_answer_for(press)
        assert reply is not None and reply.show_alert
        assert (reply.text or "").startswith(REFUSAL)


async def test_admin_allow_and_deny_survive_a_restart(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    admin = fake_telegram.user(1, "Admin")
    bob = fake_telegram.user(1002, "Bob", "bobby_k")
    alice = fake_telegram.user(1001, "Alice")
    async with start_bot(allowed="1001", admins="1"):
        [refused] = await fake_telegram.wait_answers(bob.send("Who fled abroad?"))
        [allowed] = await fake_telegram.wait_answers(admin.send("/allow @Bobby_K"))
        [answered] = await fake_telegram.wait_answers(bob.send("Who fled abroad?"))
        [denied] = await fake_telegram.wait_answers(admin.send("/deny 1001"))
    assert (refused.plain_text or "").startswith(REFUSAL)
    assert allowed.plain_text == "Allowed @bobby_k."
    assert "Bazhenov" in (answered.plain_text or "")
    assert denied.plain_text == "Denied 1001."
    async with start_bot(allowed="1001", admins="1"):  # a new process, the same database
        [still] = await fake_telegram.wait_answers(bob.send("Who fled abroad?"))
        [gone] = await fake_telegram.wait_answers(alice.send("Who fled abroad?"))
    assert "Bazhenov" in (still.plain_text or "")
    assert (gone.plain_text or "").startswith("Sorry, this bot is only for its team.")


async def test_first_allow_closes_an_open_bot(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    admin = fake_telegram.user(1, "Admin")
    bob = fake_telegram.user(1002, "Bob")
    async with start_bot(admins="1"):
        [open_answer] = await fake_telegram.wait_answers(bob.send("Who fled abroad?"))
        [allowed] = await fake_telegram.wait_answers(admin.send("/allow 1001"))
        [refused] = await fake_telegram.wait_answers(bob.send("Who fled abroad?"))
    assert "Bazhenov" in (open_answer.plain_text or "")
    assert allowed.plain_text == (
        "Allowed 1001. The bot was open to everyone; now only its allowlist and admins may use it."
    )
    assert (refused.plain_text or "").startswith(REFUSAL)


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("/allow", "Usage: /allow USER_ID|@USERNAME|CHAT_ID, e.g. /allow @alice"),
        (
            "/allow bob!",
            "'bob!' is not a user id, chat id or @username. "
            "Usage: /allow USER_ID|@USERNAME|CHAT_ID, e.g. /allow @alice",
        ),
        ("/deny 1", "Denied 1. (1 stay allowed as admins.)"),
    ],
)
async def test_allow_and_deny_need_a_valid_subject(
    start_bot: Start, fake_telegram: FakeTelegram, text: str, reply: str
) -> None:
    admin = fake_telegram.user(1, "Admin")
    async with start_bot(admins="1"):
        [answer] = await fake_telegram.wait_answers(admin.send(text))
    assert answer.plain_text == reply


async def test_admin_commands_are_refused_to_other_users(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    alice = fake_telegram.user(1001, "Alice")
    async with start_bot(allowed="1001", admins="1"):
        replies = [
            (await fake_telegram.wait_answers(alice.send(text)))[0].plain_text
            for text in ("/allow 1002", "/deny 1002", "/stats")
        ]
    assert replies == ["Only the bot's admins (BRIEFBOT_ADMINS) can do that."] * 3


async def test_stats_counts_questions_unanswered_and_feedback(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    admin = fake_telegram.user(1, "Admin")
    alice = fake_telegram.user(1001, "Alice")
    async with start_bot(allowed="1001", admins="1"):
        [answer] = await fake_telegram.wait_answers(alice.send("Who fled abroad?"))
        press = alice.press(answer, next(d for d in answer.callback_data if d.endswith(":1")))
        await fake_telegram.wait_for(lambda: fake_telegram.callback_answer_for(press))
        await fake_telegram.wait_answers(alice.send("zebra unicorn"))
        await fake_telegram.wait_answers(alice.send("/check US$5 million vanished"))
        [stats] = await fake_telegram.wait_answers(admin.send("/stats"))
    assert stats.plain_text == (
        "Questions: 3 from 1 person; 1 found nothing.\n"
        "Feedback: 1 👍, 0 👎.\n"
        "Access: allowlist (BRIEFBOT_ALLOWED and /allow)\n"
        "Admins (BRIEFBOT_ADMINS): 1\n"
        "Allowed users:\n"
        "• 1001 — BRIEFBOT_ALLOWED\n"
        "Allowed groups: none\n"
        "Denied users: none\n"
        "Denied groups: none\n"
        "Groups the bot is in that are not allowed: none\n"
        "Inline mode (BRIEFBOT_INLINE): on — allowed users may share passages into any chat "
        "with @botname\n"
        "Recent questions that found nothing:\n"
        "• zebra unicorn"
    )


async def test_rate_limit_refuses_politely_past_the_limit(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    alice = fake_telegram.user(1001, "Alice")
    bob = fake_telegram.user(1002, "Bob")
    async with start_bot(rate_limit=2):
        for _ in range(2):
            [ok] = await fake_telegram.wait_answers(alice.send("Who fled abroad?"))
            assert "Bazhenov" in (ok.plain_text or "")
        [limited] = await fake_telegram.wait_answers(alice.send("Who fled abroad?"))
        inline = alice.inline("Bazhenov")
        inline_limited = await fake_telegram.wait_for(
            lambda: fake_telegram.inline_answer_for(inline)
        )
        [help_still] = await fake_telegram.wait_answers(alice.send("/help"))
        [other_user] = await fake_telegram.wait_answers(bob.send("Who fled abroad?"))
    text = limited.plain_text or ""
    assert text.startswith("You have reached the limit of 2 questions a minute; please wait ")
    assert text.endswith(" s and ask again.")
    assert inline_limited.results == []
    assert "/check" in (help_still.plain_text or "")
    assert "Bazhenov" in (other_user.plain_text or "")


async def test_open_bot_warns_loudly_at_startup(
    start_bot: Start, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        async with start_bot():
            pass
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.name == "bot.app"]
    assert len(warnings) == 1
    assert "OPEN TO EVERYONE" in warnings[0].getMessage()
    caplog.clear()
    with caplog.at_level(logging.INFO):
        async with start_bot(allowed="1001"):
            pass
    assert not [r for r in caplog.records if "OPEN TO EVERYONE" in r.getMessage()]
