"""The ``briefbot`` command line: ingest, ask, brief, chat, stats and the bot itself."""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import math
import os
import signal
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import click
from tqdm import tqdm

from bot.chat import ChatService
from bot.config import (
    DEFAULT_DB,
    DEFAULT_FOLLOWUP_MINUTES,
    MAX_FOLLOWUP_MINUTES,
    MAX_TELEGRAM_ID,
    MAX_TOP,
    Settings,
)
from bot.render import (
    printable,
    render_brief_plain,
    render_check_plain,
    render_plain,
    render_sources_plain,
)
from bot.replies import Notice
from bot.state.migrations import upgrade as upgrade_bot_state
from retrieval.answering.answer import removal_line
from retrieval.archive import DEFAULT_TOP, Archive
from retrieval.corpus.briefs import FooterRules, issue_number
from retrieval.corpus.ingest import (
    DEFAULT_MAX_BYTES,
    Ingester,
    display_path,
    find_sources,
    gone_line,
    gone_under,
    skipped_line,
)
from retrieval.delivery.migrations import upgrade as upgrade_delivery
from retrieval.errors import (
    ArchiveWriteError,
    BriefFormatError,
    NumberRangeError,
    RetrievalError,
)
from retrieval.text.aliases import load_aliases
from retrieval.text.english import is_rare
from retrieval.text.followup import chain
from retrieval.text.query import Filters, check_date

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"
# Lines of a --queries file from which a second process answers half of them (``_answer_split``):
# forking and the second process's first questions (its caches start as the parent's) cost
# less than half the answers from about here.
SPLIT_QUERIES = 40

logger = logging.getLogger(__name__)


class _Bar(tqdm):
    """A progress bar without tqdm's monitor thread: a process with a second thread starts an
    ingest's parsing workers by spawning them (each imports briefbot again, a CPU-second or
    more) rather than forking, and tqdm starts that thread for every bar, even a hidden one."""

    monitor_interval = 0


def configure_logging(verbose: bool = False) -> None:
    """Configure logging once for the whole process; keep httpx quiet (its lines hold the token)."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def open_archive(db: str, *, create: bool = True) -> Archive:
    """Return the archive at ``db``, with the bundled aliases plus the file named by
    ``--aliases`` / ``BRIEFBOT_ALIASES`` if any, turning a store or alias error into a click
    error. With ``create`` False (commands that only read), a ``db`` that does not exist is an
    error naming it: a mistyped path made an empty archive, folders and all, and "The archive is
    empty — run briefbot ingest" sent the user to ingest again."""
    if db == ":memory:":
        raise click.ClickException(
            "--db :memory: would keep nothing (an in-memory database is gone when the command "
            "ends); give a file, e.g. --db data/briefbot.db"
        )
    if not create and not Path(db).exists():
        raise click.ClickException(
            f"no briefbot database at {db}: check --db (or BRIEFBOT_DB) for a typing slip; "
            f"briefbot --db {db} ingest FOLDER creates one"
        )
    ctx = click.get_current_context(silent=True)
    extra = ctx.find_root().obj.get("aliases") if ctx is not None and ctx.find_root().obj else None
    try:
        archive = Archive(db, aliases=load_aliases(extra))
        # The digests' and the bot's own tables, as every briefbot database has them; a read-only
        # archive can still be asked, so it is left as it is (``bot_state`` says when a command
        # needs them).
        if not archive.store.read_only:
            upgrade_delivery(archive.store)
            upgrade_bot_state(archive.store)
    except RetrievalError as exc:
        raise click.ClickException(str(exc)) from exc
    if ctx is not None:
        # Closed when the command ends, not whenever the object is collected: a test's command
        # run in process (CliRunner) left its connection open, and its collection later
        # checkpointed and deleted the database's -wal file while a copy of it was being made.
        ctx.call_on_close(archive.close)
    return archive


def bot_state(archive: Archive) -> Archive:
    """Return ``archive`` once it holds the digests' and the bot's own tables, turning
    "read-only, needs an upgrade" into a click error."""
    try:
        upgrade_delivery(archive.store)
        upgrade_bot_state(archive.store)
    except RetrievalError as exc:
        raise click.ClickException(str(exc)) from exc
    return archive


def filter_options(f: Any) -> Any:
    """Add the --publication/--volume/--issue/--since/--until options to a command."""
    f = click.option("--until", help="Only briefs dated on or before YYYY-MM-DD.")(f)
    f = click.option("--since", help="Only briefs dated on or after YYYY-MM-DD.")(f)
    f = click.option("--issue", type=int, help="Only this issue number.")(f)
    f = click.option("--volume", type=int, help="Only this volume.")(f)
    f = click.option("--publication", help="Only this publication, e.g. Monitor.")(f)
    return f


def top_option(most: int) -> Any:
    """Return the --top option (1 to ``most``), read from BRIEFBOT_TOP as the bot reads it."""
    return click.option(
        "--top",
        "-n",
        type=click.IntRange(1, most),
        default=DEFAULT_TOP,
        envvar="BRIEFBOT_TOP",
        show_default=True,
        help="Passages per answer (env BRIEFBOT_TOP, as the bot).",
    )


