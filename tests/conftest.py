"""Shared fixtures: an empty store, handwritten briefs, the sample archive, the CLI, the bot.

Loaded archives are ingested and indexed once per session into a template database and copied per
test (a file copy of the SQLite file and of the index saved beside it), so each test still gets its
own real SQLite file. Bot tests run the real Application against the fake Bot API in process; tests
marked ``real_http`` get it over real HTTP on 127.0.0.1 instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

# briefbot, python-telegram-bot and the fake are imported by the fixtures that use them, not
# here: under xdist the controller process loads this file too, and it runs no test (importing
# them there cost ~1.5 CPU-s of a run's start, when the workers and mypy want the cores).
if TYPE_CHECKING:
    from click.testing import Result
    from fake_telegram import FakeTelegram
    from forking import Forked, ForkServer
    from sqlite_utils import Database

    from retrieval.archive import Archive
    from retrieval.corpus.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
BRIEFS = FIXTURES / "briefs"
CLAIM_BRIEFS = FIXTURES / "claims"
SAMPLE = Path(__file__).parent.parent / "data" / "sample"


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """Return how many xdist workers ``-n auto`` starts: one more than the cores.

    Tests of child processes and of timeouts wait (on a child, a busy database, a rate limit's
    second); with one worker per core a core sits idle while its worker waits. A third worker on
    two cores fills those waits for ~3-4 CPU-s of start-up (collection, its fork server); paired
    runs of `make test` on the shared 2-core VM are in docs/architecture.md.
    """
    return (os.cpu_count() or 1) + 1


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Start the ``slow`` tests first, spread over the xdist workers; the tests of child
    processes forked from the fork server all in the first worker's share (in one process: last).

    ``--dist worksteal`` hands each of N workers a contiguous Nth of the list and lets an idle
    worker take the tail of a busy one's queue. A slow test (seconds, mostly waiting on child
    processes) left to the end of a queue leaves the other cores idle; put at the head of every
    worker's share, the slow tests run side by side with the others from the start. The fork
    server costs ~1 CPU-s of imports in each worker that starts one, so the tests that use it go
    to one worker, and the other slow tests to the others. Every worker computes the same order
    from the same collection, as xdist requires.
    """
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    if workers == 1:
        # One process (a shard of `make test`, or a plain run), where the order costs no time:
        # the slow tests first, the fork server's last. The server's reader thread lives from
        # its first test to the end of the run, and beside another thread an ingest spawns its
        # parsing workers (new interpreters, ~0.5 CPU-s each) instead of forking them: tests of
        # ingests run before it as they do alone (test_bulk_ingest.py tests the spawn way).
        forked = [i for i in items if "fork_server" in getattr(i, "fixturenames", ())]
        others = [i for i in items if "fork_server" not in getattr(i, "fixturenames", ())]
        slow = [i for i in others if i.get_closest_marker("slow")]
        items[:] = slow + [i for i in others if not i.get_closest_marker("slow")] + forked
        return
    heads: list[list[pytest.Item]] = [[] for _ in range(workers)]
    rest: list[pytest.Item] = []
    spread = 0
    for item in items:
        if "fork_server" in getattr(item, "fixturenames", ()):
            heads[0].append(item)
        elif item.get_closest_marker("slow"):
            heads[1 + spread % (workers - 1) if workers > 1 else 0].append(item)
            spread += 1
        else:
            rest.append(item)
    share, ordered = len(items) // workers, []
    for worker, mine in enumerate(heads):
        take = len(rest) if worker == workers - 1 else max(0, share - len(mine))
        ordered += mine + rest[:take]
        del rest[:take]
    items[:] = ordered


