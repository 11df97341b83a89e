"""The command line: ask, --json, --queries, brief, stats, chat and start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import SPLIT_QUERIES, _Bar, cli

Run = Callable[..., Result]


@pytest.fixture
def loaded(run_cli: Run, briefs_dir: Path, from_template: Callable[..., Path]) -> Run:
    """Return run_cli over a database holding the fixture briefs (ingested by ``briefbot
    ingest`` once per session, copied per test)."""

    def build(path: Path) -> None:
        result = CliRunner().invoke(cli, ["--db", str(path), "ingest", str(briefs_dir)])
        assert result.exit_code == 0, result.output

    from_template("cli-fixtures", build)
    return run_cli


def test_ask_prints_quotes_with_citations(loaded: Run) -> None:
    result = loaded("ask", "how many corruption cases is the security council reviewing?")
    assert result.exit_code == 0
    first = result.stdout.split("\n\n")[0]
    assert "300 *corruption* *cases*" in first
    assert "— Monitor, Vol. 4, Issue 142, July 20, 1998" in first


def test_ask_json_has_the_documented_shape(loaded: Run) -> None:
    result = loaded("ask", "--json", "--top", "2", "Caspian oil tariff border")
    data = json.loads(result.stdout)
    assert data["question"] == "Caspian oil tariff border"
    assert data["found"] is True
    assert [h["rank"] for h in data["hits"]] == [1, 2]
    hit = data["hits"][0]
    assert hit["citation"].startswith("Prism, Vol. 3, Issue 12")
    assert hit["quote"] in hit["text"]
    assert isinstance(hit["passage_id"], int) and isinstance(hit["brief_id"], int)


def test_ask_json_when_nothing_matches(loaded: Run) -> None:
    data = json.loads(loaded("ask", "--json", "Pyongyang satellite").stdout)
    assert data["found"] is False and data["hits"] == []
    assert data["message"] == "Nothing in the archive matches that question."


def test_ask_queries_file_answers_each_line_with_its_id(loaded: Run, tmp_path: Path) -> None:
    plain = tmp_path / "q.txt"
    plain.write_text("Caspian oil tariff\n\nPyongyang satellite\n")
    lines = [json.loads(x) for x in loaded("ask", "--queries", str(plain)).stdout.splitlines()]
    assert [(x["id"], x["found"]) for x in lines] == [(1, True), (3, False)]
    jsonl = tmp_path / "q.jsonl"
    jsonl.write_text('{"id": "a", "text": "Georgian border troops"}\n{"id": "b", "text": "the"}\n')
    lines = [json.loads(x) for x in loaded("ask", "--queries", str(jsonl)).stdout.splitlines()]
    assert [x["id"] for x in lines] == ["a", "b"]
    assert lines[0]["hits"][0]["citation"].startswith("Prism, Vol. 3, Issue 12")
    assert lines[1]["found"] is False


def test_ask_queries_long_file_answered_in_two_processes_as_question_by_question(
    loaded: Run, db_path: Path, tmp_path: Path
) -> None:
    # A file of SPLIT_QUERIES lines or more, none a reply, is answered by briefbot and a forked
    # copy of it (on a machine of two cores or more): each line as the question asked alone
    # answers it, in the file's order. Run as its own process: pytest's threads keep it in one.
    questions = [
        "how many corruption cases is the security council reviewing?",
        "Caspian oil tariff border",
        "Pyongyang satellite",
        "Georgian border troops",
        "the",
        "oil vol:x",
        "who runs the security council?",
    ]
    lines = [questions[n % len(questions)] for n in range(SPLIT_QUERIES + 3)]
    lines[4] = json.dumps({"id": "j", "text": "Georgian border troops"})
    queries = tmp_path / "q.txt"
    queries.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    command = [sys.executable, "-c", "from bot.cli import cli; cli()", "--db", str(db_path)]
    ran = subprocess.run(
        [*command, "ask", "--json", "--top", "3", "--queries", str(queries)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    alone: dict[str, dict[str, object]] = {}
    expected = []
    for n, line in enumerate(lines, start=1):
        qid, text = ("j", "Georgian border troops") if line.startswith("{") else (n, line)
        if text not in alone:
            alone[text] = json.loads(loaded("ask", "--json", "--top", "3", text).stdout)
        expected.append(json.dumps({"id": qid, **alone[text]}, ensure_ascii=False))
    assert ran.stdout.splitlines() == expected
    assert sum(1 for line in expected if '"reason": "invalid"' in line) == 6


def test_ask_queries_bad_jsonl_line_names_the_line(loaded: Run, tmp_path: Path) -> None:
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"id": "a", "text": "oil"}\n{"id": "b"}\n')
    result = loaded("ask", "--queries", str(bad))
    assert result.exit_code == 1
    assert f'Error: {bad}, line 2: not a JSON object with "text"' in result.stderr


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"id": "b", "text": null}', '"text" is null; write the question as a string'),
        (
            '{"id": "b", "text": ["oil", "gas"]}',
            '"text" is an array; write the question as a string',
        ),
        ('{"id": "b", "text": 5}', '"text" is a number; write the question as a string'),
    ],
)
def test_ask_queries_file_with_a_bad_line_answers_none_of_it(
    loaded: Run, tmp_path: Path, line: str, reason: str
) -> None:
    # A null text asked the question "None" and a list its Python spelling; a bad line further
    # down stopped the run after the answers above it were printed: half an output, status 1.
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"id": "a", "text": "oil"}\n' + line + "\n")
    result = loaded("ask", "--queries", str(bad))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: {bad}, line 2: {reason}\n"


def test_ask_needs_a_question(loaded: Run) -> None:
    result = loaded("ask")
    assert result.exit_code == 2
    assert "give a QUESTION or --queries FILE" in result.stderr


def test_ask_filters_as_options(loaded: Run) -> None:
    result = loaded("ask", "--publication", "Prism", "--top", "5", "oil border")
    assert "Monitor" not in result.stdout and "Prism, Vol. 3" in result.stdout
    bad = loaded("ask", "--since", "1998-02-30", "oil")
    assert bad.exit_code == 2
    assert "--since date '1998-02-30' is not a date; write it as YYYY-MM-DD" in bad.stderr


def test_ask_too_long_question_is_refused(loaded: Run) -> None:
    result = loaded("ask", "oil " * 1100)
    assert result.exit_code == 1
    assert "4,400 characters long; the limit is 4,096 (one Telegram message)." in result.stderr


def test_ask_on_empty_archive_says_run_ingest(run_cli: Run, empty_db: Path) -> None:
    result = run_cli("ask", "pipeline")
    assert result.exit_code == 0
    assert result.stdout.strip() == "The archive is empty — run briefbot ingest to add briefs."


@pytest.mark.parametrize(
    "command",
    [
        ("ask", "pipeline"),
        ("check", "the pipeline opened in 1999"),
        ("stats",),
        ("brief", "Monitor", "4", "142"),
        ("remove", "--doc-id", "x"),
        ("digest", "list"),
        ("digest", "preview", "42"),
        ("access", "list"),
    ],
)
def test_a_command_that_reads_a_database_that_is_not_there_says_so(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    # A typing slip in --db (or BRIEFBOT_DB) made an empty archive, folders and all, and "The
    # archive is empty — run briefbot ingest" sent the user to ingest again.
    db = tmp_path / "no-such-folder" / "briefbot.db"
    result = CliRunner().invoke(cli, ["--db", str(db), *command])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: no briefbot database at {db}: check --db (or BRIEFBOT_DB) for a typing slip; "
        f"briefbot --db {db} ingest FOLDER creates one\n"
    )
    assert not db.parent.exists()


def test_brief_prints_the_whole_cleaned_brief(loaded: Run) -> None:
    result = loaded("brief", "monitor", "4", "142")
    assert result.exit_code == 0
    assert result.stdout.startswith("Monitor, Vol. 4, Issue 142, July 20, 1998")
    assert "US$4 million went missing" in result.stdout
    assert result.stdout.rstrip().endswith("— SC")
    assert "Copyright" not in result.stdout


def test_brief_of_an_issue_with_two_briefs_prints_both(loaded: Run) -> None:
    result = loaded("brief", "Prism", "3", "12")
    assert "Caspian pipeline talks stall" in result.stdout
    assert "Georgian border guards take over the coast" in result.stdout


def test_brief_not_found_says_what_to_do(loaded: Run) -> None:
    result = loaded("brief", "Monitor", "4", "999")
    assert result.exit_code == 1
    assert "Error: no brief for Monitor, Vol. 4, Issue 999; see which issues there are" in (
        result.stderr
    )


def test_stats_counts_per_publication(loaded: Run) -> None:
    result = loaded("stats")
    assert result.stdout.startswith("6 briefs, ")
    assert "- Prism: 2 briefs, 1997-06-13 to 1997-06-13 (Vol. 3: issue 12)" in result.stdout
    assert "Index: " in result.stdout
    data = json.loads(loaded("stats", "--json").stdout)
    assert data["briefs"] == 6 and data["index"]["terms"] > 0


def test_stats_counts_the_briefs_stored_twice(
    loaded: Run, briefs_dir: Path, tmp_path: Path
) -> None:
    assert "copies of others" not in loaded("stats").stdout
    assert json.loads(loaded("stats", "--json").stdout)["copies"] == 0
    # The same file again under another name: each of its briefs is stored a second time.
    first = sorted(briefs_dir.glob("*.txt"))[0]
    copy = tmp_path / f"copy of {first.name}"
    copy.write_bytes(first.read_bytes())
    assert loaded("ingest", "-q", str(copy)).exit_code == 0
    copies = json.loads(loaded("stats", "--json").stdout)["copies"]
    assert copies >= 1
    assert f"{copies} of the briefs are copies of others" in loaded("stats").stdout


def test_chat_answers_like_ask_and_pages_with_more(loaded: Run) -> None:
    result = loaded("chat", input="Caspian oil tariff\nmore\n/brief Prism 3 12\n/quit\n")
    assert result.exit_code == 0
    assert "SOCAR" in result.stdout
    assert "Georgian border guards" in result.stdout


def test_bad_database_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    path.write_text("not a database" * 100)
    result = CliRunner().invoke(cli, ["--db", str(path), "stats"])
    assert result.exit_code == 1
    assert "is not a briefbot database" in result.stderr
    assert "Traceback" not in result.output


def test_db_from_environment(
    tmp_path: Path, briefs_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFBOT_DB", str(tmp_path / "env.db"))
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", str(briefs_dir)]).exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_start_without_token_builds_the_sample_and_opens_chat(run_cli: Run) -> None:
    result = run_cli("start", input="/sources\n/quit\n")
    assert result.exit_code == 0
    assert "Built the sample archive" in result.stderr
    assert "Ask a question" in result.stdout
    assert "Monitor:" in result.stdout


# -- --db after the command, BRIEFBOT_TOP as the bot (issue 13) ---------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("ask", "--db", "{db}", "Caspian oil tariff"),
        ("--db", "{db}", "ask", "Caspian oil tariff"),
        ("--db", "elsewhere.db", "ask", "--db", "{db}", "Caspian oil tariff"),
        ("digest", "list", "--db", "{db}"),
        ("stats", "--db", "{db}"),
    ],
)
def test_db_may_come_after_the_command(
    loaded: Run,
    db_path: Path,
    args: tuple[str, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    argv = [a.replace("{db}", str(db_path)) for a in args]
    monkeypatch.chdir(tmp_path)  # no data/briefbot.db here
    result = CliRunner().invoke(cli, argv, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not Path("elsewhere.db").exists() and not Path("data").exists()
    if "ask" in args:
        assert "Prism, Vol. 3, Issue 12" in result.stdout


def test_db_after_the_command_is_in_its_help() -> None:
    text = " ".join(CliRunner().invoke(cli, ["ask", "--help"]).stdout.split())
    assert "--db PATH SQLite database of the archive, here or before the command" in text


@pytest.mark.parametrize("command", ["ask", "check"])
def test_ask_and_check_quote_briefbot_top_passages(
    loaded_sample: Run, db_path: Path, command: str
) -> None:
    def hits(env: dict[str, str], *options: str) -> int:
        argv = ["--db", str(db_path), command, "--json", *options, "Kazakhstan corruption"]
        result = CliRunner().invoke(cli, argv, env=env)
        assert result.exit_code == 0, result.output
        return len(json.loads(result.stdout)["hits"])

    assert hits({}) == 3
    assert hits({"BRIEFBOT_TOP": "1"}) == 1
    assert hits({"BRIEFBOT_TOP": "1"}, "--top", "2") == 2  # the option wins


def test_chat_and_start_quote_briefbot_top_passages(loaded_sample: Run, db_path: Path) -> None:
    for command in ("chat", "start"):
        result = CliRunner().invoke(
            cli,
            ["--db", str(db_path), command],
            input="Kazakhstan corruption\n/quit\n",
            env={"BRIEFBOT_TOP": "1"},
        )
        assert result.exit_code == 0, result.output
        assert "1. “" in result.stdout and "2. “" not in result.stdout, command
        full = CliRunner().invoke(
            cli, ["--db", str(db_path), command], input="Kazakhstan corruption\n/quit\n"
        )
        assert "3. “" in full.stdout, command


def test_start_with_a_bad_briefbot_top_is_one_clear_line(loaded: Run, db_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(db_path), "start"], env={"BRIEFBOT_TOP": "50"})
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: BRIEFBOT_TOP 50 is too large; answers quote at most 10 passages\n",
    )


def test_ask_prints_a_brief_with_control_characters_without_them(
    run_cli: Run, tmp_path: Path
) -> None:
    odd = tmp_path / "odd.jsonl"
    text = "Oil workers in Zhanaozen\u0000 struck on May 3.\u0007 The \u001b[31mstrike spread."
    brief = {"publication": "Monitor", "volume": 9, "issue": 1, "title": "Strike", "text": text}
    odd.write_text(json.dumps(brief) + "\n", encoding="utf-8")
    assert run_cli("ingest", str(odd)).exit_code == 0
    for args in (["ask", "zhanaozen strike"], ["brief", "Monitor", "9", "1"]):
        result = run_cli(*args)
        assert result.exit_code == 0, result.output
        assert "Zhanaozen struck on May 3. The [31mstrike spread." in result.output.replace("*", "")
        assert not any(c in result.output for c in "\u0000\u0007\u001b")
    # The stored text is the brief as given; --json keeps it exactly.
    data = json.loads(run_cli("ask", "--json", "zhanaozen strike").output)
    assert data["hits"][0]["text"] == text


def test_ask_json_names_the_words_read_as_others(loaded: Run) -> None:
    data = json.loads(loaded("ask", "--json", "Caspian oil tarif").stdout)
    assert data["respelled"] == [{"typed": "tarif", "read_as": "tariff"}]
    assert data["unmatched"] == [] and data["found"] is True
    plain = loaded("ask", "Caspian oil tarif").stdout
    assert plain.startswith("Read “tarif” as “tariff”.\n\n1. ")


@pytest.mark.parametrize("shown", [False, True])
def test_ingest_progress_bars_start_no_thread(shown: bool) -> None:
    # A second thread makes an ingest spawn its parsing workers (each importing briefbot again)
    # instead of forking them; tqdm's bars start one, even hidden.
    before = set(threading.enumerate())
    with open(os.devnull, "w") as out, _Bar(total=3, disable=not shown, file=out) as bar:
        bar.update(1)
        assert set(threading.enumerate()) - before == set()


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        # Each was a traceback: int("²") (str.isdigit() takes it) or a number SQLite cannot hold.
        (["ask", "oil vol:²"], 1, "Error: vol '²' is not a number; write e.g. vol:4\n"),
        (
            ["brief", "Monitor", "99999999999999999999", "1"],
            2,
            "Invalid value for 'VOLUME': volume 99999999999999999999 is out of range; use a "
            "whole number from 0 to 2,147,483,647",
        ),
        (
            ["remove", "--dry-run", "Monitor", "²", "1"],
            2,
            "Error: 'Monitor ² 1' is not PUBLICATION VOLUME ISSUE; write e.g. Monitor 4 180",
        ),
        (
            ["remove", "--dry-run", "Monitor", "4", "99999999999999999999"],
            2,
            "Error: issue 99999999999999999999 is out of range; use a whole number from 0 to "
            "2,147,483,647",
        ),
        (  # past int()'s 4,300 digits: a ValueError's traceback
            ["remove", "--dry-run", "Monitor", "4", "9" * 5000],
            2,
            f"Error: issue {'9' * 39}… is out of range; use a whole number from 0 to 2,147,483,647",
        ),
        (
            ["digest", "preview", "99999999999999999999999"],
            2,
            "Invalid value for 'CHAT_ID': 99999999999999999999999 is not in the range "
            "-4503599627370495<=x<=4503599627370495.",
        ),
    ],
)
def test_odd_numbers_in_arguments_are_one_line_not_a_traceback(
    loaded: Run, args: list[str], status: int, message: str
) -> None:
    result = loaded(*args)
    assert result.exit_code == status, result.output
    assert message in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # nan and inf were tracebacks; 0 and -5 rejected every file as "over the -5 MB limit".
        (["--max-size", "nan"], "Invalid value for '--max-size': nan is not a size"),
        (["--max-size", "inf"], "Invalid value for '--max-size': inf is not a size"),
        (["--max-size", "0"], "Invalid value for '--max-size': 0.0 is not a size"),
        (["--max-size", "-5"], "Invalid value for '--max-size': -5.0 is not a size"),
        # An empty pattern matches every paragraph: every brief was rejected as boilerplate.
        (
            ["--footer-pattern", ""],
            "Invalid value for --footer-pattern: footer pattern '' matches an empty text, so it "
            "would take every paragraph for the footer; write words of your footer, e.g. "
            "'Copyright .* Acme'",
        ),
    ],
)
def test_ingest_options_that_would_reject_everything_are_refused(
    run_cli: Run, briefs_dir: Path, args: list[str], message: str
) -> None:
    result = run_cli("ingest", *args, str(briefs_dir))
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.stderr.split())
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_volume_out_of_range_gets_one_message_through_every_interface(
    loaded: Run, tmp_path: Path
) -> None:
    # Four wordings before ("… is out of range: volumes and issues are whole numbers …", "header
    # line has a volume … out of range; …", "has a volume … out of range; …", click's "… is not
    # in the range 0<=x<=2147483647."); each interface keeps its own frame around the one line.
    from bot.handlers.remove import parse_remove
    from retrieval.archive import Archive
    from retrieval.corpus.store import Store
    from retrieval.errors import NumberRangeError

    line = "volume 99999999999 is out of range; use a whole number from 0 to 2,147,483,647"
    brief = loaded("brief", "Monitor", "99999999999", "1")
    assert (brief.exit_code, brief.stderr.splitlines()[-1]) == (
        2,
        f"Error: Invalid value for 'VOLUME': {line}",
    )
    removed = loaded("remove", "--dry-run", "Monitor", "99999999999", "1")
    assert (removed.exit_code, removed.stderr.splitlines()[-1]) == (2, f"Error: {line}")
    assert parse_remove(["Monitor", "99999999999", "1"]) == f"V{line[1:]}."
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(
        "Publication: Monitor Volume: 99999999999 Issue: 1\n\nText.\n"
    )
    (tmp_path / "in" / "b.jsonl").write_text(
        '{"publication": "Monitor", "volume": 99999999999, "issue": 1, "text": "Text."}\n'
    )
    store = Store(tmp_path / "other.db")
    try:
        rejected = Archive(store).ingest([tmp_path / "in"]).rejected
        assert sorted(r.reason for r in rejected) == [f"header line: {line}", line]
        with pytest.raises(NumberRangeError) as raised:
            store.find_briefs("Monitor", 99999999999, 1)
        assert str(raised.value) == line
    finally:
        store.close()
