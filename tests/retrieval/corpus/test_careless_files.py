"""Files as a careless team member makes them: a stray header, a field given twice, two encodings
in one line, e-mail pastes, boilerplate in new words. Each is stored right or refused aloud."""

from __future__ import annotations

import json
import quopri
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from forking import Forked

from retrieval.archive import Archive
from retrieval.corpus.ingest import Ingester

SMELTER = (
    "Officials in Vostokgrad confirmed that the copper smelter would close for repairs in April. "
    "The closure idles 1,200 workers. (Reuters, March 4)\n"
)
GRAIN = (
    "The governor of Tverskaya said the oblast grain reserve would be sold to three private "
    "mills. (Interfax, March 3)\n"
)
VODKA = "The Duma voted on Tuesday to raise the excise on imported vodka by a third.\n"


def _briefs(archive: Archive) -> list[tuple[object, ...]]:
    """Return (publication, volume, issue, date, title, text) of every stored brief, by id."""
    return [
        tuple(row)
        for row in archive.store.db.execute(
            "SELECT publication, volume, issue, date, title, text FROM briefs ORDER BY id"
        ).fetchall()
    ]


def test_stray_header_at_the_end_rejects_only_itself(
    run_cli: Callable[..., Result], brief_file: Callable[..., Path]
) -> None:
    path = brief_file(
        "Publication: Courier Volume: 2 Issue: 1\n\n" + GRAIN + "\n"
        "Publication: Courier Volume: 2 Issue: 3\n\n" + SMELTER + "\n"
        "Publication: Courier Volume: 2 Issue: 9\n",
    )
    result = run_cli("ingest", str(path))
    assert result.exit_code == 1
    assert (
        f"rejected: {path}, line 9: brief has no text besides its header and boilerplate; add "
        "its paragraphs, or delete the header line if it was left there by mistake"
    ) in result.output
    assert "2 added, 0 updated, 0 removed, 0 unchanged, 1 rejected" in result.output
    [hit, *_] = _ask(run_cli, "copper smelter repairs")
    assert hit["citation"] == "Courier, Vol. 2, Issue 3"
    assert hit["quote"].startswith("Officials in Vostokgrad")


def test_a_brief_rejected_on_reingest_keeps_its_stored_version(
    archive: Archive, brief_file: Callable[..., Path]
) -> None:
    first = "Publication: Courier Volume: 2 Issue: 1\n\n" + GRAIN + "\n"
    second = "Publication: Courier Volume: 2 Issue: 3\n\n"
    path = brief_file(first + second + SMELTER)
    assert archive.ingest([path]).added == 2
    path.write_text(first + second)  # the second brief's text deleted by mistake
    report = archive.ingest([path])
    assert [r.line for r in report.rejected] == [5]
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 0, 0, 1)
    assert f"{path}: 1 brief(s) it held before and no longer holds were kept" in report.notices[0]
    assert [b[2] for b in _briefs(archive)] == [1, 3]
    path.write_text(first)  # the header removed too: now the brief is gone from the file
    report = archive.ingest([path])
    assert (report.rejected, report.removed, report.unchanged) == ([], 1, 1)


def test_a_malformed_header_rejects_its_brief_not_the_file(
    archive: Archive, brief_file: Callable[..., Path]
) -> None:
    path = brief_file(
        "Publication: Courier Volume: 2 Issue: 1\n\n" + GRAIN + "\n"
        "Publication: Courier Volume: 2 Issue: 4 Date: 04.03.1998\n\n" + SMELTER + "\n"
        "Publication: Courier Volume: 2 Issue: 5\nTitle: " + "Vodka " * 400 + "\n\n" + VODKA + "\n"
        "Publication: Courier Volume: 2 Issue: 6\n\n" + VODKA,
    )
    report = archive.ingest([path])
    assert [(r.line, r.reason.split(";")[0]) for r in report.rejected] == [
        (5, "header line has a date '04.03.1998' that is not a day written YYYY-MM-DD"),
        (9, "title is 2,399 characters long, over the limit of 2,000"),
    ]
    assert [b[2] for b in _briefs(archive)] == [1, 6]


