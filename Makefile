# Two commands: `make run` serves the app with the seed corpus on SQLite,
# `make test` runs every test. Both set up .venv first.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Tests need a key; it is only ever used by the test run.
TEST_ENV := SECRET_KEY=test-only-not-secret DEBUG=

.PHONY: run test setup install lint format clean lock bench-install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Every dependency comes pinned, with its hashes, from the lock files in requirements/
# (`make lock` writes them from pyproject.toml); the project itself installs last.
LOCKS := requirements/build.txt requirements/dev.txt
$(VENV)/.installed: pyproject.toml $(LOCKS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes $(addprefix -r ,$(LOCKS))
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(VENV)/.installed

setup: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py load_seed
	DEBUG=1 $(BIN)/python manage.py ensure_local_admin

run: setup
	@echo "Claim Tracker on http://127.0.0.1:$(PORT)/ (admin: http://127.0.0.1:$(PORT)/admin/)"
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

# Pins every dependency (and its hashes) to the newest release pyproject.toml allows;
# UPGRADE= keeps the current pins where they still fit (after a pyproject.toml edit).
UPGRADE ?= --upgrade
COMPILE = $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--no-header --annotation-style line $(UPGRADE)
lock: install
	$(COMPILE) requirements/build.in -o requirements/build.txt
	$(COMPILE) pyproject.toml -o requirements/base.txt
	$(COMPILE) pyproject.toml --extra dev -o requirements/dev.txt
	$(COMPILE) pyproject.toml --extra dev --extra bench -o requirements/bench.txt

# Datasette, for bench/peer.py only: never needed to run or test the app.
bench-install: install
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/bench.txt

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles test-output
