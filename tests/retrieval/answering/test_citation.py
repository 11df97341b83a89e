"""Citations: how each quoted passage says where it comes from."""

from __future__ import annotations

import pytest

from retrieval.answering.answer import Citation


@pytest.mark.parametrize(
    ("citation", "short", "full"),
    [
        (Citation("Monitor", 4, 142), "Monitor, Vol. 4, Issue 142", "Monitor, Vol. 4, Issue 142"),
        (
            Citation("Monitor", 4, 142, "1998-07-20", "Graft"),
            "Monitor, Vol. 4, Issue 142",
            "Monitor, Vol. 4, Issue 142, July 20, 1998 — “Graft”",
        ),
        (Citation("cranfield", doc_id="184"), "cranfield, doc 184", "cranfield, doc 184"),
        (
            Citation("Eurasia Wire", date="1999-01-06", title="Wages", doc_id="https://x.org/1"),
            "Eurasia Wire",
            "Eurasia Wire, January 6, 1999 — “Wages”",
        ),
    ],
)
def test_citation_forms(citation: Citation, short: str, full: str) -> None:
    assert citation.short() == short
    assert citation.render() == full


def test_a_title_pasted_with_its_text_is_cut_in_citations() -> None:
    title = "Nazarbaev purges four officials " + "and the whole story ran on " * 80
    rendered = Citation("Monitor", 4, 143, "1998-07-24", title).render()
    shown = rendered.split(" — “", 1)[1].rstrip("”")
    assert shown.endswith("…") and len(shown) <= 200
    assert shown.startswith("Nazarbaev purges four officials and the whole story")
