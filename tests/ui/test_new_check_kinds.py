"""Freshness, cross-table, quarantine and SQL-assertion checks on the task-instance page and in alerts,
from the same recorded results (issue 16)."""

from __future__ import annotations

import datetime as dt

from tests.ui.conftest import READABLE_DAG, auth, seed_run

PREFIX = "/quality-gates"


def _new_checks():
    from quality_gates.checks.results import CheckResult, Severity, Status

    return [
        CheckResult(
            "freshness",
            "loaded_at",
            Status.FAILED,
            Severity.ERROR,
            "age 7h (newest 2024-06-01T17:00:00+00:00)",
            "age <= 2h (warn), <= 6h (error) relative to now",
            {"kind": "freshness", "age_seconds": 25200.0},
        ),
        CheckResult(
            "relationships",
            "customer_id",
            Status.FAILED,
            Severity.ERROR,
            "2 of 100 rows (2.00%) have no match, e.g. 77, 88",
            "every non-null (customer_id) of orders in customers (id)",
            {"kind": "cross_table", "failing_rows": 2, "example_keys": [77, "<b>88</b>"], "other": "customers"},
        ),
        CheckResult(
            "aggregate_match",
            "amount",
            Status.FAILED,
            Severity.ERROR,
            "1 of 1 groups differ",
            "sum(amount) per (day)",
            {
                "kind": "cross_table",
                "example_keys": [{"group": {"day": "2024-06-01"}, "column": "amount", "expected": 10.0, "observed": 9.0}],
            },
        ),
        CheckResult(
            "quarantine",
            None,
            Status.PASSED,
            Severity.WARN,
            "2 failing rows to table q (connection 'w')",
            "failing rows quarantined",
            {"kind": "quarantine", "failing_rows": 2},
        ),
    ]


def test_task_page_shows_new_checks_with_example_keys_escaped(client, tokens, ui_store):
    seed_run(ui_store, READABLE_DAG, task_id="fresh", gate="cross_table", dataset="orders", checks=_new_checks())
    html = client.get(f"{PREFIX}/dags/{READABLE_DAG}/runs/run_1/tasks/fresh", headers=auth(tokens, "viewer")).text
    assert "cross-table gate" in html
    assert "age 7h (newest 2024-06-01T17:00:00+00:00)" in html
    assert 'data-testid="qg-example-keys"' in html and "compared with customers" in html
    assert "&lt;b&gt;88&lt;/b&gt;" in html and "<b>88</b>" not in html
    assert "2 failing rows to table q (connection &#39;w&#39;)" in html


def test_alert_names_the_new_checks_observed_vs_expected():
    from quality_gates.checks.results import GateResult, RunIdentity
    from quality_gates.notifiers.message import build_message
    from quality_gates.store.repository import StoredGateRun

    now = dt.datetime(2024, 6, 2, tzinfo=dt.UTC)
    result = GateResult("freshness", "orders", "2024-06-01", tuple(_new_checks()), None, now, now)
    message = build_message(StoredGateRun(7, RunIdentity("d", "t", "r"), result))
    assert "freshness" in message.text and "expected age <= 2h (warn), <= 6h (error) relative to now; observed age 7h" in message.text
    assert "2 of 100 rows (2.00%) have no match, e.g. 77, 88" in message.text
    assert message.payload["summary"]["problems"][0]["check"] == "freshness"
