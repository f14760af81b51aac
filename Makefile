# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SCENARIO ?= platform-pilot-2022
REPLICATIONS ?= 20
SEED ?= 2022

.PHONY: run test lint typecheck bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Runtime environment: dxsim and its dependencies (editable, so edits need no reinstall).
$(VENV)/.run-installed: pyproject.toml $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# Development environment: editable install with the test extras.
$(VENV)/.test-installed: pyproject.toml $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.run-installed $@

run: $(VENV)/.run-installed
	@mkdir -p results
	$(BIN)/dxsim run $(SCENARIO) -o results/$(SCENARIO).nc --replications $(REPLICATIONS) --seed $(SEED)

lint: $(VENV)/.test-installed
	$(BIN)/ruff check dxsim tests benchmarks
	$(BIN)/ruff format --check dxsim tests benchmarks

typecheck: $(VENV)/.test-installed
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest -q

bench: $(VENV)/.test-installed
	$(BIN)/python benchmarks/bench_replication.py
	$(BIN)/python benchmarks/bench_national.py
	$(BIN)/python benchmarks/bench_workers.py
	$(BIN)/python benchmarks/bench_whole_country.py

clean:
	rm -rf $(VENV) results build dist .pytest_cache .mypy_cache .ruff_cache
