"""Pure rendering of replies: plain text for the terminal, Telegram HTML for the bot.

Telegram HTML: every piece of archive text is escaped; in a quote the best sentence is bold and
matched words are underlined; messages are split under Telegram's 4,096 characters by
``bot.splitter``.
"""

from __future__ import annotations

import html
import itertools
import re
from typing import Any

from bot.replies import AnswerReply, BriefReply, CheckReply, Notice, Reply
from bot.splitter import split_html
from retrieval.answering.answer import Answer, Citation, Hit
from retrieval.answering.check import ClaimCheck
from retrieval.text.prose import runs
from retrieval.text.sentences import split_sentences

QUOTE_CONTEXT_CHARS = 480
"""A quote shows the best sentences plus whole neighbouring sentences up to about this length."""
BRIEF_MAX_MESSAGES = 10
"""A brief shown in Telegram (/brief, the Full brief button) takes about this many messages at
most, the last saying where the rest is."""
BRIEF_MAX_CHARS = BRIEF_MAX_MESSAGES * 3_500
"""The characters of a brief's text shown in Telegram: ``BRIEF_MAX_MESSAGES`` messages of 4,096
hold them, escaped (a long brief is a few thousand; a file of one huge line made one of
megabytes, hundreds of messages)."""
QUOTE_MAX_CHARS = 2_000
"""A quote longer than this is shown as this much around its first matched word: a "sentence" of
thousands of words (text with no sentence ends, stored before such text was cut into passages of
whole words) was quoted whole, hundreds of Telegram messages for one passage. A sentence of up to
``MAX_SENTENCE_WORDS`` (300) words, which ingest keeps whole, is about this long."""
_SPACE_RE = re.compile(r"\s+")
_CONTROLS = dict.fromkeys(
    c for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if chr(c) not in "\n\t"
)


def printable(text: str) -> str:
    """Return ``text`` without control characters other than newline and tab: a brief stored
    with a NUL, a bell or a terminal escape (JSONL can carry them as ``\\u0000``) is shown,
    not obeyed, and no invisible byte reaches a chat."""
    return text.translate(_CONTROLS)


