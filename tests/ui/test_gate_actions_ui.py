"""The pages show what each gate run did to the pipeline ("allowed in warn mode"), and pick the
sections of a gate run's page by its GateKind."""

from __future__ import annotations

import datetime as dt

import pytest

from quality_gates.checks.results import (
    CheckKind,
    CheckResult,
    GateAction,
    GateKind,
    GateMode,
    GateResult,
    RunIdentity,
    Severity,
    Status,
)
from quality_gates.plugin import gate_views
from tests.ui.conftest import READABLE_DAG, auth, seed_partition

PREFIX = "/quality-gates"
T0 = dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC)


def record(
    store, run_id: str, status: Status, mode: GateMode | None, action: GateAction | None, *, gate=GateKind.SCHEMA, checks=None
) -> int:
    checks = checks or (CheckResult("greater_than_or_equal_to", "amount", status, Severity.ERROR, "3 rows", ">= 0"),)
    result = GateResult(gate, "orders", run_id, tuple(checks), 100, T0, T0, mode=mode, action=action)
    return store.record(RunIdentity(READABLE_DAG, "validate", run_id), result)


def test_a_failure_let_through_in_warn_mode_is_badged_on_task_overview_and_grid(client, tokens, ui_store):
    record(ui_store, "run_warn", Status.FAILED, GateMode.WARN, GateAction.ALLOWED)
    record(ui_store, "run_fail", Status.FAILED, GateMode.FAIL, GateAction.BLOCKED)
    record(ui_store, "run_ok", Status.PASSED, GateMode.WARN, GateAction.ALLOWED)
    record(ui_store, "run_old", Status.FAILED, None, None)  # recorded before 0008
    headers = auth(tokens, "viewer")

    task = client.get(f"{PREFIX}/dags/{READABLE_DAG}/runs/run_warn/tasks/validate", headers=headers).text
    assert (
        '<span class="qg-gate-action qg-gate-action-allowed" data-testid="qg-action" data-action="allowed">allowed in warn mode</span>'
        in task
    )
    assert (
        'data-action="blocked">blocked</span>'
        in client.get(f"{PREFIX}/dags/{READABLE_DAG}/runs/run_fail/tasks/validate", headers=headers).text
    )
    for quiet in ("run_ok", "run_old"):  # a pass needs no badge; an old row has no action to show
        assert (
            'data-testid="qg-action"' not in client.get(f"{PREFIX}/dags/{READABLE_DAG}/runs/{quiet}/tasks/validate", headers=headers).text
        )

    overview = client.get(f"{PREFIX}/", params={"dataset": "orders"}, headers=headers).text
    assert overview.count('data-testid="qg-action"') == 2 and "allowed in warn mode" in overview

    grid = client.get(f"{PREFIX}/dags/{READABLE_DAG}", headers=headers).text
    assert 'data-run-id="run_warn" data-action="allowed"' in grid and "allowed in warn mode" in grid
    assert grid.count('data-testid="qg-let-through"') == 1

    api = client.get(f"{PREFIX}/api/gate-runs", params={"dataset": "orders"}, headers=headers).json()["runs"]
    assert {r["run_id"]: (r["mode"], r["action"], r["action_label"]) for r in api} == {
        "run_warn": ("warn", "allowed", "allowed in warn mode"),
        "run_fail": ("fail", "blocked", "blocked"),
        "run_ok": ("warn", "allowed", "allowed in warn mode"),
        "run_old": (None, None, None),
    }


def test_the_dataset_page_badges_a_flagged_partition_that_was_let_through(client, tokens, ui_store):
    gate_run_id = record(ui_store, "2024-06-01", Status.FAILED, GateMode.WARN, GateAction.ALLOWED, gate=GateKind.ANOMALY)
    seed_partition(ui_store, "orders", "2024-06-01", gate_run_id=gate_run_id, anomalous=True)
    page = client.get(f"{PREFIX}/dataset", params={"dataset": "orders"}, headers=auth(tokens, "viewer")).text
    assert 'data-action="allowed">allowed in warn mode</span>' in page


@pytest.mark.parametrize(
    ("gate", "sections"),
    [
        (GateKind.SCHEMA, set()),
        (GateKind.ANOMALY, {"culprits", "partition"}),
        (GateKind.DRIFT, {"culprits"}),
        (GateKind.SKEW, {"culprits"}),
        (GateKind.REFERENCE, set()),
        (GateKind.MODEL_METRIC, {"metrics"}),
        (GateKind.SERVING_METRIC, {"metrics", "labels"}),
    ],
)
def test_each_gate_kind_has_its_view(gate, sections):
    view = gate_views.view_for(gate)
    assert {name for name in ("culprits", "metrics", "labels", "partition") if getattr(view, name)} == sections
    assert gate_views.view_for(gate.value) is view  # the stored string picks the same view


def test_a_gate_page_fills_only_its_kinds_sections(client, tokens, ui_store):
    # A schema gate whose checks happen to carry metric-like details: its page shows no metric chart.
    metric_like = CheckResult(
        "accuracy",
        None,
        Status.FAILED,
        Severity.ERROR,
        "0.5",
        ">= 0.9",
        {"kind": CheckKind.MODEL_METRIC, "metric": "accuracy", "slice": "overall", "value": 0.5, "bar": 0.9},
    )
    record(ui_store, "schema_run", Status.FAILED, GateMode.FAIL, GateAction.BLOCKED, checks=(metric_like,))
    record(ui_store, "model_run", Status.FAILED, GateMode.FAIL, GateAction.BLOCKED, gate=GateKind.MODEL_METRIC, checks=(metric_like,))
    headers = auth(tokens, "viewer")

    def detail(run_id):
        return client.get(f"{PREFIX}/api/dags/{READABLE_DAG}/runs/{run_id}/tasks/validate", headers=headers).json()

    assert detail("schema_run")["metrics"] == []
    assert [m["metric"] for m in detail("model_run")["metrics"]] == ["accuracy"]
    # A kind this version does not know (a newer gate) still shows every section that finds its details.
    assert gate_views.view_for("a_newer_gate") is gate_views.UNKNOWN_GATE and gate_views.UNKNOWN_GATE.metrics
