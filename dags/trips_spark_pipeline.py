"""The trips pipeline's gates computed by Spark: extract → schema gate → anomaly gate → publish.

Each day's trips are appended to a Parquet-backed Spark table (one directory, partitioned by
pickup_date). The gates read only that day (``where={"pickup_date": ds}``) through the Airflow
connection ``spark_default`` (a local master, a cluster, or Spark Connect: see docs/spark.md);
Spark computes the counts and profiles, and only aggregates and bounded samples reach the worker.
The same broken and drifted days as in ``trip_duration_pipeline`` are blocked. Run: ``make demo-spark``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pendulum
from airflow.sdk import DAG, Param, task

from quality_gates.operators import PartitionAnomalyGateOperator, SchemaGateOperator
from quality_gates.sources import SparkSource

DATA_DIR = Path(os.environ.get("QUALITY_GATES_DEMO_DATA", Path(os.environ.get("AIRFLOW_HOME", "~/airflow")) / "demo_data")).expanduser()
TRIPS_TABLE = str(DATA_DIR / "trips_table")  # Parquet, partitioned by pickup_date
TRIPS = SparkSource("spark_default", path=TRIPS_TABLE, where={"pickup_date": "{{ ds }}"}, key_columns="trip_id")

with DAG(
    dag_id="trips_spark_pipeline",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 6, 1, tz="UTC"),
    catchup=False,
    params={"scenario": Param("good", enum=["good", "broken", "drifted"], description="land a clean, broken or drifted day")},
    tags=["quality-gates", "example", "spark"],
) as dag:

    @task
    def extract_trips(ds=None, params=None) -> str:
        from trips_example.data import generate_trips

        trips = generate_trips(pendulum.parse(ds).date(), scenario=params["scenario"])
        part = Path(TRIPS_TABLE) / f"pickup_date={ds}"
        part.mkdir(parents=True, exist_ok=True)
        # Spark reads microsecond timestamps (pandas writes nanoseconds by default).
        trips.drop(columns="pickup_date").to_parquet(
            part / "part-0.parquet", index=False, coerce_timestamps="us", allow_truncated_timestamps=True
        )
        return str(part)

    validate_trips = SchemaGateOperator(
        task_id="validate_trips", source=TRIPS, schema="../schemas/trips.yaml", dataset="trips", mode="fail"
    )
    detect_trip_anomalies = PartitionAnomalyGateOperator(
        task_id="detect_trip_anomalies", source=TRIPS, dataset="trips", history=30, mode="fail"
    )

    @task
    def publish_trips(path: str) -> str:
        return path  # downstream consumers read the validated day

    trips_path = extract_trips()
    trips_path >> validate_trips >> detect_trip_anomalies >> publish_trips(trips_path)
