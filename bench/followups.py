"""Measure follow-up questions on the bundled sample: read with their context, and read alone.

Usage::

    python bench/followups.py [--db PATH] [--weights 0.3,0.5,0.7] [--misses]

``bench/sets/followups.jsonl`` holds conversations of two or three turns; a later turn
(``"followup": true``) is asked after the turns before it, as in a chat: it is read with them
when ``retrieval.text.followup.reading`` says it does not stand on its own, a follow-up of a
follow-up keeping the original subject (``retrieval.text.followup.chain``). Each turn names the
brief that answers it (``bench/briefset.py``: ``brief_of``). ``bench/sets/standalone.jsonl``
holds complete questions that look like follow-ups ("And Lazarenko — how many …"), each asked
after ``previous``: they must be read alone.

For each context weight (``--weights``; default the one ``retrieval.archive.CONTEXT_WEIGHT``
sets) it prints one JSON object: the follow-ups' success@1 and @3 as read (the rule deciding),
read with their context whatever the rule says, and read alone; how many were read with context;
and for the complete questions the share read with context and their success@1 as read and
alone. The paraphrase set's questions (``bench/sets/paraphrase.jsonl``) are each asked after
three other ones of a different brief (the 1st, 7th and 23rd after it): complete questions typed
as members type them, which must be read alone as well. So must the short questions of
``bench/sets/newsubject.jsonl`` ("who is kocharian?"), each asked after three paraphrase
questions: they name a new subject in one or two words, which the rule cannot tell from a short
follow-up ("how did iran react?") and the archive must (``Archive.reading``).

``--conversations FILE`` measures instead the conversations of another set (its lines with
``turns``, e.g. ``bench/sets/fresh.jsonl``), without the complete questions and the pairs.

``--questions FILE …`` (a ``queries.jsonl`` of complete questions, one ``{"text": …}`` a line:
the dev collections' own questions) prints instead the share of them the rule would read with
an earlier question, as written and lower-cased.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from briefset import SETS, brief_of, read_set, sample_archive  # noqa: E402

from retrieval.archive import CONTEXT_WEIGHT, Archive  # noqa: E402
from retrieval.text.followup import chain, needs_context  # noqa: E402


def briefs_for(archive: Archive, text: str, earlier: Sequence[str], weight: float) -> list[int]:
    """Return the brief ids of the three passages ``Archive.ask`` shows, best first."""
    ranking = archive.rank(text, k=3, diverse=True, earlier=earlier, earlier_weight=weight)
    rows = archive.store.passages_by_id([pid for pid, _ in ranking.passages])
    return [int(rows[pid]["brief_id"]) for pid, _ in ranking.passages if pid in rows]


def _rate(count: int, n: int) -> float:
    return round(count / n, 3) if n else 0.0


def measure(
    archive: Archive,
    conversations: Sequence[Mapping[str, Any]],
    standalone: Sequence[Mapping[str, Any]],
    weight: float,
) -> dict[str, Any]:
    """Return the follow-up and complete-question figures at context weight ``weight``."""
    c: Counter[str] = Counter()
    misses: list[str] = []
    for conv in conversations:
        context: list[str] = []
        for n, turn in enumerate(conv["turns"]):
            text = turn["text"]
            used = archive.reading(text, chain(context[:-1], context[-1])) if context else []
            if turn.get("followup") and not turn.get("unanswerable"):
                # (a turn the archive cannot answer names no brief: it is context only)
                want = brief_of(archive, {**turn, "id": f"{conv['id']}.{n}"})
                previous = chain(context[:-1], context[-1])
                got = briefs_for(archive, text, used, weight)
                forced = briefs_for(archive, text, previous, weight)
                alone = briefs_for(archive, text, [], weight)
                c["followups"] += 1
                c["read_with"] += bool(used)
                c["s1"] += got[:1] == [want]
                c["s3"] += want in got
                c["f1"] += forced[:1] == [want]
                c["f3"] += want in forced
                c["a1"] += alone[:1] == [want]
                c["a3"] += want in alone
                if got[:1] != [want]:
                    misses.append(f"{conv['id']}.{n}")
            # What the next turn may continue: this turn with the context it was read with.
            context = [*used, text]
    for item in standalone:
        want = brief_of(archive, item)
        used = archive.reading(item["text"], [item["previous"]])
        got = briefs_for(archive, item["text"], used, weight)
        alone = briefs_for(archive, item["text"], [], weight)
        c["complete"] += 1
        c["wrong"] += bool(used)
        c["c1"] += got[:1] == [want]
        c["ca1"] += alone[:1] == [want]
    n, m = c["followups"], c["complete"]
    return {
        "context_weight": weight,
        "followups": n,
        "read_with_context": c["read_with"],
        "success@1": _rate(c["s1"], n),
        "success@3": _rate(c["s3"], n),
        "forced_context_success@1": _rate(c["f1"], n),
        "forced_context_success@3": _rate(c["f3"], n),
        "alone_success@1": _rate(c["a1"], n),
        "alone_success@3": _rate(c["a3"], n),
        "complete_questions": m,
        "complete_read_with_context": _rate(c["wrong"], m),
        "complete_success@1_as_read": _rate(c["c1"], m),
        "complete_success@1_alone": _rate(c["ca1"], m),
        "misses@1": misses,
    }


PAIR_SHIFTS = (1, 7, 23)
"""Each paraphrase question is asked after the questions this many places after it."""


def measure_pairs(
    archive: Archive,
    questions: Sequence[Mapping[str, Any]],
    weight: float,
    after: Sequence[Mapping[str, Any]] = (),
    name: str = "paraphrase",
) -> dict[str, Any]:
    """Return how complete questions fare asked right after another question of another brief
    (from ``after``, default ``questions`` themselves): the share read with it, and success@1
    as read and alone; the keys start with ``name``."""
    earlier = list(after) or list(questions)
    wants = [brief_of(archive, q) for q in questions]
    before = [brief_of(archive, q) for q in earlier]
    c: Counter[str] = Counter()
    for n, item in enumerate(questions):
        alone = briefs_for(archive, item["text"], [], weight)[:1] == [wants[n]]
        for shift in PAIR_SHIFTS:
            m = (n + shift) % len(earlier)
            if before[m] == wants[n]:
                continue
            used = archive.reading(item["text"], [earlier[m]["text"]])
            got = briefs_for(archive, item["text"], used, weight) if used else []
            c["pairs"] += 1
            c["read_with"] += bool(used)
            c["s1"] += got[:1] == [wants[n]] if used else alone
            c["a1"] += alone
    n = c["pairs"]
    return {
        f"{name}_pairs": n,
        f"{name}_read_with_context": _rate(c["read_with"], n),
        f"{name}_success@1_as_read": _rate(c["s1"], n),
        f"{name}_success@1_alone": _rate(c["a1"], n),
    }


def read_as_followups(path: Path) -> dict[str, Any]:
    """Return the share of the complete questions in ``path`` the rule reads with an earlier
    question, as written and lower-cased (as members type)."""
    texts = [row["text"] for row in read_set(path)]
    written = sum(needs_context(t) for t in texts)
    lowered = sum(needs_context(t.lower()) for t in texts)
    return {
        "questions": str(path),
        "n": len(texts),
        "read_with_context": _rate(written, len(texts)),
        "read_with_context_lower_case": _rate(lowered, len(texts)),
    }


def main(argv: list[str] | None = None) -> int:
    """Print one JSON object of figures per context weight."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="an archive to ask (default: the sample)")
    parser.add_argument(
        "--weights",
        default=str(CONTEXT_WEIGHT),
        help="comma-separated context weights to measure (default: CONTEXT_WEIGHT)",
    )
    parser.add_argument(
        "--questions",
        nargs="+",
        type=Path,
        help="queries.jsonl files of complete questions: print the share read as follow-ups",
    )
    parser.add_argument(
        "--conversations",
        type=Path,
        help="a set whose conversations (lines with turns) to measure, alone",
    )
    args = parser.parse_args(argv)
    if args.questions:
        for path in args.questions:
            print(json.dumps(read_as_followups(path)), flush=True)
        return 0
    if args.conversations:
        conversations = [c for c in read_set(args.conversations) if "turns" in c]
        standalone: list[dict[str, Any]] = []
    else:
        conversations = read_set(SETS / "followups.jsonl")
        standalone = read_set(SETS / "standalone.jsonl")
    paraphrase = read_set(SETS / "paraphrase.jsonl")
    short = read_set(SETS / "newsubject.jsonl")
    with tempfile.TemporaryDirectory(prefix="briefbot-followups-") as tmp:
        archive = Archive(args.db) if args.db else sample_archive(Path(tmp))
        for weight in (float(w) for w in args.weights.split(",")):
            figures = measure(archive, conversations, standalone, weight)
            if not args.conversations:
                figures.update(measure_pairs(archive, paraphrase, weight))
                figures.update(measure_pairs(archive, short, weight, paraphrase, "new_subject"))
            print(json.dumps(figures), flush=True)
        archive.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
