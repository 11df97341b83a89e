"""Pure rendering of a digest: Telegram HTML messages (escaped, split under 4,096 characters) for
the bot, plain text for ``briefbot digest preview``."""

from __future__ import annotations

import dataclasses

from bot.render import citation_html, escape, hit_html, printable, quote_plain
from bot.splitter import split_html
from retrieval.answering.answer import Hit
from retrieval.delivery.digest import Digest, DigestItem, PublicationGroup, TopicSection


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _item_blocks(item: DigestItem, *, as_html: bool) -> str:
    # The citation leaves the title out: it is the line above.
    citation = dataclasses.replace(item.citation, title=None)
    if as_html:
        lines = [f"• <b>{escape(item.headline)}</b>"]
        if item.key_sentence:
            lines.append(f"“{escape(item.key_sentence)}”")
        lines.append(f"— {citation_html(citation, item.url)}")
        return "\n".join(lines)
    lines = [f"• {item.headline}"]
    if item.key_sentence:
        lines.append(f"  “{item.key_sentence}”")
    tail = f" <{item.url}>" if item.url else ""
    lines.append(f"  — {citation.render()}{tail}")
    return "\n".join(lines)


def _more_line(group: PublicationGroup, *, as_html: bool) -> str:
    text = f"and {group.more} more"
    if group.items == []:
        text = f"{_plural(group.more, 'new brief')}"
    if group.more_refs:
        refs = ", ".join(f"/brief {ref}" for ref in group.more_refs)
        ellipsis = " …" if group.more > len(group.more_refs) else ""
        text += f" — {refs}{ellipsis}"
    return escape(text) if as_html else text


def _group_block(group: PublicationGroup, *, as_html: bool) -> str:
    head = f"<b>{escape(group.publication)}</b>" if as_html else group.publication.upper()
    parts = [head, *(_item_blocks(i, as_html=as_html) for i in group.items)]
    if group.more:
        parts.append(_more_line(group, as_html=as_html))
    return "\n\n".join(parts)


def _hit_plain(hit: Hit) -> str:
    tail = f" <{hit.url}>" if hit.url else ""
    return f"{hit.rank}. “{quote_plain(hit)}”\n   — {hit.citation.render()}{tail}"


def _topic_block(section: TopicSection, *, as_html: bool) -> str:
    name = f"<b>{escape(section.query)}</b>" if as_html else section.query
    head = f"🔎 {name} (topic {section.number})"
    if not section.hits:
        return f"{head} — nothing new matches."
    parts = [head]
    parts += [hit_html(h) if as_html else _hit_plain(h) for h in section.hits]
    if section.more:
        more = f"and {section.more} more — /ask {section.query}"
        parts.append(escape(more) if as_html else more)
    return "\n\n".join(parts)


def digest_blocks(digest: Digest, *, title: str, as_html: bool) -> list[str]:
    """Return the digest as blocks (title, one per publication, the topics), in order."""
    count = _plural(digest.new_briefs, "new brief")
    head = f"<b>{escape(title)}</b>\n{escape(count)}" if as_html else f"{title}\n{count}"
    blocks = [head]
    blocks += [_group_block(g, as_html=as_html) for g in digest.groups]
    if digest.topics:
        label = "Your topics"
        blocks.append(f"<b>{label}</b>" if as_html else label.upper())
        blocks += [_topic_block(t, as_html=as_html) for t in digest.topics]
    return blocks


def render_digest_html(digest: Digest, *, title: str) -> list[str]:
    """Return a digest as Telegram HTML messages, each under 4,096 characters.

    Args:
        digest: what the digest holds.
        title: its first line, e.g. ``Daily digest — Fri 1 Mar 2024``.
    """
    return split_html("\n\n".join(digest_blocks(digest, title=title, as_html=True)))


def render_digest_plain(digest: Digest, *, title: str) -> str:
    """Return a digest as plain text (the command line's preview)."""
    return printable("\n\n".join(digest_blocks(digest, title=title, as_html=False)))


def nothing_new(since: str | None) -> str:
    """Return the line for a digest with nothing new (``since``: when the last one went out)."""
    if since:
        return f"Nothing new in the archive since {since}."
    return "Nothing new in the archive in the last day."
