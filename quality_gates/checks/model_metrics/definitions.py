"""Each metric, declared once as a function of summed statistics.

Every metric except ROC AUC is a function of a few sums over rows (a confusion matrix, a sum of
log losses, sums of errors). Declaring them that way lets one definition serve every engine
(numpy arrays, SQL ``GROUP BY``) and every bootstrap replicate at once: a replicate is just the
same sums taken with other row weights. Functions take an array ``(..., K)`` of sums and return
``(...)`` values.

Averaging (documented, and what scikit-learn does): binary classification scores the
``positive_label`` class; multiclass precision, recall and F1 are macro averages over the
classes seen in labels or predictions, a class never predicted counting 0 precision
(scikit-learn's ``zero_division=0``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

CLASSIFICATION, REGRESSION = "classification", "regression"
TASKS = (CLASSIFICATION, REGRESSION)

# Regression statistics, in this order: sum of weights, of w*y, w*y², w*|error|, w*error².
REGRESSION_STATS = ("weight", "y", "y2", "abs_error", "sq_error")


@dataclass(frozen=True)
class Metric:
    name: str
    task: str
    higher_is_better: bool
    needs_score: bool = False
    binary_only: bool = False
    description: str = ""

    @property
    def direction(self) -> str:
        return "higher is better" if self.higher_is_better else "lower is better"


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("accuracy", CLASSIFICATION, True, description="share of rows whose predicted class is the label"),
        Metric("precision", CLASSIFICATION, True, description="of the rows predicted in a class, the share that are"),
        Metric("recall", CLASSIFICATION, True, description="of the rows in a class, the share predicted so"),
        Metric("f1", CLASSIFICATION, True, description="harmonic mean of precision and recall"),
        Metric("roc_auc", CLASSIFICATION, True, needs_score=True, binary_only=True,
               description="chance that a positive row scores above a negative one (ties count half)"),
        Metric("log_loss", CLASSIFICATION, False, needs_score=True, binary_only=True,
               description="mean negative log-likelihood of the label under the predicted probability"),
        Metric("mae", REGRESSION, False, description="mean absolute error"),
        Metric("rmse", REGRESSION, False, description="root mean squared error"),
        Metric("r2", REGRESSION, True, description="share of the label's variance the model explains"),
    )
}

DEFAULT_METRICS = {
    CLASSIFICATION: ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"),
    REGRESSION: ("mae", "rmse", "r2"),
}


class MetricDefinitionError(ValueError):
    """A metric that does not exist or does not fit the task or the data."""


def resolve_metrics(task: str, metrics: tuple[str, ...] | list[str] | None, *, has_score: bool, classes: int | None = None) -> tuple[str, ...]:
    """The metrics to compute: checked against the task; score-based ones only with a score."""
    if task not in TASKS:
        raise MetricDefinitionError(f"task must be one of {', '.join(TASKS)}, not {task!r}")
    if metrics is None:
        chosen = [m for m in DEFAULT_METRICS[task] if has_score or not METRICS[m].needs_score]
        return tuple(m for m in chosen if not (METRICS[m].binary_only and classes is not None and classes > 2))
    for name in metrics:
        metric = METRICS.get(name)
        if metric is None:
            raise MetricDefinitionError(f"unknown metric {name!r}; known: {', '.join(METRICS)}")
        if metric.task != task:
            raise MetricDefinitionError(f"metric {name!r} is for {metric.task}, not {task}")
        if metric.needs_score and not has_score:
            raise MetricDefinitionError(f"metric {name!r} needs a score (probability) column")
        if metric.binary_only and classes is not None and classes > 2:
            raise MetricDefinitionError(f"metric {name!r} is defined here for binary classification only, and the data has {classes} classes")
    return tuple(metrics)


def classification_width(n_classes: int) -> int:
    """Number of sums per row group: the confusion matrix cells, then the log-loss sum."""
    return n_classes * n_classes + 1


def _confusion(sums: np.ndarray, n_classes: int) -> np.ndarray:
    return sums[..., : n_classes * n_classes].reshape(*sums.shape[:-1], n_classes, n_classes)  # [label, predicted]


def _ratio(numerator, denominator):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan)


def _per_class(sums: np.ndarray, n_classes: int):
    matrix = _confusion(sums, n_classes)
    true_positives = np.diagonal(matrix, axis1=-2, axis2=-1)
    labelled = matrix.sum(axis=-1)
    predicted = matrix.sum(axis=-2)
    return true_positives, labelled, predicted


def _averaged(values: np.ndarray, present: np.ndarray, positive: int | None) -> np.ndarray:
    if positive is not None:
        return values[..., positive]
    values = np.where(present, values, 0.0)
    counted = present.sum(axis=-1)
    return _ratio(values.sum(axis=-1), counted)


def classification_metric(name: str, sums: np.ndarray, n_classes: int, positive: int | None) -> np.ndarray:
    """``positive``: index of the positive class for binary metrics, None for macro averages."""
    total = sums[..., : n_classes * n_classes].sum(axis=-1)
    true_positives, labelled, predicted = _per_class(sums, n_classes)
    present = (labelled + predicted) > 0
    if name == "accuracy":
        return _ratio(true_positives.sum(axis=-1), total)
    if name == "log_loss":
        return _ratio(sums[..., -1], total)
    if name == "precision":
        per_class = np.where(predicted > 0, _ratio(true_positives, predicted), 0.0)
    elif name == "recall":
        per_class = np.where(labelled > 0, _ratio(true_positives, labelled), 0.0)
    elif name == "f1":
        per_class = np.where(present, _ratio(2 * true_positives, labelled + predicted), 0.0)
    else:
        raise MetricDefinitionError(f"{name!r} is not a confusion-matrix metric")
    return _averaged(per_class, present, positive)


def regression_metric(name: str, sums: np.ndarray) -> np.ndarray:
    weight, y, y2, abs_error, sq_error = (sums[..., i] for i in range(len(REGRESSION_STATS)))
    if name == "mae":
        return _ratio(abs_error, weight)
    if name == "rmse":
        return np.sqrt(_ratio(sq_error, weight))
    if name == "r2":
        total_variation = y2 - _ratio(y * y, weight)
        # A constant label has no variance to explain (scikit-learn returns NaN-like 0 or 1 there).
        return 1.0 - _ratio(sq_error, np.where(total_variation > 1e-12 * np.abs(y2), total_variation, 0.0))
    raise MetricDefinitionError(f"{name!r} is not a regression metric")


def metric_function(name: str, task: str, n_classes: int, positive: int | None) -> Callable[[np.ndarray], np.ndarray]:
    if task == REGRESSION:
        return lambda sums: regression_metric(name, sums)
    return lambda sums: classification_metric(name, sums, n_classes, positive)
