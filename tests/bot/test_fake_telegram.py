"""End-to-end tests of the fake Bot API server with the real python-telegram-bot Application."""

from __future__ import annotations

import asyncio
import datetime as dtm
import html
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from fake_telegram import EntityParseError, FakeTelegram, parse_html, parse_text
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

AnyApp = Application[Any, Any, Any, Any, Any, Any]


def _fake_threads() -> list[threading.Thread]:
    return [
        t
        for t in threading.enumerate()
        if t.name.startswith("FakeTelegram") or "process_request_thread" in t.name
    ]


BOTH_WAYS = pytest.mark.parametrize("fake", ["http", "in process"], indirect=True)
"""Run a test against the fake over real HTTP and in process: the two must behave alike."""


@pytest.fixture
def fake(request: pytest.FixtureRequest) -> Iterator[FakeTelegram]:
    """A running fake (over HTTP unless parametrized "in process"); afterwards no server, handler
    or request thread may be left."""
    before = set(_fake_threads())
    with FakeTelegram(http=getattr(request, "param", "http") == "http") as server:
        yield server
    leaked = [t for t in _fake_threads() if t not in before and t.is_alive()]
    assert not leaked, f"threads left running: {leaked}"


@pytest.fixture
def timedelta_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22.2+ warns (PTBDeprecationWarning) when *constructing* RetryAfter unless
    PTB_TIMEDELTA is set; with filterwarnings=error that warning replaces the exception."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


