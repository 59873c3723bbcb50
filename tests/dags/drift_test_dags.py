"""DAGs of the drift and skew gate tests (module level, as Airflow 3.3's dag.test() requires)."""

import datetime as dt

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

from quality_gates.operators import DriftGateOperator, ReferenceProfileOperator, SkewGateOperator, StoredReference
from quality_gates.sources import CallableSource

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def training_features(rows: str = "3000"):
    import numpy as np
    import pandas as pd

    rows = int(rows)
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "trip_id": [f"t{i:06d}" for i in range(rows)],
            "distance_km": rng.gamma(2.0, 3.2, rows).round(2),
            "zone": rng.choice(["Downtown", "Airport", "Harbor"], rows, p=[0.6, 0.1, 0.3]),
            "passengers": rng.choice([1, 1, 1, 2, 3], rows).astype("int64"),
        }
    )


def serving_features(scenario: str = "good"):
    """Serving logged the features of half the training trips, computed by its own code."""
    features = training_features().iloc[::2].reset_index(drop=True)
    if scenario == "skewed":  # a serving release that reports miles
        features["distance_km"] = (features["distance_km"] * 0.621371).round(2)
    return features


with DAG(
    "drift_reference", schedule=None, start_date=START, params={"dataset": "trip_features", "version": "v1", "rows": "3000"}
) as drift_reference:
    ReferenceProfileOperator(
        task_id="profile",
        source=CallableSource(training_features, op_kwargs={"rows": "{{ params.rows }}"}),
        dataset="{{ params.dataset }}",
        version="{{ params.version }}",
        columns=["distance_km", "zone", "passengers"],
    )

with DAG("drift_gate", schedule=None, start_date=START, params={"scenario": "good", "version": "latest"}) as drift_gate:
    DriftGateOperator(
        task_id="gate",
        current=CallableSource(serving_features, op_kwargs={"scenario": "{{ params.scenario }}"}),
        reference=StoredReference("trip_features", version="{{ params.version }}"),
        columns=["distance_km", "zone", "passengers"],
        dataset="serving_features",
    ) >> EmptyOperator(task_id="deploy_model")

with DAG("drift_gate_vs_source", schedule=None, start_date=START, params={"scenario": "good"}) as drift_gate_vs_source:
    DriftGateOperator(
        task_id="gate",
        current=CallableSource(serving_features, op_kwargs={"scenario": "{{ params.scenario }}"}),
        reference=CallableSource(training_features),  # read and profiled on the spot
        columns=["distance_km", "zone"],
        dataset="serving_features",
        mode="warn",
    ) >> EmptyOperator(task_id="deploy_model")

with DAG("skew_gate", schedule=None, start_date=START, params={"scenario": "good"}) as skew_gate:
    SkewGateOperator(
        task_id="gate",
        training=CallableSource(training_features),
        serving=CallableSource(serving_features, op_kwargs={"scenario": "{{ params.scenario }}"}),
        key="trip_id",
        dataset="trip_features",
    ) >> EmptyOperator(task_id="deploy_model")
