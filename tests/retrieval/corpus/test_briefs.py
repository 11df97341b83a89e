"""Parsing briefs in the publishers' format: headers, titles, footers, sign-offs, passages."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.corpus.briefs import MAX_PASSAGE_WORDS, FooterRules, parse_briefs
from retrieval.errors import BriefFormatError


def test_header_fields_title_and_date_are_read(briefs_dir: Path) -> None:
    [brief] = parse_briefs((briefs_dir / "monitor-4-142.txt").read_text(), source="m.txt")
    assert (brief.publication, brief.volume, brief.issue) == ("Monitor", 4, 142)
    assert brief.date == "1998-07-20"
    assert brief.title == "Kazakh security chief counts the cost of corruption"


def test_footer_never_becomes_a_passage(briefs_dir: Path) -> None:
    [brief] = parse_briefs((briefs_dir / "monitor-4-142.txt").read_text())
    assert len(brief.passages) == 3
    for passage in brief.passages:
        assert "publication of" not in passage.text
        assert "Copyright" not in passage.text
    assert "subscribing" not in brief.text


def test_signoff_is_kept_as_author_not_text(briefs_dir: Path) -> None:
    [brief] = parse_briefs((briefs_dir / "monitor-4-142.txt").read_text())
    assert brief.author == "SC"
    assert brief.passages[-1].text.endswith("better jobs.")


def test_file_with_several_briefs_and_fields_in_any_order(briefs_dir: Path) -> None:
    first, second = parse_briefs((briefs_dir / "prism-two-briefs.txt").read_text())
    assert (first.publication, first.volume, first.issue, first.author) == (
        "Prism",
        3,
        12,
        "Ivan Petrov",
    )
    assert (second.volume, second.issue, second.author) == (3, 12, "VS")
    assert second.title == "Georgian border guards take over the coast"
    assert first.key != second.key


def test_plain_title_line_and_date_on_its_own_line(briefs_dir: Path) -> None:
    [brief] = parse_briefs((briefs_dir / "nested" / "fortnight-2-5.txt").read_text())
    assert brief.title == "Belarus signs union treaty with Russia"
    assert brief.date == "1996-03-08"
    assert brief.passages[0].text.startswith("Alyaksandr Lukashenka")


def test_passages_keep_offsets_into_the_brief(briefs_dir: Path) -> None:
    for path in briefs_dir.rglob("*.txt"):
        for brief in parse_briefs(path.read_text()):
            for n, passage in enumerate(brief.passages):
                assert passage.position == n
                assert brief.text[passage.start : passage.end] == passage.text


def test_long_paragraph_splits_at_sentence_boundaries() -> None:
    sentence = "The minister said the pipeline would carry forty million tonnes of crude a year. "
    paragraph = sentence * 40  # 40 sentences of 14 words: 560 words
    [brief] = parse_briefs(f"Publication: Monitor Volume: 1 Issue: 1\n\n{paragraph}\n")
    assert len(brief.passages) == 4
    for passage in brief.passages:
        assert passage.text.endswith("a year.")
        assert len(passage.text.split()) <= MAX_PASSAGE_WORDS + 14
        assert brief.text[passage.start : passage.end] == passage.text


@pytest.mark.parametrize(
    "paragraph",
    [
        " ".join(["word"] * 5_000),  # one line with no sentence end (a file of one huge line)
        ", ".join(f"region {n} gave {n * 7} votes" for n in range(600)),  # a list on one line
    ],
)
def test_a_paragraph_without_sentence_ends_is_cut_at_words(paragraph: str) -> None:
    # A line with no sentence end was one passage of 3,000-5,000 words, quoted whole: an
    # answer of 30 KB (eight Telegram messages for one hit; a 10 MB line gave 2,400).
    [brief] = parse_briefs(f"Publication: Monitor Volume: 1 Issue: 1\n\n{paragraph}\n")
    words = len(paragraph.split())
    assert len(brief.passages) == -(-words // MAX_PASSAGE_WORDS)
    assert sum(len(p.text.split()) for p in brief.passages) == words
    for passage in brief.passages:
        assert len(passage.text.split()) <= MAX_PASSAGE_WORDS
        assert brief.text[passage.start : passage.end] == passage.text


def test_footer_patterns_are_configurable() -> None:
    text = (
        "Publication: Bulletin Volume: 1 Issue: 2\n\n"
        "Real content here.\n\nBrought to you by ACME.\n"
    )
    [default] = parse_briefs(text)
    assert len(default.passages) == 2
    [custom] = parse_briefs(text, footer=FooterRules().with_extra([r"brought to you by"]))
    assert [p.text for p in custom.passages] == ["Real content here."]


def test_invalid_footer_pattern_names_the_pattern() -> None:
    with pytest.raises(BriefFormatError, match=r"footer pattern '\(unclosed' is not a valid"):
        FooterRules().with_extra(["(unclosed"])


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("Just some prose.\n", "no header line 'Publication: NAME Volume: N Issue: M'", 1),
        ("Publication: Monitor Volume: IV Issue: 2\n\nText.\n", "non-numeric volume 'IV'", 1),
        ("Publication: Monitor Volume: 4\n\nText.\n", "header line has no issue", 1),
        (
            "Publication: Monitor Volume: 4 Issue: 2 Date: July 1998\n\nText.\n",
            "not a day written YYYY-MM-DD",
            1,
        ),
        (
            "Publication: Monitor Volume: 4 Issue: 2 Date: 1998-13-45\n\nText.\n",
            "date '1998-13-45' that is not a day written YYYY-MM-DD",
            1,
        ),
        (
            "Publication: Monitor Volume: 4 Issue: 2\nDate: 1999-02-30\n\nText.\n",
            "date '1999-02-30' is not a day written YYYY-MM-DD",
            2,  # the Date: line itself
        ),
        ("Intro\n\nPublication: Monitor Volume: 4 Issue: 2\n\nText.\n", "text before the first", 1),
        (
            "Publication: Monitor Volume: 4 Issue: 2\n\nText.\n\n"
            "Publication: Monitor Volume: x Issue: 3\n",
            "non-numeric volume 'x'",
            5,
        ),
        (
            "Publication: Monitor Volume: 4 Issue: 2\n\nThe Monitor is a publication of X.\n",
            "no text besides its header",
            1,
        ),
    ],
)
def test_malformed_briefs_are_refused_with_line(text: str, message: str, line: int) -> None:
    with pytest.raises(BriefFormatError) as info:
        parse_briefs(text, source="bad.txt")
    assert message in str(info.value)
    assert info.value.line == line
    assert str(info.value).startswith(f"bad.txt, line {line}: ")
