"""The one error handler: every exception a handler raises ends here, is logged with its
traceback and gets the user one short line (never the details)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.render import escape
from bot.services import Context

logger = logging.getLogger(__name__)

SOMETHING_WENT_WRONG = "Sorry, something went wrong on my side. Please try again in a moment."


async def error_handler(update: object, context: Context) -> None:
    """Log the error with its traceback and tell the user something short (never the details)."""
    error = context.error
    if update is None:
        # Errors outside an update (polling hiccups) are logged briefly; PTB retries them.
        logger.warning("Telegram connection problem: %s", error)
        return
    logger.error("Error while handling an update", exc_info=error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query:
            await update.callback_query.answer(SOMETHING_WENT_WRONG)
        elif update.effective_message and update.effective_chat:
            await update.effective_message.reply_text(escape(SOMETHING_WENT_WRONG))
    except TelegramError as exc:
        logger.warning("Could not tell the user about the error: %s", exc)
