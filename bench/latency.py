"""Measure briefbot at scale: ingest, index build, cold start, answer latency, memory, growth.

Usage::

    python bench/latency.py 10000 100000 1000000 [--work bench/out/latency] [--questions 300]
        [--naive-sample 30] [--repeat 3]

For each size N, one run:

1. ``bench/make_archive.py N`` writes the deterministic synthetic archive and its questions under
   ``WORK/N`` (kept and reused: the same arguments always give the same files).
2. **Ingest**: ``briefbot ingest -q --no-index`` into a fresh database, in its own process;
   passages per second end to end (process start, parsing, SQLite; the index is left to step 3).
3. **Index build**: a fresh process builds and saves the index (``Archive.index()``) with no
   cache; seconds and that process's peak RSS.
4. **Cold start**: a fresh process imports briefbot, opens the archive (the saved index) and
   answers the first question; wall time from starting the process to the answer, ``--repeat``
   times (median).
5. **The bot process**: a fresh process answers every question ``--repeat`` times: *retrieval*
   (analysis and the exact BM25 top 10, ``BM25Index.top``) and *answer* (``Archive.ask``: ranking,
   quotes and citations as the bot shows them); then ``briefbot ingest`` adds 100 new briefs from
   another process and the bot process asks until a passage of them is answered (**growth**).
   Its peak RSS is the bot's.

A process's peak RSS is its own high-water mark, ``VmHWM`` of ``/proc/self/status``, not
``getrusage``'s ``ru_maxrss``: a process started from this one inherits in ``ru_maxrss`` the peak
this process reached before starting it (Linux keeps the larger of the two across ``exec``), so at
1M the bot's figure was this bench's own peak after the 100k side-by-side step (rank-bm25 and
tantivy in memory), not the bot's.
6. **Side by side, in this process and on the same questions**: briefbot's retrieval, naive
   rank-bm25 (``BM25Okapi.get_scores`` over everything, on ``--naive-sample`` questions: about
   2 s each at 1M) and tantivy (a native engine, same tokens, its own BM25) as the reference.
   Every question timed for briefbot is checked against rank-bm25: the top 10 must hold the same
   scores to 1e-9 relative and the same passages up to exact ties (rank-bm25's own
   ``get_batch_scores`` on every passage sharing a term with the question).

7. **The command line**: ``briefbot ask --queries FILE --json --top 10`` over the questions, in
   its own process; per question with start-up excluded (answering every question minus
   answering one, over the number of questions less one), ``--repeat`` times (median), against
   naive rank-bm25's p50 from step 6.

The bot process's answers are also given for the first pass alone (``answer_ms_first_pass``):
later passes find the analysed feedback passages and the brief-level document frequencies of
the questions' terms already cached.

Latencies are the median over ``--repeat`` runs of each percentile. Prints one JSON object per
size, then a summary of the figures against the targets of issue 11.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
GROWTH_PASSAGES = 400  # about 100 briefs (2-6 passages each)
GROWTH_SEED = 20_05
# The growth's issues start in this year, after every archive's last: they add briefs rather than
# replace stored ones of the same publication, volume and issue (the archives end before 2060).
GROWTH_YEAR = 2100

CLI = [sys.executable, "-c", "from bot.cli import main; main()"]

# The process's own peak RSS in MB (see the module docstring: not ``ru_maxrss``), defined
# ahead of the BUILD and BOT scripts.
PEAK = """
def peak_rss_mb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")
"""

BUILD = """
import json, sys, time
t = time.perf_counter()
from retrieval.archive import Archive
archive = Archive(sys.argv[1])
index = archive.index()
print(json.dumps({"seconds": time.perf_counter() - t, "sync": archive.indexer.last_sync,
                  "index": index.describe(), "peak_rss_mb": peak_rss_mb()}))
"""

COLD = """
import sys
from retrieval.archive import Archive
answer = Archive(sys.argv[1]).ask(sys.argv[2])
print("answered", len(answer.hits), flush=True)
"""

BOT = """
import json, sys, time
import numpy as np
from retrieval.text.analyzer import analyze
from retrieval.archive import Archive
db, questions, repeat = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
probe = json.loads(sys.argv[4])
archive = Archive(db)
archive.ask(questions[0])

def pct(values):
    ms = np.asarray(values) * 1000
    return [float(v) for v in np.percentile(ms, [50, 95, 99])]

