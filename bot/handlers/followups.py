"""The follow-up commands and buttons: ``/new``, **Ask on its own** and **Read with earlier
question** (issue 15).

``bot.state.followups`` decides what a message may continue; ``ChatService.follow`` whether it is
read with it. Here: ``/new`` forgets a chat's last question for its sender; the button under a
follow-up's answer asks the same message again, read alone; and the button under a short
question the archive read alone, as naming a new subject, asks it again with the earlier
questions it might have continued.
"""

from __future__ import annotations

from telegram import Message, Update

from bot.chat import STARTED_AFRESH
from bot.gate import take_question
from bot.render import escape
from bot.replies import Notice
from bot.sending import deliver
from bot.services import Context, services
from bot.state.followups import ALONE_PREFIX, WITH_PREFIX, parse_alone_data

STALE_ALONE = "That answer is too old; send the question again."


async def new_command(update: Update, context: Context) -> None:
    """/new: forget the sender's last question in this chat; the next message is read alone."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    svc = services(context)
    await svc.run(svc.followups.forget, message.chat_id, user.id)
    await svc.run(svc.questions.record_new, message.chat_id, user.id)
    await message.reply_text(escape(STARTED_AFRESH))


async def alone_button(update: Update, context: Context) -> None:
    """ "Ask on its own": answer the follow-up's message again without its earlier question."""
    await _ask_again(update, context, with_earlier=False)


async def with_button(update: Update, context: Context) -> None:
    """ "Read with earlier question": answer a short question the archive read alone again, read
    with the earlier questions it might have continued."""
    await _ask_again(update, context, with_earlier=True)


async def _ask_again(update: Update, context: Context, *, with_earlier: bool) -> None:
    """Answer the logged question a button is under again: alone, or ``with_earlier``."""
    query = update.callback_query
    if query is None:
        return
    question_id = parse_alone_data(query.data, WITH_PREFIX if with_earlier else ALONE_PREFIX)
    if question_id is None:
        await query.answer("This button no longer works; ask again.")
        return
    svc = services(context)
    logged = await svc.run(svc.questions.get, question_id)
    target = query.message
    if (
        logged is None
        or not isinstance(target, Message)
        or logged.chat_id != target.chat_id
        or logged.kind not in ("ask", "check", "more")
        or (with_earlier and not logged.could_continue)
    ):
        await query.answer(STALE_ALONE)
        return
    if not await take_question(update, context):
        return
    # Under a "More" page too: the question is asked afresh, from its first passages.
    kind = "check" if logged.kind == "check" else "ask"
    earlier = logged.could_continue if with_earlier else []
    run = svc.chat.check if kind == "check" else svc.chat.answer
    reply = await svc.run(run, logged.question, context=earlier)
    if isinstance(reply, Notice):
        await query.answer(reply.text[:200], show_alert=True)
        return
    await query.answer()
    await deliver(update, context, reply, kind=kind, question=logged.question, target=target)
