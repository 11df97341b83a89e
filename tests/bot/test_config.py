"""Settings: the environment read by the click options only, checked once, with clear errors."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from bot.cli import bot_settings, cli, run
from bot.config import ConfigError, Settings, load_settings, normalize_subject

TOKEN = "123456789:AAHfake-token_for_tests_0123456789ab"


def from_environment(env: dict[str, str], *args: str) -> Settings:
    """Return the Settings ``briefbot run ARGS`` starts with in the environment ``env``: the
    variables reach them only through the command line's options."""
    with CliRunner().isolation(env=env):
        group = cli.make_context("briefbot", ["run"])
        command = run.make_context("run", list(args), parent=group)
    # --db after "run" lands where the group keeps it (its callback has not run here).
    db = (command.obj or {}).get("db", group.params["db"])
    return bot_settings(db, command.params)


def test_defaults() -> None:
    settings = from_environment({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert settings.token == TOKEN
    assert settings.api_url == "https://api.telegram.org"
    assert settings.base_url == "https://api.telegram.org/bot"
    assert settings.allowed == frozenset() and settings.admins == frozenset()
    assert settings.rate_limit == 20 and settings.top == 3
    assert settings.webhook_url is None and settings.secret_token is None
    assert TOKEN not in repr(settings)
    assert settings.db == "data/briefbot.db" and settings == load_settings(token=TOKEN)


def test_environment_is_read_by_the_options() -> None:
    settings = from_environment(
        {
            "TELEGRAM_BOT_TOKEN": f" {TOKEN} ",
            "BRIEFBOT_API_URL": "http://127.0.0.1:8081/",
            "BRIEFBOT_ALLOWED": "1001, @Alice_K -1001234567890",
            "BRIEFBOT_ADMINS": "1",
            "BRIEFBOT_RATE_LIMIT": "5",
            "BRIEFBOT_DB": "x.db",
            "BRIEFBOT_TOP": "4",
            "BRIEFBOT_INLINE": "off",
            "BRIEFBOT_FOLLOWUP_MINUTES": "0",
            "BRIEFBOT_TZ": "europe/berlin",
            "BRIEFBOT_DIGEST_EMPTY": "notify",
            "BRIEFBOT_INBOX": "/srv/inbox",
            "BRIEFBOT_INBOX_INTERVAL": "60",
            "BRIEFBOT_FEEDS": "https://a.example/rss https://b.example/atom",
            "BRIEFBOT_FEEDS_INTERVAL": "900",
            "BRIEFBOT_UPLOAD_MAX_MB": "5",
            "BRIEFBOT_WEBHOOK_URL": "https://bot.example.org/hook",
            "BRIEFBOT_WEBHOOK_LISTEN": "0.0.0.0",
            "BRIEFBOT_WEBHOOK_PORT": "8444",
            "BRIEFBOT_WEBHOOK_SECRET": "s3cret",
        }
    )
    assert settings.token == TOKEN
    assert settings.base_url == "http://127.0.0.1:8081/bot"
    assert settings.base_file_url == "http://127.0.0.1:8081/file/bot"
    assert settings.allowed == {"1001", "@alice_k", "-1001234567890"}
    assert settings.admins == {1}
    assert settings.rate_limit == 5
    assert settings.db == "x.db"
    assert (settings.top, settings.inline, settings.followup_minutes) == (4, False, 0)
    assert (settings.timezone, settings.digest_empty) == ("Europe/Berlin", "notify")
    assert (settings.inbox, settings.inbox_interval, settings.feeds_interval) == (
        "/srv/inbox",
        60,
        900,
    )
    assert settings.feeds == ("https://a.example/rss", "https://b.example/atom")
    assert settings.upload_max_mb == 5
    assert (settings.webhook_url, settings.listen, settings.port, settings.secret_token) == (
        "https://bot.example.org/hook",
        "0.0.0.0",
        8444,
        "s3cret",
    )


def test_load_settings_reads_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("BRIEFBOT_TOP", "7")
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN is not set"):
        load_settings()
    assert load_settings(token=TOKEN).top == 3


@pytest.mark.parametrize(
    ("value", "inline"), [(None, True), ("on", True), (" OFF ", False), ("Off", False)]
)
def test_inline_is_on_or_off(value: str | None, inline: bool) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN}
    if value is not None:
        env["BRIEFBOT_INLINE"] = value
    assert from_environment(env).inline is inline
    assert load_settings(token=TOKEN, inline=value).inline is inline


@pytest.mark.parametrize("value", ["yes", "0", "of"])
def test_a_bad_inline_setting_is_a_clear_error(value: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(token=TOKEN, inline=value)
    assert str(error.value) == (
        f"BRIEFBOT_INLINE {value!r} is neither on nor off; write BRIEFBOT_INLINE=on (allowed "
        "users may share passages into any chat with @botname) or BRIEFBOT_INLINE=off"
    )


def test_options_win_over_the_environment() -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "BRIEFBOT_RATE_LIMIT": "5", "BRIEFBOT_TOP": "2"}
    settings = from_environment(env, "--rate-limit", "7", "--top", "4", "--db", "y.db")
    assert (settings.rate_limit, settings.top, settings.db) == (7, 4, "y.db")


def test_webhook_settings() -> None:
    settings = load_settings(token=TOKEN, webhook_url="https://bot.example.org/briefbot/hook")
    assert settings.webhook_path == "briefbot/hook"
    assert settings.secret_token and len(settings.secret_token) >= 32  # random when not given
    assert (settings.listen, settings.port) == ("127.0.0.1", 8443)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "abc"}, "TELEGRAM_BOT_TOKEN is malformed"),
        ({"BRIEFBOT_API_URL": "api.telegram.org"}, "is not an http(s) URL"),
        ({"BRIEFBOT_ALLOWED": "alice"}, "BRIEFBOT_ALLOWED entry 'alice' is neither"),
        ({"BRIEFBOT_ADMINS": "@alice_k"}, "BRIEFBOT_ADMINS entry '@alice_k' is not a user id"),
        # Accepted before, and never anyone's id: the admin or member stayed locked out.
        (
            {"BRIEFBOT_ADMINS": "12345678901234567890"},
            "BRIEFBOT_ADMINS entry '12345678901234567890' is not a Telegram id: ids are not 0 "
            "and have at most 16 digits; copy it again",
        ),
        (
            {"BRIEFBOT_ALLOWED": "123,-10012345678901234567"},
            "BRIEFBOT_ALLOWED entry '-10012345678901234567' is not a Telegram id",
        ),
        # 0 was accepted here (and refused by /allow): no one's id either.
        ({"BRIEFBOT_ALLOWED": "123,0"}, "BRIEFBOT_ALLOWED entry '0' is not a Telegram id"),
        ({"BRIEFBOT_RATE_LIMIT": "fast"}, "BRIEFBOT_RATE_LIMIT 'fast' is not a whole number"),
        ({"BRIEFBOT_RATE_LIMIT": "0"}, "BRIEFBOT_RATE_LIMIT is 0; it must be at least 1"),
        ({"BRIEFBOT_TOP": "50"}, "BRIEFBOT_TOP 50 is too large"),
        ({"BRIEFBOT_WEBHOOK_URL": "http://x.org/h"}, "must start with https://"),
        ({"BRIEFBOT_WEBHOOK_PORT": "http"}, "--port 'http' is not a number"),
        ({"BRIEFBOT_WEBHOOK_PORT": "70000"}, "--port 70000 is out of range"),
    ],
)
def test_bad_settings_are_named(env: dict[str, str], message: str) -> None:
    if "BRIEFBOT_WEBHOOK_PORT" in env:  # click checks the port's range and form first
        env = {**env, "BRIEFBOT_WEBHOOK_URL": "https://bot.example.org/hook"}
        with pytest.raises(click.BadParameter):
            from_environment({"TELEGRAM_BOT_TOKEN": TOKEN, **env})
        return
    with pytest.raises(click.ClickException) as raised:
        from_environment({"TELEGRAM_BOT_TOKEN": TOKEN, **env})
    assert message in raised.value.message
    assert TOKEN not in raised.value.message


