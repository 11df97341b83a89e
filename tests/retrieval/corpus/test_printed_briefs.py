"""Briefs as publishers print them, and BEIR title-only records (#10)."""

from __future__ import annotations

import json
from pathlib import Path

from retrieval.archive import Archive
from retrieval.corpus.briefs import Brief, parse_briefs

PRINTED = Path(__file__).parents[2] / "fixtures" / "printed"


def _parse(name: str) -> list[Brief]:
    return parse_briefs((PRINTED / name).read_text(), source=name)


def _passages(brief: Brief) -> list[str]:
    return [p.text for p in brief.passages]


def test_a_headline_above_the_header_is_the_title() -> None:
    turkmen, kyrgyz = _parse("headline-above.txt")
    assert turkmen.title == "TURKMEN GAS FLOWS NORTH AGAIN"
    assert kyrgyz.title == "Kyrgyz Parliament Rejects Land Bill"
    assert "Kyrgyz Parliament" not in turkmen.text
    assert turkmen.author == "VS"


def test_a_full_name_sign_off_is_the_author() -> None:
    _, kyrgyz = _parse("headline-above.txt")
    assert kyrgyz.author == "Jane Roe"
    assert "Jane Roe" not in kyrgyz.text
    assert kyrgyz.text.endswith("favoured northern farmers.")


def test_a_by_line_is_the_author_not_the_title() -> None:
    [brief] = _parse("byline.txt")
    assert brief.author == "Igor Rotar"
    assert brief.title is None
    assert "By Igor" not in brief.text
    assert _passages(brief) == [
        "Chechen field commanders met in Grozny to discuss the oil transit agreement with Moscow.",
        "The meeting ended without a joint statement, according to local journalists.",
    ]


def test_a_sign_off_followed_by_the_next_headline_ends_an_item() -> None:
    [brief] = _parse("signoff-headline.txt")
    assert _passages(brief) == [
        "The World Bank approved a loan for Georgian roads (Reuters, April 7)",
        "World Bank Loans Armenia $30 Million",
        "The bank also lent Armenia thirty million dollars for irrigation (Noyan Tapan, April 7)",
    ]
    assert brief.author == "VS, SC"


def test_rule_lines_are_never_passages() -> None:
    [brief] = _parse("rules.txt")
    assert _passages(brief) == [
        "Latvian customs found smuggled vodka on a ferry from Stockholm.",
        "Estonian police arrested two crew members in Tallinn.",
    ]


def test_a_short_lead_is_text_when_nothing_else_would_be() -> None:
    [brief] = _parse("short-lead.txt")
    assert brief.title is None
    assert brief.text == "Moldova and Transdniester signed a customs protocol in Tiraspol"


def test_every_printed_file_is_stored_and_cited(archive: Archive) -> None:
    report = archive.ingest([PRINTED])
    assert not report.rejected, report.rejected
    assert report.added == 6
    hit = archive.ask("Kyrgyz land privatization bill").hits[0]
    assert hit.citation.render() == (
        "Monitor, Vol. 4, Issue 200 — “Kyrgyz Parliament Rejects Land Bill”"
    )


def test_beir_title_only_records_are_stored(archive: Archive, tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    records = [
        {"_id": "d1", "title": "Azerbaijan opens Caspian oil tenders", "text": ""},
        {"_id": "d2", "title": "", "text": ""},
        {"_id": "d3", "title": "Georgian wine exports", "text": "Exports of wine rose."},
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    report = archive.ingest([path])
    assert report.added == 2
    [rejected] = report.rejected
    assert rejected.line == 2 and rejected.reason.startswith('has no "text"')
    hit = archive.ask("Caspian oil tenders").hits[0]
    assert hit.doc_id == "d1" and hit.quote == "Azerbaijan opens Caspian oil tenders"
