"""The gate shape in real Airflow runs: every try that ran leaves a row, deterministic failures
are not retried, and a verdict is never kept without its artifacts."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.airflow.test_gate_errors import _output


def _tries(store, dag_id: str):
    return sorted(store.recent(dag_id=dag_id), key=lambda s: s.identity.try_number)


def test_a_source_that_crashes_mid_iteration_leaves_an_error_row_for_every_try(gate_store, run_dag, capfd):
    dag_run, states = run_dag("shape_source_crash")
    assert (states["gate"], states["downstream"]) == ("failed", "upstream_failed")
    tries = _tries(gate_store, "shape_source_crash")
    assert [s.identity.try_number for s in tries] == [1, 2]  # an unexpected error is retried
    expected = "ValueError: line 12 of orders.csv: could not convert 'ten' to float"
    assert {(s.result.status, s.result.error, s.result.action) for s in tries} == {("error", expected, "blocked")}
    assert expected in _output(capfd)


def test_a_connection_type_without_its_provider_is_a_recorded_configuration_error(gate_store, run_dag, monkeypatch, capfd):
    monkeypatch.setenv("AIRFLOW_CONN_LEGACY_MYSQL", "mysql://reader:secret@127.0.0.1:3306/shop")
    dag_run, states = run_dag("shape_missing_provider")
    assert states["gate"] == "failed"
    assert dag_run.get_task_instance("gate").try_number == 1  # not retried: installing a package is the fix
    [stored] = gate_store.recent(dag_id="shape_missing_provider")
    message = (
        "connection 'legacy_mysql' has type 'mysql', which no installed Airflow provider knows: "
        "install apache-airflow-providers-mysql on the workers"
    )
    assert (stored.result.status, stored.result.error) == ("error", message)
    assert message in _output(capfd)


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        (
            {"partition": "k" * 10_000, "dataset": "orders"},
            "the partition key is 10,000 bytes long (UTF-8); the results store keeps at most 1,000: "
            "give a shorter partition= (it starts 'kkkk",
        ),
        (
            {"dataset": "d" * 501, "partition": "2024-01-01"},
            "the dataset name is 501 characters long; the results store keeps at most 500: give a shorter dataset= (it starts 'dddd",
        ),
    ],
)
def test_keys_too_long_to_store_fail_at_once_and_are_recorded_shortened(gate_store, run_dag, conf, message):
    dag_run, states = run_dag("shape_keys", **conf)
    assert states["gate"] == "failed"
    assert dag_run.get_task_instance("gate").try_number == 1  # deterministic: not retried
    [stored] = gate_store.recent(dag_id="shape_keys")
    assert stored.result.status == "error" and stored.result.error.startswith(message)
    too_long = "partition" if len(conf["partition"]) > 1000 else "dataset"
    long_value = conf[too_long]
    kept = stored.result.partition_key if too_long == "partition" else stored.result.dataset
    assert kept != long_value and kept.startswith(long_value[:50]) and len(kept.encode()) <= 500
    assert len(kept.rsplit("…", 1)[1]) == 16  # a hash of the whole value: two long keys never share a row


@pytest.fixture
def profiles_refused(gate_store):
    """The store refuses to keep partition profiles, as a full disk or a dropped table would."""
    engine = gate_store.engine
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(
                text(
                    "CREATE TRIGGER refuse_profiles BEFORE INSERT ON partitions BEGIN "
                    "SELECT RAISE(ABORT, 'could not extend file: No space left on device'); END"
                )
            )
        else:
            connection.execute(
                text(
                    "CREATE FUNCTION refuse_profiles() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'could not extend file: No space left on device'; END $$ LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text("CREATE TRIGGER refuse_profiles BEFORE INSERT ON partitions FOR EACH ROW EXECUTE FUNCTION refuse_profiles()")
            )
    yield gate_store
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER refuse_profiles" + ("" if engine.dialect.name == "sqlite" else " ON partitions")))
        if engine.dialect.name != "sqlite":
            connection.execute(text("DROP FUNCTION refuse_profiles()"))


def test_a_verdict_whose_profile_cannot_be_kept_is_recorded_as_an_error(profiles_refused, run_dag):
    dag_run, states = run_dag("shape_anomaly_artifacts")
    assert (states["gate"], states["downstream"]) == ("failed", "upstream_failed")
    tries = _tries(profiles_refused, "shape_anomaly_artifacts")
    assert [s.identity.try_number for s in tries] == [1, 2]  # the store may recover: retried
    for stored in tries:
        assert stored.result.status == "error"  # never "passed" for a try whose profile was lost
        assert stored.result.error.startswith("the verdict (passed) was not kept: results store ")
        assert "could not write the profile of shape_daily_orders" in stored.result.error
        assert "No space left on device" in stored.result.error
        assert [c.check_name for c in stored.result.checks] == ["partition_anomaly"]  # what it found stays readable
    with profiles_refused.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM partitions")).scalar() == 0
