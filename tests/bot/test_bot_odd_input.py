"""Odd input never reaches a traceback: forged button data, huge ids, superscript digits,
commands for other bots, replies to the bot's own answers, odd file names (issue 16)."""

from __future__ import annotations

import json
import logging
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
from fake_telegram import FakeTelegram

from bot.handlers.buttons import Button, parse_button
from retrieval.text.query import MAX_QUESTION_CHARS

Start = Callable[..., Any]
Settle = Callable[[], Any]
GROUP = -1001234567890
STALE = "This button no longer works; ask again."


def assert_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not errors, [r.getMessage() for r in errors]
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize(
    ("data", "parsed"),
    [
        ("more:12", Button("more", 12)),
        ("brief:7", Button("brief", 7)),
        ("vote:3:1", Button("vote", 3, 1)),
        ("vote:3:-1", Button("vote", 3, -1)),
        ("", None),
        (None, None),
        ("more:", None),
        ("more:1\n", None),
        ("more:1 ", None),
        ("more:¹", None),
        ("more:١٢", None),  # Arabic-Indic digits pass \d and int(), not our parser
        ("more:" + "9" * 25, None),
        ("more:" + "9" * 18, Button("more", 10**18 - 1)),
        ("more:" + "9" * 19, None),
        ("vote:3:2", None),
        ("vote:3", None),
        ("more:3:1", None),
        ("digest:1", None),
        ("x" * 65, None),
    ],
)
def test_button_data_parser_takes_only_our_buttons(data: str | None, parsed: Button | None) -> None:
    assert parse_button(data) == parsed


@pytest.mark.parametrize(
    "data",
    [
        "",
        "more:1\n",
        "more:" + "9" * 25,
        "brief:" + "9" * 25,
        "vote:" + "9" * 25 + ":1",
        "vote:1:7",
    ],
)
async def test_forged_button_data_gets_the_stale_line_and_no_traceback(
    start_bot: Start,
    fake_telegram: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
    data: str,
) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [answer] = await fake_telegram.wait_answers(alice.send("oil pipeline"))
        press = alice.press_forged(answer, data)
        reply = await fake_telegram.wait_for(lambda: fake_telegram.callback_answer_for(press))
    assert reply.text == STALE
    assert len(fake_telegram.sent_to(1001)) == 1
    assert "is not one of ours" in caplog.text
    assert_no_traceback(caplog)


