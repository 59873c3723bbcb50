"""Turn partition profiles into comparable features: (column, metric) → value.

Besides the profiled metrics, one feature is derived here because it needs the history:
``unseen_share``, the share of a column's values that no earlier partition had (only for
columns whose top values cover nearly all rows, i.e. codes and categories).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from quality_gates.checks.profiles.model import TABLE, PartitionProfile

UNSEEN = "unseen_share"
# A column's values are enumerable when its top values cover this much of a partition.
ENUMERABLE_COVERAGE = 0.98

Feature = tuple[str, str]  # (column, metric)


def _known_values(profile: PartitionProfile, column: str) -> tuple[set[str], float] | None:
    col = profile.columns.get(column)
    if col is None or not col.top_values:
        return None
    return {value for value, _ in col.top_values}, sum(share for _, share in col.top_values)


def _unseen_share(profile: PartitionProfile, column: str, known: set[str]) -> float:
    col = profile.columns.get(column)
    if col is None or not col.top_values:
        return math.nan
    covered = sum(share for _, share in col.top_values)
    # Mass outside this partition's own top values is unknown: count it as unseen.
    return sum(share for value, share in col.top_values if value not in known) + max(0.0, 1.0 - covered)


def feature_matrix(current: PartitionProfile, history: Sequence[PartitionProfile]) -> tuple[list[Feature], np.ndarray, np.ndarray]:
    """Features of the current partition, the history matrix (rows = partitions) and the current vector."""
    features: list[Feature] = [(column, metric) for column, metric, _ in current.metric_items()]
    history_rows = [
        {(column, metric): value for column, metric, value in profile.metric_items()} for profile in history
    ]
    current_values = {(column, metric): value for column, metric, value in current.metric_items()}
    unseen_columns = _enumerable_columns(current, history)
    for column in unseen_columns:
        features.append((column, UNSEEN))
        known_per_partition = [(_known_values(p, column) or (set(), 0.0))[0] for p in history]
        partitions_with = Counter(value for known in known_per_partition for value in known)
        current_values[(column, UNSEEN)] = _unseen_share(current, column, set(partitions_with))
        for index, profile in enumerate(history):
            # Leave-one-out: a value is new to partition i if no other partition had it.
            others = {value for value, count in partitions_with.items() if count > 1 or value not in known_per_partition[index]}
            history_rows[index][(column, UNSEEN)] = _unseen_share(profile, column, others)
    matrix = np.array([[row.get(f, math.nan) for f in features] for row in history_rows], dtype=float).reshape(len(history), len(features))
    vector = np.array([current_values.get(f, math.nan) for f in features], dtype=float)
    return features, matrix, vector


def _enumerable_columns(current: PartitionProfile, history: Sequence[PartitionProfile]) -> list[str]:
    columns = []
    for column in current.columns:
        if column == TABLE:
            continue
        coverages = [known[1] for p in history if (known := _known_values(p, column)) is not None]
        if coverages and len(coverages) == len(history) and min(coverages) >= ENUMERABLE_COVERAGE:
            columns.append(column)
    return columns
