"""The ``details`` each kind of check records: what the UI's views, the alerts and the model
baselines read. Producers build these (so a type checker sees a missing or misspelt key);
readers still use ``.get()``, because rows recorded by older versions may lack newer keys.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from quality_gates.checks.results import CheckKind


class _Explained(TypedDict):
    explanation: str  # one sentence a person can act on
    message: str  # the same sentence (the generic check table shows ``message``)


class PartitionAnomalyDetails(TypedDict, total=False):
    kind: Literal[CheckKind.PARTITION_ANOMALY]
    score: float | None  # ≥ 1 is anomalous
    culprits: list[str]  # the columns that made the partition unusual
    history_size: int
    message: str


class AnomalyExplanationDetails(TypedDict):
    kind: Literal[CheckKind.ANOMALY_EXPLANATION]
    z: float | None  # robust standard deviations from the history's median
    severity: float | None  # z over the metric's threshold: ≥ 1 flags
    median: float | None
    message: str


class DriftCulprit(TypedDict):
    column: str
    method: str
    statistic: Any  # a number, or "inf"
    threshold: float
    weight: float


class DatasetDriftDetails(_Explained):
    kind: Literal[CheckKind.DATASET_DRIFT]
    drift_share: float
    max_drift_share: float
    weighted: bool
    compared_columns: int
    drifted_columns: list[str]
    culprits: list[DriftCulprit]
    reference: str


class TrainingServingSkewDetails(_Explained):
    kind: Literal[CheckKind.TRAINING_SERVING_SKEW]
    skewed_features: list[str]
    compared_features: int
    joined_rows: int


class ReferenceColumnDetails(_Explained):
    kind: Literal[CheckKind.REFERENCE_COLUMN]
    column_kind: str  # numeric, categorical, boolean, datetime
    dtype: str
    null_fraction: float | None


class ModelMetricDetails(_Explained):
    kind: Literal[CheckKind.MODEL_METRIC]
    metric: str
    slice: str  # "overall" or "column=value"
    value: float | None
    ci_low: float | None
    ci_high: float | None
    confidence: float
    n: int  # rows behind the estimate
    interval_method: str
    direction: str  # "higher is better" | "lower is better"
    verdict: str  # passed, regressed, inconclusive, not judged, undefined, no baseline
    baseline: float | None
    baseline_source: str | None  # threshold | production
    bar: float | None
    tolerance: float | None


class EvaluationDataDetails(_Explained, total=False):
    kind: Literal[CheckKind.EVALUATION_DATA]
    rows: int
    ids: int
    examples: list[str]
    label_class: Any


class ServingEvaluationDetails(_Explained, total=False):
    """Volume, coverage, delay and class balance of a serving gate (one check each; each fills its keys)."""

    kind: Literal[CheckKind.SERVING_EVALUATION]
    predictions: int
    coverage: float
    labelled: int
    verdict: str  # "enough labels" | "insufficient labels"
    unjudged_metrics: dict[str, float | None]
    histogram: dict[str, int]
    mean_seconds: float | None
    max_seconds: float | None
    labels: dict[str, float]
    predicted: dict[str, float]
    predicted_labelled: dict[str, float]


DETAILS_BY_KIND: dict[CheckKind, type] = {
    CheckKind.PARTITION_ANOMALY: PartitionAnomalyDetails,
    CheckKind.ANOMALY_EXPLANATION: AnomalyExplanationDetails,
    CheckKind.DATASET_DRIFT: DatasetDriftDetails,
    CheckKind.TRAINING_SERVING_SKEW: TrainingServingSkewDetails,
    CheckKind.REFERENCE_COLUMN: ReferenceColumnDetails,
    CheckKind.MODEL_METRIC: ModelMetricDetails,
    CheckKind.EVALUATION_DATA: EvaluationDataDetails,
    CheckKind.SERVING_EVALUATION: ServingEvaluationDetails,
}
