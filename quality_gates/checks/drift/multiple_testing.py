"""False discoveries across many columns: Benjamini-Hochberg adjusted p-values."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Adjusted p-values (q-values): reject where q < alpha controls the false discovery rate
    at alpha across the family (Benjamini & Hochberg, 1995)."""
    p = np.asarray(p_values, dtype="float64")
    m = len(p)
    if not m:
        return []
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1.0)
    result = np.empty(m)
    result[order] = adjusted
    return [float(v) for v in result]
