"""What goes into one chat's digest: the briefs new since its mark, and the passages on its topics.

Pure library code: it reads the archive and returns a ``Digest`` record; rendering and sending live
in ``bot/``. Nothing here writes.

- New briefs are those with an id above the chat's mark and at most the digest's upper bound (ids
  grow in commit order, see ``m020_create_subscriptions``). They are grouped by publication, most
  recent first; each gets its title (or lead sentence), one quoted sentence (the lead when it
  holds a word of the title, as a news brief's lead states what is new; else its key sentence),
  its citation and link. Past the limits, a group ends with "and N more" and the issues to ask
  ``/brief`` for.
- Topics are ranked with BM25 among the new passages only. The statistics (idf, average length)
  are the whole archive's, the same as a question gets: a batch of a few new passages is too small
  for its own idf (with one new passage every idf is negative, rank-bm25's known trap), and each
  idf counts at least ``IDF_FLOOR``. A passage counts only if it shares a term with the topic and
  scores at least ``min_topic_share`` of what an average-length passage holding each topic term
  once would score, so a passage that merely shares a common word stays out.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from retrieval.answering.answer import Citation, Hit, build_hit
from retrieval.answering.filters import passage_filter
from retrieval.answering.ranking import coverage, high_coverage
from retrieval.archive import Archive
from retrieval.corpus.store import Store
from retrieval.delivery.subscriptions import SubscriptionStore
from retrieval.errors import InvalidQueryError
from retrieval.search.bm25 import length_norm, term_score
from retrieval.search.index import BM25Index
from retrieval.text.analyzer import analyze, analyze_spans
from retrieval.text.prose import shorten
from retrieval.text.query import Filters, parse_question
from retrieval.text.sentences import split_sentences

HEADLINE_CHARS = 160
IDF_FLOOR = 0.1
"""The least idf a topic term counts with (see ``topic_section``)."""
KEY_SENTENCE_CHARS = 320


@dataclass(frozen=True)
class DigestLimits:
    """How much one digest shows; the rest is counted ("and N more")."""

    max_briefs: int = 15
    per_publication: int = 5
    topic_hits: int = 3
    min_topic_share: float = 0.6
    refs_listed: int = 3


@dataclass(frozen=True)
class DigestItem:
    """One new brief as a digest shows it."""

    brief_id: int
    headline: str
    headline_is_title: bool
    key_sentence: str | None
    citation: Citation
    url: str | None
    ref: str | None
    """What to send ``/brief`` to read it whole (``Monitor 4 142``); None without volume/issue."""


@dataclass
class PublicationGroup:
    """The new briefs of one publication: those shown, and how many more there are."""

    publication: str
    items: list[DigestItem] = field(default_factory=list)
    more: int = 0
    more_refs: list[str] = field(default_factory=list)


@dataclass
class TopicSection:
    """The new passages matching one watched topic, best first."""

    number: int
    query: str
    hits: list[Hit] = field(default_factory=list)
    more: int = 0


@dataclass
class Digest:
    """One chat's digest: the briefs with ids in ``(after_brief_id, upto_brief_id]``."""

    after_brief_id: int
    upto_brief_id: int
    new_briefs: int
    groups: list[PublicationGroup] = field(default_factory=list)
    topics: list[TopicSection] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        """Return whether no brief entered the archive in the digest's window."""
        return self.new_briefs == 0

    @property
    def shown(self) -> int:
        """Return how many briefs the digest shows in full."""
        return sum(len(g.items) for g in self.groups)


def archive_head(store: Store) -> int:
    """Return the largest brief id so far (0 for an empty archive): a digest's upper bound."""
    return int(store.db.execute("SELECT coalesce(max(id), 0) FROM briefs").fetchone()[0])


def _ref(row: dict[str, Any]) -> str | None:
    if row["volume"] is None or row["issue"] is None:
        return None
    return f"{row['publication']} {row['volume']} {row['issue']}"


def key_sentence(
    text: str, idf: dict[str, float], *, title: str | None = None, skip_first: bool = False
) -> tuple[int, int] | None:
    """Return the span of the sentence that best represents ``text``, or None if there is none.

    A sentence scores the summed weight of the distinct terms it holds (their count in the text,
    plus two for each time the title has them, times their idf), divided by the square root of its
    length, so that it is neither a fragment nor simply the longest sentence. ``skip_first``
    leaves out the lead sentence (already the headline).
    """
    spans = split_sentences(text)
    if skip_first:
        spans = spans[1:]
    if not spans:
        return None
    counts = Counter(analyze(text))
    for term in analyze(title or ""):
        counts[term] += 2
    best: tuple[float, int] | None = None
    for n, (s, e) in enumerate(spans):
        terms = [t for t, _, _ in analyze_spans(text[s:e])]
        if not terms:
            continue
        weight = sum(counts[t] * max(idf.get(t, 0.0), 0.0) for t in set(terms))
        score = weight / math.sqrt(len(terms))
        if best is None or score > best[0]:
            best = (score, n)
    return spans[best[1]] if best else spans[0]


