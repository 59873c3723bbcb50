"""The deferrable serving gate: real dag.test() runs, whose triggers run in process as in the
triggerer, over SQLite and PostgreSQL; labels arrive from another thread while the gate waits."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time

import pandas as pd
import pytest
import sqlalchemy as sa

from dags.trips_example.serving_log import serving_log, write_serving_log
from tests.airflow.conftest import airflow_uri, run_dag_on

_DAYS = itertools.count()


def _day() -> dt.datetime:
    return dt.datetime(2024, 9, 1, tzinfo=dt.UTC) + dt.timedelta(days=next(_DAYS))


def _log_with_few_labels(store_url: str, day: dt.datetime) -> pd.DataFrame:
    """Write the day's predictions and the labels of its first hour; return the labels still to come."""
    predictions, labels = serving_log(day.date().isoformat(), "settled")
    engine = sa.create_engine(store_url)
    arrived_by = pd.Timestamp(day) + pd.Timedelta(hours=1)
    write_serving_log(engine, predictions, labels, arrived_by=arrived_by)
    engine.dispose()
    return labels[labels.labeled_at > arrived_by]


def _coverage_check(gate_store, dag_id: str):
    result = gate_store.recent(dag_id=dag_id)[0].result
    return result, next(c for c in result.checks if c.check_name == "label_coverage")


