"""Production baselines of models, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from quality_gates.checks.results import CheckResult, GateResult, RunIdentity, Severity, Status
from quality_gates.store.model_baselines import BaselineMetric, PromotionError


def _gate_run(store, run_id: str, status: Status, value: float) -> int:
    now = dt.datetime.now(dt.UTC)
    check = CheckResult(
        "mae",
        "zone=Airport",
        status,
        Severity.ERROR,
        f"{value}",
        "≤ 5",
        {
            "kind": "model_metric",
            "metric": "mae",
            "slice": "zone=Airport",
            "value": value,
            "ci_low": value - 0.1,
            "ci_high": value + 0.1,
            "n": 400,
        },
    )
    finding = CheckResult("unlabelled_rows", "y", Status.PASSED, Severity.ERROR, "3 rows", "labelled rows", {"kind": "evaluation_data"})
    result = GateResult("model_metric", "trip_model", run_id, (finding, check), 1000, now, now)
    return store.record(RunIdentity("d", "model_gate", run_id), result)


def test_promoting_a_gate_run_makes_its_metrics_the_production_baseline(store):
    assert store.model_baselines.current("trip_model") is None
    first = _gate_run(store, "r1", Status.WARNED, 4.0)
    assert store.model_baselines.promote_gate_run(store.get(first), version="v1", by="deploy") == 1
    second = _gate_run(store, "r2", Status.PASSED, 3.5)
    store.model_baselines.promote_gate_run(store.get(second), version="v2")
    current = store.model_baselines.current("trip_model")
    assert (current.version, current.get("mae", "zone=Airport")) == ("v2", BaselineMetric("mae", "zone=Airport", 3.5, 3.4, 3.6, 400))
    assert current.get("mae", "overall") is None


def test_a_blocked_model_cannot_become_the_baseline(store):
    blocked = _gate_run(store, "r3", Status.FAILED, 9.0)
    with pytest.raises(PromotionError, match="gate run .* of model 'trip_model' is failed: a blocked model cannot become the baseline"):
        store.model_baselines.promote_gate_run(store.get(blocked), version="bad")
    assert store.model_baselines.current("trip_model") is None


def test_promoting_the_same_version_again_replaces_it(store):
    baselines = store.model_baselines
    baselines.promote("m", "v1", [BaselineMetric("r2", "overall", 0.5, None, None, 10)])
    baselines.promote(
        "m", "v1", [BaselineMetric("r2", "overall", 0.6, 0.5, 0.7, 10), BaselineMetric("r2", "x=1", float("nan"), None, None, 1)]
    )
    assert baselines.current("m").metrics == {("r2", "overall"): BaselineMetric("r2", "overall", 0.6, 0.5, 0.7, 10)}