def pytest_collection_finish(session: pytest.Session) -> None:
    """Unload hypothesis's pytest plugin from a run whose tests do not use hypothesis.

    Its end-of-run summary imports hypothesis (~0.15 CPU-s) even where no test did; two of the
    three pytest processes of `make test` hold no hypothesis test. A run that collected one has
    imported hypothesis by now and keeps the plugin.
    """
    if "hypothesis" not in sys.modules:
        manager = session.config.pluginmanager
        plugin = manager.get_plugin("_hypothesis_pytestplugin")
        if plugin is not None:
            manager.unregister(plugin)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's real environment (tokens, databases) out of every test."""
    for name in list(os.environ):
        if name.startswith(("BRIEFBOT_", "TELEGRAM_")):
            monkeypatch.delenv(name)
    # python-telegram-bot 22 warns (an error here, filterwarnings=error) when RetryAfter reads its
    # deprecated int retry_after; opting in to timedelta values keeps a 429 a RetryAfter in tests.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
def briefs_dir() -> Path:
    """Return the folder of handwritten fixture briefs."""
    return BRIEFS


@pytest.fixture
def brief_file(tmp_path: Path) -> Callable[..., Path]:
    """Return ``write(TEXT, name="issue.txt")``: the path of a file of the test's folder written
    with TEXT (a brief file as a team member made it)."""

    def write(text: str, name: str = "issue.txt") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Return the path of a database file that does not exist yet."""
    return tmp_path / "briefbot.db"


@pytest.fixture
def empty_db(db_path: Path) -> Path:
    """Return ``db_path`` once it holds an archive with no briefs, made as briefbot's commands
    make one (the digests' and the bot's tables too)."""
    from bot.cli import open_archive

    open_archive(str(db_path)).close()
    return db_path


@contextlib.contextmanager
def _modes_bind(path: Path, mode: int) -> Iterator[None]:
    """Inside the block ``path`` has ``mode`` and file modes bind this thread (for root, the
    capabilities that override them are left out of the thread's effective set, and given back
    at the end); ``path``'s mode is given back too."""
    import ctypes

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [(n, ctypes.c_uint32) for n in ("effective", "permitted", "inheritable")]

    override = (1 << 1) | (1 << 2)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH

    def capabilities(change: Callable[[int], int]) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        header, data = Header(0x20080522, 0), (Data * 2)()  # version 3, this thread
        if libc.capget(ctypes.byref(header), data) != 0:
            raise OSError(ctypes.get_errno(), "capget")
        data[0].effective = change(data[0].effective)
        if libc.capset(ctypes.byref(header), data) != 0:
            raise OSError(ctypes.get_errno(), "capset")

    was = path.stat().st_mode & 0o7777
    path.chmod(mode)
    root = os.geteuid() == 0
    if root:
        capabilities(lambda effective: effective & ~override)
    try:
        yield
    finally:
        if root:
            capabilities(lambda effective: effective | override)
        path.chmod(was)


@pytest.fixture
def unreadable() -> Callable[[Path], contextlib.AbstractContextManager[None]]:
    """Return ``unreadable(path)``: a context manager inside which this thread can neither read
    nor list ``path`` (mode 0, binding root too)."""
    return lambda path: _modes_bind(path, 0)


@pytest.fixture
def read_only() -> Callable[[Path], contextlib.AbstractContextManager[None]]:
    """Return ``read_only(path)``: a context manager inside which this thread can read the file
    ``path`` but not write it (mode 0444, binding root too)."""
    return lambda path: _modes_bind(path, 0o444)


@pytest.fixture
def copy_database() -> Callable[[Path, Path], None]:
    """Return ``copy(source, target)``: copies a live SQLite database as a backup tool would
    (SQLite's backup API)."""

    def copy(source: Path, target: Path) -> None:
        src = sqlite3.connect(source)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()

    return copy


@pytest.fixture
def store(
    database_template: Callable[[str, Callable[[Path], None]], Path], db_path: Path
) -> Iterator[Store]:
    """Return an empty store over a real SQLite file (a copy of a session's new database: its
    migrations are applied once per session; a ``db_path`` another fixture filled is opened)."""
    from retrieval.corpus.store import Store

    if not db_path.exists():
        copy_template(database_template("empty", lambda path: Store(path).close()), db_path)
    s = Store(db_path)
    yield s
    s.close()


