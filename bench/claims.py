"""Measure ``/check`` on the bundled sample: does the evidence include the brief a claim is about?

Usage::

    python bench/claims.py [--db PATH] [SET.jsonl ...]

``bench/sets/claims.jsonl`` holds claims typed as members type them ("Aliev got 80 percent in
1998", "the baku-supsa pipeline is 900 km long"), some right and some with a wrong figure, each
naming the brief that bears on it (``bench/briefset.py``: ``brief_of``). Each is checked as the
bot checks it (``bot.chat.ChatService.check``). Prints one JSON object: how many claims, the
share whose brief is among the evidence shown (``evidence@3``) or first (``evidence@1``), and
the share answered "Nothing in the archive bears on this." (``nothing_bears``), the ids of the
claims whose reply names a number, date or name as not in the passages (``not_in_them``), how
many of the claims' numbers are reported "in the passages" only from passages of other briefs
(``numbers_found_elsewhere``: a figure about something else read as a match), and the ids of
the claims whose brief is not shown (``misses``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from briefset import SETS, brief_of, read_set, sample_archive  # noqa: E402

from bot.chat import ChatService  # noqa: E402
from bot.replies import CheckReply  # noqa: E402
from retrieval.answering.answer import Hit, format_date  # noqa: E402
from retrieval.answering.check import Quantity, extract_quantities  # noqa: E402
from retrieval.archive import Archive  # noqa: E402


def quantities(hit: Hit) -> list[Quantity]:
    """Return the amounts ``hit`` states, its brief's date included (as ``/check`` reads it)."""
    date = f" ({format_date(hit.citation.date)})" if hit.citation.date else ""
    return extract_quantities(hit.text + date)


def flagged(reply: CheckReply) -> bool:
    """Return whether ``reply`` names a number, date or name of the claim as not in the passages,
    or a passage saying the opposite of the claim (``contrasts``)."""
    checks = [reply.comparison, *(part.comparison for part in reply.parts)]
    return any(
        c is not None
        and bool(c.numbers_missing or c.dates_missing or c.names_missing or c.contrasts)
        for c in checks
    )


def _norm(text: str) -> str:
    return " ".join(text.replace("’", "'").casefold().split())


def _share(ids: list[str], failed: list[str]) -> float | None:
    return round(1 - len(failed) / len(ids), 3) if ids else None


def _unsettled(item: dict[str, object]) -> bool:
    """Return whether no brief settles claim ``item`` (``"unanswerable": true``, or
    ``"verdict": "unknown"`` as claims3 writes it)."""
    return bool(item.get("unanswerable")) or item.get("verdict") == "unknown"


def measure(archive: Archive, claims: list[dict[str, object]]) -> dict[str, object]:
    """Return the evidence figures of ``claims`` checked against ``archive``."""
    service = ChatService(archive)
    first = shown = nothing = elsewhere = 0
    misses: list[str] = []
    answers: list[str] = []
    not_shown: list[str] = []
    wrong: list[str] = []
    wrong_missed: list[str] = []
    true: list[str] = []
    true_flagged: list[str] = []
    unanswerable: list[str] = []
    answered: list[str] = []
    confident: list[str] = []
    not_in_them: list[str] = []
    contrasted: list[str] = []
    answerable = [item for item in claims if not _unsettled(item)]
    for item in claims:
        cid = str(item["id"])
        reply = service.check(str(item["text"]))
        evidence = reply.evidence if isinstance(reply, CheckReply) else []
        if _unsettled(item):
            unanswerable.append(cid)
            if evidence:
                answered.append(cid)
            if evidence and isinstance(reply, CheckReply) and reply.confidence == "high":
                confident.append(cid)
            continue
        want = brief_of(archive, item)
        briefs = [hit.brief_id for hit in evidence]
        first += briefs[:1] == [want]
        shown += want in briefs
        nothing += not evidence
        if want not in briefs:
            misses.append(cid)
        if isinstance(reply, CheckReply) and reply.comparison is not None:
            own = [q for hit in evidence if hit.brief_id == want for q in quantities(hit)]
            found = reply.comparison.numbers_found
            elsewhere += sum(not any(q.matches(o) for o in own) for q in found)
        if item.get("answer"):
            answers.append(cid)
            quotes = [_norm(hit.quote) for hit in evidence if hit.brief_id == want]
            if not any(_norm(str(item["answer"])) in quote for quote in quotes):
                not_shown.append(cid)
        if isinstance(reply, CheckReply) and any(
            c is not None and c.contrasts
            for c in [reply.comparison, *(part.comparison for part in reply.parts)]
        ):
            contrasted.append(cid)
        is_flagged = isinstance(reply, CheckReply) and flagged(reply)
        if is_flagged:
            not_in_them.append(cid)
        if item.get("verdict") == "wrong":
            wrong.append(cid)
            if not is_flagged:
                wrong_missed.append(cid)
        elif item.get("verdict") == "true":
            true.append(cid)
            if is_flagged:
                true_flagged.append(cid)
    n = len(answerable)
    result: dict[str, object] = {
        "claims": n,
        "evidence@1": round(first / n, 3),
        "evidence@3": round(shown / n, 3),
        "nothing_bears": round(nothing / n, 3),
        "numbers_found_elsewhere": elsewhere,
        "misses": misses,
        "not_in_them": not_in_them,
        "contrasted": contrasted,
    }
    if answers:
        result.update(answer_shown=_share(answers, not_shown), answer_not_shown=not_shown)
    if wrong:
        result.update(wrong_flagged=_share(wrong, wrong_missed), wrong_not_flagged=wrong_missed)
    if true:
        flagged_share = round(len(true_flagged) / len(true), 3)
        result.update(true_flagged=flagged_share, true_flagged_ids=true_flagged)
    if unanswerable:
        result.update(
            unanswerable=len(unanswerable),
            unanswerable_nothing=_share(unanswerable, answered),
            unanswerable_answered=answered,
            unanswerable_high=confident,
        )
    return result


def main(argv: list[str] | None = None) -> int:
    """Check every claim of the set; print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="an archive to check against (default: the sample)")
    parser.add_argument(
        "sets", nargs="*", type=Path, help="claim sets (default: bench/sets/claims.jsonl)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        archive = Archive(args.db) if args.db else sample_archive(Path(folder))
        for path in args.sets or [SETS / "claims.jsonl"]:
            print(json.dumps({"set": path.name, **measure(archive, read_set(path))}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
