"""Turn partition profiles into comparable features: (column, metric) → value.

Besides the profiled metrics, two features are derived here because they need the history,
for columns whose values are codes (text, whole numbers, hours of datetimes):

* ``unseen_share``: the share of rows whose value no earlier partition had among its frequent
  values (a new category code, a shifted clock);
* ``share_shift``: how far the shares of the frequent values moved from their typical shares
  (total variation distance): one value remapped to another, a source of rows gone missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter

import numpy as np

from quality_gates.checks.anomaly.segments import SEGMENT_SHIFT, sampled_values, segment_shifts
from quality_gates.checks.anomaly.shares import ShareTable, share_table
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
    partitions = [*history, current]
    tables: dict[str, ShareTable] = {}
    for name, col in current.columns.items():
        if not _is_coded(col):
            continue
        columns = [p.columns.get(name) for p in partitions]
        if not all(_is_coded(c) for c in columns):
            continue
        table = share_table(columns)
        if table.coverage.min() >= CODED_COVERAGE:
            tables[name] = table
    # New values only where the frequent values list every value: elsewhere a rare value
    # entering the list by chance would look new.
    complete = {c for c, table in tables.items() if table.coverage[:-1].min(initial=1.0) >= COMPLETE_COVERAGE}
    features += [(column, metric) for column in tables for metric in VALUE_FEATURES if metric != UNSEEN or column in complete]
    index = {feature: i for i, feature in enumerate(features)}
    matrix = np.full((len(history), len(features)), np.nan)
    _fill_profiled(matrix, index, current, history)
    details: dict[Feature, str] = {}
    for column, table in tables.items():
        unseen, shift = _value_features(table)
        nulls = index.get((column, "null_fraction"))
        null_fraction = np.append(matrix[:, nulls], vector[nulls]) if nulls is not None else np.zeros(len(partitions))
        segments, move = segment_shifts(table, sampled_values(partitions, null_fraction))
        if move is not None:
            details[(column, SEGMENT_SHIFT)] = move.describe()
        for metric, values in ((UNSEEN, unseen), (SHARE_SHIFT, shift), (SEGMENT_SHIFT, segments)):
            if (column, metric) in index:
                vector.append(values[-1])
                matrix[:, index[(column, metric)]] = values[:-1]
    return features, matrix, np.array(vector, dtype=float), details


def _fill_profiled(matrix: np.ndarray, index: dict, current: PartitionProfile, history: Sequence[PartitionProfile]) -> None:
    # Column by column over the whole history: one lookup per profile fetches the column's
    # metrics in the current profile's order (the matrix's). Where a profile lacks a metric
    # (an older profile, a column missing or of another type), that column metric by metric.
    start = 0
    columns = [p.columns for p in history]
    for name, metrics in _metric_dicts(current):
        keys = tuple(metrics)
        if not keys:
            continue
        get = _getter(keys)
        try:
            block = [get(p.table_metrics) for p in history] if name == TABLE else [get(c[name].metrics) for c in columns]
            if block:
                matrix[:, start : start + len(keys)] = np.array(block, dtype=float)
        except KeyError:
            for row, profile in enumerate(history):
                column = profile.table_metrics if name == TABLE else getattr(profile.columns.get(name), "metrics", {})
                for metric, value in column.items():
                    position = index.get((name, metric))
                    if position is not None:
                        matrix[row, position] = value
        start += len(keys)


def _metric_dicts(profile: PartitionProfile) -> list[tuple[str, Mapping[str, float]]]:
    return [(TABLE, profile.table_metrics), *((name, column.metrics) for name, column in profile.columns.items())]


def _getter(keys: tuple[str, ...]) -> Callable[[Mapping[str, float]], tuple[float, ...]]:
    """The values of ``keys`` in one call, as a tuple (``itemgetter`` of a single key gives a scalar)."""
    if len(keys) == 1:
        key = keys[0]
        return lambda metrics: (metrics[key],)
    get: Callable[[Mapping[str, float]], tuple[float, ...]] = itemgetter(*keys)
    return get


def _value_features(table: ShareTable) -> tuple[np.ndarray, np.ndarray]:
    """unseen_share and share_shift of every history partition (leave-one-out) and, last, of the
    current one, from the column's share table (last row: the current partition)."""
    past = table.shares[:-1]
    partitions_with = table.listed[:-1].sum(axis=0)
    # A value is new to a history partition if no other partition had it (leave-one-out), to
    # the current one if no history partition had it.
    new = table.listed & np.vstack([np.broadcast_to(partitions_with == 1, past.shape), (partitions_with == 0)[None, :]])
    # Mass beyond the frequent values counts as new: the list held every value before.
    unseen = np.sum(table.shares * new, axis=1) + np.maximum(0.0, 1.0 - table.coverage)
    # The median share of each value over history, 0 where a partition lacked it.
    typical = np.median(past, axis=0) if len(past) else np.zeros(len(table.values))
    shift = 0.5 * np.sum(np.abs(table.shares - typical), axis=1)
    return unseen, shift