@pytest.fixture
def archive(store: Store) -> Archive:
    """Return an empty archive."""
    from retrieval.archive import Archive

    return Archive(store)


def _build(path: Path, *sources: Path) -> None:
    """Ingest ``sources`` into a new database at ``path`` and save its index beside it."""
    from retrieval.archive import Archive
    from retrieval.corpus.store import Store

    store = Store(path)
    try:
        archive = Archive(store)
        for source in sources:
            report = archive.ingest([source])
            assert not report.rejected, report.rejected
    finally:
        store.close()
    _save_index(path)


def _save_index(path: Path) -> None:
    """Build the index of the database at ``path`` and save it beside it (``<name>.index``), as
    the first question would: copies of a template then load it instead of each building it."""
    from retrieval.archive import Archive
    from retrieval.corpus.store import Store

    store = Store(path)
    try:
        Archive(store).index()
    finally:
        store.close()


@pytest.fixture(scope="session")
def database_template(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str, Callable[[Path], None]], Path]:
    """Return ``template(name, build)``: the path of a database built once per session by
    ``build(path)`` (the first call with ``name`` builds it, later calls reuse it)."""
    built: dict[str, Path] = {}

    def template(name: str, build: Callable[[Path], None]) -> Path:
        if name not in built:
            path = tmp_path_factory.mktemp(f"template-{name}") / "briefbot.db"
            build(path)
            built[name] = path
        return built[name]

    return template


def copy_template(template: Path, target: Path) -> None:
    """Copy a closed template database and everything saved beside it (``<name>.index`` ...)
    to ``target``, replacing what an earlier copy put there (a test that takes two archives on
    one ``db_path`` gets the later)."""
    for item in template.parent.iterdir():
        if not item.name.startswith(template.name):
            continue
        copied = target.with_name(target.name + item.name[len(template.name) :])
        if item.is_dir():
            shutil.rmtree(copied, ignore_errors=True)
            shutil.copytree(item, copied)
        else:
            shutil.copyfile(item, copied)


@pytest.fixture
def from_template(
    database_template: Callable[[str, Callable[[Path], None]], Path], db_path: Path
) -> Callable[[str, Callable[[Path], None]], Path]:
    """Return ``from_template(name, build)``: ``db_path``, now a copy of the session's template
    database ``name`` (built by ``build(path)`` on first use) and of what is saved beside it."""

    def copy(name: str, build: Callable[[Path], None]) -> Path:
        copy_template(database_template(name, build), db_path)
        return db_path

    return copy


def _loaded_archive(
    from_template: Callable[..., Path], name: str, *sources: Path
) -> Iterator[Archive]:
    from retrieval.archive import Archive
    from retrieval.corpus.store import Store

    store = Store(from_template(name, lambda path: _build(path, *sources)))
    yield Archive(store)
    store.close()


@pytest.fixture
def fixture_archive(from_template: Callable[..., Path]) -> Iterator[Archive]:
    """Return an archive holding the handwritten fixture briefs."""
    yield from _loaded_archive(from_template, "fixtures", BRIEFS)


@pytest.fixture
def claims_archive(from_template: Callable[..., Path]) -> Iterator[Archive]:
    """Return an archive holding the handwritten briefs of /check's claims (two claims in one
    message, a clause that names a second subject)."""
    yield from _loaded_archive(from_template, "claims", CLAIM_BRIEFS)


@pytest.fixture
def sample_archive(from_template: Callable[..., Path]) -> Iterator[Archive]:
    """Return an archive holding the bundled sample archive (data/sample)."""
    yield from _loaded_archive(from_template, "sample", SAMPLE)


@pytest.fixture
def run_cli(db_path: Path) -> Callable[..., Result]:
    """Return a function that runs ``briefbot --db <tmp db> ARGS`` and returns click's Result."""
    from click.testing import CliRunner

    from bot.cli import cli

    runner = CliRunner()

    def run(*args: str, input: str | bytes | None = None) -> Result:
        return runner.invoke(
            cli, ["--db", str(db_path), *args], input=input, catch_exceptions=False
        )

    return run


