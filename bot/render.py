"""Pure rendering of answers: plain text for the terminal (Telegram HTML lives beside it)."""

from __future__ import annotations

from typing import Any

from retrieval.answer import Answer, Citation, Hit


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


def quote_plain(hit: Hit) -> str:
    """Return the hit's quote in plain text with matched words marked ``*like this*``."""
    if not hit.quote_spans:
        return mark_terms(hit.text, hit.term_spans, 0, len(hit.text))
    return " … ".join(mark_terms(hit.text, hit.term_spans, s, e) for s, e in hit.quote_spans)


def render_plain(answer: Answer) -> str:
    """Return an answer as terminal text: numbered quotes, each with its citation."""
    if not answer.found:
        return answer.message or "Nothing in the archive matches that question."
    blocks = []
    for hit in answer.hits:
        blocks.append(f"{hit.rank}. “{quote_plain(hit)}”\n   — {hit.citation.render()}")
    return "\n\n".join(blocks)


def render_brief_plain(brief: dict[str, Any]) -> str:
    """Return one stored brief as terminal text: citation, title, paragraphs, author."""
    citation = Citation(
        publication=brief["publication"],
        volume=brief["volume"],
        issue=brief["issue"],
        date=brief["date"],
        title=brief["title"],
        doc_id=brief["doc_id"],
    )
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
        vols = "; ".join(
            f"Vol. {v}: issues {_ranges(issues)}" for v, issues in pub["volumes"].items()
        )
        dates = ""
        if pub.get("first_date"):
            dates = f", {pub['first_date']} to {pub['last_date']}"
        lines.append(f"- {pub['publication']}: {pub['briefs']} briefs{dates} ({vols})")
    return "\n".join(lines)


def _ranges(numbers: list[int]) -> str:
    """Return ``[1, 2, 3, 7]`` as ``1–3, 7``."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and runs[-1][1] == n - 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs)
