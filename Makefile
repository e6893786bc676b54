# Segment Analytics — the two commands a newcomer needs:
#   make demo   set up, then run the whole pipeline on the embedded default (DuckDB) with a fake CDP API
#   make test   set up, then run every test (unit, DuckDB, a real local Trino, headless Chromium)
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SIZE ?=
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1

.PHONY: venv demo test lint trino-fetch trino-up trino-down bench docs clean

$(BIN)/segment-analytics: pyproject.toml sandbox/pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]' -e ./sandbox
	@touch $@

venv: $(BIN)/segment-analytics

demo: venv
	$(BIN)/segment-analytics demo

lint: venv
	$(BIN)/ruff check orchestrate sandbox tests bench scripts
	$(BIN)/python scripts/check_layers.py
	$(BIN)/python scripts/generate_config_macro.py --check
	$(BIN)/python scripts/generate_seeds.py --check
	$(BIN)/sqlfluff lint models tests/dbt --processes 2

trino-fetch: venv
	$(BIN)/python scripts/trino_server.py fetch

trino-up: venv
	$(BIN)/python scripts/trino_server.py start

trino-down: venv
	$(BIN)/python scripts/trino_server.py stop

test: venv lint
	bash scripts/ensure_chromium.sh
	$(BIN)/python scripts/trino_server.py fetch
	bash scripts/run_pytest.sh $(BIN)/python

bench: venv
	$(BIN)/python -m bench.run $(if $(SIZE),--size $(SIZE),) $(if $(ENGINE),--engine $(ENGINE),)

docs: venv
	$(BIN)/segment-analytics docs --serve --vars "$$($(BIN)/python -m segment_analytics_sandbox.demo.config)"

clean:
	rm -rf target logs .pytest_cache segment_analytics.duckdb report