def build_echo_app(fake: FakeTelegram, **builder: Any) -> tuple[AnyApp, list[BaseException]]:
    """A tiny bot: /ask answers in HTML with a button, text is echoed, documents are read."""
    app_builder = fake.app_builder()
    if "rate_limiter" in builder:
        app_builder = app_builder.rate_limiter(builder["rate_limiter"])
    app = app_builder.build()
    errors: list[BaseException] = []

    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        question = html.escape(" ".join(context.args or []))
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="more:1")]])
        await update.effective_message.reply_text(
            f"<b>asked:</b> {question}", parse_mode=ParseMode.HTML, reply_markup=keyboard
        )

    async def bad(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("<foo>oops</foo>", parse_mode=ParseMode.HTML)

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text
        await update.effective_message.reply_text(update.effective_message.text)

    async def document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.document is not None
        await context.bot.send_chat_action(update.message.chat_id, "typing")
        file = await update.message.document.get_file()
        data = await file.download_as_bytearray()
        await update.message.reply_text(f"got {len(data)} bytes: {data.decode()}")

    async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("ok")
        await query.edit_message_text(f"pressed {query.data}")

    async def inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.inline_query is not None
        text = update.inline_query.query
        result = InlineQueryResultArticle(
            id="1", title=f"Echo {text}", input_message_content=InputTextMessageContent(text)
        )
        await update.inline_query.answer([result], cache_time=0)

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert context.error is not None
        errors.append(context.error)

    app.add_handler(CommandHandler("ask", ask))
    app.add_handler(CommandHandler("bad", bad))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(MessageHandler(filters.Document.ALL, document))
    app.add_handler(CallbackQueryHandler(button))
    app.add_handler(InlineQueryHandler(inline))
    app.add_error_handler(on_error)
    return app, errors


def raw_call(
    fake: FakeTelegram,
    method: str,
    params: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    timeout: float = 10,
) -> tuple[int, dict[str, Any]]:
    """POST a JSON body straight to the fake (no PTB), returning (HTTP status, JSON body)."""
    request = urllib.request.Request(
        f"{fake.base_url}{token or fake.token}/{method}",
        data=json.dumps(params or {}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error)


# ------------------------------------------------------------------------------------------
# Full PTB Application flows
# ------------------------------------------------------------------------------------------


@BOTH_WAYS
async def test_private_message_is_echoed(fake: FakeTelegram) -> None:
    app, errors = build_echo_app(fake)
    async with fake.running(app):
        alice = fake.user(1001, "Alice", "alice")
        update = alice.send("hello there")
        [answer] = await fake.wait_answers(update)
        await fake.wait_for(lambda: not fake.pending_updates)  # confirmed via offset

    assert answer.chat_id == 1001
    assert answer.plain_text == "hello there"
    assert answer.reply_to_message_id is None  # PTB's reply_text quotes only outside private chats
    assert answer.message["from"]["username"] == "briefbot_test_bot"
    assert answer.message_id == update["message"]["message_id"] + 1
    methods = [call.method for call in fake.calls]
    assert methods[:2] == ["getMe", "deleteWebhook"]
    assert "getUpdates" in methods
    assert errors == []


@BOTH_WAYS
async def test_command_html_buttons_and_callback(fake: FakeTelegram) -> None:
    app, errors = build_echo_app(fake)
    async with fake.running(app):
        bob = fake.user(1002, "Bob")
        asked = bob.send("/ask@briefbot_test_bot what <happened>?")
        [answer] = await fake.wait_answers(asked)
        assert answer.parse_mode == "HTML"
        assert answer.text == "<b>asked:</b> what &lt;happened&gt;?"
        assert answer.plain_text == "asked: what <happened>?"
        assert answer.entities == [{"type": "bold", "offset": 0, "length": 6}]
        assert answer.callback_data == ["more:1"]

        pressed = bob.press(answer, "more:1")
        [edit] = await fake.wait_answers(pressed)
        callback_answer = fake.callback_answer_for(pressed)
        with pytest.raises(ValueError, match="no button"):
            bob.press(answer, "more:2")

    assert callback_answer is not None and callback_answer.text == "ok"
    assert edit.method == "editMessageText" and edit.message_id == answer.message_id
    assert edit.plain_text == "pressed more:1"
    assert fake.messages[(1002, answer.message_id)]["text"] == "pressed more:1"
    assert "reply_markup" not in fake.messages[(1002, answer.message_id)]  # dropped by edit
    assert errors == []


@BOTH_WAYS
async def test_group_privacy_mode(fake: FakeTelegram) -> None:
    app, _ = build_echo_app(fake)
    async with fake.running(app):
        carol = fake.user(1003, "Carol")
        group = fake.group(-100123, "Briefs")
        chatter = carol.send("just chatting", chat=group)
        other_bot = carol.send("/ask@some_other_bot hi", chat=group)
        asked = carol.send("/ask hi", chat=group)
        [answer] = await fake.wait_answers(asked)
        reply = carol.reply_to(answer, "thanks, and more?", chat=group)
        [echo] = await fake.wait_answers(reply)

    assert chatter["update_id"] is None and other_bot["update_id"] is None
    assert len(fake.filtered_updates) == 2
    assert answer.chat_id == -100123 and answer.message["chat"]["type"] == "supergroup"
    assert answer.reply_to_message_id == asked["message"]["message_id"]
    assert echo.plain_text == "thanks, and more?"


@BOTH_WAYS
async def test_document_upload_and_download(fake: FakeTelegram) -> None:
    app, errors = build_echo_app(fake)
    async with fake.running(app):
        dave = fake.user(1004, "Dave")
        update = dave.send_document(b"brief #12", "brief.txt", caption="please read")
        [answer] = await fake.wait_answers(update)

        sent = await app.bot.send_document(1004, b"report body", filename="report.txt")
        assert sent.document is not None
        file = await app.bot.get_file(sent.document.file_id)
        downloaded = await file.download_as_bytearray()

    assert answer.plain_text == "got 9 bytes: brief #12"
    assert [(a.chat_id, a.action) for a in fake.chat_actions] == [(1004, "typing")]
    assert fake.sent[-1].document is not None
    assert fake.sent[-1].document["file_name"] == "report.txt"
    assert fake.sent[-1].file_content == b"report body"
    assert downloaded == b"report body"
    assert errors == []


@BOTH_WAYS
async def test_inline_query(fake: FakeTelegram) -> None:
    app, errors = build_echo_app(fake)
    async with fake.running(app):
        erin = fake.user(1005, "Erin")
        update = erin.inline("sanctions")
        answer = await fake.wait_for(lambda: fake.inline_answer_for(update))

    assert answer.results[0]["title"] == "Echo sanctions"
    assert answer.results[0]["input_message_content"]["message_text"] == "sanctions"
    assert errors == []


@BOTH_WAYS
async def test_errors_in_a_handler_reach_the_error_handler(fake: FakeTelegram) -> None:
    app, errors = build_echo_app(fake)
    async with fake.running(app):
        fake.user(1006, "Frank").send("/bad")
        [error] = await fake.wait_for(lambda: list(errors))

    assert isinstance(error, BadRequest)
    assert error.message == 'Can\'t parse entities: unsupported start tag "foo" at byte offset 0'


@pytest.mark.slow  # waits out a rate limit (seconds)
async def test_rate_limiter_retries_after_429(fake: FakeTelegram, timedelta_errors: None) -> None:
    app, errors = build_echo_app(fake, rate_limiter=AIORateLimiter(max_retries=1))
    async with fake.running(app):
        fake.fail_next("sendMessage", 429, retry_after=1)
        update = fake.user(1007, "Gina").send("still there?")
        started = time.monotonic()
        [answer] = await fake.wait_answers(update)
        elapsed = time.monotonic() - started

    assert answer.plain_text == "still there?"
    assert len(fake.calls_to("sendMessage")) == 2
    assert elapsed >= 1.0
    assert errors == []


# ------------------------------------------------------------------------------------------
# What Telegram rejects, as PTB surfaces it (bot methods over real HTTP and in process)
# ------------------------------------------------------------------------------------------


@pytest.fixture
async def app(fake: FakeTelegram) -> Any:
    application, _ = build_echo_app(fake)
    async with application:
        yield application


@BOTH_WAYS
async def test_html_rejections(fake: FakeTelegram, app: AnyApp) -> None:
    fake.user(2001, "Hana")
    bot = app.bot
    cases = {
        "<foo>x</foo>": 'Can\'t parse entities: unsupported start tag "foo" at byte offset 0',
        "a <b>b</i>": (
            'Can\'t parse entities: unmatched end tag at byte offset 6, expected "</b>", '
            'found "</i>"'
        ),
        "<b>open": "Can't parse entities: can't find end tag corresponding to start tag b",
        "1 < 2": 'Can\'t parse entities: unsupported start tag "" at byte offset 2',
        "x" * 4097: "Message is too long",
        "<b>" + "é" * 4097 + "</b>": "Message is too long",
        "": "Message text is empty",
        "<b> </b>": "Text must be non-empty",
    }
    for text, message in cases.items():
        with pytest.raises(BadRequest) as caught:
            await bot.send_message(2001, text, parse_mode=ParseMode.HTML)
        assert caught.value.message == message, text

    # Limits apply after entity parsing; a bare "&" is accepted literally, as by Telegram.
    ok = await bot.send_message(2001, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert ok.text == "x" * 4096
    ampersand = await bot.send_message(2001, "R&D &amp; <i>more</i>", parse_mode="HTML")
    assert ampersand.text == "R&D & more"
    assert ampersand.entities[0].type == "italic"


@BOTH_WAYS
async def test_edit_not_modified_and_button_data(fake: FakeTelegram, app: AnyApp) -> None:
    fake.user(2002, "Ivan")
    message = await app.bot.send_message(2002, "<i>v1</i>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"^Message is not modified"):
        await message.edit_text("<i>v1</i>", parse_mode="HTML")
    edited = await message.edit_text("<i>v2</i>", parse_mode="HTML")
    assert isinstance(edited, type(message)) and edited.text == "v2"

    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest) as caught:
        await app.bot.send_message(2002, "pick", reply_markup=too_long)
    assert caught.value.message == "Button_data_invalid"  # PTB capitalize()s the description
    just_right = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 32)]])
    await app.bot.send_message(2002, "pick", reply_markup=just_right)


