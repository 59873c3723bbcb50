"""Serving evaluation under delayed labels: is the fare-dispute model still good in production?

Every prediction the model served is logged (table served_predictions); whether the rider
really disputed the fare arrives hours to days later (table arrived_labels). Each day the serving
gate joins the day's predictions with the labels that have arrived, in the database, and
reports label coverage, label delay, class balance and volume next to ROC AUC and recall.
Too few labels yet: "insufficient labels" (warned), never a verdict on the quickly-labelled few.
A model that got worse than its thresholds beyond its confidence interval blocks the retraining
trigger and alerts.

Run by `make demo` on a fresh day (labels still arriving), a settled day and a degraded model.
"""

from __future__ import annotations

import pendulum
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, Param, task

from quality_gates.operators import ServingMetricGateOperator

SERVING_DB = "quality_gates_demo_serving"  # `make demo` points it at a SQLite file

with DAG(
    dag_id="fare_dispute_serving",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 6, 1, tz="UTC"),
    catchup=False,
    params={
        "scenario": Param(
            "settled", enum=["settled", "fresh", "degraded"], description="how long labels had to arrive, or a degraded model"
        ),
    },
    tags=["quality-gates", "example"],
) as dag:

    @task
    def log_serving_day(ds=None, params=None) -> str:
        """Stands in for the serving system's logs: the day's predictions and the labels that had
        arrived; returns the moment the evaluation is made ("as of")."""
        import pandas as pd
        from trips_example.serving_log import serving_log, write_serving_log

        from quality_gates.sources import SqlSource

        scenario = params["scenario"]
        predictions, labels = serving_log(ds, "settled" if scenario == "fresh" else scenario)
        waited = pd.Timedelta(hours=1) if scenario == "fresh" else pd.Timedelta(days=7)
        arrived_by = pd.Timestamp(ds, tz="UTC") + pd.Timedelta(days=1) + waited
        write_serving_log(SqlSource(SERVING_DB, table="served_predictions").engine(), predictions, labels, arrived_by=arrived_by)
        return arrived_by.isoformat()

    evaluate_serving = ServingMetricGateOperator(
        task_id="evaluate_serving",
        conn_id=SERVING_DB,
        predictions_table="served_predictions",
        labels_table="arrived_labels",
        task="classification",
        score_column="score",
        prediction_column="prediction",
        slice_columns=["channel"],
        window_start="{{ ds }}T00:00:00+00:00",
        window_end="{{ macros.ds_add(ds, 1) }}T00:00:00+00:00",
        as_of="{{ ti.xcom_pull(task_ids='log_serving_day') }}",  # in production: leave unset (now)
        metrics=["roc_auc", "recall"],
        thresholds={"roc_auc": 0.8, "recall": 0.45},
        min_coverage=0.9,
        mode="fail",
    )

    log_serving_day() >> evaluate_serving >> EmptyOperator(task_id="model_healthy")
