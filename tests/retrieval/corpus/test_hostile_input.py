"""Hostile and careless input files: every field checked, one bad record never sinks a run (#17)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from forking import Forked

from retrieval.archive import Archive

GOOD = {"publication": "Monitor", "volume": 4, "issue": 7, "text": "The pipeline opened on May 3."}
LAST = {"publication": "Prism", "volume": 1, "issue": 1, "text": "Torugart pass border guards."}


def _jsonl(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


BAD_RECORDS: list[tuple[str, str, str]] = [
    ("superscript two", '"volume": "²"', "non-numeric volume '²'"),
    ("circled one", '"issue": "①"', "non-numeric issue '①'"),
    ("arabic-indic digit", '"issue": "٤"', "non-numeric issue '٤'"),
    ("5,000 digits", '"volume": ' + "9" * 5000, "volume 99999999999999999999"),
    (
        "2^31",
        '"volume": 2147483648',
        "volume 2147483648 is out of range; use a whole number from 0 to 2,147,483,647",
    ),
    (
        "2^63",
        '"issue": 9223372036854775808',
        "issue 9223372036854775808 is out of range; use a whole number from 0 to 2,147,483,647",
    ),
    (
        "2^40 as a string",
        '"volume": "1099511627776"',
        "volume 1099511627776 is out of range; use a whole number from 0 to 2,147,483,647",
    ),
    (
        "negative",
        '"issue": -3',
        "issue -3 is out of range; use a whole number from 0 to 2,147,483,647",
    ),
    ("a boolean", '"volume": true', "non-numeric volume True"),
    ("a fraction", '"volume": 4.5', "non-numeric volume 4.5"),
    ("an object title", '"title": {"a": 1}', 'has an object for "title"'),
    ("an array publication", '"publication": ["x"]', 'has an array for "publication"'),
    ("a huge title", '"title": "' + "t" * 3000 + '"', '"title" of 3,000 characters'),
    ("a date that is not one", '"date": "yesterday"', "date 'yesterday' that is not a day"),
    ("a month 13", '"date": "1998-13-45"', "date '1998-13-45' that is not a day written"),
    ("a February 30", '"date": "1999-02-30T10:00"', "date '1999-02-30T10:00' that is not a day"),
]


@pytest.mark.parametrize(
    ("field", "reason"), [(f, r) for _, f, r in BAD_RECORDS], ids=[n for n, _, _ in BAD_RECORDS]
)
def test_bad_field_rejects_its_line_and_the_run_goes_on(
    archive: Archive, tmp_path: Path, field: str, reason: str
) -> None:
    bad = '{"text": "Oil exports rose.", ' + field + "}"
    first = _jsonl(tmp_path, "a.jsonl", [json.dumps(GOOD), bad, json.dumps(GOOD | {"issue": 8})])
    later = _jsonl(tmp_path, "b.jsonl", [json.dumps(LAST)])
    report = archive.ingest([first, later])
    assert [(r.source, r.line) for r in report.rejected] == [(str(first), 2)]
    assert reason in report.rejected[0].reason
    assert report.added == 3
    assert "Torugart" in archive.ask("Torugart border guards").hits[0].text
    assert archive.stats()["briefs"] == 3


def test_deep_nesting_is_one_rejected_line(archive: Archive, tmp_path: Path) -> None:
    deep = '{"text": "x", "extra": ' + "[" * 100_000 + "]" * 100_000 + "}"
    path = _jsonl(tmp_path, "deep.jsonl", [deep, json.dumps(LAST)])
    report = archive.ingest([path])
    assert [r.line for r in report.rejected] == [1]
    assert "nests arrays or objects too deeply" in report.rejected[0].reason
    assert report.added == 1


def test_lone_surrogate_is_replaced_with_a_line_saying_which(
    archive: Archive, tmp_path: Path
) -> None:
    path = _jsonl(
        tmp_path,
        "s.jsonl",
        ['{"publication": "Monitor", "volume": 1, "issue": 2, "text": "Border \\ud800 guards."}'],
    )
    report = archive.ingest([path])
    assert report.added == 1 and not report.rejected
    assert report.notices == [
        f'{path}, line 1: "text" held 1 lone surrogate(s) (\\ud800), which are not valid '
        "Unicode; replaced with U+FFFD"
    ]
    [row] = archive.store.db.query("SELECT text FROM briefs")
    assert row["text"] == "Border \ufffd guards."


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085"])
def test_jsonl_lines_end_at_newline_only(archive: Archive, tmp_path: Path, separator: str) -> None:
    record = GOOD | {"text": f"The pipeline{separator}opened on May 3."}
    lines = [json.dumps(record, ensure_ascii=False), "{broken", json.dumps(LAST)]
    path = _jsonl(tmp_path, "u.jsonl", lines)
    report = archive.ingest([path])
    assert report.added == 2
    assert [(r.line, r.reason) for r in report.rejected] == [
        (2, "is not valid JSON (Expecting property name enclosed in double quotes at column 2)")
    ]


def test_invalid_json_message_says_at_column_once(archive: Archive, tmp_path: Path) -> None:
    path = _jsonl(tmp_path, "t.jsonl", ['{"text": "unterminated'])
    [rejection] = archive.ingest([path]).rejected
    assert rejection.reason == "is not valid JSON (Unterminated string starting at column 10)"


def test_bom_in_the_middle_of_a_text_file_does_not_hide_a_brief(
    archive: Archive, tmp_path: Path
) -> None:
    first = "Publication: Monitor Volume: 4 Issue: 7\n\nThe pipeline opened on May 3.\n\n"
    footer = "The Monitor is a publication of the Jamestown Foundation.\n"
    second = "Publication: Prism Volume: 3 Issue: 12\n\nTorugart pass border guards fled.\n"
    path = tmp_path / "joined.txt"
    path.write_bytes((first + footer).encode() + b"\xef\xbb\xbf" + second.encode())
    report = archive.ingest([path])
    assert (report.added, report.rejected) == (2, [])
    hit = archive.ask("Torugart border guards").hits[0]
    assert (hit.citation.publication, hit.citation.volume, hit.citation.issue) == ("Prism", 3, 12)


def test_bom_before_a_header_after_text_is_a_new_brief(archive: Archive, tmp_path: Path) -> None:
    first = "Publication: Monitor Volume: 4 Issue: 7\n\nThe pipeline opened on May 3.\n\n"
    second = "Publication: Prism Volume: 3 Issue: 12\n\nTorugart pass border guards fled.\n"
    path = tmp_path / "joined.txt"
    path.write_bytes(first.encode() + "\ufeff".encode() + second.encode())
    assert archive.ingest([path]).added == 2


def test_text_header_out_of_range_is_rejected(archive: Archive, tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("Publication: Monitor Volume: 99999999999 Issue: 1\n\nText.\n")
    [rejection] = archive.ingest([path]).rejected
    assert "volume 99999999999 is out of range" in rejection.reason and rejection.line == 1


def test_file_name_that_is_not_utf8_is_ingested_and_shown(archive: Archive, tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9.txt")
    (tmp_path / name).write_text("Publication: Monitor Volume: 4 Issue: 7\n\nOil flows.\n")
    report = archive.ingest([tmp_path])
    assert report.added == 1 and not report.rejected
    [row] = archive.store.db.query("SELECT source FROM briefs")
    assert row["source"].endswith("caf\ufffd.txt")


def test_fifo_is_refused_never_waited_on(archive: Archive, tmp_path: Path) -> None:
    fifo = tmp_path / "inbox.txt"
    os.mkfifo(fifo)
    good = tmp_path / "good.txt"
    good.write_text("Publication: Monitor Volume: 4 Issue: 7\n\nOil flows.\n")
    done: list[object] = []
    worker = threading.Thread(target=lambda: done.append(archive.ingest([fifo, good])))
    worker.start()
    worker.join(10)
    waited = worker.is_alive()
    while worker.is_alive():  # unblock the reader so the test process can end, then fail
        with contextlib.suppress(OSError):  # no reader at this moment
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(0.1)
    if waited:
        pytest.fail("ingest waited on a FIFO")
    [report] = done
    assert [str(r) for r in report.rejected] == [  # type: ignore[attr-defined]
        f"{fifo}: is not a regular file (a pipe, socket or device); not read"
    ]
    assert report.added == 1  # type: ignore[attr-defined]


# -- linear time ------------------------------------------------------------------------------

PATHOLOGICAL = {
    "dots": "." * 1000,
    "bangs": "!" * 1000,
    "marks": ".!?" * 333,
    "blank lines": "\n" * 1000,
    "title lines": "Title: x\n" * 111,
    "abbreviation": "a." * 500 + " Z",
}
RATIO_LIMIT = 6000
"""Largest time ratio allowed for 1,000 times the input (linear: ~1,000; quadratic: ~1,000,000)."""
_TIMER = """
import sys, time
from retrieval.corpus.briefs import parse_briefs
head = "Publication: Monitor Volume: 1 Issue: 1\\n\\nTitle: t\\n\\n" + "word " * 200
unit, limit = sys.argv[1], float(sys.argv[2])
def timed(text):  # CPU time: other processes on the machine do not stretch it
    t = time.process_time(); parse_briefs(text); return time.process_time() - t