@BOTH_WAYS
async def test_fault_injection(fake: FakeTelegram, app: AnyApp, timedelta_errors: None) -> None:
    fake.user(2003, "Jo")
    fake.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as retry:
        await app.bot.send_message(2003, "hi")
    assert retry.value.retry_after == dtm.timedelta(seconds=7)

    fake.fail_next("sendmessage", disconnect=True)
    with pytest.raises(NetworkError):
        await app.bot.send_message(2003, "hi")

    fake.block_chat(2003)
    with pytest.raises(Forbidden, match=r"^Forbidden: bot was blocked by the user$"):
        await app.bot.send_message(2003, "hi")
    fake.unblock_chat(2003)
    await app.bot.send_message(2003, "hi again")

    fake.delete_chat(2003)
    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await app.bot.send_message(2003, "hi")
    with pytest.raises(BadRequest, match=r"^Chat not found$"):
        await app.bot.send_message(999_999, "nobody")  # never started the bot

    fake.group(-500, "Old group")
    fake.block_chat(-500)
    with pytest.raises(Forbidden, match="kicked from the group chat"):
        await app.bot.send_message(-500, "hi")
    assert [s.plain_text for s in fake.sent] == ["hi again"]


@BOTH_WAYS
async def test_a_slow_answer_times_out_as_over_the_network(fake: FakeTelegram, app: AnyApp) -> None:
    fake.user(2005, "Lee")
    fake.slow_next("sendMessage", 3)
    started = time.monotonic()
    with pytest.raises(TimedOut):
        await app.bot.send_message(2005, "anyone?", read_timeout=0.2)
    assert time.monotonic() - started < 2
    assert (await app.bot.send_message(2005, "again")).text == "again"


