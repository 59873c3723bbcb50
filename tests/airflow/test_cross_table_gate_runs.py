"""Cross-table gates in real Airflow runs: in one database (SQLite or PostgreSQL) and across two."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.airflow.conftest import run_dag_on
from tests.airflow.warehouse import point_warehouse, reset_table, warehouse_url

DAY = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
ORDERS_DDL = "order_id INTEGER, customer_id INTEGER, amount DOUBLE PRECISION, day VARCHAR(10)"


def load(engine: sa.Engine, *, orphan_ids=(), staging_extra=0, amount_shift=0.0) -> None:
    reset_table(engine, "customers", "id INTEGER", [{"id": i} for i in range(1, 21)])
    orders = [{"order_id": i, "customer_id": (i % 20) + 1, "amount": 10.0, "day": "2024-05-01"} for i in range(100)]
    orders += [{"order_id": 1000 + n, "customer_id": cid, "amount": 10.0, "day": "2024-05-01"} for n, cid in enumerate(orphan_ids)]
    orders += [{"order_id": 2000, "customer_id": None, "amount": 10.0, "day": "2024-05-01"}]  # null keys are not orphans
    orders += [{"order_id": 3000 + i, "customer_id": 999, "amount": 1.0, "day": "2024-04-30"} for i in range(5)]  # another day
    reset_table(engine, "orders", ORDERS_DDL, orders)
    staging = [dict(o, amount=o["amount"] + amount_shift) for o in orders]
    staging += [{"order_id": 5000 + i, "customer_id": 1, "amount": 10.0, "day": "2024-05-01"} for i in range(staging_extra)]
    reset_table(engine, "orders_staging", ORDERS_DDL, staging)


@pytest.fixture
def warehouses(store_url, postgres_database, monkeypatch, tmp_path):
    main = point_warehouse(monkeypatch, warehouse_url(store_url, postgres_database))
    other = point_warehouse(monkeypatch, f"sqlite:///{tmp_path / 'warehouse_b.db'}", "warehouse_b")
    yield main, other
    main.dispose()
    other.dispose()


def checks_of(store, dag_id):
    [stored] = store.recent(dag_id=dag_id, limit=1)
    return stored, {c.check_name: c for c in stored.result.checks}


def test_matching_tables_pass_in_one_database(gate_store, warehouses, dagbag):
    main, _ = warehouses
    load(main)
    _, states = run_dag_on(dagbag, "cross_table_same_db", DAY)
    assert states == {"gate": "success", "downstream": "success"}
    stored, checks = checks_of(gate_store, "cross_table_same_db")
    assert stored.result.gate == "cross_table"
    assert stored.result.row_count == 101
    rel = checks["relationships"]
    assert (rel.status, rel.details["method"], rel.details["rows_checked"]) == ("passed", "in-database anti-join", 100)
    assert checks["row_count_match"].observed == "101 rows in orders vs 101 in orders_staging (+0, +0.00%)"
    assert checks["aggregate_match"].observed == "0 of 1 groups differ"


def test_orphans_count_mismatch_and_sum_mismatch_fail_with_examples(gate_store, warehouses, dagbag):
    main, _ = warehouses
    load(main, orphan_ids=(77, 77, 88), staging_extra=2, amount_shift=0.5)
    _, states = run_dag_on(dagbag, "cross_table_same_db", DAY)
    assert states == {"gate": "failed", "downstream": "upstream_failed"}
    _, checks = checks_of(gate_store, "cross_table_same_db")
    rel = checks["relationships"]
    assert rel.status == "failed"
    assert (rel.details["failing_rows"], rel.details["rows_checked"], sorted(rel.details["example_keys"])) == (3, 103, [77, 88])
    assert rel.expected == "every non-null (customer_id) of orders in customers (id)"
    count = checks["row_count_match"]
    assert (count.status, count.details["source_rows"], count.details["target_rows"]) == ("failed", 106, 104)
    agg = checks["aggregate_match"]
    assert agg.status == "failed"
    [example] = agg.details["example_keys"]
    assert example == {"group": {"day": "2024-05-01"}, "column": "amount", "expected": 1112.0, "observed": 1040.0}
    assert agg.observed == "1 of 1 groups differ, e.g. day=2024-05-01 amount: 1,040 vs 1,112"


def test_across_connections_keys_are_compared_by_hash(gate_store, warehouses, dagbag):
    main, other = warehouses
    load(main, orphan_ids=(55,))
    load(other, staging_extra=3)
    _, states = run_dag_on(dagbag, "cross_table_across_db", DAY)
    _, checks = checks_of(gate_store, "cross_table_across_db")
    rel = checks["relationships"]
    assert (rel.details["method"], rel.details["failing_rows"], rel.details["example_keys"]) == ("hashed keys", 1, [55])
    assert checks["row_count_match"].status == "passed"  # 101 vs 104 rows, within 5 %
    assert checks["aggregate_match"].status == "failed"
    assert states["gate"] == "failed"


def test_missing_other_table_is_recorded_as_an_error_and_other_checks_still_run(gate_store, warehouses, dagbag):
    main, _ = warehouses
    load(main)
    _, states = run_dag_on(dagbag, "cross_table_missing_other", DAY)
    assert states["gate"] == "failed"
    _, checks = checks_of(gate_store, "cross_table_missing_other")
    rel = checks["relationships"]
    assert (rel.status, rel.observed) == ("error", "not evaluated")
    assert rel.details["message"] == "table no_such_customers does not exist (connection 'warehouse')"
    assert checks["row_count_match"].status == "passed"
