"""The parser's shortcuts give what the plain definitions give, on random text with every kind
of white space, dash, sign-off and footer piece (issue 11: the parser without repeated splits)."""

from __future__ import annotations

import array
import hashlib
import random
import re
import sys
from collections import Counter

import pytest

from retrieval.corpus.briefs import (
    _FIELD_RE,
    _SIGNOFF_RE,
    _SPANS,
    FOLD_UNSAFE,
    MAX_SHAPES,
    WHITESPACE,
    Brief,
    BriefRow,
    FooterRules,
    _field_spans,
    _paragraphs,
    _signoff,
    brief_rows,
    build_brief,
    label_key,
    parse_briefs,
    parse_header,
    plain_fold,
    printable_utf8,
    shown,
    split_passages,
    squeeze,
)
from retrieval.corpus.store import brief_row
from retrieval.errors import BriefFormatError
from retrieval.text.prose import split_paragraphs

PIECES = [
    "Oil", "prices", "rose.", "— SC", "—Jane Roe", "-- VS / SC", "– IB", "Jean-Paul", "O'Neil",
    "Publication of", "is a publication of", "Copyright (c) 1998", "© 1997", "e-mail", "fax",
    "subscription", "please contact", "postal mail", "All Rights Reserved", "SUBSCRIBE",
    "unauthorized reproduction", "ﬁne", "Straße", "K", "ſ", "x", "(Interfax, May 21)", "U.S.", "",
    "\u2019s", "\u201cquoted\u201d", "caf\u00e9", "\\", "'", '"', "\x07", "\u00ad",
]  # fmt: skip
SPACES = [" ", " ", " ", "  ", *WHITESPACE]


def random_text(rng: random.Random, pieces: int = 30) -> str:
    """Return random words and pieces joined by random white space."""
    n = rng.randint(0, pieces)
    return "".join(map(str.__add__, rng.choices(PIECES, k=n), rng.choices(SPACES, k=n)))


def test_whitespace_is_every_character_python_calls_white_space() -> None:
    assert set(WHITESPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}
    assert all(re.fullmatch(r"\s", c) for c in WHITESPACE)
    # squeeze's shortcut: a printable text holds no white space but " ".
    assert not any(c.isprintable() for c in WHITESPACE if c != " ")


def test_squeeze_and_signoff_equal_their_definitions() -> None:
    rng = random.Random(1)
    for _ in range(5000):
        text = random_text(rng)
        assert squeeze(text) == " ".join(text.split())
        found, expected = _signoff(text), _SIGNOFF_RE.search(text)
        assert (found and (found.span(), found.group(1))) == (
            expected and (expected.span(), expected.group(1))
        ), text


def test_paragraphs_and_passages_equal_the_general_functions() -> None:
    rng = random.Random(2)
    for _ in range(2000):
        lines = [random_text(rng, 6).replace("\n", " ").replace("\r", " ") for _ in range(8)]
        lines = [line if rng.random() < 0.7 else rng.choice(["", " ", "\t"]) for line in lines]
        paragraphs = _paragraphs(lines)
        assert paragraphs == split_paragraphs("\n".join(lines))
        offsets = [(n * 1000, p) for n, p in enumerate(paragraphs) if p]
        assert split_passages(offsets, squeezed=True) == split_passages(offsets)


def plain_is_footer(rules: FooterRules, paragraph: str) -> bool:
    """Return ``FooterRules.is_footer`` by its definition: any strong pattern, or two weak ones."""
    if any(re.search(p, paragraph, re.IGNORECASE) for p in rules.strong):
        return True
    return sum(1 for p in rules.weak if re.search(p, paragraph, re.IGNORECASE)) >= 2


def test_footer_check_equals_its_definition() -> None:
    rng = random.Random(3)
    rules = [FooterRules(), FooterRules().with_extra([r"\bjamestown\b"]), FooterRules((), ())]
    for _ in range(3000):
        paragraph = random_text(rng, 12) + rng.choice(["", " Jamestown", " JAMESTOWN."])
        plain = plain_fold(paragraph.encode("utf-8", "surrogatepass"))
        for rule in rules:
            expected = plain_is_footer(rule, paragraph)
            assert rule.is_footer(paragraph) == expected, paragraph
            if plain:  # the shortcut for a text known to hold no FOLD_UNSAFE character
                assert rule._is_footer(paragraph, True) == expected, paragraph


