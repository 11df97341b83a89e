"""A group is a reader (issue 12): archive content goes into a group only when the group itself is
allowed, whoever asks; /deny stops answers, old buttons and inline results at once; inline sharing
can be turned off; the chats the bot is in are learned from updates for the audit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fake_telegram import FakeChat, FakeTelegram, FakeUser, SentMessage

from bot.handlers.buttons import INLINE_OFF_HINT
from bot.services import services

Start = Callable[..., Any]
Settle = Callable[[], Any]
GROUP = -1001234567890
ADMIN, ALICE, BOB = 1, 1001, 1002
NOT_LISTED = (
    f"This group (chat id {GROUP}) is not on the bot's list, so I post nothing from the archive "
    f"here; a bot admin can add it with /allow {GROUP}"
)
REFUSAL = (
    f"Sorry, this bot is only for its team. Your Telegram user id is {BOB} and this chat's id is "
    f"{GROUP}: send it to the bot's admin and ask them to /allow {BOB}."
)
ARCHIVE_WORDS = ("Bazhenov", "Monitor", "Prism", "passage", "brief")


def people(fake: FakeTelegram) -> tuple[FakeChat, FakeUser, FakeUser, FakeUser]:
    """Return the group "Partners" and its members Alice (listed), the admin and Bob (not)."""
    team = fake.group(GROUP, "Partners")
    return team, fake.user(ALICE, "Alice"), fake.user(ADMIN, "Admin"), fake.user(BOB, "Bob")


def no_archive_text(messages: list[SentMessage]) -> bool:
    """Return whether none of the messages holds a word that only archive content has."""
    return not any(w in (m.plain_text or "") for m in messages for w in ARCHIVE_WORDS)


async def test_allowed_member_in_an_unlisted_group_gets_one_line_and_no_archive_text(
    start_bot: Start, fake_telegram: FakeTelegram, settle: Settle
) -> None:
    team, alice, _, bob = people(fake_telegram)
    async with start_bot(allowed=str(ALICE), admins=str(ADMIN)):
        lines = []
        for text in (
            "/ask Who fled abroad?",
            "/check US$5 million vanished",
            "/brief Monitor 4 142",
            "/sources",
            "/digest now",
            "@briefbot_test_bot Who fled abroad?",
        ):
            [line] = await fake_telegram.wait_answers(alice.send(text, chat=team))
            lines.append(line)
        [by_reply] = await fake_telegram.wait_answers(alice.reply_to(lines[0], "who fled?"))
        [stranger] = await fake_telegram.wait_answers(
            bob.send("/ask@briefbot_test_bot Who fled abroad?", chat=team)
        )
        [private] = await fake_telegram.wait_answers(alice.send("Who fled abroad?"))
        await settle()
    assert [m.plain_text for m in [*lines, by_reply]] == [NOT_LISTED] * 7
    assert all(m.reply_markup is None for m in lines)
    assert stranger.plain_text == REFUSAL
    in_group = fake_telegram.sent_to(GROUP)
    assert len(in_group) == 8 and no_archive_text(in_group)
    assert not [a for a in fake_telegram.chat_actions if a.chat_id == GROUP]  # no "typing…"
    assert "Bazhenov" in (private.plain_text or "")  # her private chat is answered as before


async def test_the_same_group_is_answered_once_an_admin_allows_it_from_inside(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    team, alice, admin, bob = people(fake_telegram)
    async with start_bot(allowed=str(ALICE), admins=str(ADMIN)):
        [before] = await fake_telegram.wait_answers(alice.send("/ask Who fled abroad?", chat=team))
        [stats_here] = await fake_telegram.wait_answers(admin.send("/stats", chat=team))
        [allowed] = await fake_telegram.wait_answers(admin.send(f"/allow {GROUP}", chat=team))
        [after] = await fake_telegram.wait_answers(alice.send("/ask Who fled abroad?", chat=team))
        [by_bob] = await fake_telegram.wait_answers(
            bob.send("@briefbot_test_bot Who fled abroad?", chat=team)
        )
    assert before.plain_text == NOT_LISTED
    assert stats_here.plain_text == NOT_LISTED  # the audit is not posted to an unlisted group
    assert allowed.plain_text == f"Allowed {GROUP}."
    assert "Bazhenov" in (after.plain_text or "") and after.callback_data
    assert "Bazhenov" in (by_bob.plain_text or "")  # in an allowed group, whoever asks


async def test_deny_of_a_group_stops_answers_and_old_buttons_at_once(
    start_bot: Start, fake_telegram: FakeTelegram, settle: Settle
) -> None:
    team, alice, admin, bob = people(fake_telegram)
    async with start_bot(allowed=f"{ALICE} {GROUP}", admins=str(ADMIN)):
        [answer] = await fake_telegram.wait_answers(
            alice.send("/ask Caspian transit tariff", chat=team)
        )
        kinds = {data.split(":")[0] for data in answer.callback_data}
        assert {"brief", "vote"} <= kinds
        [denied] = await fake_telegram.wait_answers(admin.send(f"/deny {GROUP}"))
        mark = len(fake_telegram.sent_to(GROUP))
        presses = [alice.press(answer, data) for data in answer.callback_data]
        strangers = [bob.press(answer, data) for data in answer.callback_data]
        [asked] = await fake_telegram.wait_answers(
            alice.send("@briefbot_test_bot Caspian transit tariff", chat=team)
        )
        await settle()
    assert denied.plain_text == f"Denied {GROUP}."
    assert [m.plain_text for m in fake_telegram.sent_to(GROUP, since=mark)] == [NOT_LISTED]
    assert asked.plain_text == NOT_LISTED
    for press in presses:
        reply = fake_telegram.callback_answer_for(press)
        assert reply is not None and reply.show_alert and reply.text == NOT_LISTED
    for press in strangers:
        reply = fake_telegram.callback_answer_for(press)
        assert reply is not None and reply.show_alert
        assert (reply.text or "").startswith("Sorry, this bot is only for its team. Your Tele")


async def test_deny_of_a_user_stops_answers_buttons_and_inline_results_at_once(
    start_bot: Start, fake_telegram: FakeTelegram, settle: Settle
) -> None:
    team = fake_telegram.group(GROUP, "Analysts")
    alice = fake_telegram.user(ALICE, "Alice", "alice_k")
    admin = fake_telegram.user(ADMIN, "Admin")
    async with start_bot(allowed=f"{ALICE} {GROUP}", admins=str(ADMIN)):
        [answer] = await fake_telegram.wait_answers(alice.send("Caspian transit tariff"))
        inline = alice.inline("Caspian transit tariff")
        shared = await fake_telegram.wait_for(lambda: fake_telegram.inline_answer_for(inline))
        [denied] = await fake_telegram.wait_answers(admin.send("/deny @Alice_K"))
        mark = len(fake_telegram.sent_to(ALICE))
        presses = [alice.press(answer, data) for data in answer.callback_data]
        inline_after = alice.inline("Caspian transit tariff")
        refused_inline = await fake_telegram.wait_for(
            lambda: fake_telegram.inline_answer_for(inline_after)
        )
        [refused] = await fake_telegram.wait_answers(alice.send("Caspian transit tariff"))
        [in_group] = await fake_telegram.wait_answers(
            alice.send("/ask Caspian transit tariff", chat=team)
        )
        await settle()
    assert shared.results and denied.plain_text == "Denied @alice_k."
    assert refused_inline.results == []
    for press in presses:
        reply = fake_telegram.callback_answer_for(press)
        assert reply is not None and reply.show_alert
        assert (reply.text or "").startswith("Sorry, this bot is only for its team.")
    assert (refused.plain_text or "").startswith("Sorry, this bot is only for its team.")
    # A denied user is refused in an allowed group too: the group does not vouch for them.
    assert (in_group.plain_text or "").startswith("Sorry, this bot is only for its team.")
    assert len(fake_telegram.sent_to(ALICE, since=mark)) == 1  # the refusal, nothing else


async def test_inline_off_answers_inline_queries_with_a_hint_and_no_passages(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    alice = fake_telegram.user(ALICE, "Alice")
    async with start_bot(allowed=str(ALICE), inline="off") as app:
        update = alice.inline("Bazhenov fled")
        answer = await fake_telegram.wait_for(lambda: fake_telegram.inline_answer_for(update))
        [private] = await fake_telegram.wait_answers(alice.send("Who fled abroad?"))
        [help_text] = await fake_telegram.wait_answers(alice.send("/help"))
        logged = list(
            services(app).questions.db.query("SELECT kind FROM bot_questions WHERE kind = 'inline'")
        )
    assert answer.results == []
    button = answer.params["button"]
    button = button if isinstance(button, dict) else __import__("json").loads(button)
    assert button["text"] == INLINE_OFF_HINT and len(INLINE_OFF_HINT) <= 64
    assert logged == []  # the archive was not even searched
    assert "Bazhenov" in (private.plain_text or "")  # private questions still work
    assert "Inline sharing is off" in (help_text.plain_text or "")


async def test_the_bot_learns_the_groups_it_is_in_from_updates(
    start_bot: Start, fake_telegram: FakeTelegram, settle: Settle
) -> None:
    partners = fake_telegram.group(GROUP, "Partners")
    old = fake_telegram.group(-100777, "Old project")
    alice = fake_telegram.user(ALICE, "Alice")
    async with start_bot(allowed=str(ALICE)) as app:
        fake_telegram.bot_membership(partners, "member", by=alice)
        fake_telegram.bot_membership(old, "member", by=alice)
        await settle()
        fake_telegram.bot_membership(old, "kicked", by=alice)
        await settle()
        access = services(app).access
        unlisted = [(c.chat_id, c.title, c.type) for c in access.unlisted_groups()]
    assert unlisted == [(GROUP, "Partners", "supergroup")]
    assert fake_telegram.sent_to(GROUP) == []  # being added is not a question: no reply