def test_a_paragraph_on_the_title_line_is_told_of(
    archive: Archive, brief_file: Callable[..., Path]
) -> None:
    title = (SMELTER.strip() + " ") * 3
    path = brief_file(f"Publication: Courier Volume: 2 Issue: 4\nTitle: {title}\n\n{VODKA}")
    report = archive.ingest([path])
    # Before: stored in silence, the whole paragraph shown in every citation of the brief.
    assert report.notices == [
        f"{path}, line 1: the title is {len(title.strip()):,} characters long (a paragraph on the "
        "title's line?); every citation of this brief shows it whole"
    ]


def test_a_field_given_twice_rejects_the_brief(archive: Archive, tmp_path: Path) -> None:
    files = {
        "inline.txt": "Publication: Courier Volume: 2 Issue: 4 Issue: 5\n\n",
        "dates.txt": "Publication: Courier Volume: 2 Issue: 4\nDate: 1998-03-04\n"
        "Date: 1998-03-05\n\n",
        "header-and-line.txt": "Publication: Courier Volume: 2 Issue: 4 Date: 1998-03-04\n"
        "Date: 1998-04-05\n\n",
        "issue-line.txt": "Publication: Courier Volume: 2 Issue: 4\nIssue: 5\n\n",
        "titles.txt": "Publication: Courier Volume: 2 Issue: 4\nTitle: Smelter closes\n"
        "Title: Copper smelter closes for repairs\n\n",
    }
    for name, header in files.items():
        (tmp_path / name).write_text(header + SMELTER)
    report = archive.ingest([tmp_path])
    assert report.added == 0
    said = {(r.source.rpartition("/")[2], r.line): r.reason for r in report.rejected}
    assert said == {
        ("dates.txt", 3): "header continues with a line that gives the date a second time "
        "('1998-03-04', then '1998-03-05'), so the citation could be wrong; keep the right one "
        "and delete the other",
        ("header-and-line.txt", 2): "header continues with a line that gives the date a second "
        "time ('1998-03-04', then '1998-04-05'), so the citation could be wrong; keep the right "
        "one and delete the other",
        ("inline.txt", 1): "header line gives the issue a second time ('4', then '5'), so the "
        "citation could be wrong; keep the right one and delete the other",
        ("issue-line.txt", 2): "header continues with a line that gives the issue a second time "
        "('4', then '5'), so the citation could be wrong; keep the right one and delete the other",
        ("titles.txt", 3): "header continues with a line that gives the title a second time "
        "('Smelter closes', then 'Copper smelter closes for repairs'), so the citation could be "
        "wrong; keep the right one and delete the other",
    }


def test_two_bylines_are_two_authors(archive: Archive, brief_file: Callable[..., Path]) -> None:
    path = brief_file("Publication: Courier Volume: 2 Issue: 4 By: SC By: VS\nBy: IB\n\n" + SMELTER)
    assert archive.ingest([path]).rejected == []
    [author] = archive.store.db.execute("SELECT author FROM briefs").fetchone()
    assert author == "SC, VS, IB"


def test_a_field_given_twice_alike_is_read_once(
    archive: Archive, brief_file: Callable[..., Path]
) -> None:
    path = brief_file(
        "Publication: Courier Volume: 2 Issue: 4 Date: 1998-03-04\nDate: 1998-03-04\nIssue: 04\n\n"
        + SMELTER,
    )
    report = archive.ingest([path])
    assert report.rejected == []
    # Before, the second "Issue:" line was the brief's first paragraph, and so its title.
    assert _briefs(archive) == [("Courier", 2, 4, "1998-03-04", None, SMELTER.strip())]


def _ask(run_cli: Callable[..., Result], question: str, *options: str) -> list[dict]:
    """Return the hits ``briefbot ask --json`` gives for ``question``."""
    result = run_cli("ask", "--json", *options, question)
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout)["hits"])


def test_boilerplate_in_other_words_is_not_stored_nor_quoted(
    run_cli: Callable[..., Result], brief_file: Callable[..., Path]
) -> None:
    footers = [
        "The Courier is produced by the Eastern Studies Institute. Reprinting without written "
        "permission is forbidden. For subscriptions write to desk@example.org.",
        "(c) 2001 Eastern Studies Institute. Reprints by permission only.",
    ]
    paths = [
        brief_file(
            f"Publication: Courier Volume: 2 Issue: {n}\n\n{SMELTER}\n{footer}\n", f"{n}.txt"
        )
        for n, footer in enumerate(footers, start=4)
    ]
    result = run_cli("ingest", *map(str, paths))
    assert "2 added" in result.output
    # Before, each footer was a passage of its brief: "how do I subscribe to the Courier?"
    # quoted "The Courier is produced by the Eastern Studies Institute."
    assert _ask(run_cli, "how do I subscribe to the Courier?") == []
    assert _ask(run_cli, "who may reprint the Courier?") == []
    assert {hit["text"] for hit in _ask(run_cli, "copper smelter")} == {SMELTER.strip()}


