"""The analyzer: one pipeline for passages and questions."""

from __future__ import annotations

import pytest

from retrieval.text.analyzer import analyze, analyze_spans


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Kazakhstan’s “Law on Corruption”", 'Kazakhstan\'s "law on corruption"'),
        ("anti–corruption drive—renewed", "anti-corruption drive - renewed"),
        ("US$4 million", "$4 million"),
        ("4 million dollars", "US$4 million"),
        ("1,000 officials", "1000 officials"),
        ("ＫＮＢ", "KNB"),
    ],
)
def test_equivalent_spellings_give_the_same_tokens(a: str, b: str) -> None:
    assert sorted(analyze(a)) == sorted(analyze(b))


def test_stopwords_dropped_numbers_kept_words_stemmed() -> None:
    assert analyze("The council is reviewing 300 cases of corruption") == [
        "council",
        "review",
        "300",
        "case",
        "corrupt",
    ]


def test_question_of_stopwords_only_has_no_tokens() -> None:
    assert analyze("What is it? Was it?!") == []


def test_spans_point_at_the_original_words() -> None:
    text = "Nazarbaev’s KNB reviewed cases."
    assert [(t, text[s:e]) for t, s, e in analyze_spans(text)] == [
        (analyze("Nazarbaev")[0], "Nazarbaev’s"),
        ("knb", "KNB"),
        ("review", "reviewed"),
        ("case", "cases"),
    ]
