# The README's two commands: `make demo` and `make test`. Both create .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck unit bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

demo: $(VENV)/.installed-demo
	$(BIN)/rtcpeer demo

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

unit: $(VENV)/.installed-test
	$(BIN)/python -m pytest

# System packages (apt, as root, only when missing), then lint, types and the whole suite.
test: $(VENV)/.installed-test
	sh scripts/system-deps.sh
	$(MAKE) --no-print-directory lint typecheck unit

# Benchmarks (never part of the test run): each prints its figures, and against aiortc the
# ratio, measured in the same run.
bench: $(VENV)/.installed-test
	$(BIN)/python bench/sim_connections.py
	$(BIN)/python bench/sim_loss.py
	$(BIN)/python bench/loopback_connect.py
	$(BIN)/python bench/sctp_throughput.py
	$(BIN)/python bench/datachannel.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
