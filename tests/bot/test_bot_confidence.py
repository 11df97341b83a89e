"""Confidence end to end in Telegram: a low-confidence answer says so above its passages, in a
chat, inline and in /check; "none" answers with one line; a long claim is checked, not refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fake_telegram import FakeTelegram

Start = Callable[..., Any]
# Shevardnadze is in the archive, but nothing about him and the IMF: related passages, none
# answering (the question's rarest words are not in one passage).
LOW_QUESTION = "What did Shevardnadze tell the IMF about Lukoil?"


async def test_low_confidence_answer_shows_passages_under_one_line(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [answer] = await fake_telegram.wait_answers(alice.send(LOW_QUESTION))
    text = answer.plain_text or ""
    # The caveat names the question's words no passage holds.
    assert text.startswith(
        "None of these passages answers that directly, and none mentions “IMF” or “Lukoil”; "
        "they are the closest the archive holds.\n\n1. "
    )
    assert "— " in text  # the passages are still quoted and cited
    assert any(e["type"] == "italic" for e in answer.entities)


async def test_high_confidence_answer_has_no_caveat(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [answer] = await fake_telegram.wait_answers(alice.send("Caspian oil transit tariff"))
    assert (answer.plain_text or "").startswith("1. ")


async def test_inline_low_confidence_says_so_above_the_results(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        update = alice.inline(LOW_QUESTION)
        answer = await fake_telegram.wait_for(lambda: fake_telegram.inline_answer_for(update))
    assert answer.results
    assert answer.button["text"].startswith("None of these passages answers that directly")
    assert len(answer.button["text"]) <= 64


async def test_a_long_pasted_claim_is_checked_sentence_by_sentence(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    sentence = (
        "Mikhail Bazhenov fled abroad in December 1997 and US$5 million went missing with him. "
        "Caspian oil transit talks broke down over the tariff in June. "
    )
    claim = (sentence * 40)[:4000].rsplit(". ", 1)[0] + "."
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        answers = await fake_telegram.wait_answers(alice.send("/check " + claim))
    text = "\n".join(a.plain_text or "" for a in answers)
    assert text.startswith("The claim, sentence by sentence (12):")
    assert "[1] “Mikhail Bazhenov fled abroad" in text
    assert "Numbers — " in text and "not in them: US$5 million (they give US$4 million" in text
    assert all(len(a.plain_text or "") <= 4096 for a in answers)


async def test_a_typing_slip_is_named_above_the_answer(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [answer] = await fake_telegram.wait_answers(alice.send("Caspian oil tarif"))
    text = answer.plain_text or ""
    assert text.startswith("Read “tarif” as “tariff”.\n\n1. ")
    assert "*tariff*" not in text and "— Prism, Vol. 3, Issue 12" in text


async def test_inline_results_say_which_words_were_read_as_others(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        update = alice.inline("Caspian oil tarif")
        answer = await fake_telegram.wait_for(lambda: fake_telegram.inline_answer_for(update))
    assert answer.results
    assert answer.button["text"] == "Read “tarif” as “tariff”."
