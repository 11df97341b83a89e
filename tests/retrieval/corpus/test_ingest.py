"""Ingesting files: folders, JSONL, BEIR corpora, encodings and every kind of bad input."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from retrieval.archive import Archive
from retrieval.corpus.ingest import Ingester, find_sources

GOOD = "Publication: Monitor Volume: 4 Issue: 7\n\nThe pipeline opened on May 3.\n"


def test_folders_are_walked_recursively(archive: Archive, briefs_dir: Path) -> None:
    report = archive.ingest([briefs_dir])
    assert report.rejected == []
    assert report.added == 6  # 1 + 2 + 1 text briefs, 2 JSONL records
    pubs = {r["publication"] for r in archive.store.db.query("SELECT publication FROM briefs")}
    assert {"Monitor", "Prism", "Fortnight in Review"} <= pubs


def test_jsonl_fields_are_imported(archive: Archive, briefs_dir: Path) -> None:
    archive.ingest([briefs_dir / "recent.jsonl"])
    [row] = archive.store.db.query("SELECT * FROM briefs WHERE doc_id = 'ukr-1'")
    assert (row["publication"], row["volume"], row["issue"]) == ("Monitor", 5, 3)
    assert (row["date"], row["title"], row["author"]) == (
        "1999-01-06",
        "Ukraine's wage arrears",
        "OV",
    )
    assert row["url"] == "https://example.org/monitor/5/3"
    assert len(archive.store.passages_of_brief(row["id"])) == 2


def test_beir_corpus_imports_as_is_and_hits_carry_doc_id(archive: Archive, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        "\n".join(
            json.dumps(d)
            for d in [
                {"_id": "d1", "title": "Wings", "text": "lift distribution on a swept wing"},
                {"_id": "d2", "title": "Heat", "text": "heat conduction in composite slabs"},
            ]
        )
    )
    report = archive.ingest([corpus])
    assert report.added == 2
    answer = archive.ask("composite slabs")
    assert answer.hits[0].doc_id == "d2"
    assert answer.to_json()["hits"][0]["doc_id"] == "d2"


def test_reingesting_a_folder_changes_nothing(archive: Archive, briefs_dir: Path) -> None:
    archive.ingest([briefs_dir])
    again = archive.ingest([briefs_dir])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 6)


@pytest.mark.parametrize(("codec", "name"), [("cp1251", "cp1251"), ("koi8_r", "koi8-r")])
def test_a_russian_file_is_decoded_and_said_so(
    archive: Archive, tmp_path: Path, codec: str, name: str
) -> None:
    # KOI8-R read as cp1251 gave "гБЪРТПН РПДОСМ..." in capitals where the text has lower case.
    path = tmp_path / "ru.txt"
    path.write_bytes(
        "Publication: Monitor Volume: 4 Issue: 8\n\nГазпром поднял цены для Украины.\n".encode(
            codec
        )
    )
    report = archive.ingest([path])
    assert report.added == 1
    assert report.notices == [f"{path}: not UTF-8; decoded as {name}"]
    assert "Газпром" in archive.store.db.execute("SELECT text FROM passages").fetchone()[0]


def test_latin1_file_is_decoded_and_said_so(archive: Archive, tmp_path: Path) -> None:
    path = tmp_path / "fr.txt"
    path.write_bytes(GOOD.replace("pipeline", "Société Générale pipeline").encode("latin-1"))
    report = archive.ingest([path])
    assert report.added == 1
    assert report.notices == [f"{path}: not UTF-8; decoded as cp1252"]
    assert archive.ask("Société Générale").found


def _write_bad_inputs(folder: Path) -> dict[str, str]:
    """Write one file per kind of bad input; return file name -> expected message part."""
    folder.mkdir()
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "noheader.txt").write_text("Some prose without a header.\n")
    (folder / "roman.txt").write_text(GOOD.replace("Volume: 4", "Volume: IV"))
    with open(folder / "huge.txt", "wb") as f:
        f.truncate(100 * 1024 * 1024)  # sparse: 100 MB on paper, nothing on disk
    (folder / "lines.jsonl").write_text(
        '{"text": "Gazprom cut supplies to Kyiv."}\n{not json}\n{"id": "x"}\n'
    )
    (folder / "good.txt").write_text(GOOD)
    return {
        "binary.txt": "binary.txt: looks like a binary file (it has NUL bytes)",
        "empty.txt": "empty.txt: is empty",
        "noheader.txt": (
            "noheader.txt, line 1: no header line 'Publication: NAME Volume: N Issue: M'"
        ),
        "roman.txt": "roman.txt, line 1: header line has a non-numeric volume 'IV'",
        "huge.txt": "huge.txt: is 104.9 MB, over the 50 MB limit; split it",
        "lines.jsonl/2": "lines.jsonl, line 2: is not valid JSON",
        "lines.jsonl/3": 'lines.jsonl, line 3: has no "text"',
    }


def test_each_bad_input_gets_one_clear_line_and_good_files_are_stored(
    run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    expected = _write_bad_inputs(tmp_path / "in")
    result = run_cli("ingest", str(tmp_path / "in"))
    assert result.exit_code == 1
    rejected = [line for line in result.stderr.splitlines() if line.startswith("rejected: ")]
    assert len(rejected) == len(expected)
    for message in expected.values():
        assert any(message in line for line in rejected), (message, rejected)
    assert "2 added, 0 updated, 0 removed, 0 unchanged, 7 rejected" in result.stdout
    assert "Traceback" not in result.output


def test_ingest_with_nothing_rejected_exits_zero(
    run_cli: Callable[..., Result], briefs_dir: Path
) -> None:
    result = run_cli("ingest", str(briefs_dir))
    assert result.exit_code == 0
    assert result.stdout.startswith("6 added, 0 updated, 0 removed, 0 unchanged, 0 rejected")


def test_ingest_reads_stdin(run_cli: Callable[..., Result]) -> None:
    result = run_cli("ingest", "-", input=GOOD)
    assert result.exit_code == 0
    assert result.stdout.startswith("1 added")
    assert "pipeline" in run_cli("ask", "pipeline opened").stdout


def test_missing_path_is_reported(run_cli: Callable[..., Result], tmp_path: Path) -> None:
    result = run_cli("ingest", str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert f"rejected: {tmp_path / 'nope'}: no such file or folder" in result.stderr


def test_max_size_option_is_respected(run_cli: Callable[..., Result], tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text(GOOD + ("More text about the pipeline. " * 50_000))
    result = run_cli("ingest", "--max-size", "1", str(path))
    assert result.exit_code == 1
    assert "over the 1 MB limit; split it into smaller files or raise --max-size" in result.stderr


def test_ingest_paths_reports_progress_per_file_and_missing_paths_first(
    archive: Archive, briefs_dir: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("no header here\n")
    calls: list[tuple[int, int]] = []
    ingester = Ingester(archive.store)
    report = ingester.ingest_paths(
        [briefs_dir, bad, tmp_path / "nope"],
        progress=lambda done, total: calls.append((done, total)),
    )
    files = len(find_sources([briefs_dir]).files) + 1
    assert calls == [(n, files) for n in range(1, files + 1)]
    assert report.added == 6
    missing, rejected = report.rejected
    assert (missing.source, missing.reason) == (str(tmp_path / "nope"), "no such file or folder")
    assert rejected.source == str(bad)


def test_an_ingest_interrupted_says_what_was_stored_and_that_it_may_run_again(
    run_cli: Callable[..., Result], brief_file: Callable[..., Path], db_path: Path
) -> None:
    # Ctrl-C during an ingest printed only click's "Aborted!": was anything stored, and is it
    # safe to run again? Here it arrives as the second file is about to be read.
    import sys
    from typing import Any

    first = brief_file(
        "Publication: Courier Volume: 2 Issue: 4\n\nThe smelter closed for repairs. (Reuters, "
        "March 4)\n",
        name="a.txt",
    )
    brief_file(
        "Publication: Courier Volume: 2 Issue: 5\n\nThe mine reopened after the strike. "
        "(Reuters, March 5)\n",
        name="b.txt",
    )
    reads = []

    def profile(frame: Any, event: str, arg: Any) -> None:
        code = frame.f_code
        if event == "call" and (code.co_name, Path(code.co_filename).name) == (
            "decode",
            "ingest.py",
        ):
            reads.append(frame)
            if len(reads) == 2:
                raise KeyboardInterrupt  # (and Python drops this profile function)

    sys.setprofile(profile)
    try:
        result = run_cli("ingest", str(first.parent))
    finally:
        sys.setprofile(None)
    assert result.exit_code == 130
    assert result.stderr == (
        "Interrupted (Ctrl-C): 0 added, 0 updated, 0 removed, 0 unchanged, 0 rejected before it; "
        "each file is stored whole or not at all. Run the same command again to store the rest: "
        "the files already stored are left as they are.\n"
    )
    # (The first file was read, not yet written: files are written in groups, each whole.) Run
    # again, it stores them both.
    again = run_cli("ingest", str(first.parent))
    assert again.exit_code == 0
    assert again.stdout.startswith("2 added, 0 updated, 0 removed, 0 unchanged, 0 rejected")


def test_an_ingest_interrupted_while_indexing_says_the_briefs_are_stored(
    run_cli: Callable[..., Result], brief_file: Callable[..., Path]
) -> None:
    # Past the store, Ctrl-C said "Aborted!" (exit 1), as if nothing were stored.
    import sys
    from typing import Any

    path = brief_file("Publication: Courier Volume: 2 Issue: 4\n\nThe smelter closed. (Reuters)\n")

    def profile(frame: Any, event: str, arg: Any) -> None:
        code = frame.f_code
        if event == "call" and (code.co_name, Path(code.co_filename).name) == (
            "index",
            "archive.py",
        ):
            raise KeyboardInterrupt  # (and Python drops this profile function)

    sys.setprofile(profile)
    try:
        result = run_cli("ingest", str(path))
    finally:
        sys.setprofile(None)
    assert result.exit_code == 130
    assert result.stdout.startswith("1 added, 0 updated, 0 removed, 0 unchanged, 0 rejected")
    assert result.stderr == (
        "Interrupted (Ctrl-C) while updating the index: the briefs are stored; the first "
        "question will build it.\n"
    )
    assert run_cli("ask", "smelter").stdout.startswith("1. ")


def test_a_file_gone_from_a_folder_ingested_again_is_named_and_its_briefs_kept(
    run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    # Deleting a file from the archive folder and ingesting the folder again kept its briefs in
    # silence ("0 removed, 1 unchanged"): a user who deleted a retracted brief so believed it gone.
    folder = tmp_path / "archive"
    folder.mkdir()
    for issue, text in ((4, "The smelter closed for repairs."), (5, "The mine reopened.")):
        (folder / f"issue{issue}.txt").write_text(
            f"Publication: Courier Volume: 2 Issue: {issue}\n\n{text} (Reuters, March {issue})\n",
            encoding="utf-8",
        )
    assert run_cli("ingest", str(folder)).exit_code == 0
    (folder / "issue4.txt").unlink()
    again = run_cli("ingest", str(folder))
    assert again.exit_code == 0
    gone = folder / "issue4.txt"
    assert (
        f"{folder}: 1 file(s) ingested from it before are gone ({gone}); their 1 brief(s) are "
        f"kept. If they were taken out on purpose: briefbot remove --source {gone} (one file at a "
        "time)"
    ) in again.stderr.splitlines()
    # The command it names takes them out.
    assert run_cli("remove", "--source", str(gone)).exit_code == 0
    assert "are gone" not in run_cli("ingest", str(folder)).stderr


def test_a_file_whose_name_is_not_utf8_is_not_named_gone(
    run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    # Its source keeps "\ufffd" for the odd byte, a path no file has: every ingest of the
    # folder, the first too, said it was gone.
    folder = tmp_path / "archive"
    folder.mkdir()
    name = os.fsdecode(b"caf\xe9.txt")
    (folder / name).write_text(
        "Publication: Courier Volume: 2 Issue: 4\n\nThe smelter closed. (Reuters, March 4)\n",
        encoding="utf-8",
    )
    first = run_cli("ingest", str(folder))
    assert first.exit_code == 0 and first.stdout.startswith("1 added")
    assert "are gone" not in first.stderr
    assert "are gone" not in run_cli("ingest", str(folder)).stderr
