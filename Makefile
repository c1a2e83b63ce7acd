# schoolpl — run `make help` for the list of targets.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per core by default; WORKERS=0 runs in this process alone.
WORKERS ?= auto

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml constraints.txt
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c constraints.txt -e '.[dev]'
	touch $@

.PHONY: install
install: $(VENV)/.installed ## Create .venv and install the pinned dependencies

.PHONY: run
run: install ## Install, migrate, load the demo school (if empty) and serve it on 127.0.0.1:8000
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo --if-empty
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(MANAGE) runserver --noreload $(HOST):$(PORT)

.PHONY: test
test: install ## Run the whole test suite on all cores (STRICT=1: a skipped test fails; WORKERS=0: one process)
	$(BIN)/python -m pytest $(if $(STRICT),-p tests.strict) -n $(WORKERS) --dist worksteal $(PYTEST_ARGS)

.PHONY: lint
lint: install ## Check the code: ruff, the app dependency contracts (import-linter), types (mypy), migrations
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run

.PHONY: bench
bench: install ## Generate schools of 2,000 / 50,000 / 150,000 pupils and report timings (SIZES=2000 to limit)
	$(BIN)/python -m schoolpl.bench $(if $(SIZES),--sizes $(SIZES))

.PHONY: worker
worker: install ## Run a Celery worker (needs REDIS_URL)
	$(BIN)/celery -A schoolpl worker --loglevel=INFO

.PHONY: beat
beat: install ## Run Celery beat with the database scheduler (needs REDIS_URL)
	$(BIN)/celery -A schoolpl beat --loglevel=INFO

.PHONY: lock
lock: ## Re-pin constraints.txt from the current .venv
	$(PIP) freeze --exclude-editable | grep -v '^-e' > constraints.txt