def test_unknown_option_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        load_settings(token=TOKEN, colour="red")


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("1001", "1001"),
        ("-1001234567890", "-1001234567890"),
        ("@Alice_K", "@alice_k"),
        ("@bob", None),  # Telegram usernames have at least five characters
        ("alice", None),
        ("12ab", None),
    ],
)
def test_normalize_subject(text: str, subject: str | None) -> None:
    assert normalize_subject(text) == subject


def test_settings_is_frozen() -> None:
    settings = Settings(token=TOKEN)
    with pytest.raises(AttributeError):
        settings.top = 5  # type: ignore[misc]


def test_followup_minutes_default_and_setting() -> None:
    assert load_settings(token=TOKEN).followup_minutes == 10
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "BRIEFBOT_FOLLOWUP_MINUTES": " 0 "}
    assert from_environment(env).followup_minutes == 0
    assert from_environment(env, "--followup-minutes", "30").followup_minutes == 30


@pytest.mark.parametrize("value", ["ten", "-5", "1441", "2.5", "١٠"])
def test_a_bad_followup_window_is_a_clear_error(value: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(token=TOKEN, followup_minutes=value)
    assert str(error.value) == (
        f"BRIEFBOT_FOLLOWUP_MINUTES {value!r} is not a number of minutes from 0 to 1440; write "
        "e.g. 10, or 0 so that only replies to an answer continue its question"
    )
