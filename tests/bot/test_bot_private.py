"""The bot in a private chat, end to end: the real Application against the fake Bot API."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fake_telegram import FakeTelegram, SentMessage

import bot.help
from bot.help import COMMANDS
from retrieval.archive import Archive

Start = Callable[..., Any]


def entity_texts(message: SentMessage, kind: str) -> list[str]:
    """Return the text covered by each entity of ``kind`` (offsets are UTF-16 code units)."""
    raw = (message.plain_text or "").encode("utf-16-le")
    return [
        raw[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.entities
        if e["type"] == kind
    ]


async def test_question_is_answered_with_quotes_and_citations(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice", "alice")
        update = alice.send("Who fled abroad with US$4 million?")
        [answer] = await fake_telegram.wait_answers(update)
    text = answer.plain_text or ""
    assert text.startswith("1. ")
    assert "Monitor, Vol. 4, Issue 142, July 20, 1998" in text
    assert "“Kazakh security chief counts the cost of corruption”" in text
    bold = entity_texts(answer, "bold")
    assert any("Mikhail Bazhenov" in b and "went missing with him" in b for b in bold)
    assert {"fled", "abroad", "million"} <= set(entity_texts(answer, "underline"))
    assert any(c.startswith("Monitor, Vol. 4, Issue 142") for c in entity_texts(answer, "italic"))
    assert answer.parse_mode == "HTML"
    assert not fake_telegram.chat_actions  # answered within a second: no "typing" call spent


async def test_answer_has_feedback_and_full_brief_buttons(
    start_bot: Start, fake_telegram: FakeTelegram, bot_archive: Archive
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [answer] = await fake_telegram.wait_answers(alice.send("Caspian oil transit tariff"))
        labels = [b["text"] for b in answer.buttons]
        assert "👍" in labels and "👎" in labels
        assert any(label.startswith("Full brief") for label in labels)
        assert all(len(d.encode()) <= 64 for d in answer.callback_data)

        vote = next(d for d in answer.callback_data if d.endswith(":-1"))
        press = alice.press(answer, vote)
        await fake_telegram.wait_for(lambda: fake_telegram.callback_answer_for(press))
        assert fake_telegram.callback_answer_for(press).text == "Thanks, noted 👎"  # type: ignore[union-attr]

        brief = next(d for d in answer.callback_data if d.startswith("brief:"))
        press = alice.press(answer, brief)
        [full] = await fake_telegram.wait_answers(press)
        assert fake_telegram.callback_answer_for(press) is not None
    rows = list(bot_archive.store.db.query("SELECT * FROM bot_feedback"))
    assert len(rows) == 1
    assert rows[0]["vote"] == -1 and rows[0]["user_id"] == 1001
    assert rows[0]["question"] == "Caspian oil transit tariff"
    shown = [int(p) for p in json.loads(rows[0]["passage_ids"])]
    assert shown and all(isinstance(p, int) for p in shown)
    text = full.plain_text or ""
    assert text.startswith(
        "Prism, Vol. 3, Issue 12, June 13, 1997 — “Caspian pipeline talks stall”"
    )
    assert "Transneft insists on more." in text
    assert "President Heidar Aliev" in text


async def test_second_vote_replaces_the_first(
    start_bot: Start, fake_telegram: FakeTelegram, bot_archive: Archive
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [answer] = await fake_telegram.wait_answers(alice.send("Caspian oil transit tariff"))
        for vote in ("vote:1:1", "vote:1:-1", "vote:1:1"):
            press = alice.press(answer, vote)
            await fake_telegram.wait_for(lambda p=press: fake_telegram.callback_answer_for(p))
    votes = [r["vote"] for r in bot_archive.store.db.query("SELECT vote FROM bot_feedback")]
    assert votes == [1]


async def test_more_gives_the_next_passages(start_bot: Start, fake_telegram: FakeTelegram) -> None:
    async with start_bot(top=1):
        alice = fake_telegram.user(1001, "Alice")
        [first] = await fake_telegram.wait_answers(alice.send("oil pipeline"))
        more = next(d for d in first.callback_data if d.startswith("more:"))
        press = alice.press(first, more)
        [second] = await fake_telegram.wait_answers(press)
    assert (first.plain_text or "").startswith("1. ")
    assert (second.plain_text or "").startswith("2. ")
    assert first.plain_text != second.plain_text
    assert not any(d.startswith("more:") for d in second.callback_data)  # that was all
    assert fake_telegram.callback_answer_for(press) is not None


async def test_nothing_found_says_so_without_buttons(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [answer] = await fake_telegram.wait_answers(alice.send("zebra unicorn"))
    assert answer.plain_text == "Nothing in the archive matches that question."
    assert answer.reply_markup is None


async def test_question_of_stopwords_only_is_explained(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [answer] = await fake_telegram.wait_answers(alice.send("what is it?"))
    assert (answer.plain_text or "").startswith("Nothing to search for")


async def test_question_of_1200_characters_is_answered(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [answer] = await fake_telegram.wait_answers(alice.send("Caspian oil tariff " * 63))
    assert "Monitor" in (answer.plain_text or "")


async def test_question_over_4096_characters_is_refused(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [answer] = await fake_telegram.wait_answers(alice.send("oil " * 1100))
    assert answer.plain_text == (
        "The question is 4,400 characters long; the limit is 4,096 (one Telegram message). "
        "Shorten it, or ask about one part at a time."
    )


async def test_html_hostile_passages_are_escaped(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [answer] = await fake_telegram.wait_answers(alice.send("sugar duties at Brest"))
        brief = next(d for d in answer.callback_data if d.startswith("brief:"))
        [full] = await fake_telegram.wait_answers(alice.press(answer, brief))
    text = answer.plain_text or ""
    assert "duties on <b>imported</b> sugar rose by >20% & more" in text
    assert '"a <script>alert(1)</script> of a tariff" & worse' in text
    assert '“Sugar duties <up> & "down" at the Brest crossing”' in text
    assert "reviewed in <September>." in (full.plain_text or "")
    assert "sugar" in entity_texts(answer, "underline")


async def test_long_brief_is_split_under_the_limit_between_words(
    start_bot: Start, fake_telegram: FakeTelegram, bot_archive: Archive, tmp_path: Any
) -> None:
    paragraphs = [
        f"Paragraph {n} on the <Volga> & the Don: "
        + "barge traffic rose again, officials said. " * 30
        for n in range(1, 13)
    ]
    path = tmp_path / "long.txt"
    path.write_text(
        "Publication: Monitor Volume: 9 Issue: 1 Date: 1999-01-04\nTitle: A long one\n\n"
        + "\n\n".join(paragraphs)
        + "\n"
    )
    assert not bot_archive.ingest([path]).rejected
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        update = alice.send("/brief Monitor 9 1")
        await fake_telegram.wait_answers(update)
        await fake_telegram.wait_for(lambda: len(fake_telegram.answers_for(update)) >= 3)
    parts = fake_telegram.answers_for(update)
    assert len(parts) >= 3
    assert all(len(p.plain_text or "") <= 4096 for p in parts)
    words = " ".join(p.plain_text or "" for p in parts).split()
    expected = "Monitor, Vol. 9, Issue 1, January 4, 1999 — “A long one” " + " ".join(paragraphs)
    assert words == expected.split()
    assert all((p.plain_text or "").startswith("Paragraph") for p in parts[1:])


async def test_help_lists_every_command_with_an_example(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot(admins="1001"):
        admin = fake_telegram.user(1001, "Admin")
        [help_text] = await fake_telegram.wait_answers(admin.send("/help"))
        stranger = fake_telegram.user(1002, "Bob")
        [plain_help] = await fake_telegram.wait_answers(stranger.send("/help"))
    for command in COMMANDS:
        assert f"/{command.name}" in (help_text.plain_text or "")
        assert f"e.g. {command.example}" in (help_text.plain_text or "")
    assert "/allow" not in (plain_help.plain_text or "")
    assert "vol:4" in (plain_help.plain_text or "") and "@briefbot_test_bot" in (
        plain_help.plain_text or ""
    )


async def test_commands_are_registered_at_startup(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        pass
    [registered] = fake_telegram.commands.values()
    names = [c["command"] for c in registered]
    assert names == [
        "start",
        "help",
        "ask",
        "check",
        "new",
        "brief",
        "sources",
        "digest",
        "watch",
        "unwatch",
        "watches",
    ]


async def test_start_greets_with_the_user_id(start_bot: Start, fake_telegram: FakeTelegram) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [answer] = await fake_telegram.wait_answers(alice.send("/start"))
    assert "I answer from the archive of news briefs" in (answer.plain_text or "")
    assert "Your Telegram user id is 1001" in (answer.plain_text or "")


async def test_ask_command_and_ask_without_a_question(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [answer] = await fake_telegram.wait_answers(alice.send("/ask Who is Bazhenov?"))
        [usage] = await fake_telegram.wait_answers(alice.send("/ask"))
    assert "Bazhenov" in (answer.plain_text or "")
    assert (usage.plain_text or "").startswith("Usage: /ask QUESTION, e.g. /ask ")


async def test_filters_inside_a_question(start_bot: Start, fake_telegram: FakeTelegram) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [prism] = await fake_telegram.wait_answers(alice.send("border guards in:Prism"))
        [monitor] = await fake_telegram.wait_answers(alice.send("border guards in:Monitor vol:4"))
        [bad] = await fake_telegram.wait_answers(alice.send("border since:July"))
    assert "Prism, Vol. 3, Issue 12" in (prism.plain_text or "")
    assert monitor.plain_text == (
        "Nothing in the archive matches that question within in:Monitor vol:4."
    )
    assert "is not a date; write it as YYYY-MM-DD" in (bad.plain_text or "")


async def test_brief_and_sources_commands(start_bot: Start, fake_telegram: FakeTelegram) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        briefs = await fake_telegram.wait_answers(alice.send("/brief Prism, Vol. 3, Issue 12"), 2)
        [usage] = await fake_telegram.wait_answers(alice.send("/brief Prism"))
        [missing] = await fake_telegram.wait_answers(alice.send("/brief Prism 3 99"))
        [unknown] = await fake_telegram.wait_answers(alice.send("/brief Gazette 1 1"))
        [sources] = await fake_telegram.wait_answers(alice.send("/sources"))
    assert [(b.plain_text or "").split(" — ")[0] for b in briefs] == [
        "Prism, Vol. 3, Issue 12, June 13, 1997",
        "Prism, Vol. 3, Issue 12, June 13, 1997",
    ]
    assert usage.plain_text == "Usage: /brief PUBLICATION VOLUME ISSUE, e.g. /brief Monitor 4 139"
    assert (missing.plain_text or "").startswith("No brief for Prism, Vol. 3, Issue 99")
    assert (unknown.plain_text or "").startswith("No publication 'Gazette' in the archive")
    assert "- Prism: 2 briefs" in (sources.plain_text or "")
    # A JSONL brief without volume or issue showed "- recent: 1 briefs (Vol. None: issues )".
    assert "- recent: 1 brief (no volume or issue numbers)" in (sources.plain_text or "")
    assert entity_texts(sources, "bold") == [(sources.plain_text or "").split("\n")[0]]


async def test_unknown_command_and_non_text_messages(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [unknown] = await fake_telegram.wait_answers(alice.send("/weather"))
        [document] = await fake_telegram.wait_answers(alice.send_document(b"hello", "a.txt"))
    assert unknown.plain_text == "I don't know /weather. /help lists what I can do."
    # A document from someone who is not an admin is refused (issue 4: admins' uploads).
    assert (document.plain_text or "").startswith("Only the bot's admins (BRIEFBOT_ADMINS)")
    assert "Send me a question as text" in (document.plain_text or "")


async def test_archive_growing_while_the_bot_runs_is_answered_without_restart(
    start_bot: Start, fake_telegram: FakeTelegram, db_path: Any, tmp_path: Any
) -> None:
    path = tmp_path / "new.txt"
    path.write_text(
        "Publication: Monitor Volume: 5 Issue: 40 Date: 1999-02-26\nTitle: Ferry news\n\n"
        "The Poti ferry to Ilyichevsk resumed sailings on February 25 after a storm.\n"
    )
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [before] = await fake_telegram.wait_answers(alice.send("Ilyichevsk ferry"))
        other_process = Archive(db_path)  # like `briefbot ingest` from another process
        assert other_process.ingest([path]).added == 1
        other_process.close()
        [after] = await fake_telegram.wait_answers(alice.send("Ilyichevsk ferry"))
    assert before.plain_text == "Nothing in the archive matches that question."
    assert "Monitor, Vol. 5, Issue 40" in (after.plain_text or "")


def test_help_and_readme_say_how_to_ask_for_the_newest() -> None:
    for text in (bot.help.help_text(), bot.help.help_text(terminal=True)):
        assert "what's the latest on Georgia?" in text and "newest brief first" in text
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert "### Newest first" in readme


def test_help_and_readme_say_how_to_ask_about_a_span_of_time_or_a_citation() -> None:
    for text in (bot.help.help_text(), bot.help.help_text(terminal=True)):
        assert "what happened last week?" in text
        assert "as a citation writes them (Monitor, Vol. 4, Issue 142)" in text
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert "### Spans of time" in readme and "Monitor, Vol.\n4, Issue 142" in readme


async def test_whats_new_lists_the_newest_briefs(
    start_bot: Start, fake_telegram: FakeTelegram
) -> None:
    async with start_bot():
        alice = fake_telegram.user(1001, "Alice")
        [answer] = await fake_telegram.wait_answers(alice.send("what's new?"))
    text = answer.plain_text or ""
    assert text.startswith("The newest briefs in the archive, newest first.")
    assert "Nothing to search for" not in text and "1." in text
