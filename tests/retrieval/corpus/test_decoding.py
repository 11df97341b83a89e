"""Files in the Unicode encodings Windows writes: UTF-8 with a byte order mark, UTF-16 and
UTF-32 ("Unicode" in Notepad) with one, and UTF-16 without one."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from retrieval.corpus.ingest import decode
from retrieval.errors import BriefFormatError

BRIEF = (
    "Publication: Monitor Volume: 4 Issue: 150 Date: 1998-07-30\n"
    "Title: Rouble slides; Kyiv’s reserves at US$800 million\n\n"
    "The National Bank of Ukraine said its reserves — «about US$800 million» — would hold.\n"
)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + BRIEF.encode("utf-8"), None),
        (codecs.BOM_UTF16_LE + BRIEF.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + BRIEF.encode("utf-16-be"), "utf-16"),
        (codecs.BOM_UTF32_LE + BRIEF.encode("utf-32-le"), "utf-32"),
        (codecs.BOM_UTF32_BE + BRIEF.encode("utf-32-be"), "utf-32"),
    ],
)
def test_a_byte_order_mark_says_the_encoding(data: bytes, encoding: str | None) -> None:
    assert decode(data, "x.txt") == (BRIEF, encoding)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_mark_is_read_by_its_zero_bytes(encoding: str) -> None:
    # Every other byte zero, as ASCII written two bytes a character: it was rejected as binary.
    assert decode(BRIEF.encode(encoding), "x.txt") == (BRIEF, encoding)


@pytest.mark.parametrize(
    "data", [bytes(4096), b"\x00\x01" * 2048 + b"\x00", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10]
)
def test_binary_data_with_zero_bytes_is_still_binary(data: bytes) -> None:
    # All zeros reads as NUL characters; an odd length or zeros in both halves is no UTF-16 text.
    with pytest.raises(BriefFormatError, match="looks like a binary file"):
        decode(data, "x.txt")


def test_a_false_utf16_mark_falls_back_to_the_8_bit_encodings() -> None:
    # 0xFF 0xFE then an odd number of bytes: not UTF-16, read as cp1252 ("ÿþ" and the rest).
    text, encoding = decode(b"\xff\xfeabc", "x.txt")
    assert (text, encoding) == ("ÿþabc", "cp1252")


def test_a_utf16_file_is_ingested_and_answers(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    path = tmp_path / "unicode.txt"
    path.write_bytes(BRIEF.encode("utf-16"))  # Python writes the mark first, as Notepad does
    result = run_cli("ingest", str(path))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == f"{path}: not UTF-8; decoded as utf-16"
    assert result.stdout.startswith("1 added, 0 updated, 0 removed, 0 unchanged, 0 rejected")
    answer = run_cli("ask", "Ukraine reserves")
    assert "Monitor, Vol. 4, Issue 150" in answer.stdout
    assert "«about US$800 million»" in run_cli("brief", "Monitor", "4", "150").stdout


def test_a_russian_wire_in_capitals_stays_cp1251() -> None:
    # Read as KOI8-R, cp1251 capitals would come out in lower case, a jumble of letters.
    wire = (
        "Publication: Monitor Volume: 4 Issue: 8\n\nПРЕЗИДЕНТ ЗАЯВИЛ, ЧТО ДЕВАЛЬВАЦИИ НЕ БУДЕТ.\n"
    )
    assert decode(wire.encode("cp1251"), "x.txt") == (wire, "cp1251")
