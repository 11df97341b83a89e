"""Finding the files of a folder and reading each one (#11): the order, origins and skips of
``find_sources`` are those of a sorted recursive glob, and a file is read whole (or cut at the
size limit) without a buffer of the limit's size."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from retrieval.corpus.ingest import (
    JSONL_SUFFIXES,
    TEXT_SUFFIXES,
    _read_fd,
    _read_upto,
    _suffix,
    display_path,
    find_sources,
)

Unreadable = Callable[[Path], contextlib.AbstractContextManager[None]]


def _reference(folder: Path) -> tuple[list[tuple[Path, str]], list[Path]]:
    """Return the files and skipped files of ``folder`` by their plain definition: every entry
    of ``sorted(folder.rglob("*"))`` that is a file and not hidden (nor under a hidden folder),
    kept by its suffix."""
    files: list[tuple[Path, str]] = []
    skipped: list[Path] = []
    for child in sorted(folder.rglob("*")):
        relative = child.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or not child.is_file():
            continue
        if child.suffix.lower() in TEXT_SUFFIXES | JSONL_SUFFIXES:
            files.append((child, display_path(relative.as_posix())))
        else:
            skipped.append(child)
    return files, skipped


def _tree(root: Path) -> Path:
    """Write a folder whose names sort differently as paths and as strings ("a/x" before
    "a-c"), with hidden entries, links, upper case and unknown suffixes."""
    folder = root / "archive"
    for name in (
        "a/x.txt",
        "a/b/deep.TXT",
        "a-c.txt",
        "a.txt",
        "a0/z.jsonl",
        "B/one.brief",
        "B/two.htm",
        "noext",
        "trailing.",
        ".hidden.txt",
        ".git/config.txt",
        "a/.cache/x.txt",
        "c d/é.txt",
    ):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("Publication: M Volume: 1 Issue: 1\n\nText.\n", encoding="utf-8")
    (folder / "empty-dir").mkdir()
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "inside.txt").write_text("x", encoding="utf-8")
    os.symlink(elsewhere, folder / "linked-dir")
    os.symlink(folder / "a.txt", folder / "linked.txt")
    os.symlink(root / "missing.txt", folder / "broken.txt")
    return folder


def test_find_sources_lists_a_folder_as_a_sorted_recursive_glob(tmp_path: Path) -> None:
    folder = _tree(tmp_path)
    files, skipped = _reference(folder)
    found = find_sources([folder])
    assert found.files == files
    assert found.skipped == skipped
    origins = [origin for _, origin in found.files]
    assert origins[1:5] == ["a/b/deep.TXT", "a/x.txt", "a-c.txt", "a.txt"]  # B/ first: "B" < "a"
    assert "linked.txt" in origins and "broken.txt" not in origins


def test_find_sources_from_a_relative_folder_names_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    for name in ("archive", "archive/", "./archive"):
        files, skipped = _reference(Path(name))
        found = find_sources([name])
        assert found.files == files
        assert found.skipped == skipped
    monkeypatch.chdir(folder)
    assert find_sources(["."]).files == _reference(Path("."))[0]


def _read_file_upto(path: Path, size: int, limit: int) -> bytes:
    """Return ``_read_upto`` of ``path`` opened as ``read_file`` opens it."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return _read_upto(fd, size, limit)
    finally:
        os.close(fd)


def test_a_file_is_read_whole_or_cut_one_byte_past_the_limit(tmp_path: Path) -> None:
    data = bytes(range(256)) * 40
    whole, short, empty = tmp_path / "whole", tmp_path / "short", tmp_path / "empty"
    whole.write_bytes(data)
    short.write_bytes(data[:50])
    empty.write_bytes(b"")
    assert _read_file_upto(whole, len(data), 1_000_000) == data
    # The file grew after its size was taken: the rest is read too, up to the limit.
    assert _read_file_upto(whole, 100, 1_000_000) == data
    assert _read_file_upto(whole, 100, 5_001) == data[:5_001]
    # It shrank: what is there.
    assert _read_file_upto(short, 100, 1_000_000) == data[:50]
    # Over the limit: one byte past it, so that the size check refuses it.
    assert _read_file_upto(whole, len(data), 1_001) == data[:1_001]
    assert _read_file_upto(empty, 0, 10) == b""


def test_a_read_that_returns_part_of_what_was_asked_is_continued() -> None:
    # A pipe gives what has been written so far: os.read returns less than asked, as it may
    # for a file; the reading goes on to the count or the end, as a buffered file's read does.
    data = bytes(range(256)) * 40
    read_end, write_end = os.pipe()

    def write() -> None:
        for at in range(0, len(data), 1000):
            os.write(write_end, data[at : at + 1000])
            time.sleep(0.01)
        os.close(write_end)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert _read_fd(read_end, 5_000) == data[:5_000]
        assert _read_fd(read_end, 1_000_000) == data[5_000:]
        assert _read_fd(read_end, 10) == b""
    finally:
        writer.join()
        os.close(read_end)


@pytest.mark.parametrize(
    "name",
    ["a", "a.txt", ".a", "a.", "a.b.c", "..", "a..", "a. b", "x.TXT", "a.b.", " .x", "é.Brief"],
)
def test_a_file_names_suffix_is_that_of_its_path(name: str) -> None:
    assert _suffix(name) == Path(name).suffix


def test_a_link_to_a_folder_is_not_followed_but_said(tmp_path: Path) -> None:
    folder = _tree(tmp_path)
    found = find_sources([folder])
    assert found.links == [folder / "linked-dir"]
    assert found.unlisted == []


def test_a_folder_that_cannot_be_listed_is_rejected_not_passed_over(
    tmp_path: Path, run_cli: Callable[..., Result], unreadable: Unreadable
) -> None:
    archive = tmp_path / "archive"
    (archive / "1999").mkdir(parents=True)
    brief = "Publication: Monitor Volume: {} Issue: 1\n\nText about oil.\n"
    (archive / "a.txt").write_text(brief.format(4), encoding="utf-8")
    (archive / "1999" / "b.txt").write_text(brief.format(5), encoding="utf-8")
    with unreadable(archive / "1999"):
        result = run_cli("ingest", str(archive))
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("1 added, 0 updated, 0 removed, 0 unchanged, 1 rejected")
    assert (
        f"rejected: {archive}/1999: is a folder that cannot be listed (Permission denied), so "
        "none of its files were read; make it readable (chmod u+rx) and ingest again"
    ) in result.stderr.splitlines()
