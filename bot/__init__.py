"""The Telegram front end and the command line: the application, its handlers, its jobs, the bot's
own state in SQLite, and the terminal chat that answers as the bot does.

May import: bot, retrieval.
"""
