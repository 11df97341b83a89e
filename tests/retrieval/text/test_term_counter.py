"""``TermCounter`` (an index build's tokenizer) counts exactly ``analyze``'s tokens: on random
texts with every awkward piece (``US$`` after a digit or an underscore, numbers, apostrophes,
curly quotes, non-ASCII letters, NULs, chunks too long to pack), batch after batch."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np

from retrieval.text.analyzer import TermCounter, analyze

PIECES = [
    "Oil", "prices", "rose", "the", "Gazprom", "US$", "$", "4.5", "1,000", "El’tsin", "Wałęsa",
    "U.S.", "e.g.", "Gen.", "(Interfax, May 21)", "“Quote”", "Chechen", "Kazakh", "é", "ﬁne",
    "5US$", "_US$", "a_b", "US$5", "Putin's", "don't", "'s", "1998.", "x", "—", "\u00a0", "!",
    "...", "Nazarbayev", "Dollars", "abc123def", "Tadzhikistan", "\x00", "`quoted`", "YEAR",
    "internationalization-and-counterterrorism", "supercalifragilisticexpialidocious,,,",
    "İstanbul", "ß", "straße", "١٢٣", "x²", "Ⅻ", "naïve", "Zürich's",
]  # fmt: skip
GLUE = [" ", " ", " ", "", ". ", ".", "\n", ") ", ",", "'", "_", "-", "\t", "\u00a0", "\x00"]


def random_text(rng: random.Random, ascii_only: bool) -> str:
    """Return a random brief-like text, ASCII only (after the analyzer's folding) or not."""
    pieces = (
        [p for p in PIECES if p.isascii() or p in "El’tsin“Quote”—\u00a0"] if ascii_only else PIECES
    )
    n = rng.randint(0, 40)
    return "".join(map(str.__add__, rng.choices(pieces, k=n), rng.choices(GLUE, k=n)))


def counted(counter: TermCounter, texts: list[str]) -> list[Counter[str]]:
    """Return each text's token counts as ``counter`` counts them, checking the lengths."""
    counts = counter.count(texts)
    assert np.all(np.diff(counts.docs) >= 0)
    out: list[Counter[str]] = [Counter() for _ in texts]
    for doc, term, tf in zip(counts.docs, counts.terms, counts.tfs, strict=True):
        assert counter.terms[term] not in out[doc]
        out[doc][counter.terms[term]] = int(tf)
    for n, found in enumerate(out):
        assert sum(found.values()) == counts.lengths[n]
    return out


def test_counts_equal_analyze_batch_after_batch() -> None:
    rng = random.Random(5)
    counter = TermCounter()
    for batch in range(60):
        texts = [random_text(rng, ascii_only=batch % 3 != 0) for _ in range(rng.randint(1, 40))]
        assert counted(counter, texts) == [Counter(analyze(text)) for text in texts]


def test_new_terms_come_in_order_of_first_occurrence() -> None:
    rng = random.Random(6)
    counter = TermCounter()
    seen: dict[str, None] = {}
    for batch in range(30):
        texts = [random_text(rng, ascii_only=batch % 2 == 0) for _ in range(rng.randint(1, 20))]
        stream = [term for text in texts for term in analyze(text)]
        expected = [t for t in dict.fromkeys(stream) if t not in seen]
        counts = counter.count(texts)
        assert [counter.terms[n] for n in counts.new] == expected
        seen.update(dict.fromkeys(expected))
    assert sorted(counter.terms) == sorted(seen)


def test_empty_texts_and_empty_batches() -> None:
    counter = TermCounter()
    counts = counter.count(["", "the of and", ""])
    assert counts.lengths.tolist() == [0, 0, 0]
    assert len(counts.docs) == len(counts.new) == 0
    assert counted(counter, ["", "Oil Oil", ""]) == [Counter(), Counter({"oil": 2}), Counter()]
