"""``briefbot run`` and ``briefbot start`` with a token: long polling and webhook mode in a real
process against the fake Bot API (``run`` in a new interpreter, the others forked from the fork
server), and one-line errors for every bad start."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from fake_telegram import FakeTelegram
from forking import Forked

from retrieval.archive import Archive

pytestmark = pytest.mark.real_http  # the bot process and the CLI reach the fake over HTTP

REPO = Path(__file__).parents[2]
Run = Callable[..., Result]


Child = subprocess.Popen[str] | Forked


@pytest.fixture
def bot_process(
    bot_env: dict[str, str], db_path: Path, fork: Callable[..., Forked]
) -> Iterator[Callable[..., Child]]:
    """Return ``spawn(*args, fresh=False)``: ``briefbot --db <db> ARGS`` in a child process,
    forked from the fork server (tests/forking.py), or with ``fresh=True`` in a new interpreter
    started as a user starts it; always reaped."""
    procs: list[subprocess.Popen[str]] = []

    def spawn(*args: str, fresh: bool = False) -> Child:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIEFBOT_", "TELEGRAM_"))}
        env.update(bot_env)
        code = "from bot.cli import main; main()"
        if not fresh:
            return fork(code, "--db", str(db_path), *args, env=env, cwd=REPO)
        proc = subprocess.Popen(
            [sys.executable, "-c", code, "--db", str(db_path), *args],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        return proc

    yield spawn
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _wait_for_port(port: int, timeout: float = 30) -> None:
    """Return once something accepts connections on 127.0.0.1:``port``."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _stop(proc: Child) -> tuple[str, str]:
    proc.send_signal(signal.SIGTERM)
    return proc.communicate(timeout=30)


@pytest.mark.parametrize("command", ["run", "start"])
@pytest.mark.slow
def test_bot_process_answers_over_long_polling_and_stops_cleanly(
    command: str,
    fake_telegram: FakeTelegram,
    bot_archive: Archive,
    bot_process: Callable[..., Child],
    bot_token: str,
) -> None:
    # `run` in a new interpreter, as a user starts it (nothing imported beforehand); `start`
    # forked from the fork server, a process of its own without ~1.5 CPU-s of imports.
    proc = bot_process(command, fresh=command == "run")
    fake_telegram.wait_until(lambda: fake_telegram.calls_to("getUpdates"), timeout=30)
    alice = fake_telegram.user(1001, "Alice")
    update = alice.send("Who fled abroad?")
    [answer] = fake_telegram.wait_until(lambda: fake_telegram.answers_for(update), timeout=10)
    out, err = _stop(proc)
    assert proc.returncode == 0, err
    assert "Bazhenov" in (answer.plain_text or "")
    assert "OPEN TO EVERYONE" in err
    assert "Traceback" not in err
    assert bot_token not in out + err


