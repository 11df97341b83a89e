"""Check that the brief parser gives what an earlier version gave, file by file.

Usage::

    python bench/parse_check.py FOLDER_OR_FILE... [--rev main]

Loads ``retrieval/corpus/briefs.py`` as it is at git revision ``--rev`` (beside the current one;
it imports the rest of the package as it is now) and parses every text file under the paths
with both: the briefs (every field and passage, by ``repr``, and the content hash) or the error
must be the same. JSONL files are passed over. Prints the files and briefs compared and every
difference; exits 1 if there is one.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.corpus import briefs as new  # noqa: E402
from retrieval.corpus.ingest import decode, iter_sources  # noqa: E402
from retrieval.errors import BriefFormatError  # noqa: E402


def load_old(rev: str) -> ModuleType:
    """Return ``retrieval/corpus/briefs.py`` of git revision ``rev`` as a module."""
    source = subprocess.run(
        ["git", "show", f"{rev}:retrieval/corpus/briefs.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    folder = Path(tempfile.mkdtemp(prefix="old-briefs-"))
    path = folder / "old_briefs.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("old_briefs", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_briefs"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def outcome(module: ModuleType, text: str, source: str) -> tuple[str, Any]:
    """Return ``("ok", repr and content hash of the briefs)`` or ``("error", (reason, line))``."""
    try:
        found = module.parse_briefs(text, source=source)
    except BriefFormatError as exc:
        return "error", (exc.reason, exc.line)
    except Exception as exc:  # a difference worth showing
        return "error", (type(exc).__name__, str(exc))
    # The old module's classes are its own: compare what they hold.
    return "ok", [(repr(b).replace("old_briefs.", ""), b.content_hash) for b in found]


def main() -> None:
    """Compare the two parsers on every file under the given paths."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--rev", default="main")
    args = parser.parse_args()
    old = load_old(args.rev)
    files = briefs = differences = 0
    times = {"old": 0.0, "new": 0.0}
    for path, _origin in iter_sources(args.paths):
        if path.suffix.lower() in {".jsonl", ".ndjson"}:
            continue
        try:
            text, _ = decode(path.read_bytes(), str(path))
        except (BriefFormatError, OSError):
            continue
        results = {}
        for name, module in (("old", old), ("new", new)):
            started = time.process_time()
            results[name] = outcome(module, text, str(path))
            times[name] += time.process_time() - started
        files += 1
        briefs += len(results["new"][1]) if results["new"][0] == "ok" else 0
        if results["old"] != results["new"]:
            differences += 1
            print(f"DIFFERENT: {path}\n  old: {str(results['old'])[:300]}\n  new: "
                  f"{str(results['new'])[:300]}")  # fmt: skip
    print(
        f"{files} files, {briefs} briefs: {differences} different; parse CPU old "
        f"{times['old']:.2f} s, new {times['new']:.2f} s"
    )
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
