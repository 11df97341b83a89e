"""What the bot does on a schedule rather than on an update: daily digests, and picking up new
briefs from the inbox folder and feeds.

May import: bot.jobs, bot.handlers, bot.state, bot.render, bot.digest_render, bot.config, retrieval.
"""