def test_news_of_an_email_is_no_boilerplate(
    run_cli: Callable[..., Result], brief_file: Callable[..., Path]
) -> None:
    hackers = "Hackers sent an e-mail from kremlin@example.ru demanding a ransom. (Interfax, May 3)"
    path = brief_file(f"Publication: Courier Volume: 2 Issue: 4\n\n{SMELTER}\n{hackers}\n")
    assert run_cli("ingest", str(path)).exit_code == 0
    [hit] = _ask(run_cli, "hackers ransom e-mail")
    assert hit["text"] == hackers


def test_briefs_pasted_from_an_email_reply_are_read_and_said_so(
    run_cli: Callable[..., Result], brief_file: Callable[..., Path]
) -> None:
    path = brief_file(
        "> Publication: Courier Volume: 2 Issue: 4\n>\n> " + SMELTER + ">\n> -- \n"
        "> Ivan Petrov\n> Senior analyst, Courier desk\n",
        name="reply.txt",
    )
    result = run_cli("ingest", str(path))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[:2] == [
        f"{path}, line 1: the text is quoted as in an e-mail reply; the '>' marks were taken off",
        f"{path}, line 5: the e-mail signature under '--' (2 line(s)) was left out of the brief",
    ]
    # Before: rejected whole ("no header line"); without the quotes, the signature was a
    # passage, quoted with high confidence for "who is Ivan Petrov?".
    [hit] = _ask(run_cli, "copper smelter closure")
    assert (hit["citation"], hit["text"]) == ("Courier, Vol. 2, Issue 4", SMELTER.strip())
    assert all("Petrov" not in hit["text"] for hit in _ask(run_cli, "who is Ivan Petrov?"))


def test_a_forwarded_emails_header_above_the_brief_is_left_out(
    run_cli: Callable[..., Result], brief_file: Callable[..., Path]
) -> None:
    path = brief_file(
        "---------- Forwarded message ---------\nFrom: Ivan <ivan@example.org>\n"
        "Date: Mon, Mar 4, 1998 at 10:00\nSubject: brief for the archive\n\n"
        "Publication: Courier Volume: 2 Issue: 4\n\n" + SMELTER
    )
    result = run_cli("ingest", str(path))
    # Before: rejected whole, "text before the first 'Publication:' header line".
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == (
        f"{path}, line 1: the e-mail's header (4 line(s): From, Subject …) above the first brief "
        "was left out"
    )
    [hit] = _ask(run_cli, "copper smelter")
    assert hit["citation"] == "Courier, Vol. 2, Issue 4"


def test_a_double_dash_between_items_is_no_signature(
    archive: Archive, brief_file: Callable[..., Path]
) -> None:
    items = "".join(f"{text}\n--\n" for text in (GRAIN, SMELTER)) + VODKA
    path = brief_file("Publication: Courier Volume: 2 Issue: 4\n\n" + items)
    report = archive.ingest([path])
    assert report.notices == []
    [(*_, text)] = _briefs(archive)
    assert "vodka" in str(text)


def test_a_source_alone_on_its_line_stays_with_its_paragraph(
    run_cli: Callable[..., Result], brief_file: Callable[..., Path]
) -> None:
    path = brief_file(
        "Publication: Courier Volume: 2 Issue: 4\n\n"
        + SMELTER.replace(" (Reuters, March 4)", "\n\n(Reuters, March 4)")
        + "\n"
        + VODKA
        + "\n(Itar-Tass, May 21; Interfax, May 22)\n",
    )
    assert run_cli("ingest", str(path)).exit_code == 0
    # Before, "(Itar-Tass, May 21; Interfax, May 22)" was a passage of its own and the answer.
    [hit, *_] = _ask(run_cli, "what did Itar-Tass report on May 21?")
    assert hit["text"] == VODKA.strip() + " (Itar-Tass, May 21; Interfax, May 22)"
    [hit, *_] = _ask(run_cli, "Reuters on the smelter closure")
    assert hit["text"] == SMELTER.strip()


