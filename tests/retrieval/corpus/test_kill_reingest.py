"""``kill -9`` during a re-ingest that updates and removes briefs: running it again leaves the
archive a clean single ingest would (#10)."""

from __future__ import annotations

import shutil
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from forking import Forked

from bot.cli import cli
from retrieval.archive import Archive
from retrieval.search.cache import cache_dir_for

pytestmark = pytest.mark.slow  # child processes killed at every point

# Runs ``briefbot ARGS`` and kills itself with SIGKILL at the Nth SQL statement (0: never; the
# number of statements run is then printed), counting every connection the command opens.
KILLER = """
import atexit, os, signal, sqlite3, sys
from bot.cli import cli

stop = int(sys.argv[1])
seen = [0]
connect = sqlite3.connect

def counting_connect(*args, **kwargs):
    conn = connect(*args, **kwargs)
    def trace(statement):
        seen[0] += 1
        if seen[0] == stop:
            os.kill(os.getpid(), signal.SIGKILL)
    conn.set_trace_callback(trace)
    return conn

sqlite3.connect = counting_connect
atexit.register(lambda: print(f"statements={seen[0]}", file=sys.stderr))
cli.main(sys.argv[2:], prog_name="briefbot")
"""

KILL_POINTS = 12


def _issue(volume: int, issue: int, lines: list[str]) -> str:
    parts = []
    for text in lines:
        parts.append(f"Publication: Monitor Volume: {volume} Issue: {issue}\n\n{text}\n")
    return "\n".join(parts)


def _write_version(folder: Path, version: str) -> None:
    """Write the archive folder as it was (``old``) or after corrections (``new``)."""
    folder.mkdir(exist_ok=True)
    (folder / "1998").mkdir(exist_ok=True)
    briefs_180 = [
        "Kazakh grain traders shipped wheat to Iran through the port of Aktau.",
        "Ukrainian miners in Donetsk struck again over unpaid wages.",
        "Latvian customs found smuggled vodka on a ferry from Stockholm.",
    ]
    briefs_181 = [
        "Georgian border guards took over the Black Sea coast from Russian units.",
        "Armenia's nuclear plant at Metsamor restarted its second unit.",
    ]
    records = [
        '{"id": "p-1", "publication": "Prism", "volume": 3, "issue": 1, '
        '"text": "Turkmenistan resumed gas exports to Ukraine."}',
        '{"id": "p-2", "publication": "Prism", "volume": 3, "issue": 2, '
        '"text": "Chechen field commanders met in Grozny to discuss oil transit."}',
        '{"id": "p-3", "publication": "Prism", "volume": 3, "issue": 3, '
        '"text": "Moldova and Transdniester signed a customs protocol."}',
    ]
    if version == "new":
        briefs_180[0] = "Kazakh grain traders sent barley to Turkmenistan by rail."  # corrected
        del briefs_180[2]  # withdrawn
        briefs_181.append("Azerbaijan opened tenders for three Caspian oil blocks.")  # added
        records[1] = records[1].replace("oil transit", "a ceasefire")  # corrected
        del records[2]  # withdrawn
    (folder / "1998" / "m180.txt").write_text(_issue(4, 180, briefs_180))
    (folder / "1998" / "m181.txt").write_text(_issue(4, 181, briefs_181))
    (folder / "prism.jsonl").write_text("\n".join(records) + "\n")


def _snapshot(db: Path) -> dict[str, Any]:
    """Return what the archive holds, without ids and times: briefs, passages and answers."""
    archive = Archive(db)
    try:
        rows = archive.store.db.execute(
            "SELECT key, origin, position, doc_id, publication, volume, issue, title, author, "
            "text, content_hash FROM briefs ORDER BY key"
        ).fetchall()
        passages = archive.store.db.execute(
            "SELECT b.key, p.position, p.text FROM passages p JOIN briefs b ON b.id = p.brief_id "
            "ORDER BY b.key, p.position"
        ).fetchall()
        answers = []
        for question in ("Kazakh grain", "vodka ferry", "Caspian oil blocks", "Grozny", "Moldova"):
            answer = archive.ask(question, top=3)
            answers.append([(h.quote, h.citation.render()) for h in answer.hits])
        return {"briefs": rows, "passages": passages, "answers": answers}
    finally:
        archive.store.close()


