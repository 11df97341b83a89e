"""Words and sentences: the analyzer that turns text into search terms (one pipeline for passages
and questions), sentence splitting for quotes, aliases, and reading a question (its filters, and
whether it continues an earlier one). Pure functions over strings; no storage, no index.

May import: retrieval.text, retrieval.errors.
"""
