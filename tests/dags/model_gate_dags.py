"""DAGs for the model gates' real Airflow runs (module level, as Airflow 3.3 requires)."""

import datetime as dt

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, task

from quality_gates.operators import ModelMetricGateOperator, promote_model_baseline
from quality_gates.sources import CallableSource

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
ZONES = ["Airport", "Downtown", "Harbor"]


def candidate_predictions(candidate: str = "good", rows: int = 4000):
    """Trip durations and a candidate's predictions; "worse" is off on airport trips only."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    zone = rng.choice(ZONES, rows, p=[0.15, 0.6, 0.25])
    duration = rng.gamma(4.0, 5.0, rows)
    noise = rng.normal(0, 2.0, rows)
    if candidate == "worse":
        noise = np.where(zone == "Airport", noise * 3, noise)
    frame = pd.DataFrame({"trip_id": np.arange(rows), "zone": zone, "duration": duration, "predicted": duration + noise})
    if candidate == "empty":
        frame = frame.iloc[:0]
    if candidate == "nan_predictions":
        frame.loc[[3, 10, 42], "predicted"] = np.nan
    return frame


with DAG("model_gate", schedule=None, start_date=START, params={"candidate": "good"}) as model_gate:
    gate = ModelMetricGateOperator(
        task_id="model_gate",
        source=CallableSource(candidate_predictions, op_kwargs={"candidate": "{{ params.candidate }}"}),
        model="trip_duration_test",
        task="regression",
        label_column="duration",
        prediction_column="predicted",
        slice_columns=["zone"],
        id_column="trip_id",
        tolerance=0.05,
        resamples=300,
    )

    @task
    def deploy_model():
        return promote_model_baseline("model_gate")

    gate >> deploy_model() >> EmptyOperator(task_id="serve")
