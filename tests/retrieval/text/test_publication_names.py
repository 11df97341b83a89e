"""A publication named as where to read is found as the patterns alone find it (#11)."""

from __future__ import annotations

import random

import pytest

from retrieval.text.query import named_publication

NAMES = ["Prism", "Monitor", "Jamestown Monitor", "ſtar", "Kelvin", "Über", "New-Times", ""]
PIECES = [
    "the", "Prism", "prism", "PRISM", "Prisms", "monitor", "Monitor's", "Monitor’s", "piece",
    "report", "according to", "in", "not", "no", "what", "did", "say", "star", "Star", "ſtar",
    "\u212aelvin", "kelvin", "über", "ÜBER", "new-times", "New-Times", "jamestown", "oil", "?", ",",
]  # fmt: skip
MARK = "·"  # not ASCII, no word character, no case: it changes what is found in no way


@pytest.mark.parametrize("seed", range(8))
def test_named_publication_equals_every_pattern_tried(seed: int) -> None:
    # ASCII words are first tested for each ASCII name's lower case; with MARK after them they
    # are not ASCII, and every name's pattern is tried.
    rng = random.Random(seed)
    for _ in range(400):
        words = " ".join(rng.choice(PIECES) for _ in range(rng.randint(1, 9)))
        names = rng.sample(NAMES, rng.randint(1, len(NAMES)))
        got = named_publication(words, names)
        tried = named_publication(f"{words} {MARK}", names)
        if got is None or tried is None:
            assert got is tried, (words, names)
        else:
            assert tried[:2] == got[:2] and tried[2] == f"{got[2]} {MARK}".strip(), (words, names)


@pytest.mark.parametrize(
    ("words", "found"),
    [
        (
            "what's in the most recent issue of the prism?",
            ("Prism", "prism", "what's in the most recent issue of ?"),
        ),
        ("not the Monitor, the Prism analysis", ("Prism", "Prism", "not ,")),
    ],
)
def test_the_words_right_before_a_name_say_where_to_read_after_a_long_question(
    words: str, found: tuple[str, str, str]
) -> None:
    # Only the words right before the name are read; a long question reads them as a short one.
    padding = "what " * 700
    assert named_publication(words, NAMES) == found
    name, written, rest = found
    assert named_publication(padding + words, NAMES) == (name, written, f"{padding}{rest}")
