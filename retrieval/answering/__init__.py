"""From ranked passages to an answer: brief evidence and reranking, confidence, the quotes with
their matched words and citations, and what a claim's numbers and names find in the evidence.

May import: retrieval.answering, retrieval.search, retrieval.text, retrieval.errors.
"""
