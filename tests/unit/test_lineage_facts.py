"""The lineage facts of a gate run, built from the one result model (no Airflow, no OpenLineage)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from quality_gates.checks.profiles import profile_partition
from quality_gates.checks.profiles.reference import profile_reference
from quality_gates.checks.results import CheckResult, GateResult, Severity, Status
from quality_gates.lineage import registry
from quality_gates.lineage.facts import (
    MAX_TEXT,
    DatasetName,
    assertion,
    gate_facts,
    metrics_from_frame,
    metrics_from_profile,
    metrics_from_reference,
)

NOW = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)


def check(name: str, column: str | None, status: Status, message: str = "") -> CheckResult:
    return CheckResult(
        name,
        column,
        status,
        Severity.WARN if status is Status.WARNED else Severity.ERROR,
        "observed",
        "expected",
        {"message": message, "failing_fraction": 0.25} if message else {},
    )


def test_one_assertion_per_check_that_succeeds_only_when_the_check_passed():
    passed, warned = assertion(check("not_nullable", "id", Status.PASSED)), assertion(check("mostly", "fare", Status.WARNED, "x" * 5000))
    assert passed == {
        "assertion": "not_nullable",
        "name": "not_nullable",
        "column": "id",
        "success": True,
        "severity": "error",
        "expected": "expected",
        "actual": "observed",
        "description": None,
        "params": {"status": "passed"},
    }
    assert (warned["success"], warned["severity"], warned["params"]) == (False, "warn", {"status": "warned", "failing_fraction": 0.25})
    assert len(warned["description"]) == MAX_TEXT and warned["description"].endswith("…")


def test_gate_facts_list_the_checks_that_did_not_pass():
    result = GateResult(
        "schema",
        "orders",
        "2024-06-01",
        (check("unique", "id", Status.FAILED), check("dtype", "id", Status.PASSED), check("row_count", None, Status.WARNED)),
        10,
        NOW,
        NOW,
    )
    facts = gate_facts(result, gate_run_id=7, mode="warn", report_url="http://x", inputs=[DatasetName("file", "/o.csv")])
    assert (facts.status, facts.gate_run_id, facts.mode, facts.row_count, facts.inputs) == (
        "failed",
        7,
        "warn",
        10,
        (DatasetName("file", "/o.csv"),),
    )
    assert facts.failed_checks == [
        {"check": "unique", "column": "id", "status": "failed"},
        {"check": "row_count", "column": None, "status": "warned"},
    ]


def test_frame_metrics_are_exact_for_a_frame_the_sample_covers():
    frame = pd.DataFrame({"fare": [1.0, 2.0, None, 4.0, 4.0, np.inf], "zone": ["a", "b", None, "a", "a", "c"], "flag": [True] * 6})
    metrics = metrics_from_frame(frame)
    # ±inf is a value (not null) but has no place in min, max, sum or quantiles.
    quantiles = np.quantile([1.0, 2.0, 4.0, 4.0], [0.05, 0.25, 0.5, 0.75, 0.95]).tolist()
    assert metrics["fare"] == {
        "nullCount": 1,
        "count": 5,
        "distinctCount": 4,
        "min": 1.0,
        "max": 4.0,
        "sum": 11.0,
        "quantiles": dict(zip(["0.05", "0.25", "0.5", "0.75", "0.95"], quantiles)),
    }
    assert metrics["zone"] == {"nullCount": 1, "count": 5, "distinctCount": 3}
    assert metrics["flag"] == {"nullCount": 0, "count": 6, "distinctCount": 1}
    assert set(metrics_from_frame(frame, ["zone", "not_there"])) == {"zone"}


def test_frame_metrics_of_a_large_frame_sample_the_quantiles_and_leave_out_distinct_counts():
    rng = np.random.default_rng(3)
    values = rng.normal(0, 1, 300_000)
    metrics = metrics_from_frame(pd.DataFrame({"x": values}))["x"]
    assert "distinctCount" not in metrics
    assert (metrics["min"], metrics["max"], metrics["count"]) == (values.min(), values.max(), 300_000)
    assert metrics["sum"] == pytest.approx(values.sum())
    # 100,000 sampled rows: each quantile within 0.0043 of its rank (DKW, 95%); 0.01 is a safe margin.
    for key, q in {"0.05": 0.05, "0.5": 0.5, "0.95": 0.95}.items():
        assert abs((values < metrics["quantiles"][key]).mean() - q) < 0.01


def test_the_anomaly_profile_gives_the_same_metrics_as_the_frame():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"amount": rng.gamma(2.0, 10.0, 2000).round(2), "status": rng.choice(["new", "paid", None], 2000)})
    frame.loc[::50, "amount"] = None
    from_profile, from_frame = metrics_from_profile(profile_partition(frame)), metrics_from_frame(frame)
    assert from_profile["status"] == from_frame["status"]
    amount, expected = from_profile["amount"], from_frame["amount"]
    assert {k: amount[k] for k in ("nullCount", "count", "distinctCount", "min", "max")} == {
        k: expected[k] for k in ("nullCount", "count", "distinctCount", "min", "max")
    }
    assert amount["sum"] == pytest.approx(expected["sum"]) and amount["quantiles"] == pytest.approx(expected["quantiles"])


def test_reference_metrics_come_from_its_histogram_and_category_counts():
    frame = pd.DataFrame({"km": [1.5, 2.5, None, 9.0], "zone": ["a", "b", "b", None]})
    metrics = metrics_from_reference(profile_reference(frame))
    assert metrics["km"] == {"nullCount": 1, "count": 3, "min": 1.5, "max": 9.0, "sum": pytest.approx(13.0)}
    assert metrics["zone"] == {"nullCount": 1, "count": 3, "distinctCount": 2}


def test_the_registry_keeps_the_latest_task_instances_only():
    facts = gate_facts(GateResult("schema", "d", "p", (), 0, NOW, NOW), gate_run_id=1, mode="fail", report_url="u")
    for key in range(registry.MAX_KEPT + 5):
        registry.keep(("test", key), facts)
    assert registry.lookup(("test", 0)) is None and registry.lookup(("test", registry.MAX_KEPT + 4)) is facts


def test_an_outcome_gives_the_metrics_it_measured_else_those_of_the_profile_it_keeps():
    from quality_gates.checks.artifacts import PartitionProfileArtifact, ReferenceProfileArtifact
    from quality_gates.checks.results import GateOutcome
    from quality_gates.lineage.facts import metrics_from_outcome

    frame = pd.DataFrame({"km": [1.5, 2.5, None, 9.0]})
    profile, reference = profile_partition(frame), profile_reference(frame)
    assert metrics_from_outcome(GateOutcome(4, ())) == {}
    assert metrics_from_outcome(GateOutcome(4, (), (PartitionProfileArtifact(profile, False),))) == metrics_from_profile(profile)
    assert metrics_from_outcome(GateOutcome(4, (), (ReferenceProfileArtifact(reference, "v1"),))) == metrics_from_reference(reference)
    measured = {"km": {"nullCount": 1}}
    assert metrics_from_outcome(GateOutcome(4, (), (PartitionProfileArtifact(profile, False),), column_metrics=measured)) == measured
