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
    assert "Blocked, did not run: build_features, check_feature_skew, check_serving_drift, deploy_model, detect_trip_anomalies, " \
        "log_serving_features, profile_training_features, serve_predictions, train_model" in out
    # The skewed day: serving computes distance_km in miles; the skew gate names the column and distance.
    skewed = out[out.index("scenario 'skewed'"):]
    assert "check_feature_skew       failed" in skewed and "deploy_model             upstream_failed" in skewed
    assert "✗ distance_km: feature_skew [failed]" in skewed
    assert "distance_km: 100.0% of 20,000 joined rows differ between training and serving" in skewed
    assert "median serving/training ratio 0.621" in skewed
    assert "distance_km: Wasserstein distance 0.563 reference standard deviations" in skewed
    good = out[out.index("scenario 'good'"):out.index("scenario 'broken'")]
    assert "deploy_model             success" in good
    assert ("quality_gates.db" if store_url.startswith("sqlite") else "postgresql+psycopg2://") in out
