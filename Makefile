# The README's two commands: `make demo` and `make test`. Both create .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck unit bench bench-quick clean fuzz soak

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test,fast]'
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
# ratio and issue 5's target, measured in the same run, on the asyncio loop and on uvloop
# (the `fast` extra). veth.py needs root for its network namespaces and skips without it.
bench: $(VENV)/.installed-bench
	$(BIN)/python bench/sim_connections.py
	$(BIN)/python bench/sim_loss.py
	$(BIN)/python bench/loopback_connect.py
	$(BIN)/python bench/sctp_throughput.py
	$(BIN)/python bench/raw_udp.py
	$(BIN)/python bench/datachannel.py
	$(BIN)/python bench/memory.py --heap --thousand-aiortc
	$(BIN)/python bench/veth.py

# The same scenarios, small: a smoke run of the benchmark code in about three minutes.
bench-quick: $(VENV)/.installed-bench
	$(BIN)/python bench/raw_udp.py --total-mb 20
	$(BIN)/python bench/datachannel.py --quick
	$(BIN)/python bench/memory.py --quick --heap --thousand-aiortc
	$(BIN)/python bench/veth.py --quick

# Fuzzing (never part of the test run): atheris into .venv, then every parser's target for
# FUZZ_SECONDS each (default 60), with a table of iterations and crashes. See fuzz/run.py;
# without atheris it runs a time-bounded hypothesis loop instead, labelled FALLBACK.
fuzz: $(VENV)/.installed-test
	$(BIN)/python -m pip install -q atheris || echo "atheris could not be installed: fuzz/run.py falls back to hypothesis"
	$(BIN)/python fuzz/run.py --seconds $(or $(FUZZ_SECONDS),60)

# Chaos soak (never part of the test run): 50 simulated pairs (NATs, loss, partitions,
# restartIce every few seconds) and 10 real ones on 127.0.0.1, every reliable channel
# checked for lost, duplicated or reordered messages, then 1,000 connect/close cycles with
# memory, tasks and fds back to their starting level; a few minutes, a table of figures.
# SOAK_ARGS=--quick for a smoke run. See bench/soak.py.
soak: $(VENV)/.installed-test
	$(BIN)/python bench/soak.py $(SOAK_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
