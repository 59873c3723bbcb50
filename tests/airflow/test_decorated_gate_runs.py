"""@task.quality_gate in real runs: registered through the provider, blocks bad frames, passes good ones on."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from tests.airflow.conftest import run_dag_on

_RUNS = itertools.count()


def test_task_quality_gate_resolves_through_the_providers_task_decorators():
    from airflow.sdk import task
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

    from quality_gates.decorators import quality_gate_task

    assert task.quality_gate is quality_gate_task
    assert "quality_gate" in ProvidersManagerTaskRuntime().taskflow_decorators


def test_a_good_frame_is_recorded_and_passed_downstream(gate_store, run_dag, dagbag):
    dag_run, states = run_dag("decorated_gate_fail", scenario="good")
    assert states == {"extract_orders": "success", "total_amount": "success"}
    assert dag_run.get_task_instance("total_amount").xcom_pull(task_ids="total_amount") == 300.0
    (run,) = gate_store.recent(dag_id="decorated_gate_fail", limit=1)
    assert (run.result.gate, run.result.dataset, run.result.status.value, run.result.row_count) == (
        "schema",
        "decorated_orders",
        "passed",
        30,
    )
    # The same extra link as the operators: stored when the task ended.
    link = dag_run.get_task_instance("extract_orders").xcom_pull(task_ids="extract_orders", key="_link_QualityReportLink")
    assert link.endswith("/tasks/extract_orders/plugin/quality-checks")
    assert dagbag.get_dag("decorated_gate_fail").get_task("extract_orders").operator_extra_links[0].name == "Quality report"


def test_a_bad_frame_blocks_downstream_and_is_not_passed_on(gate_store, run_dag, capfd):
    dag_run, states = run_dag("decorated_gate_fail", scenario="bad")
    assert states == {"extract_orders": "failed", "total_amount": "upstream_failed"}
    assert dag_run.get_task_instance("extract_orders").xcom_pull(task_ids="extract_orders") is None
    (run,) = gate_store.recent(dag_id="decorated_gate_fail", limit=1)
    failed = [c for c in run.result.checks if c.status.value == "failed"]
    assert [(c.check_name, c.column, c.observed) for c in failed] == [
        ("greater_than_or_equal_to", "amount", "4 of 30 rows (13.33%) fail, e.g. -1.0")
    ]
    assert "column 'amount': greater_than_or_equal_to failed" in "".join(capfd.readouterr())


def test_warn_mode_passes_the_frame_on_and_calls_the_warning_callback(gate_store, run_dag, tmp_path):
    warnings = tmp_path / "warnings.txt"
    dag_run, states = run_dag("decorated_gate_warn", scenario="bad", warnings_file=str(warnings))
    assert states == {"extract_orders": "success", "total_amount": "success"}
    assert dag_run.get_task_instance("total_amount").xcom_pull(task_ids="total_amount") == 256.0  # 26 × 10.0 + 4 × -1.0
    assert warnings.read_text() == "extract_orders: failed\n"


def test_a_returned_path_is_validated_and_passed_on(gate_store, run_dag, tmp_path):
    dag_run, states = run_dag("decorated_gate_path", folder=str(tmp_path))
    assert states == {"write_orders": "success", "row_count": "success"}
    path = dag_run.get_task_instance("write_orders").xcom_pull(task_ids="write_orders")
    assert path == str(tmp_path / f"orders_{dag_run.logical_date.date()}.parquet")
    assert dag_run.get_task_instance("row_count").xcom_pull(task_ids="row_count") == 30


def test_a_function_returning_something_else_fails_with_its_name(gate_store, run_dag, capfd):
    _, states = run_dag("decorated_gate_wrong_return")
    assert states == {"orders_as_records": "failed"}
    message = (
        "@task.quality_gate function orders_as_records returned list: expected a pandas (or polars) DataFrame, the path "
        "of a CSV or Parquet file, or a source (SqlSource, FileSource, CallableSource)"
    )
    assert f"orders_as_records: {message}" in "".join(capfd.readouterr())
    (run,) = gate_store.recent(dag_id="decorated_gate_wrong_return", limit=1)
    assert (run.result.status.value, run.result.error) == ("error", message)


def test_the_anomaly_detector_blocks_a_partition_unlike_its_history(gate_store, dagbag):
    # Fresh dates per backend; conf always explicit (dag.test() keeps the last run's params).
    days = [dt.datetime(2024, 3, 1, tzinfo=dt.UTC) + dt.timedelta(days=30 * next(_RUNS) + i) for i in range(6)]
    for day in days[:5]:
        _, states = run_dag_on(dagbag, "decorated_gate_anomaly", day, corruption="none")
        assert states == {"daily_orders": "success"}, day
    _, states = run_dag_on(dagbag, "decorated_gate_anomaly", days[5], corruption="tenfold")
    assert states == {"daily_orders": "failed"}
    (run,) = gate_store.recent(dag_id="decorated_gate_anomaly", limit=1)
    failed = {c.check_name for c in run.result.checks if c.status.value == "failed"}
    assert "partition_anomaly" in failed and "greater_than_or_equal_to" not in failed  # the schema holds; the history does not
    # Like the anomaly gate's, the five normal days form the baseline; the flagged day stays out of it.
    history = gate_store.partitions.history("decorated_daily_orders", before="2099-01-01", limit=10)
    assert sorted(p.partition_key for p in history) == [day.date().isoformat() for day in days[:5]]


def test_unknown_anomaly_options_fail_when_the_dag_is_parsed():
    from quality_gates.decorators import QualityGateDecoratedOperator
    from tests.dags.decorator_dags import orders

    with pytest.raises(ValueError, match=r"^gate: unknown anomaly option\(s\) sensitivty; known: history, sensitivity, min_history, "):
        QualityGateDecoratedOperator(task_id="gate", python_callable=orders, schema="orders.yaml", anomaly={"sensitivty": 2})
