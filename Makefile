# The two commands a newcomer runs (see README.md):
#   make demo   sets up and runs the demo on SQLite
#   make test   sets up and runs the whole test suite (PostgreSQL and end-to-end bot tests included)
#   make lint   ruff and mypy --strict over all the Python code (CI runs it before the tests)
# A production install (docs/deploy.md), without the development tools:
#   make install PREFIX=/opt/mutasi-bot

PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
SIZE   ?= S
SEED   ?= 7
PREFIX ?= /opt/mutasi-bot
# Extra pip options for `make install` (e.g. --no-index --find-links DIR on an offline server).
PIP_FLAGS ?=

.PHONY: system-packages setup demo test bench lint duplicates serve install clean

system-packages:
	bash scripts/install-system-packages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(BIN)/mutasi demo --size $(SIZE) --seed $(SEED)

test: system-packages setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/mutasi bench --sizes S,M,L --seed 1

# Everything written in Python here: production code, the tests, the benchmarks, the dev tools.
# `.ci/run` runs this before the tests and stops on any finding.
LINTED := bot handlers core db tests benchmarks devtools

lint: setup
	$(BIN)/ruff check $(LINTED)
	$(BIN)/mypy $(LINTED)

# Repeated code in bot handlers core db (needs the workplace tool `duplicates`; not run by CI).
duplicates:
	bash scripts/production-duplicates

serve: setup
	$(BIN)/mutasi serve

# The production install: its own virtual environment at PREFIX, the package and its runtime
# dependencies only (no pytest, ruff, mypy), not editable, so the source tree can go away.
install:
	$(PYTHON) -m venv $(PREFIX)
	$(PREFIX)/bin/python -m pip install --quiet $(PIP_FLAGS) .
	@echo "installed: $(PREFIX)/bin/mutasi ($$($(PREFIX)/bin/mutasi --version))"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
