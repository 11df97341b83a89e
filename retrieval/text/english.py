"""Whether a word is an English word spelled right, to tell a word the archive lacks from a slip.

The word list is pyspellchecker's English dictionary (some 128,000 words of letters a-z, from
subtitles, names included). It is read once, when first asked, and kept as the sorted CRC-32s of
its words (half a megabyte, not a set of strings); two words sharing a CRC-32 is a chance of
about one in 30,000 for a word not in the list, which only means a slip left as typed. Reading it
takes ~0.1 s, once a process (pyspellchecker itself is not imported: only its file is read).
"""

from __future__ import annotations

import gzip
import importlib.util
import re
import zlib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.text.analyzer import STOPWORDS, analyze_spans

_ENTRY_RE = re.compile(rb'"([a-z]+)":')
_POSSESSIVE_RE = re.compile(r"['’]s$")


def name_terms(text: str) -> list[str]:
    """Return the search terms of the words of ``text`` that are names, in any case, in order:
    words of letters (a possessive "'s" aside) that are not English words ("kazhegeldin",
    "aliev"; not "signed", nor "georgia", which the list holds)."""
    return list(dict.fromkeys(term for term, _ in _names(text)))


def name_words(text: str) -> list[str]:
    """Return the words of ``text`` that are names (see ``name_terms``), lower-cased, possessive
    dropped, in order, each once: "gazprom" of "gazprom's cut"."""
    return list(dict.fromkeys(word for _, word in _names(text)))


def _names(text: str) -> list[tuple[str, str]]:
    """Return the search term and the lower-cased word of each name of ``text``, in order."""
    found = []
    for term, start, end in analyze_spans(text):
        word = _POSSESSIVE_RE.sub("", text[start:end].lower())
        if word.isascii() and word.isalpha() and not is_english(word):
            found.append((term, word))
    return found


def name_phrases(text: str) -> list[tuple[str, bool]]:
    """Return the names ``text`` (a question) writes, as written, each once, in order, and
    whether it writes each as a name (capitalized, or no English word) rather than only as a
    rare word.

    A name is a run of words capitalized inside a sentence ("Central Bank", "EU"), or a rare
    word opening a sentence ("Georgia"). A word written in lower case that is no English word
    ("kazhegeldin", but also "aeroelastic"), or, in a text that capitalizes nothing ("what did
    the EU say about chechnya", as chat is typed), a rare word ("chechnya", "tranche"), may be a
    name: it comes with False, for the caller to tell by how the archive writes it. Words are
    taken as the analyzer cuts them, stopwords out: "Bank of Ukraine" is two names.
    """
    # An acronym ("EU") is capitalized by those who type every other name in lower case; a text
    # in capitals capitalizes every word.
    caps = writes_names(_ACRONYM_RE.sub("", text)) and not text.isupper()
    phrases: dict[str, bool] = {}
    start_at = end_at = -1
    written = possessive = False
    for _, start, end in analyze_spans(text):
        word = text[start:end]
        bare = _POSSESSIVE_RE.sub("", word.lower())
        if not bare.isalpha() or len(bare) < 2:
            name = capital = False
        else:
            opens = _starts_sentence(text, start)
            acronym = word.isupper() and not text.isupper()
            capital = acronym or (caps and word[0].isupper() and not opens and word != "I")
            foreign = not bare.isascii() or not is_english(bare)
            name = capital or foreign or (is_rare(bare) and (opens or not caps))
            by_case = capital or (caps and opens)
        joined = capital and end_at >= 0 and not possessive and not text[end_at:start].strip(" -")
        possessive = bare != word.lower()
        if joined:
            end_at = end
            continue
        if end_at >= 0:
            phrases.setdefault(without_possessive(text[start_at:end_at]), written)
            start_at = end_at = -1
        if name:
            start_at, end_at, written = start, end, by_case
    if end_at >= 0:
        phrases.setdefault(without_possessive(text[start_at:end_at]), written)
    return list(phrases.items())


def written_as_names(texts: list[str], terms: set[str], *, acronyms: bool = False) -> set[str]:
    """Return those of ``terms`` that ``texts`` write as a name: capitalized wherever they write
    it, and at least once inside a sentence and not in a title ("Caspian", "Duma": words the
    English word list holds, which ``name_terms`` cannot tell from "signed"; not the "Fair" of
    the "For Fair Elections" movement, nor a word in capitals, as a text written all in capitals
    writes every word). With ``acronyms``, also those a text not in capitals writes in capitals
    ("IMF")."""
    inside: set[str] = set()
    lower: set[str] = set()
    capitals: set[str] = set()
    for text in texts:
        for term, start, end in analyze_spans(text):
            if term not in terms:
                continue
            if not text[start].isupper():
                lower.add(term)
            elif text[start:end].isupper() and end - start > 1:
                # "APPROVED" of a text in capitals says nothing either way; "IMF" of a text
                # that is not is an acronym
                if acronyms and not text.isupper():
                    capitals.add(term)
            elif not _starts_sentence(text, start) and not _in_title_case(text, start):
                inside.add(term)
    return (inside - lower) | capitals