def test_a_publication_in_smart_quotes_is_the_publication(
    run_cli: Callable[..., Result], brief_file: Callable[..., Path]
) -> None:
    path = brief_file(
        "Publication: \u201cCourier\u201d Volume: 2 Issue: 4\nTitle: \u00abSmelter closes\u00bb\n\n"
        + SMELTER,
    )
    assert run_cli("ingest", str(path)).exit_code == 0
    [hit] = _ask(run_cli, "copper smelter", "--publication", "Courier")
    assert hit["citation"] == "Courier, Vol. 2, Issue 4 \u2014 \u201cSmelter closes\u201d"


APPEND_FOREVER = """
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
while True:
    os.write(fd, sys.argv[2].encode())
    time.sleep(0.0001)
"""


def test_a_file_changing_while_read_is_read_again_or_rejected(
    run_cli: Callable[..., Result], brief_file: Callable[..., Path], fork: Callable[..., Forked]
) -> None:
    # A brief, its footer, then ~10 MB the parser drops after the footer: each read of the file
    # takes milliseconds, its parsing little.
    path = brief_file(
        "Publication: Courier Volume: 2 Issue: 4\n\n"
        + SMELTER
        + "\nCopyright 1998 Eastern Studies Institute.\n"
        + "reprints " * 1_200_000
        + "\n",
        name="export.txt",
    )
    size = path.stat().st_size
    writer = fork(APPEND_FOREVER, str(path), VODKA)
    outputs: list[str] = []
    try:
        while path.stat().st_size == size:  # until the writer is writing
            assert writer.poll() is None
        # A read the writer happens not to write during (it waits for a core) is a right read:
        # the file is ingested until one run sees it change.
        while len(outputs) < 30 and "changed while it was read" not in "".join(outputs):
            result = run_cli("ingest", "--no-index", str(path))
            outputs.append(f"exit {result.exit_code}: {result.output}")
    finally:
        writer.kill()
        writer.wait(10)
    # Before, the file was stored as it was at the moment it was read, in silence (exit 0): an
    # export still being written lost its last briefs. Now it is read until it stays the same
    # through a read (and that version stored, with a notice), or rejected after three reads.
    rejected = (
        f"exit 1: rejected: {path}: changed while it was read, 3 times in a row (is it still "
        "being written?); nothing of it was stored: ingest it again once it is complete"
    )
    read_again = f"exit 0: {path}: changed while it was read, so it was read again ("
    assert outputs[-1].startswith((rejected, read_again)), outputs


def test_jsonl_fields_under_other_names_are_told_of(
    run_cli: Callable[..., Result], brief_file: Callable[..., Path]
) -> None:
    records = [
        {"id": "a", "publication": "Courier", "volume": 2, "issue": 4, "text": SMELTER.strip()},
        {
            "id": "b",
            "publication": "Courier",
            "vol": 2,
            "no": 5,
            "headline": "Vodka",
            "text": VODKA,
        },
        {"id": "c", "publication": "Courier", "title": "Grain sale", "body": GRAIN},
        {"id": "d", "publication": "Courier", "volume": 2, "issue": 6, "text": GRAIN, "tags": []},
    ]
    path = brief_file("".join(json.dumps(r) + "\n" for r in records), "recent.jsonl")
    result = run_cli("ingest", str(path))
    # Before: "b" stored without its volume, issue and title in silence (its citation just
    # "Courier"), "c" stored with its title as its whole text, the body lost.
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        f'{path}: line 2: field(s) not read: "vol" (briefbot reads "volume"), "no" (briefbot '
        'reads "issue"), "headline" (briefbot reads "title"); those briefs were stored without '
        "them, so their citations lack them: rename the fields and ingest it again",
        f'rejected: {path}, line 3: has no "text" but a "body"; name that field "text" '
        '(briefbot reads "text" as the brief)',
    ]
    assert "3 added" in result.output


def test_jsonl_saved_as_txt_is_read_as_jsonl(
    run_cli: Callable[..., Result], brief_file: Callable[..., Path]
) -> None:
    record = {"publication": "Courier", "volume": 2, "issue": 4, "text": SMELTER.strip()}
    path = brief_file(json.dumps(record) + "\n", "export.txt")
    result = run_cli("ingest", str(path))
    # Before: rejected, "no header line 'Publication: NAME Volume: N Issue: M' found".
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == (
        f"{path}: holds JSON records, not briefs as text: read as JSONL"
    )
    [hit] = _ask(run_cli, "copper smelter")
    assert hit["citation"] == "Courier, Vol. 2, Issue 4"


