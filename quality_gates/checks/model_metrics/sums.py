"""Summed statistics per slice and bootstrap bucket: what every engine hands to the intervals.

A slice's rows are spread over ``max_buckets`` buckets and each bucket keeps the sums of
``definitions``. Resampling buckets instead of rows keeps the bootstrap's cost independent of
the number of rows (1M rows cost the same as 1,000): for rows that are independent, random
buckets give the same variance of sums as rows do (with fewer rows than buckets, most buckets
hold one row or none: a Poisson-like row bootstrap).

A row's bucket is a scrambled hash of its position in the data (``bucket_of_position``), built
from integer ``+``, ``*`` and ``mod`` only, so that numpy, SQL, polars and Spark compute the very
same bucket for the same row: every engine gives the same intervals for the same rows in the
same order. ROC AUC ranks scores rounded to ``SCORE_DECIMALS`` (ties count half), so that an
engine returns at most 10^4 + 1 score groups per slice and class, whatever the row count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from quality_gates.checks.model_metrics.catalogue import REGRESSION
from quality_gates.checks.model_metrics.definitions import classification_width
from quality_gates.checks.model_metrics.spec import DEFAULT_MAX_BUCKETS

OVERALL = "overall"
SCORE_DECIMALS = 4
# A prime below 2^31: every intermediate product of the hash stays below 2^62 (BIGINT everywhere).
POSITION_PRIME = 2_147_483_647
# Probabilities are clipped like scikit-learn's log_loss, so that a confident miss costs a lot, not infinity.
EPSILON = np.finfo(np.float64).eps


@dataclass(frozen=True)
class ScoreGroups:
    """Positive and negative weight per distinct score (ascending): all ROC AUC needs."""

    scores: np.ndarray
    positive: np.ndarray
    negative: np.ndarray
    positive_sq: float  # sums of squared weights: effective sample sizes under weights
    negative_sq: float


@dataclass(frozen=True)
class SliceSums:
    slice: str
    rows: int
    buckets: np.ndarray  # (buckets, K) sums
    scores: ScoreGroups | None = None


def slice_name(column: str, value: object) -> str:
    return f"{column}={value}"


def bucket_of_position(position: Any, seed: int, max_buckets: int, mod: Callable[[Any, int], Any]) -> Any:
    """The bootstrap bucket of the row at 0-based ``position``: ``position`` may be a numpy array,
    a SQL expression, a polars or Spark column; ``mod(x, m)`` is the engine's modulo. A quadratic
    step scrambles the position, so that sorted data does not land in buckets by order."""
    x = mod(position + (seed * 7919) % POSITION_PRIME, POSITION_PRIME)
    h = mod(x * 48271 + 12345, POSITION_PRIME)
    h = mod(h * h, POSITION_PRIME)
    h = mod(h * 16807 + x, POSITION_PRIME)
    return mod(h, max_buckets)


def buckets_of_rows(rows: int, max_buckets: int, seed: int) -> np.ndarray:
    return bucket_of_position(np.arange(rows, dtype=np.int64), seed, max_buckets, np.mod)


def score_key(score: Any) -> Any:
    """The integer a score is grouped by for ROC AUC (numpy; SQL engines spell it the same)."""
    return np.round(score * 10.0**SCORE_DECIMALS)


def regression_buckets(y: np.ndarray, predicted: np.ndarray, weight: np.ndarray, bucket: np.ndarray, buckets: int) -> np.ndarray:
    error = predicted - y
    columns = (weight, weight * y, weight * y * y, weight * np.abs(error), weight * error * error)
    return np.column_stack([np.bincount(bucket, weights=c, minlength=buckets) for c in columns])


def classification_buckets(
    label: np.ndarray,
    predicted: np.ndarray,
    log_loss: np.ndarray | None,
    weight: np.ndarray,
    bucket: np.ndarray,
    buckets: int,
    n_classes: int,
) -> np.ndarray:
    """``label``/``predicted`` are class indexes; ``log_loss`` the per-row loss (or None)."""
    cells = n_classes * n_classes
    cell = bucket * cells + label * n_classes + predicted
    confusion = np.bincount(cell, weights=weight, minlength=buckets * cells).reshape(buckets, cells)
    losses = np.bincount(bucket, weights=weight * log_loss, minlength=buckets) if log_loss is not None else np.full(buckets, np.nan)
    out = np.empty((buckets, classification_width(n_classes)))
    out[:, :cells] = confusion
    out[:, -1] = losses
    return out


def binary_log_loss(is_positive: np.ndarray, score: np.ndarray) -> np.ndarray:
    probability = np.clip(np.where(is_positive, score, 1.0 - score), EPSILON, 1.0)
    return -np.log(probability)


def score_groups(score: np.ndarray, is_positive: np.ndarray, weight: np.ndarray) -> ScoreGroups:
    scores, index = np.unique(score_key(score), return_inverse=True)
    positive_weight = np.where(is_positive, weight, 0.0)
    negative_weight = weight - positive_weight
    return ScoreGroups(
        scores,
        np.bincount(index, weights=positive_weight, minlength=len(scores)),
        np.bincount(index, weights=negative_weight, minlength=len(scores)),
        float(np.sum(positive_weight**2)),
        float(np.sum(negative_weight**2)),
    )


def sums_for_rows(
    task: str,
    *,
    name: str,
    label: np.ndarray,
    predicted: np.ndarray,
    weight: np.ndarray,
    score: np.ndarray | None = None,
    n_classes: int = 0,
    positive: int | None = None,
    bucket: np.ndarray,
    max_buckets: int = DEFAULT_MAX_BUCKETS,
) -> SliceSums:
    """Sums of one slice. Classification: ``label``/``predicted`` are class indexes and
    ``score`` the positive-class probability (binary only); ``bucket`` each row's bucket."""
    buckets = max_buckets
    if task == REGRESSION:
        return SliceSums(name, len(label), regression_buckets(label, predicted, weight, bucket, buckets))
    groups = None
    losses = None
    if score is not None and positive is not None:
        is_positive = label == positive
        losses = binary_log_loss(is_positive, score)
        groups = score_groups(score, is_positive, weight)
    return SliceSums(name, len(label), classification_buckets(label, predicted, losses, weight, bucket, buckets, n_classes), groups)
