# twinning-kg: `make run` serves, `make test` tests. Both set up .venv from pyproject.toml first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000

.DEFAULT_GOAL := help
.PHONY: help setup run serve test lint fmt typecheck validate pytest clean

help:
	@echo "make run        set up .venv, validate the data and serve it on http://$(HOST):$(PORT)"
	@echo "make test       set up .venv, then lint, type-check, validate and run the whole test suite"
	@echo "make lint       ruff check + ruff format --check"
	@echo "make fmt        ruff format + ruff check --fix"
	@echo "make typecheck  mypy --strict twinning_kg"
	@echo "make validate   twinning-kg validate (SHACL over ontology/, data/, shapes/)"

setup: $(STAMP)

# Re-install only when the dependency declarations change; `pip install -e` keeps the code live.
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "twinning-kg needs Python >= 3.11 (found $$($(PYTHON) --version))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/twinning-kg validate
	$(BIN)/twinning-kg serve --host $(HOST) --port $(PORT)

serve: run

lint: $(STAMP)
	$(BIN)/ruff check twinning_kg tests server.py
	$(BIN)/ruff format --check twinning_kg tests server.py

fmt: $(STAMP)
	$(BIN)/ruff format twinning_kg tests server.py
	$(BIN)/ruff check --fix twinning_kg tests server.py

typecheck: $(STAMP)
	$(BIN)/mypy

validate: $(STAMP)
	$(BIN)/twinning-kg validate

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck validate pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