small = min(timed(head + unit + "\\nEnd.") for _ in range(50))
large_text = head + unit * 1000 + "\\nEnd."
# The best of up to 3 runs, stopping at the first within the limit: the same verdict as the best
# of 3, without timing 1 MB (seconds for some patterns) again once it passed.
large = timed(large_text)
for _ in range(2):
    if large / small < limit:
        break
    large = min(large, timed(large_text))
print(small, large)
"""


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
@pytest.mark.slow
def test_parsing_time_grows_linearly(name: str, fork: Callable[..., Forked]) -> None:
    # 1 KB against 1 MB of the same pattern: linear parsing costs ~1,000 times more, quadratic
    # parsing a million times more (a 41 KB file of dots took 20 s). Run in a child process (forked
    # from the fork server, briefbot imported) with a time limit, so a quadratic parser fails the
    # test instead of hanging it; the fork fixture kills a child still parsing.
    proc = fork(_TIMER, PATHOLOGICAL[name], str(RATIO_LIMIT))
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"parsing 1 MB of {name} took over 60 s")
    assert proc.returncode == 0, err
    small, large = (float(x) for x in out.split())
    assert large / small < RATIO_LIMIT, (small, large)


def test_bom_is_dropped_from_a_file_that_is_not_utf8(archive: Archive, tmp_path: Path) -> None:
    first = "Publication: Monitor Volume: 4 Issue: 7\n\nSoci\xe9t\xe9 G\xe9n\xe9rale lent.\n\n"
    second = "Publication: Prism Volume: 3 Issue: 12\n\nTorugart pass border guards fled.\n"
    path = tmp_path / "joined.txt"
    path.write_bytes(first.encode("cp1252") + b"\xef\xbb\xbf" + second.encode())
    report = archive.ingest([path])
    assert (report.added, report.rejected) == (2, [])


def test_invisible_characters_inside_words_are_dropped(archive: Archive, tmp_path: Path) -> None:
    # Copied from a web page: a soft hyphen, a zero-width space and a word joiner inside words
    # split each in two for the search ("Kaza", "khstan") and showed nothing.
    header = "Publication: Monitor Volume: 4 Issue: 7\n\n"
    text = header + "Kaza\u00adkhstan raised Ten\u200bgiz out\u2060put.\n"
    (tmp_path / "web.txt").write_text(text, encoding="utf-8")
    record = {
        "publication": "Prism",
        "volume": 3,
        "issue": 12,
        "text": "Kyr\u00adgyz border guards",
    }
    escaped = json.dumps(record)  # ensure_ascii: the soft hyphen written as \u00ad
    assert "\\u00ad" in escaped
    (tmp_path / "web.jsonl").write_text(escaped + "\n", encoding="utf-8")
    report = archive.ingest([tmp_path])
    assert (report.added, report.rejected) == (2, [])
    stored = [row[0] for row in archive.store.db.execute("SELECT text FROM passages ORDER BY id")]
    assert sorted(stored) == ["Kazakhstan raised Tengiz output.", "Kyrgyz border guards"]
    assert archive.ask("kazakhstan tengiz output").found
    assert archive.ask("kyrgyz guards").found


def test_a_second_record_with_the_same_id_in_a_file_is_rejected_the_first_kept(
    archive: Archive, tmp_path: Path
) -> None:
    # The second overwrote the first in silence ("1 added, 1 updated" on a first ingest), and
    # every re-ingest of the unchanged file updated the brief twice, a change each time.
    lines = [
        json.dumps({"id": "d1", "text": "Grain exports rose in May."}),
        json.dumps({"id": "d2", "text": "Oil exports fell in June."}),
        json.dumps({"id": "d1", "text": "Cotton harvest was poor."}),
    ]
    path = _jsonl(tmp_path, "dup.jsonl", lines)
    report = archive.ingest([path])
    assert [str(r) for r in report.rejected] == [
        f"{path}, line 3: has the id 'd1' of line 1, whose record is kept; "
        "give each record its own id"
    ]
    assert (report.added, report.updated) == (2, 0)
    assert archive.ask("grain exports").found and not archive.ask("cotton harvest").found
    again = archive.ingest([path])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
