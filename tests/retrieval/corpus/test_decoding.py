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
    note = encoding and f"not UTF-8; decoded as {encoding}"
    assert decode(data, "x.txt") == (BRIEF, note)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_mark_is_read_by_its_zero_bytes(encoding: str) -> None:
    # Every other byte zero, as ASCII written two bytes a character: it was rejected as binary.
    assert decode(BRIEF.encode(encoding), "x.txt") == (BRIEF, f"not UTF-8; decoded as {encoding}")


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
    assert (text, encoding) == ("ÿþabc", "not UTF-8; decoded as cp1252")


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
    assert decode(wire.encode("cp1251"), "x.txt") == (wire, "not UTF-8; decoded as cp1251")


RUSSIAN = (
    "Publication: Monitor Volume: 4 Issue: 9 Date: 1998-08-03\n\nГазпром поднял цены для Украины.\n"
)


@pytest.mark.parametrize("cut", [1, 2])
def test_a_utf8_file_cut_inside_its_last_character_stays_utf8(cut: int) -> None:
    # A download or copy cut short ends inside a character: the whole file was read as KOI8-R
    # or cp1251 ("п⌠п╟п╥п©я─п╬п╪"), every letter of it garbled.
    data = (RUSSIAN.rstrip("\n") + "€").encode("utf-8")[:-cut]
    text, note = decode(data, "x.txt")
    assert text == RUSSIAN.rstrip("\n")
    assert note == (
        f"ends inside a character (was it cut short?); its last {3 - cut} byte(s) were dropped"
    )


@pytest.mark.parametrize("codec", ["cp1251", "koi8_r"])
def test_a_utf8_file_joined_to_an_8_bit_one_keeps_both_readable(codec: str) -> None:
    # `cat new.txt old.txt`: a UTF-8 file and an older one in cp1251. Read whole as cp1251, the
    # UTF-8 half came out as "Р“Р°Р·РїСЂРѕРј" (each letter two Cyrillic ones) and was never found.
    old = RUSSIAN.replace("Issue: 9", "Issue: 10").replace("Газпром", "Лукойл")
    text, note = decode(RUSSIAN.encode("utf-8") + old.encode(codec), "x.txt")
    assert text == RUSSIAN + old
    name = codec.replace("_", "-")
    assert note == f"not all UTF-8: line 6 decoded as {name}, the rest as UTF-8"


def test_a_utf8_file_with_latin1_lines_keeps_both_readable() -> None:
    french = "Paris: la Société Générale prête à la Banque nationale.\n"
    data = BRIEF.encode("utf-8") + french.encode("latin-1") + "Déjà vu.\n".encode()
    text, note = decode(data, "x.txt")
    assert text == BRIEF + french + "Déjà vu.\n"
    assert note == "not all UTF-8: line 5 decoded as cp1252, the rest as UTF-8"


def test_a_mixed_file_is_ingested_readable_and_said_so(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    path = tmp_path / "joined.txt"
    old = RUSSIAN.replace("Issue: 9", "Issue: 10").replace("Газпром", "Лукойл")
    path.write_bytes(RUSSIAN.encode("utf-8") + old.encode("cp1251"))
    result = run_cli("ingest", str(path))
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == (
        f"{path}: not all UTF-8: line 6 decoded as cp1251, the rest as UTF-8"
    )
    assert "Газпром поднял цены" in run_cli("brief", "Monitor", "4", "9").stdout
    assert "Лукойл поднял цены" in run_cli("brief", "Monitor", "4", "10").stdout


@pytest.mark.parametrize(
    ("utf8", "eight_bit", "codec"),
    [
        ("Газпром", "Лукойл подписал договор.", "cp1251"),
        ("Müller – Zürich", "La Société Générale prête.", "cp1252"),
    ],
)
def test_a_line_of_two_encodings_reads_each_part_in_its_own(
    utf8: str, eight_bit: str, codec: str
) -> None:
    # A UTF-8 name pasted into an 8-bit line: read whole as the 8-bit encoding, the name came
    # out as "Р“Р°Р·РїСЂРѕРј" or "MÃ¼ller" in silence.
    head = "Publication: Monitor Volume: 4 Issue: 9\n\n"
    data = head.encode() + utf8.encode("utf-8") + b" / " + eight_bit.encode(codec) + b"\n"
    text, note = decode(data, "x.txt")
    assert text == f"{head}{utf8} / {eight_bit}\n"
    assert note == (
        f"not all UTF-8: line 3 mixes UTF-8 and {codec} within the line, each part read in its "
        "own encoding (check it)"
    )


@pytest.mark.parametrize(
    ("line", "codec"),
    [
        (
            "Как сообщает «ТАСС», компании «ЛУКОЙЛ» и ЦЕРН“ — по словам ПЁТРА и ВІН — в\u00a0Москве"
            " подписали договор… Ещё № 5 готовится, пишут «РИА НОВОСТИ» и «ПРАВДЕ»—ЖЖ“.\n",
            "cp1251",
        ),
        ("Président Générale à Zürich — «déjà vu», Ångström, naïve, CAFÉ… ÀÉÎÕÜ ß ÿ\n", "cp1252"),
    ],
)
def test_an_8_bit_line_is_not_taken_for_utf8_pieces(line: str, codec: str) -> None:
    # Capitals before quotes and dashes are the byte pairs UTF-8 is made of ("И»" is valid
    # UTF-8, "Ȼ"; "É…" is "Ʌ"): none of them is read as UTF-8.
    text, note = decode((line * 3).encode(codec), "x.txt")
    assert (text, note) == (line * 3, f"not UTF-8; decoded as {codec}")


def test_a_line_of_two_encodings_is_ingested_readable_and_said_so(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    path = tmp_path / "pasted.txt"
    path.write_bytes(
        RUSSIAN.encode("utf-8").replace("Газпром".encode(), "Газпром".encode("cp1251"), 1)
    )
    result = run_cli("ingest", str(path))
    assert result.exit_code == 0, result.output
    line = next(n for n, text in enumerate(RUSSIAN.splitlines(), 1) if "Газпром" in text)
    assert result.stderr.splitlines()[0] == (
        f"{path}: not all UTF-8: line {line} mixes UTF-8 and cp1251 within the line, each part "
        "read in its own encoding (check it)"
    )
    assert RUSSIAN.split("\n\n", 1)[1].strip() in run_cli("brief", "Monitor", "4", "9").stdout
