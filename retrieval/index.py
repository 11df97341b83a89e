"""BM25 over stored passages: ranked hits whose scores equal rank-bm25's ``BM25Okapi``.

The index is an inverted file in compressed-sparse-row form: for every term, the positions of the
passages that contain it and how often. Answering a question touches only the postings of the
question's terms, so its cost grows with how common those terms are, not with the archive.

The formula is rank-bm25's, trap for trap: ``idf = ln(N - n + 0.5) - ln(n + 0.5)``; terms
with a negative idf get ``epsilon * mean(idf)`` instead (a term in exactly half the passages
keeps an idf of 0); a term repeated in the question counts once per repetition. "No match" is
decided by shared terms, never by a score, because a score can be 0 or negative for a real match.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from retrieval.errors import EmptyArchiveError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class BM25Params:
    """BM25 parameters, with rank-bm25's ``BM25Okapi`` defaults."""

    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25


class BM25Index:
    """An inverted index over tokenized passages that scores exactly as rank-bm25 does.

    Args:
        vocab: term -> term number.
        offsets: ``offsets[t]:offsets[t+1]`` is the slice of the postings of term ``t``.
        post_docs: passage positions (0..N-1) of each posting, ascending within a term.
        post_tfs: term frequency of each posting.
        doc_len: number of tokens of each passage.
        ids: the stored passage id of each position.
        params: BM25 parameters.
    """

    def __init__(
        self,
        vocab: dict[str, int],
        offsets: IntArray,
        post_docs: npt.NDArray[np.int32],
        post_tfs: npt.NDArray[np.int32],
        doc_len: npt.NDArray[np.int32],
        ids: IntArray,
        params: BM25Params | None = None,
    ):
        self.vocab = vocab
        self.offsets = offsets
        self.post_docs = post_docs
        self.post_tfs = post_tfs
        self.doc_len = doc_len
        self.ids = ids
        self.params = params or BM25Params()
        self.size = len(doc_len)
        self.avgdl = float(doc_len.sum()) / self.size if self.size else 0.0
        self.df = np.diff(offsets).astype(np.float64)
        self.idf = self._idf()
        k1, b = self.params.k1, self.params.b
        if self.avgdl > 0:
            self.norm = k1 * (1 - b + b * doc_len.astype(np.float64) / self.avgdl)
        else:
            self.norm = np.full(self.size, k1 * (1 - b), dtype=np.float64)

    def _idf(self) -> FloatArray:
        """Return rank-bm25's idf for every term, with its epsilon floor for negative values."""
        if len(self.df) == 0:
            return np.zeros(0, dtype=np.float64)
        idf = np.log(self.size - self.df + 0.5) - np.log(self.df + 0.5)
        average = float(idf.sum()) / len(idf)
        negative = idf < 0
        idf[negative] = self.params.epsilon * average
        return idf

    @classmethod
    def build(
        cls,
        token_lists: Iterable[Sequence[str]],
        ids: Sequence[int] | IntArray,
        params: BM25Params | None = None,
    ) -> BM25Index:
        """Return an index over ``token_lists``, the i-th list belonging to passage ``ids[i]``."""
        vocab: dict[str, int] = {}
        term_col: list[int] = []
        doc_col: list[int] = []
        tf_col: list[int] = []
        lengths: list[int] = []
        for doc, tokens in enumerate(token_lists):
            lengths.append(len(tokens))
            for term, tf in Counter(tokens).items():
                tid = vocab.setdefault(term, len(vocab))
                term_col.append(tid)
                doc_col.append(doc)
                tf_col.append(tf)
        terms = np.asarray(term_col, dtype=np.int64)
        order = np.argsort(terms, kind="stable")
        counts = np.bincount(terms, minlength=len(vocab)) if len(terms) else np.zeros(len(vocab))
        offsets = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return cls(
            vocab,
            offsets,
            np.asarray(doc_col, dtype=np.int32)[order],
            np.asarray(tf_col, dtype=np.int32)[order],
            np.asarray(lengths, dtype=np.int32),
            np.asarray(ids, dtype=np.int64),
            params,
        )

    def known_terms(self, query: Sequence[str]) -> list[str]:
        """Return the distinct terms of ``query`` that occur in at least one passage, in order."""
        return list(dict.fromkeys(t for t in query if t in self.vocab))

    def term_idf(self, term: str) -> float:
        """Return the idf the index gives ``term`` (0.0 for a term no passage holds)."""
        tid = self.vocab.get(term)
        return float(self.idf[tid]) if tid is not None else 0.0

    def score(self, query: Sequence[str]) -> tuple[IntArray, FloatArray]:
        """Return the positions of passages sharing a term with ``query``, and their scores.

        Passages that share no term with the query are left out, whatever their score would be.
        """
        if self.size == 0:
            raise EmptyArchiveError("the archive is empty — run briefbot ingest")
        counts = Counter(t for t in query if t in self.vocab)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        k1 = self.params.k1
        acc = np.zeros(self.size, dtype=np.float64)
        touched = np.zeros(self.size, dtype=bool)
        for term, repeat in counts.items():
            tid = self.vocab[term]
            start, end = self.offsets[tid], self.offsets[tid + 1]
            docs = self.post_docs[start:end]
            tf = self.post_tfs[start:end].astype(np.float64)
            weight = self.idf[tid] * (tf * (k1 + 1) / (tf + self.norm[docs]))
            for _ in range(repeat):
                # rank-bm25 adds a repeated query term once per repetition; so do we.
                acc[docs] += weight
            touched[docs] = True
        docs_hit = np.flatnonzero(touched)
        return docs_hit, acc[docs_hit]

    def top(
        self,
        query: Sequence[str],
        k: int,
        *,
        allowed: npt.NDArray[np.bool_] | None = None,
        offset: int = 0,
    ) -> list[tuple[int, float]]:
        """Return up to ``k`` ``(passage_id, score)`` pairs, best first, skipping ``offset``.

        Ties are broken by passage id, oldest first. ``allowed`` is a mask over positions that
        restricts the result (filters); statistics still cover the whole archive.
        """
        docs, scores = self.score(query)
        if allowed is not None and len(docs):
            keep = allowed[docs]
            docs, scores = docs[keep], scores[keep]
        want = offset + k
        if len(docs) > want:
            part = np.argpartition(-scores, want - 1)[:want]
            docs, scores = docs[part], scores[part]
        order = np.lexsort((docs, -scores))[offset:want]
        return [
            (int(self.ids[d]), float(scores[d_i]))
            for d_i, d in zip(order, docs[order], strict=True)
        ]
