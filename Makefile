# The two commands: `make run` (the app on http://127.0.0.1:8000 with its worker and beat) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test lint format install install-dev dev-env migrate demo translations messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed dev-env
install-dev: $(VENV)/.installed-dev dev-env

# A git-ignored development .env (DEBUG=1, a generated SECRET_KEY), written once, so that after `make run` or
# `make test` every `.venv/bin/python manage.py ...` works in this checkout with no variable set. An existing
# .env is never touched; the test suite and the production image never read it.
dev-env: | $(BIN)/python
	$(BIN)/python scripts/dev_env.py

translations: $(VENV)/.installed
	$(BIN)/python scripts/compile_translations.py

run: install translations
	mkdir -p var
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py load_holidays
	DEBUG=1 $(BIN)/python manage.py load_demo
	DEBUG=1 PORT=$(PORT) $(BIN)/python scripts/run_embedded.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install-dev translations lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Regenerate the .po catalogues after changing user-facing text (needs GNU gettext's xgettext).
messages: install
	$(BIN)/python manage.py makemessages -l id -l en --ignore=.venv --ignore=var --ignore=tests
	$(BIN)/python manage.py makemessages -d djangojs -l id -l en --ignore=.venv --ignore=var --ignore=tests

clean:
	rm -rf var .pytest_cache .ruff_cache
