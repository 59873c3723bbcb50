"""Turn partition profiles into comparable features: (column, metric) → value.

Besides the profiled metrics, two features are derived here because they need the history,
for columns whose values are codes (text, whole numbers, hours of datetimes):

* ``unseen_share``: the share of rows whose value no earlier partition had among its frequent
  values (a new category code, a shifted clock);
* ``share_shift``: how far the shares of the frequent values moved from their typical shares
  (total variation distance): one value remapped to another, a source of rows gone missing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from quality_gates.checks.anomaly.segments import SEGMENT_SHIFT, segment_shifts
from quality_gates.checks.profiles.model import CATEGORICAL, DATETIME, NUMERIC, TABLE, ColumnProfile, PartitionProfile

UNSEEN = "unseen_share"
SHARE_SHIFT = "share_shift"
DERIVED = (UNSEEN, SHARE_SHIFT)  # shares of rows
VALUE_FEATURES = (*DERIVED, SEGMENT_SHIFT)
# Frequent values describe a column when they cover at least this share of its rows...
CODED_COVERAGE = 0.5
# ...and every value, when they cover this much: then values outside them are new too.
COMPLETE_COVERAGE = 0.98

Feature = tuple[str, str]  # (column, metric)


def _coverage(column: ColumnProfile | None) -> float:
    return sum(share for _, share in column.top_values) if column is not None and column.top_values else 0.0


def _is_coded(column: ColumnProfile | None) -> bool:
    """Text, hours of datetimes and whole numbers: values that are codes, not measurements."""
    if column is None or not column.top_values:
        return False
    if column.kind == NUMERIC:
        return column.metrics.get("integer_fraction") == 1.0
    return column.kind in (CATEGORICAL, DATETIME)


def feature_matrix(
    current: PartitionProfile, history: Sequence[PartitionProfile]
) -> tuple[list[Feature], np.ndarray, np.ndarray, dict[Feature, str]]:
    """Features of the current partition, the history matrix (rows = partitions), the current
    vector, and what a derived feature points at (the segment that moved)."""
    features: list[Feature] = [(column, metric) for column, metric, _ in current.metric_items()]
    vector = [value for _, _, value in current.metric_items()]
    coded = [
        name
        for name, col in current.columns.items()
        if _is_coded(col)
        and _coverage(col) >= CODED_COVERAGE
        and all(_is_coded(p.columns.get(name)) and _coverage(p.columns.get(name)) >= CODED_COVERAGE for p in history)
    ]
    # New values only where the frequent values list every value: elsewhere a rare value
    # entering the list by chance would look new.
    complete = {c for c in coded if all(_coverage(p.columns[c]) >= COMPLETE_COVERAGE for p in history)}
    features += [(column, metric) for column in coded for metric in VALUE_FEATURES if metric != UNSEEN or column in complete]
    index = {feature: i for i, feature in enumerate(features)}
    matrix = np.full((len(history), len(features)), np.nan)
    _fill_profiled(matrix, index, current, history)
    details: dict[Feature, str] = {}
    for column in coded:
        unseen, shift = _value_features(current.columns[column], [p.columns[column] for p in history])
        segments, move = segment_shifts(column, current, history)
        if move is not None:
            details[(column, SEGMENT_SHIFT)] = move.describe()
        for metric, values in ((UNSEEN, unseen), (SHARE_SHIFT, shift), (SEGMENT_SHIFT, segments)):
            if (column, metric) in index:
                vector.append(values[-1])
                matrix[:, index[(column, metric)]] = values[:-1]
    return features, matrix, np.array(vector, dtype=float), details


def _fill_profiled(matrix: np.ndarray, index: dict, current: PartitionProfile, history: Sequence[PartitionProfile]) -> None:
    # Where each column's metrics sit: profiles of the same layout fill a whole slice at once.
    layout = {
        name: (index[(name, next(iter(metrics)))], tuple(metrics))
        for name, metrics in [(TABLE, current.table_metrics)] + [(n, c.metrics) for n, c in current.columns.items()]
        if metrics
    }
    for row, profile in enumerate(history):
        for name, metrics in [(TABLE, profile.table_metrics)] + [(n, c.metrics) for n, c in profile.columns.items()]:
            start, names = layout.get(name, (0, ()))
            if tuple(metrics) == names:
                matrix[row, start : start + len(names)] = list(metrics.values())
                continue
            for metric, value in metrics.items():  # another layout (older profile, type change)
                position = index.get((name, metric))
                if position is not None:
                    matrix[row, position] = value


def _value_features(current: ColumnProfile, history: list[ColumnProfile]) -> tuple[list[float], list[float]]:
    """unseen_share and share_shift of every history partition (leave-one-out) and, last, of the current one."""
    partitions_with = Counter(value for col in history for value, _ in col.top_values)
    typical = _typical_shares(history)
    unseen, shift = [], []
    for position, col in enumerate([*history, current]):
        is_current = position == len(history)
        # A value is new to a history partition if no other partition had it (leave-one-out).
        new = (lambda v: partitions_with[v] == 0) if is_current else (lambda v: partitions_with[v] == 1)
        # Mass beyond the frequent values counts as new: the list held every value before.
        unseen.append(sum(share for value, share in col.top_values if new(value)) + max(0.0, 1.0 - _coverage(col)))
        shares = dict(col.top_values)
        values = set(shares) | set(typical)
        shift.append(0.5 * sum(abs(shares.get(v, 0.0) - typical.get(v, 0.0)) for v in values))
    return unseen, shift


def _typical_shares(history: list[ColumnProfile]) -> dict[str, float]:
    """Median share of each frequent value over history (0 where a partition lacked it)."""
    values = {value for col in history for value, _ in col.top_values}
    table = np.zeros((len(history), len(values)))
    order = {value: i for i, value in enumerate(values)}
    for row, col in enumerate(history):
        for value, share in col.top_values:
            table[row, order[value]] = share
    medians = np.median(table, axis=0) if len(history) else np.zeros(len(values))
    return {value: float(medians[i]) for value, i in order.items() if medians[i] > 0}
