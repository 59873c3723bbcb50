"""dag.test() runs of the model and serving gates on an in-memory frame, a Parquet file scanned by
DuckDB and a PostgreSQL table: the same verdicts and the same check rows on every engine."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa

from dags.trips_example.serving_log import serving_log
from tests.airflow.conftest import airflow_uri, run_dag_on
from tests.dags.model_gate_dags import candidate_predictions

_DAYS = itertools.count()


def _checks(result):
    return [(c.check_name, c.column, c.status, c.observed, c.expected, c.details.get("explanation")) for c in result.checks]


def _run(dagbag, gate_store, dag_id: str, **conf):
    day = dt.datetime(2024, 6, 1, tzinfo=dt.UTC) + dt.timedelta(days=next(_DAYS))
    _, states = run_dag_on(dagbag, dag_id, day, **conf)
    return states, gate_store.recent(dag_id=dag_id)[0].result


@pytest.fixture
def model_db(monkeypatch, postgres_database):
    monkeypatch.setenv("AIRFLOW_CONN_MODEL_DB", airflow_uri(postgres_database))
    return sa.create_engine(postgres_database)


@pytest.mark.parametrize("candidate, verdict", [("good", "passed"), ("worse", "failed")])
def test_the_model_gate_judges_alike_on_a_frame_a_parquet_file_and_postgresql(dagbag, gate_store, model_db, tmp_path, candidate, verdict):
    frame = candidate_predictions(candidate)
    frame.to_parquet(tmp_path / "candidate.parquet", index=False, row_group_size=1000)
    table = f"candidate_{candidate}"
    frame.to_sql(table, model_db, index=False, if_exists="replace")
    model_db.dispose()
    results = {}
    for engine, conf in (
        ("frame", {"candidate": candidate}),
        ("parquet", {"path": str(tmp_path / "candidate.parquet")}),
        ("postgres", {"table": table}),
    ):
        states, results[engine] = _run(dagbag, gate_store, f"model_gate_on_{engine}", **conf)
        assert states["model_gate"] == ("success" if verdict == "passed" else "failed"), engine
        assert results[engine].status == verdict and results[engine].row_count == 4000
    assert _checks(results["parquet"]) == _checks(results["frame"])
    assert _checks(results["postgres"]) == _checks(results["frame"])
    if verdict == "failed":
        failed = {(c.check_name, c.column) for c in results["postgres"].checks if c.status == "failed"}
        assert ("mae", "zone=Airport") in failed and ("mae", None) not in failed


def test_a_missing_label_column_is_a_recorded_error_naming_it(dagbag, gate_store, model_db):
    candidate_predictions().drop(columns="duration").to_sql("candidate_unlabelled", model_db, index=False, if_exists="replace")
    model_db.dispose()
    states, result = _run(dagbag, gate_store, "model_gate_on_postgres", table="candidate_unlabelled")
    assert states["model_gate"] == "failed" and result.status == "error"
    [check] = result.checks
    assert check.details["explanation"].startswith(
        "table candidate_unlabelled (connection 'model_db'): column(s) 'duration' not in the evaluation data (columns: trip_id, zone, predicted)"
    )


@pytest.mark.parametrize("scenario, verdict", [("settled", "passed"), ("degraded", "failed")])
def test_the_serving_gate_judges_alike_on_frames_parquet_files_and_postgresql(dagbag, gate_store, model_db, tmp_path, scenario, verdict):
    day = dt.datetime(2024, 6, 1, tzinfo=dt.UTC) + dt.timedelta(days=next(_DAYS) + 100)
    ds = day.strftime("%Y-%m-%d")
    predictions, labels = serving_log(ds, scenario)
    predictions.to_parquet(tmp_path / "predictions.parquet", index=False)
    labels.to_parquet(tmp_path / "labels.parquet", index=False)
    with model_db.begin() as connection:
        for frame, name in ((predictions, "served_predictions"), (labels, "arrived_labels")):
            frame.to_sql(name, connection, index=False, if_exists="replace")
    model_db.dispose()
    results = {}
    for dag_id, conf in (
        ("serving_gate_on_frames", {"scenario": scenario}),
        ("serving_gate_on_parquet", {"folder": str(tmp_path)}),
        ("serving_gate_on_postgres", {}),
    ):
        _, states = run_dag_on(dagbag, dag_id, day, **conf)
        results[dag_id] = gate_store.recent(dag_id=dag_id)[0].result
        assert states["serving_gate"] == ("success" if verdict == "passed" else "failed"), dag_id
        assert results[dag_id].status == verdict
    expected = _checks(results["serving_gate_on_frames"])
    assert _checks(results["serving_gate_on_parquet"]) == expected
    assert _checks(results["serving_gate_on_postgres"]) == expected


def test_a_missing_label_column_in_the_serving_tables_is_a_recorded_configuration_error(dagbag, gate_store, model_db):
    predictions, labels = serving_log("2024-06-01")
    with model_db.begin() as connection:
        predictions.to_sql("served_predictions", connection, index=False, if_exists="replace")
        labels.drop(columns="label").to_sql("arrived_labels", connection, index=False, if_exists="replace")
    model_db.dispose()
    day = dt.datetime(2024, 6, 1, tzinfo=dt.UTC) + dt.timedelta(days=next(_DAYS) + 200)
    _, states = run_dag_on(dagbag, "serving_gate_on_postgres", day)
    result = gate_store.recent(dag_id="serving_gate_on_postgres")[0].result
    assert states["serving_gate"] == "failed" and result.status == "error"
    assert "table arrived_labels (connection 'model_db'): column(s) 'label' missing (columns: prediction_id, labeled_at)" in result.error
