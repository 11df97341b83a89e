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


def test_analyze_spans_gives_the_same_tokens_for_a_text_seen_before() -> None:
    # The last texts' tokens are kept (a quoted passage comes back question after question):
    # a kept answer is equal to a fresh one and cannot be changed through a returned list.
    texts = [
        f"Gazprom's pipeline {n} cost US$ {n},000 — said Wałęsa (Interfax, May {n})."
        for n in range(40)
    ]
    first = [analyze_spans(t) for t in texts]
    first[0].clear()
    again = [analyze_spans(t) for t in texts]
    assert again[0] and again[1:] == first[1:]
    assert [[t for t, _, _ in spans] for spans in again] == [analyze(t) for t in texts]
    assert all(t[s:e] for t, spans in zip(texts, again, strict=True) for _, s, e in spans)
