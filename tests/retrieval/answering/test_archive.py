"""Answers: the best passages quoted and cited, or a plain "nothing matches"."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from rank_bm25 import BM25Okapi

import retrieval.archive as archive_module
from retrieval.answering.answer import claim_kind
from retrieval.answering.filters import publication_code
from retrieval.answering.ranking import COVERAGE_DEPTH, MAX_QUESTION_TERMS
from retrieval.archive import MAX_FIGURES_CHARS, Archive
from retrieval.errors import InvalidQueryError, NoAnswer, NotAnArchiveError
from retrieval.text.aliases import Aliases
from retrieval.text.analyzer import analyze
from retrieval.text.inflections import other_forms
from retrieval.text.query import (
    DateRange,
    Filters,
    asks_outcome,
    cited_filters,
    comparison_sides,
    relative_dates,
    search_terms,
    year_after,
)


def test_question_is_answered_with_the_passage_and_its_citation(fixture_archive: Archive) -> None:
    answer = fixture_archive.ask("How many corruption cases is the security council reviewing?")
    top = answer.hits[0]
    assert "300 corruption cases" in top.quote
    assert top.citation.short() == "Monitor, Vol. 4, Issue 142"
    assert top.citation.render() == (
        "Monitor, Vol. 4, Issue 142, July 20, 1998 — "
        "“Kazakh security chief counts the cost of corruption”"
    )
    assert top.quote in top.text
    assert [top.text[s:e] for s, e in top.quote_spans] == [top.quote]


def test_fact_check_question_quotes_the_missing_millions(fixture_archive: Archive) -> None:
    answer = fixture_archive.ask("did US$4 million vanish when the mining chief fled?")
    assert "US$4 million went missing" in answer.hits[0].quote


def test_matched_terms_are_marked(fixture_archive: Archive) -> None:
    hit = fixture_archive.ask("Bazhenov mining complex").hits[0]
    marked = {hit.text[s:e] for s, e in hit.term_spans}
    assert {"Bazhenov", "mining", "complex"} <= marked


def test_default_is_three_hits_and_top_and_offset_page(fixture_archive: Archive) -> None:
    first = fixture_archive.ask("oil pipeline border treaty corruption")
    assert [h.rank for h in first.hits] == [1, 2, 3]
    more = fixture_archive.ask("oil pipeline border treaty corruption", offset=3, top=3)
    assert more.hits and more.hits[0].rank == 4
    assert not {h.passage_id for h in first.hits} & {h.passage_id for h in more.hits}


def test_footer_text_is_found_in_no_passage(fixture_archive: Archive) -> None:
    answer = fixture_archive.ask("unauthorized reproduction redistribution subscribing foundation")
    assert not answer.found


def test_passages_sharing_no_token_are_never_returned(fixture_archive: Archive) -> None:
    answer = fixture_archive.ask("Pyongyang satellite launch")
    assert not answer.found
    assert answer.reason == "no_match"
    assert answer.message == "Nothing in the archive matches that question."


@pytest.mark.parametrize("question", ["what is it?", "?!...", "the of and to"])
def test_question_of_stopwords_only_finds_nothing(fixture_archive: Archive, question: str) -> None:
    answer = fixture_archive.ask(question)
    assert answer.reason == "nothing_to_search"
    assert answer.message.startswith("Nothing to search for")


def test_empty_archive_says_run_ingest(archive: Archive) -> None:
    answer = archive.ask("pipeline")
    assert answer.reason == "empty_archive"
    assert "run briefbot ingest" in answer.message


@pytest.mark.parametrize(
    ("filters", "question", "expected"),
    [
        (Filters(publication="prism"), "border oil", {"Prism"}),
        (Filters(volume=3, issue=12), "border oil corruption", {"Prism"}),
        (Filters(since="1998-01-01"), "oil corruption wages", {"Monitor"}),
        (Filters(until="1997-12-31"), "oil corruption treaty", {"Prism", "Fortnight in Review"}),
    ],
)
def test_filters_restrict_the_answer(
    fixture_archive: Archive, filters: Filters, question: str, expected: set[str]
) -> None:
    answer = fixture_archive.ask(question, filters=filters, top=10)
    assert answer.found
    assert {h.citation.publication for h in answer.hits} == expected


def test_filters_written_inside_the_question(fixture_archive: Archive) -> None:
    answer = fixture_archive.ask('customs border in:"Fortnight in Review" vol:2')
    assert {h.citation.publication for h in answer.hits} == {"Fortnight in Review"}
    assert not fixture_archive.ask("border oil in:Monitor issue:999").found


def test_bad_filter_and_too_long_question_are_refused(fixture_archive: Archive) -> None:
    with pytest.raises(InvalidQueryError, match=r"since date '1998-13-01' is not a date"):
        fixture_archive.ask("oil since:1998-13-01")
    with pytest.raises(InvalidQueryError, match=r"4,097 characters long; the limit is 4,096"):
        fixture_archive.ask("x" * 4097)


def test_a_question_of_4096_characters_is_searched_with_its_rarest_terms(
    fixture_archive: Archive,
) -> None:
    filler = " ".join(f"word{n}" for n in range(700))
    question = f"Tengiz oil exports {filler}"[:4096]
    ranking = fixture_archive.rank(question)
    assert len(question) == 4096
    assert len(set(ranking.terms)) == MAX_QUESTION_TERMS
    assert ranking.passages


def test_scores_equal_rank_bm25_on_the_archive(fixture_archive: Archive) -> None:
    store = fixture_archive.store
    rows = list(store.iter_passages())
    reference = BM25Okapi([analyze(text) for _, text in rows])
    question = "oil pipeline corruption cases border treaty wages"
    expected = reference.get_scores(analyze(question))
    answer = fixture_archive.ask(question, top=len(rows))
    position = {pid: n for n, (pid, _) in enumerate(rows)}
    for hit in answer.hits:
        assert hit.score == pytest.approx(expected[position[hit.passage_id]], rel=1e-9)


def test_json_answer_has_the_documented_fields(fixture_archive: Archive) -> None:
    data = fixture_archive.ask("Caspian oil tariff").to_json()
    assert set(data) == {
        "question",
        "found",
        "confidence",
        "hits",
        "read_as",
        "read_with",
        "unmatched",
        "apart",
        "respelled",
        "dates",
        "newest_first",
        "elsewhere",
        "points_nowhere",
        "numbers_missing",
        "dates_missing",
        "dated_before",
    }
    assert data["read_as"] is None and data["read_with"] == [] and data["unmatched"] == []
    assert data["respelled"] == [] and data["dates"] is None
    assert data["confidence"] == "high"
    assert set(data["hits"][0]) == {
        "rank",
        "score",
        "passage_id",
        "brief_id",
        "doc_id",
        "citation",
        "quote",
        "text",
    }


def test_neighbouring_quote_sentences_are_one_stretch_of_text(fixture_archive: Archive) -> None:
    # The question's words are split over two adjacent sentences: both are quoted, as written.
    hit = fixture_archive.ask(
        "Bazhenov fled abroad; twenty-five governors face criminal charges"
    ).hits[0]
    assert len(hit.quote_spans) == 1
    assert "…" not in hit.quote
    assert hit.quote in hit.text


def test_brief_map_from_the_index_equals_one_built_from_sqlite(fixture_archive: Archive) -> None:
    from ranking_oracles import brief_scores

    from retrieval.answering.ranking import BriefMap

    index = fixture_archive.index()
    store = fixture_archive.store
    owner = {pid: bid for pid, bid in store.db.execute("SELECT id, brief_id FROM passages")}
    titles = {
        bid: analyze(title)
        for bid, title in store.db.execute("SELECT id, title FROM briefs")
        if title
    }
    from_sqlite = BriefMap.build(index, owner, titles)
    from_index = BriefMap.build(index)
    assert from_index.lengths.tolist() == from_sqlite.lengths.tolist()
    weights = dict.fromkeys(analyze("Kazakh security corruption Caspian pipeline border"), 1.0)
    assert brief_scores(index, from_index, weights).tolist() == pytest.approx(
        brief_scores(index, from_sqlite, weights).tolist(), rel=1e-12
    )


@pytest.mark.parametrize(
    "question",
    ["Kazakh security corruption", "Caspian oil pipeline tariff", "border troops treaty union"],
)
def test_reranking_the_top_equals_reranking_everything(
    fixture_archive: Archive, question: str
) -> None:
    from ranking_oracles import rerank_everything

    from retrieval.answering.ranking import BriefMap, BriefTerms, rerank

    index = fixture_archive.index()
    terms = analyze(question)
    briefs = BriefMap.build(index)

    def tokens_of(ids: list[int]) -> list[list[str]]:
        rows = fixture_archive.store.passages_by_id(ids)
        return [analyze(rows[i]["brief_title"] or "") + analyze(rows[i]["text"]) for i in ids]

    everything = rerank_everything(index, terms, briefs=briefs, tokens_of=tokens_of)
    top = rerank(index, terms, stats=BriefTerms(index, briefs), tokens_of=tokens_of)
    assert top[0].tolist() == everything[0].tolist()
    assert top[1].tolist() == pytest.approx(everything[1].tolist(), rel=1e-9)
    assert top[2].tolist() == pytest.approx(everything[2].tolist(), rel=1e-12)


def test_paging_past_the_rerank_depth_still_finds_passages(
    fixture_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    import retrieval.archive

    question = "oil pipeline border treaty corruption"
    expected = [h.passage_id for h in fixture_archive.ask(question, offset=3, top=3).hits]
    assert len(expected) >= 2
    monkeypatch.setattr(retrieval.archive, "RERANK_DEPTH", 2)
    deep = fixture_archive.ask(question, offset=3, top=3)
    assert [h.passage_id for h in deep.hits] == expected


@pytest.mark.parametrize("top", [3, 10])
def test_the_passages_shown_are_read_with_those_the_confidence_reads(
    sample_archive: Archive, top: int
) -> None:
    question = "oil pipeline export"
    expected = sample_archive.ask(question, top=top)
    reads: list[str] = []

    def trace(statement: str) -> None:
        if "FROM passages p JOIN briefs b" in statement:
            reads.append(statement)

    sample_archive.store.db.conn.set_trace_callback(trace)
    try:
        answer = sample_archive.ask(question, top=top)
    finally:
        sample_archive.store.db.conn.set_trace_callback(None)
    assert answer == expected
    assert len(answer.hits) == top
    # Feedback passages once, then the passages shown and the three the confidence reads
    # together: never a third read for the passages shown.
    assert len(reads) <= 2


def test_a_passage_sharing_only_framing_words_is_not_shown(sample_archive: Archive) -> None:
    # Two passages of the sample name Chigir; a third that only "tells" of something is noise.
    answer = sample_archive.ask("tell me about chigir")
    assert answer.hits and all("Chigir" in hit.text for hit in answer.hits)
    assert len(answer.hits) == 2
    # A year counts as a word of the question: it may be the clue.
    answer = sample_archive.ask("what happened to chigir in 1999")
    assert any("1999" in hit.text and "Chigir" not in hit.text for hit in answer.hits)


def test_contractions_typed_without_apostrophe_are_read_as_with_it(
    sample_archive: Archive,
) -> None:
    # "what's" is a stopword; "didn't" is the word "didnt" in a question and in a brief alike.
    assert search_terms("whats the latest on belarus, why didnt they pay") == [
        "latest",
        "belarus",
        "didnt",
        "pay",
    ]
    answer = sample_archive.ask("whats the latest on belarus")
    assert answer.unmatched == [] and answer.found
    assert all("Belarus" in hit.text for hit in answer.hits)
    # Never named as missing, never read as another word.
    answer = sample_archive.ask("why didnt the miners get paid")
    assert answer.unmatched == [] and answer.respelled == []


def test_what_only_frames_a_question_is_not_searched(sample_archive: Archive) -> None:
    # "is it true", "really" and a pronoun's contraction ("they'd": "theyd") say nothing of a
    # subject; "true" of its own is a word ("the first true engine").
    assert search_terms("is it true they'd really cut the gas?") == ["cut", "gas"]
    assert search_terms("we'll see: was the first true engine a success") == [
        "see",
        "first",
        "true",
        "engin",
        "success",
    ]
    answer = sample_archive.ask("is it true gazprom really cut moldova's gas by half?")
    assert answer.unmatched == [] and answer.caveat is None
    assert "Moldova" in answer.hits[0].text


def test_how_many_asks_for_a_number_not_for_the_word(sample_archive: Archive) -> None:
    assert search_terms("how many votes did he get?") == ["vote", "get"]
    assert search_terms("How much gas") == ["gas"]
    assert search_terms("many deputies") == ["mani", "deputi"]  # the word itself is searched
    # After "why did the duma reject chernomyrdin?", "many" picked "the Communists, many of
    # whose deputies …" first instead of the vote of 253 to 94.
    answer = sample_archive.ask(
        "how many votes did he get?", earlier=["why did the duma reject chernomyrdin?"]
    )
    assert "253 votes to 94" in answer.hits[0].text


def test_who_got_fired_asks_about_the_firing(sample_archive: Archive) -> None:
    # "anyone" and a passive's "get" say nothing of the subject; "get" of its own is a word.
    assert search_terms("did anyone get fired after the council meeting?") == [
        "fire",
        "council",
        "meet",
    ]
    assert search_terms("has someone got elected? how much did they get paid") == ["elect", "paid"]
    assert search_terms("what did he get?") == ["get"]
    # The first passage matched "gets through", "came under fire" and 1998 instead of the
    # meeting's dismissals; "fire" is also searched as "dismiss" (one way).
    answer = sample_archive.ask(
        "did anyone get fired after the security council meeting in july 98"
    )
    hit = answer.hits[0]
    assert "decrees dismissing" in hit.text
    assert "dismissing" in [hit.text[start:end] for start, end in hit.term_spans]


def test_question_words_as_chat_spells_them_are_not_searched(sample_archive: Archive) -> None:
    assert search_terms("wat did the imf decide abt ukraine") == ["imf", "decid", "ukrain"]
    assert search_terms("hw much gas plz") == ["much", "gas"]
    # "wat" was named as a word no brief holds, under a "none answers directly" caveat.
    answer = sample_archive.ask("wat did the imf decide about ukraine")
    assert answer.unmatched == []
    assert "Extended Fund Facility" in answer.hits[0].text
    # Chat's shorthand and fillers: typed without capitals, each was named as a word no brief
    # holds ("No brief mentions “w”"); "ppl" is the briefs' "people" (a bundled alias).
    assert search_terms("yo wat happened w the imf loan btw") == ["happen", "imf", "loan"]
    # Nor a fact-check's lead-in, "apart from", "vs", "afterwards", an ordinal's ending.
    assert search_terms("Claim to verify: Nazarbaev won") == ["nazarbaev", "won"]
    assert search_terms("Check this: the Duma voted") == ["duma", "vote"]
    assert search_terms("apart from selling dollars") == ["sell", "usd"]
    assert " ".join(search_terms("new ruble vs old, came 2nd afterwards")) == "new rubl old came 2"
    for question in ("wat happened w the imf loan", "how many ppl died in tashkent"):
        answer = sample_archive.ask(question)
        assert answer.unmatched == [] and answer.caveat is None, question
    assert "13 people" in sample_archive.ask("how many ppl died in tashkent").hits[0].text
    # "guy" stands in for whoever is asked about: no subject no brief holds.
    answer = sample_archive.ask("whos the guy who heads the knb")
    assert answer.unmatched == [] and "Musaev" in answer.hits[0].quote


def test_what_happened_next_continues_the_earlier_question(sample_archive: Archive) -> None:
    # "what happened next?" was read alone and searched "next": a "next meeting", a "next
    # tranche". It asks nothing of its own now: it is read with the question before it.
    assert search_terms("what happened next?") == ["happen"]
    assert search_terms("when is the next election?") == ["next", "elect"]
    earlier = ["what happened to maskhadov in july 1998?"]
    assert sample_archive.reading("what happened next?", earlier) == earlier
    answer = sample_archive.ask("what happened next?", earlier=earlier)
    assert "Maskhadov" in answer.hits[0].text


def test_a_month_or_a_year_alone_is_no_subject(sample_archive: Archive) -> None:
    # Tengiz's output and the IMF's package share only "July" and "1998" with the question:
    # they were quoted second and third.
    answer = sample_archive.ask("what happened to maskhadov in july 1998?")
    assert all("Maskhadov" in hit.text for hit in answer.hits)
    # A question of a date alone still finds the briefs that write it.
    answer = sample_archive.ask("what happened in july 1998?")
    assert answer.found and all("July" in hit.text for hit in answer.hits)


def test_a_command_says_what_to_do_not_what_about(sample_archive: Archive) -> None:
    assert search_terms("summarize the moldova gas dispute") == ["moldova", "gas", "disput"]
    assert search_terms("please compare the two elections") == ["two", "elect"]
    assert search_terms("give me a summary of the ruble crisis") == ["rubl", "crisi"]
    # Inside a question, "list" is a word: a party list.
    assert search_terms("what was the party list threshold?") == ["parti", "list", "threshold"]
    # "list" quoted a "party-list vote" first; "summarize" and "briefs" were named as words no
    # brief holds, above a "none answers directly" caveat.
    answer = sample_archive.ask("list all pipelines")
    assert all("pipeline" in hit.text.casefold() for hit in answer.hits)
    for question in ("summarize the moldova gas dispute", "any briefs on gazprom?"):
        answer = sample_archive.ask(question)
        assert answer.unmatched == [] and answer.caveat is None, question


def test_chat_idioms_for_tell_me_about_are_not_searched(sample_archive: Archive) -> None:
    assert search_terms("whats the deal with the caspian pipeline") == ["caspian", "pipelin"]
    assert search_terms("what is going on in chechnya?") == ["chechnya"]
    assert search_terms("catch me up on belarus") == ["belarus"]
    assert search_terms("fill me in on the imf loan") == ["imf", "loan"]
    # A deal asked about is a word like any other.
    assert search_terms("what was the gas deal with turkey?") == ["gas", "deal", "turkei"]
    # "deal" quoted the Russian-Kazakh seabed "deal" first, above the Caspian Pipeline
    # Consortium's line.
    answer = sample_archive.ask("what's the deal with the caspian pipeline?")
    assert all("pipeline" in hit.text.casefold() for hit in answer.hits)


def test_a_word_only_a_title_holds_finds_its_brief(sample_archive: Archive) -> None:
    # "purge" is in the title "Four officials fall in Nazarbayev's corruption purge" and in no
    # passage: the brief is found, and no brief is said to lack the word.
    answer = sample_archive.ask("tell me about the purge")
    assert answer.found and answer.unmatched == []
    assert "corruption purge" in answer.hits[0].citation.title
    answer = sample_archive.ask("purge vol:4")
    assert answer.found and "corruption purge" in answer.hits[0].citation.title
    # A filter that rules the brief out leaves nothing, and says why.
    answer = sample_archive.ask("purge vol:3")
    assert not answer.found and answer.message.endswith("within vol:3.")


def test_what_is_new_asks_for_news_not_for_the_word(sample_archive: Archive) -> None:
    assert search_terms("what's new in uzbekistan?") == ["uzbekistan"]
    assert search_terms("anything new on moldova?") == ["moldova"]
    assert search_terms("the new ruble") == ["new", "rubl"]  # the word itself is searched
    # "what's new in uzbekistan?" quoted the "new capital" of Kazakhstan third.
    answer = sample_archive.ask("what's new in uzbekistan?")
    assert answer.hits and all("Uzbek" in hit.text or "Tashkent" in hit.text for hit in answer.hits)
    # Alone, it asks for the newest briefs: the first passage of each, newest first.
    newest = sorted((row["date"] for row in sample_archive.store.db["briefs"].rows), reverse=True)
    for question in ("what's new?", "any news?", "tell me the latest news", "Any updates?"):
        answer = sample_archive.ask(question)
        assert answer.confidence == "high" and answer.caveat is None, question
        assert [hit.citation.date for hit in answer.hits] == newest[:3], question
        assert answer.read_line == "The newest briefs in the archive, newest first."
        assert answer.to_json()["newest_first"] is True
    # The next page goes on with the next newest.
    answer = sample_archive.ask("what's new?", offset=3)
    assert [hit.citation.date for hit in answer.hits] == newest[3:6]
    # A question that names something is searched as ever.
    assert sample_archive.ask("what's new in uzbekistan?").to_json()["newest_first"] is False


def test_the_latest_on_a_subject_is_the_newest_brief_first(sample_archive: Archive) -> None:
    by_relevance = sample_archive.ask("georgia", top=5)
    latest = sample_archive.ask("what's the latest on georgia?", top=5)
    dates = [hit.citation.date for hit in latest.hits]
    assert dates == sorted(dates, reverse=True) and len(dates) == 5
    assert all("Georgia" in hit.text for hit in latest.hits)
    assert latest.hits[0].citation.date > by_relevance.hits[0].citation.date
    assert latest.confidence == "high"
    # The subject is what the first passage holds of the question, in its words or an alias's:
    # "Belarusian" is Belarus.
    belarus = sample_archive.ask("any recent news on belarus?")
    assert belarus.caveat is None and belarus.confidence == "high"
    assert belarus.hits[0].citation.title == "Lukashenka, Chigir and the July 20 deadline"


def test_a_question_of_framing_words_only_has_nothing_to_search(sample_archive: Archive) -> None:
    for question in ("how long did it take?", "what was it?"):
        answer = sample_archive.ask(question)
        assert answer.reason is NoAnswer.NOTHING_TO_SEARCH and answer.hits == []
    # Framing beside a subject is not what the question asks: a sure answer, no caveat.
    answer = sample_archive.ask("any news on the imf?")
    assert answer.confidence == "high" and answer.caveat is None
    assert "IMF" in answer.hits[0].text or "Monetary Fund" in answer.hits[0].text


def test_a_brief_stored_from_two_files_is_quoted_once(archive: Archive, tmp_path: Path) -> None:
    # The same issue saved twice under two names (one with Windows line ends): each passage is
    # stored twice, and was quoted two and three times over.
    issue = Path(__file__).parents[3] / "data" / "sample" / "monitor" / "vol4" / "issue009.txt"
    text = issue.read_text(encoding="utf-8")
    (tmp_path / "issue009.txt").write_text(text, encoding="utf-8")
    (tmp_path / "issue009 (1).txt").write_text(text, encoding="utf-8")
    (tmp_path / "issue009-win.txt").write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    assert archive.ingest([tmp_path]).added == 6
    question = "how much gas will russia deliver to ukraine"
    first = archive.ask(question)
    more = archive.ask(question, offset=3)
    texts = [hit.text for hit in [*first.hits, *more.hits]]
    assert len(first.hits) == 3 and len(texts) == len(set(texts))
    assert first.hits[0].text.startswith("After three weeks of talks")


def test_a_question_in_another_script_is_asked_to_come_in_english(sample_archive: Archive) -> None:
    answer = sample_archive.ask("Кто заменил Кажегельдина?")
    assert answer.reason is NoAnswer.NO_MATCH and answer.hits == []
    assert answer.message.endswith("the briefs are in English, so ask in English.")
    # A Latin word among them is searched; a question of letters no brief holds says no more.
    assert sample_archive.ask("Кто заменил Kazhegeldin?").hits
    assert sample_archive.ask("zzqx").message == "Nothing in the archive matches that question."


def test_a_question_in_another_script_matching_only_a_year_is_asked_in_english(
    sample_archive: Archive,
) -> None:
    # Its "1999" alone quoted whatever is dated then (Lukashenko's term, IMF repayments).
    answer = sample_archive.ask("Каковы были итоги выборов в Казахстане в 1999 году?")
    assert not answer.found
    # A decimal is a number too ("79.8" is no digit string).
    assert not sample_archive.ask("Назарбаев 79.8 процента 1999").found
    assert answer.message.endswith("the briefs are in English, so ask in English.")


def test_a_question_after_one_in_another_script_is_read_alone(sample_archive: Archive) -> None:
    # "and Gazprom?" was read with "Кто заменил Кажегельдина?", whose words no brief holds:
    # "Read with your earlier question" and a caveat over the Gazprom passages.
    earlier = ["Кто заменил Кажегельдина?"]
    assert sample_archive.reading("and Gazprom?", earlier) == []
    answer = sample_archive.ask("and Gazprom?")
    assert answer.confidence == "high" and "Gazprom" in answer.hits[0].text


def test_a_sure_answer_names_the_words_no_brief_holds(sample_archive: Archive) -> None:
    # The passages are about an attack in Grozny; none bears out the drone.
    for question in ("was there a drone attack in grozny?", "drone attack in grozny"):
        answer = sample_archive.ask(question)
        assert answer.confidence == "high" and answer.unmatched == ["drone"]
        assert answer.caveat == (
            "No brief mentions “drone”; these passages match the rest of the question."
        )
    # A question asking what, who or how is answered by passages in other words ("gallon" for
    # the briefs' tonne) and gets no line for them; but a name no brief holds (written with a
    # capital, or not an English word) is named: Grodno is in none of the Belarus passages.
    answer = sample_archive.ask("What did Grozny get per gallon for letting Azeri crude through?")
    assert answer.confidence == "high" and answer.unmatched == ["gallon"]
    assert answer.caveat is None
    # Typed without capitals, a question's names cannot be told from its other words ("putin"
    # and "japan" are in the English word list): its rare words no brief holds are named, not
    # a common word such as "gallon".
    answer = sample_archive.ask("what did grozny get per gallon for letting azeri crude through?")
    assert answer.confidence == "high" and answer.caveat is None
    for question in ("what did putin say about chechnya?", "What did putin say about chechnya?"):
        answer = sample_archive.ask(question)
        assert answer.confidence == "high" and answer.caveat == (
            "No brief mentions “putin”; these passages match the rest of the question."
        )
    answer = sample_archive.ask("who did Lukashenko arrest in Grodno?")
    assert answer.confidence == "high" and answer.caveat == (
        "No brief mentions “Grodno”; these passages match the rest of the question."
    )
    assert sample_archive.ask("who did Lukashenko arrest?").caveat is None
    # A ton is the briefs' tonne (a bundled alias): nothing to name.
    answer = sample_archive.ask("what did grozny get per ton for letting azeri crude through?")
    assert answer.unmatched == [] and "tonne" in [
        answer.hits[0].text[s:e] for s, e in answer.hits[0].term_spans
    ]
    # "has anyone …" frames the question: never a word the archive lacks.
    assert sample_archive.ask("has anyone written about the baku supsa pipeline?").caveat is None


def test_a_verb_is_found_in_another_tense(sample_archive: Archive) -> None:
    # The briefs say "fled"; the stemmer leaves "flee" apart from it.
    answer = sample_archive.ask("did the mining chief flee with 4 million dollars?")
    assert answer.unmatched == [] and answer.respelled == [] and answer.caveat is None
    first = answer.hits[0]
    assert "fled" in [first.text[s:e] for s, e in first.term_spans]
    assert other_forms("flee") == ("fled",) and other_forms("fled") == ("flee",)
    assert other_forms("left") == ()  # also a noun ("the left"): never read as "leave"
    # A form the archive holds is searched as typed.
    assert sample_archive.ask("who fled kazakhstan?").hits[0].text.count("fled") == 1


def test_a_quote_takes_the_next_sentence_when_it_gives_what_was_asked(
    sample_archive: Archive,
) -> None:
    # "inaugurated the Baku–Supsa oil pipeline …" names it; "The 830-kilometer line …" answers.
    [first, *_] = sample_archive.ask("how long is the baku supsa pipeline").hits
    assert "Baku–Supsa" in first.quote and "830-kilometer" in first.quote


def test_claim_kind_is_the_figure_a_claim_states() -> None:
    assert claim_kind("the pipeline is 900 km long") == "number"
    assert claim_kind("Bazhenov fled in December 1997") == "date"
    assert claim_kind("Bazhenov fled on May 21, 1998 with US$4 million") == "number"
    assert claim_kind("Bazhenov fled") is None


def test_chat_shorthand_for_an_office_finds_it(sample_archive: Archive) -> None:
    [first, *_] = sample_archive.ask("kazakh pm in 97").hits
    assert "Prime Minister Akezhan Kazhegeldin" in first.quote


def test_took_over_finds_who_replaced_whom(sample_archive: Archive) -> None:
    # "took over" is "take over" in the past, which the stemmer does not reach.
    [first, *_] = sample_archive.ask("who took over from bordyuzha at the border service?").hits
    assert "replaced Nikolai Bordyuzha" in first.text


def test_an_answer_emptied_by_its_filters_says_so(sample_archive: Archive) -> None:
    # Not "Nothing in the archive matches": the archive holds Bazhenov, not in Vol. 5.
    answer = sample_archive.ask("bazhenov vol:5")
    assert not answer.found and answer.reason == "no_match"
    assert answer.message == "Nothing in the archive matches that question within vol:5."
    # Filters that fit no passage at all are named as the reason.
    answer = sample_archive.ask("imf tranche vol:9 in:Monitor")
    assert answer.message == (
        "No passage of the archive fits in:Monitor vol:9: leave it out to search all of it."
    )
    assert answer.to_json()["message"] == answer.message
    # A question no passage shares a word with is answered as before, filters or not.
    assert (
        sample_archive.ask("zzyzx vol:4").message == "Nothing in the archive matches that question."
    )


def test_a_span_of_time_counts_back_from_today() -> None:
    today = dt.date(2026, 12, 5)  # a Saturday
    assert relative_dates("what happened last week?", today) == DateRange(
        "last week", "2026-11-28", "2026-12-05"
    )
    assert relative_dates("news from yesterday", today) == DateRange(
        "yesterday", "2026-12-04", "2026-12-04"
    )
    assert relative_dates("anything this week", today).since == "2026-11-30"
    assert relative_dates("Last Month in Georgia", today) == DateRange(
        "Last Month", "2026-11-01", "2026-11-30"
    )
    assert relative_dates("the past 3 days", today).since == "2026-12-03"
    assert relative_dates("in the last two weeks", today).since == "2026-11-21"
    assert relative_dates("last year", today) == DateRange("last year", "2025-01-01", "2025-12-31")
    # "today" asks about now ("what is it called today?"), not about one day's briefs.
    assert relative_dates("what is the capital called today?", today) is None
    assert relative_dates("the last president", today) is None


def test_a_span_of_time_asks_the_briefs_dated_in_it(sample_archive: Archive) -> None:
    sample_archive.today = lambda: dt.date(1998, 7, 24)
    answer = sample_archive.ask("what happened last week?")
    # Nothing else to look for: the span's newest briefs, newest first, not passages that say
    # "last week".
    dates = [hit.citation.date for hit in answer.hits]
    assert answer.found and len(dates) == 3
    assert dates == sorted(dates, reverse=True)
    assert all("1998-07-17" <= d <= "1998-07-24" for d in dates)
    assert answer.read_line == "Read “last week” as since:1998-07-17 until:1998-07-24."
    assert answer.caveat is None
    assert answer.to_json()["dates"] == {
        "typed": "last week",
        "since": "1998-07-17",
        "until": "1998-07-24",
        "applied": True,
    }
    answer = sample_archive.ask("anything on georgia last week?")
    assert "Georgia" in answer.hits[0].text
    assert all("1998-07-17" <= h.citation.date <= "1998-07-24" for h in answer.hits)
    # A follow-up keeps the span, as it keeps filters.
    answer = sample_archive.ask("and in georgia?", earlier=["what happened last week?"])
    assert answer.read_line is not None and answer.read_line.endswith(
        "Read “last week” as since:1998-07-17 until:1998-07-24."
    )
    assert "Georgia" in answer.hits[0].text
    assert all("1998-07-17" <= h.citation.date <= "1998-07-24" for h in answer.hits)
    # The question's own since:/until: say which days.
    answer = sample_archive.ask("georgia last week since:1999-01-01")
    assert answer.to_json()["dates"] is None
    assert all(h.citation.date >= "1999-01-01" for h in answer.hits)


_DEFICIT = "what was russia's budget deficit in 1998?"
_TENGIZ = "tengiz output since:1998-01-01 until:1998-12-31"


@pytest.mark.parametrize(
    ("earlier", "follow_up", "typed"),
    [
        # The earlier question writes the year.
        (_DEFICIT, "compare with last year", "compare with 1997"),
        (_DEFICIT, "and the year before?", "and 1997?"),
        ("what did ciubuc offer gazprom in 1999?", "and a year earlier?", "and 1998?"),
        # Its since:/until: keep to one year.
        (_TENGIZ, "compare with last year", "compare with 1997"),
        # Its answer cites briefs of one year only (August 1998).
        ("how did the ruble fare in august?", "compare with last year", "compare with 1997"),
        # The follow-up writes its own year: counted from it (it was 1997, the year before
        # the earlier question's).
        (_DEFICIT, "and in 1999 compared with the year before?", "and in 1999 compared with 1998?"),
    ],
)  # fmt: skip
def test_a_follow_ups_last_year_counts_from_the_year_the_question_before_is_about(
    sample_archive: Archive, earlier: str, follow_up: str, typed: str
) -> None:
    # An archive of 1997-99 briefs asked in 2026: "compare with last year" was read as 2025
    # ("No brief is dated last year (2025-01-01 to 2025-12-31) …"). It is the year before the
    # one the question before is about, asked as if typed (a passage that writes it or whose
    # brief is dated in it: the figure compared with is often in the later brief).
    sample_archive.today = lambda: dt.date(2026, 12, 5)
    answer = sample_archive.ask(follow_up, earlier=[earlier])
    as_typed = sample_archive.ask(typed, earlier=[earlier])
    assert answer.dates is None
    assert answer.hits and answer.hits == as_typed.hits


@pytest.mark.parametrize(
    "earlier",
    [
        "what did gazprom and moldova agree in 1998 and 1999?",  # two years
        "what happened with the belarusian ruble?",  # briefs of 1997 and 1998 cited
    ],
)
def test_a_follow_ups_last_year_counts_from_today_when_nothing_fixes_a_year(
    sample_archive: Archive, earlier: str
) -> None:
    sample_archive.today = lambda: dt.date(2026, 12, 5)
    answer = sample_archive.ask("compare with last year", earlier=[earlier])
    assert answer.to_json()["dates"] == {
        "typed": "last year",
        "since": "2025-01-01",
        "until": "2025-12-31",
        "applied": False,
    }


def test_the_year_before_a_year_the_question_writes_is_that_years_before(
    sample_archive: Archive,
) -> None:
    # Asked first, "tengiz output in 1998 compared with the previous year" said "No brief is
    # dated previous year (2025-01-01 to 2025-12-31)".
    sample_archive.today = lambda: dt.date(2026, 12, 5)
    answer = sample_archive.ask("tengiz output in 1998 compared with the previous year")
    as_typed = sample_archive.ask("tengiz output in 1998 compared with 1997")
    assert answer.dates is None
    assert answer.hits and answer.hits == as_typed.hits
    # With no year written, it is still the year before today.
    assert sample_archive.ask("tengiz output last year").dates is not None


def test_a_span_no_brief_is_dated_in_is_said(sample_archive: Archive) -> None:
    sample_archive.today = lambda: dt.date(2026, 12, 5)
    newest = max(row["date"] for row in sample_archive.store.db["briefs"].rows)
    # Asking only what happened then: the newest briefs, under a line that says none is dated
    # then (it used to be no answer, only the newest date).
    answer = sample_archive.ask("what happened last week?")
    assert answer.confidence == "high" and answer.hits[0].citation.date == newest
    assert answer.caveat == (
        "No brief is dated last week (2026-11-28 to 2026-12-05): these are the newest briefs."
    )
    assert answer.to_json()["dates"]["applied"] is False
    # With something to look for, the passages from any date, under a line that says so.
    answer = sample_archive.ask("anything on georgia last week?")
    assert answer.found and any("Georgia" in hit.text for hit in answer.hits)
    assert answer.caveat == (
        "No brief is dated last week (2026-11-28 to 2026-12-05): these passages match from any "
        "date."
    )
    assert answer.to_json()["dates"]["applied"] is False


def test_a_passage_left_out_as_noise_is_replaced_by_the_next(sample_archive: Archive) -> None:
    # The first passage only "gets through" (a framing word): shown alone, the answer was empty.
    bare = Archive(sample_archive.store, aliases=Aliases())
    question = "what percentage did nazarbaev get?"
    first = bare.ask(question, top=1)
    assert first.found and "Nazarba" in first.hits[0].text
    three = bare.ask(question, top=3)
    assert len(three.hits) == 3 and all("Nazarba" in hit.text for hit in three.hits)
    assert three.hits[0] == first.hits[0]
    # The next page starts after the passages shown, never with one of them again.
    second = bare.ask(question, top=1, offset=1)
    assert second.hits[0].passage_id == three.hits[1].passage_id
    # "percentage" is the briefs' "percent" (a bundled alias).
    assert "79.8 percent" in sample_archive.ask(question).hits[0].text


def _kept_as_stored(archive: Archive) -> None:
    """Assert that every passage's tokens the archive keeps are those of the passage as it is
    stored now (its brief's title, then its text), and that it keeps some."""
    kept = dict(archive._kept_tokens(archive.index()))
    assert kept
    rows = archive.store.passages_by_id(list(kept))
    assert set(rows) == set(kept)
    for pid, tokens in kept.items():
        assert tokens == [*analyze(rows[pid]["brief_title"] or ""), *analyze(rows[pid]["text"])]


TARIFFS = "Gazprom pipeline tariffs"


def test_passage_tokens_kept_follow_growth_deletion_and_an_edited_title(
    sample_archive: Archive, tmp_path: Path
) -> None:
    # The tokens of passages read for feedback are kept from one question to the next, for one
    # index: a passage added, removed, or a title edited by another tool gives a new index, and
    # nothing kept of the old one is used. Each answer equals that of an archive opened afresh.
    question = "how much gas will russia deliver to ukraine"
    db = sample_archive.store.path
    assert db is not None

    def same_as_fresh() -> None:
        fresh = Archive(db)
        try:
            assert repr(sample_archive.rank(question, k=10, diverse=True)) == repr(
                fresh.rank(question, k=10, diverse=True)
            )
            assert repr(sample_archive.ask(question, top=5)) == repr(fresh.ask(question, top=5))
        finally:
            fresh.close()
        _kept_as_stored(sample_archive)

    first = sample_archive.ask(question)
    same_as_fresh()
    # Growth: another issue's briefs.
    issue = Path(__file__).parents[3] / "data" / "sample" / "monitor" / "vol4" / "issue009.txt"
    (tmp_path / "copy.txt").write_text(
        issue.read_text(encoding="utf-8").replace("Vol. 4", "Vol. 40"), encoding="utf-8"
    )
    assert sample_archive.ingest([tmp_path]).added
    same_as_fresh()
    # Deletion: the brief first quoted.
    assert sample_archive.store.remove_briefs([first.hits[0].brief_id]) == 1
    same_as_fresh()
    # A title edited by another tool (a second connection): the edit is logged as a change.
    pid = sample_archive.rank(question).passages[0][0]
    brief_id = sample_archive.store.passages_by_id([pid])[pid]["brief_id"]
    other = sqlite3.connect(db)
    with other:
        other.execute("UPDATE briefs SET title = ? WHERE id = ?", [TARIFFS, brief_id])
    other.close()
    same_as_fresh()
    kept = sample_archive._kept_tokens(sample_archive.index())
    assert kept[pid][:3] == analyze(TARIFFS)


def test_passage_tokens_kept_make_room_by_the_least_recently_used(
    sample_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = [
        "how much gas will russia deliver to ukraine",
        "who replaced kazhegeldin",
        "baku supsa pipeline",
        "how much gas will russia deliver to ukraine",
    ]
    db = sample_archive.store.path
    assert db is not None
    unbounded = Archive(db)
    expected = [repr(unbounded.ask(q)) for q in questions]
    unbounded.close()
    monkeypatch.setattr(archive_module, "TOKENS_KEPT", 6)
    for question, answer in zip(questions, expected, strict=True):
        assert repr(sample_archive.ask(question)) == answer
        assert len(sample_archive._kept_tokens(sample_archive.index())) <= 6
    _kept_as_stored(sample_archive)
    # The last question's passages (its feedback passages, then those its confidence reads) were
    # used last: they are the ones kept, the earlier questions' made room.
    kept = sample_archive._kept_tokens(sample_archive.index())
    last = sample_archive.ask(questions[-1], top=COVERAGE_DEPTH)
    assert len(kept) == 6 and {hit.passage_id for hit in last.hits} <= set(kept)


def test_a_citation_in_the_question_is_read_as_filters(sample_archive: Archive) -> None:
    assert cited_filters("what's in issue no. 142 of the Monitor, Vol. 4?") == (
        "what's in of the Monitor, ?",
        Filters(volume=4, issue=142),
    )
    assert cited_filters("the issue of debts") == ("the issue of debts", Filters())
    assert cited_filters("Volume 5, Issue 9") == (",", Filters(volume=5, issue=9))
    # "volume" spelled out is a volume only beside an issue.
    assert cited_filters("did trade volume 20 percent drop?")[1] == Filters()
    # A citation pasted from an answer lists that issue's briefs (it quoted "US$4 billion" and
    # "September 4" for the number 4).
    for question in (
        "Monitor, Vol. 4, Issue 142",
        "what's in issue 142 of monitor vol 4?",
        # With the date the citation writes: it found nothing ("July 23" was searched), and as
        # a whole citation said "No passage here gives 142".
        "Monitor, Vol. 4, Issue 142, July 23, 1998",
    ):
        answer = sample_archive.ask(question)
        assert answer.found and answer.read_line == "Read as in:monitor vol:4 issue:142."
        assert answer.numbers_missing == [] and answer.dates_missing == []
        assert {
            (h.citation.publication, h.citation.volume, h.citation.issue) for h in answer.hits
        } == {("Monitor", 4, 142)}
    assert cited_filters("Issue 142, July 23, 1998 — bazhenov") == (
        "— bazhenov",
        Filters(issue=142),
    )
    # Beside other words, a cited volume is a filter on the search.
    answer = sample_archive.ask("corruption in vol. 4", top=5)
    assert len(answer.hits) == 5 and all(h.citation.volume == 4 for h in answer.hits)
    assert all("orruption" in h.text for h in answer.hits[:3])
    # Filters alone list the briefs they hold; none held is said plainly.
    assert sample_archive.ask("vol:4 issue:142").hits[0].citation.issue == 142
    answer = sample_archive.ask("vol:4 issue:999")
    assert answer.reason is NoAnswer.NO_MATCH and answer.message == (
        "No passage of the archive fits vol:4 issue:999: leave it out to search all of it."
    )


def test_reconnect_gives_a_connection_of_its_own_and_keeps_the_index(
    fixture_archive: Archive,
) -> None:
    question = "How many corruption cases is the security council reviewing?"
    before = fixture_archive.ask(question)
    old, index = fixture_archive.store, fixture_archive.index()
    fixture_archive.reconnect()
    assert fixture_archive.store is not old
    assert fixture_archive.store.db.conn is not old.db.conn
    assert fixture_archive.indexer.store is fixture_archive.store
    assert fixture_archive.index() is index  # nothing loaded again
    assert repr(fixture_archive.ask(question)) == repr(before)


def test_reconnect_an_archive_in_memory_says_to_open_one_in_a_file() -> None:
    archive = Archive(":memory:")
    with pytest.raises(NotAnArchiveError, match="open one stored in a file"):
        archive.reconnect()


def test_a_place_the_briefs_name_only_by_its_adjective_is_not_named_missing(
    sample_archive: Archive,
) -> None:
    # A brief tells of the "Trans-Siberian": "Siberia" is not a word no brief holds.
    answer = sample_archive.ask(
        "Which governor in Siberia refused to send police against the miners?"
    )
    assert answer.unmatched == []
    assert "Tuleev" in " ".join(hit.text for hit in answer.hits)
    # A word no brief holds in any form still is.
    assert sample_archive.ask("What did Lukashenko say in Grodno?").unmatched == ["Grodno"]
    # A letter ("U" of "U.S.") is no word a brief could hold.
    assert sample_archive.ask("what did the U.S. say about the NATO strikes?").unmatched == []


def test_a_publication_named_as_where_to_read_comes_first(sample_archive: Archive) -> None:
    # "no, I meant the Prism piece" quoted the Monitor's Bazhenov passage first, under "None of
    # these briefs mentions “Prism” and “Bazhenov” together" ("piece" and "meant" searched).
    answer = sample_archive.ask("no, I meant the Prism piece — what does it say about Bazhenov?")
    assert answer.hits[0].citation.publication == "Prism"
    assert "Bazhenov" in answer.hits[0].text and answer.caveat is None
    assert answer.confidence == "high" and answer.to_json()["elsewhere"] is None
    # Named with its capital, it comes first too; "monitor" as a verb is a word.
    tengiz = sample_archive.ask("what did the Monitor report on Tengiz?")
    assert tengiz.hits[0].citation.publication == "Monitor"
    assert search_terms("who will monitor the vote?") == ["monitor", "vote"]
    # When none of its briefs matches, the others are shown under a line that says so.
    other = sample_archive.ask("what does Fortnight in Review say about the mining complex?")
    assert other.caveat is not None and other.caveat.startswith(
        "No Fortnight in Review brief matches that: these passages are from other publications."
    )
    assert other.to_json()["elsewhere"] == "Fortnight in Review"
    assert all(hit.citation.publication != "Fortnight in Review" for hit in other.hits)
    # Beside another name, the names check says it ("… “Fortnight in Review” and “Bazhenov”
    # together"), once.
    both = sample_archive.ask("what does Fortnight in Review say about Bazhenov?")
    assert both.apart == ["Fortnight in Review", "Bazhenov"]
    assert both.caveat is not None and "No Fortnight in Review brief" not in both.caveat
    # With nothing else to look for, it is the filter: its newest briefs.
    newest = sample_archive.ask("what's new in the Monitor?")
    assert newest.hits and {hit.citation.publication for hit in newest.hits} == {"Monitor"}
    assert newest.read_line == "Read as in:Monitor."


def test_a_later_page_checks_the_names_as_the_first_did(sample_archive: Archive) -> None:
    # The next page of a question read its first passages' terms as kept from the first page,
    # not their rows: their briefs' month and publication went unseen, and the page said "None
    # of these briefs mentions “maskhadov” and “July 1998” together".
    for question in ("what happened to maskhadov in july 1998?", "the Prism piece on gazprom"):
        assert sample_archive.ask(question).apart == []
        later = sample_archive.ask(question, offset=3)
        assert later.hits and later.apart == [] and later.confidence == "high"


def test_a_follow_up_does_not_search_the_publication_named_before(sample_archive: Archive) -> None:
    # After "the Prism piece on Georgia", "and the Monitor?" searched "prism" and "piece" as
    # the earlier question's words: a Kyrgyz passage citing "(See Prism, …)" came first.
    answer = sample_archive.ask("and the Monitor?", earlier=["the Prism piece on Georgia"])
    assert answer.hits
    assert all(hit.citation.publication == "Monitor" for hit in answer.hits)
    assert all("Georgia" in hit.text for hit in answer.hits)


def test_whether_a_word_is_written_as_a_name_is_read_once_per_archive_state(
    archive: Archive, brief_file: Callable[..., Path]
) -> None:
    # It read its passages from SQLite at every call; kept, it must still follow the archive.
    text = "Publication: Monitor Volume: 4 Issue: 7\n\nBaku and Ashgabat claim the Kyapaz field.\n"
    path = brief_file(text)
    archive.ingest([path])
    index = archive.index()
    assert archive._writes_as_name(index, "kyapaz")
    reads: list[str] = []
    archive.store.db.conn.set_trace_callback(reads.append)
    try:
        assert archive._writes_as_name(index, "kyapaz")
    finally:
        archive.store.db.conn.set_trace_callback(None)
    assert reads == []
    # Removed, then ingested again: each verdict is the archive's as it is now.
    archive.store.remove_briefs(r["id"] for r in archive.store.briefs_to_remove(source=str(path)))
    assert not archive._writes_as_name(archive.index(), "kyapaz")
    assert archive.ingest([path]).added == 1
    assert archive._writes_as_name(archive.index(), "kyapaz")


def test_a_pronoun_with_no_earlier_question_is_said_to_stand_for_no_one(
    sample_archive: Archive,
) -> None:
    # "when did he take office?" as a first message quoted "officers" and "office" as sure.
    answer = sample_archive.ask("when did he take office?")
    assert answer.points_nowhere == "he"
    assert answer.caveat is not None and "“he”" in answer.caveat
    assert answer.to_json()["points_nowhere"] == "he"
    # With the earlier question it stands for, or a name of its own, it is read as asked.
    earlier = ["who became prime minister of Kazakhstan after Kazhegeldin?"]
    assert sample_archive.ask("when did he take office?", earlier=earlier).points_nowhere is None
    assert sample_archive.ask("what did kazhegeldin say when he resigned?").points_nowhere is None
    assert sample_archive.ask("is it true that aliev won?").points_nowhere is None


def test_a_question_about_a_time_after_the_first_brief_says_so(sample_archive: Archive) -> None:
    # The archive's Tengiz output is of the first half of 1998 (a brief of July 20, 1998): it was
    # quoted as a sure answer for 1999.
    answer = sample_archive.ask("how much did Tengiz produce in the first half of 1999?")
    assert answer.hits[0].citation.date == "1998-07-20"
    assert answer.dated_before == "1999" and answer.confidence == "low"
    assert answer.caveat == (
        "The first brief is dated July 20, 1998, before 1999, which you ask about: it can say "
        "what was planned or expected, not what happened."
    )
    assert answer.to_json()["dated_before"] == "1999"
    # Asked of its own time, it is an answer like any other.
    answer = sample_archive.ask("how much did Tengiz produce in the first half of 1998?")
    assert answer.dated_before is None and answer.confidence == "high"


def test_a_season_of_a_year_finds_the_briefs_of_its_months(sample_archive: Archive) -> None:
    # "fall 98" quoted "repayments … which fall due in 1999" and "falling far short" (1999).
    answer = sample_archive.ask("ruble autumn 1998")
    assert answer.hits[0].citation.date is not None
    assert "1998-09" <= answer.hits[0].citation.date <= "1998-11-30"
    answer = sample_archive.ask("anything from spring 99 on pipelines")
    assert answer.hits[0].citation.title == "Baku–Supsa pipeline opens"


def test_a_plan_for_a_later_time_is_answered_from_the_brief_before_it(
    sample_archive: Archive,
) -> None:
    # A brief of March 1999 tells what the opposition planned for May 16: the answer stays sure,
    # and says what such a brief can tell.
    answer = sample_archive.ask("what was the belarusian opposition planning for may 16 99?")
    assert answer.dated_before == "May 1999" and answer.confidence == "high"
    assert answer.caveat is not None and answer.caveat.startswith("The first brief is dated")
    # A time it asks before is no later time.
    assert sample_archive.ask("what happened to tengiz output before 1999?").dated_before is None
    # Nor is a count written with its unit: "2000 troops" asked about no year 2000.
    troops = sample_archive.ask("were 2000 troops sent to georgia?")
    assert troops.dated_before is None and troops.confidence == "high"


def test_a_publication_cited_by_its_number_or_as_the_latest_is_where_to_read(
    sample_archive: Archive,
) -> None:
    # "Monitor 142" found nothing; "prism 4/11" quoted a Monitor brief first.
    [hit] = sample_archive.ask("monitor #142").hits
    assert (hit.citation.publication, hit.citation.volume, hit.citation.issue) == (
        "Monitor",
        4,
        142,
    )
    assert {h.citation.issue for h in sample_archive.ask("prism 4/11").hits} == {11}
    # With the date a citation writes after the number: it found nothing.
    assert {h.citation.issue for h in sample_archive.ask("Monitor 142, July 23, 1998").hits} == {
        142
    }
    # "the latest prism" in lower case: Prism's newest brief, not one that cites "(See Prism …)".
    assert sample_archive.ask("what's in the latest prism?").hits[0].citation.publication == "Prism"


def test_a_publication_cited_by_its_number_is_no_figure_of_a_whether_question(
    sample_archive: Archive,
) -> None:
    # "was Monitor 142 about corruption?" said "No passage here gives 142" above Issue 142.
    cited = sample_archive.ask("was Monitor 142 about corruption?")
    assert cited.whether and {h.citation.issue for h in cited.hits} == {142}
    assert cited.numbers_missing == [] and cited.dates_missing == []
    # A figure beside the citation is still compared.
    counted = sample_archive.ask("did Monitor 142 count 900 corruption cases?")
    assert counted.numbers_missing == [("900", ["300", "201"])]


def test_the_one_name_a_question_writes_is_shown_when_no_brief_shown_holds_it(
    sample_archive: Archive,
) -> None:
    # Three briefs on oil output came first and Kashagan's one brief fourth: not shown at all.
    answer = sample_archive.ask("when did kashagan start producing oil")
    assert "Kashagan" in answer.hits[0].text
    # A brief shown that holds the name in another passage speaks of it: nothing moves (the
    # Tashkent bombs brief names Uzbekistan in a passage not shown).
    blasts = sample_archive.ask("How many were killed in the Uzbek capital blasts in Feb 99?")
    assert "13 people" in blasts.hits[0].quote


def test_a_question_of_how_it_ended_shows_the_latest_brief_shown_first(
    sample_archive: Archive,
) -> None:
    # After the Camdessus–Primakov deal, "when did the board finally approve it?" quoted the
    # April brief's "the Fund's board will not approve the loan until …" first.
    earlier = ["and in 99, what did camdessus and primakov agree?"]
    answer = sample_archive.ask("when did the board finally approve it?", earlier=earlier)
    assert answer.hits[0].citation.date == max(h.citation.date or "" for h in answer.hits)
    assert "July 28" in answer.hits[0].quote
    assert asks_outcome("was he allowed to run in the end?")
    assert not asks_outcome("when did the board approve it?")


def test_a_year_later_counts_from_the_earlier_questions_year(sample_archive: Archive) -> None:
    # "and a year later?" after the IMF's July 1998 tranche quoted a power cut "partly reversed
    # twelve hours later".
    earlier = ["imf tranche cut russia july 98"]
    answer = sample_archive.ask("and a year later?", earlier=earlier)
    assert "1999" in answer.terms and "later" not in answer.terms
    assert any(hit.citation.date == "1999-07-29" for hit in answer.hits)
    assert year_after("and the following year?", 1998) == "and  1999 ?"
    # Asked on its own, "next year" counts from no year.
    assert "1999" not in sample_archive.ask("what is planned for next year").terms


def test_a_span_no_brief_is_dated_in_is_no_words_to_look_for(sample_archive: Archive) -> None:
    # "what happened last week?" after Georgia: no brief is dated last week, and it quoted three
    # passages that write "last week", none on Georgia.
    answer = sample_archive.ask(
        "what happened last week?", earlier=["what's the latest on georgia?"]
    )
    assert answer.caveat is not None and answer.caveat.startswith("No brief is dated last week")
    assert answer.hits and all("Georgia" in hit.text for hit in answer.hits)


def test_a_question_asking_whether_names_a_date_no_passage_gives(sample_archive: Archive) -> None:
    # The IMF's US$4.5 billion was approved on July 28, 1999: the answer quoted it under no
    # word that June was wrong (dates were compared by /check only).
    answer = sample_archive.ask("did the imf approve us$4.5 billion in june 1999?")
    assert answer.dates_missing == [("june 1999", ["July 28, 1999", "July 20, 1998"])]
    assert answer.caveat == (
        "No passage here gives june 1999 (they give July 28, 1999; July 20, 1998)."
    )
    assert answer.to_json()["dates_missing"] == [
        {"date": "june 1999", "evidence_gives": ["July 28, 1999", "July 20, 1998"]}
    ]
    # A date some passage shown gives is not named, whichever passage holds most of the words.
    paid = "Did the IMF pay Russia the full US$5.6 billion first tranche in July 1998?"
    assert sample_archive.ask(paid).dates_missing == []
    # A month alone ("in may?") is no date to hold the passages to.
    assert sample_archive.ask("was chigir arrested in may?").dates_missing == []


def test_a_date_typed_in_digits_is_compared_as_a_date(sample_archive: Archive) -> None:
    # "12.06.1999" was neither a date nor a number to compare: nothing was said of it.
    answer = sample_archive.ask("did the imf approve the loan on 12.06.1999?")
    assert answer.dates_missing == [("June 12, 1999", ["July 28, 1999"])]
    assert sample_archive.ask("did the imf approve the loan on 28.07.1999?").dates_missing == []


def test_a_season_of_a_year_is_no_figure_nor_date_to_hold_the_passages_to(
    sample_archive: Archive,
) -> None:
    # "fall 98 ruble" said "No passage here gives 1998 ruble (they give 12 rubles)."
    answer = sample_archive.ask("fall 98 ruble")
    assert answer.numbers_missing == [] and answer.dates_missing == []
    assert answer.caveat is None


def test_a_question_asking_whether_names_a_figure_no_passage_gives(
    sample_archive: Archive,
) -> None:
    # "did US$5 million vanish …" quoted the US$4 million passage and said nothing of the 5.
    answer = sample_archive.ask("did US$5 million vanish when the mining chief fled?")
    assert answer.numbers_missing[0][0] == "US$5 million"
    assert "US$4 million" in answer.numbers_missing[0][1]
    assert answer.caveat is not None
    assert answer.caveat.startswith("No passage here gives US$5 million (they give US$4 million")
    assert answer.to_json()["numbers_missing"][0]["number"] == "US$5 million"
    # The right figure, a year, or a bare small number is no figure to flag.
    assert sample_archive.ask("did US$4 million vanish when the mining chief fled?").caveat is None
    assert sample_archive.ask("did ter petrosian resign in 98?").numbers_missing == []
    assert sample_archive.ask("armenia gdp growth 98").numbers_missing == []
    # A count of a hundred or more is a figure: "300 to 39" where the Rada voted 310 to 39.
    vote = sample_archive.ask("did the rada vote 300 to 39 to lift lazarenko's immunity?")
    assert vote.numbers_missing == [("300", ["310", "39"])]


def test_a_follow_up_naming_its_own_month_leaves_the_earlier_days(
    sample_archive: Archive,
) -> None:
    # "what about september?" after an August filter answered August again.
    earlier = ["ruble since:1998-08-01 until:1998-08-31"]
    answer = sample_archive.ask("what about september?", earlier=earlier)
    assert answer.hits[0].citation.date.startswith("1998-09")
    # A follow-up naming no time keeps them: "may" and "march" as the words they also are
    # name none ("what may happen next?" searched every date).
    for follow_up in ("and in belarus?", "what may happen to it next?", "and the march in minsk?"):
        kept = sample_archive.ask(follow_up, earlier=earlier)
        assert kept.hits, follow_up
        assert all(h.citation.date.startswith("1998-08") for h in kept.hits), follow_up
    assert sample_archive.ask("and in may?", earlier=earlier).hits[0].citation.date[:7] != "1998-08"


def test_a_publication_filter_may_give_the_first_words_of_its_name(
    sample_archive: Archive,
) -> None:
    # "kocharian in:fortnight" said no passage fits in:fortnight.
    answer = sample_archive.ask("kocharian in:fortnight")
    assert answer.found
    assert {h.citation.publication for h in answer.hits} == {"Fortnight in Review"}
    # Not a part of a word, nor a name that opens none.
    assert not sample_archive.ask("kocharian in:fort").found
    assert publication_code(["fortnight in review", "monitor"], "Fortnight") == 0
    assert publication_code(["monitor", "monitor weekly"], "monitor") == 0
    assert publication_code(["monitor daily", "monitor weekly"], "monitor") == -2


def test_a_comparison_shows_a_passage_on_each_side_first(sample_archive: Archive) -> None:
    # "… Georgia or Kyrgyzstan?" was answered `low` under "None of these briefs mentions …
    # together": no brief need hold both sides of a comparison.
    answer = sample_archive.ask(
        "who took over their own border from Russian troops first, Georgia or Kyrgyzstan?"
    )
    assert answer.confidence == "high" and answer.apart == []
    first, second = (h.text for h in answer.hits[:2])
    assert "Georgia" in first and "Kyrgyz" in second
    compared = sample_archive.ask("compare nazarbaev's 1999 result with aliev's 1998 result")
    assert compared.apart == []
    assert compared.hits[0].citation.date.startswith("1999")
    assert "Nazarbayev" in compared.hits[0].text
    assert "Aliyev" in compared.hits[1].text or "Aliev" in compared.hits[1].text
    assert comparison_sides("is the tenge or the ruble weaker") == (
        "is the tenge",
        "the ruble weaker",
    )
    assert comparison_sides("who won the october election") is None


def test_a_long_text_asked_is_no_question_whether_a_figure_holds(sample_archive: Archive) -> None:
    # A pasted text of 4,000 characters was compared figure by figure (1.2 s, a quarter of a
    # second for one of dates alone), its caveat a list of every number it holds.
    question = "did US$5 million vanish when the mining chief fled? " * 8
    assert len(question) > MAX_FIGURES_CHARS
    assert sample_archive.ask(question).numbers_missing == []
    assert sample_archive.ask(question[:MAX_FIGURES_CHARS]).numbers_missing