def test_a_brief_pasted_twice_is_stored_once(
    archive: Archive, brief_file: Callable[..., Path]
) -> None:
    brief = "Publication: Courier Volume: 2 Issue: 4\n\n" + SMELTER
    path = brief_file(f"{brief}\n{brief}\nPublication: Courier Volume: 2 Issue: 5\n\n{VODKA}")
    report = archive.ingest([path])
    # Before: two briefs alike, each answer and digest listing it twice.
    assert report.notices == [f"{path}, line 5: the same brief as line 1 again; stored once"]
    assert [b[2] for b in _briefs(archive)] == [4, 5]


@pytest.mark.parametrize(
    ("header", "said"),
    [
        (
            "Publication: Courier Vol. 4, No. 142",
            "header line has no volume; write e.g. 'Publication: Monitor Volume: 4 Issue: 142' "
            "(not 'Vol. 4')",
        ),
        (
            "Publication: Courier Volume: IV Issue: 142",
            "header line has a non-numeric volume 'IV'; use digits, e.g. 'Volume: 4' (IV is 4 in "
            "Roman numerals)",
        ),
        (
            # Before, read as a brief titled "<html><body>", its tags in the text.
            "<html><body>\nPublication: Courier Volume: 2 Issue: 4\n<p>",
            "looks like a web page (HTML) saved as text, which briefbot does not read; save it as "
            "plain text (or copy its text from the browser) with a 'Publication: NAME Volume: N "
            "Issue: M' line above each brief",
        ),
        (
            "<html><body><p>Publication: Courier Volume: 2 Issue: 4</p>",
            "looks like a web page (HTML) saved as text, which briefbot does not read; save it as "
            "plain text (or copy its text from the browser) with a 'Publication: NAME Volume: N "
            "Issue: M' line above each brief",
        ),
    ],
)
def test_a_header_written_another_way_is_refused_with_the_fix(
    archive: Archive, brief_file: Callable[..., Path], header: str, said: str
) -> None:
    report = archive.ingest([brief_file(f"{header}\n\n{SMELTER}")])
    assert [(r.line, r.reason) for r in report.rejected] == [(1, said)]


DUMA = VODKA.strip() + " Deputies of the agrarian faction said it would hurt distillers.\n"
"""A paragraph of prose (``MIN_PROSE_WORDS``) to follow boilerplate in the middle of a brief."""


def _courier(brief_file: Callable[..., Path], middle: str, end: str = "") -> Path:
    """Return a file of one Courier brief: SMELTER, ``middle``, DUMA, then ``end``."""
    return brief_file(
        f"Publication: Courier Volume: 2 Issue: 4\n\n{SMELTER}\n{middle}\n\n{DUMA}{end}"
    )


def test_text_after_an_advertisement_in_the_middle_is_kept_and_said(
    run_cli: Callable[..., Result], brief_file: Callable[..., Path]
) -> None:
    path = _courier(
        brief_file,
        "To subscribe to the Courier, please contact desk@example.org.",
        "\nThe Courier is a publication of the Eastern Studies Institute.\n\n"
        "Site maintenance by Example Web Works\n",
    )
    result = run_cli("ingest", str(path))
    assert result.stderr.splitlines()[0] == (
        f"{path}, line 1: a paragraph read as the publisher's boilerplate ('To subscribe to the "
        "Courier, please contact…') was left out, and the 1 paragraph(s) of prose after it kept "
        "as the brief's text; if they are the publisher's too, add a --footer-pattern for them"
    )
    # Before, everything after the advertisement was dropped with it, in silence.
    [hit] = _ask(run_cli, "vodka excise distillers")
    assert (hit["citation"], hit["text"]) == ("Courier, Vol. 2, Issue 4", DUMA.strip())
    assert _ask(run_cli, "who does the site maintenance?") == []


