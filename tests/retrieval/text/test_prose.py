"""Paragraphs and shortened lines: the one rule every reader of briefs and feeds uses."""

from __future__ import annotations

import pytest

from retrieval.text.prose import drop_invisible, runs, shorten, split_paragraphs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One line.\nTwo  lines.", ["One line.", "Two lines."]),
        ("Wrapped\nlines.\n\nNext\tone.", ["Wrapped lines.", "Next one."]),
        ("Spaces\n   \nseparate too.", ["Spaces", "separate too."]),
        ("Trailing\nblank\n\n\n", ["Trailing", "blank"]),
        ("\nUnder a blank line\nlines are wrapped.", ["Under a blank line lines are wrapped."]),
        ("Windows\r\n\r\nlines.", ["Windows", "lines."]),
        ("", []),
    ],
)
def test_paragraphs_are_blocks_at_blank_lines_or_single_lines(
    text: str, expected: list[str]
) -> None:
    assert split_paragraphs(text) == expected


def test_a_jsonl_brief_is_cut_into_paragraphs_like_a_text_brief() -> None:
    from retrieval.corpus.ingest import jsonl_brief

    brief = jsonl_brief(
        {"publication": "Monitor", "volume": 4, "issue": 7, "text": "First.\n \nSecond.\n\n"},
        source="x.jsonl",
        line=1,
    )
    assert brief.text == "First.\n\nSecond."


def test_shorten_cuts_at_a_word_and_marks_the_cut() -> None:
    assert shorten("one  two\nthree", 20) == "one two three"
    assert shorten("one two, three four", 12) == "one two…"
    assert shorten("x" * 30, 10) == "x" * 9 + "…"


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [
        ([], []),
        ([7], [(7, 7)]),
        ([1, 2, 3, 7], [(1, 3), (7, 7)]),
        ([4, 5, 6, 9, 12, 13, 14], [(4, 6), (9, 9), (12, 14)]),
        ([0, 2, 4], [(0, 0), (2, 2), (4, 4)]),
    ],
)
def test_runs_gather_consecutive_numbers(
    numbers: list[int], expected: list[tuple[int, int]]
) -> None:
    # Both the decoding notice's "lines 4-6, 9" and /sources' "issues 1–3, 7" are written from it.
    assert runs(numbers) == expected


@pytest.mark.parametrize(
    ("text", "escaped", "expected"),
    [
        ("Kaza\u00adkhstan Ten\u200bgiz out\u2060put", False, "Kazakhstan Tengiz output"),
        ('"Kaza\\u00ADkhstan"', False, '"Kaza\\u00ADkhstan"'),  # escapes only in JSON
        ('"Kaza\\u00ADkhstan Ten\\u200bgiz"', True, '"Kazakhstan Tengiz"'),
        ('"a \\\\u2060 b"', True, '"a \\\\u2060 b"'),  # an escaped backslash, then text
    ],
)
def test_invisible_characters_are_dropped_and_in_json_their_escapes(
    text: str, escaped: bool, expected: str
) -> None:
    assert drop_invisible(text, escaped=escaped) == expected


def test_text_without_invisible_characters_is_returned_itself() -> None:
    # Ingest keeps a UTF-8 file's bytes as its text's only when nothing was dropped from it.
    text = '{"text": "plain \\u00e9"}'
    assert drop_invisible(text, escaped=True) is text
