"""Sentence splitting for quotes and long-paragraph passages."""

from __future__ import annotations

from retrieval.text.sentences import split_sentences


def _split(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_abbreviations_and_initials_do_not_end_sentences() -> None:
    text = "Gen. Lebed met U.S. envoys on Jan. 5 with Nursultan A. Nazarbaev. They talked."
    assert _split(text) == [
        "Gen. Lebed met U.S. envoys on Jan. 5 with Nursultan A. Nazarbaev.",
        "They talked.",
    ]


def test_inline_citation_stays_with_its_sentence() -> None:
    text = (
        "US$4 million vanished in 1997. (Itar-Tass, May 21) "
        "Bribery is rife. (Panorama [Almaty], July 17)"
    )
    assert _split(text) == [
        "US$4 million vanished in 1997. (Itar-Tass, May 21)",
        "Bribery is rife. (Panorama [Almaty], July 17)",
    ]


def test_lowercase_after_full_stop_is_not_a_boundary() -> None:
    assert _split("Output fell 4.5 percent. it was said. Then rose.") == [
        "Output fell 4.5 percent. it was said.",
        "Then rose.",
    ]


def test_boundaries_are_those_of_the_run_start_written_as_a_lookbehind() -> None:
    # The boundary regex opens with the mark itself (so the engine skims for marks); it must find
    # what the pattern opening with "no mark before" found, runs of marks and quotes included.
    import random
    import re

    from retrieval.text.sentences import _BOUNDARY_RE

    before = re.compile(r"(?<![.!?])[.!?]++[\"'\u201d\u2019)\]]*+\s+")
    pieces = ["a", "A", "U.S.", ".", "..", "!", "?", "?!", " ", "\n", '"', "'", ")", "]", "\u201d"]
    rng = random.Random(17)
    for _ in range(20_000):
        text = "".join(rng.choices(pieces, k=rng.randint(0, 40)))
        found = [m.span() for m in _BOUNDARY_RE.finditer(text)]
        assert found == [m.span() for m in before.finditer(text)], text
