"""The frequent values of one coded column across partitions, as one table.

Every derived value feature (``unseen_share``, ``share_shift``, ``segment_shift``) and the test
of whether a column is coded at all read the same shares; building them once as an array
(partitions × values) lets each feature be a few array operations over the whole history
instead of a Python loop per partition (issue 14: 365 partitions × 100 columns in < 0.5 s).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from quality_gates.checks.profiles.model import ColumnProfile


@dataclass(frozen=True)
class ShareTable:
    values: list[str]  # sorted, so that ties resolve the same way whatever the partition order
    shares: np.ndarray  # (partitions, values): the share of each value, 0 where it was not listed
    listed: np.ndarray  # (partitions, values): the partition listed the value among its frequent ones

    @property
    def coverage(self) -> np.ndarray:
        """Per partition, the share of rows its frequent values cover."""
        return self.shares.sum(axis=1)


def share_table(columns: Sequence[ColumnProfile | None]) -> ShareTable:
    """The table of the given column profiles (one per partition; None: no such column)."""
    tops = [col.top_values if col is not None else () for col in columns]
    pairs = [pair for top in tops for pair in top]
    names = [value for value, _ in pairs]
    values = sorted(set(names))
    position = {value: i for i, value in enumerate(values)}
    rows = np.repeat(np.arange(len(tops)), [len(top) for top in tops])
    cells = np.array([position[value] for value in names], dtype=np.intp)
    shares = np.zeros((len(tops), len(values)))
    listed = np.zeros((len(tops), len(values)), dtype=bool)
    if pairs:
        shares[rows, cells] = [share for _, share in pairs]
        listed[rows, cells] = True
    return ShareTable(values, shares, listed)
