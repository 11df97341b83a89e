"""Tokenize many passages on every CPU: the analyzer in worker processes, results in order.

A worker is ``python -m retrieval.search.workers``: it reads a JSON list of texts per line on stdin
and writes back a JSON list of their tokens, space-joined (tokens hold no whitespace). Plain
processes and pipes rather than ``multiprocessing``: nothing is forked from a process that runs
threads (the bot), and the caller's main module is never re-imported, so a script without an
``if __name__ == "__main__"`` guard can build an index too.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import deque
from collections.abc import Iterable, Iterator

from retrieval.errors import RetrievalError
from retrieval.text.analyzer import analyze, keep_terms


class AnalyzerPool:
    """Worker processes running ``analyze``; use as a context manager.

    Args:
        workers: how many processes to start.

    Raises:
        OSError: if the processes cannot be started.
    """

    def __init__(self, workers: int):
        self._procs = [
            subprocess.Popen(
                [sys.executable, "-m", "retrieval.search.workers"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                encoding="utf-8",
            )
            for _ in range(max(1, workers))
        ]

    def __enter__(self) -> AnalyzerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def map(self, batches: Iterable[list[str]]) -> Iterator[list[list[str]]]:
        """Yield the tokens of each batch of texts, in the order of the batches.

        Each worker holds one batch at a time: it is handed the next one as soon as its result
        is read, so no worker waits on a pipe the parent is not reading.

        Raises:
            RetrievalError: if a worker process dies.
        """
        pending: deque[subprocess.Popen[str]] = deque()
        queue = iter(batches)
        for proc in self._procs:
            if not self._send(proc, queue):
                break
            pending.append(proc)
        while pending:
            proc = pending.popleft()
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if not line:
                raise RetrievalError(
                    f"a tokenizer process ended early (exit status {proc.poll()}); "
                    "run the command again"
                )
            yield [joined.split() for joined in json.loads(line)]
            if self._send(proc, queue):
                pending.append(proc)

    @staticmethod
    def _send(proc: subprocess.Popen[str], queue: Iterator[list[str]]) -> bool:
        texts = next(queue, None)
        if texts is None:
            return False
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(texts) + "\n")
        proc.stdin.flush()
        return True

    def close(self) -> None:
        """Stop the workers."""
        for proc in self._procs:
            if proc.stdin is not None:
                proc.stdin.close()
        for proc in self._procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


def analyze_joined(texts: list[str]) -> list[str]:
    """Return each text's tokens joined by spaces."""
    return [" ".join(analyze(text)) for text in texts]


WORKER_TERMS = 2_000_000
"""A worker tokenizes a whole archive and then ends: it keeps the terms of this many distinct
raw tokens (a bot keeps the analyzer's default)."""


def serve() -> None:
    """Answer batches on stdin until it closes (the worker's loop)."""
    keep_terms(WORKER_TERMS)
    for line in sys.stdin:
        sys.stdout.write(json.dumps(analyze_joined(json.loads(line))) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve()
