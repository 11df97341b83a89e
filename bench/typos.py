"""Typing slips: how answers hold when a word of the question is mistyped, with and without
reading a word the archive lacks as its word one slip away (``retrieval.answering.spelling``).

    .venv/bin/python bench/typos.py ../shared/eval/time ../shared/eval/cranfield \\
        ../shared/eval/cisi ../shared/eval/squad_dev_slice

Each collection folder (``bench/quality.py``'s layout) and the bundled sample's paraphrase set:
every question is asked as written and with one slip (one word of five letters or more, chosen
by a hash of the question's id: a letter left out, two swapped, one doubled, or one replaced by
a key beside it on a QWERTY keyboard; never the first letter), through ``Archive`` with
``spelling`` off and on. For each it prints nDCG@10 and success@3 (collections) or success@1/@3
(the sample set), the questions whose words were read as others, and, on an archive that lacks
half of the collection's articles (``quality.held_out``), the share of the unanswerable questions
answered ``low`` or ``none`` (reading a spelled-right word as a neighbour must not make them look
answered). Results as one JSON object per set; docs/quality.md, "Typing slips".
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import briefset  # noqa: E402
import quality  # noqa: E402

from retrieval.answering.spelling import NEIGHBOURS  # noqa: E402
from retrieval.archive import Archive  # noqa: E402
from retrieval.text.analyzer import STOPWORDS  # noqa: E402

_WORD_RE = re.compile(r"[A-Za-z]{5,}")


def _pick(seed: bytes, n: int) -> int:
    return int.from_bytes(hashlib.sha256(seed).digest()[:4], "big") % n


def slip(qid: str, text: str) -> str:
    """Return ``text`` with one typing slip in one of its words of five letters or more (not a
    stopword), the same for the same id; ``text`` itself when it has no such word."""
    words = [m for m in _WORD_RE.finditer(text) if m.group().lower() not in STOPWORDS]
    if not words:
        return text
    word = words[_pick(f"{qid}/word".encode(), len(words))]
    w = word.group()
    at = 1 + _pick(f"{qid}/at".encode(), len(w) - 1)  # never the first letter
    kind = _pick(f"{qid}/kind".encode(), 4)
    if kind == 0:
        typed = w[:at] + w[at + 1 :]
    elif kind == 1 and at < len(w) - 1:
        typed = w[:at] + w[at + 1] + w[at] + w[at + 2 :]
    elif kind == 2:
        typed = w[:at] + w[at] + w[at:]
    else:
        keys = sorted(NEIGHBOURS.get(w[at].lower(), "e"))
        typed = w[:at] + keys[_pick(f"{qid}/key".encode(), len(keys))] + w[at + 1 :]
    return text[: word.start()] + typed + text[word.end() :]


def ranked(
    archive: Archive, doc_of: Mapping[int, str], queries: Mapping[str, str]
) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, str], int]:
    """Return per query the documents ranked (10), those shown (3), the confidence, and the
    number of queries with a word read as another."""
    run: dict[str, list[str]] = {}
    shown: dict[str, list[str]] = {}
    confidence: dict[str, str] = {}
    respelled = 0
    for qid, text in queries.items():
        ranking = archive.rank(text, k=10 * quality.PASSAGES_PER_DOC)
        passages = ((doc_of[p], s) for p, s in ranking.passages)
        run[qid] = [d for d, _ in quality.doc_ranking(passages, 10)]
        answer = archive.ask(text, top=3)
        shown[qid] = [doc_of[h.passage_id] for h in answer.hits]
        confidence[qid] = answer.confidence
        respelled += bool(answer.respelled)
    return run, shown, confidence, respelled


def collection(folder: Path, work: Path) -> dict[str, Any]:
    """Return the figures of one collection folder."""
    coll = quality.load_collection(folder)
    judged = {q: coll.queries[q] for q in coll.qrels if q in coll.queries}
    slipped = {q: slip(q, t) for q, t in judged.items()}
    built, doc_of = quality.build_archive(coll.docs, work / coll.name / "full")
    built.close()
    result: dict[str, Any] = {
        "collection": coll.name,
        "queries": len(judged),
        "slipped": sum(slipped[q] != judged[q] for q in judged),
    }
    for spelling in (False, True):
        archive = Archive(work / coll.name / "full" / "briefbot.db", spelling=spelling)
        for name, queries in (("typed", judged), ("slip", slipped)):
            run, shown, _, respelled = ranked(archive, doc_of, queries)
            ndcg = quality.evaluate(run, coll.qrels)["ndcg@10"]
            key = f"{name}/{'spelling' if spelling else 'off'}"
            result[key] = {
                "ndcg@10": ndcg,
                "success@3": quality.success_at_3(shown, coll.qrels),
                "respelled": respelled,
            }
        archive.close()
    result["half"] = half_archive(coll, work / coll.name / "half")
    return result


def half_archive(coll: quality.Collection, folder: Path) -> dict[str, Any]:
    """Return, with spelling off and on, the share of unanswerable questions answered low or
    none and of answerable ones answered low, on an archive without half the articles."""
    gone = quality.held_out(coll.docs)
    built, doc_of = quality.build_archive([d for d in coll.docs if d["id"] not in gone], folder)
    built.close()
    unanswerable = [
        q
        for q, judged in coll.qrels.items()
        if q in coll.queries and {d for d, g in judged.items() if g > 0} <= gone
    ]
    answerable = [q for q in coll.qrels if q in coll.queries and q not in unanswerable]
    out: dict[str, Any] = {"unanswerable": len(unanswerable), "answerable": len(answerable)}
    for spelling in (False, True):
        archive = Archive(folder / "briefbot.db", spelling=spelling)
        asked = {q: coll.queries[q] for q in unanswerable + answerable}
        _, _, confidence, respelled = ranked(archive, doc_of, asked)
        archive.close()
        n = max(len(unanswerable), 1)
        out["spelling" if spelling else "off"] = {
            "unanswerable_low_or_none": round(
                sum(confidence[q] in ("low", "none") for q in unanswerable) / n, 4
            ),
            "answerable_low": round(
                sum(confidence[q] == "low" for q in answerable) / max(len(answerable), 1), 4
            ),
            "respelled": respelled,
        }
    return out


def sample_set(path: Path, work: Path) -> dict[str, Any]:
    """Return success@1/@3 of one set over the bundled sample, typed and slipped."""
    items = briefset.read_set(path)
    slipped = [{**item, "text": slip(item["id"], item["text"])} for item in items]
    briefset.sample_archive(work).close()
    result: dict[str, Any] = {"set": path.name, "questions": len(items)}
    for spelling in (False, True):
        archive = Archive(work / "sample.db", spelling=spelling)
        for name, asked in (("typed", items), ("slip", slipped)):
            got = briefset.measure(archive, asked)
            respelled = sum(bool(archive.ask(i["text"], top=3).respelled) for i in asked)
            result[f"{name}/{'spelling' if spelling else 'off'}"] = {
                "success@1": got["success@1"],
                "success@3": got["success@3"],
                "confidence": got["confidence"],
                "respelled": respelled,
            }
        archive.close()
    return result


def main(argv: list[str] | None = None) -> int:
    """Measure every folder given, then the sample's paraphrase set; one JSON object each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, help="collection folders")
    parser.add_argument(
        "--sets", nargs="*", type=Path, default=[briefset.SETS / "paraphrase.jsonl"]
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for path in args.sets:
            print(json.dumps(sample_set(path, work / path.stem)), flush=True)
        for folder in args.folders:
            print(json.dumps(collection(folder, work)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
