"""Measure answer quality on a test collection: ranking, quotes and refusals, beside plain BM25.

Usage::

    python bench/quality.py FOLDER [FOLDER ...] [--out bench/out] [--depth 100]

A FOLDER holds ``corpus.jsonl`` (``id``, ``title``, ``text``), ``queries.jsonl`` (``id``,
``text``) and ``qrels.tsv`` (``query_id<TAB>doc_id<TAB>relevance``), and optionally
``answers.jsonl`` (``id``, ``answers``: the gold answer strings of a query).

For each folder the product's own pipeline runs in-process, exactly as ``briefbot ingest`` and
``briefbot ask --queries --json`` run it: the corpus is ingested as JSONL into a fresh database
and every query is asked through ``Archive.rank`` / ``Archive.ask``. Passages map back to their
document ids (a document's rank is its best passage's). In the same run the reference baseline is
scored: rank-bm25 ``BM25Okapi`` with its defaults over lowercase ``[a-z0-9]+`` tokens of title and
text, no stemming. Printed, as one JSON object per folder:

* ``product`` / ``baseline`` / ``difference``: nDCG@10 (graded gains, ideal from the qrels),
  Recall@10, Recall@100 and MRR@10, averaged over the judged queries (those with a relevant
  document), plus the product's mean latency per question.
* ``quotes`` (when ``answers.jsonl`` exists): how often a gold answer string is inside the quote
  of the first hit (``answer_in_quote_at_1``), inside the quote of any of the three hits shown
  (``answer_in_quote_at_3``), and, as the ceiling, inside the passage text
  (``answer_in_passage_at_1``, ``_at_3``).
* ``stemmed_baseline``: the same rank-bm25 over briefbot's analyzer (stopwords, Snowball, name
  folding): the bar the product's ranking must clear.
* ``success@3`` / ``stemmed_success@3``: the share of judged queries with a relevant document
  among the three passages ``Archive.ask`` shows (among the stemmed baseline's first three).
* ``confidence``: the shares of judged (answerable) queries answered ``none`` and ``low``.
* ``refusal``: a second archive is built without the documents of a fixed half of the articles
  (documents sharing a non-empty title form an article; an untitled document is its own). Queries
  whose relevant documents were all left out are unanswerable, the rest answerable;
  ``unanswerable_low_or_none`` is the share of the first answered with ``low`` or ``none``
  confidence, ``answerable_none`` / ``answerable_low`` the shares of the second.

The runs are written in TREC format to ``OUT/<folder>.product.trec`` and ``.baseline.trec``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rank_bm25 import BM25Okapi

from retrieval.archive import Archive
from retrieval.text.analyzer import analyze

Run = dict[str, list[tuple[str, float]]]
Qrels = dict[str, dict[str, int]]

METRICS = ("ndcg@10", "recall@10", "recall@100", "mrr@10")
# Passages fetched per question so that at least ``depth`` distinct documents are ranked even
# when several passages of one document rank high.
PASSAGES_PER_DOC = 5


@dataclass
class Collection:
    """A test collection read from a folder."""

    name: str
    folder: Path
    docs: list[dict[str, str]]
    queries: dict[str, str]
    qrels: Qrels
    answers: dict[str, list[str]] = field(default_factory=dict)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Return the JSON objects of a JSONL file, one per non-blank line."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_collection(folder: Path) -> Collection:
    """Return the collection in ``folder`` (corpus.jsonl, queries.jsonl, qrels.tsv, answers.jsonl).

    Raises:
        FileNotFoundError: if one of the three required files is missing.
    """
    docs = [
        {
            "id": str(d.get("_id", d.get("id"))),
            "title": d.get("title") or "",
            "text": d.get("text") or "",
        }
        for d in read_jsonl(folder / "corpus.jsonl")
    ]
    queries = {
        str(q.get("_id", q.get("id"))): q["text"] for q in read_jsonl(folder / "queries.jsonl")
    }
    qrels: Qrels = {}
    with (folder / "qrels.tsv").open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) < 3 or not parts[2].lstrip("-").isdigit():
                continue  # a header line or a blank one
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    answers: dict[str, list[str]] = {}
    if (folder / "answers.jsonl").exists():
        answers = {str(a["id"]): list(a["answers"]) for a in read_jsonl(folder / "answers.jsonl")}
    return Collection(folder.resolve().name, folder, docs, queries, qrels, answers)


# -- metrics ---------------------------------------------------------------------------------


def ndcg_at(ranking: Sequence[str], judged: Mapping[str, int], k: int = 10) -> float:
    """Return nDCG@k with linear graded gains (gain = relevance) and log2 discounts.

    The ideal ranking is the judged documents sorted by relevance; non-positive grades gain 0.
    """
    dcg = sum(max(judged.get(doc, 0), 0) / math.log2(i + 2) for i, doc in enumerate(ranking[:k]))
    gains = sorted((g for g in judged.values() if g > 0), reverse=True)[:k]
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    return dcg / ideal if ideal > 0 else 0.0


def recall_at(ranking: Sequence[str], judged: Mapping[str, int], k: int) -> float:
    """Return the share of the relevant documents (grade > 0) found in the first ``k``."""
    relevant = {d for d, g in judged.items() if g > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranking[:k])) / len(relevant)


def rr_at(ranking: Sequence[str], judged: Mapping[str, int], k: int = 10) -> float:
    """Return 1/rank of the first relevant document within the first ``k``, else 0."""
    for i, doc in enumerate(ranking[:k]):
        if judged.get(doc, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def evaluate(run: Mapping[str, Sequence[str]], qrels: Qrels) -> dict[str, float]:
    """Return the mean of each metric over the judged queries (those with a relevant document).

    A judged query missing from ``run`` (e.g. refused) scores 0 on every metric.
    """
    judged = [q for q, docs in qrels.items() if any(g > 0 for g in docs.values())]
    totals = dict.fromkeys(METRICS, 0.0)
    for q in judged:
        ranking = run.get(q, [])
        totals["ndcg@10"] += ndcg_at(ranking, qrels[q], 10)
        totals["recall@10"] += recall_at(ranking, qrels[q], 10)
        totals["recall@100"] += recall_at(ranking, qrels[q], 100)
        totals["mrr@10"] += rr_at(ranking, qrels[q], 10)
    n = len(judged)
    result = {m: round(v / n, 4) if n else 0.0 for m, v in totals.items()}
    result["queries"] = n
    return result


def doc_ranking(passages: Iterable[tuple[str, float]], depth: int) -> list[tuple[str, float]]:
    """Return ``(doc_id, score)`` best first, each document at the rank of its best passage."""
    seen: dict[str, float] = {}
    for doc, score in passages:
        if doc not in seen:
            seen[doc] = score
            if len(seen) == depth:
                break
    return list(seen.items())


def write_trec(path: Path, run: Run, name: str) -> None:
    """Write ``run`` as a TREC run file: ``qid Q0 docid rank score name``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for qid, ranked in run.items():
            for rank, (doc, score) in enumerate(ranked, start=1):
                fh.write(f"{qid} Q0 {doc} {rank} {score:.6f} {name}\n")