def mark_terms(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    """Return ``text[start:end]`` with every matched word inside it wrapped in ``*…*``."""
    out: list[str] = []
    pos = start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(text[pos:s])
        out.append(f"*{text[s:e]}*")
        pos = e
    out.append(text[pos:end])
    return "".join(out)


def narrowed(
    text: str, start: int, end: int, term_spans: list[tuple[int, int]], limit: int = QUOTE_MAX_CHARS
) -> tuple[int, int]:
    """Return ``(start, end)``, or when that span is over ``limit`` characters a span of about
    ``limit`` inside it, of whole words, that holds its first matched word."""
    if end - start <= limit:
        return start, end
    first = next((s for s, e in sorted(term_spans) if start <= s and e <= end), start)
    lo = max(start, min(first - limit // 3, end - limit))
    hi = min(end, lo + limit)
    if lo > start:  # begin at a word's start
        space = _SPACE_RE.search(text, lo, first)
        lo = space.end() if space else lo
    if hi < end:  # end at a word's end
        spaces = [m.start() for m in _SPACE_RE.finditer(text, max(lo, first), hi)]
        hi = spaces[-1] if spaces else hi
    return lo, hi


def quote_plain(hit: Hit) -> str:
    """Return the hit's quote in plain text with matched words marked ``*like this*`` (a quote
    over ``QUOTE_MAX_CHARS`` cut around its first matched word, with "…")."""
    spans = hit.quote_spans or [(0, len(hit.text))]
    parts = []
    for s, e in spans:
        lo, hi = narrowed(hit.text, s, e, hit.term_spans)
        before = "…" if lo > s else ""
        after = "…" if hi < e else ""
        parts.append(f"{before}{mark_terms(hit.text, hit.term_spans, lo, hi)}{after}")
    return " … ".join(parts)


def render_plain(answer: Answer) -> str:
    """Return an answer as terminal text: numbered quotes, each with its citation."""
    read = [answer.read_line] if answer.read_line else []
    if not answer.found:
        return "\n\n".join(
            [*read, answer.message or "Nothing in the archive matches that question."]
        )
    blocks = [*read, answer.caveat] if answer.caveat else read
    for hit in answer.hits:
        blocks.append(f"{hit.rank}. “{quote_plain(hit)}”\n   — {hit.citation.render()}")
    return "\n\n".join(blocks)


def render_brief_plain(brief: dict[str, Any]) -> str:
    """Return one stored brief as terminal text: citation, title, paragraphs, author."""
    citation = Citation.from_row(brief)
    parts = [citation.render(), "", brief["text"]]
    if brief.get("author"):
        parts.append(f"— {brief['author']}")
    return "\n".join(parts)


def render_sources_plain(stats: dict[str, Any]) -> str:
    """Return what the archive holds: per publication, its briefs, volumes and issues."""
    if not stats["briefs"]:
        return "The archive is empty — run briefbot ingest to add briefs."
    lines = [f"{stats['briefs']} briefs, {stats['passages']} passages:"]
    for pub in stats["publications"]:
        dates = ""
        if pub.get("first_date"):
            dates = f", {pub['first_date']} to {pub['last_date']}"
        briefs = "1 brief" if pub["briefs"] == 1 else f"{pub['briefs']} briefs"
        lines.append(f"- {pub['publication']}: {briefs}{dates} ({_volumes(pub['volumes'])})")
    return "\n".join(lines)


def _volumes(volumes: dict[str, list[int]]) -> str:
    """Return ``Vol. 3: issue 12; Vol. 4: issues 1–3`` for a publication's volumes (``stats``
    keys them by the volume as text, ``"None"`` for briefs without one, as JSONL may give)."""
    parts = []
    for volume, issues in volumes.items():
        label = "no volume" if volume == "None" else f"Vol. {volume}"
        noun = "issue" if len(issues) == 1 else "issues"
        parts.append(f"{label}: {noun} {_ranges(issues)}" if issues else label)
    if parts == ["no volume"]:
        return "no volume or issue numbers"
    return "; ".join(parts)


def _ranges(numbers: list[int]) -> str:
    """Return ``[1, 2, 3, 7]`` as ``1–3, 7``."""
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs(numbers))


# -- plain text for the terminal ----------------------------------------------------------


def _joined(items: list[str]) -> str:
    """Return ``items`` joined by commas, or by semicolons when one holds a comma ("October
    10, 1997; November")."""
    return ("; " if any("," in item for item in items) else ", ").join(items)


def comparison_lines(check: ClaimCheck) -> list[str]:
    """Return, in plain text, which of the claim's numbers, dates and names the passages contain.

    Never a verdict: the last line says so.
    """
    if not check.has_facts:
        return ["The claim has no numbers, dates or names to compare; read the passages."]
    numbers = [(m.claim.text, [q.text for q in m.evidence_gives]) for m in check.numbers_missing]
    dates = [(m.claim.text, [d.with_year() for d in m.evidence_gives]) for m in check.dates_missing]
    facets: list[tuple[str, list[str], list[tuple[str, list[str]]]]] = [
        (
            "Numbers",
            [q.text for q in check.numbers_found]
            + [
                f"{m.claim.text} as rounded ({', '.join(q.text for q in m.evidence_gives)})"
                for m in check.numbers_rounded
            ],
            numbers,
        ),
        ("Dates", [d.text for d in check.dates_found], dates),
        ("Names", list(check.names_found), [(name, []) for name in check.names_missing]),
    ]
    lines = [
        f"Words — a passage says “{theirs}” where the claim says “{mine}”."
        for mine, theirs in check.contrasts
    ]
    for label, found, missing in facets:
        parts = ["in the passages: " + ", ".join(found)] if found else []
        if missing:
            said = [
                f"{text} (they give {_joined(gives)})" if gives else text for text, gives in missing
            ]
            parts.append("not in them: " + ", ".join(said))
        if parts:
            lines.append(f"{label} — " + "; ".join(parts) + ".")
    lines.append("This shows what the passages say, not whether the claim holds.")
    return lines


def render_check_plain(reply: CheckReply) -> str:
    """Return a /check reply as terminal text: the passages, then the comparison (per sentence
    for a long claim)."""
    read = [reply.read_line] if reply.read_line else []
    if not reply.evidence:
        return "\n\n".join([*read, reply.message or "Nothing in the archive bears on this."])
    if reply.parts:
        blocks = list(read)
        for n, part in enumerate(reply.parts, start=1):
            blocks.append(f"[{n}] {part.claim}")
            blocks.append(_indent(render_check_plain(part)))
        return "\n\n".join(blocks)
    blocks = [*read, reply.caveat] if reply.caveat else list(read)
    blocks += [
        f"{hit.rank}. “{quote_plain(hit)}”\n   — {hit.citation.render()}" for hit in reply.evidence
    ]
    if reply.comparison is not None:
        blocks.append("\n".join(comparison_lines(reply.comparison)))
    return "\n\n".join(blocks)


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" if line else line for line in text.split("\n"))


def render_text(reply: Reply) -> str:
    """Return any reply as terminal text (control characters dropped: ``printable``)."""
    return printable(_render_text(reply))


def _render_text(reply: Reply) -> str:
    if isinstance(reply, Notice):
        return reply.text
    if isinstance(reply, AnswerReply):
        text = render_plain(reply.answer)
        if reply.has_more:
            text += "\n\n(Type more for the next passages.)"
        return text
    if isinstance(reply, CheckReply):
        return render_check_plain(reply)
    if isinstance(reply, BriefReply):
        return "\n\n".join(render_brief_plain(b) for b in reply.briefs)
    return render_sources_plain(reply.stats)


# -- Telegram HTML --------------------------------------------------------------------------


def escape(text: str) -> str:
    """Return ``text`` safe for Telegram HTML (``<``, ``>`` and ``&`` escaped, control characters
    dropped: ``printable``)."""
    return html.escape(printable(text), quote=False)


def quote_window(hit: Hit, max_chars: int = QUOTE_CONTEXT_CHARS) -> tuple[int, int]:
    """Return the span of ``hit.text`` to show: the quote's sentences plus whole neighbours.

    Neighbouring sentences (the one before first, then the one after, alternately) are added
    while the span stays within ``max_chars``; the quote itself is whole unless it is over
    ``QUOTE_MAX_CHARS`` (then a part of it around its first matched word: ``narrowed``).
    """
    start, end = _window(hit, max_chars)
    return narrowed(hit.text, start, end, hit.term_spans)


def _window(hit: Hit, max_chars: int) -> tuple[int, int]:
    """Return ``quote_window``'s span before it is narrowed."""
    text = hit.text
    spans = split_sentences(text)
    if hit.quote_spans:
        core = (min(s for s, _ in hit.quote_spans), max(e for _, e in hit.quote_spans))
    else:
        core = (0, len(text))
    if not spans:
        return core
    inside = [i for i, (s, e) in enumerate(spans) if e > core[0] and s < core[1]]
    if not inside:
        return core
    first, last = inside[0], inside[-1]
    start, end = min(spans[first][0], core[0]), max(spans[last][1], core[1])
    grew = True
    while grew:
        grew = False
        if first > 0 and end - spans[first - 1][0] <= max_chars:
            first -= 1
            start = spans[first][0]
            grew = True
        if last + 1 < len(spans) and spans[last + 1][1] - start <= max_chars:
            last += 1
            end = spans[last][1]
            grew = True
    return start, end


def mark_html(
    text: str,
    start: int,
    end: int,
    bold: list[tuple[int, int]],
    underline: list[tuple[int, int]],
) -> str:
    """Return ``text[start:end]`` escaped, with ``bold`` spans in ``<b>`` and ``underline`` spans
    in ``<u>`` (nested inside the bold where they meet)."""
    # Only the spans that meet the window: a huge passage has millions of matched words.
    bold = [(s, e) for s, e in bold if s < end and e > start]
    underline = [(s, e) for s, e in underline if s < end and e > start]
    cuts = {start, end}
    for s, e in [*bold, *underline]:
        cuts.update((max(s, start), min(e, end)))
    points = sorted(cuts)
    out: list[str] = []
    in_b = in_u = False
    for a, b in itertools.pairwise(points):
        want_b = any(s <= a and b <= e for s, e in bold)
        want_u = any(s <= a and b <= e for s, e in underline)
        if want_b != in_b:
            if in_u:
                out.append("</u>")
                in_u = False
            out.append("<b>" if want_b else "</b>")
            in_b = want_b
        if want_u != in_u:
            out.append("<u>" if want_u else "</u>")
            in_u = want_u
        out.append(escape(text[a:b]))
    if in_u:
        out.append("</u>")
    if in_b:
        out.append("</b>")
    return "".join(out)


def quote_html(hit: Hit) -> str:
    """Return the hit's quote as Telegram HTML: best sentence(s) bold, matched words underlined,
    with "…" where the passage goes on."""
    start, end = quote_window(hit)
    bold: list[tuple[int, int]] = []
    for s, e in sorted(hit.quote_spans):
        if bold and not hit.text[bold[-1][1] : s].strip():
            bold[-1] = (bold[-1][0], e)  # neighbouring sentences: one bold run
        else:
            bold.append((s, e))
    body = mark_html(hit.text, start, end, bold, hit.term_spans)
    before = "…" if hit.text[:start].strip() else ""
    after = "…" if hit.text[end:].strip() else ""
    return f"{before}{body}{after}"


def citation_html(citation: Citation, url: str | None = None) -> str:
    """Return a citation in italics, linked to the brief when it has an http(s) URL."""
    text = escape(citation.render())
    if url and re.match(r"https?://\S+$", url):
        text = f'<a href="{html.escape(url, quote=True)}">{text}</a>'
    return f"<i>{text}</i>"


def hit_html(hit: Hit, *, numbered: bool = True) -> str:
    """Return one quoted passage as a block: the quote, then "— citation" on its own line."""
    number = f"{hit.rank}. " if numbered else ""
    return f"{number}{quote_html(hit)}\n— {citation_html(hit.citation, hit.url)}"


def render_answer_html(answer: Answer) -> list[str]:
    """Return an answer as Telegram messages: one block per passage (under a caveat line when
    none answers directly), or the reason for none."""
    read = [escape(answer.read_line)] if answer.read_line else []
    if not answer.found:
        missing = answer.message or "Nothing in the archive matches that question."
        return ["\n\n".join([*read, escape(missing)])]
    blocks = [*read, f"<i>{escape(answer.caveat)}</i>"] if answer.caveat else read
    return split_html("\n\n".join([*blocks, *(hit_html(h) for h in answer.hits)]))


def _check_blocks(reply: CheckReply) -> list[str]:
    """Return the HTML blocks of one checked claim: caveat, passages, comparison."""
    if not reply.evidence:
        return [escape(reply.message or "Nothing in the archive bears on this.")]
    blocks = [f"<i>{escape(reply.caveat)}</i>"] if reply.caveat else []
    blocks += [hit_html(h) for h in reply.evidence]
    if reply.comparison is not None:
        lines = comparison_lines(reply.comparison)
        blocks.append("\n".join([f"<b>{escape(lines[0])}</b>", *map(escape, lines[1:])]))
    return blocks


def render_check_html(reply: CheckReply) -> list[str]:
    """Return a /check reply as Telegram messages: the passages, then what they contain; a long
    claim sentence by sentence."""
    read = [escape(reply.read_line)] if reply.read_line else []
    if not reply.evidence:
        return [
            "\n\n".join([*read, escape(reply.message or "Nothing in the archive bears on this.")])
        ]
    if not reply.parts:
        blocks = [*read, f"Passages that bear on “{escape(reply.claim)}”:", *_check_blocks(reply)]
        return split_html("\n\n".join(blocks))
    blocks = [*read, f"The claim, sentence by sentence ({len(reply.parts)}):"]
    for n, part in enumerate(reply.parts, start=1):
        blocks.append(f"<b>[{n}]</b> “{escape(part.claim)}”")
        blocks += _check_blocks(part)
    return split_html("\n\n".join(blocks))


def render_brief_html(brief: dict[str, Any]) -> list[str]:
    """Return one whole brief as Telegram messages: citation in bold, paragraphs, author.

    A brief of more than ``BRIEF_MAX_CHARS`` is cut there, at a word, and a last message says
    how much more there is and where to read it whole.
    """
    citation = Citation.from_row(brief)
    head = f"<b>{escape(citation.render())}</b>"
    url = brief.get("url")
    if not (url and re.match(r"https?://\S+$", url)):
        url = None
    if url:
        head += f'\n<a href="{html.escape(url, quote=True)}">{escape(url)}</a>'
    text: str = brief["text"]
    rest = ""
    if len(text) > BRIEF_MAX_CHARS:
        cut = max(text.rfind(" ", 0, BRIEF_MAX_CHARS), text.rfind("\n", 0, BRIEF_MAX_CHARS))
        cut = cut if cut > 0 else BRIEF_MAX_CHARS
        rest = _rest_line(brief, len(text) - cut, url)
        text = text[:cut]
    parts = [head, escape(text)]
    if brief.get("author") and not rest:
        parts.append(f"— {escape(brief['author'])}")
    chunks = split_html("\n\n".join(parts))
    return [*chunks, escape(rest)] if rest else chunks


def _rest_line(brief: dict[str, Any], left: int, url: str | None) -> str:
    """Return the line under a brief cut at ``BRIEF_MAX_CHARS``: how much is left, and where
    the whole text is (its web page, ``briefbot brief`` on the server)."""
    where = [url] if url else []
    if brief.get("volume") is not None and brief.get("issue") is not None:
        publication = brief["publication"]
        shown = f'"{publication}"' if " " in publication else publication
        where.append(f"briefbot brief {shown} {brief['volume']} {brief['issue']} on the server")
    whole = f"; its whole text: {' or '.join(where)}" if where else ""
    return f"… The brief goes on for {left:,} more characters, too long to send here{whole}."


def render_html(reply: Reply) -> list[str]:
    """Return any reply as Telegram HTML messages, each non-empty and under 4,096 characters."""
    if isinstance(reply, Notice):
        return split_html(escape(reply.text))
    if isinstance(reply, AnswerReply):
        return render_answer_html(reply.answer)
    if isinstance(reply, CheckReply):
        return render_check_html(reply)
    if isinstance(reply, BriefReply):
        return [chunk for brief in reply.briefs for chunk in render_brief_html(brief)]
    lines = render_sources_plain(reply.stats).split("\n")
    return split_html("\n".join([f"<b>{escape(lines[0])}</b>", *map(escape, lines[1:])]))
