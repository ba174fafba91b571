# twinning-kg: `make run` serves, `make test` tests. Both set up .venv from pyproject.toml first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000
SIZE   ?= S

.DEFAULT_GOAL := help
.PHONY: help setup run serve build test lint fmt typecheck validate pytest bench bench-load clean

help:
	@echo "make run        set up .venv, validate the data, build the dumps and catalogue if the data"
	@echo "                changed (serve does) and serve it on http://$(HOST):$(PORT)"
	@echo "make test       set up .venv, then lint, type-check, validate and run the whole test suite"
	@echo "make lint       ruff check + ruff format --check"
	@echo "make fmt        ruff format + ruff check --fix"
	@echo "make typecheck  mypy --strict twinning_kg tests bench server.py"
	@echo "make validate   twinning-kg validate (SHACL over ontology/, data/, shapes/)"
	@echo "make build      twinning-kg build: dumps, DCAT-AP catalogue, VoID into var/build/"
	@echo "make bench      benchmark on synthetic data, SIZE=S|M|L (default S; see bench/README.md)"
	@echo "make bench-load the server under a hostile mix (pages, SPARQL, search, runaway queries),"
	@echo "                SIZE=S|M|L, about 2 minutes (see bench/README.md)"

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
	$(BIN)/ruff check twinning_kg tests bench server.py
	$(BIN)/ruff format --check twinning_kg tests bench server.py

fmt: $(STAMP)
	$(BIN)/ruff format twinning_kg tests bench server.py
	$(BIN)/ruff check --fix twinning_kg tests bench server.py

typecheck: $(STAMP)
	$(BIN)/mypy

validate: $(STAMP)
	$(BIN)/twinning-kg validate

build: $(STAMP)
	$(BIN)/twinning-kg build

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck validate pytest

# Not a test: one run that generates var/bench/$(SIZE)/, starts the servers and prints the tables.
bench: $(STAMP)
	$(BIN)/python -m bench.run --size $(SIZE)

# Not a test: the real server under a mix of cheap and runaway requests; ends with LOAD_RESULT.
bench-load: $(STAMP)
	$(BIN)/python -m bench.mix --size $(SIZE)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
