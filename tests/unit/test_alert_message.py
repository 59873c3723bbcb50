"""Alert messages from stored gate runs: content, escaping, overrides."""

from __future__ import annotations

import datetime as dt

from quality_gates.checks.results import CheckResult, GateResult, RunIdentity, Severity, Status
from quality_gates.notifiers.message import build_message
from quality_gates.store.repository import StoredGateRun

NOW = dt.datetime(2024, 6, 3, tzinfo=dt.UTC)


def stored(checks, gate="anomaly") -> StoredGateRun:
    result = GateResult(gate, "trips", "2024-06-03", tuple(checks), 20_000, NOW, NOW)
    return StoredGateRun(42, RunIdentity("pipeline", "detect", "run_1", -1, 2), result)


ANOMALY = [
    CheckResult(
        "partition_anomaly",
        None,
        Status.FAILED,
        Severity.ERROR,
        "score 37.20",
        "score below 1.00",
        {"culprits": ["driver_rating", "distance_km"]},
    ),
    CheckResult("null_fraction", "driver_rating", Status.FAILED, Severity.ERROR, "0.4369", "0.0704 … 0.0896", {}),
]


def test_text_names_dag_partition_checks_culprits_and_link():
    message = build_message(stored(ANOMALY), link="https://airflow/x")
    assert message.subject == "[failed] anomaly gate pipeline.detect: trips [2024-06-03]"
    assert "Culprit columns: driver_rating, distance_km" in message.text
    assert "- driver_rating: null_fraction [failed]\n    expected 0.0704 … 0.0896; observed 0.4369" in message.text
    assert "Results: https://airflow/x" in message.text
    assert message.payload["culprits"] == ["driver_rating", "distance_km"] and message.payload["gate_run_id"] == 42


def test_user_data_is_escaped_in_html():
    evil = CheckResult(
        "isin", "<b>col</b>", Status.FAILED, Severity.ERROR, "<script>alert(1)</script>", "one of ['a']", {"failing_fraction": 0.5}
    )
    message = build_message(stored([evil], gate="schema"))
    assert "<script>" not in message.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in message.html
    assert "&lt;b&gt;col&lt;/b&gt;" in message.html
    assert "50.00%" in message.html


def test_recovery_message_lists_no_problems():
    message = build_message(stored(ANOMALY), recovered=True)
    assert message.subject.startswith("[recovered] anomaly gate pipeline.detect")
    assert "passes again" in message.text and "null_fraction" not in message.text
    assert message.payload["event"] == "recovered"


def test_templates_can_be_overridden_one_by_one(tmp_path):
    (tmp_path / "subject.txt.j2").write_text("DATA ALERT {{ result.dataset }} {{ result.status }}")
    message = build_message(stored(ANOMALY), template_dir=tmp_path)
    assert message.subject == "DATA ALERT trips failed"
    assert "Culprit columns" in message.text  # the other templates stay the defaults


def test_long_lists_are_cut_with_a_count():
    many = [CheckResult(f"check_{i}", "c", Status.FAILED, Severity.ERROR, "x", "y", {}) for i in range(25)]
    message = build_message(stored(many, gate="schema"))
    assert message.text.count("[failed]") == 10
    assert "… and 15 more failing checks in check_results (gate_run_id 42)." in message.text
