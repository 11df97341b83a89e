"""Inline mode: ``@botname question`` in any chat offers passages; each inserts quote + citation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fake_telegram import FakeTelegram, parse_html

Start = Callable[..., Any]


async def test_inline_query_offers_quotes_with_citations(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        update = alice.inline("Caspian oil transit tariff")
        answer = await fake_telegram.wait_for(lambda: fake_telegram.inline_answer_for(update))
    assert answer.results
    first = answer.results[0]
    assert first["type"] == "article"
    assert first["title"] == "Prism, Vol. 3, Issue 12"
    assert "transit tariff" in first["description"]
    content = first["input_message_content"]
    assert content["parse_mode"] == "HTML"
    text, _ = parse_html(content["message_text"])
    assert "Transneft insists on more." in text
    assert "— Prism, Vol. 3, Issue 12, June 13, 1997 — “Caspian pipeline talks stall”" in text
    assert len({r["id"] for r in answer.results}) == len(answer.results)
    assert answer.params.get("is_personal") in (True, "true")


async def test_inline_query_empty_or_unmatched(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        empty = alice.inline("")
        nothing = alice.inline("zebra unicorn")
        empty_answer = await fake_telegram.wait_for(lambda: fake_telegram.inline_answer_for(empty))
        none_answer = await fake_telegram.wait_for(lambda: fake_telegram.inline_answer_for(nothing))
    assert empty_answer.results == [] and empty_answer.button["text"] == "Type a question"
    assert none_answer.results == []
    assert none_answer.button["text"] == "Nothing in the archive matches that question."


async def test_inline_answers_html_hostile_text_escaped(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        update = alice.inline("sugar duties Brest")
        answer = await fake_telegram.wait_for(lambda: fake_telegram.inline_answer_for(update))
    text, _ = parse_html(answer.results[0]["input_message_content"]["message_text"])
    assert "<b>imported</b> sugar rose by >20% & more" in text


async def test_inline_query_with_a_bad_filter_says_so_briefly(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        update = alice.inline("border since:July")
        answer = await fake_telegram.wait_for(lambda: fake_telegram.inline_answer_for(update))
    text = answer.button["text"]
    assert answer.results == []
    assert text.startswith("Since date 'July' is not a date") and text.endswith("…")
    assert len(text) <= 64


async def test_inline_query_naming_the_bot_again_is_read_without_the_name(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    # "@bot @bot question" (the name typed twice): the name was searched, and the button said
    # "No brief mentions “briefbot”, “test” or “bot”…".
    shown: list[tuple[list[dict[str, Any]], Any]] = []
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        for query in (
            "@briefbot_test_bot Caspian oil transit tariff",
            "Caspian oil transit tariff",
        ):
            update = alice.inline(query)
            got = await fake_telegram.wait_for(lambda u=update: fake_telegram.inline_answer_for(u))
            # Result ids name the logged question, one per query.
            shown.append(([{**r, "id": None} for r in got.results], got.params.get("button")))
    named, plain = shown
    assert named == plain and plain[0]
