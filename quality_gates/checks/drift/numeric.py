"""Numeric drift methods on a reference histogram and current values: KS, Wasserstein, PSI.

The current data is binned on the reference's quantile edges (``NumericSketch``): the
cumulative shares at each edge are exact for both sides, which gives the KS statistic at every
edge and PSI on reference deciles. The Wasserstein-1 distance integrates the gap between the two
CDFs, linear within a bin, and exactly outside the reference's range (from the current values).
A discrete reference (every value an edge, ``NumericSketch.discrete``) has a step CDF that is
known exactly, so KS and Wasserstein are then computed exactly against the current values.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from quality_gates.checks.drift.measurement import Measurement
from quality_gates.checks.profiles.reference import NumericSketch

PSI_BINS = 10
PSI_FLOOR = 1e-4  # a bin empty on one side would make PSI infinite; the usual floor


def compare_numeric(sketch: NumericSketch, current: np.ndarray) -> list[Measurement]:
    """``current``: the current column's finite values."""
    edges = sketch.edges
    reference_counts = sketch.counts.astype("float64")
    current_counts = sketch.bin_counts(current).astype("float64")
    n, m = reference_counts.sum(), current_counts.sum()
    reference_below = np.cumsum(reference_counts)[:-1] / n  # share below each edge
    current_below = np.cumsum(current_counts)[:-1] / m
    context = {
        "reference_mean": sketch.mean,
        "reference_std": sketch.std,
        "current_mean": float(current.mean()),
        "current_std": float(current.std()),
        "reference_values": int(n),
        "current_values": int(m),
    }
    return [
        _ks(sketch, current, reference_below, current_below, n, m, context),
        _wasserstein(sketch, current, reference_below, current_below, context),
        _psi(edges, reference_counts, current_counts, reference_below, np.count_nonzero(current > edges[-1]), context),
    ]


def _ks(sketch: NumericSketch, current, reference_below, current_below, n, m, context) -> Measurement:
    points, reference_cdf, current_cdf, relation = _ks_points(sketch, current, reference_below, current_below)
    gaps = np.abs(reference_cdf - current_cdf)
    at = int(np.argmax(gaps))
    statistic = float(gaps[at])
    effective = n * m / (n + m)
    p_value = float(stats.kstwo.sf(statistic, max(1, round(effective)))) if statistic > 0 else 1.0
    summary = (
        f"KS statistic {statistic:.3f}: largest gap between the CDFs, at {points[at]:.6g} "
        f"({reference_cdf[at]:.1%} of reference values {relation[at]} it, {current_cdf[at]:.1%} of current)"
    )
    return Measurement("ks", statistic, p_value, summary, {**context, "at_value": float(points[at])})


def _ks_points(sketch: NumericSketch, current, reference_below, current_below):
    """Where the two CDFs are compared: (points, reference CDF, current CDF, "below"/"at or below")."""
    if sketch.discrete:
        points, reference_cdf, current_cdf = _step_cdfs(sketch, current)
        return points, reference_cdf, current_cdf, ["at or below"] * len(points)
    # The shares below each edge, and at or below the reference maximum (all of the reference),
    # which catches current values above the reference's range.
    edges = sketch.edges
    at_max = float(np.count_nonzero(current <= edges[-1])) / len(current)
    return (
        np.append(edges, edges[-1]),
        np.append(reference_below, 1.0),
        np.append(current_below, at_max),
        ["below"] * len(edges) + ["at or below"],
    )


def _step_cdfs(sketch: NumericSketch, current):
    """Exact CDFs (share at or below) of a discrete reference and the current values at every value of either."""
    ordered = np.sort(current)
    points = np.union1d(sketch.edges, ordered)
    # Every reference value is an edge: its share at or below x is its share below the first edge above x.
    reference_cdf = np.cumsum(sketch.counts)[np.searchsorted(sketch.edges, points, side="right")] / sketch.total
    current_cdf = np.searchsorted(ordered, points, side="right") / len(ordered)
    return points, reference_cdf, current_cdf


