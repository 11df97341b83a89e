"""``briefbot ingest`` leaves the saved index ready for the first question (#10)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from retrieval.search.cache import cache_dir_for

Run = Callable[..., Result]

BRIEF = (
    "Publication: Monitor Volume: 4 Issue: 190\n\n"
    "Belarusian customs held Polish apple trucks at the Brest crossing.\n\n"
    "Exporters in Lublin counted the losses of the apple trade.\n"
)


def _index_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "retrieval.catchup"]


def test_ingest_saves_the_index_and_ask_loads_it(
    run_cli: Run, db_path: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "m190.txt"
    path.write_text(BRIEF)
    result = run_cli("ingest", str(path))
    assert result.exit_code == 0
    assert "index ready: 2 passages (built in " in result.stderr
    assert result.stderr.count("index ready") == 1
    assert cache_dir_for(db_path).is_dir()
    caplog.clear()
    caplog.set_level(logging.INFO)
    asked = run_cli("ask", "apple trucks Brest")
    assert "*Brest* crossing" in asked.stdout
    [line] = _index_logs(caplog)
    assert line.startswith("index loaded from") and "2 passages" in line
    # A second ingest catches the saved index up with what it changed.
    path.write_text(BRIEF.replace("apple trucks", "pear lorries"))
    again = run_cli("ingest", str(path))
    assert "index ready: 2 passages (caught up in " in again.stderr


def test_no_index_leaves_it_to_the_first_question(
    run_cli: Run, db_path: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "m190.txt"
    path.write_text(BRIEF)
    result = run_cli("ingest", "--no-index", str(path))
    assert result.exit_code == 0 and "index" not in result.stderr
    assert not cache_dir_for(db_path).exists()
    caplog.set_level(logging.INFO)
    run_cli("ask", "apple trucks Brest")
    assert any("building it" in line for line in _index_logs(caplog))


def test_quiet_ingest_builds_the_index_silently(
    run_cli: Run, db_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "m190.txt"
    path.write_text(BRIEF)
    result = run_cli("ingest", "-q", str(path))
    assert result.exit_code == 0 and "index" not in result.stderr
    assert cache_dir_for(db_path).is_dir()
