"""The optional maintenance DAG in dags/ prunes the store in a real run (dag.test)."""

from __future__ import annotations

import datetime as dt

from tests.airflow.conftest import run_dag_on
from tests.store.test_retention import seed


def test_maintenance_dag_prunes_old_results(gate_store, dagbag):
    seed(gate_store, days=33)
    assert dagbag.get_dag("quality_gates_maintenance").is_paused_upon_creation is True
    dag_run, _ = run_dag_on(dagbag, "quality_gates_maintenance", dt.datetime(2025, 1, 5, tzinfo=dt.UTC))
    assert str(dag_run.state) == "success"
    assert dag_run.get_task_instance("prune_results").xcom_pull(task_ids="prune_results") == {
        "gate_runs": 3,
        "check_results": 6,
        "partitions": 3,
    }
    assert len(gate_store.recent(limit=100)) == 30