runs = {"retrieval": [], "answer": []}
for _ in range(repeat):
    retrieval, answer = [], []
    for q in questions:
        t = time.perf_counter()
        archive.index().top(analyze(q), 10)
        retrieval.append(time.perf_counter() - t)
        t = time.perf_counter()
        archive.ask(q)
        answer.append(time.perf_counter() - t)
    runs["retrieval"].append(pct(retrieval))
    runs["answer"].append(pct(answer))
last_id = int(archive.index().ids.max())
print(json.dumps({"ready": True, "last_id": last_id}), flush=True)
sys.stdin.readline()  # the bench has started the growth ingest
polls = 0
while True:
    polls += 1
    hits = [h for q in probe for h in archive.ask(q).hits]
    if any(h.passage_id > last_id for h in hits):
        break
    time.sleep(0.05)
print(json.dumps({"answerable": True, "polls": polls, "sync": archive.indexer.last_sync,
                  "runs": runs, "peak_rss_mb": peak_rss_mb()}),
      flush=True)
"""


# -- helpers -------------------------------------------------------------------------------


def percentiles(seconds: Sequence[float]) -> list[float]:
    """Return p50, p95 and p99 of ``seconds`` in milliseconds."""
    return [float(v) for v in np.percentile(np.asarray(seconds) * 1000, [50, 95, 99])]


def median_runs(runs: Sequence[Sequence[float]]) -> dict[str, float]:
    """Return the median over runs of each of p50, p95, p99."""
    med = np.median(np.asarray(runs), axis=0)
    return {
        "p50": round(float(med[0]), 3),
        "p95": round(float(med[1]), 3),
        "p99": round(float(med[2]), 3),
    }


def run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a command from the repository root and fail loudly."""
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd[:4])} ... failed:\n{done.stderr[-2000:]}")
    return done


def generate(
    n: int, out: Path, *, seed: int = 42, questions: int = 500, first_year: int | None = None
) -> Path:
    """Return ``out``, holding the synthetic archive of ``n`` passages (made once)."""
    if not (out / "questions.jsonl").exists():
        later = ["--first-year", str(first_year)] if first_year else []
        run([sys.executable, "bench/make_archive.py", str(n), "--out", str(out), "--seed",
             str(seed), "--questions", str(questions), "--force", *later])  # fmt: skip
    return out


def fresh_db(folder: Path) -> Path:
    """Return the path of an empty database in ``folder`` (old database and cache removed)."""
    db = folder / "briefbot.db"
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        path.unlink(missing_ok=True)
    shutil.rmtree(Path(f"{db}.index"), ignore_errors=True)
    return db


def load_questions(folder: Path, limit: int) -> list[str]:
    """Return the first ``limit`` questions of the archive's question set."""
    with open(folder / "questions.jsonl", encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh][:limit]


def tokens_of_archive(db: Path) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(passage_id, tokens)`` of every stored passage, tokenized on every CPU."""
    import sqlite3

    from retrieval.search.workers import AnalyzerPool

    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT id, text FROM passages ORDER BY id")
    ids: list[list[int]] = []

    def batches() -> Iterator[list[str]]:
        while batch := rows.fetchmany(5000):
            ids.append([pid for pid, _ in batch])
            yield [text for _, text in batch]

    with AnalyzerPool(os.cpu_count() or 1) as pool:
        for tokens in pool.map(batches()):
            yield from zip(ids.pop(0), tokens, strict=True)
    conn.close()


# -- the reference engines -----------------------------------------------------------------


class References:
    """rank-bm25 and tantivy over the same tokens as briefbot's index."""

    def __init__(self, db: Path, params: Any, query_terms: set[str], workdir: Path):
        import tantivy
        from rank_bm25 import BM25Okapi

        schema = tantivy.SchemaBuilder()
        schema.add_text_field("body", stored=False, tokenizer_name="ws", index_option="freq")
        schema.add_integer_field("pid", stored=False, fast=True, indexed=False)
        self.schema = schema.build()
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        self.tantivy = tantivy.Index(self.schema, path=str(workdir))
        self.tantivy.register_tokenizer(
            "ws", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
        )
        writer = self.tantivy.writer(heap_size=500_000_000, num_threads=os.cpu_count() or 1)
        self.ids: list[int] = []
        self.holders: dict[str, list[int]] = {t: [] for t in query_terms}
        started = time.perf_counter()

        def corpus() -> Iterator[list[str]]:
            for n, (pid, tokens) in enumerate(tokens_of_archive(db)):
                self.ids.append(pid)
                writer.add_document(tantivy.Document(body=" ".join(tokens), pid=pid))
                for term in query_terms.intersection(tokens):
                    self.holders[term].append(n)
                yield tokens

        self.bm25 = BM25Okapi(corpus(), k1=params.k1, b=params.b, epsilon=params.epsilon)
        writer.commit()
        writer.wait_merging_threads()
        self.tantivy.reload()
        self.searcher = self.tantivy.searcher()
        self.seconds = time.perf_counter() - started
        self.occur = tantivy.Occur.Should
        self.query = tantivy.Query

    def reference_top(self, terms: list[str], k: int = 10) -> list[tuple[int, float]]:
        """Return rank-bm25's top ``k`` (its ``get_batch_scores``) among passages sharing a term."""
        candidates = sorted({n for t in set(terms) for n in self.holders.get(t, [])})
        if not candidates:
            return []
        scores = self.bm25.get_batch_scores(terms, candidates)
        ranked = sorted(zip(candidates, scores, strict=True), key=lambda r: (-r[1], r[0]))
        return [(self.ids[n], float(s)) for n, s in ranked[:k]]

    def naive_top(self, terms: list[str], k: int = 10) -> list[tuple[int, float]]:
        """Return the top ``k`` by ``get_scores`` over every passage (the naive way)."""
        scores = self.bm25.get_scores(terms)
        best = np.argsort(-scores, kind="stable")[:k]
        return [(self.ids[n], float(scores[n])) for n in best]

    def tantivy_top(self, terms: list[str], k: int = 10) -> list[tuple[float, Any]]:
        """Return tantivy's top ``k`` for the OR of the terms (its own BM25)."""
        if not terms:
            return []
        clauses = [(self.occur, self.query.term_query(self.schema, "body", t)) for t in terms]
        return list(self.searcher.search(self.query.boolean_query(clauses), limit=k).hits)


