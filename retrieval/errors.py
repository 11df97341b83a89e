"""Named exceptions raised by the retrieval library.

Every message names the offending value and says what to do about it.
"""

from __future__ import annotations

from enum import StrEnum


class NoAnswer(StrEnum):
    """Why a question gets no passages: the one vocabulary of ``Answer.reason`` (and ``briefbot
    ask --json``'s ``reason``).

    An answer reports these cases; code that cannot go on raises the matching exception instead
    (``EmptyArchiveError``: the index asked to score an empty archive; ``NothingToSearchError``:
    a watched topic with no word to look for).
    """

    EMPTY_ARCHIVE = "empty_archive"
    NOTHING_TO_SEARCH = "nothing_to_search"
    NO_MATCH = "no_match"


class RetrievalError(Exception):
    """Base class for every error briefbot's retrieval library raises."""


class BriefFormatError(RetrievalError):
    """A brief file or record is not in a format briefbot can read."""

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None):
        self.source = source
        self.line = line
        self.reason = message
        where = source or "<input>"
        if line is not None:
            where = f"{where}, line {line}"
        super().__init__(f"{where}: {message}")


class EmptyArchiveError(RetrievalError):
    """The archive holds no passages yet."""


class NothingToSearchError(RetrievalError):
    """The question has no searchable words (only stopwords or punctuation)."""


class BriefNotFoundError(RetrievalError):
    """No brief matches the requested publication, volume and issue."""


class NumberRangeError(RetrievalError):
    """A volume or issue number is past what the archive can hold (0 to ``MAX_NUMBER``)."""


class InvalidQueryError(RetrievalError):
    """A question or one of its filters is malformed (too long, bad date, bad number)."""


class IndexCacheError(RetrievalError):
    """A saved index cache is missing, corrupt, truncated or from another database."""


class InvalidScheduleError(RetrievalError):
    """A digest time or time zone is malformed or unknown."""


class WatchNotFoundError(RetrievalError):
    """A chat has no topic with the given number."""


class WatchLimitError(RetrievalError):
    """A chat already watches as many topics as it may."""


class FeedError(RetrievalError):
    """A feed could not be fetched or is not RSS or Atom."""


class NotAnArchiveError(RetrievalError):
    """A database path names something that is not a briefbot database (left unchanged)."""


class ArchiveWriteError(RetrievalError):
    """The archive's database cannot be written: read-only, a full disk, or locked too long."""


class AliasFileError(RetrievalError):
    """An alias file cannot be read or has a malformed line (the file and line are named)."""


class BackupError(RetrievalError):
    """A backup cannot be written, or a file cannot be restored from (what was changed is said)."""


class RestoreInterruptedError(BackupError):
    """A restore was interrupted (Ctrl-C) or failed late; the message says if it took effect."""

    def __init__(self, message: str, *, took_effect: bool):
        self.took_effect = took_effect
        super().__init__(message)
