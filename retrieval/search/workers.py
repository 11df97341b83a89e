"""Tokenize many passages on every CPU: the analyzer in worker processes, results in order.

A worker is ``python -m retrieval.search.workers``: it reads a JSON list of texts per line on stdin
and writes back a JSON list of their tokens, space-joined (tokens hold no whitespace). Plain
processes and pipes rather than ``multiprocessing``: nothing is forked from a process that runs
threads (the bot), and the caller's main module is never re-imported, so a script without an
``if __name__ == "__main__"`` guard can build an index too.

An index build uses ``CountingPool`` instead (``python -m retrieval.search.workers --counts``):
each worker counts the tokens of a batch (``TermCounter``) and sends back numpy arrays (term
numbers and counts per text) and the terms it met for the first time, in binary; the pool
renumbers the terms into the index's vocabulary. A pool started with another ``command`` (a
module that calls ``serve_counts`` with a ``read`` function, e.g. ``retrieval.passage_rows``
reading the archive's database) sends its workers ranges of ids instead of texts: each worker
reads its texts itself and sends back named arrays of what it read with the counts, so the main
process reads, encodes and pipes no text.
"""

from __future__ import annotations

import contextlib
import io
import json
import queue
import struct
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any, TypeVar

import numpy as np

from retrieval.errors import RetrievalError
from retrieval.search.bm25 import AnyArray
from retrieval.search.vocabulary import TermNumbers
from retrieval.text.analyzer import BatchCounts, TermCounter, analyze, keep_terms


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
        _stop(self._procs)


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


# Every answer of a counting worker starts with its size in bytes, so that a thread of the pool
# reads it whole as soon as it is written (``CountingPool``) and the worker goes on to its next job
# instead of waiting, blocked on a full pipe, for this process to come to it in order.
_SIZE = struct.Struct("<q")
# A batch sent to a counting worker: the number of texts and of bytes, each text's length in
# characters (int64), then the texts, joined, in UTF-8.
_REQUEST = struct.Struct("<qq")
# Its answer: the numbers of texts, (text, term) pairs, new terms and bytes of new terms, then
# the arrays of ``BatchCounts`` (int32) and the new terms, newline-joined, in UTF-8.
_ANSWER = struct.Struct("<qqqq")
# A range sent to a worker that reads its texts: after which id, up to which (-1: no end). Its
# answer starts with what it read: the number of arrays and the bytes of a JSON value, then per
# array its bytes and the bytes of "name dtype" (ASCII), those and its data; the JSON; then the
# counts, as above.
_READ = struct.Struct("<qq")
_ARRAY = struct.Struct("<qq")
# Ranges each worker holds at a time: its answers are read as soon as written, so it may run a few
# ranges ahead of the one this process waits for (its answers are held here meanwhile).
DEPTH = 4
Reader = Callable[[int, "int | None"], tuple[dict[str, AnyArray], Any, list[str]]]
"""``serve_counts``'s ``read``: the named arrays, a JSON value and the texts of a range of ids."""


_Job = TypeVar("_Job")
_Result = TypeVar("_Result")


