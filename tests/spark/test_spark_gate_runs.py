"""Gates on Spark in real Airflow runs (dag.test()): schema, anomaly, reference and drift gates on
a Parquet-backed Spark source filtered to one day; Spark's bad inputs recorded as errors."""

from __future__ import annotations

import socket

import numpy as np
import pandas as pd
import pytest


def orders(days: list[str], rows: int = 200, bad_day: str | None = None, shifted_day: str | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    parts = []
    for number, day in enumerate(days):
        amount = rng.gamma(2.0, 10.0, rows).round(2)
        if day == shifted_day:
            amount = amount * 5
        part = pd.DataFrame(
            {
                "order_id": np.arange(rows) + number * rows,
                "amount": amount,
                "status": rng.choice(["new", "paid", "shipped"], rows),
                "day": day,
            }
        )
        if day == bad_day:
            part.loc[:2, "amount"] = -1.0
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


@pytest.fixture
def orders_path(tmp_path):
    path = tmp_path / "orders"
    path.mkdir()
    orders(["2024-06-01", "2024-06-02", "2024-06-03"], bad_day="2024-06-02", shifted_day="2024-06-03").to_parquet(
        path / "part-0.parquet", index=False
    )
    return str(path)


def test_schema_gate_blocks_the_broken_day_with_keyed_failure_cases(gate_store, spark_connection, run_dag, orders_path):
    _, states = run_dag("spark_schema", path=orders_path, day="2024-06-01")
    assert states["gate"] == "success"
    _, states = run_dag("spark_schema", path=orders_path, day="2024-06-02")
    assert states["gate"] == "failed"
    stored = gate_store.recent(dag_id="spark_schema")[0]
    assert stored.result.row_count == 200
    check = {(c.check_name, c.column): c for c in stored.result.checks}[("greater_than_or_equal_to", "amount")]
    assert check.details["failing_rows"] == 3
    assert sorted(case["row"] for case in check.details["failure_cases"]) == [200, 201, 202]


def test_reference_then_drift_of_a_shifted_day(gate_store, spark_connection, run_dag, orders_path):
    _, states = run_dag("spark_reference", path=orders_path, day="2024-06-01")
    assert states["gate"] == "success"
    _, states = run_dag("spark_drift", path=orders_path, day="2024-06-02")
    assert states["gate"] == "success"
    _, states = run_dag("spark_drift", path=orders_path, day="2024-06-03")
    assert states["gate"] == "failed"
    [latest, _] = gate_store.recent(dag_id="spark_drift")[:2]
    assert {c.column for c in latest.result.checks if c.status == "failed" and c.column} == {"amount"}


def test_anomaly_gate_records_the_spark_profile(gate_store, spark_connection, run_dag, orders_path):
    _, states = run_dag("spark_anomaly", path=orders_path, day="2024-06-01")
    assert states["gate"] == "success"
    [profile] = gate_store.partitions.history("orders", before="2099-01-01", limit=5)
    assert profile.row_count == 200 and profile.columns["amount"].metrics["null_fraction"] == 0.0


def test_no_spark_connection_is_a_recorded_configuration_error(gate_store, run_dag):
    _, states = run_dag("spark_no_connection")
    assert states["gate"] == "failed"
    [stored] = gate_store.recent(dag_id="spark_no_connection")
    assert stored.result.status == "error"
    assert stored.result.error == (
        "Spark connection 'no_such_spark' does not exist (an Airflow connection of type 'spark' "
        "with the master as host, or 'spark_connect' with sc://host:15002)"
    )


def test_spark_sql_syntax_error_names_the_query(gate_store, spark_connection, run_dag):
    _, states = run_dag("spark_bad_sql")
    assert states["gate"] == "failed"
    [stored] = gate_store.recent(dag_id="spark_bad_sql")
    assert stored.result.status == "error"
    assert stored.result.error.startswith(
        "Spark SQL syntax error in sql= of Spark SQL query (connection 'spark_test'): [PARSE_SYNTAX_ERROR] Syntax error at or near 'SELEC'"
    )
    assert stored.result.error.endswith("query: SELEC order_id FROM range(3)")


def test_unreachable_spark_connect_server_is_a_recorded_retryable_error_never_a_pass(gate_store, run_dag, monkeypatch, capfd):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AIRFLOW_CONN_SPARK_DOWN", f'{{"conn_type": "spark_connect", "host": "sc://127.0.0.1", "port": {port}}}')
    _, states = run_dag("spark_unreachable")
    assert states["gate"] == "failed"
    [stored] = gate_store.recent(dag_id="spark_unreachable")
    assert stored.result.status == "error"
    assert stored.result.error.startswith(f"Spark Connect server sc://127.0.0.1:{port} (connection 'spark_down') is unreachable: ")
    assert "(will retry if retries are set)" in capfd.readouterr().out


def test_missing_table_is_a_recorded_retryable_error(gate_store, spark_connection, run_dag, capfd):
    _, states = run_dag("spark_missing_table")
    assert states["gate"] == "failed"
    [stored] = gate_store.recent(dag_id="spark_missing_table")
    assert stored.result.status == "error"
    assert stored.result.error.startswith("table no_such_orders does not exist")
    assert "(will retry if retries are set)" in capfd.readouterr().out


def test_missing_column_in_where_is_a_configuration_error_naming_it(gate_store, spark_connection, run_dag, orders_path):
    _, states = run_dag("spark_missing_column", path=orders_path)
    assert states["gate"] == "failed"
    [stored] = gate_store.recent(dag_id="spark_missing_column")
    assert stored.result.status == "error"
    assert "no_such_day" in stored.result.error and "UNRESOLVED_COLUMN" in stored.result.error


def test_map_array_and_struct_columns_are_profiled_as_json_text_not_crashed(gate_store, spark_connection, run_dag):
    _, states = run_dag("spark_nested")
    assert states["gate"] == "success"
    [profile] = gate_store.partitions.history("orders", before="2099-01-01", limit=5)
    assert profile.row_count == 50
    assert {name: column.kind for name, column in profile.columns.items() if name != "order_id"} == {
        "attributes": "categorical",
        "items": "categorical",
        "address": "categorical",
    }
    assert profile.columns["address"].metrics["distinct_ratio"] == 1.0


def test_empty_partition_is_profiled_and_fails_the_schema_gate_not_empty(gate_store, spark_connection, run_dag, orders_path):
    _, states = run_dag("spark_anomaly", path=orders_path, day="2099-01-01")
    assert states["gate"] in ("success", "failed")  # judged by the anomaly detector; the point is a recorded profile
    [profile] = gate_store.partitions.history("orders", before="2100-01-01", limit=5)
    assert profile.row_count == 0
    _, states = run_dag("spark_schema", path=orders_path, day="2099-01-01")
    assert states["gate"] == "failed"
    stored = gate_store.recent(dag_id="spark_schema")[0]
    assert stored.result.status == "failed" and stored.result.row_count == 0
    assert any(c.check_name == "not_empty" and c.status == "failed" for c in stored.result.checks)
