"""Dates and amounts typed short ("aug 98", "in 98?", "'98", "4.5bn", "$4m") are searched as the
briefs write them."""

from __future__ import annotations

import pytest

from retrieval.archive import Archive
from retrieval.text.query import MonthOfYear, month_of_year, spell_amounts, spell_dates


@pytest.mark.parametrize(
    ("typed", "searched"),
    [
        ("what did the imf cut in july 98?", "what did the imf cut in july 1998?"),
        ("in aug 98 the ruble fell", "in August 1998 the ruble fell"),
        ("oct. 97 vote", "October 1997 vote"),
        ("Sept. 1998", "September 1998"),
        ("who was elected president in 98?", "who was elected president in 1998?"),
        ("the '98 election", "the 1998 election"),
        ("since 05, the", "since 2005, the"),
        # Dictation writes a year in words.
        ("the january nineteen ninety nine election", "the january 1999 election"),
        ("Nineteen-eighty", "1980"),
        ("in nineteen ninety", "in 1990"),
    ],
)
def test_short_dates_are_spelled_out(typed: str, searched: str) -> None:
    assert spell_dates(typed) == searched


@pytest.mark.parametrize(
    "typed",
    [
        "jan 13",  # a day, not 2013
        "march 5",
        "dec 31 99",
        "in 20 regions",  # a count
        "cut by 98 percent",
        "in 98% of cases",
        "in 80,000 schools",
        "in 1998",
        "the president's 98 speech",
        "nineteen soldiers",
    ],
)
def test_numbers_that_may_not_be_years_are_left(typed: str) -> None:
    assert spell_dates(typed) == typed.replace("jan", "January").replace("dec", "December")


def test_a_short_date_earns_the_briefs_of_that_date(sample_archive: Archive) -> None:
    short = sample_archive.ask("what did nazarbaev tell the police chiefs in jan 98?", top=1)
    full = sample_archive.ask("what did nazarbaev tell the police chiefs in january 1998?", top=1)
    assert short.hits[0].brief_id == full.hits[0].brief_id
    assert short.hits[0].citation.date == "1998-01-14"
    assert "januari" in short.terms and "1998" in short.terms


@pytest.mark.parametrize(
    ("typed", "searched"),
    [
        ("the 4.5bn credit", "the 4.5 billion credit"),
        ("4.5 bln", "4.5 billion"),
        ("1,200mn rubles", "1,200 million rubles"),
        ("4 mln", "4 million"),
        ("did $4m vanish", "did $4 million vanish"),
        ("US$2b loan", "US$2 billion loan"),
        ("80k miners", "80000 miners"),
        ("2.5k", "2500"),
        ("did nazarbaev win with 90%?", "did nazarbaev win with 90 percent?"),
        ("a 79.8 % share", "a 79.8 percent share"),
    ],
)
def test_short_amounts_are_spelled_out(typed: str, searched: str) -> None:
    assert spell_amounts(typed) == searched


@pytest.mark.parametrize("typed", ["a 830m bridge", "Mk2", "k9 units", "4m tall", "v1.5k"])
def test_what_may_not_be_an_amount_is_left(typed: str) -> None:
    assert spell_amounts(typed) == typed


def test_a_short_amount_finds_the_brief_that_writes_it_out(sample_archive: Archive) -> None:
    short = sample_archive.ask("when did the fund sign off on the 4.5bn credit for moscow?")
    assert "US$4.5 billion" in short.hits[0].text
    assert short.unmatched == []


def test_a_share_typed_with_a_percent_sign_finds_the_briefs_percent(
    sample_archive: Archive,
) -> None:
    # "90%" searched no "percent": the first passage was Nazarbaev's thanks, with no figure.
    answer = sample_archive.ask("did nazarbaev win with 90%?")
    assert "79.8 percent" in answer.hits[0].quote
    assert answer.numbers_missing == [("90%", ["86.3 percent", "79.8 percent", "11.7 percent"])]


def test_a_month_of_a_year_is_read_as_briefs_tell_of_it() -> None:
    when = month_of_year("who won the dec 99 duma election")
    assert when is not None and (when.written, when.year, when.month) == ("December 1999", 1999, 12)
    assert month_of_year("on May 15, 1999 the vote") == MonthOfYear("May 1999", 1999, 5)
    assert month_of_year("the 1999 budget") is None
    july = MonthOfYear("July 1998", 1998, 7)
    # Dated in the month or the next (a brief tells of the weeks before it), or in its year
    # when the brief names the month.
    assert july.dates("1998-07-24") and july.dates("1998-08-30")
    assert not july.dates("1998-09-01") and not july.dates("1998-06-30")
    assert july.dates("1998-12-01", month_written=True)
    assert not july.dates("1998-06-01", month_written=True)  # before it: only what was expected
    assert not july.dates("1999-07-01", month_written=True)
    assert not july.dates(None) and not july.dates("")
