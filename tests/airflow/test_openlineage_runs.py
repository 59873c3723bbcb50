"""OpenLineage events of real gate runs: the provider's listener, its file transport, every gate kind."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.airflow.test_gate_errors import warehouse  # noqa: F401 (fixture: the 'orders' table behind connection 'warehouse')
from tests.conftest import TESTS

pytestmark = pytest.mark.xdist_group("openlineage")
_dates = itertools.count()
NAMESPACE = "quality-gates-tests"


def run_in_process(dag_id: str, transport: dict, **conf) -> tuple[dict[str, str], str]:
    """dag.test() in a fresh process whose OpenLineage provider uses ``transport``."""
    logical_date = dt.datetime(2031, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=next(_dates))
    env = {
        **os.environ,
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(transport),
        "AIRFLOW__OPENLINEAGE__NAMESPACE": NAMESPACE,
        "PYTHONPATH": os.pathsep.join([str(TESTS.parent), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.airflow.dag_run_process", dag_id, logical_date.isoformat(), json.dumps(conf)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=TESTS.parent,
    )
    states = [line for line in done.stdout.splitlines() if line.startswith("TASK_STATES=")]
    assert states, f"dag.test() did not finish:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    return json.loads(states[-1].removeprefix("TASK_STATES=")), done.stdout + done.stderr


def task_events(path: Path, dag_id: str) -> dict[tuple[str, str], dict]:
    """{(task_id, eventType): event} of the task runs (not the DAG run) in an OpenLineage file."""
    events = {}
    for line in path.read_text().splitlines():
        event = json.loads(line)
        job = event["job"]["name"]
        if job.startswith(f"{dag_id}."):
            events[job.removeprefix(f"{dag_id}."), event["eventType"]] = event
    return events


@pytest.fixture
def orders_parquet(tmp_path) -> Path:
    import pandas as pd

    path = tmp_path / "daily_orders.parquet"
    pd.DataFrame({"amount": [1.5, 2.5, None, 4.0], "status": ["paid", "new", "paid", None]}).to_parquet(path)
    return path


def test_every_gate_kind_emits_assertions_metrics_and_its_gate_run(gate_store, warehouse, orders_parquet, airflow_db, tmp_path):  # noqa: F811
    events_file = tmp_path / "events.jsonl"
    states, _ = run_in_process(
        "lineage_every_gate", {"type": "file", "log_file_path": str(events_file), "append": True}, parquet=str(orders_parquet)
    )
    assert states == {
        "schema_gate": "failed",
        "load": "upstream_failed",
        "anomaly_gate": "success",
        "drift_gate": "success",
        "skew_gate": "success",
        "reference_gate": "success",
        "model_gate": "success",
        "serving_gate": "success",
        "decorated_gate": "success",
    }
    events = task_events(events_file, "lineage_every_gate")
    runs = {run.identity.task_id: run for run in gate_store.recent(dag_id="lineage_every_gate")}

    # The blocked gate: its FAIL event carries the facts, first of all which checks failed.
    blocked = events["schema_gate", "FAIL"]
    (orders,) = blocked["inputs"]
    url = sa.engine.make_url(warehouse)
    if url.get_backend_name() == "postgresql":
        assert orders["namespace"] == f"postgres://{url.host}:{url.port}"
        assert orders["name"] == f"{url.database}.public.orders"
    else:
        assert (orders["namespace"], orders["name"]) == (f"sqlite://{url.database}", "main.orders")
    assertions = orders["facets"]["dataQualityAssertions"]["assertions"]
    by_name = {(a["name"], a.get("column")): a for a in assertions}  # OpenLineage leaves out nulls
    negative = by_name["greater_than_or_equal_to", "amount"]
    assert negative["success"] is False and negative["severity"] == "error" and negative["params"]["status"] == "failed"
    assert by_name["isin", "status"]["success"] is True
    assert len(assertions) == len(runs["schema_gate"].result.checks)
    assert orders["inputFacets"]["dataQualityMetrics"]["rowCount"] == 80
    gate = blocked["run"]["facets"]["qualityGate"]
    assert gate["gateRunId"] == runs["schema_gate"].id and gate["status"] == "failed" and gate["mode"] == "fail"
    assert gate["reportUrl"].endswith(
        f"/dags/lineage_every_gate/runs/{runs['schema_gate'].identity.run_id.replace(':', '%3A').replace('+', '%2B')}"
        "/tasks/schema_gate/plugin/quality-checks"
    )
    assert {"check": "greater_than_or_equal_to", "column": "amount", "status": "failed"} in gate["failedChecks"]
    assert gate["_schemaURL"].endswith("QualityGateRunFacet.json#/$defs/QualityGateRunFacet")

    # Every other kind: a COMPLETE event, the checked dataset first, one assertion per recorded check.
    for task_id, kind in [
        ("anomaly_gate", "anomaly"),
        ("drift_gate", "drift"),
        ("skew_gate", "skew"),
        ("reference_gate", "reference"),
        ("model_gate", "model_metric"),
        ("serving_gate", "serving_metric"),
        ("decorated_gate", "schema"),
    ]:
        event = events[task_id, "COMPLETE"]
        checked = event["inputs"][0]
        recorded = runs[task_id]
        assert len(checked["facets"]["dataQualityAssertions"]["assertions"]) == len(recorded.result.checks), task_id
        assert checked["inputFacets"]["dataQualityMetrics"]["rowCount"] == recorded.result.row_count, task_id
        facet = event["run"]["facets"]["qualityGate"]
        assert (facet["gate"], facet["gateRunId"], facet["status"]) == (kind, recorded.id, recorded.result.status.value), task_id

    anomaly = events["anomaly_gate", "COMPLETE"]["inputs"][0]
    assert (anomaly["namespace"], anomaly["name"]) == ("file", str(orders_parquet))
    amount = anomaly["inputFacets"]["dataQualityMetrics"]["columnMetrics"]["amount"]
    assert amount == {
        "nullCount": 1,
        "count": 3,
        "distinctCount": 3,
        "min": 1.5,
        "max": 4.0,
        "sum": 8.0,
        "quantiles": pytest.approx({"0.05": 1.6, "0.25": 2.0, "0.5": 2.5, "0.75": 3.25, "0.95": 3.85}),
    }
    assert anomaly["inputFacets"]["dataQualityMetrics"]["columnMetrics"]["status"] == {"nullCount": 1, "count": 3, "distinctCount": 2}

    drift = events["drift_gate", "COMPLETE"]
    # Callables have no location: the checked one is named by the gate's dataset, others by their function.
    assert [(d["namespace"], d["name"]) for d in drift["inputs"]] == [(NAMESPACE, "serving_features"), (NAMESPACE, "training_features")]
    distance = drift["inputs"][0]["inputFacets"]["dataQualityMetrics"]["columnMetrics"]["distance_km"]
    assert (
        distance["nullCount"] == 0 and distance["count"] == 1500 and set(distance["quantiles"]) == {"0.05", "0.25", "0.5", "0.75", "0.95"}
    )
    assert drift["run"]["facets"]["qualityGate"]["status"] == "failed"  # drifted (miles), passed on in warn mode
    assert any(
        not a["success"] and a.get("column") == "distance_km" for a in drift["inputs"][0]["facets"]["dataQualityAssertions"]["assertions"]
    )

    decorated = events["decorated_gate", "COMPLETE"]["inputs"][0]  # a returned frame: named by the gate's dataset
    assert (decorated["namespace"], decorated["name"]) == (NAMESPACE, "decorated_orders")

    reference = events["reference_gate", "COMPLETE"]["inputs"][0]["inputFacets"]["dataQualityMetrics"]["columnMetrics"]
    assert reference["zone"] == {"nullCount": 0, "count": 3000, "distinctCount": 3}
    assert reference["distance_km"]["min"] < reference["distance_km"]["max"]


def test_a_gate_that_cannot_read_its_data_reports_the_error_on_failure(gate_store, airflow_db, tmp_path):
    events_file = tmp_path / "events.jsonl"
    states, _ = run_in_process("lineage_source_error", {"type": "file", "log_file_path": str(events_file), "append": True})
    assert states == {"schema_gate": "failed"}
    event = task_events(events_file, "lineage_source_error")["schema_gate", "FAIL"]
    (recorded,) = gate_store.recent(dag_id="lineage_source_error")
    facet = event["run"]["facets"]["qualityGate"]
    assert facet["status"] == "error" and facet["gateRunId"] == recorded.id
    assert facet["error"] == "/data/orders.txt: cannot tell the format from the name; pass format='csv' or 'parquet'"
    (orders,) = event["inputs"]
    assert (orders["namespace"], orders["name"]) == ("file", "/data/orders.txt")
    assert "dataQualityAssertions" not in (orders.get("facets") or {})  # nothing was checked


def test_a_transport_that_is_down_is_logged_and_changes_no_gate_outcome(gate_store, warehouse, orders_parquet, airflow_db):  # noqa: F811
    closed_port = _closed_port()
    transport = {"type": "http", "url": f"http://127.0.0.1:{closed_port}", "timeout": 1, "retry": {"total": 0}}
    states, log = run_in_process("lineage_every_gate", transport, parquet=str(orders_parquet))
    assert states["schema_gate"] == "failed" and states["load"] == "upstream_failed"
    assert {
        states[t] for t in ("anomaly_gate", "drift_gate", "skew_gate", "reference_gate", "model_gate", "serving_gate", "decorated_gate")
    } == {"success"}
    assert "Failed to emit OpenLineage event" in log or "OpenLineage" in log and "Connection refused" in log
    recorded = {run.identity.task_id: run.result.status.value for run in gate_store.recent(dag_id="lineage_every_gate")}
    assert recorded["schema_gate"] == "failed" and len(recorded) == 8


def test_importing_the_operators_imports_nothing_of_openlineage():
    code = (
        "import sys, airflow.sdk; before = {m for m in sys.modules if 'openlineage' in m}; "
        "import quality_gates.operators, quality_gates.decorators, quality_gates.assets; "
        "print(sorted({m for m in sys.modules if 'openlineage' in m or m.startswith('quality_gates.lineage.')} - before))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=TESTS.parent,
        env={**os.environ, "PYTHONPATH": str(TESTS.parent)},
    )
    assert done.stdout.strip() == "['quality_gates.lineage.facts', 'quality_gates.lineage.registry']"


def _closed_port() -> int:
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]
