"""The analyzer: one pipeline for passages and questions."""

from __future__ import annotations

import random

import pytest

from retrieval.text.analyzer import analyze, analyze_spans, word_terms


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


def test_words_first_seen_together_get_the_terms_each_gets_alone() -> None:
    # A text's words not seen before are stemmed in one call; each must get the term the
    # word-by-word path (``_term_of``, the one non-ASCII tokens take) gives it.
    from retrieval.text import analyzer

    words = (
        "Nazarbayev Yeltsin El'tsin Dzhokhar Sergey Dmitriy Chechen Kazakh's dollars US$ $5 "
        "1,000 4.5 the reviewing corruption O'Neill's Iurii Tadzhikistan MCMXCVIII it's"
    ).split()
    analyzer._TERMS.clear()
    analyzer._TEXTS.clear()
    together = analyze(" ".join(words))
    analyzer._TERMS.clear()
    alone = [analyzer._term_of(raw) for word in words for raw in analyzer._FLAT_RE.findall(word)]
    assert together == [t for t in alone if t is not None]


@pytest.mark.parametrize("spans_first", [True, False])
def test_tokens_are_the_same_whichever_of_analyze_and_analyze_spans_comes_first(
    spans_first: bool,
) -> None:
    texts = ["Kazakhstan’s Nazarbaev met `Yeltsin` in 1997.", "Plain ASCII text, `quoted`."]
    for text in texts:
        if spans_first:
            spans, tokens = analyze_spans(text), analyze(text)
        else:
            tokens, spans = analyze(text), analyze_spans(text)
        assert [t for t, _, _ in spans] == tokens
        assert [analyze(text[s:e]) for _, s, e in spans] == [[t] for t in tokens]


def test_word_terms_are_the_terms_analyze_gives() -> None:
    rng = random.Random(5)
    words = ["dollars", "the", "yields", "dzhokhar", "iakutsk", "mikhailovskii", "chechens"]
    words += ["dollar", "and", "daghestan", "lukashenka", "nazarbayev", "sergey", "azeri"]
    words += ["".join(rng.choices("abcdeilnorstuyz", k=rng.randint(1, 12))) for _ in range(3000)]
    assert word_terms(words) == [(analyze(w) or [None])[0] for w in words]


def test_ascii_texts_are_cut_into_the_tokens_and_offsets_of_the_general_pattern() -> None:
    # ASCII texts take their own regex (words tried first, no IGNORECASE) and are cut with
    # ``split``; both must find exactly the tokens, offsets and terms the general pattern finds.
    import re

    from retrieval.text import analyzer

    general = re.compile(analyzer._FLAT_RE.pattern, re.IGNORECASE | re.ASCII)
    pieces = [
        "US$", "us$", "Us$5", "aUS$", "_US$", "9US$", "$", "$5", "$.5", "US", "usa", "USSR",
        "1,000", "4.5", "1.2.3", "7,", ".9", "O'Neill's", "it's", "'quoted'", "rock'n'roll",
        "x_y", "__", "Nazarbayev", "the", "Dollars", "a", "I", "e-mail", "(Vol.", "4)", "--",
        " ", "  ", "\n", "\t", ",", ".", ";", "'", '"', "-", "?", "!",
    ]  # fmt: skip
    rng = random.Random(11)
    for n in range(4000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        assert analyzer._ASCII_RE.findall(text) == general.findall(text), text
        expected = [
            (term, m.start(), m.end())
            for m in general.finditer(text)
            if (term := analyzer._term_of(m.group())) is not None
        ]
        analyzer._TEXTS.clear()  # each analysed afresh, not from the other's kept tokens
        assert analyze(text) == [term for term, _, _ in expected], text
        analyzer._TEXTS.clear()
        assert analyze_spans(text) == expected, text
        if n % 100 == 0:
            analyzer._TERMS.clear()  # words learned in a batch, as well as known ones


def test_fold_name_is_every_rule_applied_in_turn() -> None:
    # Each rule is tried only when a cheap string test says it can match: the stem must come
    # out as every rule's substitution applied in turn makes it (stems of a name's length that
    # are not Roman numerals).
    from retrieval.text import analyzer

    rng = random.Random(7)
    stems = ["".join(rng.choices("aeiouydzhjkmnrsx", k=rng.randint(5, 12))) for _ in range(20000)]
    stems += ["ia" + s for s in stems[:2000]] + ["ye" + s for s in stems[:2000]]
    stems += [s + "iy" for s in stems[:2000]] + [s + "ii" for s in stems[:2000]]
    for stem in stems:
        expected = stem
        if not analyzer._ROMAN_RE.fullmatch(stem):
            for pattern, repl, _ in analyzer._FOLDS:
                expected = pattern.sub(repl, expected)
        assert analyzer.fold_name(stem) == expected, stem


def test_a_full_cache_of_raw_tokens_gives_the_same_terms() -> None:
    # Words learned when the cache of raw tokens is full (it is cleared to make room, the
    # text's other tokens then no longer in it) get the terms they get with room to spare.
    from retrieval.text import analyzer

    text = "The Oil ministers of Kazakhstan met oil officials; US$ 5 dollars, the OIL price."
    analyzer._TEXTS.clear()
    expected = analyze_spans(text)
    limit = analyzer._TERMS_MAX
    try:
        for size in (1, 3, 8):
            analyzer.keep_terms(size)
            analyzer._TERMS.clear()
            analyzer._TEXTS.clear()
            analyze("ministers oil price")  # some of the text's tokens kept, the cache near full
            analyzer._TEXTS.clear()
            assert analyze_spans(text) == expected
            analyzer._TEXTS.clear()
            assert analyze(text) == [term for term, _, _ in expected]
    finally:
        analyzer.keep_terms(limit)
        analyzer._TERMS.clear()
        analyzer._TEXTS.clear()
