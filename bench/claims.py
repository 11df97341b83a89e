"""Measure ``/check`` on the bundled sample: does the evidence include the brief a claim is about?

Usage::

    python bench/claims.py [--db PATH] [--misses]

``bench/sets/claims.jsonl`` holds claims typed as members type them ("Aliev got 80 percent in
1998", "the baku-supsa pipeline is 900 km long"), some right and some with a wrong figure, each
naming the brief that bears on it (``bench/briefset.py``: ``brief_of``). Each is checked as the
bot checks it (``bot.chat.ChatService.check``). Prints one JSON object: how many claims, the
share whose brief is among the evidence shown (``evidence@3``) or first (``evidence@1``), and
the share answered "Nothing in the archive bears on this." (``nothing_bears``), how many of the
claims' numbers are reported "in the passages" only from passages of other briefs
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


def measure(archive: Archive, claims: list[dict[str, object]]) -> dict[str, object]:
    """Return the evidence figures of ``claims`` checked against ``archive``."""
    service = ChatService(archive)
    first = shown = nothing = elsewhere = 0
    misses: list[str] = []
    for item in claims:
        want = brief_of(archive, item)
        reply = service.check(str(item["text"]))
        evidence = reply.evidence if isinstance(reply, CheckReply) else []
        briefs = [hit.brief_id for hit in evidence]
        first += briefs[:1] == [want]
        shown += want in briefs
        nothing += not evidence
        if want not in briefs:
            misses.append(str(item["id"]))
        if isinstance(reply, CheckReply) and reply.comparison is not None:
            own = [q for hit in evidence if hit.brief_id == want for q in quantities(hit)]
            found = reply.comparison.numbers_found
            elsewhere += sum(not any(q.matches(o) for o in own) for q in found)
    n = len(claims)
    return {
        "claims": n,
        "evidence@1": round(first / n, 3),
        "evidence@3": round(shown / n, 3),
        "nothing_bears": round(nothing / n, 3),
        "numbers_found_elsewhere": elsewhere,
        "misses": misses,
    }


def main(argv: list[str] | None = None) -> int:
    """Check every claim of the set; print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="an archive to check against (default: the sample)")
    args = parser.parse_args(argv)
    claims = read_set(SETS / "claims.jsonl")
    with tempfile.TemporaryDirectory() as folder:
        archive = Archive(args.db) if args.db else sample_archive(Path(folder))
        print(json.dumps(measure(archive, claims)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
