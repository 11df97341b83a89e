"""What the bot does on a schedule rather than on an update: daily digests (``digest``), and
picking up new briefs from the inbox folder and feeds and telling the admins what failed
(``sources``). Jobs reach the archive through the services object; they import no handlers.

May import: bot.jobs, bot.services, bot.render, bot.splitter, bot.digest_render, bot.ratelimit,
retrieval.
"""