def test_signoff_found_from_the_end_equals_the_regex() -> None:
    # _signoff walks the text's dashes and hyphens from its end: texts with hyphenated words,
    # dashes of every kind, sign-offs and no sign-off, white space of every kind at the end.
    rng = random.Random(11)
    pieces = [
        "Oil", "rose.", "— SC", "—Jane Roe", "-- VS / SC", "– IB", "Jean-Paul", "so-called",
        "-", "--", "—", "–", "(Interfax, May 21)", "U.S.", ",", "1998", "O'Neil", "Ab/Cd", "é",
    ]  # fmt: skip
    for _ in range(10000):
        text = "".join(
            rng.choice(pieces) + rng.choice(["", " ", " ", *WHITESPACE])
            for _ in range(rng.randint(0, 12))
        )
        found, expected = _signoff(text), _SIGNOFF_RE.search(text)
        assert (found and (found.span(), found.group(1))) == (
            expected and (expected.span(), expected.group(1))
        ), text


def test_footer_prefilter_leaves_out_one_weak_hint_and_passes_lone_ones() -> None:
    # The default rules: "fax" (the shortest hint of one weak pattern) is not searched, and a
    # paragraph holding only one of the hints of a single weak pattern is content; "mail"
    # belongs to two weak patterns ("e-mail", "postal mail"), so it is no lone hint.
    searched, lone, spare = FooterRules()._prefilter
    assert spare == "fax" and "fax" not in searched
    assert lone == {"subscri", "please contact", "site maintenance", "reprint", "(c)"}
    # Paragraphs of one to three footer pieces: every way of holding one weak hint, two, or
    # the one left out beside another; each rule set decides as the definition does.
    rng = random.Random(12)
    pieces = [
        "fax", "FAX:", "e-mail", "email", "postal mail", "mail", "subscribe", "subscription",
        "please contact", "site maintenance", "Copyright 1998", "© 1997", "is a publication of",
        "all rights reserved", "unauthorized reproduction", "faxed", "prefix", "Oil",
        "Reprints by permission only", "reprinted", "(c) 2001", "(C)", "desk@example.org", "@",
    ]  # fmt: skip
    rules = [
        FooterRules(),
        FooterRules().with_extra([r"\bfax\b"]),
        FooterRules(weak=(r"\bfax\b", r"\bsubscri(?:be|bing|ption)\b")),
        FooterRules((), ()),
    ]
    for _ in range(3000):
        paragraph = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 3)))
        plain = plain_fold(paragraph.encode())
        for rule in rules:
            expected = plain_is_footer(rule, paragraph)
            assert rule.is_footer(paragraph) == expected, (paragraph, rule)
            if plain:  # the shortcut for a text known to hold no FOLD_UNSAFE character
                assert rule._is_footer(paragraph, True) == expected, (paragraph, rule)


def test_header_field_regex_finds_what_it_finds_without_its_lookahead() -> None:
    names = "Publication|Volume|Vol|Issue|No|Number|Date|By|Author|Title|URL|Link"
    assert _FIELD_RE.pattern.endswith(rf"\b({names})\s*:\s*")
    plain = re.compile(rf"\b({names})\s*:\s*", re.IGNORECASE)
    # The lookahead's letters match, ignoring case, what the names' first letters match.
    first = re.compile("|".join(sorted({n[0] for n in names.split("|")})), re.IGNORECASE)
    lookahead = re.compile(_FIELD_RE.pattern.split(")", 1)[0][3:], re.IGNORECASE)
    codes = array.array("I", range(0xD800))
    codes.extend(range(0xE000, 0x110000))
    every = codes.tobytes().decode(f"utf-32-{sys.byteorder[0]}e")
    assert lookahead.findall(every) == first.findall(every)
    assert "\u0130" in first.findall(every)  # İ: more than the ASCII letters
    rng = random.Random(13)
    pieces = [
        "Publication", "publication", "VOLUME", "Vol", "vol.", "Issue", "No", "Number", "Date",
        "By", "Author", "TITLE", "url", "Link", "_Date", "Issue2", "Monitor", "1998-07-20", "7",
        "0", "93", "\u0663",
        ":", " : ", " ", "\t", "\x1c", ",", "İssue", "ıssue", "Kink", "Datum",
    ]  # fmt: skip
    for _ in range(20000):
        line = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        expected = [(m.span(), m.group(1)) for m in plain.finditer(line)]
        assert [(m.span(), m.group(1)) for m in _FIELD_RE.finditer(line)] == expected, line
        # The matches by the line's shape (its ASCII digits written 0), worked out for the
        # first line of that shape: the same for each line of it.
        assert [((a, c), line[a:b]) for a, b, c in _field_spans(line)] == expected, line
    assert len(_SPANS) <= MAX_SHAPES


