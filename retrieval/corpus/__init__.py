"""The briefs themselves: parsing the publishers' formats, decoding files, ingesting them, and the
SQLite store (the one source of truth) with its migrations. Knows nothing of the index built from
it.

May import: retrieval.corpus, retrieval.text, retrieval.errors.
"""
