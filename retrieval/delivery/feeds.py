"""RSS and Atom feeds as a source of briefs: each new entry becomes one brief.

An entry's brief takes its publication from the feed's title, its title, date and link from the
entry, and its text from the entry's content (or, failing that, its summary) with the HTML
removed. Entries already seen (table ``feed_entries``) are skipped. A feed that cannot be fetched
or parsed is recorded in ``feeds`` and tried again at the next poll; the admins are told once per
run of failures, and once more when it works again (table ``admin_notices``).

Parsing is feedparser's; fetching is httpx's, with a timeout, a size limit and conditional GET
(ETag / Last-Modified), so an unchanged feed costs one small request.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import hashlib
import html
import logging
import ssl
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import feedparser
import httpx

from retrieval.corpus.briefs import Brief, FooterRules, build_brief
from retrieval.corpus.clock import Clock, iso, utc_clock
from retrieval.corpus.store import Store
from retrieval.delivery.notices import Notices
from retrieval.errors import BriefFormatError, FeedError
from retrieval.text.prose import drop_invisible, split_paragraphs

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 20.0
MAX_FEED_BYTES = 10_000_000
USER_AGENT = "briefbot (RSS/Atom reader)"

_BLOCK_TAGS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 blockquote pre tr table section article header footer "
    "figure figcaption hr dd dt".split()
)
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "noscript", "template"})


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment, a paragraph break at every block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._current: list[str] = []
        self._skipping = 0

    def _flush(self) -> None:
        text = " ".join("".join(self._current).split())
        if text:
            self.paragraphs.append(text)
        self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._current.append(data)


def html_paragraphs(markup: str) -> list[str]:
    """Return the text of an HTML fragment as paragraphs (tags removed, entities decoded)."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    parser._flush()
    return parser.paragraphs


def entry_id(entry: Any) -> str:
    """Return an entry's identity: its id (guid), else its link, else a hash of its text."""
    for key in ("id", "link"):
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    digest = hashlib.sha256()
    for key in ("title", "summary", "published", "updated"):
        digest.update(str(entry.get(key, "")).encode("utf-8"))
        digest.update(b"\x00")
    return "sha256:" + digest.hexdigest()


def _entry_date(entry: Any) -> str | None:
    """Return the day an entry was published (else updated, else created) in UTC, or None when
    it gives none that a calendar holds."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                moment = dt.datetime.fromtimestamp(calendar.timegm(value), dt.UTC)
            except (ValueError, OverflowError, OSError):
                # Year 0 (a CMS's empty date) or past 9999 in UTC: it raised out of the poll,
                # and the feed's entries and every feed after it were never stored.
                continue
            return moment.date().isoformat()
    return None


def _entry_paragraphs(entry: Any) -> list[str]:
    """Return the entry's text: its content if any, else its summary, as paragraphs."""
    candidates: list[tuple[str, str]] = []
    for content in entry.get("content") or []:
        candidates.append((content.get("value") or "", content.get("type") or "text/html"))
    detail = entry.get("summary_detail") or {}
    candidates.append((entry.get("summary") or "", detail.get("type") or "text/html"))
    for value, kind in candidates:
        if not value.strip():
            continue
        paragraphs = html_paragraphs(value) if "html" in kind else split_paragraphs(value.strip())
        if paragraphs:
            return paragraphs
    return []


def entry_brief(entry: Any, *, publication: str, feed_url: str) -> Brief:
    """Return the brief for one feedparser entry.

    Raises:
        BriefFormatError: if the entry has no text in its content or summary.
    """
    eid = entry_id(entry)
    title = " ".join(drop_invisible(html.unescape(entry.get("title") or "")).split()) or None
    paragraphs = [p for p in map(drop_invisible, _entry_paragraphs(entry)) if p]
    if not paragraphs:
        raise BriefFormatError(
            f"entry {eid!r} has no text in its content or summary; nothing to store",
            source=feed_url,
        )
    meta = {
        "publication": publication,
        "volume": None,
        "issue": None,
        "title": title,
        "date": _entry_date(entry),
        "url": entry.get("link") or None,
        "author": entry.get("author") or None,
        "doc_id": eid,
        "source": feed_url,
    }
    return build_brief(meta, paragraphs, footer=FooterRules())


