"""What the bot does with each kind of update: questions and commands, buttons and inline
queries, follow-ups, admin commands and uploads, digest commands. Handlers reach the archive and the
bot's state through the services object; they never import the application or the command line.

May import: bot.handlers, bot.jobs, bot.state, bot.service, bot.render, bot.digest_render,
bot.config, retrieval.
"""
