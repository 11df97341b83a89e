"""A fake Telegram Bot API server for end-to-end tests.

The server speaks real HTTP on 127.0.0.1 (standard library only: ``ThreadingHTTPServer`` in a
background thread), so tests run the real python-telegram-bot ``Application`` -- its
``HTTPXRequest``, its ``Updater`` with long polling, its handlers -- with no network::

    with FakeTelegram() as fake:
        app = fake.app_builder().build()            # token/base_url/base_file_url preset
        app.add_handler(...)
        async with fake.running(app):               # initialize, start, start_polling
            alice = fake.user(1001, "Alice")
            update = alice.send("/ask what happened?")
            [answer] = await fake.wait_sent_async(chat_id=alice.id)
            assert "happened" in answer.plain_text

What it imitates (see ``tdlib/td`` ``MessageEntity.cpp`` and ``tdlib/telegram-bot-api``
``Client.cpp`` for the originals):

* URLs ``{base_url}{token}/{method}`` and ``{base_file_url}{token}/{file_path}``; parameters as a
  query string, form data, multipart form data or a JSON body (PTB sends form data: strings raw,
  everything else JSON-encoded). Method names are case-insensitive as in the real Bot API.
* Responses ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": N,
  "description": "...", "parameters": {"retry_after": N}}`` with the HTTP status ``N``.
* Telegram's HTML, MarkdownV2 and Markdown parsers (ported from tdlib, including the exact
  "can't parse entities" texts and UTF-8 byte offsets), the 4096/1024 length limits counted after
  entity parsing, empty texts, "message is not modified", inline keyboard checks
  (``BUTTON_DATA_INVALID``), inline query result checks, "chat not found", blocked users.
* ``getUpdates`` long polling honouring ``offset``, ``limit``, ``timeout`` and
  ``allowed_updates``; a second concurrent ``getUpdates`` terminates the first with 409 like
  Telegram does; ``getUpdates`` while a webhook is set is a 409 too.
* Group privacy mode: in groups the bot only gets commands, mentions of it and replies to it.

Deliberate simplifications: one global update queue, message ids counted per chat, no media other
than documents, no rate limiting unless injected with :meth:`FakeTelegram.fail_next`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import mimetypes
import re
import socket
import socketserver
import sys
import threading
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, NamedTuple, TypeVar

from telegram.ext import Application, ApplicationBuilder

__all__ = [
    "ApiError",
    "Call",
    "CallbackAnswer",
    "ChatAction",
    "EntityParseError",
    "FakeChat",
    "FakeTelegram",
    "FakeUser",
    "InlineAnswer",
    "SentMessage",
    "StoredFile",
    "UploadedFile",
    "find_entities",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "parse_text",
    "u16len",
]

JSON = dict[str, Any]
T = TypeVar("T")

_LOGGER = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
# Telegram's default when allowed_updates is [] or was never set.
_DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
_FLOOD_METHODS = frozenset(
    {"sendmessage", "senddocument", "editmessagetext", "editmessagereplymarkup", "sendchataction"}
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_INLINE_RESULT_TYPES = frozenset(
    {
        "article",
        "audio",
        "contact",
        "game",
        "document",
        "gif",
        "location",
        "mpeg4_gif",
        "photo",
        "venue",
        "video",
        "voice",
        "sticker",
    }
)
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
# Form values that are strings even when they look like JSON numbers ("123").
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "inline_query_id",
        "query",
        "file_id",
        "url",
        "next_offset",
        "parse_mode",
        "title",
        "description",
        "short_description",
        "name",
        "language_code",
        "secret_token",
        "action",
        "emoji",
        "message_effect_id",
        "business_connection_id",
        "inline_message_id",
        "ip_address",
    }
)
_MESSAGE_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_QUERY_ID_INVALID = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
_CONFLICT_OTHER_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)
_CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)


# --------------------------------------------------------------------------------------------
# Errors and records
# --------------------------------------------------------------------------------------------


class ApiError(Exception):
    """An error the fake answers with: ``{"ok": false, "error_code": code, ...}``."""

    def __init__(
        self,
        code: int,
        description: str,
        parameters: JSON | None = None,
        *,
        disconnect: bool = False,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters
        self.disconnect = disconnect


class EntityParseError(ValueError):
    """Raised by the text parsers with tdlib's message (without the "Bad Request" prefix)."""


class Call(NamedTuple):
    """One request the bot made: the method name as sent and the decoded parameters."""

    method: str
    params: JSON


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str | None
    content: bytes
    content_type: str | None = None


@dataclass
class StoredFile:
    """A file known to the fake (uploaded by the bot or added by a test with ``add_file``)."""

    file_id: str
    file_unique_id: str
    file_path: str
    file_name: str | None
    mime_type: str | None
    content: bytes

    def as_document(self) -> JSON:
        doc: JSON = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
        }
        if self.file_name is not None:
            doc["file_name"] = self.file_name
        if self.mime_type is not None:
            doc["mime_type"] = self.mime_type
        return doc


@dataclass
class SentMessage:
    """A message the bot sent or edited (sendMessage, editMessageText, sendDocument, ...).

    ``text`` is the text (or caption) exactly as the bot sent it, e.g. with HTML tags;
    ``plain_text`` is what the user sees after entity parsing; ``message`` is the full Message
    object the fake returned to the bot (for edits: the message after the edit).
    """

    method: str
    chat_id: int
    message_id: int
    text: str | None
    plain_text: str | None
    entities: list[JSON]
    parse_mode: str | None
    reply_markup: JSON | None
    message: JSON
    reply_to_message_id: int | None = None
    document: JSON | None = None
    file_content: bytes | None = None

    @property
    def is_edit(self) -> bool:
        return self.method.lower().startswith("edit")

    @property
    def buttons(self) -> list[JSON]:
        """The inline keyboard's buttons, row by row, flattened."""
        if not self.reply_markup:
            return []
        rows = self.reply_markup.get("inline_keyboard") or []
        return [button for row in rows for button in row]

    @property
    def callback_data(self) -> list[str]:
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]


@dataclass
class CallbackAnswer:
    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    params: JSON


@dataclass
class InlineAnswer:
    inline_query_id: str
    results: list[JSON]
    params: JSON

    @property
    def button(self) -> JSON:
        """Return the ``button`` parameter (shown above the results), decoded."""
        button = self.params["button"]
        return button if isinstance(button, dict) else json.loads(button)


@dataclass
class ChatAction:
    chat_id: int
    action: str


@dataclass
class _FailRule:
    method: str
    error_code: int
    description: str
    retry_after: int | None
    times: int
    disconnect: bool


@dataclass
class _SlowRule:
    method: str
    seconds: float
    times: int


