"""What the fake Bot API keeps and hands to tests: errors, chats, sent messages, answers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, NamedTuple

JSON = dict[str, Any]


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


class Disconnect(Exception):
    """Raised by the fake to drop the connection without an answer (PTB sees a NetworkError)."""


def shallow(message: JSON) -> JSON:
    """A message as embedded in reply_to_message (Telegram does not nest further)."""
    return {k: v for k, v in message.items() if k != "reply_to_message"}
