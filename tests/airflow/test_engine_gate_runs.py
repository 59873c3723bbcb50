"""Gates compute where the data lives, in real Airflow runs: PostgreSQL/SQLite tables, DuckDB over
Parquet; the engine layer's configuration errors are recorded, never a silent pass."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from tests.airflow.conftest import airflow_uri


def _output(capfd) -> str:
    captured = capfd.readouterr()
    return captured.out + captured.err


def orders_frame(rows: int = 200, bad: int = 0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {"order_id": np.arange(rows), "amount": rng.gamma(2.0, 10.0, rows).round(2), "status": rng.choice(["new", "paid", "shipped"], rows)}
    )
    frame.loc[: bad - 1, "amount"] = -1.0
    return frame


@pytest.fixture
def warehouse(store_url, monkeypatch, postgres_database):
    """An 'orders' table (5 negative amounts) behind the Airflow connection 'warehouse'."""
    url = postgres_database if store_url.startswith("postgresql") else store_url.replace("quality_gates.db", "warehouse.db")
    engine = sa.create_engine(url)
    orders_frame(bad=5).to_sql("orders", engine, if_exists="replace", index=False)
    engine.dispose()
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", airflow_uri(url))
    return url


def test_schema_gate_on_a_parquet_file_runs_in_duckdb(gate_store, run_dag, tmp_path):
    path = tmp_path / "orders.parquet"
    orders_frame(bad=3).to_parquet(path)
    _, states = run_dag("engines_schema_parquet", path=str(path))
    assert states["gate"] == "failed"
    [stored] = gate_store.recent(dag_id="engines_schema_parquet")
    checks = {(c.check_name, c.column): c for c in stored.result.checks}
    assert stored.result.row_count == 200
    assert checks[("greater_than_or_equal_to", "amount")].details["failing_rows"] == 3
    assert checks[("unique", "order_id")].status == "passed"


def test_schema_gate_on_a_table_is_pushed_down_with_keyed_failure_cases(gate_store, warehouse, run_dag):
    _, states = run_dag("engines_schema_table")
    assert states["gate"] == "failed"
    [stored] = gate_store.recent(dag_id="engines_schema_table")
    check = {(c.check_name, c.column): c for c in stored.result.checks}[("greater_than_or_equal_to", "amount")]
    assert check.details["failing_rows"] == 5
    assert sorted(case["row"] for case in check.details["failure_cases"]) == [0, 1, 2, 3, 4]


def test_check_without_sql_form_under_pushdown_require_is_a_recorded_configuration_error(gate_store, warehouse, run_dag, capfd):
    _, states = run_dag("engines_pushdown_required")
    assert states["gate"] == "failed"
    message = (
        "table orders (connection 'warehouse'): pushdown='require', but check 'whole_amount' on column 'amount' "
        "cannot run as SQL; use pushdown='auto' to run it on streamed chunks of its columns"
    )
    assert message in _output(capfd)
    [stored] = gate_store.recent(dag_id="engines_pushdown_required")  # a configuration error: not retried
    assert stored.result.status == "error"
    assert stored.result.error == message


def test_unsupported_dialect_is_a_recorded_configuration_error(gate_store, run_dag, capfd):
    _, states = run_dag("engines_unsupported_dialect")
    assert states["gate"] == "failed"
    message = (
        "table orders (connection 'mysql'): SQL dialect 'mysql' is not supported for schema checks "
        "(supported: postgresql, sqlite, duckdb, snowflake, bigquery, trino, databricks, redshift)"
    )
    [stored] = gate_store.recent(dag_id="engines_unsupported_dialect")
    assert stored.result.status == "error"
    assert stored.result.error == message
    assert message in _output(capfd)


def test_parquet_files_with_different_schemas_are_a_recorded_error(gate_store, run_dag, tmp_path):
    orders_frame().to_parquet(tmp_path / "part-1.parquet")
    orders_frame().astype({"order_id": "float64"}).to_parquet(tmp_path / "part-2.parquet")
    _, states = run_dag("engines_schema_parquet", path=str(tmp_path / "part-*.parquet"))
    assert states["gate"] == "failed"
    [stored] = gate_store.recent(dag_id="engines_schema_parquet")
    assert stored.result.status == "error"
    assert stored.result.error == (
        f"{tmp_path / 'part-2.parquet'}: column 'order_id' is double, but int64 in "
        f"{tmp_path / 'part-1.parquet'}: the files of one source must share a schema"
    )


def test_statement_timeout_is_recorded_with_the_source(gate_store, warehouse, run_dag):
    if not warehouse.startswith("postgresql"):
        pytest.skip("statement timeouts are PostgreSQL's")
    _, states = run_dag("engines_statement_timeout")
    assert states["gate"] == "failed"
    stored = gate_store.recent(dag_id="engines_statement_timeout")
    assert {s.result.status for s in stored} == {"error"}
    assert stored[0].result.error == (
        "query (connection 'warehouse'): the query was cancelled after the statement timeout of "
        "0.5 s; raise timeout_seconds or narrow the partition"
    )


def test_anomaly_gate_profiles_a_parquet_file_in_duckdb(gate_store, run_dag, tmp_path):
    for day in range(3):
        path = tmp_path / f"day{day}.parquet"
        orders_frame(seed=day).to_parquet(path)
        _, states = run_dag("engines_anomaly_parquet", path=str(path), day=f"2024-01-0{day + 1}")
        assert states["gate"] == "success"
    history = gate_store.partitions.history("orders", before="2024-12-31", limit=10)
    assert [p.row_count for p in history] == [200, 200, 200]
    means = sorted(p.columns["amount"].value("mean") for p in history)
    assert means == pytest.approx(sorted(orders_frame(seed=day)["amount"].mean() for day in range(3)))


def test_reference_from_a_table_and_drift_of_a_parquet_file_read_only_their_columns(gate_store, warehouse, run_dag, tmp_path):
    _, states = run_dag("engines_reference_table")
    assert states["gate"] == "success"
    reference = gate_store.references.get("orders", "v1")
    assert sorted(reference.columns) == ["amount", "status"]
    path = tmp_path / "current.parquet"
    orders_frame(bad=5).to_parquet(path)
    _, states = run_dag("engines_drift_parquet", path=str(path))
    assert states["gate"] == "success"
    [stored] = gate_store.recent(dag_id="engines_drift_parquet")
    assert {c.column for c in stored.result.checks} >= {"amount", "status"}


def test_profile_statement_timeout_is_recorded_with_the_source(gate_store, warehouse, run_dag):
    if not warehouse.startswith("postgresql"):
        pytest.skip("statement timeouts are PostgreSQL's")
    _, states = run_dag("engines_profile_timeout")
    assert states["gate"] == "failed"
    stored = gate_store.recent(dag_id="engines_profile_timeout")
    assert {s.result.status for s in stored} == {"error"}
    assert stored[0].result.error == (
        "query (connection 'warehouse'): the query was cancelled after the statement timeout of "
        "0.5 s; raise timeout_seconds or narrow the partition"
    )


def test_profile_on_an_unsupported_dialect_is_a_recorded_configuration_error(gate_store, run_dag, capfd):
    _, states = run_dag("engines_profile_unsupported_dialect")
    assert states["gate"] == "failed"
    message = (
        "table orders (connection 'mysql'): SQL dialect 'mysql' is not supported for partition profile "
        "(supported: postgresql, sqlite, duckdb, snowflake, bigquery, trino, databricks, redshift)"
    )
    [stored] = gate_store.recent(dag_id="engines_profile_unsupported_dialect")  # a configuration error: not retried
    assert stored.result.status == "error"
    assert stored.result.error == message
    assert message in _output(capfd)
