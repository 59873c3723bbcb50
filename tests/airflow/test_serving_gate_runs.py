"""Real Airflow runs of the serving gate over a SQL database (SQLite or PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import itertools

from tests.airflow.conftest import airflow_uri, run_dag_on

_DAYS = itertools.count()


def _run(dagbag, gate_store, **conf):
    day = dt.datetime(2024, 6, 1, tzinfo=dt.UTC) + dt.timedelta(days=next(_DAYS))
    _, states = run_dag_on(dagbag, "serving_gate", day, **conf)
    return states, gate_store.recent(dag_id="serving_gate")[0].result


def test_serving_gate_reports_coverage_and_refuses_to_judge_on_too_few_labels(gate_store, store_url, dagbag, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_SERVING_DB", airflow_uri(store_url))  # the log lives in the same database here

    # One hour after the day: few labels have arrived. Warned, metrics not judged, pipeline continues.
    states, result = _run(dagbag, gate_store, scenario="settled", label_wait_hours=1)
    assert states == {"log_serving_day": "success", "serving_gate": "success", "downstream": "success"}
    checks = {c.check_name: c for c in result.checks}
    assert result.status == "warned" and checks["label_coverage"].details["verdict"] == "insufficient labels"
    assert checks["label_coverage"].details["explanation"].startswith("insufficient labels: only ")
    assert checks["prediction_volume"].observed == "2,000 predictions"
    assert {"label_delay", "class_balance"} <= set(checks) and "roc_auc" not in checks

    # Ten days later nearly every label is in: the metrics are judged and pass the threshold.
    states, result = _run(dagbag, gate_store, scenario="settled", label_wait_hours=240)
    assert states["downstream"] == "success" and result.status == "passed"
    auc = next(c for c in result.checks if (c.check_name, c.column) == ("roc_auc", None))
    assert auc.details["verdict"] == "passed" and auc.details["ci_low"] >= 0.8
    assert next(c for c in result.checks if c.check_name == "label_coverage").details["coverage"] > 0.99

    # A degraded model: ROC AUC falls below its threshold beyond its interval, and the gate blocks.
    states, result = _run(dagbag, gate_store, scenario="degraded", label_wait_hours=240)
    assert states == {"log_serving_day": "success", "serving_gate": "failed", "downstream": "upstream_failed"}
    failed = {(c.check_name, c.column) for c in result.checks if c.status == "failed"}
    assert ("roc_auc", None) in failed and ("roc_auc", "channel=app") in failed


def test_serving_gate_joins_two_sources_without_a_database(gate_store, dagbag):
    day = dt.datetime(2024, 8, 1, tzinfo=dt.UTC) + dt.timedelta(days=next(_DAYS))
    _, states = run_dag_on(dagbag, "serving_gate_sources", day, scenario="degraded")
    assert states == {"serving_gate": "failed", "downstream": "upstream_failed"}
    result = gate_store.recent(dag_id="serving_gate_sources")[0].result
    assert result.dataset == "serving_gate_sources.serving_gate"
    auc = next(c for c in result.checks if c.check_name == "roc_auc")
    assert auc.status == "failed" and auc.details["explanation"].startswith("roc_auc overall regressed: 0.70")
    coverage = next(c for c in result.checks if c.check_name == "label_coverage")
    assert coverage.details["labelled"] == 1999 and coverage.status == "passed"  # one label takes > 9 days
