"""The BM25 engine: segments of postings, exact top-k with score bounds, the index saved on disk,
and the tokenizer workers that build it. Scores equal rank-bm25's ``BM25Okapi``. It indexes token
lists by position; what a position means (brief, publication, date) is the caller's business.

May import: retrieval.search, retrieval.text, retrieval.errors.
"""
