"""The bot's own state in SQLite beside the archive: who may read it, the question log and
feedback, follow-up context, More pages sent, and the journal of Telegram updates. No handlers.

May import: bot.state, retrieval.
"""
