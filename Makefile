# Two commands matter: `make run` (set up and start the main job) and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DB ?= socialcredit.db
SC := $(BIN)/socialcredit --db sqlite:///$(DB)

.PHONY: run test lint bench bench-all soak docs clean install demo

$(BIN)/socialcredit: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/socialcredit

# Initialise the embedded store with the example rulebooks and a demo city, print one
# demo token per role, and start the service on 127.0.0.1:8000.
run: install
	$(SC) init
	$(SC) demo --residents 2000 --seed 7 --chart demo-grades.svg
	$(SC) --purpose "demo token issue" token demo
	$(SC) serve --host 127.0.0.1 --port 8000

demo: install
	$(SC) init
	$(SC) demo --residents 2000 --seed 7 --chart demo-grades.svg

test: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# The issue-16 targets, each printed beside its measured ratio (a few minutes; `wrk`,
# Debian package `wrk`, gives the HTTP figures). `bench-all` adds the slower benchmarks.
bench: install
	$(BIN)/pip install -q -e '.[dev,bench]'
	uptime
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/http_load.py
	$(BIN)/python benchmarks/load_mixed.py --seconds 20
	uptime

bench-all: bench
	$(BIN)/python benchmarks/decide.py
	$(BIN)/python benchmarks/transparency.py
	$(BIN)/python benchmarks/batch.py

# The long reliability tier: 2,000 kills on SQLite and 500 on PostgreSQL.
soak: install
	SOCIALCREDIT_CRASH_SQLITE=2000 SOCIALCREDIT_CRASH_PG=500 $(BIN)/python -m pytest -q -s tests/reliability

clean:
	rm -rf $(VENV) $(DB) $(DB)-wal $(DB)-shm demo-grades.svg .pytest_cache .mypy_cache .ruff_cache
