"""A verdict and its artifacts are kept together or not at all (ResultStore.record), on SQLite
and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import text

from quality_gates.checks.artifacts import ModelPromotionArtifact, PartitionProfileArtifact, ReferenceProfileArtifact
from quality_gates.checks.errors import PromotionError, StoreUnavailableError, StoreValueError
from quality_gates.checks.profiles.model import ColumnProfile, PartitionProfile
from quality_gates.checks.results import CheckKind, CheckResult, GateAction, GateKind, GateMode, GateResult, RunIdentity, Severity, Status

NOW = dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC)
PROFILE = PartitionProfile(100, {"amount": ColumnProfile("numeric", {"mean": 10.0, "null_fraction": 0.0})}, {"row_count": 100.0})


def verdict(gate: GateKind = GateKind.ANOMALY, status: Status = Status.PASSED, **details) -> GateResult:
    check = CheckResult(
        "partition_anomaly",
        None,
        status,
        Severity.ERROR,
        "score 0.20",
        "score below 1.00",
        {"kind": CheckKind.PARTITION_ANOMALY, **details},
    )
    return GateResult(gate, "orders", "2024-06-01", (check,), 100, NOW, NOW, mode=GateMode.FAIL, action=GateAction.ALLOWED)


def count(store, table: str) -> int:
    with store.engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def test_the_profile_is_written_with_its_gate_run_and_linked_to_it(store):
    gate_run_id = store.record(RunIdentity("dag", "gate", "run_1"), verdict(), [PartitionProfileArtifact(PROFILE, anomalous=False)])
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT gate_run_id, baseline_status FROM partitions")).one() == (gate_run_id, "included")
    assert store.get(gate_run_id).result.status is Status.PASSED


def test_a_promotion_that_cannot_be_made_leaves_an_error_row_and_no_baseline(store):
    identity = RunIdentity("dag", "model_gate", "run_1")
    passed = GateResult(GateKind.MODEL_METRIC, "fare_model", "run_1", (), 100, NOW, NOW, mode=GateMode.FAIL, action=GateAction.ALLOWED)
    with pytest.raises(PromotionError, match="nothing to promote for model 'fare_model': no metric with a value"):
        store.record(identity, passed, [ModelPromotionArtifact("v2", "deploy")])
    stored = store.find(identity)
    assert (stored.result.status, stored.result.action) == (Status.ERROR, GateAction.BLOCKED)
    assert stored.result.error == ("the verdict (passed) was not kept: nothing to promote for model 'fare_model': no metric with a value")
    assert count(store, "model_baselines") == 0


def test_a_value_the_store_refuses_is_a_configuration_error_recorded_as_such(store, store_url):
    if store_url.startswith("sqlite"):
        pytest.skip("SQLite does not enforce VARCHAR lengths")
    import pandas as pd

    from quality_gates.checks.profiles.reference import profile_reference

    identity = RunIdentity("dag", "reference", "run_1")
    reference = profile_reference(pd.DataFrame({"amount": [1.0, 2.0, 3.0]}))
    result = GateResult(GateKind.REFERENCE, "trips", "v", (), 3, NOW, NOW, mode=GateMode.FAIL, action=GateAction.ALLOWED)
    with pytest.raises(
        StoreValueError,
        match="refused a value: could not write the reference profile of trips version v+: "
        "value too long for type character varying\\(250\\)",
    ):
        store.record(identity, result, [ReferenceProfileArtifact(reference, "v" * 300)])
    assert store.find(identity).result.status is Status.ERROR
    assert count(store, "reference_profiles") == 0


def test_two_gates_saving_the_same_partition_at_once_never_keep_a_verdict_without_its_profile(store, store_url):
    if store_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers: the two transactions cannot overlap")
    # Widen the race: each insert of a profile waits, so both transactions are mid-write together.
    with store.engine.begin() as connection:
        connection.execute(
            text("CREATE FUNCTION slow_profiles() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(0.5); RETURN NEW; END $$ LANGUAGE plpgsql")
        )
        connection.execute(text("CREATE TRIGGER slow_profiles BEFORE INSERT ON partitions FOR EACH ROW EXECUTE FUNCTION slow_profiles()"))
    barrier, errors = threading.Barrier(2), []

    def gate(dag_id: str) -> None:
        barrier.wait()
        try:
            store.record(RunIdentity(dag_id, "gate", "run_1"), verdict(), [PartitionProfileArtifact(PROFILE, anomalous=False)])
        except StoreUnavailableError as exc:
            errors.append(exc)

    try:
        threads = [threading.Thread(target=gate, args=(name,)) for name in ("dag_a", "dag_b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        with store.engine.begin() as connection:
            connection.execute(text("DROP TRIGGER slow_profiles ON partitions"))
            connection.execute(text("DROP FUNCTION slow_profiles()"))
    assert len(errors) == 1 and "could not write the profile of orders [2024-06-01]: duplicate key value" in str(errors[0])
    with store.engine.connect() as connection:
        runs = connection.execute(text("SELECT id, status FROM gate_runs ORDER BY status")).all()
        linked = connection.execute(text("SELECT gate_run_id FROM partitions")).scalar_one()
    assert [status for _, status in runs] == ["error", "passed"]
    assert linked == next(id_ for id_, status in runs if status == "passed")  # the kept verdict has its profile