def _tells_the_title(lead: str, title: str) -> bool:
    """Return whether a brief's lead sentence holds a word of its title that is not a number
    ("Kazakhstan's Prime Minister Akezhan Kazhegeldin resigned on October 10 …" under
    "Kazhegeldin steps down"): a news brief's lead then states what is new, which is what a
    digest is for; otherwise (a lead of background) the key sentence is quoted."""
    title_terms = {t for t in analyze(title) if not t.isdigit()}
    return not title_terms.isdisjoint(analyze(lead))


def _item(row: dict[str, Any], index: BM25Index) -> DigestItem:
    text = row["text"]
    title = (row["title"] or "").strip()
    spans = split_sentences(text)
    if title:
        headline, is_title = shorten(title, HEADLINE_CHARS), True
    else:
        lead = text[spans[0][0] : spans[0][1]] if spans else text
        headline, is_title = shorten(lead, HEADLINE_CHARS), False
    terms = set(analyze(text)) | set(analyze(title))
    idf = {t: index.term_idf(t) for t in terms}
    if is_title and spans and _tells_the_title(text[spans[0][0] : spans[0][1]], title):
        span: tuple[int, int] | None = spans[0]  # the lead states the news the title names
    else:
        span = key_sentence(text, idf, title=title, skip_first=not is_title)
    quote = shorten(text[span[0] : span[1]], KEY_SENTENCE_CHARS) if span else None
    citation = Citation.from_row(row)
    return DigestItem(row["id"], headline, is_title, quote, citation, row["url"], _ref(row))


def new_briefs(store: Store, after_brief_id: int, upto_brief_id: int) -> list[dict[str, Any]]:
    """Return the briefs with ids in ``(after_brief_id, upto_brief_id]``, most recent first.

    Most recent means the latest publication date first (undated briefs after dated ones), then
    the latest to enter the archive.
    """
    rows = list(
        store.db.query(
            "SELECT * FROM briefs WHERE id > ? AND id <= ?", [after_brief_id, upto_brief_id]
        )
    )
    rows.sort(key=lambda r: (r["date"] or "", r["id"]), reverse=True)
    return rows


def _groups(
    rows: list[dict[str, Any]], index: BM25Index, limits: DigestLimits
) -> list[PublicationGroup]:
    groups: dict[str, PublicationGroup] = {}
    shown = 0
    # The issues of the briefs shown: a further brief of one of them is not listed by its
    # issue's /brief, which read as the shown brief again ("and 29 more — /brief Monitor 5 59"
    # under Monitor, Vol. 5, Issue 59's brief).
    shown_refs: set[str | None] = set()
    for row in rows:
        group = groups.setdefault(row["publication"], PublicationGroup(row["publication"]))
        if shown < limits.max_briefs and len(group.items) < limits.per_publication:
            group.items.append(_item(row, index))
            shown_refs.add(_ref(row))
            shown += 1
            continue
        group.more += 1
        ref = _ref(row)
        if (
            ref
            and ref not in shown_refs
            and ref not in group.more_refs
            and len(group.more_refs) < limits.refs_listed
        ):
            group.more_refs.append(ref)
    return list(groups.values())


@dataclass(frozen=True)
class NewPassage:
    """A passage of a new brief, with its row and its term counts (analysed once per digest)."""

    row: dict[str, Any]
    counts: Counter[str]
    length: int


def new_passages(store: Store, brief_ids: list[int]) -> list[NewPassage]:
    """Return the passages of ``brief_ids`` in id order, analysed."""
    if not brief_ids:
        return []
    marks = ",".join("?" for _ in brief_ids)
    pids = [
        r[0]
        for r in store.db.execute(
            f"SELECT id FROM passages WHERE brief_id IN ({marks}) ORDER BY id", brief_ids
        )
    ]
    rows = store.passages_by_id(pids)
    out = []
    for pid in pids:
        tokens = analyze(rows[pid]["text"])
        out.append(NewPassage(rows[pid], Counter(tokens), len(tokens)))
    return out


def _admitted(index: BM25Index, filters: Filters, passages: list[NewPassage]) -> list[bool]:
    """Return whether each passage passes a topic's filters, read from the index's columns as a
    question's filters are (``answering.filters``); a passage the index no longer holds
    (its brief changed since) passes none."""
    if filters.is_empty():
        return [True] * len(passages)
    ids = np.asarray([p.row["id"] for p in passages], dtype=np.int64)
    at = np.minimum(np.searchsorted(index.ids, ids), max(len(index.ids) - 1, 0))
    held = index.ids[at] == ids if len(index.ids) else np.zeros(len(ids), dtype=bool)
    if index.live is not None:
        held &= index.live[at]
    passes = np.zeros(len(ids), dtype=bool)
    if held.any():
        passes[held] = passage_filter(index, filters)(at[held])
    return passes.tolist()


