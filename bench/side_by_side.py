"""Compare the search engine of another copy of briefbot with this one's, in the same conditions.

Usage::

    python bench/side_by_side.py retrieval OLD_TREE INDEX_FOLDER [--rounds 3] [--k 10]
    python bench/side_by_side.py build OLD_TREE DB [--pairs 2]
    python bench/side_by_side.py answer OLD_TREE DB [--rounds 3] [--top 3] [--lines FILE]

``OLD_TREE`` is a folder holding another version's ``retrieval/`` package (e.g. ``git archive
COMMIT | tar -x -C /tmp/old``). On a shared machine absolute times swing with the neighbours'
load, so the two are timed alternately and the load is printed with every figure.

* ``retrieval``: both versions load the saved index ``INDEX_FOLDER`` (a ``<db>.index`` folder
  beside its ``questions.jsonl``, as ``bench/latency.py`` leaves them) in one process (the old
  package imported as ``oldretrieval``), and answer its first 300 questions with
  ``top_positions(terms, k)``, question by question, old and new alternating which goes first,
  in CPU time. Prints p50 and p95 per round and their medians, the median of new ÷ old per
  question, and whether every position and score is identical (with a digest of them).
* ``answer``: both versions open copies of the archive ``DB`` (with its saved index, one copy
  each, so that neither writes the other's cache) in one process and answer the first 300
  questions of its ``questions.jsonl`` as the bench's bot loop does (``Archive.ask``, ``--top``
  passages), every answer's ``to_json()`` compared first; then ``--rounds`` rounds, question by
  question, old and new alternating which goes first, in CPU time, with the retrieval the
  bench divides by (``BM25Index.top`` of the analysed question, top 10, new code). With
  ``--lines FILE`` (``ask --queries`` lines, e.g. the bench's ``queries.txt``) it times instead
  what ``briefbot ask --queries --json --top 10`` does a line, each line once from freshly
  opened archives: ``reading``, ``ask`` and the JSON.
* ``build``: builds the index of ``DB`` from scratch (its cache folder removed first), old then
  new, ``--pairs`` times, each in a fresh process started from its own tree (so that the worker
  processes run that tree's code). Prints the wall time, the CPU seconds of the main process and
  of its workers, and the load.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RETRIEVAL = """
import hashlib, json, pickle, sys, time
from pathlib import Path
import numpy as np
sys.path.insert(0, sys.argv[1])
folder, rounds, k = Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
import oldretrieval.search.cache as old_cache
import retrieval.search.cache as new_cache
from oldretrieval.search.bm25 import BM25Params as OldParams
from retrieval.search.bm25 import BM25Params
from retrieval.text.analyzer import ANALYZER_VERSION, analyze
indexes = {
    "old": old_cache.load_index(folder, params=OldParams(), analyzer=ANALYZER_VERSION).index,
    "new": new_cache.load_index(folder, params=BM25Params(), analyzer=ANALYZER_VERSION).index,
}
with open(folder.parent / "questions.jsonl", encoding="utf-8") as fh:
    terms = [analyze(json.loads(line)["text"]) for line in fh][:300]
times = {"old": [], "new": []}
found = {"old": [], "new": []}
for r in range(rounds):
    spent = {"old": [], "new": []}
    for i, question in enumerate(terms):
        for name in ("old", "new") if i % 2 == 0 else ("new", "old"):
            start = time.process_time()
            positions, scores = indexes[name].top_positions(question, k)
            spent[name].append(time.process_time() - start)
            if r == 0:
                found[name].append((positions.tolist(), scores.tolist()))
    for name in times:
        times[name].append(spent[name])
result = {}
for name, runs in times.items():
    ms = np.asarray(runs) * 1000
    p50, p95 = np.percentile(ms, [50, 95], axis=1)
    result[name] = {"p50": [round(float(v), 3) for v in p50],
                    "p95": [round(float(v), 3) for v in p95],
                    "median_p50": round(float(np.median(p50)), 3),
                    "median_p95": round(float(np.median(p95)), 3)}
ratio = np.asarray(times["new"]) / np.maximum(np.asarray(times["old"]), 1e-9)
result["new_over_old_per_question"] = round(float(np.median(ratio)), 3)
result["identical"] = found["old"] == found["new"]
result["digest"] = hashlib.sha256(pickle.dumps(found["new"])).hexdigest()[:16]
print(json.dumps(result))
"""

ANSWER = """
import hashlib, json, os, sys, time
from pathlib import Path
import numpy as np
sys.path.insert(0, sys.argv[1])
old_db, new_db, rounds, top, lines = sys.argv[2:7]
from oldretrieval.archive import Archive as OldArchive
from retrieval.archive import Archive
from retrieval.text.analyzer import analyze
archives = {"old": OldArchive(old_db), "new": Archive(new_db)}
for archive in archives.values():
    archive.index()
clock = time.process_time
result = {}
if lines:
    texts = [t.strip() for t in Path(lines).read_text(encoding="utf-8").splitlines() if t.strip()]
    spent, said = {"old": [], "new": []}, {"old": [], "new": []}
    for i, text in enumerate(texts):
        for name in ("old", "new") if i % 2 == 0 else ("new", "old"):
            archive = archives[name]
            start = clock()
            context = archive.reading(text, [])
            answer = archive.ask(text, top=10, earlier=context)
            line = json.dumps(answer.to_json(), ensure_ascii=False, default=str)
            spent[name].append(clock() - start)
            said[name].append(line)
    for name, values in spent.items():
        ms = np.asarray(values) * 1000
        result[name] = {"mean": round(float(ms.mean()), 3), "p50": round(float(np.median(ms)), 3)}
    ratio = np.asarray(spent["new"]) / np.maximum(np.asarray(spent["old"]), 1e-9)
