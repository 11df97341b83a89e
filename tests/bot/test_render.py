"""Rendering: Telegram HTML (escaped, best sentence bold, matched words underlined) and the plain
text of the terminal. Splitting under 4,096 characters: test_splitter.py."""

from __future__ import annotations

from fake_telegram import parse_html

from bot.chat import ChatService
from bot.render import (
    BRIEF_MAX_MESSAGES,
    QUOTE_MAX_CHARS,
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


def test_a_quote_of_a_huge_sentence_is_cut_around_its_first_matched_word() -> None:
    # A passage stored before long lines were cut at words (one "sentence" of 200,000 words)
    # was quoted whole: 1.4 MB, about 350 Telegram messages for one hit, and 1.4 MB printed.
    text = "word " * 100_000 + "the pipeline opened " + "word " * 100_000
    hit = make_hit(text, text, ["pipeline"])
    [html] = render_answer_html(_answer(hit))
    shown = visible(html)
    assert len(shown) < 2 * QUOTE_MAX_CHARS
    assert shown.startswith("1. …word word") and "the pipeline opened word" in shown
    assert "<u>pipeline</u>" in html and "word…\n— Monitor" in shown
    plain = render_plain(_answer(hit))  # type: ignore[arg-type]
    assert len(plain) < 2 * QUOTE_MAX_CHARS
    assert "the *pipeline* opened" in plain and plain.startswith("1. “…word")


def test_a_huge_brief_is_sent_in_a_few_messages_and_says_where_the_rest_is() -> None:
    # A brief of 2 MB (a file of one huge line) was sent whole: about 500 messages, the chat
    # held up for half an hour by Telegram's limit of 20 messages a minute in a group.
    from bot.replies import BriefReply

    row = {
        "publication": "Monitor",
        "volume": 4,
        "issue": 142,
        "date": "1998-07-20",
        "title": "Long",
        "doc_id": None,
        "url": None,
        "author": None,
        "text": "Oil rose. " * 200_000,
    }
    chunks = render_html(BriefReply([row]))
    assert len(chunks) <= BRIEF_MAX_MESSAGES
    last = visible(chunks[-1])
    assert last.startswith("… The brief goes on for 1,9")
    assert last.endswith(
        "more characters, too long to send here; its whole text: "
        "briefbot brief Monitor 4 142 on the server."
    )
    assert visible(chunks[0]).startswith("Monitor, Vol. 4, Issue 142")
