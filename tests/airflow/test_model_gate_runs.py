"""Real Airflow runs of the model gate: the first model becomes the baseline when deployed, a
worse candidate is blocked with the metric and slice named, bad evaluation data is reported."""

from __future__ import annotations

import datetime as dt
import itertools

from tests.airflow.conftest import run_dag_on

_DAYS = itertools.count()


def _run(dagbag, candidate: str):
    day = dt.datetime(2024, 3, 1, tzinfo=dt.UTC) + dt.timedelta(days=next(_DAYS))
    return run_dag_on(dagbag, "model_gate", day, candidate=candidate)


def test_worse_model_is_blocked_before_deployment_naming_metric_and_slice(gate_store, dagbag):
    _, states = _run(dagbag, "good")
    # No production model yet: the gate warns (cold start) and the first model is deployed.
    assert states == {"model_gate": "success", "deploy_model": "success", "serve": "success"}
    first = gate_store.recent(dag_id="model_gate")[0]
    assert first.result.status == "warned"
    assert {c.details["verdict"] for c in first.result.checks} == {"no baseline"}
    production = gate_store.model_baselines.current("trip_duration_test")
    assert production.version == first.identity.run_id
    assert set(production.metrics) == {
        (m, s) for m in ("mae", "rmse", "r2") for s in ("overall", "zone=Airport", "zone=Downtown", "zone=Harbor")
    }

    _, states = _run(dagbag, "worse")
    assert states == {"model_gate": "failed", "deploy_model": "upstream_failed", "serve": "upstream_failed"}
    blocked = gate_store.recent(dag_id="model_gate")[0].result
    failed = {(c.check_name, c.column) for c in blocked.problems if c.status == "failed"}
    assert ("mae", "zone=Airport") in failed and ("rmse", "zone=Airport") in failed
    assert not any(column == "zone=Downtown" for _, column in failed)
    mae = next(c for c in blocked.checks if (c.check_name, c.column) == ("mae", "zone=Airport"))
    assert mae.details["verdict"] == "regressed" and mae.details["baseline_source"] == "production"
    assert mae.details["ci_low"] > mae.details["bar"] and mae.details["n"] > 500
    assert mae.details["explanation"].startswith("mae on slice zone=Airport regressed:")
    assert mae.expected.startswith("≤ ")
    # The blocked candidate did not replace the production baseline.
    assert gate_store.model_baselines.current("trip_duration_test").version == production.version

    _, states = _run(dagbag, "good")
    assert states["model_gate"] == "success"
    again = gate_store.recent(dag_id="model_gate")[0].result
    assert not [c for c in again.checks if c.status == "failed"]


def test_empty_evaluation_data_is_an_error_that_blocks(gate_store, dagbag):
    _, states = _run(dagbag, "empty")
    assert states["model_gate"] == "failed" and states["deploy_model"] == "upstream_failed"
    check = gate_store.recent(dag_id="model_gate")[0].result.checks[0]
    assert (check.check_name, check.status) == ("evaluation_data", "error")
    assert check.details["explanation"] == (
        "callable candidate_predictions: the evaluation data has no rows: there is nothing to judge the model on"
    )


def test_nan_predictions_block_and_name_the_rows(gate_store, dagbag):
    _, states = _run(dagbag, "nan_predictions")
    assert states["model_gate"] == "failed"
    result = gate_store.recent(dag_id="model_gate")[0].result
    missing = next(c for c in result.checks if c.check_name == "missing_predictions")
    assert missing.status == "failed" and missing.column == "predicted"
    assert missing.details["explanation"].startswith(
        "3 of 4,000 labelled rows have no prediction (NaN or empty in 'predicted'; ids in 'trip_id': 3, 10, 42)"
    )


def test_promote_on_pass_records_the_baseline_when_thresholds_pass(gate_store, dagbag):
    day = dt.datetime(2024, 5, 1, tzinfo=dt.UTC) + dt.timedelta(days=next(_DAYS))
    _, states = run_dag_on(dagbag, "model_gate_promote_on_pass", day)
    assert states == {"model_gate": "success"}
    result = gate_store.recent(dag_id="model_gate_promote_on_pass")[0].result
    assert result.status == "passed" and {c.details["baseline_source"] for c in result.checks} == {"threshold"}
    production = gate_store.model_baselines.current("trip_duration_thresholds")
    assert production.version == day.date().isoformat()
    assert production.get("mae", "overall").value == next(c.details["value"] for c in result.checks if c.check_name == "mae")


def test_metrics_that_cannot_fit_are_dag_errors_at_parse_time():
    import pytest

    from quality_gates.checks.model_metrics import MetricDefinitionError
    from quality_gates.operators import ModelMetricGateOperator, ServingMetricGateOperator
    from quality_gates.sources import CallableSource

    with pytest.raises(MetricDefinitionError, match="metric 'roc_auc' needs a score"):
        ModelMetricGateOperator(
            task_id="g",
            source=CallableSource(dict),
            model="m",
            task="classification",
            label_column="y",
            prediction_column="p",
            metrics=["roc_auc"],
        )
    with pytest.raises(MetricDefinitionError, match="log_loss is not available in the serving gate"):
        ServingMetricGateOperator(
            task_id="s",
            conn_id="db",
            predictions_table="p",
            labels_table="l",
            task="classification",
            score_column="score",
            metrics=["log_loss"],
        )
    with pytest.raises(ValueError, match="s: give conn_id"):
        ServingMetricGateOperator(task_id="s", task="regression")
