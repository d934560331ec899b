# The two commands a newcomer runs (see README.md):
#   make demo   sets up and runs the demo on SQLite
#   make test   sets up and runs the whole test suite (PostgreSQL and end-to-end bot tests included)

PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
SIZE   ?= S
SEED   ?= 7

.PHONY: system-packages setup demo test bench lint serve clean

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

lint: setup
	$(BIN)/ruff check bot handlers core db tests
	$(BIN)/mypy bot handlers core db

serve: setup
	$(BIN)/mutasi serve

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