def test_news_with_one_footer_phrase_in_the_middle_of_a_brief_is_kept(
    archive: Archive, brief_file: Callable[..., Path]
) -> None:
    # A brief on a copyright law: its second paragraph holds "unauthorized reproduction", one of
    # the footer's phrases. It and everything after it were dropped, in silence.
    law = (
        "Unauthorized reproduction of music and software is now punishable by up to five years "
        "in prison, the new law says."
    )
    raid = "Police raided two plants near Vostokgrad and seized 40,000 discs, officials said."
    report = archive.ingest(
        [
            brief_file(
                f"Publication: Courier Volume: 2 Issue: 4\n\n{SMELTER}\n{law}\n\n{raid} — OV\n"
            )
        ]
    )
    assert report.added == 1
    [(*_, text)] = _briefs(archive)
    assert text == "\n\n".join([SMELTER.strip(), law, raid])
    # Kept, and said: a copyright line between two items would be the publisher's.
    [note] = report.notices
    assert note.endswith(
        "line 1: a paragraph with a phrase of the publisher's boilerplate in the middle of the "
        "brief ('Unauthorized reproduction of music and software is now…') was kept as its "
        "text; if it is the publisher's, add a --footer-pattern for it"
    )


def test_a_paragraph_of_the_users_footer_pattern_in_the_middle_is_left_out(
    run_cli: Callable[..., Result], brief_file: Callable[..., Path]
) -> None:
    # One phrase of a footer in the middle of a brief is read as news; one the user named as
    # the publisher's with --footer-pattern was kept as news too, in silence.
    path = _courier(brief_file, "Distributed by Acme Newswire Service.")
    result = run_cli("ingest", "--footer-pattern", r"\bdistributed by acme\b", str(path))
    assert result.stderr.splitlines()[0].startswith(
        f"{path}, line 1: a paragraph read as the publisher's boilerplate ('Distributed by Acme"
    )
    hits = _ask(run_cli, "acme newswire distributed vodka")
    assert [h["text"] for h in hits] == [DUMA.strip()]


def test_a_short_last_paragraph_signed_by_its_author_after_boilerplate_is_kept(
    archive: Archive, brief_file: Callable[..., Path]
) -> None:
    # A sign-off ends the brief's own text: however short its paragraph, it is no footer's.
    ad = "To subscribe to the Courier, please contact desk@example.org."
    raid = "Police raided two plants near Vostokgrad and seized 40,000 discs, officials said."
    report = archive.ingest(
        [brief_file(f"Publication: Courier Volume: 2 Issue: 4\n\n{SMELTER}\n{ad}\n\n{raid} — OV\n")]
    )
    assert report.added == 1
    [(*_, text)] = _briefs(archive)
    assert text == "\n\n".join([SMELTER.strip(), raid])
    # The advertisement is left out, and said so.
    [note] = report.notices
    assert "read as the publisher's boilerplate ('To subscribe" in note


def test_a_header_that_names_the_publication_last_is_a_header(
    run_cli: Callable[..., Result], brief_file: Callable[..., Path]
) -> None:
    path = brief_file("Volume: 2 Issue: 4 Publication: Courier\n\n" + SMELTER)
    # Before: rejected whole, "no header line 'Publication: NAME Volume: N Issue: M' found".
    assert run_cli("ingest", str(path)).exit_code == 0
    [hit] = _ask(run_cli, "copper smelter")
    assert hit["citation"] == "Courier, Vol. 2, Issue 4"


def test_a_quoted_printable_paste_is_decoded_and_said(
    run_cli: Callable[..., Result], brief_file: Callable[..., Path]
) -> None:
    text = (
        "Publication: Courier Volume: 2 Issue: 4\n\nKazakhstan\u2019s president declared that "
        "state corruption is now a major threat to national security. (Interfax, July 10)\n"
    )
    path = brief_file(quopri.encodestring(text.encode()).decode("ascii"))
    result = run_cli("ingest", str(path))
    assert result.stderr.splitlines()[0] == (
        f"{path}: written in an e-mail's quoted-printable ('=E2=80=99' for a character, '=' at "
        "the end of a wrapped line); decoded"
    )
    # Before: stored as "Kazakhstan=E2=80=99s … state corr= uption", never found.
    [hit] = _ask(run_cli, "corruption threat")
    assert hit["text"] == text.split("\n\n")[1].strip()


def test_rules_drawn_with_equals_signs_are_no_quoted_printable(
    archive: Archive, brief_file: Callable[..., Path]
) -> None:
    rule = "=" * 40 + "\n"
    path = brief_file(
        f"Publication: Courier Volume: 2 Issue: 4\n\n{rule}{SMELTER}{rule}{rule}{GRAIN}"
    )
    report = archive.ingest([path])
    assert report.notices == []
    [(*_, text)] = _briefs(archive)
    assert text == SMELTER.strip() + "\n\n" + GRAIN.strip()


