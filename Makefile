# The two commands a user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest sample bench clean

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
	@$(MAKE) --no-print-directory --jobs=3 --output-sync=line lint typecheck pytest

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

pytest: $(STAMP)
	PYTHONDONTWRITEBYTECODE= $(if $(TEST_TMPDIR),TMPDIR=$(TEST_TMPDIR)) \
		$(BIN)/python -m pytest -q -n auto --dist worksteal

## bench: install the benchmark extra (tantivy, psutil)
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
	find bot retrieval tests bench -name __pycache__ -prune -exec rm -rf {} +
