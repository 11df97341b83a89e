"""Telegram's text entities: the HTML parse mode the bot sends, and the entities Telegram finds in
a user's plain text (commands, mentions, links).

``parse_html`` ports tdlib's ``parse_html`` (``td/telegram/MessageEntity.cpp``) with its exact
"can't parse entities" texts and UTF-16 offsets. The bot sends HTML only, so the Markdown parse
modes are not imitated: a request using one is an error in the fake, never a silent pass.
"""

from __future__ import annotations

import re
from typing import Any

from .records import ApiError, EntityParseError

JSON = dict[str, Any]

_ENTITY_PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "bot_command": 50,
    "mention": 50,
    "url": 50,
    "hashtag": 50,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}
_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_HTML_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_SPACES = frozenset(b" \t\r\n\f\v")


_MARKUP = re.compile(b"[&<]")
# UTF-16 code units of UTF-8 bytes: 1 for each first byte of a character, 2 when it starts a
# 4-byte sequence; 0 for continuation bytes.
_CONTINUATION = bytes(range(0x80, 0xC0))
_FOUR_BYTE_FIRST = bytes(range(0xF0, 0x100))


def u16len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def checked_link(url: str) -> str:
    """A rough LinkManager::get_checked_link: the usable URL or "" (entity silently dropped)."""
    url = url.strip()
    if not url or any(ch.isspace() for ch in url):
        return ""
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", url)
    if match:
        scheme = match.group(1).lower()
        if scheme in ("http", "https", "ftp", "tg", "ton", "tonsite"):
            return url
        if not url[match.end() :].isdigit():  # "host:port" has no scheme
            return ""
    if re.match(r"[\w-]+(\.[\w-]+)*\.[A-Za-z]{2,}(:\d+)?([/?#].*)?$", url):
        return "http://" + url
    return ""


def _entity(kind: str, offset: int, length: int, **extra: Any) -> JSON:
    entity: JSON = {"type": kind, "offset": offset, "length": length}
    entity.update({k: v for k, v in extra.items() if v is not None})
    return entity


def _sort_entities(entities: list[JSON]) -> list[JSON]:
    return sorted(
        entities,
        key=lambda e: (e["offset"], -e["length"], _ENTITY_PRIORITY.get(e["type"], 50)),
    )


def _finish(out: bytearray) -> str:
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        raise EntityParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, check for "
            "unmatched surrogate code units"
        ) from None


def _decode_html_entity(data: bytes, pos: int) -> tuple[int, int]:
    """tdlib decode_html_entity: (code point, position after it), or (0, pos) if none."""
    n = len(data)

    def at(k: int) -> int:
        return data[k] if k < n else 0

    end = pos + 1
    res = 0
    if at(pos + 1) == ord("#"):
        end += 1
        if at(pos + 2) == ord("x"):
            end += 1
            while chr(at(end)) in "0123456789abcdefABCDEF" and at(end):
                res = res * 16 + int(chr(at(end)), 16)
                end += 1
        else:
            while 0x30 <= at(end) <= 0x39:
                res = res * 10 + at(end) - 0x30
                end += 1
        if res == 0 or res >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while chr(at(end)).isascii() and chr(at(end)).isalpha():
            end += 1
        res = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}.get(data[pos + 1 : end], 0)
        if res == 0:
            return 0, pos
    if at(end) == ord(";"):
        end += 1
    return res, end