@functools.cache
def tls_context() -> ssl.SSLContext:
    """Return the TLS context of the process's HTTPS requests (feeds, and the bot's calls to the
    Bot API), built once: httpx's defaults (certifi's CA bundle; SSL_CERT_FILE or SSL_CERT_DIR if
    set).

    Reading the CA bundle costs ~0.1 CPU-s, which a client built with httpx's default paid on
    every feed fetched.
    """
    return httpx.create_ssl_context()


@dataclass
class Fetched:
    """The answer to one feed request: the body, or ``not_modified``, and the cache headers."""

    content: bytes
    content_type: str | None
    etag: str | None
    modified: str | None
    not_modified: bool = False


def fetch_feed(
    url: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    etag: str | None = None,
    modified: str | None = None,
    max_bytes: int = MAX_FEED_BYTES,
) -> Fetched:
    """Return the feed document at ``url`` (an HTTP 304 gives ``not_modified``).

    Raises:
        FeedError: naming the URL and what went wrong (timeout, HTTP status, size, network).
    """
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise FeedError(f"feed {url!r} is not an http(s) URL; write it as https://…")
    headers = {"User-Agent": USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    try:
        with (
            httpx.Client(
                timeout=timeout, follow_redirects=True, headers=headers, verify=tls_context()
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code == 304:
                return Fetched(b"", None, etag, modified, not_modified=True)
            if response.status_code >= 400:
                raise FeedError(
                    f"feed {url} answered HTTP {response.status_code} "
                    f"{response.reason_phrase}; check the URL"
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FeedError(
                        f"feed {url} is over {max_bytes / 1e6:.0f} MB; is it really a feed?"
                    )
                chunks.append(chunk)
            return Fetched(
                b"".join(chunks),
                response.headers.get("content-type"),
                response.headers.get("etag"),
                response.headers.get("last-modified"),
            )
    except httpx.TimeoutException as exc:
        raise FeedError(f"feed {url} did not answer within {timeout:g} s") from exc
    except httpx.HTTPError as exc:
        raise FeedError(f"feed {url} could not be fetched ({exc})") from exc


def parse_feed(fetched: Fetched, url: str) -> tuple[str, list[Any]]:
    """Return the feed's title (its host name if it has none) and its entries.

    Raises:
        FeedError: if the document is not RSS or Atom.
    """
    headers = {"content-location": url}
    if fetched.content_type:
        headers["content-type"] = fetched.content_type
    parsed = feedparser.parse(fetched.content, response_headers=headers)
    version = parsed.get("version") or ""
    if not version and not parsed.entries:
        problem = parsed.get("bozo_exception")
        detail = f" ({problem})" if problem else ""
        raise FeedError(f"{url} is not an RSS or Atom feed{detail}; check the URL")
    title = " ".join(str(parsed.feed.get("title") or "").split())
    return title or urllib.parse.urlsplit(url).hostname or url, list(parsed.entries)


@dataclass
class FeedResult:
    """What one poll of one feed did."""

    url: str
    title: str | None = None
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    seen: int = 0
    rejected: list[str] = field(default_factory=list)
    error: str | None = None
    not_modified: bool = False
    brief_ids: list[int] = field(default_factory=list)

    def summary(self) -> str:
        """Return ``URL: N added, N already seen, N rejected`` or the error."""
        if self.error:
            return f"{self.url}: failed: {self.error}"
        if self.not_modified:
            return f"{self.url}: not modified"
        return (
            f"{self.url}: {self.added} added, {self.updated} updated, {self.seen} already seen, "
            f"{len(self.rejected)} rejected"
        )


class FeedPoller:
    """Polls feeds into the archive, remembering what it has seen and what failed.

    Args:
        store: the archive's store.
        urls: the feeds to poll.
        now: the clock.
        timeout: seconds to wait for a feed to answer.
    """

    def __init__(
        self,
        store: Store,
        urls: list[str],
        *,
        now: Clock = utc_clock,
        timeout: float = DEFAULT_TIMEOUT,
    ):
        self.store = store
        self.urls = urls
        self.now = now
        self.timeout = timeout
        self.notices = Notices(store, now=now)
        self.conn = store.db.conn

    def poll(self) -> list[FeedResult]:
        """Poll every feed once; a failing feed is recorded and does not stop the others."""
        return [self.poll_feed(url) for url in self.urls]

    def poll_feed(self, url: str) -> FeedResult:
        """Poll one feed: store its new entries as briefs, or record why it failed."""
        result = FeedResult(url)
        state = self.conn.execute(
            "SELECT etag, modified FROM feeds WHERE url = ?", [url]
        ).fetchone()
        etag, modified = state if state else (None, None)
        try:
            fetched = fetch_feed(url, timeout=self.timeout, etag=etag, modified=modified)
            if fetched.not_modified:
                result.not_modified = True
            else:
                result.title, entries = parse_feed(fetched, url)
                self._store_entries(url, result.title, entries, result)
        except FeedError as exc:
            result.error = str(exc)
            self._failed(url, result.error)
            return result
        self._succeeded(url, result.title, fetched)
        return result

    def _store_entries(self, url: str, title: str, entries: list[Any], result: FeedResult) -> None:
        seen = {
            row[0]
            for row in self.conn.execute(
                "SELECT entry_id FROM feed_entries WHERE feed_url = ?", [url]
            )
        }
        fresh: list[tuple[str, Brief]] = []
        rejected: list[tuple[str, str]] = []
        for entry in entries:
            eid = entry_id(entry)
            if eid in seen:
                result.seen += 1
                continue
            seen.add(eid)
            try:
                fresh.append((eid, entry_brief(entry, publication=title, feed_url=url)))
            except BriefFormatError as exc:
                rejected.append((eid, exc.reason))
                result.rejected.append(exc.reason)
                logger.warning("Feed %s: %s", url, exc.reason)
        summary = self.store.add_briefs([brief for _, brief in fresh])
        result.added, result.updated, result.unchanged = (
            summary.added,
            summary.updated,
            summary.unchanged,
        )
        result.brief_ids = summary.brief_ids
        now = iso(self.now())
        # Recorded after the briefs are stored: a crash in between re-reads the entries next time,
        # and storing an unchanged brief again is a no-op.
        with self.conn:
            self.conn.executemany(
                "INSERT OR IGNORE INTO feed_entries "
                "(feed_url, entry_id, brief_id, status, seen_at) VALUES (?, ?, ?, ?, ?)",
                [
                    (url, eid, bid, "stored", now)
                    for (eid, _), bid in zip(fresh, summary.brief_ids, strict=True)
                ]
                + [(url, eid, None, "rejected", now) for eid, _ in rejected],
            )

    def _succeeded(self, url: str, title: str | None, fetched: Fetched) -> None:
        now = iso(self.now())
        row = self.conn.execute("SELECT failing_since FROM feeds WHERE url = ?", [url]).fetchone()
        failing_since = row[0] if row else None
        with self.conn:
            self.conn.execute(
                """
                INSERT INTO feeds (url, title, etag, modified, last_ok_at, failures)
                VALUES (?, ?, ?, ?, ?, 0)
                ON CONFLICT (url) DO UPDATE SET title = coalesce(excluded.title, title),
                    etag = excluded.etag, modified = excluded.modified,
                    last_ok_at = excluded.last_ok_at, failing_since = NULL, failures = 0,
                    last_error = NULL
                """,
                [url, title, fetched.etag, fetched.modified, now],
            )
        if (
            failing_since
            and self.conn.execute(
                "SELECT 1 FROM admin_notices WHERE key = ?", [f"feed:{url}:{failing_since}"]
            ).fetchone()
        ):
            self.notices.add(f"feed-ok:{url}:{failing_since}", f"Feed {url} works again.")

    def _failed(self, url: str, error: str) -> None:
        now = iso(self.now())
        with self.conn:
            self.conn.execute(
                """
                INSERT INTO feeds (url, failing_since, failures, last_error) VALUES (?, ?, 1, ?)
                ON CONFLICT (url) DO UPDATE SET
                    failing_since = coalesce(failing_since, excluded.failing_since),
                    failures = failures + 1, last_error = excluded.last_error
                """,
                [url, now, error],
            )
        since = self.conn.execute(
            "SELECT failing_since FROM feeds WHERE url = ?", [url]
        ).fetchone()[0]
        logger.warning("Feed %s failed: %s", url, error)
        self.notices.add(
            f"feed:{url}:{since}",
            f"Feed {url} failed: {error}. It will be tried again at every poll; "
            "you will hear again only when it works.",
        )
