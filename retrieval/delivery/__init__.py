"""What reaches a chat without being asked: daily digests, subscriptions and their schedule, the
inbox folder and feeds that bring new briefs, and notices to admins. Built on the archive facade.

May import: retrieval.delivery, retrieval.archive, retrieval.answering, retrieval.corpus,
retrieval.search, retrieval.text, retrieval.errors.
"""