def parse_html(text: str, *, strict_ampersand: bool = False) -> tuple[str, list[JSON]]:
    """Telegram's HTML parse mode (port of tdlib ``parse_html``).

    Returns the plain text and Bot API entities; raises :class:`EntityParseError` with tdlib's
    message. Like Telegram, a ``&`` that starts no known entity is kept literally -- unless
    ``strict_ampersand`` (a fake-only lint; Telegram's docs say to escape it, the server does not
    insist).
    """
    data = text.encode("utf-8", "surrogatepass")
    n = len(data)

    def at(k: int) -> int:
        return data[k] if k < n else 0

    out = bytearray()
    entities: list[JSON] = []
    utf16 = 0
    # nested: [tag_name, argument, utf16 offset, output byte offset]
    nested: list[tuple[str, str, int, int]] = []
    i = 0
    while i < n:
        c = data[i]
        if c == ord("&"):
            code, new_pos = _decode_html_entity(data, i)
            if code:
                utf16 += 2 if code > 0xFFFF else 1
                out += chr(code).encode("utf-8", "surrogatepass")
                i = new_pos
                continue
            if strict_ampersand:
                raise EntityParseError(
                    f"Unescaped '&' at byte offset {i} (fake strict_ampersand; real Telegram "
                    "keeps it literally)"
                )
        if c != ord("<"):
            # A run of plain bytes up to the next "&" or "<" at once (byte by byte, a 4 KB
            # message took milliseconds): its UTF-16 units are its first bytes plus one more
            # for each 4-byte sequence.
            end = _MARKUP.search(data, i + 1)
            j = end.start() if end else n
            run = data[i:j]
            utf16 += (
                len(run.translate(None, _CONTINUATION))
                + len(run)
                - len(run.translate(None, _FOUR_BYTE_FIRST))
            )
            out += run
            i = j
            continue

        begin_pos = i
        i += 1
        if at(i) != ord("/"):
            while at(i) and at(i) not in _SPACES and at(i) != ord(">"):
                i += 1
            if at(i) == 0:
                raise EntityParseError(f"Unclosed start tag at byte offset {begin_pos}")
            tag_name = data[begin_pos + 1 : i].decode("utf-8", "replace").lower()
            if tag_name not in _HTML_TAGS:
                raise EntityParseError(
                    f'Unsupported start tag "{tag_name}" at byte offset {begin_pos}'
                )
            argument = ""
            while at(i) != ord(">"):
                while at(i) and at(i) in _SPACES:
                    i += 1
                if at(i) == ord(">"):
                    break
                attr_begin = i
                while at(i) and at(i) not in _SPACES and at(i) not in b"=>":
                    i += 1
                attr_name = data[attr_begin:i].decode("utf-8", "replace")
                if not attr_name:
                    raise EntityParseError(
                        f'Empty attribute name in the tag "{tag_name}" at byte offset {begin_pos}'
                    )
                while at(i) and at(i) in _SPACES:
                    i += 1
                if at(i) != ord("="):
                    if tag_name == "blockquote" and attr_name == "expandable":
                        argument = "expandable"
                        if at(i) == 0:
                            raise EntityParseError(f"Unclosed start tag at byte offset {begin_pos}")
                        continue
                    raise EntityParseError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag_name}" at byte offset {begin_pos}'
                    )
                i += 1
                while at(i) and at(i) in _SPACES:
                    i += 1
                if at(i) == 0:
                    raise EntityParseError(
                        f'Unclosed start tag "{tag_name}" at byte offset {begin_pos}'
                    )
                value = bytearray()
                if at(i) not in b"'\"":
                    token_begin = i
                    while chr(at(i)).isascii() and (chr(at(i)).isalnum() or at(i) in b".-"):
                        i += 1
                    value += data[token_begin:i].lower()
                    if at(i) not in _SPACES and at(i) != ord(">"):
                        raise EntityParseError(
                            f"Unexpected end of name token at byte offset {token_begin}"
                        )
                else:
                    quote = at(i)
                    i += 1
                    while at(i) != quote and at(i) != 0:
                        if at(i) == ord("&"):
                            code, new_pos = _decode_html_entity(data, i)
                            if code:
                                value += chr(code).encode("utf-8", "surrogatepass")
                                i = new_pos
                                continue
                        value.append(at(i))
                        i += 1
                    if at(i) == quote:
                        i += 1
                if at(i) == 0:
                    raise EntityParseError(f"Unclosed start tag at byte offset {begin_pos}")
                attr_value = value.decode("utf-8", "replace")
                if tag_name == "a" and attr_name == "href":
                    argument = attr_value
                elif (
                    tag_name == "code"
                    and attr_name == "class"
                    and attr_value.startswith("language-")
                ):
                    argument = attr_value[len("language-") :]
                elif tag_name == "span" and attr_name == "class" and attr_value.startswith("tg-"):
                    argument = attr_value[len("tg-") :]
                elif tag_name == "tg-emoji" and attr_name == "emoji-id":
                    argument = attr_value
            if tag_name == "span" and argument != "spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin_pos}'
                )
            nested.append((tag_name, argument, utf16, len(out)))
        else:
            if not nested:
                raise EntityParseError(f"Unexpected end tag at byte offset {begin_pos}")
            while at(i) and at(i) not in _SPACES and at(i) != ord(">"):
                i += 1
            end_tag_name = data[begin_pos + 2 : i].decode("utf-8", "replace").lower()
            while at(i) and at(i) in _SPACES:
                i += 1
            if at(i) != ord(">"):
                raise EntityParseError(f"Unclosed end tag at byte offset {begin_pos}")
            tag_name, argument, entity_offset, out_begin = nested[-1]
            if end_tag_name and end_tag_name != tag_name:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {begin_pos}, expected "</{tag_name}>", '
                    f'found "</{end_tag_name}>"'
                )
            if utf16 > entity_offset:
                length = utf16 - entity_offset
                last = entities[-1] if entities else None
                same_span = (
                    last is not None
                    and last["offset"] == entity_offset
                    and last["length"] == length
                )
                if tag_name in _HTML_SIMPLE:
                    entities.append(_entity(_HTML_SIMPLE[tag_name], entity_offset, length))
                elif tag_name == "tg-emoji":
                    if not argument.isdigit() or int(argument) == 0:
                        raise EntityParseError("Invalid custom emoji identifier specified")
                    entities.append(
                        _entity("custom_emoji", entity_offset, length, custom_emoji_id=argument)
                    )
                elif tag_name == "a":
                    url = argument or out[out_begin:].decode("utf-8", "replace")
                    url = checked_link(url)
                    if url:
                        entities.append(_entity("text_link", entity_offset, length, url=url))
                elif tag_name == "pre":
                    if same_span and last is not None and last["type"] == "code":
                        last["type"] = "pre"  # <pre><code class="language-x"> -> pre + language
                        if not last.get("language"):
                            last.pop("language", None)
                    else:
                        entities.append(_entity("pre", entity_offset, length))
                elif tag_name == "code":
                    if same_span and last is not None and last["type"] == "pre" and argument:
                        last["language"] = argument
                    else:
                        entities.append(
                            _entity("code", entity_offset, length, language=argument or None)
                        )
                elif tag_name == "blockquote":
                    kind = "expandable_blockquote" if argument == "expandable" else "blockquote"
                    entities.append(_entity(kind, entity_offset, length))
            nested.pop()
        i += 1
    if nested:
        raise EntityParseError(f"Can't find end tag corresponding to start tag {nested[-1][0]}")
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    return _finish(out), _sort_entities(entities)


