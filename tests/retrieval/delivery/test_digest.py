"""What goes into a digest: new briefs by publication, key sentences, overflow, topic sections."""

from __future__ import annotations

import pytest

from retrieval.archive import Archive
from retrieval.corpus.briefs import parse_briefs
from retrieval.delivery.digest import DigestLimits, archive_head, compose_digest
from retrieval.text.analyzer import analyze
from retrieval.text.prose import shorten

OLD = """Publication: Monitor Volume: 4 Issue: 100 Date: 1998-06-01
Title: Corruption trial in Almaty

A court in Almaty opened the corruption trial of a former Kazakhstan customs chief.
"""

NEW = """Publication: Monitor Volume: 4 Issue: 142 Date: 1998-07-20
Title: Kazakh security chief counts the cost of corruption

President Nursultan Nazarbaev called official graft a direct danger to the state. The security \
council of Kazakhstan has 300 corruption cases under review, and 25 concern regional governors.

Skeptics note that the campaign is useful before the presidential vote.

Publication: Prism Volume: 5 Issue: 3 Date: 1999-02-05

Moldova imports almost all of its gas through Ukraine. Gazprom cut deliveries to Moldova by \
40 percent. The government in Chisinau promised to pay its debts.
"""


def filler(n: int) -> str:
    return "".join(
        f"Publication: Monitor Volume: 5 Issue: {i} Date: 1999-01-{i:02}\n"
        f"Title: Weekly wheat report {i}\n\nWheat prices in Odessa rose by {i} percent.\n\n"
        for i in range(1, n + 1)
    )


def add(archive: Archive, text: str) -> list[int]:
    return archive.store.add_briefs(parse_briefs(text)).brief_ids


def test_an_archive_with_nothing_new_gives_an_empty_digest(archive: Archive) -> None:
    [old] = add(archive, OLD)
    digest = compose_digest(archive, after_brief_id=old, topics=[(1, "corruption")])
    assert digest.is_empty and digest.groups == [] and digest.topics == []
    assert archive_head(archive.store) == old


def test_new_briefs_are_grouped_by_publication_with_key_sentence_and_citation(
    archive: Archive,
) -> None:
    [old] = add(archive, OLD)
    add(archive, NEW)
    digest = compose_digest(archive, after_brief_id=old)
    assert (digest.new_briefs, digest.shown, digest.upto_brief_id) == (2, 2, old + 2)
    prism, monitor = digest.groups  # most recent first: Prism's 1999 issue before 1998's
    assert (prism.publication, monitor.publication) == ("Prism", "Monitor")
    [item] = monitor.items
    assert item.headline == "Kazakh security chief counts the cost of corruption"
    assert item.headline_is_title
    assert item.key_sentence == (
        "The security council of Kazakhstan has 300 corruption cases under review, "
        "and 25 concern regional governors."
    )
    assert item.citation.render().startswith("Monitor, Vol. 4, Issue 142, July 20, 1998")
    assert item.ref == "Monitor 4 142"
    [untitled] = prism.items
    # No title: the lead sentence is the headline and the key sentence is another one.
    assert untitled.headline == "Moldova imports almost all of its gas through Ukraine."
    assert not untitled.headline_is_title
    assert untitled.key_sentence == "Gazprom cut deliveries to Moldova by 40 percent."


def test_a_lead_that_states_the_title_news_is_quoted(archive: Archive) -> None:
    [old] = add(archive, OLD)
    add(
        archive,
        "Publication: Monitor Volume: 4 Issue: 200 Date: 1998-10-12\n"
        "Title: Kazhegeldin steps down\n\n"
        "Prime Minister Akezhan Kazhegeldin resigned on October 10. He had presided over a "
        "privatization program that brought in foreign investors and foreign investors' "
        "money, and the program's foreign investors praised it.\n",
    )
    [group] = compose_digest(archive, after_brief_id=old).groups
    # The later sentence repeats more of the brief's words; the lead is the news.
    assert (
        group.items[0].key_sentence == "Prime Minister Akezhan Kazhegeldin resigned on October 10."
    )


