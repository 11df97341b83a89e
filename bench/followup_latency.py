"""Measure what a follow-up answer costs against a plain question, on a synthetic archive.

Usage::

    python bench/followup_latency.py [N] [--work bench/out/latency] [--questions 200]
        [--repeat 3]

Builds (once, like ``bench/latency.py``) the synthetic archive of N passages (default 100,000)
and its question set, ingests it into a fresh database and, in this process with the index
loaded, times ``Archive.ask`` for every question asked plainly and for a follow-up read with it
as its earlier question (``"why?"``, ``"how much did it cost?"``, ``"and what did they say about
it?"`` in turn: the follow-up's own words plus the question's at ``CONTEXT_WEIGHT``), each
``--repeat`` times. Prints one JSON object: p50/p95 of both in milliseconds and their ratio (the
issue's target: a follow-up costs at most 1.5x a plain question).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from latency import CLI, fresh_db, generate, load_questions, run  # noqa: E402

from retrieval.archive import Archive  # noqa: E402

FOLLOWUPS = ("why?", "how much did it cost?", "and what did they say about it?")


def pct(values: list[float], q: float) -> float:
    """Return the ``q`` quantile of ``values`` in milliseconds."""
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def main(argv: list[str] | None = None) -> int:
    """Print the plain and follow-up latencies and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "latency")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    folder = generate(args.n, args.work / str(args.n))
    db = fresh_db(folder)
    run([*CLI, "--db", str(db), "ingest", "-q", str(folder / "archive")])
    archive = Archive(db)
    archive.index()
    questions = load_questions(folder, args.questions)
    plain: list[float] = []
    follow: list[float] = []
    for question in questions[:5]:  # warm up
        archive.ask(question)
    for _ in range(args.repeat):
        for n, question in enumerate(questions):
            t = time.perf_counter()
            archive.ask(question)
            plain.append(time.perf_counter() - t)
            t = time.perf_counter()
            archive.ask(FOLLOWUPS[n % len(FOLLOWUPS)], earlier=[question])
            follow.append(time.perf_counter() - t)
    result = {
        "passages": archive.store.passage_count(),
        "questions": len(questions),
        "repeat": args.repeat,
        "plain_ms": {"p50": pct(plain, 0.5), "p95": pct(plain, 0.95)},
        "followup_ms": {"p50": pct(follow, 0.5), "p95": pct(follow, 0.95)},
        "ratio_p50": round(statistics.median(follow) / statistics.median(plain), 2),
        "ratio_mean": round(statistics.fmean(follow) / statistics.fmean(plain), 2),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "python": platform.python_version(),
    }
    archive.close()
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
