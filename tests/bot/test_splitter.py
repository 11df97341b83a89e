"""Telegram's 4,096-character limit: HTML cut into well-formed messages that each fit, at good
places, counted in UTF-16 code units as Telegram counts."""

from __future__ import annotations

import pytest
from fake_telegram import parse_html

from bot.render import render_html
from bot.replies import Notice
from bot.splitter import split_html

TELEGRAM_LIMIT = 4096
"""Bot API, sendMessage: "Text of the message to be sent, 1-4096 characters after entities
parsing"."""


def visible(chunk: str) -> str:
    return parse_html(chunk)[0]


def words(n: int) -> str:
    """Return ``n`` characters of ten-letter words separated by spaces."""
    return (("a" * 9 + " ") * (n // 10 + 1))[:n].strip().ljust(n, "a")


@pytest.mark.parametrize(
    "text",
    [words(TELEGRAM_LIMIT), "x" * TELEGRAM_LIMIT, "👍" * (TELEGRAM_LIMIT // 2)],
    ids=["words", "one-word", "utf16-pairs"],
)
def test_a_message_of_exactly_4096_characters_is_sent_whole(text: str) -> None:
    assert split_html(text) == [text]
    assert render_html(Notice(text)) == [text]


@pytest.mark.parametrize(
    "text",
    [words(TELEGRAM_LIMIT + 1), "x" * (TELEGRAM_LIMIT + 1), "👍" * (TELEGRAM_LIMIT // 2) + "x"],
    ids=["words", "one-word", "utf16-pairs"],
)
def test_a_message_of_4097_characters_is_split_in_two(text: str) -> None:
    chunks = split_html(text)
    assert len(chunks) == 2
    assert all(len(c.encode("utf-16-le")) // 2 <= TELEGRAM_LIMIT for c in chunks)
    assert "".join(chunks).replace(" ", "") == text.replace(" ", "")


@pytest.mark.parametrize("limit", [60, 200, 1000, 4096])
def test_split_html_keeps_tags_words_and_limit(limit: int) -> None:
    paragraph = (
        "The <b>board approved the <u>tranche</u> &amp; cut it</b> by US$800 million. "
        "<i>Markets were unimpressed &lt;again&gt;.</i> Yields stayed above 50 percent."
    )
    html = "\n\n".join(f"{n}. {paragraph}" for n in range(60))
    chunks = split_html(html, limit)
    assert len(chunks) > 1
    for chunk in chunks:
        assert len(chunk.encode("utf-16-le")) // 2 <= limit
        parse_html(chunk)  # well-formed: the fake raises on bad HTML like Telegram does
        assert chunk.strip()
    assert " ".join(visible(c) for c in chunks).split() == visible(html).split()


def test_split_html_prefers_paragraph_breaks() -> None:
    first, second = "a" * 10 + " " + "b " * 1500, "c " * 1500
    chunks = split_html(f"<b>{first}</b>\n\n{second}", 4096)
    assert [visible(c).split()[-1] for c in chunks] == ["b", "c"]


def test_split_html_counts_utf16_like_telegram() -> None:
    chunks = split_html("👍 " * 1500, 4096)
    assert all(len(c.encode("utf-16-le")) // 2 <= 4096 for c in chunks)
    assert len(chunks) == 2


def test_split_html_cuts_a_giant_word_as_a_last_resort() -> None:
    chunks = split_html("<b>" + "x" * 150 + "</b>", 60)
    assert all(len(c) <= 60 for c in chunks)
    assert "".join(visible(c) for c in chunks) == "x" * 150
    assert all(c.startswith("<b>") and c.endswith("</b>") for c in chunks)


def test_split_html_never_returns_empty_messages() -> None:
    assert split_html("") == []
    assert split_html("<b> </b>\n\n") == []