class CountingPool:
    """Worker processes counting the tokens of batches of texts (``TermCounter``); use as a
    context manager.

    Args:
        workers: how many processes to start.
        vocab: term -> term number; the terms the workers meet are numbered in it, new ones in
            the order they first occur in the batches (as ``SegmentBuilder`` numbers them).
        command: the workers' command line, for workers that read their texts themselves
            (``map_ranges``; see ``serve_counts``); None: workers sent texts (``map``).

    Raises:
        OSError: if the processes cannot be started.
    """

    def __init__(self, workers: int, vocab: TermNumbers, *, command: Sequence[str] | None = None):
        self.vocab = vocab
        argv = list(command or [sys.executable, "-m", "retrieval.search.workers", "--counts"])
        self._procs = [
            subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            for _ in range(max(1, workers))
        ]
        # Per worker: its term numbers -> the vocabulary's.
        self._numbers = [np.zeros(0, dtype=np.int32) for _ in self._procs]
        # Per worker: its answers as read whole by its reader thread (None: it ended).
        self._answers: list[queue.SimpleQueue[bytes | None]] = [
            queue.SimpleQueue() for _ in self._procs
        ]
        self._readers = [
            threading.Thread(target=_drain, args=(proc, answers), daemon=True)
            for proc, answers in zip(self._procs, self._answers, strict=True)
        ]
        for thread in self._readers:
            thread.start()

    def __enter__(self) -> CountingPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def map(self, batches: Iterable[list[str]]) -> Iterator[BatchCounts]:
        """Yield the counts of each batch of texts, in order, terms numbered in ``vocab``
        (``BatchCounts.new``: the numbers the batch added to ``vocab``, ascending).

        Raises:
            RetrievalError: if a worker process dies.
        """
        return self._dispatch(
            iter(batches), self._send, lambda n: self._receive(n, self._answer(n))
        )

    def map_ranges(
        self, ranges: Iterable[tuple[int, int | None]]
    ) -> Iterator[tuple[dict[str, AnyArray], Any, BatchCounts]]:
        """Yield, for each range ``(after, upto)`` of ids (``upto`` None: no end), in order, what
        a worker read for it (``serve_counts``'s ``read``: named arrays and a JSON value) and the
        counts of its texts, numbered as ``map`` numbers them.

        Raises:
            RetrievalError: if a worker process dies (or cannot read what it reads).
        """

        def receive(n: int) -> tuple[dict[str, AnyArray], Any, BatchCounts]:
            answer = self._answer(n)
            return (*self._receive_read(answer), self._receive(n, answer))

        return self._dispatch(iter(ranges), self._send_range, receive, depth=DEPTH)

    def _dispatch(
        self,
        queue: Iterator[_Job],
        send: Callable[[subprocess.Popen[bytes], Iterator[_Job]], bool],
        receive: Callable[[int], _Result],
        depth: int = 1,
    ) -> Iterator[_Result]:
        """Yield ``receive(n)`` of each job of ``queue`` sent to worker ``n``, in the order of
        the jobs; each worker holds ``depth`` jobs (dealt round) and is sent the next once an
        answer of it is read.

        A worker holding more jobs starts the next as soon as it has written an answer (read
        whole by the pool's reader thread), without waiting for this process to come to it and
        send another: only for small jobs (ranges), since a worker reads no job while it counts.
        """
        pending: deque[int] = deque()
        for _ in range(depth):
            for n, proc in enumerate(self._procs):
                if not send(proc, queue):
                    break
                pending.append(n)
        while pending:
            n = pending.popleft()
            result = receive(n)
            if send(self._procs[n], queue):
                pending.append(n)
            yield result

    @staticmethod
    def _send_range(proc: subprocess.Popen[bytes], queue: Iterator[tuple[int, int | None]]) -> bool:
        got = next(queue, None)
        if got is None:
            return False
        after, upto = got
        _write(proc, _REQUEST.pack(after, -1 if upto is None else upto))
        return True

    def _answer(self, n: int) -> io.BytesIO:
        """Return worker ``n``'s next answer, whole, as its reader thread read it.

        Raises:
            RetrievalError: if the worker ended before sending it.
        """
        answer = self._answers[n].get()
        if answer is None:
            raise _ended(self._procs[n])
        return io.BytesIO(answer)

    @staticmethod
    def _receive_read(answer: io.BytesIO) -> tuple[dict[str, AnyArray], Any]:
        n_arrays, n_json = _READ.unpack(_take(answer, _READ.size))
        arrays = {}
        for _ in range(n_arrays):
            size, n_label = _ARRAY.unpack(_take(answer, _ARRAY.size))
            name, dtype = _take(answer, n_label).decode("ascii").split(" ")
            arrays[name] = np.frombuffer(_take(answer, size), dtype=dtype)
        return arrays, json.loads(_take(answer, n_json)) if n_json else None

    @staticmethod
    def _send(proc: subprocess.Popen[bytes], queue: Iterator[list[str]]) -> bool:
        texts = next(queue, None)
        if texts is None:
            return False
        data = "".join(texts).encode("utf-8", "surrogatepass")
        sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        _write(proc, _REQUEST.pack(len(texts), len(data)), sizes.tobytes(), data)
        return True

    def _receive(self, n: int, answer: io.BytesIO) -> BatchCounts:
        """Return the counts of worker ``n``'s ``answer``, its terms renumbered in ``vocab``."""
        n_docs, n_pairs, n_new, n_bytes = _ANSWER.unpack(_take(answer, _ANSWER.size))
        lengths, docs, terms, tfs, new = (
            np.frombuffer(_take(answer, 4 * size), dtype=np.int32)
            for size in (n_docs, n_pairs, n_pairs, n_pairs, n_new)
        )
        words = _take(answer, n_bytes).decode("utf-8", "surrogatepass").split("\n") if n_new else []
        numbers = self._numbers[n]
        vocab = self.vocab
        before = len(vocab)
        if n_new:
            grown = np.zeros(int(new.max()) + 1, dtype=np.int32)
            grown[: len(numbers)] = numbers
            grown[new] = [vocab.setdefault(term, len(vocab)) for term in words]
            numbers = self._numbers[n] = grown
        added = np.arange(before, len(vocab), dtype=np.int32)
        return BatchCounts(lengths, docs, numbers[terms], tfs, added)

    def close(self) -> None:
        """Stop the workers."""
        _stop(self._procs, self._readers)


