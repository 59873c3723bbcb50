"""Numeric drift methods on a reference histogram and the current values counted on its edges
(``BinnedValues``, computed by whichever engine holds the data): KS, Wasserstein, PSI.

The cumulative shares at each edge are exact for both sides, which gives the KS statistic at every
edge and PSI on reference deciles. The Wasserstein-1 distance integrates the gap between the two
CDFs, linear within a bin, and exactly outside the reference's range (from the sums of the values
there). A discrete reference (every value an edge, ``NumericSketch.discrete``) has a step CDF
that is known exactly, so KS is then exact everywhere and Wasserstein exact but for the case
``binned.py`` states.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from quality_gates.checks.drift.measurement import Measurement
from quality_gates.checks.profiles.binned import BinnedValues
from quality_gates.checks.profiles.reference import NumericSketch

PSI_BINS = 10
PSI_FLOOR = 1e-4  # a bin empty on one side would make PSI infinite; the usual floor


def compare_numeric(sketch: NumericSketch, current: BinnedValues) -> list[Measurement]:
    """``current``: the current column's finite values counted on ``sketch.edges``."""
    edges = sketch.edges
    reference_counts = sketch.counts.astype("float64")
    current_counts = current.bin_counts.astype("float64")
    n, m = reference_counts.sum(), current_counts.sum()
    reference_below = np.cumsum(reference_counts)[:-1] / n  # share below each edge
    current_below = np.cumsum(current_counts)[:-1] / m
    context = {
        "reference_mean": sketch.mean,
        "reference_std": sketch.std,
        "current_mean": current.mean,
        "current_std": current.std,
        "reference_values": int(n),
        "current_values": int(m),
    }
    return [
        _ks(sketch, current, reference_below, current_below, n, m, context),
        _wasserstein(sketch, current, reference_below, current_below, context),
        _psi(edges, reference_counts, current_counts, reference_below, int(current.between[-1]), context),
    ]


def _ks(sketch: NumericSketch, current: BinnedValues, reference_below, current_below, n, m, context) -> Measurement:
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


def _ks_points(sketch: NumericSketch, current: BinnedValues, reference_below, current_below):
    """Where the two CDFs are compared: (points, reference CDF, current CDF, "below"/"at or below")."""
    edges = sketch.edges
    if sketch.discrete:
        # The reference CDF is flat between edges, so the largest gap is at an edge: either the
        # shares at or below it, or the shares below it (the current CDF's value at its largest
        # value under the edge). Both are exact from the counts.
        reference_at_or_below, current_at_or_below = _step_cdfs(sketch, current)
        reference_under = np.concatenate(([0.0], reference_at_or_below[:-1]))
        current_under = np.concatenate(([0.0], current_at_or_below[:-1])) + current.between[:-1] / current.total
        return (
            np.concatenate((edges, edges)),
            np.concatenate((reference_at_or_below, reference_under)),
            np.concatenate((current_at_or_below, current_under)),
            ["at or below"] * len(edges) + ["below"] * len(edges),
        )
    # The shares below each edge, and at or below the reference maximum (all of the reference),
    # which catches current values above the reference's range.
    at_max = float(current.total - current.between[-1]) / current.total
    return (
        np.append(edges, edges[-1]),
        np.append(reference_below, 1.0),
        np.append(current_below, at_max),
        ["below"] * len(edges) + ["at or below"],
    )


def _step_cdfs(sketch: NumericSketch, current: BinnedValues) -> tuple[np.ndarray, np.ndarray]:
    """Shares at or below each edge of a discrete reference (its bin i + 1 holds the values equal
    to edge i) and of the current values."""
    reference = np.cumsum(sketch.counts)[1:] / sketch.total
    current_cdf = (np.cumsum(current.between)[:-1] + np.cumsum(current.at_edge)) / current.total
    return reference, current_cdf


def _wasserstein(sketch: NumericSketch, current: BinnedValues, reference_below, current_below, context) -> Measurement:
    edges = sketch.edges
    m = current.total
    below, above = int(current.between[0]), int(current.between[-1])
    # Outside the reference's range the reference CDF is 0 (below) or 1 (above): exact from the sums.
    outside = ((edges[0] * below - current.below_sum) + (current.above_sum - edges[-1] * above)) / m if m else 0.0
    if sketch.discrete:
        inside = _discrete_inside(sketch, current)
    else:
        widths = np.diff(edges)
        start = reference_below[:-1] - current_below[:-1]
        end = reference_below[1:] - current_below[1:]
        same_sign = start * end >= 0
        magnitude = np.abs(start) + np.abs(end)
        crossing = np.divide(start**2 + end**2, 2 * magnitude, out=np.zeros_like(magnitude), where=magnitude > 0)
        inside = float(np.sum(widths * np.where(same_sign, magnitude / 2, crossing)))
    distance = float(inside + outside)
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
        {**context, "distance": distance, "outside_reference_range": float((below + above) / m) if m else 0.0},
    )


def _discrete_inside(sketch: NumericSketch, current: BinnedValues) -> float:
    """The CDF gap integrated between a discrete reference's minimum and maximum. On [e_i, e_i+1) the
    reference CDF is constant; the current CDF steps up at its values strictly inside, taken at
    their mean: exact unless the two CDFs cross there with several distinct current values."""
    edges = sketch.edges
    if len(edges) < 2:
        return 0.0
    reference, current_cdf = _step_cdfs(sketch, current)
    m = current.total
    left, right = edges[:-1], edges[1:]
    inside = current.between[1:-1].astype("float64")
    sums = current.between_sum[1:-1] + inside * current.shift
    position = np.clip(np.divide(sums, inside, out=left.copy(), where=inside > 0), left, right)
    r, before = reference[:-1], current_cdf[:-1]
    after = before + inside / m
    return float(np.sum((position - left) * np.abs(r - before) + (right - position) * np.abs(r - after)))


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