def test_too_many_briefs_show_the_most_recent_and_count_the_rest(archive: Archive) -> None:
    add(archive, filler(9))
    limits = DigestLimits(max_briefs=5, per_publication=4, refs_listed=2)
    digest = compose_digest(archive, after_brief_id=0, limits=limits)
    [group] = digest.groups
    assert [i.ref for i in group.items] == [f"Monitor 5 {n}" for n in (9, 8, 7, 6)]
    assert (group.more, group.more_refs) == (5, ["Monitor 5 5", "Monitor 5 4"])


def test_a_topic_gets_the_new_passages_that_match_it_quoted(archive: Archive) -> None:
    [old] = add(archive, OLD)
    add(archive, NEW + filler(3))
    digest = compose_digest(
        archive,
        after_brief_id=old,
        topics=[(1, "corruption Kazakhstan"), (2, "Ukraine gas"), (3, "cotton harvest")],
    )
    corruption, gas, cotton = digest.topics
    [hit] = corruption.hits  # the old brief on the same topic is not new, so not repeated
    assert hit.citation.short() == "Monitor, Vol. 4, Issue 142"
    assert "300 corruption cases" in hit.quote
    assert (corruption.number, corruption.query, corruption.more) == (1, "corruption Kazakhstan", 0)
    assert [h.citation.short() for h in gas.hits] == ["Prism, Vol. 5, Issue 3"]
    assert cotton.hits == [] and cotton.more == 0


def test_a_topic_filter_restricts_its_passages(archive: Archive) -> None:
    add(archive, NEW)
    digest = compose_digest(
        archive, after_brief_id=0, topics=[(1, "Moldova in:Monitor"), (2, "Moldova vol:5")]
    )
    monitor_only, vol5 = digest.topics
    assert monitor_only.hits == []
    assert [h.citation.short() for h in vol5.hits] == ["Prism, Vol. 5, Issue 3"]


def test_a_passage_sharing_only_a_common_word_is_noise(archive: Archive) -> None:
    # "government" occurs in one new passage; "Chisinau debts" would match it well. A topic whose
    # rare word is absent and whose other word is common scores under the minimum and stays out.
    add(archive, NEW + filler(6))
    digest = compose_digest(
        archive,
        after_brief_id=0,
        topics=[(1, "Odessa wheat"), (2, "Chisinau debts"), (3, "Ukraine wheat corruption")],
    )
    wheat, debts, mixed = digest.topics
    assert len(wheat.hits) == 3 and wheat.more == 3
    assert [h.citation.short() for h in debts.hits] == ["Prism, Vol. 5, Issue 3"]
    # Each new passage holds at most one of the three words: none scores enough.
    assert mixed.hits == []


def test_shorten_cuts_at_a_word_and_marks_the_cut() -> None:
    assert shorten("one two three", 20) == "one two three"
    assert shorten("one two three four", 12) == "one two…"


def test_topic_scores_are_the_archive_bm25_scores(sample_archive: Archive) -> None:
    # No topic term is rarer than the idf floor here, so a topic hit scores exactly what the
    # archive's index (equal to rank-bm25's BM25Okapi) gives the passage.
    digest = compose_digest(sample_archive, after_brief_id=0, topics=[(1, "corruption Kazakhstan")])
    [section] = digest.topics
    index = sample_archive.index()
    positions, scores = index.score(analyze("corruption Kazakhstan"))
    expected = {int(index.ids[p]): float(s) for p, s in zip(positions, scores, strict=True)}
    assert section.hits
    for hit in section.hits:
        assert hit.score == pytest.approx(expected[hit.passage_id], rel=1e-12)


def test_the_more_line_does_not_list_an_issue_already_shown(archive: Archive) -> None:
    # Issue 9 holds two briefs: one is shown, the other counted. "/brief Monitor 5 9" under the
    # shown one read as listing it again.
    add(archive, filler(9))
    add(
        archive,
        "Publication: Monitor Volume: 5 Issue: 9 Date: 1999-01-09\n"
        "Title: Barley report\n\nBarley prices in Odessa fell.\n",
    )
    limits = DigestLimits(max_briefs=1, per_publication=1, refs_listed=2)
    [group] = compose_digest(archive, after_brief_id=0, limits=limits).groups
    assert [i.ref for i in group.items] == ["Monitor 5 9"]
    assert group.more == 9
    assert group.more_refs == ["Monitor 5 8", "Monitor 5 7"]
