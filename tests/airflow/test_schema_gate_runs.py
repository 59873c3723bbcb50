"""Real Airflow runs (dag.test) of schema gates, on the SQLite and the PostgreSQL store."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sqlalchemy import text


def gate_rows(store, dag_id: str):
    with store.engine.connect() as connection:
        return connection.execute(
            text("SELECT id, status, row_count, try_number, partition_key, dataset, gate FROM gate_runs WHERE dag_id = :d"),
            {"d": dag_id},
        ).all()


def check_rows(store, gate_run_id: int) -> dict[tuple[str, str | None], tuple]:
    with store.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT check_name, column_name, status, severity, observed, expected, details FROM check_results WHERE gate_run_id = :g"),
            {"g": gate_run_id},
        ).all()
    # Plain SQL: SQLite hands JSON back as text, PostgreSQL as objects.
    return {(r.check_name, r.column_name): SimpleNamespace(**{**r._asdict(), "details": _json(r.details)}) for r in rows}


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def test_clean_data_passes_and_downstream_runs(gate_store, run_dag):
    dag_run, states = run_dag("gate_fail", scenario="good")
    assert str(dag_run.state) == "success"
    assert states == {"gate": "success", "downstream": "success", "further_downstream": "success"}
    [run] = gate_rows(gate_store, "gate_fail")
    assert (run.status, run.row_count, run.dataset, run.gate) == ("passed", 100, "orders", "schema")
    checks = check_rows(gate_store, run.id)
    # Every declared check is recorded, passing ones too.
    assert {name for name, _ in checks} >= {
        "column_present",
        "dtype",
        "not_nullable",
        "unique",
        "greater_than_or_equal_to",
        "isin",
        "not_empty",
    }
    assert all(row.status == "passed" for row in checks.values())


def test_fail_mode_blocks_downstream_and_records_failing_checks(gate_store, run_dag, dagbag):
    dag_run, states = run_dag("gate_fail", scenario="bad")
    assert str(dag_run.state) == "failed"
    assert states == {"gate": "failed", "downstream": "upstream_failed", "further_downstream": "upstream_failed"}
    [run] = gate_rows(gate_store, "gate_fail")
    assert run.status == "failed"
    failing = check_rows(gate_store, run.id)[("greater_than_or_equal_to", "amount")]
    assert (failing.status, failing.severity, failing.expected) == ("failed", "error", ">= 0")
    assert failing.details["failing_rows"] == 5
    assert failing.details["failing_fraction"] == pytest.approx(0.05)
    assert [case["value"] for case in failing.details["failure_cases"]] == [-1.0] * 5
    # The summary went to XCom before the task failed.
    ti = dag_run.get_task_instance("gate")
    assert ti.xcom_pull(task_ids="gate", key="quality_gate_summary")["problems"][0]["column"] == "amount"


def test_failed_gate_is_not_retried(gate_store, run_dag):
    dag_run, states = run_dag("gate_fail", scenario="bad")
    assert dag_run.get_task_instance("gate").try_number == 1
    assert len(gate_rows(gate_store, "gate_fail")) == 1


def test_skip_mode_skips_downstream(gate_store, run_dag):
    dag_run, states = run_dag("gate_skip", scenario="bad")
    assert states == {"gate": "skipped", "downstream": "skipped", "further_downstream": "skipped"}
    [run] = gate_rows(gate_store, "gate_skip")
    assert run.status == "failed"


def test_warn_mode_lets_pipeline_continue_and_records_the_failure(gate_store, run_dag):
    dag_run, states = run_dag("gate_warn", scenario="bad")
    assert str(dag_run.state) == "success"
    assert states == {"gate": "success", "downstream": "success", "further_downstream": "success"}
    [run] = gate_rows(gate_store, "gate_warn")
    assert run.status == "failed"
    assert check_rows(gate_store, run.id)[("greater_than_or_equal_to", "amount")].status == "failed"


def test_empty_partition_fails_by_default(gate_store, run_dag):
    dag_run, states = run_dag("gate_fail", scenario="empty")
    assert states["gate"] == "failed"
    [run] = gate_rows(gate_store, "gate_fail")
    not_empty = check_rows(gate_store, run.id)[("not_empty", None)]
    assert (not_empty.status, not_empty.observed, not_empty.expected) == ("failed", "0 rows", "at least 1 row")


@pytest.mark.parametrize("mode, emitted", [("fail", False), ("skip", False), ("warn", True)])
def test_gate_owns_outlets_so_a_blocking_gate_emits_no_asset_event(gate_store, run_dag, mode, emitted):
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    def events() -> int:
        with create_session() as session:
            return session.scalar(
                select(func.count())
                .select_from(AssetEvent)
                .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
                .where(AssetModel.name == f"validated_orders_{mode}")
            )

    before = events()
    run_dag(f"gate_{mode}", scenario="bad")
    assert events() - before == (1 if emitted else 0)
    run_dag(f"gate_{mode}", scenario="good")
    assert events() - before == (2 if emitted else 1)
