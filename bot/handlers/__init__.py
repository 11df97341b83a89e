"""What the bot does with each kind of update: questions and commands, buttons and inline
queries, follow-ups, admin commands, uploads, digest commands, and the one error handler. Handlers
reach the archive and the bot's state through the services object (``bot.services``), pass the
access gate first (``bot.gate``) and reply through ``bot.sending``; they never import the
application or the command line.

May import: bot.handlers, bot.jobs, bot.state, bot.services, bot.gate, bot.sending, bot.chat,
bot.help, bot.replies, bot.render, bot.config, retrieval.
"""
