"""The baseline band drawn behind a metric's history: where the metric usually lies.

For each partition, the median ± ``width`` robust standard deviations (1.4826 × MAD) of the
same metric over the ``window`` baseline partitions before it, the statistics the anomaly
detector normalises with. With ``margin``, the band is the detector's own threshold: ``width``
robust σ or ``margin`` times the window's widest deviation, whichever is wider (a metric that
always wobbles is allowed its wobble). Partitions kept out of the baseline (flagged, confirmed
bad) do not widen the band of later ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from quality_gates.checks.anomaly.detector import BASE_THRESHOLD
from quality_gates.checks.values import MAD_TO_SIGMA


def baseline_band(
    values: Sequence[float | None],
    in_baseline: Sequence[bool],
    *,
    window: int = 30,
    width: float = BASE_THRESHOLD,
    min_history: int = 7,
    bounds: tuple[float, float] | None = None,
    margin: float | None = None,
) -> tuple[list[float | None], list[float | None]]:
    """(low, high) per partition, None where fewer than ``min_history`` earlier baseline values exist."""
    if len(values) != len(in_baseline):
        raise ValueError("values and in_baseline must have the same length")
    array = np.array([np.nan if v is None else v for v in values], dtype=float)
    member = np.asarray(in_baseline, dtype=bool) & np.isfinite(array)
    history = array[member]
    # How many baseline values precede each partition: its band is made of the last `window` of them.
    before = np.concatenate(([0], np.cumsum(member)[:-1])) if len(array) else np.zeros(0, dtype=int)
    center = np.full(len(history) + 1, np.nan)
    spread = np.full(len(history) + 1, np.nan)
    widths = np.full(len(history) + 1, float(width))
    for count in range(min_history, min(window, len(history)) + 1):  # short histories, one by one
        center[count], spread[count] = _robust(history[:count])
        if margin is not None:
            widths[count] = _widths(history[:count][None, :], center[count : count + 1], spread[count : count + 1], width, margin)[0]
    if len(history) >= window:  # full windows, all at once
        windows = sliding_window_view(history, window)
        medians = _row_medians(windows)
        center[window:] = medians
        spread[window:] = MAD_TO_SIGMA * _row_medians(np.abs(windows - medians[:, None]))
        if margin is not None:
            widths[window:] = _widths(windows, center[window:], spread[window:], width, margin)
    low, high = center[before] - widths[before] * spread[before], center[before] + widths[before] * spread[before]
    if bounds is not None:
        low, high = np.maximum(low, bounds[0]), np.minimum(high, bounds[1])
    return _listed(low), _listed(high)


def _widths(windows: np.ndarray, center: np.ndarray, spread: np.ndarray, width: float, margin: float) -> np.ndarray:
    """The detector's threshold for each window (rows), in robust σ: ``width``, or ``margin`` × the widest deviation."""
    with np.errstate(divide="ignore", invalid="ignore"):
        widest = np.max(np.abs(windows - center[:, None]), axis=1) / spread
    return np.maximum(width, margin * np.nan_to_num(widest, nan=0.0, posinf=0.0))


def _robust(values: np.ndarray) -> tuple[float, float]:
    median = _row_medians(values[None, :])[0]
    return float(median), MAD_TO_SIGMA * float(_row_medians(np.abs(values - median)[None, :])[0])


def _row_medians(rows: np.ndarray) -> np.ndarray:
    """np.median(rows, axis=1), several times faster on many short rows (one sort, no NaN checks)."""
    ordered = np.sort(rows, axis=1)
    middle = rows.shape[1] // 2
    return ordered[:, middle] if rows.shape[1] % 2 else (ordered[:, middle - 1] + ordered[:, middle]) / 2


def _listed(array: np.ndarray) -> list[float | None]:
    return [None if v != v else v for v in array.tolist()]  # NaN → None
