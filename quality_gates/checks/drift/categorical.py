"""Categorical drift methods on reference category counts: chi-square, L-infinity,
Jensen-Shannon, and the share of never-seen categories."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon

from quality_gates.checks.drift.measurement import Measurement
from quality_gates.checks.json_safe import truncate
from quality_gates.checks.profiles.binned import CategoryTally, most_frequent_unseen
from quality_gates.checks.profiles.reference import CategoryCounts

OTHER = "(other values)"
SHOWN_NEW = 10


def compare_categorical(reference: CategoryCounts, current: CategoryTally) -> list[Measurement]:
    """``current``: the current column's non-null values (as text) counted against the reference's categories."""
    known = list(reference.counts)
    current_known = np.array([current.known.get(value, 0) for value in known], dtype="float64")
    labels = [*known, OTHER]
    r = np.array([*reference.counts.values(), reference.other], dtype="float64")
    c = np.append(current_known, float(current.unseen_count))
    used = (r > 0) | (c > 0)
    labels, r, c = [label for label, u in zip(labels, used) if u], r[used], c[used]
    p, q = r / r.sum(), c / c.sum()
    context = {"categories": len(labels), "reference_values": int(r.sum()), "current_values": int(c.sum())}
    return [
        _chi_square(r, c, context),
        _l_infinity(labels, p, q, context),
        _jensen_shannon(p, q, context),
        _unseen(reference, current, c.sum(), context),
    ]


def _chi_square(r, c, context) -> Measurement:
    table = np.vstack([r, c])
    total = table.sum()
    if table.shape[1] < 2:
        return Measurement("chi_square", 0.0, 1.0, "Cramér's V 0.000: a single category on both sides", context)
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / total
    chi2 = float(((table - expected) ** 2 / expected).sum())
    degrees = table.shape[1] - 1
    p_value = float(stats.chi2.sf(chi2, degrees))
    # Cramér's V, bias-corrected (Bergsma 2013): the plain V of two samples from one
    # distribution is about sqrt(categories / rows), 0.1 for 200 categories and 10,000 rows each.
    v = math.sqrt(max(0.0, chi2 - degrees) / total)
    return Measurement(
        "chi_square",
        v,
        p_value,
        f"Cramér's V {v:.3f} (bias-corrected; chi-square {chi2:.4g}, {degrees} degrees of freedom)",
        {**context, "chi_square": chi2},
    )


def _l_infinity(labels, p, q, context) -> Measurement:
    gaps = np.abs(p - q)
    at = int(np.argmax(gaps))
    summary = f"largest change of a category's share {gaps[at]:.3f}: '{truncate(labels[at], 60)}' {p[at]:.1%} → {q[at]:.1%}"
    return Measurement("l_infinity", float(gaps[at]), None, summary, {**context, "category": truncate(labels[at], 200)})


def _jensen_shannon(p, q, context) -> Measurement:
    distance = float(jensenshannon(p, q, base=2))
    distance = 0.0 if not math.isfinite(distance) else distance
    return Measurement("jensen_shannon", distance, None, f"Jensen-Shannon distance {distance:.3f}", context)


def _unseen(reference: CategoryCounts, current: CategoryTally, current_total: float, context) -> Measurement:
    share = float(current.unseen_count / current_total) if current_total else 0.0
    examples = {truncate(str(k), 60): int(v) for k, v in most_frequent_unseen(current, SHOWN_NEW)}
    shown = ", ".join(f"'{k}' ({v:,})" for k, v in examples.items())
    if reference.other == 0:
        summary = f"{share:.2%} of current values are categories the reference never had" + (f": {shown}" if examples else "")
        baseline = 0.0
    else:
        # The reference kept only its most frequent values: a value outside them may be rare, not new.
        baseline = reference.other / reference.total
        summary = (
            f"{share:.2%} of current values are outside the reference's {len(reference.counts):,} most frequent "
            f"categories (reference: {baseline:.2%} outside them)" + (f": {shown}" if examples else "")
        )
    return Measurement(
        "unseen_categories",
        max(0.0, share - baseline),
        None,
        summary,
        {
            **context,
            "unseen_share": share,
            "reference_other_share": baseline,
            "unseen": examples,
            "unseen_distinct": int(current.unseen_distinct),
        },
    )
