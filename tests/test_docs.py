"""The README documents every command the command line has, and its examples run."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

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


# -- the README holds word for word -------------------------------------------------------------

ROOT = Path(__file__).parent.parent


def readme_commands() -> list[str]:
    """Return the ``briefbot …`` lines of the README's code blocks."""
    lines, inside = [], False
    for line in README.splitlines():
        if line.startswith("```"):
            inside = not inside
        elif inside and line.startswith("briefbot "):
            lines.append(line)
    return lines


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Run from the repository (the examples name data/sample); return a fresh database path."""
    monkeypatch.chdir(ROOT)
    return tmp_path / "briefbot.db"


def briefbot(db: Path, line: str, **env: str) -> Result:
    """Run one README line as a user would, with the database at ``db`` instead of data/."""
    args = shlex.split(line.replace("data/briefbot.db", str(db)))[1:]
    return CliRunner().invoke(cli, args, env={"BRIEFBOT_DB": str(db), **env})


def test_the_readme_has_examples() -> None:
    assert len(readme_commands()) >= 8
    assert "briefbot brief Monitor 4 142" in readme_commands()


def test_every_readme_example_runs_on_the_sample(in_repo: Path) -> None:
    for line in readme_commands():
        result = briefbot(in_repo, line)
        assert result.exit_code == 0, f"{line}\n{result.output}"
        assert result.stdout.strip(), f"{line} printed nothing"


def json_keys(value: Any) -> set[str]:
    """Return every key of every object in ``value``, however deep."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in json_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in json_keys(v)}
    return set()


def test_every_json_key_is_documented(in_repo: Path, tmp_path: Path) -> None:
    assert briefbot(in_repo, "briefbot ingest -q data/sample").exit_code == 0
    queries = tmp_path / "queries.jsonl"
    queries.write_text(
        '{"id": "a", "text": "Who fled Kazakhstan with US$4 million?"}\n'
        '{"id": "b", "text": "when?", "after": "a"}\n'
    )
    outputs = [
        briefbot(in_repo, 'briefbot ask --json "Who fled Kazakhstan with US$4 million?"'),
        briefbot(in_repo, 'briefbot ask --json "zzzyzzx"'),
        briefbot(in_repo, 'briefbot ask --json --since 1998-02-30 "hryvnia"'),
        briefbot(in_repo, f"briefbot ask --queries {queries}"),
        briefbot(in_repo, 'briefbot check --json "The council has 300 corruption cases."'),
        briefbot(in_repo, 'briefbot check --json "zzzyzzx"'),
        briefbot(  # over 280 characters and several sentences: checked one by one
            in_repo,
            "briefbot check --json \"Kazakhstan's security council has 300 corruption cases "
            "under review, and 201 of them concern members of the security services. Mikhail "
            "Bazhenov, who ran the largest mining complex, fled Kazakhstan in December 1997 "
            'with some US$4 million, and President Nazarbaev faulted the police and the courts."',
        ),
    ]
    keys: set[str] = set()
    for result in outputs:
        for line in result.stdout.splitlines():
            keys |= json_keys(json.loads(line))
    assert {"reason", "message", "confidence", "found", "read_as", "sentences"} <= keys
    missing = sorted(k for k in keys if f'"{k}"' not in README and f"`{k}`" not in README)
    assert not missing, f"README does not document these --json keys: {missing}"


def test_no_merge_conflict_is_left_in_the_project() -> None:
    # A merge's "<<<<<<<" block once stayed in docs/quality.md unseen: every text file of the
    # project is read for one.
    root = Path(__file__).resolve().parent.parent
    left = [
        f"{path.relative_to(root)}:{n}"
        for folder in ("bot", "retrieval", "tests", "bench", "docs", "data", "deploy")
        for path in (root / folder).rglob("*")
        if path.suffix in {".py", ".md", ".txt", ".toml", ".jsonl", ".cfg"}
        and "out" not in path.relative_to(root).parts  # the benches' own output
        and path.is_file()
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if line.startswith(("<<<<<<< ", ">>>>>>> "))
    ]
    for name in ("README.md", "CHANGELOG.md", "pyproject.toml", "Makefile"):
        lines = (root / name).read_text(encoding="utf-8").splitlines()
        left += [f"{name}:{n}" for n, line in enumerate(lines, 1) if line.startswith("<<<<<<< ")]
    assert left == []
