# The two set-up commands (see README): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install install-spark run test lint test-fast test-kill test-long test-spark test-ui dev manifest bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

SPARK_STAMP := $(VENV)/.installed-spark
$(SPARK_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,spark]"
	touch $(SPARK_STAMP)

install-spark: $(SPARK_STAMP)  ## dbt-spark and PySpark (a 456 MB download); Spark also needs a Java 17 JRE

manifest: install  ## build the dbt manifest ahead of time (never parsed at import)
	$(BIN)/c360 prepare

run: manifest  ## the nightly job on the embedded DuckDB (sample exports generated into an empty data/landing)
	$(BIN)/c360 demo

lint: install  ## ruff and sqlfluff (dbt templater, DuckDB dialect: .sqlfluff), as the pre-commit hooks run them
	$(BIN)/ruff check .
	$(BIN)/sqlfluff lint dbt_project

test: manifest  ## the whole test suite
	$(BIN)/python -m pytest -q

test-fast: manifest
	$(BIN)/python -m pytest -q -m "not slow and not kill and not spark"

test-kill: manifest  ## runs killed at every stage, then recovered (about 8 minutes; CI runs one stage)
	$(BIN)/python -m pytest -q -o addopts="--import-mode=importlib" tests/integration/test_crash_recovery.py

test-long: manifest  ## the slower cases CI leaves out (the nightly job's own tests, generated profiles, overrides, the identity gate's runs, dbt row rules, corroboration, bad inputs and the night after, lock waits, another seed, a run and a backfill launched from the Dagster UI), about 24 minutes
	$(BIN)/python -m pytest -q -o addopts="-ra --import-mode=importlib" -m long

test-spark: manifest install-spark  ## the nightly job on local Spark (the sample and a generated set) and through a Spark Thrift server, every published table, mart and seed compared with DuckDB's (about 35 minutes)
	$(BIN)/python -m pytest -q -s -o addopts="-ra --import-mode=importlib" -m spark tests/integration/test_spark_equivalence.py tests/integration/test_spark_thrift.py

test-ui: manifest  ## the Dagster UI in headless Chromium (apt-get install chromium)
	$(BIN)/python -m pytest -q tests/ui

dev: manifest  ## the Dagster UI on http://127.0.0.1:3000
	umask 077 && DAGSTER_HOME=$(CURDIR)/dagster_home $(BIN)/dagster dev -w workspace.yaml

PERSONS ?= 100000
bench: manifest  ## the benchmark harness (figures appended to docs/benchmarks.md)
	$(BIN)/python -m bench.harness --persons $(PERSONS)

clean:
	rm -rf data/warehouse.duckdb data/published* dbt_project/target