def test_gate_defers_until_labels_arrive_then_judges(gate_store, store_url, dagbag, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_SERVING_DB", airflow_uri(store_url))
    day = _day()
    late = _log_with_few_labels(store_url, day)
    from quality_gates.triggers.label_coverage import LabelCoverageTrigger

    # Observe (not replace) the trigger's real query: the labels arrive after its first look.
    looks, first_look = [], threading.Event()
    measure = LabelCoverageTrigger._measure

    def measure_and_tell(self, now):
        looks.append(measure(self, now))
        first_look.set()
        return looks[-1]

    monkeypatch.setattr(LabelCoverageTrigger, "_measure", measure_and_tell)

    def labels_arrive():  # another system writes the labels while the gate waits in the triggerer
        first_look.wait(timeout=120)
        time.sleep(2)
        engine = sa.create_engine(store_url)
        with engine.begin() as connection:
            late.to_sql("arrived_labels", connection, if_exists="append", index=False)
        engine.dispose()

    writer = threading.Thread(target=labels_arrive)
    writer.start()
    _, states = run_dag_on(dagbag, "serving_gate_waits", day)
    writer.join()

    assert states == {"serving_gate": "success", "downstream": "success"}
    result, coverage = _coverage_check(gate_store, "serving_gate_waits")
    assert result.status == "passed" and coverage.details["verdict"] == "enough labels"
    assert coverage.details["wait_ended"] == "ready" and coverage.details["waited_seconds"] >= 2
    assert looks[0].predictions == 2000 and looks[0].share < 0.9 <= looks[-1].share and len(looks) >= 3
    assert coverage.details["explanation"].endswith("labels: coverage reached the minimum.")
    assert next(c for c in result.checks if c.check_name == "roc_auc").details["verdict"] == "passed"


def test_gate_records_insufficient_labels_when_the_wait_runs_out(gate_store, store_url, dagbag, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_SERVING_DB", airflow_uri(store_url))
    day = _day()
    _log_with_few_labels(store_url, day)

    _, states = run_dag_on(dagbag, "serving_gate_wait_times_out", day)

    assert states == {"serving_gate": "success", "downstream": "success"}  # warned: the pipeline goes on
    result, coverage = _coverage_check(gate_store, "serving_gate_wait_times_out")
    assert result.status == "warned" and coverage.details["verdict"] == "insufficient labels"
    assert coverage.details["wait_ended"] == "timeout" and coverage.details["waited_seconds"] >= 3
    assert coverage.details["explanation"].endswith("labels: the wait of 0:00:03 ran out.")
    assert "roc_auc" not in {c.check_name for c in result.checks}


def test_unreachable_database_is_retried_then_recorded_as_error(gate_store, dagbag, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_SERVING_DB_DOWN", "postgresql://postgres@127.0.0.1:9/serving")  # nothing listens on port 9

    _, states = run_dag_on(dagbag, "serving_gate_wait_db_down", _day())

    assert states == {"serving_gate": "failed", "downstream": "upstream_failed"}
    [run] = gate_store.recent(dag_id="serving_gate_wait_db_down")
    assert run.result.status == "error" and run.result.checks == ()
    assert run.result.error.startswith(
        "the label coverage query failed 3 times in a row (connection 'serving_db_down'): "
        'connection failed: connection to server at "127.0.0.1", port 9 failed'
    )


def test_a_connection_that_is_no_database_ends_the_wait_at_once(gate_store, dagbag, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_SERVING_DB_DOWN", "http://labels.example.internal")

    _, states = run_dag_on(dagbag, "serving_gate_wait_db_down", _day())

    assert states == {"serving_gate": "failed", "downstream": "upstream_failed"}
    [run] = gate_store.recent(dag_id="serving_gate_wait_db_down")
    assert run.result.error == "connection 'serving_db_down' (type http) is not a SQL connection"


def test_trigger_serializes_its_kwargs_for_the_triggerer():
    from airflow.sdk._shared.module_loading import import_string

    from quality_gates.triggers.label_coverage import LabelCoverageTrigger

    trigger = LabelCoverageTrigger(
        conn_id="serving_db",
        tables={"predictions_table": "p", "labels_table": "l", "slice_columns": ["channel"]},
        window_start="2024-06-01T00:00:00+00:00",
        window_end="2024-06-02T00:00:00+00:00",
        min_coverage=0.9,
        deadline="2024-06-04T00:00:00+00:00",
        poll_interval=60.0,
        waiting_since="2024-06-01T00:00:00+00:00",
    )
    classpath, kwargs = trigger.serialize()
    assert import_string(classpath) is LabelCoverageTrigger
    assert import_string(classpath)(**kwargs).serialize() == (classpath, kwargs)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"wait_for_labels": dt.timedelta(seconds=30), "poll_interval": dt.timedelta(minutes=1)},
            "serving_gate: wait_for_labels (0:00:30) is shorter than poll_interval (0:01:00): the gate would give up before looking a second time",
        ),
        ({"wait_for_labels": dt.timedelta(0)}, "serving_gate: wait_for_labels must be a positive timedelta, not datetime.timedelta(0)"),
        (
            {"wait_for_labels": dt.timedelta(days=3), "as_of": "{{ ds }}"},
            "serving_gate: wait_for_labels waits for labels arriving from now on; it cannot be combined with as_of='{{ ds }}'",
        ),
    ],
)
def test_waiting_parameters_are_checked_when_the_dag_is_parsed(arguments, message):
    from quality_gates.operators import ServingMetricGateOperator

    with pytest.raises(ValueError) as raised:
        ServingMetricGateOperator(task_id="serving_gate", conn_id="serving_db", task="classification", score_column="score", **arguments)
    assert str(raised.value) == message


def test_a_dag_file_with_a_wait_shorter_than_its_poll_interval_fails_to_import(tmp_path, airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    (tmp_path / "bad_wait.py").write_text(
        "import datetime as dt\nfrom airflow.sdk import DAG\nfrom quality_gates.operators import ServingMetricGateOperator\n"
        "with DAG('bad_wait', schedule=None):\n"
        "    ServingMetricGateOperator(task_id='serving_gate', conn_id='db', task='classification', score_column='score',\n"
        "                              wait_for_labels=dt.timedelta(minutes=5), poll_interval=dt.timedelta(hours=1))\n"
    )
    errors = DagBag(dag_folder=str(tmp_path)).import_errors
    [(path, error)] = errors.items()
    assert path.endswith("bad_wait.py")
    assert "serving_gate: wait_for_labels (0:05:00) is shorter than poll_interval (1:00:00)" in error
