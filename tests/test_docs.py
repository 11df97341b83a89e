"""The README documents every command the command line has."""

from __future__ import annotations

from pathlib import Path

from bot.cli import cli

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_every_cli_command_is_in_the_readme() -> None:
    for name, command in cli.commands.items():
        if command.hidden:
            continue
        assert f"`briefbot {name}" in README, f"README lacks briefbot {name}"


def test_every_chat_command_is_in_the_readme() -> None:
    from bot.help import COMMANDS

    for command in COMMANDS:
        if command.name in ("start", "help"):
            continue
        assert f"`/{command.name}" in README, f"README lacks /{command.name}"
