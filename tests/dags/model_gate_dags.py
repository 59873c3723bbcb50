"""DAGs for the model gates' real Airflow runs (module level, as Airflow 3.3 requires)."""

import datetime as dt

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, task

from quality_gates.operators import ModelMetricGateOperator, ServingMetricGateOperator, promote_model_baseline
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


def write_serving_log(url: str, day: str = "2024-06-01", scenario: str = "settled") -> None:
    import sqlalchemy as sa

    from dags.trips_example.serving_log import serving_log
    from dags.trips_example.serving_log import write_serving_log as write

    engine = sa.create_engine(url)
    write(engine, *serving_log(day, scenario))
    engine.dispose()


with DAG("serving_gate", schedule=None, start_date=START, params={"scenario": "settled", "label_wait_hours": 240}) as serving_gate:

    @task
    def log_serving_day(ds=None, params=None):
        import pandas as pd

        from dags.trips_example.serving_log import serving_log
        from dags.trips_example.serving_log import write_serving_log as write
        from quality_gates.sources import SqlSource

        predictions, labels = serving_log(ds, params["scenario"])
        arrived_by = pd.Timestamp(ds, tz="UTC") + pd.Timedelta(days=1, hours=int(params["label_wait_hours"]))
        write(SqlSource("serving_db", table="served_predictions").engine(), predictions, labels, arrived_by=arrived_by)

    (
        log_serving_day()
        >> ServingMetricGateOperator(
            task_id="serving_gate",
            conn_id="serving_db",
            predictions_table="served_predictions",
            labels_table="arrived_labels",
            task="classification",
            score_column="score",
            slice_columns=["channel"],
            window_start="{{ ds }}T00:00:00+00:00",
            window_end="{{ macros.ds_add(ds, 1) }}T00:00:00+00:00",
            metrics=["roc_auc", "recall"],
            thresholds={"roc_auc": 0.8, "recall": 0.45},
            min_coverage=0.9,
            resamples=300,
        )
        >> EmptyOperator(task_id="downstream")
    )


with DAG("model_gate_promote_on_pass", schedule=None, start_date=START) as model_gate_promote_on_pass:
    # Passing means deploying here: the gate itself records the production baseline.
    ModelMetricGateOperator(
        task_id="model_gate",
        source=CallableSource(candidate_predictions),
        model="trip_duration_thresholds",
        task="regression",
        label_column="duration",
        prediction_column="predicted",
        thresholds={"mae": 2.0, "rmse": 2.5, "r2": 0.9},
        promote_on_pass=True,
        resamples=200,
    )


def serving_frames(part: str, day: str = "2024-06-01", scenario: str = "settled"):
    from dags.trips_example.serving_log import serving_log

    predictions, labels = serving_log(day, scenario)
    return predictions if part == "predictions" else labels


with DAG("serving_gate_sources", schedule=None, start_date=START, params={"scenario": "settled"}) as serving_gate_sources:
    # No database: the two frames are joined in an in-memory SQLite by the same SQL.
    ServingMetricGateOperator(
        task_id="serving_gate",
        predictions_source=CallableSource(
            serving_frames, op_kwargs={"part": "predictions", "day": "{{ ds }}", "scenario": "{{ params.scenario }}"}
        ),
        labels_source=CallableSource(serving_frames, op_kwargs={"part": "labels", "day": "{{ ds }}", "scenario": "{{ params.scenario }}"}),
        task="classification",
        score_column="score",
        window_start="{{ ds }}T00:00:00+00:00",
        window_end="{{ macros.ds_add(ds, 1) }}T00:00:00+00:00",
        as_of="{{ macros.ds_add(ds, 10) }}T00:00:00+00:00",
        metrics=["roc_auc"],
        thresholds={"roc_auc": 0.8},
        resamples=200,
    ) >> EmptyOperator(task_id="downstream")
