"""Measure answers on question sets written over an archive of briefs (the bundled sample).

Usage::

    python bench/briefset.py [--db PATH] [SET.jsonl ...]

A set is JSONL, one question a line: ``{"id", "text", "publication", "volume", "issue",
"title", "starts", "answer"}``, where the brief that answers is named by its publication, volume,
issue and title (or, for a brief without one, the first words of its text, ``starts``), and
``answer`` is a short string of that brief (may be empty). ``bench/sets/paraphrase.jsonl`` holds
questions worded away from the briefs' text, as colleagues type them; ``bench/sets/chat.jsonl``
questions typed as in chat (lower case, shorthand, no question mark).

For each set it prints one JSON object: success@1 and @3 (the answering brief among the first
one / three passages shown by ``Archive.ask``), the same for plain stemmed BM25 (rank-bm25
``BM25Okapi`` over the passages, tokens from briefbot's analyzer, no aliases, no brief evidence,
no feedback: the "stemmed baseline"), answer-in-quote@1 (the answer string inside the first
quote, when the first hit is from the right brief or not), and how many answers were ``high``,
``low`` or ``none``. ``--db`` defaults to a fresh database built from ``data/sample``.

A set may also hold conversations (``{"id", "turns"}``, measured by ``bench/followups.py
--conversations``), which are skipped here, and questions the archive cannot answer
(``"unanswerable": true``, no brief named): for those it prints how many answers were ``high``,
``low`` or ``none`` (``unanswerable_confidence``; ``high`` is wrong) and leaves them out of the
other figures. ``bench/sets/fresh.jsonl`` holds both, written blind to the bot's answers.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rank_bm25 import BM25Okapi

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.archive import Archive  # noqa: E402
from retrieval.text.analyzer import analyze  # noqa: E402
from retrieval.text.query import parse_question  # noqa: E402

SETS = ROOT / "bench" / "sets"
_MENTION_RE = re.compile(r"@briefbot\b", re.IGNORECASE)
"""The bot's name in a set's text, taken out as the bot takes out its own (``bot.gate``)."""
SAMPLE = ROOT / "data" / "sample"


def read_set(path: Path) -> list[dict[str, Any]]:
    """Return the questions of one set file, "@briefbot" taken out of each text as the bot takes
    out its own name (a group's "@briefbot gazprom moldova?")."""
    with path.open(encoding="utf-8") as fh:
        items = [json.loads(line) for line in fh if line.strip()]
    for item in items:
        for turn in [item, *item.get("turns", [])]:
            if "text" in turn:
                turn["text"] = " ".join(_MENTION_RE.sub(" ", turn["text"]).split()) or turn["text"]
    return items


def _norm(text: str) -> str:
    return " ".join(text.replace("’", "'").casefold().split())


def brief_of(archive: Archive, item: Mapping[str, Any]) -> int:
    """Return the id of the brief that ``item`` names.

    Raises:
        LookupError: if no brief, or more than one, fits.
    """
    rows = archive.store.db.execute(
        "SELECT id, title, text FROM briefs WHERE publication = ? AND volume = ? AND issue = ?",
        [item["publication"], item["volume"], item["issue"]],
    ).fetchall()
    title, starts = _norm(item.get("title") or ""), _norm(item.get("starts") or "")
    fits = [
        bid
        for bid, t, text in rows
        if (title and _norm(t or "") == title) or (not title and _norm(text).startswith(starts))
    ]
    if len(fits) != 1:
        raise LookupError(f"{item.get('id')}: {len(fits)} briefs fit {dict(item)}")
    return int(fits[0])


class StemmedBaseline:
    """Plain stemmed BM25 over the archive's passages: rank-bm25 with briefbot's analyzer."""

    def __init__(self, archive: Archive):
        rows = archive.store.db.execute(
            "SELECT p.brief_id, p.text FROM passages p ORDER BY p.id"
        ).fetchall()
        self.briefs = [int(b) for b, _ in rows]
        self.bm25 = BM25Okapi([analyze(text) or ["-"] for _, text in rows])

    def briefs_for(self, question: str, k: int = 3) -> list[int]:
        """Return the brief ids of the ``k`` best passages, best first."""
        words, _ = parse_question(question)
        scores = self.bm25.get_scores(analyze(words))
        order = np.argsort(-scores, kind="stable")[:k]
        return [self.briefs[i] for i in order if scores[i] > 0]


def measure(archive: Archive, items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Return success@1/@3, the baseline's, answer-in-quote@1 and the confidence counts, and
    the confidence counts of the questions marked unanswerable, if any."""
    baseline = StemmedBaseline(archive)
    counts: Counter[str] = Counter()
    unanswered: Counter[str] = Counter()
    misses: list[str] = []
    for item in [i for i in items if i.get("unanswerable") and "turns" not in i]:
        unanswered[archive.ask(item["text"], top=3).confidence] += 1
    items = [i for i in items if not i.get("unanswerable") and "turns" not in i]
    for item in items:
        want = brief_of(archive, item)
        answer = archive.ask(item["text"], top=3)
        got = [h.brief_id for h in answer.hits]
        counts[answer.confidence] += 1
        counts["s1"] += got[:1] == [want]
        counts["s3"] += want in got
        base = baseline.briefs_for(item["text"])
        counts["b1"] += base[:1] == [want]
        counts["b3"] += want in base
        gold = _norm(item.get("answer") or "")
        if gold:
            counts["asked"] += 1
            counts["q1"] += bool(answer.hits) and gold in _norm(answer.hits[0].quote)
        if got[:1] != [want]:
            misses.append(item["id"])
    n = len(items)
    return {
        "questions": n,
        "success@1": round(counts["s1"] / n, 3),
        "success@3": round(counts["s3"] / n, 3),
        "baseline_success@1": round(counts["b1"] / n, 3),
        "baseline_success@3": round(counts["b3"] / n, 3),
        "answer_in_quote@1": round(counts["q1"] / max(counts["asked"], 1), 3),
        "confidence": {c: counts[c] for c in ("high", "low", "none")},
        "misses@1": misses,
    } | (
        {
            "unanswerable": sum(unanswered.values()),
            "unanswerable_confidence": {c: unanswered[c] for c in ("high", "low", "none")},
        }
        if unanswered
        else {}
    )


def sample_archive(folder: Path) -> Archive:
    """Return a fresh archive of the bundled sample, built in ``folder``."""
    archive = Archive(folder / "sample.db")
    archive.ingest([SAMPLE])
    return archive


def main(argv: list[str] | None = None) -> int:
    """Measure every set given (default: the paraphrase set); print one JSON object per set."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="*", type=Path, default=[SETS / "paraphrase.jsonl"])
    parser.add_argument("--db", type=Path, help="an archive to ask (default: the sample)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="briefbot-briefset-") as tmp:
        archive = Archive(args.db) if args.db else sample_archive(Path(tmp))
        for path in args.sets:
            result = {"set": path.name, **measure(archive, read_set(path))}
            print(json.dumps(result), flush=True)
        archive.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