@BOTH_WAYS
async def test_commands_webhook_and_get_chat(fake: FakeTelegram, app: AnyApp) -> None:
    await app.bot.set_my_commands([("ask", "Ask the archive"), ("help", "How to use")])
    commands = await app.bot.get_my_commands()
    assert [(c.command, c.description) for c in commands] == [
        ("ask", "Ask the archive"),
        ("help", "How to use"),
    ]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await app.bot.set_my_commands([("Ask", "uppercase is invalid")])

    assert await app.bot.set_webhook("https://example.org/hook")
    assert (await app.bot.get_webhook_info()).url == "https://example.org/hook"
    assert await app.bot.delete_webhook()

    fake.user(2004, "Kim", "kim")
    chat = await app.bot.get_chat(2004)
    assert chat.type == "private" and chat.username == "kim"


# ------------------------------------------------------------------------------------------
# The HTTP surface without PTB
# ------------------------------------------------------------------------------------------


def test_errors_have_telegram_shape(fake: FakeTelegram) -> None:
    assert raw_call(fake, "sendUnicorn") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    assert raw_call(fake, "getMe", token="999:XYZ")[0] == 401
    assert raw_call(fake, "getMe", token="not-a-token")[0] == 404
    fake.fail_next("getMe", 429, retry_after=3)
    assert raw_call(fake, "getMe") == (
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 3",
            "parameters": {"retry_after": 3},
        },
    )
    status, me = raw_call(fake, "getme")
    assert status == 200 and me["result"]["username"] == "briefbot_test_bot"
    assert me["result"]["supports_inline_queries"] is True
    assert fake.unknown_methods == ["sendUnicorn"]


def test_answer_inline_query_validation(fake: FakeTelegram) -> None:
    update = fake.user(3001, "Lea").inline("q")
    query_id = update["inline_query"]["id"]
    article = {"type": "article", "id": "1", "input_message_content": {"message_text": "x"}}
    status, body = raw_call(
        fake, "answerInlineQuery", {"inline_query_id": query_id, "results": [article]}
    )
    assert status == 400
    assert body["description"] == (
        "Bad Request: can't parse inline query result: Can't find field \"title\""
    )
    article["title"] = "X"
    twice = {"inline_query_id": query_id, "results": [article, article]}
    assert raw_call(fake, "answerInlineQuery", twice)[1]["description"] == (
        "Bad Request: RESULT_ID_DUPLICATE"
    )
    ok = {"inline_query_id": query_id, "results": [article]}
    assert raw_call(fake, "answerInlineQuery", ok) == (200, {"ok": True, "result": True})
    assert raw_call(fake, "answerInlineQuery", ok)[1]["description"].startswith(
        "Bad Request: query is too old"
    )


