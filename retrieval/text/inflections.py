"""Other forms of a verb whose past the stemmer leaves apart from its present.

Snowball brings "flees" and "fleeing" to "flee", but "fled" stays "fled", "took" "took". A
question's word that no passage holds ("did the mining chief flee?", when the briefs say
"fled") is searched as another form of its verb that passages hold (``retrieval.archive``):
the same word in another tense, so the answer neither names it as missing nor says it was read
as another. The forms are those of ``retrieval/data/irregular_verbs.txt``; forms that are also
common nouns or adjectives in briefs ("left", "found", "rose") are not in it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from retrieval.text.analyzer import analyze

BUNDLED = Path(__file__).resolve().parent.parent / "data" / "irregular_verbs.txt"


@cache
def _forms() -> dict[str, tuple[str, ...]]:
    """Return, per search term of a verb's form, the terms of its other forms (read once)."""
    forms: dict[str, tuple[str, ...]] = {}
    for line in BUNDLED.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        terms = list(dict.fromkeys(t for word in line.split() for t in analyze(word)))
        for term in terms:
            forms[term] = tuple(t for t in terms if t != term)
    return forms


def other_forms(term: str) -> tuple[str, ...]:
    """Return the search terms of the other forms of the verb whose form gives ``term``
    ("fled" for "flee"; "flee" for "fled"), in the order the file lists them, or none."""
    return _forms().get(term, ())
