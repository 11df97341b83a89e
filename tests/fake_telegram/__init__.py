"""A fake Telegram Bot API for tests: the real python-telegram-bot ``Application`` runs against it
with no network.

Two ways in, one behaviour (both answer through :meth:`FakeTelegram.respond`):

* In process (``FakeTelegram(http=False)``): PTB gets :class:`FakeRequest` objects, a
  ``BaseRequest`` answering from the fake's state, as python-telegram-bot's own tests do. Most bot
  tests use this.
* Real HTTP on 127.0.0.1 (``FakeTelegram()``): ``ThreadingHTTPServer`` in a background thread, PTB's
  ``HTTPXRequest`` and ``base_url`` pointed at it; for the end-to-end tests and a bot in a child
  process::

    with FakeTelegram() as fake:
        app = fake.app_builder().build()            # token/base_url/base_file_url preset
        app.add_handler(...)
        async with fake.running(app):               # initialize, start, start_polling
            alice = fake.user(1001, "Alice")
            update = alice.send("/ask what happened?")
            [answer] = await fake.wait_sent_async(chat_id=alice.id)
            assert "happened" in answer.plain_text

Modules: ``records`` (what the fake keeps and tests read), ``entities`` (HTML parse mode,
entities in users' text), ``params`` (decoding a request's parameters), ``state`` (Telegram's data
and Bot API methods), ``fake`` (scripted users, waits, injected failures, dispatch), ``server``
(HTTP), ``inprocess`` (the ``BaseRequest``).

What it imitates (see ``tdlib/td`` ``MessageEntity.cpp`` and ``tdlib/telegram-bot-api``
``Client.cpp`` for the originals):

* URLs ``{base_url}{token}/{method}`` and ``{base_file_url}{token}/{file_path}``; parameters as a
  query string, form data, multipart form data or a JSON body (PTB sends form data: strings raw,
  everything else JSON-encoded). Method names are case-insensitive as in the real Bot API.
* Responses ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": N,
  "description": "...", "parameters": {"retry_after": N}}`` with the HTTP status ``N``.
* Telegram's HTML parser (ported from tdlib, including the exact "can't parse entities" texts and
  UTF-16 offsets), the 4096/1024 length limits counted after entity parsing, empty texts, "message
  is not modified", inline keyboard checks (``BUTTON_DATA_INVALID``), inline query result checks,
  "chat not found", blocked users. The bot sends HTML only; the Markdown modes are not imitated.
* ``getUpdates`` long polling honouring ``offset``, ``limit``, ``timeout`` and
  ``allowed_updates``; a second concurrent ``getUpdates`` terminates the first with 409 like
  Telegram does; ``getUpdates`` while a webhook is set is a 409 too.
* Group privacy mode: in groups the bot only gets commands, mentions of it and replies to it.

Deliberate simplifications: one global update queue, message ids counted per chat, no media other
than documents, no rate limiting unless injected with :meth:`FakeTelegram.fail_next` or
``flood_limits=True``.
"""

from .entities import find_entities, parse_html, parse_text, u16len
from .fake import FakeTelegram, FakeUser
from .inprocess import FakeRequest
from .records import (
    ApiError,
    Call,
    CallbackAnswer,
    ChatAction,
    EntityParseError,
    FakeChat,
    InlineAnswer,
    SentMessage,
    StoredFile,
    UploadedFile,
)

__all__ = [
    "ApiError",
    "Call",
    "CallbackAnswer",
    "ChatAction",
    "EntityParseError",
    "FakeChat",
    "FakeRequest",
    "FakeTelegram",
    "FakeUser",
    "InlineAnswer",
    "SentMessage",
    "StoredFile",
    "UploadedFile",
    "find_entities",
    "parse_html",
    "parse_text",
    "u16len",
]