# -- the product -----------------------------------------------------------------------------


def build_archive(docs: Sequence[dict[str, str]], folder: Path) -> tuple[Archive, dict[int, str]]:
    """Ingest ``docs`` as one JSONL file into a fresh database in ``folder``.

    Returns the archive and the document id of every passage id.

    Raises:
        RuntimeError: if the ingester rejects a document (the collection would be incomplete).
    """
    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / "corpus.jsonl"
    with corpus.open("w", encoding="utf-8") as fh:
        for d in docs:
            if d["text"].strip():  # the ingester rightly rejects empty documents
                fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    archive = Archive(folder / "briefbot.db")
    report = archive.ingest([corpus])
    if report.rejected:
        raise RuntimeError(f"ingest rejected {len(report.rejected)}: {report.rejected[0]}")
    rows = archive.store.db.execute(
        "SELECT p.id, b.doc_id FROM passages p JOIN briefs b ON b.id = p.brief_id"
    )
    archive.index()  # build now so that the first question's latency is a question's
    return archive, {pid: doc for pid, doc in rows}


def product_run(
    archive: Archive, doc_of: Mapping[int, str], queries: Mapping[str, str], depth: int
) -> tuple[Run, float]:
    """Return the product's document ranking of every query and the mean seconds per query."""
    run: Run = {}
    start = time.perf_counter()
    for qid, text in queries.items():
        ranking = archive.rank(text, k=depth * PASSAGES_PER_DOC)
        run[qid] = doc_ranking(((doc_of[p], s) for p, s in ranking.passages), depth)
    seconds = (time.perf_counter() - start) / max(len(queries), 1)
    return run, seconds


