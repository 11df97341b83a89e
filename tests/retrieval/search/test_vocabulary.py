"""The vocabulary as arrays: the same numbers as the dict it replaces, whatever the terms."""

from __future__ import annotations

import random
import zlib

import numpy as np
import pytest

from retrieval.search import vocabulary as vocabulary_module
from retrieval.search.vocabulary import Vocabulary, numbered


def random_terms(seed: int, count: int) -> list[str]:
    """Return ``count`` distinct terms: ASCII, accented, Cyrillic, digits, a lone surrogate."""
    rng = random.Random(seed)
    alphabet = "abcdefghijklmnopqrstuvwxyzéüßжшщ0123456789" + "\udc80"
    terms: dict[str, None] = {}
    while len(terms) < count:
        terms["".join(rng.choices(alphabet, k=rng.randint(1, 12)))] = None
    return list(terms)


@pytest.mark.parametrize("seed", range(3))
def test_numbers_equal_the_dicts(seed: int) -> None:
    terms = random_terms(seed, 3000)
    held, absent = terms[:2500], terms[2500:]
    vocab = Vocabulary.from_terms(held)
    assert len(vocab) == len(held)
    assert list(vocab) == held
    for number, term in enumerate(held):
        assert vocab.get(term) == number == vocab[term]
        assert term in vocab
    for term in absent:
        assert vocab.get(term) is None and term not in vocab
        assert vocab.get(term, -1) == -1
        with pytest.raises(KeyError):
            vocab[term]
    # Asked twice: answered from what was looked up, the same.
    assert [vocab.get(t) for t in terms] == [vocab.get(t) for t in terms]


@pytest.mark.parametrize("seed", range(2))
def test_holding_finds_the_terms_held_saved_or_added(seed: int) -> None:
    terms = random_terms(seed, 2000)
    vocab = Vocabulary.from_terms(terms[:1200])
    for term in terms[1200:1300]:
        vocab.setdefault(term, len(vocab))
    asked = random.Random(seed).sample(terms, len(terms))
    assert vocab.holding(asked) == [t for t in asked if t in vocab]
    assert vocab.holding([]) == [] and Vocabulary.from_terms([]).holding(terms[:5]) == []


def test_terms_sharing_a_checksum_are_told_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    # A checksum of the length only: every term of a length collides with the others.
    monkeypatch.setattr(vocabulary_module.zlib, "crc32", len)
    terms = random_terms(7, 500)
    vocab = Vocabulary.from_terms(terms[:400])
    assert all(vocab.get(t) == n for n, t in enumerate(terms[:400]))
    assert all(vocab.get(t) is None for t in terms[400:])
    assert zlib.crc32(b"abc") == 3


def test_terms_added_are_numbered_after_the_saved_ones_and_saved_with_them() -> None:
    terms = random_terms(3, 600)
    vocab = Vocabulary.from_terms(terms[:500])
    grown = vocab.copy()
    for term in terms[450:]:
        grown.setdefault(term, len(grown))
    assert len(vocab) == 500 and len(grown) == 600
    assert vocab.get(terms[550]) is None  # the copy's terms are its own
    assert list(grown) == terms
    reread = Vocabulary(*grown.arrays())
    assert [reread.get(t) for t in terms] == list(range(600))
    assert list(reread) == terms


def test_a_dict_is_numbered_as_its_values_say() -> None:
    terms = random_terms(5, 50)
    as_dict = {t: n for n, t in enumerate(terms)}
    shuffled = dict(random.Random(1).sample(list(as_dict.items()), len(as_dict)))
    vocab = numbered(shuffled)
    assert list(vocab) == terms
    assert numbered(vocab) is vocab


def test_an_empty_vocabulary_holds_nothing() -> None:
    vocab = Vocabulary.from_terms([])
    assert len(vocab) == 0 and list(vocab) == [] and vocab.get("a") is None
    data, ends, hashes, numbers = vocab.arrays()
    assert len(data) == len(ends) == len(hashes) == len(numbers) == 0
    assert numbers.dtype == np.int32