def topic_section(
    number: int,
    query: str,
    index: BM25Index,
    passages: list[NewPassage],
    limits: DigestLimits,
) -> TopicSection:
    """Return the new passages that match one topic, quoted and cited, best first.

    A passage is scored with rank-bm25's BM25 formula and the archive's statistics (idf, average
    length), each idf raised to at least ``IDF_FLOOR``: rank-bm25 gives a term in half the
    passages an idf of 0 and commoner ones a small or negative one, which in a small archive would
    score a passage holding every topic word at 0. It matches when it shares a term with the topic
    and scores at least ``limits.min_topic_share`` of an average-length passage that holds each
    topic term once, and holds enough of the topic's words for a "high" confidence answer
    (``ranking.high_coverage``, the rule answers use).

    Args:
        number: the topic's number in the chat's list.
        query: the topic as the chat wrote it (words and filters such as ``vol:4``).
        index: the archive's BM25 index (statistics only).
        passages: the new passages.
        limits: how many hits to quote, and the minimum score share.

    Raises:
        InvalidQueryError: if a filter in the topic is malformed.
    """
    section = TopicSection(number, query)
    words, filters = parse_question(query)
    terms = analyze(words)
    if not terms:
        return section
    admitted = _admitted(index, filters, passages)
    weights = {t: max(index.term_idf(t), IDF_FLOOR) for t in terms}
    ideal = sum(weights[t] for t in terms)  # a repeated term counts per repetition, as in BM25
    scored: list[tuple[float, int, NewPassage]] = []
    for passage, passes in zip(passages, admitted, strict=True):
        if not passes or not any(passage.counts[t] for t in weights):
            continue
        norm = length_norm(passage.length, index.avgdl or passage.length or 1, index.params)
        score = 0.0
        for t in terms:
            score += term_score(weights[t], passage.counts[t], norm, index.params.k1)
        # The answers' confidence rule too: a topic's passage must be one that a question of the
        # topic's words would answer with "high" confidence (ranking.high_coverage).
        held = {t for t in weights if passage.counts[t]}
        high = coverage(terms, held, weights.__getitem__) >= high_coverage(len(weights))
        if score >= limits.min_topic_share * ideal and high:
            scored.append((score, passage.row["id"], passage))
    scored.sort(key=lambda x: (-x[0], x[1]))
    seen_briefs: set[int] = set()
    for score, _, passage in scored:
        brief_id = passage.row["brief_id"]
        if brief_id in seen_briefs:
            continue  # one quote per brief: its best passage
        seen_briefs.add(brief_id)
        if len(section.hits) < limits.topic_hits:
            hit = build_hit(len(section.hits) + 1, score, passage.row, weights)
            section.hits.append(hit)
        else:
            section.more += 1
    return section


def compose_digest(
    archive: Archive,
    *,
    after_brief_id: int,
    upto_brief_id: int | None = None,
    topics: Sequence[tuple[int, str]] | Iterable[tuple[int, str]] = (),
    limits: DigestLimits | None = None,
) -> Digest:
    """Return the digest of the briefs with ids in ``(after_brief_id, upto_brief_id]``.

    Args:
        archive: the archive (its index gives the statistics for key sentences and topics).
        after_brief_id: the chat's mark; briefs with a larger id are new.
        upto_brief_id: the digest's upper bound; defaults to the newest brief.
        topics: ``(number, query)`` pairs, the chat's watched topics.
        limits: how much to show.

    Returns:
        The digest; ``is_empty`` when no brief is new. With topics and new briefs, every topic has
        a section, empty when nothing new matches it. Read-only.
    """
    limits = limits or DigestLimits()
    store = archive.store
    upto = archive_head(store) if upto_brief_id is None else upto_brief_id
    rows = new_briefs(store, after_brief_id, upto)
    digest = Digest(after_brief_id, upto, len(rows))
    if not rows:
        return digest
    index = archive.index()
    digest.groups = _groups(rows, index, limits)
    topics = list(topics)
    if topics:
        passages = new_passages(store, sorted(r["id"] for r in rows))
        for number, query in topics:
            try:
                section = topic_section(number, query, index, passages, limits)
            except InvalidQueryError:
                section = TopicSection(number, query)  # stored before a stricter parser; no hits
            digest.topics.append(section)
    return digest


def chat_digest(
    archive: Archive,
    subs: SubscriptionStore,
    chat_id: int,
    *,
    upto_brief_id: int | None = None,
    after_brief_id: int | None = None,
    limits: DigestLimits | None = None,
) -> Digest:
    """Return the chat's digest with its topics: by default what it would get now, from its mark
    (or, without a subscription, from a day ago) to the newest brief. Read-only."""
    topics = [(w.number, w.query) for w in subs.watches(chat_id)]
    after = subs.mark_for(chat_id) if after_brief_id is None else after_brief_id
    return compose_digest(
        archive, after_brief_id=after, upto_brief_id=upto_brief_id, topics=topics, limits=limits
    )
