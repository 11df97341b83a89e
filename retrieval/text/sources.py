"""The sources a brief cites inline: "(Itar-Tass, May 21)", "(Panorama [Almaty], December 5)",
"(Reuters, July 20; Interfax, July 21)"."""

from __future__ import annotations

import re

from retrieval.text.query import MONTHS

_DATED = rf"(?:{'|'.join(MONTHS)})\s+\d{{1,2}}(?:,\s*\d{{4}})?"
_CITED_RE = re.compile(rf"\(([^()]*?,\s*{_DATED})\)")
"""A parenthesis that ends in a date: one source or several, each "Name, Month Day" (split at
";" by ``cited_sources``). Its text before the last date is not matched part by part: a part's
text may hold a ";", so a pattern of parts could split a parenthesis of many dated parts in
exponentially many ways before failing at its end ("(…, May 1; …, May 1; … and others)")."""


def cited_sources(text: str) -> list[str]:
    """Return the sources ``text`` cites inline, as written, each once, in order: "Itar-Tass, May
    21" of "(Itar-Tass, May 21)". A reference to another brief ("(See the Monitor, August 18,
    1998)") is one too: it says where the passage's facts come from."""
    found: dict[str, None] = {}
    for group in _CITED_RE.findall(text):
        for part in group.split(";"):
            found.setdefault(" ".join(part.split()), None)
    return list(found)