PDF_COPY = (
    "Kazakhstan's President Nursultan Nazarbaev declared that state corrup-\n"
    "tion is now a major threat to national security, and that a well-\n"
    "known anti-corruption campaign would start in the regions at once,\n"
    "beginning with the customs service. (Khabar, May 3)\n"
)
"""A paragraph copied from a PDF: wrapped at 70 characters, words hyphenated at line ends."""


@pytest.mark.parametrize("after", ["", "\n" + VODKA])
def test_a_wrapped_text_is_one_paragraph_its_hyphenated_words_whole(
    run_cli: Callable[..., Result], brief_file: Callable[..., Path], after: str
) -> None:
    # With a paragraph after it, the wrapped one is a block of lines between blank lines; alone,
    # the lines of a text with no blank line.
    path = brief_file(f"Publication: Courier Volume: 2 Issue: 4\n{PDF_COPY}{after}")
    assert run_cli("ingest", str(path)).exit_code == 0
    # Before: "state corrup- tion … a well- known", never found as "corruption"; without a
    # blank line under the header each line was a passage, the first one the brief's title.
    [hit] = _ask(run_cli, "state corruption threat")
    assert hit["citation"] == "Courier, Vol. 2, Issue 4"
    assert hit["text"] == (
        "Kazakhstan's President Nursultan Nazarbaev declared that state corruption is now a major "
        "threat to national security, and that a well-known anti-corruption campaign would start "
        "in the regions at once, beginning with the customs service. (Khabar, May 3)"
    )


def test_a_paragraph_a_line_without_blank_lines_stays_so(
    archive: Archive, brief_file: Callable[..., Path]
) -> None:
    path = brief_file(f"Publication: Courier Volume: 2 Issue: 4\n{SMELTER}{GRAIN}{VODKA}")
    archive.ingest([path])
    passages = archive.store.db.execute("SELECT text FROM passages ORDER BY id").fetchall()
    assert [text for (text,) in passages] == [p.strip() for p in (SMELTER, GRAIN, VODKA)]