@pytest.fixture
def loaded_sample(
    from_template: Callable[..., Path], run_cli: Callable[..., Result]
) -> Callable[..., Result]:
    """Return ``run_cli`` over a database holding the bundled sample archive (ingested by
    ``briefbot ingest -q``)."""
    from click.testing import CliRunner

    from bot.cli import cli

    def build(path: Path) -> None:
        result = CliRunner().invoke(
            cli, ["--db", str(path), "ingest", "-q", str(SAMPLE)], catch_exceptions=False
        )
        assert result.exit_code == 0, result.output
        _save_index(path)

    from_template("cli-sample", build)
    return run_cli


# -- child processes ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def fork_server(request: pytest.FixtureRequest) -> Iterator[ForkServer]:
    """Return the session's fork server, with briefbot's CLI and archive imported, and its bot
    (python-telegram-bot, ~0.5 CPU-s) too where the session forks bot processes (tests/bot):
    `make test` runs the folders in three pytest processes, and two fork only ingests."""
    from forking import ForkServer

    bot_tests = Path(__file__).parent / "bot"
    starts_bots = any(
        "fork_server" in getattr(item, "fixturenames", ()) and bot_tests in item.path.parents
        for item in request.session.items
    )
    # A bot process also imports anyio's asyncio backend and an APScheduler trigger at its first
    # request and job, and reads the CA bundle into its TLS context (~0.1 CPU-s in all): done once
    # here, inherited by every bot process forked.
    bot_modules = (
        "bot.cli",
        "bot.app",
        "anyio._backends._asyncio",
        "apscheduler.triggers.interval",
        "retrieval.delivery.feeds:tls_context",
    )
    modules = bot_modules if starts_bots else ("bot.cli",)
    server = ForkServer(*modules, "retrieval.archive")
    yield server
    server.close()


@pytest.fixture
def fork(fork_server: ForkServer) -> Iterator[Callable[..., Forked]]:
    """Return ``fork(CODE, *ARGS, env=None, cwd=None, stdout=None, stderr=None)``: a child
    process running ``python -c CODE ARGS``, forked from the fork server (see tests/forking.py);
    killed after the test if it still runs."""
    started: list[Forked] = []

    def start(code: str, *args: str, **options: Any) -> Forked:
        proc = fork_server.start(code, *args, **options)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


# -- the Telegram bot (issue 3): the real Application against a fake Bot API -------------------

BOT_TOKEN = "123456789:AAHfake-token_for_tests_0123456789ab"
"""A token of the real shape; tests assert it never shows up in logs."""
BOT_FIXTURES = FIXTURES / "bot"


@pytest.fixture
def bot_token() -> str:
    """Return the fake bot's token (of the real shape; tests assert it never reaches a log)."""
    return BOT_TOKEN


@pytest.fixture
def bot_archive(from_template: Callable[..., Path]) -> Iterator[Archive]:
    """Return the fixture archive plus a brief full of ``<``, ``&`` and ``>``, with the tables
    the bot makes at its first start (its own, digests, sources) already made.

    Tests of a first start on an archive without them start the bot on ``sample_archive``
    (tests/bot/test_bot_followups.py) or upgrade old databases (test_state_migrations.py).
    """
    from bot.state.migrations import upgrade as upgrade_bot_state
    from retrieval.archive import Archive
    from retrieval.corpus.store import Store
    from retrieval.delivery.migrations import upgrade as upgrade_delivery

    def build(path: Path) -> None:
        _build(path, BRIEFS, BOT_FIXTURES)
        store = Store(path)
        try:
            upgrade_delivery(store)
            upgrade_bot_state(store)
        finally:
            store.close()

    store = Store(from_template("bot", build))
    yield Archive(store)
    store.close()


@pytest.fixture
def second_connection(bot_archive: Archive, db_path: Path) -> Iterator[Database]:
    """Return another connection to the bot's database file, opened as another briefbot process
    would open it (a ``Store``: foreign keys on, same busy timeout).

    Tests change the database through it while the bot runs: the bot's own connection belongs to
    its database thread, and a write from the test thread on it can interleave with the bot's
    transactions.
    """
    from retrieval.corpus.store import Store

    other = Store(db_path)
    yield other.db
    other.close()


