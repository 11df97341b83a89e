"""The Telegram bot under load, crashes and SIGTERM (issue 16): prints figures.

Runs the real ``briefbot run`` as a child process against the fake Bot API of
``tests/fake_telegram/`` (in this process, on 127.0.0.1, with Telegram's flood limits on: about
30 messages a second overall and 20 a minute per group, answered 429 beyond them), over an archive
made by ``bench/make_archive.py``. Scenarios:

1. **idle**: ``/help`` latency with nothing else going on.
2. **burst**: M members x A actions each in their private chats (questions, ``/check``, More,
   Full brief, 👍), each member waiting for the answer before the next action; meanwhile idle
   members (4, taking turns) send ``/help`` every 0.3 s and time the answer.
3. **group**: a group asks for a ``/brief``, three ``/ask`` and enough ``/help`` to use up its 20
   messages a minute; then a member asks a question in a private chat and times the answer.
4. **kills**: the burst again, with the bot killed (SIGKILL) at K points and restarted at once.
5. **sigterm**: Q updates queued and fetched, then SIGTERM: how long the bot takes to stop, and
   whether the next start answers the rest.

"Lost" and "twice" are counted by reconciling the fake's record of what was sent with the bot's
journal (``bot_updates``, ``bot_update_sends``, ``bot_update_outgoing``): an update is lost if it
is not done or, for an action that needs a message, no message was recorded for it. In each chat,
messages the fake delivered that the journal does not list by id are matched against the journal's
"reached Telegram, reply unread" marks (messages taken as delivered and not sent again): any beyond
the marks were sent twice, and any mark beyond them never arrived (lost in silence).

Usage::

    .venv/bin/python bench/reliability.py [--passages 100000] [--members 50] [--actions 20]
        [--kills 10] [--queued 200] [--work bench/out/reliability]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
# The fake Bot API is the tests' (tests/fake_telegram/); the project itself comes first, so that
# tests/retrieval and tests/bot (folders of tests) never stand in for the packages.
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fake_telegram import FakeTelegram, FakeUser, SentMessage  # noqa: E402

from bot.state.journal import GIVEN_UP_TEXT  # noqa: E402

T = TypeVar("T")
TOKEN = "123456789:AAHbench-token_for_reliability_0123"
ACTION_TIMEOUT = 120.0
GROUP = -1009876543210
MESSAGE_ACTIONS = {"ask", "check", "more", "brief"}


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(pct(values, 0.5), 3),
        "p95": round(pct(values, 0.95), 3),
        "max": round(max(values), 3) if values else float("nan"),
    }


# -- the archive ------------------------------------------------------------------------------


def prepare(passages: int, work: Path) -> tuple[Path, list[str]]:
    """Return a database holding a synthetic archive of ``passages`` passages, and questions."""
    folder = work / str(passages)
    db = folder / "briefbot.db"
    briefbot = str(Path(sys.executable).parent / "briefbot")
    if not (folder / "questions.txt").exists():
        log(f"generating {passages} passages")
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "make_archive.py"), str(passages), "--out",
             str(folder), "--questions", "300"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    if not (folder / "ingested").exists():
        log("ingesting")
        subprocess.run([briefbot, "--db", str(db), "ingest", "-q", str(folder / "archive")],
                       check=True)  # fmt: skip
        subprocess.run([briefbot, "--db", str(db), "ask", "oil pipeline"], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        (folder / "ingested").touch()
    # A fresh bot each run: the fake numbers its updates from 1 again.
    conn = sqlite3.connect(db)
    with conn:
        have = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        for table in ("bot_update_sends", "bot_update_outgoing", "bot_updates", "bot_more_pages",
                      "bot_feedback"):  # fmt: skip
            if table in have:  # bot_update_outgoing comes with the bot's first start
                conn.execute(f"DELETE FROM {table}")
        conn.execute("DELETE FROM bot_questions")
    conn.close()
    questions = (folder / "questions.txt").read_text().splitlines()
    return db, questions


# -- the bot process --------------------------------------------------------------------------


class Bot:
    """``briefbot run`` in a child process against the fake."""

    def __init__(self, fake: FakeTelegram, db: Path, log_path: Path):
        self.fake, self.db, self.log_path = fake, db, log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("BRIEFBOT_", "TELEGRAM"))},
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "BRIEFBOT_API_URL": f"http://127.0.0.1:{fake.port}",
            "BRIEFBOT_RATE_LIMIT": "1000",  # members act as fast as the bench makes them
            "PTB_TIMEDELTA": "1",
        }

    async def start(self) -> float:
        """Start the bot; return the seconds until it is ready (its journal replayed)."""
        readies = self.readies()
        started = time.monotonic()
        with self.log_path.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(Path(sys.executable).parent / "briefbot"), "--db", str(self.db), "run"],
                env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        await self.fake.wait_for(lambda: self.readies() > readies, 60)
        return time.monotonic() - started

    def cpu_seconds(self) -> float:
        """Return the CPU time the running bot process has used (0 on restarts' new process)."""
        if self.proc is None:
            return 0.0
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def readies(self) -> int:
        """Return how often a bot logged that it is ready."""
        if not self.log_path.exists():
            return 0
        return self.log_path.read_text(errors="replace").count(" is ready")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    async def terminate(self) -> tuple[float, int]:
        """Send SIGTERM; return the seconds until the process exited and its exit code."""
        assert self.proc is not None
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        while self.proc.poll() is None:
            await asyncio.sleep(0.02)
        return time.monotonic() - started, self.proc.returncode


# -- members ----------------------------------------------------------------------------------


async def poll(predicate: Callable[[], T | None], interval: float, timeout: float) -> T:
    """Return ``predicate()`` once it is truthy, checking every ``interval`` seconds.

    Members check every 50 ms, the idle member every 10 ms: 51 members checking every 10 ms
    would cost the fake server (same process, same lock) more than the bot's answers do.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing after {timeout} s")
        await asyncio.sleep(interval)


async def answered(
    fake: FakeTelegram, update: dict[str, Any], interval: float = 0.05
) -> SentMessage:
    messages = await poll(lambda: fake.answers_for(update), interval, ACTION_TIMEOUT)
    return messages[0]


async def pressed(fake: FakeTelegram, update: dict[str, Any]) -> str | None:
    """Wait for the button's answer; return its text (None: the bot sends a message)."""
    answer = await poll(lambda: fake.callback_answer_for(update), 0.05, ACTION_TIMEOUT)
    return answer.text


async def member(
    fake: FakeTelegram, user: FakeUser, questions: list[str], actions: int, seed: int,
    record: dict[str, Any],
) -> None:  # fmt: skip
    """Act ``actions`` times, waiting for each answer; record updates, kinds and latencies."""
    rng = random.Random(seed)
    last: SentMessage | None = None
    for _ in range(actions):
        kind = rng.choices(["ask", "check", "more", "brief", "vote"], [40, 20, 15, 10, 15])[0]
        data = {
            "more": "more:",
            "brief": "brief:",
            "vote": "vote:",
        }.get(kind)
        button = None
        if data and last is not None:
            button = next((d for d in last.callback_data if d.startswith(data)), None)
        if data and button is None:
            kind = "ask"
        started = time.monotonic()
        try:
            if button is not None and last is not None:
                update = user.press(last, button)
                record["updates"].append((update["update_id"], kind))
                if await pressed(fake, update) is None and kind != "vote":
                    await answered(fake, update)
                else:
                    record["no_message"].add(update["update_id"])
            else:
                text = rng.choice(questions)
                update = user.send(f"/check {text}" if kind == "check" else text)
                record["updates"].append((update["update_id"], kind))
                message = await answered(fake, update)
                if message.callback_data:
                    last = message
        except TimeoutError:
            record["timeouts"] += 1
            continue
        record["latency"].setdefault(kind, []).append(time.monotonic() - started)
        await asyncio.sleep(rng.uniform(0.1, 0.5))


def fetched(fake: FakeTelegram, update: dict[str, Any]) -> bool:
    """Return whether the bot has fetched ``update`` with getUpdates."""
    with fake._cond:
        queued = [q for q in fake._queue if q.update is update]
        return not queued or queued[0].delivered > 0


IDLE_CHATS = 4
"""Idle members taking turns: Telegram holds one private chat to about a message a second, so one
member sending /help every 0.3 s would be measuring the bot's pacing of its own chat."""


async def idle_member(
    fake: FakeTelegram, users: list[FakeUser], stop: asyncio.Event, fetch: list[float]
) -> list[float]:
    """Send /help every 0.3 s until ``stop``, from ``users`` in turn; return each answer's latency
    (and in ``fetch`` the seconds until the bot fetched the update)."""
    latencies = []
    turn = 0
    while not stop.is_set():
        user, turn = users[turn % len(users)], turn + 1
        started = time.monotonic()
        try:
            update = user.send("/help")
            await poll(partial(fetched, fake, update), 0.01, ACTION_TIMEOUT)
            fetch.append(time.monotonic() - started)
            await answered(fake, update, interval=0.01)
        except TimeoutError:
            latencies.append(ACTION_TIMEOUT)
            continue
        latencies.append(time.monotonic() - started)
        await asyncio.sleep(0.3)
    return latencies


async def burst(
    fake: FakeTelegram, bot: Bot, questions: list[str], members: int, actions: int,
    first_id: int, kills: int = 0, expected_seconds: float = 60.0,
) -> dict[str, Any]:  # fmt: skip
    """Run the burst; with ``kills``, kill and restart the bot that many times during it."""
    users = [fake.user(first_id + n, f"Member {n}") for n in range(members)]
    idle = [fake.user(first_id + members + n, f"Idle {n}") for n in range(IDLE_CHATS)]
    record: dict[str, Any] = {"updates": [], "latency": {}, "timeouts": 0, "no_message": set()}
    calls_before = Counter(c.method for c in fake.calls)
    cpu_before = bot.cpu_seconds(), time.process_time()
    stop = asyncio.Event()
    started = time.monotonic()
    fetch: list[float] = []
    idle_task = asyncio.ensure_future(idle_member(fake, idle, stop, fetch))
    tasks = [
        asyncio.ensure_future(member(fake, u, questions, actions, first_id + n, record))
        for n, u in enumerate(users)
    ]
    restarts = []
    ready = started
    for k in range(kills):
        # Kill points spread over the length of a burst without kills, each a while after the
        # bot was ready again (else a slow restart makes the next kill come at once).
        until = ready + expected_seconds / (kills + 1)
        while time.monotonic() < until and not all(t.done() for t in tasks):
            await asyncio.sleep(0.05)
        if all(t.done() for t in tasks):
            break
        bot.kill()
        restarts.append(await bot.start())
        ready = time.monotonic()
        log(f"kill {k + 1}: restarted in {restarts[-1]:.1f} s")
    await asyncio.gather(*tasks)
    seconds = time.monotonic() - started
    stop.set()
    help_latency = await idle_task
    # Members who gave up waiting (a timeout) leave updates the bot may still be answering.
    await settle(bot.db, {u for u, _ in record["updates"]})
    calls = Counter(c.method for c in fake.calls) - calls_before
    cpu = {
        "bot_process": round(bot.cpu_seconds() - cpu_before[0], 1) if not kills else None,
        "bench_process_with_fake": round(time.process_time() - cpu_before[1], 1),
    }
    kinds = Counter(kind for _, kind in record["updates"])
    out = {
        "seconds": round(seconds, 1),
        "actions": len(record["updates"]),
        "kinds": dict(kinds),
        "timeouts": record["timeouts"],
        "idle_help": summary(help_latency),
        "idle_help_fetched_after": summary(fetch),
        "action_latency": {k: summary(v) for k, v in record["latency"].items()},
        "calls": {m: calls[m] for m in sorted(calls) if m != "getUpdates"},
        "cpu_seconds": cpu,
        "updates": [(u, k) for u, k in record["updates"] if u not in record["no_message"]]
        + [(u, "vote") for u in record["no_message"]],
        "chats": [u.id for u in users],
    }
    if kills:
        out["kills"] = len(restarts)
        out["restart_seconds"] = summary(restarts)
    return out


def reconcile(
    fake: FakeTelegram, db: Path, updates: list[tuple[int, str]], chats: list[int]
) -> dict[str, int]:
    """Return how many actions were lost (and how many chats were told to send one again), how
    many messages in ``chats`` were sent twice, and how many were taken as delivered after a
    crash (and of those, how many never arrived)."""
    conn = sqlite3.connect(db)
    try:
        status = dict(conn.execute("SELECT update_id, status FROM bot_updates"))
        sends: dict[int, set[tuple[int, int]]] = {}
        for update_id, chat_id, message_id in conn.execute(
            "SELECT update_id, chat_id, message_id FROM bot_update_sends"
        ):
            sends.setdefault(update_id, set()).add((chat_id, message_id))
        # Messages that reached Telegram while the bot died before reading the reply: no id,
        # taken as delivered (not sent again). Counted per chat.
        unread: dict[int, list[int]] = {}
        for update_id, chat_id in conn.execute(
            "SELECT o.update_id, o.chat_id FROM bot_update_outgoing o LEFT JOIN bot_update_sends "
            "s USING (update_id, seq) WHERE s.message_id IS NULL AND o.left_at IS NOT NULL"
        ):
            unread.setdefault(update_id, []).append(chat_id)
        # Messages the bot died while writing: a note went in their place; the message itself
        # may or may not have arrived.
        uncertain: dict[int, list[int]] = {}
        for update_id, chat_id in conn.execute(
            "SELECT update_id, chat_id FROM bot_update_outgoing WHERE left_at IS NULL"
        ):
            uncertain.setdefault(update_id, []).append(chat_id)
    finally:
        conn.close()
    lost = 0
    recorded: set[tuple[int, int]] = set()
    unread_in: Counter[int] = Counter()
    uncertain_in: Counter[int] = Counter()
    for update_id, kind in updates:
        recorded |= sends.get(update_id, set())
        unread_in.update(unread.get(update_id, []))
        uncertain_in.update(uncertain.get(update_id, []))
        if status.get(update_id) != "done" or (
            kind in MESSAGE_ACTIONS and not sends.get(update_id) and not unread.get(update_id)
        ):
            lost += 1
    wanted = set(chats)
    mine = [m for m in fake.sent if m.chat_id in wanted]
    # An update given up after MAX_ATTEMPTS restarts is not answered (it counts as lost), but its
    # chat is told to send it again, outside the journal: that message is not a second answer.
    told = {(m.chat_id, m.message_id) for m in mine if m.text == GIVEN_UP_TEXT}
    delivered = {(m.chat_id, m.message_id) for m in mine} - told
    # In each chat, messages Telegram has that the journal does not list by id: as many as its
    # "reached Telegram, reply unread" marks are those; any beyond were sent twice, and any mark
    # beyond them is a message taken as delivered that never arrived (lost in silence).
    extra = Counter(chat for chat, _ in delivered - recorded)
    allowed = unread_in + uncertain_in
    twice = sum(max(0, extra[c] - allowed[c]) for c in wanted)
    for m in mine:  # what was sent twice, for the log
        if extra[m.chat_id] > allowed[m.chat_id] and (m.chat_id, m.message_id) not in recorded:
            log(f"sent twice? chat {m.chat_id} message {m.message_id}: {(m.text or '')[:60]!r}")
    # A chat with no uncertain message: every "left" mark must match a message that arrived.
    unarrived = sum(max(0, unread_in[c] - extra[c]) for c in wanted if not uncertain_in[c])
    return {
        "lost": lost,
        "told_to_send_again": len(told),
        "twice": twice,
        "taken_as_delivered": sum(unread_in.values()),
        "taken_as_delivered_never_arrived": unarrived,
        "uncertain_noted": sum(uncertain_in.values()),
        "uncertain_noted_arrived": sum(
            min(uncertain_in[c], max(0, extra[c] - unread_in[c])) for c in wanted
        ),
    }


# -- scenarios --------------------------------------------------------------------------------


async def settle(db: Path, ids: set[int], timeout: float = 300) -> None:
    """Wait until the bot's journal has every update of ``ids`` done (or ``timeout``)."""
    deadline = time.monotonic() + timeout
    while not ids <= done_updates(db) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)


