# Every routine task has a target here. `make demo` and `make test` are the two
# commands in the README: each sets up what it needs on a fresh machine.
PYTHON ?= python3
VENV := .venv
SHARED ?= ../shared
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup browser demo demo-cli serve test test-pg pg-start pg-stop lint imports format typecheck eval eval-templates eval-writers false-alarms model bench bench-import bench-qa bench-web screenshots vendor-js clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)  ## create .venv and install redline with its dev tools

browser:  ## Debian's Chromium for the browser tests (apt-get; no browser download)
	scripts/browser-setup.sh

demo: $(STAMP)  ## the main job: a demo month in SQLite, demo logins printed, dashboard on 127.0.0.1:8000
	$(BIN)/redline demo-web --host 127.0.0.1 --port $${PORT:-8000}

demo-cli: $(STAMP)  ## the command-line demos: check the demo chats, the after-sales desk on a demo month
	$(BIN)/redline demo
	$(BIN)/redline demo-desk

serve: $(STAMP)  ## serve the dashboard on the default store
	$(BIN)/redline serve

test: $(STAMP) browser  ## the whole test suite, browser tests included
	REDLINE_REQUIRE_BROWSER=1 $(BIN)/python -m pytest

test-pg: $(STAMP)  ## the suite with a throwaway PostgreSQL server, as CI runs it
	eval "$$(scripts/pg-start.sh)" && REDLINE_REQUIRE_POSTGRES=1 $(BIN)/python -m pytest

pg-start:  ## start the throwaway PostgreSQL server (prints its URL)
	scripts/pg-start.sh

pg-stop:
	scripts/pg-stop.sh

lint: $(STAMP)  ## ruff lint + format check, mypy on the package, the import contracts
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

imports: $(STAMP)  ## the one-way doors between rooms (import-linter contracts in pyproject.toml)
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks scripts
	$(BIN)/ruff check --fix src tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy

eval: $(STAMP)  ## score the guard on the labelled dev set
	$(BIN)/redline eval tests/data/dev.jsonl

eval-templates: $(STAMP)  ## template search: top-3 accuracy on the labelled buyer messages (fails under 90%)
	$(BIN)/redline templates eval --min-top3 0.90

eval-writers: $(STAMP)  ## leave-one-writer-out on ../shared/eval/train.jsonl (trains 5 models, needs scikit-learn)
	$(BIN)/redline eval $(SHARED)/eval/train.jsonl --by-writer --extra $(SHARED)/eval/dev.jsonl

false-alarms: $(STAMP)  ## flagged rate on the held-out lines (n % 3 != 0) of real JD/Taobao agent messages (needs ../shared/corpora)
	$(BIN)/python scripts/false_alarms.py ../shared/corpora

model: $(STAMP)  ## retrain the learned layer from ../shared (eval/*.jsonl, corpus lines n % 3 == 0): rewrites src/redline/packs/model/guard-model.json.gz
	$(BIN)/python scripts/train_model.py $(SHARED)

bench: $(STAMP)  ## throughput of the full guard vs the automaton ceiling and a naive regex loop
	$(BIN)/python -m benchmarks.bench_guard

bench-import: $(STAMP)  ## order and refund reports into SQLite: speed, re-import, writers during an import, peak RSS
	$(BIN)/python -m benchmarks.bench_import

bench-qa: $(STAMP)  ## redline qa over 100,000 imported conversations, then a second run that does no work
	$(BIN)/python -m benchmarks.bench_qa

bench-web: $(STAMP)  ## pre-send check over HTTP: 500 req/s open loop for 60 s (p50/p99), then saturation
	$(BIN)/python -m benchmarks.bench_web

screenshots: $(STAMP) browser  ## PNGs of the main pages at desktop and phone width → build/screenshots/
	$(BIN)/python scripts/screenshots.py

vendor-js:  ## re-vendor the front-end files (ECharts) from the npm registry, integrity-checked
	scripts/vendor-js.sh

clean:
	rm -rf $(VENV) build dist *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
