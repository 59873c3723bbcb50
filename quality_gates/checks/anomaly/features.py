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


def _coverage(profile: PartitionProfile, column: str) -> float:
    col = profile.columns.get(column)
    return sum(share for _, share in col.top_values) if col is not None and col.top_values else 0.0


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
    vector = [value for _, _, value in current.metric_items()]
    unseen_columns = [c for c in current.columns if all(_coverage(p, c) >= ENUMERABLE_COVERAGE for p in history)]
    features += [(column, UNSEEN) for column in unseen_columns]
    index = {feature: i for i, feature in enumerate(features)}
    # Where each column's metrics sit: profiles of the same layout fill a whole slice at once.
    layout = {TABLE: (index[(TABLE, next(iter(current.table_metrics)))] if current.table_metrics else 0, tuple(current.table_metrics))}
    layout |= {name: (index[(name, next(iter(col.metrics)))], tuple(col.metrics)) for name, col in current.columns.items() if col.metrics}
    matrix = np.full((len(history), len(features)), np.nan)
    for row, profile in enumerate(history):
        groups = [(TABLE, profile.table_metrics)] + [(name, col.metrics) for name, col in profile.columns.items()]
        for name, metrics in groups:
            start, names = layout.get(name, (0, ()))
            if tuple(metrics) == names:
                matrix[row, start : start + len(names)] = list(metrics.values())
                continue
            for metric, value in metrics.items():  # another layout (older profile, type change)
                position = index.get((name, metric))
                if position is not None:
                    matrix[row, position] = value
    for column in unseen_columns:
        position = index[(column, UNSEEN)]
        partitions_with = Counter(value for p in history for value, _ in p.columns[column].top_values)
        vector.append(_unseen_share(current, column, set(partitions_with)))
        for row, profile in enumerate(history):
            # Leave-one-out: a value is new to a partition if no other partition had it.
            top = profile.columns[column].top_values
            unseen = sum(share for value, share in top if partitions_with[value] == 1)
            matrix[row, position] = unseen + max(0.0, 1.0 - sum(share for _, share in top))
    return features, matrix, np.array(vector, dtype=float)
