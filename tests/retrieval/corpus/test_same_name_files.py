"""Two files of the same name are told apart by their issues, and one file named two ways is
found again (user trial 2, F41 and F35); an ingest that removes briefs names them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from retrieval.corpus.identity import OriginChoice, choose_origin, shown_origin
from retrieval.corpus.ingest import Ingester
from retrieval.corpus.store import Store

Run = Callable[..., Result]
MONDAY = (
    "Publication: Monitor Volume: 6 Issue: 21\nTitle: Wheat through Aktau\n\n"
    "Kazakh grain traders shipped wheat to Iran through the port of Aktau this week.\n"
)
TUESDAY = (
    "Publication: Monitor Volume: 6 Issue: 22\nTitle: Donetsk miners strike\n\n"
    "Ukrainian miners in Donetsk struck again over unpaid wages.\n"
)
ISSUE_142 = (
    "Publication: Monitor Volume: 4 Issue: 142\nTitle: Council reviews corruption\n\n"
    "The security council has 300 corruption cases under review, Nazarbaev said.\n"
)
BESIDE = (
    "stored beside the briefs an earlier monitor.txt holds (Monitor, Vol. 6, Issue 21), which "
    "share none of its issues: a different file of the same name, so they are kept (if it "
    "replaces them: briefbot remove Monitor 6 21)"
)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _briefs(db_path: Path) -> list[tuple[int, str, int, str]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT id, key, issue, text FROM briefs ORDER BY id").fetchall()
    finally:
        conn.close()


def _taken_as(path: Path, name: str) -> str:
    return (
        f"{path}: taken as {name}, stored before with its issues (Monitor, Vol. 4, Issue 142): "
        "its briefs replace what that file held"
    )


def _ingest(run_cli: Run, path: Path) -> tuple[str, list[str]]:
    result = run_cli("ingest", "--no-index", str(path))
    assert result.exit_code == 0, result.output
    return result.stdout.split(" (")[0], result.stderr.splitlines()


def test_a_second_file_of_the_same_name_is_stored_beside_the_first(
    run_cli: Run, db_path: Path, tmp_path: Path
) -> None:
    monday = _write(tmp_path / "days" / "mon" / "monitor.txt", MONDAY)
    tuesday = _write(tmp_path / "days" / "tue" / "monitor.txt", TUESDAY)
    _ingest(run_cli, monday)
    summary, lines = _ingest(run_cli, tuesday)
    assert summary == "1 added, 0 updated, 0 removed, 0 unchanged, 0 rejected"
    assert lines == [f"{tuesday}: {BESIDE}"]
    assert [(key, issue) for _, key, issue, _ in _briefs(db_path)] == [
        ("src:monitor.txt#0", 21),
        ("src:monitor.txt//2#0", 22),
    ]
    # Each is found again: unchanged, then a correction of Tuesday's replaces Tuesday's only.
    assert _ingest(run_cli, monday) == (
        "0 added, 0 updated, 0 removed, 1 unchanged, 0 rejected",
        [],
    )
    assert _ingest(run_cli, tuesday)[0] == "0 added, 0 updated, 0 removed, 1 unchanged, 0 rejected"
    _write(tuesday, TUESDAY.replace("struck again", "struck for a third week"))
    assert _ingest(run_cli, tuesday) == (
        "0 added, 1 updated, 0 removed, 0 unchanged, 0 rejected",
        [],
    )
    rows = _briefs(db_path)
    assert [r[0] for r in rows] == [1, 2] and "third week" in rows[1][3]
    assert "Aktau" in rows[0][3]


def test_a_third_file_of_the_name_gets_its_own_number(
    run_cli: Run, db_path: Path, tmp_path: Path
) -> None:
    for day, text in [("mon", MONDAY), ("tue", TUESDAY), ("wed", ISSUE_142)]:
        _ingest(run_cli, _write(tmp_path / day / "monitor.txt", text))
    keys = [key for _, key, _, _ in _briefs(db_path)]
    assert keys == ["src:monitor.txt#0", "src:monitor.txt//2#0", "src:monitor.txt//3#0"]
    _, lines = _ingest(run_cli, tmp_path / "wed" / "monitor.txt")
    assert lines == []  # found again among the three


def test_a_file_holding_the_issues_of_two_same_named_files_says_what_is_stored_twice(
    run_cli: Run, db_path: Path, tmp_path: Path
) -> None:
    # Monday's and Tuesday's monitor.txt, then one holding both: Tuesday's brief was stored a
    # second time, in silence, and quoted twice (reviewer).
    _ingest(run_cli, _write(tmp_path / "mon" / "monitor.txt", MONDAY))
    _ingest(run_cli, _write(tmp_path / "tue" / "monitor.txt", TUESDAY))
    both = _write(tmp_path / "week" / "monitor.txt", MONDAY + "\n" + TUESDAY)
    summary, lines = _ingest(run_cli, both)
    assert summary == "1 added, 0 updated, 0 removed, 1 unchanged, 0 rejected"
    assert lines == [
        f"{both}: its issues Monitor, Vol. 6, Issue 22 are also held by another stored file "
        "named monitor.txt, so they are stored twice; to keep only this file's, take the other "
        "out with briefbot remove --source and the path it was ingested as"
    ]
    # The way it names takes Tuesday's copy out, and only it.
    removed = run_cli("remove", "--source", str(tmp_path / "tue" / "monitor.txt"))
    assert removed.exit_code == 0 and removed.stdout.strip().endswith("1 brief removed")
    assert sorted(issue for _, _, issue, _ in _briefs(db_path)) == [21, 22]


def test_a_file_sharing_an_issue_still_replaces_what_it_held(
    run_cli: Run, db_path: Path, tmp_path: Path
) -> None:
    path = _write(tmp_path / "monitor.txt", MONDAY + "\n" + TUESDAY)
    _ingest(run_cli, path)
    _write(path, TUESDAY)
    summary, lines = _ingest(run_cli, path)
    assert summary == "0 added, 0 updated, 1 removed, 1 unchanged, 0 rejected"
    assert lines == [
        f"{path}: removed 1 brief it no longer holds: Monitor, Vol. 6, Issue 21 — "
        "“Wheat through Aktau”"
    ]
    assert [issue for _, _, issue, _ in _briefs(db_path)] == [22]


def test_a_file_named_alone_replaces_its_copy_ingested_with_its_folder(
    run_cli: Run, db_path: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    path = _write(archive / "monitor" / "vol4" / "issue142.txt", ISSUE_142)
    _write(archive / "prism" / "vol4" / "issue142.txt", ISSUE_142.replace("Monitor", "Prism"))
    _ingest(run_cli, archive)
    _write(path, ISSUE_142.replace("300", "310"))
    summary, lines = _ingest(run_cli, path)
    assert summary == "0 added, 1 updated, 0 removed, 0 unchanged, 0 rejected"
    assert lines == [_taken_as(path, "monitor/vol4/issue142.txt")]
    texts = [text for _, _, _, text in _briefs(db_path)]
    assert len(texts) == 2 and "310" in texts[0] and "300" in texts[1]  # Prism's kept
    answer = run_cli("ask", "how many corruption cases is the security council reviewing").stdout
    assert "has 310" in answer and "Monitor" in answer
    assert "Monitor, Vol. 4, Issue 142" in answer and answer.count("has 300") <= 1
    # The folder ingested again finds the file where it was.
    assert _ingest(run_cli, archive)[0] == "0 added, 0 updated, 0 removed, 2 unchanged, 0 rejected"


def test_a_folder_ingested_after_its_file_finds_the_file(
    run_cli: Run, db_path: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    path = _write(archive / "monitor" / "vol4" / "issue142.txt", ISSUE_142)
    _ingest(run_cli, path)
    summary, lines = _ingest(run_cli, archive)
    assert summary == "0 added, 0 updated, 0 removed, 1 unchanged, 0 rejected"
    assert lines == [_taken_as(path, "issue142.txt")]
    assert len(_briefs(db_path)) == 1


def test_two_files_of_one_name_in_one_run_are_both_kept(
    run_cli: Run, db_path: Path, tmp_path: Path
) -> None:
    monday = _write(tmp_path / "mon" / "monitor.txt", MONDAY)
    tuesday = _write(tmp_path / "tue" / "monitor.txt", TUESDAY)
    result = run_cli("ingest", "--no-index", str(monday), str(tuesday))
    assert result.stdout.startswith("2 added, 0 updated, 0 removed")
    assert result.stderr.splitlines() == [f"{tuesday}: {BESIDE}"]


def test_bulk_run_tells_same_named_files_apart(store: Store, tmp_path: Path) -> None:
    monday = _write(tmp_path / "mon" / "monitor.txt", MONDAY)
    tuesday = _write(tmp_path / "tue" / "monitor.txt", TUESDAY)
    Ingester(store).ingest_paths([monday])
    report = Ingester(store, workers=0).ingest_paths([tuesday, monday])
    assert (report.added, report.removed, report.unchanged) == (1, 0, 1)
    assert report.notices == [f"{tuesday}: {BESIDE}"]


def test_jsonl_records_without_ids_are_told_apart_by_their_issues(
    store: Store, tmp_path: Path
) -> None:
    def records(issue: int, text: str) -> str:
        return json.dumps({"publication": "Monitor", "volume": 6, "issue": issue, "text": text})

    first = _write(tmp_path / "a" / "feed.jsonl", records(21, "Wheat through Aktau.") + "\n")
    second = _write(tmp_path / "b" / "feed.jsonl", records(22, "Miners strike.") + "\n")
    Ingester(store).ingest_paths([first])
    report = Ingester(store).ingest_paths([second])
    assert (report.added, report.removed) == (1, 0)
    assert report.notices[0].startswith(f"{second}: stored beside the briefs an earlier feed.jsonl")
    keys = [r[0] for r in store.db.execute("SELECT key FROM briefs ORDER BY id")]
    assert keys == ["src:feed.jsonl#0", "src:feed.jsonl//2#0"]
    _write(second, records(22, "Miners strike again.") + "\n")
    report = Ingester(store).ingest_paths([second])
    assert (report.added, report.updated, report.removed, report.notices) == (0, 1, 0, [])


def test_stdin_briefs_are_still_matched_by_their_citation(store: Store) -> None:
    ingester = Ingester(store)
    ingester.ingest_bytes(MONDAY.encode(), "<stdin>", jsonl=False)
    ingester.ingest_bytes(TUESDAY.encode(), "<stdin>", jsonl=False)
    ingester.ingest_bytes(MONDAY.encode(), "<stdin>", jsonl=False)
    report = ingester.report
    assert (report.added, report.unchanged, report.removed, report.notices) == (2, 1, 0, [])


def test_remove_by_source_name_finds_files_stored_beside(
    run_cli: Run, db_path: Path, tmp_path: Path
) -> None:
    _ingest(run_cli, _write(tmp_path / "mon" / "monitor.txt", MONDAY))
    _ingest(run_cli, _write(tmp_path / "tue" / "monitor.txt", TUESDAY))
    listed = run_cli("remove", "--dry-run", "--source", "monitor.txt").stdout
    assert "Issue 21" in listed and "Issue 22" in listed
    assert "monitor.txt//2" not in listed


def test_the_folder_of_two_same_named_files_finds_each(
    run_cli: Run, db_path: Path, tmp_path: Path
) -> None:
    days = tmp_path / "days"
    _ingest(run_cli, _write(days / "mon" / "monitor.txt", MONDAY))
    _ingest(run_cli, _write(days / "tue" / "monitor.txt", TUESDAY))
    summary, lines = _ingest(run_cli, days)
    assert summary == "0 added, 0 updated, 0 removed, 2 unchanged, 0 rejected"
    assert [line.split(": taken as ")[1].split(", stored")[0] for line in lines] == [
        "monitor.txt",
        "monitor.txt (the 2nd file of that name)",
    ]
    assert len(_briefs(db_path)) == 2


def test_a_bulk_run_counts_what_it_does_not_tell_file_by_file(store: Store, tmp_path: Path) -> None:
    for year, publication in [("1998", "Monitor"), ("1999", "Prism")]:
        for n in range(14):
            text = ISSUE_142.replace("142", str(n)).replace("Monitor", publication)
            _write(tmp_path / year / f"issue{n:02}.txt", text + "\n" + text.replace("300", "7"))
    Ingester(store, workers=0).ingest_paths([tmp_path / "1998"])
    report = Ingester(store, workers=0).ingest_paths([tmp_path / "1999"])
    assert (report.added, report.removed) == (28, 0)
    assert [line.split(": ", 1)[1][:13] for line in report.notices[:10]] == ["stored beside"] * 10
    assert report.notices[10:] == [
        "and 4 more files stored beside the briefs of stored files of the same name, which "
        "share none of their issues"
    ]
    for n in range(14):
        text = ISSUE_142.replace("142", str(n))
        _write(tmp_path / "1998" / f"issue{n:02}.txt", text)
    report = Ingester(store, workers=0).ingest_paths([tmp_path / "1998"])
    assert (report.removed, report.unchanged) == (14, 14)
    assert report.notices[0].endswith(
        "removed 1 brief it no longer holds: Monitor, Vol. 4, Issue 0 — "
        "“Council reviews corruption”"
    )
    assert report.notices[10:] == [
        "and 4 more files ingested again removed 4 brief(s) they no longer hold"
    ]


@pytest.mark.parametrize(
    ("stored", "alone", "note"),
    [
        (  # two stored files of its name hold its issue
            {"a/issue142.txt": ISSUE_142, "b/issue142.txt": ISSUE_142.replace("Naz", "naz")},
            ISSUE_142.replace("300", "310"),
            "its issues are also stored from a/issue142.txt, b/issue142.txt, and it is not "
            "clear which of them it is; ingest it from its folder to replace that one",
        ),
        (  # the one stored file of its name holds an issue it lacks
            {"1998/monitor.txt": MONDAY + "\n" + TUESDAY},
            TUESDAY.replace("again", "once more"),
            "it shares issues with 1998/monitor.txt (Monitor, Vol. 6, Issue 22) but lacks "
            "others of it (Monitor, Vol. 6, Issue 21); if it is that file, ingest it from its "
            "folder to replace it",
        ),
    ],
)
def test_a_file_named_alone_is_not_guessed_into_another(
    run_cli: Run, tmp_path: Path, stored: dict[str, str], alone: str, note: str
) -> None:
    for name, text in stored.items():
        _write(tmp_path / "archive" / name, text)
    _ingest(run_cli, tmp_path / "archive")
    path = _write(tmp_path / "extra" / Path(next(iter(stored))).name, alone)
    summary, lines = _ingest(run_cli, path)
    assert summary.startswith("1 added, 0 updated, 0 removed")
    assert lines == [f"{path}: stored as a file of its own: {note}"]


@pytest.mark.parametrize(
    ("origin", "shown"),
    [
        ("monitor.txt", "monitor.txt"),
        ("a/b.txt//2", "a/b.txt (the 2nd file of that name)"),
        ("b.txt//11", "b.txt (the 11th file of that name)"),
        ("b.txt//21", "b.txt (the 21st file of that name)"),
    ],
)
def test_a_stored_origin_is_shown_as_its_file(origin: str, shown: str) -> None:
    assert shown_origin(origin) == shown


def test_equal_shares_go_to_the_file_of_the_name_first() -> None:
    monday, tuesday = ("Monitor", 6, 21), ("Monitor", 6, 22)
    stored = {"m.txt//3": {monday}, "m.txt//2": {tuesday}, "m.txt": {monday}}
    both = choose_origin("m.txt", {monday, tuesday}, stored, {})
    assert (both.origin, both.kind) == ("m.txt", "twice")  # its issues are in //2 and //3 too
    assert choose_origin("m.txt", {tuesday}, stored, {}) == OriginChoice("m.txt//2")
    beside = choose_origin("m.txt", {("Prism", 4, 1)}, stored, {})
    assert (beside.origin, beside.kind) == ("m.txt//4", "beside")
    assert "3 earlier files named m.txt hold" in str(beside.note)