def test_header_lines_of_one_shape_share_their_fields_places_not_their_values() -> None:
    first = parse_header("Publication: Monitor Volume: 4 Issue: 142 Date: 1998-07-20")
    again = parse_header("Publication: Monitor Volume: 7 Issue: 903 Date: 2001-01-09")
    assert first == {"publication": "Monitor", "volume": 4, "issue": 142, "date": "1998-07-20"}
    assert again == {"publication": "Monitor", "volume": 7, "issue": 903, "date": "2001-01-09"}
    # A digit that is not ASCII is a word character the shape keeps: "Issue٣:" is no field.
    with pytest.raises(BriefFormatError, match=r"non-numeric volume '4 Issue"):
        parse_header("Publication: Monitor Volume: 4 Issue\u0663: 142")


def test_fold_unsafe_holds_every_character_whose_casefold_can_make_a_hint() -> None:
    # The footer shortcut writes characters outside ASCII as "?": exact only if such a
    # character's casefold holds nothing a hint is made of (ASCII, or the one hint "©").
    hint_chars = {"\u00a9"}

    def unsafe(ch: str) -> bool:
        return any(f.isascii() or f in hint_chars for f in ch.casefold())

    # Every character outside ASCII (surrogates aside), in blocks of 256: casefolding maps each
    # character on its own to one or more, so a block whose casefold is itself holds only
    # characters that fold to themselves (unsafe only if a hint character); the others (31 of
    # 4,344 blocks) are checked one by one. The same set as casefolding all 1.1 million
    # characters one by one, in a tenth of the time.
    codes = array.array("I", range(0x80, 0xD800))
    codes.extend(range(0xE000, 0x110000))
    every = codes.tobytes().decode(f"utf-32-{sys.byteorder[0]}e")
    found = set()
    for start in range(0, len(every), 256):
        block = every[start : start + 256]
        if block.casefold() == block:
            found.update(ch for ch in hint_chars if ch in block)
        else:
            found.update(ch for ch in block if unsafe(ch))
    assert found == set(FOLD_UNSAFE)
    assert all(ch.isascii() or ch in hint_chars for h in FooterRules()._hint_split[0] for ch in h)
    for ch in FOLD_UNSAFE:
        assert not plain_fold(f"a{ch}b".encode())
    assert plain_fold("caf\u00e9 \u2019\u201c\u201d\u2014 \u00aa \u00a0 \u0101 \u1e00".encode())


def test_rows_of_a_text_are_the_rows_of_its_briefs() -> None:
    # brief_rows (what a parsing worker sends) equals brief_row of each brief parse_briefs
    # makes, origin and position set as ingest sets them; the same error where it refuses.
    rng = random.Random(8)
    heads = ["Publication: Monitor Volume: 4 Issue: 142"] * 4 + [
        "Publication: Monitor Volume: 4 Issue: 143 Date: 1998-07-21",
        "Publication: Monitor Volume: x Issue: 1",
    ]
    # Printable pieces, mostly words (a footer piece cuts the brief there).
    words = [p for p in PIECES if p.isprintable() and not FooterRules().is_footer(f"{p} {p}")]
    printable = [p for p in PIECES if p.isprintable()] + words * 4 + ["O'Neil", '"a"'] * 8
    rules = FooterRules()
    made = Counter[str]()
    # 1,800 texts: lines of word soup with no blank line between them now often read as one
    # wrapped paragraph, which a footer piece makes boilerplate whole (more are refused).
    for n in range(1800):
        parts: list[str] = []
        for _ in range(rng.randint(1, 3)):
            body = [
                random_text(rng, 10)
                if rng.random() < 0.3
                else " ".join(rng.choices(printable, k=rng.randint(0, 10)))
                for _ in range(rng.randint(1, 6))
            ]
            top = rng.choice(["Headline Here", "Title: T", "By Jane Roe", "____", "", "", ""])
            top = "" if not parts and rng.random() < 0.8 else top
            parts.append("\n".join([top, rng.choice(heads), *body]))
        text = rng.choice(["\n\n", "\n", "\r\n\r\n"]).join(parts)
        origin = rng.choice([None, f"f{n}.txt"])
        try:
            briefs = parse_briefs(text, source="s", footer=rules)
        except BriefFormatError as exc:
            made["refused"] += 1
            with pytest.raises(BriefFormatError) as found:
                brief_rows(text, source="s", origin=origin, footer=rules)
            assert (found.value.reason, found.value.line) == (exc.reason, exc.line)
            continue
        for position, brief in enumerate(briefs):
            brief.origin, brief.position = origin, position if origin is not None else None
            made["quoted both ways" if "'" in brief.text and '"' in brief.text else "other"] += 1
        expected = [brief_row(b) for b in briefs]
        data = text.encode("utf-8", "surrogatepass")
        for utf8 in (None, data):
            rows = brief_rows(text, source="s", origin=origin, footer=rules, utf8=utf8)
            assert _decoded(rows) == expected
            # The texts travel as their UTF-8.
            assert all(type(v[10]) is bytearray for v, _ in rows)
            assert all(type(p[1]) is bytearray for _, passages in rows for p in passages)
    assert min(made.values()) >= 100, made


