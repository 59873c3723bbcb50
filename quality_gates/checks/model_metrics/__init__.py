"""Model metrics with confidence intervals, overall and per slice; no Airflow, numpy underneath.

The names that need numpy load on first use, so that a DAG file importing an operator (which
only needs the catalogue and the spec) stays cheap to parse.
"""

from quality_gates.checks.errors import EvaluationDataError, MetricDefinitionError
from quality_gates.checks.model_metrics.catalogue import CLASSIFICATION, DEFAULT_METRICS, METRICS, REGRESSION
from quality_gates.checks.model_metrics.spec import EvaluationSpec

_LAZY = {
    "DataFindings": "evaluate",
    "Evaluation": "evaluate",
    "MetricEstimate": "evaluate",
    "estimates_for": "evaluate",
    "evaluate_frame": "evaluate",
    "OVERALL": "sums",
}

__all__ = [
    "CLASSIFICATION",
    "DEFAULT_METRICS",
    "METRICS",
    "REGRESSION",
    "EvaluationDataError",
    "EvaluationSpec",
    "MetricDefinitionError",
    *_LAZY,
]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
