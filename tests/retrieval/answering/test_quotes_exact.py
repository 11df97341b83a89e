"""Quotes read each sentence's terms from the passage's tokens: the same terms as analysing the
sentence on its own, on random texts with every awkward edge (citations, ``US$``, numbers at a
full stop, curly quotes, non-ASCII letters, no space after a bracket)."""

from __future__ import annotations

import random

import pytest

from retrieval.answering.answer import _sentence_terms, best_sentences, build_hit
from retrieval.text.analyzer import analyze, analyze_spans, token_offsets
from retrieval.text.sentences import split_sentences

PIECES = [
    "Oil", "prices", "rose", "the", "Gazprom", "US$", "$", "4.5", "1,000", "El’tsin", "Wałęsa",
    "U.S.", "Gen.", "Jan.", "(Interfax, May 21)", "(Itar-Tass)", "“Quote”", "Chechen", "é", "ﬁne",
    "5US$", "A.", "Putin's", "1998.", "x", "—", "\u00a0", "!", "?", "...", ".", ")", "(", "'",
]  # fmt: skip
GLUE = [" ", " ", " ", "", ". ", ".", "\n", ") ", "!", "? ", "\u00a0"]


def random_text(rng: random.Random) -> str:
    """Return a random brief-like text with sentence edges in every kind of place."""
    n = rng.randint(1, 40)
    return "".join(map(str.__add__, rng.choices(PIECES, k=n), rng.choices(GLUE, k=n)))


def test_sentence_terms_equal_analysing_each_sentence() -> None:
    rng = random.Random(11)
    for _ in range(3000):
        text = random_text(rng)
        spans = split_sentences(text)
        got = _sentence_terms(text, spans, token_offsets(text))
        assert got == [analyze(text[s:e]) for s, e in spans], text


def test_best_sentences_and_hit_same_with_tokens_given_or_not() -> None:
    rng = random.Random(12)
    for _ in range(500):
        text = random_text(rng)
        terms = analyze(text)
        weights = {t: rng.uniform(0.1, 3.0) for t in rng.sample(terms, min(len(terms), 4))}
        question = rng.choice(["When did oil rise?", "Who is Gen. Putin?", "How many?", ""])
        alone = best_sentences(text, weights, question=question)
        given = best_sentences(text, weights, question=question, tokens=analyze_spans(text))
        assert alone == given, text
        row = {
            "id": 1, "brief_id": 2, "text": text, "brief_doc_id": None, "brief_publication": "M",
            "brief_volume": 1, "brief_issue": 2, "brief_date": None, "brief_title": None,
        }  # fmt: skip
        hit = build_hit(1, 1.0, row, weights, question=question)
        assert hit.quote_spans == alone
        assert hit.term_spans == [(s, e) for t, s, e in analyze_spans(text) if t in weights]


def test_a_text_quoted_again_for_another_question_is_quoted_as_if_first_seen() -> None:
    # A quoted text's sentences and their terms are kept; what is chosen from them must still
    # follow each question's weights, as when the text is seen for the first time.
    from retrieval.answering import answer

    rng = random.Random(13)
    texts = [random_text(rng) for _ in range(60)]
    for _ in range(600):
        text = rng.choice(texts)
        terms = analyze(text)
        weights = {t: rng.uniform(0.1, 3.0) for t in rng.sample(terms, min(len(terms), 3))}
        question = rng.choice(["When did oil rise?", "Who is Gen. Putin?", "How many?", ""])
        kept = best_sentences(text, weights, question=question)
        answer._SENTENCES.clear()
        assert best_sentences(text, weights, question=question) == kept, text


def test_a_passage_quoted_again_stays_kept_while_others_come_and_go(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The kept analyses (``analyzer._TEXTS``) and sentences (``answer._SENTENCES``) make room by
    # letting the text asked for least recently go, not by being cleared whole: a passage that
    # comes back question after question stays analysed and split.
    from retrieval.answering import answer
    from retrieval.text import analyzer

    monkeypatch.setattr(analyzer, "_TEXTS_MAX", 6)
    monkeypatch.setattr(answer, "_SENTENCES_MAX", 6)
    analyzer._TEXTS.clear()
    answer._SENTENCES.clear()
    often = "Gazprom raised prices. Ukraine paid late."
    for n in range(30):
        best_sentences(f"Oil rose {n} percent. Gas fell.", {"oil": 1.0})
        # Read for feedback, then quoted, as each question that shows it does.
        assert analyze(often) == ["gazprom", "rais", "price", "ukrain", "paid", "late"]
        # Both sentences: a short one is quoted with the next (``SHORT_SENTENCE_WORDS``).
        assert best_sentences(often, {"gazprom": 1.0}) == [(0, len(often))]
        for kept in (analyzer._TEXTS, answer._SENTENCES):
            # The passage and the five texts seen last: no more, none fewer.
            assert often in kept and len(kept) == min(n + 2, 6)
            assert f"Oil rose {max(n - 4, 0)} percent. Gas fell." in kept
            assert f"Oil rose {n - 5} percent. Gas fell." not in kept
