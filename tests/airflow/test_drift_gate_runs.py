"""Real Airflow runs: reference profiled at training, drift and skew gates before deployment."""

from __future__ import annotations


def _latest(store, dag_id):
    return store.recent(dag_id=dag_id, limit=1)[0].result


def test_reference_then_drift_gate_passes_clean_serving_data_and_blocks_skewed(gate_store, run_dag):
    _, states = run_dag("drift_reference", dataset="trip_features", version="v1", rows="3000")
    assert states == {"profile": "success"}
    recorded = _latest(gate_store, "drift_reference")
    assert (recorded.gate, recorded.dataset, recorded.partition_key, recorded.status) == ("reference", "trip_features", "v1", "passed")
    assert [c.column for c in recorded.checks] == ["distance_km", "zone", "passengers"]
    assert gate_store.references.get("trip_features", "v1").row_count == 3_000

    _, states = run_dag("drift_gate", scenario="good", version="latest")
    assert states == {"gate": "success", "deploy_model": "success"}
    clean = _latest(gate_store, "drift_gate")
    assert clean.status == "passed" and clean.row_count == 1_500

    _, states = run_dag("drift_gate", scenario="skewed", version="v1")
    assert states == {"gate": "failed", "deploy_model": "upstream_failed"}
    blocked = _latest(gate_store, "drift_gate")
    failed = {(c.column, c.check_name): c for c in blocked.problems}
    assert set(failed) == {
        ("distance_km", "drift_ks"),
        ("distance_km", "drift_wasserstein"),
        ("distance_km", "drift_psi"),
        (None, "dataset_drift"),
    }
    wasserstein = failed[("distance_km", "drift_wasserstein")]
    assert wasserstein.details["explanation"].startswith("distance_km: Wasserstein distance 0.5")
    assert wasserstein.details["method"] == "wasserstein" and wasserstein.details["threshold"] == 0.1
    assert failed[(None, "dataset_drift")].details["culprits"][0]["column"] == "distance_km"


def test_missing_reference_fails_the_gate_naming_dataset_and_version(gate_store, run_dag):
    _, states = run_dag("drift_gate", scenario="good", version="run-42")
    assert states == {"gate": "failed", "deploy_model": "upstream_failed"}
    error = _latest(gate_store, "drift_gate").error
    assert error.startswith("no reference profile for dataset 'trip_features' (version 'run-42') in ")
    assert error.endswith("profile the training data with ReferenceProfileOperator (or profile_reference) first")


def test_reference_given_as_a_source_is_profiled_on_the_spot(gate_store, run_dag):
    _, states = run_dag("drift_gate_vs_source", scenario="skewed")
    assert states == {"gate": "success", "deploy_model": "success"}  # mode="warn"
    result = _latest(gate_store, "drift_gate_vs_source")
    assert result.status == "failed"
    dataset = [c for c in result.checks if c.check_name == "dataset_drift"][0]
    assert dataset.details["explanation"].startswith(
        "Drift against reference 'callable training_features' version 'read now': distance_km ("
    )


def test_skew_gate_blocks_deployment_on_a_skewed_feature_and_passes_clean_features(gate_store, run_dag):
    _, states = run_dag("skew_gate", scenario="good")
    assert states == {"gate": "success", "deploy_model": "success"}
    _, states = run_dag("skew_gate", scenario="skewed")
    assert states == {"gate": "failed", "deploy_model": "upstream_failed"}
    blocked = _latest(gate_store, "skew_gate")
    assert blocked.gate == "skew"
    skew = {(c.column, c.check_name): c for c in blocked.problems}
    distance = skew[("distance_km", "feature_skew")]
    assert distance.observed.endswith("% of 1,500 rows differ")
    assert distance.details["explanation"].startswith("distance_km: ")
    assert "median serving/training ratio 0.62" in distance.details["explanation"]
    assert set(skew) == {("distance_km", "feature_skew"), (None, "training_serving_skew")}


def test_empty_training_data_stores_no_reference_and_says_why(gate_store, run_dag):
    _, states = run_dag("drift_reference", dataset="empty_features", version="v0", rows="0")
    assert states == {"profile": "failed"}
    assert _latest(gate_store, "drift_reference").error == "callable training_features has 0 rows: a reference profile needs data"
    assert gate_store.references.versions("empty_features") == []
