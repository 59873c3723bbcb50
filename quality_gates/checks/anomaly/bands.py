"""The baseline band drawn behind a metric's history: where the metric usually lies.

For each partition, the median ± ``width`` robust standard deviations (1.4826 × MAD) of the
same metric over the ``window`` baseline partitions before it, the statistics the anomaly
detector normalises with. Partitions kept out of the baseline (flagged, confirmed bad) do not
widen the band of later ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from quality_gates.checks.anomaly.detector import BASE_THRESHOLD

_MAD_TO_SIGMA = 1.4826


def baseline_band(
    values: Sequence[float | None],
    in_baseline: Sequence[bool],
    *,
    window: int = 30,
    width: float = BASE_THRESHOLD,
    min_history: int = 7,
    bounds: tuple[float, float] | None = None,
) -> tuple[list[float | None], list[float | None]]:
    """(low, high) per partition, None where fewer than ``min_history`` earlier baseline values exist."""
    if len(values) != len(in_baseline):
        raise ValueError("values and in_baseline must have the same length")
    lows: list[float | None] = []
    highs: list[float | None] = []
    history: list[float] = []
    for value, member in zip(values, in_baseline):
        if len(history) >= min_history:
            recent = np.asarray(history[-window:], dtype=float)
            center = float(np.median(recent))
            spread = _MAD_TO_SIGMA * float(np.median(np.abs(recent - center)))
            low, high = center - width * spread, center + width * spread
            if bounds is not None:
                low, high = max(low, bounds[0]), min(high, bounds[1])
            lows.append(low)
            highs.append(high)
        else:
            lows.append(None)
            highs.append(None)
        if member and value is not None and np.isfinite(value):
            history.append(float(value))
    return lows, highs
