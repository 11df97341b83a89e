"""Rendering: Telegram HTML (escaped, best sentence bold, matched words underlined) and the plain
text of the terminal. Splitting under 4,096 characters: test_splitter.py."""

from __future__ import annotations

from fake_telegram import parse_html

from bot.chat import ChatService
from bot.render import (
    escape,
    mark_html,
    quote_html,
    quote_window,
    render_answer_html,
    render_html,
    render_plain,
    render_text,
)
from bot.replies import Notice
from retrieval.answering.answer import Citation, Hit
from retrieval.archive import Archive


def make_hit(text: str, quote: str, terms: list[str], url: str | None = None) -> Hit:
    start = text.index(quote)
    term_spans = [(text.index(t), text.index(t) + len(t)) for t in terms]
    return Hit(
        rank=1,
        score=1.0,
        passage_id=1,
        brief_id=1,
        doc_id=None,
        citation=Citation("Monitor", 4, 142, "1998-07-20", "A <title> & more"),
        text=text,
        quote=quote,
        quote_spans=[(start, start + len(quote))],
        term_spans=term_spans,
        url=url,
    )


def visible(chunk: str) -> str:
    return parse_html(chunk)[0]


def test_escape_handles_the_three_html_characters() -> None:
    assert escape('a < b & c > "d"') == 'a &lt; b &amp; c &gt; "d"'


def test_mark_html_nests_underline_inside_bold() -> None:
    text = "Oil rose. Gas <fell> & oil rose."
    html = mark_html(text, 0, len(text), [(10, len(text))], [(0, 3), (23, 26)])
    assert html == "<u>Oil</u> rose. <b>Gas &lt;fell&gt; &amp; <u>oil</u> rose.</b>"
    plain, entities = parse_html(html)
    assert plain == text
    assert {e["type"] for e in entities} == {"bold", "underline"}


def test_quote_shows_best_sentence_bold_with_whole_neighbours() -> None:
    text = "First one. The second <says> oil & gas. Third one here. " + "Filler sentence. " * 40
    hit = make_hit(text, "The second <says> oil & gas.", ["oil"])
    html = quote_html(hit)
    assert html.startswith("First one. <b>The second &lt;says&gt; <u>oil</u> &amp; gas.</b>")
    assert html.endswith("…")
    start, end = quote_window(hit, max_chars=60)
    assert text[start:end] == "First one. The second <says> oil & gas. Third one here."


def test_citation_is_escaped_and_linked_only_to_web_urls() -> None:
    hit = make_hit("Oil rose.", "Oil rose.", ["Oil"], url="https://example.org/a?b=1&c=2")
    answer_html = render_answer_html(_answer(hit))[0]
    assert '<a href="https://example.org/a?b=1&amp;c=2">' in answer_html
    assert "“A &lt;title&gt; &amp; more”" in answer_html
    assert visible(answer_html).endswith(
        "— Monitor, Vol. 4, Issue 142, July 20, 1998 — “A <title> & more”"
    )
    bad = make_hit("Oil rose.", "Oil rose.", ["Oil"], url="javascript:alert(1)")
    assert "<a " not in render_answer_html(_answer(bad))[0]


def _answer(hit: Hit) -> object:
    from retrieval.answering.answer import Answer

    return Answer(question="oil", hits=[hit])


def test_plain_and_html_answers_quote_the_same_passages(fixture_archive: Archive) -> None:
    reply = ChatService(fixture_archive).answer("Who fled abroad with US$4 million?")
    assert not isinstance(reply, Notice)
    plain = render_text(reply)
    [html] = render_html(reply)
    assert plain.startswith("1. “")
    assert render_plain(reply.answer) in plain
    assert "*fled*" in plain
    for hit in reply.answer.hits:
        assert hit.citation.render() in plain
        assert hit.citation.render() in visible(html)


def test_notice_is_escaped() -> None:
    assert render_html(Notice("a <b> & c")) == ["a &lt;b&gt; &amp; c"]
