# Two entry points for a fresh machine with Python >= 3.11: `make run` and `make test`.
# Each creates .venv on first use and installs the package into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench figures clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/negsim run scenarios/baseline.yaml

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check sim tests bench

bench: $(STAMP)
	$(BIN)/python bench/bench.py

figures: $(STAMP)
	$(BIN)/python docs/make_figures.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
