"""Parse brief text into ``Brief`` records with their passages (pure: no I/O).

The format is the publishers' own: a header line ``Publication: NAME Volume: N Issue: M`` (other
fields such as ``Date:``, ``By:`` or ``Title:`` may follow in any order), an optional title line,
paragraphs, an author sign-off (``— SC``) and the publisher's boilerplate footer. A text may hold
several briefs, each starting at its own header line.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, TypeAlias, cast

from retrieval.errors import BriefFormatError, NumberRangeError
from retrieval.text.prose import SENTENCE_ENDS, hard_wrapped, join_lines, shorten
from retrieval.text.sentences import split_sentences

MAX_PASSAGE_WORDS = 150
MAX_SENTENCE_WORDS = 2 * MAX_PASSAGE_WORDS
"""A "sentence" longer than this (text whose sentence ends are not found: a list on one line,
lower-case abstracts) is cut at words into passages of at most ``MAX_PASSAGE_WORDS``; a shorter
one stays whole, as the sentence splitter found it."""
MAX_NUMBER = 2**31 - 1
"""The largest volume or issue number: the index keeps them as 32-bit integers."""
MAX_FIELD_CHARS = 2000
"""The longest publication, title, author, URL, date or id, in characters."""
LONG_TITLE = 300
"""A title longer than this is told of: a paragraph taken for it, shown in every citation."""

_HEADER_START_RE = re.compile(
    r"^\s*(?:(?:Volume|Vol|Issue|No|Number|Date)\s*:[^\n]*?\b)?Publication\s*:", re.IGNORECASE
)
"""A header line: it starts with its publication, or with its volume, issue or date and names
the publication after them ("Volume: 2 Issue: 4 Publication: Courier")."""
_HTML_RE = re.compile(
    r"^[ \t]*<(?:!doctype html|html|head|body|p|div|br|table|span)\b[^>\n]*>",
    re.IGNORECASE | re.MULTILINE,
)
"""A tag of a web page at the start of a line (prose never starts a line with one)."""
_MAIL_HEADER_RE = re.compile(
    r"\s*(?:(?:From|To|Cc|Bcc|Date|Sent|Subject|Reply-To)\s*:"
    r"|-+\s*(?:Forwarded|Original) message\s*-*\s*$|Begin forwarded message\s*:)",
    re.IGNORECASE,
)
"""A line of the header of an e-mail forwarded or replied to ("From: …", "---------- Forwarded
message ---------")."""
_QUOTED_RE = re.compile(r"^\s*(?:>\s?)+")
"""The quote marks of a line quoted in an e-mail reply ("> ", "> > ")."""
# The lookahead first: a match starts with the first letter of a name, so the regex engine skips
# every other position at once (a third less of a header line's ~40,000 instructions); ignoring
# case it matches what the names' first letters match (the tests check every code point).
_FIELD_RE = re.compile(
    r"(?=[PVINDBATULpvindbatul])"
    r"\b(Publication|Volume|Vol|Issue|No|Number|Date|By|Author|Title|URL|Link)\s*:\s*",
    re.I,
)
_FIELD_NAMES = {
    "publication": "publication",
    "volume": "volume",
    "vol": "volume",
    "issue": "issue",
    "no": "issue",
    "number": "issue",
    "date": "date",
    "by": "author",
    "author": "author",
    "title": "title",
    "url": "url",
    "link": "url",
}
_SIGNOFF_RE = re.compile(
    r"\s*(?:\u2014|\u2013|--)\s*("
    r"[A-Z][A-Za-z.]{0,5}(?:\s*/\s*[A-Z][A-Za-z.]{0,5})?"  # initials: — SC, — VS/SC
    r"|[A-Z][a-z]+(?:[ ][A-Z][a-z'\-]+){1,2}"  # a full name: —Jane Roe
    r")\s*$"
)
_BYLINE_RE = re.compile(r"By\s+([A-Z][\w.'\-]*(?:\s+[A-Z][\w.'\-]*){0,4})\s*", re.UNICODE)
# A line that only draws a rule (____, ----, * * *, ====): a separator, never text.
_RULE_RE = re.compile(r"\s*(?:[_\-=~\u2014\u2013*\u2022.]\s*){3,}")
MAX_HEADLINE_LINES = 3
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def is_date(value: str) -> bool:
    """Return whether ``value`` is a day of the calendar written YYYY-MM-DD ("1998-07-20"; not
    "1998-13-45", which would sort after every real date of its year)."""
    if not _DATE_RE.match(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


_DIGITS_RE = re.compile(r"[0-9]+")

DEFAULT_FOOTER_PATTERNS: tuple[str, ...] = (
    r"\bis an? (?:\w+ )?publication of\b",
    r"\bcopyright\b\s*(?:\(c\)|\u00a9)?\s*\d{4}",
    r"\u00a9\s*\d{4}",
    r"\bunauthori[sz]ed (?:reproduction|redistribution)\b",
    r"\ball rights reserved\b",
)
"""Patterns that mark a paragraph as the publisher's boilerplate on their own."""

WEAK_FOOTER_PATTERNS: tuple[str, ...] = (
    r"\bsubscri(?:be|bing|ptions?)\b",  # "For subscriptions write to …" too
    r"\bplease contact\b",
    r"\be-?mail\b",
    r"\bfax\b",
    r"\bpostal mail\b",
    r"\bsite maintenance\b",
    # Wordings of other publishers: "Reprinting without written permission is forbidden",
    # "(c) 2001 Institute. Reprints by permission only". Not an e-mail address: with the word
    # "e-mail" it made a news paragraph ("an e-mail from kremlin@mail.ru") boilerplate.
    r"\breprint(?:s|ing|ed)?\b[^.]{0,60}?\b(?:permission|prohibited|forbidden|not permitted)\b",
    r"\(c\)\s*(?:19|20)\d\d\b",
)
"""Patterns of which two together mark a paragraph as boilerplate."""


# The literal text each default pattern needs in the casefolded paragraph before it can match.
_FOOTER_HINTS: dict[str, str] = dict(
    zip(
        DEFAULT_FOOTER_PATTERNS + WEAK_FOOTER_PATTERNS,
        (
            "publication of",
            "copyright",
            "\u00a9",
            "unauthori",
            "all rights reserved",
            "subscri",
            "please contact",
            "mail",
            "fax",
            "postal mail",
            "site maintenance",
            "reprint",
            "(c)",
        ),
        strict=True,
    )
)


def issue_number(value: object, name: str, *, digits: bool = True) -> int:
    """Return a volume or issue number (``name`` says which) as an int the archive can hold.

    The one rule for volumes and issues, wherever they come from (a brief's header, a JSONL
    record, the command line, a chat): a whole number from 0 to ``MAX_NUMBER``.

    Args:
        value: an int, or (with ``digits``) a string of decimal digits; anything else is out
            of range too.
        name: ``"volume"`` or ``"issue"``, for the message.
        digits: whether a string of digits is taken (a brief's own fields are ints).

    Raises:
        NumberRangeError: naming the value and the fix, if it is not a whole number from 0 to
            ``MAX_NUMBER`` (SQLite cannot even look such a number up: ``OverflowError``).
    """
    number = MAX_NUMBER + 1
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif (
        digits
        and isinstance(value, str)
        and value.strip().isdecimal()
        # No longer than MAX_NUMBER: int() refuses more than 4,300 digits.
        and len(value.strip().lstrip("0")) <= len(str(MAX_NUMBER))
    ):
        number = int(value)
    if not 0 <= number <= MAX_NUMBER:
        raise NumberRangeError(
            f"{name} {shorten(str(value).strip(), 40)} is out of range; use a whole number from 0 "
            f"to {MAX_NUMBER:,}"
        )
    return number


def squeeze(text: str) -> str:
    """Return ``" ".join(text.split())``: white space folded to single spaces, ends trimmed.

    A text already so (no white space but single spaces inside, none at the ends: the common
    case) is returned as it is, without splitting it into words.
    """
    # Printable: the only white space it can hold is " ".
    if text.isprintable() and "  " not in text and not text.startswith(" ") and text[-1:] != " ":
        return text
    return " ".join(text.split())


def _squeeze_printable(text: str) -> str:
    """Return ``squeeze(text)`` of a printable text (whose only white space is " ")."""
    if "  " not in text and not text.startswith(" ") and text[-1:] != " ":
        return text
    return " ".join(text.split())


# Every character a sign-off match can hold: white space, the dashes and what initials and names
# are made of. A match lies within the text's longest tail of these.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""Every character ``str.isspace`` (and a regex's ``\\s``) takes for white space."""
_SIGNOFF_CHARS = WHITESPACE + "\u2014\u2013-./'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# What a sign-off match starts with, after its white space.
_SIGNOFF_DASH_RE = re.compile("\u2014|\u2013|--")
# A character that is not one of ``_SIGNOFF_CHARS``: one ends the tail a sign-off lies in.
_NOT_SIGNOFF_RE = re.compile(f"[^{re.escape(_SIGNOFF_CHARS)}]")


# The first characters a rule line (``_RULE_RE``) can start with: white space or a rule's own.
_RULE_FIRST = frozenset(WHITESPACE + "_-=~\u2014\u2013*\u2022.")


def _signoff(text: str) -> re.Match[str] | None:
    """Return ``_SIGNOFF_RE.search(text)``, searching only where a match can start.

    A match lies within the text's longest tail of ``_SIGNOFF_CHARS`` and starts at a dash or
    at the white space right before one, so the search starts at the white space before the
    tail's first dash (the regex tried at every position of the tail cost ~0.1 µs a position).

    The tail's first dash is found from the text's end, dash by dash (a hyphen, or "—" or "–"):
    a dash is in the tail if only ``_SIGNOFF_CHARS`` lie between it and the dash after it in
    the tail (or the end). ``rstrip(_SIGNOFF_CHARS)`` found the tail character by character
    (~120 instructions each: a search of the ~80 characters), often a sentence or more long.
    """
    end = len(text)
    first = -1
    while True:
        dash = max(
            text.rfind("\u2014", 0, end), text.rfind("\u2013", 0, end), text.rfind("-", 0, end)
        )
        if dash < 0 or _NOT_SIGNOFF_RE.search(text, dash, len(text) if first < 0 else end):
            break
        first = end = dash
    if first < 0:
        return None
    # The first dash of the tail that a sign-off starts with: none before ``first``.
    found = _SIGNOFF_DASH_RE.search(text, first)
    if found is None:
        return None
    start = found.start()
    # The white space right before it is in the tail too.
    while start and text[start - 1].isspace():
        start -= 1
    return _SIGNOFF_RE.search(text, start)


PassageRow: TypeAlias = tuple[int, str | bytearray, int, int]
"""A passage as it is stored: its ``position``, ``text`` (``str``, or its UTF-8 as a parsing
worker sends it), ``start`` and ``end``."""
BriefRow: TypeAlias = tuple[tuple[Any, ...], list[PassageRow]]
"""A brief as it is stored: its ``briefs`` values (``key``, ``doc_id``, ``publication``,
``volume``, ``issue``, ``date``, ``title``, ``author``, ``url``, ``source``, ``text`` (``str``, or
its UTF-8 as a parsing worker sends it), ``content_hash``, ``origin``, ``position``) and its
passages. What a parsing worker sends the
writing process: plain tuples pickle and unpickle several times faster than ``Brief`` and
``Passage`` objects."""


@dataclass(frozen=True)
class Passage:
    """A searchable piece of a brief: a paragraph, or part of a long one."""

    position: int
    text: str
    start: int
    end: int


def label_key(
    publication: str, volume: int | None, issue: int | None, title: str | None, text: str
) -> str:
    """Return a brief's label: publication, volume, issue and title (or, untitled, its first
    eight words), casefolded (``Brief.legacy_key`` of a brief without a doc id)."""
    label = title or " ".join(text.split(None, 8)[:8])
    return f"{publication.casefold()}|{volume}|{issue}|{label.casefold()}"


@dataclass
class Brief:
    """One brief: its identity, metadata, cleaned text and passages."""

    publication: str
    volume: int | None
    issue: int | None
    text: str
    title: str | None = None
    date: str | None = None
    author: str | None = None
    url: str | None = None
    doc_id: str | None = None
    source: str | None = None
    passages: list[Passage] = field(default_factory=list)
    origin: str | None = None
    """Where the brief came from: its file's path relative to the folder or file named to ingest
    (None for stdin and other unnamed streams)."""
    position: int | None = None
    """The brief's place among the briefs (or records) of its file, from 0."""

    @property
    def key(self) -> str:
        """Return this brief's identity: ``id:DOC_ID``, else ``src:ORIGIN#POSITION``, else (a brief
        of no named file) its publication, volume, issue and title or first words."""
        if self.doc_id:
            return f"id:{self.doc_id}"
        if self.origin is not None and self.position is not None:
            return f"src:{self.origin}#{self.position}"
        return self.legacy_key

    @property
    def legacy_key(self) -> str:
        """Return the key briefbot used before issue 10: ``id:DOC_ID`` or publication, volume,
        issue and title (or first eight words), casefolded."""
        if self.doc_id:
            return f"id:{self.doc_id}"
        return label_key(self.publication, self.volume, self.issue, self.title, self.text)

    def _hashed_parts(self) -> tuple[object, ...]:
        """Return the fields ``content_hash`` covers, in its order."""
        return (
            self.publication,
            self.volume,
            self.issue,
            self.title,
            self.date,
            self.author,
            self.url,
            self.doc_id,
            self.text,
        )

    @property
    def content_hash(self) -> str:
        """Return a hash of everything stored for this brief; equal hashes mean nothing changed.

        Worked out once for the fields as they are (a parsing worker does it, and the hash
        travels with the brief); worked out again if one of them is changed.
        """
        parts = self._hashed_parts()
        known = self.__dict__.get("_content_hash")
        if known is not None and _same_parts(known[0], parts):
            return str(known[1])
        digest = _digest(parts[:-1], parts[-1])
        self.__dict__["_content_hash"] = (parts, digest)
        return digest


def _digest(
    head: tuple[object, ...],
    text: object,
    printable: bool = False,
    utf8: bytes | bytearray | None = None,
) -> str:
    """Return the content hash of a brief's fields ``head`` and ``text`` (``Brief._hashed_parts``):
    SHA-256 of each one's ``repr`` and a NUL, in UTF-8.

    ``printable``: ``text`` is a ``str`` whose every character but its line ends is printable
    (its ``repr`` is then its UTF-8 quoted, worked out on the bytes). ``utf8``: the text's UTF-8,
    if the caller has it.
    """
    # The fields before the text encoded in one piece (UTF-8 encodes character by character, and
    # a repr holds no lone surrogate: the same bytes as part by part), the text (nearly all the
    # bytes) on its own: never copied into a joined string.
    hasher = hashlib.sha256("\x00".join([*map(shown, head), ""]).encode("utf-8"))
    if printable and isinstance(text, str):
        hasher.update(_shown_utf8(text, utf8))
    else:
        hasher.update(shown(text).encode("utf-8"))
    hasher.update(b"\x00")
    return hasher.hexdigest()


_BACKSLASH, _QUOTE, _DOUBLE_QUOTE = b"\\'\""


def _shown_utf8(text: str, data: bytes | bytearray | None = None) -> bytes:
    """Return ``shown(text).encode("utf-8")`` of a text whose every character but its line ends
    is printable: its UTF-8 (``data``, if the caller has it) quoted as ``repr`` quotes it (a line
    end written ``\\n``), each test a search of bytes rather than of characters."""
    if data is None:
        data = text.encode("utf-8")
    # A byte looked for as an int: ``bytes.__contains__`` first takes its argument as an int,
    # and for a ``bytes`` one raises, formats and clears a TypeError (~1,800 instructions a
    # test; ``find`` parses its arguments the old way, ~1,000).
    if _BACKSLASH in data:
        return shown(text).encode("utf-8")
    data = data.replace(b"\n", b"\\n")
    if _QUOTE not in data:
        return b"'" + data + b"'"
    if _DOUBLE_QUOTE not in data:
        return b'"' + data + b'"'
    return b"'" + data.replace(b"'", b"\\'") + b"'"


def set_content_hash(brief: Brief, digest: str) -> None:
    """Record ``digest`` as ``brief.content_hash`` for its fields as they are now: the hash a
    parsing worker worked out for the same fields, not worked out again."""
    brief.__dict__["_content_hash"] = (brief._hashed_parts(), digest)


def shown(value: object) -> str:
    """Return ``repr(value)``, quicker for text whose only escape is a line end (a brief's text).

    ``repr`` checks every character of a text twice for printability, which made it half the
    cost of ``Brief.content_hash``: a text without backslashes that is printable once its line
    ends are written as ``\\n`` needs only its quotes chosen (and escaped) as ``repr`` does.
    """
    if type(value) is str and "\\" not in value:
        text = value.replace("\n", "\\n")
        if text.isprintable():
            if "'" not in value:
                return f"'{text}'"
            if '"' not in value:
                return f'"{text}"'
            return "'" + text.replace("'", "\\'") + "'"
    return repr(value)


def _same_parts(old: tuple[object, ...], new: tuple[object, ...]) -> bool:
    """Return whether two tuples of fields hold values of the same types and equal (so of equal
    ``repr``: strings, whole numbers, None)."""
    return all(
        a is b or (type(a) is type(b) and type(a) in (str, int) and a == b)
        for a, b in zip(old, new, strict=True)
    )


@dataclass(frozen=True)
class FooterRules:
    """How the publisher's boilerplate is recognised (configurable per archive)."""

    strong: tuple[str, ...] = DEFAULT_FOOTER_PATTERNS
    weak: tuple[str, ...] = WEAK_FOOTER_PATTERNS

    def with_extra(self, patterns: list[str] | tuple[str, ...]) -> FooterRules:
        """Return rules with ``patterns`` added as strong patterns.

        Raises:
            BriefFormatError: if a pattern is not a valid regular expression, or matches an empty
                text (every paragraph would be boilerplate).
        """
        for pattern in patterns:
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                raise BriefFormatError(
                    f"footer pattern {pattern!r} is not a valid regular expression ({exc}); "
                    "fix or quote it"
                ) from exc
            if compiled.search(""):
                # "" or "x*": every brief was rejected as having "no text besides boilerplate".
                raise BriefFormatError(
                    f"footer pattern {pattern!r} matches an empty text, so it would take every "
                    "paragraph for the footer; write words of your footer, e.g. 'Copyright .* Acme'"
                )
        return FooterRules(self.strong + tuple(patterns), self.weak)

    @cached_property
    def _hint_split(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Return the literal hints of the default patterns and the other patterns."""
        return _hints(self.strong + self.weak)

    @cached_property
    def _prefilter(self) -> tuple[tuple[str, ...], frozenset[str], str]:
        """Return ``_prefilter(strong, weak)``."""
        return _prefilter(self.strong, self.weak)

    def patterns_in(self, paragraph: str) -> int:
        """Return how many of the patterns (strong and weak) ``paragraph`` matches."""
        return sum(1 for p in self.strong + self.weak if _compiled((p,)).search(paragraph))

    def added_in(self, paragraph: str) -> bool:
        """Return whether ``paragraph`` matches a pattern added to the defaults (the user's
        ``--footer-pattern``, ``with_extra``): the publisher's wherever it stands."""
        return any(
            _compiled((p,)).search(paragraph)
            for p in self.strong
            if p not in DEFAULT_FOOTER_PATTERNS
        )

    def is_footer(self, paragraph: str) -> bool:
        """Return whether ``paragraph`` is publisher boilerplate rather than content."""
        return self._is_footer(paragraph, False)

    def _is_footer(self, paragraph: str, plain_fold: bool) -> bool:
        """Return ``is_footer(paragraph)``; ``plain_fold``: the paragraph holds no character of
        ``FOLD_UNSAFE`` (see ``plain_fold``)."""
        # A cheap test first: almost every paragraph is content and matches no pattern, and eleven
        # case-insensitive regex searches were half of the ingest time. Each default pattern can
        # only match where its literal core occurs; patterns added by the user are searched as is.
        hints, extra = self._hint_split
        if paragraph.isascii():
            # ASCII text casefolds to its lower case, which is quicker to make.
            folded = paragraph.lower()
        elif plain_fold:
            # The hints are ASCII; a character outside ASCII and FOLD_UNSAFE casefolds to
            # characters outside ASCII, so a hint is in the casefolded paragraph exactly when it
            # is in the paragraph lowered with those characters written "?" (which is ASCII,
            # quicker to make and to search than the casefold of a text of two-byte characters).
            folded = paragraph.encode("ascii", "replace").decode("ascii").lower()
        else:
            folded = paragraph.casefold()
        if extra:
            if not any(map(folded.__contains__, hints)) and not _compiled(extra).search(paragraph):
                return False
        else:
            # Without patterns of the user's: one weak hint is left out of the search (alone it
            # cannot make two weak patterns), and a paragraph holding only a hint that signals
            # one weak pattern is content (``_prefilter``), without the searches below.
            searched, lone, spare = self._prefilter
            found = list(filter(folded.__contains__, searched))
            if not found or (
                len(found) == 1 and found[0] in lone and not (spare and spare in folded)
            ):
                return False
        folded = paragraph.lower() if paragraph.isascii() else paragraph.casefold()
        # A default pattern whose literal core is missing cannot match: only the others are
        # searched.
        strong = tuple(p for p in self.strong if _FOOTER_HINTS.get(p, "") in folded)
        if strong and _compiled(strong).search(paragraph):
            return True
        weak = [p for p in self.weak if _FOOTER_HINTS.get(p, "") in folded]
        return len(weak) >= 2 and sum(1 for p in weak if _compiled((p,)).search(paragraph)) >= 2


FOLD_UNSAFE = (
    "\u00a9\u00df\u0130\u0149\u017f\u01f0\u1e96\u1e97\u1e98\u1e99\u1e9a\u1e9e\u212a"
    "\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06"
)
"""The footer hint outside ASCII ("©") and every character outside ASCII whose casefold holds
an ASCII character (ß, İ, ŉ, ſ, ǰ, ẖ-ẚ, ẞ, the Kelvin sign, the ligatures ﬀ-ﬆ): checked
against every code point by the tests."""
# Their UTF-8 by a byte that each holds and few texts do (a search for one byte is a memchr; one
# for more bytes tries every place): the characters' own UTF-8, or a prefix of it that no other
# character of few bytes starts with, is searched only where that byte is found.
_FOLD_UNSAFE_UTF8 = (
    (0xC2, (b"\xc2\xa9",)),
    (0xC3, (b"\xc3\x9f",)),
    (0xC4, (b"\xc4\xb0",)),
    (0xC5, (b"\xc5\x89", b"\xc5\xbf")),
    (0xC7, (b"\xc7\xb0",)),
    (0xE1, (b"\xe1\xba",)),
    (0xAA, (b"\xe2\x84\xaa",)),
    (0xEF, (b"\xef\xac",)),
)


# Every printable ASCII character and the two line ends: what is left of a text's UTF-8 without
# them is its characters outside ASCII and its ASCII control characters.
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F)) + b"\n\r"
BOM = "\ufeff"
"""The byte order mark, dropped from decoded text wherever it is (``ingest.decode``)."""


def printable_utf8(utf8: bytes) -> bool | None:
    """Return ``all(map(str.isprintable, lines))`` of the lines of the text decoded from UTF-8
    ``utf8`` (byte order marks dropped, split at ``\\r\\n``, ``\\r`` and ``\\n``); None if
    what is left of ``utf8`` without its ASCII does not decode.

    The printable ASCII bytes are deleted first (one pass of bytes, against ~30 instructions a
    character for ``str.isprintable`` of a text of two-byte characters) and only the few
    characters left are looked at: deleting ASCII bytes from UTF-8 leaves whole characters.
    """
    rest = utf8.translate(None, _PRINTABLE_ASCII)
    if not rest:
        return True
    try:
        return rest.decode("utf-8").replace(BOM, "").isprintable()
    except UnicodeDecodeError:
        return None


def plain_fold(utf8: bytes) -> bool:
    """Return whether a text whose UTF-8 is ``utf8`` (or that text with characters removed)
    holds no character of ``FOLD_UNSAFE``: searches of the bytes, quicker than searches of the
    text's characters."""
    # Each byte looked for as an int (see ``_shown_utf8``).
    return not any(
        byte in utf8 and any(utf8.find(f) >= 0 for f in found) for byte, found in _FOLD_UNSAFE_UTF8
    )


@lru_cache(maxsize=64)
def _hints(patterns: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the literal hints of the default ``patterns`` and the other patterns."""
    hints = tuple(_FOOTER_HINTS[p] for p in patterns if p in _FOOTER_HINTS)
    # A hint that holds another ("postal mail", "mail") is found whenever that one is: one
    # search fewer over every paragraph, for the same answer.
    needed = tuple(dict.fromkeys(h for h in hints if not any(o != h and o in h for o in hints)))
    return needed, tuple(p for p in patterns if p not in _FOOTER_HINTS)


@lru_cache(maxsize=64)
def _prefilter(
    strong: tuple[str, ...], weak: tuple[str, ...]
) -> tuple[tuple[str, ...], frozenset[str], str]:
    """Return the hints a paragraph is first searched for (rules of default patterns only), the
    ones of them that, found alone, let through one weak pattern at most, and the weak hint left
    out of the search ("" if none).

    A pattern can match only where its hint is; a paragraph is boilerplate if a strong pattern
    matches or two weak ones do. The hint left out belongs to one weak pattern and holds no other
    hint nor is held by one (the shortest: the slowest to search): with none of the others
    found, at most its pattern can match. A hint is *lone* if the one pattern whose hint holds
    it is weak: found alone, and the hint left out not found, at most one weak pattern can
    match (a hint holding it, "postal mail" for "mail", belongs to such a pattern too).
    """
    needed, _ = _hints(strong + weak)
    known = [p for p in strong + weak if p in _FOOTER_HINTS]
    hints = [_FOOTER_HINTS[p] for p in known]

    def lone(hint: str) -> bool:
        holders = [p for p in known if hint in _FOOTER_HINTS[p]]
        return len(holders) == 1 and holders[0] in weak and holders[0] not in strong

    spares = [
        h for h in needed if lone(h) and not any(o != h and (o in h or h in o) for o in hints)
    ]
    spare = min(spares, key=len, default="")
    searched = tuple(h for h in needed if h != spare)
    return searched, frozenset(h for h in searched if lone(h)), spare


@lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """Return one case-insensitive regex matching any of ``patterns`` (none: matches nothing)."""
    if not patterns:
        return re.compile(r"(?!x)x")
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def is_header(line: str) -> bool:
    """Return whether ``line`` starts a brief (a ``Publication:`` header line)."""
    return bool(_HEADER_START_RE.match(line))


def parse_header(line: str, *, source: str | None = None, lineno: int | None = None) -> dict:
    """Return the fields of a header line as a dict (publication, volume, issue, date, ...).

    Raises:
        BriefFormatError: if the publication, volume or issue is missing or not a number.
    """
    fields: dict = {}
    matches = _field_spans(line)
    for i, (start, name_end, value_start) in enumerate(matches):
        end = matches[i + 1][0] if i + 1 < len(matches) else len(line)
        name = _FIELD_NAMES[line[start:name_end].lower()]
        raw = line[value_start:end].strip().rstrip(",;")
        if raw and fields.get(name, raw) != raw:
            if name != "author":
                raise _twice(name, fields[name], raw, source, lineno, "header line")
            raw = f"{fields[name]}, {raw}"  # "By: SC By: VS": two authors
        if raw:
            fields[name] = raw
    for name in ("publication", "title"):
        if name in fields:
            fields[name] = _unquoted(fields[name])
    if not fields.get("publication"):
        raise BriefFormatError(
            "header line has no publication name; write it as 'Publication: Monitor'",
            source=source,
            line=lineno,
        )
    for name in ("volume", "issue"):
        value: str | None = fields.get(name)
        if value is None:
            # "Vol. 4, No. 142": the numbers are there, without the colons the header needs.
            dotted = _DOTTED_RE.search(line)
            hint = f" (not '{dotted.group(0).strip()}')" if dotted else ""
            raise BriefFormatError(
                f"header line has no {name}; "
                f"write e.g. 'Publication: Monitor Volume: 4 Issue: 142'{hint}",
                source=source,
                line=lineno,
            )
        if not _DIGITS_RE.fullmatch(value):
            roman = _roman(value)
            hint = f" ({value} is {roman} in Roman numerals)" if roman is not None else ""
            raise BriefFormatError(
                f"header line has a non-numeric {name} {value[:40]!r}; use digits, e.g. "
                f"'{name.capitalize()}: {4 if roman is None else roman}'{hint}",
                source=source,
                line=lineno,
            )
        try:
            fields[name] = issue_number(value, name)
        except NumberRangeError as exc:
            raise BriefFormatError(f"header line: {exc}", source=source, line=lineno) from None
    if "date" in fields and not is_date(fields["date"]):
        raise BriefFormatError(
            f"header line has a date {fields['date']!r} that is not a day written YYYY-MM-DD; "
            "write it as e.g. 'Date: 1998-07-20'",
            source=source,
            line=lineno,
        )
    return fields


_QUOTE_PAIRS = frozenset(
    {'""', "''", "\u201c\u201d", "\u2018\u2019", "\u00ab\u00bb", "\u201e\u201c"}
)


_DOTTED_RE = re.compile(
    r"\b(?:Vol(?:ume)?|No|Number|Issue)\.?\s+(?:[0-9]+|[IVXLC]+)\b", re.IGNORECASE
)
"""A volume or issue written without its colon ("Vol. 4", "No. 142", "Vol. IV")."""
_ROMAN_RE = re.compile(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")
_ROMAN_VALUES = {"M": 1000, "D": 500, "C": 100, "L": 50, "X": 10, "V": 5, "I": 1}


def _roman(value: str) -> int | None:
    """Return the number a Roman numeral ("IV", "xii") stands for; None if ``value`` is none."""
    letters = value.strip().upper()
    if not letters or not _ROMAN_RE.fullmatch(letters):
        return None
    numbers = [_ROMAN_VALUES[ch] for ch in letters]
    return sum(-n if n < after else n for n, after in zip(numbers, [*numbers[1:], 0], strict=True))


def _unquoted(value: str) -> str:
    """Return ``value`` without the quotes around it all (``“Courier”``, ``"Courier"``, Word's
    smart quotes or guillemets): a publication so written was a publication of its own, which
    ``--publication Courier`` did not find. Quotes inside it stay (``‘Smelter’ closes``)."""
    if len(value) > 2 and value[0] + value[-1] in _QUOTE_PAIRS:
        inner = value[1:-1]
        if value[0] not in inner and value[-1] not in inner:
            return inner.strip()
    return value


def _twice(
    name: str,
    first: object,
    second: str,
    source: str | None,
    lineno: int | None,
    where: str = "header continues with a line that",
) -> BriefFormatError:
    """Return the error for a header that gives field ``name`` twice, with different values."""
    return BriefFormatError(
        f"{where} gives the {name} a second time ({shorten(str(first), 40)!r}, then "
        f"{shorten(second, 40)!r}), so the citation could be wrong; keep the right one and "
        "delete the other",
        source=source,
        line=lineno,
    )


_ZERO_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_SPANS: dict[bytes, tuple[tuple[int, int, int], ...]] = {}
"""``_field_spans`` of the header lines met, by their shape (``_field_spans``)."""
MAX_SHAPES = 1024


def _field_spans(line: str) -> tuple[tuple[int, int, int], ...]:
    """Return ``(m.start(), m.end(1), m.end())`` of each match of ``_FIELD_RE`` in ``line``.

    Worked out once for each shape of line: its UTF-8 with every ASCII digit written 0. Lines
    of one shape differ only in their ASCII digits (UTF-8 writes each as one byte and no other
    character with such a byte), which the regex treats alike (word characters, neither
    letters, white space nor colons), so it matches them at the same places; the header lines
    of an archive's issues differ in their numbers and dates. The regex tried at every position
    of a line cost ~25,000 instructions, one line a file.
    """
    shape = line.encode("utf-8", "surrogatepass").translate(_ZERO_DIGITS)
    spans = _SPANS.get(shape)
    if spans is None:
        spans = tuple((m.start(), m.end(1), m.end()) for m in _FIELD_RE.finditer(line))
        if len(_SPANS) >= MAX_SHAPES:
            _SPANS.clear()
        _SPANS[shape] = spans
    return spans


@lru_cache(maxsize=256)
def _header_fields(line: str) -> tuple[tuple[str, object], ...]:
    """Return ``parse_header(line)`` as pairs, worked out once for a line met again (the briefs
    of one issue share their header line).

    Raises:
        BriefFormatError: as ``parse_header`` (without the source and line: not kept).
    """
    return tuple(parse_header(line).items())


def split_passages(paragraphs: list[tuple[int, str]], *, squeezed: bool = False) -> list[Passage]:
    """Return passages for ``(offset, paragraph)`` pairs, splitting long paragraphs at sentences.

    A paragraph of more than ``MAX_PASSAGE_WORDS`` words is cut into the fewest chunks of whole
    sentences that keep each chunk near that size. ``squeezed``: every paragraph is non-empty
    and ``squeeze`` leaves it as it is (its words are then counted by its spaces).
    """
    return [
        Passage(position, cast(str, text), start, end)  # no ``encoded``: the texts are str
        for position, text, start, end in _passage_rows(paragraphs, squeezed=squeezed)
    ]


def _passage_rows(
    paragraphs: list[tuple[int, str]],
    *,
    squeezed: bool = False,
    encoded: list[bytes] | None = None,
) -> list[PassageRow]:
    """Return ``split_passages(paragraphs)`` as ``(position, text, start, end)`` tuples.

    ``encoded``: each paragraph's UTF-8; the passages' texts are then given as their UTF-8 too,
    in a ``bytearray`` (what ``sqlite3`` binds without looking for an adapter: for ``bytes`` it
    looks for one, and formats an error message to find none, ~900 instructions a value).
    """
    count = _squeezed_words if squeezed else _word_count
    passages: list[PassageRow] = []
    for n, (offset, para) in enumerate(paragraphs):
        words = count(para)
        if words <= MAX_PASSAGE_WORDS:
            text = para if encoded is None else bytearray(encoded[n])
            passages.append((len(passages), text, offset, offset + len(para)))
            continue
        chunks = -(-words // MAX_PASSAGE_WORDS)
        target = words / chunks
        chunk_start: int | None = None
        chunk_end = 0
        chunk_words = 0
        for s, e, sentence_words in _sentence_pieces(para, count):
            if chunk_start is not None and chunk_words + sentence_words / 2 > target:
                chunk = para[chunk_start:chunk_end]
                text = chunk if encoded is None else bytearray(chunk, "utf-8")
                passages.append((len(passages), text, offset + chunk_start, offset + chunk_end))
                chunk_start = None
                chunk_words = 0
            if chunk_start is None:
                chunk_start = s
            chunk_end = e
            chunk_words += sentence_words
        if chunk_start is not None:
            chunk = para[chunk_start:chunk_end]
            text = chunk if encoded is None else bytearray(chunk, "utf-8")
            passages.append((len(passages), text, offset + chunk_start, offset + chunk_end))
    return passages


_WORD_RE = re.compile(r"\S+")


def _sentence_pieces(para: str, count: Callable[[str], int]) -> Iterator[tuple[int, int, int]]:
    """Yield ``(start, end, words)`` of the sentences of ``para``, a sentence of more than
    ``MAX_SENTENCE_WORDS`` words cut into even pieces of whole words, none over
    ``MAX_PASSAGE_WORDS``.

    Text with no sentence ends (a list on one line, a file of one huge line) was one passage of
    thousands of words, quoted whole in an answer: a 10 MB line made 2,400 Telegram messages.
    """
    for s, e in split_sentences(para):
        words = count(para[s:e])
        if words <= MAX_SENTENCE_WORDS:
            yield s, e, words
            continue
        size = -(-words // -(-words // MAX_PASSAGE_WORDS))  # even pieces, none over the limit
        start, end, taken = s, s, 0
        for match in _WORD_RE.finditer(para, s, e):
            if taken == size:
                yield start, end, taken
                start, taken = match.start(), 0
            end = match.end()
            taken += 1
        yield start, e, taken


def _word_count(text: str) -> int:
    """Return ``len(text.split())``, counting the spaces of a squeezed text."""
    if text and squeeze(text) is text:
        return text.count(" ") + 1
    return len(text.split())


def _squeezed_words(text: str) -> int:
    """Return ``len(text.split())`` of a non-empty text ``squeeze`` leaves as it is (a
    sentence of one is too: trimmed, white space inside folded)."""
    return text.count(" ") + 1


def build_brief(
    meta: dict,
    paragraphs: list[str],
    *,
    footer: FooterRules | None = None,
    squeezed: bool = False,
    content_first: int = 0,
) -> Brief:
    """Return a Brief from header fields and raw paragraphs: footer dropped, sign-off taken.

    ``squeezed``: ``squeeze`` leaves every paragraph as it is (``split_paragraphs`` made them).
    ``content_first``: the first so many paragraphs are known not to be boilerplate (the
    caller checked them), so they are not checked again.

    Raises:
        BriefFormatError: if no content is left once the footer is removed.
    """
    content, author = _content(meta, paragraphs, footer, squeezed, content_first)
    text = "\n\n".join(content)  # every paragraph of content is non-empty
    brief = Brief(
        publication=str(meta["publication"]).strip(),
        volume=meta.get("volume"),
        issue=meta.get("issue"),
        text=text,
        title=meta.get("title"),
        date=meta.get("date"),
        author=author,
        url=meta.get("url"),
        doc_id=meta.get("doc_id"),
        source=meta.get("source"),
    )
    brief.passages = split_passages(_offsets(content), squeezed=True)
    return brief


def _content(
    meta: dict,
    paragraphs: list[str],
    footer: FooterRules | None,
    squeezed: bool,
    content_first: int,
    plain: bool = False,
) -> tuple[list[str], str | None]:
    """Return a brief's paragraphs of content (footer dropped, sign-off cut) and its author
    (see ``build_brief``). ``plain``: no paragraph holds a character of ``FOLD_UNSAFE``.

    Raises:
        BriefFormatError: if no content is left once the footer is removed.
    """
    footer = footer or FooterRules()
    _check_fields(meta)
    content: list[str] = []
    boilerplate: str | None = None
    at = 0  # where the boilerplate paragraph stood among the paragraphs of content
    resumed = 0  # paragraphs of prose kept after the boilerplate
    for n, para in enumerate(paragraphs):
        if not squeezed:
            para = squeeze(para)
        if not para:
            continue
        if boilerplate is None:
            if n >= content_first and footer._is_footer(para, plain):
                boilerplate = para  # from here on the publisher's, but for the brief's prose
                at = len(content)
                continue
            content.append(para)
        elif (_is_prose(para) or _signed(para)) and not footer._is_footer(para, plain):
            # A paragraph of the brief after an advertisement pasted into its middle ("To
            # subscribe, please contact …"): it was dropped with the boilerplate, in silence.
            # So was one that ends with the author's sign-off ("… seized 40,000 discs. — OV"),
            # however short: the brief's own last paragraph.
            content.append(para)
            resumed += 1
    if (
        resumed
        and boilerplate is not None
        and footer.patterns_in(boilerplate) == 1
        and not footer.added_in(boilerplate)
    ):
        # In the middle of the brief, a paragraph with one of the footer's phrases and nothing
        # else of a footer is the brief's news ("Unauthorized reproduction of music is now
        # punishable …" of a copyright law; "Copyright 1996 laws were weak"): kept where it was.
        # A footer holds more than one ("… publication of …", "please contact", "fax", "(c)
        # 1999"), and one at the brief's end has no prose after it. A paragraph the user's own
        # --footer-pattern names is the publisher's (it was kept as news, in silence).
        content.insert(at, boilerplate)
        resumed = 0
        # Said, as a paragraph dropped is: should it be the publisher's after all (a copyright
        # line between two items), the user can tell.
        meta.setdefault("notes", []).append(
            (
                meta.get("line") or 1,
                f"a paragraph with a phrase of the publisher's boilerplate in the middle of the "
                f"brief ({shorten(str(boilerplate), 60)!r}) was kept as its text; if it is the "
                "publisher's, add a --footer-pattern for it",
            )
        )
    if resumed:
        # Kept, and said: should it be the publisher's after all, the user can tell.
        meta.setdefault("notes", []).append(
            (
                meta.get("line") or 1,
                f"a paragraph read as the publisher's boilerplate "
                f"({shorten(str(boilerplate), 60)!r}) was left out, and the {resumed} "
                "paragraph(s) of prose after it kept as the "
                "brief's text; if they are the publisher's too, add a --footer-pattern for them",
            )
        )
    author = meta.get("author")
    if content:
        m = _signoff(content[-1])
        if m and m.start() > 0:
            content[-1] = content[-1][: m.start()].rstrip()
            signed = meta.get("signed") or []
            meta["signed"] = [*signed, m.group(1)]
    if not author and meta.get("signed"):
        author = ", ".join(dict.fromkeys(meta["signed"]))
    if not content:
        raise BriefFormatError(
            "brief has no text besides its header and boilerplate; add its paragraphs, or "
            "delete the header line if it was left there by mistake",
            source=meta.get("source"),
            line=meta.get("line"),
        )
    return content, author


MIN_PROSE_WORDS = 25
"""The fewest words of a paragraph after the boilerplate that is kept as the brief's text."""


def _is_prose(paragraph: str) -> bool:
    """Return whether ``paragraph`` reads as a brief's text: ``MIN_PROSE_WORDS`` words or more
    ending as a sentence or with a source ("(Reuters, May 4)"); a footer's last lines ("Site
    maintenance by …") do not."""
    return paragraph.endswith((".", "!", "?", ")", "\u201d", '"')) and (
        paragraph.count(" ") + 1 >= MIN_PROSE_WORDS
    )


def _signed(paragraph: str) -> bool:
    """Return whether ``paragraph`` ends with its author's sign-off after text ("… the Interior
    Ministry said. — OV"): the last paragraph of a brief, never the publisher's."""
    m = _signoff(paragraph)
    return m is not None and m.start() > 0


def _offsets(content: list[str]) -> list[tuple[int, str]]:
    """Return ``(offset, paragraph)`` of each paragraph of ``"\\n\\n".join(content)``."""
    offsets: list[tuple[int, str]] = []
    start = 0
    for para in content:
        offsets.append((start, para))
        start += len(para) + 2
    return offsets


def _check_fields(meta: dict) -> None:
    """Check a brief's header fields against what the store and index can hold.

    Raises:
        BriefFormatError: naming the field, if a number is out of range or a field too long.
    """
    where = {"source": meta.get("source"), "line": meta.get("line")}
    for name in ("volume", "issue"):
        value = meta.get(name)
        try:
            if value is not None:
                issue_number(value, name, digits=False)
        except NumberRangeError as exc:
            raise BriefFormatError(str(exc), **where) from None
    for name in ("publication", "title", "author", "url", "date", "doc_id"):
        value = meta.get(name)
        if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
            raise BriefFormatError(
                f"{name} is {len(value):,} characters long, over the limit of "
                f"{MAX_FIELD_CHARS:,}; shorten it",
                **where,
            )


def _looks_like_title(line: str) -> bool:
    words = line.split(None, 16)  # 17 pieces: more than 16 words
    # A line ending in a source citation, "(Reuters, April 7)", is text, not a headline.
    return 0 < len(words) <= 16 and not line.rstrip().endswith((".", ",", ";", ":", ")"))


def _is_rule(line: str) -> bool:
    """Return whether ``line`` only draws a rule (``____``, ``----``, ``* * *``)."""
    return bool(_RULE_RE.fullmatch(line))


def _is_headline(line: str) -> bool:
    """Return whether ``line`` can be a headline printed above a header or between items."""
    text = line.strip()
    return (
        _looks_like_title(text)
        and not is_header(text)
        and not _is_rule(text)
        and not _BYLINE_RE.fullmatch(text)
        and not _FIELD_RE.match(text)
        and not _SIGNOFF_RE.match(text)
        and not text.startswith(("\u2014", "\u2013", "--", "(", "["))
    )


def _headline_above(lines: list[str], header: int, floor: int) -> int:
    """Return where the headline printed right above the header at ``header`` starts (``header``
    if there is none): up to ``MAX_HEADLINE_LINES`` headline-like lines, not below ``floor``,
    with a blank line, the file's start or a sign-off above them."""
    top = header
    while top > floor and header - top < MAX_HEADLINE_LINES and _is_headline(lines[top - 1]):
        top -= 1
    if top == header:
        return header
    above = lines[top - 1] if top > floor else ""
    if top == floor or not above.strip() or _signoff(above):
        return top
    return header


def _split_items(lines: list[str], signed: list[str]) -> list[str]:
    """Return a brief's body lines with rule lines blanked and each sign-off that ends an item
    (the next item's headline right under it) cut off, its initials or name kept in ``signed``."""
    out: list[str] = []
    for i, line in enumerate(lines):
        if line[:1] in _RULE_FIRST and _is_rule(line):
            out.append("")
            continue
        nxt = lines[i + 1] if line and i + 1 < len(lines) else ""
        # An empty line holds no sign-off: the line after it is not looked at.
        m = _signoff(line) if nxt and not nxt.isspace() and _is_headline(nxt) else None
        if m and m.start() > 0:
            signed.append(m.group(1))
            out.extend([line[: m.start()].rstrip(), ""])
            continue
        out.append(line)
    return out


MAX_SIGNATURE_LINES = 6
"""The most lines an e-mail signature under a ``--`` line may have to be left out."""
_SOURCE_ALONE_RE = re.compile(
    r"\((?:[^()]{1,80}?,\s*(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
    r"\s+\d{1,2}(?:,\s*\d{4})?\s*[;,]?\s*)+\)"
)
"""An inline source citation, "(Itar-Tass, May 21)" or "(Interfax, May 21; Reuters, May 22)"."""


def _signature(lines: list[str]) -> int | None:
    """Return the index of the ``--`` line (the e-mail signature separator, "-- ") that starts a
    signature of at most ``MAX_SIGNATURE_LINES`` short lines, none ending as a sentence, that
    ends ``lines``; None if there is none (a ``--`` with more under it separates items).

    Only the lines up to the signature's size from the end are looked at.
    """
    under = 0
    for n in range(len(lines) - 1, -1, -1):
        line = lines[n].strip()
        if not line:
            continue
        if line == "--":
            return n if under else None
        under += 1
        # A line of prose (a sentence's end) is the next item's text, not a signature: "--"
        # also separates items.
        if under > MAX_SIGNATURE_LINES or len(line) > 80 or line.endswith(SENTENCE_ENDS):
            return None
    return None


def _joined_sources(paragraphs: list[str]) -> list[str]:
    """Return ``paragraphs`` with each one that is only an inline source ("(Itar-Tass, May 21)",
    set apart by a blank line) joined to the paragraph above it, whose source it is: alone it
    was a passage of its own, quoted as an answer to "what did Itar-Tass report?"."""
    if not any(p[:1] == "(" and p[-1:] == ")" for p in paragraphs[1:]):
        return paragraphs
    joined: list[str] = []
    for para in paragraphs:
        if joined and para[:1] == "(" and _SOURCE_ALONE_RE.fullmatch(para):
            joined[-1] = f"{joined[-1]} {para}"
        else:
            joined.append(para)
    return joined


def _paragraphs(lines: list[str], printable: bool = False) -> list[str]:
    """Return ``split_paragraphs("\\n".join(lines))`` of lines holding no line end, without
    joining them first. ``printable``: every line is printable."""
    fold = _squeeze_printable if printable else squeeze
    end = len(lines)
    while end and (not lines[end - 1] or lines[end - 1].isspace()):
        end -= 1
    blank = [not line or line.isspace() for line in lines[:end]]
    if not any(blank):
        if hard_wrapped(lines[:end]):
            return [fold(join_lines(lines[:end]))]
        return [fold(line) for line in lines[:end]]
    paragraphs: list[str] = []
    current: list[str] = []
    for line, empty in zip(lines[:end], blank, strict=True):
        if not empty:
            current.append(line)
        elif current:
            paragraphs.append(fold(current[0] if len(current) == 1 else join_lines(current)))
            current = []
    if current:
        paragraphs.append(fold(current[0] if len(current) == 1 else join_lines(current)))
    return paragraphs


def parse_briefs(
    text: str, *, source: str | None = None, footer: FooterRules | None = None
) -> list[Brief]:
    """Return every brief in ``text``, in order; a text may hold several.

    Raises:
        BriefFormatError: naming the source and line, if there is no header line, a header is
            malformed, or a brief has no content.
    """
    footer = footer or FooterRules()
    return [
        build_brief(meta, paragraphs, footer=footer, squeezed=True, content_first=checked)
        for meta, paragraphs, checked, _ in _brief_parts(text, source, footer)
    ]


def brief_rows(
    text: str,
    *,
    source: str | None = None,
    origin: str | None = None,
    footer: FooterRules,
    utf8: bytes | None = None,
    errors: list[BriefFormatError] | None = None,
    notes: list[tuple[int, str]] | None = None,
) -> list[BriefRow]:
    """Return the briefs of ``text`` as they are stored: ``brief_row`` of each brief of
    ``parse_briefs(text)``, its ``origin`` set and, with an origin, its place in the text as
    its ``position``.

    What a parsing worker makes of a file: the same values, without the ``Brief`` and
    ``Passage`` objects in between, and the content hash of a text that ``repr`` only has to
    quote worked out from its UTF-8 (a third of a brief's parsing went into those). The brief's
    and its passages' texts are given as their UTF-8 (a ``bytearray``; ``str`` should one hold a
    lone surrogate, which UTF-8 cannot encode): encoded once here, they are pickled, unpickled
    and bound as they are (``Store.insert_new`` stores them as text). ``utf8``: the UTF-8 the text
    was decoded from, if the caller has it (the text may lack some of its characters, such as
    byte order marks): its footers and its printability are then looked for more quickly.
    ``errors``: where a brief that cannot be stored (a malformed header, no text) is reported,
    the others still returned; without it, the first such brief raises. ``notes``: where what
    was left out or read differently (an e-mail signature, quote marks) is told, with its line.

    Raises:
        BriefFormatError: as ``parse_briefs`` (with ``errors``: only for the whole text: no
            header line, or text before the first).
    """
    rows: list[BriefRow] = []
    lines_of: dict[str, int] = {}  # each brief's line, by its content hash
    plain = text.isascii() or (utf8 is not None and plain_fold(utf8))
    for parts in _brief_parts(text, source, footer, plain, utf8, errors, notes):
        meta, paragraphs, checked, printable = parts
        try:
            content, author = _content(meta, paragraphs, footer, True, checked, plain)
        except BriefFormatError as exc:
            if errors is None:
                raise
            errors.append(exc)
            continue
        if notes is not None:
            notes.extend(meta.get("notes", ()))
        n = len(rows)
        body = "\n\n".join(content)
        try:
            encoded: list[bytes] | None = list(map(str.encode, content))
        except UnicodeEncodeError:  # a lone surrogate: kept as text, which SQLite refuses
            encoded = None
        body_utf8 = None if encoded is None else bytearray(b"\n\n").join(encoded)
        publication = str(meta["publication"]).strip()
        volume, issue, title = meta.get("volume"), meta.get("issue"), meta.get("title")
        date, url, doc_id = meta.get("date"), meta.get("url"), meta.get("doc_id")
        position = n if origin is not None else None
        if doc_id:
            key = f"id:{doc_id}"
        elif origin is not None:
            key = f"src:{origin}#{position}"
        else:
            key = label_key(publication, volume, issue, title, body)
        head = (publication, volume, issue, title, date, author, url, doc_id)
        if notes is not None and title and len(title) > LONG_TITLE:
            notes.append(
                (
                    meta["line"],
                    f"the title is {len(title):,} characters long (a paragraph on the title's "
                    "line?); every citation of this brief shows it whole",
                )
            )
        digest = _digest(head, body, printable, body_utf8)
        if digest in lines_of:
            # The same brief pasted twice: two briefs alike in the archive, counted twice,
            # sent twice in a digest.
            if notes is not None:
                notes.append(
                    (meta["line"], f"the same brief as line {lines_of[digest]} again; stored once")
                )
            continue
        lines_of[digest] = meta["line"]
        values = (
            key, doc_id, publication, volume, issue, date, title, author, url,
            meta.get("source"), body if body_utf8 is None else body_utf8, digest, origin, position,
        )  # fmt: skip
        passages = _passage_rows(_offsets(content), squeezed=True, encoded=encoded)
        rows.append((values, passages))
    return rows


def _brief_parts(
    text: str,
    source: str | None,
    footer: FooterRules,
    plain: bool = False,
    utf8: bytes | None = None,
    errors: list[BriefFormatError] | None = None,
    notes: list[tuple[int, str]] | None = None,
) -> Iterator[tuple[dict, list[str], int, bool]]:
    """Yield, for each brief of ``text`` in order, its header fields, its paragraphs, how many
    of those are known not to be boilerplate (``build_brief``'s arguments) and whether every
    character of the text but its line ends is printable.

    ``plain``: the text holds no character of ``FOLD_UNSAFE``. ``utf8``: the UTF-8 the text was
    decoded from (byte order marks and all), if the caller has it. ``errors``: where a brief
    whose header is malformed is reported instead of raised (the briefs after it are yielded).
    ``notes``: where a text quoted as in an e-mail reply (every header line after ``>``) is
    told, its quote marks taken off.

    Raises:
        BriefFormatError: naming the source and line, if there is no header line, or a header
            is malformed and ``errors`` is None (as the briefs before it are yielded).
    """
    if "\r" in text:  # two passes over the text, each slower than this search
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    # One pass over the text: its lines printable, every piece of them is (``squeeze`` and the
    # content hash then skip their own checks).
    printable = None if utf8 is None else printable_utf8(utf8)
    if printable is None:
        printable = all(map(str.isprintable, lines))
    numbers: list[int] | None = None  # each line's number in the file, if lines were split
    if _header_inside_line(text):
        lines, numbers = _unglued(lines, notes)
    header = _HEADER_START_RE.match
    # A header line holds a colon: the regex is tried only on lines with one.
    starts = [i for i, line in enumerate(lines) if ":" in line and header(line)]
    if not starts and ">" in text:
        # Briefs pasted from an e-mail reply: every line quoted with "> ".
        unquoted = [_QUOTED_RE.sub("", line) for line in lines]
        starts = [i for i, line in enumerate(unquoted) if ":" in line and header(line)]
        if starts:
            lines = unquoted
            if notes is not None:
                notes.append(
                    (
                        _number(numbers, starts[0]),
                        "the text is quoted as in an e-mail reply; the '>' marks were taken off",
                    )
                )
    # A web page saved as .txt: its tags would be stored as the briefs' text and titles
    # ("<html><body>" was a brief's title).
    page = _HTML_RE.search(text) if "<" in text else None
    if page:
        raise BriefFormatError(
            "looks like a web page (HTML) saved as text, which briefbot does not read; save it "
            "as plain text (or copy its text from the browser) with a 'Publication: NAME "
            "Volume: N Issue: M' line above each brief",
            source=source,
            line=text.count("\n", 0, page.start()) + 1,
        )
    if not starts:
        raise BriefFormatError(
            "no header line 'Publication: NAME Volume: N Issue: M' found; add one above each brief",
            source=source,
            line=1,
        )
    # A headline printed right above a header is that brief's title (pages copied from a website).
    tops = [
        _headline_above(lines, start, starts[n - 1] + 1 if n else 0)
        for n, start in enumerate(starts)
    ]
    above = [line for line in lines[: tops[0]] if line.strip()]
    if above and all(_MAIL_HEADER_RE.match(line) for line in above):
        # A forwarded e-mail's "From:", "Date:", "Subject:" lines above the first brief.
        if notes is not None:
            notes.append(
                (
                    1,
                    f"the e-mail's header ({len(above)} line(s): From, Subject …) above the "
                    "first brief was left out",
                )
            )
    elif above:
        first = next(i for i, line in enumerate(lines[: tops[0]]) if line.strip())
        raise BriefFormatError(
            "text before the first 'Publication:' header line; start the file with the header "
            "(a headline of up to 3 short lines right above it is read as the title)",
            source=source,
            line=_number(numbers, first),
        )
    for n, start in enumerate(starts):
        end = tops[n + 1] if n + 1 < len(starts) else len(lines)
        try:
            meta, paragraphs, checked = _brief_part(
                lines, tops[n], start, end, source, footer, plain, printable, numbers
            )
        except BriefFormatError as exc:
            if errors is None:
                raise
            errors.append(exc)  # this brief only: the others of the file are still read
            continue
        yield meta, paragraphs, checked, printable


_GLUED_RE = re.compile(
    r"[.!?)\u201d\"][ \t]+"
    r"(?=Publication\s*:[^\n]*?\bVol(?:ume)?\s*:[^\n]*?\b(?:Issue|No|Number)\s*:)",
    re.IGNORECASE,
)
"""A header run into the end of a line of text ("… in April. Publication: Courier Volume: 2
Issue: 5"): two briefs pasted together without a line end."""


def _header_inside_line(text: str) -> bool:
    """Return whether a "Publication:" of ``text`` follows other text on its line (a header run
    into a line of text may: ``_unglued``). Only "Publication" is looked for, by ``str.find``,
    not every place a sentence ends: a search of ``_GLUED_RE`` over every text took a fifth of
    the parsing, a regex search for the word a twentieth."""
    for word in ("ublication", "UBLICATION"):
        at = text.find(word)
        while at > 0:
            if text[at + 10 : at + 11] in (":", " ", "\t"):
                line_start = text.rfind("\n", 0, at) + 1
                if text[line_start : at - 1].strip():
                    return True
            at = text.find(word, at + 10)
    return False


def _number(numbers: list[int] | None, index: int) -> int:
    """Return the number in the file of line ``index`` (``_unglued``'s ``numbers``)."""
    return index + 1 if numbers is None else numbers[index]


def _unglued(lines: list[str], notes: list[tuple[int, str]] | None) -> tuple[list[str], list[int]]:
    """Return ``lines`` with each header run into a line of text after a sentence's end put on
    a line of its own, and each line's number in the file (the header keeps its line's).

    Read as text, the brief after it was the brief before, cited with that brief's header.
    """
    out: list[str] = []
    numbers: list[int] = []
    for n, line in enumerate(lines, start=1):
        found = _GLUED_RE.search(line) if ":" in line else None
        while found is not None:
            out.append(line[: found.start() + 1])
            numbers.append(n)
            line = line[found.end() :]
            if notes is not None:
                notes.append(
                    (
                        n,
                        "a header runs on from the text before it on that line; read as the "
                        "start of a brief of its own (put it on a line of its own)",
                    )
                )
            found = _GLUED_RE.search(line, 1)
        out.append(line)
        numbers.append(n)
    return out, numbers


def _brief_part(
    lines: list[str],
    top: int,
    start: int,
    end: int,
    source: str | None,
    footer: FooterRules,
    plain: bool,
    printable: bool,
    numbers: list[int] | None = None,
) -> tuple[dict, list[str], int]:
    """Return the header fields, paragraphs and count of paragraphs known not to be boilerplate
    of the brief whose header is ``lines[start]`` (its headline from ``top``), up to ``end``;
    ``numbers``: each line's number in the file, if not its index + 1 (``_unglued``).

    Raises:
        BriefFormatError: naming the line, if its header is malformed or gives a field twice.
    """
    try:
        meta = dict(_header_fields(lines[start]))
    except BriefFormatError:
        meta = parse_header(lines[start], source=source, lineno=_number(numbers, start))
    meta["source"] = source
    meta["line"] = _number(numbers, start)
    if top < start:
        meta["headline"] = " ".join(" ".join(lines[top:start]).split())
    body = lines[start + 1 : end]
    # Header continuation lines ("Title: ...", "Date: ...", "By: ...") right under the header.
    # An index, not body.pop(0): popping the front of a list is linear, and a file of blank
    # lines made that quadratic (issue 17).
    first = 0
    while first < len(body) and (not body[first].strip() or _FIELD_RE.match(body[first].strip())):
        line = body[first].strip()
        if not line:
            first += 1
            continue
        m = _FIELD_RE.match(line)
        if m is None:  # cannot happen: the loop condition matched; keeps the types exact
            break
        name = _FIELD_NAMES[m.group(1).lower()]
        value = line[m.end() :].strip()
        lineno = _number(numbers, start + 1 + first)
        if name in ("volume", "issue", "publication"):
            if str(meta.get(name)) != (value.lstrip("0") or "0"):
                # A second volume or issue under the header: one of the two is wrong, and the
                # citation would take the header's in silence.
                raise _twice(name, meta.get(name), value, source, lineno)
            first += 1  # the header's own number again
            continue
        first += 1
        if name == "date" and not is_date(value):
            raise BriefFormatError(
                f"date {value!r} is not a day written YYYY-MM-DD; write it as e.g. "
                "'Date: 1998-07-20'",
                source=source,
                line=lineno,
            )
        if name == "title":
            value = _unquoted(value)
        if meta.get(name) and value and squeeze(str(meta[name])) != squeeze(value):
            if name != "author":
                raise _twice(name, meta[name], value, source, lineno)
            meta[name] = f"{meta[name]}, {value}"  # two "By:" lines: two authors
        meta.setdefault(name, value)
    rest = body[first:]
    # A "By NAME" line under the header is the author, not the title.
    lead = next((i for i, line in enumerate(rest) if line.strip()), None)
    if lead is not None:
        by = _BYLINE_RE.fullmatch(rest[lead].strip())
        if by:
            meta.setdefault("author", by.group(1))
            rest = rest[lead + 1 :]
    cut = _signature(rest)
    if cut is not None:
        kept = sum(1 for line in rest[cut + 1 :] if line.strip())
        meta["notes"] = [
            (
                _number(numbers, start + 1 + first + cut),
                f"the e-mail signature under '--' ({kept} line(s)) was left out of the brief",
            )
        ]
        rest = rest[:cut]
    signed: list[str] = []
    paragraphs = _joined_sources(_paragraphs(_split_items(rest, signed), printable))
    meta["signed"] = signed
    if not meta.get("title") and meta.get("headline"):
        meta["title"] = meta["headline"]
    checked = 0
    if (
        not meta.get("title")
        and len(paragraphs) > 1
        and _looks_like_title(paragraphs[0])
        and not footer._is_footer(paragraphs[1], plain)
    ):
        # A short lead is the title only when text is left after it (that text, checked
        # here, is not checked again).
        meta["title"] = paragraphs.pop(0)
        checked = 1
    return meta, paragraphs, checked
