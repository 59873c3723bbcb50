"""Real Airflow runs of the drift gate on data with ±inf and huge values: blocked and recorded."""

from __future__ import annotations

import pytest


def test_clean_data_passes(gate_store, run_dag):
    _, states = run_dag("drift_gate_non_finite", scenario="clean")
    assert states == {"gate": "success", "train": "success"}


@pytest.mark.parametrize(
    ("scenario", "observed"),
    [("half_inf", "50.0% non-finite (+inf 50.0%, -inf 0.0%)"), ("inf_and_huge", "10.0% non-finite (+inf 10.0%, -inf 0.0%)")],
)
def test_non_finite_values_block_the_gate_and_are_recorded(gate_store, run_dag, scenario, observed):
    _, states = run_dag("drift_gate_non_finite", scenario=scenario)
    assert states == {"gate": "failed", "train": "upstream_failed"}
    recorded = gate_store.recent(dag_id="drift_gate_non_finite", limit=1)[0].result
    assert recorded.status == "failed" and recorded.error is None
    problems = {(c.column, c.check_name): c for c in recorded.problems}
    assert problems[("fare", "non_finite_fraction_change")].observed == observed
    assert problems[("fare", "non_finite_fraction_change")].expected == "0.0% ± 1%"
    assert problems[(None, "dataset_drift")].details["culprits"][0]["column"] == "fare"
