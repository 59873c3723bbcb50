"""Freshness gates in real Airflow runs (dag.test) against SQLite and PostgreSQL tables."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from tests.airflow.conftest import run_dag_on
from tests.airflow.warehouse import point_warehouse, reset_table, warehouse_url

EVENTS_DDL = "event_id INTEGER, amount DOUBLE PRECISION, loaded_at TIMESTAMP"


@pytest.fixture
def events(store_url, postgres_database, monkeypatch):
    engine = point_warehouse(monkeypatch, warehouse_url(store_url, postgres_database))

    def load(*naive_times: dt.datetime) -> None:
        reset_table(engine, "events", EVENTS_DDL, [{"event_id": i, "amount": 1.0, "loaded_at": t} for i, t in enumerate(naive_times)])

    yield load, engine
    engine.dispose()


def utc_naive(**ago) -> dt.datetime:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(**ago)).replace(tzinfo=None)


def _output(capfd) -> str:
    captured = capfd.readouterr()
    return captured.out + captured.err


def checks_of(store, dag_id):
    [stored] = store.recent(dag_id=dag_id, limit=1)
    return stored, {c.check_name: c for c in stored.result.checks}


def test_fresh_data_passes_with_age_and_newest_recorded(gate_store, events, run_dag):
    load, _ = events
    load(utc_naive(days=3), utc_naive(minutes=30))
    _, states = run_dag("freshness_now")
    assert states == {"gate": "success", "downstream": "success"}
    stored, checks = checks_of(gate_store, "freshness_now")
    age = checks["freshness"]
    assert (stored.result.gate, age.status, age.column) == ("freshness", "passed", "loaded_at")
    assert 29 * 60 < age.details["age_seconds"] < 40 * 60
    assert age.expected == "age <= 2h (warn), <= 6h (error) relative to now"
    assert age.observed.startswith("age 30m (newest ")


def test_stale_data_warns_then_fails(gate_store, events, run_dag):
    load, _ = events
    load(utc_naive(hours=3))
    _, states = run_dag("freshness_now")
    assert states == {"gate": "success", "downstream": "success"}  # a warning lets the pipeline go on
    assert checks_of(gate_store, "freshness_now")[1]["freshness"].status == "warned"
    load(utc_naive(hours=7))
    _, states = run_dag("freshness_now")
    assert states == {"gate": "failed", "downstream": "upstream_failed"}
    assert checks_of(gate_store, "freshness_now")[1]["freshness"].status == "failed"


def test_relative_to_data_interval_end_and_data_advanced_across_partitions(gate_store, events, dagbag):
    load, _ = events
    load(dt.datetime(2024, 3, 9, 21, 0))
    day1 = dt.datetime(2024, 3, 10, tzinfo=dt.UTC)
    _, states = run_dag_on(dagbag, "freshness_interval", day1)
    stored, checks = checks_of(gate_store, "freshness_interval")
    assert checks["freshness"].status == "warned"  # 3 h before the interval's end
    assert checks["freshness"].details["age_seconds"] == 3 * 3600
    assert checks["data_advanced"].status == "passed"
    assert checks["data_advanced"].details["message"] == "no earlier partition recorded: nothing to compare with"
    # The next day nothing new arrived: the newest timestamp did not move past yesterday's.
    _, states = run_dag_on(dagbag, "freshness_interval", day1 + dt.timedelta(days=1))
    _, checks = checks_of(gate_store, "freshness_interval")
    assert states["gate"] == "failed"
    advanced = checks["data_advanced"]
    assert advanced.status == "failed"
    assert advanced.expected == "newer than 2024-03-09T21:00:00+00:00 (partition 2024-03-10)"
    assert advanced.details["previous_partition"] == "2024-03-10"


def test_naive_column_is_read_in_the_declared_timezone(gate_store, events, dagbag):
    load, _ = events
    # 00:30 in Berlin (UTC+1 in March) is 23:30 UTC: 30 minutes before the interval's end, not 30 minutes after.
    load(dt.datetime(2024, 3, 10, 0, 30))
    run_dag_on(dagbag, "freshness_naive_berlin", dt.datetime(2024, 3, 10, tzinfo=dt.UTC))
    _, checks = checks_of(gate_store, "freshness_naive_berlin")
    assert checks["freshness"].details["newest_timestamp"] == "2024-03-10T00:30:00+01:00"
    assert checks["freshness"].details["age_seconds"] == 30 * 60
    assert checks["freshness"].details["naive_timezone"] == "Europe/Berlin"


def test_sql_query_source(gate_store, events, run_dag):
    load, _ = events
    load(utc_naive(minutes=5))
    _, states = run_dag("freshness_query")
    assert states["gate"] == "success"


def test_column_that_is_not_a_timestamp_is_a_configuration_error(gate_store, events, run_dag, capfd):
    load, engine = events
    reflected = "REAL" if engine.dialect.name == "sqlite" else "DOUBLE PRECISION"  # each database's own type name
    load(utc_naive(minutes=5))
    dag_run, states = run_dag("freshness_not_a_timestamp")
    assert states["gate"] == "failed"
    assert dag_run.get_task_instance("gate").try_number == 1
    [stored] = gate_store.recent(dag_id="freshness_not_a_timestamp")
    message = f"freshness: column 'amount' of table events is {reflected}, not a date or timestamp"
    assert stored.result.error == message
    assert message in _output(capfd)


def test_wait_defers_until_fresh_data_lands(gate_store, events, run_dag):
    load, engine = events
    load(utc_naive(hours=3))

    def land_fresh_rows():
        time.sleep(10)  # after the gate found stale data and deferred (the first check is well under 10 s)
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO events VALUES (99, 1.0, ?)" if engine.dialect.name == "sqlite" else "INSERT INTO events VALUES (99, 1.0, %s)",
                (utc_naive(minutes=1),),
            )

    loader = threading.Thread(target=land_fresh_rows)
    loader.start()
    _, states = run_dag("freshness_wait")
    loader.join()
    assert states == {"gate": "success", "downstream": "success"}
    _, checks = checks_of(gate_store, "freshness_wait")
    age = checks["freshness"]
    assert age.status == "passed" and age.details["age_seconds"] < 600
    assert age.details["waited"]["status"] == "fresh"
    assert age.details["waited"]["polls"] >= 2


def test_wait_gives_up_after_the_timeout_and_fails(gate_store, events, run_dag):
    load, _ = events
    load(utc_naive(hours=3))
    _, states = run_dag("freshness_wait_timeout")
    assert states == {"gate": "failed", "downstream": "upstream_failed"}
    _, checks = checks_of(gate_store, "freshness_wait_timeout")
    assert checks["freshness"].status == "failed"
    assert checks["freshness"].details["waited"]["status"] == "timed_out"
