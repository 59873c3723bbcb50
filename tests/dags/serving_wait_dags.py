"""Deferrable serving gates: they wait in the triggerer for late labels (tests/airflow/test_serving_gate_wait.py)."""

import datetime as dt

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

from quality_gates.operators import ServingMetricGateOperator

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def waiting_gate(conn_id: str, wait: dt.timedelta) -> ServingMetricGateOperator:
    return ServingMetricGateOperator(
        task_id="serving_gate",
        conn_id=conn_id,
        predictions_table="served_predictions",
        labels_table="arrived_labels",
        task="classification",
        score_column="score",
        window_start="{{ ds }}T00:00:00+00:00",
        window_end="{{ macros.ds_add(ds, 1) }}T00:00:00+00:00",
        metrics=["roc_auc"],
        thresholds={"roc_auc": 0.8},
        min_coverage=0.9,
        resamples=200,
        wait_for_labels=wait,
        poll_interval=dt.timedelta(seconds=1),
    )


with DAG("serving_gate_waits", schedule=None, start_date=START) as serving_gate_waits:
    waiting_gate("serving_db", dt.timedelta(minutes=2)) >> EmptyOperator(task_id="downstream")

with DAG("serving_gate_wait_times_out", schedule=None, start_date=START) as serving_gate_wait_times_out:
    waiting_gate("serving_db", dt.timedelta(seconds=3)) >> EmptyOperator(task_id="downstream")

with DAG("serving_gate_wait_db_down", schedule=None, start_date=START) as serving_gate_wait_db_down:
    waiting_gate("serving_db_down", dt.timedelta(minutes=2)) >> EmptyOperator(task_id="downstream")
