"""Feeds: RSS and Atom served over real HTTP on 127.0.0.1 become briefs, each entry once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from feed_server import FeedServer

from retrieval.corpus.store import Store
from retrieval.delivery.feeds import FeedPoller, fetch_feed, html_paragraphs
from retrieval.delivery.notices import Notices
from retrieval.errors import FeedError

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
<channel>
  <title>Steppe Wire</title>
  <link>https://steppe.example/</link>
  <description>News from the steppe</description>
  <item>
    <title>Ten&#173;giz output grows</title>
    <link>https://steppe.example/tengiz</link>
    <guid>steppe-1</guid>
    <pubDate>Fri, 17 Jul 1998 09:00:00 GMT</pubDate>
    <description>&lt;p&gt;Output at the &lt;b&gt;Ten&amp;#173;giz&lt;/b&gt; oil&#8203; field
      rose 19 percent.&lt;/p&gt;
      &lt;p&gt;Exports remain hostage to transport &amp;amp; tariffs.&lt;/p&gt;</description>
  </item>
  <item>
    <title>Only a headline</title>
    <link>https://steppe.example/empty</link>
    <guid>steppe-2</guid>
  </item>
</channel>
</rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Caspian Notes</title>
  <id>urn:caspian</id>
  <updated>1998-07-20T10:00:00Z</updated>
  <entry>
    <title>CPC pipeline slips again</title>
    <id>urn:caspian:cpc</id>
    <link href="https://caspian.example/cpc"/>
    <updated>1998-07-20T10:00:00Z</updated>
    <summary>Short summary that is not used.</summary>
    <content type="html">&lt;p&gt;The Caspian Pipeline Consortium has yet to choose a
      contractor.&lt;/p&gt;&lt;script&gt;track()&lt;/script&gt;&lt;ul&gt;&lt;li&gt;Bechtel&lt;/li&gt;
      &lt;li&gt;Brown &amp;amp; Root&lt;/li&gt;&lt;/ul&gt;</content>
  </entry>
</feed>
"""

NOW = dt.datetime(2024, 3, 1, 7, 0, tzinfo=dt.UTC)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as s:
        s.put("/steppe.rss", RSS, "application/rss+xml", etag='"v1"')
        s.put("/caspian.atom", ATOM, "application/atom+xml")
        yield s


def briefs(store: Store) -> list[dict[str, object]]:
    return list(store.db.query("SELECT * FROM briefs ORDER BY id"))


def test_rss_and_atom_entries_become_briefs(store: Store, server: FeedServer) -> None:
    urls = [server.url("/steppe.rss"), server.url("/caspian.atom")]
    rss, atom = FeedPoller(store, urls, now=lambda: NOW).poll()
    assert (rss.title, rss.added, atom.title, atom.added) == ("Steppe Wire", 1, "Caspian Notes", 1)
    [rejected] = rss.rejected
    assert rejected.endswith("/steppe-2' has no text in its content or summary; nothing to store")
    tengiz, cpc = briefs(store)
    assert tengiz["publication"] == "Steppe Wire"
    # Soft hyphens and zero-width spaces (the title's and the text's "Ten&#173;giz") dropped.
    assert (tengiz["title"], tengiz["date"], tengiz["url"]) == (
        "Tengiz output grows",
        "1998-07-17",
        "https://steppe.example/tengiz",
    )
    assert tengiz["text"] == (
        "Output at the Tengiz oil field rose 19 percent.\n\n"
        "Exports remain hostage to transport & tariffs."
    )
    assert str(tengiz["doc_id"]).endswith("steppe-1")  # the guid, resolved against the feed URL
    # Atom: the content (not the summary), HTML removed, scripts dropped, list items as paragraphs.
    assert cpc["publication"] == "Caspian Notes"
    assert cpc["text"] == (
        "The Caspian Pipeline Consortium has yet to choose a contractor.\n\nBechtel\n\nBrown & Root"
    )
    assert (cpc["date"], cpc["url"]) == ("1998-07-20", "https://caspian.example/cpc")


