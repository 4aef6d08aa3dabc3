# territory_opt — two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK=1

.PHONY: demo test test-slow lint data bench bench-anchors bench-france install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[maps,data,dev,cluster,scip]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m territory_opt.demo --out out

lint: $(STAMP)
	$(BIN)/ruff check territory_opt tests benchmarks scripts
	$(BIN)/ruff format --check territory_opt tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest -q -n 2

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

data: $(STAMP)
	$(BIN)/python scripts/build_normandie.py

bench: $(STAMP)
	$(BIN)/python benchmarks/heuristic_normandie.py
	$(BIN)/python benchmarks/normandie.py

bench-france: $(STAMP)
	$(BIN)/python benchmarks/france.py

bench-anchors: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[maps,data,dev,cluster,bench]"
	$(BIN)/python benchmarks/anchors.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
