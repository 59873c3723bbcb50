"""Each metric's formula, as a function of summed statistics (the catalogue is in ``catalogue``).

Every metric except ROC AUC is a function of a few sums over rows (a confusion matrix, a sum of
log losses, sums of errors). Declaring them that way lets one definition serve every engine
(numpy arrays, SQL ``GROUP BY``) and every bootstrap replicate at once: a replicate is just the
same sums taken with other row weights. Functions take an array ``(..., K)`` of sums and return
``(...)`` values.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from quality_gates.checks.model_metrics.catalogue import (  # noqa: F401  (re-exported)
    CLASSIFICATION,
    DEFAULT_METRICS,
    METRICS,
    REGRESSION,
    REGRESSION_STATS,
    TASKS,
    Metric,
    MetricDefinitionError,
    database_metrics,
    resolve_metrics,
)


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