def test_entries_already_seen_are_skipped(store: Store, server: FeedServer) -> None:
    poller = FeedPoller(store, [server.url("/caspian.atom")], now=lambda: NOW)
    poller.poll()
    [again] = poller.poll()
    assert (again.added, again.seen, again.rejected) == (0, 1, [])
    assert len(briefs(store)) == 1
    # A new entry in the same feed is the only one added.
    server.put(
        "/caspian.atom",
        ATOM.replace(
            "  <entry>",
            "  <entry><title>New</title><id>urn:caspian:2</id><summary>Baku signs a new oil "
            "contract.</summary></entry>\n  <entry>",
            1,
        ),
        "application/atom+xml",
    )
    [third] = poller.poll()
    assert (third.added, third.seen) == (1, 1)
    assert briefs(store)[-1]["text"] == "Baku signs a new oil contract."


def test_an_unchanged_feed_is_not_downloaded_again(store: Store, server: FeedServer) -> None:
    poller = FeedPoller(store, [server.url("/steppe.rss")], now=lambda: NOW)
    poller.poll()
    [result] = poller.poll()
    assert result.not_modified
    assert result.summary().endswith("not modified")


@pytest.mark.parametrize(
    ("path", "status", "error"),
    [
        ("/gone.rss", 404, "answered HTTP 404 Not Found; check the URL"),
        ("/broken.rss", 500, "answered HTTP 500"),
        ("/page.html", 200, "is not an RSS or Atom feed"),
    ],
)
def test_a_failing_feed_is_reported_once_and_the_others_still_polled(
    store: Store, server: FeedServer, path: str, status: int, error: str
) -> None:
    if status == 200:
        server.put(path, "<html><body>Hello</body></html>", "text/html")
    else:
        server.fail(path, status)
    clock = [NOW]
    poller = FeedPoller(
        store, [server.url(path), server.url("/caspian.atom")], now=lambda: clock[0]
    )
    bad, good = poller.poll()
    assert bad.error is not None and error in bad.error
    assert good.added == 1
    clock[0] += dt.timedelta(minutes=30)
    poller.poll()
    notices = Notices(store).pending()
    assert len(notices) == 1 and error in notices[0].text
    row = store.db.execute("SELECT failures, failing_since FROM feeds WHERE url = ?", [bad.url])
    assert tuple(row.fetchone()) == (2, NOW.isoformat(timespec="microseconds"))
    # It is retried at every poll; when it works again the admins hear that once.
    server.put(path, RSS, "application/rss+xml")
    [fixed, _] = poller.poll()
    assert fixed.added == 1
    texts = [n.text for n in Notices(store).pending()]
    assert texts[1:] == [f"Feed {bad.url} works again."]


def test_an_unreachable_feed_names_the_url(store: Store) -> None:
    with FeedServer() as s:
        url = s.url("/x.rss")  # nothing listens there once the server is closed
    with pytest.raises(
        FeedError, match=r"feed http://127\.0\.0\.1:\d+/x\.rss could not be fetched"
    ):
        fetch_feed(url, timeout=2)


def test_only_http_urls_are_fetched() -> None:
    with pytest.raises(FeedError, match="is not an http\\(s\\) URL"):
        fetch_feed("file:///etc/passwd")


def test_html_is_reduced_to_paragraphs_of_text() -> None:
    assert html_paragraphs("<div>One &amp; <i>two</i><br>three</div><style>x{}</style>") == [
        "One & two",
        "three",
    ]


@pytest.mark.parametrize(
    ("published", "date"),
    [
        ("0000-01-01T00:00:00Z", None),  # a CMS's empty date: year 0
        ("9999-12-31T23:59:59-12:00", None),  # past year 9999 in UTC
        ("2024-02-30T00:00:00Z", "2024-03-01"),  # feedparser's own reading
        ("no date at all", None),
    ],
)
def test_an_entry_with_an_odd_date_is_stored_and_the_other_feeds_polled(
    store: Store, server: FeedServer, published: str, date: str | None
) -> None:
    # Year 0 or one past 9999 raised ValueError out of the poll: that entry, the rest of its
    # feed and every feed after it were never stored, at every poll.
    odd = ATOM.replace(
        "<updated>1998-07-20T10:00:00Z</updated>\n    <summary>",
        f"<updated>{published}</updated>\n    <summary>",
    )
    server.put("/odd.atom", odd, "application/atom+xml")
    urls = [server.url("/odd.atom"), server.url("/steppe.rss")]
    first, second = FeedPoller(store, urls, now=lambda: NOW).poll()
    assert (first.added, first.error, second.added) == (1, None, 1)
    assert briefs(store)[0]["date"] == date
