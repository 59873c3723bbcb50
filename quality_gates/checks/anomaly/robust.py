"""Column statistics of the history matrix (rows = partitions, columns = metrics, NaN = not
measured), all metrics at once from one sort: ``np.nanmedian`` goes through masked arrays and
``np.unique`` per metric is a Python loop, and both dominated ``evaluate`` on long histories."""

from __future__ import annotations

import numpy as np


def sorted_columns(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each column sorted (NaN last) and its count of measured values."""
    return np.sort(matrix, axis=0), np.sum(~np.isnan(matrix), axis=0)


def column_medians(ordered: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The median of each column of ``ordered`` (from :func:`sorted_columns`), NaN where none."""
    if not ordered.shape[0]:
        return np.full(ordered.shape[1], np.nan)
    columns = np.arange(ordered.shape[1])
    low = ordered[np.maximum(counts - 1, 0) // 2, columns]
    high = ordered[counts // 2, columns]
    return np.where(counts > 0, (low + high) / 2, np.nan)


def grid_steps(ordered: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The grid each column's values move on: the smallest gap between its distinct finite
    values; 0 where it took a single value or more distinct values than half the rows (no grid)."""
    if np.isinf(ordered).any():
        ordered, counts = sorted_columns(np.where(np.isinf(ordered), np.nan, ordered))
    if ordered.shape[0] < 2:
        return np.zeros(ordered.shape[1])
    gaps = np.diff(ordered, axis=0)  # NaN wherever the upper value is not measured
    positive = gaps > 0
    distinct = np.where(counts > 0, 1 + positive.sum(axis=0), 0)
    smallest = np.min(np.where(positive, gaps, np.inf), axis=0)
    grid = (distinct >= 2) & (distinct <= ordered.shape[0] // 2)
    return np.where(grid, smallest, 0.0)