def done_updates(db: Path) -> set[int]:
    conn = sqlite3.connect(db)
    try:
        return {r[0] for r in conn.execute("SELECT update_id FROM bot_updates WHERE status='done'")}
    finally:
        conn.close()


def longest_brief(db: Path) -> str:
    """Return the /brief arguments of the archive's longest brief."""
    conn = sqlite3.connect(db)
    try:
        pub, vol, issue = conn.execute(
            "SELECT publication, volume, issue FROM briefs ORDER BY length(text) DESC LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    return f"{pub} {vol} {issue}"


async def group_scenario(
    fake: FakeTelegram, db: Path, questions: list[str], first_id: int
) -> dict[str, Any]:
    team = fake.group(GROUP, "Analysts")
    asker = fake.user(first_id, "Group member")
    alice = fake.user(first_id + 1, "Private asker")
    group_updates = [asker.send(f"/brief@briefbot_test_bot {longest_brief(db)}", chat=team)]
    group_updates += [asker.send(f"/ask {q}", chat=team) for q in questions[:3]]
    group_updates += [asker.send("/help@briefbot_test_bot", chat=team) for _ in range(20)]
    await fake.wait_sent_async(20, chat_id=GROUP, timeout=60)
    started = time.monotonic()
    await answered(fake, alice.send(questions[3]))
    private = time.monotonic() - started
    in_group = len(fake.sent_to(GROUP))
    drained = time.monotonic()
    ids = {u["update_id"] for u in group_updates}
    await fake.wait_for(lambda: ids <= done_updates(db), 300)
    return {
        "private_answer_seconds": round(private, 3),
        "group_messages_sent_when_private_answered": in_group,
        "group_drained_after_seconds": round(time.monotonic() - drained, 1),
        "group_updates": len(group_updates),
    }


async def sigterm_scenario(
    fake: FakeTelegram, bot: Bot, questions: list[str], queued: int, first_id: int
) -> dict[str, Any]:
    users = [fake.user(first_id + n, f"Queue {n}") for n in range(50)]
    updates = []
    for n in range(queued):
        user = users[n % len(users)]
        text = questions[n % len(questions)]
        kind = ["ask", "check", "help"][n % 3]
        update = user.send({"ask": text, "check": f"/check {text}", "help": "/help"}[kind])
        updates.append((update["update_id"], "ask" if kind == "help" else kind))
    await fake.wait_for(lambda: not fake.pending_updates, 60)
    ids = {u for u, _ in updates}
    in_hand = len(ids - done_updates(bot.db))
    seconds, code = await bot.terminate()
    answered_before = len(ids & done_updates(bot.db))
    restart = await bot.start()
    started = time.monotonic()
    await settle(bot.db, ids)
    return {
        "queued": queued,
        "unanswered_at_sigterm": in_hand,
        "stop_seconds": round(seconds, 2),
        "exit_code": code,
        "answered_before_exit": answered_before,
        "restart_seconds": round(restart, 2),
        "rest_answered_after_seconds": round(time.monotonic() - started, 1),
        "updates": updates,
        "chats": [u.id for u in users],
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    db, questions = prepare(args.passages, args.work)
    results: dict[str, Any] = {
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "passages": args.passages,
    }
    bot_log = args.work / "bot.log"
    bot_log.unlink(missing_ok=True)
    with FakeTelegram(token=TOKEN, flood_limits=True) as fake:
        bot = Bot(fake, db, bot_log)
        try:
            await scenarios(fake, bot, db, questions, args, results)
        finally:
            if bot.proc is not None and bot.proc.poll() is None:
                bot.kill()
        results["flood_429"] = len(fake.flood_refusals)
    text = bot_log.read_text(errors="replace")
    results["log"] = {
        "tracebacks": text.count("Traceback"),
        "errors": sum(" ERROR " in line for line in text.splitlines()),
    }
    return results


async def scenarios(
    fake: FakeTelegram, bot: Bot, db: Path, questions: list[str], args: argparse.Namespace,
    results: dict[str, Any],
) -> None:  # fmt: skip
    """Run every scenario in turn, adding its figures to ``results``."""
    results["start_seconds"] = round(await bot.start(), 2)
    idle = fake.user(10, "Idle")
    await answered(fake, idle.send("/help"))  # warm up
    quiet = []
    idlers = [idle, *(fake.user(11 + n, f"Idle {n}") for n in range(IDLE_CHATS - 1))]
    for n in range(20):  # in turn: one chat sent 20 in a row is paced to one a second
        started = time.monotonic()
        await answered(fake, idlers[n % IDLE_CHATS].send("/help"))
        quiet.append(time.monotonic() - started)
    results["idle_help"] = summary(quiet)
    log("burst")
    results["burst"] = await burst(fake, bot, questions, args.members, args.actions, 1000)
    first = results["burst"]
    first.update(reconcile(fake, db, first.pop("updates"), first.pop("chats")))
    if args.burst_only:
        await bot.terminate()
        return
    log("group")
    results["group"] = await group_scenario(fake, db, questions, 5000)
    log("kills")
    kills = await burst(
        fake, bot, questions, args.members, args.actions, 6000, args.kills, first["seconds"]
    )
    kills.update(reconcile(fake, db, kills.pop("updates"), kills.pop("chats")))
    results["kills"] = kills
    log("sigterm")
    sigterm = await sigterm_scenario(fake, bot, questions, args.queued, 9000)
    sigterm.update(reconcile(fake, db, sigterm.pop("updates"), sigterm.pop("chats")))
    results["sigterm"] = sigterm
    await bot.terminate()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--actions", type=int, default=20)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--queued", type=int, default=200)
    parser.add_argument("--burst-only", action="store_true", help="stop after the burst")
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "reliability")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    results = asyncio.run(run(args))
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