@dataclass
class FakeChat:
    """A chat the fake knows. ``type`` is "private", "group", "supergroup" or "channel"."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    bot_is_admin: bool = False

    def as_chat(self) -> JSON:
        chat: JSON = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value is not None:
                chat[key] = value
        return chat


@dataclass
class _Queued:
    update: JSON
    kind: str
    delivered: int = 0


# --------------------------------------------------------------------------------------------
# Entity parsing: ports of tdlib's parse_html / parse_markdown_v2 / parse_markdown
# --------------------------------------------------------------------------------------------

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


def _is_first_code_unit(c: int) -> bool:
    return (c & 0xC0) != 0x80


def _u16_units(c: int) -> int:
    """UTF-16 code units contributed by a UTF-8 byte (0 for continuation bytes)."""
    if not _is_first_code_unit(c):
        return 0
    return 2 if c >= 0xF0 else 1


def u16len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _checked_link(url: str) -> str:
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
            utf16 += _u16_units(c)
            out.append(c)
            i += 1
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
                    url = _checked_link(url)
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


_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "pre_code": "PreCode",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
    "blockquote": "BlockQuote",
}


def parse_markdown_v2(text: str) -> tuple[str, list[JSON]]:
    """Telegram's MarkdownV2 parse mode (port of tdlib ``parse_markdown_v2``)."""
    data = text.encode("utf-8", "surrogatepass")
    n = len(data)

    def at(k: int) -> int:
        return data[k] if k < n else 0

    def reserved_error(ch: int) -> EntityParseError:
        return EntityParseError(
            f"Character '{chr(ch)}' is reserved and must be escaped with the preceding '\\'"
        )

    out = bytearray()
    entities: list[JSON] = []
    utf16 = 0
    # nested: [kind, argument, utf16 offset, byte offset in input, output byte offset]
    nested: list[list[Any]] = []
    have_blockquote = False
    i = 0
    while i < n:
        c = data[i]
        if c == ord("\\") and 0 < at(i + 1) <= 126:
            i += 1
            utf16 += 1
            out.append(data[i])
            i += 1
            continue
        reserved = b"_*[]()~`>#+-=|{}.!\n"
        if nested and nested[-1][0] in ("code", "pre", "pre_code"):
            reserved = b"`"
        if c not in reserved:
            utf16 += _u16_units(c)
            out.append(c)
            i += 1
            continue

        is_end = False
        if nested:
            kind = nested[-1][0]
            if have_blockquote and c == ord("\n") and (i + 1 == n or at(i + 1) != ord(">")):
                is_end = True
            elif kind == "bold":
                is_end = c == ord("*")
            elif kind == "italic":
                is_end = c == ord("_") and at(i + 1) != ord("_")
            elif kind == "code":
                is_end = c == ord("`")
            elif kind in ("pre", "pre_code"):
                is_end = c == ord("`") and at(i + 1) == ord("`") and at(i + 2) == ord("`")
            elif kind in ("text_link", "custom_emoji"):
                is_end = c == ord("]")
            elif kind == "underline":
                is_end = c == ord("_") and at(i + 1) == ord("_")
            elif kind == "strikethrough":
                is_end = c == ord("~")
            elif kind == "spoiler":
                is_end = c == ord("|") and at(i + 1) == ord("|")

        if not is_end:
            kind = ""
            argument = ""
            byte_offset = i
            if c == ord("_"):
                if at(i + 1) == ord("_"):
                    kind = "underline"
                    i += 1
                else:
                    kind = "italic"
            elif c == ord("*"):
                kind = "bold"
            elif c == ord("~"):
                kind = "strikethrough"
            elif c == ord("|"):
                if at(i + 1) != ord("|"):
                    raise reserved_error(c)
                i += 1
                kind = "spoiler"
            elif c == ord("["):
                kind = "text_link"
            elif c == ord("`"):
                if at(i + 1) == ord("`") and at(i + 2) == ord("`"):
                    i += 3
                    kind = "pre"
                    language_end = i
                    while (
                        at(language_end)
                        and at(language_end) not in _SPACES
                        and at(language_end) != ord("`")
                    ):
                        language_end += 1
                    if i != language_end and language_end < n and at(language_end) != ord("`"):
                        kind = "pre_code"
                        argument = data[i:language_end].decode("utf-8", "replace")
                        i = language_end
                    if at(i) in b"\n\r" and at(i):
                        if at(i + 1) in b"\n\r" and at(i + 1) and at(i) != at(i + 1):
                            i += 2
                        else:
                            i += 1
                    i -= 1
                else:
                    kind = "code"
            elif c == ord("!"):
                if at(i + 1) != ord("["):
                    raise reserved_error(c)
                i += 1
                kind = "custom_emoji"
            elif c == ord("\n"):
                utf16 += 1
                out.append(c)
                if i + 1 < n and at(i + 1) == ord(">"):
                    i += 1
                    if not have_blockquote:
                        kind = "blockquote"
                        have_blockquote = True
            elif c == ord(">"):
                if i != 0:
                    raise reserved_error(c)
                kind = "blockquote"
                have_blockquote = True
            else:
                raise reserved_error(c)
            if kind:
                nested.append([kind, argument, utf16, byte_offset, len(out)])
            i += 1
            continue

        kind, argument, entity_offset, byte_offset, out_begin = nested[-1]
        if c == ord("\n") and kind != "blockquote":
            raise EntityParseError(
                f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {byte_offset}"
            )
        skip = utf16 == entity_offset
        extra: JSON = {}
        if kind in ("underline", "spoiler"):
            i += 1
        elif kind in ("pre", "pre_code"):
            i += 2
        elif kind == "text_link":
            if at(i + 1) != ord("("):
                url = out[out_begin:].decode("utf-8", "replace")
            else:
                i += 2
                url_begin = i
                raw = bytearray()
                while i < n and at(i) != ord(")"):
                    if at(i) == ord("\\") and 0 < at(i + 1) <= 126:
                        raw.append(at(i + 1))
                        i += 2
                        continue
                    raw.append(at(i))
                    i += 1
                if at(i) != ord(")"):
                    raise EntityParseError(f"Can't find end of a URL at byte offset {url_begin}")
                url = raw.decode("utf-8", "replace")
            checked = _checked_link(url)
            if checked:
                extra["url"] = checked
            else:
                skip = True
        elif kind == "custom_emoji":
            if at(i + 1) != ord("("):
                raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
            i += 2
            url_begin = i
            raw = bytearray()
            while i < n and at(i) != ord(")"):
                raw.append(at(i))
                i += 1
            if at(i) != ord(")"):
                raise EntityParseError(
                    f"Can't find end of a custom emoji URL at byte offset {url_begin}"
                )
            match = re.fullmatch(r"tg://emoji\?id=(\d+)", raw.decode("utf-8", "replace"))
            if not match or int(match.group(1)) == 0:
                raise EntityParseError("Invalid custom emoji identifier specified")
            extra["custom_emoji_id"] = match.group(1)
        elif kind == "blockquote":
            have_blockquote = False
            out.append(c)
            utf16 += 1
        if not skip:
            length = utf16 - entity_offset
            if kind == "pre_code":
                entities.append(_entity("pre", entity_offset, length, language=argument))
            else:
                entities.append(_entity(kind, entity_offset, length, **extra))
        nested.pop()
        i += 1

    if have_blockquote and nested and nested[-1][0] == "blockquote":
        entity_offset = nested[-1][2]
        if utf16 != entity_offset:
            entities.append(_entity("blockquote", entity_offset, utf16 - entity_offset))
        nested.pop()
    if nested:
        kind, _, _, byte_offset, _ = nested[-1]
        raise EntityParseError(
            f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset {byte_offset}"
        )
    return _finish(out), _sort_entities(entities)


