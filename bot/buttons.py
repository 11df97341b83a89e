"""Buttons under answers (More, Full brief, 👍/👎) and inline mode (``@botname question``)."""

from __future__ import annotations

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    Update,
)

from bot.conversation import Notice
from bot.handlers import Context, send_html, send_more, services, shorten, take_question
from bot.render import hit_html, render_html

INLINE_RESULTS = 5
INLINE_CACHE_SECONDS = 10
INLINE_BUTTON_CHARS = 64
INLINE_OFF_HINT = "Inline sharing is off here: ask me in a chat"
"""All an inline query gets with ``BRIEFBOT_INLINE=off`` (a button, at most 64 characters)."""


async def more_button(update: Update, context: Context) -> None:
    """ "More": the next passages for the question, as a new message under the answer."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    svc = services(context)
    logged = await svc.run(svc.questions.get, int(query.data.split(":")[1]))
    if logged is None or not isinstance(query.message, Message):
        await query.answer("That answer is too old; ask the question again.")
        return
    if not await take_question(update, context):
        return
    # Callback queries must always be answered (Bot API: the client shows a progress bar).
    await query.answer(await send_more(update, context, logged, query.message))


async def brief_button(update: Update, context: Context) -> None:
    """ "Full brief": the whole brief a quote came from, split if long."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    if not isinstance(query.message, Message):
        await query.answer("Open the chat with me to read the brief.")
        return
    svc = services(context)
    reply = await svc.run(svc.conversation.brief_by_id, int(query.data.split(":")[1]))
    if isinstance(reply, Notice):
        await query.answer(reply.text, show_alert=True)
        return
    await query.answer()
    await send_html(query.message, render_html(reply))


async def vote_button(update: Update, context: Context) -> None:
    """👍/👎: store the vote with the question and the passages shown."""
    query = update.callback_query
    user = update.effective_user
    if query is None or query.data is None or user is None:
        return
    svc = services(context)
    _, question_id, vote = query.data.split(":")
    logged = await svc.run(svc.questions.get, int(question_id))
    if logged is None:
        await query.answer("That answer is too old to rate.")
        return
    await svc.run(svc.questions.add_feedback, logged, user.id, int(vote))
    await query.answer("Thanks, noted 👍" if int(vote) > 0 else "Thanks, noted 👎")


async def stale_button(update: Update, context: Context) -> None:
    """Answer a button this version of the bot no longer knows."""
    if update.callback_query:
        await update.callback_query.answer("This button no longer works; ask again.")


# -- inline mode --------------------------------------------------------------------------


async def inline_query(update: Update, context: Context) -> None:
    """``@bot question`` in any chat: offer the top passages, each inserting quote + citation;
    with ``BRIEFBOT_INLINE=off``, nothing but a one-line hint."""
    query = update.inline_query
    if query is None:
        return
    if not services(context).settings.inline:
        await query.answer(
            [],
            cache_time=INLINE_CACHE_SECONDS,
            is_personal=True,
            button=InlineQueryResultsButton(text=INLINE_OFF_HINT, start_parameter="help"),
        )
        return
    text = query.query.strip()
    if not text:
        await query.answer(
            [],
            cache_time=INLINE_CACHE_SECONDS,
            is_personal=True,
            button=InlineQueryResultsButton(text="Type a question", start_parameter="help"),
        )
        return
    if not await take_question(update, context):
        return
    svc = services(context)
    reply = await svc.run(svc.conversation.ask, text, top=INLINE_RESULTS)
    if isinstance(reply, Notice) or not reply.answer.found:
        why = reply.text if isinstance(reply, Notice) else reply.answer.message or ""
        await query.answer(
            [],
            cache_time=INLINE_CACHE_SECONDS,
            is_personal=True,
            button=InlineQueryResultsButton(
                text=shorten(why, INLINE_BUTTON_CHARS) or "Nothing found", start_parameter="help"
            ),
        )
        return
    hits = reply.answer.hits
    caveat = reply.answer.caveat
    question_id = await svc.run(
        svc.questions.record,
        kind="inline",
        question=text,
        offset=0,
        passage_ids=[h.passage_id for h in hits],
        user_id=query.from_user.id,
        chat_id=None,
    )
    results = [
        InlineQueryResultArticle(
            id=f"{question_id}:{hit.passage_id}",
            title=hit.citation.short(),
            description=hit.quote[:200],
            input_message_content=InputTextMessageContent(hit_html(hit, numbered=False)),
        )
        for hit in hits
    ]
    # A low-confidence answer says so above the results, as the chat answer does.
    button = (
        InlineQueryResultsButton(text=shorten(caveat, INLINE_BUTTON_CHARS), start_parameter="help")
        if caveat
        else None
    )
    await query.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=True, button=button)