def without_possessive(word: str) -> str:
    """Return ``word`` without a possessive "'s" ("Kazakhstan's": "Kazakhstan")."""
    return _POSSESSIVE_RE.sub("", word)


_WORD_RE = re.compile(r"[^\W\d_]+")
_ACRONYM_RE = re.compile(r"\b[A-Z]{2,}\b")


def writes_names(text: str) -> bool:
    """Return whether ``text`` capitalizes a word where a sentence does not start ("who did
    Lukashenko arrest?"), other than "I": a text that does not ("what did putin say?", "What
    did putin say?", as chat is typed) writes its names as any other word."""
    return any(
        m.group(0)[0].isupper() and m.group(0) != "I" and not _starts_sentence(text, m.start())
        for m in _WORD_RE.finditer(text)
    )


def _starts_sentence(text: str, start: int) -> bool:
    """Return whether the word at ``start`` of ``text`` opens a sentence, a quotation or a
    bracket (where any word is capitalized): it follows nothing, or a full stop, question or
    exclamation mark, colon or opening quote, closing quotes and brackets aside."""
    before = text[max(0, start - 40) : start].rstrip().rstrip('”’")]')
    return not before or before[-1] in ".!?:;“‘\"'(["


_WORD_BEFORE_RE = re.compile(r"(\w+)\W*$")


def _in_title_case(text: str, start: int) -> bool:
    """Return whether the word at ``start`` of ``text`` follows a capitalized little word, as
    in a title, where every word is capitalized ("For Fair Elections", "Law On Languages")."""
    before = _WORD_BEFORE_RE.search(text, max(0, start - 40), start)
    return (
        before is not None
        and before.group(1)[0].isupper()
        and before.group(1).casefold() in STOPWORDS
    )


WORDS_KEPT = 16_384
"""How many words' answers ``is_english`` and ``is_rare`` keep (each, the words asked last): a
question's words and its passages' names come back question after question, and a kept answer
costs a dict lookup instead of a CRC-32 and a binary search (~1.5 us)."""


@lru_cache(maxsize=WORDS_KEPT)
def is_english(word: str) -> bool:
    """Return whether ``word`` (lower case) is in the English word list."""
    return _listed(_hashes(), word)


def _listed(hashes: Any, word: str) -> bool:
    """Return whether ``word``'s CRC-32 is among ``hashes`` (sorted uint32)."""
    # Searched for as a uint32: a Python int would have numpy convert the whole list to int64
    # first (~21 us a word instead of ~0.7).
    key = np.uint32(zlib.crc32(word.encode("utf-8")))
    at = int(hashes.searchsorted(key))
    return at < len(hashes) and hashes[at] == key


RARE_COUNT = 1000
"""A word the list counts fewer times than this (in its subtitles) is rare: "putin" (138),
"japan" (377), "france" (592) are; "convoy" (6,025), "peg" (3,260) are not."""
_COMMON_RE = re.compile(rb'"([a-z]+)": [1-9]\d{%d,}[,}\s]' % (len(str(RARE_COUNT)) - 1))
"""A word of the dictionary file counted ``RARE_COUNT`` (a power of ten) times or more."""


@lru_cache(maxsize=WORDS_KEPT)
def is_rare(word: str) -> bool:
    """Return whether ``word`` (lower case) is not a common English word: not in the list, or
    counted fewer than ``RARE_COUNT`` times there (most names the list holds: "putin", "japan")."""
    return not is_english(word) or not _listed(_common_hashes(), word)


@lru_cache(maxsize=1)
def _common_hashes() -> Any:
    """Return the sorted CRC-32s of the list's common words, counted ``RARE_COUNT`` times or
    more (some 18,000 of its 128,000; read once, when first asked: ~30 ms)."""
    common = _COMMON_RE.findall(_dictionary())
    return np.sort(np.fromiter(map(zlib.crc32, common), dtype=np.uint32, count=len(common)))


@lru_cache(maxsize=1)
def _hashes() -> Any:
    """Return the sorted CRC-32s of the list's words (a CRC-32 two words share is there twice,
    which a binary search finds as well: a sort, not ``np.unique``, which hashes first and took
    ~80 ms of the ~0.2 s this took)."""
    words = _words()
    return np.sort(np.fromiter(map(zlib.crc32, words), dtype=np.uint32, count=len(words)))


def _words() -> list[bytes]:
    """Return the list's words of letters a-z, read from pyspellchecker's English dictionary
    file (``{"word": count, ...}``, gzipped)."""
    return _ENTRY_RE.findall(_dictionary())


def _dictionary() -> bytes:
    """Return pyspellchecker's English dictionary, ``{"word": count, ...}``, decompressed (read
    when asked, not kept: the two lists made of it are)."""
    return gzip.decompress(_dictionary_file().read_bytes())


def _dictionary_file() -> Any:
    """Return pyspellchecker's English dictionary file, found without importing the package
    (~20 ms of imports a process that only needs the file would pay)."""
    spec = importlib.util.find_spec("spellchecker")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(folder) / "resources" / "en.json.gz"
        if path.is_file():
            return path
    return resources.files("spellchecker").joinpath("resources", "en.json.gz")