def parse_markdown(text: str) -> tuple[str, list[JSON]]:
    """Telegram's legacy Markdown parse mode (port of tdlib ``parse_markdown``)."""
    data = text.encode("utf-8", "surrogatepass")
    n = len(data)

    def at(k: int) -> int:
        return data[k] if k < n else 0

    out = bytearray()
    entities: list[JSON] = []
    utf16 = 0
    i = 0
    while i < n:
        c = data[i]
        if c == ord("\\") and at(i + 1) in b"_*`[" and at(i + 1):
            i += 1
            out.append(data[i])
            utf16 += 1
            i += 1
            continue
        if c not in b"_*`[":
            utf16 += _u16_units(c)
            out.append(c)
            i += 1
            continue
        begin_pos = i
        end_character = ord("]") if c == ord("[") else c
        is_pre = False
        i += 1
        language = ""
        if c == ord("`") and at(i) == ord("`") and at(i + 1) == ord("`"):
            i += 2
            is_pre = True
            language_end = i
            while (
                at(language_end)
                and at(language_end) not in _SPACES
                and at(language_end) != ord("`")
            ):
                language_end += 1
            if i != language_end and language_end < n and at(language_end) != ord("`"):
                language = data[i:language_end].decode("utf-8", "replace")
                i = language_end
            if at(i) in b"\n\r" and at(i):
                if at(i + 1) in b"\n\r" and at(i + 1) and at(i) != at(i + 1):
                    i += 2
                else:
                    i += 1
        entity_offset = utf16
        while i < n and (
            at(i) != end_character
            or (is_pre and not (at(i + 1) == ord("`") and at(i + 2) == ord("`")))
        ):
            utf16 += _u16_units(at(i))
            out.append(at(i))
            i += 1
        if i == n:
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {begin_pos}"
            )
        if entity_offset != utf16:
            length = utf16 - entity_offset
            if c == ord("_"):
                entities.append(_entity("italic", entity_offset, length))
            elif c == ord("*"):
                entities.append(_entity("bold", entity_offset, length))
            elif c == ord("["):
                if at(i + 1) != ord("("):
                    url = data[begin_pos + 1 : i].decode("utf-8", "replace")
                else:
                    i += 2
                    raw = bytearray()
                    while i < n and at(i) != ord(")"):
                        raw.append(at(i))
                        i += 1
                    url = raw.decode("utf-8", "replace")
                checked = _checked_link(url)
                if checked:
                    entities.append(_entity("text_link", entity_offset, length, url=checked))
            elif is_pre:
                entities.append(_entity("pre", entity_offset, length, language=language or None))
            else:
                entities.append(_entity("code", entity_offset, length))
        if is_pre:
            i += 2
        i += 1
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
        if mode == "markdownv2":
            return parse_markdown_v2(text)
        if mode == "markdown":
            return parse_markdown(text)
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


# --------------------------------------------------------------------------------------------
# Request decoding
# --------------------------------------------------------------------------------------------


def _coerce(key: str, value: Any) -> Any:
    """Form values are strings; PTB JSON-encodes every non-string parameter."""
    if not isinstance(value, str):
        if key in _STRING_PARAMS and isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return value
    if key in _STRING_PARAMS:
        return value
    stripped = value.strip()
    if stripped and (
        stripped[0] in "[{"
        or stripped in ("true", "false", "null")
        or re.fullmatch(r"-?\d+(\.\d+)?", stripped)
    ):
        try:
            return json.loads(stripped)
        except ValueError:
            return value
    return value


def _parse_multipart(body: bytes, content_type: str) -> JSON:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise ApiError(400, "Bad Request: can't parse multipart form data")
    boundary = b"--" + match.group(1).encode("latin-1")
    params: JSON = {}
    for part in body.split(boundary)[1:]:
        if part.startswith(b"--"):
            break
        part = part[2:] if part.startswith(b"\r\n") else part
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        if content.endswith(b"\r\n"):
            content = content[:-2]
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name_match = re.search(r'(?:^|;)\s*name="([^"]*)"', disposition)
        if not name_match:
            continue
        filename_match = re.search(r'filename="([^"]*)"', disposition)
        name = urllib.parse.unquote(name_match.group(1))
        if filename_match is not None or "content-type" in headers:
            filename = urllib.parse.unquote(filename_match.group(1)) if filename_match else None
            params[name] = UploadedFile(filename, content, headers.get("content-type"))
        else:
            params[name] = content.decode("utf-8", "replace")
    return params


def _decode_params(query: str, content_type: str, body: bytes) -> JSON:
    raw: JSON = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    ctype = content_type.split(";")[0].strip().lower()
    if body:
        if ctype == "application/json":
            try:
                decoded = json.loads(body.decode("utf-8"))
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON encoded request") from None
            if not isinstance(decoded, dict):
                raise ApiError(400, "Bad Request: JSON object expected")
            raw.update(decoded)
        elif ctype == "multipart/form-data":
            raw.update(_parse_multipart(body, content_type))
        else:
            raw.update(
                urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            )
    return {key: _coerce(key, value) for key, value in raw.items()}


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise ApiError(400, f"Bad Request: invalid {name} specified")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise ApiError(400, f"Bad Request: invalid {name} specified") from None


