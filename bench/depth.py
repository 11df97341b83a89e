"""Show what a shallower (or deeper) rerank changes on every dev collection, question by question.

Usage::

    python bench/depth.py FOLDER [FOLDER ...] [--depth 175 --depth 100 ...]

``RERANK_DEPTH`` (how many passages, best by their own BM25, brief evidence and feedback
reorder) is changed in process, so that every depth answers from one archive. Each collection
is ingested as ``bench/quality.py`` ingests it, whole and with half of its documents held out
(its refusal archive), and each judged query is asked at every depth:

* ``Archive.ask`` top 3, as a member is answered: how many answers differ from the shipped
  depth's (``to_json()``), how many show other documents, how many questions gain or lose a
  relevant document among the three (success@3) and how many change confidence;
* ``Archive.rank`` of 50 passages (the depth the product reranks at; ``bench/quality.py`` ranks
  500, which reranks 500 whatever ``RERANK_DEPTH`` says): nDCG@10 and MRR@10 of its documents,
  and how many top tens are the shipped depth's.

Prints one JSON line per collection and depth.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import quality

from retrieval import archive as archive_module

SHIPPED = archive_module.RERANK_DEPTH
RANKED = 50  # passages ranked for the documents' nDCG@10 (quality.PASSAGES_PER_DOC times 10)


Asked = dict[int, dict[str, tuple[list[str], str, str]]]
Ranked = dict[int, dict[str, list[str]]]


def answers(
    coll: quality.Collection,
    docs: list[dict[str, str]],
    folder: Path,
    depths: list[int],
    *,
    rank: bool = True,
) -> tuple[Asked, Ranked]:
    """Return, per depth, each judged query's answer at that depth (the documents shown, the
    confidence and the answer's JSON) and, with ``rank``, each query's document ranking."""
    archive, doc_of = quality.build_archive(docs, folder)
    asked: Asked = {d: {} for d in depths}
    ranked: Ranked = {d: {} for d in depths}
    try:
        for qid, text in coll.queries.items():
            for depth in depths:
                archive_module.RERANK_DEPTH = depth
                if qid in coll.qrels:
                    answer = archive.ask(text, top=3)
                    shown = [doc_of[h.passage_id] for h in answer.hits]
                    said = json.dumps(answer.to_json(), sort_keys=True, default=str)
                    asked[depth][qid] = (shown, answer.confidence, said)
                if not rank:
                    continue
                passages = archive.rank(text, k=RANKED).passages
                found = quality.doc_ranking(((doc_of[p], s) for p, s in passages), 10)
                ranked[depth][qid] = [d for d, _ in found]
    finally:
        archive_module.RERANK_DEPTH = SHIPPED
        archive.close()
    return asked, ranked


def compare(coll: quality.Collection, asked: Asked, depth: int) -> dict[str, int]:
    """Return how the answers at ``depth`` differ from those at the shipped depth."""
    base, other = asked[SHIPPED], asked[depth]
    differ = [q for q in base if base[q][2] != other[q][2]]
    relevant = {q: {d for d, g in coll.qrels[q].items() if g > 0} for q in differ}
    had = {q: bool(relevant[q] & set(base[q][0])) for q in differ}
    has = {q: bool(relevant[q] & set(other[q][0])) for q in differ}
    return {
        "answers_differ": len(differ),
        "docs_shown_differ": sum(base[q][0] != other[q][0] for q in differ),
        "success@3_lost": sum(had[q] and not has[q] for q in differ),
        "success@3_gained": sum(has[q] and not had[q] for q in differ),
        "confidence_differs": sum(base[q][1] != other[q][1] for q in differ),
    }


def main(argv: list[str] | None = None) -> int:
    """Print every depth's differences on every collection given."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--depth", type=int, action="append", help="depths to try (repeat)")
    args = parser.parse_args(argv)
    depths = [SHIPPED, *[d for d in (args.depth or [175, 150, 100, 50]) if d != SHIPPED]]
    for folder in args.folders:
        coll = quality.load_collection(folder)
        gone = quality.held_out(coll.docs)
        with tempfile.TemporaryDirectory() as tmp:
            asked, ranked = answers(coll, coll.docs, Path(tmp) / "full", depths)
            half = [d for d in coll.docs if d["id"] not in gone]
            asked_half, _ = answers(coll, half, Path(tmp) / "half", depths, rank=False)
        for depth in depths:
            ev = quality.evaluate(ranked[depth], coll.qrels)
            same = sum(ranked[depth][q] == ranked[SHIPPED][q] for q in ranked[depth])
            row = {
                "collection": coll.name,
                "depth": depth,
                "questions": len(asked[depth]),
                "ndcg@10": ev["ndcg@10"],
                "mrr@10": ev["mrr@10"],
                "top10_as_shipped": f"{same} / {len(ranked[depth])}",
                "full": compare(coll, asked, depth),
                "half": compare(coll, asked_half, depth),
            }
            print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
