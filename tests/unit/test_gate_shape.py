"""The one gate shape: every gate's core returns a GateOutcome, kinds are enums, errors say
whether a retry can help, and the core imports nothing from sources or Airflow."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest

from quality_gates.checks import errors
from quality_gates.checks.anomaly import PartitionAnomalyDetector
from quality_gates.checks.artifacts import ModelPromotionArtifact, PartitionProfileArtifact, ReferenceProfileArtifact
from quality_gates.checks.drift.thresholds import DriftSettings
from quality_gates.checks.gates import anomaly_gate, drift_gate, model_gate, reference_gate, schema_gate, serving_gate, skew_gate
from quality_gates.checks.model_metrics import EvaluationSpec
from quality_gates.checks.model_metrics.rule import JudgingRule
from quality_gates.checks.model_metrics.serving_sql import DelayedLabelTables, Window, aggregate_delayed_labels
from quality_gates.checks.profiles import profile_partition
from quality_gates.checks.profiles.reference import profile_reference
from quality_gates.checks.results import (
    CheckKind,
    CheckResult,
    GateAction,
    GateKind,
    GateMode,
    GateOutcome,
    GateResult,
    Severity,
    Status,
    action_for,
)


def frame(rows: int = 500, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"id": range(rows), "amount": rng.gamma(2.0, 10.0, rows), "city": rng.choice(["a", "b"], rows)})


def test_schema_gate_returns_an_outcome_of_pandera_checks():
    schema = pa.DataFrameSchema({"amount": pa.Column(float, pa.Check.ge(0))})
    outcome = schema_gate(iter([frame(300), frame(200, seed=1)]), schema, allow_empty=False, max_failure_cases=5)
    assert isinstance(outcome, GateOutcome) and outcome.row_count == 500 and outcome.artifacts == ()
    assert outcome.status is Status.PASSED and {c.check_name for c in outcome.checks} >= {"greater_than_or_equal_to"}


def test_anomaly_gate_returns_the_profile_as_an_artifact_flagged_when_anomalous():
    history = [profile_partition(frame(seed=s)).with_key(f"2024-01-{s + 1:02d}") for s in range(10)]
    detector = PartitionAnomalyDetector(min_history=7)
    normal = anomaly_gate(profile_partition(frame(seed=42)).with_key("2024-01-20"), history, detector)
    broken = frame(seed=43).assign(amount=-1.0)
    flagged = anomaly_gate(profile_partition(broken).with_key("2024-01-21"), history, detector)
    assert [type(a) for a in normal.artifacts] == [PartitionProfileArtifact] and normal.artifacts[0].anomalous is False
    assert flagged.status is Status.FAILED and flagged.artifacts[0].anomalous is True
    assert flagged.checks[0].kind is CheckKind.PARTITION_ANOMALY
    assert {c.kind for c in flagged.checks[1:]} == {CheckKind.ANOMALY_EXPLANATION}


def test_drift_skew_and_reference_gates_return_outcomes():
    reference = profile_reference(frame(2_000))
    drifted = drift_gate(
        reference, frame(2_000, seed=1).assign(amount=lambda f: f.amount * 3), columns=None, settings=DriftSettings(), current_name="today"
    )
    assert drifted.row_count == 2_000 and drifted.status is Status.FAILED and drifted.artifacts == ()

    skewed = skew_gate(frame(), frame().assign(amount=lambda f: f.amount + 1), "id")
    assert skewed.row_count == 500 and skewed.status is Status.FAILED

    profiled = reference_gate(frame(), columns=None, version="v1", data_name="training data")
    (artifact,) = profiled.artifacts
    assert isinstance(artifact, ReferenceProfileArtifact) and artifact.version == "v1" and artifact.profile.row_count == 500
    assert {c.kind for c in profiled.checks} == {CheckKind.REFERENCE_COLUMN}
    assert profiled.checks[0].details["column_kind"] == "numeric"


def test_reference_gate_names_empty_data_as_a_configuration_error():
    with pytest.raises(errors.DriftInputError, match="^training data has 0 rows: a reference profile needs data$"):
        reference_gate(frame().iloc[:0], columns=None, version="v1", data_name="training data")


def test_model_gate_judges_in_the_core_and_promotes_only_a_passing_model():
    rng = np.random.default_rng(0)
    label = rng.integers(0, 2, 2_000)
    good = pd.DataFrame({"label": label, "predicted": label})
    spec = EvaluationSpec("classification", "label", "predicted", metrics=("accuracy",), resamples=100)
    promotion = ModelPromotionArtifact("v2", "deploy")
    passing = model_gate(good, spec, JudgingRule({"accuracy": 0.9}, 0.02, 30, 0.95), None, data_name="eval", promotion=promotion)
    assert passing.status is Status.PASSED and passing.artifacts == (promotion,)
    assert [c.kind for c in passing.checks] == [CheckKind.MODEL_METRIC]
    failing = model_gate(
        good.assign(predicted=1 - label), spec, JudgingRule({"accuracy": 0.9}, 0.02, 30, 0.95), None, data_name="eval", promotion=promotion
    )
    assert failing.status is Status.FAILED and failing.artifacts == ()
    broken = model_gate(good.drop(columns="predicted"), spec, JudgingRule({}, 0.02, 30, 0.95), None, data_name="eval")
    assert broken.status is Status.ERROR and broken.checks[0].kind is CheckKind.EVALUATION_DATA
    assert broken.checks[0].observed.startswith("eval: column(s) 'predicted' not in the evaluation data")


def test_serving_gate_reports_labels_and_judges_with_the_same_rule(tmp_path):
    from tests.dags.model_gate_dags import write_serving_log

    url = f"sqlite:///{tmp_path / 'serving.db'}"
    write_serving_log(url, scenario="settled")
    import sqlalchemy as sa

    tables = DelayedLabelTables("served_predictions", "arrived_labels", score_column="score")
    day = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    window = Window(day, day + dt.timedelta(days=1), day + dt.timedelta(days=30))
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        aggregates = aggregate_delayed_labels(connection, tables, window, task="classification", with_scores=True)
    engine.dispose()
    outcome = serving_gate(
        aggregates,
        tables,
        window,
        JudgingRule({"accuracy": 0.0}, 0.02, 30, 0.95),
        None,
        task="classification",
        metrics=("accuracy",),
        positive_label=1,
        half_life_seconds=None,
        resamples=100,
        seed=0,
        min_coverage=0.5,
    )
    assert outcome.row_count == aggregates.predictions
    kinds = [c.kind for c in outcome.checks]
    assert CheckKind.SERVING_EVALUATION in kinds and CheckKind.MODEL_METRIC in kinds
    with pytest.raises(errors.MetricDefinitionError, match="^arrived_labels: "):
        serving_gate(
            aggregates,
            tables,
            window,
            JudgingRule({}, 0.02, 30, 0.95),
            None,
            task="classification",
            metrics=("r2",),
            positive_label=1,
            half_life_seconds=None,
            resamples=100,
            seed=0,
            min_coverage=0.5,
        )


@pytest.mark.parametrize(
    ("status", "mode", "action"),
    [
        (Status.PASSED, GateMode.FAIL, GateAction.ALLOWED),
        (Status.WARNED, GateMode.FAIL, GateAction.ALLOWED),
        (Status.FAILED, GateMode.FAIL, GateAction.BLOCKED),
        (Status.ERROR, GateMode.FAIL, GateAction.BLOCKED),
        (Status.FAILED, GateMode.SKIP, GateAction.SKIPPED),
        (Status.FAILED, GateMode.WARN, GateAction.ALLOWED),
        (Status.ERROR, GateMode.WARN, GateAction.ALLOWED),
    ],
)
def test_the_action_follows_from_verdict_and_mode(status, mode, action):
    assert action_for(status, mode) is action


def test_summary_and_description_say_what_was_let_through():
    now = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    check = CheckResult("not_null", "amount", Status.FAILED, Severity.ERROR, "3 rows", "0 rows")
    result = GateResult(GateKind.SCHEMA, "orders", "2024-06-01", (check,), 10, now, now, mode=GateMode.WARN, action=GateAction.ALLOWED)
    assert (result.summary()["mode"], result.summary()["action"]) == ("warn", "allowed")
    assert result.describe().splitlines()[0] == "schema gate on orders [2024-06-01]: failed (allowed in warn mode)"


def test_checks_recorded_before_kinds_existed_are_recognised_by_name():
    old_anomaly = CheckResult("partition_anomaly", None, Status.FAILED, Severity.ERROR, "score 3", "score below 1", {"culprits": ["a"]})
    old_reference = CheckResult("reference_profiled", "x", Status.PASSED, Severity.WARN, "1 values", "values", {"kind": "numeric"})
    generic = CheckResult("not_null", "x", Status.PASSED, Severity.ERROR, "0", "0", {})
    assert (old_anomaly.kind, old_reference.kind, generic.kind) == (CheckKind.PARTITION_ANOMALY, CheckKind.REFERENCE_COLUMN, None)


def test_gate_kinds_keep_the_stored_strings():
    assert [k.value for k in GateKind] == [
        "schema",
        "anomaly",
        "drift",
        "skew",
        "reference",
        "model_metric",
        "serving_metric",
        "freshness",
        "cross_table",
    ]


def test_errors_say_whether_a_retry_can_help_and_old_import_paths_still_work():
    from quality_gates.checks.drift import DriftInputError, ReferenceNotFoundError
    from quality_gates.checks.model_metrics import EvaluationDataError, MetricDefinitionError
    from quality_gates.hooks.store import StoreConfigurationError
    from quality_gates.sources import SourceConfigurationError, SourceError
    from quality_gates.store.model_baselines import PromotionError
    from quality_gates.store.repository import StoreUnavailableError

    configuration = (
        DriftInputError,
        ReferenceNotFoundError,
        EvaluationDataError,
        MetricDefinitionError,
        StoreConfigurationError,
        SourceConfigurationError,
        PromotionError,
        errors.SchemaDefinitionError,
        errors.UnsupportedDialectError,
    )
    assert all(issubclass(e, errors.ConfigurationError) and issubclass(e, ValueError) for e in configuration)
    assert all(issubclass(e, errors.RetryableError) for e in (SourceError, StoreUnavailableError))
    assert not issubclass(errors.RetryableError, errors.ConfigurationError)
    assert (SourceError, StoreUnavailableError) == (errors.SourceError, errors.StoreUnavailableError)


def test_the_core_imports_nothing_from_sources_store_or_airflow():
    code = (
        "import sys; import quality_gates.checks.gates, quality_gates.checks.drift, quality_gates.checks.anomaly.results, "
        "quality_gates.checks.model_metrics.gate; "
        "print(sorted({m.split('.')[0] if m.startswith('airflow') else '.'.join(m.split('.')[:2]) for m in sys.modules "
        "if m.startswith(('airflow', 'quality_gates.sources', 'quality_gates.store', 'quality_gates.operators'))}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_shared_helpers_exist_once():
    import pathlib

    import quality_gates

    root = pathlib.Path(quality_gates.__file__).parent
    sources = {p: p.read_text() for p in root.rglob("*.py")}
    for definition in ("def _aware(", "def _num(", "def _fmt(", "def _finite(", "def as_utc(", "= 1.4826"):
        found = [str(p.relative_to(root)) for p, text in sources.items() if definition in text]
        assert len(found) <= 1, (definition, found)
