"""The inbox folder: new and changed files are ingested; a rejected file is reported once."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from retrieval.corpus.store import Store
from retrieval.delivery.inbox import Inbox
from retrieval.delivery.notices import Notices

NOW = dt.datetime(2024, 3, 1, 7, 0, tzinfo=dt.UTC)
GOOD = "Publication: Monitor Volume: 4 Issue: 1\nTitle: Oil\n\nOil output rose.\n"


def write(path: Path, text: str, *, age: dt.timedelta = dt.timedelta(minutes=5)) -> Path:
    """Write ``text`` to ``path`` and date it ``age`` before NOW (the test's clock)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    stamp = (NOW - age).timestamp()
    os.utime(path, (stamp, stamp))
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "inbox").mkdir()
    return tmp_path / "inbox"


@pytest.fixture
def inbox(store: Store, folder: Path) -> Inbox:
    return Inbox(store, folder, now=lambda: NOW)


def count(store: Store) -> int:
    return int(store.db.execute("SELECT count(*) FROM briefs").fetchone()[0])


def test_a_new_file_is_ingested_once(store: Store, folder: Path, inbox: Inbox) -> None:
    write(folder / "monitor" / "4-1.txt", GOOD)
    report = inbox.scan()
    assert (report.ingested, report.added) == ([str(folder / "monitor" / "4-1.txt")], 1)
    again = inbox.scan()
    assert (again.ingested, again.unchanged, again.added) == ([], 1, 0)
    assert count(store) == 1


def test_a_touched_but_unchanged_file_is_not_ingested_again(
    store: Store, folder: Path, inbox: Inbox
) -> None:
    path = write(folder / "a.txt", GOOD)
    inbox.scan()
    generation = store.generation()
    write(path, GOOD, age=dt.timedelta(minutes=1))  # new mtime, same content
    report = inbox.scan()
    assert (report.ingested, report.unchanged) == ([], 1)
    assert store.generation() == generation


def test_a_changed_file_updates_its_brief(store: Store, folder: Path, inbox: Inbox) -> None:
    path = write(folder / "a.txt", GOOD)
    inbox.scan()
    write(path, GOOD.replace("rose", "fell"), age=dt.timedelta(minutes=1))
    report = inbox.scan()
    assert (report.updated, report.added) == (1, 0)
    assert store.db.execute("SELECT text FROM briefs").fetchone()[0] == "Oil output fell."


def test_a_file_still_being_written_waits_for_the_next_scan(
    store: Store, folder: Path, inbox: Inbox
) -> None:
    path = write(folder / "a.txt", GOOD, age=dt.timedelta(seconds=1))
    report = inbox.scan()
    assert (report.waiting, count(store)) == ([str(path)], 0)
    write(path, GOOD, age=dt.timedelta(minutes=1))
    assert inbox.scan().added == 1


def test_a_rejected_file_is_reported_once_until_it_changes(
    store: Store, folder: Path, inbox: Inbox
) -> None:
    path = write(folder / "bad.txt", "no header here\n")
    report = inbox.scan()
    assert [r.reason for r in report.rejected] == [
        "no header line 'Publication: NAME Volume: N Issue: M' found; add one above each brief"
    ]
    write(path, "no header here\n", age=dt.timedelta(minutes=1))  # touched, same content
    inbox.scan()
    inbox.scan()
    [notice] = Notices(store).pending()
    assert notice.text.startswith(f"Inbox file {path} was not (fully) ingested:\n- {path}, line 1:")
    # Fixed: ingested, and nothing more to report.
    write(path, GOOD, age=dt.timedelta(seconds=30))
    assert inbox.scan().added == 1
    assert len(Notices(store).pending()) == 1


def test_bad_lines_of_a_jsonl_file_are_rejected_and_the_good_ones_kept(
    store: Store, folder: Path, inbox: Inbox
) -> None:
    write(folder / "feed.jsonl", '{"id": "a", "text": "Gas prices rose."}\n{"id": "b"}\nnot json\n')
    report = inbox.scan()
    assert report.added == 1
    assert [r.line for r in report.rejected] == [2, 3]
    [notice] = Notices(store).pending()
    assert 'line 2: has no "text"' in notice.text and "line 3: is not valid JSON" in notice.text


def test_an_oversized_file_is_refused_unread(store: Store, folder: Path) -> None:
    inbox = Inbox(store, folder, now=lambda: NOW, max_bytes=10)
    write(folder / "big.txt", GOOD)
    [rejection] = inbox.scan().rejected
    assert "over the 0 MB limit" in rejection.reason
    assert inbox.scan().rejected == []
    assert len(Notices(store).pending()) == 1