def test_a_header_copied_from_another_issue_is_told_of(
    run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    folder = tmp_path / "courier" / "vol2"
    folder.mkdir(parents=True)
    (folder / "issue142.txt").write_text("Publication: Courier Volume: 2 Issue: 142\n\n" + GRAIN)
    (folder / "issue143.txt").write_text("Publication: Courier Volume: 2 Issue: 142\n\n" + SMELTER)
    result = run_cli("ingest", str(tmp_path))
    # Before: both stored as Issue 142 in silence, the smelter brief cited with the wrong issue.
    assert result.stderr.splitlines()[0] == (
        f"{folder}/issue143.txt: its name says issue 143, but its briefs are of Issue 142: was "
        "the header copied from another file? Fix the header (or the name) and ingest it again"
    )
    assert "2 added" in result.output


def test_a_header_run_into_the_text_before_it_starts_a_brief(
    run_cli: Callable[..., Result], brief_file: Callable[..., Path]
) -> None:
    path = brief_file(
        "Publication: Courier Volume: 2 Issue: 4\n\n"
        + SMELTER.strip()
        + " Publication: Courier Volume: 2 Issue: 5\n\n"
        + VODKA
        + "\nPublication: Courier Volume: 2 Issue: 6 Date: 03.04.1998\n\n"
        + GRAIN
    )
    result = run_cli("ingest", str(path))
    assert result.stderr.splitlines()[:2] == [
        f"{path}, line 3: a header runs on from the text before it on that line; read as the "
        "start of a brief of its own (put it on a line of its own)",
        f"rejected: {path}, line 7: header line has a date '03.04.1998' that is not a day "
        "written YYYY-MM-DD; write it as e.g. 'Date: 1998-07-20'",
    ]
    # Before: the vodka brief was part of the smelter brief, cited "Issue 4".
    [hit] = _ask(run_cli, "vodka excise")
    assert (hit["citation"], hit["text"]) == ("Courier, Vol. 2, Issue 5", VODKA.strip())


def test_a_misspelt_publication_is_told_of(archive: Archive, tmp_path: Path) -> None:
    texts = {
        "1.txt": "Publication: Courier Volume: 2 Issue: 1\n\n" + GRAIN,
        "2.txt": "Publication: Courier Volume: 2 Issue: 2\n\n" + VODKA,
        "3.txt": "Publication: COURIER Volume: 2 Issue: 3\n\n" + SMELTER,
    }
    for name, text in texts.items():
        (tmp_path / name).write_text(text)
    report = archive.ingest([tmp_path])
    # Before: "COURIER" and "Courrier" were publications of their own, in silence.
    assert report.notices == [
        "publication 'COURIER' (3.txt) is new to the archive, which holds 'Courier' (2 briefs): a "
        "typo? If so, fix the header and ingest the file again"
    ]
    (tmp_path / "4.txt").write_text("Publication: Courrier Volume: 2 Issue: 4\n\n" + SMELTER)
    report = archive.ingest([tmp_path / "4.txt"])
    assert report.notices == [
        "publication 'Courrier' (4.txt) is new to the archive, which holds 'Courier' (2 briefs): "
        "a typo? If so, fix the header and ingest the file again"
    ]


def test_a_brief_dated_in_the_future_is_told_of(
    run_cli: Callable[..., Result], brief_file: Callable[..., Path]
) -> None:
    text = brief_file("Publication: Courier Volume: 2 Issue: 4 Date: 2098-03-04\n\n" + SMELTER)
    record = {"publication": "Courier", "volume": 2, "issue": 5, "date": "1999-01-02"}
    jsonl = brief_file(json.dumps({**record, "text": VODKA}) + "\n", "recent.jsonl")
    result = run_cli("ingest", str(text), str(jsonl))
    # Before: stored in silence, the newest brief of the archive for ever ("what's new?").
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == (
        f"{text}: a brief dated after today (2098-03-04): a typo in the year? Fix the date and "
        "ingest the file again"
    )
    assert "1999-01-02" not in result.stderr


def test_whole_numbers_written_as_floats_are_read(
    archive: Archive, brief_file: Callable[..., Path]
) -> None:
    # pandas writes a whole-number column with a missing value as floats: 2.0, 4.0, null.
    records = [
        {"publication": "Courier", "volume": 2.0, "issue": 4.0, "text": SMELTER},
        {"publication": "Courier", "volume": None, "issue": 5.0, "text": VODKA},
        {"publication": "Courier", "volume": 2.5, "issue": 6, "text": GRAIN},
    ]
    path = brief_file("".join(json.dumps(r) + "\n" for r in records), "export.jsonl")
    report = archive.ingest([path])
    # Before: every line with a float rejected ("has a non-numeric volume 2.0").
    assert [(r.line, r.reason) for r in report.rejected] == [
        (3, "has a non-numeric volume 2.5; use a whole number")
    ]
    assert [b[1:3] for b in _briefs(archive)] == [(2, 4), (None, 5)]


def test_a_file_ingested_alone_is_checked_as_a_run_is(archive: Archive) -> None:
    # The inbox and an admin's upload ingest one file at a time (``ingest_bytes``).
    said: list[list[str]] = []
    for name, header in [
        ("1.txt", "Publication: Courier Volume: 2 Issue: 1"),
        ("2.txt", "Publication: Courrier Volume: 2 Issue: 2 Date: 2098-01-02"),
    ]:
        ingester = Ingester(archive.store)
        ingester.ingest_bytes(f"{header}\n\n{VODKA}".encode(), name, jsonl=False, origin=name)
        said.append(ingester.report.notices)
    assert said == [
        [],
        [
            "publication 'Courrier' (2.txt) is new to the archive, which holds 'Courier' (1 "
            "brief): a typo? If so, fix the header and ingest the file again",
            "2.txt: a brief dated after today (2098-01-02): a typo in the year? Fix the date and "
            "ingest the file again",
        ],
    ]


def test_a_list_of_headlines_a_line_is_no_wrapped_text(
    archive: Archive, brief_file: Callable[..., Path]
) -> None:
    items = [
        "Kazakhstan: the president dismisses the customs chief over bribes",
        "Russia: the Duma raises the excise on imported vodka by a third",
        "Ukraine: the central bank lets the hryvnia slide past its band",
    ]
    archive.ingest([brief_file("Publication: Courier Volume: 2 Issue: 4\n" + "\n".join(items))])
    passages = archive.store.db.execute("SELECT text FROM passages ORDER BY id").fetchall()
    assert [text for (text,) in passages] == items[1:]  # the first line is the title