def _decoded(rows: list[BriefRow]) -> list[BriefRow]:
    """Return ``rows`` with the texts given as UTF-8 decoded."""

    def text(value: str | bytearray) -> str:
        return value if isinstance(value, str) else value.decode("utf-8")

    return [
        ((*v[:10], text(v[10]), *v[11:]), [(p[0], text(p[1]), p[2], p[3]) for p in passages])
        for v, passages in rows
    ]


def test_printable_utf8_is_the_printability_of_every_line() -> None:
    # What brief_rows takes from the file's bytes: every line of the text printable, the text
    # decoded from UTF-8 with its byte order marks dropped and split at its line ends.
    rng = random.Random(11)
    odd = ["\ufeff", "\r", "\r\n", "\n", "\x00", "\x7f", "\x85", "\xa0", "\u2028", "😀", "é"]
    for _ in range(3000):
        text = "".join(rng.choices(PIECES + SPACES + odd, k=rng.randint(0, 20)))
        data = text.encode("utf-8")
        lines = text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
        assert printable_utf8(data) is all(map(str.isprintable, lines)), text
    assert printable_utf8(b"caf\xc3") is None  # what is left is not UTF-8


def test_build_brief_of_squeezed_paragraphs_and_label_key() -> None:
    rng = random.Random(4)
    for _ in range(1000):
        paragraphs = [p for p in (squeeze(random_text(rng, 40)) for _ in range(4)) if p]
        meta = {"publication": "Monitor", "volume": 1, "issue": 2}
        try:
            plain = build_brief(dict(meta), paragraphs)
        except BriefFormatError:  # nothing but footer: refused either way
            with pytest.raises(BriefFormatError):
                build_brief(dict(meta), paragraphs, squeezed=True)
        else:
            assert build_brief(dict(meta), paragraphs, squeezed=True) == plain
        text = random_text(rng)
        words = " ".join(text.split()[:8])
        assert label_key("M", 1, 2, None, text) == f"m|1|2|{words.casefold()}"


def test_content_hash_follows_the_fields() -> None:
    brief = parse_briefs("Publication: Monitor Volume: 4 Issue: 142\n\nOil prices rose.")[0]

    def plain(b: Brief) -> str:
        h = hashlib.sha256()
        for part in (b.publication, b.volume, b.issue, b.title, b.date, b.author, b.url,
                     b.doc_id, b.text):  # fmt: skip
            h.update(repr(part).encode("utf-8") + b"\x00")
        return h.hexdigest()

    assert brief.content_hash == plain(brief)
    for change in ({"text": "Oil prices fell."}, {"volume": 5}, {"title": "T"}, {"date": None}):
        for name, value in change.items():
            setattr(brief, name, value)
        assert brief.content_hash == plain(brief)
    brief.volume = True  # equal to 1 but not the same value: hashed again
    assert brief.content_hash == plain(brief)


def test_shown_is_repr_of_any_value() -> None:
    rng = random.Random(7)
    quoting = ["'", '"', "\\", "\n", "\r", "\t", "\x00", "\x7f", "\ud800", "\u2028", "é", "😀"]
    for _ in range(5000):
        text = random_text(rng, 12)
        for _ in range(rng.randint(0, 3)):
            at = rng.randint(0, len(text))
            text = text[:at] + rng.choice(quoting) + text[at:]
        assert shown(text) == repr(text)
    for value in (None, 0, -5, 2**70, "", "'", '"', "'\"", "\n", True):
        assert shown(value) == repr(value)