def make_filters(
    publication: str | None,
    volume: int | None,
    issue: int | None,
    since: str | None,
    until: str | None,
) -> Filters:
    """Return Filters from command-line options, checking the dates."""
    try:
        if since:
            check_date(since, "--since")
        if until:
            check_date(until, "--until")
    except RetrievalError as exc:
        raise click.BadParameter(str(exc)) from exc
    return Filters(publication, volume, issue, since, until)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="briefbot")
@click.option(
    "--db",
    default=DEFAULT_DB,
    envvar="BRIEFBOT_DB",
    show_default=True,
    help="SQLite database of the archive (env BRIEFBOT_DB).",
)
@click.option(
    "--aliases",
    envvar="BRIEFBOT_ALIASES",
    metavar="PATH",
    help="Your own alias file, read after the bundled one (env BRIEFBOT_ALIASES).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
@click.pass_context
def cli(ctx: click.Context, db: str, aliases: str | None, verbose: bool) -> None:
    """briefbot: ask questions of an archive of news briefs; answers are quoted and cited."""
    configure_logging(verbose)
    ctx.obj = {"db": db, "aliases": aliases or None, "verbose": verbose}


def _db_after_subcommand(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        # ctx.obj is the group's dict, shared by every context under it.
        ctx.ensure_object(dict)["db"] = value


DB_AFTER_HELP = "SQLite database of the archive, here or before the command (env BRIEFBOT_DB)."


def accept_db_option(group: click.Group) -> None:
    """Give every command under ``group`` its own ``--db PATH``, so that ``briefbot ask --db X``
    works as ``briefbot --db X ask`` does (the value after the command wins)."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            accept_db_option(command)
        elif not any(p.name == "db_after" for p in command.params):
            command.params.append(
                click.Option(
                    ["--db", "db_after"],
                    metavar="PATH",
                    expose_value=False,
                    is_eager=True,
                    callback=_db_after_subcommand,
                    help=DB_AFTER_HELP,
                )
            )


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--footer-pattern",
    multiple=True,
    help="Extra regular expression that marks a paragraph as publisher boilerplate (repeatable).",
)
@click.option(
    "--max-size",
    type=float,
    default=DEFAULT_MAX_BYTES / 1e6,
    show_default=True,
    callback=lambda _ctx, _param, value: _size_mb(value),
    help="Refuse files larger than this many MB.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary and rejections.")
@click.option("--verbose", "-v", is_flag=True, help="List the files skipped in folders.")
@click.option(
    "--no-index", is_flag=True, help="Do not bring the saved index up to date at the end."
)
@click.pass_context
def ingest(
    ctx: click.Context,
    paths: tuple[str, ...],
    footer_pattern: tuple[str, ...],
    max_size: float,
    quiet: bool,
    verbose: bool,
    no_index: bool,
) -> None:
    """Add brief files or folders (text or JSONL; - reads stdin) to the archive.

    Exits with status 1 if any file or line was rejected; the good ones are stored anyway.
    """
    archive = open_archive(ctx.obj["db"])
    try:
        footer = FooterRules().with_extra(list(footer_pattern))
    except BriefFormatError as exc:
        raise click.BadParameter(exc.reason, param_hint="--footer-pattern") from exc
    ingester = Ingester(archive.store, footer=footer, max_bytes=int(max_size * 1e6))
    sources = find_sources(paths)
    skipped = sources.skipped
    on_terminal = not quiet and sys.stderr.isatty()
    show_bar = on_terminal and len(sources.files) > 1
    try:
        archive.store.check_writable("ingest into")
    except ArchiveWriteError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        with _Bar(
            total=len(sources.files), unit="file", disable=not show_bar, file=sys.stderr
        ) as bar:

            def step(done: int, total: int) -> None:
                bar.update(done - bar.n)

            report = ingester.ingest_sources(sources, progress=step)
    except ArchiveWriteError as exc:
        # A full disk or a database gone read-only: the files before this one are stored.
        raise click.ClickException(f"{exc} ({ingester.report.summary()} before it)") from exc
    except KeyboardInterrupt:
        # It said only "Aborted!": was anything stored, and may it be run again?
        click.echo(
            f"Interrupted (Ctrl-C): {ingester.report.summary()} before it; each file is stored "
            "whole or not at all. Run the same command again to store the rest: the files "
            "already stored are left as they are.",
            err=True,
        )
        ctx.exit(130)
    for notice in report.notices:
        click.echo(notice, err=True)
    found = {display_path(file) for file, _ in sources.files}
    for path in paths:
        # A file deleted from a folder kept its briefs after the folder was ingested again, in
        # silence ("0 removed, 55 unchanged"): say so, and how to take them out.
        if path != "-" and Path(path).is_dir():
            line = gone_line(path, gone_under(archive.store, path, found))
            if line:
                click.echo(line, err=True)
    for rejection in report.rejected:
        click.echo(f"rejected: {rejection}", err=True)
    line = skipped_line(skipped)
    verbose = verbose or bool(ctx.obj.get("verbose"))
    if line:
        click.echo(line + ("" if verbose else "; -v lists them"), err=True)
        if verbose:
            for skipped_path in skipped:
                click.echo(f"skipped: {display_path(skipped_path)}", err=True)
    click.echo(f"{report.summary()} ({archive.store.passage_count()} passages in the archive)")
    if not no_index:
        _update_index(archive, quiet=quiet, bar=on_terminal)
    if report.rejected:
        sys.exit(1)


def _size_mb(value: float) -> float:
    """Return ``value``, a size in MB, if it is a number above 0.

    Raises:
        click.BadParameter: for 0, a negative size, nan or inf (nan and inf were tracebacks, 0
            rejected every file as "over the 0 MB limit").
    """
    if not (math.isfinite(value) and value > 0):
        raise click.BadParameter(f"{value} is not a size; give a number of MB above 0, e.g. 50")
    return value


def _update_index(archive: Archive, *, quiet: bool, bar: bool) -> None:
    """Bring the saved index up to date, so the first question does not wait for it: a progress
    bar on a terminal, else one line (none with ``quiet``)."""
    with _Bar(
        total=0, unit="passage", desc="indexing", disable=not bar, file=sys.stderr, leave=False
    ) as progress:

        def step(done: int, total: int) -> None:
            progress.total = total
            progress.update(done - progress.n)

        try:
            archive.index(step)
        except RetrievalError as exc:
            raise click.ClickException(
                f"the briefs are stored but the index could not be updated ({exc}); "
                "the first question will build it"
            ) from exc
        except KeyboardInterrupt:
            # Past the store, Ctrl-C said "Aborted!" (exit 1) under the counting workers'
            # tracebacks, as if the briefs were not stored.
            click.echo(
                "Interrupted (Ctrl-C) while updating the index: the briefs are stored; the "
                "first question will build it.",
                err=True,
            )
            click.get_current_context().exit(130)
    sync = archive.indexer.last_sync
    if not quiet:
        click.echo(
            f"index ready: {sync.get('passages', 0):,} passages "
            f"({sync.get('action', 'unchanged')} in {sync.get('seconds', 0):.1f} s)",
            err=True,
        )


@cli.command()
@click.argument("question", required=False)
@top_option(100)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option(
    "--queries",
    type=click.File("r", encoding="utf-8"),
    help="Answer every question in FILE (one a line, or JSONL {id, text, after}); one JSON "
    'line each. "after": the id of an earlier line whose answer this line replies to.',
)
@filter_options
@click.pass_context
def ask(
    ctx: click.Context,
    question: str | None,
    top: int,
    as_json: bool,
    queries: Any,
    publication: str | None,
    volume: int | None,
    issue: int | None,
    since: str | None,
    until: str | None,
) -> None:
    """Answer QUESTION with the best-matching passages, quoted and cited."""
    if (question is None) == (queries is None):
        raise click.UsageError('give a QUESTION or --queries FILE, e.g. briefbot ask "who fled?"')
    filters = make_filters(publication, volume, issue, since, until)
    archive = open_archive(ctx.obj["db"], create=False)
    if queries is not None:
        _answer_queries(archive, queries, top, filters)
        return
    assert question is not None
    if as_json:
        click.echo(json.dumps(_answer_json(archive, question, top, filters), ensure_ascii=False))
        return
    try:
        answer = archive.ask(question, top=top, filters=filters)
    except RetrievalError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(printable(render_plain(answer)))


def _answer_queries(archive: Archive, queries: Any, top: int, filters: Filters) -> None:
    """Answer every line of a --queries file, one JSON line each.

    A JSONL line ``{"id", "text", "after": ID}`` is a reply to the answer of the earlier line
    ``ID``: it is read with that line's question (and the context that line was read with) when
    it does not stand on its own, by the bot's rule (``retrieval.text.followup.reading``).

    Every line of a file (not a pipe, whose lines are answered as they come) is checked before
    any is answered, so a bad line stops the run with nothing printed. A file of at least
    ``SPLIT_QUERIES`` lines, none of them a reply, is answered in two processes
    (``_answer_split``): the same lines, in the same order.
    """
    records: Iterable[tuple[Any, str, Any]]
    if _is_file(queries):
        records = list(_query_records(queries.readlines(), queries.name))
        plain = [(qid, text) for qid, text, after in records if after is None]
        if len(plain) == len(records) and _answer_split(archive, plain, top, filters):
            # What the answers left is freed with the process: the collector's last full pass
            # over it took ~60 ms after 300 lines (~0.2 ms a line).
            gc.freeze()
            return
    else:
        records = _query_records(queries, queries.name)
    asked: dict[str, list[str]] = {}  # line id -> what a reply to its answer may continue
    for qid, text, after in records:
        earlier = [] if after is None else asked[str(after)]
        context = archive.reading(text, earlier)
        data = _answer_json(archive, text, top, filters, context)
        # A line that could not be asked (a malformed filter) is nothing to continue.
        asked[str(qid)] = list(context) if data.get("reason") == "invalid" else chain(context, text)
        click.echo(json.dumps({"id": qid, **data}, ensure_ascii=False))


_JSON_KINDS = {type(None): "null", list: "an array", dict: "an object", bool: "true or false"}


def _query_records(lines: Iterable[str], name: str) -> Iterator[tuple[Any, str, Any]]:
    """Yield ``(id, question, after)`` for each line of a --queries file: a plain question (its
    id the line number) or a JSON object with a string ``"text"``.

    Raises:
        click.ClickException: naming the line, if it is not one of those or its ``"after"``
            names no earlier line's id.
    """
    ids: set[str] = set()
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        qid: Any = n
        text: Any = line.rstrip("\n")
        after: Any = None
        if line.lstrip().startswith("{"):
            try:
                obj = json.loads(line)
                qid, text = obj.get("id", obj.get("_id", n)), obj["text"]
                after = obj.get("after")
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
                raise click.ClickException(
                    f'{name}, line {n}: not a JSON object with "text" ({exc}); '
                    'write {"id": "q1", "text": "..."} or one plain question a line'
                ) from exc
            if not isinstance(text, str):
                # null asked the question "None", a list its Python spelling.
                kind = _JSON_KINDS.get(type(text), "a number")
                raise click.ClickException(
                    f'{name}, line {n}: "text" is {kind}; write the question as a string'
                )
        if after is not None and str(after) not in ids:
            raise click.ClickException(
                f'{name}, line {n}: "after" names {after!r}, which is not the id of '
                'an earlier line; give the "id" of a line above it, or leave "after" out'
            )
        ids.add(str(qid))
        yield qid, text, after


def _is_file(stream: Any) -> bool:
    """Return whether ``stream`` reads a regular file (not a pipe or a terminal, whose lines are
    answered as they come)."""
    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):
        return False


def _query_line(archive: Archive, qid: Any, text: str, top: int, filters: Filters) -> str:
    """Return the JSON line answering a --queries line that is not a reply."""
    data = _answer_json(archive, text, top, filters, archive.reading(text, []))
    return json.dumps({"id": qid, **data}, ensure_ascii=False)


def _answer_split(
    archive: Archive, items: list[tuple[Any, str]], top: int, filters: Filters
) -> bool:
    """Print the answers of ``items`` (``(id, question)``, none a reply), the second half
    answered by a forked copy of this process (what is loaded here, the index and the first
    line's reads, is shared with it, and it opens a connection of its own) while this one
    answers the first: on two cores the file takes about half the time. Its lines are printed
    after this one's, so the output is that of answering them in turn. Should it fail or hang,
    its half is answered here.

    Return False, having printed nothing, where that is not done: fewer than ``SPLIT_QUERIES``
    lines, one core, no ``fork``, another thread running (a forked copy of a process with
    threads may hang on a lock one of them held), an archive not in a file.
    """
    if (
        len(items) < SPLIT_QUERIES
        or not hasattr(os, "fork")
        or (os.cpu_count() or 1) < 2
        or threading.active_count() > 1
        or archive.store.path is None
        or str(archive.store.path) == ":memory:"
    ):
        return False
    # What the child would otherwise load again is loaded before the fork and shared: the index,
    # what the first line's answer reads (the brief map, the titles), the English word list (its
    # common words too) the typing-slip reading and the names check ask (~0.1 s a process).
    archive.index()
    is_rare("the")
    click.echo(_query_line(archive, *items[0], top, filters))
    # The collector never walks what is loaded by now (both processes keep it to the end), and
    # so never writes to the pages the child shares.
    gc.freeze()
    items = items[1:]
    half = (len(items) + 1) // 2
    with tempfile.TemporaryFile() as out:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _answer_forked(archive, items[half:], top, filters, out)
        started = time.monotonic()
        try:
            for qid, text in items[:half]:
                click.echo(_query_line(archive, qid, text, top, filters))
        except BaseException:
            _stop_child(pid)
            raise
        done = _child_done(pid, max(10.0, 4 * (time.monotonic() - started)))
        if done:
            out.seek(0)
            for line in out.read().decode("utf-8").splitlines():
                click.echo(line)
        else:
            for qid, text in items[half:]:
                click.echo(_query_line(archive, qid, text, top, filters))
    return True


def _answer_forked(
    archive: Archive, items: list[tuple[Any, str]], top: int, filters: Filters, out: Any
) -> NoReturn:
    """In the forked copy: write the answers of ``items`` into ``out`` and end (status 0), or
    end with status 1 on any failure (the parent then answers them)."""
    status = 1
    try:
        archive.reconnect()
        lines = [_query_line(archive, qid, text, top, filters) for qid, text in items]
        out.write("".join(line + "\n" for line in lines).encode("utf-8"))
        out.flush()
        status = 0
    except BaseException:  # the status says so: the parent answers them
        status = 1
    finally:
        os._exit(status)


def _child_done(pid: int, patience: float) -> bool:
    """Return whether the forked child ``pid`` ended well within ``patience`` seconds (else it is
    killed)."""
    deadline = time.monotonic() + patience
    while True:
        ended, status = os.waitpid(pid, os.WNOHANG)
        if ended:
            return os.waitstatus_to_exitcode(status) == 0
        if time.monotonic() > deadline:
            _stop_child(pid)
            return False
        time.sleep(0.002)


def _stop_child(pid: int) -> None:
    """Kill the forked child ``pid`` and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _answer_json(
    archive: Archive,
    question: str,
    top: int,
    filters: Filters,
    context: list[str] | None = None,
) -> dict[str, Any]:
    try:
        return archive.ask(question, top=top, filters=filters, earlier=context or ()).to_json()
    except RetrievalError as exc:
        return {
            "question": question,
            "found": False,
            "confidence": "none",
            "hits": [],
            "read_as": context[-1] if context else None,
            "read_with": list(context or []),
            "unmatched": [],
            "reason": "invalid",
            "message": str(exc),
        }


@cli.command()
@click.argument("claim")
@top_option(MAX_TOP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def check(ctx: click.Context, claim: str, top: int, as_json: bool) -> None:
    """Quote what bears on CLAIM and say which of its numbers, dates and names the passages hold.

    The twin of /check in Telegram: the same evidence and the same comparison. It never says
    whether the claim is true. A long claim is checked sentence by sentence.
    """
    reply = ChatService(open_archive(ctx.obj["db"], create=False), top=top).check(claim)
    if isinstance(reply, Notice):
        if as_json:
            data = {"claim": claim, "found": False, "confidence": "none", "hits": []}
            click.echo(json.dumps({**data, "message": reply.text}, ensure_ascii=False))
            sys.exit(1)
        raise click.ClickException(reply.text)
    if as_json:
        click.echo(json.dumps(reply.to_json(), ensure_ascii=False))
    else:
        click.echo(printable(render_check_plain(reply)))
    if not reply.evidence:
        # "Nothing in the archive bears on this.": nothing could be checked (README).
        sys.exit(1)


@cli.command()
@click.argument("issue", nargs=-1, metavar="[PUBLICATION VOLUME ISSUE]")
@click.option("--doc-id", help="Remove the brief with this id (JSONL id, BEIR _id).")
@click.option("--source", "source", metavar="PATH", help="Remove everything a file brought in.")
@click.option("--dry-run", is_flag=True, help="List what would be removed; remove nothing.")
@click.option("--yes", "-y", is_flag=True, help="Remove a whole issue without asking.")
@click.pass_context
def remove(
    ctx: click.Context,
    issue: tuple[str, ...],
    doc_id: str | None,
    source: str | None,
    dry_run: bool,
    yes: bool,
) -> None:
    """Remove briefs: --doc-id ID, PUBLICATION VOLUME ISSUE (all its briefs), or --source PATH.

    Exits with status 1, changing nothing, if nothing matches.
    """
    forms = sum(1 for given in (issue, doc_id, source) if given)
    if forms != 1:
        raise click.UsageError(
            "name one thing to remove: --doc-id ID, PUBLICATION VOLUME ISSUE "
            "(e.g. Monitor 4 180) or --source PATH"
        )
    where: tuple[str, int, int] | None = None
    if issue:
        # isdecimal, not isdigit: int() refuses "²", which isdigit takes.
        if len(issue) != 3 or not issue[1].isdecimal() or not issue[2].isdecimal():
            raise click.UsageError(
                f"{' '.join(issue)!r} is not PUBLICATION VOLUME ISSUE; write e.g. Monitor 4 180"
            )
        try:  # checked before the archive opens: a usage error, as a malformed number is
            where = (issue[0], issue_number(issue[1], "volume"), issue_number(issue[2], "issue"))
        except NumberRangeError as exc:
            raise click.UsageError(str(exc)) from exc
    archive = open_archive(ctx.obj["db"], create=False)
    try:
        rows = archive.store.briefs_to_remove(doc_id=doc_id, issue=where, source=source)
    except RetrievalError as exc:
        raise click.ClickException(f"{exc}; nothing removed") from exc
    noun = "brief" if len(rows) == 1 else "briefs"
    for row in rows:
        click.echo(f"  {removal_line(row)}")
    if dry_run:
        click.echo(f"{len(rows)} {noun} would be removed (--dry-run: nothing removed)")
        return
    asked = where is not None and not yes
    if asked and not click.confirm(f"Remove these {len(rows)} {noun}?", default=False):
        click.echo("Nothing removed.", err=True)
        sys.exit(1)
    try:
        removed = archive.store.remove_briefs(row["id"] for row in rows)
    except ArchiveWriteError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{removed} {'brief' if removed == 1 else 'briefs'} removed")


class IssueNumber(click.ParamType):
    """A volume or issue argument: ``issue_number``'s rule, and its message when broken."""

    name = "integer"

    def __init__(self, which: str):
        self.which = which

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        """Return the number; fail (a usage error) naming it and the range if it is none."""
        text = str(value).strip()
        try:  # (digits given as they are: int() refuses more than 4,300)
            return issue_number(
                text if text.isdecimal() else click.INT.convert(value, param, ctx), self.which
            )
        except NumberRangeError as exc:
            self.fail(str(exc), param, ctx)


@cli.command()
@click.argument("publication")
@click.argument("volume", type=IssueNumber("volume"))
@click.argument("issue", type=IssueNumber("issue"))
@click.pass_context
def brief(ctx: click.Context, publication: str, volume: int, issue: int) -> None:
    """Print the whole brief(s) of one issue, cleaned, e.g. briefbot brief Monitor 4 142."""
    archive = open_archive(ctx.obj["db"], create=False)
    try:
        briefs = archive.briefs(publication, volume, issue)
    except RetrievalError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(printable("\n\n".join(render_brief_plain(b) for b in briefs)))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Show counts per publication, the volumes and issues covered, and the index size."""
    archive = open_archive(ctx.obj["db"], create=False)
    data = archive.stats()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(printable(render_sources_plain(data)))
    idx = data["index"]
    click.echo(
        f"Index: {idx['terms']:,} terms, {idx['postings']:,} postings, "
        f"{idx['avg_passage_tokens']} tokens per passage on average."
    )
    if data.get("copies"):
        click.echo(
            f"{data['copies']:,} of the briefs are copies of others (the same text, stored from "
            "another file); answers quote each text once. `briefbot remove` takes one out."
        )


@cli.command()
@top_option(MAX_TOP)
@click.option(
    "--followup-minutes",
    type=click.IntRange(0, MAX_FOLLOWUP_MINUTES),
    default=DEFAULT_FOLLOWUP_MINUTES,
    envvar="BRIEFBOT_FOLLOWUP_MINUTES",
    show_default=True,
    help="A question this soon after an answer may continue it; 0: never "
    "(env BRIEFBOT_FOLLOWUP_MINUTES).",
)
@click.pass_context
def chat(ctx: click.Context, top: int, followup_minutes: int) -> None:
    """Chat in the terminal: answers exactly as the bot gives them, in plain text."""
    from bot.terminal import run_terminal_chat

    archive = open_archive(ctx.obj["db"])
    run_terminal_chat(archive, top=top, followup_minutes=followup_minutes)


# The bot's settings: each option reads its environment variable (the only place one is read);
# load_settings checks the values and names the variable in its messages. Plain strings here, so
# that a bad value gets that message rather than click's.
BOT_OPTIONS: list[tuple[str, str, str, str]] = [
    ("--api-url", "BRIEFBOT_API_URL", "URL", "Bot API server [default: https://api.telegram.org]"),
    (
        "--allowed",
        "BRIEFBOT_ALLOWED",
        "LIST",
        "User ids, chat ids and @usernames allowed [default: all]",
    ),
    ("--admins", "BRIEFBOT_ADMINS", "LIST", "User ids allowed to /allow, /deny, /stats, /remove"),
    (
        "--inline",
        "BRIEFBOT_INLINE",
        "on|off",
        "on: allowed users may share passages inline [default: on]",
    ),
    ("--rate-limit", "BRIEFBOT_RATE_LIMIT", "N", "Questions per user per minute [default: 20]"),
    ("--top", "BRIEFBOT_TOP", "N", "Passages per answer, 1-10 [default: 3]"),
    ("--followup-minutes", "BRIEFBOT_FOLLOWUP_MINUTES", "N", "Follow-up window; 0: replies only"),
    ("--tz", "BRIEFBOT_TZ", "ZONE", "Time zone of /digest HH:MM without one [default: UTC]"),
    (
        "--digest-empty",
        "BRIEFBOT_DIGEST_EMPTY",
        "skip|notify",
        "skip or notify on a day with nothing new",
    ),
    ("--inbox", "BRIEFBOT_INBOX", "FOLDER", "Folder to ingest new or changed files from"),
    ("--inbox-interval", "BRIEFBOT_INBOX_INTERVAL", "SECONDS", "Seconds between inbox scans [180]"),
    ("--feeds", "BRIEFBOT_FEEDS", "URLS", "RSS/Atom feed URLs to poll for new briefs"),
    ("--feeds-interval", "BRIEFBOT_FEEDS_INTERVAL", "SECONDS", "Seconds between feed polls [1800]"),
    ("--upload-max-mb", "BRIEFBOT_UPLOAD_MAX_MB", "MB", "Largest file an admin may upload [20]"),
    (
        "--listen",
        "BRIEFBOT_WEBHOOK_LISTEN",
        "ADDRESS",
        "With --webhook: the local address [127.0.0.1]",
    ),
    (
        "--secret-token",
        "BRIEFBOT_WEBHOOK_SECRET",
        "SECRET",
        "With --webhook: the update secret [random]",
    ),
]
"""The bot's settings as (option, environment variable, metavar, help); the option's value is the
``Settings`` field of the same name (``--tz``: ``timezone``)."""


def bot_options(f: Any) -> Any:
    """Add the Telegram bot's settings to a command: the webhook options, BOT_OPTIONS and the
    token (hidden: it belongs in the environment, not in the process list)."""
    f = click.option(
        "--port",
        type=click.IntRange(1, 65535),
        envvar="BRIEFBOT_WEBHOOK_PORT",
        help="With --webhook: the local port to listen on [default: 8443].",
    )(f)
    f = click.option(
        "--webhook",
        "webhook_url",
        metavar="URL",
        envvar="BRIEFBOT_WEBHOOK_URL",
        help="Receive updates at this public https:// URL instead of long polling "
        "(env BRIEFBOT_WEBHOOK_URL).",
    )(f)
    for option, var, metavar, text in reversed(BOT_OPTIONS):
        name = "timezone" if option == "--tz" else option[2:].replace("-", "_")
        f = click.option(option, name, envvar=var, metavar=metavar, help=f"{text} (env {var}).")(f)
    return click.option("--token", envvar="TELEGRAM_BOT_TOKEN", hidden=True)(f)


def bot_settings(db: str, values: dict[str, Any]) -> Settings:
    """Return the bot's checked Settings from the values of ``bot_options``.

    Raises:
        click.UsageError: if a webhook option is given without --webhook.
        click.ClickException: naming the setting that is missing or malformed.
    """
    from bot.config import ConfigError, load_settings

    if not values.get("webhook_url") and any(
        values.get(name) for name in ("listen", "port", "secret_token")
    ):
        raise click.UsageError("--listen, --port and --secret-token only apply with --webhook URL")
    try:
        return load_settings(db=db, **values)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def serve(archive: Archive, settings: Settings) -> None:
    """Run the Telegram bot on ``archive`` until it is stopped; close the archive afterwards.

    Raises:
        click.ClickException: if the database is read-only (the bot writes before it answers),
            Telegram refuses the token or the bot stopped itself.
    """
    from bot.app import BotStartError, build_application, run_application

    try:
        # It started, then died in its start-up with a traceback ("attempt to write a readonly
        # database"): every update is recorded before it is answered.
        archive.store.check_writable(
            "run the bot on",
            fix="the bot records each message it receives and each answer it sends there. Make "
            "it writable (chmod u+w on the file and its folder), or use briefbot ask and briefbot "
            "chat, which only read",
        )
    except ArchiveWriteError as exc:
        archive.close()
        raise click.ClickException(str(exc)) from None
    try:
        run_application(build_application(settings, bot_state(archive)), settings)
    except BotStartError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        archive.close()


@cli.command()
@bot_options
@click.pass_context
def run(ctx: click.Context, **values: Any) -> None:
    """Run the Telegram bot (TELEGRAM_BOT_TOKEN): long polling, or a webhook with --webhook URL.

    BRIEFBOT_ALLOWED and BRIEFBOT_ADMINS say who may use it; see docs/telegram.md. Every
    setting is an environment variable (see the README) or the option of the same meaning.
    """
    settings = bot_settings(ctx.obj["db"], values)
    serve(open_archive(settings.db), settings)


@cli.command()
@bot_options
@click.pass_context
def start(ctx: click.Context, **values: Any) -> None:
    """What `make run` does: the bot if TELEGRAM_BOT_TOKEN is set, else the terminal chat.

    Builds the sample archive first when the database holds no briefs. The terminal chat answers
    with the bot's BRIEFBOT_TOP and BRIEFBOT_FOLLOWUP_MINUTES.
    """
    from bot.config import ConfigError, parse_followup_minutes, parse_top
    from bot.terminal import run_terminal_chat

    settings = bot_settings(ctx.obj["db"], values) if values.get("token") else None
    try:
        top = parse_top(values.get("top"))
        followup_minutes = parse_followup_minutes(values.get("followup_minutes"))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    archive = open_archive(ctx.obj["db"])
    if archive.store.passage_count() == 0 and SAMPLE_DIR.is_dir():
        try:
            report = archive.ingest([SAMPLE_DIR])
        except RetrievalError as exc:
            raise click.ClickException(f"cannot build the sample archive: {exc}") from exc
        click.echo(f"Built the sample archive in {ctx.obj['db']}: {report.summary()}", err=True)
    if settings is not None:
        serve(archive, settings)
        return
    run_terminal_chat(archive, top=top, followup_minutes=followup_minutes)


# -- digests (issue 4) -----------------------------------------------------------------------


@cli.group()
def digest() -> None:
    """Daily digests: what a chat would get, and who is subscribed."""


@digest.command("preview")
@click.argument("chat_id", type=click.IntRange(-MAX_TELEGRAM_ID, MAX_TELEGRAM_ID))
@click.option("--html", "as_html", is_flag=True, help="Print the Telegram HTML messages instead.")
@click.option(
    "--tz",
    "timezone",
    default="UTC",
    envvar="BRIEFBOT_TZ",
    show_default=True,
    help="Time zone for a chat without a subscription (env BRIEFBOT_TZ).",
)
@click.pass_context
def digest_preview(ctx: click.Context, chat_id: int, as_html: bool, timezone: str) -> None:
    """Print what CHAT_ID would get now: the briefs new since its last digest, with its topics.

    Read-only: the chat's "last sent" mark does not move.
    """
    from bot.digest_render import nothing_new, render_digest_html, render_digest_plain
    from retrieval.corpus.clock import parse_iso, utc_clock
    from retrieval.delivery.digest import chat_digest
    from retrieval.delivery.schedule import local_time_text
    from retrieval.delivery.subscriptions import SubscriptionStore

    archive = bot_state(open_archive(ctx.obj["db"], create=False))
    subs = SubscriptionStore(archive.store)
    sub = subs.get(chat_id)
    tz = sub.timezone if sub else timezone
    try:
        preview = chat_digest(archive, subs, chat_id)
        title = f"Digest so far for chat {chat_id} — {local_time_text(utc_clock(), tz)}"
    except RetrievalError as exc:
        raise click.ClickException(str(exc)) from exc
    if sub is None or not sub.active:
        click.echo(f"(chat {chat_id} has no daily digest; this is what /digest now would show)")
    if preview.is_empty:
        since = (
            local_time_text(parse_iso(sub.last_sent_at), tz) if sub and sub.last_sent_at else None
        )
        click.echo(nothing_new(since))
    elif as_html:
        click.echo("\n\n-----\n\n".join(render_digest_html(preview, title=title)))
    else:
        click.echo(render_digest_plain(preview, title=title))


@digest.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def digest_list(ctx: click.Context, as_json: bool) -> None:
    """List the chats subscribed to a daily digest (and those stopped, with why)."""
    from retrieval.corpus.clock import utc_clock
    from retrieval.delivery.schedule import local_time_text
    from retrieval.delivery.subscriptions import SubscriptionStore

    archive = bot_state(open_archive(ctx.obj["db"], create=False))
    subs = SubscriptionStore(archive.store)
    rows: list[dict[str, Any]] = []
    for sub in subs.subscriptions(active_only=False):
        rows.append(
            {
                "chat_id": sub.chat_id,
                "time": sub.time_text,
                "timezone": sub.timezone,
                "active": sub.active,
                "last_sent_at": sub.last_sent_at,
                "next": local_time_text(sub.next_slot(utc_clock()), sub.timezone)
                if sub.active
                else None,
                "topics": [w.query for w in subs.watches(sub.chat_id)],
                "stop_reason": sub.stop_reason,
            }
        )
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("No chat is subscribed; a chat subscribes with /digest HH:MM in Telegram.")
        return
    for row in rows:
        state = f"next {row['next']}" if row["active"] else f"stopped: {row['stop_reason']}"
        topics = f"; topics: {', '.join(row['topics'])}" if row["topics"] else ""
        click.echo(f"{row['chat_id']}: {row['time']} {row['timezone']}, {state}{topics}")


# -- access (issue 12) -----------------------------------------------------------------------


@cli.group()
def access() -> None:
    """Who may use the Telegram bot: the allowlist, where each rule came from, exposure."""


@access.command("list")
@click.option(
    "--allowed",
    envvar="BRIEFBOT_ALLOWED",
    help="The bot's BRIEFBOT_ALLOWED (read from the environment by default).",
)
@click.option(
    "--admins",
    envvar="BRIEFBOT_ADMINS",
    help="The bot's BRIEFBOT_ADMINS (read from the environment by default).",
)
@click.option(
    "--inline",
    envvar="BRIEFBOT_INLINE",
    help="The bot's BRIEFBOT_INLINE, on or off (read from the environment; default on).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def access_list(
    ctx: click.Context,
    allowed: str | None,
    admins: str | None,
    inline: str | None,
    as_json: bool,
) -> None:
    """Show allowed and denied users and groups, where each rule came from (BRIEFBOT_ALLOWED, or
    /allow and /deny by whom and when), the groups the bot is in that are not allowed, inline
    sharing and paused digests. Read-only; run it with the bot's environment."""
    from bot.config import ConfigError, parse_admins, parse_inline, parse_subjects
    from bot.state.access import AccessList
    from bot.state.audit import audit_json, audit_lines
    from retrieval.delivery.subscriptions import SubscriptionStore

    try:
        allowlist = parse_subjects(allowed, "BRIEFBOT_ALLOWED")
        admin_ids = parse_admins(admins)
        inline_on = parse_inline(inline)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    archive = bot_state(open_archive(ctx.obj["db"], create=False))
    rules = AccessList(archive.store.db, allowlist, admin_ids)
    paused = [s for s in SubscriptionStore(archive.store).subscriptions() if s.paused]
    if as_json:
        data = audit_json(rules, inline=inline_on, paused=paused)
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo("\n".join(audit_lines(rules, inline=inline_on, paused=paused)))


# -- backup and restore ----------------------------------------------------------------------


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.pass_context
def backup(ctx: click.Context, file: Path, force: bool) -> None:
    """Copy the archive to FILE (or into the folder FILE), safely while the bot runs.

    The copy is the archive as it stood at one moment, written beside FILE and named FILE only
    once SQLite's integrity check has passed. Put it back with briefbot restore FILE.
    """
    from retrieval.corpus.backup import backup_archive

    db = Path(ctx.obj["db"])
    try:
        target, contents = backup_archive(db, file, force=force)
    except RetrievalError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backed up {db} to {target}: {contents.summary()}; integrity check passed.")


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--no-index", is_flag=True, help="Do not bring the saved index up to date.")
@click.pass_context
def restore(ctx: click.Context, file: Path, no_index: bool) -> None:
    """Put the archive back as the backup FILE holds it; the database it replaces is kept.

    FILE is checked first (a briefbot archive, not newer than this briefbot, intact). The bot's
    journal of Telegram updates and the digests' marks, topics and send log are kept from the
    database replaced, so nothing is answered or sent twice. A bot running on the database
    stops within 30 s, to start again on the restored one.
    """
    from bot.state.journal import RESTORE_KEEP
    from bot.state.migrations import migrations as bot_migrations
    from retrieval.corpus.restore import joined, restore_archive
    from retrieval.delivery.migrations import migrations as delivery_migrations
    from retrieval.delivery.subscriptions import DIGEST_KEEP

    db = Path(ctx.obj["db"])
    keep = joined(RESTORE_KEEP, DIGEST_KEEP)
    try:
        done = restore_archive(db, file, parts=(delivery_migrations, bot_migrations), keep=keep)
    except RetrievalError as exc:
        raise click.ClickException(str(exc)) from exc
    for note in done.notes:
        logger.warning("%s", note)
    click.echo(f"Restored {file} into {db}: {done.contents.summary()}.")
    if done.kept is not None:
        was = f" ({done.kept_contents.summary()})" if done.kept_contents else ""
        click.echo(f"The database it replaced is kept as {done.kept}{was}.")
    if done.carried:
        click.echo(f"Kept from the database it replaced: {keep.what}.")
    if not no_index:
        _update_index(open_archive(str(db)), quiet=False, bar=sys.stderr.isatty())


accept_db_option(cli)


def main() -> None:
    """Run the command line."""
    cli()
