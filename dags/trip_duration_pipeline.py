"""Example ML pipeline with quality gates:
extract → freshness gate → schema gate → anomaly gate → features → reconciliation gate → train → model gate ┐
                                       serving features → skew gate, drift gate ┴→ deploy → serve.

Run it with `make demo`. Each daily partition of trips lands as a parquet file. The schema gate
checks every row against the rules in schemas/trips.yaml; the anomaly gate compares the day's
profile with earlier days and catches breakage no row rule sees. After training, the training
features are profiled and stored as the reference; the candidate model is evaluated on held-out
trips and compared with the production model; serving logs the features it computes with its own
code, and a skew gate (joined on trip_id) and a drift gate (against the stored reference) stand
before `deploy_model` too.

Trigger with conf {"scenario": "broken"} (rows that break the rules) or {"scenario": "drifted"}
(every row plausible, the day as a whole is not) and watch the gates block training and serving.
With {"scenario": "worse_model"} the data is clean but the candidate is trained without the
rush-hour feature: the model gate blocks its deployment and names the metrics and the slices. With
{"scenario": "skewed"} serving computes distance_km in miles: the skew gate blocks deployment.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pendulum
from airflow.sdk import DAG, Asset, Param, task

from quality_gates.notifiers import QualityGateNotifier, WebhookChannel
from quality_gates.operators import (
    CrossTableGateOperator,
    DriftGateOperator,
    FreshnessGateOperator,
    ModelMetricGateOperator,
    PartitionAnomalyGateOperator,
    ReferenceProfileOperator,
    Relationship,
    RowCountMatch,
    SchemaGateOperator,
    SkewGateOperator,
    StoredReference,
    promote_model_baseline,
)
from quality_gates.sources import FileSource

DATA_DIR = Path(os.environ.get("QUALITY_GATES_DEMO_DATA", Path(os.environ.get("AIRFLOW_HOME", "~/airflow")) / "demo_data")).expanduser()
TRIPS_FILE = str(DATA_DIR / "trips" / "{{ ds }}.parquet")
CANDIDATE_EVALUATION_FILE = str(DATA_DIR / "evaluation" / "{{ ds }}.candidate.parquet")
FEATURES_FILE = str(DATA_DIR / "trips" / "{{ ds }}.features.parquet")  # written by build_features
SERVING_FEATURES_FILE = str(DATA_DIR / "serving" / "{{ ds }}.features.parquet")
MODEL_FEATURES = ["distance_km", "rush_hour", "night", "passenger_count", "airport"]
VALIDATED_TRIPS = Asset("demo_validated_trips")
# One message when a gate starts failing on the trips, one when it recovers. Add an
# EmailChannel or SlackChannel for real people; `make demo` points this webhook at a local sink.
ALERTS = QualityGateNotifier(channels=[WebhookChannel(http_conn_id="quality_gates_demo_alerts", endpoint="/alerts", timeout=5)])
ALERTING = {"on_failure_callback": ALERTS, "on_success_callback": ALERTS, "on_warning_callback": ALERTS}

with DAG(
    dag_id="trip_duration_pipeline",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 6, 1, tz="UTC"),
    catchup=False,
    params={
        "scenario": Param(
            "good",
            enum=["good", "broken", "drifted", "skewed", "worse_model"],
            description="land a clean, broken or drifted partition, serve with skewed features, or train a worse model",
        )
    },
    tags=["quality-gates", "example"],
) as dag:

    @task
    def extract_trips(ds=None, params=None) -> str:
        from trips_example.data import generate_trips

        trips = generate_trips(pendulum.parse(ds).date(), scenario=params["scenario"])
        path = Path(TRIPS_FILE.replace("{{ ds }}", ds))
        path.parent.mkdir(parents=True, exist_ok=True)
        trips.to_parquet(path, index=False)
        return str(path)

    # Did the day's trips arrive up to the end of the day? Newest pickup vs the end of the data interval.
    check_trips_freshness = FreshnessGateOperator(
        task_id="check_trips_freshness",
        source=FileSource(TRIPS_FILE),
        timestamp_column="pickup_at",
        warn_after=dt.timedelta(hours=2),
        error_after=dt.timedelta(hours=6),
        relative_to="data_interval_end",
        dataset="trips",
        **ALERTING,
    )

    validate_trips = SchemaGateOperator(
        task_id="validate_trips",
        source=FileSource(TRIPS_FILE),
        schema="../schemas/trips.yaml",
        dataset="trips",
        mode="fail",
        **ALERTING,
    )

    detect_trip_anomalies = PartitionAnomalyGateOperator(
        task_id="detect_trip_anomalies",
        source=FileSource(TRIPS_FILE),
        dataset="trips",
        history=30,
        mode="fail",
        **ALERTING,
        outlets=[VALIDATED_TRIPS],  # emitted only when both gates pass
    )

    @task
    def build_features(trips_path: str) -> str:
        import pandas as pd
        from trips_example.model import build_features

        features_path = Path(trips_path).with_suffix(".features.parquet")
        build_features(pd.read_parquet(trips_path)).to_parquet(features_path, index=False)
        return str(features_path)

    # Reconciliation after the feature build: one feature row per trip, and no feature row without its trip.
    reconcile_features = CrossTableGateOperator(
        task_id="reconcile_features",
        source=FileSource(FEATURES_FILE),
        dataset="trip_features",
        checks=[RowCountMatch(compare_to=FileSource(TRIPS_FILE)), Relationship("trip_id", to=FileSource(TRIPS_FILE))],
        **ALERTING,
    )

    @task
    def train_model(features_path: str, params=None) -> str:
        import pandas as pd
        from trips_example.model import holdout, save, train, train_worse

        features = pd.read_parquet(features_path)
        training = features[~holdout(features)]
        model = train_worse(training) if params["scenario"] == "worse_model" else train(training)
        model_path = DATA_DIR / "models" / f"{Path(features_path).name.split('.')[0]}.json"
        model_path.parent.mkdir(parents=True, exist_ok=True)
        save(model, model_path)
        return str(model_path)

    @task
    def evaluate_candidate(model_path: str, features_path: str, ds=None) -> str:
        import json

        import pandas as pd
        from trips_example.model import evaluation_frame, holdout

        features = pd.read_parquet(features_path)
        path = Path(CANDIDATE_EVALUATION_FILE.replace("{{ ds }}", ds))
        path.parent.mkdir(parents=True, exist_ok=True)
        evaluation_frame(json.loads(Path(model_path).read_text()), features[holdout(features)]).to_parquet(path, index=False)
        return str(path)

    # Blocks a candidate that is worse than the model in production on any time of day, judged
    # with confidence intervals; the first model (no production yet) is deployed with a warning.
    gate_model = ModelMetricGateOperator(
        task_id="gate_model",
        source=FileSource(CANDIDATE_EVALUATION_FILE),
        model="trip_duration_model",
        task="regression",
        label_column="duration_min",
        prediction_column="predicted_duration_min",
        slice_columns=["time_of_day"],
        id_column="trip_id",
        tolerance=0.05,
        mode="fail",
        **ALERTING,
    )

    @task
    def deploy_model(model_path: str) -> str:
        import shutil

        production = DATA_DIR / "models" / "production.json"
        shutil.copyfile(model_path, production)
        # Deployed: this candidate's metrics are what the next candidates must match.
        promote_model_baseline("gate_model", version=Path(model_path).stem)
        return str(production)

    @task
    def serve_predictions(model_path: str, features_path: str) -> str:
        import json

        import pandas as pd
        from trips_example.model import predict

        features = pd.read_parquet(features_path)
        features["predicted_duration_min"] = predict(json.loads(Path(model_path).read_text()), features)
        out = DATA_DIR / "predictions" / Path(features_path).name.replace(".features", ".predictions")
        out.parent.mkdir(parents=True, exist_ok=True)
        features[["trip_id", "predicted_duration_min"]].to_parquet(out, index=False)
        return str(out)

    # Profiled once, at training: serving data is later compared with this, not with raw training data.
    profile_training_features = ReferenceProfileOperator(
        task_id="profile_training_features",
        source=FileSource(FEATURES_FILE),
        dataset="trip_features",
        version="{{ run_id }}",  # the training run
        columns=MODEL_FEATURES,
    )

    @task
    def log_serving_features(trips_path: str, ds=None, params=None) -> str:
        import pandas as pd
        from trips_example.serving import serving_features

        logged = serving_features(pd.read_parquet(trips_path), scenario=params["scenario"])
        path = Path(SERVING_FEATURES_FILE.replace("{{ ds }}", ds))
        path.parent.mkdir(parents=True, exist_ok=True)
        logged.to_parquet(path, index=False)
        return str(path)

    check_feature_skew = SkewGateOperator(
        task_id="check_feature_skew",
        training=FileSource(FEATURES_FILE),
        serving=FileSource(SERVING_FEATURES_FILE),
        key="trip_id",
        columns=MODEL_FEATURES,
        dataset="trip_features",
        mode="fail",
        **ALERTING,
    )

    check_serving_drift = DriftGateOperator(
        task_id="check_serving_drift",
        current=FileSource(SERVING_FEATURES_FILE),
        reference=StoredReference("trip_features", version="{{ run_id }}"),
        columns=MODEL_FEATURES,
        dataset="trip_features",
        mode="fail",
        **ALERTING,
    )

    trips = extract_trips()
    trips >> check_trips_freshness >> validate_trips >> detect_trip_anomalies
    features = build_features(trips)
    detect_trip_anomalies >> features
    candidate = train_model(features)
    features >> reconcile_features >> candidate
    evaluate_candidate(candidate, features) >> gate_model
    candidate >> profile_training_features
    serving_logged = log_serving_features(trips)
    detect_trip_anomalies >> serving_logged
    [features, serving_logged] >> check_feature_skew
    [profile_training_features, serving_logged] >> check_serving_drift
    # Deployed only when the model is no worse and serving sees the features it was trained on.
    deployed = deploy_model(candidate)
    [gate_model, check_feature_skew, check_serving_drift] >> deployed
    serve_predictions(deployed, features)
