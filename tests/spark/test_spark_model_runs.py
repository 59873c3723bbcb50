"""The model and serving gates on Spark in real Airflow runs (dag.test()): sums computed by Spark
SQL, the same verdicts and check rows as on an in-memory frame."""

from __future__ import annotations

import datetime as dt

from dags.trips_example.serving_log import serving_log
from tests.airflow.conftest import run_dag_on
from tests.dags.model_gate_dags import candidate_predictions


def _checks(result):
    return [(c.check_name, c.column, c.status, c.observed, c.expected, c.details.get("explanation")) for c in result.checks]


def test_model_gate_on_spark_blocks_the_worse_candidate_like_the_frame(gate_store, spark_connection, dagbag, tmp_path):
    day = dt.datetime(2024, 7, 1, tzinfo=dt.UTC)
    # One file of one row group: one Spark partition, so monotonically_increasing_id() is the row's position.
    candidate_predictions("worse").to_parquet(tmp_path / "worse.parquet", index=False)
    _, states = run_dag_on(dagbag, "model_gate_on_spark", day, path=str(tmp_path / "worse.parquet"))
    on_spark = gate_store.recent(dag_id="model_gate_on_spark")[0].result
    _, frame_states = run_dag_on(dagbag, "model_gate_on_frame", day, candidate="worse")
    on_frame = gate_store.recent(dag_id="model_gate_on_frame")[0].result
    assert states["model_gate"] == frame_states["model_gate"] == "failed"
    assert on_spark.status == "failed" and on_spark.row_count == 4000
    assert _checks(on_spark) == _checks(on_frame)


def test_serving_gate_joins_predictions_and_labels_in_spark(gate_store, spark_connection, dagbag, tmp_path):
    day = dt.datetime(2024, 7, 2, tzinfo=dt.UTC)
    predictions, labels = serving_log(day.strftime("%Y-%m-%d"), "degraded")
    for frame, name in ((predictions, "predictions"), (labels, "labels")):  # Spark reads micro-, not nanoseconds
        frame.to_parquet(tmp_path / f"{name}.parquet", index=False, coerce_timestamps="us", allow_truncated_timestamps=True)
    _, states = run_dag_on(dagbag, "serving_gate_on_spark", day, folder=str(tmp_path))
    on_spark = gate_store.recent(dag_id="serving_gate_on_spark")[0].result
    _, frame_states = run_dag_on(dagbag, "serving_gate_on_frames", day, scenario="degraded")
    on_frames = gate_store.recent(dag_id="serving_gate_on_frames")[0].result
    assert states["serving_gate"] == frame_states["serving_gate"] == "failed"
    assert _checks(on_spark) == _checks(on_frames)
    assert next(c for c in on_spark.checks if (c.check_name, c.column) == ("roc_auc", None)).status == "failed"


def test_a_missing_prediction_column_on_spark_is_a_recorded_error(gate_store, spark_connection, dagbag, tmp_path):
    day = dt.datetime(2024, 7, 3, tzinfo=dt.UTC)
    candidate_predictions().drop(columns="predicted").to_parquet(tmp_path / "unpredicted.parquet", index=False)
    _, states = run_dag_on(dagbag, "model_gate_on_spark", day, path=str(tmp_path / "unpredicted.parquet"))
    result = gate_store.recent(dag_id="model_gate_on_spark")[0].result
    assert states["model_gate"] == "failed" and result.status == "error"
    assert "column(s) 'predicted' not in the evaluation data (columns: trip_id, zone, duration)" in result.checks[0].details["explanation"]
