# The two commands a user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest pytest-bot pytest-corpus pytest-search pytest-xdist sample \
	bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: the bot when TELEGRAM_BOT_TOKEN is set, otherwise a terminal chat on the sample archive
run: $(STAMP)
	$(BIN)/briefbot start

## test: lint, type-check and run the test suite, side by side (mypy alone leaves a core idle)
test: $(STAMP)
	@$(MAKE) --no-print-directory --jobs=5 --output-sync=target lint typecheck $(SHARDS)

lint: $(STAMP)
	$(BIN)/ruff check bot retrieval tests bench
	$(BIN)/ruff format --check bot retrieval tests bench

typecheck: $(STAMP)
	$(BIN)/mypy bot retrieval

# Bytecode written (__pycache__, ignored by git) even where PYTHONDONTWRITEBYTECODE is set: each
# worker and each briefbot child process then loads the project compiled once instead of compiling
# it again (a worker's collection: ~7 CPU-s uncached, ~3 cached).
# The tests' folders (tmp_path, the fork server's output) on tmpfs where the machine has one: the
# suite opens, writes and deletes thousands of small SQLite files, and on a disk each close's
# checkpoint and each folder's deletion waited on a journal commit (seconds of a run's time when
# other processes write to the same disk). SQLite, WAL and all, works on tmpfs as on a disk.
TEST_TMPDIR := $(shell test -d /dev/shm -a -w /dev/shm && echo /dev/shm)

# pytest in three processes side by side, each over its share of the tests' folders, instead of
# pytest-xdist: each xdist worker collects the whole suite (PTB, numpy, hypothesis, every test
# module: ~3 CPU-s) and its controller spends ~3 CPU-s on their reports; a shard collects its own
# folders only. Three on two cores, so that a shard waiting on a child process or a rate limit
# leaves its core to the other two. pytest-bot takes every test the other two do not name (a new
# folder of tests is never left out); a shard that collects nothing fails (exit status 5), and
# one whose named file was moved fails too (exit status 4): name its new place here.
# No .pytest_cache: three processes at once would overwrite one another's list of failed tests.
# The bot tests that wait most (bot processes, rate limits) run beside the library's: on a quiet
# machine pytest-bot with all of tests/bot ran 18 s after the other two had ended. The bot tests
# that fork sit with the corpus tests that fork: one fork server less. The follow-up and alias
# tests (the sample archive's template, which the search shard builds anyway) and the CLI tests
# moved out of pytest-bot on a quiet machine (2026-12-05, 14:30): it ended ~2 s after the others,
# and make test went 38.1-38.6 s -> 36.4-36.8 s, the three shards now ending within ~3 s.
SHARD_CORPUS := tests/retrieval/corpus tests/test_forking.py tests/bot/test_bot_cli.py \
	tests/bot/test_bot_recovery.py tests/bot/test_bot_resilience.py tests/bot/test_cli.py
SHARD_SEARCH := tests/retrieval/search tests/retrieval/answering tests/test_docs.py \
	tests/test_architecture.py tests/bot/test_bot_concurrency.py \
	tests/retrieval/text/test_followups.py tests/retrieval/text/test_aliases.py
SHARDS := pytest-bot pytest-corpus pytest-search
PYTEST := PYTHONDONTWRITEBYTECODE= $(if $(TEST_TMPDIR),TMPDIR=$(TEST_TMPDIR)) \
	$(BIN)/python -m pytest -q -p no:cacheprovider

pytest: $(STAMP)
	@$(MAKE) --no-print-directory --jobs=3 --output-sync=target $(SHARDS)

pytest-bot: $(STAMP)
	$(PYTEST) tests $(addprefix --ignore=,$(SHARD_CORPUS) $(SHARD_SEARCH))

pytest-corpus: $(STAMP)
	$(PYTEST) $(SHARD_CORPUS)

pytest-search: $(STAMP)
	$(PYTEST) $(SHARD_SEARCH)

## pytest-xdist: the whole suite in one pytest run, spread over xdist workers (one report)
pytest-xdist: $(STAMP)
	PYTHONDONTWRITEBYTECODE= $(if $(TEST_TMPDIR),TMPDIR=$(TEST_TMPDIR)) \
		$(BIN)/python -m pytest -q -n auto --dist worksteal

## bench: install the benchmark extra (tantivy, psutil)
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
	find bot retrieval tests bench -name __pycache__ -prune -exec rm -rf {} +
