"""Confidence intervals: a bucket bootstrap for metrics of sums, DeLong's for ROC AUC.

The bootstrap draws ``resamples`` multinomial reweightings of a slice's buckets at once (one
matrix product gives every replicate's sums) from a generator seeded by the gate's seed and the
slice's name: the same data gives the same interval on every run. Percentile intervals.

ROC AUC is not a function of sums; DeLong's variance (placement values, ties counting half)
gives an analytic normal interval from the distinct scores alone, with Kish's effective sample
size when rows are weighted.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from statistics import NormalDist

import numpy as np

from quality_gates.checks.model_metrics.sums import ScoreGroups


def replicate_weights(buckets: int, resamples: int, seed: int, name: str) -> np.ndarray:
    """(resamples, buckets) counts: each row a draw of ``buckets`` buckets with replacement."""
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    draws = rng.integers(0, buckets, size=(resamples, buckets))
    flat = (np.arange(resamples)[:, None] * buckets + draws).ravel()
    return np.bincount(flat, minlength=resamples * buckets).reshape(resamples, buckets).astype(np.float64)


def bootstrap_interval(replicate_sums: np.ndarray, metric: Callable[[np.ndarray], np.ndarray], confidence: float) -> tuple[float, float]:
    values = metric(replicate_sums)
    values = values[np.isfinite(values)]
    # A metric undefined in many replicates (a class that is rarely present) has no honest interval.
    if len(values) < 0.9 * len(replicate_sums) or len(values) == 0:
        return float("nan"), float("nan")
    tail = (1.0 - confidence) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def roc_auc(groups: ScoreGroups) -> float:
    value, _ = _auc_and_variance(groups)
    return value


def roc_auc_interval(groups: ScoreGroups, confidence: float) -> tuple[float, float, float]:
    value, variance = _auc_and_variance(groups)
    if not np.isfinite(variance):
        return value, float("nan"), float("nan")
    half = NormalDist().inv_cdf(0.5 + confidence / 2) * float(np.sqrt(variance))
    return value, max(0.0, value - half), min(1.0, value + half)


def _auc_and_variance(groups: ScoreGroups) -> tuple[float, float]:
    positives, negatives = groups.positive.sum(), groups.negative.sum()
    if positives <= 0 or negatives <= 0:
        return float("nan"), float("nan")
    negatives_below = np.cumsum(groups.negative) - groups.negative
    positives_above = positives - np.cumsum(groups.positive)
    # Placement values: where a positive ranks among negatives and vice versa.
    v10 = (negatives_below + 0.5 * groups.negative) / negatives
    v01 = (positives_above + 0.5 * groups.positive) / positives
    auc = float(np.sum(groups.positive * v10) / positives)
    n_pos = positives**2 / groups.positive_sq
    n_neg = negatives**2 / groups.negative_sq
    if n_pos < 2 or n_neg < 2:
        return auc, float("nan")
    s10 = np.sum(groups.positive * (v10 - auc) ** 2) / positives * n_pos / (n_pos - 1)
    s01 = np.sum(groups.negative * (v01 - auc) ** 2) / negatives * n_neg / (n_neg - 1)
    return auc, float(s10 / n_pos + s01 / n_neg)
