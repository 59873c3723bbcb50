"""Infrastructure and configuration errors in real Airflow runs: never a silent pass."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.airflow.conftest import airflow_uri


def _output(capfd) -> str:
    """dag.test() runs tasks in-process; their logs go to this process's stdout/stderr."""
    captured = capfd.readouterr()
    return captured.out + captured.err


def test_unreachable_store_raises_a_retryable_error(gate_store, run_dag, monkeypatch, capfd):
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    monkeypatch.setenv("AIRFLOW_CONN_DEAD_STORE", "postgresql://postgres@127.0.0.1:1/nowhere")
    dag_run, states = run_dag("gate_dead_store", scenario="good")
    ti = dag_run.get_task_instance("gate")
    # Retried (retries=1), then failed; downstream never ran, the run is not green.
    assert (ti.try_number, str(ti.state)) == (2, "failed")
    assert states["downstream"] == "upstream_failed"
    assert str(dag_run.state) == "failed"
    assert "results store postgresql+psycopg2://postgres@127.0.0.1:1/nowhere is unavailable" in _output(capfd)


def test_named_store_connection_that_does_not_exist_fails_with_its_name(airflow_db, run_dag, capfd):
    dag_run, states = run_dag("gate_missing_store_conn", scenario="good")
    assert states["gate"] == "failed"
    assert dag_run.get_task_instance("gate").try_number == 1  # configuration errors are not retried
    assert "results store connection 'no_such_store' does not exist" in _output(capfd)


def test_default_store_is_an_sqlite_file_in_airflow_home(airflow_db, run_dag):
    from quality_gates.store.repository import ResultStore

    run_dag("gate_fail", scenario="good")
    store = ResultStore.open(f"sqlite:///{airflow_db / 'quality_gates.db'}")
    assert [r.identity.dag_id for r in store.recent(dag_id="gate_fail")][:1] == ["gate_fail"]


@pytest.fixture
def warehouse(store_url, monkeypatch, postgres_database):
    """An 'orders' table in a SQL database behind the Airflow connection 'warehouse'."""
    url = postgres_database if store_url.startswith("postgresql") else store_url.replace("quality_gates.db", "warehouse.db")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS orders")
        connection.exec_driver_sql("CREATE TABLE orders (order_id BIGINT, amount DOUBLE PRECISION, status VARCHAR(20), day VARCHAR(40))")
        rows = [{"order_id": i, "amount": -1.0 if i % 10 == 0 else 5.0, "status": "paid", "day": "2024-01-01"} for i in range(50)]
        rows += [{"order_id": i % 3, "amount": 5.0, "status": "paid", "day": "x'; DROP TABLE orders; --"} for i in range(30)]
        connection.execute(sa.text("INSERT INTO orders VALUES (:order_id, :amount, :status, :day)"), rows)
    engine.dispose()
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", airflow_uri(url))
    return url


def test_sql_source_validates_in_chunks_with_exact_counts(gate_store, warehouse, run_dag):
    dag_run, states = run_dag("gate_sql", day="2024-01-01")
    assert states["gate"] == "failed"
    [stored] = gate_store.recent(dag_id="gate_sql")
    assert stored.result.row_count == 50  # seven chunks of at most 7 rows
    checks = {(c.check_name, c.column): c for c in stored.result.checks}
    assert checks[("greater_than_or_equal_to", "amount")].details["failing_rows"] == 5
    assert checks[("unique", "order_id")].status == "passed"


def test_partition_with_quotes_and_semicolons_is_data_not_sql(gate_store, warehouse, run_dag):
    hostile = "x'; DROP TABLE orders; --"
    dag_run, states = run_dag("gate_sql", day=hostile)
    [stored] = gate_store.recent(dag_id="gate_sql")
    assert stored.result.partition_key == hostile
    assert stored.result.row_count == 30
    # Duplicates across chunks (ids 0, 1, 2 repeat in every chunk) are found exactly.
    assert {(c.check_name, c.column): c for c in stored.result.checks}[("unique", "order_id")].details["failing_rows"] == 30
    with sa.create_engine(warehouse).connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM orders").scalar() == 80


def test_missing_table_is_a_retryable_source_error_recorded_in_the_store(gate_store, warehouse, run_dag, capfd):
    dag_run, states = run_dag("gate_missing_table")
    assert states["gate"] == "failed"
    assert "table no_such_table does not exist (connection 'warehouse')" in _output(capfd)
    # dag.test() honours retries: each try has its own row, both recorded as errors.
    stored = gate_store.recent(dag_id="gate_missing_table")
    assert sorted(s.identity.try_number for s in stored) == [1, 2]
    assert {s.result.status for s in stored} == {"error"}
    assert all("no_such_table does not exist" in s.result.error for s in stored)