@pytest.mark.slow
def test_webhook_mode_receives_updates_with_the_secret_token(
    fake_telegram: FakeTelegram,
    bot_archive: Archive,
    bot_process: Callable[..., Child],
    bot_token: str,
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = "https://bot.example.org/briefbot/hook"
    proc = bot_process(
        "run", "--webhook", url, "--listen", "127.0.0.1", "--port", str(port),
        "--secret-token", "s3cret-Token_1",
    )  # fmt: skip
    fake_telegram.wait_until(lambda: fake_telegram.webhook_url, timeout=30)
    _wait_for_port(port)  # PTB calls setWebhook just before it starts serving
    [set_webhook] = fake_telegram.calls_to("setWebhook")
    assert set_webhook["url"] == url and set_webhook["secret_token"] == "s3cret-Token_1"
    alice = fake_telegram.user(1001, "Alice")
    update = alice.send("Who fled abroad?")

    def post(secret: str) -> int:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/briefbot/hook",
            data=json.dumps(update).encode(),
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code

    assert post("wrong") == 403
    assert post("s3cret-Token_1") == 200
    [answer] = fake_telegram.wait_until(lambda: fake_telegram.answers_for(update), timeout=10)
    out, err = _stop(proc)
    assert proc.returncode == 0, err
    assert "Bazhenov" in (answer.plain_text or "")
    assert bot_token not in out + err and "s3cret-Token_1" not in err


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {},
            "Error: TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather, then export "
            "TELEGRAM_BOT_TOKEN=<the token it gives you> (see docs/telegram.md)\n",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": "12345:not-a-token"},
            "Error: TELEGRAM_BOT_TOKEN is malformed: a bot token is the bot's id, a colon and 35 "
            "letters, digits, '-' or '_' (like 123456789:AAE...); copy it again from @BotFather\n",
        ),
        (
            {
                "TELEGRAM_BOT_TOKEN": "123456789:AAHfake-token_for_tests_0123456789ab",
                "BRIEFBOT_ALLOWED": "1001,bob!",
            },
            "Error: BRIEFBOT_ALLOWED entry 'bob!' is neither a user/chat id nor an @username; "
            "write e.g. 123456789,-1001234567890,@alice\n",
        ),
        (
            {
                "TELEGRAM_BOT_TOKEN": "123456789:AAHfake-token_for_tests_0123456789ab",
                "BRIEFBOT_INLINE": "no",
            },
            "Error: BRIEFBOT_INLINE 'no' is neither on nor off; write BRIEFBOT_INLINE=on (allowed "
            "users may share passages into any chat with @botname) or BRIEFBOT_INLINE=off\n",
        ),
        (
            {
                "TELEGRAM_BOT_TOKEN": "123456789:AAHfake-token_for_tests_0123456789ab",
                "BRIEFBOT_API_URL": "http://127.0.0.1:1",
            },
            "Error: could not reach the Bot API at http://127.0.0.1:1 (httpx.ConnectError: All "
            "connection attempts failed); check the network or BRIEFBOT_API_URL\n",
        ),
    ],
)
def test_bad_start_is_one_line(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = run_cli("run")
    assert result.exit_code == 1
    assert result.stderr == message
    assert result.stdout == ""


def test_token_rejected_by_telegram_is_one_line_without_the_token(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch, fake_telegram: FakeTelegram
) -> None:
    wrong = "987654321:AAHsome-other_token_0123456789abcdef"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", wrong)
    monkeypatch.setenv("BRIEFBOT_API_URL", f"http://127.0.0.1:{fake_telegram.port}/")
    result = run_cli("run")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: the Bot API at http://127.0.0.1:{fake_telegram.port} rejected "
        "TELEGRAM_BOT_TOKEN (401 Unauthorized); it may have been revoked: get the current token "
        "from @BotFather (/token)\n"
    )
    assert wrong not in result.output and wrong.split(":")[1] not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--listen", "0.0.0.0"], "--listen, --port and --secret-token only apply with --webhook"),
        (["--webhook", "http://bot.example.org/hook"], "must start with https://"),
        (["--webhook", "https://bot.example.org/hook", "--secret-token", "no spaces"], "may only"),
    ],
)
def test_bad_webhook_options_are_explained(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:AAHfake-token_for_tests_0123456789ab")
    result = run_cli("run", *args)
    assert result.exit_code in (1, 2)
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_bot_on_a_read_only_database_is_one_line_before_it_starts(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch, db_path: Path, briefs_dir: Path
) -> None:
    # It started, then died in its start-up with a traceback ("attempt to write a readonly
    # database"): the bot writes every message it receives before it answers it.
    assert run_cli("ingest", str(briefs_dir)).exit_code == 0
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:AAHfake-token_for_tests_0123456789ab")
    monkeypatch.setenv("BRIEFBOT_API_URL", "http://127.0.0.1:1")  # never reached
    root = os.geteuid() == 0  # root ignores file modes: the immutable attribute
    subprocess.run(["chattr", "+i", str(db_path)], check=True) if root else db_path.chmod(0o444)
    try:
        result = run_cli("run")
    finally:
        subprocess.run(["chattr", "-i", str(db_path)], check=True) if root else db_path.chmod(0o644)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot run the bot on {db_path}: the file is read-only; the bot records each "
        "message it receives and each answer it sends there. Make it writable (chmod u+w on the "
        "file and its folder), or use briefbot ask and briefbot chat, which only read\n"
    )
