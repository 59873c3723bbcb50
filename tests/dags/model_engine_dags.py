"""The model and serving gates over each engine, in real Airflow runs: an in-memory frame, a
Parquet file (DuckDB), a PostgreSQL table and Spark (tests/airflow/test_model_engine_runs.py,
tests/spark/test_spark_model_runs.py). Module level, as Airflow 3.3 requires; parsing them never
imports pyspark or DuckDB."""

import datetime as dt

from airflow.sdk import DAG

from quality_gates.operators import ModelMetricGateOperator, ServingMetricGateOperator
from quality_gates.sources import CallableSource, FileSource, SparkSource, SqlSource


# Imported when called, not at parse time: importing model_gate_dags here would define its DAGs a
# second time in this file's DagBag entry (AirflowDagDuplicatedIdException).
def candidate_predictions(**kwargs):
    from tests.dags.model_gate_dags import candidate_predictions

    return candidate_predictions(**kwargs)


def serving_frames(**kwargs):
    from tests.dags.model_gate_dags import serving_frames

    return serving_frames(**kwargs)


START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
MODEL_SOURCES = {
    "frame": CallableSource(candidate_predictions, op_kwargs={"candidate": "{{ params.candidate }}"}),
    "parquet": FileSource("{{ params.path }}"),
    "postgres": SqlSource("model_db", table="{{ params.table }}"),
    "spark": SparkSource("spark_test", path="{{ params.path }}"),
}


def _model_dag(engine: str) -> DAG:
    with DAG(f"model_gate_on_{engine}", schedule=None, start_date=START, params={"candidate": "good", "path": "", "table": ""}) as dag:
        ModelMetricGateOperator(
            task_id="model_gate",
            source=MODEL_SOURCES[engine],
            model=f"trip_duration_on_{engine}",
            task="regression",
            label_column="duration",
            prediction_column="predicted",
            slice_columns=["zone"],
            id_column="trip_id",
            thresholds={"mae": 2.5, "rmse": 3.5, "r2": 0.8},
            resamples=200,
        )
    return dag


model_gate_on_frame = _model_dag("frame")
model_gate_on_parquet = _model_dag("parquet")
model_gate_on_postgres = _model_dag("postgres")
model_gate_on_spark = _model_dag("spark")

_SERVING = dict(
    task="classification",
    score_column="score",
    slice_columns=["channel"],
    window_start="{{ ds }}T00:00:00+00:00",
    window_end="{{ macros.ds_add(ds, 1) }}T00:00:00+00:00",
    as_of="{{ macros.ds_add(ds, 10) }}T00:00:00+00:00",
    metrics=["roc_auc", "accuracy"],
    thresholds={"roc_auc": 0.75, "accuracy": 0.6},
    resamples=200,
)


def _serving_dag(dag_id: str, predictions, labels) -> DAG:
    with DAG(dag_id, schedule=None, start_date=START, params={"scenario": "settled", "folder": ""}) as dag:
        ServingMetricGateOperator(task_id="serving_gate", predictions_source=predictions, labels_source=labels, **_SERVING)
    return dag


serving_gate_on_frames = _serving_dag(
    "serving_gate_on_frames",
    CallableSource(serving_frames, op_kwargs={"part": "predictions", "day": "{{ ds }}", "scenario": "{{ params.scenario }}"}),
    CallableSource(serving_frames, op_kwargs={"part": "labels", "day": "{{ ds }}", "scenario": "{{ params.scenario }}"}),
)
serving_gate_on_parquet = _serving_dag(
    "serving_gate_on_parquet",
    FileSource("{{ params.folder }}/predictions.parquet"),
    FileSource("{{ params.folder }}/labels.parquet"),
)
serving_gate_on_spark = _serving_dag(
    "serving_gate_on_spark",
    SparkSource("spark_test", path="{{ params.folder }}/predictions.parquet"),
    SparkSource("spark_test", path="{{ params.folder }}/labels.parquet"),
)
with DAG("serving_gate_on_postgres", schedule=None, start_date=START, params={"scenario": "settled"}) as serving_gate_on_postgres:
    ServingMetricGateOperator(
        task_id="serving_gate", conn_id="model_db", predictions_table="served_predictions", labels_table="arrived_labels", **_SERVING
    )
