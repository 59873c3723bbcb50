"""Model metrics with confidence intervals, overall and per slice; no Airflow, numpy underneath."""

from quality_gates.checks.model_metrics.definitions import (
    CLASSIFICATION, DEFAULT_METRICS, METRICS, REGRESSION, MetricDefinitionError,
)
from quality_gates.checks.model_metrics.evaluate import (
    DataFindings, Evaluation, EvaluationDataError, EvaluationSpec, MetricEstimate, estimates_for, evaluate_frame,
)
from quality_gates.checks.model_metrics.sums import OVERALL

__all__ = [
    "CLASSIFICATION", "DEFAULT_METRICS", "METRICS", "OVERALL", "REGRESSION", "DataFindings", "Evaluation",
    "EvaluationDataError", "EvaluationSpec", "MetricDefinitionError", "MetricEstimate", "estimates_for", "evaluate_frame",
]
