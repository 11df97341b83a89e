"""The bot's HTTP transport and the environment's proxies (issue 16)."""

from __future__ import annotations

import pytest

from bot.outgoing import uses_env_proxy


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start each test with no proxy in the environment, whatever the machine has."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def test_no_proxy_in_the_environment_keeps_the_marking_transport() -> None:
    assert not uses_env_proxy("https://api.telegram.org/bot")


def test_an_https_proxy_in_the_environment_carries_the_calls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert uses_env_proxy("https://api.telegram.org/bot")
    assert not uses_env_proxy("http://127.0.0.1:8081/bot")  # a plain-HTTP local Bot API


def test_no_proxy_exempts_the_api_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALL_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "api.telegram.org")
    assert not uses_env_proxy("https://api.telegram.org/bot")
    assert uses_env_proxy("https://other.example/bot")