@pytest.fixture
def fake_telegram(request: pytest.FixtureRequest) -> Iterator[FakeTelegram]:
    """Return a running fake Bot API; afterwards no bot or fake thread may be left.

    In process (PTB gets the fake's ``BaseRequest``s) unless the test is marked ``real_http``:
    then it is served over HTTP on 127.0.0.1 and the bot's own HTTPX requests reach it.
    """
    from fake_telegram import FakeTelegram

    http = request.node.get_closest_marker("real_http") is not None
    with FakeTelegram(token=BOT_TOKEN, http=http) as fake:
        yield fake
    left = [t.name for t in threading.enumerate() if t.name.startswith(("briefbot", "Fake"))]
    assert not left, f"threads left running: {left}"


@pytest.fixture
def bot_env(fake_telegram: FakeTelegram) -> dict[str, str]:
    """Return the environment that points the bot at the fake (BRIEFBOT_API_URL)."""
    return {"TELEGRAM_BOT_TOKEN": BOT_TOKEN, "BRIEFBOT_API_URL": fake_telegram.api_url}


@pytest.fixture
def start_bot(
    fake_telegram: FakeTelegram, bot_archive: Archive, bot_env: dict[str, str], db_path: Path
) -> Callable[..., contextlib.AbstractAsyncContextManager[Any]]:
    """Return ``start(archive=None, rate_limiter=None, **settings)``: an async context manager
    running the bot.

    Settings are checked by ``load_settings``: the fake's token and URL plus the keyword
    overrides (``allowed="1001"``, ``admins="1"``, ``rate_limit=2`` ...). ``rate_limiter``
    replaces the bot's limiter of Telegram's flood limits (``bot.app.flood_limiter(scale)``).
    """
    from bot.app import build_application
    from bot.config import load_settings

    @contextlib.asynccontextmanager
    async def start(
        archive: Archive | None = None, rate_limiter: Any = None, **overrides: Any
    ) -> AsyncIterator[Any]:
        settings = load_settings(
            token=bot_env["TELEGRAM_BOT_TOKEN"],
            api_url=bot_env["BRIEFBOT_API_URL"],
            db=str(db_path),
            **overrides,
        )
        application = build_application(
            settings,
            archive or bot_archive,
            rate_limiter=rate_limiter,
            **fake_telegram.bot_requests(),
        )
        async with fake_telegram.running(application):
            yield application

    return start


@pytest.fixture
def refresh_once() -> Callable[[Any], Any]:
    """Return ``await refresh_once(app)``: it runs the running bot's refresh job once, as its
    30-second timer would, and returns why the bot stopped itself then (None: it did not)."""
    import asyncio

    from bot.services import services

    async def refresh_once(app: Any) -> str | None:
        svc = services(app)
        svc.stop = asyncio.Event()  # `briefbot run` waits on it (bot.app.serve)
        [job] = app.job_queue.get_jobs_by_name("refresh")
        await job.run(app)
        assert svc.stop.is_set() == (svc.stopped_because is not None)
        return svc.stopped_because

    return refresh_once


@pytest.fixture
def settle(fake_telegram: FakeTelegram, db_path: Path) -> Callable[[], Any]:
    """Return ``await settle()``: it returns once the bot has handled every update sent so far.

    Chats are answered side by side, so this waits until the bot's journal (``bot_updates``) has
    every update queued so far marked done; no sleeping.
    """

    async def settle(timeout: float = 10.0) -> None:
        wanted = set(fake_telegram.update_ids)

        def all_done() -> bool:
            if not wanted:
                return True
            conn = sqlite3.connect(db_path)
            try:
                done = {
                    r[0]
                    for r in conn.execute("SELECT update_id FROM bot_updates WHERE status = 'done'")
                }
            finally:
                conn.close()
            return wanted <= done

        await fake_telegram.wait_for(all_done, timeout)

    return settle