def test_long_polling(fake: FakeTelegram) -> None:
    mia = fake.user(3002, "Mia")
    first = mia.send("one")
    # Queued updates come back at once; an offset confirms (drops) older ones.
    assert raw_call(fake, "getUpdates", {"timeout": 5})[1]["result"] == [first]
    second = mia.send("two")
    status, body = raw_call(fake, "getUpdates", {"offset": first["update_id"] + 1})
    assert (status, body["result"]) == (200, [second])

    # An empty queue blocks until an update arrives (well before the timeout).
    results: list[tuple[int, dict[str, Any]]] = []
    offset = {"offset": second["update_id"] + 1, "timeout": 10}
    poller = threading.Thread(target=lambda: results.append(raw_call(fake, "getUpdates", offset)))
    started = time.monotonic()
    poller.start()
    fake.wait_until(lambda: len(fake.calls_to("getUpdates")) == 3)
    third = mia.send("three")
    poller.join(5)
    assert results[0][1]["result"] == [third] and time.monotonic() - started < 5

    # allowed_updates filters; a concurrent second getUpdates ends the first with 409.
    mia.inline("inline query")
    only_messages = {"offset": third["update_id"] + 1, "allowed_updates": ["message"]}
    assert raw_call(fake, "getUpdates", only_messages)[1]["result"] == []
    results.clear()
    waiting = {"offset": third["update_id"] + 1, "timeout": 10}
    poller = threading.Thread(target=lambda: results.append(raw_call(fake, "getUpdates", waiting)))
    poller.start()
    fake.wait_until(lambda: len(fake.calls_to("getUpdates")) == 5)
    assert raw_call(fake, "getUpdates", {"timeout": 0})[1]["result"] == []
    poller.join(5)
    assert results[0][0] == 409
    assert results[0][1]["description"].startswith("Conflict: terminated by other getUpdates")

    raw_call(fake, "setWebhook", {"url": "https://example.org/hook"})
    assert raw_call(fake, "getUpdates")[0] == 409


def test_stop_wakes_long_polls_and_joins_threads() -> None:
    server = FakeTelegram().start()
    results: list[tuple[int, dict[str, Any]] | BaseException] = []

    def poll() -> None:
        try:
            results.append(raw_call(server, "getUpdates", {"timeout": 30}))
        except (OSError, TelegramError) as exc:
            results.append(exc)

    poller = threading.Thread(target=poll)
    poller.start()
    server.wait_until(lambda: server.calls_to("getUpdates"))
    started = time.monotonic()
    server.stop()
    poller.join(5)
    assert not poller.is_alive() and time.monotonic() - started < 2
    assert results and not isinstance(results[0], BaseException)
    assert results[0][1] == {"ok": True, "result": []}
    assert _fake_threads() == []


async def test_sync_waits_refuse_to_block_the_event_loop(fake: FakeTelegram) -> None:
    with pytest.raises(RuntimeError, match=r"await fake\.wait_for"):
        fake.wait_sent()


# ------------------------------------------------------------------------------------------
# The entity parsers (ports of tdlib)
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<p>x</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("é<br/>", 'Unsupported start tag "br/" at byte offset 2'),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<a href="x>t</a>', "Unclosed start tag at byte offset 0"),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ],
)
def test_parse_html_errors(text: str, error: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(text)
    assert str(caught.value) == error


def test_parse_html_entities() -> None:
    text = (
        '😀 <b>b</b> <a href="https://example.org/?a=1&amp;b=2">link</a> '
        '<pre><code class="language-python">x = 1</code></pre> &lt;&#62;&quot;'
        " <blockquote expandable>q</blockquote> <tg-spoiler>s</tg-spoiler>"
    )
    plain, entities = parse_html(text)
    assert plain == '😀 b link x = 1 <>" q s'
    assert entities == [
        {"type": "bold", "offset": 3, "length": 1},
        {"type": "text_link", "offset": 5, "length": 4, "url": "https://example.org/?a=1&b=2"},
        {"type": "pre", "offset": 10, "length": 5, "language": "python"},
        {"type": "expandable_blockquote", "offset": 20, "length": 1},
        {"type": "spoiler", "offset": 22, "length": 1},
    ]
    with pytest.raises(EntityParseError, match="Unescaped '&'"):
        parse_html("R&D", strict_ampersand=True)


def test_markdown_parse_modes_are_not_imitated() -> None:
    # The bot sends HTML only; a Markdown request is an error in the fake, never a silent pass.
    for mode in ("MarkdownV2", "Markdown"):
        with pytest.raises(NotImplementedError, match="HTML only"):
            parse_text("*b*", mode)


def test_flood_limits_answer_429_beyond_20_messages_a_minute_in_a_group() -> None:
    with FakeTelegram(flood_limits=True) as fake:
        fake.group(-100123, "Team")
        bot = fake.app_builder().build().bot

        async def send_21() -> list[str]:
            async with bot:
                errors = []
                for n in range(21):
                    try:
                        await bot.send_message(-100123, f"message {n}")
                    except RetryAfter as exc:
                        errors.append(str(exc))
                return errors

        errors = asyncio.run(send_21())
    assert len(errors) == 1 and "Flood control exceeded" in errors[0]
    assert len(fake.flood_refusals) == 1
