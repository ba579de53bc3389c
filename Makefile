# Roundtable tasks. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_TEST_URL := postgresql+psycopg://postgres@127.0.0.1:5432/test
export ROUNDTABLE_DATA_DIR ?= data
# Installs come from uv.lock (hash-pinned), made and read by this uv, which pip fetches into .venv.
UV_VERSION := 0.13.9
UV := $(BIN)/uv
# --inexact: `make run` after `make test` keeps the test extra instead of uninstalling it.
UV_SYNC := UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --locked --inexact --quiet --python $(BIN)/python
FLOORS_VENV := build/floors-venv

.DEFAULT_GOAL := help
.PHONY: help run serve test test-sqlite test-postgres lint format messages browser-deps document-deps docker bench-deps bench lock floors

help: ## List the tasks
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-16s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.uv-$(UV_VERSION): | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	touch $@

$(VENV)/.installed: pyproject.toml uv.lock $(VENV)/.uv-$(UV_VERSION)
	$(UV_SYNC)
	touch $@

$(VENV)/.installed-test: pyproject.toml uv.lock $(VENV)/.uv-$(UV_VERSION)
	$(UV_SYNC) --extra test
	touch $(VENV)/.installed $@

lock: $(VENV)/.uv-$(UV_VERSION) ## Resolve pyproject.toml into uv.lock again (commit both; `make lock LOCK_ARGS=--upgrade` takes new releases)
	$(UV) lock $(LOCK_ARGS)

floors: $(VENV)/.uv-$(UV_VERSION) browser-deps document-deps ## Run the suite on the lowest versions pyproject.toml allows, in build/floors-venv (not the lock)
	rm -rf $(FLOORS_VENV)
	$(UV) venv --quiet --python $(BIN)/python $(FLOORS_VENV)
	VIRTUAL_ENV=$(FLOORS_VENV) $(UV) pip install --quiet --resolution lowest-direct -e '.[test]'
	$(FLOORS_VENV)/bin/pytest -x -p no:cacheprovider

run: $(VENV)/.installed ## Install, migrate, load the demo and serve on 127.0.0.1:8000 (SQLite)
	$(BIN)/roundtable migrate
	$(BIN)/roundtable demo
	$(BIN)/roundtable serve --host 127.0.0.1 --port 8000

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

browser-deps: node_modules/.package-lock.json ## Chromium (Debian) and axe-core (npm) for the browser tests
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed: browser tests will be skipped" >&2; fi; }

document-deps: ## LibreOffice (Debian), which the document tests open DOCX exports with
	@command -v soffice >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui >/dev/null; \
	  else echo "soffice (LibreOffice) is not installed: its DOCX checks will be skipped" >&2; fi; }

bench-deps: ## wrk (Debian), the load generator bench/run.py drives
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "wrk is not installed: bench/run.py cannot load the server" >&2; exit 1; fi; }

bench: $(VENV)/.installed bench-deps ## Load-test the space pages on SQLite and PostgreSQL (database "bench", emptied); BENCH_ARGS=--record to keep the figures
	$(BIN)/python bench/run.py --db sqlite --db postgresql --duration 10 $(BENCH_ARGS)

test: $(VENV)/.installed-test browser-deps document-deps ## Install what tests need; lint; run the suite on SQLite (and on PostgreSQL when TEST_DATABASE_URL is set)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	@# With a second database the two runs go side by side (each is mostly one core): SQLite's
	@# output is kept in build/ and shown once PostgreSQL's run, shown live, has finished.
	@if [ -z "$$TEST_DATABASE_URL" ]; then exec $(BIN)/pytest; fi; \
	  mkdir -p build; \
	  echo "== SQLite in the background (build/pytest-sqlite.log); $$TEST_DATABASE_URL here"; \
	  env -u TEST_DATABASE_URL $(BIN)/pytest -p no:cacheprovider --output build/playwright-sqlite > build/pytest-sqlite.log 2>&1 & sqlite=$$!; \
	  $(BIN)/pytest; postgres=$$?; \
	  wait $$sqlite; sqlite_rc=$$?; \
	  echo "== on SQLite"; cat build/pytest-sqlite.log; \
	  echo "== exit status: SQLite $$sqlite_rc, $$TEST_DATABASE_URL $$postgres"; \
	  [ $$sqlite_rc = 0 ] && [ $$postgres = 0 ]

test-postgres: ## Run the suite on the local PostgreSQL (database "test")
	TEST_DATABASE_URL=$(PG_TEST_URL) $(MAKE) test

lint: $(VENV)/.installed-test ## ruff check and format check, import contracts (lint-imports), types (mypy --strict)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

format: $(VENV)/.installed-test ## Format and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: $(VENV)/.installed-test ## Extract UI strings and update the fr/es catalogues
	$(BIN)/pybabel extract -F babel.cfg -k gettext -k ngettext:1,2 \
	  --no-location --sort-output --width 100 --project Roundtable --copyright-holder "Roundtable developers" \
	  -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales --no-fuzzy-matching --ignore-obsolete --width 100

docker: ## Build the container image (needs a Docker engine)
	docker build -t roundtable .
