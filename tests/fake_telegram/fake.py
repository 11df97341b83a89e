"""The fake Bot API that tests script: :class:`FakeTelegram` and its users.

Both ways in answer from the same state through :meth:`FakeTelegram.respond`: real HTTP on
127.0.0.1 (``FakeTelegram()``, started as a context manager; PTB's ``base_url`` points at it) and
in process (``FakeTelegram(http=False)``; PTB gets :meth:`FakeTelegram.request` objects, a
``BaseRequest`` like python-telegram-bot's own tests use), so the fake's behaviour is written once.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType
from typing import Any, TypeVar

from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

from retrieval.delivery.feeds import tls_context

from .entities import find_entities
from .inprocess import FakeRequest
from .records import (
    ApiError,
    Call,
    CallbackAnswer,
    Disconnect,
    FakeChat,
    InlineAnswer,
    SentMessage,
    shallow,
)
from .server import HttpServer
from .state import CONFLICT_OTHER_POLL, BotApiState, Queued

JSON = dict[str, Any]
T = TypeVar("T")

_LOGGER = logging.getLogger("fake_telegram")

IN_PROCESS_URL = "http://fake-telegram.invalid"
"""The API URL of an in-process fake: never contacted (``.invalid`` never resolves)."""
_FLOOD_METHODS = frozenset(
    {"sendmessage", "senddocument", "editmessagetext", "editmessagereplymarkup", "sendchataction"}
)


@dataclass
class _FailRule:
    method: str
    error_code: int
    description: str
    retry_after: int | None
    times: int
    disconnect: bool


PRIVATE_BURST = 12.0
"""Messages the fake lets through at once to one private chat before it holds it to one a second."""


@dataclass
class _SlowRule:
    method: str
    seconds: float
    times: int
    after: bool = False


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

    def edit(self, update: JSON, text: str) -> JSON:
        """Edit the text of the message this user sent with ``update`` (what ``send`` returned):
        queues an ``edited_message`` update, as Telegram does for a message the bot received."""
        return self.fake._user_edit(self, update["message"], text)

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
# The fake
# --------------------------------------------------------------------------------------------


class FakeTelegram(BotApiState):
    """A fake Bot API: served over HTTP on 127.0.0.1 (``http=True``, the default) or answered in
    process (``http=False``); use as a (sync or async) context manager."""

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
        http: bool = True,
    ) -> None:
        super().__init__(
            token=token,
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            privacy_mode=privacy_mode,
            strict_chats=strict_chats,
            strict_ampersand=strict_ampersand,
        )
        self.http = http
        self.flood_limits = flood_limits
        self.flood_time_scale = 1.0
        """Multiplies every period of the flood limits (1.0: Telegram's); a test that paces the
        bot with ``bot.app.flood_limiter(scale)`` sets the same ``scale`` here."""
        self.flood_refusals: list[Call] = []  # calls answered 429 by the flood limits
        self._buckets: dict[int | None, tuple[float, float]] = {}

        self.calls: list[Call] = []
        self.unknown_methods: list[str] = []
        self.server_errors: list[BaseException] = []
        self.update_ids: list[int] = []  # every update queued, in order
        self.filtered_updates: list[JSON] = []  # not delivered because of group privacy mode
        self.users: dict[int, FakeUser] = {}

        self._update_ids = itertools.count(1)
        self._fail_rules: list[_FailRule] = []
        self._slow_rules: list[_SlowRule] = []
        self._releases = 0  # bumped by release_slow: ends the delays under way
        self._sent_mark: dict[int, tuple[int, int]] = {}  # update_id -> (chat_id, len(sent))
        self._server: HttpServer | None = None
        self._requests: list[FakeRequest] = []
        self._running = False

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeTelegram:
        """Start answering: serve HTTP on a free port of 127.0.0.1 unless in process."""
        if self._running:
            raise RuntimeError("FakeTelegram is already running")
        self._closed = False
        self._running = True
        if self.http:
            self._server = HttpServer(self)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop answering: wake long polls, close connections, join every thread."""
        if not self._running:
            return
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        server, self._server = self._server, None
        self._running = False
        for request in self._requests:
            request.close()
        self._requests.clear()
        if server is not None:
            server.stop(timeout)

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
            raise RuntimeError("FakeTelegram is not serving HTTP")
        return self._server.port

    @property
    def api_url(self) -> str:
        """For ``BRIEFBOT_API_URL``: the HTTP server's address, or a URL never contacted when the
        fake answers in process."""
        return f"http://127.0.0.1:{self.port}" if self.http else IN_PROCESS_URL

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: PTB appends the token and the method."""
        return f"{self.api_url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``."""
        return f"{self.api_url}/file/bot"

    def request(self) -> FakeRequest:
        """Return a ``BaseRequest`` that answers from this fake in process (no socket)."""
        if not self._running:
            raise RuntimeError("start the FakeTelegram first (use it as a context manager)")
        request = FakeRequest(self)
        self._requests.append(request)
        return request

    def bot_requests(self) -> dict[str, FakeRequest]:
        """Return ``build_application``'s ``request`` and ``get_updates_request``: in-process
        requests, or nothing over HTTP (the bot's own HTTPX requests go to ``base_url``)."""
        if self.http:
            return {}
        return {"request": self.request(), "get_updates_request": self.request()}

    def app_builder(self) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
        """An ``ApplicationBuilder`` with token, base_url and base_file_url set to this fake (and,
        in process, its requests)."""
        builder = (
            ApplicationBuilder()
            .token(self.token)
            .base_url(self.base_url)
            .base_file_url(self.base_file_url)
        )
        if not self.http:
            builder = builder.request(self.request()).get_updates_request(self.request())
        else:  # the builder's default HTTPX requests, sharing the process's TLS context
            tls = {"verify": tls_context()}
            builder = builder.request(
                HTTPXRequest(connection_pool_size=256, httpx_kwargs=tls)
            ).get_updates_request(HTTPXRequest(connection_pool_size=1, httpx_kwargs=tls))
        return builder

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
                409: CONFLICT_OTHER_POLL,
                429: f"Too Many Requests: retry after {retry_after}",
                500: "Internal Server Error",
                502: "Bad Gateway",
            }.get(error_code, f"Error {error_code}")
        with self._cond:
            self._fail_rules.append(
                _FailRule(method.lower(), error_code, description, retry_after, times, disconnect)
            )

    def slow_next(
        self, method: str, seconds: float, times: int = 1, *, after: bool = False
    ) -> None:
        """Delay the next ``times`` calls of ``method`` (e.g. to make PTB time out).

        With ``after=True`` the call is carried out first (a message is delivered) and only its
        reply is delayed: Telegram has the message, the bot has not heard back.
        """
        with self._cond:
            self._slow_rules.append(_SlowRule(method.lower(), seconds, times, after))

    def release_slow(self) -> None:
        """Answer at once the calls being delayed by ``slow_next`` now (a test holds a call with
        a long delay, then lets it go when what it waits for has happened)."""
        with self._cond:
            self._releases += 1
            self._cond.notify_all()

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
        self._queue.append(Queued(update, kind))
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
                message["reply_to_message"] = shallow(reply_to)
            message.update(fields)
            if "text" in fields:
                entities = find_entities(fields["text"])
                if entities:
                    message["entities"] = entities
            if fields.get("caption"):
                entities = find_entities(fields["caption"])
                if entities:
                    message["caption_entities"] = entities
            return self._deliver("message", message, target)

    def _user_edit(self, user: FakeUser, original: JSON, text: str) -> JSON:
        with self._cond:
            target = self.chats[original["chat"]["id"]]
            message: JSON = {**original, "text": text, "edit_date": int(time.time())}
            message.pop("entities", None)
            entities = find_entities(text)
            if entities:
                message["entities"] = entities
            return self._deliver("edited_message", message, target)

    def _deliver(self, kind: str, message: JSON, target: FakeChat) -> JSON:
        """Keep ``message`` and queue it as an update of ``kind``, unless privacy mode keeps it
        from the bot (then it is only recorded in ``filtered_updates``). The lock is held."""
        self.messages[(target.id, message["message_id"])] = message
        if not self._addressed_to_bot(message, target):
            update = {"update_id": None, kind: message}
            self.filtered_updates.append(update)
            return update
        return self._enqueue(kind, message, target.id)

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

    # -- dispatch: one entry point for HTTP and in-process requests --------------------------

    def respond(self, path: str, read_params: Callable[[], JSON]) -> tuple[int, str, bytes]:
        """Answer a request for ``path`` (``/bot<token>/<method>`` or
        ``/file/bot<token>/<file_path>``); return (HTTP status, content type, body).

        The one entry point of both ways in: the HTTP server and :class:`FakeRequest` differ only
        in how ``read_params`` decodes the parameters. Raises :class:`Disconnect` when a failure
        injected with ``disconnect=True`` drops the connection.
        """
        route = urllib.parse.unquote(path)
        file_match = re.fullmatch(r"/file/bot([^/]*)/(.+)", route)
        if file_match:
            return self._download(file_match.group(1), file_match.group(2))
        match = re.fullmatch(r"/bot([^/]*)/([^/]+)/?", route)
        if not match:
            return _json_response(_error_body(404, "Not Found"), 404)
        token, method = match.groups()
        try:
            self._check_token(token)
            result = self._call(method, read_params())
        except ApiError as error:
            if error.disconnect:
                raise Disconnect() from None
            return _json_response(
                _error_body(error.code, error.description, error.parameters), error.code
            )
        except Exception as exc:
            _LOGGER.exception("fake telegram: internal error in %s", method)
            self.server_errors.append(exc)
            return _json_response(_error_body(500, f"Internal Server Error: {exc!r}"), 500)
        return _json_response({"ok": True, "result": result}, 200)

    def blocks(self, path: str) -> bool:
        """Return whether answering ``path`` may wait (a long poll, an injected delay): the
        in-process request answers those on a thread so the bot's event loop keeps running."""
        method = urllib.parse.unquote(path).rstrip("/").rsplit("/", 1)[-1].lower()
        with self._cond:
            return method == "getupdates" or any(
                rule.method in (method, "*") and rule.times > 0 for rule in self._slow_rules
            )

    def abandon_polls(self) -> None:
        """End a long poll whose caller went away (PTB cancelled it), as a closed connection
        does over HTTP: the waiting getUpdates returns 409 to nobody."""
        with self._cond:
            self._poll_generation += 1
            self._cond.notify_all()

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
            slow = self._take_slow_rule(method)
            releases = self._releases
            if self.flood_limits and method.lower() in _FLOOD_METHODS:
                self._check_flood(method, params)
        if slow is not None and not slow.after:
            self._pause(slow.seconds, releases)
        with self._cond:
            rule = self._take_fail_rule(method)
            if rule is not None:
                parameters = {"retry_after": rule.retry_after} if rule.retry_after else None
                raise ApiError(
                    rule.error_code, rule.description, parameters, disconnect=rule.disconnect
                )
            result = handler(params)
            self._cond.notify_all()
        if slow is not None and slow.after:
            self._pause(slow.seconds, releases)
        return result

    def _pause(self, seconds: float, releases: int) -> None:
        """Wait ``seconds``, or until the fake is stopped or ``release_slow`` is called
        (``releases``: how often it had been when the call came)."""
        deadline = time.monotonic() + seconds
        with self._cond:
            while (
                not self._closed
                and self._releases == releases
                and (remaining := deadline - time.monotonic()) > 0
            ):
                self._cond.wait(remaining)

    def _check_flood(self, method: str, params: JSON) -> None:
        """Answer 429 like Telegram when the bot sends faster than its limits: about 30 messages
        a second overall, 20 a minute in one group, and one a second in one private chat after
        a short burst (token buckets of those sizes; Telegram does not publish the burst, the
        fake allows ``PRIVATE_BURST``)."""
        chat_id = params.get("chat_id")
        keys: list[tuple[int | None, float, float]] = [(None, 30.0, 1.0)]
        with contextlib.suppress(TypeError, ValueError):
            if chat_id is not None and int(chat_id) < 0:
                keys.append((int(chat_id), 20.0, 60.0))
            elif chat_id is not None:
                keys.append((int(chat_id), PRIVATE_BURST, PRIVATE_BURST))
        now = time.monotonic()
        for key, size, unscaled in keys:
            period = unscaled * self.flood_time_scale
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
        return _take_rule(self._fail_rules, method)

    def _take_slow_rule(self, method: str) -> _SlowRule | None:
        return _take_rule(self._slow_rules, method)


_Rule = TypeVar("_Rule", _FailRule, _SlowRule)


def _take_rule(rules: list[_Rule], method: str) -> _Rule | None:
    """Return the first of ``rules`` for ``method`` (or ``"*"``) with uses left, using one up."""
    for rule in rules:
        if rule.method in (method.lower(), "*") and rule.times > 0:
            rule.times -= 1
            if rule.times == 0:
                rules.remove(rule)
            return rule
    return None


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
