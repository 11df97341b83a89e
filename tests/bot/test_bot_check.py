"""/check CLAIM end to end: the passages that bear on a claim, and which of its numbers and names
they contain. The bot never calls a claim true."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fake_telegram import FakeTelegram

Start = Callable[..., Any]


async def test_check_shows_a_number_mismatch(start_bot: Start, fake_telegram: FakeTelegram) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [answer] = await fake_telegram.wait_answers(alice.send("/check US$5 million vanished"))
    text = answer.plain_text or ""
    # "vanished" is not a word of the archive's: the passages come under the low-confidence line.
    assert text.startswith(
        "Passages that bear on “US$5 million vanished”:\n\n"
        "None of these passages states this directly; they are the closest the archive holds."
        "\n\n1. "
    )
    assert "US$4 million went missing with him" in text
    assert "Monitor, Vol. 4, Issue 142" in text
    assert "Numbers — not in them: US$5 million (they give US$4 million" in text
    assert "This shows what the passages say, not whether the claim holds." in text
    assert "true" not in text.lower()
    labels = [b["text"] for b in answer.buttons]
    assert "👍" in labels and any(label.startswith("Full brief") for label in labels)
    assert not any(d.startswith("more:") for d in answer.callback_data)


async def test_check_reports_names_and_numbers_found(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [answer] = await fake_telegram.wait_answers(
            alice.send("/check Bazhenov fled with US$4 million in December 1997")
        )
    text = answer.plain_text or ""
    assert "Numbers — in the passages: US$4 million." in text
    assert "Dates — in the passages: December 1997." in text
    assert "Names — in the passages: Bazhenov." in text
    assert "true" not in text.lower()


async def test_check_with_nothing_bearing_on_the_claim(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [none] = await fake_telegram.wait_answers(alice.send("/check Aliens landed near Tengiz"))
        [usage] = await fake_telegram.wait_answers(alice.send("/check"))
    assert none.plain_text == "Nothing in the archive bears on this."
    assert none.reply_markup is None
    assert usage.plain_text == (
        "Usage: /check CLAIM, e.g. /check The IMF cut the first tranche to US$4.8 billion"
    )