def test_a_missing_inbox_folder_is_reported_once(store: Store, tmp_path: Path) -> None:
    inbox = Inbox(store, tmp_path / "nowhere", now=lambda: NOW)
    assert "does not exist" in (inbox.scan().error or "")
    inbox.scan()
    [notice] = Notices(store).pending()
    assert "create it or point BRIEFBOT_INBOX elsewhere" in notice.text


def test_hidden_and_foreign_files_are_ignored(store: Store, folder: Path, inbox: Inbox) -> None:
    write(folder / ".partial.txt", GOOD)
    write(folder / "notes.md", "# notes")
    report = inbox.scan()
    assert (report.ingested, report.rejected, count(store)) == ([], [], 0)


def test_a_file_whose_name_is_not_utf8_is_ingested_and_later_files_still_are(
    store: Store, folder: Path, inbox: Inbox
) -> None:
    # Latin-1 "café" from an old archive: the name reaches Python with a lone surrogate, which
    # SQLite cannot store; it is shown and remembered with U+FFFD instead.
    odd = write(Path(os.fsdecode(bytes(folder) + b"/caf\xe9.txt")), GOOD)
    write(folder / "later.txt", GOOD.replace("Issue: 1", "Issue: 2"))
    report = inbox.scan()
    assert report.added == 2 and report.rejected == []
    assert str(folder / "caf\ufffd.txt") in report.ingested
    assert odd.exists() and count(store) == 2
    assert inbox.scan().unchanged == 2


def test_a_subfolder_that_cannot_be_listed_is_reported_once(
    store: Store,
    folder: Path,
    inbox: Inbox,
    unreadable: Callable[[Path], contextlib.AbstractContextManager[None]],
) -> None:
    # Its files were passed over in silence at every scan.
    write(folder / "a.txt", GOOD)
    write(folder / "1999" / "b.txt", GOOD.replace("Issue: 1", "Issue: 2"))
    with unreadable(folder / "1999"):
        inbox.scan()
        inbox.scan()
    [notice] = Notices(store).pending()
    assert notice.text == (
        f"Inbox folder {folder}/1999 cannot be listed (Permission denied), so none of its files "
        "are read; make it readable (chmod u+rx) and they are read at the next scan."
    )
    assert count(store) == 1
    inbox.scan()
    assert count(store) == 2


def test_a_file_ingested_with_notes_tells_the_admins_once(
    store: Store, folder: Path, inbox: Inbox
) -> None:
    # A brief dated after tomorrow (a year typed 2098) is stored and noted: the CLI prints the
    # note; the inbox only logged it, where no admin reads.
    path = write(folder / "ahead.txt", GOOD.replace("Title: Oil", "Date: 2098-03-01\nTitle: Oil"))
    report = inbox.scan()
    assert report.added == 1 and report.rejected == []
    [notice] = Notices(store).pending()
    assert notice.text.startswith(f"Inbox file {path} was ingested, with notes:\n- ")
    assert "2098" in notice.text
    assert notice.text.endswith("If one is a mistake, fix the file and save it again.")
    write(
        path,
        GOOD.replace("Title: Oil", "Date: 2098-03-01\nTitle: Oil"),
        age=dt.timedelta(minutes=1),
    )
    inbox.scan()
    assert len(Notices(store).pending()) == 1


def test_notes_go_with_rejections_but_a_whole_cp1251_file_is_no_news(
    store: Store, folder: Path, inbox: Inbox
) -> None:
    # A file with a rejected brief and a date ahead: both told. A file read whole as cp1251
    # (Russian sources): nothing to tell.
    ahead = GOOD.replace("Title: Oil", "Date: 2098-03-01\nTitle: Oil")
    write(folder / "both.txt", ahead + "\nPublication: Monitor Volume: 4 Issue: 2\n")
    cyrillic = folder / "ru.txt"
    cyrillic.write_bytes(GOOD.replace("Oil output rose.", "Добыча нефти выросла.").encode("cp1251"))
    stamp = (NOW - dt.timedelta(minutes=5)).timestamp()
    os.utime(cyrillic, (stamp, stamp))
    report = inbox.scan()
    assert report.added == 2 and len(report.rejected) == 1
    texts = sorted(n.text for n in Notices(store).pending())
    assert len(texts) == 2
    assert texts[0].startswith(f"Inbox file {folder / 'both.txt'} was ingested, with notes:")
    assert texts[1].startswith(f"Inbox file {folder / 'both.txt'} was not (fully) ingested:")
