"""Follow-up questions in Telegram (issue 15): replies to answers and private messages soon after
one are read with the earlier question, over the fake Bot API, with the context in SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fake_telegram import FakeTelegram, FakeUser, SentMessage

from bot.state.followups import WITH_PREFIX, alone_data, parse_alone_data, with_data
from retrieval.archive import Archive

Start = Callable[..., Any]
GROUP = -1001234567890
KAZAKH = "who became prime minister of Kazakhstan after Kazhegeldin?"
KAZAKH_BRIEF = "Fortnight in Review, Vol. 3, Issue 22"
SUPSA = "when did the baku-supsa pipeline open?"
READ_WITH = "Read with your earlier question: "
READ_WITH_MANY = "Read with your earlier questions: "


@pytest.fixture
def alice(fake_telegram: FakeTelegram) -> FakeUser:
    """Return Alice, an allowed user of the bot."""
    return fake_telegram.user(1001, "Alice")


@pytest.fixture
def sample_bot(start_bot: Start, sample_archive: Archive) -> Start:
    """Return ``start(**settings)``: the bot running over the bundled sample archive."""
    return lambda **settings: start_bot(sample_archive, **settings)


def first_citation(answer: SentMessage) -> str:
    """Return the citation line of the first quoted passage of an answer."""
    lines = (answer.plain_text or "").splitlines()
    return next(line for line in lines if line.startswith("— "))


def read_line(answer: SentMessage) -> str | None:
    """Return the "Read with your earlier question" line of an answer, or None."""
    first = (answer.plain_text or "").splitlines()[0]
    return (
        first if first.startswith(("Read with your earlier question: ", READ_WITH_MANY)) else None
    )


async def press_question_button(
    fake_telegram: FakeTelegram, user: FakeUser, message: SentMessage, prefix: str
) -> SentMessage:
    """Press the button of ``message`` whose data starts with ``prefix`` (a question's id within
    Telegram's 64 bytes); return the answer, once the press itself is answered too."""
    data = next(d for d in message.callback_data if d.startswith(prefix))
    assert data.split(":")[1].isdigit() and len(data) <= 64
    press = user.press(message, data)
    [answer] = await fake_telegram.wait_answers(press)
    await fake_telegram.wait_for(lambda: fake_telegram.callback_answer_for(press))
    return answer


def age_context(db_path: Path, minutes: int) -> None:
    """Make every private chat's last answer ``minutes`` older (as if time had passed)."""
    with sqlite3.connect(db_path) as db:
        db.execute(
            "UPDATE bot_followups SET answered_at = "
            "strftime('%Y-%m-%dT%H:%M:%f+00:00', answered_at, ?)",
            [f"-{minutes} minutes"],
        )


async def test_private_follow_up_within_the_window_is_read_with_the_question(
    sample_bot: Start,
    fake_telegram: FakeTelegram,
    alice: FakeUser,
    db_path: Path,
    settle: Callable[[], Any],
) -> None:
    async with sample_bot():
        [first] = await fake_telegram.wait_answers(alice.send(KAZAKH))
        [follow] = await fake_telegram.wait_answers(alice.send("when did he take office?"))
        [complete] = await fake_telegram.wait_answers(
            alice.send("And Stepashin, when was he confirmed as prime minister?")
        )
        [chained] = await fake_telegram.wait_answers(alice.send("when did parliament confirm him?"))
        await settle()  # the bot has stored what it answered
        age_context(db_path, 11)
        [late] = await fake_telegram.wait_answers(alice.send("when did he take office?"))
    assert read_line(first) is None
    assert read_line(follow) == READ_WITH + KAZAKH
    assert KAZAKH_BRIEF in first_citation(follow)
    assert "Ask on its own" in [b["text"] for b in follow.buttons]
    assert read_line(complete) is None  # a complete question, though it opens with "and"
    assert "Stepashin" in first_citation(complete)
    # The complete question read alone is now the subject, not the Kazakh one.
    assert (
        read_line(chained) == READ_WITH + "And Stepashin, when was he confirmed as prime minister?"
    )
    assert "Stepashin" in first_citation(chained)
    assert read_line(late) is None  # 11 minutes later: a new question
    assert "Ask on its own" not in [b["text"] for b in late.buttons]


async def test_a_thank_you_is_no_question_and_the_next_follow_up_skips_it(
    sample_bot: Start, fake_telegram: FakeTelegram, alice: FakeUser
) -> None:
    async with sample_bot():
        await fake_telegram.wait_answers(alice.send(KAZAKH))
        [thanks] = await fake_telegram.wait_answers(alice.send("ok thanks"))
        [follow] = await fake_telegram.wait_answers(alice.send("when did he take office?"))
    assert thanks.plain_text == "You're welcome. Ask another question whenever you like."
    assert read_line(thanks) is None
    assert read_line(follow) == READ_WITH + KAZAKH
    assert KAZAKH_BRIEF in first_citation(follow)


async def test_a_follow_up_of_a_follow_up_keeps_the_subject(
    sample_bot: Start, fake_telegram: FakeTelegram, alice: FakeUser
) -> None:
    async with sample_bot():
        await fake_telegram.wait_answers(alice.send(KAZAKH))
        [second] = await fake_telegram.wait_answers(alice.send("when did parliament confirm him?"))
        [third] = await fake_telegram.wait_answers(
            alice.send("and what did he promise to do with the ministries?")
        )
    assert read_line(second) == READ_WITH + KAZAKH
    # Both questions it is read with are named: the subject is in the first.
    assert read_line(third) == (
        f"{READ_WITH_MANY}“{KAZAKH}”, then “when did parliament confirm him?”"
    )
    assert KAZAKH_BRIEF in first_citation(third)


async def test_group_replies_follow_the_answer_they_reply_to(
    sample_bot: Start, fake_telegram: FakeTelegram, alice: FakeUser
) -> None:
    team = fake_telegram.group(GROUP, "Analysts")
    bob = fake_telegram.user(1002, "Bob")
    async with sample_bot():
        [kazakh] = await fake_telegram.wait_answers(
            alice.send(f"@briefbot_test_bot {KAZAKH}", chat=team)
        )
        [supsa] = await fake_telegram.wait_answers(
            bob.send(f"@briefbot_test_bot {SUPSA}", chat=team)
        )
        # Each replies to the other's answer: the reply follows the answer, not its sender.
        [bobs] = await fake_telegram.wait_answers(bob.reply_to(kazakh, "when did he take office?"))
        [alices] = await fake_telegram.wait_answers(alice.reply_to(supsa, "how much did it cost?"))
        # Not a reply: in a group only replies continue a question.
        [mention] = await fake_telegram.wait_answers(
            alice.send("@briefbot_test_bot how much did it cost?", chat=team)
        )
    assert read_line(bobs) == READ_WITH + KAZAKH
    assert KAZAKH_BRIEF in first_citation(bobs)
    assert read_line(alices) == READ_WITH + SUPSA
    assert "Supsa" in (alices.plain_text or "")
    assert read_line(mention) is None


async def test_ask_on_its_own_answers_the_message_without_context(
    sample_bot: Start, fake_telegram: FakeTelegram, alice: FakeUser
) -> None:
    async with sample_bot():
        await fake_telegram.wait_answers(alice.send(SUPSA))
        [follow] = await fake_telegram.wait_answers(alice.send("how much did it cost?"))
        answer = await press_question_button(fake_telegram, alice, follow, "alone:")
        # "More" on a follow-up keeps its reading; its own button asks afresh too.
        more = next(d for d in follow.callback_data if d.startswith("more:"))
        [page] = await fake_telegram.wait_answers(alice.press(follow, more))
        again = next(d for d in page.callback_data if d.startswith("alone:"))
        [page_alone] = await fake_telegram.wait_answers(alice.press(page, again))
    assert read_line(follow) == READ_WITH + SUPSA
    assert read_line(answer) is None
    assert "Ask on its own" not in [b["text"] for b in answer.buttons]
    assert answer.plain_text != follow.plain_text
    assert read_line(page) == READ_WITH + SUPSA
    assert (page.plain_text or "").split("\n\n")[1].startswith("4. ")
    assert page_alone.plain_text == answer.plain_text


@pytest.mark.parametrize(
    ("earlier", "message", "forget", "button"),
    [
        # "Ask on its own" under a follow-up whose logged question is gone.
        (SUPSA, "how much did it cost?", "DELETE FROM bot_questions WHERE question = ?", "alone:"),
        # "Read with earlier question" whose earlier questions are no longer logged.
        (
            "how much gas does kyiv get from russia in kind for transit fees in 1998?",
            "who replaced kazhegeldin?",
            "UPDATE bot_questions SET could_continue = NULL WHERE question = ?",
            "with:",
        ),
    ],
)
async def test_a_button_of_a_forgotten_answer_gets_a_line(
    sample_bot: Start,
    fake_telegram: FakeTelegram,
    alice: FakeUser,
    db_path: Path,
    settle: Callable[[], Any],
    earlier: str,
    message: str,
    forget: str,
    button: str,
) -> None:
    async with sample_bot():
        await fake_telegram.wait_answers(alice.send(earlier))
        [answer] = await fake_telegram.wait_answers(alice.send(message))
        await settle()
        with sqlite3.connect(db_path) as db:
            db.execute(forget, [message])
        data = next(d for d in answer.callback_data if d.startswith(button))
        press = alice.press(answer, data)
        line = await fake_telegram.wait_for(lambda: fake_telegram.callback_answer_for(press))
    assert line.text == "That answer is too old; send the question again."


def test_ask_on_its_own_data_is_parsed_strictly() -> None:
    assert parse_alone_data(alone_data(42)) == 42
    assert alone_data(10**17) == "alone:" + "1" + "0" * 17
    for bad in ("alone:", "alone:x1", "alone:-1", "alone:١٢", "alone:1:2", "more:1", None, ""):
        assert parse_alone_data(bad) is None, bad
    assert parse_alone_data("alone:" + "9" * 19) is None


async def test_new_forgets_the_context(
    sample_bot: Start, fake_telegram: FakeTelegram, alice: FakeUser
) -> None:
    async with sample_bot():
        await fake_telegram.wait_answers(alice.send(KAZAKH))
        [done] = await fake_telegram.wait_answers(alice.send("/new"))
        [after] = await fake_telegram.wait_answers(alice.send("when did he take office?"))
    assert done.plain_text == "Starting afresh: your next question is read on its own."
    assert read_line(after) is None


async def test_context_survives_a_restart(
    sample_bot: Start, fake_telegram: FakeTelegram, alice: FakeUser
) -> None:
    team = fake_telegram.group(GROUP, "Analysts")
    async with sample_bot():
        await fake_telegram.wait_answers(alice.send(KAZAKH))
        [in_group] = await fake_telegram.wait_answers(
            alice.send(f"@briefbot_test_bot {SUPSA}", chat=team)
        )
    async with sample_bot():
        [private] = await fake_telegram.wait_answers(alice.send("when did he take office?"))
        [reply] = await fake_telegram.wait_answers(
            alice.reply_to(in_group, "how much did it cost?")
        )
    assert read_line(private) == READ_WITH + KAZAKH
    assert read_line(reply) == READ_WITH + SUPSA


async def test_context_never_crosses_chats_or_users(
    sample_bot: Start, fake_telegram: FakeTelegram, alice: FakeUser
) -> None:
    team = fake_telegram.group(GROUP, "Analysts")
    bob = fake_telegram.user(1002, "Bob")
    async with sample_bot():
        await fake_telegram.wait_answers(alice.send(KAZAKH))
        [bobs] = await fake_telegram.wait_answers(bob.send("when did he take office?"))
        [in_group] = await fake_telegram.wait_answers(
            alice.send("@briefbot_test_bot when did he take office?", chat=team)
        )
    assert read_line(bobs) is None
    assert read_line(in_group) is None


async def test_a_reply_to_a_message_that_is_no_answer_is_a_new_question(
    sample_bot: Start, fake_telegram: FakeTelegram, alice: FakeUser
) -> None:
    bob = fake_telegram.user(1002, "Bob")
    async with sample_bot():
        await fake_telegram.wait_answers(alice.send(KAZAKH))
        [help_text] = await fake_telegram.wait_answers(alice.send("/help"))
        [answer] = await fake_telegram.wait_answers(
            alice.reply_to(help_text, "when did he take office?")
        )
        [alone] = await fake_telegram.wait_answers(bob.send("when did he take office?"))
    assert read_line(answer) is None
    # Answered as the question alone is (by someone with no earlier question).
    assert answer.plain_text and answer.plain_text == alone.plain_text


async def test_a_reply_to_an_old_or_emptied_answer_is_a_new_question(
    sample_bot: Start,
    fake_telegram: FakeTelegram,
    alice: FakeUser,
    db_path: Path,
    settle: Callable[[], Any],
) -> None:
    async with sample_bot(followup_minutes=0):
        [old] = await fake_telegram.wait_answers(alice.send(SUPSA))
        [kazakh] = await fake_telegram.wait_answers(alice.send(KAZAKH))
        await settle()
        with sqlite3.connect(db_path) as db:
            db.execute("PRAGMA foreign_keys = ON")
            # An answer logged before follow-ups existed: no record of its messages.
            db.execute("DELETE FROM bot_answer_messages WHERE message_id = ?", [old.message_id])
            # The briefs of the other answer have since been removed from the archive.
            db.execute(
                "DELETE FROM briefs WHERE id IN (SELECT brief_id FROM passages WHERE id IN "
                "(SELECT value FROM json_each((SELECT passage_ids FROM bot_questions "
                "WHERE question = ?))))",
                [KAZAKH],
            )
        [to_old] = await fake_telegram.wait_answers(alice.reply_to(old, "how much did it cost?"))
        [to_gone] = await fake_telegram.wait_answers(
            alice.reply_to(kazakh, "when did he take office?")
        )
        [plain] = await fake_telegram.wait_answers(alice.send("how much did it cost?"))
    assert read_line(to_old) is None
    assert read_line(to_gone) is None
    assert read_line(plain) is None  # BRIEFBOT_FOLLOWUP_MINUTES=0: only replies continue


async def test_check_follows_the_same_rule(
    sample_bot: Start, fake_telegram: FakeTelegram, alice: FakeUser
) -> None:
    async with sample_bot():
        await fake_telegram.wait_answers(alice.send(KAZAKH))
        [check] = await fake_telegram.wait_answers(
            alice.send("/check and he was confirmed on October 12?")
        )
        [alone] = await fake_telegram.wait_answers(
            alice.send("/check The IMF cut the first tranche to US$4.8 billion")
        )
    assert read_line(check) == READ_WITH + KAZAKH
    assert "Balgimbaev" in (check.plain_text or "")
    assert read_line(alone) is None


TRANSIT = "how much gas does kyiv get from russia in kind for transit fees in 1998?"


async def test_a_short_question_read_alone_can_be_read_with_the_earlier_one(
    sample_bot: Start, fake_telegram: FakeTelegram, alice: FakeUser, settle: Callable[[], Any]
) -> None:
    async with sample_bot():
        await fake_telegram.wait_answers(alice.send(TRANSIT))
        # Short, so it could continue the transit question; it names a man no brief of that
        # answer names, so the archive reads it alone and offers the other reading.
        [alone] = await fake_telegram.wait_answers(alice.send("who replaced kazhegeldin?"))
        joined = await press_question_button(fake_telegram, alice, alone, "with:")
        # A complete question read alone has no such button, nor has a follow-up.
        [complete] = await fake_telegram.wait_answers(alice.send(KAZAKH))
        [follow] = await fake_telegram.wait_answers(alice.send("when did he take office?"))
        await settle()
    assert read_line(alone) is None
    assert "Read with earlier question" in [b["text"] for b in alone.buttons]
    assert "Balgimbaev" in (alone.plain_text or "")
    assert read_line(joined) == READ_WITH + TRANSIT
    assert "Ask on its own" in [b["text"] for b in joined.buttons]
    assert "Read with earlier question" not in [b["text"] for b in joined.buttons]
    for answer in (complete, follow):
        assert "Read with earlier question" not in [b["text"] for b in answer.buttons]


def test_read_with_earlier_question_data_is_parsed_strictly() -> None:
    assert parse_alone_data(with_data(42), WITH_PREFIX) == 42
    assert parse_alone_data(with_data(42)) is None  # not an "Ask on its own" press
    for bad in ("with:", "with:x1", "with:1:2", "alone:1", None):
        assert parse_alone_data(bad, WITH_PREFIX) is None, bad


async def test_source_names_the_last_answers_briefs_and_the_next_follow_up_skips_it(
    sample_bot: Start, fake_telegram: FakeTelegram, alice: FakeUser
) -> None:
    async with sample_bot():
        [answer] = await fake_telegram.wait_answers(alice.send(KAZAKH))
        [where] = await fake_telegram.wait_answers(alice.send("source?"))
        [follow] = await fake_telegram.wait_answers(alice.send("when did he take office?"))
    text = where.plain_text or ""
    assert text.startswith("That answer quotes:\n1. ")
    assert KAZAKH_BRIEF in text.split("\n")[1] and KAZAKH_BRIEF in first_citation(answer)
    assert "/brief " in text and where.buttons == []
    assert read_line(follow) == READ_WITH + KAZAKH


async def test_source_after_a_check_names_the_checks_own_evidence(
    sample_bot: Start, fake_telegram: FakeTelegram, alice: FakeUser
) -> None:
    # Asked again as a question, the claim quoted other passages: "source?" named briefs the
    # check never showed (another brief of the same issue, with its wire source).
    claim = "Belarus gas debt is US$240 million"
    async with sample_bot():
        [checked] = await fake_telegram.wait_answers(alice.send(f"/check {claim}"))
        [where] = await fake_telegram.wait_answers(alice.send("source?"))
    shown = checked.plain_text or ""
    lines = (where.plain_text or "").split("\n")
    assert lines[0] == "That answer quotes:"
    named = [line for line in lines[1:] if line[:1].isdigit()]
    assert named and all(line.split(". ", 1)[1].split(";")[0] in shown for line in named)


async def test_source_after_more_names_the_passages_of_that_page(
    sample_bot: Start, fake_telegram: FakeTelegram, alice: FakeUser
) -> None:
    # After "More", "source?" named the first page's passages (1-3), not those just shown.
    async with sample_bot():
        [answer] = await fake_telegram.wait_answers(alice.send("imf loan"))
        more = next(d for d in answer.callback_data if d.startswith("more:"))
        [page] = await fake_telegram.wait_answers(alice.press(answer, more))
        [where] = await fake_telegram.wait_answers(alice.send("source?"))
    shown = page.plain_text or ""
    named = [line for line in (where.plain_text or "").split("\n")[1:] if line[:1].isdigit()]
    assert [line.split(". ", 1)[0] for line in named] == ["4", "5", "6"]
    assert all(line.split(". ", 1)[1].split(";")[0] in shown for line in named)
