# Kyodo Portal: `make run` serves the portal with demo data; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST := $(VENV)/bin/pytest
RUFF := $(VENV)/bin/ruff
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run install install-dev fonts migrate demo-data test test-sqlite test-postgres test-browser lint check messages clean

$(VENV)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## The Japanese fonts the agreements' PDF embeds (Debian's IPAex fonts)
fonts:
	bin/ensure-fonts

migrate: install
	DEBUG=1 $(PY) manage.py migrate --noinput

demo-data: migrate
	DEBUG=1 $(PY) manage.py load_portal_data --demo

## Serve the portal with the demo data on SQLite at http://127.0.0.1:8000/
run: demo-data fonts
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

## The whole suite: lint and checks, SQLite, PostgreSQL 15, browser (axe-core)
test: check test-sqlite test-postgres test-browser

check: install-dev
	$(RUFF) check .
	$(RUFF) format --check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	DEBUG=1 $(PY) manage.py check

## The suites run on every core (pytest-xdist; each worker has its own test database)
test-sqlite: install-dev fonts
	$(PYTEST) -q -n auto -m "not browser"

test-postgres: install-dev fonts
	bin/with-postgres $(PYTEST) -q -n auto -m "not browser"

test-browser: install-dev fonts
	bin/ensure-chromium && $(PYTEST) -q -m browser tests/browser

## Regenerate the translation catalogue after changing strings (needs GNU gettext)
messages: install-dev
	DEBUG=1 $(PY) manage.py makemessages --locale ja --locale en --ignore '.venv/*' --ignore 'staticfiles/*' --no-obsolete
	DEBUG=1 $(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