def _drain(proc: subprocess.Popen[bytes], answers: queue.SimpleQueue[bytes | None]) -> None:
    """Read a counting worker's answers whole, each as soon as it is written, into ``answers``;
    None once the worker's output ends (the reader thread of ``CountingPool``)."""
    stdout = proc.stdout
    assert stdout is not None
    while True:
        header = stdout.read(_SIZE.size)
        if len(header) != _SIZE.size:
            break
        (size,) = _SIZE.unpack(header)
        answer = stdout.read(size)
        if len(answer) != size:
            break
        answers.put(answer)
    answers.put(None)


def _take(answer: io.BytesIO, size: int) -> bytes:
    """Return the next ``size`` bytes of a worker's answer.

    Raises:
        RetrievalError: if the answer is shorter (a worker that does not speak the protocol).
    """
    data = answer.read(size) if size else b""
    if len(data) != size:
        raise RetrievalError("a tokenizer process sent a short answer; run the command again")
    return data


def _stop(procs: Sequence[subprocess.Popen[Any]], readers: Sequence[threading.Thread] = ()) -> None:
    """Close the workers' input (they end when it closes) and wait for them (killed after
    10 s) and for the threads reading their output (which end with it)."""
    for proc in procs:
        if proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for thread in readers:
        thread.join(timeout=10)
    for proc in procs:
        if proc.stdout is not None:
            proc.stdout.close()


def _write(proc: subprocess.Popen[bytes], *chunks: bytes) -> None:
    """Send a request to a worker.

    Raises:
        RetrievalError: if the worker has ended.
    """
    assert proc.stdin is not None
    try:
        for chunk in chunks:
            proc.stdin.write(chunk)
        proc.stdin.flush()
    except BrokenPipeError as exc:
        raise _ended(proc) from exc


def _ended(proc: subprocess.Popen[bytes]) -> RetrievalError:
    """Return the error for a worker that ended before its batch was done."""
    return RetrievalError(
        f"a tokenizer process ended early (exit status {proc.poll()}); run the command again"
    )


def serve_counts(stdin: IO[bytes], stdout: IO[bytes], read: Reader | None = None) -> None:
    """Answer ``CountingPool`` batches on ``stdin`` until it closes (the worker's loop): texts,
    or with ``read`` ranges of ids, whose texts (and what else it returns) ``read`` reads."""
    keep_terms(WORKER_TERMS)
    counter = TermCounter()
    while header := stdin.read(_REQUEST.size):
        if read is None:
            n_texts, n_bytes = _REQUEST.unpack(header)
            sizes = np.frombuffer(stdin.read(8 * n_texts), dtype=np.int64)
            joined = stdin.read(n_bytes).decode("utf-8", "surrogatepass")
            ends = np.cumsum(sizes).tolist()
            texts = [joined[start:end] for start, end in zip([0, *ends], ends, strict=False)]
        answer: list[bytes] = []
        if read is not None:
            after, upto = _REQUEST.unpack(header)
            arrays, value, texts = read(after, None if upto < 0 else upto)
            _write_read(answer, arrays, value)
        counts = counter.count(texts)
        words = "\n".join(counter.terms[i] for i in counts.new.tolist())
        data = words.encode("utf-8", "surrogatepass")
        answer.append(
            _ANSWER.pack(len(counts.lengths), len(counts.docs), len(counts.new), len(data))
        )
        for array in (counts.lengths, counts.docs, counts.terms, counts.tfs, counts.new):
            answer.append(array.astype(np.int32, copy=False).tobytes())
        answer.append(data)
        stdout.write(_SIZE.pack(sum(map(len, answer))))
        for chunk in answer:
            stdout.write(chunk)
        stdout.flush()


def _write_read(answer: list[bytes], arrays: dict[str, AnyArray], value: Any) -> None:
    """Add what a worker read to its ``answer`` as ``CountingPool._receive_read`` reads it."""
    encoded = json.dumps(value).encode("utf-8") if value is not None else b""
    answer.append(_READ.pack(len(arrays), len(encoded)))
    for name, array in arrays.items():
        data = np.ascontiguousarray(array).tobytes()
        label = f"{name} {array.dtype.str}".encode("ascii")
        answer.append(_ARRAY.pack(len(data), len(label)))
        answer.append(label)
        answer.append(data)
    answer.append(encoded)


if __name__ == "__main__":
    if sys.argv[1:] == ["--counts"]:
        serve_counts(sys.stdin.buffer, sys.stdout.buffer)
    else:
        serve()
