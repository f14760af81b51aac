# Two commands set everything up: `make run` and `make test`. `make lab` opens the notebooks in JupyterLab.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SCENARIO ?= platform-pilot-2022
REPLICATIONS ?= 20
SEED ?= 2022

.PHONY: run test lab lint typecheck docs bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Runtime environment: dxsim and its dependencies (editable, so edits need no reinstall).
$(VENV)/.run-installed: pyproject.toml $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# Development environment: editable install with the test and docs extras (one environment for both).
$(VENV)/.test-installed: pyproject.toml $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e '.[test,docs]'
	touch $(VENV)/.run-installed $(VENV)/.docs-installed $@

# Documentation environment: editable install with the docs extras (Sphinx, myst-nb, theme, numpydoc).
$(VENV)/.docs-installed: pyproject.toml $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	touch $(VENV)/.run-installed $@

# Notebook environment: the notebooks extra (JupyterLab, ipywidgets, ipykernel) in the same virtualenv, and
# its Python as the notebooks' kernel (python3, installed in .venv: it comes before any python3 kernel elsewhere).
$(VENV)/.lab-installed: pyproject.toml $(BIN)/activate
	$(BIN)/python -m pip install --quiet -e '.[notebooks]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (dxsim .venv)"
	touch $(VENV)/.run-installed $@

run: $(VENV)/.run-installed
	@mkdir -p results
	$(BIN)/dxsim run $(SCENARIO) -o results/$(SCENARIO).nc --replications $(REPLICATIONS) --seed $(SEED) --counterfactual

# JupyterLab refuses root unless told (containers often run as root).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

# JupyterLab on notebooks/, with the kernel of .venv (Ctrl-C twice to stop it).
lab: $(VENV)/.lab-installed
	JUPYTER_PREFER_ENV_PATH=1 $(BIN)/jupyter lab --ServerApp.root_dir=notebooks $(ROOT_FLAG)

lint: $(VENV)/.test-installed
	$(BIN)/ruff check dxsim tests benchmarks
	$(BIN)/ruff format --check dxsim tests benchmarks
	$(BIN)/lint-imports

typecheck: $(VENV)/.test-installed
	$(BIN)/mypy

# The HTML site in docs/_build/html; any warning fails the build. The pages' >>> examples
# are run by tests/test_docs.py.
docs: $(VENV)/.docs-installed
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

test: lint typecheck docs
	$(BIN)/python -m pytest -q

bench: $(VENV)/.test-installed
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_replication.py
	$(BIN)/python benchmarks/bench_national.py
	$(BIN)/python benchmarks/bench_workers.py
	$(BIN)/python benchmarks/bench_studies.py
	$(BIN)/python benchmarks/bench_whole_country.py
	$(BIN)/python benchmarks/bench_store_open.py

clean:
	rm -rf $(VENV) results build dist .pytest_cache .mypy_cache .ruff_cache \
		docs/_build docs/reference/generated docs/notebooks