def _wasserstein(sketch: NumericSketch, current, reference_below, current_below, context) -> Measurement:
    edges = sketch.edges
    m = len(current)
    below = current[current < edges[0]]
    above = current[current > edges[-1]]
    if sketch.discrete:
        # Step CDFs: the gap is constant between consecutive values, inside and outside the range.
        points, reference_cdf, current_cdf = _step_cdfs(sketch, current)
        distance = float(np.sum(np.diff(points) * np.abs(reference_cdf - current_cdf)[:-1]))
    else:
        widths = np.diff(edges)
        start = reference_below[:-1] - current_below[:-1]
        end = reference_below[1:] - current_below[1:]
        same_sign = start * end >= 0
        magnitude = np.abs(start) + np.abs(end)
        crossing = np.divide(start**2 + end**2, 2 * magnitude, out=np.zeros_like(magnitude), where=magnitude > 0)
        inside = float(np.sum(widths * np.where(same_sign, magnitude / 2, crossing)))
        outside = float((edges[0] - below).sum() + (above - edges[-1]).sum()) / m if m else 0.0
        distance = inside + outside
    std = sketch.std
    normalised = distance / std if std > 0 else (0.0 if distance == 0 else math.inf)
    summary = (
        f"Wasserstein distance {normalised:.3f} reference standard deviations "
        f"(mean {context['reference_mean']:.4g} → {context['current_mean']:.4g}, "
        f"std {std:.4g} → {context['current_std']:.4g})"
    )
    return Measurement(
        "wasserstein",
        normalised,
        None,
        summary,
        {**context, "distance": distance, "outside_reference_range": float((len(below) + len(above)) / m) if m else 0.0},
    )


def _psi(edges, reference_counts, current_counts, reference_below, current_above, context) -> Measurement:
    """PSI on reference deciles, plus a bin below the reference minimum and one above its maximum:
    pooled into the extreme deciles, values far outside the reference's range would hardly count."""
    # Bin i >= 1 starts at edge i-1; group bins by the reference share below their start (groups
    # 1 … PSI_BINS). Bin 0 holds current values below the minimum (group 0); current values above the
    # maximum leave the last bin (which starts at the maximum) for group PSI_BINS + 1.
    starts = np.concatenate(([0.0], reference_below))
    groups = np.minimum((starts * PSI_BINS + 1e-9).astype(int), PSI_BINS - 1) + 1
    groups[0] = 0
    current_counts = current_counts.copy()
    current_counts[-1] -= current_above
    p = np.append(np.bincount(groups, weights=reference_counts, minlength=PSI_BINS + 1), 0.0) / reference_counts.sum()
    q = np.append(np.bincount(groups, weights=current_counts, minlength=PSI_BINS + 1), current_above) / (
        current_counts.sum() + current_above
    )
    used = np.flatnonzero((p > 0) | (q > 0))
    p, q = np.maximum(p[used], PSI_FLOOR), np.maximum(q[used], PSI_FLOOR)
    terms = (q - p) * np.log(q / p)
    psi = float(terms.sum())
    worst = int(used[np.argmax(terms)])
    if worst == 0:
        where = f"below the reference minimum {edges[0]:.6g}"
    elif worst == PSI_BINS + 1:
        where = f"above the reference maximum {edges[-1]:.6g}"
    else:
        where = f"from {np.concatenate(([edges[0]], edges))[int(np.argmax(groups == worst))]:.6g}"
    shares = dict(zip(used, zip(p, q)))
    summary = (
        f"PSI {psi:.3f} over {len(used)} reference-quantile bins; largest shift in the bin {where}: "
        f"{shares[worst][0]:.1%} of reference values, {shares[worst][1]:.1%} of current"
    )
    return Measurement("psi", psi, None, summary, {**context, "bins": int(len(used))})