def _as_json(value: Any, what: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(400, f"Bad Request: can't parse {what} JSON object") from None
    return value


# --------------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out separately: avoid 40 ms stalls
    server: _Server

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        _LOGGER.debug("fake telegram: " + format, *args)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        fake = self.server.fake
        try:
            body = self._read_body()
            status, content_type, payload = fake._handle_http(
                self.command, self.path, self.headers.get("Content-Type", ""), body
            )
        except _Disconnect:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:  # the client went away (e.g. PTB cancelled a long poll)
            self.close_connection = True


class _Disconnect(Exception):
    pass


class _Server(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True
    request_queue_size = 128  # a bot with many connections open at once is not refused

    def __init__(self, address: tuple[str, int], fake: FakeTelegram) -> None:
        self.fake = fake
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        # Shut only the reading side: an idle keep-alive handler sees end-of-file and ends, while a
        # handler that was just woken (a long poll answering at stop) can still write its answer.
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RD)

    def join_handlers(self, timeout: float) -> list[threading.Thread]:
        deadline = time.monotonic() + timeout
        tracked = getattr(self, "_threads", None)  # a list once a request was handled
        threads = list(tracked) if isinstance(tracked, list) else []
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return [t for t in threads if t.is_alive()]

    def server_close(self) -> None:
        # Like ThreadingMixIn.server_close, but joining handler threads with a timeout.
        socketserver.TCPServer.server_close(self)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        _LOGGER.exception("fake telegram: unexpected error")
        if exc is not None:
            self.fake.server_errors.append(exc)


# --------------------------------------------------------------------------------------------
# Scripted users
# --------------------------------------------------------------------------------------------


class FakeUser:
    """A Telegram user scripted by a test. Every action queues a realistic update."""

    def __init__(
        self,
        fake: FakeTelegram,
        user_id: int,
        first_name: str,
        username: str | None,
        last_name: str | None,
        language_code: str | None,
    ) -> None:
        self.fake = fake
        self.id = user_id
        self.first_name = first_name
        self.username = username
        self.last_name = last_name
        self.language_code = language_code

    def as_user(self) -> JSON:
        user: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    @property
    def private_chat(self) -> FakeChat:
        return self.fake.chats[self.id]

    def send(self, text: str, chat: FakeChat | int | None = None) -> JSON:
        """Send a text message (private chat by default); returns the queued update.

        Entities are detected as Telegram does: ``bot_command`` for ``/cmd`` and
        ``/cmd@briefbot_test_bot``, ``mention`` for ``@username``, ``url`` for links.
        """
        return self.fake._user_message(self, chat, {"text": text})

    def reply_to(
        self, message: SentMessage | JSON, text: str, chat: FakeChat | int | None = None
    ) -> JSON:
        """Reply to ``message`` (a bot message from ``fake.sent`` or a Message dict)."""
        original = self.fake._lookup_message(message, chat)
        return self.fake._user_message(
            self, original["chat"]["id"], {"text": text}, reply_to=original
        )

    def press(self, message: SentMessage | JSON, callback_data: str) -> JSON:
        """Press the inline button with ``callback_data`` on a bot message (as it is now)."""
        return self.fake._press(self, message, callback_data)

    def press_forged(self, message: SentMessage | JSON, callback_data: str) -> JSON:
        """Send a button press with ``callback_data`` that no button of the message holds, as a
        modified client can (empty, malformed, huge numbers)."""
        return self.fake._press(self, message, callback_data, forged=True)

    def inline(self, query: str, *, offset: str = "", chat_type: str = "sender") -> JSON:
        """Type ``@briefbot_test_bot <query>`` in a chat: queues an inline_query update."""
        return self.fake._inline(self, query, offset, chat_type)

    def send_document(
        self,
        document: bytes | str,
        file_name: str = "document.txt",
        *,
        caption: str | None = None,
        chat: FakeChat | int | None = None,
        mime_type: str | None = None,
    ) -> JSON:
        """Upload a document: ``document`` is the content (bytes) or an existing file_id."""
        if isinstance(document, bytes):
            file_id = self.fake.add_file(document, file_name, mime_type=mime_type)
        else:
            file_id = document
        stored = self.fake.files.get(file_id)
        if stored is None:
            raise KeyError(f"unknown file_id {file_id!r}; use fake.add_file() first")
        fields: JSON = {"document": stored.as_document()}
        if caption is not None:
            fields["caption"] = caption
        return self.fake._user_message(self, chat, fields)


# --------------------------------------------------------------------------------------------
# The fake server
# --------------------------------------------------------------------------------------------


class FakeTelegram:
    """A fake Bot API server on 127.0.0.1; use as a (sync or async) context manager."""

    def __init__(
        self,
        *,
        token: str = "123:ABC",
        bot_username: str = "briefbot_test_bot",
        bot_first_name: str = "Briefbot Test",
        privacy_mode: bool = True,
        strict_chats: bool = True,
        strict_ampersand: bool = False,
        flood_limits: bool = False,
    ) -> None:
        if not re.fullmatch(r"\d+:[\w-]+", token):
            raise ValueError(f"not a bot token: {token!r}")
        self.token = token
        self.bot_id = int(token.split(":")[0])
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.privacy_mode = privacy_mode
        self.strict_chats = strict_chats
        self.strict_ampersand = strict_ampersand
        self.flood_limits = flood_limits
        self.flood_refusals: list[Call] = []  # calls answered 429 by the flood limits
        self._buckets: dict[int | None, tuple[float, float]] = {}

        self.calls: list[Call] = []
        self.sent: list[SentMessage] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.inline_answers: list[InlineAnswer] = []
        self.chat_actions: list[ChatAction] = []
        self.unknown_methods: list[str] = []
        self.server_errors: list[BaseException] = []
        self.update_ids: list[int] = []  # every update queued, in order
        self.filtered_updates: list[JSON] = []  # not delivered because of group privacy mode
        self.chats: dict[int, FakeChat] = {}
        self.users: dict[int, FakeUser] = {}
        self.files: dict[str, StoredFile] = {}
        self.messages: dict[tuple[int, int], JSON] = {}  # current state, after edits
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.webhook_url = ""

        self._cond = threading.Condition(threading.RLock())
        self._queue: list[_Queued] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._allowed_updates: frozenset[str] = _DEFAULT_ALLOWED_UPDATES
        self._poll_generation = 0
        self._fail_rules: list[_FailRule] = []
        self._slow_rules: list[_SlowRule] = []
        self._blocked: set[int] = set()
        self._deleted: set[int] = set()
        self._callback_queries: dict[str, JSON] = {}
        self._answered_callbacks: set[str] = set()
        self._inline_queries: dict[str, JSON] = {}
        self._answered_inline: set[str] = set()
        self._sent_mark: dict[int, tuple[int, int]] = {}  # update_id -> (chat_id, len(sent))
        self._closed = False
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeTelegram:
        if self._server is not None:
            raise RuntimeError("FakeTelegram is already running")
        self._closed = False
        self._server = _Server(("127.0.0.1", 0), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakeTelegram:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving: wake long polls, close connections, join every thread."""
        server, thread = self._server, self._thread
        if server is None:
            return
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        server.shutdown()
        server.close_connections()
        server.server_close()
        alive = server.join_handlers(timeout)
        if thread is not None:
            thread.join(timeout)
        self._server = None
        self._thread = None
        if alive:
            raise RuntimeError(f"FakeTelegram handler threads still running: {alive}")

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        if exc_type is None and self.server_errors:
            raise AssertionError(f"FakeTelegram had internal errors: {self.server_errors!r}")

    async def __aenter__(self) -> FakeTelegram:
        return self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeTelegram is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: PTB appends the token and the method."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    def app_builder(self) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
        """An ``ApplicationBuilder`` with token, base_url and base_file_url set to this fake."""
        return (
            ApplicationBuilder()
            .token(self.token)
            .base_url(self.base_url)
            .base_file_url(self.base_file_url)
        )

    @contextlib.asynccontextmanager
    async def running(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        *,
        timeout: int = 1,
        **polling_kwargs: Any,
    ) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
        """``async with fake.running(app):`` initialize, start, poll; then stop everything.

        Like ``Application.run_polling`` it awaits the builder's ``post_init`` after initializing,
        ``post_stop`` after stopping and ``post_shutdown`` after shutting down.
        """
        try:
            async with app:
                if app.post_init:
                    await app.post_init(app)
                await app.start()
                try:
                    updater = app.updater
                    if updater is None:
                        raise RuntimeError("the Application has no Updater")
                    polling_kwargs.setdefault("poll_interval", 0)
                    await updater.start_polling(timeout=timeout, **polling_kwargs)
                    try:
                        yield app
                    finally:
                        if updater.running:
                            await updater.stop()
                finally:
                    if app.running:
                        await app.stop()
                        if app.post_stop:
                            await app.post_stop(app)
        finally:
            if app.post_shutdown:
                await app.post_shutdown(app)

    # -- test-side setup ---------------------------------------------------------------------

    @property
    def bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def user(
        self,
        user_id: int,
        first_name: str,
        username: str | None = None,
        *,
        last_name: str | None = None,
        language_code: str | None = "en",
    ) -> FakeUser:
        """A user who has started the bot (their private chat exists)."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        with self._cond:
            fake_user = FakeUser(self, user_id, first_name, username, last_name, language_code)
            self.users[user_id] = fake_user
            self.chats[user_id] = FakeChat(
                user_id, "private", username=username, first_name=first_name, last_name=last_name
            )
            return fake_user

    def group(
        self,
        chat_id: int,
        title: str,
        *,
        supergroup: bool | None = None,
        username: str | None = None,
        bot_is_admin: bool = False,
    ) -> FakeChat:
        """A group with the bot in it. Ids of supergroups look like -100xxxxxxxxxx."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        if supergroup is None:
            supergroup = str(chat_id).startswith("-100")
        chat = FakeChat(
            chat_id,
            "supergroup" if supergroup else "group",
            title=title,
            username=username,
            bot_is_admin=bot_is_admin,
        )
        with self._cond:
            self.chats[chat_id] = chat
        return chat

    def bot_membership(self, chat: FakeChat | int, status: str, by: FakeUser) -> JSON:
        """Queue the ``my_chat_member`` update Telegram sends when ``by`` adds the bot to a chat
        (``status`` "member") or removes it ("left", "kicked"); returns the update."""
        if status not in ("member", "left", "kicked"):
            raise ValueError(f"status {status!r}: use member, left or kicked")
        with self._cond:
            target = self._chat_of(by, chat)
            old, new = ("left", status) if status == "member" else ("member", status)

            def member(state: str) -> JSON:
                out: JSON = {"status": state, "user": self.bot_user}
                if state == "kicked":
                    out["until_date"] = 0
                return out

            payload = {
                "chat": target.as_chat(),
                "from": by.as_user(),
                "date": int(time.time()),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            }
            return self._enqueue("my_chat_member", payload, None)

    def add_file(
        self, content: bytes, file_name: str | None = None, *, mime_type: str | None = None
    ) -> str:
        """Store a file (as if a user had uploaded it); returns its file_id."""
        with self._cond:
            return self._store_file(content, file_name, mime_type).file_id

    def block_chat(self, chat_id: int) -> None:
        """Sends to the chat fail with 403 (user blocked the bot / bot kicked from group)."""
        with self._cond:
            self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        with self._cond:
            self._blocked.discard(chat_id)

    def delete_chat(self, chat_id: int) -> None:
        """Sends to the chat fail with 400 "Bad Request: chat not found"."""
        with self._cond:
            self._deleted.add(chat_id)

    def fail_next(
        self,
        method: str,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        *,
        disconnect: bool = False,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail (``"*"`` matches any method).

        429 defaults to ``retry_after=1`` and "Too Many Requests: retry after 1". With
        ``disconnect=True`` the connection is dropped without a response (PTB: NetworkError).
        """
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = {
                400: "Bad Request: injected failure",
                401: "Unauthorized",
                403: "Forbidden: bot was blocked by the user",
                404: "Not Found",
                409: _CONFLICT_OTHER_POLL,
                429: f"Too Many Requests: retry after {retry_after}",
                500: "Internal Server Error",
                502: "Bad Gateway",
            }.get(error_code, f"Error {error_code}")
        with self._cond:
            self._fail_rules.append(
                _FailRule(method.lower(), error_code, description, retry_after, times, disconnect)
            )

    def slow_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Delay the next ``times`` calls of ``method`` (e.g. to make PTB time out)."""
        with self._cond:
            self._slow_rules.append(_SlowRule(method.lower(), seconds, times))

    # -- test-side inspection ----------------------------------------------------------------

    def calls_to(self, method: str) -> list[JSON]:
        """Parameters of every call of ``method`` (case-insensitive), in order."""
        with self._cond:
            return [c.params for c in self.calls if c.method.lower() == method.lower()]

    @property
    def pending_updates(self) -> list[JSON]:
        """Queued updates the bot has not confirmed yet."""
        with self._cond:
            return [q.update for q in self._queue]

    def sent_to(self, chat_id: int, *, since: int = 0) -> list[SentMessage]:
        with self._cond:
            return [s for s in self.sent[since:] if s.chat_id == chat_id]

    def answers_for(self, update: JSON) -> list[SentMessage]:
        """Messages sent/edited in the update's chat since the update was queued (no waiting)."""
        with self._cond:
            mark = self._sent_mark.get(update["update_id"])
            if mark is None:
                return []
            chat_id, since = mark
            return [s for s in self.sent[since:] if s.chat_id == chat_id]

    def callback_answer_for(self, update: JSON) -> CallbackAnswer | None:
        query_id = update.get("callback_query", {}).get("id")
        with self._cond:
            return next((a for a in self.callback_answers if a.callback_query_id == query_id), None)

    def inline_answer_for(self, update: JSON) -> InlineAnswer | None:
        query_id = update.get("inline_query", {}).get("id")
        with self._cond:
            return next((a for a in self.inline_answers if a.inline_query_id == query_id), None)

    def wait_until(self, predicate: Callable[[], T | None], timeout: float = 5.0) -> T:
        """Block until ``predicate()`` is truthy; return its value. Not for event-loop code."""
        self._forbid_event_loop("wait_until", "wait_for")
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(self._timeout_message(timeout))
                self._cond.wait(min(remaining, 0.1))

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float = 5.0) -> T:
        """Await until ``predicate()`` is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                result = predicate()
            if result:
                return result
            if time.monotonic() >= deadline:
                raise TimeoutError(self._timeout_message(timeout))
            await asyncio.sleep(0.01)

    def wait_sent(
        self,
        count: int = 1,
        chat_id: int | None = None,
        timeout: float = 5.0,
        *,
        since: int = 0,
    ) -> list[SentMessage]:
        """Block until ``count`` messages (to ``chat_id``, from index ``since``) were sent."""
        return self.wait_until(lambda: self._sent_matching(count, chat_id, since), timeout)

    async def wait_sent_async(
        self,
        count: int = 1,
        chat_id: int | None = None,
        timeout: float = 5.0,
        *,
        since: int = 0,
    ) -> list[SentMessage]:
        """Async :meth:`wait_sent`."""
        return await self.wait_for(lambda: self._sent_matching(count, chat_id, since), timeout)

    async def wait_answers(
        self, update: JSON, count: int = 1, timeout: float = 5.0
    ) -> list[SentMessage]:
        """Await ``count`` messages sent/edited in the update's chat after it was queued."""

        def answered() -> list[SentMessage]:
            answers = self.answers_for(update)
            return answers if len(answers) >= count else []

        return await self.wait_for(answered, timeout)

    def _sent_matching(self, count: int, chat_id: int | None, since: int) -> list[SentMessage]:
        found = [s for s in self.sent[since:] if chat_id is None or s.chat_id == chat_id]
        return found if len(found) >= count else []

    def _forbid_event_loop(self, name: str, alternative: str) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        raise RuntimeError(
            f"FakeTelegram.{name}() blocks the event loop the bot runs on; "
            f"use `await fake.{alternative}(...)` in async tests"
        )

    def _timeout_message(self, timeout: float) -> str:
        with self._cond:
            recent = [
                f"{c.method}({', '.join(f'{k}={v!r}' for k, v in c.params.items())})"[:200]
                for c in self.calls[-10:]
                if c.method.lower() != "getupdates"
            ]
            return (
                f"timed out after {timeout}s; sent={len(self.sent)}, "
                f"pending updates={len(self._queue)}, unknown methods={self.unknown_methods}, "
                f"recent calls={recent}"
            )

    # -- update construction -----------------------------------------------------------------

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def _chat_of(self, user: FakeUser, chat: FakeChat | int | None) -> FakeChat:
        if chat is None:
            return self.chats[user.id]
        chat_id = chat.id if isinstance(chat, FakeChat) else chat
        if chat_id not in self.chats:
            raise KeyError(f"unknown chat {chat_id}; create it with fake.group() first")
        return self.chats[chat_id]

    def _enqueue(self, kind: str, payload: JSON, chat_id: int | None) -> JSON:
        update_id = next(self._update_ids)
        update = {"update_id": update_id, kind: payload}
        self.update_ids.append(update_id)
        if chat_id is not None:
            self._sent_mark[update_id] = (chat_id, len(self.sent))
        self._queue.append(_Queued(update, kind))
        self._cond.notify_all()
        return update

    def _addressed_to_bot(self, message: JSON, chat: FakeChat) -> bool:
        if chat.type == "private" or chat.bot_is_admin or not self.privacy_mode:
            return True
        reply = message.get("reply_to_message")
        if reply and reply.get("from", {}).get("id") == self.bot_id:
            return True
        text = message.get("text") or message.get("caption") or ""
        entities = message.get("entities") or message.get("caption_entities") or []
        mention = "@" + self.bot_username.lower()
        for entity in entities:
            start, length = entity["offset"], entity["length"]
            value = text.encode("utf-16-le")[2 * start : 2 * (start + length)].decode("utf-16-le")
            if entity["type"] == "mention" and value.lower() == mention:
                return True
            if entity["type"] == "bot_command" and start == 0:
                _, _, target = value.partition("@")
                if not target or target.lower() == self.bot_username.lower():
                    return True
        return False

    def _user_message(
        self,
        user: FakeUser,
        chat: FakeChat | int | None,
        fields: JSON,
        *,
        reply_to: JSON | None = None,
    ) -> JSON:
        with self._cond:
            target = self._chat_of(user, chat)
            message: JSON = {
                "message_id": self._next_message_id(target.id),
                "from": user.as_user(),
                "chat": target.as_chat(),
                "date": int(time.time()),
            }
            if reply_to is not None:
                message["reply_to_message"] = _shallow(reply_to)
            message.update(fields)
            if "text" in fields:
                entities = find_entities(fields["text"])
                if entities:
                    message["entities"] = entities
            if fields.get("caption"):
                entities = find_entities(fields["caption"])
                if entities:
                    message["caption_entities"] = entities
            self.messages[(target.id, message["message_id"])] = message
            if not self._addressed_to_bot(message, target):
                update = {"update_id": None, "message": message}
                self.filtered_updates.append(update)
                return update
            return self._enqueue("message", message, target.id)

    def _lookup_message(self, message: SentMessage | JSON, chat: FakeChat | int | None) -> JSON:
        if isinstance(message, SentMessage):
            key = (message.chat_id, message.message_id)
        else:
            msg = message.get("message", message)
            chat_ref: Any = msg["chat"]["id"] if "chat" in msg else chat
            if isinstance(chat_ref, FakeChat):
                chat_ref = chat_ref.id
            if chat_ref is None:
                raise ValueError("pass chat= for a message dict without a chat")
            key = (int(chat_ref), int(msg["message_id"]))
        with self._cond:
            if key not in self.messages:
                raise KeyError(f"no message {key[1]} in chat {key[0]}")
            return self.messages[key]

    def _press(
        self,
        user: FakeUser,
        message: SentMessage | JSON,
        callback_data: str,
        *,
        forged: bool = False,
    ) -> JSON:
        with self._cond:
            current = self._lookup_message(message, None)
            if current.get("from", {}).get("id") != self.bot_id:
                raise ValueError("only the bot's messages have inline buttons to press")
            rows = (current.get("reply_markup") or {}).get("inline_keyboard") or []
            available = [b.get("callback_data") for row in rows for b in row]
            if callback_data not in available and not forged:
                raise ValueError(
                    f"message {current['message_id']} has no button with callback_data "
                    f"{callback_data!r}; it has {available!r}"
                )
            query_id = str(4_000_000_000_000_000 + next(self._query_ids))
            query = {
                "id": query_id,
                "from": user.as_user(),
                "message": current,
                "chat_instance": str(-(abs(current["chat"]["id"]) * 7919 % 10**18)),
                "data": callback_data,
            }
            self._callback_queries[query_id] = query
            return self._enqueue("callback_query", query, current["chat"]["id"])

    def _inline(self, user: FakeUser, query: str, offset: str, chat_type: str) -> JSON:
        with self._cond:
            query_id = str(5_000_000_000_000_000 + next(self._query_ids))
            inline_query = {
                "id": query_id,
                "from": user.as_user(),
                "query": query,
                "offset": offset,
                "chat_type": chat_type,
            }
            self._inline_queries[query_id] = inline_query
            return self._enqueue("inline_query", inline_query, None)

    def _store_file(
        self, content: bytes, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        n = next(self._file_ids)
        suffix = ""
        if file_name and "." in file_name:
            suffix = "." + file_name.rsplit(".", 1)[1]
        if mime_type is None and file_name:
            mime_type = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        stored = StoredFile(
            file_id=f"BQACAgIAAxkBAAI{n:08d}",
            file_unique_id=f"AgAD{n:08d}",
            file_path=f"documents/file_{n}{suffix}",
            file_name=file_name,
            mime_type=mime_type,
            content=content,
        )
        self.files[stored.file_id] = stored
        return stored

    # -- HTTP dispatch -----------------------------------------------------------------------

    def _handle_http(
        self, verb: str, path: str, content_type: str, body: bytes
    ) -> tuple[int, str, bytes]:
        split = urllib.parse.urlsplit(path)
        route = urllib.parse.unquote(split.path)
        file_match = re.fullmatch(r"/file/bot([^/]*)/(.+)", route)
        if file_match:
            return self._download(file_match.group(1), file_match.group(2))
        match = re.fullmatch(r"/bot([^/]*)/([^/]+)/?", route)
        if not match:
            return _json_response(_error_body(404, "Not Found"), 404)
        token, method = match.groups()
        try:
            self._check_token(token)
            params = _decode_params(split.query, content_type, body)
            result = self._call(method, params)
        except ApiError as error:
            if error.disconnect:
                raise _Disconnect() from None
            return _json_response(
                _error_body(error.code, error.description, error.parameters), error.code
            )
        except Exception as exc:
            _LOGGER.exception("fake telegram: internal error in %s", method)
            self.server_errors.append(exc)
            return _json_response(_error_body(500, f"Internal Server Error: {exc!r}"), 500)
        return _json_response({"ok": True, "result": result}, 200)

    def _check_token(self, token: str) -> None:
        if not re.fullmatch(r"\d+:[\w-]+", token):
            raise ApiError(404, "Not Found")
        if token != self.token:
            raise ApiError(401, "Unauthorized")

    def _download(self, token: str, file_path: str) -> tuple[int, str, bytes]:
        try:
            self._check_token(token)
        except ApiError as error:
            return _json_response(_error_body(error.code, error.description), error.code)
        with self._cond:
            self.calls.append(Call("download", {"file_path": file_path}))
            for stored in self.files.values():
                if stored.file_path == file_path:
                    return 200, "application/octet-stream", stored.content
        return _json_response(_error_body(404, "Not Found"), 404)

    def _call(self, method: str, params: JSON) -> Any:
        handler = getattr(self, "_api_" + method.lower(), None)
        with self._cond:
            self.calls.append(Call(method, params))
            self._cond.notify_all()
            if handler is None:
                self.unknown_methods.append(method)
                _LOGGER.warning("fake telegram: unknown method %s (answered 404)", method)
                raise ApiError(404, "Not Found")
            delay = self._take_slow_rule(method)
            if self.flood_limits and method.lower() in _FLOOD_METHODS:
                self._check_flood(method, params)
        if delay:
            deadline = time.monotonic() + delay
            with self._cond:
                while not self._closed and (remaining := deadline - time.monotonic()) > 0:
                    self._cond.wait(remaining)
        with self._cond:
            rule = self._take_fail_rule(method)
            if rule is not None:
                parameters = {"retry_after": rule.retry_after} if rule.retry_after else None
                raise ApiError(
                    rule.error_code, rule.description, parameters, disconnect=rule.disconnect
                )
            result = handler(params)
            self._cond.notify_all()
            return result

    def _check_flood(self, method: str, params: JSON) -> None:
        """Answer 429 like Telegram when the bot sends faster than its limits: about 30 messages
        a second overall and 20 a minute in one group (token buckets of those sizes)."""
        chat_id = params.get("chat_id")
        keys: list[tuple[int | None, float, float]] = [(None, 30.0, 1.0)]
        with contextlib.suppress(TypeError, ValueError):
            if chat_id is not None and int(chat_id) < 0:
                keys.append((int(chat_id), 20.0, 60.0))
        now = time.monotonic()
        for key, size, period in keys:
            tokens, at = self._buckets.get(key, (size, now))
            tokens = min(size, tokens + (now - at) * size / period)
            if tokens < 1:
                self.flood_refusals.append(Call(method, params))
                retry = max(1, int((1 - tokens) * period / size + 0.999))
                raise ApiError(
                    429, f"Too Many Requests: retry after {retry}", {"retry_after": retry}
                )
            self._buckets[key] = (tokens, now)
        for key, _, _ in keys:
            tokens, at = self._buckets[key]
            self._buckets[key] = (tokens - 1, at)

    def _take_fail_rule(self, method: str) -> _FailRule | None:
        for rule in self._fail_rules:
            if rule.method in (method.lower(), "*") and rule.times > 0:
                rule.times -= 1
                if rule.times == 0:
                    self._fail_rules.remove(rule)
                return rule
        return None

    def _take_slow_rule(self, method: str) -> float:
        for rule in self._slow_rules:
            if rule.method in (method.lower(), "*") and rule.times > 0:
                rule.times -= 1
                if rule.times == 0:
                    self._slow_rules.remove(rule)
                return rule.seconds
        return 0.0

    # -- shared validation -------------------------------------------------------------------

    def _resolve_chat(self, params: JSON, *, sending: bool = True) -> FakeChat:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat: FakeChat | None
        if isinstance(raw, str) and raw.startswith("@"):
            chat = next(
                (
                    c
                    for c in self.chats.values()
                    if c.username and c.username.lower() == raw[1:].lower()
                ),
                None,
            )
        else:
            chat_id = _as_int(raw, "chat_id")
            chat = self.chats.get(chat_id)
            if chat is None and not self.strict_chats:
                kind = "private" if chat_id > 0 else "group"
                chat = FakeChat(chat_id, kind, title=None if chat_id > 0 else f"Chat {chat_id}")
                if chat_id > 0:
                    chat.first_name = f"User {chat_id}"
                self.chats[chat_id] = chat
        if chat is None or chat.id in self._deleted:
            raise ApiError(400, "Bad Request: chat not found")
        if sending and chat.id in self._blocked:
            if chat.type == "private":
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
        return chat

    def _text(self, text: Any, parse_mode: Any, entities: Any) -> tuple[str, list[JSON]]:
        text = "" if text is None else str(text)
        if parse_mode:
            return parse_text(text, str(parse_mode), strict_ampersand=self.strict_ampersand)
        parsed = _as_json(entities, "entities") if entities else []
        return text, list(parsed or [])

    def _reply_markup(self, value: Any) -> JSON | None:
        if value is None or value == "":
            return None
        markup = _as_json(value, "reply keyboard markup")
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return markup  # reply keyboards / remove / force_reply: not validated further
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list):
            raise ApiError(400, 'Bad Request: field "inline_keyboard" must be of type Array')
        for row in rows:
            if not isinstance(row, list):
                raise ApiError(
                    400, 'Bad Request: field "inline_keyboard" must be an Array of Arrays'
                )
            for button in row:
                prefix = "Bad Request: can't parse inline keyboard button: "
                if not isinstance(button, dict):
                    raise ApiError(400, prefix + "InlineKeyboardButton must be an Object")
                if "text" not in button:
                    raise ApiError(400, prefix + 'Can\'t find field "text"')
                if not any(key in button for key in _BUTTON_ACTIONS):
                    raise ApiError(
                        400, prefix + "Text buttons are unallowed in the inline keyboard"
                    )
                if "callback_data" in button:
                    data = button["callback_data"]
                    size = len(str(data).encode("utf-8"))
                    if not isinstance(data, str) or not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if "url" in button and not _checked_link(str(button["url"])):
                    raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
        return markup

    def _reply_target(self, chat: FakeChat, params: JSON) -> JSON | None:
        reply_parameters = _as_json(params.get("reply_parameters"), "reply parameters")
        allow_missing = bool(params.get("allow_sending_without_reply"))
        message_id = params.get("reply_to_message_id")
        if isinstance(reply_parameters, dict):
            message_id = reply_parameters.get("message_id")
            allow_missing = bool(reply_parameters.get("allow_sending_without_reply"))
        if message_id in (None, "", 0):
            return None
        original = self.messages.get((chat.id, _as_int(message_id, "message_id")))
        if original is None and not allow_missing:
            raise ApiError(400, "Bad Request: message to be replied not found")
        return original

    def _bot_message(self, chat: FakeChat, reply_to: JSON | None) -> JSON:
        message: JSON = {
            "message_id": self._next_message_id(chat.id),
            "from": self.bot_user,
            "chat": chat.as_chat(),
            "date": int(time.time()),
        }
        if reply_to is not None:
            message["reply_to_message"] = _shallow(reply_to)
        return message

    def _edited_message(self, params: JSON) -> tuple[FakeChat, JSON]:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat = self._resolve_chat(params)
        if params.get("message_id") in (None, ""):
            raise ApiError(400, "Bad Request: message identifier is not specified")
        key = (chat.id, _as_int(params["message_id"], "message_id"))
        message = self.messages.get(key)
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id:
            raise ApiError(400, "Bad Request: message can't be edited")
        return chat, message

    def _record_sent(
        self,
        method: str,
        chat: FakeChat,
        message: JSON,
        params: JSON,
        text_key: str = "text",
        file_content: bytes | None = None,
    ) -> None:
        reply = message.get("reply_to_message")
        self.sent.append(
            SentMessage(
                method=method,
                chat_id=chat.id,
                message_id=message["message_id"],
                text=params.get(text_key),
                plain_text=message.get("text", message.get("caption")),
                entities=list(message.get("entities") or message.get("caption_entities") or []),
                parse_mode=params.get("parse_mode"),
                reply_markup=message.get("reply_markup"),
                message=json.loads(json.dumps(message)),
                reply_to_message_id=reply["message_id"] if reply else None,
                document=message.get("document"),
                file_content=file_content,
            )
        )

    # -- Bot API methods ---------------------------------------------------------------------

    def _api_getme(self, params: JSON) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _api_logout(self, params: JSON) -> bool:
        return True

    def _api_close(self, params: JSON) -> bool:
        return True

    def _api_getupdates(self, params: JSON) -> list[JSON]:
        if self.webhook_url:
            raise ApiError(409, _CONFLICT_WEBHOOK)
        offset = _as_int(params.get("offset") or 0, "offset")
        limit = min(max(_as_int(params.get("limit") or 100, "limit"), 1), 100)
        timeout = max(0.0, float(params.get("timeout") or 0))
        allowed = params.get("allowed_updates")
        if allowed is not None:
            allowed = _as_json(allowed, "allowed updates")
            self._allowed_updates = frozenset(allowed) if allowed else _DEFAULT_ALLOWED_UPDATES
        self._poll_generation += 1
        generation = self._poll_generation
        self._cond.notify_all()  # terminates an older long poll with 409
        if offset > 0:
            self._queue = [q for q in self._queue if q.update["update_id"] >= offset]
        elif offset < 0:
            self._queue = self._queue[offset:]
        deadline = time.monotonic() + timeout
        while True:
            if self._closed:
                return []
            if generation != self._poll_generation:
                raise ApiError(409, _CONFLICT_OTHER_POLL)
            self._queue = [q for q in self._queue if q.kind in self._allowed_updates]
            batch = self._queue[:limit]
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0:
                for queued in batch:
                    queued.delivered += 1
                return [q.update for q in batch]
            self._cond.wait(remaining)

    def _api_setwebhook(self, params: JSON) -> bool:
        url = str(params.get("url") or "")
        if url and not url.lower().startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        if params.get("drop_pending_updates"):
            self._queue.clear()
        self.webhook_url = url
        self._poll_generation += 1
        self._cond.notify_all()
        return True

    def _api_deletewebhook(self, params: JSON) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._queue.clear()
        return True

    def _api_getwebhookinfo(self, params: JSON) -> JSON:
        info: JSON = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        if self._allowed_updates != _DEFAULT_ALLOWED_UPDATES:
            info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    def _commands_key(self, params: JSON) -> tuple[str, str]:
        scope = _as_json(params.get("scope"), "scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _api_setmycommands(self, params: JSON) -> bool:
        commands = _as_json(params.get("commands") or [], "commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: expected an Array of BotCommand")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(400, "Bad Request: can't parse BotCommand: expected an Object")
            for key in ("command", "description"):
                if key not in command:
                    raise ApiError(
                        400, f"Bad Request: can't parse BotCommand: Can't find field \"{key}\""
                    )
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command["command"])):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command["description"])) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _api_getmycommands(self, params: JSON) -> list[JSON]:
        return list(self.commands.get(self._commands_key(params), []))

    def _api_deletemycommands(self, params: JSON) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    def _api_getchat(self, params: JSON) -> JSON:
        chat = self._resolve_chat(params, sending=False)
        info = chat.as_chat()
        info.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        return info

    def _api_sendmessage(self, params: JSON) -> JSON:
        text = params.get("text")
        if text is None or text == "":
            raise ApiError(400, "Bad Request: message text is empty")
        plain, entities = self._text(text, params.get("parse_mode"), params.get("entities"))
        if not plain.strip():
            raise ApiError(400, "Bad Request: text must be non-empty")
        if len(plain) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        markup = self._reply_markup(params.get("reply_markup"))
        chat = self._resolve_chat(params)
        message = self._bot_message(chat, self._reply_target(chat, params))
        message["text"] = plain
        if entities:
            message["entities"] = entities
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self.messages[(chat.id, message["message_id"])] = message
        self._record_sent("sendMessage", chat, message, params)
        return message

    def _api_editmessagetext(self, params: JSON) -> JSON:
        text = params.get("text")
        if text is None or text == "":
            raise ApiError(400, "Bad Request: message text is empty")
        plain, entities = self._text(text, params.get("parse_mode"), params.get("entities"))
        if not plain.strip():
            raise ApiError(400, "Bad Request: text must be non-empty")
        if len(plain) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        markup = self._reply_markup(params.get("reply_markup"))
        chat, current = self._edited_message(params)
        if "text" not in current:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        new_markup = markup if markup and "inline_keyboard" in markup else None
        if (
            current.get("text") == plain
            and current.get("entities", []) == entities
            and current.get("reply_markup") == new_markup
        ):
            raise ApiError(400, _MESSAGE_NOT_MODIFIED)
        edited = {k: v for k, v in current.items() if k not in ("entities", "reply_markup")}
        edited.update(text=plain, edit_date=int(time.time()))
        if entities:
            edited["entities"] = entities
        if new_markup:
            edited["reply_markup"] = new_markup
        self.messages[(chat.id, edited["message_id"])] = edited
        self._record_sent("editMessageText", chat, edited, params)
        return edited

    def _api_editmessagereplymarkup(self, params: JSON) -> JSON:
        markup = self._reply_markup(params.get("reply_markup"))
        chat, current = self._edited_message(params)
        new_markup = markup if markup and "inline_keyboard" in markup else None
        if current.get("reply_markup") == new_markup:
            raise ApiError(400, _MESSAGE_NOT_MODIFIED)
        edited = {k: v for k, v in current.items() if k != "reply_markup"}
        edited["edit_date"] = int(time.time())
        if new_markup:
            edited["reply_markup"] = new_markup
        self.messages[(chat.id, edited["message_id"])] = edited
        self._record_sent("editMessageReplyMarkup", chat, edited, params)
        self.sent[-1].text = current.get("text", current.get("caption"))
        return edited

    def _api_deletemessage(self, params: JSON) -> bool:
        chat = self._resolve_chat(params, sending=False)
        key = (chat.id, _as_int(params.get("message_id"), "message_id"))
        if key not in self.messages:
            raise ApiError(400, "Bad Request: message to delete not found")
        del self.messages[key]
        return True

    def _api_senddocument(self, params: JSON) -> JSON:
        document = params.get("document")
        if isinstance(document, str) and document.startswith("attach://"):
            document = params.get(document[len("attach://") :])
        caption = params.get("caption")
        plain, entities = self._text(
            caption or "", params.get("parse_mode"), params.get("caption_entities")
        )
        if len(plain) > MAX_CAPTION_LENGTH:
            raise ApiError(400, "Bad Request: message caption is too long")
        markup = self._reply_markup(params.get("reply_markup"))
        chat = self._resolve_chat(params)
        if isinstance(document, UploadedFile):
            stored = self._store_file(document.content, document.filename, document.content_type)
        elif isinstance(document, str) and document in self.files:
            stored = self.files[document]
        elif isinstance(document, str) and document.lower().startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: failed to get HTTP URL content")
        elif isinstance(document, str) and document:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        else:
            raise ApiError(400, "Bad Request: there is no document in the request")
        message = self._bot_message(chat, self._reply_target(chat, params))
        message["document"] = stored.as_document()
        if plain:
            message["caption"] = plain
            if entities:
                message["caption_entities"] = entities
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self.messages[(chat.id, message["message_id"])] = message
        self._record_sent("sendDocument", chat, message, params, "caption", stored.content)
        return message

    def _api_getfile(self, params: JSON) -> JSON:
        stored = self.files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise ApiError(400, "Bad Request: wrong file_id or the file is temporarily unavailable")
        if len(stored.content) > MAX_DOWNLOAD_SIZE:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    def _api_sendchataction(self, params: JSON) -> bool:
        action = str(params.get("action") or "").lower()
        if action not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        chat = self._resolve_chat(params)
        self.chat_actions.append(ChatAction(chat.id, action))
        return True

    def _api_answercallbackquery(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._callback_queries or query_id in self._answered_callbacks:
            raise ApiError(400, _QUERY_ID_INVALID)
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._answered_callbacks.add(query_id)
        self.callback_answers.append(
            CallbackAnswer(
                callback_query_id=query_id,
                text=text,
                show_alert=bool(params.get("show_alert")),
                url=params.get("url"),
                params=params,
            )
        )
        return True

    def _api_answerinlinequery(self, params: JSON) -> bool:
        query_id = str(params.get("inline_query_id") or "")
        results = _as_json(params.get("results") or [], "inline query results")
        if not isinstance(results, list):
            raise ApiError(400, "Bad Request: Expected an Array of inline query results")
        if len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            self._check_inline_result(result)
            if result["id"] in seen:
                raise ApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
            seen.add(result["id"])
        if query_id not in self._inline_queries or query_id in self._answered_inline:
            raise ApiError(400, _QUERY_ID_INVALID)
        self._answered_inline.add(query_id)
        self.inline_answers.append(InlineAnswer(query_id, results, params))
        return True

    def _check_inline_result(self, result: Any) -> None:
        prefix = "Bad Request: can't parse inline query result: "
        if not isinstance(result, dict):
            raise ApiError(400, prefix + "Inline query result must be an object")
        for key in ("type", "id"):
            if not isinstance(result.get(key), str):
                raise ApiError(400, prefix + f'Can\'t find field "{key}"')
        kind = result["type"].lower()
        if kind not in _INLINE_RESULT_TYPES:
            raise ApiError(
                400, prefix + f'type "{result["type"]}" is unsupported for the inline query result'
            )
        if not 1 <= len(result["id"].encode("utf-8")) <= 64:
            raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
        content = result.get("input_message_content")
        if kind == "article":
            if not isinstance(content, dict):
                raise ApiError(400, prefix + "Input message content is not specified")
            if not isinstance(result.get("title"), str):
                raise ApiError(400, prefix + 'Can\'t find field "title"')
        if isinstance(content, dict) and "message_text" in content:
            text = str(content["message_text"])
            if not text:
                raise ApiError(400, prefix + "Message text is empty")
            try:
                plain, _ = parse_text(
                    text, content.get("parse_mode"), strict_ampersand=self.strict_ampersand
                )
            except ApiError as error:
                detail = error.description.removeprefix("Bad Request: ")
                raise ApiError(400, prefix + detail[:1].upper() + detail[1:]) from None
            if len(plain) > MAX_TEXT_LENGTH:
                raise ApiError(400, prefix + "Message is too long")
        if "reply_markup" in result:
            self._reply_markup(result["reply_markup"])

    def _api_setmydescription(self, params: JSON) -> bool:
        return True

    def _api_setmyshortdescription(self, params: JSON) -> bool:
        return True

    def _api_setmyname(self, params: JSON) -> bool:
        return True

    def _api_setchatmenubutton(self, params: JSON) -> bool:
        return True


def _shallow(message: JSON) -> JSON:
    """A message as embedded in reply_to_message (Telegram does not nest further)."""
    return {k: v for k, v in message.items() if k != "reply_to_message"}


def _error_body(code: int, description: str, parameters: JSON | None = None) -> JSON:
    body: JSON = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


def _json_response(body: JSON, status: int) -> tuple[int, str, bytes]:
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    try:
        HTTPStatus(status)
    except ValueError:
        status = 400
    return status, "application/json", payload