def same_top(got: list[tuple[int, float]], expected: list[tuple[int, float]]) -> tuple[bool, float]:
    """Return whether two top lists agree (scores to 1e-9, passages up to ties) and the worst
    relative score difference."""
    if len(got) != len(expected):
        return False, math.inf
    worst = 0.0
    ties = {round(s, 9) for _, s in expected}
    ok = True
    for (gid, g), (eid, e) in zip(got, expected, strict=True):
        rel = abs(g - e) / max(abs(e), 1e-12)
        worst = max(worst, rel)
        ok &= rel <= 1e-9 and (gid == eid or round(g, 9) in ties)
    return ok, worst


# -- one size ------------------------------------------------------------------------------


def bench_size(n: int, args: argparse.Namespace) -> dict[str, Any]:
    """Run every measurement for an archive of ``n`` passages; return the figures."""
    from retrieval.archive import Archive
    from retrieval.text.analyzer import analyze

    folder = generate(n, args.work / str(n))
    growth = generate(
        GROWTH_PASSAGES,
        args.work / "growth-2100",
        seed=GROWTH_SEED,
        questions=40,
        first_year=GROWTH_YEAR,
    )
    questions = load_questions(folder, args.questions)
    result: dict[str, Any] = {"passages": n, "questions": len(questions)}
    db = fresh_db(folder)

    log(f"{n}: ingest")
    t = time.perf_counter()
    # --no-index: ``briefbot ingest`` would otherwise build the index at its end, and the next
    # step, which times the build alone, would find it built.
    run([*CLI, "--db", str(db), "ingest", "-q", "--no-index", str(folder / "archive")])
    ingest_s = time.perf_counter() - t
    result["ingest"] = {"seconds": round(ingest_s, 2), "passages_per_s": round(n / ingest_s)}

    log(f"{n}: index build")
    t = time.perf_counter()
    built = json.loads(run([sys.executable, "-c", PEAK + BUILD, str(db)]).stdout)
    build_s = time.perf_counter() - t
    result["index_build"] = {
        "seconds": round(built["sync"]["seconds"], 2),
        "process_seconds": round(build_s, 2),
        "peak_rss_mb": round(built["peak_rss_mb"]),
        **built["index"],
    }
    result["ingest_and_index_passages_per_s"] = round(n / (ingest_s + build_s))
    result["index_on_disk_mb"] = round(
        sum(p.stat().st_size for p in Path(f"{db}.index").rglob("*") if p.is_file()) / 1e6, 1
    )

    log(f"{n}: cold start")
    # A deployed bot runs from bytecode (pip compiles it at install; Python writes it at the first
    # start). Compile it here, so that an environment with PYTHONDONTWRITEBYTECODE set does not
    # time the compiling of our sources at every start.
    run([sys.executable, "-m", "compileall", "-q", "bot", "retrieval"])
    colds = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        run([sys.executable, "-c", COLD, str(db), questions[0]])
        colds.append(time.perf_counter() - t)
    result["cold_start_s"] = {
        "median": round(float(np.median(colds)), 3),
        "runs": [round(c, 3) for c in colds],
    }

    log(f"{n}: bot process (answers, growth)")
    with open(growth / "questions.jsonl", encoding="utf-8") as fh:
        probe = [q["text"] for q in map(json.loads, fh) if q["kind"] == "match"][:3]
    bot_args = [str(db), json.dumps(questions), str(args.repeat), json.dumps(probe)]
    bot = subprocess.Popen(
        [sys.executable, "-c", PEAK + BOT, *bot_args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert bot.stdin is not None and bot.stdout is not None
    json.loads(bot.stdout.readline())
    t = time.perf_counter()
    bot.stdin.write("go\n")
    bot.stdin.flush()
    run([*CLI, "--db", str(db), "ingest", "-q", str(growth / "archive")])
    growth_ingest_s = time.perf_counter() - t
    served = json.loads(bot.stdout.readline())
    answerable_s = time.perf_counter() - t
    bot.wait(timeout=60)
    result["answer_ms"] = median_runs(served["runs"]["answer"])
    # The first pass over the questions alone: nothing of them is cached yet (analysed feedback
    # passages, brief-level document frequencies of their terms).
    result["answer_ms_first_pass"] = median_runs(served["runs"]["answer"][:1])
    result["retrieval_ms_bot_process"] = median_runs(served["runs"]["retrieval"])
    result["bot_peak_rss_mb"] = round(served["peak_rss_mb"])
    result["growth"] = {
        "passages": GROWTH_PASSAGES,
        "ingest_s": round(growth_ingest_s, 2),
        "answerable_after_s": round(answerable_s, 2),
        "catch_up": served["sync"],
    }

    log(f"{n}: briefbot ask --queries --json --top 10")
    queries = folder / "queries.txt"
    queries.write_text("".join(q.replace("\n", " ") + "\n" for q in questions), encoding="utf-8")
    one = folder / "one_query.txt"
    one.write_text(questions[0].replace("\n", " ") + "\n", encoding="utf-8")
    ask = [*CLI, "--db", str(db), "ask", "--json", "--top", "10", "--queries"]
    cli_runs = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        run([*ask, str(one)])
        start_s = time.perf_counter() - t
        t = time.perf_counter()
        run([*ask, str(queries)])
        all_s = time.perf_counter() - t
        # Start-up (process, import, index load, first question) excluded: the difference
        # between answering every question and answering one.
        cli_runs.append((all_s - start_s) / max(len(questions) - 1, 1) * 1000)
    result["cli_ask_queries_ms_per_question"] = {
        "median": round(float(np.median(cli_runs)), 3),
        "runs": [round(r, 3) for r in cli_runs],
    }

    log(f"{n}: side by side (tokenizing for rank-bm25 and tantivy)")
    archive = Archive(db)
    index = archive.index()
    terms_of = [analyze(q) for q in questions]
    refs = References(db, archive.params, {t for ts in terms_of for t in ts}, args.work / "tantivy")
    result["references_build_s"] = round(refs.seconds, 1)
    ours_runs, tantivy_runs = [], []
    identical, worst = 0, 0.0
    for r in range(args.repeat):
        ours, tan = [], []
        for q, terms in zip(questions, terms_of, strict=True):
            t = time.perf_counter()
            top = index.top(analyze(q), 10)
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            refs.tantivy_top(analyze(q))
            tan.append(time.perf_counter() - t)
            if r == 0:
                ok, rel = same_top(top, refs.reference_top(terms))
                identical += ok
                worst = max(worst, rel)
        ours_runs.append(percentiles(ours))
        tantivy_runs.append(percentiles(tan))
    sample = questions[: args.naive_sample]
    naive, naive_ok = [], 0
    for q in sample:
        t = time.perf_counter()
        top = refs.naive_top(analyze(q))
        naive.append(time.perf_counter() - t)
        ours_top = index.top(analyze(q), 10)
        naive_ok += same_top(ours_top, top[: len(ours_top)])[0]
    result["retrieval_ms"] = median_runs(ours_runs)
    result["tantivy_ms"] = median_runs(tantivy_runs)
    result["naive_rank_bm25_ms"] = {**median_runs([percentiles(naive)]), "questions": len(sample)}
    result["top10_identity"] = {
        "checked": len(questions),
        "identical": identical,
        "max_relative_error": worst,
        "naive_sample_identical": naive_ok,
    }
    ours_p50, ours_p95 = result["retrieval_ms"]["p50"], result["retrieval_ms"]["p95"]
    answer_p50 = result["answer_ms"]["p50"]
    bot_retrieval_p50 = result["retrieval_ms_bot_process"]["p50"]
    result["ratios"] = {
        "answer_over_retrieval_p50": round(answer_p50 / bot_retrieval_p50, 1),
        "naive_over_cli_ask_per_question": round(
            result["naive_rank_bm25_ms"]["p50"]
            / result["cli_ask_queries_ms_per_question"]["median"],
            1,
        ),
        "naive_over_briefbot_p50": round(result["naive_rank_bm25_ms"]["p50"] / ours_p50, 1),
        "briefbot_over_tantivy_p50": round(ours_p50 / result["tantivy_ms"]["p50"], 2),
        "briefbot_over_tantivy_p95": round(ours_p95 / result["tantivy_ms"]["p95"], 2),
    }
    del refs, index, archive
    return result


def log(message: str) -> None:
    """Print a progress line to stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def targets(results: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Return every target of issue 11 with the measured figure and whether it is met.

    A 1M target whose size was not run is printed as not measured, with the figure at the
    largest size that was, so the table always has every row.
    """
    out: dict[str, Any] = {}

    def check(name: str, size: int, value: Any, limit: float, at_most: bool = True) -> None:
        r = results.get(size)
        if r is None:
            largest = max(results)
            out[name] = {
                "measured": "not measured",
                "target": limit,
                "met": None,
                f"at {largest}": value(results[largest]),
            }
            return
        got = value(r)
        out[name] = {
            "measured": got,
            "target": limit,
            "met": got <= limit if at_most else got >= limit,
        }

    million, k100 = 1_000_000, 100_000
    check("1M answer p50 ms", million, lambda r: r["answer_ms"]["p50"], 5)
    check("1M answer p95 ms", million, lambda r: r["answer_ms"]["p95"], 15)
    check(
        "100k answer / retrieval p50",
        k100,
        lambda r: r["ratios"]["answer_over_retrieval_p50"],
        5,
    )
    check(
        "100k naive rank-bm25 / ask --queries per question",
        k100,
        lambda r: r["ratios"]["naive_over_cli_ask_per_question"],
        100,
        at_most=False,
    )
    check(
        "1M retrieval p95 / tantivy p95",
        million,
        lambda r: r["ratios"]["briefbot_over_tantivy_p95"],
        2,
    )
    check("1M index build s", million, lambda r: r["index_build"]["seconds"], 30)
    check("1M bot peak RSS MB", million, lambda r: r["bot_peak_rss_mb"], 500)
    check("1M cold start s", million, lambda r: r["cold_start_s"]["median"], 1)
    check(
        "1M ingest passages/s",
        million,
        lambda r: r["ingest"]["passages_per_s"],
        25_000,
        at_most=False,
    )
    for n, r in results.items():
        check(f"{n} top 10 identical to rank-bm25", n, lambda r: r["top10_identity"]["identical"],
              r["top10_identity"]["checked"], at_most=False)  # fmt: skip
        check(f"{n} largest relative score error", n,
              lambda r: r["top10_identity"]["max_relative_error"], 1e-9)  # fmt: skip
    return out


def print_targets(table: dict[str, Any]) -> None:
    """Print the targets as a table: figure, measured, target, met."""
    print(f"{'target (issue 11)':52} {'measured':>14} {'target':>9}  met", flush=True)
    for name, row in table.items():
        measured = row["measured"]
        extra = [f"{k}: {v}" for k, v in row.items() if k.startswith("at ")]
        verdict = {True: "yes", False: "NO", None: "-"}[row["met"]]
        line = f"{name:52} {measured!s:>14} {row['target']!s:>9}  {verdict}"
        print(line + (f"  ({'; '.join(extra)})" if extra else ""), flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark for every size given and print the JSON figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sizes", nargs="+", type=int, metavar="N")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "latency")
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--naive-sample", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    args.work = args.work.resolve()
    machine = {
        "uname": " ".join(platform.uname()),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "command": " ".join(["python", "bench/latency.py", *(argv or sys.argv[1:])]),
        # The machine may be shared: its load says how far the absolute times are inflated.
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps({"machine": machine}), flush=True)
    results = {}
    for n in args.sizes:
        results[n] = bench_size(n, args)
        print(json.dumps(results[n]), flush=True)
    table = targets(results)
    finished = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps({"finished": finished}), flush=True)
    print(json.dumps({"targets": table}, indent=1), flush=True)
    print_targets(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
