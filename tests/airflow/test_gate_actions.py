"""Mode and action on every gate run, in real Airflow runs: the row, the XCom summary, and the
documented "what did we let through" query."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import text

from quality_gates.operators.base import SUMMARY_XCOM_KEY

DOC = Path(__file__).resolve().parents[2] / "docs" / "results-store.md"


@pytest.mark.parametrize(
    ("dag_id", "scenario", "task_state", "status", "action"),
    [
        ("gate_fail", "bad", "failed", "failed", "blocked"),
        ("gate_skip", "bad", "skipped", "failed", "skipped"),
        ("gate_warn", "bad", "success", "failed", "allowed"),
        ("gate_fail", "good", "success", "passed", "allowed"),
    ],
)
def test_every_gate_run_records_its_mode_and_the_action_taken(gate_store, run_dag, dag_id, scenario, task_state, status, action):
    dag_run, states = run_dag(dag_id, scenario=scenario)
    assert states["gate"] == task_state
    [stored] = gate_store.recent(dag_id=dag_id)
    assert (stored.result.status, stored.result.mode, stored.result.action) == (status, dag_id.split("_")[1], action)
    summary = dag_run.get_task_instance("gate").xcom_pull(task_ids="gate", key=SUMMARY_XCOM_KEY)
    assert (summary["mode"], summary["action"]) == (dag_id.split("_")[1], action)
    with gate_store.engine.connect() as connection:
        assert connection.execute(text("SELECT mode, action FROM gate_runs")).one() == (dag_id.split("_")[1], action)


def _let_through_query() -> str:
    section = DOC.read_text().split("### What did we let through?", 1)[1]
    return re.search(r"```sql\n(.*?)```", section, re.S).group(1)


def test_what_we_let_through_is_the_one_documented_query(gate_store, run_dag):
    run_dag("gate_warn", scenario="bad")  # let through
    run_dag("gate_warn", scenario="good")  # passed
    run_dag("gate_fail", scenario="bad")  # blocked
    run_dag("gate_skip", scenario="bad")  # skipped
    with gate_store.engine.connect() as connection:
        rows = connection.execute(text(_let_through_query())).mappings().all()
    assert [(r["dag_id"], r["status"], r["mode"]) for r in rows] == [("gate_warn", "failed", "warn")]
