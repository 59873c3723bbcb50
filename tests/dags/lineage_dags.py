"""A DAG with one gate of every kind, for the OpenLineage tests (module level, as dag.test() requires).

The schema gate reads a SQL table (connection 'warehouse'), the anomaly gate a Parquet file; the
others read callables. The warehouse's orders hold negative amounts, so the schema gate blocks.
"""

import datetime as dt

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, task

from quality_gates.operators import (
    DriftGateOperator,
    ModelMetricGateOperator,
    PartitionAnomalyGateOperator,
    ReferenceProfileOperator,
    SchemaGateOperator,
    ServingMetricGateOperator,
    SkewGateOperator,
)
from quality_gates.sources import CallableSource, FileSource, SqlSource

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


# The data of the drift and model tests, imported when a task runs: importing those modules here
# would put their DAGs into this file's DagBag as well.
def training_features():
    from tests.dags.drift_test_dags import training_features

    return training_features()


def serving_features(scenario: str = "good"):
    from tests.dags.drift_test_dags import serving_features

    return serving_features(scenario)


def candidate_predictions():
    from tests.dags.model_gate_dags import candidate_predictions

    return candidate_predictions()


def serving_frames(part: str, day: str):
    from tests.dags.model_gate_dags import serving_frames

    return serving_frames(part, day)


with DAG("lineage_every_gate", schedule=None, start_date=START, params={"parquet": "/nonexistent.parquet"}) as lineage_every_gate:
    SchemaGateOperator(task_id="schema_gate", source=SqlSource("warehouse", table="orders"), schema="orders.yaml") >> EmptyOperator(
        task_id="load"
    )
    PartitionAnomalyGateOperator(
        task_id="anomaly_gate", source=FileSource("{{ params.parquet }}"), dataset="daily_orders_file", min_history=3
    )
    DriftGateOperator(
        task_id="drift_gate",
        current=CallableSource(serving_features, op_kwargs={"scenario": "skewed"}),
        reference=CallableSource(training_features),
        columns=["distance_km", "zone"],
        dataset="serving_features",
        mode="warn",
    )
    SkewGateOperator(
        task_id="skew_gate",
        training=CallableSource(training_features),
        serving=CallableSource(serving_features),
        key="trip_id",
        dataset="trip_features",
    )
    ReferenceProfileOperator(
        task_id="reference_gate",
        source=CallableSource(training_features),
        dataset="trip_features_reference",
        columns=["distance_km", "zone", "passengers"],
    )
    ModelMetricGateOperator(
        task_id="model_gate",
        source=CallableSource(candidate_predictions),
        model="trip_duration_lineage",
        task="regression",
        label_column="duration",
        prediction_column="predicted",
        thresholds={"mae": 10.0},
        resamples=100,
    )
    ServingMetricGateOperator(
        task_id="serving_gate",
        predictions_source=CallableSource(serving_frames, op_kwargs={"part": "predictions", "day": "2024-06-01"}),
        labels_source=CallableSource(serving_frames, op_kwargs={"part": "labels", "day": "2024-06-01"}),
        task="classification",
        score_column="score",
        window_start="2024-06-01T00:00:00+00:00",
        window_end="2024-06-02T00:00:00+00:00",
        as_of="2024-06-11T00:00:00+00:00",
        metrics=["roc_auc"],
        thresholds={"roc_auc": 0.8},
        resamples=100,
        dataset="served_predictions",
    )

    @task.quality_gate(schema="orders.yaml", dataset="decorated_orders", mode="warn")
    def decorated_gate():
        import pandas as pd

        return pd.DataFrame({"order_id": [1, 2], "amount": [5.0, -1.0], "status": ["paid", "paid"]})

    decorated_gate()

with DAG("lineage_source_error", schedule=None, start_date=START) as lineage_source_error:
    # A configuration error (no such file format): recorded as an error, the task fails.
    SchemaGateOperator(task_id="schema_gate", source=FileSource("/data/orders.txt"), schema="orders.yaml", dataset="orders_txt")
