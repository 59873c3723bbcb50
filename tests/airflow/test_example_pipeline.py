"""The example pipeline of `make demo`, end to end in a fresh AIRFLOW_HOME, on both stores."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

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
    assert (
        "Blocked, did not run: build_features, check_feature_skew, check_serving_drift, deploy_model, detect_trip_anomalies, "
        "evaluate_candidate, gate_model, log_serving_features, profile_training_features, reconcile_features, serve_predictions, train_model"
        in out
    )
    good = out[out.index("scenario 'good'") : out.index("scenario 'broken'")]
    assert "deploy_model             success" in good
    # The worse candidate is blocked before deployment, with the metric and the slice named.
    worse = out[out.index("scenario 'worse_model'") : out.index("scenario 'skewed'")]
    assert "Gate gate_model (model_metric gate, dataset 'trip_duration_model', partition 2024-06-04): FAILED" in worse
    assert "✗ time_of_day=day: mae [failed]" in worse
    assert "mae on slice time_of_day=day regressed:" in worse
    assert "Blocked, did not run: deploy_model, serve_predictions" in worse
    # The skewed day: serving computes distance_km in miles; the skew gate names the column and distance.
    skewed = out[out.index("scenario 'skewed'") : out.index("scenario 'fresh'")]
    assert "check_feature_skew       failed" in skewed and "deploy_model             upstream_failed" in skewed
    assert "✗ distance_km: feature_skew [failed]" in skewed
    assert "distance_km: 100.0% of 20,000 joined rows differ between training and serving" in skewed
    assert "median serving/training ratio 0.62" in skewed
    assert re.search(r"distance_km: Wasserstein distance 0\.5\d+ reference standard deviations", skewed)
    # Serving under delayed labels: too few labels an hour after the day is no verdict; a degraded model blocks.
    assert "Gate evaluate_serving (serving_metric gate, dataset 'served_predictions', partition 2024-06-05): WARNED" in out
    assert "insufficient labels: only 69.3% labelled (1,387 of 2,000 predictions" in out
    assert "as of 2024-06-06T01:00:00+00:00; minimum 90%)" in out
    assert "roc_auc overall regressed: 0.7068" in out
    assert ("quality_gates.db" if store_url.startswith("sqlite") else "postgresql+psycopg2://") in out