def _ingest(db: Path, folder: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(db), "ingest", "-q", str(folder)])
    assert result.exit_code == 0, result.output


def _killed_ingest(
    fork: Callable[..., Forked], db: Path, folder: Path, stop: int
) -> subprocess.CompletedProcess[str]:
    # A child of the fork server (tests/forking.py): a process of its own, without ~0.7 CPU-s
    # of imports for each of the dozen kill points.
    proc = fork(KILLER, str(stop), "--db", str(db), "ingest", "-q", str(folder))
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.pid, proc.wait(), out, err)


def test_kill_9_at_any_point_of_a_reingest_then_rerun_equals_a_clean_ingest(
    tmp_path: Path, copy_database: Callable[[Path, Path], None], fork: Callable[..., Forked]
) -> None:
    def _copy(source: Path, target: Path) -> None:
        copy_database(source, target)
        shutil.copytree(cache_dir_for(source), cache_dir_for(target))

    folder = tmp_path / "archive"
    _write_version(folder, "new")
    clean_db = tmp_path / "clean.db"
    _ingest(clean_db, folder)
    clean = _snapshot(clean_db)
    assert len(clean["briefs"]) == 7

    _write_version(folder, "old")
    template = tmp_path / "old.db"
    _ingest(template, folder)
    _write_version(folder, "new")
    # Count the statements of the re-ingest itself, on a copy of the old archive.
    count_db = tmp_path / "count.db"
    _copy(template, count_db)
    counted = _killed_ingest(fork, count_db, folder, 0)
    assert counted.returncode == 0, counted.stderr
    total = int(counted.stderr.rsplit("statements=", 1)[1].split()[0])
    assert total > 3 * KILL_POINTS
    points = sorted({1 + (total - 2) * k // (KILL_POINTS - 1) for k in range(KILL_POINTS)})
    assert len(points) >= 10
    killed = 0
    for stop in points:
        db = tmp_path / f"killed-{stop}.db"
        _copy(template, db)
        run = _killed_ingest(fork, db, folder, stop)
        killed += run.returncode == -signal.SIGKILL
        _ingest(db, folder)
        assert _snapshot(db) == clean, f"killed at statement {stop} of {total}"
    assert killed == len(points)


# KILLER counting only from the first statement that checks which files are new (Store.new_files)
# on: it kills itself at the Nth statement from there.
KILLER_FROM_NEW_FILES = KILLER.replace(
    "        seen[0] += 1\n",
    "        if seen[0] or 'json_each' in statement:\n            seen[0] += 1\n",
)


def test_kill_9_at_any_point_of_writing_new_files_then_rerun_equals_a_clean_ingest(
    tmp_path: Path, fork: Callable[..., Forked]
) -> None:
    # A first ingest writes its new files together (Store.insert_new, #11): killed at any
    # statement of that write or after it, the database holds whole files or none, and running
    # the ingest again completes it.
    folder = tmp_path / "archive"
    _write_version(folder, "new")
    clean_db = tmp_path / "clean.db"
    _ingest(clean_db, folder)
    clean = _snapshot(clean_db)
    killed = 0
    for stop in range(1, 24, 2):
        db = tmp_path / f"killed-{stop}.db"
        proc = fork(KILLER_FROM_NEW_FILES, str(stop), "--db", str(db), "ingest", "-q", str(folder))
        proc.communicate(timeout=120)
        killed += proc.wait() == -signal.SIGKILL
        _ingest(db, folder)
        assert _snapshot(db) == clean, f"killed at statement {stop} of the write"
    assert killed == 12
