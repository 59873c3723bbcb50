"""Alerts say what the gate did to the pipeline, and name culprits by the kind of gate."""

from __future__ import annotations

import datetime as dt

from quality_gates.checks.culprits import culprit_columns
from quality_gates.checks.results import CheckResult, GateAction, GateMode, GateResult, RunIdentity, Severity, Status
from quality_gates.notifiers.message import build_message
from quality_gates.store.repository import StoredGateRun

NOW = dt.datetime(2024, 6, 3, tzinfo=dt.UTC)
FAILED = CheckResult("greater_than_or_equal_to", "amount", Status.FAILED, Severity.ERROR, "3 rows", ">= 0")


def stored(mode, action, status_check=FAILED, gate="schema") -> StoredGateRun:
    result = GateResult(gate, "orders", "2024-06-03", (status_check,), 100, NOW, NOW, mode=mode, action=action)
    return StoredGateRun(7, RunIdentity("shop", "validate", "run_1"), result)


def test_a_failure_allowed_in_warn_mode_says_the_pipeline_continued():
    message = build_message(stored(GateMode.WARN, GateAction.ALLOWED))
    assert message.subject == "[failed, allowed in warn mode] schema gate shop.validate: orders [2024-06-03]"
    assert message.text.startswith("The schema gate shop.validate failed but let the pipeline continue (allowed in warn mode) on orders")
    assert "Action: allowed in warn mode (mode warn)" in message.text
    assert "Action: <b>allowed in warn mode</b> (mode warn)" in message.html
    assert (message.payload["summary"]["mode"], message.payload["summary"]["action"]) == ("warn", "allowed")


def test_blocked_and_skipped_runs_say_so_and_old_rows_read_as_before():
    blocked = build_message(stored(GateMode.FAIL, GateAction.BLOCKED))
    assert blocked.subject.startswith("[failed] ") and "shop.validate blocked the pipeline on orders" in blocked.text
    skipped = build_message(stored(GateMode.SKIP, GateAction.SKIPPED))
    assert skipped.subject.startswith("[failed, skipped] ") and "shop.validate skipped the downstream tasks on orders" in skipped.text
    old = build_message(stored(None, None))  # recorded before modes and actions were
    assert old.subject.startswith("[failed] ") and "blocked the pipeline" in old.text and "Action:" not in old.text


def test_culprit_columns_are_read_by_the_kind_of_gate():
    drift = CheckResult(
        "dataset_drift",
        None,
        Status.FAILED,
        Severity.ERROR,
        "1 of 5",
        "0",
        {"kind": "dataset_drift", "culprits": [{"column": "fare", "method": "psi", "statistic": 0.4, "threshold": 0.25, "weight": 1}]},
    )
    skew = CheckResult("training_serving_skew", None, Status.FAILED, Severity.ERROR, "1 of 3", "0", {"skewed_features": ["tip"]})
    anomaly = CheckResult("partition_anomaly", None, Status.FAILED, Severity.ERROR, "score 3", "< 1", {"culprits": ["amount"]})
    assert culprit_columns("drift", [drift]) == ["fare"]
    assert culprit_columns("skew", [skew]) == ["tip"]  # recorded before checks carried a kind: found by name
    assert culprit_columns("anomaly", [anomaly]) == ["amount"]
    assert culprit_columns("schema", [drift]) == [] and culprit_columns("a_newer_gate", [anomaly]) == []
    assert build_message(stored(GateMode.FAIL, GateAction.BLOCKED, drift, gate="drift")).payload["culprits"] == ["fare"]