def tokens(text: str) -> list[str]:
    """Return the baseline's tokens: lowercase ``[a-z0-9]+`` runs."""
    return re.findall(r"[a-z0-9]+", text.lower())


def baseline_run(
    docs: Sequence[dict[str, str]],
    queries: Mapping[str, str],
    depth: int,
    tokenize: Callable[[str], list[str]] = tokens,
) -> Run:
    """Return rank-bm25 ``BM25Okapi`` (defaults) rankings of title + text, ties in corpus order.

    ``tokenize`` is the plain ``[a-z0-9]+`` split by default; with briefbot's ``analyze``
    (stopwords, Snowball) it is the stemmed baseline.
    """
    bm25 = BM25Okapi([tokenize(f"{d['title']} {d['text']}") or ["-"] for d in docs])
    ids = [d["id"] for d in docs]
    run: Run = {}
    for qid, text in queries.items():
        scores = bm25.get_scores(tokenize(text))
        order = np.argsort(-scores, kind="stable")[:depth]
        run[qid] = [(ids[i], float(scores[i])) for i in order]
    return run


def normalize_answer(text: str) -> str:
    """Return ``text`` case-folded with whitespace collapsed, for substring checks."""
    return " ".join(text.casefold().split())


def quote_rates(
    archive: Archive, queries: Mapping[str, str], answers: Mapping[str, list[str]]
) -> dict[str, float]:
    """Return how often a gold answer is in the quote (and passage) of the first / first 3 hits."""
    counts = dict.fromkeys(
        ("answer_in_quote_at_1", "answer_in_quote_at_3", "answer_in_passage_at_1"), 0
    )
    counts["answer_in_passage_at_3"] = 0
    asked = 0
    for qid, golds in answers.items():
        if qid not in queries:
            continue
        asked += 1
        gold = [normalize_answer(g) for g in golds if g.strip()]
        hits = archive.ask(queries[qid], top=3).hits

        def has(texts: Iterable[str], gold: list[str] = gold) -> bool:
            return any(g in normalize_answer(t) for t in texts for g in gold)

        counts["answer_in_quote_at_1"] += has(h.quote for h in hits[:1])
        counts["answer_in_quote_at_3"] += has(h.quote for h in hits)
        counts["answer_in_passage_at_1"] += has(h.text for h in hits[:1])
        counts["answer_in_passage_at_3"] += has(h.text for h in hits)
    rates: dict[str, float] = {k: round(v / asked, 4) if asked else 0.0 for k, v in counts.items()}
    rates["questions"] = asked
    return rates


def held_out(docs: Sequence[dict[str, str]]) -> set[str]:
    """Return the ids of the documents of a fixed half of the articles (by a hash of the title).

    Documents with the same non-empty title form one article; an untitled document is its own.
    """
    out: set[str] = set()
    for d in docs:
        key = d["title"].strip() or f"id:{d['id']}"
        if hashlib.sha256(key.encode("utf-8")).digest()[0] % 2:
            out.add(d["id"])
    return out


def success_at_3(shown: Mapping[str, Sequence[str]], qrels: Qrels) -> float:
    """Return the share of judged queries with a relevant document among the three shown."""
    judged = [q for q, docs in qrels.items() if any(g > 0 for g in docs.values())]
    hits = sum(
        any(qrels[q].get(d, 0) > 0 for d in shown.get(q, [])[:3]) for q in judged if q in shown
    )
    return round(hits / len(judged), 4) if judged else 0.0


