"""The terminal chat answers as the bot does: same commands, same ChatService, plain text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from click.testing import Result

from bot.chat import STARTED_AFRESH, ChatService, asks_for_more
from bot.gate import without_mention
from bot.help import COMMANDS
from bot.replies import AnswerReply, Notice
from bot.terminal import TELEGRAM_ONLY, respond
from retrieval.archive import Archive, numbers_not_given


def test_terminal_and_bot_quote_the_same_passages(bot_archive: Archive) -> None:
    reply = ChatService(bot_archive).answer("Caspian oil transit tariff")
    assert not isinstance(reply, Notice)
    text = respond(bot_archive, "Caspian oil transit tariff", {}) or ""
    for hit in reply.answer.hits:
        assert f"{hit.rank}. “" in text and hit.citation.render() in text
    assert respond(bot_archive, "/ask Caspian oil transit tariff", {}) == text
    # "@briefbot …", as a group writes to the bot: its name is taken out, as the bot does.
    assert respond(bot_archive, "@briefbot Caspian oil transit tariff", {}) == text
    assert respond(bot_archive, "Caspian oil transit tariff @BriefBot", {}) == text


def test_terminal_check_shows_the_mismatch(bot_archive: Archive) -> None:
    text = respond(bot_archive, "/check US$5 million vanished", {}) or ""
    assert "went missing with him" in text
    assert "Numbers — not in them: US$5 million (they give US$4 million" in text
    assert respond(bot_archive, "/check Aliens landed near Tengiz", {}) == (
        "Nothing in the archive bears on this."
    )
    assert (respond(bot_archive, "/check", {}) or "").startswith("Usage: /check CLAIM, e.g. ")


def test_terminal_more_pages_and_stops(bot_archive: Archive) -> None:
    state: dict[str, Any] = {}
    assert respond(bot_archive, "more", state) == "Ask a question first."
    first = respond(bot_archive, "oil pipeline", state) or ""
    assert first.startswith("1. ")
    assert respond(bot_archive, "more", state) == "No more passages match that question."


def test_more_after_new_pages_no_earlier_question(bot_archive: Archive) -> None:
    # "new" then "tell me more" paged the question asked before it.
    state: dict[str, Any] = {}
    assert (respond(bot_archive, "oil pipeline", state) or "").startswith("1. ")
    assert respond(bot_archive, "new", state) == STARTED_AFRESH
    assert respond(bot_archive, "tell me more", state) == "Ask a question first."


@pytest.mark.parametrize("typed", ["More", "tell me more", "more please", "go on", "what else?"])
def test_more_in_other_words_pages(bot_archive: Archive, typed: str) -> None:
    # "tell me more" said "Nothing to search for"; "what else?" was searched for "else".
    state: dict[str, Any] = {}
    assert (respond(bot_archive, "oil pipeline", state) or "").startswith("1. ")
    assert respond(bot_archive, typed, state) == "No more passages match that question."
    # A question that starts so is still a question.
    assert asks_for_more("more on gazprom?") is False


def test_terminal_help_lists_its_commands(bot_archive: Archive) -> None:
    text = respond(bot_archive, "/help", {}) or ""
    for command in COMMANDS:
        assert (f"/{command.name}" in text) is command.in_terminal
    assert "more (or tell me more, go on) — the next passages" in text
    assert respond(bot_archive, "/nope", {}) == "Unknown command /nope. /help lists the commands."
    assert respond(bot_archive, "/quit", {}) is None


def test_chat_command_runs_check(
    run_cli: Callable[..., Result], briefs_dir: Any, bot_archive: Archive
) -> None:
    result = run_cli("chat", input="/check US$5 million vanished\n/quit\n")
    assert result.exit_code == 0
    assert "(they give US$4 million" in result.stdout


def test_the_bots_name_is_taken_out_and_nothing_else_is_touched() -> None:
    assert without_mention("@BriefBot who fled?", "briefbot") == "who fled?"
    assert without_mention("who fled @briefbot", "briefbot") == "who fled"
    # A message that does not name the bot keeps its line breaks (a claim over two lines).
    assert without_mention("Nazarbaev won\nwith 90 percent", "briefbot") == (
        "Nazarbaev won\nwith 90 percent"
    )
    assert without_mention("mail @briefbotter", "briefbot") == "mail @briefbotter"


def test_a_telegram_only_command_says_where_it_works(bot_archive: Archive) -> None:
    # /digest, /stats … act on a Telegram chat: "Unknown command" read as if they did not exist.
    assert respond(bot_archive, "/digest 08:00", {}) == (
        "/digest works in the Telegram bot, not here; "
        "briefbot digest preview CHAT_ID shows a chat's next digest."
    )
    for command in ("/watch imf", "/watches", "/unwatch 1", "/allow 5", "/deny 5", "/stats"):
        reply = respond(bot_archive, command, {})
        assert reply is not None and "works in the Telegram bot, not here; " in reply
    assert "briefbot remove" in (respond(bot_archive, "/remove Monitor 4 142", {}) or "")
    # Every command the terminal does not offer has its line.
    assert set(TELEGRAM_ONLY) == {c.name for c in COMMANDS if not c.in_terminal}


def test_source_after_a_check_in_the_terminal_names_its_evidence(bot_archive: Archive) -> None:
    state: dict[str, Any] = {}
    checked = respond(bot_archive, "/check Bazhenov took US$4 million", state, now=0.0) or ""
    where = respond(bot_archive, "source?", state, now=1.0) or ""
    assert where.startswith("That answer quotes:")
    named = [
        line.split(". ", 1)[1].split(";")[0] for line in where.split("\n")[1:] if line[:1].isdigit()
    ]
    assert named and all(citation in checked for citation in named)


def test_the_figures_no_passage_gives_are_those_of_the_passages_shown(
    sample_archive: Archive,
) -> None:
    # The chat asks one passage more than it shows, to know of more: the caveat weighed that
    # passage too, so a figure only it gave went unsaid ("30 billion rubles" of a fourth
    # passage), and its figures were offered as what "they give".
    service = ChatService(sample_archive, top=3)
    for question in (
        "did The Russia Gazprom reach 30 billion rubles?",
        "did Nearly Ukraine Russia reach 80 percent?",
        "did US$5 million vanish when the mining chief fled?",
    ):
        reply = service.answer(question)
        assert isinstance(reply, AnswerReply) and reply.has_more
        shown = reply.answer.hits
        assert len(shown) == 3
        expected = numbers_not_given(question, shown, sample_archive.aliases)
        assert reply.answer.numbers_missing == expected, question
    assert service.answer("did The Russia Gazprom reach 30 billion rubles?").answer.caveat


def _named(where: str) -> list[str]:
    """Return the citations a "source?" reply names, with their numbers."""
    return [line.split(";")[0] for line in where.split("\n")[1:] if line[:1].isdigit()]


def test_source_after_more_names_the_page_shown(sample_archive: Archive) -> None:
    # After "more", "source?" named the first page's passages, numbered 1-3, not those just
    # shown (4-6).
    state: dict[str, Any] = {}
    respond(sample_archive, "imf loan", state, now=0.0)
    page = respond(sample_archive, "more", state, now=1.0) or ""
    where = respond(sample_archive, "source?", state, now=2.0) or ""
    named = _named(where)
    assert [line.split(". ", 1)[0] for line in named] == ["4", "5", "6"]
    assert all(line.split(". ", 1)[1] in page for line in named)


def test_source_after_a_long_claim_names_each_sentences_evidence(sample_archive: Archive) -> None:
    # A claim checked sentence by sentence: "source?" checked it whole, which nothing bears
    # on, and answered only how answers are cited.
    claim = (
        "Aliev won 76.1 percent in October 1998. Maskhadov survived a car bomb in Grozny on July "
        "23, 1998. The Baku-Supsa pipeline is 830 km long and opened on April 17, 1999. "
        "Kazhegeldin resigned on October 10, 1997, citing ill health."
    )
    state: dict[str, Any] = {}
    checked = respond(sample_archive, f"/check {claim}", state, now=0.0) or ""
    where = respond(sample_archive, "source?", state, now=1.0) or ""
    named = [line.split(". ", 1)[1] for line in _named(where)]
    assert len(named) == 4 and all(citation in checked for citation in named)


def test_check_compares_a_date_typed_in_digits(sample_archive: Archive) -> None:
    # "12.06.1999" got no "Dates" line at all; "june 12, 1999" did.
    text = respond(sample_archive, "/check the imf approved the loan on 12.06.1999", {}) or ""
    assert "Dates — not in them: June 12, 1999 (they give July 28, 1999)." in text
    text = respond(sample_archive, "/check the imf approved the loan on 28.07.1999", {}) or ""
    assert "Dates — in the passages: July 28, 1999." in text


@pytest.mark.parametrize(
    "asked", ["who wrote it?", "link?", "when was it published?", "full text please"]
)
def test_asking_about_the_answer_itself_names_its_briefs_author_and_link(
    sample_archive: Archive, asked: str
) -> None:
    # "who wrote it?" quoted "fiscal policy is now written in Washington"; "full text please"
    # three passages holding "full"; "link?" the citations without the brief's address.
    state: dict[str, Any] = {}
    respond(sample_archive, "imf approves 4.5 billion", state, now=0.0)
    text = respond(sample_archive, asked, state, now=1.0) or ""
    first = text.splitlines()[1]
    assert text.startswith("That answer quotes:")
    assert first.startswith("1. Monitor, Vol. 5, Issue 146") and "; by JB; https://" in first
    assert text.endswith("/brief Monitor 5 146 shows the first whole.")


def test_brief_takes_a_citation_pasted_whole(sample_archive: Archive) -> None:
    # Copied from an answer with its date and title: "No publication 'Monitor, Vol. 4, Issue
    # 142, July' in the archive".
    pasted = "Monitor, Vol. 4, Issue 142, July 23, 1998 — “Kazakh security chief puts numbers”"
    text = respond(sample_archive, f"/brief {pasted}", {}) or ""
    assert text.startswith("Monitor, Vol. 4, Issue 142")
    # With the dash an answer writes before it: "No publication '— Monitor' in the archive".
    text = respond(sample_archive, f"/brief — {pasted}", {}) or ""
    assert text.startswith("Monitor, Vol. 4, Issue 142")


def test_brief_with_an_issue_out_of_range_says_the_range(bot_archive: Archive) -> None:
    # It gave the usage line, where the command line and every other interface name the range.
    assert respond(bot_archive, "/brief Monitor 4 99999999999", {}) == (
        "Issue 99999999999 is out of range; use a whole number from 0 to 2,147,483,647."
    )
    assert (respond(bot_archive, "/brief Monitor four", {}) or "").startswith("Usage: /brief")
