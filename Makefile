# Conveniences; the README's quick-start commands need only Python.
PY := .venv/bin/python

.PHONY: run test lint check bench figures clean

$(PY):
	python3 -m venv .venv

run: $(PY)
	$(PY) -m pip install -q -e '.[test]' && .venv/bin/negsim run scenarios/baseline.yaml

test: $(PY)
	$(PY) -m pip install -q -e '.[test,distributed]' && $(PY) -m pytest -q

lint: $(PY)
	$(PY) -m pip install -q -e '.[lint]' && .venv/bin/ruff format --check sim tests \
		&& .venv/bin/ruff check sim tests bench && .venv/bin/mypy sim

# every gate CI runs: the tests, then format, lint and types
check:
	tools/check

bench: $(PY)
	$(PY) -m pip install -q -e '.[test]' && $(PY) bench/bench.py

figures: $(PY)
	$(PY) -m pip install -q -e '.[test]' && $(PY) docs/make_figures.py

clean:
	rm -rf .venv .pytest_cache .hypothesis
