"""The library: briefs in SQLite, BM25 over their passages, answers quoted from them.

``retrieval.archive.Archive`` is the facade the front ends use. Below it: ``text`` (words and
sentences), ``corpus`` (briefs and the store), ``search`` (the BM25 engine), ``answering`` (ranking
briefs, quotes, claim checks) and ``delivery`` (digests and where new briefs come from);
``catchup`` keeps the index in step with the store, from the rows ``passage_rows`` reads. The
library knows nothing of Telegram or of the command line.

May import: retrieval.text, retrieval.corpus, retrieval.search, retrieval.answering,
retrieval.catchup, retrieval.passage_rows, retrieval.errors.
Never imports: telegram, click, bot.
"""
