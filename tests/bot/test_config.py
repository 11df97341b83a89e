"""Settings: read once from the environment and options, checked, with clear errors."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Settings, load_settings, normalize_subject

TOKEN = "123456789:AAHfake-token_for_tests_0123456789ab"


def test_defaults() -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert settings.token == TOKEN
    assert settings.api_url == "https://api.telegram.org"
    assert settings.base_url == "https://api.telegram.org/bot"
    assert settings.allowed == frozenset() and settings.admins == frozenset()
    assert settings.rate_limit == 20 and settings.top == 3
    assert settings.webhook_url is None and settings.secret_token is None
    assert TOKEN not in repr(settings)


def test_environment_is_read() -> None:
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": f" {TOKEN} ",
            "BRIEFBOT_API_URL": "http://127.0.0.1:8081/",
            "BRIEFBOT_ALLOWED": "1001, @Alice_K -1001234567890",
            "BRIEFBOT_ADMINS": "1",
            "BRIEFBOT_RATE_LIMIT": "5",
            "BRIEFBOT_DB": "x.db",
        }
    )
    assert settings.token == TOKEN
    assert settings.base_url == "http://127.0.0.1:8081/bot"
    assert settings.base_file_url == "http://127.0.0.1:8081/file/bot"
    assert settings.allowed == {"1001", "@alice_k", "-1001234567890"}
    assert settings.admins == {1}
    assert settings.rate_limit == 5
    assert settings.db == "x.db"


@pytest.mark.parametrize(
    ("value", "inline"), [(None, True), ("on", True), (" OFF ", False), ("Off", False)]
)
def test_inline_is_on_or_off(value: str | None, inline: bool) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN}
    if value is not None:
        env["BRIEFBOT_INLINE"] = value
    assert load_settings(env).inline is inline


@pytest.mark.parametrize("value", ["yes", "0", "of"])
def test_a_bad_inline_setting_is_a_clear_error(value: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "BRIEFBOT_INLINE": value})
    assert str(error.value) == (
        f"BRIEFBOT_INLINE {value!r} is neither on nor off; write BRIEFBOT_INLINE=on (allowed "
        "users may share passages into any chat with @botname) or BRIEFBOT_INLINE=off"
    )


def test_options_win_over_the_environment() -> None:
    settings = load_settings(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "BRIEFBOT_RATE_LIMIT": "5"}, rate_limit=7, db="y.db"
    )
    assert settings.rate_limit == 7 and settings.db == "y.db"


def test_webhook_settings() -> None:
    settings = load_settings(
        {"TELEGRAM_BOT_TOKEN": TOKEN}, webhook_url="https://bot.example.org/briefbot/hook"
    )
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
        ({"BRIEFBOT_RATE_LIMIT": "fast"}, "BRIEFBOT_RATE_LIMIT 'fast' is not a whole number"),
        ({"BRIEFBOT_RATE_LIMIT": "0"}, "BRIEFBOT_RATE_LIMIT is 0; it must be at least 1"),
        ({"BRIEFBOT_TOP": "50"}, "BRIEFBOT_TOP 50 is too large"),
        ({"BRIEFBOT_WEBHOOK_URL": "http://x.org/h"}, "must start with https://"),
        ({"BRIEFBOT_WEBHOOK_PORT": "http"}, "--port 'http' is not a number"),
        ({"BRIEFBOT_WEBHOOK_PORT": "70000"}, "--port 70000 is out of range"),
    ],
)
def test_bad_settings_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, **env})
    assert message in str(raised.value)
    assert TOKEN not in str(raised.value)


def test_unknown_option_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}, colour="red")


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
    assert load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}).followup_minutes == 10
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "BRIEFBOT_FOLLOWUP_MINUTES": " 0 "}
    assert load_settings(env).followup_minutes == 0
    assert load_settings(env, followup_minutes=30).followup_minutes == 30


@pytest.mark.parametrize("value", ["ten", "-5", "1441", "2.5", "١٠"])
def test_a_bad_followup_window_is_a_clear_error(value: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "BRIEFBOT_FOLLOWUP_MINUTES": value})
    assert str(error.value) == (
        f"BRIEFBOT_FOLLOWUP_MINUTES {value!r} is not a number of minutes from 0 to 1440; write "
        "e.g. 10, or 0 so that only replies to an answer continue its question"
    )
