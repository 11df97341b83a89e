"""Measure the bot's cold start and memory on an archive already ingested and indexed.

Usage::

    python bench/footprint.py DB QUESTIONS [--growth ARCHIVE] [--code DIR] [--repeat 3]
        [--questions 300] [--cold 3]

``bench/latency.py`` times everything from a fresh ingest; this times only the two figures a
change of the index's format or loading moves, on a database built once, so that old and new code
can be run one after the other in the same conditions (``--code``: the folder holding the
``retrieval`` package to run, e.g. an export of another commit; each needs its own copy of the
database and index, since a format change rebuilds the index):

1. **Cold start**, ``--cold`` times: a fresh process imports briefbot, opens the archive and
   answers the first question (as ``bench/latency.py`` step 4); wall time from process start.
   Also the split: imports, index load, first question.
2. **The bot process** (as step 5): every question ``--repeat`` times, then, with ``--growth``,
   ``briefbot ingest ARCHIVE`` from another process and questions until the index caught up.
   Its memory after each stage, from ``/proc/self/status``: resident anonymous memory
   (``RssAnon``: the process's own) and file-backed (``RssFile``: pages of memory-mapped files,
   the index's arrays, counted once touched), and the peak (``VmHWM``: the process's own, where
   ``ru_maxrss`` would include the peak of the process that started it); the
   largest file-backed mappings at the end (``/proc/self/smaps``).

Prints one JSON object. ``--growth`` writes to the database: run it on a copy.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COLD = """
import sys, time
t0 = time.perf_counter()
from retrieval.archive import Archive
t1 = time.perf_counter()
archive = Archive(sys.argv[1])
archive.index()
t2 = time.perf_counter()
answer = archive.ask(sys.argv[2])
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, len(answer.hits), flush=True)
"""

BOT = """
import json, sys, time
import numpy as np

def memory():
    fields = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS", "RssAnon", "RssFile"):
                fields[key] = round(int(value.split()[0]) / 1024, 1)
    return fields

stages = {"started": memory()}
from retrieval.text.analyzer import analyze
from retrieval.archive import Archive
stages["imported"] = memory()
db, questions, repeat = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
probe = json.loads(sys.argv[4])
archive = Archive(db)
archive.index()
stages["loaded"] = memory()
archive.ask(questions[0])
stages["first answer"] = memory()
answers = []
for r in range(repeat):
    for q in questions:
        archive.index().top(analyze(q), 10)
        answer = archive.ask(q)
        if r == 0:
            answers.append(repr(answer))
stages["questions"] = memory()
if probe:
    last_id = int(archive.index().ids.max())
    print(json.dumps({"ready": True}), flush=True)
    sys.stdin.readline()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        hits = [h for q in probe for h in archive.ask(q).hits]
        if any(h.passage_id > last_id for h in hits):
            break
        time.sleep(0.05)
    else:
        stages["growth never answerable"] = True
    stages["growth"] = memory()
maps, current = {}, None
with open("/proc/self/smaps") as fh:
    for line in fh:
        head = line.split()
        if "-" in head[0] and len(head) >= 5 and not head[0].endswith(":"):
            current = head[5] if len(head) > 5 else "[anon]"
        elif head[0] == "Rss:":
            maps[current] = maps.get(current, 0) + int(head[1])
largest = sorted(maps.items(), key=lambda kv: -kv[1])[:12]
import hashlib
print(json.dumps({
    "stages": stages,
    "largest_mappings_mb": {k: round(v / 1024, 1) for k, v in largest},
    "answers_sha256": hashlib.sha256("\\n".join(answers).encode()).hexdigest(),
    "sync": archive.indexer.last_sync,
}), flush=True)
"""


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print the JSON figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("questions", type=Path, help="questions.jsonl of the archive")
    parser.add_argument("--growth", type=Path, help="an archive folder to ingest meanwhile")
    parser.add_argument("--code", type=Path, default=ROOT, help="folder holding retrieval/")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--questions-limit", type=int, default=300, dest="limit")
    parser.add_argument("--cold", type=int, default=3)
    parser.add_argument("--skip-bot", action="store_true")
    args = parser.parse_args(argv)
    code = args.code.resolve()
    db = str(args.db.resolve())
    with open(args.questions, encoding="utf-8") as fh:
        questions = [json.loads(line)["text"] for line in fh][: args.limit]
    result: dict[str, object] = {"code": str(code), "load_average": os.getloadavg()}
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "retrieval", "bot"], cwd=code, check=True
    )
    colds = []
    for _ in range(args.cold):
        t = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", COLD, db, questions[0]],
            cwd=code,
            capture_output=True,
            text=True,
            check=True,
        )
        wall = time.perf_counter() - t
        imports, load, first, _ = done.stdout.split()
        colds.append(
            {
                "wall_s": round(wall, 3),
                "imports_s": round(float(imports), 3),
                "load_s": round(float(load), 3),
                "first_answer_s": round(float(first), 3),
            }
        )
    result["cold"] = colds
    if not args.skip_bot:
        probe: list[str] = []
        if args.growth is not None:
            with open(args.growth.resolve().parent / "questions.jsonl", encoding="utf-8") as fh:
                probe = [q["text"] for q in map(json.loads, fh) if q["kind"] == "match"][:3]
        bot_args = [db, json.dumps(questions), str(args.repeat), json.dumps(probe)]
        piped = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE}
        bot = subprocess.Popen([sys.executable, "-c", BOT, *bot_args], cwd=code, text=True, **piped)
        assert bot.stdin is not None and bot.stdout is not None
        if probe:
            json.loads(bot.stdout.readline())
            cli = [sys.executable, "-c", "from bot.cli import main; main()"]
            bot.stdin.write("go\n")
            bot.stdin.flush()
            subprocess.run(
                [*cli, "--db", db, "ingest", "-q", str(args.growth.resolve())],
                cwd=code,
                check=True,
                capture_output=True,
            )
        result["bot"] = json.loads(bot.stdout.readline())
        bot.wait(timeout=60)
    result["load_average_end"] = os.getloadavg()
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
