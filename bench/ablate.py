"""Show what each ranking choice does on every dev collection: nDCG@10, MRR@10 and success@1.

Usage::

    python bench/ablate.py FOLDER [FOLDER ...] [--variant NAME ...] [--every N]

Each collection is ingested once (as ``bench/quality.py`` does); then every variant answers all
its queries through ``Archive.rank`` with one or more of the ranking module's settings changed
in process, and the figures print one JSON line per collection and variant, beside plain
stemmed BM25 (briefbot's analyzer, rank-bm25 ``BM25Okapi``) and the product as it ships
(``base``). ``--every N`` keeps every N-th query of a collection with more than 1,000 (SQuAD),
so that a variant costs seconds, not minutes. A choice worth keeping moves every collection the
same way; one that helps one set and hurts another is a guess about the sets never seen.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import quality

from retrieval import archive as archive_module
from retrieval.answering import ranking
from retrieval.text.analyzer import analyze

DEPTH = 100
VARIANTS: dict[str, Mapping[str, Callable[[Any], Any]]] = {
    "base": {},
    "no_feedback": {"FEEDBACK_ORIGINAL": lambda _: 1.0},
    "feedback_0.9": {"FEEDBACK_ORIGINAL": lambda _: 0.9},
    "feedback_0.75": {"FEEDBACK_ORIGINAL": lambda _: 0.75},
    "no_brief": {"BRIEF_WEIGHT": lambda _: 0.0},
    "brief_5": {"BRIEF_WEIGHT": lambda _: 5.0},
    "brief_20": {"BRIEF_WEIGHT": lambda _: 20.0},
    "title_1": {"TITLE_WEIGHT": lambda _: 1.0},
    "title_2": {"TITLE_WEIGHT": lambda _: 2.0},
    "title_5": {"TITLE_WEIGHT": lambda _: 5.0},
    "depth_100": {"RERANK_DEPTH": lambda _: 100},
    "depth_150": {"RERANK_DEPTH": lambda _: 150},
    "much_many_framing": {"FRAMING": lambda f: f | frozenset(analyze("much many"))},
    "react_framing": {
        "FRAMING": lambda f: (
            f | frozenset(analyze("react reacted reaction respond responded response"))
        )
    },
}


def first_relevant_share(run: Mapping[str, list[str]], qrels: quality.Qrels, k: int) -> float:
    """Return the share of judged queries with a relevant document among the first ``k``."""
    judged = [q for q, docs in qrels.items() if any(g > 0 for g in docs.values()) and q in run]
    hits = sum(any(qrels[q].get(d, 0) > 0 for d in run[q][:k]) for q in judged)
    return round(hits / max(len(judged), 1), 4)


def figures(run: Mapping[str, list[str]], qrels: quality.Qrels) -> dict[str, float]:
    """Return nDCG@10, MRR@10, success@1 and success@3 of document rankings."""
    ev = quality.evaluate(run, qrels)
    return {
        "ndcg@10": ev["ndcg@10"],
        "mrr@10": ev["mrr@10"],
        "s@1": first_relevant_share(run, qrels, 1),
        "s@3": first_relevant_share(run, qrels, 3),
    }


def main(argv: list[str] | None = None) -> int:
    """Print every variant's figures on every collection given."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--variant", action="append", choices=sorted(VARIANTS))
    parser.add_argument("--every", type=int, default=3)
    args = parser.parse_args(argv)
    names = args.variant or list(VARIANTS)
    with tempfile.TemporaryDirectory() as tmp:
        for folder in args.folders:
            coll = quality.load_collection(folder)
            if len(coll.queries) > 1000:
                kept = sorted(coll.queries)[:: args.every]
                coll.queries = {q: coll.queries[q] for q in kept}
                coll.qrels = {q: coll.qrels[q] for q in kept if q in coll.qrels}
            archive, doc_of = quality.build_archive(coll.docs, Path(tmp) / coll.name)
            stemmed = quality.baseline_run(coll.docs, coll.queries, DEPTH, analyze)
            row = figures({q: [d for d, _ in r] for q, r in stemmed.items()}, coll.qrels)
            print(json.dumps({"collection": coll.name, "variant": "stemmed_bm25", **row}))
            for name in names:
                # A setting is changed in every module that imported it by name (``FRAMING`` is
                # read by ``retrieval.archive`` too: changed in ``ranking`` alone, a variant of it
                # measured nothing).
                modules = [ranking, archive_module]
                saved = {
                    (module, attr): getattr(module, attr)
                    for attr in VARIANTS[name]
                    for module in modules
                    if hasattr(module, attr)
                }
                for (module, attr), value in saved.items():
                    setattr(module, attr, VARIANTS[name][attr](value))
                try:
                    run, _ = quality.product_run(archive, doc_of, coll.queries, DEPTH)
                finally:
                    for (module, attr), value in saved.items():
                        setattr(module, attr, value)
                row = figures({q: [d for d, _ in r] for q, r in run.items()}, coll.qrels)
                print(json.dumps({"collection": coll.name, "variant": name, **row}), flush=True)
            archive.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
