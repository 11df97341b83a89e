"""What Telegram keeps and how it answers: chats, messages, files, the update queue, and the Bot
API methods the bot calls, with Telegram's checks and error texts.

See ``tdlib/telegram-bot-api`` ``Client.cpp`` for the originals. :class:`FakeTelegram` (in
``fake.py``) adds what tests script: users, waits, injected failures, and the two ways in (HTTP and
in process).
"""

from __future__ import annotations

import itertools
import json
import mimetypes
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from .entities import checked_link, parse_text
from .params import as_int, as_json
from .records import (
    ApiError,
    CallbackAnswer,
    ChatAction,
    FakeChat,
    InlineAnswer,
    SentMessage,
    StoredFile,
    UploadedFile,
    shallow,
)

JSON = dict[str, Any]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
# Telegram's default when allowed_updates is [] or was never set.
DEFAULT_ALLOWED_UPDATES = frozenset(
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
_MESSAGE_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_QUERY_ID_INVALID = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
CONFLICT_OTHER_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)
_CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)


@dataclass
class Queued:
    """An update waiting in the queue, and how often getUpdates handed it out."""

    update: JSON
    kind: str
    delivered: int = 0


class BotApiState:
    """Telegram's side of one bot: its data and its Bot API methods (``_api_<method>``)."""

    def __init__(
        self,
        *,
        token: str,
        bot_username: str,
        bot_first_name: str,
        privacy_mode: bool,
        strict_chats: bool,
        strict_ampersand: bool,
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

        self.sent: list[SentMessage] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.inline_answers: list[InlineAnswer] = []
        self.chat_actions: list[ChatAction] = []
        self.chats: dict[int, FakeChat] = {}
        self.files: dict[str, StoredFile] = {}
        self.messages: dict[tuple[int, int], JSON] = {}  # current state, after edits
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.webhook_url = ""

        self._cond = threading.Condition(threading.RLock())
        self._queue: list[Queued] = []
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self._poll_generation = 0
        self._blocked: set[int] = set()
        self._deleted: set[int] = set()
        self._callback_queries: dict[str, JSON] = {}
        self._answered_callbacks: set[str] = set()
        self._inline_queries: dict[str, JSON] = {}
        self._answered_inline: set[str] = set()
        self._closed = False

    @property
    def bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

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
            chat_id = as_int(raw, "chat_id")
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
        parsed = as_json(entities, "entities") if entities else []
        return text, list(parsed or [])

    def _message_text(self, params: JSON) -> tuple[str, list[JSON]]:
        """Return the plain text and entities of a sendMessage/editMessageText, checked as
        Telegram does: not empty, not blank once parsed, at most 4096 characters once parsed."""
        text = params.get("text")
        if text is None or text == "":
            raise ApiError(400, "Bad Request: message text is empty")
        plain, entities = self._text(text, params.get("parse_mode"), params.get("entities"))
        if not plain.strip():
            raise ApiError(400, "Bad Request: text must be non-empty")
        if len(plain) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        return plain, entities

    def _reply_markup(self, value: Any) -> JSON | None:
        if value is None or value == "":
            return None
        markup = as_json(value, "reply keyboard markup")
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
                if "url" in button and not checked_link(str(button["url"])):
                    raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
        return markup

    def _reply_target(self, chat: FakeChat, params: JSON) -> JSON | None:
        reply_parameters = as_json(params.get("reply_parameters"), "reply parameters")
        allow_missing = bool(params.get("allow_sending_without_reply"))
        message_id = params.get("reply_to_message_id")
        if isinstance(reply_parameters, dict):
            message_id = reply_parameters.get("message_id")
            allow_missing = bool(reply_parameters.get("allow_sending_without_reply"))
        if message_id in (None, "", 0):
            return None
        original = self.messages.get((chat.id, as_int(message_id, "message_id")))
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
            message["reply_to_message"] = shallow(reply_to)
        return message

    def _edited_message(self, params: JSON) -> tuple[FakeChat, JSON]:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat = self._resolve_chat(params)
        if params.get("message_id") in (None, ""):
            raise ApiError(400, "Bad Request: message identifier is not specified")
        key = (chat.id, as_int(params["message_id"], "message_id"))
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
        offset = as_int(params.get("offset") or 0, "offset")
        limit = min(max(as_int(params.get("limit") or 100, "limit"), 1), 100)
        timeout = max(0.0, float(params.get("timeout") or 0))
        allowed = params.get("allowed_updates")
        if allowed is not None:
            allowed = as_json(allowed, "allowed updates")
            self._allowed_updates = frozenset(allowed) if allowed else DEFAULT_ALLOWED_UPDATES
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
                raise ApiError(409, CONFLICT_OTHER_POLL)
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
        if self._allowed_updates != DEFAULT_ALLOWED_UPDATES:
            info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    def _commands_key(self, params: JSON) -> tuple[str, str]:
        scope = as_json(params.get("scope"), "scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _api_setmycommands(self, params: JSON) -> bool:
        commands = as_json(params.get("commands") or [], "commands")
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
        plain, entities = self._message_text(params)
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
        plain, entities = self._message_text(params)
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
        key = (chat.id, as_int(params.get("message_id"), "message_id"))
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
        results = as_json(params.get("results") or [], "inline query results")
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