def shown_docs(
    archive: Archive, doc_of: Mapping[int, str], queries: Mapping[str, str]
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Return the documents of the three passages ``Archive.ask`` shows per query, and each
    answer's confidence."""
    shown: dict[str, list[str]] = {}
    confidence: dict[str, str] = {}
    for qid, text in queries.items():
        answer = archive.ask(text, top=3)
        shown[qid] = [doc_of[h.passage_id] for h in answer.hits]
        confidence[qid] = answer.confidence
    return shown, confidence


def confidence_shares(confidence: Mapping[str, str], qids: Sequence[str]) -> dict[str, float]:
    """Return the shares of ``qids`` answered ``none`` and ``low``."""
    n = len(qids)
    return {
        level: round(sum(confidence.get(q) == level for q in qids) / n, 4) if n else 0.0
        for level in ("none", "low")
    }


def refusal_rates(coll: Collection, folder: Path) -> dict[str, Any]:
    """Return the confidence of answers on an archive that lacks half of the collection's
    articles: answerable questions should be ``high``, unanswerable ones ``low`` or ``none``."""
    gone = held_out(coll.docs)
    archive, doc_of = build_archive([d for d in coll.docs if d["id"] not in gone], folder)
    unanswerable: list[str] = []
    answerable: list[str] = []
    for qid, judged in coll.qrels.items():
        relevant = {d for d, g in judged.items() if g > 0}
        if qid not in coll.queries or not relevant:
            continue
        (unanswerable if relevant <= gone else answerable).append(qid)
    asked = {q: coll.queries[q] for q in unanswerable + answerable}
    _, confidence = shown_docs(archive, doc_of, asked)
    archive.close()
    answerable_shares = confidence_shares(confidence, answerable)
    unanswerable_shares = confidence_shares(confidence, unanswerable)
    return {
        "unanswerable": len(unanswerable),
        "unanswerable_low_or_none": round(sum(unanswerable_shares.values()), 4),
        "unanswerable_none": unanswerable_shares["none"],
        "answerable": len(answerable),
        "answerable_none": answerable_shares["none"],
        "answerable_low": answerable_shares["low"],
    }


def measure(coll: Collection, out: Path, depth: int, work: Path) -> dict[str, Any]:
    """Return every figure for one collection and write its TREC runs to ``out``."""
    started = time.perf_counter()
    archive, doc_of = build_archive(coll.docs, work / coll.name / "full")
    product, per_query = product_run(archive, doc_of, coll.queries, depth)
    baseline = baseline_run(coll.docs, coll.queries, depth)
    stemmed = baseline_run(coll.docs, coll.queries, depth, analyze)
    write_trec(out / f"{coll.name}.product.trec", product, "briefbot")
    write_trec(out / f"{coll.name}.baseline.trec", baseline, "bm25okapi")
    write_trec(out / f"{coll.name}.stemmed.trec", stemmed, "bm25okapi-stemmed")
    ours = evaluate({q: [d for d, _ in r] for q, r in product.items()}, coll.qrels)
    ref = evaluate({q: [d for d, _ in r] for q, r in baseline.items()}, coll.qrels)
    stem = evaluate({q: [d for d, _ in r] for q, r in stemmed.items()}, coll.qrels)
    judged = {q: coll.queries[q] for q in coll.qrels if q in coll.queries}
    shown, confidence = shown_docs(archive, doc_of, judged)
    answerable = [q for q, docs in coll.qrels.items() if any(g > 0 for g in docs.values())]
    result: dict[str, Any] = {
        "collection": coll.name,
        "docs": len(coll.docs),
        "queries": ours["queries"],
        "product": {m: ours[m] for m in METRICS},
        "baseline": {m: ref[m] for m in METRICS},
        "stemmed_baseline": {m: stem[m] for m in METRICS},
        "difference": {m: round(ours[m] - ref[m], 4) for m in METRICS},
        "success@3": success_at_3(shown, coll.qrels),
        "stemmed_success@3": success_at_3(
            {q: [d for d, _ in r][:3] for q, r in stemmed.items()}, coll.qrels
        ),
        "confidence": confidence_shares(confidence, [q for q in answerable if q in judged]),
        "ms_per_query": round(per_query * 1000, 2),
    }
    if coll.answers:
        result["quotes"] = quote_rates(archive, coll.queries, coll.answers)
    archive.close()
    result["refusal"] = refusal_rates(coll, work / coll.name / "half")
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    """Measure every folder given on the command line; print one JSON object per folder."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path, help="collection folders")
    parser.add_argument("--out", type=Path, default=Path("bench/out"), help="TREC runs go here")
    parser.add_argument("--depth", type=int, default=100, help="documents ranked per query")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="briefbot-quality-") as tmp:
        for folder in args.folders:
            result = measure(load_collection(folder), args.out, args.depth, Path(tmp))
            print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