async def test_unwatch_with_superscript_digits_gets_the_usage_line(
    start_bot: Start, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [reply] = await fake_telegram.wait_answers(alice.send("/unwatch ²"))
    assert reply.plain_text == "Usage: /unwatch N, e.g. /unwatch 1"
    assert_no_traceback(caplog)


async def test_deny_of_an_id_beyond_telegrams_range_is_refused(
    start_bot: Start, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    admin = fake_telegram.user(1, "Admin")
    async with start_bot(admins="1"):
        [huge] = await fake_telegram.wait_answers(admin.send("/deny 99999999999999999999"))
        [negative] = await fake_telegram.wait_answers(admin.send("/allow -99999999999999999"))
        [ok] = await fake_telegram.wait_answers(admin.send("/deny -1001234567890"))
    assert huge.plain_text == (
        "99999999999999999999 is not a Telegram id: ids are not 0 and have at most 16 digits. "
        "Usage: /deny USER_ID|@USERNAME|CHAT_ID, e.g. /deny 123456789"
    )
    assert (negative.plain_text or "").startswith("-99999999999999999 is not a Telegram id")
    assert ok.plain_text == "Denied -1001234567890."
    assert_no_traceback(caplog)


@pytest.mark.parametrize("text", ["/ask@OtherBot Who fled abroad?", "/help@OtherBot", "/x@Other"])
async def test_command_for_another_bot_is_ignored_in_a_private_chat(
    start_bot: Start, fake_telegram: FakeTelegram, settle: Settle, text: str
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        alice.send(text)
        await settle()
        [ours] = await fake_telegram.wait_answers(
            alice.send("/ask@briefbot_test_bot Who fled abroad?")
        )
    assert len(fake_telegram.sent_to(1001)) == 1
    assert "Bazhenov" in (ours.plain_text or "")


async def test_a_strangers_command_for_another_bot_is_ignored_not_refused(
    start_bot: Start, fake_telegram: FakeTelegram, settle: Settle
) -> None:
    async with start_bot(allowed="1001"):
        mallory = fake_telegram.user(2002, "Mallory")
        mallory.send("/ask@OtherBot Who fled abroad?")
        await settle()
        [refusal] = await fake_telegram.wait_answers(mallory.send("/ask Who fled abroad?"))
    assert len(fake_telegram.sent_to(2002)) == 1
    assert "Bazhenov" not in (refusal.plain_text or "")


async def test_ask_in_reply_to_the_bots_own_answer_asks_for_a_question(
    start_bot: Start, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    team = fake_telegram.group(GROUP, "Analysts", bot_is_admin=True)
    alice = fake_telegram.user(1001, "Alice")
    async with start_bot():
        [answer] = await fake_telegram.wait_answers(alice.send("/ask Who fled abroad?", chat=team))
        [hint] = await fake_telegram.wait_answers(alice.reply_to(answer, "/ask"))
        [check_hint] = await fake_telegram.wait_answers(alice.reply_to(answer, "/check"))
    assert hint.plain_text == (
        "Write the question after /ask: my own answers are not questions. "
        "Usage: /ask QUESTION, e.g. /ask Why did the IMF cut Russia's first tranche?"
    )
    assert (check_hint.plain_text or "").startswith("Write the claim after /check:")
    assert_no_traceback(caplog)


async def test_ask_in_reply_to_ones_own_message_is_not_taken_as_the_question(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    team = fake_telegram.group(GROUP, "Analysts", bot_is_admin=True)
    alice = fake_telegram.user(1001, "Alice")
    async with start_bot():
        mine = alice.send("Who fled abroad in December 1997?", chat=team)
        [usage] = await fake_telegram.wait_answers(alice.reply_to(mine["message"], "/ask"))
    assert (usage.plain_text or "").startswith("Usage: /ask QUESTION")


async def test_missing_brief_points_a_telegram_user_at_sources(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [reply] = await fake_telegram.wait_answers(alice.send("/brief Monitor 4 999"))
    assert reply.plain_text == (
        "No brief for Monitor, Vol. 4, Issue 999; /sources shows what the archive holds."
    )


async def test_more_pressed_twice_sends_the_page_once(
    start_bot: Start, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    async with start_bot(top=1):
        alice = fake_telegram.user(1001, "Alice")
        [answer] = await fake_telegram.wait_answers(alice.send("oil pipeline"))
        more = next(d for d in answer.callback_data if d.startswith("more:"))
        first = alice.press(answer, more)
        second = alice.press(answer, more)
        one = await fake_telegram.wait_for(lambda: fake_telegram.callback_answer_for(first))
        two = await fake_telegram.wait_for(lambda: fake_telegram.callback_answer_for(second))
        [typed] = await fake_telegram.wait_answers(alice.send("more"))
    pages = [m.plain_text or "" for m in fake_telegram.sent_to(1001)]
    assert one.text is None
    assert two.text == "I already sent the next passages for that answer; scroll down to them."
    assert [p[:3] for p in pages] == ["1. ", "2. ", "No "]
    assert typed.plain_text == "No more passages match that question."  # on from page 2
    assert_no_traceback(caplog)


async def test_question_length_counts_the_characters_a_user_sees(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    seen = MAX_QUESTION_CHARS + 1  # one character over, as the asker sees it
    decomposed = unicodedata.normalize("NFD", "é" * seen)  # "e" + a combining accent each
    assert len(decomposed) == 2 * seen
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [reply] = await fake_telegram.wait_answers(alice.send(decomposed))
    assert (reply.plain_text or "").startswith(
        f"The question is {seen:,} characters long; the limit is {MAX_QUESTION_CHARS:,}"
    )


async def test_upload_with_markup_in_its_name_is_reported_by_its_real_name(
    start_bot: Start, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    admin = fake_telegram.user(1, "Admin")
    async with start_bot(admins="1"):
        update = admin.send_document(b'{"broken json\n', "<b>bad</b>&.jsonl")
        [reply] = await fake_telegram.wait_answers(update)
    assert (reply.plain_text or "").startswith("<b>bad</b>&.jsonl: ")
    assert (reply.text or "").startswith("&lt;b&gt;bad&lt;/b&gt;&amp;.jsonl: ")
    assert_no_traceback(caplog)


ODD_BRIEF = {
    "publication": "Monitor",
    "volume": 9,
    "issue": 1,
    "date": "1999-01-02",
    "title": "Zhanaozen\u0000 strike",
    "text": (
        "Oil workers in Zhanaozen\u0000 struck on May 3.\u0007 The \u001b[31mstrike spread.\u0085"
    ),
}


def _controls(text: str) -> list[str]:
    return [c for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) < 0xA0]


async def test_control_characters_in_a_brief_never_reach_the_chat(
    start_bot: Start, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    admin = fake_telegram.user(1, "Admin")
    async with start_bot(admins="1"):
        upload = admin.send_document(json.dumps(ODD_BRIEF).encode() + b"\n", "odd.jsonl")
        [report] = await fake_telegram.wait_answers(upload)
        [answer] = await fake_telegram.wait_answers(admin.send("zhanaozen strike"))
    assert "1 added" in (report.plain_text or "")
    shown = answer.plain_text or ""
    assert "Oil workers in Zhanaozen struck on May 3. The [31mstrike spread." in shown
    assert _controls(answer.text or "") == [] and _controls(shown) == []
    assert_no_traceback(caplog)


async def test_control_characters_never_reach_an_inline_result(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    admin = fake_telegram.user(1, "Admin")
    async with start_bot(admins="1"):
        upload = admin.send_document(json.dumps(ODD_BRIEF).encode() + b"\n", "odd.jsonl")
        await fake_telegram.wait_answers(upload)
        update = admin.inline("zhanaozen strike")
        answer = await fake_telegram.wait_for(lambda: fake_telegram.inline_answer_for(update))
    first = answer.results[0]
    assert "Zhanaozen struck" in first["description"]
    shown = [first["title"], first["description"], first["input_message_content"]["message_text"]]
    assert [c for text in shown for c in _controls(text)] == []


@pytest.mark.parametrize(
    "text",
    [
        "@briefbot_test_bot who fled abroad?",
        "who fled abroad @BriefBot_Test_Bot",
        "/ask @briefbot_test_bot who fled abroad?",
    ],
)
async def test_the_bots_own_name_in_a_private_question_is_not_searched(
    start_bot: Start, fake_telegram: FakeTelegram, text: str
) -> None:
    # Written as in a group, the name was searched: "None of these passages answers that
    # directly, and none mentions “briefbot”, “test” or “bot”", and the next question of the
    # chat was read with it as a follow-up.
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [named] = await fake_telegram.wait_answers(alice.send(text))
        [alone] = await fake_telegram.wait_answers(alice.send("@briefbot_test_bot"))
        await fake_telegram.wait_answers(alice.send("/new"))
        [plain] = await fake_telegram.wait_answers(alice.send("who fled abroad?"))
    assert named.plain_text == plain.plain_text
    assert "Bazhenov" in (named.plain_text or "")
    assert alone.plain_text == (
        "Usage: /ask QUESTION, e.g. /ask Why did the IMF cut Russia's first tranche?"
    )


EDITED = (
    "I answer new messages, not edits of old ones: send the corrected question as a new message."
)


async def test_an_edited_question_gets_a_line_saying_to_send_it_again(
    start_bot: Start, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    # An edit (a typo fixed after sending) was dropped in silence: the asker waited for an
    # answer to the corrected question that never came.
    team = fake_telegram.group(GROUP, "Analysts")
    async with start_bot(allowed=f"1001,{GROUP}"):
        alice = fake_telegram.user(1001, "Alice")
        sent = alice.send("who fled abrod?")
        await fake_telegram.wait_answers(sent)
        [private] = await fake_telegram.wait_answers(alice.edit(sent, "who fled abroad?"))
        asked = alice.send("@briefbot_test_bot who fled abrod?", chat=team)
        await fake_telegram.wait_answers(asked)
        [group] = await fake_telegram.wait_answers(
            alice.edit(asked, "@briefbot_test_bot who fled abroad?")
        )
        chatter = alice.send("lunch at one?", chat=team)
        assert chatter["update_id"] is None  # privacy mode: the bot never sees it, nor its edit
    assert private.plain_text == EDITED and group.plain_text == EDITED
    assert_no_traceback(caplog)


async def test_an_edit_of_group_chatter_is_still_ignored(
    start_bot: Start, fake_telegram: FakeTelegram, settle: Settle
) -> None:
    team = fake_telegram.group(GROUP, "Analysts", bot_is_admin=True)  # the bot sees everything
    async with start_bot(allowed=f"1001,{GROUP}"):
        alice = fake_telegram.user(1001, "Alice")
        chatter = alice.send("lunch at one?", chat=team)
        alice.edit(chatter, "lunch at two?")
        await settle()
    assert fake_telegram.sent_to(GROUP) == []


async def test_a_picture_captioned_with_a_question_to_the_bot_in_a_group_gets_a_hint(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    # Telegram delivers a caption that mentions the bot; it was passed over in silence.
    team = fake_telegram.group(GROUP, "Analysts")
    async with start_bot(allowed=f"1001,{GROUP}"):
        alice = fake_telegram.user(1001, "Alice")
        shot = alice.send_document(
            b"GIF89a", "chart.gif", caption="@briefbot_test_bot is it true?", chat=team
        )
        [hint] = await fake_telegram.wait_answers(shot)
    assert hint.plain_text == (
        "I read questions as text, not pictures or files: "
        "write it after my name, e.g. @briefbot_test_bot who is Bazhenov?"
    )
