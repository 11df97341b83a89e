"""Property-based tests of the parsers and the ingest path (hypothesis), a few seconds each (#17).

Whatever a file holds: no uncaught exception, every record either stored or rejected with a line,
and nothing stored that makes a question or ``stats`` fail.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from retrieval.archive import Archive
from retrieval.corpus.briefs import parse_briefs
from retrieval.corpus.ingest import Ingester, decode, parse_record
from retrieval.corpus.store import Store
from retrieval.errors import BriefFormatError
from retrieval.text.sentences import split_sentences

# No example database: the tests leave no .hypothesis folder behind and run alike everywhere.
FAST = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Any Unicode but surrogates: the alphabet of st.text() (codec="utf-8"), named by category
# instead, so that hypothesis does not encode every code point through the codec (~3 CPU-s in
# each process on a fresh clone, before its unicode cache exists).
CHARS = st.characters(exclude_categories=["Cs"])


def text(**sizes: int) -> st.SearchStrategy[str]:
    """Return ``st.text(**sizes)`` over ``CHARS``."""
    return st.text(CHARS, **sizes)


# Text that looks like briefs often enough to reach deep into the parser: headers, fields,
# sentence marks, separators, BOMs, surrogate-free but otherwise any Unicode.
PIECES = st.sampled_from(
    [
        "Publication: Monitor Volume: 4 Issue: 7\n",
        "Publication: Prism Vol: 99999999999 No: 2\n",
        "Title: A title\n",
        "Date: 1998-07-20\n",
        "Date: yesterday\n",
        "\n\n",
        "\ufeff",
        "\u2028",
        "\u0085",
        "\r\n",
        "...",
        "!!! ",
        "U.S. Gen. A. ",
        "(Itar-Tass, May 21) ",
        "\u2014 SC",
        "All rights reserved. ",
        "Oil flows. ",
    ]
)
TEXT = st.lists(st.one_of(PIECES, text(max_size=20)), max_size=30).map("".join)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    text(max_size=12),
    st.sampled_from(["²", "①", "٤", "007", "1e3", "2147483648", "\ud800x", "1998-07-20T10:00"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text(max_size=5), inner),
    max_leaves=6,
)
RECORDS = st.dictionaries(
    st.sampled_from(["text", "publication", "volume", "issue", "date", "title", "author", "url"])
    | st.sampled_from(["_id", "id", "extra"]),
    VALUES,
    max_size=9,
) | st.fixed_dictionaries({"text": text(min_size=1, max_size=40)}, optional={"volume": SCALARS})


@FAST
@given(TEXT)
def test_parse_briefs_returns_briefs_or_a_format_error(text: str) -> None:
    try:
        briefs = parse_briefs(text, source="x.txt")
    except BriefFormatError as exc:
        assert exc.source == "x.txt" and str(exc)
        return
    for brief in briefs:
        assert brief.passages and brief.text
        assert all(0 <= p.start <= p.end for p in brief.passages)
        assert brief.volume is None or 0 <= brief.volume < 2**31


@FAST
@given(text(max_size=300))
def test_sentences_cover_the_text_in_order(text: str) -> None:
    spans = split_sentences(text)
    ends = [0]
    for start, end in spans:
        assert ends[-1] <= start < end <= len(text)
        ends.append(end)


@FAST
@given(st.binary(max_size=300))
def test_decode_never_fails_but_on_binary(data: bytes) -> None:
    try:
        text, _ = decode(data, "x")
    except BriefFormatError:
        assert b"\x00" in data
        return
    assert "\ufeff" not in text


@FAST
@given(text(max_size=200))
def test_parse_record_raises_only_value_errors(line: str) -> None:
    try:
        parse_record(line)
    except ValueError as exc:
        assert str(exc)


# Each example opens a store and an archive: fewer examples keep it to a few seconds.
STORE = settings(FAST, max_examples=25)


@functools.cache
def _migrated() -> bytes:
    """Return a new in-memory archive's database, its migrations applied, as bytes."""
    return Store(Database(memory=True)).db.conn.serialize()


def _new_store() -> Store:
    """Return a store over a new in-memory database, as ``Store(Database(memory=True))`` makes
    it, without applying every migration again for each example (a copy of one that did)."""
    conn = sqlite3.connect(":memory:")
    conn.deserialize(_migrated())
    return Store(Database(conn))


@STORE
@given(st.lists(RECORDS, min_size=1, max_size=6))
def test_every_record_is_stored_or_rejected_and_the_archive_still_answers(
    records: list[dict],
) -> None:
    lines = []
    for record in records:
        try:
            lines.append(json.dumps(record, ensure_ascii=False))
        except (UnicodeEncodeError, ValueError):
            continue
    if not lines:
        return
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    store = _new_store()
    ingester = Ingester(store)
    ingester.ingest_bytes(data, "batch.jsonl", jsonl=True)
    report = ingester.report
    rejected = {r.line for r in report.rejected}
    assert all(r.line is not None for r in report.rejected)
    assert len(rejected) + report.added + report.updated + report.unchanged == len(lines)
    archive = Archive(store, cache=False)
    archive.ask("oil")
    archive.stats()


@STORE
@given(TEXT)
def test_any_text_file_is_stored_or_rejected_and_the_archive_still_answers(text: str) -> None:
    store = _new_store()
    ingester = Ingester(store)
    ingester.ingest_bytes(text.encode("utf-8"), "brief.txt", jsonl=False)
    report = ingester.report
    assert report.added + report.updated + report.unchanged > 0 or report.rejected
    archive = Archive(store, cache=False)
    archive.ask("oil flows")
    archive.stats()


def test_property_strategies_reach_both_outcomes(tmp_path: Path) -> None:
    # The JSONL property above must see stored and rejected records alike to mean anything.
    good = json.dumps({"text": "Oil flows.", "volume": 4})
    bad = json.dumps({"text": "Oil flows.", "volume": 2**40})
    path = tmp_path / "b.jsonl"
    path.write_text(f"{good}\n{bad}\n")
    store = Store(Database(memory=True))
    report = Ingester(store).ingest_paths([path])
    assert (report.added, [r.line for r in report.rejected]) == (1, [2])
