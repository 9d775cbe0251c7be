# PAT portal: `make run` (demo on SQLite at http://127.0.0.1:8000, with its task worker) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV_ENV := DJANGO_DEBUG=1
# The demo as its users see it: the portal's own French error pages instead of Django's technical ones, and e-mails
# written to var/courriels/ (one file each) instead of the terminal.
# PORT (default 8000) is where `make run` serves; the links in e-mails point to the same address.
PORT ?= 8000
DEMO_ENV := $(DEV_ENV) DJANGO_DEBUG_TECHNICAL_ERRORS=0 DJANGO_SITE_URL=http://127.0.0.1:$(PORT) \
	DJANGO_EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend DJANGO_EMAIL_FILE_PATH=var/courriels

# Tests run in TEST_WORKERS processes (pytest-xdist; `auto`: one per core), a file's tests in the same one. The database
# is SQLite unless DATABASE_URL names another; `make test-all` runs SQLite then PostgreSQL (PG_TEST_URL), each
# with its own selection (docs/adr/0003-test-suite-split.md). PYTEST_ARGS is passed on, e.g. PYTEST_ARGS=--lf.
TEST_WORKERS ?= auto
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/pat_portal
PYTEST_ARGS ?=

.PHONY: install install-dev run test test-all lint format bench release clean

# `install` gives what the portal needs to run (make run, make release on a server); `install-dev` adds the tools of
# the tests, the linters and the bench. The project is installed as a plain (non-editable) package: it ships no
# Python package of its own (manage.py runs from the checkout), so only its dependencies matter.
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet .
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed
	$(BIN)/pip install --quiet '.[dev]'
	touch $@

install: $(BIN)/.installed
install-dev: $(BIN)/.installed-dev

run: install
	@mkdir -p var
	@$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput --verbosity 0
	@$(DEMO_ENV) $(BIN)/python manage.py load_communes
	@$(DEMO_ENV) $(BIN)/python manage.py seed_demo --verbosity 0
	@# Two task workers run beside the server and are stopped with it (Ctrl-C): one sends every e-mail, the other lays
	@# out long PDFs, so that a mail never waits behind a document; their log goes to var/worker.log. The demo server
	@# prints the accounts and the address last.
	@$(DEMO_ENV) $(BIN)/python manage.py worker --queue-name mail,default --no-reload >> var/worker.log 2>&1 & mail=$$!; \
	$(DEMO_ENV) $(BIN)/python manage.py worker --queue-name documents --no-reload >> var/worker.log 2>&1 & documents=$$!; \
	trap 'kill $$mail $$documents 2>/dev/null; wait $$mail $$documents 2>/dev/null' EXIT INT TERM; \
	$(DEMO_ENV) $(BIN)/python manage.py demo_server 127.0.0.1:$(PORT)

test: install-dev
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

test-all: install-dev
	env -u DATABASE_URL $(MAKE) --no-print-directory test
	DATABASE_URL=$(PG_TEST_URL) $(MAKE) --no-print-directory test

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Benchmarks at 20x scale (docs/bench.md): the first read of each key page after another person's write, in-process
# (bench/first_read.py); the mixed load of the three roles, with Locust, against gunicorn and the task workers with
# production settings, on SQLite then on PostgreSQL with Redis (bench/mixed.py: BENCH_DATABASES=postgres for one only,
# BENCH_STEPS and BENCH_STEP_SECONDS to shorten); the PDFs and the 50,000-row exports (bench/run.py); the import of a
# 500-action plan (bench/import_plan.py, in a transaction rolled back).
bench: install-dev
	$(BIN)/python bench/first_read.py
	$(BIN)/python bench/mixed.py
	BENCH_PARTS=pdfs $(BIN)/python bench/run.py
	$(BIN)/python bench/exports.py
	$(BIN)/python bench/import_plan.py

# Install or upgrade a server (docs/deploy.md): checks the configuration, backs up when there is data, migrates,
# prepares the cache and the static files. ENV_FILE (e.g. /etc/pat-portal.env) is read first when given.
ENV_FILE ?=
release: install
	@set -a; if [ -n "$(ENV_FILE)" ]; then . "$(ENV_FILE)" || exit 1; fi; set +a; \
	$(BIN)/python manage.py release $(RELEASE_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
