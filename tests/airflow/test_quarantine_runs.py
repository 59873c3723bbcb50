"""Quarantine of failing rows in real Airflow runs: Parquet and table targets, all rows, atomically."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from tests.airflow.conftest import run_dag_on
from tests.airflow.warehouse import point_warehouse, warehouse_url

DAY = dt.datetime(2024, 7, 1, tzinfo=dt.UTC)
FAILING = {
    0: "order_id.unique",
    1: "order_id.unique",
    3: "amount.greater_than_or_equal_to",
    7: "amount.greater_than_or_equal_to,status.isin",
    98: "order_id.unique",
    99: "order_id.unique",
}


def test_quarantine_mode_splits_rows_and_lets_the_pipeline_continue(gate_store, dagbag, tmp_path):
    _, states = run_dag_on(dagbag, "quarantine_parquet", DAY, out=str(tmp_path))
    assert states == {"gate": "success", "downstream": "success"}
    failed = pd.read_parquet(tmp_path / "failed_2024-07-01.parquet")
    valid = pd.read_parquet(tmp_path / "valid_2024-07-01.parquet")
    [stored] = gate_store.recent(dag_id="quarantine_parquet")
    assert len(failed) == 6 and len(valid) == 94
    by_order = dict(zip(failed["amount"].index, failed["quality_failed_checks"]))
    assert sorted(failed["quality_failed_checks"]) == sorted(FAILING.values()) and len(by_order) == 6
    assert set(failed["quality_gate_run_id"]) == {stored.id} and set(failed["quality_partition"]) == {"2024-07-01"}
    assert not set(valid["order_id"]) & {0, 1} and (valid["amount"] >= 0).all()
    checks = {(c.check_name, c.column): c for c in stored.result.checks}
    assert stored.result.status == "warned" and stored.result.mode == "quarantine" and stored.result.action == "allowed"
    moved = checks[("greater_than_or_equal_to", "amount")]
    assert (moved.status, moved.details["quarantined_rows"], moved.details["failing_rows"]) == ("warned", 2, 2)
    assert moved.details["message"] == f"2 failing rows quarantined to file {tmp_path}/failed_2024-07-01.parquet"
    assert checks[("unique", "order_id")].details["quarantined_rows"] == 4
    quarantine = checks[("quarantine", None)]
    assert quarantine.observed == (
        f"6 failing rows to file {tmp_path}/failed_2024-07-01.parquet; 94 valid rows to file {tmp_path}/valid_2024-07-01.parquet"
    )
    assert quarantine.details["rows_by_check"] == {"amount.greater_than_or_equal_to": 2, "order_id.unique": 4, "status.isin": 1}


def test_fail_mode_blocks_and_still_writes_every_failing_row_to_a_table(gate_store, store_url, postgres_database, monkeypatch, dagbag):
    engine = point_warehouse(monkeypatch, warehouse_url(store_url, postgres_database))
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS orders_quarantine")
    _, states = run_dag_on(dagbag, "quarantine_table_fail_mode", DAY)
    assert states == {"gate": "failed", "downstream": "upstream_failed"}
    [stored] = gate_store.recent(dag_id="quarantine_table_fail_mode")
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT order_id, quality_failed_checks, quality_gate_run_id, quality_partition FROM orders_quarantine")
        ).all()
    assert len(rows) == 6 and {r.quality_gate_run_id for r in rows} == {stored.id}
    assert sorted(r.quality_failed_checks for r in rows) == sorted(FAILING.values())
    assert stored.result.status == "failed"  # fail mode: quarantining does not soften the verdict
    engine.dispose()


def test_unwritable_target_is_retryable_and_the_verdict_is_recorded(gate_store, dagbag, tmp_path, capfd):
    (tmp_path / "not_a_dir").write_text("x")
    _, states = run_dag_on(dagbag, "quarantine_unwritable", DAY, out=str(tmp_path / "not_a_dir"))
    assert states["gate"] == "failed"
    [stored] = gate_store.recent(dag_id="quarantine_unwritable")
    assert stored.result.status == "failed" and stored.result.error is None  # the verdict itself, kept
    captured = capfd.readouterr()
    output = captured.out + captured.err
    assert f"cannot write the quarantine to file {tmp_path}/not_a_dir/failed.parquet: " in output
    assert f"(the verdict is recorded as gate run {stored.id}; will retry if retries are set)" in output
