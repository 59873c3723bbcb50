"""Test environment: a private AIRFLOW_HOME and PostgreSQL database per pytest-xdist worker.

Set before anything imports Airflow, so that Airflow reads this configuration.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix=f"qg-airflow-{WORKER}-"))
PG_SERVER = os.environ.get("QG_TEST_PG_SERVER", "postgres@127.0.0.1:5432")
# Named after the checkout too, so that two checkouts on one machine can run their suites at once.
CHECKOUT_TAG = hashlib.sha1(str(TESTS.parent).encode()).hexdigest()[:6]
PG_DATABASE = f"quality_gates_test_{CHECKOUT_TAG}_{WORKER}"

os.environ.update(
    AIRFLOW_HOME=str(AIRFLOW_HOME),
    AIRFLOW__CORE__LOAD_EXAMPLES="False",
    AIRFLOW__CORE__DAGS_FOLDER=str(TESTS / "dags"),
    AIRFLOW__LOGGING__LOGGING_LEVEL="WARNING",
)
os.environ.pop("AIRFLOW_CONN_QUALITY_GATES_DEFAULT", None)

# The tier of each test folder (markers registered in pytest.ini). A new file is marked by where it lives.
FOLDER_MARKERS = {
    "unit": "unit",
    "sources": "unit",
    "benchmarks": "unit",
    "store": "store",
    "cli": "store",
    "airflow": "airflow",
    "ui": "ui",
    "e2e": "e2e",
    "docs": "docs",
}
# QG_TEST_STORES=sqlite limits store_url to SQLite (make test-fast); default: both stores.
STORES = [name for name in os.environ.get("QG_TEST_STORES", "sqlite,postgres").split(",") if name in ("sqlite", "postgres")]


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        relative = Path(str(item.fspath)).resolve().relative_to(TESTS)
        marker = FOLDER_MARKERS.get(relative.parts[0]) if len(relative.parts) > 1 else None
        if marker:
            item.add_marker(getattr(pytest.mark, marker))


def pg_url(database: str = PG_DATABASE, driver: str = "postgresql+psycopg2") -> str:
    return f"{driver}://{PG_SERVER}/{database}"


@pytest.fixture(scope="session")
def postgres_database() -> str:
    """A fresh PostgreSQL database for this worker (the server is started by `make test`)."""
    import sqlalchemy as sa

    if "postgres" not in STORES:
        pytest.skip("QG_TEST_STORES leaves PostgreSQL out")

    admin = sa.create_engine(pg_url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{PG_DATABASE}"')
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_SERVER}; run `make test`, which starts it: {exc}")
    finally:
        admin.dispose()
    return pg_url()


@pytest.fixture(params=STORES)
def store_url(request, tmp_path) -> str:
    """An empty results store on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'quality_gates.db'}"
    url = request.getfixturevalue("postgres_database")
    from quality_gates.store.models import Base
    from quality_gates.store.repository import ResultStore

    store = ResultStore.open(url)
    with store.engine.begin() as connection:
        tables = ", ".join(connection.dialect.identifier_preparer.format_table(t) for t in Base.metadata.sorted_tables)
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY")
    return url


@pytest.fixture
def store(store_url):
    from quality_gates.store.repository import ResultStore

    return ResultStore.open(store_url)


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """Airflow's metadata database (SQLite in this worker's AIRFLOW_HOME), migrated once."""
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
    )
    return AIRFLOW_HOME