else:
    with open(Path(new_db).parent / "questions.jsonl", encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh][:300]
    said = {name: [json.dumps(a.ask(q, top=int(top)).to_json(), sort_keys=True, default=str)
                   for q in texts] for name, a in archives.items()}
    index = archives["new"].index()
    runs = {"retrieval": [], "old": [], "new": []}
    ratios = []
    for r in range(int(rounds)):
        spent = {name: [] for name in runs}
        for i, q in enumerate(texts):
            start = clock()
            index.top(analyze(q), 10)
            spent["retrieval"].append(clock() - start)
            for name in ("old", "new") if (i + r) % 2 == 0 else ("new", "old"):
                start = clock()
                archives[name].ask(q, top=int(top))
                spent[name].append(clock() - start)
        for name, values in spent.items():
            runs[name].append(round(float(np.median(values)) * 1000, 3))
        ratios.append(np.asarray(spent["new"]) / np.maximum(np.asarray(spent["old"]), 1e-9))
    result = {f"{name}_p50": values for name, values in runs.items()}
    ratio = np.concatenate(ratios)
result["new_over_old_median"] = round(float(np.median(ratio)), 3)
result["identical"] = f"{sum(a == b for a, b in zip(said['old'], said['new']))} / {len(texts)}"
result["digest"] = hashlib.sha256("\\n".join(said["new"]).encode()).hexdigest()[:16]
print(json.dumps(result))
"""

BUILD = """
import json, os, resource, shutil, sys, time
db = sys.argv[1]
shutil.rmtree(db + ".index", ignore_errors=True)
start = time.perf_counter()
from retrieval.archive import Archive
archive = Archive(db)
index = archive.index()
wall = time.perf_counter() - start
me = resource.getrusage(resource.RUSAGE_SELF)
workers = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall_s": round(wall, 2), "sync_s": archive.indexer.last_sync["seconds"],
                  "cpu_main_s": round(me.ru_utime + me.ru_stime, 1),
                  "cpu_workers_s": round(workers.ru_utime + workers.ru_stime, 1),
                  "segments": len(index.segments)}))
"""


def renamed_copy(tree: Path, into: Path) -> Path:
    """Return a folder holding ``tree``'s ``retrieval`` package as ``oldretrieval``, its own
    imports renamed, so that both versions can be imported in one process."""
    target = into / "oldretrieval"
    shutil.copytree(tree / "retrieval", target, ignore=shutil.ignore_patterns("__pycache__"))
    pattern = re.compile(r"(?<![\w.])retrieval(?=[.\s])")
    for path in target.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        path.write_text(pattern.sub("oldretrieval", text), encoding="utf-8")
    return into


def load() -> str:
    """Return the load average as printed with each figure."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def retrieval(args: argparse.Namespace) -> None:
    """Time both versions' retrieval in one process and print the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        where = renamed_copy(args.old_tree.resolve(), Path(tmp))
        before = load()
        command = [sys.executable, "-c", RETRIEVAL, str(where), str(args.index.resolve())]
        done = subprocess.run(
            [*command, str(args.rounds), str(args.k)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    figures = json.loads(done.stdout)
    print(json.dumps({"k": args.k, "load_before": before, "load_after": load(), **figures}))


def answer(args: argparse.Namespace) -> None:
    """Time both versions' answers in one process and print the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        where = renamed_copy(args.old_tree.resolve(), Path(tmp))
        copies = []
        for name in ("old", "new"):
            folder = Path(tmp) / name
            folder.mkdir()
            shutil.copy(args.db, folder / args.db.name)
            index = args.db.with_name(args.db.name + ".index")
            if index.is_dir():
                shutil.copytree(index, folder / index.name)
            copies.append(str(folder / args.db.name))
        # The questions are read beside the new copy, as the bench leaves them beside DB.
        questions = args.db.with_name("questions.jsonl")
        if questions.exists():
            shutil.copy(questions, Path(tmp) / "new" / questions.name)
        before = load()
        lines = str(args.lines.resolve()) if args.lines else ""
        command = [sys.executable, "-c", ANSWER, str(where), *copies]
        done = subprocess.run(
            [*command, str(args.rounds), str(args.top), lines],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    figures = json.loads(done.stdout)
    print(json.dumps({"load_before": before, "load_after": load(), **figures}))


def build(args: argparse.Namespace) -> None:
    """Build the index with each version in turn and print the figures of each build."""
    db = str(args.db.resolve())
    for _ in range(args.pairs):
        for name, tree in (("old", args.old_tree.resolve()), ("new", ROOT)):
            before = load()
            done = subprocess.run(
                [sys.executable, "-c", BUILD, db],
                cwd=tree,
                env={**os.environ, "PYTHONPATH": str(tree)},
                capture_output=True,
                text=True,
                check=True,
            )
            figures = json.loads(done.stdout)
            print(json.dumps({"code": name, "load_before": before, **figures}), flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the comparison asked for."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    timed = commands.add_parser("retrieval")
    timed.add_argument("old_tree", type=Path)
    timed.add_argument("index", type=Path)
    timed.add_argument("--rounds", type=int, default=3)
    timed.add_argument("--k", type=int, default=10)
    answered = commands.add_parser("answer")
    answered.add_argument("old_tree", type=Path)
    answered.add_argument("db", type=Path)
    answered.add_argument("--rounds", type=int, default=3)
    answered.add_argument("--top", type=int, default=3)
    answered.add_argument("--lines", type=Path)
    built = commands.add_parser("build")
    built.add_argument("old_tree", type=Path)
    built.add_argument("db", type=Path)
    built.add_argument("--pairs", type=int, default=2)
    args = parser.parse_args(argv)
    {"retrieval": retrieval, "answer": answer, "build": build}[args.command](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