def parse_text(
    text: str, parse_mode: str | None, *, strict_ampersand: bool = False
) -> tuple[str, list[JSON]]:
    """Parse ``text`` as Telegram does for ``parse_mode``; raises :class:`ApiError` (400)."""
    mode = (parse_mode or "").lower()
    try:
        if mode == "":
            return text, []
        if mode == "html":
            return parse_html(text, strict_ampersand=strict_ampersand)
        if mode in ("markdown", "markdownv2"):
            raise NotImplementedError(
                f"the fake parses HTML only (the bot sends HTML), not parse_mode {parse_mode!r}"
            )
    except EntityParseError as exc:
        raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
    raise ApiError(400, "Bad Request: unsupported parse_mode")


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _is_name_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def find_entities(text: str) -> list[JSON]:
    """The entities Telegram detects in a user's plain text: bot_command, mention, url."""
    found: list[tuple[int, int, str]] = []
    n = len(text)
    for i, ch in enumerate(text):
        if ch != "/":
            continue
        if i > 0 and (_is_word_char(text[i - 1]) or text[i - 1] in "/<>"):
            continue
        j = i + 1
        while j < n and _is_name_char(text[j]):
            j += 1
        if not 1 <= j - i - 1 <= 64:
            continue
        if j < n and text[j] == "@":
            k = j + 1
            while k < n and _is_name_char(text[k]):
                k += 1
            if not 3 <= k - j - 1 <= 32:
                continue
            j = k
        if j < n and (_is_word_char(text[j]) or text[j] in "/<>"):
            continue
        found.append((i, j, "bot_command"))
    for i, ch in enumerate(text):
        if ch != "@" or (i > 0 and _is_word_char(text[i - 1])):
            continue
        j = i + 1
        while j < n and _is_name_char(text[j]):
            j += 1
        if not 2 <= j - i - 1 <= 32 or (j < n and _is_word_char(text[j])):
            continue
        if any(start <= i < end for start, end, _ in found):
            continue  # the "@bot" part of "/cmd@bot"
        found.append((i, j, "mention"))
    for match in re.finditer(r"\bhttps?://[^\s<>\"]+[^\s<>\".,;:!?)\]'}]", text):
        found.append((match.start(), match.end(), "url"))
    entities = [
        _entity(kind, u16len(text[:start]), u16len(text[start:end])) for start, end, kind in found
    ]
    return _sort_entities(entities)
