"""The example pipeline of `make demo`, end to end in a fresh AIRFLOW_HOME, on both stores."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.airflow.conftest import airflow_uri

ROOT = Path(__file__).resolve().parents[2]


def test_demo_blocks_the_broken_partition_and_explains_why(store_url, tmp_path):
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow_home"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "QUALITY_GATES_DEMO_DATA": str(tmp_path / "data"),
    }
    if store_url.startswith("postgresql"):
        env["AIRFLOW_CONN_QUALITY_GATES_DEFAULT"] = airflow_uri(store_url)
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env, check=True, capture_output=True)
    demo = subprocess.run([sys.executable, str(ROOT / "scripts" / "run_demo.py")], env=env, capture_output=True, text=True)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    out = demo.stdout
    assert "Gate validate_trips (schema gate, dataset 'trips', partition 2024-06-01): PASSED" in out
    assert "Gate validate_trips (schema gate, dataset 'trips', partition 2024-06-02): FAILED" in out
    assert "✗ fare_amount: greater_than_or_equal_to [failed]" in out
    assert "expected: >= 0" in out
    assert "Blocked, did not run: build_features, deploy_model, evaluate_candidate, gate_model, serve_predictions, train_model" in out
    # The worse candidate is blocked before deployment, with the metric and the slice named.
    assert "Gate gate_model (model_metric gate, dataset 'trip_duration_model', partition 2024-06-04): FAILED" in out
    assert "✗ time_of_day=day: mae [failed]" in out
    assert "mae on slice time_of_day=day regressed:" in out
    assert "Blocked, did not run: deploy_model, serve_predictions" in out
    # Serving under delayed labels: too few labels an hour after the day is no verdict; a degraded model blocks.
    assert "Gate evaluate_serving (serving_metric gate, dataset 'served_predictions', partition 2024-06-05): WARNED" in out
    assert "insufficient labels: only 69.3% labelled (1,387 of 2,000 predictions" in out
    assert "as of 2024-06-06T01:00:00+00:00; minimum 90%)" in out
    assert "roc_auc overall regressed: 0.7068" in out
    assert ("quality_gates.db" if store_url.startswith("sqlite") else "postgresql+psycopg2://") in out
